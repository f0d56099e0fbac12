"""User functions with a Python implementation called from model strings (Brian2's
``Function``, ``@implementation``, ``@check_units``-decorated functions), on both targets with
Brian2's numbers; their units checked like every other term."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available
from lifdsl.equations import EquationError
from lifdsl.units import DimensionMismatchError, check_units, ms, mV, nA, second, volt


@check_units(v=volt, result=1)
def gate(v):
    return 1 / (1 + np.exp(-(v / mV + 50) / 5))


def halfway(v, w):
    return (v + w) / 2


halfway_f = ld.Function(halfway, arg_units=[volt, volt], return_unit=volt)


@ld.implementation("numpy", discard_units=True)
@check_units(t=second, result=1)
def pulse(t):
    return 1.0 * ((t > 5 * ms) & (t < 15 * ms))   # ms is a plain 0.001 here (discard_units)


@check_units(v=volt, result=bool)
def above(v):
    return v > -55 * mV


def sq(v):
    return v**2


sq_f = ld.Function(sq, arg_units=[volt], return_unit=volt**2)


@check_units(i=1, j=1, result=1)
def near(i, j):
    return 1.0 * (abs(i - j) <= 1)


# Obtained with Brian2 2.9.0 (/tmp/b2env, prefs.codegen.target='numpy', defaultclock.dt =
# 0.1*ms) running the model of test_neuron_group_functions_match_brian2 with the functions
# above (a script of the same lines, `from brian2 import *`); G.v[:], SpikeMonitor counts and
# times and StateMonitor x[:, 100] printed with repr.
BRIAN2_V = [-0.05651902367540106, -0.06665218205502016, -0.06478263985260786,
            -0.062099722691233296, -0.05759311064866406]
BRIAN2_COUNT = [1, 2, 2, 2, 2]
BRIAN2_T = [0.006, 0.0075, 0.0087, 0.0096, 0.0104, 0.0107, 0.0122, 0.0134, 0.0143]
BRIAN2_X_100 = [3166.4707101476533, 4432.9183437970705, 4102.146708947154, 3713.082778020003,
                3240.9121324561697]
# The same way, the model of test_synapses_connect_and_run_regularly_functions_match_brian2:
# S.i, S.j, T.v[:], S.w[:] after run(6*ms).
BRIAN2_PAIRS = [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 1), (2, 2)]
BRIAN2_TV = [0.0006824385605001553, 0.0028817575285472598, 0.0021063177550972455]
BRIAN2_W = [0.0005, 0.0015, 0.001, 0.002, 0.003, 0.0025, 0.0035]

MODEL = """dv/dt = (-70*mV - v)/(10*ms) + 5*mV/ms*gate(v) + pulse(t)*3*mV/ms : volt
x = sq_f(v)/mV**2 : 1"""


def test_neuron_group_functions_match_brian2():
    # a check_units function in the equations, a discard_units one of t, a Function in the
    # reset, one returning a condition as the threshold, one in a recorded subexpression
    G = ld.NeuronGroup(5, MODEL, threshold="above(v)", reset="v = halfway_f(v, -80*mV)",
                       method="euler", dt=0.1 * ms)
    G.v = np.linspace(-70, -56, 5) * mV
    sp = ld.SpikeMonitor(G)
    M = ld.StateMonitor(G, ["v", "x"], record=True)
    ld.Network(G, sp, M).run(20 * ms)
    np.testing.assert_allclose(G.v_, BRIAN2_V, rtol=1e-13, atol=0)
    assert list(sp.count) == BRIAN2_COUNT
    np.testing.assert_allclose(np.sort(np.asarray(sp.t)), BRIAN2_T, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(M.x)[:, 100], BRIAN2_X_100, rtol=1e-12)


def test_synapses_connect_and_run_regularly_functions_match_brian2():
    src = ld.SpikeGeneratorGroup(3, [0, 1, 2, 0], [1, 2, 3, 4] * ms)
    T = ld.NeuronGroup(3, "dv/dt = -v/(5*ms) : volt", method="exact")
    T.v = [1, 2, 3] * mV
    scale = ld.Function(lambda v: 1 + v / (10 * mV), arg_units=[volt], return_unit=1)
    S = ld.Synapses(src, T, "w : volt", on_pre="v_post += w*scale(v_post)",
                    namespace={"scale": scale})
    S.connect(condition="near(i, j) > 0.5")
    S.w = "0.5*mV*(1 + i + 2*j)"
    T.run_regularly("v = halfway_f(v, 0*mV)", dt=2 * ms)
    ld.Network(src, T, S).run(6 * ms)
    assert list(zip(S.i[:], S.j[:], strict=True)) == BRIAN2_PAIRS
    np.testing.assert_allclose(T.v_, BRIAN2_TV, rtol=1e-13)
    np.testing.assert_allclose(np.asarray(S.w), BRIAN2_W, rtol=1e-13)


def test_string_assignment_calls_a_function():
    G = ld.NeuronGroup(4, "v : volt")
    G.v = "halfway_f(-60*mV, i*mV)"
    np.testing.assert_allclose(G.v_, (-60e-3 + np.arange(4) * 1e-3) / 2, rtol=1e-15)


def test_a_function_of_t_is_called_once_per_step_not_per_neuron():
    calls = []

    def drive(t):
        calls.append(np.size(t))
        return 2.0 + 0 * np.asarray(t)

    f = ld.Function(drive, arg_units=[second], return_unit=1)
    G = ld.NeuronGroup(50, "dv/dt = f(t)/ms : 1", method="euler", namespace={"f": f})
    ld.Network(G).run(1 * ms)
    assert len(calls) == 10 and set(calls) == {1}        # one call per step, on a number
    np.testing.assert_allclose(G.v_, 2.0, rtol=1e-12)   # ten euler steps of 0.1 ms at 2/ms


def test_the_numpy_implementation_gets_quantities_and_rounds_alike_on_both_targets(target):
    seen = []

    @check_units(v=volt, result=volt)
    def shift(v):
        seen.append(type(v).__name__)
        return v - 1 * mV   # units inside: works because it gets a Quantity

    G = ld.NeuronGroup(3, "dv/dt = (shift(v) - v)/(3*ms) : volt", method="euler")
    G.v = [0, 1, 2] * mV
    ld.Network(G).run(0.5 * ms)
    # euler: v_{k+1} = v_k - dt/(3 ms)*1 mV, five steps of 0.1 ms
    np.testing.assert_allclose(G.v_, np.array([0, 1, 2]) * 1e-3 - 5 * (0.1 / 3) * 1e-3,
                               rtol=1e-12)
    assert set(seen) == {"Quantity"}


def test_callable_return_unit_from_the_arguments():
    # return_unit as a function of the arguments' dimensions (Brian2's spelling); the result
    # is checked against it: volt**2 here, so x (: 1) needs the division by mV**2
    sqr = ld.Function(sq, arg_units=[None], return_unit=lambda u: u**2)
    G = ld.NeuronGroup(2, "v : volt\nx = sqr(v)/mV**2 : 1", namespace={"sqr": sqr})
    G.v = [2, 3] * mV
    np.testing.assert_allclose(G.x, [4.0, 9.0], rtol=1e-12)
    bad = ld.NeuronGroup(2, "v : volt\nx = sqr(v)/mV : 1", namespace={"sqr": sqr})
    with pytest.raises(EquationError, match="x"):
        ld.Network(bad).run(0.1 * ms)


def test_integer_argument_and_boolean_result_types():
    parity = ld.Function(lambda k: (k % 2) == 0, arg_units=[1], return_unit=bool,
                         arg_types=["integer"])
    G = ld.NeuronGroup(6, "dv/dt = 0/ms : 1", threshold="even(i)", namespace={"even": parity})
    sp = ld.SpikeMonitor(G)
    ld.Network(G, sp).run(0.3 * ms)
    assert list(sp.count) == [3, 0, 3, 0, 3, 0]


# -- errors: the line, and what was wrong -----------------------------------------------------

def test_argument_of_the_wrong_dimension_names_the_line():
    G = ld.NeuronGroup(2, "dv/dt = -v/(10*ms) + gate(v/mV)*mV/ms : volt")
    with pytest.raises(EquationError) as err:
        ld.Network(G).run(0.1 * ms)
    text = str(err.value)
    assert "line 1" in text and "gate()" in text and "volt" in text and "v/mV" in text


def test_result_of_the_wrong_dimension_names_the_line():
    G = ld.NeuronGroup(2, "dv/dt = (halfway_f(v, v) - v)/ms : volt\nI = gate(v) : amp")
    with pytest.raises(EquationError, match="line 2"):
        ld.Network(G).run(0.1 * ms)


def test_wrong_number_of_arguments_is_an_error():
    G = ld.NeuronGroup(2, "dv/dt = gate(v, v)/ms : 1")
    with pytest.raises(EquationError, match=r"'gate' takes 1 argument\(s\), not 2"):
        ld.Network(G).run(0.1 * ms)


def test_a_function_without_units_is_refused_with_a_hint():
    def plain(x):
        return x

    G = ld.NeuronGroup(2, "dv/dt = plain(v)/ms : 1")
    with pytest.raises(EquationError, match="arg_units|check_units"):
        ld.Network(G).run(0.1 * ms)
    with pytest.raises(ValueError, match="arg_units"):
        ld.Function(plain)



def test_a_threshold_calling_a_function_without_a_condition_result():
    G = ld.NeuronGroup(2, "v : volt", threshold="gate(v)")
    with pytest.raises(EquationError, match="threshold.*does not return true/false"):
        ld.Network(G).run(0.1 * ms)


def test_the_result_is_checked_against_return_unit_at_run_time():
    def liar(v):
        return v * 1.0

    liar = ld.Function(liar, arg_units=[volt], return_unit=nA)
    G = ld.NeuronGroup(2, "v : volt\nI = liar(v) : amp", namespace={"liar": liar})
    G.v = 1 * mV
    with pytest.raises(DimensionMismatchError, match="liar"):
        G.I  # noqa: B018 - evaluating it calls the function


def test_an_exception_in_the_function_stops_the_run_on_both_targets(target):
    def fails(v):
        if np.any(np.asarray(v) > 0.5):
            raise RuntimeError("too big")
        return v

    f = ld.Function(fails, arg_units=[1], return_unit=1)
    G = ld.NeuronGroup(3, "dv/dt = (1 + f(v) - v)/ms : 1", method="euler", namespace={"f": f})
    net = ld.Network(G)
    with pytest.raises(RuntimeError, match="too big"):
        net.run(1 * ms)
    # then the function is fine again, and the network runs on
    G.v = 0
    net.run(0.2 * ms)
    np.testing.assert_allclose(G.v_, 0.2, rtol=1e-12)


def test_implementation_for_another_language_runs_the_python_body(caplog):
    @ld.implementation("cython", "cdef double twice(double x):\n    return 2*x")
    @check_units(x=1, result=1)
    def twice(x):
        return 2 * x

    assert isinstance(twice, ld.Function) and "cython" in twice.foreign
    G = ld.NeuronGroup(2, "v : 1\ny = twice(v) : 1")
    G.v = [1.5, 2.5]
    np.testing.assert_allclose(G.y, [3.0, 5.0])
    with pytest.raises(TypeError, match="discard_units"):
        ld.implementation("cpp", "code", discard_units=True)


# -- how often the function is called, and the per-element path of the Cython kernel -------

def test_a_function_of_the_state_is_called_once_per_step_on_whole_arrays():
    # NumPy: one vectorised call per statement; Cython: the loop's arguments (v, read before
    # the update writes it) are gathered and the function is called once on the whole array
    sizes = []

    def sig(v):
        sizes.append(np.size(v))
        return 1 / (1 + np.exp(-v))

    f = ld.Function(sig, arg_units=[1], return_unit=1)
    G = ld.NeuronGroup(50, "dv/dt = (2*f(v) - v)/(10*ms) : 1", method="euler",
                       namespace={"f": f})
    G.v = np.linspace(-1, 1, 50)
    ld.Network(G).run(1 * ms)
    assert sizes == [50] * 10
    # the closed recurrence, by hand: v += dt*(2*sigmoid(v) - v)/tau
    v = np.linspace(-1, 1, 50)
    for _ in range(10):
        v = v + 0.1 * (2 / (1 + np.exp(-v)) - v) / 10
    np.testing.assert_allclose(G.v_, v, rtol=1e-14)


def _rk4_threshold_reset(target: str, functions: bool):
    neg = ld.Function(lambda v: -v, arg_units=[1], return_unit=1)
    big = ld.Function(lambda v: v > 0.6, arg_units=[1], return_unit=bool)
    half = ld.Function(lambda v: v / 2, arg_units=[1], return_unit=1)
    if functions:
        G = ld.NeuronGroup(6, "dv/dt = (neg(v) + 1.5)/(5*ms) : 1", method="rk4",
                           threshold="big(v)", reset="v = half(v) - 0.1",
                           namespace={"neg": neg, "big": big, "half": half})
    else:
        G = ld.NeuronGroup(6, "dv/dt = (-v + 1.5)/(5*ms) : 1", method="rk4",
                           threshold="v > 0.6", reset="v = v/2 - 0.1")
    G.v = np.linspace(0, 0.5, 6)
    sp = ld.SpikeMonitor(G)
    ld.Network(G, sp, target=target).run(3 * ms)
    return G.v_.copy(), np.asarray(sp.i).copy()


@pytest.mark.skipif(not compiler_available(), reason="no working C compiler / Cython")
def test_calls_of_values_the_loop_changed_give_numpy_numbers_on_cython():
    # rk4 evaluates f at its stages (temporaries), the threshold reads v after the update
    # in the same loop and the reset after the threshold: the kernel calls back per element
    # there; the targets agree to the bit, and with the model written with builtins
    v_np, i_np = _rk4_threshold_reset("numpy", True)
    v_cy, i_cy = _rk4_threshold_reset("cython", True)
    np.testing.assert_array_equal(v_np, v_cy)
    np.testing.assert_array_equal(i_np, i_cy)
    v_b, i_b = _rk4_threshold_reset("numpy", False)
    np.testing.assert_allclose(v_np, v_b, rtol=1e-13)
    np.testing.assert_array_equal(i_np, i_b)
    assert len(i_b) > 6


def test_auto_vectorise_passes_the_elements_indices():
    # Brian2 2.9.0 (/tmp/b2env, numpy target) with this model and function, run(0.2*ms):
    # G.x[:] = [0.5, 0.6, 0.7, 0.8, 0.9], G.y[:] = [0, 0, 0, 0, 0.9]; G2.x = 'f()' gives x's
    def idx_value(_vectorisation_idx):
        return 0.5 + 0.1 * np.asarray(_vectorisation_idx)

    f = ld.Function(idx_value, arg_units=[], return_unit=1, stateless=False,
                    auto_vectorise=True)
    G = ld.NeuronGroup(5, "x : 1\ny : 1", threshold="x > 0.8", reset="y = f()",
                       namespace={"f": f})
    G.run_regularly("x = f()")
    ld.Network(G).run(0.2 * ms)
    np.testing.assert_allclose(G.x_, [0.5, 0.6, 0.7, 0.8, 0.9], rtol=1e-15)
    np.testing.assert_allclose(G.y_, [0, 0, 0, 0, 0.9], rtol=1e-15)
    G2 = ld.NeuronGroup(5, "x : 1", namespace={"f": f})
    G2.x = "f()"
    np.testing.assert_allclose(G2.x_, [0.5, 0.6, 0.7, 0.8, 0.9], rtol=1e-15)


def test_generated_code_shows_the_calls_into_python():
    f = ld.Function(lambda v: 1 / (1 + np.exp(-v)), arg_units=[1], return_unit=1)
    G = ld.NeuronGroup(4, "dv/dt = (-v + 2*f(v))/(10*ms) : 1", method="euler",
                       namespace={"f": f})
    src = G.generated_code(target="cython")
    assert "lifdsl_pyvec(" in src and "lifdsl_ta1(" not in src.split("lifdsl_kernel")[-1]
    assert "2*f(v)" in G.generated_code(target="numpy")


def test_synapses_clock_driven_equation_and_on_pre_units():
    same = ld.Function(lambda w: w * 1.0, arg_units=[1], return_unit=1)
    src = ld.SpikeGeneratorGroup(2, [0, 1], [0.5, 1.5] * ms)
    T = ld.NeuronGroup(2, "v : 1")
    runs = []
    for model in ("dw/dt = -same(w)/(5*ms) : 1 (clock-driven)",
                  "dw/dt = -w/(5*ms) : 1 (clock-driven)"):
        S = ld.Synapses(src, T, model, on_pre="v_post += w", method="euler",
                        namespace={"same": same})
        S.connect(j="i")
        S.w = [1.0, 2.0]
        T.v = 0
        ld.Network(src, T, S).run(2 * ms)
        runs.append((np.asarray(S.w).copy(), T.v_.copy()))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    np.testing.assert_allclose(runs[0][0], np.array([1.0, 2.0]) * (1 - 0.1 / 5) ** 20,
                               rtol=1e-12)   # twenty euler steps of w -= dt*w/(5 ms)
    volts = ld.Function(lambda w: w, arg_units=[volt], return_unit=1)
    S = ld.Synapses(src, T, "w : 1", on_pre="v_post += volts(w)", namespace={"volts": volts})
    S.connect(j="i")
    with pytest.raises(EquationError, match="volts"):
        ld.Network(src, T, S).run(0.1 * ms)


def test_brian2_pref_discard_units_is_the_default_of_functions_that_do_not_say():
    from lifdsl.brian2 import prefs

    seen = []

    def record(v):
        seen.append(type(v).__name__)
        return v / mV    # a number either way: Quantity/Unit, or SI value/0.001 (discarded)

    f = ld.Function(record, arg_units=[volt], return_unit=1)
    assert prefs.codegen.runtime.numpy.discard_units is False
    prefs.codegen.runtime.numpy.discard_units = True
    try:
        G = ld.NeuronGroup(2, "v : volt\ny = f(v) : 1", namespace={"f": f})
        G.v = [1, 2] * mV
        np.testing.assert_allclose(G.y, [1.0, 2.0], rtol=1e-12)
        assert seen == ["ndarray"]
    finally:
        prefs.codegen.runtime.numpy.discard_units = False
    np.testing.assert_allclose(G.y, [1.0, 2.0], rtol=1e-12)
    assert seen[-1] == "Quantity"


@pytest.mark.skipif(not compiler_available(), reason="no working C compiler / Cython")
def test_poisson_rates_and_refractory_condition_call_functions():
    @check_units(t=second, result=ld.Hz)
    def rate(t):
        return (200 + 0 * np.asarray(t)) * ld.Hz

    sq = ld.Function(lambda x: x**2, arg_units=[1], return_unit=1)
    drive = ld.TimedArray([0.5, 1.0, 1.5], dt=1 * ms)
    out = []
    for target in ("numpy", "cython"):
        ld.seed(3)
        P = ld.PoissonGroup(50, rates="rate(t)", namespace={"rate": rate})
        G = ld.NeuronGroup(3, "dv/dt = sq(drive(t))/ms : 1", refractory="sq(v) > 4",
                           threshold="v > 1", reset="v = 0", method="euler",
                           namespace={"sq": sq, "drive": drive})
        sp, sg = ld.SpikeMonitor(P), ld.SpikeMonitor(G)
        ld.Network(P, G, sp, sg, target=target).run(3 * ms)
        out.append((np.asarray(sp.i).copy(), np.asarray(sp.t).copy(), G.v_.copy(),
                    sg.num_spikes))
    for a, b in zip(*out, strict=True):
        np.testing.assert_array_equal(a, b)
    assert 5 < len(out[0][0]) < 60            # 50 sources at 200 Hz for 3 ms: 30 expected
    # v climbs 0.025, 0.1, 0.225 per step in the three ms; 1 is crossed in the second ms
    assert out[0][3] > 0
