"""The targets every simulation test runs on: NumPy always, Cython where it can build."""

from __future__ import annotations

import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available

TARGETS = [
    "numpy",
    pytest.param("cython", marks=pytest.mark.skipif(
        not compiler_available(), reason="no working C compiler / Cython")),
]


@pytest.fixture(params=TARGETS, autouse=True)
def target(request):
    """Run the test once per code generation target (sets ld.prefs.target)."""
    ld.prefs.target = request.param
    yield request.param
    ld.prefs.target = "auto"
