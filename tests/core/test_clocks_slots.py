"""Brian2's slot modifiers: ``before_<slot>`` and ``after_<slot>`` around each slot."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.core.base import SLOTS, WHENS

DT = 1e-4


def test_every_slot_has_a_before_and_an_after_in_brians_order():
    assert WHENS[:4] == ("before_start", "start", "after_start", "before_groups")
    assert len(WHENS) == 3 * len(SLOTS) and WHENS[-1] == "after_end"


def test_monitors_around_the_update_threshold_and_reset():
    # dU/dt = 1/tau from 0, exact: U(k dt) = k dt/tau; reset to 0 when U > 0.5 (every 6th step
    # with tau = 10 dt: U = 0.6 after the 6th update)
    tau = 10 * DT
    G = ld.NeuronGroup(1, "dU/dt = 1/tau : 1", threshold="U > 0.5", reset="U = 0",
                       method="exact", namespace={"tau": tau})
    whens = ["before_groups", "after_groups", "after_thresholds", "before_synapses",
             "after_resets", "before_end"]
    mons = {w: ld.StateMonitor(G, "U", when=w) for w in whens}
    ld.Network(G, *mons.values()).run(12 * DT)
    # before the update of step k: U after k updates and resets; after it: one more update
    before = np.array([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]) / 10
    after = before + 0.1
    np.testing.assert_allclose(mons["before_groups"].U[0], before, atol=1e-12)
    for w in ("after_groups", "after_thresholds", "before_synapses"):
        np.testing.assert_allclose(mons[w].U[0], after, atol=1e-12)
    reset = np.where(after > 0.5, 0.0, after)
    for w in ("after_resets", "before_end"):
        np.testing.assert_allclose(mons[w].U[0], reset, atol=1e-12)


@pytest.mark.parametrize("when, expected, spikes", [
    # step 0: update 0.1, no spike, +100; step 1: 100.2 spikes, +100, reset to 0; again
    ("after_thresholds", [100.1, 0.0, 100.1, 0.0], [1, 3]),
    # step 1: 100.2 spikes, reset to 0, then +100; step 2: 100.1 spikes, 0 + 100
    ("after_resets", [100.1, 100.0, 100.0, 100.0], [1, 2, 3]),
])
def test_an_operation_between_threshold_and_reset(when, expected, spikes):
    G = ld.NeuronGroup(1, "dU/dt = 1/tau : 1", threshold="U > 0.25", reset="U = 0",
                       method="exact", namespace={"tau": 10 * DT})
    G.run_regularly("U = U + 100", when=when)
    M = ld.StateMonitor(G, "U", when="end")
    S = ld.SpikeMonitor(G)
    ld.Network(G, M, S).run(4 * DT)
    np.testing.assert_allclose(M.U[0], expected, rtol=1e-12)
    np.testing.assert_allclose(S.t, np.array(spikes) * DT, rtol=1e-12)


def test_an_unknown_when_names_the_choices():
    G = ld.NeuronGroup(1, "dU/dt = -U/(10*ms) : 1", method="exact")
    with pytest.raises(ValueError, match="'before_' or 'after_'.*'during_groups'"):
        ld.StateMonitor(G, "U", when="during_groups")
