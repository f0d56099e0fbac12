"""Random strings into every entry point that takes one, from the grammar's own tokens and from
random Unicode: lifdsl either accepts a string (and then runs it) or refuses it with its own
error, and never takes more than 2 s over one.

The only exceptions allowed are lifdsl's own, about the string:

- ``ld.EquationError`` for anything wrong with a string (syntax, names, constants, flags,
  units, a threshold that is not a condition, a statement writing what it cannot);
- ``ld.DiscretizationError`` when the chosen method cannot integrate valid equations
  (``exact`` on a nonlinear system, noise a method does not support);
- for a refractory expression, the ``ValueError`` that a run raises when its value turns out
  negative (a value, not a string, is wrong: known only when the run evaluates it).

Anything else (a KeyError, a RecursionError, SymPy's or NumPy's or gcc's errors) is a defect.
Every accepted string is run for a few steps on NumPy; a small subset also on Cython, where both
targets must give the same values. Examples are derandomized (the same in every CI run); set
``LIFDSL_HYPOTHESIS_SCALE`` to multiply their number (the ``slow`` test runs twice as many)
and ``LIFDSL_HYPOTHESIS_RANDOM=1`` for other examples on every run.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import lifdsl as ld
from lifdsl.cli import main as cli_main
from lifdsl.codegen.cache import compiler_available

SCALE = float(os.environ.get("LIFDSL_HYPOTHESIS_SCALE", "1"))
#: LIFDSL_HYPOTHESIS_RANDOM=1: other examples on every run (for a search, not for CI)
RANDOM = os.environ.get("LIFDSL_HYPOTHESIS_RANDOM") == "1"
ALLOWED = (ld.EquationError, ld.DiscretizationError)
DEADLINE_MS = 2000


def _settings(examples: int, **kwargs) -> settings:
    return settings(max_examples=max(1, int(examples * SCALE)), deadline=DEADLINE_MS,
                    derandomize=not RANDOM, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large],
                    **kwargs)


# -- the grammar's own tokens ----------------------------------------------------------------

VARIABLES = ["v", "w", "x"]          # two differential equations and a parameter
# Names an expression may use as numbers: the constants zero and big make expressions of run
# constants alone overflow or divide by zero (1/zero, exp(big)), and not_refractory is a
# true/false value read as 0 or 1 (in groups with a refractory period; refused elsewhere).
NUMERIC_NAMES = [*VARIABLES, "s", "tau", "t", "dt", "i", "N", "lastspike", "ms", "foo", "pi",
                 "zero", "big", "not_refractory"]
# Names an expression must refuse.
REFUSED_NAMES = ["xi", "e", "inf", "_hidden", "v_new", "spikes"]
NAMES = NUMERIC_NAMES + REFUSED_NAMES
NUMBERS = ["0", "1", "2", "3", "0.5", "1.5e-3", "1e308", "1e-400", "5e-324", ".5", "5.", "9" * 400,
           "10", "255", "1e10", "007", "1e", "1.2.3", "2x"]
FUNCTIONS1 = ["exp", "log", "log10", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh",
              "arcsin", "arccos", "arctan", "abs", "sign", "floor", "ceil", "exprel", "ta"]
OPERATORS = ["+", "-", "*", "/", "%", "**"]
COMPARISONS = ["<", ">", "<=", ">=", "==", "!="]
OTHER_TOKENS = ["(", ")", ",", "=", "+=", "-=", "*=", "/=", ":", ";", "and", "or", "not",
                "True", "False", "\n", "\r\n", "\\\n", "# note\n", " ", "\t", "dv/dt", "dw/dt",
                "dx/dt", "(unless refractory)", "(constant)", "(shared)", ": 1", ": volt",
                "rand()", "randn()", "clip(", "^", "&", "!", "$", "'", '"', "\\"]
TOKENS = NAMES + NUMBERS + FUNCTIONS1 + OPERATORS + COMPARISONS + OTHER_TOKENS

token_soup = st.lists(st.sampled_from(TOKENS) | st.characters(), max_size=24).map(
    lambda parts: " ".join(parts))
unicode_text = st.text(max_size=40)
anything = st.one_of(token_soup, unicode_text)

number = st.one_of(
    st.sampled_from(NUMBERS[:13]),
    st.integers(0, 10**6).map(str),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
)
# (the run-time specials once more, so that the few examples on both targets meet them)
atom = st.one_of(st.sampled_from(NUMERIC_NAMES), number,
                 st.sampled_from(["rand()", "randn()"]),
                 st.sampled_from(["zero", "big", "not_refractory"]))


def _extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(OPERATORS), children).map(" ".join),
        children.map(lambda a: f"({a})"),
        children.map(lambda a: f"-{a}"),
        st.tuples(st.sampled_from(FUNCTIONS1), children).map(lambda f: f"{f[0]}({f[1]})"),
        st.tuples(children, children, children).map(lambda a: f"clip({', '.join(a)})"),
    )


expression = st.recursive(atom, _extend, max_leaves=10)
comparison = st.tuples(expression, st.sampled_from(COMPARISONS), expression).map(" ".join)
condition = st.recursive(
    st.one_of(comparison, st.sampled_from(["True", "False", "not_refractory"])),
    lambda c: st.one_of(
        st.tuples(c, st.sampled_from(["and", "or"]), c).map(" ".join),
        c.map(lambda a: f"not ({a})"),
        c.map(lambda a: f"({a})"),
    ),
    max_leaves=4,
)
newline = st.sampled_from(["\n", "\r\n", "\r"])
METHODS = ["euler", "exact", "auto", "rk2", "rk4", "heun", "exponential_euler", "milstein"]


@st.composite
def model(draw, noise: bool = True) -> str:
    """Equations for v, w (differential), x (parameter) and s (subexpression), each right-hand
    side random; sometimes (with ``noise``) a random line added."""
    nl = draw(newline)
    lines = [
        f"dv/dt = ({draw(expression)})/tau : 1"
        + draw(st.sampled_from(["", " (unless refractory)"])),
        f"dw/dt = {draw(expression)} : 1",
        "x : 1",
        f"s = {draw(expression)} : 1",
    ]
    if noise and draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(anything))
    return nl.join(lines)


# -- running what was accepted ----------------------------------------------------------------

TA = ld.TimedArray(np.linspace(0.0, 1.0, 7), dt=1e-4)
NAMESPACE = {"tau": 0.01, "foo": 2.0, "zero": 0, "big": 1e3, "ta": TA}
#: no refractoriness, or one step of it (not_refractory exists only with it)
refractory = st.sampled_from([None, 1e-4])


def _group(model_text: str, method: str = "euler", refractory: float | None = None,
           **strings) -> ld.NeuronGroup:
    if refractory is not None and strings.get("threshold") is None:
        strings["threshold"] = "v > 0.5"
    return ld.NeuronGroup(3, model_text, method=method, namespace=dict(NAMESPACE),
                          refractory=refractory, **strings)


def _run(G: ld.NeuronGroup, target: str, seed: int = 1) -> np.ndarray:
    """A few steps on ``target``; every state variable afterwards."""
    ld.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own, for inf and nan
        ld.Network(G, target=target).run(3e-4)
    return np.array([np.asarray(getattr(G, name)[:], dtype=float)
                     for name in ("v", "w", "x")])


def _accepts(build, *, run: bool = True) -> bool:
    """Call ``build`` (which makes a group or raises); run what it made. False when lifdsl
    refused the string with its own error; anything else propagates."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own, for inf and nan
            G = build()
        if run and G is not None:
            _run(G, "numpy")
    except ALLOWED as err:
        assert str(err).strip(), "an error without a message"
        event(f"refused: {type(err).__name__}")
        return False
    event("accepted and run" if run else "accepted")
    return True


