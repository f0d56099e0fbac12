"""Element-independent values follow IEEE double arithmetic on both targets: expressions of run
constants alone (namespace values, one of them the int 0), expressions of ``t``, and the boolean
``not_refractory`` read as 0 or 1 give the same numbers on NumPy as in C, inf, -inf, nan and the
sign of zero included, in every kind of string a group runs."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available

needs_compiler = pytest.mark.skipif(not compiler_available(), reason="no C compiler / Cython")
inf, nan = np.inf, np.nan
DT = 1e-4
STEPS = 4

# The namespace: an int zero (as a user may write it), a large, a negative and a small constant.
NAMESPACE = {"zero": 0, "big": 1000.0, "neg": -1.0, "tau": 0.01}

#: (expression of run constants alone, its IEEE double value)
CONSTANT_CASES = [
    ("1/zero", inf), ("-1/zero", -inf), ("zero/(tau - 0.01)", nan), ("2/(tau - 0.01)", inf),
    ("exp(big)", inf), ("big**big", inf), ("(-big)**(big + 1)", -inf), ("tau**-1000", inf),
    ("2**(2*big)", inf), ("zero**-1", inf), ("0**(tau - 1)", inf), ("(tau - 0.02)**0.5", nan),
    ("neg**1.5", nan), ("sqrt(neg)", nan), ("log(neg)", nan), ("log(zero)", -inf),
    ("big % zero", nan), ("exprel(big)", inf), ("tanh(1/zero)", 1.0), ("sign(-1/zero)", -1.0),
    ("abs(neg**0.5)", nan), ("1/(tau - 0.01) - 1/zero", nan),
    ("tau/(1/zero)", 0.0), ("-tau/(1/zero)", -0.0), ("-zero", -0.0), ("zero*neg", -0.0),
]

#: (expression of t, the same in NumPy float64 arithmetic)
TIME_CASES = [
    ("1/t", lambda t: 1 / t), ("-1/t", lambda t: -1 / t), ("(t - 1)**0.5", lambda t: (t - 1)**0.5),
    ("t**-1000", lambda t: t**-1000.0), ("0**(t - 1)", lambda t: 0.0**(t - 1)),
    ("2**(1/t)", lambda t: 2.0**(1 / t)), ("(zero - t)**0.5", lambda t: (0.0 - t)**0.5),
    ("(t - 1)/(t*zero)", lambda t: (t - 1) / (t * 0.0)), ("-t*zero", lambda t: -t * 0.0),
]


def _special_equal(a: np.ndarray, b: np.ndarray) -> None:
    """``a`` and ``b`` are equal, nan where the other is nan, with zeros of the same sign."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a[a == 0]), np.signbit(b[a == 0]))


def _special_positions_equal(a: np.ndarray, b: np.ndarray) -> None:
    """nan, inf and -inf at the same positions of ``a`` and ``b``."""
    for where in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(where(a), where(b))


def _model(cases) -> str:
    lines = []
    for k, (expr, _) in enumerate(cases):
        lines += [f"dv{k}/dt = {expr} : 1", f"u{k} : 1", f"w{k} : 1", f"a{k} : 1",
                  f"s{k} = {expr} : 1"]
    return "\n".join(lines)


