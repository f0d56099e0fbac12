"""Custom events (``NeuronGroup(events=...)``, ``run_on_event``, ``EventMonitor``, Synapses'
``on_event``) and the variables a SpikeMonitor records at each spike, against Brian2 2.9.0.

The expected numbers are Brian2 2.9.0's: /tmp/b2env/bin/python running the same statements
under ``from brian2 import *`` with ``prefs.codegen.target = 'numpy'`` and
``defaultclock.dt = 0.1*ms`` (the scripts are quoted in each test's docstring as the lines that
differ from lifdsl's). Brian2 printed:

- ``_LOW``: the events 'low' (``v < 0.1``, refractoriness ignored), 'lownr'
  (``v < 0.1 and not_refractory``) and the spikes of two neurons ``I = [1.5, 3.0]`` over 10 ms.
- ``_UP``: the event 'up' (``v > 0.5 and c < 3``) whose ``run_on_event('up', 'c += 1')``
  counts, recorded with ``variables=['v', 'c']``, and the spikes with the same variables.
- ``_UNITS``: a model in volts whose SpikeMonitor records ``v``, the subexpression ``w = 2*v``
  and the counter ``n`` that the reset increments.
"""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.equations import EquationError
from lifdsl.units import Mohm, ms, mV, nA
from lifdsl.units.quantity import Quantity
from tests.targets import target  # noqa: F401 - runs each test on both targets

DT = 0.1 * ms

# Brian2 2.9.0, the network of test_custom_events_ignore_refractoriness_unless_told (10 ms)
_LOW = {
    "low_count": [6, 25], "lownr_count": [6, 6], "spike_count": [0, 1],
    "low_i": [0, 1, 0, 1, 0, 1, 0, 0, 0] + [1] * 22,
    "low_t": [0.0, 0.0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5]
             + [round(4.1 + 0.1 * k, 4) for k in range(22)],
    "lownr_t": [0.0, 0.0, 0.1, 0.1, 0.2, 0.2, 0.3, 0.4, 0.5, 6.0, 6.1, 6.2],
    "lownr_i": [0, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1],
    "spike_t": [4.0], "x": [6.0, 25.0], "y": [6.0, 6.0],
}

# Brian2 2.9.0, test_run_on_event_and_values_at_events (20 ms)
_UP = {
    "when": ("after_thresholds", 0, "after_resets", 0, "after_thresholds", 1, "thresholds", 1),
    "sp_i": [2, 1, 2, 0, 1, 2], "sp_t": [4.0, 6.9, 10.0, 10.9, 15.8, 16.0],
    "sp_v": [1.009049249591043, 1.0068293924171845, 1.009049249591043, 1.0006933744528812,
             1.0068293924171845, 1.009049249591043],
    "em_i": [2, 2, 2, 1, 1, 1, 0, 0, 0], "em_t": [1.8, 1.9, 2.0, 2.8, 2.9, 3.0, 4.0, 4.1, 4.2],
    "em_v": [0.5191225981699144, 0.5438077407660558, 0.5682472620894403, 0.5034728648428717,
             0.5183635586365665, 0.5331060875514237, 0.5045246247955215, 0.5144297702774154,
             0.5242363579150258],
    "em_c": [0.0, 1.0, 2.0] * 3, "count": [3, 3, 3],
}

# Brian2 2.9.0, test_spike_monitor_records_variables_before_the_reset_with_units (30 ms)
_UNITS = {
    "i": [1, 1, 0, 1, 1], "t": [6.9, 13.9, 16.0, 20.9, 27.9],
    "v1": -49.86341215, "v0": -49.99719035,   # mV (Brian2 prints 8 decimals)
    "n": [0, 1, 0, 2, 3], "count": [1, 4],
}


@pytest.fixture(autouse=True)
def _dt():
    old = ld.defaultclock.dt
    ld.defaultclock.dt = DT
    yield
    ld.defaultclock.dt = old


def _ms(times) -> list[float]:
    return [round(float(x) * 1e3, 4) for x in np.asarray(times)]


