"""Divided differences of exp: the symbolic builder, expdd, and the NumPy implementations
checked against mpmath at 50 digits."""

from __future__ import annotations

from math import factorial

import mpmath
import numpy as np
import pytest
import sympy as sp

from lifdsl.equations.functions import exprel, symbol
from lifdsl.methods.divided_differences import (
    NUMPY_FUNCTIONS,
    exp_divided_difference,
    expdd,
    expdd_numpy,
    exprel_numpy,
)


def mp_expdd(nodes) -> mpmath.mpf:
    """Reference: the divided difference by the recurrence at 50 digits (confluent nodes
    perturbed symmetrically by 1e-25, far below float64's resolution)."""
    with mpmath.workdps(120):
        xs = [mpmath.mpf(float(x)) + mpmath.mpf(10) ** -25 * k for k, x in enumerate(nodes)]
        table = [mpmath.exp(x) for x in xs]
        for length in range(2, len(xs) + 1):
            table = [
                (table[i + 1] - table[i]) / (xs[i + length - 1] - xs[i])
                for i in range(len(xs) - length + 1)
            ]
        return table[0]


CASES = [
    [0.0],
    [-3.0, -3.0],
    [-0.005, -0.005, -0.005],
    [-1.0, -1.0 + 1e-9],
    [-1.0, -1.0 * (1 + 1e-9), -1.0 * (1 - 1e-9)],
    [-0.005, -0.00500000001, 0.0],
    [-50.0, 0.0],
    [-40.0, -0.5, -0.5, 0.0],
    [-0.005, -0.0025, 0.0],
    [2.0, -7.0, -7.0 + 1e-7, 0.3, 0.31],
    [-700.0, -1.0],
    [1e-12, -1e-12],
]


@pytest.mark.parametrize("nodes", CASES)
def test_expdd_numpy_matches_mpmath(nodes):
    ref = mp_expdd(nodes)
    got = expdd_numpy(*nodes)
    assert abs((got - ref) / ref) < 1e-13


def test_expdd_numpy_random_nodes_and_broadcasting():
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(300):
        k = int(rng.integers(1, 5))
        centre = rng.uniform(-20, 2)
        spread = 10 ** rng.uniform(-12, 1.5)
        nodes = centre + spread * rng.uniform(-1, 1, k + 1)
        ref = mp_expdd(nodes)
        worst = max(worst, float(abs((expdd_numpy(*nodes) - ref) / ref)))
    assert worst < 1e-13
    # arrays broadcast against scalars, elementwise
    a = np.array([-1.0, -2.0, -1.0])
    got = expdd_numpy(a, -1.0, 0.0)
    assert got.shape == (3,)
    for i in range(3):
        assert got[i] == pytest.approx(float(mp_expdd([a[i], -1.0, 0.0])), rel=1e-14)


def test_exprel_numpy():
    assert exprel_numpy(0.0) == 1.0
    x = np.array([0.0, 1e-12, -1e-6, 1.0, -50.0, 30.0])
    ref = [1.0] + [float(mpmath.expm1(mpmath.mpf(v)) / v) for v in x[1:]]
    np.testing.assert_allclose(exprel_numpy(x), ref, rtol=1e-14)


def test_expdd_symbolic_function():
    a, b, c = symbol("a"), symbol("b"), symbol("c")
    assert expdd(a) == sp.exp(a)
    assert expdd(a, a, a) == sp.exp(a) / 2
    assert expdd(a, b) == expdd(b, a)
    assert expdd(c, a, b) == expdd(a, b, c)
    assert expdd(a, b).is_positive
    value = expdd(sp.Float(-1.0), sp.Float(-1.0), sp.Float(0.5)).evalf(30)
    assert abs(value - mp_expdd([-1.0, -1.0, 0.5])) < 1e-25


def test_builder_closed_forms():
    h, tau, tm, ts = symbol("dt"), symbol("tau"), symbol("tau_m"), symbol("tau_s")
    # provably different (-1/tau vs 0): the textbook (exp - 1)/rate
    two = exp_divided_difference([-1 / tau, sp.S.Zero], h)
    assert sp.simplify(two - (sp.exp(-h / tau) - 1) / (-1 / tau)) == 0
    assert not two.has(exprel)
    # all equal: h**k exp(h a)/k!
    three = exp_divided_difference([-1 / tau] * 3, h)
    assert sp.simplify(three - h**2 * sp.exp(-h / tau) / factorial(2)) == 0
    # may coincide: exprel for two nodes, expdd for three
    assert exp_divided_difference([-1 / tm, -1 / ts], h).has(exprel)
    assert exp_divided_difference([-1 / tm, -1 / ts, -1 / ts], h).has(expdd)
    # nearly equal numbers are not "clearly different": no 0/0-prone quotient
    assert exp_divided_difference([sp.Float(-50.0), sp.Float(-50.0000001)], h).has(exprel)


@pytest.mark.parametrize(
    "nodes",
    [
        ("-1/tau_m", "-1/tau_s"),
        ("-1/tau_m", "-1/tau_s", "0"),
        ("-1/tau_m", "-1/tau_s", "-1/tau_s"),
        ("-1/tau_m", "-2/tau_m", "0", "-1/tau_s"),
    ],
)
@pytest.mark.parametrize("values", [(0.02, 0.005), (0.02, 0.02), (0.02, 0.02 * (1 + 1e-9))])
def test_builder_numeric_value(nodes, values):
    """Whatever form the builder picks, lambdified with NUMPY_FUNCTIONS it gives the divided
    difference, also when tau_m == tau_s where the textbook form is 0/0."""
    h = symbol("dt")
    names = {"tau_m": symbol("tau_m"), "tau_s": symbol("tau_s")}
    exprs = [sp.sympify(n, locals=names) for n in nodes]
    dd = exp_divided_difference(exprs, h)
    fn = sp.lambdify([h, names["tau_m"], names["tau_s"]], dd, modules=[NUMPY_FUNCTIONS, "numpy"])
    dt, (tm, ts) = 1e-3, values
    got = fn(dt, tm, ts)
    numeric = [float(e.subs({names["tau_m"]: tm, names["tau_s"]: ts})) * dt for e in exprs]
    ref = mp_expdd(numeric) * dt ** (len(nodes) - 1)
    assert np.isfinite(got)
    assert abs((got - ref) / ref) < 1e-10


def test_exprel_numpy_arrays_are_the_formula_value_for_value():
    """exprel_numpy's array path (expm1, one division in place, zeros set after) gives
    where(x == 0, 1, expm1(x)/x) bit for bit: zeros, nan, infinities, tiny and huge values."""
    from lifdsl.methods.divided_differences import exprel_numpy

    rng = np.random.default_rng(0)
    x = rng.uniform(-800, 800, 5000)
    x[::5] *= 1e-12
    x[::7] = 0.0
    x[::11] = np.nan
    x[::13] = np.inf
    x[::17] = -np.inf
    for v in (x, x[1::7], x.reshape(50, 100), x[np.isfinite(x) & (x != 0)]):
        with np.errstate(all="ignore"):
            want = np.where(v == 0.0, 1.0, np.expm1(v) / np.where(v == 0.0, 1.0, v))
        got = exprel_numpy(v)
        assert got.dtype == np.float64 and got.shape == v.shape
        np.testing.assert_array_equal(got, want)
    assert exprel_numpy(0.0) == 1.0 and isinstance(exprel_numpy(0.0), np.floating)
