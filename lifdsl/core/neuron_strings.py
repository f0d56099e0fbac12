"""The strings of a NeuronGroup besides its equations: threshold, reset, refractoriness,
``run_regularly`` statements, each parsed and checked against the model."""

from __future__ import annotations

import keyword

import numpy as np
import sympy as sp

from lifdsl.equations import EquationError, Equations, parse_expression, parse_statements


def is_condition(expr: sp.Basic) -> bool:
    """True for comparisons and their logical combinations (a bare name is not a condition)."""
    return isinstance(expr, (sp.core.relational.Relational, sp.And, sp.Or, sp.Not,
                             sp.logic.boolalg.BooleanAtom))


def parse_threshold(threshold: str | None, what: str = "threshold",
                    booleans=frozenset()) -> sp.Basic | None:
    """The threshold condition (or an event's, ``what`` naming it), or None for a group that
    never spikes; a bare name is a condition when it is one of the ``booleans`` (``: boolean``
    variables), as in Brian2."""
    if threshold is None:
        return None
    if not isinstance(threshold, str):
        raise TypeError(f"{what} must be a string such as 'U > 1', got {threshold!r}")
    expr = parse_expression(threshold, what=what)
    if not (is_condition(expr) or (isinstance(expr, sp.Symbol) and expr.name in booleans)
            or isinstance(expr, sp.core.function.AppliedUndef)):
        # (a bare call, 'above(v)', is a user function returning true/false: checked per run)
        raise EquationError(
            f"the {what} must be a condition such as 'U > U_thr'",
            what=what, lineno=1, line=threshold, column=0,
        )
    return expr


def parse_events(events, threshold: str | None, booleans=frozenset()
                 ) -> tuple[dict[str, sp.Basic], dict[str, str], str | None]:
    """Brian2's ``events={'name': 'condition'}``: (conditions, their texts, the threshold);
    an event ``'spike'`` is the threshold (given once, there or here)."""
    if events is None:
        return {}, {}, threshold
    if not isinstance(events, dict):
        raise TypeError(f"events must be a dict of event names to conditions, got {events!r}")
    conds: dict[str, sp.Basic] = {}
    texts: dict[str, str] = {}
    for name, text in events.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) \
                or name.startswith("_"):
            raise ValueError(f"an event name must be an identifier not starting with '_', "
                             f"got {name!r}")
        if name == "spike":
            if threshold is not None:
                raise ValueError("the group has a threshold and an event 'spike': the "
                                 "threshold is the 'spike' event, give it once")
            threshold = text
            continue
        conds[name] = parse_threshold(text, what=f"event {name!r}", booleans=booleans)
        texts[name] = text
    return conds, texts, threshold


def check_condition_call(expr: sp.Basic | None, functions, what: str, line: str) -> None:
    """A condition written as a bare call must call a function returning true/false."""
    if not isinstance(expr, sp.core.function.AppliedUndef):
        return
    f = functions.get(expr.func.__name__)
    if getattr(f, "return_type", None) != "boolean":
        raise EquationError(
            f"the {what} must be a condition: {expr.func.__name__}() does not return true/false"
            f" (a Function returning a condition has return_unit=bool)",
            what=what, lineno=1, line=line, column=0)


def check_target(target: str, eqs: Equations, what: str, lineno: int, line: str) -> None:
    """A statement may write stored per-element variables only."""
    col = max(line.find(target), 0)
    if target in eqs.subexpr_names:
        raise EquationError(
            f"{target!r} is a subexpression (computed, not stored): it cannot be assigned",
            what=what, lineno=lineno, line=line, column=col,
        )
    if target in eqs.param_names and "shared" in eqs[target].flags:
        raise EquationError(
            f"{target!r} is shared: a {what} cannot write it per neuron",
            what=what, lineno=lineno, line=line, column=col,
        )
    if target in eqs.param_names and "constant" in eqs[target].flags:
        raise EquationError(
            f"{target!r} is a constant parameter: a {what} cannot change it (drop the "
            f"'(constant)' flag if it is meant to change)",
            what=what, lineno=lineno, line=line, column=col,
        )
    if target not in eqs.diff_names and target not in eqs.param_names:
        raise EquationError(
            f"{target!r} is not a variable of the model; variables: "
            + ", ".join(eqs.diff_names + eqs.param_names),
            what=what, lineno=lineno, line=line, column=col,
        )


def parse_code(code: str | None, eqs: Equations, what: str) -> list:
    """Statements (``=``, ``+=``, ...; newlines or ``;``) that write model variables."""
    if code is None:
        return []
    if not isinstance(code, str):
        example = "'U = 0'" if what == "reset" else "'U = beta*U + I'"
        raise TypeError(f"{what} must be a string such as {example}, got {code!r}")
    stmts = parse_statements(code, what=what)
    for st in stmts:
        check_target(st.target, eqs, what, st.lineno, st.source)
    return stmts


def parse_refractory(refractory) -> tuple[float | sp.Basic | None, sp.Basic | None]:
    """(time in seconds or time expression, None) or (None, condition); (None, None) if the
    group has no refractoriness."""
    if refractory is None or refractory is False:
        return None, None
    if isinstance(refractory, str):
        expr = parse_expression(refractory, what="refractory")
        if not is_condition(expr):
            # a string expression of time such as '5*ms'
            return expr, None
        return None, expr
    if isinstance(refractory, (bool, np.bool_)):
        raise TypeError("refractory must be a time in seconds, a string or False; got True")
    try:
        value = float(refractory)
    except (TypeError, ValueError):
        raise TypeError(f"refractory must be a time in seconds or a string, got "
                        f"{refractory!r}") from None
    if not (value >= 0 and np.isfinite(value)):
        raise ValueError(f"refractory must be a non-negative finite time, got {refractory!r}")
    return value, None
