"""Model strings as a student and a Brian2 porter write them: odd spacing, comments,
continuations, flags, units, bad input."""

from __future__ import annotations

import pytest

import lifdsl as ld

from ._helpers import run_group

# -- what works ---------------------------------------------------------------------------------


def test_odd_spacing_comments_continuations_and_crlf_parse():
    eqs = ld.Equations(
        "tau  *  dU / dt\t= -U +\n"
        "      R*I   : 1   # membrane\r\n"
        "\n"
        "# a comment line\n"
        "I = I0 \\\n"
        "    * 2 : 1\n"
        "R : 1 (constant)\n"
    )
    assert eqs.diff_names == ["U"]
    assert eqs.subexpr_names == ["I"]
    assert eqs.param_names == ["R"]
    assert str(eqs["U"].expr) == "(I*R - U)/tau"


@pytest.mark.parametrize("lhs", ["tau*dU/dt + U", "dU/dt*tau + U", "(tau)*dU/dt + U"])
def test_lhs_linear_in_the_derivative_is_solved(lhs):
    eqs = ld.Equations(f"{lhs} = R*I : 1")
    assert str(eqs["U"].expr) == "(I*R - U)/tau"


@pytest.mark.parametrize("text, where", [
    ("dU/dt = -U/tau +", "line 1"),
    ("dU/dt = -U : 1\nV : 1 (unles refractory)", "line 2"),
    ("dU/dt = -U\n(dU/dt)**2 = U", "line 2"),
    ("dU/dt = -U : 1\nU : 1", "line 2"),
    ("dU/dt = U^2", "**"),
    ("dU/dt = 2x", "2*x"),
    ("dU/dt = rand(1)", "0 arguments"),
    ("dU/dt = −U", "'−'"),          # unicode minus pasted from a PDF
    ("dτ/dt = -τ", "'τ'"),
])
def test_bad_model_strings_raise_equation_error_naming_the_line(text, where):
    with pytest.raises(ld.EquationError) as info:
        ld.Equations(text)
    msg = str(info.value)
    assert where in msg
    assert "^" in msg  # a caret under the column


# not "int": it is a function in strings (int(x), as in Brian2), refused as a variable name
@pytest.mark.parametrize("name", ["lambda", "double", "float", "numpy", "np", "step",
                                  "t_", "class", "return", "void", "main", "inline", "self"])
def test_python_and_c_keywords_work_as_variable_names_numpy(name):
    G = run_group(f"d{name}/dt = 1/tau : 1", namespace={"tau": 0.01})
    assert G._arrays[name] == pytest.approx([0.1] * 3)


@pytest.mark.parametrize("name", ["t", "dt", "i", "N", "xi", "lastspike", "not_refractory"])
def test_special_names_cannot_be_defined(name):
    with pytest.raises(ld.EquationError, match="special name"):
        ld.Equations(f"{name} : 1")


def test_very_long_expression_runs():
    model = "dU/dt = (" + " + ".join(f"{k}*x" for k in range(300)) + ")/second : 1\nx : 1"
    G = run_group(model, n=1, duration=1e-4, setup=lambda G: setattr(G, "x", 1.0))
    assert G.U[0] == pytest.approx(sum(range(300)) * 1e-4)


# -- bugs ---------------------------------------------------------------------------------------


def test_underscore_state_variable_is_rejected_when_parsed():
    with pytest.raises(ld.EquationError):
        ld.Equations("d_x/dt = -_x/tau : 1")


def test_deeply_nested_parentheses_give_an_equation_error_not_recursionerror():
    text = "dU/dt = " + "(" * 1000 + "U" + ")" * 1000 + " : 1"
    try:
        ld.Equations(text)
    except ld.EquationError:
        pass  # a clear refusal is fine too


def test_unknown_unit_is_an_equation_error():
    with pytest.raises(ld.EquationError, match="bananas"):
        ld.Equations("dU/dt = -U/tau : bananas")


def test_dimension_mismatch_names_the_line_and_both_dimensions():
    with pytest.raises(ld.EquationError, match="line 1"):
        G = ld.NeuronGroup(1, "dU/dt = -U : volt")
        ld.Network(G, target="numpy").run(1e-4)


def test_threshold_dimension_mismatch_is_an_error():
    with pytest.raises(ld.EquationError):
        G = ld.NeuronGroup(1, "dU/dt = -U/tau : volt", threshold="U > 1*amp",
                           namespace={"tau": 0.01})
        ld.Network(G, target="numpy").run(1e-4)