def test_custom_events_ignore_refractoriness_unless_told():
    """Brian2: ``events={'low': 'v < 0.1', 'lownr': 'v < 0.1 and not_refractory'}``,
    ``Synapses(G, H, on_pre='x_post += 1', on_event='low')`` and a second one with
    ``on_pre={'pre': 'y_post += 1'}, on_event={'pre': 'lownr'}, delay=0.5*ms``."""
    G = ld.NeuronGroup(2, """dv/dt = (I - v)/(10*ms) : 1 (unless refractory)
                             I : 1""",
                       threshold="v > 1", reset="v = 0", refractory=2 * ms,
                       events={"low": "v < 0.1", "lownr": "v < 0.1 and not_refractory"},
                       method="exact")
    G.I = [1.5, 3.0]
    H = ld.NeuronGroup(2, "x : 1\ny : 1")
    S = ld.Synapses(G, H, on_pre="x_post += 1", on_event="low")
    S.connect(j="i")
    S2 = ld.Synapses(G, H, on_pre={"pre": "y_post += 1"}, on_event={"pre": "lownr"},
                     delay=0.5 * ms)
    S2.connect(j="i")
    low, lownr, sp = ld.EventMonitor(G, "low"), ld.EventMonitor(G, "lownr"), ld.SpikeMonitor(G)
    ld.Network(G, H, S, S2, low, lownr, sp).run(10 * ms)
    assert list(low.count) == _LOW["low_count"] and low.num_events == 31
    assert list(lownr.count) == _LOW["lownr_count"]
    assert list(sp.count) == _LOW["spike_count"]
    assert list(low.i) == _LOW["low_i"] and _ms(low.t_) == _LOW["low_t"]
    assert list(lownr.i) == _LOW["lownr_i"] and _ms(lownr.t_) == _LOW["lownr_t"]
    assert _ms(sp.t_) == _LOW["spike_t"]
    assert list(H.x) == _LOW["x"] and list(H.y) == _LOW["y"]
    assert S.pre.event == "low" and S2.pre.event == "lownr"


def test_run_on_event_and_values_at_events():
    """Brian2: ``events={'up': 'v > 0.5 and c < 3', 'upnr': '... and not_refractory'}``,
    ``G.run_on_event('up', 'c += 1')``, ``SpikeMonitor(G, variables=['v', 'c'])``,
    ``EventMonitor(G, 'up', variables=['v', 'c'])``, ``EventMonitor(G, 'upnr',
    record=False)``; slots read off ``G.thresholder['up']``, ``G.resetter['up']``."""
    G = ld.NeuronGroup(3, """dv/dt = (I - v)/(10*ms) : 1 (unless refractory)
                             I : 1
                             c : 1""",
                       threshold="v > 1", reset="v = 0", refractory=2 * ms,
                       events={"up": "v > 0.5 and c < 3",
                               "upnr": "v > 0.5 and c < 3 and not_refractory"},
                       method="exact")
    G.I = [1.5, 2.0, 3.0]
    runner = G.run_on_event("up", "c += 1")
    sp = ld.SpikeMonitor(G, variables=["v", "c"])
    em = ld.EventMonitor(G, "up", variables=["v", "c"])
    counting = ld.EventMonitor(G, "upnr", record=False)
    checker = G._event_runner("up")
    assert (checker.when, checker.order, runner.when, runner.order, em.when, em.order,
            sp.when, sp.order) == _UP["when"]
    assert G.events == {"spike": "v > 1", "up": "v > 0.5 and c < 3",
                        "upnr": "v > 0.5 and c < 3 and not_refractory"}
    ld.Network(G, sp, em, counting).run(20 * ms)
    assert list(sp.i) == _UP["sp_i"] and _ms(sp.t_) == _UP["sp_t"]
    np.testing.assert_allclose(sp.v, _UP["sp_v"], rtol=1e-13)
    assert list(sp.c) == [3.0] * 6            # (counted up to 3 before the first spike)
    assert list(em.i) == _UP["em_i"] and _ms(em.t_) == _UP["em_t"]
    np.testing.assert_allclose(em.v, _UP["em_v"], rtol=1e-13)
    assert list(em.c) == _UP["em_c"]          # (recorded before run_on_event adds one)
    assert list(em.count) == list(counting.count) == _UP["count"]
    assert counting.num_events == em.num_events == 9
    values = sp.values("v")
    assert sorted(values) == [0, 1, 2] and [len(values[k]) for k in range(3)] == [1, 2, 3]
    np.testing.assert_allclose(values[0], [1.0006933744528812], rtol=1e-13)
    trains = em.all_values()["t"]
    assert set(em.all_values()) == {"v", "c", "t"}
    assert _ms(trains[0]) == [4.0, 4.1, 4.2] and _ms(trains[2]) == [1.8, 1.9, 2.0]
    assert _ms(em.event_trains()[1]) == [2.8, 2.9, 3.0]
    assert list(G.c) == [3.0, 3.0, 3.0]
    for name in ("i", "t", "it", "t_"):
        with pytest.raises(AttributeError, match="record=False"):
            getattr(counting, name)
    with pytest.raises(AttributeError, match="record=False"):
        counting.values("v")


