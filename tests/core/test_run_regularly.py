"""run_regularly: statements for every neuron every step (or every dt), in a schedule slot."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld


def test_discrete_leaky_map_matches_the_recursion():
    beta, I = 0.9, np.array([0.05, 0.2, 0.3])
    G = ld.NeuronGroup(3, "U : 1\nI : 1", threshold="U > 1", reset="U -= 1", dt=1e-3)
    G.I = I
    G.run_regularly("U = beta*U + I", when="groups")
    G.thresholder.when = "start"
    M = ld.StateMonitor(G, "U")
    S = ld.SpikeMonitor(G)
    ld.Network(G, M, S).run(0.05, namespace={"beta": beta})
    u = np.zeros(3)
    trace, spikes = [], []
    for k in range(50):
        trace.append(u.copy())
        fired = u > 1
        spikes += [(k, n) for n in np.flatnonzero(fired)]
        u = beta * u + I
        u[fired] -= 1
    np.testing.assert_allclose(M.U, np.array(trace).T, rtol=0, atol=1e-12)
    assert sorted(zip(np.rint(S.t / 1e-3).astype(int), S.i, strict=True)) == spikes


def test_every_dt_and_order_within_the_slot():
    G = ld.NeuronGroup(2, "x : 1\ny : 1", dt=1e-3)
    G.run_regularly("x += 1", dt=3e-3)
    r = G.run_regularly("y = 2*x", when="groups", order=1)
    assert r.when == "groups"
    M = ld.StateMonitor(G, ["x", "y"], record=[0])
    ld.Network(G, M).run(0.01)
    # x counts the steps 0, 3, 6, 9 in 'start' (the default slot, as Brian2's), before the
    # monitor created after it records; y = 2*x in 'groups' shows after the monitor. Brian2
    # 2.9.0 (numpy target, dt = 1 ms, the same statements) gave M.x[0] = [1 1 1 2 2 2 3 3 3 4],
    # M.y[0] = [0 2 2 2 4 4 4 6 6 6], G.x = [4 4]
    np.testing.assert_array_equal(M.x[0], [1, 1, 1, 2, 2, 2, 3, 3, 3, 4])
    np.testing.assert_array_equal(M.y[0], [0, 2, 2, 2, 4, 4, 4, 6, 6, 6])
    np.testing.assert_array_equal(G.x, [4, 4])


def test_bad_run_regularly_code():
    G = ld.NeuronGroup(2, "x : 1\nz = 2*x : 1")
    with pytest.raises(ld.EquationError, match="subexpression"):
        G.run_regularly("z = 1")
    with pytest.raises(ld.EquationError, match="run_regularly"):
        G.run_regularly("x = = 1")
    G.run_regularly("x = 1", dt=1.5e-4)
    with pytest.raises(ValueError, match="whole number of time steps"):
        ld.Network(G).run(1e-3)
