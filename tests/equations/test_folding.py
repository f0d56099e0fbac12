"""Constants are folded bounded: every constant a string can write either becomes one finite
number a double can hold, or is an EquationError at the operator that leaves the range (never a
hang while SymPy builds a huge integer, never zoo, nan, inf or a complex number for a later
stage); and substituting subexpressions folds the same way."""

from __future__ import annotations

import math
import time

import pytest
import sympy as sp

import lifdsl as ld
from lifdsl.equations import EquationError, Equations, parse_expression, parse_statements
from lifdsl.equations.functions import symbol

x, v = symbol("x"), symbol("v")

# (expression, the phrase of the error, the text the caret points at)
BAD_CONSTANTS = [
    # division by zero, however the zero is written
    ("x/0", "divides by zero", "/"),
    ("x/0.0", "divides by zero", "/"),
    ("x/(1 - 1)", "divides by zero", "/"),
    ("x/(v - v)", "divides by zero", "/"),
    ("x/(0*v)", "divides by zero", "/"),
    ("x/1e-400", "divides by zero", "/"),  # the literal is 0.0, as in Python
    ("x % 0", "divides by zero", "%"),
    ("x % (2 - 2.0)", "divides by zero", "%"),
    ("0**-1", "divides by zero", "**"),
    ("x*0.0**-2", "divides by zero", "**"),
    ("(v - v)**-1", "divides by zero", "**"),
    ("log(0)", "minus infinity", "log"),
    # no real value
    ("log(-1)", "not a real number", "log"),
    ("log10(-2)", "not a real number", "log10"),
    ("sqrt(-1)", "not a real number", "sqrt"),
    ("x*sqrt(-2.5)", "not a real number", "sqrt"),
    ("arcsin(2)", "not a real number", "arcsin"),
    ("arccos(-1.5)", "not a real number", "arccos"),
    ("(-8)**(1/3)", "not a real number", "**"),
    ("(-2)**0.5", "not a real number", "**"),
    ("sqrt(-v**2)", "not a real number", "sqrt"),  # SymPy: I*Abs(v)
    # too large for a double
    ("1e308*10", "too large for a double", "*"),
    ("1e308 + 1e308", "too large for a double", "+"),
    ("-1e308 - 1e308", "too large for a double", "-"),
    ("x*2**1024", "too large for a double", "**"),
    ("9**9**9", "too large for a double", "**"),
    ("v > 9**9**9", "too large for a double", "**"),
    ("10**10**10", "too large for a double", "**"),
    ("2**(2**(2**(2**2)))", "too large for a double", "**"),
    ("10**300*10**10", "too large for a double", "*"),
    ("(2**1000)**2", "too large for a double", "**"),
    ("1e200**2", "too large for a double", "**"),
    ("exp(1000)", "too large for a double", "exp"),
    ("exp(exp(exp(10)))", "too large for a double", "exp"),
    ("sinh(1000)", "too large for a double", "sinh"),
    ("cosh(-1000)", "too large for a double", "cosh"),
    ("exprel(1000)", "too large for a double", "exprel"),
    ("1/1e-320/1e-10", "too large for a double", "/"),
    ("1e400", "too large for a double", "1e400"),
    ("1" * 400, "too large for a double", "1111"),
    ("17976931348623159" + "0" * 292, "too large for a double", "1797"),
    # a coefficient SymPy forms when it multiplies two products
    ("(1e200*x)*(1e200*v)", "too large for a double", None),
]


def _caret(err: EquationError) -> str:
    return err.line[err.column:]


@pytest.mark.parametrize("text, phrase, at", BAD_CONSTANTS)
def test_a_constant_without_a_double_value_is_an_error_at_its_operator(text, phrase, at):
    start = time.perf_counter()
    with pytest.raises(EquationError) as info:
        parse_expression(text, what="threshold")
    assert time.perf_counter() - start < 2.0
    err = info.value
    assert phrase in err.message
    assert err.lineno == 1 and err.line == text
    if at is not None:
        assert _caret(err).startswith(at), (text, err.column)
    assert str(err).startswith("threshold, line 1: ")


@pytest.mark.parametrize("text, phrase, at", [c for c in BAD_CONSTANTS if ">" not in c[0]])
def test_every_kind_of_line_refuses_the_same_constants(text, phrase, at):
    """The same folding runs in a differential equation, a subexpression and a statement: the
    error names the line it is on."""
    cases = [
        (Equations, f"x : 1\ndv/dt = -v + {text} : 1", 2),
        (Equations, f"x : 1\nv : 1\ns = {text} : 1", 3),
        (lambda t: parse_statements(t, what="reset"), f"v = 0\nx = {text}", 2),
    ]
    for func, model, lineno in cases:
        with pytest.raises(EquationError) as info:
            func(model)
        assert info.value.lineno == lineno, (model, str(info.value))
        assert phrase in info.value.message


GOOD_CONSTANTS = [
    # (expression, its value as a double)
    ("2**-3", 0.125),
    ("2**0.5", math.sqrt(2)),
    ("10**-400", 0.0),          # too small for a double: 0, as for the literal 1e-400
    ("1e-400", 0.0),
    ("2**-(9**9)", 0.0),
    ("(1 + 10**-20)**(10**30)", 1.0),  # exact base, huge exponent: computed in doubles
    ("1**(10**300)", 1.0),
    ("(-1)**(10**300)", 1.0),
    ("0**0", 1.0),
    ("exp(-1000)", 0.0),
    ("exp(2)", math.exp(2)),
    ("log10(1000)", math.log10(1000)),
    ("sqrt(2)*sqrt(2)", math.sqrt(2) ** 2),
    ("1e308 + 1e308 - 1e308", None),  # overflow of the intermediate sum: refused above
    ("10**300 + 1 - 10**300", 1.0),   # exact while integers
    ("7 % 3", 1.0),
    ("-7 % 3", 2.0),                   # the sign of the divisor, as Python and NumPy
    ("7.5 % -2", -0.5),
    ("floor(-2.5) + ceil(2.5) + abs(-1) + sign(-3)", -3 + 3 + 1 - 1),
    ("clip(5, 0, 1) + exprel(0)", 2.0),
    ("tan(1.5707963267948966)", math.tan(1.5707963267948966)),
    ("(2**1000)**0.5", 2.0 ** 500),
    ("2**1023*1.999", 2.0 ** 1023 * 1.999),
]


