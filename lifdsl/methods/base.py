"""What every integration method shares: the result type, the error, the method interface and
the helpers that hold external calls and random draws fixed over one step."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import ClassVar

import sympy as sp

from lifdsl.equations.functions import RANDOM_FUNCTIONS, external_calls, symbol
from lifdsl.equations.statements import Assign

__all__ = [
    "DiscreteUpdate",
    "DiscretizationError",
    "FrozenCalls",
    "Method",
    "freeze_calls",
    "hold_draws",
    "new_name",
    "random_calls",
    "state_symbols",
]


class DiscretizationError(ValueError):
    """A system of equations the requested method cannot turn into a discrete update; the
    message names the variable and the reason (and a method that would work, where one does)."""


@dataclass(frozen=True)
class DiscreteUpdate:
    """The discrete update of a system of ODEs: abstract code for one time step.

    ``statements`` holds optional temporaries (targets starting with ``_``), then one
    ``X_new = ...`` per state variable in the order of the ODEs. It never assigns a state
    variable itself: the caller commits ``X = X_new`` once all ``X_new`` are computed, so
    every right-hand side sees the values at the start of the step.
    """

    statements: tuple[Assign, ...]
    method: str
    order: int

    def __iter__(self) -> Iterator[Assign]:
        return iter(self.statements)

    def __len__(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(str(s) for s in self.statements)


class Method:
    """An integration method: a name, the global order of accuracy it claims (tests measure
    it), and :meth:`discretize`. Subclass and add an instance to ``METHODS`` to add one.

    ``strong_order`` is the pathwise order for equations with white noise (``xi``), ``None``
    for a method that refuses noise.
    """

    name: ClassVar[str]
    order: ClassVar[int]
    strong_order: ClassVar[float | None] = None

    def discretize(self, odes: Mapping[str, sp.Expr]) -> list[Assign]:
        """Statements computing ``X_new`` for every state ``X`` of ``odes`` (``X -> dX/dt``)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<method {self.name!r}, order {self.order}>"


def new_name(prefix: str, taken: set[str]) -> str:
    """A temporary name ``_prefix_k`` not in ``taken`` (and then added to it)."""
    k = 0
    while f"_{prefix}_{k}" in taken:
        k += 1
    name = f"_{prefix}_{k}"
    taken.add(name)
    return name


@dataclass(frozen=True)
class FrozenCalls:
    """ODEs with each external call (``I_in(t)``) replaced by a placeholder symbol, so that
    methods treat it as a constant over the step; :meth:`restore` puts the calls back."""

    odes: dict[str, sp.Expr]
    placeholders: dict[sp.Symbol, sp.Expr]

    def restore(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` with every placeholder replaced by the call it stands for."""
        if not self.placeholders:
            return expr
        return expr.xreplace(self.placeholders)


def freeze_calls(odes: Mapping[str, sp.Expr]) -> FrozenCalls:
    """Replace every applied undefined function (TimedArray, user function) by a dummy.

    Every method holds such inputs constant over a step, evaluated at the step's start; after
    freezing, a method sees a plain constant and cannot shift its time argument by accident.
    A call of a state variable (a user function ``f(v)``) is part of the dynamics and stays:
    a method sees it as the nonlinear term it is.
    """
    states = set(odes)
    calls: set[sp.Expr] = set()
    for rhs in odes.values():
        calls |= {c for c in external_calls(rhs)
                  if not {s.name for s in c.free_symbols} & states}
    placeholders = {}
    forward = {}
    for k, call in enumerate(sp.ordered(calls)):
        dummy = sp.Dummy(f"{call.func.__name__}_{k}", real=True)
        placeholders[dummy] = call
        forward[call] = dummy
    frozen = {name: rhs.xreplace(forward) for name, rhs in odes.items()}
    return FrozenCalls(frozen, placeholders)


def random_calls(expr: sp.Expr) -> set[sp.Expr]:
    """The random draws (``rand()``, ``randn()``) in ``expr``."""
    return {f for f in expr.atoms(sp.Function) if isinstance(f, RANDOM_FUNCTIONS)}


def hold_draws(
    odes: Mapping[str, sp.Expr], taken: set[str]
) -> tuple[dict[str, sp.Expr], list[Assign]]:
    """Move every random draw of ``odes`` into a temporary (``_rand_0 = rand()``).

    A draw in a right-hand side is one number per step. A method that evaluates the
    right-hand side several times (stages) or writes a term twice would otherwise draw again at
    each occurrence; after this, every occurrence reads the same temporary. Returns the ODEs
    with the draws replaced and the statements that make the draws (``taken`` is updated).
    """
    draws: set[sp.Expr] = set()
    for rhs in odes.values():
        draws |= random_calls(rhs)
    if not draws:
        return dict(odes), []
    temporaries, replace = [], {}
    for draw in sp.ordered(draws):
        name = new_name(draw.func.__name__, taken)
        temporaries.append(Assign(name, draw))
        replace[draw] = symbol(name)
    return {name: rhs.xreplace(replace) for name, rhs in odes.items()}, temporaries


def state_symbols(odes: Mapping[str, sp.Expr]) -> dict[str, sp.Symbol]:
    """Name -> symbol of each state variable, in the order of ``odes``."""
    return {name: symbol(name) for name in odes}
