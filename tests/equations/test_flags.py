"""Flags: every flag some owner knows parses where its kind of line allows it; typos fail at
parse time with the known flags listed; an owner refuses what it does not run (check_flags)."""

from __future__ import annotations

import dataclasses

import pytest

from lifdsl.equations import (
    KNOWN_FLAGS,
    LINE_FLAGS,
    NEURON_FLAGS,
    EquationError,
    EquationLine,
    Equations,
)

BRIAN2_FLAGS = {
    "unless refractory", "constant", "shared", "event-driven", "clock-driven", "summed",
    "linked", "constant over dt",
}


def raises(text: str) -> EquationError:
    with pytest.raises(EquationError) as info:
        Equations(text)
    return info.value


def refusal(eqs: Equations, allowed, owner: str = "Owner") -> EquationError:
    with pytest.raises(EquationError) as info:
        eqs.check_flags(allowed, owner)
    return info.value


def at(err: EquationError) -> str:
    """The line text from the caret on."""
    assert err.line is not None and err.column is not None
    return err.line[err.column :]


# -- tables ----------------------------------------------------------------------------------


def test_known_flags_are_brian2s():
    assert KNOWN_FLAGS == BRIAN2_FLAGS
    assert set(LINE_FLAGS) == {"diff", "subexpr", "param"}


def test_neuron_flags_are_what_a_neurongroup_runs():
    assert dict(NEURON_FLAGS) == {
        "diff": ("unless refractory",),
        "subexpr": ("shared", "constant over dt"),
        "param": ("constant", "shared", "linked"),
    }
    for kind, flags in NEURON_FLAGS.items():
        assert set(flags) <= set(LINE_FLAGS[kind])


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        NEURON_FLAGS["diff"] = ("event-driven",)  # type: ignore[index]


# -- every flag parses on its kind of line ---------------------------------------------------

LINE_OF_KIND = {
    "diff": ("dv/dt = -v/tau : 1 ({})", "v"),
    "subexpr": ("x = 2*g : 1 ({})", "x"),
    "param": ("g : 1 ({})", "g"),
}
FLAG_CASES = [(kind, flag) for kind, flags in LINE_FLAGS.items() for flag in flags]


@pytest.mark.parametrize("kind, flag", FLAG_CASES)
def test_every_flag_parses_on_its_kind_of_line(kind, flag):
    template, name = LINE_OF_KIND[kind]
    line = Equations(template.format(flag))[name]
    assert line.kind == kind
    assert line.flags == frozenset({flag})
    assert line.unit == "1"


@pytest.mark.parametrize(
    "text, name, flags, unit",
    [
        ("dv/dt = -v/tau (event-driven)", "v", {"event-driven"}, None),
        ("dv/dt = -v/tau : (clock-driven)", "v", {"clock-driven"}, None),
        ("dv/dt = -v/tau(event-driven)", "v", {"event-driven"}, None),
        ("x = a*b : 1 (summed)", "x", {"summed"}, "1"),
        ("x = a*b : 1 (shared, summed)", "x", {"shared", "summed"}, "1"),
        ("w : 1 (linked)", "w", {"linked"}, "1"),
        ("w : volt (constant,shared)", "w", {"constant", "shared"}, "volt"),
        ("x = a*b : 1 (constant   over dt)", "x", {"constant over dt"}, "1"),
        ("dv/dt = -v : 1 (unless refractory,\n    event-driven)", "v",
         {"unless refractory", "event-driven"}, "1"),
        ("x = a*b : 1 (summed)  # per post-synaptic neuron", "x", {"summed"}, "1"),
    ],
)
def test_flag_spellings(text, name, flags, unit):
    line = Equations(text)[name]
    assert line.flags == frozenset(flags)
    assert line.unit == unit


def test_parenthesised_unit_is_not_taken_for_flags():
    assert Equations("R : (volt/amp)")["R"].unit == "(volt/amp)"
    assert Equations("R : (volt)")["R"].flags == frozenset()


def test_call_with_a_space_before_its_arguments_stays_a_call():
    eqs = Equations("dv/dt = -v/tau + f (v-w)")
    assert eqs["v"].flags == frozenset()
    assert "f" in eqs.functions


