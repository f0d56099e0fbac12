"""Each method's own update formula, before it is applied to a model: ``x_new = x + dt*f(x, t)``
for Euler, the stages of a Runge-Kutta tableau, the text a user registered. The teaching view
(:func:`lifdsl.explain`) shows it above the update it gives for one model.

Formulas are SymPy expressions of ``x`` (the state), ``t``, ``dt`` and an undefined function
``f`` (the right-hand side ``dx/dt = f(x, t)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .base import Method

__all__ = ["Formula", "GENERIC", "latex_names", "method_formula", "to_latex"]

X, T, DT = sp.Symbol("x"), sp.Symbol("t"), sp.Symbol("dt")
F = sp.Function("f")
#: What the generic symbols stand for, said once above a method's formula.
GENERIC = "for dx/dt = f(x, t), one step from t to t + dt"


def latex_names(expr: sp.Basic) -> dict[sp.Symbol, str]:
    """LaTeX names for lifdsl's symbols that SymPy would print badly: ``dU/dt`` as a fraction,
    temporaries ``_k1_U`` as ``k_{1,U}``, ``U_new`` as ``U_{\\mathrm{new}}``."""
    names: dict[sp.Symbol, str] = {}
    for s in expr.free_symbols:
        if not isinstance(s, sp.Symbol):
            continue
        name = s.name
        if name.startswith("d") and name.endswith("/dt"):
            inner = sp.latex(sp.Symbol(name[1:-3]))
            names[s] = rf"\frac{{d{inner}}}{{dt}}"
        elif name.startswith("_"):
            head, *rest = name[1:].split("_")
            digits = head.lstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
            letters = head[: len(head) - len(digits)] or head
            sub = [p for p in [digits, *rest] if p]
            base = sp.latex(sp.Symbol(letters))
            names[s] = f"{base}_{{{','.join(sub)}}}" if sub else base
        elif name.endswith("_new"):
            names[s] = _subscripted(name[:-4], r"\mathrm{new}")
        elif name.endswith(")") and "(" in name:      # U(t), I_s(t + dt)
            head, _, arg = name.partition("(")
            names[s] = f"{_subscripted(head)}({arg}"
    return names


def _subscripted(name: str, extra: str | None = None) -> str:
    """``I_s`` as ``I_{s}``; with ``extra``, ``I_{s,extra}`` (never a double subscript)."""
    base, _, sub = name.partition("_")
    subs = [sp.latex(sp.Symbol(sub))] if sub else []
    if extra:
        subs.append(extra)
    head = sp.latex(sp.Symbol(base))
    return f"{head}_{{{','.join(subs)}}}" if subs else head


def to_latex(expr: sp.Basic, order: str = "old") -> str:
    """LaTeX of ``expr`` with :func:`latex_names`, terms in the order a person writes them."""
    return sp.latex(expr, order=order, symbol_names=latex_names(expr))


@dataclass(frozen=True)
class Formula:
    """One line of a formula: ``lhs = rhs``; ``lhs`` and ``lhs_latex`` are written out (they
    may be ``U(t + dt)`` or a vector), ``rhs`` is SymPy (a Matrix for a matrix form)."""

    lhs: str
    rhs: sp.Basic
    lhs_latex: str | None = None
    order: str = "old"
    rhs_text: str | None = None      # written out where SymPy would evaluate the product
    rhs_latex: str | None = None

    def __str__(self) -> str:
        rhs = self.rhs_text if self.rhs_text is not None else sp.sstr(self.rhs, order=self.order)
        return f"{self.lhs} = {rhs}"

    def to_latex(self) -> str:
        """``lhs = rhs`` in LaTeX."""
        lhs = self.lhs_latex if self.lhs_latex is not None else to_latex(sp.Symbol(self.lhs))
        rhs = self.rhs_latex if self.rhs_latex is not None else to_latex(self.rhs, self.order)
        return f"{lhs} = {rhs}"


def _plus(*terms: sp.Basic) -> sp.Basic:
    """``terms`` summed as written (printed with ``order='none'``)."""
    terms = tuple(t for t in terms if t != 0)
    if not terms:
        return sp.S.Zero
    return terms[0] if len(terms) == 1 else sp.Add(*terms, evaluate=False)


def _weighted(weights, ks) -> sp.Basic:
    """``sum w_i*k_i`` over one common denominator: ``(k_1 + 2*k_2 + 2*k_3 + k_4)/6``."""
    pairs = [(sp.Rational(w), k) for w, k in zip(weights, ks, strict=False) if w != 0]
    if not pairs:
        return sp.S.Zero
    den = sp.ilcm(*[w.q for w, _ in pairs]) if len(pairs) > 1 else pairs[0][0].q
    inner = _plus(*[k if w * den == 1 else sp.Mul(w * den, k, evaluate=False)
                    for w, k in pairs])
    if den == 1:
        return inner
    return sp.Mul(inner, sp.Pow(den, -1, evaluate=False), evaluate=False)


def _runge_kutta(method: Method) -> tuple[Formula, ...]:
    tab = method.tableau  # type: ignore[attr-defined]
    ks = [sp.Symbol(f"k_{i}") for i in range(1, len(tab.b) + 1)]
    lines = []
    for i, (row, c) in enumerate(zip(tab.a, tab.c, strict=True)):
        time = _plus(T, DT if c == 1 else sp.Mul(c, DT, evaluate=False)) if c != 0 else T
        stage = sp.Mul(DT, F(_plus(X, _weighted(row, ks)), time), evaluate=False)
        lines.append(Formula(f"k_{i + 1}", stage, order="none"))
    lines.append(Formula("x_new", _plus(X, _weighted(tab.b, ks)), order="none"))
    return tuple(lines)


def method_formula(method: Method) -> tuple[Formula, ...]:
    """The update rule of ``method`` for a generic ``dx/dt = f(x, t)``; empty where the method
    has no formula of that kind (``exact`` is shown as the model's closed form instead)."""
    from .runge_kutta import ExplicitRungeKutta

    own = getattr(method, "formula", None)
    if own is not None:              # a method written as text carries its own lines
        return tuple(own)
    if isinstance(method, ExplicitRungeKutta):
        return _runge_kutta(method)
    a, b = sp.Symbol("a"), sp.Symbol("b")
    if method.name == "euler":
        return (Formula("x_new", _plus(X, sp.Mul(DT, F(X, T), evaluate=False)),
                        order="none"),)
    if method.name == "exponential_euler":
        # dx/dt = a*x + b with a, b read at the step's start (they may depend on other states)
        return (Formula("a", sp.Derivative(F(X, T), X)),
                Formula("b", F(X, T) - a * X),
                Formula("x_new", sp.Add(-b / a, sp.Mul(sp.Add(X, b / a, evaluate=False),
                                                       sp.exp(a * DT), evaluate=False),
                                        evaluate=False), order="none"))
    if method.name == "milstein":
        g, dw = sp.Function("g"), sp.Symbol("dW")
        correction = sp.Mul(sp.Rational(1, 2), g(X, T), sp.Derivative(g(X, T), X),
                            _plus(dw**2, -DT), evaluate=False)
        return (Formula("x_new", _plus(X, sp.Mul(DT, F(X, T), evaluate=False),
                                       sp.Mul(g(X, T), dw, evaluate=False), correction),
                        order="none"),)
    return ()
