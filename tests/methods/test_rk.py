"""Explicit Runge-Kutta methods (rk2, rk4, heun): readable stages, measured global orders on
a nonlinear ODE, a linear 2-D system and explicit-time forcing, frozen external inputs, one
draw per step, and a tableau-defined method added in a few lines."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lifdsl.equations.functions import rand, symbol
from lifdsl.equations.statements import Assign
from lifdsl.methods import METHODS, DiscreteUpdate, DiscretizationError, discretize
from lifdsl.methods.runge_kutta import ExplicitRungeKutta, Tableau

U, I, R, tau, dt, t = (symbol(n) for n in ("U", "I", "R", "tau", "dt", "t"))
x, y, w = symbol("x"), symbol("y"), symbol("w")
LIF = {"U": (-U + R * I) / tau}
NONLINEAR = {"U": -(U**2) / tau}  # U(t) = U0/(1 + U0*t/tau)
ROTATION = {"x": (-x - w * y) / tau, "y": (-y + w * x) / tau}  # damped rotation
FORCED = {"U": sp.cos(t / tau) / tau}  # U(t) = U0 + sin(t/tau)

RK_METHODS = ("rk2", "rk4", "heun")
#: step sizes per method: coarse enough that round-off stays far below the error
STEPS = {"rk2": (0.02, 0.01, 0.005), "heun": (0.02, 0.01, 0.005), "rk4": (0.1, 0.05, 0.025)}


def test_registered_with_orders():
    assert {m: METHODS[m].order for m in RK_METHODS} == {"rk2": 2, "rk4": 4, "heun": 2}
    assert METHODS["heun"].strong_order == 0.5
    assert METHODS["rk2"].strong_order is None and METHODS["rk4"].strong_order is None
    for m in RK_METHODS:
        upd = discretize(LIF, m)
        assert upd.method == m and upd.order == METHODS[m].order


def test_readable_forms():
    assert str(discretize(LIF, "rk2")) == (
        "_k1_U = dt*(-U + I*R)/tau\n_k2_U = dt*(-U - _k1_U/2 + I*R)/tau\nU_new = U + _k2_U"
    )
    assert str(discretize(LIF, "heun")) == (
        "_k1_U = dt*(-U + I*R)/tau\n"
        "_k2_U = dt*(-U - _k1_U + I*R)/tau\n"
        "U_new = U + (_k1_U + _k2_U)/2"
    )
    assert str(discretize(LIF, "rk4")) == (
        "_k1_U = dt*(-U + I*R)/tau\n"
        "_k2_U = dt*(-U - _k1_U/2 + I*R)/tau\n"
        "_k3_U = dt*(-U - _k2_U/2 + I*R)/tau\n"
        "_k4_U = dt*(-U - _k3_U + I*R)/tau\n"
        "U_new = U + (_k1_U + _k4_U + 2*_k2_U + 2*_k3_U)/6"
    )


@pytest.mark.parametrize("method", RK_METHODS)
def test_one_step_matches_the_textbook_formula(method):
    """The statements, substituted into each other, are the method's formula for f(U)."""
    f = NONLINEAR["U"]
    upd = discretize(NONLINEAR, method)
    env = {}
    for st in upd:
        env[symbol(st.target)] = st.expr.xreplace(env)
    got = env[symbol("U_new")]

    def rhs(u):
        return f.xreplace({U: u})

    k1 = dt * rhs(U)
    if method == "rk2":
        ref = U + dt * rhs(U + k1 / 2)
    elif method == "heun":
        ref = U + (k1 + dt * rhs(U + k1)) / 2
    else:
        k2 = dt * rhs(U + k1 / 2)
        k3 = dt * rhs(U + k2 / 2)
        k4 = dt * rhs(U + k3)
        ref = U + (k1 + 2 * k2 + 2 * k3 + k4) / 6
    assert sp.simplify(got - ref) == 0


def nonlinear_errors(step, final_runner, steps):
    u0, tau_, t_end = 1.0, 0.5, 2.0
    exact = u0 / (1 + u0 * t_end / tau_)
    return [
        abs(final_runner(step, {"U": u0}, {"tau": tau_, "dt": h}, round(t_end / h))["U"] - exact)
        for h in steps
    ]