def test_flag_columns_point_into_the_source():
    line = Equations("x = a : 1 (shared, summed)")["x"]
    for flag, column in line.flag_columns:
        assert line.source[column:].startswith(flag)
    assert [flag for flag, _ in line.flag_columns] == ["shared", "summed"]


def test_equality_and_hash_ignore_flag_columns():
    line = Equations("x : 1 (shared)")["x"]
    moved = dataclasses.replace(line, flag_columns=(("shared", 0),))
    assert line == moved and hash(line) == hash(moved)


# -- errors at parse time --------------------------------------------------------------------

KIND_CASES = [
    # (text, flag, phrase the message has)
    ("v : 1 (summed)", "summed", "is for subexpressions, not for a parameter"),
    ("v : 1 (unless refractory)", "unless refractory", "not for a parameter"),
    ("v : 1 (event-driven)", "event-driven", "is for differential equations"),
    ("v : 1 (constant over dt)", "constant over dt", "not for a parameter"),
    ("dv/dt = -v : 1 (summed)", "summed", "not for a differential equation"),
    ("dv/dt = -v : 1 (shared)", "shared", "is for subexpressions and parameters"),
    ("dv/dt = -v : 1 (constant)", "constant", "not for a differential equation"),
    ("dv/dt = -v : 1 (linked)", "linked", "is for parameters"),
    ("x = v : 1 (linked)", "linked", "not for a subexpression"),
    ("x = v : 1 (constant)", "constant", "not for a subexpression"),
    ("x = v : 1 (clock-driven)", "clock-driven", "not for a subexpression"),
    ("x = v : 1 (unless refractory)", "unless refractory", "not for a subexpression"),
]


@pytest.mark.parametrize("text, flag, phrase", KIND_CASES)
def test_flag_on_the_wrong_kind_of_line(text, flag, phrase):
    err = raises(text)
    kind = "diff" if text.startswith("dv/dt") else "subexpr" if "=" in text else "param"
    assert phrase in err.message
    assert f"'{flag}'" in err.message
    assert ", ".join(LINE_FLAGS[kind]) in err.message
    assert err.lineno == 1 and err.line == text
    assert at(err).startswith(flag)


@pytest.mark.parametrize(
    "text, typo, guess",
    [
        ("dv/dt = -v/tau : 1 (event driven)", "event driven", "event-driven"),
        ("dv/dt = -v/tau : 1 (clock driven)", "clock driven", "clock-driven"),
        ("dv/dt = -v/tau : 1 (event - driven)", "event - driven", "event-driven"),
        ("g : 1 (constnt)", "constnt", "constant"),
        ("g : (constnt)", "constnt", "constant"),
        ("g : 1 (shared, constnt)", "constnt", "constant"),
        ("g : 1 (Shared)", "Shared", "shared"),
        ("x = v : 1 (sumed)", "sumed", "summed"),
        ("dv/dt = -v/tau (unless refractry)", "unless refractry", "unless refractory"),
        ("dv/dt = -v/tau (constnt)", "constnt", "constant"),
    ],
)
def test_typo_is_a_parse_error_listing_known_flags(text, typo, guess):
    err = raises(text)
    assert f"unknown flag '{typo}'" in err.message
    assert f"did you mean '{guess}'" in err.message
    assert "known flags: " + ", ".join(sorted(BRIAN2_FLAGS)) in err.message
    assert err.lineno == 1 and err.line == text
    assert at(err).startswith(typo)
    assert "line 1" in str(err) and text in str(err)


def test_unknown_flag_without_a_close_match_lists_known_flags():
    err = raises("g : 1 (plastic)")
    assert "unknown flag 'plastic'; known flags: clock-driven" in err.message


def test_typo_on_a_later_physical_line():
    err = raises("g : 1\nx = g : 1 (summd)")
    assert err.lineno == 2 and err.line == "x = g : 1 (summd)"
    assert at(err).startswith("summd")


@pytest.mark.parametrize(
    "text, found",
    [
        ("g : 1 (shared,)", ")"),
        ("g : 1 (shared, 3)", "3"),
        ("g : 1 (-shared)", "-shared"),
        ("g : 1 (shared-)", ")"),
        ("g : 1 (,shared)", ",shared"),
    ],
)
def test_malformed_flag_list(text, found):
    err = raises(text)
    assert "comma-separated words" in err.message
    assert at(err).startswith(found)


