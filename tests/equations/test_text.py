"""The characters of a model string: only ASCII is read (every non-ASCII character, digits of
other scripts included, is an error that names it), and Windows or old Mac line endings read
as newlines everywhere, backslash continuations included."""

from __future__ import annotations

import sys
import unicodedata

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.equations import EquationError, Equations, parse_expression, parse_statements

#: Every non-ASCII character that Python's str.isdigit(), isdecimal() or isnumeric() accepts.
NON_ASCII_DIGITS = [
    chr(c) for c in range(128, sys.maxunicode + 1)
    if chr(c).isdigit() or chr(c).isdecimal() or chr(c).isnumeric()
]


def test_there_are_many_such_digits():
    assert len(NON_ASCII_DIGITS) > 1000
    for ch in "\uff15\u0663\u0969\u00b2\u2155":  # fullwidth 5, Arabic-Indic 3, Devanagari 3
        assert ch in NON_ASCII_DIGITS


@pytest.mark.parametrize("template", ["x*{}", "{}", "x + 1{}", "{}.5", "1.{}", "a{}"])
def test_no_non_ascii_digit_is_read_as_a_number(template):
    for ch in NON_ASCII_DIGITS:
        text = template.format(ch)
        with pytest.raises(EquationError) as info:
            parse_expression(text)
        err = info.value
        assert err.column == text.index(ch), (text, err.column)
        assert f"U+{ord(ch):04X}" in err.message
        if ch.isdecimal():
            assert "ASCII digits 0-9" in err.message


@pytest.mark.parametrize("ch, hint", [
    ("\uff15", "ASCII digits"), ("\u0663", "ASCII digits"), ("\u0969", "ASCII digits"),
    ("\u2212", "use '-'"), ("\u00d7", "use '*'"), ("\u00f7", "use '/'"), ("\u2264", "'<='"),
    ("\u00a0", "ordinary space"), ("\u2003", "ordinary space"), ("\u00b5", "'u' for micro"),
    ("\u03c4", "ASCII letters"), ("\u00e9", "ASCII letters"), ("\u200b", "plain ASCII"),
    ("\U0001f600", "plain ASCII"), ("\udcff", "byte 0xFF"), ("\ud800", "plain ASCII"),
    ("\x00", "unexpected character"),
])
def test_a_non_ascii_character_is_named_with_a_hint(ch, hint):
    text = f"dv/dt = -v*2{ch} : 1" if not ch.isalpha() else f"dv/dt = -{ch} : 1"
    with pytest.raises(EquationError) as info:
        Equations(text)
    err = info.value
    assert hint in err.message
    assert err.lineno == 1 and err.column == text.index(ch)
    if not ch.isascii() and not "\udc80" <= ch <= "\udcff":
        name = unicodedata.name(ch, "")
        assert f"U+{ord(ch):04X}" in err.message and name in err.message
    str(err).encode("utf-8", "backslashreplace")  # printable, even for a lone surrogate


def test_every_character_outside_ascii_is_refused_in_every_position():
    """A sample of every Unicode block: in a name, after a number, alone; always an
    EquationError, never read as something else."""
    for c in range(128, sys.maxunicode + 1, 997):
        ch = chr(c)
        for text in (f"a{ch}", f"1{ch}", ch, f"{ch}1"):
            with pytest.raises(EquationError):
                parse_expression(text)


MODEL = "dv/dt = (x - v)/tau : 1\nx : 1\ns = 2*v + x \\\n    : 1  # continued\n"


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_read_the_same_in_equations(newline):
    eqs = Equations(MODEL.replace("\n", newline))
    assert str(eqs) == str(Equations(MODEL))
    assert [line.source for line in eqs.lines] == [line.source for line in Equations(MODEL)]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_errors_under_other_line_endings_quote_the_line_without_the_cr(newline):
    text = newline.join(["x : 1", "y = x +", "  $ : 1", ""])
    with pytest.raises(EquationError) as info:
        Equations(text)
    err = info.value
    assert err.lineno == 3 and err.line == "  $ : 1" and err.column == 2
    assert "\r" not in str(err)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_endings_read_the_same_in_statements(newline):
    text = "v = 0\nx += 1 + \\\n   2; v *= 2\n"
    assert [str(s) for s in parse_statements(text.replace("\n", newline))] == [
        str(s) for s in parse_statements(text)]
    assert parse_expression("v > 1 and \\\r\n x < 2\r\n") == parse_expression("v > 1 and x < 2")


def _run(newline: str) -> np.ndarray:
    nl = newline
    G = ld.NeuronGroup(
        3, MODEL.replace("\n", nl), method="euler",
        threshold=f"v > 0.5{nl}", reset=f"v = 0{nl}x += \\{nl} 1{nl}",
        refractory=f"v > 2 and {nl} x > 100{nl}", namespace={"tau": 0.01})
    G.x = f"i + {nl}1{nl}"
    G.run_regularly(f"x -= 0.001{nl}v += \\{nl}0.001{nl}")
    ld.Network(G, target="numpy").run(0.01)
    return np.r_[G.v[:], G.x[:]]


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_endings_work_in_every_string_of_a_group(newline):
    assert np.array_equal(_run(newline), _run("\n"))
