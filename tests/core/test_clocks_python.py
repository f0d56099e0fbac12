"""PythonOperation: a Python function called at a slot on its own clock, out of the compiled
loop, on both targets (the core of Brian2's network_operation)."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import ms

DT, TAU = 1e-4, 10e-3


def test_kicks_on_a_slower_clock_give_the_closed_form():
    G = ld.NeuronGroup(1, "dv/dt = -v/tau : 1", method="exact", namespace={"tau": TAU})
    G.v = 1.0
    seen = []

    def kick(t: float) -> None:
        seen.append(t)
        G.v = G.v[:] + 1.0

    op = ld.PythonOperation(kick, dt=0.5 * ms, when="start")
    M = ld.StateMonitor(G, "v", when="end")
    ld.Network(G, op, M).run(2 * ms)
    np.testing.assert_allclose(seen, [0.0, 0.5e-3, 1e-3, 1.5e-3], rtol=1e-12, atol=1e-18)
    # at the end of step k: the initial 1 and each kick at step s <= k decayed k + 1 - s steps
    e = np.exp(-DT / TAU)
    k = np.arange(20)
    want = e ** (k + 1) + sum(np.where(k >= s, e ** (k + 1 - s), 0.0) for s in (0, 5, 10, 15))
    np.testing.assert_allclose(M.v[0], want, rtol=1e-12)


def test_the_slot_decides_what_the_function_sees():
    G = ld.NeuronGroup(1, "dv/dt = 1/tau : 1", method="euler", namespace={"tau": TAU})
    before, after = [], []
    ops = [ld.PythonOperation(lambda t: before.append(float(G.v[0])), when="before_groups"),
           ld.PythonOperation(lambda t: after.append(float(G.v[0])), when="after_groups")]
    ld.Network(G, *ops).run(3 * DT)
    np.testing.assert_allclose(before, [0.0, 0.01, 0.02], atol=1e-15)
    np.testing.assert_allclose(after, [0.01, 0.02, 0.03], atol=1e-15)


def test_an_exception_stops_the_run_in_its_step_and_reaches_the_caller():
    def boom(t: float) -> None:
        if t > 10.5 * DT:
            raise RuntimeError(f"boom at {t:g}")

    net = ld.Network(ld.PythonOperation(boom))
    with pytest.raises(RuntimeError, match="boom at 0.0011"):
        net.run(2 * ms)
    assert net.t == pytest.approx(11 * DT)


def test_bad_arguments():
    with pytest.raises(TypeError, match="callable"):
        ld.PythonOperation(42)
    with pytest.raises(ValueError, match="when"):
        ld.PythonOperation(print, when="sometime")
