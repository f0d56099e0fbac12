"""Reading and writing state: broadcasting, slices, strings, subexpressions, shared parameters,
and failed assignments that leave the state untouched."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4
EQS = """
dU/dt = -U/tau : 1
g : 1 (shared)
w : 1
I = 2*U + g : 1
"""


def _group(N=6):
    return ld.NeuronGroup(N, EQS, namespace={"tau": 10e-3})


def test_scalar_assignment_broadcasts():
    G = _group()
    G.U = 0.5
    assert isinstance(G.U, np.ndarray)
    assert G.U.shape == (6,)
    np.testing.assert_array_equal(G.U, np.full(6, 0.5))


def test_slice_assignment_through_the_view_touches_only_the_slice():
    G = _group()
    G.U = 0.5
    G.U[:3] = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(G.U, [1.0, 2.0, 3.0, 0.5, 0.5, 0.5])


def test_array_assignment_of_the_right_shape():
    G = _group()
    values = np.linspace(-1, 1, 6)
    G.U = values
    np.testing.assert_array_equal(G.U, values)
    values[0] = 99.0  # the group holds a copy
    assert G.U[0] == -1.0


@pytest.mark.parametrize("bad", [np.arange(3.0), np.arange(7.0), np.ones((6, 2)), [1.0, 2.0]])
def test_array_of_the_wrong_shape_raises_and_changes_nothing(bad):
    G = _group()
    G.U = 0.25
    with pytest.raises(ValueError):
        G.U = bad
    np.testing.assert_array_equal(G.U, np.full(6, 0.25))


def test_string_rand_is_per_neuron_in_range_and_reproducible_after_seed():
    G = _group(200)
    ld.seed(42)
    G.U = "rand()*0.5"
    first = G.U.copy()
    assert np.all(first >= 0.0) and np.all(first < 0.5)
    assert np.unique(first).size == first.size  # a draw per neuron, not one broadcast
    assert 0.2 < first.mean() < 0.3  # uniform on [0, 0.5): mean 0.25, sd of mean ~0.01
    G.U = "rand()*0.5"
    assert not np.array_equal(G.U, first)  # the generator moved on
    ld.seed(42)
    G.U = "rand()*0.5"
    np.testing.assert_array_equal(G.U, first)


def test_string_uses_the_neuron_index_and_N():
    G = _group()
    G.U = "i*0.1"
    np.testing.assert_allclose(G.U, 0.1 * np.arange(6), rtol=0, atol=1e-15)
    G.w = "i/N"
    np.testing.assert_allclose(G.w, np.arange(6) / 6, rtol=0, atol=1e-15)


def test_string_uses_other_variables_and_external_names():
    G = _group()
    G.U = "i*0.1"
    scale = 3.0  # noqa: F841 - found in this scope
    G.w = "U*scale + 1"
    np.testing.assert_allclose(G.w, 0.3 * np.arange(6) + 1, rtol=1e-14)


def test_subexpression_is_readable_and_not_assignable():
    G = _group()
    G.U = np.arange(6.0)
    G.g = 0.5
    np.testing.assert_allclose(G.I, 2 * np.arange(6.0) + 0.5, rtol=1e-15)
    with pytest.raises(AttributeError):
        G.I = 1.0
    with pytest.raises(AttributeError):
        G.I = "2"
    np.testing.assert_allclose(G.I, 2 * np.arange(6.0) + 0.5, rtol=1e-15)


def test_subexpression_of_time_after_run_is_evaluated_at_current_t():
    values = np.arange(20.0)
    I_in = ld.TimedArray(values, dt=DT)
    G = ld.NeuronGroup(2, "dU/dt = I/tau : 1\nI = I_in(t) + i : 1",
                       namespace={"tau": 10e-3, "I_in": I_in})
    ld.Network(G).run(5 * DT)
    np.testing.assert_array_equal(G.I, [5.0, 6.0])




def test_unknown_attribute_assignment_raises_attribute_error():
    G = _group()
    with pytest.raises(AttributeError, match="V"):
        G.V = 1.0
    with pytest.raises(AttributeError):
        G.i = 3
    with pytest.raises(AttributeError):
        _ = G.not_a_variable


def test_shared_parameter_is_one_value_seen_by_every_neuron():
    G = ld.NeuronGroup(4, "dU/dt = g/tau : 1\ng : 1 (shared)", method="exact",
                       namespace={"tau": 10e-3})
    G.g = 0.5
    assert G.g.size == 1 and G.g[0] == 0.5
    with pytest.raises(ValueError):
        G.g = np.arange(4.0)
    assert G.g[0] == 0.5
    ld.seed(1)
    G.g = "rand()"
    assert G.g.size == 1 and 0.0 <= G.g[0] < 1.0
    G.g = 2.0
    G.U = "i"
    ld.Network(G).run(10 * DT)
    np.testing.assert_allclose(G.U, np.arange(4.0) + 2.0 * 10 * DT / 10e-3, rtol=1e-12)


def test_a_reset_cannot_write_a_shared_parameter():
    with pytest.raises(ld.EquationError, match="g"):
        ld.NeuronGroup(2, "dU/dt = -U/tau : 1\ng : 1 (shared)", threshold="U > 1",
                       reset="g = 0")


def test_failed_string_assignment_raises_and_leaves_the_state_unchanged():
    G = _group()
    G.U = np.arange(6.0)
    with pytest.raises(ld.EquationError, match="undefined_name"):
        G.U = "undefined_name*2"
    np.testing.assert_array_equal(G.U, np.arange(6.0))
    with pytest.raises(ld.EquationError):
        G.U = "2 *"  # syntax error
    np.testing.assert_array_equal(G.U, np.arange(6.0))
    with pytest.raises(ld.EquationError):
        G[1:3].U = "undefined_name + 1"
    np.testing.assert_array_equal(G.U, np.arange(6.0))


def test_failed_run_leaves_state_and_time_unchanged_and_can_be_retried():
    G = ld.NeuronGroup(2, "dU/dt = -U/tau : 1", threshold="U > 1", reset="U = U_r",
                       method="exact", namespace={"tau": 10e-3})
    M = ld.StateMonitor(G, "U")
    net = ld.Network(M, G)
    G.U = 0.5
    with pytest.raises(ld.EquationError, match="U_r"):
        net.run(5 * DT)
    assert net.t == 0.0
    np.testing.assert_array_equal(G.U, [0.5, 0.5])
    assert M.t.size == 0
    U_r = 0.0  # noqa: F841 - now defined in the calling scope
    net.run(3 * DT)
    np.testing.assert_allclose(M.t, np.arange(3) * DT, rtol=0, atol=1e-15)
    np.testing.assert_allclose(M.U[0], 0.5 * np.exp(-np.arange(3) * DT / 10e-3), rtol=1e-12)
