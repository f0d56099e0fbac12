"""Integration methods written as text, the way a textbook states them::

    k = dt*f(x, t)
    x_new = x + dt*f(x + k/2, t + dt/2)

Each line is ``name = expression`` in lifdsl's own grammar (never Python's ``eval``): ``x`` is
the state, ``t`` the time, ``dt`` the step, ``f(state, time)`` the right-hand side of
``dx/dt = f(x, t)``; earlier names are temporaries; the last line assigns ``x_new``. For a
system, ``x`` and every temporary built from it are vectors (one entry per state variable) and
``f(x + k/2, t + dt/2)`` shifts every state by its own entry, as the Runge-Kutta tableaus do.

As for every explicit method here: external calls (``I_in(t)``) are held at the step's start,
explicit ``t`` is shifted by the time argument of ``f``, each random draw is one number per
step, and white noise is refused.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp
from sympy.core.function import AppliedUndef

from lifdsl.equations import EquationError, parse_statements
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

from .base import DiscretizationError, Method, freeze_calls, hold_draws, state_symbols
from .euler import noise_symbols
from .formulas import Formula

__all__ = ["TextMethod"]

RESERVED = ("x", "t", "dt", "f", "x_new")


class TextMethod(Method):
    """An explicit method parsed from its update description (see the module docstring).

    ``order`` is the global order it claims (the tests measure it). A bad description is an
    :class:`EquationError` naming the line.
    """

    def __init__(self, name: str, text: str, order: int) -> None:
        if not isinstance(name, str) or not name.isidentifier() or name == "auto":
            raise ValueError(f"a method name must be an identifier other than 'auto', "
                             f"got {name!r}")
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise ValueError(f"order must be a positive integer, got {order!r}")
        if not isinstance(text, str):
            raise TypeError(f"the method's description must be a string, got {text!r}")
        self.name = name             # type: ignore[misc]  (class variables elsewhere)
        self.order = order           # type: ignore[misc]
        self.text = text
        what = f"method {name!r}"
        statements = parse_statements(text, what=what)
        if not statements:
            raise EquationError("the description has no lines; its last line must assign "
                                "x_new, e.g. 'x_new = x + dt*f(x, t)'", what=what)
        self._lines: list[tuple[str, sp.Expr]] = []
        known = {"x", "t", "dt"}
        for k, st in enumerate(statements):
            def bad(message: str, st=st) -> EquationError:
                return EquationError(message, lineno=st.lineno, line=st.source, what=what)

            last = k == len(statements) - 1
            if st.op != "=":
                raise bad(f"use '=' (a method's line defines a name), not {st.op!r}")
            if last and st.target != "x_new":
                raise bad("the last line must assign x_new (the state after the step)")
            if not last and st.target in RESERVED:
                raise bad(f"{st.target!r} is the method's own name (x, t, dt, f, and x_new on "
                          "the last line): give the temporary another name")
            if not last and st.target in known:
                raise bad(f"{st.target!r} is assigned twice: use a new name")
            if st.target.startswith("_"):
                raise bad("a temporary's name must not start with '_'")
            expr = st.expr
            if not isinstance(expr, sp.Expr):
                raise bad("a method's line must be a number, not a true/false condition")
            for call in expr.atoms(sp.Function):
                fname = type(call).__name__
                if not isinstance(call, AppliedUndef) or fname != "f":
                    raise bad(f"only f(state, time) may be called in a method, not {fname}()")
                if len(call.args) != 2:
                    raise bad("f takes two arguments, the state and the time: f(x, t)")
                when = call.args[1]
                if when.atoms(AppliedUndef) or not {s.name for s in when.free_symbols} <= {
                        "t", "dt"}:
                    raise bad("the time argument of f may use only t, dt and numbers")
            unknown = sorted(s.name for s in expr.free_symbols if s.name not in known)
            if unknown:
                raise bad(f"unknown name {unknown[0]!r}: a line may use x, t, dt, f() and the "
                          "names of earlier lines")
            if "x" not in {s.name for s in expr.free_symbols} and last:
                raise bad("x_new must depend on x (e.g. 'x_new = x + dt*f(x, t)')")
            known.add(st.target)
            self._lines.append((st.target, expr))
        #: the lines as formulas, shown by explain like the built-in methods' formulas
        self.formula = tuple(Formula(target, expr) for target, expr in self._lines)
        #: the description enters the key of remembered discretizations
        self.memo_text = "\n".join(f"{t} = {sp.srepr(e)}" for t, e in self._lines)

    def discretize(self, odes: Mapping[str, sp.Expr]) -> list[Assign]:
        """The lines for every state in turn: temporaries ``_<name>_<state>``, then
        ``X_new``."""
        names = list(odes)
        for name, rhs in odes.items():
            if noise_symbols(rhs):
                raise DiscretizationError(
                    f"the equation of {name!r} contains white noise; method {self.name!r} is "
                    "for deterministic equations: use method='heun' or 'euler'")
        states = state_symbols(odes)
        taken = set(names) | {f"{n}_new" for n in names}
        frozen = freeze_calls(odes)
        held, statements = hold_draws(frozen.odes, taken)
        t, dt = symbol("t"), symbol("dt")
        mx, mt, mdt = symbol("x"), symbol("t"), symbol("dt")
        temps: dict[sp.Symbol, dict[str, sp.Symbol]] = {}

        def value(expr: sp.Expr, n: str) -> sp.Expr:
            """``expr`` of the method for state ``n`` in the model's symbols."""
            calls = {}
            for call in expr.atoms(AppliedUndef):
                state_arg, time_arg = call.args
                shift = {states[m]: value(state_arg, m) for m in names}
                shift[t] = time_arg.xreplace({mt: t, mdt: dt})
                calls[call] = held[n].xreplace(shift)
            local = {mx: states[n], mt: t, mdt: dt}
            local.update({sym: symbol(per[n]) for sym, per in temps.items()})
            return _two_step(expr, calls, local)

        for target, expr in self._lines[:-1]:
            per: dict[str, str] = {}
            for n in names:
                tmp = _unique(f"_{target}_{n}", taken)
                statements.append(Assign(tmp, frozen.restore(value(expr, n))))
                per[n] = tmp
            temps[symbol(target)] = per
        final = self._lines[-1][1]
        for n in names:
            statements.append(Assign(f"{n}_new", frozen.restore(value(final, n))))
        return statements

    def __repr__(self) -> str:
        return f"<method {self.name!r} from text, order {self.order}>"


def _two_step(expr: sp.Expr, calls: dict, local: dict) -> sp.Expr:
    """Replace the calls of ``f`` (already in the model's symbols) and the method's own names
    at once: a placeholder keeps a model name such as ``x`` inside a call from being taken
    for the method's ``x``."""
    marks = {call: sp.Dummy(f"call{k}") for k, call in enumerate(calls)}
    out = expr.xreplace(marks).xreplace(local)
    return out.xreplace({marks[c]: v for c, v in calls.items()})


def _unique(base: str, taken: set[str]) -> str:
    name, extra = base, 0
    while name in taken:
        extra += 1
        name = f"{base}_{extra}"
    taken.add(name)
    return name