def test_empty_flag_group():
    err = raises("g : 1 ()")
    assert "expected a flag inside" in err.message


def test_event_driven_and_clock_driven_exclude_each_other():
    text = "dv/dt = -v : 1 (event-driven, clock-driven)"
    err = raises(text)
    assert "exclude each other" in err.message
    assert at(err).startswith("clock-driven")


# -- the owner's check -----------------------------------------------------------------------

MODEL = """
dv/dt = (g - v)/tau : 1 (unless refractory)
g_tot = w*g : 1 (constant over dt)
w : 1 (constant, shared)
"""


def test_neuron_model_passes_the_neurongroup_check():
    Equations(MODEL).check_flags(NEURON_FLAGS, "NeuronGroup")
    Equations("dv/dt = -v : 1\nx : 1").check_flags({}, "Bare")


@pytest.mark.parametrize(
    "text, flag, allowed",
    [
        ("dv/dt = -v/tau : 1 (event-driven)", "event-driven", "unless refractory"),
        ("dv/dt = -v/tau (clock-driven)", "clock-driven", "unless refractory"),
        ("x = a : 1 (shared, summed)", "summed", "shared, constant over dt"),
    ],
)
def test_neurongroup_refuses_flags_it_does_not_run(text, flag, allowed):
    eqs = Equations(text)
    err = refusal(eqs, NEURON_FLAGS, "NeuronGroup")
    assert f"NeuronGroup does not support the flag '{flag}'" in err.message
    assert err.message.endswith(": " + allowed)
    assert err.lineno == 1 and err.line == text
    assert at(err).startswith(flag)
    assert text in str(err) and "line 1" in str(err)


def test_refusal_names_the_kind_of_line_and_the_owner():
    err = refusal(Equations("dv/dt = -v : 1 (event-driven)"), NEURON_FLAGS, "NeuronGroup")
    assert ("on a differential equation; the flags NeuronGroup allows on a differential "
            "equation: unless refractory") in err.message


def test_owner_that_allows_nothing_on_a_kind():
    err = refusal(Equations("x = a : 1 (summed)"), {"diff": ["event-driven"]}, "Synapses")
    assert "Synapses allows no flags on a subexpression" in err.message


def test_allowed_flags_listed_in_table_order_whatever_the_collection():
    allowed = {"param": {"linked", "constant"}}
    err = refusal(Equations("w : 1 (shared)"), allowed, "Thing")
    assert err.message.endswith(": constant, linked")


def test_refusal_points_at_the_first_refused_flag_in_written_order():
    text = "w : 1 (shared, linked, constant)"
    err = refusal(Equations(text), {"param": ["shared"]}, "Thing")
    assert at(err).startswith("linked")


def test_refusal_in_a_later_and_multi_line_equation():
    text = "g : 1\ndv/dt = -v : 1 (unless refractory,\n    event-driven)"
    err = refusal(Equations(text), NEURON_FLAGS, "NeuronGroup")
    assert err.lineno == 2
    assert err.line == "dv/dt = -v : 1 (unless refractory, event-driven)"
    assert at(err) == "event-driven)"


def test_check_survives_addition_of_equations():
    eqs = Equations("g : 1") + Equations("x = g : 1 (summed)")
    err = refusal(eqs, NEURON_FLAGS, "NeuronGroup")
    assert err.line == "x = g : 1 (summed)" and at(err).startswith("summed")


def test_hand_built_line_is_checked_without_a_column():
    line = EquationLine("param", "w", None, "1", frozenset({"linked"}), 0, "")
    err = refusal(Equations([line]), {"param": ["constant", "shared"]}, "Thing")
    assert "'linked'" in err.message and err.column is None


@pytest.mark.parametrize(
    "allowed, phrase",
    [
        ({"differential": ["unless refractory"]}, "unknown kind of line 'differential'"),
        ({"diff": "unless refractory"}, "not the string"),
        ({"diff": ["unles refractory"]}, "'unles refractory' is not a flag"),
        ({"param": ["summed"]}, "'summed' is not a flag of a parameter"),
    ],
)
def test_bad_allowed_table_is_the_owners_bug(allowed, phrase):
    with pytest.raises(ValueError, match=phrase) as info:
        Equations("x : 1").check_flags(allowed, "Owner")
    assert not isinstance(info.value, EquationError)
    assert "Owner" in str(info.value)
