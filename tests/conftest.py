"""Shared fixtures: the snnTorch reference traces and a clean magic-network scope per test."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def ref():
    """snnTorch Tutorial 2 re-run with the real snnTorch (see tests/data/REFERENCE.md)."""
    with np.load(DATA / "snntorch_tutorial2.npz", allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


@pytest.fixture(autouse=True)
def _fresh_scope():
    import lifdsl as ld

    ld.start_scope()
    ld.prefs.target = "auto"
    ld.prefs.dtype = "float64"
    yield
