"""Every bad string is an EquationError that names the line, quotes it and says what is wrong;
and no user text ever reaches a Python or SymPy string evaluator."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lifdsl.equations import EquationError, Equations, parse_expression, parse_statements


def raises(func, text, **kwargs) -> EquationError:
    with pytest.raises(EquationError) as info:
        func(text, **kwargs)
    return info.value


EQUATION_CASES = [
    # (text, line number, physical line, phrase)
    ("(dU/dt)**2 = -U", 1, "(dU/dt)**2 = -U", "linear in dU/dt"),
    ("exp(dU/dt) = -U", 1, "exp(dU/dt) = -U", "linear in dU/dt"),
    ("dU/dt*U = 1", 1, "dU/dt*U = 1", None),  # linear, fine: checked separately
    ("x : 1\ndU/dt + dV/dt = 1", 2, "dU/dt + dV/dt = 1", "two derivatives"),
    ("dU/dt = -dV/dt", 1, "dU/dt = -dV/dt", "only appear on the left-hand side"),
    ("x = dU/dt : 1", 1, "x = dU/dt : 1", "only appear on the left-hand side"),
    ("x : 1\ny : 1\nx = 2 : 1", 3, "x = 2 : 1", "first on line 1"),
    ("dU/dt = 1\n\nU : 1", 3, "U : 1", "defined twice"),
    ("t : second", 1, "t : second", "special name"),
    ("dt = 2 : second", 1, "dt = 2 : second", "special name"),
    ("N : 1", 1, "N : 1", "special name"),
    ("xi : 1", 1, "xi : 1", "special name"),
    ("not_refractory : boolean", 1, "not_refractory : boolean", "special name"),
    ("lastspike : second", 1, "lastspike : second", "special name"),
    ("dt/dt = 1", 1, "dt/dt = 1", "special name"),
    ("exp = 2 : 1", 1, "exp = 2 : 1", "name of a function"),
    ("rand : 1", 1, "rand : 1", "name of a function"),
    ("a = b : 1\nb = 2*a : 1", 1, "a = b : 1", "cycle: a -> b -> a"),
    ("a = a + 1", 1, "a = a + 1", "cycle"),
    ("x", 1, "x", ": <unit>"),
    ("y : 1\n   R", 2, "   R", "needs a unit"),
    ("R (constant)", 1, "R (constant)", "expected '=' or ':'"),
    ("dU/dt = -U : volt (constnt)", 1, "dU/dt = -U : volt (constnt)", "unless refractory"),
    ("R : ohm (unless refractory)", 1, "R : ohm (unless refractory)", "constant, shared"),
    ("x = 1 : 1 (constant)", 1, "x = 1 : 1 (constant)", "shared, constant over dt"),
    ("x = 2 : 3*volt", 1, "x = 2 : 3*volt", "expected a unit name"),
    ("x : volt**a", 1, "x : volt**a", "integer power"),
    ("x : volt +", 1, "x : volt +", "expected"),
    ("x : ", 1, "x : ", "expected a unit"),
    ("dU/dt = -U^2", 1, "dU/dt = -U^2", "use ** for powers"),
    ("x = a $ b", 1, "x = a $ b", "unexpected character '$'"),
    ("x = (a + b : 1", 1, "x = (a + b : 1", "expected ')'"),
    ("x = a b", 1, "x = a b", "expected an operator"),
    ("x = exp(1, 2)", 1, "x = exp(1, 2)", "exp() takes 1 argument, got 2"),
    ("x = clip(1)", 1, "x = clip(1)", "clip() takes 3 arguments, got 1"),
    ("x = t(3)", 1, "x = t(3)", "'t' is a special name, not a function"),
    ("x = a < b < c", 1, "x = a < b < c", "chained comparisons"),
    ("x = 1 = 2", 1, "x = 1 = 2", "only one '='"),
    ("dU/dt : volt", 1, "dU/dt : volt", "expected '='"),
    ("3 = x", 1, "3 = x", "expected a variable name"),
    ("x + y = 3", 1, "x + y = 3", "left-hand side"),
    ("x = ", 1, "x = ", "expected an expression"),
    (": volt", 1, ": volt", "expected a variable name"),
    ("dU/dt - dU/dt = 1", 1, "dU/dt - dU/dt = 1", "two derivatives"),
    ("dU/dt = U > 1", 1, "dU/dt = U > 1", "not a true/false condition"),
    ("x = (a > b) + 1", 1, "x = (a > b) + 1", "'+' needs numbers, but '(a > b)' is a true/false"),
    ("x = 2x", 1, "x = 2x", "write 2*x"),
    ("U += 1", 1, "U += 1", "unexpected '+='"),
    ("dU/dt = -U : volt : 1", 1, "dU/dt = -U : volt : 1", "only one ':'"),
    ("x = f(a,", 1, "x = f(a,", "expected an expression"),
    ("x = f(a b)", 1, "x = f(a b)", "expected ',' or ')' in the call to f()"),
    ("x = 1e999", 1, "x = 1e999", "too large"),
]


@pytest.mark.parametrize(
    "text, lineno, line, phrase", [c for c in EQUATION_CASES if c[3] is not None]
)
def test_equation_errors(text, lineno, line, phrase):
    err = raises(Equations, text)
    message = str(err)
    assert err.lineno == lineno
    assert err.line == line
    assert f"line {lineno}" in message
    assert line.strip() in message
    assert phrase in message
    assert err.column is not None and 0 <= err.column <= len(line)
    assert "Traceback" not in message


def test_linear_lhs_with_variable_coefficient_is_accepted():
    U = parse_expression("U")
    assert Equations("dU/dt*U = 1")["U"].expr == 1 / U
    assert Equations("U*dU/dt + U = 1")["U"].expr == (1 - U) / U


def test_column_points_at_the_problem():
    err = raises(Equations, "x : 1\ny = a $ b : 1")
    assert err.column == 6
    assert str(err).splitlines()[-1] == "    " + " " * 6 + "^"
    err = raises(Equations, "dU/dt = -U : volt (constnt)")
    assert err.line[err.column :].startswith("constnt")


def test_error_in_a_multi_line_equation_names_the_physical_line():
    text = "dU/dt = -U : 1\nI = (a +\n     b $ c) : 1"
    err = raises(Equations, text)
    assert err.lineno == 3
    assert err.line == "     b $ c) : 1"
    assert err.column == 7


def test_error_after_comments_and_blank_lines():
    err = raises(Equations, "# model\n\n  tau*dU/dt = -U  # leak\n  x = dU/dt : 1")
    assert err.lineno == 4
    assert "x = dU/dt" in str(err)


def test_redefinition_by_addition():
    e1 = Equations("dU/dt = -U/tau : 1")
    err = raises(lambda other: e1 + other, "\nU : 1")
    assert "defined twice" in str(err) and "'U'" in str(err)


def test_error_what_labels():
    err = raises(parse_expression, "U >", what="threshold")
    assert err.what == "threshold" and str(err).startswith("threshold, line 1:")
    err = raises(Equations, "x = )")
    assert err.what == "equations"


EXPRESSION_CASES = [
    ("U > ", "expected an expression"),
    ("", "expected an expression, found nothing"),
    ("a = b", "use == to compare"),
    ("a ^ b", "use ** for powers"),
    ("a && b", "use 'and'"),
    ("a || b", "use 'or'"),
    ("dU/dt > 0", "only appear on the left-hand side"),
    ("(a)(b)", "only names can be called"),
    ("a; b", "expected an operator"),
    ("1.2.3", "malformed number"),
    ("sqrt()", "sqrt() takes 1 argument, got 0"),
    ("rand(1)", "rand() takes 0 arguments, got 1"),
    ("N(2)", "special name, not a function"),
    ("a \\ b", "may only end a line"),
    ("-(a > b)", "'-' needs numbers, but '(a > b)' is a true/false condition"),
]


@pytest.mark.parametrize("text, phrase", EXPRESSION_CASES)
def test_expression_errors(text, phrase):
    err = raises(parse_expression, text, what="threshold")
    assert phrase in str(err)
    assert err.lineno == 1 and err.line == text


def test_expression_lineno_offset():
    err = raises(parse_expression, "a +\n $", lineno=10)
    assert err.lineno == 11 and err.line == " $" and err.column == 1


STATEMENT_CASES = [
    ("U - = 1", 1, "expected one of = += -= *= /= after 'U'"),
    ("3 = 1", 1, "expected a variable name"),
    ("U = 1\nt = 2", 2, "special name and cannot be assigned"),
    ("U = dU/dt", 1, "only appear on the left-hand side"),
    ("U", 1, "expected one of"),
    ("U = 1\nV =", 2, "expected an expression after '='"),
    ("U = ; V = 1", 1, "expected an expression after '='"),
    ("U == 1", 1, "found '=='"),
    ("(U) = 1", 1, "expected a variable name"),
    ("U = 1 V = 2", 1, "expected an operator"),
]


@pytest.mark.parametrize("text, lineno, phrase", STATEMENT_CASES)
def test_statement_errors(text, lineno, phrase):
    err = raises(parse_statements, text, what="on_pre")
    assert err.lineno == lineno
    assert phrase in str(err)
    assert str(err).startswith(f"on_pre, line {lineno}:")
    assert err.line == text.splitlines()[lineno - 1]


FORBIDDEN = re.compile(
    r"(?<![.\w])(?<!def )(eval|exec|compile)\s*\(|sympify|\bparse_expr\b|\bS\s*\(|lambdify"
)  # not matched: 'def eval(' (SymPy's hook), 're.compile('


def test_package_never_evaluates_user_text():
    package = Path(__file__).resolve().parents[2] / "lifdsl" / "equations"
    sources = sorted(package.glob("*.py"))
    assert {p.name for p in sources} >= {"grammar.py", "equations.py", "__init__.py"}
    offenders = [
        f"{p.name}:{k}: {line.strip()}"
        for p in sources
        for k, line in enumerate(p.read_text().splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == []


def test_forbidden_pattern_would_catch_a_call():
    # the grep above is only meaningful if it matches the calls it is meant to forbid
    for bad in ["eval(text)", "exec (code)", "sp.sympify(s)", "parse_expr(s)", "sp.S(text)"]:
        assert FORBIDDEN.search(bad)
    assert not FORBIDDEN.search("sp.S.One")
    assert not FORBIDDEN.search("parse_expression(text)")
    assert FORBIDDEN.search("x = eval(s)") and FORBIDDEN.search("compile(s, 'f', 'eval')")


def test_windows_line_endings():
    err = raises(Equations, "x : 1\r\ny = $ : 1\r\n")
    assert err.lineno == 2 and err.line == "y = $ : 1" and err.column == 4
