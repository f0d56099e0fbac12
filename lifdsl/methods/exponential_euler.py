"""Exponential Euler: exact decay for equations linear in their own variable.

Each equation must read ``dX/dt = a*X + b`` where ``a`` and ``b`` may depend on the other
variables (Hodgkin-Huxley gates: ``a = -(alpha_m + beta_m)``, ``b = alpha_m``). As in
Brian2, ``a`` may also hold ``X`` inside a function (Morris-Lecar's
``m_inf(v)*(v - E_Ca)``): the expanded right-hand side is split into the terms with ``X`` as
a factor (``a*X``) and the rest (``b``), both read at the step's start; only another power of
``X`` (``X**2``, ``X**3``) is refused. Holding ``a`` and ``b`` at their start-of-step
values, the step is solved exactly:

    X_new = A + (X - A)*exp(-dt/B)        A = -b/a (the fixed point), B = -1/a (time constant)

Where SymPy cannot prove ``a != 0`` (a conductance that may be zero), the same update is
written ``X_new = X + dt*(a*X + b)*exprel(a*dt)``, which is finite and equals Euler when
``a = 0``. Exact for a single linear equation with constant coefficients; global order 1 when
variables are coupled (each sees the others frozen over the step) or ``a``, ``b`` depend on
``t`` (read at the step's start). External calls are frozen, random draws made once into
temporaries (``A`` is written twice), white noise refused.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from lifdsl.equations.functions import exprel, symbol
from lifdsl.equations.statements import Assign

from .base import (
    DiscretizationError,
    FrozenCalls,
    Method,
    freeze_calls,
    hold_draws,
    state_symbols,
)
from .euler import noise_symbols

__all__ = ["ExponentialEuler", "linear_in_itself"]

#: Coefficients with more operations than this get a temporary of their own (``_a_m``), so the
#: update of an HH gate stays readable and computes ``alpha_m + beta_m`` once.
_INLINE_OPS = 6


def linear_in_itself(name: str, rhs: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """``(a, b)`` with ``rhs == a*X + b`` for ``X = name``, ``a`` and ``b`` free of ``X``;
    raises :class:`DiscretizationError` naming the variable otherwise."""
    x = symbol(name)
    a = sp.diff(rhs, x)
    if a.has(x) and not a.has(sp.Derivative):
        split = _split_as_brian2(x, rhs)
        if split is not None:
            return split
    if a.has(x) or a.has(sp.Derivative):
        raise DiscretizationError(
            f"the equation of {name!r} is not linear in {name!r} (d/d{name} of d{name}/dt = "
            f"{sp.sstr(a)} depends on {name}): exponential Euler needs dX/dt = a*X + b with "
            "a, b free of X; use method='rk4', 'rk2' or 'euler'"
        )
    b = rhs.xreplace({x: sp.S.Zero})
    if b.has(sp.nan, sp.zoo) or b.has(x):
        raise DiscretizationError(
            f"the equation of {name!r} is not of the form a*{name} + b "
            f"(d{name}/dt = {sp.sstr(rhs)}); use method='rk4', 'rk2' or 'euler'"
        )
    residual = rhs - a * x - b
    if sp.expand(residual) != 0 and sp.simplify(residual) != 0:
        raise DiscretizationError(
            f"the equation of {name!r} is not of the form a*{name} + b (could not separate "
            f"{sp.sstr(rhs)}); use method='rk4', 'rk2' or 'euler'"
        )
    return a, b


def _split_as_brian2(x: sp.Symbol, rhs: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    """``(a, b)`` as Brian2 separates ``rhs``: expanded, the terms with ``x`` itself as a factor
    (to the first power) give ``a``, the others ``b``; ``a`` and ``b`` may still hold ``x``
    inside functions (Morris-Lecar's ``m_inf(v)*(v - E_Ca)``) and are read at the step's
    start. None where a term has another power of ``x``."""
    expanded = sp.expand(rhs)
    parts = sp.collect(expanded, x, evaluate=False)
    if set(parts) - {x, sp.S.One} or x not in parts:
        return None
    a, b = parts[x], parts.get(sp.S.One, sp.S.Zero)
    if sp.expand(a * x + b - expanded) != 0:
        return None
    return a, b


class ExponentialEuler(Method):
    """Exponential Euler, global order 1 (exact for one linear equation with constant
    coefficients); see the module docstring for the update."""

    name = "exponential_euler"
    order = 1

    def discretize(self, odes: Mapping[str, sp.Expr]) -> list[Assign]:
        """``X_new = A + (X - A)*exp(a*dt)`` per state, coefficients at the step's start."""
        dt = symbol("dt")
        names = list(odes)
        states = state_symbols(odes)
        for name, rhs in odes.items():
            if noise_symbols(rhs):
                raise DiscretizationError(
                    f"the equation of {name!r} contains white noise "
                    f"({', '.join(s.name for s in noise_symbols(rhs))}); exponential Euler is "
                    "for deterministic equations: use method='euler' (Ito, Euler-Maruyama) or "
                    "'heun' (Stratonovich)"
                )
        taken = set(names) | {f"{n}_new" for n in names}
        frozen = freeze_calls(odes)
        held, temporaries = hold_draws(frozen.odes, taken)
        updates = []
        for name in names:
            x = states[name]
            a, b = linear_in_itself(name, held[name])
            if a == 0:
                value = x + dt * b
            elif a.is_zero is False:
                fixed = sp.factor_terms(-b / a)  # A, the value X relaxes to
                a = self._named(a, f"a_{name}", taken, temporaries, frozen)
                fixed = self._named(fixed, f"A_{name}", taken, temporaries, frozen)
                value = fixed + (x - fixed) * sp.exp(a * dt)
            else:
                # a may be 0 for some values: X + (A - X)*(1 - exp(a*dt)) without dividing by a
                rhs = held[name]
                named = self._named(a, f"a_{name}", taken, temporaries, frozen)
                if named != a:
                    rhs = named * x + b
                value = x + dt * rhs * exprel(named * dt)
            updates.append(Assign(f"{name}_new", frozen.restore(value)))
        return temporaries + updates

    @staticmethod
    def _named(
        expr: sp.Expr,
        prefix: str,
        taken: set[str],
        temporaries: list[Assign],
        frozen: FrozenCalls,
    ) -> sp.Expr:
        """``expr`` itself if short, else a new temporary ``_prefix`` holding it (appended to
        ``temporaries``): long coefficients are computed once and keep the update readable."""
        if sp.count_ops(expr) <= _INLINE_OPS:
            return expr
        target = f"_{prefix}"
        extra = 0
        while target in taken:
            extra += 1
            target = f"_{prefix}_{extra}"
        taken.add(target)
        temporaries.append(Assign(target, frozen.restore(expr)))
        return symbol(target)