@pytest.mark.parametrize("text, value", [c for c in GOOD_CONSTANTS if c[1] is not None])
def test_a_constant_in_range_folds_to_one_number(text, value):
    expr = parse_expression(text)
    assert isinstance(expr, sp.Number)
    assert float(expr) == value


def test_a_constant_stays_exact_while_small():
    assert parse_expression("1/3 + 1/6") == sp.Rational(1, 2)
    assert parse_expression("2**-3*x") == x / 8
    assert parse_expression("x**(1/2)") == sp.sqrt(x)
    assert parse_expression("10**300 + 1") == sp.Integer(10**300 + 1)
    # fractions whose digits would grow without bound become doubles
    big = " + ".join(f"1/{p}" for p in range(2, 800))
    assert isinstance(parse_expression(big), sp.Float)


def test_no_zoo_nan_or_complex_reaches_a_later_stage():
    """Whatever SymPy does with the folded operands, the parser's result has only finite
    real numbers in it."""
    for text in ["x*(1/3)", "x**2*x**-2", "x/x", "(x + 1)**0", "2*(x + 3*(v + 1))",
                 "exp(x)**1000", "(x**(10**100))**(10**100)"]:
        try:
            expr = parse_expression(text)
        except EquationError:
            continue
        for atom in sp.preorder_traversal(expr):
            assert atom not in (sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I), (text, expr)
            if isinstance(atom, sp.Number):
                assert math.isfinite(float(atom))


def test_substituted_subexpressions_fold_like_written_constants():
    with pytest.raises(EquationError, match="line 2.*'r' divides by zero"):
        Equations("s = v - w : 1\nr = 1/(s - v + w) : 1\ndv/dt = r : 1\nw : 1")
    start = time.perf_counter()
    with pytest.raises(EquationError, match="line 3.*too large for a double"):
        Equations("a = 9 : 1\nb = 9**a : 1\nc = 9**b : 1\ndv/dt = -v*c : 1")
    assert time.perf_counter() - start < 2.0
    eqs = Equations("s = v - w : 1\ndv/dt = -v : 1\nw : 1")
    with pytest.raises(EquationError, match="divides by zero"):
        eqs.substituted(parse_expression("1/(s - v + w)"))
    assert Equations("a = 2 : 1\nb = a**10 : 1\ndv/dt = -v*b : 1").odes() == {"v": -1024 * v}


def test_subexpressions_that_double_every_line_are_refused_quickly():
    lines = ["s0 = v + 1 : 1"] + [f"s{k} = s{k - 1}*(s{k - 1} + 1) : 1" for k in range(1, 40)]
    start = time.perf_counter()
    with pytest.raises(EquationError, match="terms"):
        Equations("\n".join(lines + ["dv/dt = -s39 : 1"]))
    assert time.perf_counter() - start < 5.0


def test_a_long_chain_of_subexpressions_needs_no_deep_recursion():
    lines = ["s0 = v : 1"] + [f"s{k} = s{k - 1} + 1 : 1" for k in range(1, 1500)]
    eqs = Equations("\n".join(lines + ["dv/dt = -s1499 : 1"]))
    assert eqs.odes() == {"v": -v - 1499}
    cyclic = ["s0 = s1499 : 1"] + lines[1:]
    with pytest.raises(EquationError, match="cycle"):
        Equations("\n".join(cyclic + ["dv/dt = -s0 : 1"]))


def test_solving_for_the_derivative_is_checked_and_needs_no_simplify():
    with pytest.raises(EquationError, match="solved for dv/dt.*too large"):
        Equations("1e-300*dv/dt = 1e300*v : 1")
    with pytest.raises(EquationError, match="linear in dv/dt"):
        Equations("(dv/dt + 1)**100000*v = v : 1")
    start = time.perf_counter()
    eqs = Equations("(x + 1)**1000*dv/dt + (x + 1)**1000*v = 0 : 1\nx : 1")
    assert eqs["v"].expr == -v
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("entry", ["threshold", "reset", "refractory", "assign", "regularly"])
def test_every_string_of_a_group_folds_bounded(entry):
    G = ld.NeuronGroup(2, "dv/dt = -v : 1\nx : 1", method="euler")
    strings = {
        "threshold": lambda s: ld.NeuronGroup(2, "dv/dt = -v : 1\nx : 1", threshold=f"v > {s}"),
        "reset": lambda s: ld.NeuronGroup(2, "dv/dt = -v : 1\nx : 1", threshold="v > 1",
                                          reset=f"v = {s}"),
        "refractory": lambda s: ld.NeuronGroup(2, "dv/dt = -v : 1\nx : 1", threshold="v > 1",
                                               refractory=f"v > {s}"),
        "assign": lambda s: setattr(G, "x", s),
        "regularly": lambda s: G.run_regularly(f"x = {s}"),
    }[entry]
    for text in ["9**9**9", "x/0", "log(-1)", "1e308*10", "1" * 400]:
        start = time.perf_counter()
        with pytest.raises(EquationError):
            strings(text)
        assert time.perf_counter() - start < 2.0, text
