"""Exponential Euler: the fixed-point form, exact for linear equations with constant
coefficients, finite where the coefficient may vanish, order 1 when variables are coupled,
and errors naming the variable that is not linear in itself."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lifdsl.equations.functions import exprel, rand, symbol
from lifdsl.methods import METHODS, DiscretizationError, discretize

U, I, R, C, tau, dt, t = (symbol(n) for n in ("U", "I", "R", "C", "tau", "dt", "t"))
v, m, g, E = symbol("v"), symbol("m"), symbol("g"), symbol("E")
x, y, tau_y = symbol("x"), symbol("y"), symbol("tau_y")
LIF = {"U": (-U + R * I) / tau}

# Hodgkin-Huxley sodium activation (Traub's rates): linear in m, coefficient depends on v.
ALPHA = 0.32 * (13 - v) / (sp.exp((13 - v) / 4) - 1)
BETA = 0.28 * (v - 40) / (sp.exp((v - 40) / 5) - 1)
GATE = {"m": ALPHA * (1 - m) - BETA * m}


def test_registered():
    method = METHODS["exponential_euler"]
    assert method.order == 1 and method.strong_order is None


def test_lif_is_the_fixed_point_form():
    upd = discretize(LIF, "exponential_euler")
    assert str(upd) == "U_new = I*R + (U - I*R)*exp(-dt/tau)"
    assert upd.order == 1


def test_exact_for_linear_equation_with_constant_coefficients(stepper, runner):
    step = stepper(discretize(LIF, "exponential_euler"))
    h, n, tau_, r, i0, u0 = 1e-3, 500, 0.02, 2.0, 0.7, 0.3
    states = runner(step, {"U": u0}, {"tau": tau_, "R": r, "I": i0, "dt": h}, n)
    times = np.arange(n + 1) * h
    ref = r * i0 + (u0 - r * i0) * np.exp(-times / tau_)
    np.testing.assert_allclose([s["U"] for s in states], ref, rtol=0, atol=1e-13)


def test_gate_with_voltage_dependent_rates(stepper, runner):
    """An HH gate: coefficient -(alpha + beta) gets a temporary, the update is finite (exprel
    form: SymPy cannot prove alpha + beta != 0) and, with v held fixed, exact."""
    upd = discretize(GATE, "exponential_euler")
    first, last = upd.statements
    assert first.target == "_a_m" and sp.simplify(first.expr + ALPHA + BETA) == 0
    assert last.target == "m_new" and last.expr.has(exprel(symbol("_a_m") * dt))
    h, n, v0, m0 = 0.01, 300, -20.0, 0.05
    states = runner(stepper(upd), {"m": m0}, {"v": v0, "dt": h}, n)
    a, b = float(ALPHA.subs(v, v0)), float(BETA.subs(v, v0))
    m_inf, rate = a / (a + b), a + b
    times = np.arange(n + 1) * h
    np.testing.assert_allclose(
        [s["m"] for s in states], m_inf + (m0 - m_inf) * np.exp(-rate * times), rtol=0, atol=1e-13
    )


def test_coefficient_that_may_vanish_stays_finite(stepper, runner):
    upd = discretize({"v": (g * (E - v) + I) / C}, "exponential_euler")
    assert upd.statements[-1].expr.has(exprel)
    params = {"E": -0.07, "I": 2e-10, "C": 2e-10, "dt": 1e-4}
    zero = runner(stepper(upd), {"v": -0.065}, {**params, "g": 0.0}, 10)
    np.testing.assert_allclose([s["v"] for s in zero], -0.065 + np.arange(11) * 1e-4, atol=1e-15)
    leaky = runner(stepper(upd), {"v": -0.065}, {**params, "g": 1e-8}, 10)
    target, rate = -0.07 + 2e-10 / 1e-8, 1e-8 / 2e-10
    ref = target + (-0.065 - target) * np.exp(-rate * np.arange(11) * 1e-4)
    np.testing.assert_allclose([s["v"] for s in leaky], ref, rtol=0, atol=1e-15)


def test_pure_integrator_is_euler():
    assert str(discretize({"U": I / C}, "exponential_euler")) == "U_new = U + I*dt/C"


def test_order_one_when_coefficient_depends_on_another_variable(stepper, final_runner, orders):
    """dy/dt = -y/tau_y, dx/dt = -(1 + y)*x/tau; each update freezes the other variable."""
    odes = {"x": -(1 + y) * x / tau, "y": -y / tau_y}
    step = stepper(discretize(odes, "exponential_euler"))
    x0, y0, tau_, tau_y_, t_end = 1.0, 2.0, 0.05, 0.02, 0.1
    exact = x0 * math.exp(-(t_end + tau_y_ * y0 * (1 - math.exp(-t_end / tau_y_))) / tau_)
    errors = []
    for h in (1e-3, 5e-4, 2.5e-4):
        got = final_runner(
            step, {"x": x0, "y": y0}, {"tau": tau_, "tau_y": tau_y_, "dt": h}, round(t_end / h)
        )
        errors.append(abs(got["x"] - exact))
    rates = orders(errors)
    assert np.all(np.abs(rates - 1.0) < 0.1), (errors, rates)


def test_external_call_frozen_and_draw_made_once():
    i_in = sp.Function("I_in")
    sigma = symbol("sigma")
    upd = discretize(
        {"U": (-U + R * i_in(t) + sigma * rand(sp.Integer(3))) / tau}, "exponential_euler"
    )
    calls = set().union(*(s.expr.atoms(sp.core.function.AppliedUndef) for s in upd))
    assert calls == {i_in(t)}
    assert str(upd).count("rand()") == 1
    assert upd.statements[0].target == "_rand_0"
    assert str(upd.statements[-1]).startswith("U_new = ")


def test_not_linear_in_itself_names_the_variable():
    with pytest.raises(DiscretizationError, match=r"'U' is not linear in 'U'.*rk4"):
        discretize({"U": -(U**2) / tau, "x": -x / tau}, "exponential_euler")
    # (exp(v) - v is split as Brian2 does, a = -1, b = exp(v): see test_exponential_euler_brian2)
    with pytest.raises(DiscretizationError, match=r"'v' is not linear in 'v'"):
        discretize({"m": -m / tau, "v": v**3 - v}, "exponential_euler")


def test_white_noise_is_refused():
    xi, sigma = symbol("xi"), symbol("sigma")
    with pytest.raises(DiscretizationError, match=r"'U'.*white noise.*'euler'.*'heun'"):
        discretize({"U": (-U + sigma * sp.sqrt(tau) * xi) / tau}, "exponential_euler")
