"""Methods written as text (ld.methods.register_text): parsed by lifdsl's grammar, bad lines
named, shown by explain, and their declared order measured on both targets."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.methods import METHODS, register_text
from lifdsl.methods.text import TextMethod
from tests.targets import TARGETS

MIDPOINT = "k = dt*f(x, t)\nx_new = x + dt*f(x + k/2, t + dt/2)"
KUTTA3 = """# Kutta's third-order method
k1 = dt*f(x, t)
k2 = dt*f(x + k1/2, t + dt/2)
k3 = dt*f(x - k1 + 2*k2, t + dt)
x_new = x + (k1 + 4*k2 + k3)/6"""
EULER = "x_new = x + dt*f(x, t)"

# dU/dt = -U/tau + A*sin(w*t), U(0) = 0: explicit t, so the stage times matter
TAU, A, W, T_END = 1.0, 2.0, 3.0, 2.0
FORCED = "dU/dt = -U/tau + A*sin(w*t) : 1"


def _exact(t: float) -> float:
    a = 1 / TAU
    return A / (a**2 + W**2) * (a * np.sin(W * t) - W * np.cos(W * t) + W * np.exp(-a * t))


@pytest.fixture(autouse=True)
def _forget_text_methods():
    yield
    for name in [n for n, m in METHODS.items() if isinstance(m, TextMethod)]:
        del METHODS[name]


def _final(method: str, dt: float, target: str) -> float:
    G = ld.NeuronGroup(1, FORCED, method=method, dt=dt,
                       namespace={"tau": TAU, "A": A, "w": W})
    ld.Network(G, target=target).run(T_END)
    return float(G.U[0])


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name, text, order", [("euler_text", EULER, 1),
                                               ("midpoint", MIDPOINT, 2),
                                               ("kutta3", KUTTA3, 3)])
def test_measured_order_is_the_declared_order(name, text, order, target):
    register_text(name, text, order=order)
    dts = np.array([0.04, 0.02, 0.01, 0.005])
    errors = [abs(_final(name, dt, target) - _exact(T_END)) for dt in dts]
    slope = np.polyfit(np.log(dts), np.log(errors), 1)[0]
    assert abs(slope - order) < 0.1, (slope, errors)


@pytest.mark.parametrize("target", TARGETS)
def test_midpoint_text_is_rk2_also_with_model_names_x_and_k(target):
    register_text("midpoint", MIDPOINT, order=2)
    eqs = "dx/dt = -k*x + sin(t)*y : 1\ndy/dt = -x/k : 1"
    out = {}
    for method in ("midpoint", "rk2"):
        G = ld.NeuronGroup(2, eqs, method=method, dt=0.01, namespace={"k": 0.7})
        G.x, G.y = [1.0, 0.5], [0.0, -0.3]
        ld.Network(G, target=target).run(0.5)
        out[method] = (G.x.copy(), G.y.copy())
    np.testing.assert_allclose(out["midpoint"], out["rk2"], rtol=0, atol=1e-15)
    assert not np.allclose(out["rk2"][0], [1.0, 0.5])


def test_explain_shows_the_text_like_a_built_in_method():
    register_text("midpoint", MIDPOINT, order=2)
    e = ld.explain("tau*dU/dt = -U + R*I", method="midpoint", show=False)
    assert [str(f) for f in e.method_formula] == ["k = dt*f(x, t)",
                                                  "x_new = x + dt*f(x + k/2, t + dt/2)"]
    assert "Discrete update (midpoint: order 2)" in str(e)
    assert r"\text{Method midpoint (order 2)" in e.to_latex()
    assert r"&k = dt f{\left(x,t \right)}" in e.to_latex()


@pytest.mark.parametrize("text, line, words", [
    ("k = dt*f(x, t)\nx_new = x + dt*g(x, t)", 2, "only f(state, time)"),
    ("k = dt*f(x, t)\nx_new = x + dt*f(x)", 2, "two arguments"),
    ("k = dt*f(x, t) + y\nx_new = x + k", 1, "unknown name 'y'"),
    ("k = dt*f(x, t)\nk2 = x + k", 2, "must assign x_new"),
    ("k = dt*f(x, t)\nx_new = x + *k", 2, "expected"),
    ("k = dt*f(x, t)\nk = dt*f(x + k, t)\nx_new = x + k", 2, "assigned twice"),
    ("k = dt*f(x, t)\nx_new += k", 2, "use '='"),
    ("x = dt\nx_new = x + dt*f(x, t)", 1, "method's own name"),
    ("k = dt*f(x, t + x)\nx_new = x + k", 1, "time argument"),
    ("k = dt*f(x, t)\nx_new = x + k > 0", 2, "true/false"),
    ("x_new = __import__('os')", 1, None),
])
def test_a_bad_description_is_an_equation_error_naming_the_line(text, line, words):
    with pytest.raises(ld.EquationError) as info:
        register_text("bad", text, order=1)
    assert info.value.lineno == line and f"line {line}" in str(info.value)
    assert "method 'bad'" in str(info.value)
    if words:
        assert words in str(info.value)
    assert "bad" not in METHODS


def test_built_in_names_are_kept_and_text_methods_replace_each_other():
    with pytest.raises(ValueError, match="built-in"):
        register_text("euler", EULER, order=1)
    assert not isinstance(METHODS["euler"], TextMethod)
    register_text("mine", EULER, order=1)
    first = str(ld.Equations("dU/dt = -U/tau").discretize("mine"))
    register_text("mine", MIDPOINT, order=2)     # same name, other text: not a stale result
    second = str(ld.Equations("dU/dt = -U/tau").discretize("mine"))
    assert first == "U_new = U - U*dt/tau" and second.startswith("_k_U = ")
    for bad in (dict(order=0), dict(order=1.5), dict(order=True)):
        with pytest.raises(ValueError, match="order"):
            register_text("mine", EULER, **bad)
    with pytest.raises(ValueError, match="identifier"):
        register_text("my method", EULER, order=1)


def test_noise_is_refused_naming_the_variable():
    register_text("midpoint", MIDPOINT, order=2)
    with pytest.raises(ld.DiscretizationError, match="'U' contains white noise"):
        ld.Equations("dU/dt = -U/tau + xi/sqrt(tau) : 1").discretize("midpoint")
