"""StateMonitor, SpikeMonitor and PopulationRateMonitor: shapes, indexing and consistency."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4
TAU = 10e-3


def _group(N=5):
    G = ld.NeuronGroup(N, "tau*dU/dt = -U + RI : 1\nRI : 1 (constant)\nI2 = 2*U + RI : 1",
                       threshold="U > 1", reset="U = 0", method="exact",
                       namespace={"tau": TAU})
    G.RI = np.linspace(0.5, 4.0, N)
    return G


def _rise(k, RI):
    return RI * (1 - np.exp(-np.asarray(k) * DT / TAU))


def test_state_monitor_shapes_and_rows():
    G = _group()
    M_all = ld.StateMonitor(G, "U")
    M_some = ld.StateMonitor(G, ["U", "RI"], record=[1, 3])
    M_none = ld.StateMonitor(G, "U", record=False)
    ld.Network(G, M_all, M_some, M_none).run(30 * DT)
    assert M_all.t.shape == (30,)
    assert M_all.U.shape == (5, 30)
    assert M_some.U.shape == (2, 30)
    assert M_some.RI.shape == (2, 30)
    assert M_none.U.shape == (0, 30)
    np.testing.assert_array_equal(M_some.U, M_all.U[[1, 3]])
    np.testing.assert_array_equal(M_some[3].U, M_all.U[3])
    np.testing.assert_array_equal(M_all[3].U, M_all.U[3])
    np.testing.assert_array_equal(M_some.RI, np.repeat(G.RI[[1, 3], None], 30, axis=1))
    with pytest.raises(IndexError):
        M_some[0]
    k = np.arange(10)  # before any spike
    np.testing.assert_allclose(M_all.U[:, :10], _rise(k[None, :], G.RI[:, None]), atol=1e-12)


def test_state_monitor_single_index_record():
    G = _group()
    M = ld.StateMonitor(G, "U", record=2)
    ld.Network(G, M).run(5 * DT)
    assert M.U.shape == (1, 5)
    np.testing.assert_allclose(M[2].U, _rise(np.arange(5), G.RI[2]), atol=1e-12)


def test_state_monitor_rejects_unknown_variables_and_indices():
    G = _group()
    with pytest.raises(ValueError, match="V"):
        ld.StateMonitor(G, "V")
    with pytest.raises(IndexError):
        ld.StateMonitor(G, "U", record=[5])


def test_recording_a_subexpression():
    G = _group()
    M = ld.StateMonitor(G, ["U", "I2"])
    ld.Network(G, M).run(40 * DT)
    np.testing.assert_allclose(M.I2, 2 * M.U + G.RI[:, None], rtol=1e-14)


@pytest.mark.parametrize(
    "dynamics",
    [
        "dU/dt = I/tau : 1",
        "dU/dt = -U/tau : 1",
    ],
    ids=["used-by-the-model", "record-only"],
)
def test_recording_a_subexpression_of_time(dynamics):
    values = np.arange(10.0)
    I_in = ld.TimedArray(values, dt=DT)
    G = ld.NeuronGroup(2, f"{dynamics}\nI = I_in(t) + 10*i : 1",
                       namespace={"tau": TAU, "I_in": I_in})
    M = ld.StateMonitor(G, "I")
    net = ld.Network(G, M)
    net.run(4 * DT)
    net.run(3 * DT)
    np.testing.assert_array_equal(M.I, [values[:7], values[:7] + 10])


def test_spike_monitor_is_consistent_and_matches_closed_form():
    G = _group()
    S = ld.SpikeMonitor(G)
    n_steps = 500
    ld.Network(G, S).run(n_steps * DT)
    i, t = S.i, S.t
    assert i.shape == t.shape and i.size == S.num_spikes == S.count.sum()
    np.testing.assert_array_equal(S.count, np.bincount(i, minlength=5))
    trains = S.spike_trains()
    assert sorted(trains) == list(range(5))
    for n in range(5):
        np.testing.assert_array_equal(trains[n], t[i == n])
    assert np.all(np.diff(t) >= 0)
    # closed form: with reset to 0 and no refractoriness, neuron n spikes every m_n steps,
    # m_n = smallest m with the exact rise above 1, first at step m_n - 1
    for n, RI in enumerate(G.RI):
        if RI <= 1:
            assert trains[n].size == 0
            continue
        m = np.arange(1, 2000)
        m_n = int(m[_rise(m, RI) > 1][0])
        expected = np.arange(m_n - 1, n_steps, m_n) * DT
        np.testing.assert_allclose(trains[n], expected, rtol=0, atol=1e-15)


def test_spike_monitor_record_false_still_counts():
    G = _group()
    S = ld.SpikeMonitor(G, record=False)
    S_ref = ld.SpikeMonitor(G)
    ld.Network(G, S, S_ref).run(100 * DT)
    np.testing.assert_array_equal(S.count, S_ref.count)
    assert S.num_spikes == S_ref.num_spikes > 0
    with pytest.raises(AttributeError, match="record=False"):
        _ = S.i   # (Brian2: a monitor with record=False has no i, t or it)


def test_spike_monitor_needs_a_threshold():
    G = ld.NeuronGroup(1, "dU/dt = -U/tau : 1")
    with pytest.raises(ValueError):
        ld.SpikeMonitor(G)


def test_population_rate_is_spikes_per_neuron_per_dt():
    N = 5
    G = _group(N)
    R = ld.PopulationRateMonitor(G)
    S = ld.SpikeMonitor(G)
    n_steps = 300
    ld.Network(G, R, S).run(n_steps * DT)
    steps = np.rint(S.t / DT).astype(int)
    per_step = np.bincount(steps, minlength=n_steps)
    np.testing.assert_allclose(R.t, np.arange(n_steps) * DT, rtol=0, atol=1e-15)
    np.testing.assert_allclose(R.rate, per_step / (N * DT), rtol=1e-12)
    assert R.rate.sum() * DT * N == pytest.approx(S.num_spikes)
    # a flat window conserves the mean away from the edges
    sm = R.smooth_rate(window="flat", width=11 * DT)
    assert sm.shape == R.rate.shape
    assert sm[50:-50].mean() == pytest.approx(R.rate[45:-45].mean(), rel=0.2)


def test_monitors_continue_over_runs():
    G = _group()
    R = ld.PopulationRateMonitor(G)
    S = ld.SpikeMonitor(G)
    M = ld.StateMonitor(G, "U", record=[4])
    net = ld.Network(G, R, S, M)
    net.run(60 * DT)
    net.run(40 * DT)
    np.testing.assert_allclose(R.t, np.arange(100) * DT, rtol=0, atol=1e-15)
    np.testing.assert_allclose(M.t, np.arange(100) * DT, rtol=0, atol=1e-15)
    assert R.rate.sum() * DT * 5 == pytest.approx(S.num_spikes)