def test_spike_monitor_records_variables_before_the_reset_with_units():
    """Brian2: ``dv/dt = (El - v + R*I)/(10*ms) : volt``, ``w = 2*v : volt``,
    ``n : integer`` (here ``n : 1``), reset ``v = -70*mV; n += 1``,
    ``SpikeMonitor(G, variables=['v', 'w', 'n'])`` and ``SpikeMonitor(G, record=False)``."""
    El, R = -70 * mV, 100 * Mohm   # noqa: F841 - read by the model's strings
    G = ld.NeuronGroup(2, """dv/dt = (El - v + R*I)/(10*ms) : volt
                             w = 2*v : volt
                             I : amp
                             n : 1""",
                       threshold="v > -50*mV", reset="v = -70*mV; n += 1", method="exact")
    G.v = -70 * mV
    G.I = [0.25 * nA, 0.4 * nA]
    sp = ld.SpikeMonitor(G, variables=["v", "w", "n"])
    counting = ld.SpikeMonitor(G, record=False)
    part = ld.SpikeMonitor(G[1:], variables=["w"])
    ld.Network(G, sp, counting, part).run(30 * ms)
    assert list(sp.i) == _UNITS["i"] and _ms(sp.t_) == _UNITS["t"]
    expected_v = np.where(np.array(_UNITS["i"]) == 1, _UNITS["v1"], _UNITS["v0"]) * 1e-3
    assert isinstance(sp.v, Quantity) and sp.v.dim == mV.dim
    np.testing.assert_allclose(sp.v_, expected_v, rtol=1e-9)     # (Brian2's 8 decimals)
    np.testing.assert_allclose(sp.w_, 2 * sp.v_, rtol=1e-15)
    assert list(sp.n) == _UNITS["n"]                          # the count before the reset's
    v_values = sp.values("v")
    assert isinstance(v_values[1], Quantity) and len(v_values[1]) == 4
    np.testing.assert_allclose(np.asarray(v_values[0]), [_UNITS["v0"] * 1e-3], rtol=1e-9)
    assert [list(a) for a in sp.values("n").values()] == [[0], [0, 1, 2, 3]]
    assert list(counting.count) == _UNITS["count"] and counting.num_spikes == 5
    assert _ms(sp.spike_trains()[1]) == [6.9, 13.9, 20.9, 27.9]
    assert isinstance(sp.spike_trains()[0], Quantity)
    assert set(sp.all_values()) == {"v", "w", "n", "t"}
    # a subgroup's monitor: indices from 0 in the subgroup, values of its neurons
    assert list(part.i) == [0, 0, 0, 0] and list(part.count) == [4]
    np.testing.assert_allclose(part.w_, [2 * _UNITS["v1"] * 1e-3] * 4, rtol=1e-9)