def rotation_errors(step, final_runner, steps):
    x0, y0, tau_, w_, t_end = 1.0, 0.2, 0.5, 3.0, 1.0
    decay, angle = math.exp(-t_end / tau_), w_ * t_end / tau_
    ex = decay * (x0 * math.cos(angle) - y0 * math.sin(angle))
    ey = decay * (x0 * math.sin(angle) + y0 * math.cos(angle))
    errors = []
    for h in steps:
        got = final_runner(
            step, {"x": x0, "y": y0}, {"tau": tau_, "w": w_, "dt": h}, round(t_end / h)
        )
        errors.append(math.hypot(got["x"] - ex, got["y"] - ey))
    return errors


def forced_errors(step, final_runner, steps):
    u0, tau_, t_end = 0.3, 0.2, 1.0
    exact = u0 + math.sin(t_end / tau_)
    errors = []
    for h in steps:
        got = final_runner(
            step, {"U": u0}, {"tau": tau_, "dt": h}, round(t_end / h), lambda k, h=h: {"t": k * h}
        )
        errors.append(abs(got["U"] - exact))
    return errors


@pytest.mark.parametrize("method", RK_METHODS)
@pytest.mark.parametrize(
    "odes, errors",
    [(NONLINEAR, nonlinear_errors), (ROTATION, rotation_errors), (FORCED, forced_errors)],
    ids=["nonlinear", "linear-2d", "explicit-time"],
)
def test_measured_global_order(stepper, final_runner, orders, method, odes, errors):
    errs = errors(stepper(discretize(odes, method)), final_runner, STEPS[method])
    rates = orders(errs)
    assert np.all(np.abs(rates - METHODS[method].order) < 0.15), (errs, rates)


def cos_arguments(update):
    return [c.args[0] for s in update for c in s.expr.atoms(sp.cos)]


def test_explicit_time_is_evaluated_at_the_stage_times():
    stage_times = [t, t + dt / 2, t + dt / 2, t + dt]
    assert cos_arguments(discretize(FORCED, "rk4")) == [c / tau for c in stage_times]
    assert cos_arguments(discretize(FORCED, "rk2")) == [t / tau, (t + dt / 2) / tau]
    assert cos_arguments(discretize(FORCED, "heun")) == [t / tau, (t + dt) / tau]


def test_time_held_at_step_start_would_lose_the_order(stepper, final_runner, orders):
    """Control for the test above: the same rk4 statements with every stage time put back to
    the step's start converge with order 1 only, so the order test can tell the difference."""
    upd = discretize(FORCED, "rk4")

    def at_start(expr):
        return expr.replace(
            lambda e: isinstance(e, sp.cos), lambda e: sp.cos(e.args[0].subs(dt, 0))
        )

    broken = DiscreteUpdate(tuple(Assign(s.target, at_start(s.expr)) for s in upd), "rk4", 4)
    assert str(broken).count("cos(t/tau)") == 4
    rates = orders(forced_errors(stepper(broken), final_runner, STEPS["rk4"]))
    assert np.all(np.abs(rates - 1.0) < 0.15), rates


@pytest.mark.parametrize("method", RK_METHODS)
def test_external_call_is_frozen_over_the_step(stepper, runner, method):
    """I_in(t) is read at the step's start, never at t + dt/2: with a smooth I_in the result
    equals the exact solution for input held piecewise constant at I_in(k*dt)."""
    i_in = sp.Function("I_in")
    upd = discretize({"U": (-U + R * i_in(t)) / tau}, method)
    calls = set().union(*(s.expr.atoms(sp.core.function.AppliedUndef) for s in upd))
    assert calls == {i_in(t)}

    def current(time):
        return np.cos(time / 0.003) + 0.5

    h, n, tau_, r, u0 = 1e-3, 200, 0.02, 2.0, 0.1
    params = {"tau": tau_, "R": r, "dt": h}
    step = stepper(upd, functions={"I_in": current})
    states = runner(step, {"U": u0}, params, n, lambda k: {"t": k * h})
    got = np.array([s["U"] for s in states])
    # 1. the same method on the same equation with a parameter I set to I_in(k*dt) per step
    held = runner(
        stepper(discretize(LIF, method)), {"U": u0}, params, n, lambda k: {"I": current(k * h)}
    )
    np.testing.assert_allclose(got, [s["U"] for s in held], rtol=0, atol=1e-13)

    # 2. the exact solution for input held piecewise constant, up to the method's own error
    def piecewise(offset):
        ref, u, decay = [u0], u0, math.exp(-h / tau_)
        for k in range(n):
            target = r * current((k + offset) * h)
            u = target + (u - target) * decay
            ref.append(u)
        return np.array(ref)

    tolerance = {"rk4": 1e-7, "rk2": 1e-3, "heun": 1e-3}[method]
    assert np.max(np.abs(got - piecewise(0.0))) < tolerance
    # input read at mid-step instead would give a trajectory far outside that tolerance
    assert np.max(np.abs(piecewise(0.5) - piecewise(0.0))) > 10 * tolerance


