"""One random generator drives every draw (string ``rand()``, initial values, inputs), so one
``seed()`` reproduces a whole simulation."""

from __future__ import annotations

import numpy as np

_state = {"rng": np.random.default_rng()}


def seed(value: int | None = None) -> None:
    """Seed lifdsl's generator (PCG64); ``None`` seeds it from the operating system."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                              or value < 0):
        raise TypeError(f"seed must be a non-negative integer or None, got {value!r}")
    _state["rng"] = np.random.default_rng(value)


def get_rng() -> np.random.Generator:
    """The generator every target draws from."""
    return _state["rng"]
