"""PoissonGroup: rates as a number, an array or a string, on both targets (conftest)."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld


def _within_4_sigma(count: int, expected: float, p: float) -> bool:
    return abs(count - expected) < 4 * np.sqrt(expected * (1 - p))


def test_poisson_rate_as_a_number():
    ld.seed(2)
    P = ld.PoissonGroup(2000, 20.0)
    S = ld.SpikeMonitor(P)
    ld.Network(P, S).run(0.5)
    assert _within_4_sigma(S.num_spikes, 2000 * 20 * 0.5, 20 * 1e-4)
    counts = np.bincount(S.i, minlength=2000)
    assert abs(counts.var() / counts.mean() - 1) < 0.15     # Poisson: variance = mean


def test_poisson_rates_per_neuron_and_as_a_string_of_t_and_i():
    ld.seed(5)
    P = ld.PoissonGroup(3, [0.0, 100.0, 400.0])
    Q = ld.PoissonGroup(50, "2*i + 80*t")       # Hz; mean over 1 s: 2*i + 40
    S, SQ = ld.SpikeMonitor(P), ld.SpikeMonitor(Q)
    ld.Network(P, Q, S, SQ).run(1.0)
    c = S.count
    assert c[0] == 0 and _within_4_sigma(c[1], 100, 0.01) and _within_4_sigma(c[2], 400, 0.04)
    want = sum(2 * k + 40 for k in range(50))
    assert _within_4_sigma(SQ.num_spikes, want, 0.01)
    late = SQ.t > 0.5
    assert late.sum() > (~late).sum()             # the rate grows with t


def test_poisson_groups_drive_synapses_identically_on_both_targets(target):
    def run(t):
        ld.seed(9)
        P = ld.PoissonGroup(100, 30.0)
        G = ld.NeuronGroup(10, "dv/dt = -v/tau : 1", namespace={"tau": 5e-3}, method="exact")
        S = ld.Synapses(P, G, on_pre="v_post += 0.1")
        S.connect(p=0.3)
        M = ld.StateMonitor(G, "v", record=[0, 9])
        ld.Network(P, G, S, M, target=t).run(0.05)
        return M.v

    a, b = run("numpy"), run(target)
    assert np.ptp(a) > 0.1
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), [1.0, 2.0], None])
def test_bad_rates_are_refused(bad):
    with pytest.raises((ValueError, TypeError)):
        ld.PoissonGroup(3, bad)


def test_spike_generator_spikes_at_exactly_the_given_steps_and_repeats():
    G = ld.SpikeGeneratorGroup(3, [0, 2, 1, 0], [0.5e-3, 0.5e-3, 1e-3, 2.3e-3], period=3e-3,
                               dt=1e-4)
    S = ld.SpikeMonitor(G)
    net = ld.Network(G, S)
    net.run(4e-3)
    net.run(3e-3)                              # a second run continues the period
    steps = np.round(S.t / 1e-4).astype(int).tolist()
    assert steps == [5, 5, 10, 23, 35, 35, 40, 53, 65, 65]
    assert S.i.tolist() == [0, 2, 1, 0, 0, 2, 1, 0, 0, 2]
    G.set_spikes([1, 2], [0.2e-3, 7.2e-3])      # absolute times, no period: 0.2 ms is past
    net.run(1e-3)
    assert S.num_spikes == 11
    assert S.i[-1] == 2 and np.round(S.t[-1] / 1e-4) == 72


def test_spike_generator_drives_synapses_on_both_targets(target):
    def run(t):
        G = ld.SpikeGeneratorGroup(2, [0, 1, 1], [1e-3, 1e-3, 2e-3], dt=1e-4)
        H = ld.NeuronGroup(1, "v : 1", dt=1e-4)
        S = ld.Synapses(G, H, "w : 1", on_pre="v_post += w", delay=0.5e-3)
        S.connect()
        S.w = [1.0, 10.0]
        M = ld.StateMonitor(H, "v")
        ld.Network(G, H, S, M, target=t).run(3e-3)
        return M.v[0]

    a = run(target)
    np.testing.assert_array_equal(a, run("numpy"))
    assert (np.flatnonzero(np.diff(a)) + 1).tolist() == [16, 26] and a[-1] == 21.0


def test_bad_spike_tables_are_refused():
    with pytest.raises(IndexError):
        ld.SpikeGeneratorGroup(2, [2], [0.1])
    with pytest.raises(ValueError, match="period"):
        ld.SpikeGeneratorGroup(2, [0], [5e-3], period=2e-3)
    with pytest.raises(ValueError, match="one length"):
        ld.SpikeGeneratorGroup(2, [0, 1], [1e-3])
    G = ld.SpikeGeneratorGroup(2, [0, 0], [1e-3, 1.02e-3], dt=1e-4)
    with pytest.raises(ValueError, match="twice in step 10"):
        ld.Network(G).run(1e-3)


def test_poisson_input_adds_binomial_counts_at_the_right_rate():
    ld.seed(3)
    G = ld.NeuronGroup(2000, "v : 1", dt=1e-4)
    P = ld.PoissonInput(G[500:], "v", N=200, rate=10.0, weight=0.5)
    ld.Network(G, P).run(0.1)
    counts = G.v[500:] / 0.5                      # input spikes per neuron: binomial
    n, p = 200 * 1000, 10.0 * 1e-4
    assert np.all(G.v[:500] == 0)                 # only the subgroup is driven
    assert np.all(counts == np.round(counts))
    total = counts.sum()
    assert abs(total - 1500 * n * p) < 4 * np.sqrt(1500 * n * p * (1 - p))
    assert abs(counts.var() / (n * p * (1 - p)) - 1) < 0.15


def test_poisson_input_is_the_same_on_both_targets_also_in_float32(target):
    def run(t):
        ld.seed(4)
        G = ld.NeuronGroup(50, "dv/dt = -v/tau : 1", dtype="float32", method="exact",
                           namespace={"tau": 10e-3}, dt=1e-4)
        P = ld.PoissonInput(G, "v", N=1000, rate=5.0, weight=0.01)
        M = ld.StateMonitor(G, "v", record=[0, 49])
        ld.Network(G, P, M, target=t).run(0.02)
        return M.v

    a = run("numpy")
    assert a.dtype == np.float32 and np.ptp(a) > 0.05
    np.testing.assert_array_equal(a, run(target))


def test_bad_poisson_inputs_are_refused():
    G = ld.NeuronGroup(2, "v : 1\nw : 1 (shared)")
    with pytest.raises(ValueError, match="per-neuron variable"):
        ld.PoissonInput(G, "w", N=10, rate=1.0, weight=1.0)
    with pytest.raises(ValueError, match="non-negative integer"):
        ld.PoissonInput(G, "v", N=-1, rate=1.0, weight=1.0)
    P = ld.PoissonInput(G, "v", N=10, rate=2e4, weight=1.0)
    with pytest.raises(ValueError, match="rate\\*dt"):
        ld.Network(G, P).run(1e-3)
