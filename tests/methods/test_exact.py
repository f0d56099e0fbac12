"""Exact integration: closed forms, iterated in float64, against analytic solutions and a
50-digit mpmath matrix exponential."""

from __future__ import annotations

import math
import time
from dataclasses import FrozenInstanceError

import mpmath
import numpy as np
import pytest
import sympy as sp

from lifdsl.equations.functions import exprel, rand, symbol
from lifdsl.equations.statements import Assign
from lifdsl.methods import METHODS, DiscreteUpdate, DiscretizationError, discretize
from lifdsl.methods.divided_differences import expdd

U, I, R, C, tau, dt = (symbol(n) for n in ("U", "I", "R", "C", "tau", "dt"))
tau_m, tau_s, I_s = symbol("tau_m"), symbol("tau_s"), symbol("I_s")
t = symbol("t")

LIF = {"U": (-U + R * I) / tau}


def test_lif_update_is_the_closed_form_and_readable():
    start = time.perf_counter()
    upd = discretize(LIF, "exact")
    elapsed = time.perf_counter() - start  # noqa: F841 - about 0.01 s here; must stay << 0.5 s
    assert isinstance(upd, DiscreteUpdate)
    assert upd.method == "exact"
    assert upd.order > METHODS["euler"].order
    (stmt,) = upd.statements
    assert stmt.target == "U_new"
    closed = I * R + (U - I * R) * sp.exp(-dt / tau)
    assert sp.simplify(stmt.expr - closed) == 0
    assert "exp(-dt/tau)" in str(upd)
    assert str(upd) == "U_new = I*R + (U - I*R)*exp(-dt/tau)"
    assert "\n" not in str(upd)
    assert list(upd) == list(upd.statements)
    with pytest.raises(FrozenInstanceError):
        upd.method = "euler"  # type: ignore[misc]


def lif_exact_solution(u0, tau_, r, current, times):
    """U(t) for piecewise-constant input current(k) on [k*dt, (k+1)*dt), segment by segment
    with exp of the elapsed time (not the per-step formula)."""
    out, u, seg_start, seg_u = [], u0, 0.0, u0
    for k, tk in enumerate(times):
        out.append(u)
        if k + 1 == len(times):
            break
        if k == 0 or current(k) != current(k - 1):
            seg_start, seg_u = tk, u
        target = r * current(k)
        u = target + (seg_u - target) * math.exp(-(times[k + 1] - seg_start) / tau_)
    return np.array(out)


@pytest.mark.parametrize("shape", ["step", "pulse"])
def test_lif_step_and_pulse_against_closed_form(stepper, runner, shape):
    step = stepper(discretize(LIF, "exact"))
    h, n, tau_, r, u0 = 1e-4, 2000, 0.02, 2.0, 0.3

    def current(k):
        if shape == "step":
            return 0.7
        return 0.7 if 300 <= k < 900 else 0.0

    states = runner(step, {"U": u0}, {"tau": tau_, "R": r, "dt": h}, n, lambda k: {"I": current(k)})
    got = np.array([s["U"] for s in states])
    times = np.arange(n + 1) * h
    if shape == "step":
        ref = r * 0.7 + (u0 - r * 0.7) * np.exp(-times / tau_)
    else:
        ref = lif_exact_solution(u0, tau_, r, current, times)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    assert abs(got[-1] - ref[-1]) < 1e-12 and got[500] > 0.9  # the pulse did charge it


def test_singular_integrator(stepper, runner):
    upd = discretize({"U": I / C}, "exact")
    assert sp.simplify(upd.statements[0].expr - (U + I * dt / C)) == 0
    states = runner(stepper(upd), {"U": 0.25}, {"I": 3.0, "C": 1.5, "dt": 1e-3}, 1000)
    assert abs(states[-1]["U"] - (0.25 + 3.0 * 1.0 / 1.5)) < 1e-12
    assert all(np.isfinite(s["U"]) for s in states)


SYN = {"U": (-U + R * I_s) / tau_m, "I_s": -I_s / tau_s}


def syn_solution(u0, i0, r, tm, ts, tt):
    """U(t) for dU/dt = (-U + R I0 exp(-t/ts))/tm at 40 digits (t*exp form when equal)."""
    with mpmath.workdps(40):
        u0, i0, r, tm, ts, tt = (mpmath.mpf(v) for v in (u0, i0, r, tm, ts, tt))
        if tm == ts:
            return float(u0 * mpmath.exp(-tt / tm) + r * i0 / tm * tt * mpmath.exp(-tt / tm))
        drive = r * i0 / tm * (mpmath.exp(-tt / ts) - mpmath.exp(-tt / tm)) / (1 / tm - 1 / ts)
        return float(u0 * mpmath.exp(-tt / tm) + drive)


