"""Bad input gets an error that names the line and what was wrong, and changes nothing."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld


def test_timed_array_called_with_the_wrong_arguments():
    ta = ld.TimedArray(np.zeros(5), dt=1e-3)
    G = ld.NeuronGroup(2, "dU/dt = (-U + I_in(t, i))/tau : 1",
                       namespace={"tau": 0.01, "I_in": ta})
    net = ld.Network(G)
    with pytest.raises(ld.EquationError) as err:
        net.run(1e-3)
    text = str(err.value)
    assert "line 1" in text and "I_in(t)" in text and "dU/dt = (-U + I_in(t, i))/tau" in text
    assert net.t == 0.0


def test_a_number_called_like_a_function():
    G = ld.NeuronGroup(2, "dU/dt = (-U + I_in(t))/tau : 1",
                       namespace={"tau": 0.01, "I_in": 3.0})
    with pytest.raises(ld.EquationError, match="called like a function but is a float"):
        ld.Network(G).run(1e-3)


def test_unknown_method_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown method 'rk9'.*'euler'.*'exact'"):
        ld.NeuronGroup(2, "dU/dt = -U/tau : 1", method="rk9")


def test_exact_on_a_nonlinear_model_suggests_euler():
    G = ld.NeuronGroup(2, "dU/dt = -U**2/tau : 1", method="exact", namespace={"tau": 1.0})
    with pytest.raises(ld.DiscretizationError, match="method='euler'"):
        ld.Network(G).run(1e-3)
    assert G.U.tolist() == [0.0, 0.0]


def test_bad_threshold_points_at_the_column():
    with pytest.raises(ld.EquationError) as err:
        ld.NeuronGroup(2, "dU/dt = -U/tau : 1", threshold="U >> 1")
    assert "threshold, line 1" in str(err.value)
    assert err.value.column == 3


def test_reset_of_a_subexpression_is_refused():
    with pytest.raises(ld.EquationError, match="subexpression"):
        ld.NeuronGroup(2, "dU/dt = -U/tau : 1\nI = 2*U : 1", threshold="U > 1", reset="I = 0")
