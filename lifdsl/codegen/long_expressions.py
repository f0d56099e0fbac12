"""Long sums and products as balanced trees of short ones, before either target prints them.

SymPy's printers sort the terms of a sum by a key that looks at every name of the sum (a sum
of n names costs n**2), and Python's compiler recurses once per operator of a chain (a few
thousand terms raise RecursionError). A sum or product of more than :data:`LONG` operands is
printed as a tree of unevaluated groups of at most :data:`LONG` operands each (in SymPy's own
order of its arguments), so printing is linear and the generated text nests only
log(n) deep. Both printers call :func:`balanced` on what they print, so both targets add in
the same order; expressions of :data:`LONG` operands or fewer are left exactly as they are.
"""

from __future__ import annotations

import sympy as sp

#: the most operands a sum or product is printed with in one group
LONG = 32


def _is_long(expr: sp.Basic) -> bool:
    return isinstance(expr, (sp.Add, sp.Mul)) and len(expr.args) > LONG


def balanced(expr: sp.Basic) -> sp.Basic:
    """``expr`` with every sum or product of more than :data:`LONG` operands regrouped into a
    balanced tree of unevaluated groups (``expr`` itself when it has none)."""
    if not isinstance(expr, sp.Basic) or not any(
            _is_long(e) for e in sp.preorder_traversal(expr)):
        return expr
    return _rebuild(expr)


def _rebuild(expr: sp.Basic) -> sp.Basic:
    if not expr.args or isinstance(expr, (sp.Symbol, sp.Number)):
        return expr
    args = [_rebuild(a) for a in expr.args]
    if _is_long(expr):
        cls = type(expr)
        while len(args) > LONG:
            args = [cls(*args[k:k + LONG], evaluate=False) for k in range(0, len(args), LONG)]
        return cls(*args, evaluate=False)
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args, evaluate=False) if isinstance(expr, (sp.Add, sp.Mul, sp.Pow)) \
        else expr.func(*args)


def multiplied_power(expr: sp.Pow) -> int | None:
    """3 or 4 where both printers write ``x**n`` of a name ``x`` as products (``(x*x)*x``,
    ``(x*x)*(x*x)``: a Hodgkin-Huxley ``m**3*h``, ``n**4``) instead of calling libm's ``pow``
    where a product is one instruction; None for every other power."""
    ex = expr.exp
    if isinstance(expr.base, sp.Symbol) and ex.is_Integer and int(ex) in (3, 4):
        return int(ex)
    return None


def power_text(b: str, n: int) -> str:
    """The text of :func:`multiplied_power`'s products of the printed base ``b`` (C and Python
    evaluate it in the same order)."""
    return f"(({b})*({b})*({b}))" if n == 3 else f"((({b})*({b}))*(({b})*({b})))"
