"""Ctrl-C at random points of a long run: afterwards state, time and every monitor agree at a
step boundary, and a continued run equals an uninterrupted one (both targets)."""

from __future__ import annotations

import _thread
import threading
import time

import numpy as np
import pytest

import lifdsl as ld
from tests.targets import TARGETS

DT = 1e-4


def _build(target: str):
    ld.seed(4)
    G = ld.NeuronGroup(300, """dv/dt = (I - v)/tau + 0.3*xi/sqrt(tau) : 1 (unless refractory)
                               I : 1""",
                       threshold="v > 1", reset="v = 0", refractory=1e-3, method="euler",
                       namespace={"tau": 10e-3}, dt=DT)
    G.I = "0.8 + 0.6*i/N"
    M = ld.StateMonitor(G, "v", record=[0, 150, 299])
    S = ld.SpikeMonitor(G)
    R = ld.PopulationRateMonitor(G)
    return ld.Network(G, M, S, R, target=target), G, M, S, R


def _results(G, M, S, R):
    return {"v": G.v.copy(), "last": G.lastspike.copy(), "Mv": M.v.copy(), "Mt": M.t.copy(),
            "Si": S.i.copy(), "St": S.t.copy(), "count": S.count.copy(), "rate": R.rate.copy()}


def _same(a: dict, b: dict) -> None:
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def _interrupted_run(target: str, steps: int, delay: float):
    net, G, M, S, R = _build(target)
    net.run(DT)          # compile first: the interrupt falls into the long run
    timer = threading.Timer(delay, _thread.interrupt_main)
    timer.start()
    try:
        net.run(steps * DT)
    except KeyboardInterrupt:
        pass
    finally:
        timer.cancel()
    return net, G, M, S, R


@pytest.mark.parametrize("target", TARGETS)
def test_ctrl_c_leaves_a_consistent_network_that_runs_on(target):
    total = 40000 if target == "cython" else 3000
    rng = np.random.default_rng()
    for delay in rng.uniform(0.05, 0.4, size=2):
        net, G, M, S, R = _interrupted_run(target, total, float(delay))
        done = int(round(net.t / DT))
        assert 1 <= done <= total + 1
        # every monitor holds exactly the steps done, nothing stamped at or after net.t
        assert M.t.size == done and R.t.size == done
        np.testing.assert_allclose(M.t[-1], (done - 1) * DT)
        assert S.t.size == 0 or S.t.max() < net.t - DT / 2
        at_interrupt = _results(G, M, S, R)
        net.run((total + 1 - done) * DT)          # continue to the end
        continued = _results(G, M, S, R)
        # (reference runs come last: ld.seed() gives every network a new stream)
        ref = _build(target)
        ref[0].run(DT)
        ref[0].run((done - 1) * DT)
        _same(at_interrupt, _results(*ref[1:]))   # the state of as many uninterrupted steps
        full = _build(target)
        full[0].run(DT)
        full[0].run(total * DT)
        _same(continued, _results(*full[1:]))     # and the continued run is the full one


@pytest.mark.parametrize("target", TARGETS)
def test_ctrl_c_is_honoured_quickly_in_a_large_network(target):
    """The first kernel call is sized by the work per step, so even a big population returns
    to Python (where Ctrl-C is seen) within a fraction of a second."""
    G = ld.NeuronGroup(2_000_000, "dv/dt = -v/tau : 1", method="exact",
                       namespace={"tau": 10e-3}, dt=DT)
    net = ld.Network(G, target=target)
    net.run(DT)
    t_int = []

    def hit():
        t_int.append(time.perf_counter())
        _thread.interrupt_main()

    timer = threading.Timer(0.3, hit)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        net.run(20000 * DT)
    waited = time.perf_counter() - t_int[0]
    timer.cancel()
    assert waited < 1.0, f"Ctrl-C took {waited:.2f} s to be honoured"
    assert 0 < net.t < 20001 * DT