@pytest.mark.parametrize("method", RK_METHODS)
def test_random_draw_is_made_once_per_step(stepper, runner, method):
    sigma = symbol("sigma")
    draw = rand(sp.Integer(7))
    upd = discretize({"U": (-U + sigma * draw) / tau}, method)
    draws = [s for s in upd if s.expr.atoms(rand)]
    assert len(draws) == 1 and draws[0].expr == draw and draws[0].target.startswith("_rand")
    assert str(upd).count("rand()") == 1
    # every stage reads that one number: the step equals the exact one for a constant input
    r_sym = symbol("r_value")
    step = stepper(upd, replace={draw: r_sym})
    values = np.random.default_rng(3).random(50)
    h, tau_, s_ = 1e-4, 0.02, 1.5
    states = runner(
        step, {"U": 0.0}, {"tau": tau_, "sigma": s_, "dt": h}, 50, lambda k: {"r_value": values[k]}
    )
    u = 0.0
    for k in range(50):
        u = s_ * values[k] + (u - s_ * values[k]) * math.exp(-h / tau_)
    # a fresh draw per stage would move each step by about sigma*dt/tau*|r1 - r2| ~ 1e-3
    assert abs(states[-1]["U"] - u) < {"rk4": 1e-10, "rk2": 1e-5, "heun": 1e-5}[method]


@pytest.mark.parametrize("method", ["rk2", "rk4"])
def test_white_noise_is_refused(method):
    xi, sigma = symbol("xi"), symbol("sigma")
    with pytest.raises(DiscretizationError, match=r"'U'.*white noise.*'heun'.*'euler'"):
        discretize({"U": (-U + sigma * sp.sqrt(tau) * xi) / tau}, method)


def test_temporaries_are_per_variable():
    upd = discretize(ROTATION, "rk4")
    targets = [s.target for s in upd]
    assert len(set(targets)) == len(targets)
    assert targets[:2] == ["_k1_x", "_k1_y"] and targets[-2:] == ["x_new", "y_new"]
    # a state's second stage sees the other state's first-stage increment
    k2_x = upd.statements[2]
    assert k2_x.target == "_k2_x" and k2_x.expr.has(symbol("_k1_y"))


class RK3(ExplicitRungeKutta):
    """Kutta's third-order method: a new method is a tableau and two attributes."""

    name = "rk3"
    order = 3
    tableau = Tableau(a=[[], ["1/2"], [-1, 2]], b=["1/6", "2/3", "1/6"])


def test_a_new_tableau_is_a_new_method(stepper, final_runner, orders):
    upd = DiscreteUpdate(tuple(RK3().discretize(NONLINEAR)), "rk3", 3)
    assert [s.target for s in upd] == ["_k1_U", "_k2_U", "_k3_U", "U_new"]
    rates = orders(nonlinear_errors(stepper(upd), final_runner, (0.04, 0.02, 0.01)))
    assert np.all(np.abs(rates - 3) < 0.15), rates


def test_inconsistent_tableau_is_rejected():
    with pytest.raises(ValueError, match="sum to 1"):
        Tableau(a=[[], [1]], b=[1, 1])
    with pytest.raises(ValueError, match="rows"):
        Tableau(a=[[], [1, 2]], b=["1/2", "1/2"])
