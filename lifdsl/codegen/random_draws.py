"""Random draws as explicit statements, so every target consumes the generator in one order.

After :func:`predraw`, a block starts with ``_draw_0 = rand()``, ``_draw_1 = randn()``, ... (one
per written occurrence, in statement order, then left to right as written) and no other
statement calls a random function. The NumPy target draws each as one vector; the Cython target
fills one buffer per draw before its neuron loop: the same numbers in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from lifdsl.equations.functions import RANDOM_FUNCTIONS, symbol
from lifdsl.equations.statements import Assign


def _occurrence_key(call: sp.Basic) -> tuple[int, str]:
    arg = call.args[0] if call.args else None
    return (int(arg) if arg is not None and arg.is_Integer else -1, str(call.func))


def predraw(statements: Sequence[Assign]) -> list[Assign]:
    """The block with each random call moved into its own leading ``_draw_k`` statement."""
    draws: list[Assign] = []
    body: list[Assign] = []
    for st in statements:
        calls = [a for a in st.expr.atoms(sp.Function) if isinstance(a, RANDOM_FUNCTIONS)]
        if st.target.startswith("_draw_") and isinstance(st.expr, RANDOM_FUNCTIONS):
            draws.append(Assign(f"_draw_{len(draws)}", st.expr))  # already a draw: keep it
            continue
        if not calls:
            body.append(st)
            continue
        subs = {}
        for call in sorted(calls, key=_occurrence_key):
            name = f"_draw_{len(draws)}"
            draws.append(Assign(name, call.func()))
            subs[call] = symbol(name)
        body.append(Assign(st.target, st.expr.xreplace(subs), st.op))
    return draws + body


def draw_kinds(statements: Sequence[Assign]) -> list[tuple[str, str]]:
    """``[(name, 'uniform' | 'normal'), ...]`` of the leading draw statements of a block."""
    out = []
    for st in statements:
        if not st.target.startswith("_draw_"):
            break
        kind = "uniform" if st.expr.func.__name__ == "rand" else "normal"
        out.append((st.target, kind))
    return out
