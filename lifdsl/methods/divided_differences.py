"""Divided differences of the exponential, symbolic and numeric.

Exact integration of a triangular linear system writes every entry of ``exp(M*dt)`` as a sum of
divided differences of ``x -> exp(dt*x)`` over the diagonal entries of ``M`` (the decay rates).
Written naively, ``(exp(a) - exp(b))/(a - b)`` is 0/0 when two time constants are equal and
loses all digits when they are nearly equal. This module keeps those cases finite and accurate:

- :func:`exp_divided_difference` builds the divided difference symbolically, choosing the
  closed form where SymPy can prove what it needs and :class:`expdd` (or ``exprel``) otherwise;
- :class:`expdd` is a symmetric SymPy function ``exp[x0, ..., xk]``;
- :data:`NUMPY_FUNCTIONS` holds vectorised NumPy implementations of ``exprel`` and ``expdd``
  for ``sympy.lambdify(..., modules=[NUMPY_FUNCTIONS, 'numpy'])`` and the NumPy code target.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from math import factorial

import numpy as np
import sympy as sp

from lifdsl.equations.functions import exprel

__all__ = [
    "NUMPY_FUNCTIONS",
    "clearly_different",
    "exp_divided_difference",
    "expdd",
    "expdd_numpy",
    "exprel_numpy",
]


class expdd(sp.Function):
    """``expdd(x0, ..., xk)``: the divided difference of ``exp`` over the nodes ``x0..xk``.

    It equals ``exp(x0)`` for one node, ``(exp(x0) - exp(x1))/(x0 - x1)`` for two distinct
    nodes, and ``exp(x)/k!`` when all ``k+1`` nodes equal ``x``; it is finite and smooth for
    every real input, which is why exact integration uses it where SymPy cannot tell whether
    two time constants differ. Symmetric: arguments are kept in a canonical order.
    """

    @classmethod
    def eval(cls, *args):
        if not args:
            raise TypeError("expdd needs at least one argument")
        if len(args) == 1:
            return sp.exp(args[0])
        first = args[0]
        if all(a == first for a in args[1:]):
            return sp.exp(first) / factorial(len(args) - 1)
        ordered = tuple(sp.ordered(args))
        if ordered != tuple(args):
            return cls(*ordered)
        return None

    def _eval_is_real(self):
        if all(a.is_real for a in self.args):
            return True
        return None

    def _eval_is_positive(self):
        # exp is absolutely monotone, so all its divided differences over real nodes are > 0.
        if all(a.is_real for a in self.args):
            return True
        return None

    def _eval_evalf(self, prec):
        if not all(a.is_number for a in self.args):
            return None
        import mpmath

        dps = prec_to_dps_safe(prec)
        with mpmath.workdps(dps + 30):
            nodes = [sp.Float(a, dps + 30)._to_mpmath(prec + 100) for a in self.args]
            value = _mp_exp_divided_difference(nodes)
            return sp.Float(value, dps)


def prec_to_dps_safe(prec: int) -> int:
    """Decimal digits for a binary precision (at least 15)."""
    from mpmath.libmp import prec_to_dps

    return max(15, prec_to_dps(prec))


def _mp_exp_divided_difference(nodes: Sequence) -> object:
    """Divided difference of exp over mpmath nodes, through the matrix exponential of the
    bidiagonal matrix of the nodes (Opitz's theorem): accurate at the working precision
    whatever the spacing, which makes it the reference the NumPy version is tested against."""
    import mpmath

    k = len(nodes) - 1
    m = mpmath.zeros(k + 1, k + 1)
    for i, x in enumerate(nodes):
        m[i, i] = x
        if i < k:
            m[i, i + 1] = 1
    return mpmath.expm(m)[0, k]


def clearly_different(a: sp.Expr, b: sp.Expr) -> bool:
    """True if ``a != b`` is provable and dividing by ``a - b`` costs few digits.

    For symbolic nodes that is SymPy's proof that ``a - b`` is nonzero (``-1/tau`` vs ``0``).
    Two numbers must also differ by at least a tenth of the larger one: for nearly equal
    numeric rates ``(exp(h*a) - exp(h*b))/(a - b)`` would cancel catastrophically.
    """
    diff = sp.expand(a - b)
    if diff.is_zero is not False:
        return False
    if a.is_number and b.is_number and a.is_real and b.is_real:
        fa, fb = float(a), float(b)
        return abs(fa - fb) >= 0.1 * max(abs(fa), abs(fb))
    return True


def exp_divided_difference(nodes: Sequence[sp.Expr], h: sp.Expr) -> sp.Expr:
    """The divided difference of ``x -> exp(h*x)`` over ``nodes``, as a SymPy expression.

    Chooses, in order: ``exp(h*a)`` for one node; ``h**k*exp(h*a)/k!`` when all nodes are
    equal; the recurrence ``(f[S - q] - f[S - p])/(x_p - x_q)`` on a pair that is
    :func:`clearly_different` (keeps the textbook closed forms, e.g. the LIF's
    ``R*I*(1 - exp(-dt/tau))``); else ``h*exp(h*b)*exprel(h*(a - b))`` for two nodes and
    ``h**k*expdd(h*x0, ..., h*xk)`` for more, which stay finite when rates coincide.
    """
    nodes = [sp.sympify(x) for x in nodes]
    k = len(nodes) - 1
    if k < 0:
        raise ValueError("a divided difference needs at least one node")
    if k == 0:
        return sp.exp(h * nodes[0])
    if all(sp.expand(x - nodes[0]) == 0 for x in nodes[1:]):
        return h**k * sp.exp(h * nodes[0]) / factorial(k)
    for p in range(k + 1):
        for q in range(p + 1, k + 1):
            if clearly_different(nodes[p], nodes[q]):
                without_p = nodes[:p] + nodes[p + 1 :]
                without_q = nodes[:q] + nodes[q + 1 :]
                return (
                    exp_divided_difference(without_q, h) - exp_divided_difference(without_p, h)
                ) / (nodes[p] - nodes[q])
    if k == 1:
        a, b = nodes
        # (exp(h a) - exp(h b))/(a - b) = h exp(h b) exprel(h (a - b)): finite when a == b.
        return h * sp.exp(h * b) * exprel(h * (a - b))
    return h**k * expdd(*[h * x for x in nodes])


# --------------------------------------------------------------------------------------------
# NumPy implementations


def exprel_numpy(x):
    """``(exp(x) - 1)/x`` with 1 at 0, elementwise; accurate near 0 through ``expm1``."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if x.ndim == 0:
            out = np.where(x == 0.0, 1.0, np.expm1(x) / np.where(x == 0.0, 1.0, x))
            return out[()]
        # (arrays: one expm1 and one division in place, the zeros set after; the same values)
        zero = x == 0.0
        out = np.expm1(x)
        if zero.any():
            out /= np.where(zero, 1.0, x)
            out[zero] = 1.0
        else:
            out /= x
    return out


#: Terms of the Taylor series used when all nodes lie within _TAYLOR_SPREAD of their mean;
#: with |x - mean| <= 1 the n-th term is below 1/n!, so 26 terms reach ~1e-27 of the sum.
_TAYLOR_TERMS = 26
_TAYLOR_SPREAD = 1.0


def _taylor_block(x: np.ndarray) -> np.ndarray:
    """Divided difference of exp over the rows of ``x`` (shape (k+1, n)), by the Taylor
    series around the row mean: ``exp[x] = exp(mu) * sum_m h_m(x - mu)/(m + k)!`` where
    ``h_m`` is the complete homogeneous symmetric polynomial of degree m. Accurate when the
    nodes are close together (equal nodes included), where the recurrence cancels."""
    k = x.shape[0] - 1
    mu = x.mean(axis=0)
    y = x - mu
    # h[m] for the nodes seen so far; one node at a time: h_m <- h_m + y_j * h_{m-1}.
    h = np.zeros((_TAYLOR_TERMS,) + mu.shape)
    h[0] = 1.0
    for yj in y:
        for m in range(1, _TAYLOR_TERMS):
            h[m] += yj * h[m - 1]
    total = np.zeros_like(mu)
    for m in range(_TAYLOR_TERMS - 1, -1, -1):
        total += h[m] / factorial(m + k)
    return np.exp(mu) * total


def expdd_numpy(*args):
    """Divided difference of exp over the nodes ``args`` (arrays broadcast together).

    Nodes are sorted per element; the divided-difference table is built over contiguous runs
    of sorted nodes, each entry taken from the Taylor series when the run spans at most 1 and
    from the recurrence ``(E[i+1..j] - E[i..j-1])/(x_j - x_i)`` otherwise. Then no division
    is by a difference smaller than 1, and the subtraction is of two ordered positive values
    whose ratio stays bounded, so relative errors stay near machine precision for equal,
    nearly equal and far apart nodes alike.
    """
    if not args:
        raise TypeError("expdd needs at least one argument")
    arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
    shape = arrays[0].shape
    x = np.sort(np.stack([a.reshape(-1) for a in arrays]), axis=0)
    n = x.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        # table[i] holds E[x_i .. x_{i+length-1}] for the current length.
        table = [np.exp(x[i]) for i in range(n)]
        for length in range(2, n + 1):
            new = []
            for i in range(n - length + 1):
                j = i + length - 1
                spread = x[j] - x[i]
                rec = (table[i + 1] - table[i]) / np.where(spread == 0.0, 1.0, spread)
                value = rec
                small = spread <= _TAYLOR_SPREAD
                if np.any(small):
                    value = np.where(small, _taylor_block(x[i : j + 1]), rec)
                new.append(value)
            table = new
        out = table[0].reshape(shape)
    return out[()] if out.ndim == 0 else out


#: Name -> vectorised implementation, for ``lambdify(..., modules=[NUMPY_FUNCTIONS, 'numpy'])``.
NUMPY_FUNCTIONS: dict[str, Callable] = {"exprel": exprel_numpy, "expdd": expdd_numpy}