BASE = "dv/dt = -v/tau : 1\ndw/dt = (x - w)/tau : 1\nx : 1\ns = v + w : 1"


# -- parsing alone: many examples -------------------------------------------------------------

@_settings(1500)
@given(anything)
def test_any_text_is_parsed_or_refused(text):
    for parse in (ld.Equations, ld.equations.parse_expression, ld.equations.parse_statements):
        try:
            parse(text)
        except ld.EquationError as err:
            assert err.message
            if err.line is not None and err.column is not None:
                assert 0 <= err.column <= len(err.line)


@_settings(400)
@given(expression, newline)
def test_expressions_from_the_grammar_parse_or_are_refused_clearly(text, nl):
    try:
        expr = ld.equations.parse_expression(text.replace(" + ", " +" + "\\" + nl))
    except ld.EquationError as err:
        assert err.lineno is not None and err.message
        return
    assert expr is not None


# -- every string of a group, run on NumPy ------------------------------------------------------

@_settings(250)
@given(model(), st.sampled_from(METHODS), refractory)
def test_model_strings(model_text, method, ref):
    _accepts(lambda: _group(model_text, method, ref))


@_settings(250)
@given(st.one_of(condition, anything), refractory)
def test_threshold_strings(text, ref):
    _accepts(lambda: _group(BASE, threshold=text, refractory=ref))


