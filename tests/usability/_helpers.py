"""Small helpers shared by the usability tests (acting as Brian2 / snnTorch / student users)."""

from __future__ import annotations

import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available

needs_cython = pytest.mark.skipif(not compiler_available(),
                                  reason="no working C compiler / Cython")


def run_group(model, duration=1e-3, target="numpy", n=3, setup=None, **kw):
    """Build a group, let ``setup`` set its state, run it alone, return it."""
    G = ld.NeuronGroup(n, model, **kw)
    if setup is not None:
        setup(G)
    ld.Network(G, target=target).run(duration)
    return G
