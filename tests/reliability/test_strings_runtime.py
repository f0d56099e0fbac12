"""Expressions that are only bad while the model runs (a division by a variable that is 0, the
log of a negative state) follow IEEE arithmetic: inf, -inf or nan, never an exception, and the
same values on both targets, in every kind of string a group runs."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available

needs_compiler = pytest.mark.skipif(not compiler_available(), reason="no C compiler / Cython")

# x = 2, v = 1 in every neuron; i = 0, 1, 2
RUNTIME_BAD = [
    ("v/(x - 2)", np.inf), ("-v/(x - 2)", None), ("log(x - 2)", -np.inf), ("log(v - 2)", np.nan),
    ("sqrt(v - 2)", np.nan), ("(v - 2)**0.5", np.nan), ("(x - 2)**-1", np.inf),
    ("v % (x - 2)", np.nan), ("(-v) % (x - 3)", None), ("exp(1000*v)", np.inf),
    ("cosh(1000*x)", np.inf), ("sinh(-1000*x)", -np.inf), ("arcsin(v + 1)", np.nan),
    ("arccos(x)", np.nan), ("0**(x - 3)", np.inf), ("2**(x*2000)", np.inf),
    ("floor(v/(x - 2))", np.inf), ("abs(log(x - 2))", np.inf), ("clip(log(x - 3), 0, 1)", np.nan),
    ("tanh(v/(x - 2))", None), ("sign(v/(x - 2))", None), ("(x - 3)**2.5", np.nan),
    ("v*(i/(i - 1))", None), ("i % (i - 1)", None), ("exprel(v - 1)", None),
    ("exprel(1000*v)", None),
]


def _model() -> str:
    """One differential equation per case (one compile for all of them on Cython)."""
    word_v = re.compile(r"\bv\b")
    lines = [f"dv{k}/dt = {word_v.sub(f'v{k}', rhs)} : 1" for k, (rhs, _) in enumerate(RUNTIME_BAD)]
    return "\n".join([*lines, "x : 1", "w : 1"])


def _run(target: str, **strings: str) -> np.ndarray:
    G = ld.NeuronGroup(3, _model(), method="euler", dt=1e-3, **strings)
    for k in range(len(RUNTIME_BAD)):
        setattr(G, f"v{k}", 1.0)
    G.x = 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own, for inf and nan
        G.w = "log(x - 2)"  # string assignment, evaluated now: -inf
        G.run_regularly("w = w + log(w)")  # log(-inf): nan
        ld.Network(G, target=target).run(3e-3)
    return np.array([getattr(G, f"v{k}")[:] for k in range(len(RUNTIME_BAD))] + [G.x[:], G.w[:]])


def test_runtime_ieee_values_on_numpy():
    values = _run("numpy")
    for (rhs, special), row in zip(RUNTIME_BAD, values, strict=False):
        if special is not None:
            ok = np.isnan(row).all() if np.isnan(special) else (row == special).all()
            assert ok, (rhs, row)
    assert np.isnan(values[-1]).all() and (values[-2] == 2).all()


STRINGS = {"threshold": "v0 > 0.5 and log(x - 2) < 0", "reset": "v1 = v1/(x - 2); w = log(v2 - 2)",
           "refractory": "sqrt(v3 - 2) > 0 or v4/(x - 2) > 1e300"}


@needs_compiler
@pytest.mark.parametrize("strings", [{}, STRINGS], ids=["equations", "threshold-reset"])
def test_both_targets_give_the_same_runtime_values(strings):
    np.testing.assert_array_equal(_run("numpy", **strings), _run("cython", **strings))


# Constants known only at run time (namespace values): an expression of them alone is inf or nan
# where Python floats would raise (1/0.0, overflow) or turn complex ((-0.01)**0.5).
SCALAR_CASES = [
    "v > 1/(tau - 0.01)",      # inf: no spike
    "v > tau**-1000",          # overflow: inf
    "v > (tau - 0.02)**0.5",   # nan (a complex value's real part would spike)
]


def _scalar_run(threshold: str, target: str) -> np.ndarray:
    G = ld.NeuronGroup(3, "dv/dt = 1/tau : 1", threshold=threshold, reset="v = 0",
                       namespace={"tau": 0.01})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ld.Network(G, target=target).run(3e-4)
    return np.asarray(G.v[:])


@pytest.mark.parametrize("threshold", SCALAR_CASES)
def test_runtime_constants_follow_ieee_on_numpy(threshold):
    np.testing.assert_allclose(_scalar_run(threshold, "numpy"), [0.03, 0.03, 0.03])


@needs_compiler
@pytest.mark.parametrize("threshold", SCALAR_CASES)
def test_runtime_constants_follow_ieee_on_cython(threshold):
    np.testing.assert_allclose(_scalar_run(threshold, "cython"), [0.03, 0.03, 0.03])


NOT_REFRACTORY_STRINGS = [
    {"threshold": "v > -not_refractory"},
    {"threshold": "v > 1", "reset": "v = sign(not_refractory)"},
    {"threshold": "v > 1", "refractory_expr": "v < -not_refractory"},
]


def _not_refractory_run(strings: dict, target: str) -> tuple[np.ndarray, np.ndarray]:
    strings = dict(strings)
    refractory = strings.pop("refractory_expr", 1e-3)
    G = ld.NeuronGroup(2, "dv/dt = 1/tau : 1", namespace={"tau": 1e-3}, refractory=refractory,
                       **strings)
    S = ld.SpikeMonitor(G)
    ld.Network(G, S, target=target).run(5e-3)
    return np.asarray(G.v[:]), np.asarray(S.t)


@pytest.mark.parametrize("strings", NOT_REFRACTORY_STRINGS)
def test_not_refractory_is_a_number_in_arithmetic_on_numpy(strings):
    v, spikes = _not_refractory_run(strings, "numpy")
    assert spikes.size > 0 and np.isfinite(v).all()


@needs_compiler
@pytest.mark.parametrize("strings", NOT_REFRACTORY_STRINGS)
def test_not_refractory_in_arithmetic_is_the_same_on_both_targets(strings):
    for a, b in zip(_not_refractory_run(strings, "numpy"), _not_refractory_run(strings, "cython"),
                    strict=True):
        np.testing.assert_array_equal(a, b)
