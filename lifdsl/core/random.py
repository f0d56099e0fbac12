"""Random numbers: ``seed()`` starts one reproducible stream; each network takes its own.

String assignments such as ``G.v = 'rand()'`` draw from the global generator. The first run of a
network after ``seed()`` hands that generator (and so its stream, exactly where it stands) to
the network, and the global generator continues on an independent stream (PCG64 jumped ahead
by 2**127 draws). So a script's draws come in the order it makes them, each network's random
numbers are its own, and restoring one network's state rewinds no other network's.
"""

from __future__ import annotations

import numpy as np

_state = {"rng": np.random.default_rng(), "epoch": 0}


def seed(value: int | None = None) -> None:
    """Seed lifdsl's generator (PCG64); ``None`` seeds it from the operating system."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                              or value < 0):
        raise TypeError(f"seed must be a non-negative integer or None, got {value!r}")
    _state["rng"] = np.random.default_rng(value)
    _state["epoch"] += 1


def get_rng() -> np.random.Generator:
    """The global generator (string assignments and other draws outside a network's run)."""
    return _state["rng"]


def epoch() -> int:
    """How many times ``seed()`` was called: a network whose stream is older takes a new one."""
    return _state["epoch"]


def take_rng() -> np.random.Generator:
    """Hand the global stream over to a network; the global generator moves on to an
    independent stream."""
    rng = _state["rng"]
    _state["rng"] = np.random.Generator(rng.bit_generator.jumped())
    return rng
