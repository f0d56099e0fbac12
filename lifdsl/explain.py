"""The teaching view: how an ODE becomes the discrete update that runs, step by step."""

from __future__ import annotations

import sympy as sp

from lifdsl.core.neurongroup import NeuronGroup
from lifdsl.equations import Equations


def _group(equations: str | Equations, method: str) -> NeuronGroup:
    eqs = equations if isinstance(equations, Equations) else Equations(equations)
    return NeuronGroup(1, eqs, method=method, name="explained")


def explain(equations: str | Equations, method: str = "exact", target: str = "numpy",
            show: bool = True) -> str:
    """Print (and return) the derivation: the equations as written, solved for each
    derivative, the discrete update of ``method``, and the ``target`` code that runs it."""
    G = _group(equations, method)
    eqs = G.equations
    out: list[str] = ["Equations as written:"]
    out.extend(f"    {line.source.strip()}" for line in eqs.lines)
    if eqs.subexpr_names:
        out.append("Subexpressions (substituted before discretizing):")
        out.extend(f"    {nm} = {sp.sstr(eqs[nm].expr, order='old')}" for nm in eqs.subexpr_names)
    out.append("Solved for the derivatives:")
    out.extend(f"    d{nm}/dt = {sp.sstr(eqs[nm].expr, order='old')}" for nm in eqs.diff_names)
    upd = G.discrete_update
    if upd is not None:
        kind = ("no step-size error while inputs are constant over the step"
                if upd.method == "exact" else f"order {upd.order}")
        out.append(f"Discrete update ({upd.method}: {kind}), one time step dt:")
        out.extend(f"    {st}" for st in upd.statements)
        out.extend(f"    {nm} = {nm}_new" for nm in eqs.diff_names)
    out.append(f"Generated code that runs it ({target}):")
    out.extend("    " + ln for ln in generated_code(G, method, target).rstrip().splitlines())
    text = "\n".join(out)
    if show:
        print(text)
    return text


def generated_code(equations: str | Equations | NeuronGroup, method: str = "exact",
                   target: str = "numpy") -> str:
    """The source of the state update of ``equations`` as a group runs it (NumPy: the update
    function; Cython: the whole kernel module), after comments saying what each per-run
    coefficient ``_coef<n>`` is."""
    G = equations if isinstance(equations, NeuronGroup) else _group(equations, method)
    if target == "numpy":
        return G._numpy_sources()["state_updater"]
    source = G.generated_code(target=target)
    # (the kernel reads the update's coefficients as numbers: say what they are)
    return G.coefficient_comment(target) + source
