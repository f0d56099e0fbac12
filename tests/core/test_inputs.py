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