def test_values_continue_across_runs_and_match_a_single_run():
    """Two runs of 10 ms record what one run of 20 ms records (values at the spike)."""
    def build():
        G = ld.NeuronGroup(3, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1",
                           reset="v = 0", events={"half": "v > 0.5"}, method="exact")
        G.I = [1.5, 2.0, 3.0]
        sp = ld.SpikeMonitor(G, variables="v")
        em = ld.EventMonitor(G, "half", variables=["v", "I"])
        return ld.Network(G, sp, em), sp, em

    net1, sp1, em1 = build()
    net1.run(20 * ms)
    net2, sp2, em2 = build()
    net2.run(10 * ms)
    net2.run(10 * ms)
    assert sp1.num_spikes > 3 and em1.num_events > 20
    np.testing.assert_array_equal(sp1.v, sp2.v)
    np.testing.assert_array_equal(em1.I, em2.I)
    np.testing.assert_array_equal(em1.t_, em2.t_)
    assert set(np.unique(em1.I)) == {1.5, 2.0, 3.0}


def test_event_check_slot_moves_with_set_event_schedule():
    """``dv/dt = 1/ms`` from 0 with dt = 0.125 ms (exact in binary): after the update of step
    k, v = (k + 1)/8, so 'v > 1' holds first in step 8 (t = 1 ms) checked after the
    thresholds; checked at the start of the step (before the update) first in step 9."""
    def first_event(when):
        G = ld.NeuronGroup(1, "dv/dt = 1/ms : 1", events={"e": "v > 1"}, method="euler",
                           dt=0.125 * ms)
        if when is not None:
            G.set_event_schedule("e", when=when)
        M = ld.EventMonitor(G, "e")
        ld.Network(G, M).run(2 * ms)
        return float(M.t_[0]), M.when

    assert first_event(None) == (pytest.approx(1e-3, abs=1e-15), "after_thresholds")
    assert first_event("start") == (pytest.approx(1.125e-3, abs=1e-15), "start")


def test_spike_event_in_events_is_the_threshold_and_run_on_event_spike_is_a_reset():
    """``events={'spike': ...}`` is the threshold; ``run_on_event('spike', ...)`` is a reset
    (Brian2 adds the reset that way)."""
    a = ld.NeuronGroup(2, "dv/dt = (1 + i)/ms : 1", threshold="v > 1", reset="v = 0",
                       method="euler")
    b = ld.NeuronGroup(2, "dv/dt = (1 + i)/ms : 1", events={"spike": "v > 1"},
                       method="euler")
    b.run_on_event("spike", "v = 0", when="resets")
    ma, mb = ld.SpikeMonitor(a), ld.SpikeMonitor(b)
    ld.Network(a, b, ma, mb).run(3 * ms)
    assert ma.num_spikes > 3 and list(ma.count) == list(mb.count)
    np.testing.assert_array_equal(ma.t_, mb.t_)
    np.testing.assert_array_equal(a.v, b.v)


