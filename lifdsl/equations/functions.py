"""The SymPy vocabulary shared by every stage: how a name becomes a symbol, and the
functions a model string may call.

Every stage builds symbols through :func:`symbol`, so ``U`` parsed from an equation and ``U``
written by a method are the same SymPy object.
"""

from __future__ import annotations

import functools
import itertools

import sympy as sp

#: Names with a fixed meaning in every model string.
SPECIAL_NAMES = frozenset({"t", "dt", "i", "N", "xi", "not_refractory", "lastspike"})


@functools.lru_cache(maxsize=1 << 16)
def symbol(name: str) -> sp.Symbol:
    """The SymPy symbol for a model name (all model quantities are real); remembered, since a
    long sum names the same variables many times and SymPy's own constructor is slow."""
    return sp.Symbol(name, real=True)


class exprel(sp.Function):
    """``(exp(x) - 1)/x``, continued by 1 at ``x = 0``: finite where the quotient is 0/0."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.S.One
        return None

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sp.Piecewise((sp.S.One, sp.Eq(x, 0)), ((sp.exp(x) - 1) / x, True))

    def fdiff(self, argindex=1):
        x = self.args[0]
        return (sp.exp(x) * x - sp.exp(x) + 1) / x**2

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        if self.args[0].is_real:
            return True
        return None


class clip(sp.Function):
    """``clip(x, low, high)``: x limited to [low, high]."""

    nargs = 3

    def _eval_is_real(self):
        return all(a.is_real for a in self.args)


class rand(sp.Function):
    """A uniform random number in [0, 1), drawn anew per neuron and per evaluation.

    Written ``rand()``; the parser adds a hidden occurrence number as the one argument so that
    ``rand() + rand()`` stays two draws (SymPy would otherwise merge equal terms).
    """

    nargs = (0, 1)
    is_real = True

    def _sympystr(self, printer):
        return "rand()"

    def _eval_evalf(self, prec):
        return None  # a draw has no value until it runs (mpmath's own 'rand' must not answer)


class randn(sp.Function):
    """A standard normal random number, drawn anew per neuron and per evaluation (see rand)."""

    nargs = (0, 1)
    is_real = True

    def _sympystr(self, printer):
        return "randn()"

    def _eval_evalf(self, prec):
        return None  # a draw has no value until it runs (mpmath's own 'randn' must not answer)


_draws = itertools.count()


def _new_draw(cls):
    """A factory for ``cls()`` that makes each written occurrence a distinct SymPy object."""
    return lambda: cls(sp.Integer(next(_draws)))


def truncate(x: sp.Basic) -> sp.Basic:
    """``int(x)``: x rounded toward zero (C's and NumPy's cast, Brian2's ``int``); a condition
    gives 1 where true and 0 where false."""
    if isinstance(x, (sp.core.relational.Relational, sp.logic.boolalg.Boolean)) and not \
            isinstance(x, sp.Symbol):
        return sp.Piecewise((sp.S.One, x), (sp.S.Zero, True))
    return sp.sign(x) * sp.floor(sp.Abs(x))


#: name in a model string -> (SymPy callable, allowed argument counts)
BUILTIN_FUNCTIONS: dict[str, tuple[object, tuple[int, ...]]] = {
    "exp": (sp.exp, (1,)),
    "log": (sp.log, (1,)),
    "log10": (lambda x: sp.log(x, 10), (1,)),
    "sqrt": (sp.sqrt, (1,)),
    "sin": (sp.sin, (1,)),
    "cos": (sp.cos, (1,)),
    "tan": (sp.tan, (1,)),
    "sinh": (sp.sinh, (1,)),
    "cosh": (sp.cosh, (1,)),
    "tanh": (sp.tanh, (1,)),
    "arcsin": (sp.asin, (1,)),
    "arccos": (sp.acos, (1,)),
    "arctan": (sp.atan, (1,)),
    "abs": (sp.Abs, (1,)),
    "sign": (sp.sign, (1,)),
    "floor": (sp.floor, (1,)),
    "ceil": (sp.ceiling, (1,)),
    "int": (truncate, (1,)),
    "clip": (clip, (3,)),
    "exprel": (exprel, (1,)),
    "rand": (_new_draw(rand), (0,)),
    "randn": (_new_draw(randn), (0,)),
}

#: SymPy function classes that are random draws (their order of evaluation is part of the
#: numbers a seed gives).
RANDOM_FUNCTIONS = (rand, randn)


def external_calls(expr: sp.Basic) -> set[sp.Basic]:
    """Applied functions in ``expr`` that are not builtins (TimedArrays, user functions)."""
    return {f for f in expr.atoms(sp.core.function.AppliedUndef)}
