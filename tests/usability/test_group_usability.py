"""NeuronGroup: construction arguments and state assignment, as a Brian2 user pokes at them.
Bad input must raise a clear error and leave the group unchanged."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld


def _group(**kw):
    return ld.NeuronGroup(4, "dU/dt = -U/tau : 1 (unless refractory)\nx : 1 (shared)\n"
                          "I = 2*U : 1", namespace={"tau": 0.01}, **kw)


# -- what works ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["unknown_k", "U +", "", "U = 3", "dU/dt"])
def test_bad_string_assignment_is_equation_error_and_leaves_state(value):
    G = _group()
    G.U = [1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ld.EquationError):
        G.U = value
    assert G.U.tolist() == [1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize("value", [[1, 2], np.ones((2, 2)), np.ones((4, 1))])
def test_wrong_shape_assignment_is_value_error_and_leaves_state(value):
    G = _group()
    G.U = 0.5
    with pytest.raises(ValueError, match="cannot set 'U'"):
        G.U = value
    assert G.U.tolist() == [0.5] * 4


def test_string_assignment_uses_i_and_N_and_subgroups_count_from_zero():
    G = _group()
    G.U = "i/N"
    assert G.U.tolist() == [0.0, 0.25, 0.5, 0.75]
    G[2:].U = "i"
    assert G.U.tolist() == [0.0, 0.25, 0.0, 1.0]


def test_subexpression_is_readable_but_not_assignable():
    G = _group()
    G.U = 1.5
    assert G.I.tolist() == [3.0] * 4
    with pytest.raises(AttributeError, match="subexpression"):
        G.I = 1.0


def test_unknown_attribute_assignment_is_refused():
    G = _group()
    with pytest.raises(AttributeError, match="declare it in the equations"):
        G.V = 1.0


@pytest.mark.parametrize("threshold", ["U", "U + 1", "1"])
def test_non_boolean_threshold_is_equation_error(threshold):
    with pytest.raises(ld.EquationError, match="condition"):
        _group(threshold=threshold)


@pytest.mark.parametrize("reset, words", [("I = 0", "subexpression"), ("tau = 0", "not a variable"),
                                          ("x = 0", "shared"), ("t = 0", "special name"),
                                          ("U == 0", "expected one of")])
def test_bad_reset_target_is_equation_error(reset, words):
    with pytest.raises(ld.EquationError, match=words):
        _group(threshold="U > 1", reset=reset)


@pytest.mark.parametrize("N", [0, -1, 2.0, "3", True])
def test_bad_N_is_refused(N):
    with pytest.raises(ValueError, match="positive integer"):
        ld.NeuronGroup(N, "U : 1")


def test_unknown_method_lists_known_methods():
    with pytest.raises(ValueError, match="'euler'"):
        _group(method="Euler")


def test_negative_refractory_is_refused():
    with pytest.raises(ValueError, match="non-negative"):
        _group(threshold="U > 1", refractory=-1e-3)


# -- bugs ---------------------------------------------------------------------------------------


def test_assigning_none_is_refused():
    G = _group()
    with pytest.raises((TypeError, ValueError)):
        G.U = None
    assert not np.isnan(G.U).any()


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
def test_assigning_complex_is_refused():
    G = _group()
    with pytest.raises((TypeError, ValueError)):
        G.U = 1 + 2j


def test_per_neuron_string_into_shared_variable_is_a_clear_error():
    G = _group()
    with pytest.raises(ld.EquationError):
        G.x = "i"


def test_indexed_string_assignment_like_brian2():
    G = _group()
    ld.seed(1)
    G.U[:2] = "rand()"
    assert np.all((G.U[:2] > 0) & (G.U[:2] < 1)) and np.all(G.U[2:] == 0)


def test_neuron_index_cannot_be_corrupted():
    G = _group()
    with pytest.raises((ValueError, AttributeError)):
        G.i[:] = 7
    G.U = "i"
    assert G.U.tolist() == [0, 1, 2, 3]


def test_group_size_is_read_only():
    G = _group()
    with pytest.raises(AttributeError):
        G.N = 5
    assert G.N == 4


def test_numpy_dtype_objects_are_accepted():
    G = ld.NeuronGroup(1, "U : 1", dtype=np.float32)
    assert G.U.dtype == np.float32


def test_refractory_true_is_refused():
    with pytest.raises((TypeError, ValueError)):
        _group(threshold="U > 1", refractory=True)


def test_refractory_nan_is_refused():
    with pytest.raises(ValueError):
        _group(threshold="U > 1", refractory=float("nan"))


def test_negative_refractory_string_is_refused():
    G = ld.NeuronGroup(1, "dU/dt = 2/tau : 1", threshold="U > 1", reset="U = 0",
                       refractory="-5*ms", namespace={"tau": 0.01})
    with pytest.raises(ValueError):
        ld.Network(G, target="numpy").run(1e-3)


def test_unknown_name_in_refractory_names_the_string():
    G = ld.NeuronGroup(1, "U : 1", threshold="U > 1", refractory="t_ref")
    with pytest.raises(ld.EquationError, match="refractory"):
        ld.Network(G, target="numpy").run(1e-3)


def test_subgroup_indexed_with_a_string_is_a_type_error():
    G = _group()
    with pytest.raises(TypeError, match="int or a slice"):
        G[1:3]["a"]


def test_non_string_model_is_a_clear_type_error():
    with pytest.raises(TypeError, match="string"):
        ld.NeuronGroup(1, 5)