def test_generated_code_shows_events():
    G = ld.NeuronGroup(2, "dv/dt = -v/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                       events={"high": "v > 0.8"}, method="exact")
    G.run_on_event("high", "v -= 0.1")
    src = G.generated_code("numpy")
    assert "def event_high(" in src and "def on_event_high(" in src
    assert "numpy.greater(v, 0.8)" in src
    kernel = G.generated_code("cython")
    assert "_event_high" in kernel and "0.8" in kernel


def test_event_errors_name_what_was_wrong():
    eqs = "dv/dt = -v/(10*ms) : 1"
    with pytest.raises(EquationError, match="event 'up'"):
        ld.NeuronGroup(1, eqs, events={"up": "v + 1"})
    with pytest.raises(EquationError, match="event 'up'"):
        ld.NeuronGroup(1, eqs, events={"up": "v >"})
    with pytest.raises(ValueError, match="event name"):
        ld.NeuronGroup(1, eqs, events={"not an id": "v > 1"})
    with pytest.raises(ValueError, match="'spike'"):
        ld.NeuronGroup(1, eqs, threshold="v > 1", events={"spike": "v > 2"})
    with pytest.raises(TypeError, match="dict"):
        ld.NeuronGroup(1, eqs, events=["v > 1"])
    G = ld.NeuronGroup(1, eqs, threshold="v > 1", reset="v = 0", events={"up": "v > 0.5"})
    with pytest.raises(ValueError, match="no event 'down'.*'spike', 'up'"):
        G.run_on_event("down", "v = 0")
    with pytest.raises(ValueError, match="no event 'down'"):
        ld.EventMonitor(G, "down")
    with pytest.raises(ValueError, match="no event 'down'"):
        ld.Synapses(G, G, on_pre="v += 1", on_event="down")
    with pytest.raises(ValueError, match="not a pathway"):
        ld.Synapses(G, G, on_pre="v += 1", on_event={"post": "up"})
    with pytest.raises(ValueError, match="already runs code on the event 'spike'"):
        G.run_on_event("spike", "v = 0")
    G.run_on_event("up", "v = 0")
    with pytest.raises(ValueError, match="already runs code on the event 'up'"):
        G.run_on_event("up", "v = 1")
    with pytest.raises(EquationError, match="run_on_event"):
        ld.NeuronGroup(1, eqs, threshold="v > 1").run_on_event("spike", "w = 0")
    with pytest.raises(ValueError, match="no variable 'w'"):
        ld.SpikeMonitor(G, variables=["w"])
    with pytest.raises(TypeError, match="record takes True or False"):
        ld.SpikeMonitor(G, record=[0])
    with pytest.raises(ValueError, match="order= needs when="):
        ld.SpikeMonitor(G, order=3)
    with pytest.raises(ValueError, match="never spikes"):
        ld.SpikeMonitor(ld.NeuronGroup(1, eqs))
    with pytest.raises(AttributeError, match="does not record|no attribute"):
        _ = ld.SpikeMonitor(G, variables="v").w


def test_brian2_custom_events_example_with_fixed_input():
    """Brian2 2.9.0's examples/advanced/custom_events.py (written anew here) with its Poisson
    input replaced by spikes every 3.3 ms from 0.5 ms, ``method='exact'``, 200 ms: Brian2
    printed the 'gspike' times and g there, the 'end_gspike' times, the spikes with v, and
    H's x and y at the end (/tmp/b2env, numpy target, dt = 0.1 ms)."""
    inp = ld.SpikeGeneratorGroup(1, [0] * 60, (np.arange(60) * 3.3 + 0.5) * ms)
    G = ld.NeuronGroup(1, """dv/dt = (g - v)/(50*ms) : 1
                             dg/dt = -g/(10*ms) : 1
                             allow_gspike : boolean""",
                       threshold="v > 1", reset="v = 0; g = 0; allow_gspike = True",
                       events={"gspike": "g > 1 and allow_gspike",
                               "end_gspike": "g < 1 and not allow_gspike"}, method="exact")
    G.run_on_event("gspike", "allow_gspike = False")
    G.run_on_event("end_gspike", "allow_gspike = True")
    H = ld.NeuronGroup(1, "dx/dt = -x/(10*ms) : 1\ndy/dt = -y/(10*ms) : 1", method="exact")
    s_in = ld.Synapses(inp, G, on_pre="g += 0.5")
    s_in.connect()
    S = ld.Synapses(G, H, on_pre={"pre": "x += 1", "gpath": "y += 1"},
                    on_event={"pre": "spike", "gpath": "gspike"})
    S.connect()
    gspikes, ends = ld.EventMonitor(G, "gspike", "g"), ld.EventMonitor(G, "end_gspike")
    spikes = ld.SpikeMonitor(G, "v")
    G.allow_gspike = True
    ld.Network(inp, G, H, s_in, S, gspikes, ends, spikes).run(200 * ms)
    assert _ms(gspikes.t_) == [7.2, 10.5, 13.8, 73.2, 76.5, 79.8, 139.2, 142.5, 145.8]
    np.testing.assert_allclose(gspikes.g[:4], [1.1067643671491583, 1.290704087734878,
                                               1.4229427183847891, 1.1067643671491583],
                               rtol=1e-12)
    assert _ms(ends.t_) == [8.3, 13.1, 74.3, 79.1, 140.3, 145.1]
    assert _ms(spikes.t_) == [63.9, 129.9, 195.9]
    np.testing.assert_allclose(spikes.v, [1.0002794424728232] * 3, rtol=1e-12)
    np.testing.assert_allclose([H.x[0], H.y[0]], [0.6712331684962721, 0.010011200589387379],
                               rtol=1e-12)
