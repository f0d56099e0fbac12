"""``: integer`` and ``: boolean`` variables: stored as int32 and bool arrays (Brian2's types),
integer arithmetic with Python's floor semantics for ``//`` and ``%``, true division, a float
stored into an integer truncated toward zero, booleans set from conditions and numbers and used
as conditions; monitors, store/restore and state files keep the dtypes. Both targets.

Every expected value was obtained by running the same statements with Brian2 2.9.0
(/tmp/b2env, prefs.codegen.target = 'numpy'; the run of test_run_matches_brian2 also with
'cython', the same numbers) and printing the arrays."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.equations import EquationError
from lifdsl.units import ms, mV, volt


def _group():
    return ld.NeuronGroup(5, "n : integer\nb : boolean\nx : 1\nv : volt")


def test_dtypes_are_brian2s():
    G = _group()
    assert (G.n.dtype, G.b.dtype, G.x.dtype) == (np.int32, np.bool_, np.float64)
    G32 = ld.NeuronGroup(3, "n : integer\nb : boolean\nx : 1", dtype="float32")
    assert (G32.n.dtype, G32.b.dtype, G32.x.dtype) == (np.int32, np.bool_, np.float32)
    assert ld.NeuronGroup(2, "k : integer (shared)").k.dtype == np.int32


@pytest.mark.parametrize("value, expected", [
    (2.7, [2, 2, 2, 2, 2]),
    ([1.5, -1.5, 2, 3, 4], [1, -1, 2, 3, 4]),
    ("i - 2.5", [-2, -1, 0, 0, 1]),           # truncated toward zero, as int()
    ("int(i - 2.5)", [-2, -1, 0, 0, 1]),
])
def test_a_float_stored_into_an_integer_is_truncated(value, expected):
    G = _group()
    G.n = value
    assert G.n.dtype == np.int32
    np.testing.assert_array_equal(G.n, expected)


@pytest.mark.parametrize("text, expected", [
    ("n // 3", [-3, -1, 0, 1, 2]),             # floor, also for negatives (C truncates)
    ("n % 3", [2, 0, 0, 2, 2]),
    ("n / 2", [-3.5, -1.5, 0, 2.5, 4]),        # true division
    ("n // -3", [2, 1, 0, -2, -3]),
    ("n % -3", [-1, 0, 0, -1, -1]),
])
def test_integer_arithmetic_in_strings(text, expected):
    G = _group()
    G.n = [-7, -3, 0, 5, 8]
    G.x = text
    np.testing.assert_array_equal(G.x, expected)


@pytest.mark.parametrize("text, expected", [
    ("n // 3", [-3, -1, 0, 1, 2]), ("n % 3", [2, 0, 0, 2, 2]), ("n / 2", [-3, -1, 0, 2, 4]),
])
def test_integer_results_stored_into_an_integer(text, expected):
    G = _group()
    G.n = [-7, -3, 0, 5, 8]
    G.n = text
    assert G.n.dtype == np.int32
    np.testing.assert_array_equal(G.n, expected)


@pytest.mark.parametrize("value, expected", [
    ("i > 2", [0, 0, 0, 1, 1]), (1.0, [1, 1, 1, 1, 1]), ("i", [0, 1, 1, 1, 1]),
    ("i*1.5", [0, 1, 1, 1, 1]),                 # a number: nonzero is true
])
def test_booleans_from_conditions_and_numbers(value, expected):
    G = _group()
    G.b = value
    assert G.b.dtype == np.bool_
    np.testing.assert_array_equal(G.b, np.array(expected, bool))


@pytest.mark.parametrize("text, expected", [
    ("b*2.5", [0, 0, 0, 2.5, 2.5]), ("int(not b)", [1, 1, 1, 0, 0]),
    ("int(b and i>3)", [0, 0, 0, 0, 1]), ("int(b or i<1)", [1, 0, 0, 1, 1]),
])
def test_booleans_read_as_numbers_and_in_logic(text, expected):
    G = _group()
    G.b = "i > 2"
    G.x = text
    np.testing.assert_array_equal(G.x, expected)


def test_an_integer_out_of_range_is_refused_and_changes_nothing():
    G = _group()
    G.n = 3
    with pytest.raises(OverflowError, match="'n' is an integer variable"):
        G.n = 2**40           # Brian2: OverflowError (out of bounds for int32)
    with pytest.raises(OverflowError, match="'n' is an integer variable"):
        G.n = "1e20 + i"
    with pytest.raises(OverflowError, match="'n' is an integer variable"):
        G.n[:2] = 1e20
    np.testing.assert_array_equal(G.n, [3, 3, 3, 3, 3])


def test_int_of_a_quantity_is_refused_floor_and_ceil_keep_units():
    G = _group()
    G.v = [-1, 2, 3, -4, 5] * mV
    # Brian2: DimensionMismatchError "Argument number 1 for function int does not have the
    # correct units"
    with pytest.raises(EquationError, match=r"int\(\) needs a dimensionless argument, but 'v'"):
        G.x = "int(v)"
    G2 = ld.NeuronGroup(2, "v : volt\nw : volt", reset="w = int(2*v)", threshold="v > w")
    with pytest.raises(EquationError, match=r"int\(\) needs a dimensionless argument"):
        ld.Network(G2).run(0.1 * ms)
    # Brian2's sequence: v = [-1, 2, 3, -4, 5] mV, then each line in turn
    G.v = "floor(v*1.5)"
    np.testing.assert_array_equal(np.asarray(G.v / volt), [-1, 0, 0, -1, 0])
    G.v = "ceil(v*1.5)"
    np.testing.assert_array_equal(np.asarray(G.v / volt), [-1, 0, 0, -1, 0])
    with pytest.raises(EquationError, match="must have dimension dimensionless"):
        G.x = "floor(v)"
    G.x = "floor(v/mV*1.5)"
    np.testing.assert_array_equal(G.x, [-1500, 0, 0, -1500, 0])


MODEL = """dv/dt = (1 - v)/(10*ms) : 1
n : integer
b : boolean
c : integer
"""


def _run_model(tmp_path=None):
    G = ld.NeuronGroup(4, MODEL, threshold="b", reset="n += 1; b = False", method="exact")
    G.n = [-7, -3, 0, 5]
    G.run_regularly("b = v > 0.3 + 0.1*i\nc = n // 2 + n % 3", dt=1 * ms, when="start",
                    order=-1)
    G.v = "i*0.1"
    M = ld.StateMonitor(G, ["n", "b", "c"], record=True)
    sp = ld.SpikeMonitor(G)
    net = ld.Network(G, M, sp)
    return G, M, sp, net


# Brian2 2.9.0, the same script (numpy and cython targets gave the same), run(8*ms)
B2_N = [-3, 0, 3, 7]
B2_C = [0, 1, 3, 3]
B2_SPIKE_I = [0, 0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3]
B2_SPIKE_T_MS = [4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7]
B2_M_N = [[-7, -7, -7, -7, -7, -6, -5, -4], [-3, -3, -3, -3, -3, -3, -2, -1],
          [0, 0, 0, 0, 0, 0, 1, 2], [5, 5, 5, 5, 5, 5, 5, 6]]      # M.n[:, ::10]
B2_M_C = [[-2, -2, -2, -2, -2, -3, -2, 0], [-2, -2, -2, -2, -2, -2, 0, 1],
          [0, 0, 0, 0, 0, 0, 1, 3], [4, 4, 4, 4, 4, 4, 4, 3]]
B2_M_B = [[0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 1, 1, 1],
          [0, 0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0, 1, 1]]


def test_run_matches_brian2():
    G, M, sp, net = _run_model()
    net.run(8 * ms)
    assert (G.n.dtype, G.b.dtype, G.c.dtype) == (np.int32, np.bool_, np.int32)
    assert (M.n.dtype, M.b.dtype, M.c.dtype) == (np.int32, np.bool_, np.int32)
    np.testing.assert_array_equal(G.n, B2_N)
    np.testing.assert_array_equal(G.c, B2_C)
    assert not G.b.any()
    np.testing.assert_array_equal(sp.i, B2_SPIKE_I)
    np.testing.assert_allclose(np.asarray(sp.t / ms), B2_SPIKE_T_MS, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(M.n[:, ::10], B2_M_N)
    np.testing.assert_array_equal(M.c[:, ::10], B2_M_C)
    np.testing.assert_array_equal(M.b[:, ::10], np.array(B2_M_B, bool))


def test_store_restore_and_state_files_keep_the_dtypes(tmp_path):
    G, M, sp, net = _run_model()
    net.store()
    net.store("file", filename=str(tmp_path / "state.npz"))
    net.run(8 * ms)
    net.restore()
    assert (G.n.dtype, G.b.dtype) == (np.int32, np.bool_)
    np.testing.assert_array_equal(G.n, [-7, -3, 0, 5])
    net.run(8 * ms)
    np.testing.assert_array_equal(G.n, B2_N)    # the same run again
    net.restore("file", filename=str(tmp_path / "state.npz"))
    assert G.n.dtype == np.int32
    np.testing.assert_array_equal(G.n, [-7, -3, 0, 5])


def test_a_boolean_threshold_must_be_a_boolean_variable():
    with pytest.raises(EquationError, match="must be a condition"):
        ld.NeuronGroup(2, "n : integer", threshold="n")
    G = ld.NeuronGroup(3, "b : boolean", threshold="not b")
    G.b = "i == 1"
    sp = ld.SpikeMonitor(G)
    ld.Network(G, sp).run(0.2 * ms)
    np.testing.assert_array_equal(sp.i, [0, 2, 0, 2])


def test_integer_and_boolean_synaptic_variables_and_targets():
    # Brian2 2.9.0 (same script, numpy target): S.k = [4 3 2 5 4 3 6 5 4] (int32),
    # S.flag = [T F F T T F T T T], G.n = [6 6 6], G.b all True
    G = ld.NeuronGroup(3, "dv/dt = 1/ms : 1\nn : integer\nb : boolean", threshold="v > 1",
                       reset="v = 0", method="euler")
    S = ld.Synapses(G, G, "k : integer\nflag : boolean",
                    on_pre="n_post += 1\nk += 2\nflag = k > 3\nb_post = True")
    S.connect()
    S.k = "i - j"
    ld.Network(G, S).run(3.1 * ms)
    assert (S.k.dtype, S.flag.dtype) == (np.int32, np.bool_)
    np.testing.assert_array_equal(S.k, [4, 3, 2, 5, 4, 3, 6, 5, 4])
    np.testing.assert_array_equal(S.flag, np.array([1, 0, 0, 1, 1, 0, 1, 1, 1], bool))
    np.testing.assert_array_equal(G.n, [6, 6, 6])
    assert G.b.all()


def test_a_boolean_as_the_condition_of_a_custom_event():
    # Brian2 2.9.0, the same script: G.c = [3 0 9], M.i = [0 2 0 2 0 2], M.t = [0 0 .1 .1 .2 .2] ms
    G = ld.NeuronGroup(3, "b : boolean\nc : integer", events={"up": "b"})
    G.run_on_event("up", "c += 1 + i")
    G.b = "i != 1"
    M = ld.EventMonitor(G, "up")
    ld.Network(G, M).run(0.3 * ms)
    np.testing.assert_array_equal(G.c, [3, 0, 9])
    np.testing.assert_array_equal(M.i, [0, 2, 0, 2, 0, 2])
    np.testing.assert_allclose(np.asarray(M.t_) / 1e-3, [0, 0, 0.1, 0.1, 0.2, 0.2], atol=1e-12)
