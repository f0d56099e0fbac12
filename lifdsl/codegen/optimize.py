"""Target-free rewrites of abstract code that make both targets faster by the same amount.

:func:`affine_commits` turns ``U_new = <linear in U>; U = U_new`` into ``U = a*U + b`` where
``a`` does not depend on the neuron: one multiply-add per neuron (NumPy: two in-place passes),
instead of the method's literal formula. Both targets get the same statements, so they keep
computing the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sympy as sp

from lifdsl.equations.functions import RANDOM_FUNCTIONS, symbol
from lifdsl.equations.statements import Assign


def affine_parts(expr: sp.Basic, var: sp.Symbol, per_neuron: set[str]
                 ) -> tuple[sp.Basic, sp.Basic] | None:
    """``(a, b)`` with ``expr == a*var + b``, ``a`` neuron-independent and ``b`` free of
    ``var``; None if ``expr`` is not of that form."""
    if var not in expr.free_symbols or expr.atoms(*RANDOM_FUNCTIONS):
        return None
    if isinstance(expr, (sp.Piecewise, sp.core.relational.Relational,
                         sp.logic.boolalg.Boolean)):
        return None
    a = sp.diff(expr, var)
    if any(s.name in per_neuron for s in a.free_symbols) or a.atoms(sp.Derivative):
        return None
    b = expr.xreplace({var: sp.S.Zero})
    if var in b.free_symbols:
        return None
    if sp.expand(a * var + b - expr) != 0:
        return None
    return a, b


def affine_commits(statements: Sequence[Assign], states: Iterable[str],
                   per_neuron: set[str]) -> list[Assign]:
    """Fold ``X_new`` into the commit ``X = X_new`` as ``X = a*X + b`` where that is exact
    and safe (``X_new`` used only by the commit; no later commit changes what it reads)."""
    states = list(states)
    out = list(statements)
    commit_at = {st.target: k for k, st in enumerate(out)
                 if st.target in states and st.expr == symbol(f"{st.target}_new")}
    for x in states:
        k = commit_at.get(x)
        new = f"{x}_new"
        defs = [j for j, st in enumerate(out) if st is not None and st.target == new]
        if k is None or len(defs) != 1:
            continue
        users = [j for j, st in enumerate(out)
                 if st is not None and symbol(new) in st.expr.free_symbols]
        if users != [k]:
            continue
        expr = out[defs[0]].expr
        reads = {s.name for s in expr.free_symbols} & set(states)
        # every other state read here must still hold its old value at the commit
        if any(commit_at.get(y, -1) < k for y in reads - {x}):
            continue
        parts = affine_parts(expr, symbol(x), per_neuron | set(states))
        if parts is None:
            continue
        a, b = parts
        out[k] = Assign(x, sp.Add(sp.Mul(a, symbol(x)), b))
        out[defs[0]] = None  # type: ignore[call-overload]
    return [st for st in out if st is not None]
