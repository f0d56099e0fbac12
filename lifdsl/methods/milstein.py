"""Milstein: Euler-Maruyama plus the correction that makes multiplicative noise strong order 1.

For ``dX_i = f_i dt + sum_j g_ij dW_j`` (Ito, like ``euler``) the step is

    X_i_new = X_i + f_i*dt + sum_j g_ij*dW_j + 1/2 sum_jk (L_j g_ik)*(dW_j*dW_k - [j == k]*dt)

with ``L_j = sum_l g_lj d/dX_l``. The derivatives are taken symbolically. The product form of
the double integrals is right only for *commutative* noise (``L_j g_ik == L_k g_ij``; always
true for a single noise source or diagonal noise); other systems would need Levy areas and are
refused. With additive noise the correction vanishes and the update is Euler-Maruyama's.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

from .base import DiscretizationError, Method, freeze_calls, hold_draws, state_symbols
from .euler import noise_increments, split_noise

__all__ = ["Milstein"]


class Milstein(Method):
    """Ito Milstein for commutative noise: global order 1 (ODEs), strong order 1."""

    name = "milstein"
    order = 1
    strong_order = 1.0

    def discretize(self, odes: Mapping[str, sp.Expr]) -> list[Assign]:
        """``X_new`` by the Milstein scheme, every right-hand side at the step's start."""
        dt = symbol("dt")
        names = list(odes)
        states = state_symbols(odes)
        taken = set(names) | {f"{n}_new" for n in names}
        frozen = freeze_calls(odes)
        held, temporaries = hold_draws(frozen.odes, taken)
        increments, noise_draws = noise_increments(held, taken)
        temporaries += noise_draws
        noises = list(increments)
        drift, diffusion = {}, {}
        for name in names:
            drift[name], parts = split_noise(name, held[name])
            diffusion[name] = {xi: parts.get(xi, sp.S.Zero) for xi in noises}

        def lie(j: sp.Symbol, expr: sp.Expr) -> sp.Expr:
            """``L_j expr``: the derivative of ``expr`` along the noise direction ``j``."""
            return sp.Add(*[diffusion[n][j] * sp.diff(expr, states[n]) for n in names])

        updates = []
        for name in names:
            g = diffusion[name]
            correction = sp.S.Zero
            for a, j in enumerate(noises):
                dwj = increments[j]
                correction += lie(j, g[j]) * (dwj**2 - dt) / 2
                for k in noises[a + 1 :]:
                    jk, kj = lie(j, g[k]), lie(k, g[j])
                    if sp.expand(jk - kj) != 0 and sp.simplify(jk - kj) != 0:
                        raise DiscretizationError(
                            f"the noise in the equation of {name!r} is not commutative "
                            f"({j.name} and {k.name} act through each other): Milstein would "
                            "need Levy areas; use method='euler' (Ito) or 'heun' (Stratonovich)"
                        )
                    correction += jk * dwj * increments[k]
            step = sp.Mul(dt, drift[name]) if drift[name] != 0 else sp.S.Zero
            noise = sp.Add(*[g[xi] * increments[xi] for xi in noises])
            value = states[name] + step + noise + sp.factor_terms(correction)
            updates.append(Assign(f"{name}_new", frozen.restore(value)))
        return temporaries + updates
