"""ODE -> discrete update: turn ``X -> dX/dt`` (SymPy) into abstract code for one step.

``discretize(odes, method)`` returns a :class:`DiscreteUpdate` whose statements compute
``X_new`` for every state ``X``. Methods are small classes registered in :data:`METHODS`;
add one by subclassing :class:`Method` and calling :func:`register`.

Registered: ``euler`` (order 1; Euler-Maruyama, Ito, for white noise), ``exact`` (linear
systems), ``rk2``, ``rk4``, ``heun`` (explicit Runge-Kutta from a tableau, see
:mod:`.runge_kutta`; heun also takes white noise, Stratonovich), ``exponential_euler``
(equations linear in their own variable) and ``milstein`` (Ito, strong order 1).
:func:`register_text` adds an explicit method from its update description (``k = dt*f(x, t)``
/ ``x_new = x + dt*f(x + k/2, t + dt/2)``), parsed by lifdsl's own grammar.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import sympy as sp

from . import disk_memo
from .base import DiscreteUpdate, DiscretizationError, Method
from .euler import Euler
from .exact import Exact
from .exponential_euler import ExponentialEuler
from .milstein import Milstein
from .runge_kutta import RK2, RK4, Heun
from .text import TextMethod

__all__ = [
    "GSL_METHODS",
    "METHODS",
    "METHOD_ALIASES",
    "DiscreteUpdate",
    "DiscretizationError",
    "Method",
    "discretize",
    "register",
    "register_text",
]

#: Registered methods: name -> instance.
METHODS: dict[str, Method] = {}
#: Other names a method answers to: Brian2's ``linear`` is lifdsl's ``exact``.
METHOD_ALIASES: dict[str, str] = {"linear": "exact"}

#: Brian2's GSL integrators (adaptive steps with error control inside each dt, from the GNU
#: Scientific Library, which lifdsl does not use): lifdsl integrates such equations exactly
#: where ``exact`` solves them (linear ones: more accurate than any tolerance), else with the
#: fixed-step method given here: rk2 for GSL's rk2, classic rk4 for the others (``gsl`` is
#: Brian2's name of rkf45).
GSL_METHODS = {"gsl": "rk4", "gsl_rk2": "rk2", "gsl_rk4": "rk4", "gsl_rkf45": "rk4",
               "gsl_rkck": "rk4", "gsl_rk8pd": "rk4"}
_noticed: set[str] = set()
logger = logging.getLogger("lifdsl")


def resolve(method: str) -> str:
    """The registered method a name stands for: a GSL name gives its fixed-step stand-in
    (:data:`GSL_METHODS`, with a one-line notice per name and process), an alias its method
    (:data:`METHOD_ALIASES`); others are unchanged."""
    if isinstance(method, str) and method in METHOD_ALIASES and method not in METHODS:
        return METHOD_ALIASES[method]
    if isinstance(method, str) and method in GSL_METHODS and method not in METHODS:
        chosen = GSL_METHODS[method]
        if method not in _noticed:
            _noticed.add(method)
            logger.warning("method %r: lifdsl has no GSL integrators; using 'exact' where the "
                           "equations are linear, else %r (fixed steps of dt, no error "
                           "control)", method, chosen)
        return chosen
    return method


def register(method: Method) -> Method:
    """Add ``method`` to :data:`METHODS` under its ``name`` (replacing one of the same name)."""
    METHODS[method.name] = method
    return method


def register_text(name: str, text: str, order: int) -> TextMethod:
    """Add the explicit method described by ``text`` under ``name`` and return it.

    ``text``: lines ``name = expression`` of ``x``, ``t``, ``dt``, ``f(state, time)`` and
    earlier names, the last one ``x_new = ...`` (see :mod:`.text`); ``order`` is the global
    order it claims. A bad line is an :class:`~lifdsl.equations.EquationError` naming it. A
    text method may replace an earlier text method of the same name, never a built-in one.
    """
    method = TextMethod(name, text, order)
    old = METHODS.get(name)
    if old is not None and not isinstance(old, TextMethod):
        raise ValueError(f"{name!r} is a built-in method: register the text under another name")
    return register(method)  # type: ignore[return-value]


register(Euler())
register(Exact())
register(RK2())
register(RK4())
register(Heun())
register(ExponentialEuler())
register(Milstein())


def discretize(odes: Mapping[str, sp.Basic], method: str) -> DiscreteUpdate:
    """The discrete update of ``odes`` (state name -> dX/dt) by the method named ``method``.

    External calls such as ``I_in(t)`` are held constant over the step by every method. The
    statements never assign a state variable: they end with one ``X_new = ...`` per state,
    in the order of ``odes``, and the caller commits ``X = X_new``. Results of lifdsl's own
    methods are remembered in this process and in ``cache_dir()/symbolic`` (see
    :mod:`.disk_memo`), so a fresh process does not redo SymPy's work.
    """
    if isinstance(method, str) and method in GSL_METHODS and method not in METHODS:
        fallback = resolve(method)   # (the notice)
        try:
            return discretize(odes, "exact")
        except DiscretizationError:
            return discretize(odes, fallback)
    method = resolve(method)
    if not isinstance(method, str) or method not in METHODS:
        known = ", ".join(repr(k) for k in sorted(METHODS))
        raise DiscretizationError(f"unknown integration method {method!r}; known: {known}")
    if not odes:
        raise DiscretizationError("no differential equations to discretize")
    checked: dict[str, sp.Expr] = {}
    for name, rhs in odes.items():
        if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
            raise DiscretizationError(f"invalid state variable name {name!r}")
        try:
            checked[name] = sp.sympify(rhs, strict=True)
        except sp.SympifyError as err:
            raise DiscretizationError(
                f"the right-hand side for {name!r} is not a SymPy expression: {rhs!r}"
            ) from err
    solver = METHODS[method]
    expected = [f"{name}_new" for name in checked]

    def targets(update: DiscreteUpdate) -> list[str]:
        return [s.target for s in update.statements if not s.target.startswith("_")]

    def compute() -> DiscreteUpdate:
        update = DiscreteUpdate(tuple(solver.discretize(checked)), solver.name, solver.order)
        if targets(update) != expected:  # a method's bug, not the user's
            raise AssertionError(
                f"method {method!r} produced targets {targets(update)}, expected {expected}"
            )
        return update

    def fits(update: DiscreteUpdate) -> bool:
        return (targets(update) == expected and update.method == solver.name
                and update.order == solver.order)

    return disk_memo.remembered(checked, solver, compute, fits)
