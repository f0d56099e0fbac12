"""Explicit Runge-Kutta methods written as data: a Butcher tableau interpreted into statements.

A tableau ``(a, b)`` with stage times ``c_i = sum(a[i])`` defines, for every state ``X``,

    _k{i}_X = dt*f(X + sum_j a[i][j]*_k{j}_X, t + c_i*dt)        i = 1..s
    X_new   = X + sum_i b[i]*_k{i}_X

(every state shifted by its own stages, ``t`` by the stage time). Adding a method is a subclass
with a name, an order and a tableau; :class:`RK2`, :class:`RK4` and :class:`Heun` are three.

Conventions every method here follows:

- external calls (``I_in(t)``) are frozen at the step's start, never evaluated at stage times;
  explicit ``t`` in a right-hand side is evaluated at the stage times;
- a random draw (``rand()``, ``randn()``) is one number per step: it is drawn once into a
  temporary before the stages, and every stage reads that temporary;
- white noise (``xi``) is only accepted by a tableau marked ``stochastic``: each stage's
  increment then adds ``g*dW`` with one Wiener increment per noise symbol per step, shared by
  all stages. For Heun that is the stochastic Heun scheme, which converges to the
  *Stratonovich* solution (the same as Ito's for additive noise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

from .base import DiscretizationError, Method, freeze_calls, hold_draws, state_symbols
from .euler import noise_increments, noise_symbols, split_noise

__all__ = ["RK2", "RK4", "ExplicitRungeKutta", "Heun", "Tableau"]


@dataclass(frozen=True)
class Tableau:
    """The Butcher tableau of an explicit method: ``a[i]`` holds the weights of the earlier
    stages in stage ``i`` (``a[0]`` is empty), ``b`` the weights of the final combination.
    Entries are anything SymPy reads exactly: ``1``, ``"1/2"``, ``sp.Rational(1, 6)``."""

    a: tuple[tuple[sp.Rational, ...], ...]
    b: tuple[sp.Rational, ...]

    def __init__(self, a: Sequence[Sequence[object]], b: Sequence[object]) -> None:
        rows = tuple(tuple(sp.Rational(x) for x in row) for row in a)
        weights = tuple(sp.Rational(x) for x in b)
        if len(rows) != len(weights) or any(len(r) != i for i, r in enumerate(rows)):
            raise ValueError("an explicit tableau needs s weights and rows of length 0..s-1")
        if sum(weights) != 1:
            raise ValueError(f"the weights {weights} do not sum to 1: the method is inconsistent")
        object.__setattr__(self, "a", rows)
        object.__setattr__(self, "b", weights)

    @property
    def c(self) -> tuple[sp.Rational, ...]:
        """Stage times as fractions of the step: ``c_i = sum(a[i])``."""
        return tuple(sum(row, sp.S.Zero) for row in self.a)


class ExplicitRungeKutta(Method):
    """An explicit Runge-Kutta method defined by :attr:`tableau` (see the module docstring).

    ``stochastic = True`` lets white noise in, each stage adding ``g(stage state)*dW``; that
    is sound for Heun-type schemes (Stratonovich) and is refused for the others.
    """

    tableau: ClassVar[Tableau]
    stochastic: ClassVar[bool] = False

    def discretize(self, odes: Mapping[str, sp.Expr]) -> list[Assign]:
        """Stage increments ``_k{i}_X`` for all states, stage by stage, then ``X_new``."""
        dt, t = symbol("dt"), symbol("t")
        names = list(odes)
        states = state_symbols(odes)
        taken = set(names) | {f"{n}_new" for n in names}

        if not self.stochastic:
            for name, rhs in odes.items():
                if noise_symbols(rhs):
                    raise DiscretizationError(
                        f"the equation of {name!r} contains white noise "
                        f"({', '.join(s.name for s in noise_symbols(rhs))}); method "
                        f"{self.name!r} is for deterministic equations: use method='heun' "
                        "(Stratonovich) or 'euler' (Ito, Euler-Maruyama)"
                    )
        frozen = freeze_calls(odes)
        held, temporaries = hold_draws(frozen.odes, taken)
        increments, noise_draws = noise_increments(held, taken)
        temporaries += noise_draws
        parts = {name: split_noise(name, rhs) for name, rhs in held.items()}

        tab = self.tableau
        ks: list[dict[str, sp.Symbol]] = []
        for i, (row, c) in enumerate(zip(tab.a, tab.c, strict=True), start=1):
            shift = {
                states[n]: states[n]
                + sum((w * k[n] for w, k in zip(row, ks, strict=True)), sp.S.Zero)
                for n in names
            }
            if c != 0:
                shift[t] = t + c * dt
            stage: dict[str, sp.Symbol] = {}
            for name in names:
                drift, diffusion = parts[name]
                value = dt * drift.xreplace(shift)
                for xi, g in diffusion.items():
                    value += g.xreplace(shift) * increments[xi]
                target = self._stage_name(i, name, taken)
                temporaries.append(Assign(target, frozen.restore(value)))
                stage[name] = symbol(target)
            ks.append(stage)

        updates = []
        for name in names:
            total = sum((w * k[name] for w, k in zip(tab.b, ks, strict=True) if w != 0), sp.S.Zero)
            # (_k1_U + 2*_k2_U + 2*_k3_U + _k4_U)/6 rather than four separate fractions
            updates.append(Assign(f"{name}_new", states[name] + sp.factor_terms(total)))
        return temporaries + updates

    @staticmethod
    def _stage_name(i: int, name: str, taken: set[str]) -> str:
        """``_k{i}_X``, the increment of stage ``i`` for ``X`` (unique: states never start
        with an underscore; a clash with another temporary gets a numeric suffix)."""
        base = target = f"_k{i}_{name}"
        extra = 0
        while target in taken:
            extra += 1
            target = f"{base}_{extra}"
        taken.add(target)
        return target


class RK2(ExplicitRungeKutta):
    """Second-order Runge-Kutta, midpoint rule: one Euler half step, then the full step with
    the slope at the midpoint."""

    name = "rk2"
    order = 2
    tableau = Tableau(a=[[], ["1/2"]], b=[0, 1])


class RK4(ExplicitRungeKutta):
    """The classical fourth-order Runge-Kutta method."""

    name = "rk4"
    order = 4
    tableau = Tableau(a=[[], ["1/2"], [0, "1/2"], [0, 0, 1]], b=["1/6", "1/3", "1/3", "1/6"])


class Heun(ExplicitRungeKutta):
    """Heun's method (explicit trapezoid rule), order 2 for ODEs.

    With white noise it is the stochastic Heun scheme: the predictor ``X + k1`` includes
    ``g*dW``, the corrector averages drift and diffusion at both ends with the same ``dW``.
    It converges to the Stratonovich solution; strong order 0.5 in general, 1 for additive or
    commutative (e.g. scalar) noise.
    """

    name = "heun"
    order = 2
    strong_order = 0.5
    stochastic = True
    tableau = Tableau(a=[[], [1]], b=["1/2", "1/2"])
