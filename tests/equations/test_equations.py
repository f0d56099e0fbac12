"""The Equations class: kinds of line, solving for dX/dt, flags, units, multi-line text."""

from __future__ import annotations

import pytest
import sympy as sp

from lifdsl.equations import EquationLine, Equations, parse_expression, symbol

U, R, I, tau, C = (symbol(n) for n in ("U", "R", "I", "tau", "C"))
EXPECTED = (-U + R * I) / tau


@pytest.mark.parametrize(
    "text",
    [
        "tau*dU/dt = -U + R*I",
        "dU/dt*tau = -U + R*I",
        "tau*dU/dt + U = R*I",
        "dU/dt = (-U + R*I)/tau",
        "dU / dt = -U/tau + R*I/tau",
        "tau*(dU/dt) = R*I - U",
        "(tau*dU/dt + U)/R = I",
        "-tau*dU/dt = U - R*I",
        "tau*dU/dt - R*I = -U",
        "U + tau*dU/dt = R*I : volt",
    ],
)
def test_every_lhs_form_solves_to_the_same_derivative(text):
    eqs = Equations(text)
    assert eqs.diff_names == ["U"]
    assert sp.simplify(eqs["U"].expr - EXPECTED) == 0


def test_capacitor_form():
    eqs = Equations("C*dU/dt = -U/R + I")
    assert sp.simplify(eqs["U"].expr - (-U / R + I) / C) == 0


def test_solved_form_is_readable():
    line = Equations("tau*dU/dt = -U + R*I : volt")["U"]
    assert str(line) in ("dU/dt = (-U + I*R)/tau : volt", "dU/dt = (I*R - U)/tau : volt")
    assert line.lhs == sp.Symbol("dU/dt") * tau
    assert line.rhs == -U + R * I


def test_plain_form_keeps_rhs_unchanged():
    rhs = parse_expression("(-U + R*I)/tau")
    assert Equations("dU/dt = (-U + R*I)/tau")["U"].expr == rhs


def test_three_kinds_of_line():
    eqs = Equations(
        """
        tau*dU/dt = -U + R*I : volt (unless refractory)
        I = I_in(t) : amp     # subexpression
        R : ohm (constant)
        """
    )
    assert eqs.names == ["U", "I", "R"]
    assert eqs.diff_names == ["U"]
    assert eqs.subexpr_names == ["I"]
    assert eqs.param_names == ["R"]
    assert [line.kind for line in eqs] == ["diff", "subexpr", "param"]
    assert [line.lineno for line in eqs] == [2, 3, 4]
    assert eqs["U"].flags == frozenset({"unless refractory"})
    assert eqs["R"].flags == frozenset({"constant"})
    assert eqs["I"].unit == "amp" and eqs["R"].unit == "ohm"
    assert eqs["R"].expr is None and eqs["R"].lhs is None
    assert eqs["I"].functions == frozenset({"I_in"})
    assert eqs["I"].identifiers == frozenset({"t"})
    assert eqs.identifiers == {"tau"}
    assert eqs.functions == {"I_in"}
    assert "U" in eqs and "tau" not in eqs
    assert len(eqs) == 3


@pytest.mark.parametrize(
    "unit",
    [
        "1",
        "volt",
        "volt/second",
        "siemens/meter**2",
        "amp",
        "boolean",
        "integer",
        "metre**-2",
        "1/second",
        "(volt*second)/(amp)",
        "meter**(-2)",
    ],
)
def test_unit_syntax_accepted_and_kept(unit):
    eqs = Equations(f"x : {unit}  # comment")
    assert eqs["x"].unit == unit


def test_unit_is_optional_for_equations():
    eqs = Equations("dU/dt = -U/tau\nV = 2*U")
    assert eqs["U"].unit is None and eqs["V"].unit is None


@pytest.mark.parametrize(
    "text, name, flags",
    [
        ("R : ohm (constant)", "R", {"constant"}),
        ("R : ohm (constant, shared)", "R", {"constant", "shared"}),
        ("g : 1 (shared)", "g", {"shared"}),
        ("x = 2*g : 1 (constant over dt)", "x", {"constant over dt"}),
        ("x = 2*g : 1 (shared, constant over dt)", "x", {"shared", "constant over dt"}),
        ("dU/dt = -U/tau : volt (unless refractory)", "U", {"unless refractory"}),
        ("dU/dt = -U/tau : (unless refractory)", "U", {"unless refractory"}),
        ("dU/dt = -U/tau (unless refractory)", "U", {"unless refractory"}),
        ("R : (volt/amp) (constant)", "R", {"constant"}),
    ],
)
def test_flags(text, name, flags):
    assert Equations(text)[name].flags == frozenset(flags)


def test_flags_without_unit_leave_unit_none():
    assert Equations("dU/dt = -U/tau : (unless refractory)")["U"].unit is None
    assert Equations("R : (volt/amp) (constant)")["R"].unit == "(volt/amp)"


