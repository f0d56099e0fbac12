"""Exact integration of linear systems with coefficients constant over a step.

For ``dX/dt = A X + b`` (``A`` and ``b`` free of the state, of ``t`` and, for ``A``, of random
draws) the update ``[X_new; 1] = exp(M*dt) [X; 1]`` with ``M = [[A, b], [0, 0]]`` is exact.

Most neuron models are *triangular*: ordered by dependence, no variable feeds back into one
it depends on (LIF, LIF with any number of exponential or alpha-shaped currents). Then every
entry of ``exp(M*dt)`` is a sum over dependency paths of the product of the couplings along
the path times a divided difference of ``x -> exp(dt*x)`` over the decay rates on the path
(see :mod:`.divided_differences`). That gives the textbook closed forms where SymPy can prove
rates differ, and finite forms (``exprel``, ``expdd``) where rates may coincide (membrane and
synaptic time constants equal), the case where the classic formula divides by
``tau_m - tau_s``. It is also fast: no eigen-decomposition, no ``simplify`` of large
expressions.

Systems with feedback (a cycle in the dependence graph, e.g. complex eigenvalues) fall back
to SymPy's ``Matrix.exp`` of the augmented matrix for a 2x2 coupled block with integer,
rational or symbolic coefficients whose eigenvalues have a known form (a damped rotation);
otherwise it is refused quickly (SymPy can take minutes or recurse without end on floats and
general symbols, and square roots of discriminants of unknown sign would give NaN),
suggesting 'rk4'.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import sympy as sp

from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

from .base import (
    DiscretizationError,
    Method,
    freeze_calls,
    new_name,
    random_calls,
    state_symbols,
)
from .divided_differences import exp_divided_difference
from .euler import noise_symbols

__all__ = ["EXACT_ORDER", "Exact", "linear_system"]

#: The order :class:`Exact` reports: it has no truncation error, so a sentinel larger than the
#: order of any numerical method (comparisons such as ``order >= 2`` then do the right thing).
EXACT_ORDER = 100


def linear_system(
    odes: Mapping[str, sp.Expr],
) -> tuple[sp.Matrix, sp.Matrix]:
    """Split ``dX/dt = f(X)`` into ``A X + b``; ``odes`` must already have external calls
    frozen. Raises :class:`DiscretizationError` naming the variable when an equation is not
    linear in the state, or has explicit ``t`` or random draws in ``A``."""
    names = list(odes)
    states = state_symbols(odes)
    n = len(names)
    a = sp.zeros(n, n)
    b = sp.zeros(n, 1)
    t = symbol("t")
    for i, (name, rhs) in enumerate(odes.items()):
        if noise_symbols(rhs):
            raise DiscretizationError(
                f"the equation of {name!r} contains white noise "
                f"({', '.join(s.name for s in noise_symbols(rhs))}); exact integration is for "
                "deterministic systems: use method='euler'"
            )
        if rhs.has(t):
            raise DiscretizationError(
                f"the equation of {name!r} depends explicitly on time t: its coefficients are "
                "not constant over a step, so exact integration does not apply. Feed "
                "time-varying input through a TimedArray (held constant over a step) or use "
                "method='euler'"
            )
        for j, other in enumerate(names):
            coeff = sp.diff(rhs, states[other])
            bad = [s for s in names if coeff.has(states[s])]
            if bad:
                raise DiscretizationError(
                    f"the equation of {name!r} is not linear in {other!r} (d/d{other} of "
                    f"d{name}/dt = {sp.sstr(coeff)} depends on {', '.join(bad)}): exact "
                    "integration needs a linear system; use method='euler'"
                )
            if random_calls(coeff):
                raise DiscretizationError(
                    f"the coefficient of {other!r} in the equation of {name!r} contains a "
                    f"random draw ({sp.sstr(coeff)}): exact integration needs coefficients "
                    "fixed over a step; use method='euler'"
                )
            a[i, j] = coeff
        b[i] = rhs.xreplace({s: sp.S.Zero for s in states.values()})
        residual = rhs - sum(a[i, j] * states[o] for j, o in enumerate(names)) - b[i]
        if sp.expand(residual) != 0 and sp.simplify(residual) != 0:
            raise DiscretizationError(
                f"the equation of {name!r} is not of the form A*state + b (could not separate "
                f"{sp.sstr(rhs)}); use method='euler'"
            )
    return a, b


def _safe_symbolic_block(a: sp.Matrix) -> bool:
    """True if SymPy's matrix exponential of the coupled ``a`` is quick and real-valued: at
    most 2x2, with eigenvalues whose square roots have a known sign (e.g. a damped rotation
    -1/tau +- i*w). A general symbolic 2x2 has sqrt(discriminant) of unknown sign: NaN for one
    of the two cases, and SymPy may take minutes on it."""
    if a.shape[0] > 2 or a.atoms(sp.Float):
        return False  # floats send SymPy's matrix exponential into a recursion
    for ev in a.eigenvals():
        for p in ev.atoms(sp.Pow):
            if p.exp.is_integer:
                continue
            if p.base.is_nonnegative is not True and p.base.is_nonpositive is not True:
                return False
    return True


def _has_cycle(m: sp.Matrix) -> bool:
    """True if the off-diagonal dependence graph of ``m`` (edge j -> i where m[i, j] != 0)
    has a cycle, i.e. the system cannot be permuted to triangular form."""
    n = m.shape[0]
    succ = {j: [i for i in range(n) if i != j and m[i, j] != 0] for j in range(n)}
    state = [0] * n  # 0 new, 1 on stack, 2 done

    def visit(v: int) -> bool:
        state[v] = 1
        for w in succ[v]:
            if state[w] == 1 or (state[w] == 0 and visit(w)):
                return True
        state[v] = 2
        return False

    return any(state[v] == 0 and visit(v) for v in range(n))


def _triangular_exponential_rows(m: sp.Matrix, h: sp.Expr, rows: list[int]) -> list[list]:
    """Rows of ``exp(m*h)`` for a matrix with an acyclic off-diagonal graph, by the path
    formula: entry (i, j) sums, over paths j = s0 -> s1 -> ... -> sk = i, the product of
    ``m[s_{l+1}, s_l]`` times the divided difference of exp(h*x) over ``m[s_l, s_l]``."""
    n = m.shape[0]
    pred = {i: [j for j in range(n) if j != i and m[i, j] != 0] for i in range(n)}
    rates = [m[i, i] for i in range(n)]

    @cache
    def paths_to(i: int) -> tuple[tuple[int, tuple[int, ...], sp.Expr], ...]:
        out = [(i, (i,), sp.S.One)]
        for j in pred[i]:
            for start, nodes, weight in paths_to(j):
                out.append((start, nodes + (i,), weight * m[i, j]))
        return tuple(out)

    result = []
    for i in rows:
        row = [sp.S.Zero] * n
        for start, nodes, weight in paths_to(i):
            row[start] += weight * exp_divided_difference([rates[s] for s in nodes], h)
        result.append(row)
    return result


def tidy(expr: sp.Expr) -> sp.Expr:
    """A readable arrangement: terms grouped by the exponentials (and ``exprel``/``expdd``)
    they carry, common factors pulled out, e.g. ``I*R + (U - I*R)*exp(-dt/tau)``."""
    expanded = sp.expand(expr, power_exp=False)
    kernels = [
        f
        for f in expanded.atoms(sp.Function)
        if f.func == sp.exp or f.func.__name__ in ("exprel", "expdd")
    ]
    if not kernels:
        return sp.factor_terms(expanded)
    grouped = sp.collect(expanded, list(sp.ordered(kernels)), evaluate=False)
    return sp.Add(*[sp.factor_terms(coeff) * kernel for kernel, coeff in grouped.items()])


class Exact(Method):
    """Exact integration of linear systems whose coefficients are constant over a step."""

    name = "exact"
    order = EXACT_ORDER

    def discretize(self, odes: Mapping[str, sp.Expr]) -> list[Assign]:
        """``X_new`` from ``exp(M*dt)``; see the module docstring for how it is computed."""
        frozen = freeze_calls(odes)
        a, b = linear_system(frozen.odes)
        names = list(odes)
        n = len(names)
        h = symbol("dt")

        # Each random draw in b is made once per step, into a temporary: the closed form may
        # use b several times, and each rand() in the code would be a fresh number.
        taken = set(names) | {f"{x}_new" for x in names}
        temporaries: list[Assign] = []
        draws = set()
        for entry in b:
            draws |= random_calls(entry)
        replace = {}
        for draw in sp.ordered(draws):
            name = new_name(draw.func.__name__, taken)
            temporaries.append(Assign(name, draw))
            replace[draw] = symbol(name)
        if replace:
            b = b.xreplace(replace)

        m = sp.zeros(n + 1, n + 1)
        m[:n, :n] = a
        m[:n, n] = b
        if _has_cycle(m):
            # SymPy's closed form of a coupled block takes square roots of discriminants; with
            # symbolic coefficients their sign (real or complex eigenvalues) is unknown and the
            # real-arithmetic code would give NaN for one of the cases. Only numbers are safe.
            # SymPy's matrix exponential of a coupled block with symbolic coefficients can
            # take minutes (or never end), and its square roots of discriminants of unknown
            # sign give NaN in real arithmetic: only numeric coefficients are safe here.
            loose = a.free_symbols - {symbol("dt")}
            if not _safe_symbolic_block(a):
                raise DiscretizationError(
                    "exact integration of a coupled linear system (feedback between "
                    f"{', '.join(names)}) is only done for 2 variables with integer or "
                    "rational coefficients, or a symbolic damped rotation"
                    + (f" (here: {', '.join(sorted(str(x) for x in loose))})" if loose else "")
                    + "; use method='rk4' (or 'euler')"
                )
            expm = (m * h).exp()
            rows = [[expm[i, j] for j in range(n + 1)] for i in range(n)]
        else:
            rows = _triangular_exponential_rows(m, h, list(range(n)))

        variables = [symbol(x) for x in names] + [sp.S.One]
        updates = []
        for i, name in enumerate(names):
            value = sum((rows[i][j] * variables[j] for j in range(n + 1)), sp.S.Zero)
            if value.has(sp.I):
                # exp of a real matrix is real: keep the real part, as cos/sin, not complex exps.
                value = sp.expand_trig(sp.expand_complex(value).as_real_imag()[0])
            value = frozen.restore(tidy(value))
            updates.append(Assign(f"{name}_new", value))
        return temporaries + updates
