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


#: two times within this fraction of a step are the same time (Brian2's Clock.epsilon_dt)
EPSILON_DT = 1e-4


def first_step_at(t: float, dt: float) -> int:
    """The first step of a clock of ``dt`` at or after time ``t``: ``t/dt`` when it is a whole
    number to within 1e-4 of a step, else rounded up (Brian2's rule for a run's start and end)."""
    i = int(np.round(t / dt))
    if i * dt == t or abs(i * dt - t) / dt <= EPSILON_DT:
        return i
    return int(np.ceil(t / dt))


class TickTable:
    """The steps of a run on clocks whose dts are not multiples of one another (Brian2's
    order): each network step runs the clocks whose next time is the earliest, those within
    1e-4 of a step of it together.

    ``times[j]`` is the time of network step ``j`` (``times[n]`` the run's end), ``ticks[c][j]``
    clock ``c``'s own step at network step ``j`` or -1, ``first[c]``/``end[c]`` its steps in
    the run ``[first, end)``."""

    def __init__(self, t_start: float, t_end: float, dts: list[float]) -> None:
        self.dts = list(dts)
        self.first = [first_step_at(t_start, dt) for dt in dts]
        self.end = [max(f, first_step_at(t_end, dt)) for f, dt in zip(self.first, dts,
                                                                       strict=True)]
        own = [np.arange(f, e, dtype=np.int64) for f, e in zip(self.first, self.end,
                                                               strict=True)]
        times = np.concatenate([i * dt for i, dt in zip(own, dts, strict=True)] + [[]])
        which = np.concatenate([np.full(i.size, c, np.int64) for c, i in enumerate(own)]
                               + [np.empty(0, np.int64)])
        order = np.argsort(times, kind="stable")
        times, which = times[order], which[order]
        steps = np.concatenate(own + [np.empty(0, np.int64)])[order]
        step_dt = np.asarray(dts, dtype=np.float64)[which] if which.size else times
        # a tick joins the step of the tick before it when within 1e-4 of the finer dt
        gap = np.diff(times)
        new = np.ones(times.size, dtype=bool)
        new[1:] = (gap != 0) & (gap / np.minimum(step_dt[1:], step_dt[:-1]) >= EPSILON_DT)
        group = np.cumsum(new) - 1
        self.n = int(group[-1] + 1) if group.size else 0
        self.times = np.append(times[new], float(t_end))
        self.ticks = []
        for c in range(len(dts)):
            table = np.full(self.n, -1, dtype=np.int64)
            mine = which == c
            table[group[mine]] = steps[mine]
            self.ticks.append(table)

    def done(self, c: int, steps: int) -> int:
        """Clock ``c``'s own steps among the first ``steps`` network steps."""
        return int(np.count_nonzero(self.ticks[c][:steps] >= 0))
