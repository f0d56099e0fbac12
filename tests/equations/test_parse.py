"""The expression grammar: numbers, precedence, calls, statements, and printing back."""

from __future__ import annotations

import pytest
import sympy as sp

from lifdsl.equations import EquationError, Statement, parse_expression, parse_statements, symbol
from lifdsl.equations.functions import clip, exprel, rand, randn
from lifdsl.equations.grammar import Source, format_expression, tokenize

a, b, c, d, x, y, U = (symbol(n) for n in ("a", "b", "c", "d", "x", "y", "U"))


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokenize(Source(text))][:-1]


# -- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("1", 1),
        ("0.5", 0.5),
        (".5", 0.5),
        ("1e-3", 1e-3),
        ("2.5E+4", 2.5e4),
        ("3.", 3.0),
        ("0.1", 0.1),
        ("1.1", 1.1),
        ("7e0", 7.0),
    ],
)
def test_numbers_are_exact(text, value):
    expr = parse_expression(text)
    assert float(expr) == value  # the exact binary value of the Python float
    if "." in text or "e" in text.lower():
        assert isinstance(expr, sp.Float)
    else:
        assert expr == sp.Integer(value) and isinstance(expr, sp.Integer)


def test_integer_division_is_exact_rational():
    assert parse_expression("1/3") == sp.Rational(1, 3)
    assert parse_expression("2**-1") == sp.Rational(1, 2)


def test_float_is_not_rounded_to_15_digits():
    expr = parse_expression("0.1 + 0.2")
    assert float(expr) == 0.1 + 0.2


# -- tokens --------------------------------------------------------------------------------


def test_derivative_token_allows_spaces_around_slash():
    assert kinds("dU / dt") == [("DERIV", "dU/dt")]
    assert kinds("dU/dt") == [("DERIV", "dU/dt")]
    assert kinds("dv_post/dt")[0] == ("DERIV", "dv_post/dt")


def test_derivative_needs_word_boundary():
    assert kinds("dU/dtau") == [("NAME", "dU"), ("OP", "/"), ("NAME", "dtau")]
    assert kinds("d/dt") == [("NAME", "d"), ("OP", "/"), ("NAME", "dt")]


def test_keywords_and_operators():
    assert kinds("a<=b and not c != d ** 2 % 3") == [
        ("NAME", "a"), ("OP", "<="), ("NAME", "b"), ("KW", "and"), ("KW", "not"),
        ("NAME", "c"), ("OP", "!="), ("NAME", "d"), ("OP", "**"), ("NUM", "2"),
        ("OP", "%"), ("NUM", "3"),
    ]  # fmt: skip


def test_comments_are_skipped():
    assert parse_expression("U + 1  # plus one") == U + 1


# -- precedence ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-x**2", -(x**2)),
        ("(-x)**2", x**2),
        ("2**-1", sp.Rational(1, 2)),
        ("2**3**2", sp.Integer(512)),  # right-associative
        ("a - b - c", a - b - c),  # left-associative
        ("a / b / c", a / (b * c)),
        ("a + b*c", a + b * c),
        ("(a + b)*c", (a + b) * c),
        ("a*b**c", a * b**c),
        ("-a*b", -a * b),
        ("a % b * c", sp.Mod(a, b) * c),
        ("a ** -b * c", a ** (-b) * c),
        ("+a", a),
        ("- - a", a),
    ],
)
def test_arithmetic_precedence(text, expected):
    assert parse_expression(text) == expected


def test_boolean_precedence():
    assert parse_expression("a < b and not c or d") == sp.Or(sp.And(sp.Lt(a, b), sp.Not(c)), d)
    assert parse_expression("not a < b") == sp.Not(sp.Lt(a, b))
    assert parse_expression("a or b and c") == sp.Or(a, sp.And(b, c))
    assert parse_expression("(a or b) and c") == sp.And(sp.Or(a, b), c)


def test_comparisons_bind_looser_than_arithmetic():
    assert parse_expression("U + 1 > 2*a") == sp.Gt(U + 1, 2 * a)
    assert parse_expression("a == b") == sp.Eq(a, b)
    assert parse_expression("a != b") == sp.Ne(a, b)
    assert parse_expression("a >= b") == sp.Ge(a, b)
    assert parse_expression("a <= b") == sp.Le(a, b)