def _run(cases, target: str, dtype: str = "float64", refractory=None) -> dict[str, np.ndarray]:
    """Each expression in an equation (v), a run_regularly assignment (u), a reset (w, every
    neuron spikes every step), a string assignment before the run (a) and a recorded
    subexpression (s): the values after (and, for s, during) the run."""
    n = len(cases)
    G = ld.NeuronGroup(2, _model(cases), method="euler", threshold="i > -1", dt=DT,
                       reset="; ".join(f"w{k} = {e}" for k, (e, _) in enumerate(cases)),
                       refractory=refractory, namespace=dict(NAMESPACE), dtype=dtype)
    G.run_regularly("; ".join(f"u{k} = {e}" for k, (e, _) in enumerate(cases)))
    M = ld.StateMonitor(G, [f"s{k}" for k in range(n)], record=[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own, for inf and nan
        for k, (expr, _) in enumerate(cases):
            setattr(G, f"a{k}", expr)
        ld.Network(G, M, target=target).run(STEPS * DT)
    out = {x: np.array([np.asarray(getattr(G, f"{x}{k}")[:]) for k in range(n)])
           for x in "vuwa"}
    out["s"] = np.array([getattr(M, f"s{k}")[0] for k in range(n)])
    out["t"] = np.asarray(M.t)
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_constants_alone_give_their_ieee_values_on_numpy(dtype):
    got = _run(CONSTANT_CASES, "numpy", dtype)
    for k, (expr, value) in enumerate(CONSTANT_CASES):
        for x in "uwas":
            row = got[x][k]
            assert row.dtype == np.dtype(dtype) or x == "s", (expr, x, row.dtype)
            _special_equal(row, np.full(row.shape, value))
        v = got["v"][k]   # v = 0 + STEPS*dt*value: the specials stay, finite values scale
        if np.isfinite(value):
            assert np.isfinite(v).all(), (expr, v)
        else:
            _special_equal(v, np.full(v.shape, value))


def test_expressions_of_t_give_their_ieee_values_on_numpy():
    got = _run(TIME_CASES, "numpy")
    t = got["t"]
    assert t[0] == 0.0 and t.size == STEPS
    with np.errstate(all="ignore"):
        for k, (_, fn) in enumerate(TIME_CASES):
            expected = fn(t.astype(np.float64))
            _special_equal(got["s"][k], expected)
            # the assignments ran in the last step (u) or at t = 0, before the run (a)
            _special_equal(got["u"][k], np.full(2, expected[-1]))
            _special_equal(got["a"][k], np.full(2, expected[0]))


@needs_compiler
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cases", [CONSTANT_CASES, TIME_CASES], ids=["constants", "time"])
def test_both_targets_give_the_same_ieee_values(cases, dtype):
    """(A float32 group's recorded subexpression is a double on NumPy and rounded to float in
    C, so there only its special values are compared.)"""
    a, b = _run(cases, "numpy", dtype), _run(cases, "cython", dtype)
    for x in a:
        if x == "s" and dtype == "float32":
            _special_positions_equal(a[x], b[x])
        else:
            _special_equal(a[x], b[x])


@needs_compiler
@pytest.mark.parametrize("refractory, spikes", [
    ("(tau - 0.02)**0.5*ms", 0),   # nan: t - lastspike >= nan never holds, not even at first
    ("1/zero*ms", 1),              # inf: the first spike (inf >= inf), then refractory
    ("-1/(1/zero)*ms", 10),        # -0: never refractory, a spike every second step
])
def test_refractory_expressions_of_constants(refractory, spikes):
    counts = {}
    for target in ("numpy", "cython"):
        G = ld.NeuronGroup(2, "dv/dt = 1/ms : 1", threshold="v > 0.15", reset="v = 0",
                           refractory=refractory, namespace=dict(NAMESPACE), dt=DT)
        S = ld.SpikeMonitor(G)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ld.Network(G, S, target=target).run(20 * DT)
        counts[target] = (np.asarray(S.count), np.asarray(G.v[:]))
    for a, b in zip(counts["numpy"], counts["cython"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert (counts["numpy"][0] == spikes).all(), counts["numpy"]


def test_a_constant_changed_between_runs_is_used():
    """Folded constants belong to one run: the next run computes them again."""
    G = ld.NeuronGroup(1, "dv/dt = 1/(k - 1) : 1", method="euler", dt=DT)
    net = ld.Network(G, target="numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        net.run(DT, namespace={"k": 2.0})
        assert G.v[0] == pytest.approx(DT)
        net.run(DT, namespace={"k": 1.0})
    assert G.v[0] == inf
    net.run(DT, namespace={"k": 3.0})
    assert G.v[0] == inf   # inf + finite


# -- not_refractory read as a number --------------------------------------------------------

NR_MODEL = """dv/dt = (1 + not_refractory)/tau_r : 1
du/dt = -not_refractory/tau_r : 1 (unless refractory)
x0 : 1
x1 : 1
x2 : 1
x3 : 1
x4 : 1
w : 1
s = 3*not_refractory - sign(not_refractory)*0.25 : 1"""

#: in a run_regularly string: the number not_refractory is, then functions of it
NR_ASSIGNMENTS = ("x0 = not_refractory; x1 = -not_refractory; x2 = sign(not_refractory)*2; "
                  "x3 = not_refractory*0.3 + 0.1; x4 = not_refractory/3 - 1")


def _nr_run(target: str, dtype: str = "float64") -> dict[str, np.ndarray]:
    G = ld.NeuronGroup(4, NR_MODEL, method="euler", namespace={"tau_r": 4e-3}, dt=DT,
                       threshold="v > 1 - 0.25*not_refractory",
                       reset="v = -not_refractory + 0.1*(1 - not_refractory); w = w + 1 + "
                             "not_refractory",
                       refractory="2*ms*(1 + 0*not_refractory)", dtype=dtype)
    G.v = [0.0, 0.2, 0.5, 0.9]
    G.run_regularly(NR_ASSIGNMENTS, when="end")
    M = ld.StateMonitor(G, ["s", "v"], record=True)
    S = ld.SpikeMonitor(G)
    ld.Network(G, M, S, target=target).run(60 * DT)
    out = {nm: np.asarray(getattr(G, nm)[:]) for nm in ("v", "u", "w", "x0", "x1", "x2", "x3",
                                                         "x4")}
    out.update(s=M.s, trace=M.v, spikes=np.asarray(S.i), nr=np.asarray(G.not_refractory[:]))
    return out


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_not_refractory_reads_as_0_or_1_on_numpy(dtype):
    got = _nr_run("numpy", dtype)
    nr = got["nr"].astype(np.float64)
    assert got["spikes"].size > 4 and 0 < nr.sum() < nr.size   # both states at the end
    f = np.dtype(dtype).type
    np.testing.assert_array_equal(got["x0"], nr)
    np.testing.assert_array_equal(got["x1"], -nr)
    np.testing.assert_array_equal(got["x2"], 2 * np.sign(nr))
    np.testing.assert_array_equal(got["x3"], (f(0.3) * nr.astype(f) + f(0.1)).astype(f))
    np.testing.assert_array_equal(got["x4"], (nr.astype(f) / f(3) - f(1)).astype(f))
    assert set(np.unique(got["s"])) <= {0.0, 2.75}
    for nm in ("v", "u", "w", "x1", "x3"):
        assert got[nm].dtype == np.dtype(dtype), nm


@needs_compiler
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_not_refractory_in_arithmetic_is_the_same_on_both_targets(dtype):
    a, b = _nr_run("numpy", dtype), _nr_run("cython", dtype)
    for nm in a:
        np.testing.assert_array_equal(a[nm], b[nm], err_msg=nm)


def test_generated_numpy_code_computes_constants_once_per_run():
    """(Speed) A nonlinear float32 update keeps its functions of constants as expressions; the
    per-step function reads them from the folded values, never calling exp itself."""
    G = ld.NeuronGroup(2, "dv/dt = (exp(-c) - v**2)/tau : 1", method="euler",
                       namespace={"tau": 0.01, "c": 0.5}, dtype="float32")
    source = G.generated_code("numpy")
    step = source.split("\ndef _fold_state_update")[0]
    assert "def _fold_state_update" in source and "exp" in source
    assert "exp" not in re.sub(r"_fold_\w+", "", step)
