"""Equations(eqs, name=...) as in Brian2: names replaced by other names (renaming a model
variable too) or by values with units; both targets give the numbers of the model written out."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import ms, mV


def test_rename_and_values_give_the_written_out_model():
    # Brian2 2.9.0 prints this substitution as
    #   dV/dt = (-V + I)/(10. * msecond) : V ; I = gg*(3) : V ; gg : V
    eqs = ld.Equations("""dv/dt = (-v + I)/tau : volt
                          I = g*x : volt
                          g : volt""", tau=10 * ms, v="V", x=3, g="gg")
    assert eqs.diff_names == ["V"] and eqs.subexpr_names == ["I"] and eqs.param_names == ["gg"]
    assert "tau" not in eqs.identifiers and "x" not in eqs.identifiers
    G = ld.NeuronGroup(3, eqs, method="linear")
    G.V = 0 * mV
    G.gg = np.array([1.0, 2.0, -1.0]) * mV
    ld.Network(G).run(5 * ms)
    want = 3 * np.array([1.0, 2.0, -1.0]) * 1e-3 * (1 - np.exp(-0.5))
    np.testing.assert_allclose(np.asarray(G.V[:]), want, rtol=1e-12)


def test_renamed_external_is_looked_up_under_its_new_name():
    eqs = ld.Equations("dv/dt = -v/tau : 1", tau="tau_m")
    assert str(eqs) == "dv/dt = -v/tau_m : 1"
    G = ld.NeuronGroup(1, eqs, method="exact", namespace={"tau_m": 20 * ms})
    G.v = 1
    ld.Network(G).run(10 * ms)
    np.testing.assert_allclose(np.asarray(G.v[:]), [np.exp(-0.5)], rtol=1e-12)


def test_one_template_two_populations_agree_with_hand_written():
    template = "dv/dt = (a - v)/tau : 1"
    eqs = ld.Equations(template, a="a_e", tau=5 * ms) + ld.Equations(template, v="w", a=2,
                                                                        tau=10 * ms)
    G = ld.NeuronGroup(2, eqs + "a_e : 1", method="euler", dt=0.1 * ms)
    H = ld.NeuronGroup(2, """dv/dt = (a_e - v)/(5*ms) : 1
                             dw/dt = (2 - w)/(10*ms) : 1
                             a_e : 1""", method="euler", dt=0.1 * ms)
    for grp in (G, H):
        grp.a_e = np.array([1.0, -1.0])
    ld.Network(G, H).run(2 * ms)
    np.testing.assert_allclose(np.asarray(G.v[:]), np.asarray(H.v[:]), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(G.w[:]), np.asarray(H.w[:]), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(G.w[:]), 2 * (1 - 0.99 ** 20), rtol=1e-12)


def test_unused_keys_are_ignored_as_in_brian2():
    assert str(ld.Equations("dv/dt = -v/tau : 1", zz=3, yy="q")) == "dv/dt = -v/tau : 1"


@pytest.mark.parametrize("kw, error, match", [
    # Brian2 2.9.0: ValueError "Cannot replace model variable 'v' with a value."
    ({"v": 3}, ValueError, "model variable 'v' with a value"),
    # Brian2 2.9.0: SyntaxError "'1+x' is not a valid variable name."
    ({"v": "1+x"}, ValueError, "not a valid variable name"),
    # Brian2 2.9.0: EquationError "... duplicate definition of 'w'."
    ({"v": "w"}, ValueError, "'w' is defined in the equations too"),
    ({"t": "s"}, ValueError, "special name"),
    ({"tau": [1, 2]}, TypeError, "a name .* or a number"),
    ({"tau": float("nan")}, ValueError, "not a finite number"),
])
def test_bad_replacements_are_clear_errors(kw, error, match):
    with pytest.raises(error, match=match):
        ld.Equations("dv/dt = -v/tau : 1\nw : 1", **kw)
