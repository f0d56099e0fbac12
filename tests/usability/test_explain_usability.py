"""The teaching view: ld.explain and Equations.discretize."""

from __future__ import annotations

import pytest

import lifdsl as ld


def test_explain_multi_equation_system_shows_every_update():
    text = ld.explain("tau_m*dU/dt = -U + R*I_s : 1\ndI_s/dt = -I_s/tau_s : 1",
                      method="exact", show=False)
    assert "U_new =" in text and "I_s_new =" in text
    assert "dI_s/dt = -I_s/tau_s" in text


def test_explain_subexpression_is_substituted_and_shown():
    text = ld.explain("tau*dU/dt = -U + I\nI = 2*I0 : 1", method="exact", show=False)
    assert "Subexpressions" in text and "I = 2*I0" in text
    assert "U_new = 2*I0 + (U - 2*I0)*exp(-dt/tau)" in text


@pytest.mark.parametrize("eqs", ["dU/dt = U**2/tau", "dU/dt = -U*V/tau : 1\ndV/dt = -V/tau : 1",
                                 "dU/dt = -sqrt(U)"])
def test_nonlinear_exact_is_a_discretization_error_suggesting_euler(eqs):
    with pytest.raises(ld.DiscretizationError, match="method='euler'"):
        ld.explain(eqs, method="exact", show=False)


def test_time_dependent_exact_suggests_a_timedarray_or_euler():
    with pytest.raises(ld.DiscretizationError, match="TimedArray"):
        ld.Equations("tau*dU/dt = -U + I0*sin(t/tau)").discretize("exact")


def test_discretize_str_reads_as_an_update():
    assert str(ld.Equations("tau*dU/dt = -U + R*I").discretize("euler")) == \
        "U_new = U + dt*(-U + I*R)/tau"
    assert str(ld.Equations("dU/dt = -V/tau : 1\ndV/dt = U/tau : 1").discretize("exact")) \
        .startswith("U_new = U*cos(dt/tau) - V*sin(dt/tau)")


def test_discretize_without_odes_is_a_clear_error():
    with pytest.raises(ld.DiscretizationError, match="no differential equations"):
        ld.Equations("U : 1").discretize("euler")


def test_discretization_error_is_a_value_error():
    assert issubclass(ld.DiscretizationError, ValueError)


def test_discretize_accepts_auto():
    assert "exp(" in str(ld.Equations("dU/dt = -U/tau").discretize("auto"))