def test_true_false():
    assert parse_expression("True") is sp.true
    assert parse_expression("a > b or False") == sp.Gt(a, b)


def test_identifiers_are_real_symbols():
    expr = parse_expression("U_thr")
    assert expr == symbol("U_thr")
    assert expr.is_real


# -- calls ---------------------------------------------------------------------------------


def test_builtin_functions_map_to_sympy():
    assert parse_expression("exp(x)") == sp.exp(x)
    assert parse_expression("abs(x)") == sp.Abs(x)
    assert parse_expression("ceil(x)") == sp.ceiling(x)
    assert parse_expression("clip(x, 0, 1)") == clip(x, 0, 1)
    assert parse_expression("exprel(x)") == exprel(x)
    assert parse_expression("log10(x)") == sp.log(x, 10)


def test_random_draws_stay_distinct():
    expr = parse_expression("rand() + rand()")
    draws = expr.atoms(rand)
    assert len(draws) == 2
    assert parse_expression("randn()").func is randn


def test_unknown_function_becomes_undefined_function():
    expr = parse_expression("I_in(t, i)")
    assert isinstance(expr, sp.core.function.AppliedUndef)
    assert expr.func.__name__ == "I_in"
    assert expr.args == (symbol("t"), symbol("i"))


def test_zero_argument_user_function():
    expr = parse_expression("f()")
    assert expr.func.__name__ == "f" and expr.args == ()


def test_threshold_and_string_assignment():
    assert parse_expression("U > U_thr", what="threshold") == sp.Gt(U, symbol("U_thr"))
    expr = parse_expression("rand()*U_thr")
    assert expr.has(symbol("U_thr")) and len(expr.atoms(rand)) == 1


def test_newlines_inside_an_expression_are_whitespace():
    assert parse_expression("(a +\n b)") == a + b


# -- statements ----------------------------------------------------------------------------


def test_statements_semicolon():
    stmts = parse_statements("U -= U_thr; V = 0")
    assert stmts == [
        Statement("U", "-=", symbol("U_thr"), 1, "U -= U_thr"),
        Statement("V", "=", sp.Integer(0), 1, "V = 0"),
    ]


def test_statements_all_ops_and_lines():
    stmts = parse_statements("a = 1\n\n# comment\nb += 2\nc -= 3 ; d *= 4\ne /= x  # tail")
    assert [(s.target, s.op, s.lineno) for s in stmts] == [
        ("a", "=", 1), ("b", "+=", 4), ("c", "-=", 5), ("d", "*=", 5), ("e", "/=", 6),
    ]  # fmt: skip
    assert stmts[-1].source == "e /= x"
    assert stmts[-1].as_assign().expr == symbol("e") / x


def test_statement_continues_over_lines():
    stmts = parse_statements("U = (a +\n b)\nV = a +\n  b")
    assert [s.expr for s in stmts] == [a + b, a + b]
    assert [s.lineno for s in stmts] == [1, 3]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "# only a comment", ";;"])
def test_blank_statements(text):
    assert parse_statements(text) == []


# -- printing back -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a % b * 2",
        "a % (b % c)",
        "(not a) == b",
        "not (a and b)",
        "(a or b) and c",
        "abs(x) + ceil(y) + arcsin(a) + arccos(b) + arctan(c) + exp(1)",
        "-0.1*x + 1e-20",
        "x**(1/3) + 2**-x",
        "(a < b) == (c < d)",
        "f(x, g(y))",
        "U > U_thr and not b",
    ],
)
def test_format_expression_round_trips(text):
    expr = parse_expression(text)
    printed = format_expression(expr)
    assert parse_expression(printed) == expr


def test_format_expression_is_readable():
    assert format_expression(parse_expression("0.1*x")) == "0.1*x"
    assert format_expression(parse_expression("a > b and c")) in ("a > b and c", "c and a > b")
    assert format_expression(parse_expression("rand()*2")) == "2*rand()"


def test_parse_errors_raise_equation_error_not_sympy():
    with pytest.raises(EquationError):
        parse_expression("(a > b) + 1")
