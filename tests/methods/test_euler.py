"""Forward Euler: the documented readable form, old values on every right-hand side, and a
measured global order of 1."""

from __future__ import annotations

import math

import numpy as np
import sympy as sp

from lifdsl.equations.functions import randn, symbol
from lifdsl.methods import METHODS, discretize

U, I, R, tau, dt = (symbol(n) for n in ("U", "I", "R", "tau", "dt"))
LIF = {"U": (-U + R * I) / tau}


def test_readable_form():
    upd = discretize(LIF, "euler")
    assert str(upd) == "U_new = U + dt*(-U + I*R)/tau"
    assert upd.method == "euler" and upd.order == 1 == METHODS["euler"].order
    assert sp.simplify(upd.statements[0].expr - (U + dt * (-U + R * I) / tau)) == 0


def test_all_right_hand_sides_use_start_of_step_values():
    x, g = symbol("x"), symbol("g")
    upd = discretize({"x": -x / tau, "g": (x - g) / tau}, "euler")
    assert [s.target for s in upd] == ["x_new", "g_new"]
    g_new = upd.statements[1].expr
    assert sp.simplify(g_new - (g + dt * (x - g) / tau)) == 0
    assert all(not s.name.endswith("_new") for s in g_new.free_symbols)


def test_measured_global_order_is_one(stepper, runner):
    step = stepper(discretize(LIF, "euler"))
    tau_, r, i0, u0, t_end = 0.02, 2.0, 0.7, 0.3, 0.05
    exact = r * i0 + (u0 - r * i0) * math.exp(-t_end / tau_)
    errors = []
    for h in (1e-3, 5e-4, 2.5e-4):
        n = round(t_end / h)
        states = runner(step, {"U": u0}, {"tau": tau_, "R": r, "I": i0, "dt": h}, n)
        errors.append(abs(states[-1]["U"] - exact))
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(rates - 1.0) < 0.1), rates


def test_white_noise_is_euler_maruyama():
    sigma, xi = symbol("sigma"), symbol("xi")
    upd = discretize({"U": (-U + sigma * sp.sqrt(tau) * xi) / tau}, "euler")
    first, last = upd.statements
    assert first.target.startswith("_") and first.expr == sp.sqrt(dt) * randn()
    dw = symbol(first.target)
    assert sp.simplify(last.expr - (U - U * dt / tau + sigma * dw / sp.sqrt(tau))) == 0
    assert not last.expr.has(xi)
