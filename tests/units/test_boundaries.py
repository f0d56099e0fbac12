"""Quantities are accepted wherever lifdsl takes numbers (dt, durations, namespaces, delays,
rates, TimedArray values, refractory, state assignment) and reach the kernels as SI floats:
the same network with plain SI numbers gives the same spikes and values."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import Hz, ms, mV, nA, pF

EQS = "dv/dt = (El - v)/tau + I(t)/C : volt (unless refractory)"


def _net(u: dict, target: str):
    ld.start_scope()
    ld.seed(3)
    I = ld.TimedArray(np.array([0.0, 1.0, 2.0]) * u["nA"], dt=u["ms"])  # noqa: E741, F841
    G = ld.NeuronGroup(5, EQS, threshold="v > Vt", reset="v = El", refractory=2 * u["ms"],
                       method="euler", dt=0.1 * u["ms"],
                       namespace={"tau": 10 * u["ms"], "El": -65 * u["mV"], "C": 10 * u["pF"],
                                  "Vt": -50 * u["mV"]})
    G.v = -65 * u["mV"]
    G.run_regularly("v += 0.1*mV", dt=1 * u["ms"])
    P = ld.PoissonGroup(5, rates=200 * u["Hz"])
    S = ld.Synapses(P, G, "w : volt", on_pre="v_post += w", delay=1 * u["ms"])
    S.connect(p=0.5)
    S.w = 2 * u["mV"]
    PI = ld.PoissonInput(G, "v", N=10, rate=50 * u["Hz"], weight=0.5 * u["mV"])
    M = ld.StateMonitor(G, "v", record=True)
    sp = ld.SpikeMonitor(G)
    net = ld.Network(G, P, S, PI, M, sp, target=target)
    net.run(5 * u["ms"])
    return np.array(M.v_ if hasattr(M, "v_") else M.v), np.array(sp.i), np.array(sp.t)


@pytest.mark.parametrize("target", ["numpy"])
def test_quantities_and_si_floats_give_the_same_run(target):
    units = {"nA": nA, "ms": ms, "mV": mV, "pF": pF, "Hz": Hz}
    plain = {k: float(v) for k, v in units.items()}
    a = _net(units, target)
    b = _net(plain, target)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a[1].size > 0


def test_timed_array_of_quantities_is_checked():
    ld.start_scope()
    I = ld.TimedArray(np.array([0.0, 1.0]) * nA, dt=1 * ms)  # noqa: E741, F841
    G = ld.NeuronGroup(1, "dv/dt = I(t)/tau : volt", namespace={"tau": 10 * ms})
    with pytest.raises(ld.EquationError, match="amp"):
        ld.Network(G, target="numpy").run(1 * ms)
