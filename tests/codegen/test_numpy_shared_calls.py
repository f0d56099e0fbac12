"""The NumPy target computes a repeated per-element call (exp, exprel, log, ...) once per block,
as C's compiler does, while the names it reads are unchanged: fewer passes over the arrays,
the same values (one evaluation of the same expression, printed in the same order)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available

# a Hodgkin-Huxley gate with exponential Euler: the rate's exprel appears in the coefficient
# and in the update
GATE = """
dm/dt = alpha*(1 - m) - beta*m : 1
alpha = 0.32*4/exprel((13 - v)/4)/ms : Hz
beta = 0.28*5/exprel((v - 40)/5)/ms : Hz
v : 1
"""


def _group(**kw):
    G = ld.NeuronGroup(50, GATE, method="exponential_euler", namespace={"ms": 1e-3}, **kw)
    G.v = "-70 + 140*i/50.0"
    G.m = 0.05
    return G


def test_a_repeated_call_is_computed_once_and_read_after():
    src = _group().generated_code("numpy")
    step = src.split("def state_update")[1].split("\ndef ")[0]
    shared = re.findall(r"(_call\d+) = _exprel\(", step)
    assert shared, step
    for name in shared:   # assigned once, read at least twice
        assert len(re.findall(rf"\b{name}\b", step)) >= 3, step
    assert step.count("_exprel((13/4)") == 1


def test_a_call_is_not_shared_across_an_assignment_of_what_it_reads():
    G = ld.NeuronGroup(3, "x : 1\ny : 1", namespace={})
    G.x = 0.5
    G.run_regularly("y = exp(x); x = x + 1; y = y + exp(x)")
    src = G.generated_code("numpy")
    block = src.split("def regular_0")[1].split("\ndef ")[0]
    assert block.count("_exp(x)") == 2 and "_call" not in block
    ld.Network(G, target="numpy").run(ld.defaultclock.dt)
    np.testing.assert_allclose(G.y, np.exp(0.5) + np.exp(1.5), rtol=1e-15)


@pytest.mark.skipif(not compiler_available(), reason="needs a C compiler")
def test_shared_calls_keep_the_targets_together():
    out = {}
    for target in ("numpy", "cython"):
        G = _group()
        M = ld.StateMonitor(G, "m", record=True)
        ld.Network(G, M, target=target).run(50 * ld.defaultclock.dt)
        out[target] = np.asarray(M.m)
    assert np.ptp(out["numpy"]) > 0.1
    np.testing.assert_allclose(out["numpy"], out["cython"], rtol=1e-13, atol=0)