def test_multi_line_expressions():
    eqs = Equations(
        """
        # leading comment

        dU/dt = (-U +
                 R*I) / tau : volt
        I = a
            + b   # continued because the next line starts with an operator
            * c : amp
        J = exp(
            a) : 1
        K = a *
            b
        """
    )
    assert eqs.names == ["U", "I", "J", "K"]
    assert [line.lineno for line in eqs] == [4, 6, 9, 11]
    assert sp.simplify(eqs["U"].expr - EXPECTED) == 0
    a, b, c = symbol("a"), symbol("b"), symbol("c")
    assert eqs["I"].expr == a + b * c
    assert eqs["J"].expr == sp.exp(a)
    assert eqs["K"].expr == a * b
    assert eqs["I"].source == "I = a + b * c : amp"


def test_source_is_as_written_without_comments():
    eqs = Equations("tau*dU/dt = -U + R*I : volt   # membrane")
    assert eqs["U"].source == "tau*dU/dt = -U + R*I : volt"


def test_odes_substitute_subexpressions_recursively():
    eqs = Equations(
        """
        dU/dt = (-U + R*I)/tau : volt
        I = I_syn + I_ext : amp
        I_syn = g*(E - U) : amp
        I_ext = 2*k : amp
        """
    )
    g, E, k = symbol("g"), symbol("E"), symbol("k")
    expected = (-U + R * (g * (E - U) + 2 * k)) / tau
    assert sp.simplify(eqs.odes()["U"] - expected) == 0
    assert set(eqs.odes()) == {"U"}
    thr = eqs.substituted(parse_expression("I > 1"))
    assert thr == sp.Gt(g * (E - U) + 2 * k, 1)
    assert eqs.identifiers == {"R", "tau", "g", "E", "k"}


def test_special_names_are_not_external_identifiers():
    eqs = Equations("dU/dt = -U/tau + xi*sigma/sqrt(tau) + t*i/N : 1")
    assert eqs.identifiers == {"tau", "sigma"}
    assert {"t", "i", "N", "xi"} <= eqs["U"].identifiers


def test_line_using():
    eqs = Equations("dU/dt = -U/tau : 1\nI = I_in(t) : 1\nV = tau*2 : 1")
    assert eqs.line_using("tau").name == "U"
    assert eqs.line_using("I_in").name == "I"
    assert eqs.line_using("nothing") is None


def test_addition_concatenates():
    e1 = Equations("dU/dt = -U/tau : 1")
    e2 = Equations("tau : second")
    both = e1 + e2
    assert both.names == ["U", "tau"]
    assert both.identifiers == set()
    assert (e1 + "V : 1").names == ["U", "V"]
    assert ("V : 1" + e1).names == ["V", "U"]
    assert e1.names == ["U"]  # operands unchanged


def test_constructor_accepts_equations_and_lines():
    e1 = Equations("dU/dt = -U/tau : 1\nR : ohm")
    assert Equations(e1).names == ["U", "R"]
    assert Equations(list(e1.lines)).names == ["U", "R"]
    assert isinstance(e1.lines, tuple) and isinstance(e1.lines[0], EquationLine)
    assert Equations().names == [] and len(Equations("")) == 0


def test_frozen():
    eqs = Equations("x : 1")
    with pytest.raises(AttributeError):
        eqs.lines = ()
    with pytest.raises(AttributeError):
        eqs["x"].name = "y"


def test_str_round_trips():
    eqs = Equations(
        """
        tau*dU/dt = -U + R*I + 0.1*exp(a) : volt (unless refractory)
        I = abs(I_in(t)) * 3 + 2 : amp
        R : ohm (constant, shared)
        b = a % 3 : 1
        c = not (a > 1) and a < 5 : boolean
        dV/dt = -V : (unless refractory)
        """
    )
    again = Equations(str(eqs))
    assert again.names == eqs.names
    for line, other in zip(eqs, again, strict=True):
        assert (line.kind, line.expr, line.unit, line.flags) == (
            other.kind, other.expr, other.unit, other.flags,
        )  # fmt: skip
    assert "Equations(" in repr(eqs)


def test_str_of_line_kinds():
    eqs = Equations("dU/dt = -U/tau : volt\nR : ohm (constant)\nI = 2*R : amp")
    assert str(eqs).splitlines() == [
        "dU/dt = -U/tau : volt",
        "R : ohm (constant)",
        "I = 2*R : amp",
    ]


def test_discretize_delegates_to_methods():
    pytest.importorskip("lifdsl.methods")
    eqs = Equations("dU/dt = -U/tau : 1")
    update = eqs.discretize("euler")
    assert update is not None
    assert "U_new" in str(update) or any("U" in str(s) for s in update.statements)