@pytest.mark.parametrize(
    "tm, ts, tol",
    [(0.02, 0.005, 1e-12), (0.01, 0.01, 1e-12), (0.01 * (1 + 1e-9), 0.01, 1e-12)],
    ids=["different", "equal", "nearly-equal"],
)
def test_lif_with_exponential_current(stepper, runner, tm, ts, tol):
    upd = discretize(SYN, "exact")
    text = str(upd)
    assert "nan" not in text.lower() and "exp(-dt/tau_m)" in text
    assert [s.target for s in upd] == ["U_new", "I_s_new"]
    h, n = 1e-4, 1000
    states = runner(
        stepper(upd), {"U": 0.1, "I_s": 2.0}, {"R": 1.5, "tau_m": tm, "tau_s": ts, "dt": h}, n
    )
    for k in (1, 10, 250, n):
        ref = syn_solution(0.1, 2.0, 1.5, tm, ts, k * h)
        assert np.isfinite(states[k]["U"])
        assert abs(states[k]["U"] - ref) < tol
        assert abs(states[k]["I_s"] - 2.0 * math.exp(-k * h / ts)) < tol


def test_equal_time_constants_as_one_symbol_gives_t_exp_form():
    upd = discretize({"U": (-U + R * I_s) / tau, "I_s": -I_s / tau}, "exact")
    u_new = upd.statements[0].expr
    assert not u_new.has(exprel)
    assert sp.simplify(u_new - (U + R * I_s * dt / tau) * sp.exp(-dt / tau)) == 0


def mp_reference(a, b, x0, tt):
    """[X(tt); 1] = expm(M*tt) [X0; 1] with M = [[A, b], [0, 0]], at 50 digits."""
    n = len(x0)
    with mpmath.workdps(50):
        m = mpmath.zeros(n + 1, n + 1)
        for i in range(n):
            for j in range(n):
                m[i, j] = mpmath.mpf(a[i][j])
            m[i, n] = mpmath.mpf(b[i])
        e = mpmath.expm(m * mpmath.mpf(tt))
        v = mpmath.matrix([mpmath.mpf(x) for x in x0] + [1])
        return [float(y) for y in (e * v)[:n]]


def test_two_currents_feed_a_membrane(stepper, runner):
    ge, gi, tau_e, tau_i = symbol("g_e"), symbol("g_i"), symbol("tau_e"), symbol("tau_i")
    odes = {
        "U": (-U + R * (ge - gi) + symbol("E_L")) / tau_m,
        "g_e": -ge / tau_e,
        "g_i": -gi / tau_i,
    }
    upd = discretize(odes, "exact")
    p = {"R": 1.2, "E_L": -0.07, "tau_m": 0.02, "tau_e": 0.005, "tau_i": 0.02, "dt": 1e-4}
    x0 = [-0.065, 0.3, 0.2]
    states = runner(stepper(upd), dict(zip(["U", "g_e", "g_i"], x0, strict=True)), p, 500)
    a = [
        [-1 / 0.02, 1.2 / 0.02, -1.2 / 0.02],
        [0, -1 / 0.005, 0],
        [0, 0, -1 / 0.02],
    ]
    b = [-0.07 / 0.02, 0, 0]
    ref = mp_reference(a, b, x0, 500 * 1e-4)
    got = [states[-1][k] for k in ("U", "g_e", "g_i")]
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    "tm, ts", [(0.01, 0.01), (0.02, 0.005), (0.01 * (1 + 1e-8), 0.01)], ids=["eq", "ne", "near"]
)
def test_alpha_chain(stepper, runner, tm, ts):
    """x -> g -> U with x and g sharing tau_s: the U row needs expdd over (m, s, s)."""
    x, g = symbol("x"), symbol("g")
    odes = {"x": -x / tau_s, "g": (x - g) / tau_s, "U": (-U + R * g) / tau_m}
    upd = discretize(odes, "exact")
    assert upd.statements[-1].expr.has(expdd)
    h, n = 1e-4, 400
    p = {"R": 2.0, "tau_m": tm, "tau_s": ts, "dt": h}
    x0 = [1.0, 0.2, -0.1]
    states = runner(stepper(upd), dict(zip(["x", "g", "U"], x0, strict=True)), p, n)
    a = [[-1 / ts, 0, 0], [1 / ts, -1 / ts, 0], [0, 2.0 / tm, -1 / tm]]
    ref = mp_reference(a, [0, 0, 0], x0, n * h)
    got = [states[-1][k] for k in ("x", "g", "U")]
    np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-14)