@_settings(250)
@given(st.one_of(
    st.tuples(st.sampled_from(VARIABLES), st.sampled_from(["=", "+=", "-=", "*=", "/="]),
              expression).map(" ".join),
    anything), refractory)
def test_reset_strings(text, ref):
    _accepts(lambda: _group(BASE, threshold="v > 0.5", reset=text, refractory=ref))


@_settings(200)
@given(st.one_of(condition, expression.map(lambda e: f"({e})*ms"), anything))
def test_refractory_strings(text):
    try:
        _accepts(lambda: _group(BASE, threshold="v > 0.5", reset="v = 0", refractory=text))
    except ValueError as err:  # a negative time, found when the run evaluates it
        assert "refractory" in str(err) and "negative" in str(err)


@_settings(250)
@given(st.sampled_from(["v", "x", "s"]), st.one_of(expression, anything), refractory)
def test_string_assignments(name, text, ref):
    G = _group(BASE, refractory=ref)

    def assign():
        setattr(G, name, text)
        return G

    try:
        _accepts(assign)
    except AttributeError as err:  # a subexpression is not assignable: lifdsl's own message
        assert name == "s" and "subexpression" in str(err)


@_settings(250)
@given(st.one_of(
    st.tuples(st.sampled_from(VARIABLES), st.sampled_from(["=", "+="]), expression).map(" ".join),
    anything), refractory)
def test_run_regularly_strings(text, ref):
    G = _group(BASE, refractory=ref)
    _accepts(lambda: (G.run_regularly(text), G)[1])


@_settings(100)
@given(st.one_of(model(), anything), st.sampled_from(METHODS))
def test_explain(text, method):
    _accepts(lambda: ld.explain(text, method=method, show=False), run=False)


@_settings(100)
@given(st.one_of(model(), expression.map(lambda e: f"dv/dt = {e}"), anything),
       st.sampled_from([*METHODS, "nonsense"]), st.sampled_from(["numpy", "cython", "c++"]),
       st.sampled_from(["explain", "code"]))
def test_command_line(text, method, target, command):
    argv = [command, text, "--method", method]
    if command == "code":
        argv += ["--target", target]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli_main(argv)
    errors = err.getvalue()
    assert "Traceback" not in errors
    if status == 2:
        lines = errors.splitlines()
        assert lines and lines[0].startswith("lifdsl: error: ")
        assert sum(line.startswith("lifdsl: error") for line in lines) == 1
    else:
        assert status == 0 and errors == "" and out.getvalue()


# -- both targets, a bounded subset (each Cython example compiles a kernel) ---------------------

needs_compiler = pytest.mark.skipif(not compiler_available(), reason="no C compiler / Cython")


@needs_compiler
@settings(max_examples=max(1, int(15 * SCALE)), deadline=None, derandomize=not RANDOM,
          database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(model(noise=False), st.one_of(st.none(), condition),
       st.sampled_from(["euler", "rk2", "exact"]), refractory)
def test_both_targets_agree(model_text, threshold, method, ref):
    """Deadline off: a compile takes about a second. Values agree to rounding (NumPy's
    vectorised exp and log may differ from libm's in the last bit); inf, -inf and nan where
    the other target has them."""
    reset = "v = 0" if threshold is not None or ref is not None else None
    try:
        G_numpy = _group(model_text, method, ref, threshold=threshold, reset=reset)
        expected = _run(G_numpy, "numpy")
    except ALLOWED:
        event("refused")
        return
    G_cython = _group(model_text, method, ref, threshold=threshold, reset=reset)
    got = _run(G_cython, "cython")
    event("run on both targets")
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-300, equal_nan=True)


@pytest.mark.slow
@pytest.mark.skipif(SCALE != 1, reason="already scaled")
def test_twice_as_many_examples():
    """Every test above again, in a fresh process, with twice as many examples (4 times took
    175 s of one worker, a quarter of the suite's 10 minutes on CI)."""
    env = {**os.environ, "LIFDSL_HYPOTHESIS_SCALE": "2"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
         "-m", "not slow", __file__], env=env, capture_output=True, text=True, timeout=3600)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
