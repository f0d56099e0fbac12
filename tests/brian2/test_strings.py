"""What Brian2 scripts write in strings, in lifdsl itself: int(), floor/ceil, // and %, == and
!=, radian, method='linear' and method_options, on both targets with Brian2's numbers."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import ms

# Obtained with Brian2 2.9.0 (/tmp/b2env, prefs.codegen.target='numpy', defaultclock.dt=0.1*ms):
# the model of test_integer_arithmetic_matches_brian2, run(1*ms); G.v[:], G.x[:], G.c[:] and
# SpikeMonitor(G).num_spikes printed.
BRIAN2_V = [-0.9, 3.0, 3.7, 2.3, -3.9, -0.2, 3.4]
BRIAN2_X = [-4.0, 0.0, -4.0, -2.0, 0.0, 3.0, 0.0]
BRIAN2_C = [5.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0]
BRIAN2_NUM_SPIKES = 10

MODEL = """dv/dt = (int(3.7*sin(i*radian + t/ms*radian)) + (i % 4) + (i - 3) // 2 + int(i == 2)
                 + floor(-i/3.0) + ceil(i/4.0))/ms : 1
x : 1
c : 1"""


def test_integer_arithmetic_matches_brian2():
    G = ld.NeuronGroup(7, MODEL, threshold="(i % 3 == 0) and (t > 0.45*ms) and (i != 6)",
                       reset="c += 1", method="euler", dt=0.1 * ms)
    G.run_regularly("x = int(-2.5 + i) % 3 + (i - 3) // 2 + int(x*0.5 - 1.5)", dt=0.2 * ms)
    M = ld.SpikeMonitor(G)
    ld.Network(G, M).run(1 * ms)
    np.testing.assert_allclose(np.asarray(G.v[:]), BRIAN2_V, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.asarray(G.x[:]), BRIAN2_X)
    np.testing.assert_array_equal(np.asarray(G.c[:]), BRIAN2_C)
    assert M.num_spikes == BRIAN2_NUM_SPIKES


@pytest.mark.parametrize("text, expected", [
    ("int(1.7)", 1.0), ("int(-1.7)", -1.0), ("int(-0.5)", 0.0), ("int(3 > 2)", 1.0),
    ("int(3 == 2)", 0.0), ("(-7) % 3", 2.0), ("(-7.5) % 2", 0.5), ("-7 // 2", -4.0),
    ("floor(-1.5)", -2.0), ("ceil(1.2)", 2.0), ("2*radian", 2.0),
])
def test_constant_expressions_fold_as_brian2(text, expected):
    # constant arguments fold when parsed (the varying case is the test below and the first)
    G = ld.NeuronGroup(2, "x : 1")
    G.run_regularly(f"x = {text}")
    ld.Network(G).run(0.1 * ms)
    assert list(np.asarray(G.x[:])) == [expected, expected]


def test_int_of_a_varying_value_truncates_toward_zero():
    G = ld.NeuronGroup(6, "x : 1\ny : 1")
    G.x = np.array([-2.5, -1.0, -0.25, 0.0, 0.75, 2.999])
    G.run_regularly("y = int(x) + 10*int(x > 0)")
    ld.Network(G).run(0.1 * ms)
    np.testing.assert_array_equal(np.asarray(G.y[:]), [-2.0, -1.0, 0.0, 0.0, 10.0, 12.0])


def test_int_of_a_condition_times_a_number_is_an_error_without_it():
    # Brian2 refuses 1.0*(i == 2) too ("Relational cannot be used in Mul"): int() is the way
    with pytest.raises(ld.EquationError, match="true/false condition"):
        ld.NeuronGroup(2, "x : 1").run_regularly("x = 1.0*(i == 2)")


def test_method_linear_is_exact():
    tau = 10 * ms
    G = ld.NeuronGroup(2, "dv/dt = -v/tau : 1", method="linear",
                       method_options={"simplify": True}, namespace={"tau": tau})
    assert G.method == "linear"
    G.v = np.array([1.0, 2.0])
    ld.Network(G).run(3 * ms)
    np.testing.assert_allclose(np.asarray(G.v[:]), np.array([1.0, 2.0]) * np.exp(-0.3),
                               rtol=1e-12)


def test_method_options_must_be_a_dict():
    with pytest.raises(TypeError, match="method_options"):
        ld.NeuronGroup(1, "dv/dt = -v/(10*ms) : 1", method_options=["simplify"])
    G = ld.NeuronGroup(2, "v : 1")
    with pytest.raises(TypeError, match="method_options"):
        ld.Synapses(G, G, "w : 1", method_options=3)


def test_radian_is_a_dimensionless_unit_in_strings_and_annotations():
    G = ld.NeuronGroup(3, "a : radian\ny : 1")
    G.run_regularly("a = i*radian + 0.5\ny = sin(a)")
    ld.Network(G).run(0.1 * ms)
    np.testing.assert_allclose(np.asarray(G.y[:]), np.sin([0.5, 1.5, 2.5]), rtol=1e-15)


def test_int_of_a_condition_prints_back_as_int():
    eqs = ld.Equations("dv/dt = (int(v > 1) + int(v))/ms : 1")
    text = str(eqs)
    assert "int(v > 1)" in text
    assert ld.Equations(text)["v"].expr == eqs["v"].expr


def test_spike_monitor_it_is_the_pair_i_t():
    G = ld.NeuronGroup(3, "dv/dt = (1 + i)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                       method="euler", dt=0.1 * ms)
    M = ld.SpikeMonitor(G)
    ld.Network(G, M).run(25 * ms)
    i, t = M.it
    np.testing.assert_array_equal(i, M.i)
    np.testing.assert_array_equal(t, M.t)
    # the per-neuron counts are kept apart from the recorded spikes: they must agree
    assert list(np.bincount(i, minlength=3)) == list(M.count) and M.num_spikes == len(t) > 10
    assert np.all(np.diff(t) >= 0)


def test_spike_monitor_record_false_counts_without_recording():
    G = ld.NeuronGroup(3, "dv/dt = (1 + i)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                       method="euler", dt=0.1 * ms)
    full, counting = ld.SpikeMonitor(G), ld.SpikeMonitor(G, record=False)
    ld.Network(G, full, counting).run(25 * ms)
    assert len(full.i) > 10
    for name in ("i", "t", "it"):   # (Brian2 2.9: AttributeError, nothing was recorded)
        with pytest.raises(AttributeError, match="record=False"):
            getattr(counting, name)
    assert list(counting.count) == list(full.count)
    assert counting.num_spikes == full.num_spikes