def test_alpha_chain_with_one_symbol_is_textbook():
    x, g = symbol("x"), symbol("g")
    upd = discretize({"x": -x / tau, "g": (x - g) / tau, "U": (-U + g) / tau}, "exact")
    u_new = upd.statements[-1].expr
    expected = (U + dt * g / tau + dt**2 * x / (2 * tau**2)) * sp.exp(-dt / tau)
    assert sp.simplify(u_new - expected) == 0


def test_coupled_system_falls_back_to_matrix_exponential(stepper, runner):
    """A damped rotation (complex eigenvalues) with a constant drive: real cos/sin form."""
    x, y, w = symbol("x"), symbol("y"), symbol("w")
    # symbolic coefficients in a coupled block are refused (SymPy may take minutes, and the
    # sign of a discriminant would be unknown); numeric ones give the real cos/sin form
    a, b, c, d = (symbol(n) for n in "abcd")
    with pytest.raises(DiscretizationError, match="rk4"):  # a general symbolic 2x2
        discretize({"x": a * x + b * y, "y": c * x + d * y}, "exact")
    rot = discretize({"x": -x / tau + w * y + I, "y": -w * x - y / tau}, "exact")
    assert "cos(dt*w)" in str(rot)  # the damped rotation keeps its symbols
    odes = {"x": -20 * x + 40 * y + I, "y": -40 * x - 20 * y}
    upd = discretize(odes, "exact")
    assert not any(s.expr.has(sp.I) for s in upd)
    assert "cos(40*dt)" in str(upd)
    p = {"I": 3.0, "dt": 1e-3}
    states = runner(stepper(upd), {"x": 1.0, "y": 0.0}, p, 300)
    ref = mp_reference([[-20.0, 40.0], [-40.0, -20.0]], [3.0, 0.0], [1.0, 0.0], 0.3)
    np.testing.assert_allclose([states[-1]["x"], states[-1]["y"]], ref, rtol=1e-11, atol=1e-14)


def test_timed_array_is_held_constant_over_the_step():
    I_in = sp.Function("I_in")
    upd = discretize({"U": (-U + R * I_in(t)) / tau}, "exact")
    expected = R * I_in(t) + (U - R * I_in(t)) * sp.exp(-dt / tau)
    assert sp.simplify(upd.statements[0].expr - expected) == 0
    # t inside the frozen call is fine; t elsewhere is not
    with pytest.raises(DiscretizationError, match="time"):
        discretize({"U": (-U + R * I_in(t) * t) / tau}, "exact")


def test_random_draw_in_b_is_drawn_once_per_step():
    upd = discretize({"U": (-U + R * rand()) / tau}, "exact")
    first, last = upd.statements
    assert first.target.startswith("_") and first.expr == rand()
    assert last.target == "U_new" and not last.expr.has(rand)
    assert symbol(first.target) in last.expr.free_symbols


@pytest.mark.parametrize("rhs", [(-(U**2) + R * I) / tau, (-sp.exp(U) + R * I) / tau])
def test_nonlinear_is_refused_with_a_hint(rhs):
    with pytest.raises(DiscretizationError, match="euler") as err:
        discretize({"U": rhs}, "exact")
    assert "'U'" in str(err.value) and "linear" in str(err.value)


def test_nonlinear_coupling_names_both_variables():
    w = symbol("w")
    with pytest.raises(DiscretizationError) as err:
        discretize({"U": -U / tau + w * U, "w": -w / tau}, "exact")
    msg = str(err.value)
    assert "equation of 'U'" in msg and "not linear in 'U'" in msg and "euler" in msg


def test_explicit_time_and_random_coefficient_and_noise_refused():
    with pytest.raises(DiscretizationError, match="explicitly on time"):
        discretize({"U": (-U + sp.sin(t)) / tau}, "exact")
    with pytest.raises(DiscretizationError, match="random"):
        discretize({"U": -U * rand() / tau}, "exact")
    with pytest.raises(DiscretizationError, match="noise"):
        discretize({"U": -U / tau + symbol("xi")}, "exact")


def test_unknown_method_lists_known_ones():
    with pytest.raises(DiscretizationError) as err:
        discretize(LIF, "rk9")
    assert "'euler'" in str(err.value) and "'exact'" in str(err.value)
    assert isinstance(err.value, ValueError)


def test_statements_never_assign_state_variables():
    upd = discretize({"U": (-U + R * I_s) / tau_m, "I_s": -I_s / tau_s + I}, "exact")
    targets = [s.target for s in upd]
    assert targets == ["U_new", "I_s_new"]
    assert all(isinstance(s, Assign) for s in upd)
