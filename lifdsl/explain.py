"""The teaching view: how an ODE becomes the discrete update that runs, step by step."""

from __future__ import annotations

import sympy as sp

from lifdsl.codegen import generate_numpy
from lifdsl.equations import Equations
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign


def _update_block(eqs: Equations, method: str):
    upd = eqs.discretize(method)
    stmts = list(upd.statements) + [Assign(v, symbol(f"{v}_new")) for v in eqs.diff_names]
    stored = set(eqs.diff_names) | {p for p in eqs.param_names if "shared" not in eqs[p].flags}
    return upd, generate_numpy("state_update", stmts, stored)


def explain(equations: str | Equations, method: str = "exact", target: str = "numpy",
            show: bool = True) -> str:
    """Print (and return) the derivation: equations as written, solved for each derivative,
    the discrete update of ``method``, and the ``target`` code that runs it."""
    if target != "numpy":
        raise ValueError(f"target {target!r} is not available yet; use target='numpy'")
    eqs = equations if isinstance(equations, Equations) else Equations(equations)
    out: list[str] = ["Equations as written:"]
    for line in eqs.lines:
        out.append(f"    {line.source.strip()}")
    if eqs.subexpr_names:
        out.append("Subexpressions (substituted before discretizing):")
        for nm in eqs.subexpr_names:
            out.append(f"    {nm} = {sp.sstr(eqs[nm].expr)}")
    out.append("Solved for the derivatives:")
    for nm in eqs.diff_names:
        out.append(f"    d{nm}/dt = {sp.sstr(eqs[nm].expr)}")
    upd, source = _update_block(eqs, method)
    out.append(f"Discrete update ({method}, order {upd.order}), one time step dt:")
    for st in upd.statements:
        out.append(f"    {st}")
    for nm in eqs.diff_names:
        out.append(f"    {nm} = {nm}_new")
    out.append(f"Generated code ({target}):")
    out.extend("    " + ln for ln in source.rstrip().splitlines())
    text = "\n".join(out)
    if show:
        print(text)
    return text


def generated_code(equations: str | Equations, method: str = "exact",
                   target: str = "numpy") -> str:
    """The source of the state update for ``equations`` (no threshold or reset)."""
    if target != "numpy":
        raise ValueError(f"target {target!r} is not available yet; use target='numpy'")
    eqs = equations if isinstance(equations, Equations) else Equations(equations)
    return _update_block(eqs, method)[1]
