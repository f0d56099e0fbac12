"""Variables recorded at spikes and events: closed forms, and agreement with a StateMonitor
that records the state in the same slot (a second route to the same numbers)."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import ms


def _ramp(**kw):
    """``dv/dt = 1/ms`` by Euler with dt = 0.125 ms (exact in binary): v = 0.125 after the
    first update, the threshold 'v > 1' holds at v = 1.125 (steps 8, 17, 26, ...: nine steps
    a cycle once the reset sets v = 0)."""
    return ld.NeuronGroup(2, "dv/dt = 1/ms : 1\nw = 2*v : 1\nn : 1", threshold="v > 1",
                          reset="v = 0; n += 1", method="euler", dt=0.125 * ms, **kw)


def test_values_at_a_spike_are_the_thresholds_before_the_reset():
    G = _ramp()
    sp = ld.SpikeMonitor(G, variables=["v", "w", "n"])
    ld.Network(G, sp).run(5 * ms)           # 40 steps: spikes in steps 8, 17, 26, 35
    steps = [8, 17, 26, 35]
    assert list(sp.i) == [0, 1] * 4
    np.testing.assert_array_equal(sp.t_, np.repeat(steps, 2) * 0.125e-3)
    assert list(sp.v) == [1.125] * 8 and list(sp.w) == [2.25] * 8
    assert list(sp.n) == [0, 0, 1, 1, 2, 2, 3, 3]   # the reset's count comes after
    assert {k: list(a) for k, a in sp.values("n").items()} == {0: [0, 1, 2, 3],
                                                               1: [0, 1, 2, 3]}
    assert list(G.n) == [4, 4]


def test_values_at_spikes_equal_a_state_monitor_after_the_thresholds():
    """Any model: what the SpikeMonitor records at a spike is the state an
    ``after_thresholds`` StateMonitor holds in that step, for a subgroup too."""
    G = ld.NeuronGroup(6, """dv/dt = (I - v)/(5*ms) + x/ms : 1
                             dx/dt = -x/(3*ms) : 1
                             I : 1""",
                       threshold="v > 1", reset="v = 0.1*i; x += 0.2", method="rk4",
                       dt=0.1 * ms)
    G.I = "1.2 + 0.3*i"
    G.v = "0.1*i"
    sp = ld.SpikeMonitor(G[2:5], variables=["v", "x"])
    M = ld.StateMonitor(G, ["v", "x"], record=True, when="after_thresholds")
    ld.Network(G, sp, M).run(30 * ms)
    assert sp.num_spikes > 10
    rows = np.rint(sp.t_ / 1e-4).astype(int)
    np.testing.assert_array_equal(sp.v_, M.v_[sp.i + 2, rows])
    np.testing.assert_array_equal(sp.x_, M.x_[sp.i + 2, rows])
    assert list(sp.count) == [int(np.sum(sp.i == k)) for k in range(3)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_events_with_values_on_float32_and_float64(dtype):
    G = ld.NeuronGroup(4, "dv/dt = (1.5 - v)/(7*ms) : 1", threshold="v > 1",
                       reset="v = 0", events={"mid": "v > 0.5"}, method="exact",
                       dtype=dtype, dt=0.1 * ms)
    G.v = "0.2*i"
    em = ld.EventMonitor(G, "mid", variables="v")
    M = ld.StateMonitor(G, "v", record=True, when="after_thresholds")
    ld.Network(G, em, M).run(20 * ms)
    rows = np.rint(em.t_ / 1e-4).astype(int)
    assert em.num_events > 50 and np.all(em.v > 0.5)
    np.testing.assert_array_equal(em.v, M.v[em.i, rows])


def test_values_survive_store_and_restore():
    G = _ramp()
    sp = ld.SpikeMonitor(G, variables=["n"])
    net = ld.Network(G, sp)
    net.run(2.5 * ms)                       # spikes in steps 8 and 17
    net.store("half")
    net.run(2.5 * ms)
    full = list(sp.n)
    net.restore("half")
    assert list(sp.n) == [0, 0, 1, 1]
    net.run(2.5 * ms)
    assert list(sp.n) == full == [0, 0, 1, 1, 2, 2, 3, 3]


def test_this_steps_events_are_stored_with_the_group():
    """An event checked at the end of a step feeds a pathway in the next one: the events of
    the step a snapshot is taken in are part of it. Ramp v = (k + 1)/8 after step k; the event
    'v > 0.5 and v < 1.1' holds in steps 4-7 and reaches x one step later."""
    G = ld.NeuronGroup(1, "dv/dt = 1/ms : 1", events={"e": "v > 0.5 and v < 1.1"},
                       method="euler", dt=0.125 * ms)
    G.set_event_schedule("e", when="end")
    H = ld.NeuronGroup(1, "x : 1", dt=0.125 * ms)
    S = ld.Synapses(G, H, on_pre="x_post += 1", on_event="e")
    S.connect()
    net = ld.Network(G, H, S)
    net.run(1 * ms)                   # steps 0-7: events in 4-7, delivered in 5-7
    assert list(H.x) == [3.0]
    net.store("s")
    net.run(1 * ms)                   # step 8 delivers step 7's event; no more events
    assert list(H.x) == [4.0]
    net.restore("s")
    net.run(1 * ms)
    assert list(H.x) == [4.0]


def test_refractory_bookkeeping_recorded_at_events():
    """``dv/dt = 1/ms`` (unless refractory), dt = 0.125 ms, refractory 0.5 ms (4 steps): a
    spike in step 8, v held at 0 in steps 9-11, where 'v < 0.05' happens (refractoriness does
    not hold custom events back), the ramp again from step 12, the next spike in step 20.
    ``not_refractory`` comes back as booleans, ``lastspike`` as the spike's time."""
    G = ld.NeuronGroup(1, "dv/dt = 1/ms : 1 (unless refractory)", threshold="v > 1",
                       reset="v = 0", refractory=0.5 * ms, events={"low": "v < 0.05"},
                       method="euler", dt=0.125 * ms)
    em = ld.EventMonitor(G, "low", variables=["not_refractory", "lastspike", "v"])
    sp = ld.SpikeMonitor(G)
    ld.Network(G, em, sp).run(3 * ms)
    step = 0.125e-3
    np.testing.assert_array_equal(sp.t_, np.array([8, 20]) * step)
    np.testing.assert_array_equal(em.t_, np.array([9, 10, 11, 21, 22, 23]) * step)
    assert em.not_refractory.dtype == bool and not em.not_refractory.any()
    np.testing.assert_array_equal(em.lastspike_, np.array([8, 8, 8, 20, 20, 20]) * step)
    assert list(em.v) == [0.0] * 6


def test_record_false_keeps_values_without_indices():
    """Brian2 2.9.0 (the same ramp, ``SpikeMonitor(G, variables='v', record=False)``, 5 ms):
    ``m.v`` = [1.125]*8, count [4, 4]; ``values()``, ``all_values()``, ``spike_trains()``
    raise AttributeError."""
    G = _ramp()
    m = ld.SpikeMonitor(G, variables="v", record=False)
    ld.Network(G, m).run(5 * ms)
    assert list(m.v) == [1.125] * 8 and list(m.count) == [4, 4] and m.num_spikes == 8
    for call in (lambda: m.values("v"), m.all_values, m.spike_trains, lambda: m.i):
        with pytest.raises(AttributeError, match="record=False"):
            call()
