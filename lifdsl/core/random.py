"""One random generator drives every draw (string ``rand()``, initial values, inputs), so one
``seed()`` reproduces a whole simulation."""

from __future__ import annotations

import numpy as np

_state = {"rng": np.random.default_rng()}


def seed(value: int | None = None) -> None:
    """Seed lifdsl's generator (PCG64); ``None`` seeds it from the operating system."""
    _state["rng"] = np.random.default_rng(value)


def get_rng() -> np.random.Generator:
    """The generator every target draws from."""
    return _state["rng"]
