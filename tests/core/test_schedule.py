"""Schedule slots: Brian2's default order, snnTorch's threshold-first order, .order in a slot."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4
TAU, RI = 10e-3, 1.5


def _first_crossing():
    """Smallest n with the exact rise RI*(1 - exp(-n dt/tau)) > 1 (U(n*dt) above threshold)."""
    n = np.arange(1, 1000)
    return int(n[RI * (1 - np.exp(-n * DT / TAU)) > 1][0])


def _group():
    return ld.NeuronGroup(1, "tau*dU/dt = -U + RI : 1", threshold="U > 1", reset="U = 0",
                          method="exact", namespace={"tau": TAU, "RI": RI})


def test_default_slots_are_brians():
    G = _group()
    assert G.state_updater.when == "groups"
    assert G.thresholder.when == "thresholds"
    assert G.resetter.when == "resets"
    M = ld.StateMonitor(G, "U")
    assert M.when == "start"


def test_threshold_at_start_spikes_one_step_later():
    n = _first_crossing()
    G_brian, G_snn = _group(), _group()
    G_snn.thresholder.when = "start"
    S_brian, S_snn = ld.SpikeMonitor(G_brian), ld.SpikeMonitor(G_snn)
    ld.Network(G_brian, G_snn, S_brian, S_snn).run(n * DT + 5 * DT)
    # default: update to U(n dt) in step n-1, threshold right after -> stamped (n-1)*dt
    # threshold first: U(n dt) is tested at the start of step n -> stamped n*dt
    assert S_brian.t[0] == pytest.approx((n - 1) * DT, abs=1e-15)
    assert S_snn.t[0] == pytest.approx(n * DT, abs=1e-15)
    assert S_snn.t[0] - S_brian.t[0] == pytest.approx(DT, rel=1e-9)


def test_order_inside_a_slot():
    tau, U0 = 4e-3, 1.0
    G = ld.NeuronGroup(1, "dU/dt = -U/tau : 1", method="exact", namespace={"tau": tau})
    G.U = U0
    before = ld.StateMonitor(G, "U", when="groups", order=-1)
    after = ld.StateMonitor(G, "U", when="groups", order=1)
    ld.Network(G, before, after).run(30 * DT)
    k = np.arange(30)
    np.testing.assert_allclose(before.U[0], U0 * np.exp(-k * DT / tau), rtol=1e-12)
    np.testing.assert_allclose(after.U[0], U0 * np.exp(-(k + 1) * DT / tau), rtol=1e-12)
    np.testing.assert_array_equal(before.t, after.t)


def test_changing_the_updaters_order_moves_it_past_a_monitor():
    tau, U0 = 4e-3, 1.0
    G = ld.NeuronGroup(1, "dU/dt = -U/tau : 1", method="exact", namespace={"tau": tau})
    G.U = U0
    M = ld.StateMonitor(G, "U", when="groups", order=0)
    G.state_updater.order = 5  # now after the monitor
    ld.Network(G, M).run(10 * DT)
    np.testing.assert_allclose(M.U[0], U0 * np.exp(-np.arange(10) * DT / tau), rtol=1e-12)


@pytest.mark.parametrize("bad", ["middle", "Start", "", "before_middle", "after_"])
def test_invalid_when_raises_value_error(bad):
    G = _group()
    for runner in (G.state_updater, G.thresholder, G.resetter):
        with pytest.raises(ValueError, match="when"):
            runner.when = bad
        assert runner.when in ("groups", "thresholds", "resets")  # unchanged
    with pytest.raises(ValueError):
        ld.StateMonitor(G, "U", when=bad)


def test_reset_before_threshold_means_reset_sees_no_spikes_of_this_step():
    # reset moved to 'start': it resets the neurons that spiked in the previous step,
    # before their update; the spike times stay those of the default order for the first
    # spike, and the state after the spike step still holds the above-threshold value
    n = _first_crossing()
    G = _group()
    G.resetter.when = "start"
    S = ld.SpikeMonitor(G)
    M = ld.StateMonitor(G, "U", when="end")
    ld.Network(G, S, M).run((n + 2) * DT)
    assert S.t[0] == pytest.approx((n - 1) * DT, abs=1e-15)
    assert M.U[0, n - 1] > 1.0  # end of the spike step: not reset yet
