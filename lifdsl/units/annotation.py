"""The dimension of a unit annotation after ``:`` (``volt``, ``siemens/meter**2``, ``1``).

The equations stage has checked the syntax (names, ``1``, ``*``, ``/``, ``**`` integer,
parentheses); this reads it with its own small parser (no eval of user text)."""

from __future__ import annotations

import re
from functools import lru_cache

from lifdsl.units.dimensions import DIMENSIONLESS, Dimension
from lifdsl.units.names import UNITS

_TOKEN = re.compile(r"\s*(\*\*|[*/()+-]|[A-Za-z_]\w*|\d+)")


@lru_cache(maxsize=1024)
def annotation_dimension(text: str | None) -> Dimension:
    """Dimension of an annotation; None, ``1``, ``boolean`` and ``integer`` are
    dimensionless. A KeyError names an unknown unit."""
    if text is None or not text.strip():
        return DIMENSIONLESS
    tokens = [m.group(1) for m in _TOKEN.finditer(text)]
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def atom() -> Dimension:
        tok = take()
        if tok == "(":
            d = term()
            take()
            return d
        if tok in ("1", "boolean", "integer"):
            return DIMENSIONLESS
        if tok not in UNITS:
            raise KeyError(f"unknown unit {tok!r}")
        return UNITS[tok][1]

    def factor() -> Dimension:
        d = atom()
        if peek() == "**":
            take()
            paren = peek() == "("
            if paren:
                take()
            sign = -1 if peek() == "-" else 1
            if peek() in ("-", "+"):
                take()
            d = d ** (sign * int(take()))
            if paren:
                take()
        return d

    def term() -> Dimension:
        d = factor()
        while peek() in ("*", "/"):
            d = d * factor() if take() == "*" else d / factor()
        return d

    return term()
