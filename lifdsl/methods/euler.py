"""Forward Euler: ``X_new = X + dt*f(X, t)``, the simplest update and the teaching baseline.

White noise (``xi``, or names starting ``xi_``) is integrated the Euler-Maruyama way: a term
``g*xi`` contributes ``g*sqrt(dt)*randn()``, one draw per noise symbol per step, shared by
every equation that names the same symbol.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from lifdsl.equations.functions import randn, symbol
from lifdsl.equations.statements import Assign

from .base import DiscretizationError, Method, new_name, state_symbols

__all__ = ["Euler", "noise_increments", "noise_symbols", "split_noise"]


def noise_symbols(expr: sp.Expr) -> list[sp.Symbol]:
    """White-noise symbols in ``expr`` (``xi`` and ``xi_*``), in a stable order."""
    found = [s for s in expr.free_symbols if s.name == "xi" or s.name.startswith("xi_")]
    return list(sp.ordered(found))


def split_noise(name: str, rhs: sp.Expr) -> tuple[sp.Expr, dict[sp.Symbol, sp.Expr]]:
    """``dX/dt = f + sum(g_j*xi_j)`` as the drift ``f`` and ``{xi_j: g_j}``; raises
    :class:`DiscretizationError` naming ``name`` if a noise does not enter linearly."""
    noises = noise_symbols(rhs)
    if not noises:
        return rhs, {}
    drift = rhs.subs({xi: 0 for xi in noises})
    diffusion = {}
    for xi in noises:
        g = sp.diff(rhs, xi)
        if g.has(*noises):
            raise DiscretizationError(
                f"the equation of {name!r} is not linear in the noise {xi.name!r}: "
                "white noise must enter as (expression)*xi"
            )
        diffusion[xi] = g
    return drift, diffusion


def noise_increments(
    odes: Mapping[str, sp.Expr], taken: set[str]
) -> tuple[dict[sp.Symbol, sp.Symbol], list[Assign]]:
    """One Wiener increment per noise symbol of ``odes``: ``_dW_xi_0 = sqrt(dt)*randn()``,
    shared by every equation that names the same symbol. Returns ``{xi: _dW}`` and the
    statements that draw them (``taken`` is updated)."""
    dt = symbol("dt")
    noises: list[sp.Symbol] = []
    for rhs in odes.values():
        for xi in noise_symbols(rhs):
            if xi not in noises:
                noises.append(xi)
    increments: dict[sp.Symbol, sp.Symbol] = {}
    temporaries: list[Assign] = []
    for xi in noises:
        name = new_name(f"dW_{xi.name}", taken)
        temporaries.append(Assign(name, sp.sqrt(dt) * randn()))
        increments[xi] = symbol(name)
    return increments, temporaries


class Euler(Method):
    """Forward Euler, global order 1 (Euler-Maruyama where the equations contain ``xi``)."""

    name = "euler"
    order = 1
    strong_order = 0.5

    def discretize(self, odes: Mapping[str, sp.Expr]) -> list[Assign]:
        """``X_new = X + dt*dX/dt`` for every state, right-hand sides at the step's start."""
        dt = symbol("dt")
        states = state_symbols(odes)
        taken = set(odes) | {f"{n}_new" for n in odes}
        increments, temporaries = noise_increments(odes, taken)
        updates = []
        for name, rhs in odes.items():
            drift, diffusion = split_noise(name, rhs)
            noise = sp.Add(*[g * increments[xi] for xi, g in diffusion.items()])
            step = sp.Mul(dt, drift) if drift != 0 else sp.S.Zero
            updates.append(Assign(f"{name}_new", states[name] + step + noise))
        return temporaries + updates
