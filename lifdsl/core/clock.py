"""The simulation clock: a time step, and conversion of durations into whole steps."""

from __future__ import annotations

import numpy as np


class Clock:
    """A time step ``dt`` in seconds; ``defaultclock`` serves every object without its own."""

    def __init__(self, dt: float = 1e-4) -> None:
        self.dt = dt

    @property
    def dt(self) -> float:
        """The time step in seconds."""
        return self._dt

    @dt.setter
    def dt(self, value: float) -> None:
        value = float(value)
        if not (value > 0 and np.isfinite(value)):
            raise ValueError(f"dt must be a positive time in seconds, got {value!r}")
        self._dt = value

    def __repr__(self) -> str:
        return f"Clock(dt={self._dt!r})"


class DefaultClock(Clock):
    """The clock of every object without its own dt; ``t`` and ``timestep`` are the magic
    network's (Brian2's ``defaultclock.t`` after ``run()``)."""

    @property
    def t(self) -> float:
        """Time reached by the magic network's runs, in seconds."""
        from lifdsl.core.network import magic_network

        return magic_network.t

    @property
    def timestep(self) -> int:
        """Steps done by the magic network's runs."""
        from lifdsl.core.network import magic_network

        return magic_network._step

    def __repr__(self) -> str:
        return f"defaultclock(dt={self._dt!r})"


defaultclock = DefaultClock(1e-4)


def steps_in(duration: float, dt: float, what: str = "duration") -> int:
    """``duration`` as a whole number of steps of ``dt``; anything else is an error, never a
    silent rounding."""
    duration = float(duration)
    if not np.isfinite(duration):
        raise ValueError(f"{what} must be a finite time in seconds, got {duration!r}")
    if duration < 0:
        raise ValueError(f"{what} must not be negative, got {duration!r} s")
    n = round(duration / dt)
    if abs(n * dt - duration) > 1e-9 * max(abs(duration), dt):
        raise ValueError(
            f"{what} {duration!r} s is not a whole number of time steps of dt = {dt!r} s "
            f"({duration / dt!r} steps); use a multiple of dt"
        )
    return int(n)
