"""Flags: the words in parentheses at the end of an equation, ``(constant, shared)``.

Parsing accepts every flag that some object of lifdsl knows, wherever the kind of line allows
it (``(summed)`` only makes sense on a subexpression, whoever owns it). Which of those flags an
object can actually run is that object's decision, made by :meth:`Equations.check_flags` with
a table such as :data:`NEURON_FLAGS`. So a Brian2 model with ``(event-driven)`` parses, and the
object that cannot simulate it says so in its own words; a typo such as ``(constnt)`` is still
an error at parse time.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping, Sequence
from types import MappingProxyType

from .grammar import Token

__all__ = ["KIND_WORDS", "KNOWN_FLAGS", "LINE_FLAGS", "NEURON_FLAGS"]

#: How messages name each kind of line.
KIND_WORDS: Mapping[str, str] = MappingProxyType(
    {"diff": "a differential equation", "subexpr": "a subexpression", "param": "a parameter"}
)
_KIND_PLURALS = {"diff": "differential equations", "subexpr": "subexpressions",
                 "param": "parameters"}

#: Every flag each kind of line can carry, for any owner (Brian2's meaning of each flag).
LINE_FLAGS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "diff": ("unless refractory", "event-driven", "clock-driven"),
    "subexpr": ("shared", "constant over dt", "summed"),
    "param": ("constant", "shared", "linked"),
})

#: Every flag some object of lifdsl knows.
KNOWN_FLAGS: frozenset[str] = frozenset(f for flags in LINE_FLAGS.values() for f in flags)

#: The flags a NeuronGroup runs, per kind of line (the argument of ``Equations.check_flags``).
NEURON_FLAGS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "diff": ("unless refractory",),
    "subexpr": ("shared", "constant over dt"),
    "param": ("constant", "shared", "linked"),
})

#: Flags that contradict each other on one line.
_EXCLUSIVE = (("event-driven", "clock-driven"),)


# -- syntax ----------------------------------------------------------------------------------


def _is_word(tok: Token) -> bool:
    return tok.kind in ("NAME", "KW")


def _is_op(tok: Token, text: str) -> bool:
    return tok.kind == "OP" and tok.text == text


def _join(words: list[Token]) -> str:
    """The phrase as written, with one space wherever there was space between its tokens."""
    text = words[0].text
    for prev, tok in zip(words, words[1:], strict=False):
        text += (" " if tok.pos > prev.end else "") + tok.text
    return text


def split_phrases(
    tokens: Sequence[Token], end: Token
) -> tuple[list[tuple[str, Token]], Token | None]:
    """Cut ``a b, c-d`` into ``[('a b', tok_a), ('c-d', tok_c)]``: comma-separated phrases of
    words joined by spaces or hyphens. The second item is the first token that does not fit
    that shape (None when all fit); ``end`` is the token that closes the list."""
    phrases: list[tuple[str, Token]] = []
    words: list[Token] = []
    for tok in [*tokens, end]:
        after_word = bool(words) and _is_word(words[-1])
        if tok is not end and _is_word(tok):
            words.append(tok)
        elif tok is not end and _is_op(tok, "-") and after_word:
            words.append(tok)
        elif (tok is end or _is_op(tok, ",")) and after_word:
            phrases.append((_join(words), words[0]))
            words = []
        else:
            return phrases, tok
    return phrases, None


def flag_phrases(tokens: Sequence[Token], end: Token) -> list[tuple[str, Token]] | None:
    """The phrases of :func:`split_phrases`, or None if the tokens are not a list of them."""
    phrases, bad = split_phrases(tokens, end)
    return None if bad is not None or not phrases else phrases


def close_match(phrase: str) -> str | None:
    """The known flag ``phrase`` is most likely a misspelling of, if any."""
    found = difflib.get_close_matches(phrase.lower(), sorted(KNOWN_FLAGS), n=1)
    return found[0] if found else None


def reads_as_flags(phrases: list[tuple[str, Token]] | None) -> bool:
    """Whether a trailing ``( ... )`` that could also be a unit or an argument list is meant as
    flags: one of its phrases is a known flag or a near miss of one."""
    return phrases is not None and any(
        p in KNOWN_FLAGS or close_match(p) is not None for p, _ in phrases
    )


# -- what parsing checks ---------------------------------------------------------------------


def _listing(flags: Collection[str]) -> str:
    return ", ".join(flags) if flags else "none"


def flag_problem(phrase: str, kind: str) -> str | None:
    """Why ``phrase`` cannot be a flag of a line of ``kind`` (None if it can): unknown to every
    owner, or a flag for another kind of line."""
    if phrase not in KNOWN_FLAGS:
        guess = close_match(phrase)
        hint = f" (did you mean '{guess}'?)" if guess else ""
        return f"unknown flag '{phrase}'{hint}; known flags: {_listing(sorted(KNOWN_FLAGS))}"
    if phrase not in LINE_FLAGS[kind]:
        kinds = " and ".join(_KIND_PLURALS[k] for k, flags in LINE_FLAGS.items()
                             if phrase in flags)
        return (f"the flag '{phrase}' is for {kinds}, not for {KIND_WORDS[kind]}; flags of "
                f"{KIND_WORDS[kind]}: {_listing(LINE_FLAGS[kind])}")
    return None


def exclusive_pair(phrases: Collection[str]) -> tuple[str, str] | None:
    """Two flags in ``phrases`` that contradict each other, if any."""
    for a, b in _EXCLUSIVE:
        if a in phrases and b in phrases:
            return a, b
    return None


# -- what owners check -----------------------------------------------------------------------


def check_allowed_table(allowed: Mapping[str, Collection[str]], owner: str) -> None:
    """Raise ValueError (a bug in the owner, not in the model) when ``allowed`` names a kind of
    line or a flag that lifdsl does not know, or gives a string where a collection belongs."""
    for kind, flags in allowed.items():
        if kind not in LINE_FLAGS:
            raise ValueError(
                f"{owner}: unknown kind of line {kind!r} in the allowed flags; "
                f"kinds: {', '.join(LINE_FLAGS)}"
            )
        if isinstance(flags, str):
            raise ValueError(f"{owner}: the allowed flags for {kind!r} must be a collection "
                             f"of flags, not the string {flags!r}")
        for flag in flags:
            if flag not in LINE_FLAGS[kind]:
                raise ValueError(
                    f"{owner}: {flag!r} is not a flag of {KIND_WORDS[kind]}; "
                    f"those are: {_listing(LINE_FLAGS[kind])}"
                )


def not_allowed_message(flag: str, kind: str, allowed: Collection[str], owner: str) -> str:
    """The error for a flag that parses but that ``owner`` does not run."""
    where = KIND_WORDS[kind]
    allowed = [f for f in LINE_FLAGS[kind] if f in allowed]
    if not allowed:
        return f"{owner} does not support the flag '{flag}': {owner} allows no flags on {where}"
    return (f"{owner} does not support the flag '{flag}' on {where}; the flags {owner} "
            f"allows on {where}: {_listing(allowed)}")
