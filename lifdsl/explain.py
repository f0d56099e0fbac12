"""The teaching view: how an ODE becomes the discrete update that runs, step by step.

:func:`explain` returns an :class:`Explanation`: a ``str`` (the plain text, printed by default)
that also holds every section as data and renders as LaTeX or Markdown (Jupyter shows it as
formulas).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp

from lifdsl.core.neurongroup import NeuronGroup
from lifdsl.core.synapses import Synapses
from lifdsl.equations import Equations
from lifdsl.methods import METHODS, DiscreteUpdate
from lifdsl.methods.euler import noise_symbols
from lifdsl.methods.formulas import GENERIC, Formula, method_formula, to_latex

__all__ = ["Explanation", "MatrixForm", "explain", "generated_code"]


def _group(equations: str | Equations, method: str) -> NeuronGroup:
    eqs = equations if isinstance(equations, Equations) else Equations(equations)
    return NeuronGroup(1, eqs, method=method, name="explained")


_SYNAPSE_FLAGS = ("clock-driven", "event-driven")


def _is_synaptic(eqs: Equations) -> bool:
    """True if a line carries a flag only Synapses take (clock-driven, event-driven)."""
    return any(f in _SYNAPSE_FLAGS for line in eqs.lines for f in getattr(line, "flags", ()))


def _synapses(equations: str | Equations | Synapses, method: str) -> Synapses:
    """``equations`` as the model of a Synapses (one neuron on each side), or the Synapses."""
    if isinstance(equations, Synapses):
        return equations
    side = NeuronGroup(1, "", name="explained_neuron")
    return Synapses(side, side, equations, method=method, name="explained_synapses")


def _text(s: str) -> str:
    """``s`` as LaTeX text inside math mode."""
    for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"),
                 ("#", r"\#"), ("{", r"\{"), ("}", r"\}"), ("$", r"\$")):
        s = s.replace(a, b)
    return rf"\text{{{s}}}"


@dataclass(frozen=True)
class MatrixForm:
    """A linear system ``dx/dt = A*x + b`` (``A``, ``b`` free of the state)."""

    states: tuple[str, ...]
    A: sp.Matrix
    b: sp.Matrix

    def __str__(self) -> str:
        x = ", ".join(self.states)
        return f"d/dt [{x}] = A*[{x}] + b,  A = {sp.sstr(self.A.tolist())},  " \
               f"b = {sp.sstr(self.b.T.tolist()[0])}"

    def to_latex(self) -> str:
        """``\\frac{d}{dt} x = A x + b`` with the matrices written out."""
        x = sp.Matrix([sp.Symbol(n) for n in self.states])
        return (rf"\frac{{d}}{{dt}} {to_latex(x)} = {to_latex(self.A)} {to_latex(x)}"
                rf" + {to_latex(self.b)}")


def matrix_form(odes: dict[str, sp.Expr]) -> MatrixForm | None:
    """``odes`` as ``dx/dt = A*x + b`` where they are linear in the state, else None."""
    names = list(odes)
    xs = [sp.Symbol(n, real=True) for n in names]
    if any(noise_symbols(rhs) for rhs in odes.values()):
        return None
    A = sp.Matrix([[sp.diff(odes[n], x) for x in xs] for n in names])
    if A.has(*xs):
        return None
    # affine in the state (A free of it): b is the right-hand side at x = 0
    b = sp.Matrix([odes[n].subs({x: 0 for x in xs}) for n in names])
    if b.has(*xs) or b.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    return MatrixForm(tuple(names), A, b)


def exact_formula(odes: dict[str, sp.Expr], form: MatrixForm | None) -> tuple[Formula, ...]:
    """The solution over one step that ``exact`` comes from, for inputs constant over the
    step: ``U(t + dt) = U_inf + (U(t) - U_inf)*exp(a*dt)`` for one equation
    ``dU/dt = a*U + b`` (``U(t) + b*dt`` where ``a = 0``); for several,
    ``[x(t + dt), 1] = exp(M*dt)*[x(t), 1]`` with ``M = [[A, b], [0, 0]]``."""
    if form is None:
        return ()
    if len(form.states) == 1:
        name = form.states[0]
        a, b = sp.simplify(form.A[0, 0]), form.b[0]
        now = sp.Symbol(f"{name}(t)")
        lhs = f"{name}(t + dt)"
        dt = sp.Symbol("dt", real=True)
        if a == 0:
            rhs = sp.Add(now, sp.Mul(b, dt), evaluate=False)
        else:
            fixed = sp.simplify(-b / a)
            decay = sp.exp(sp.simplify(a * dt))
            rhs = decay * now if fixed == 0 else sp.Add(
                fixed, sp.Mul(sp.Add(now, -fixed, evaluate=False), decay, evaluate=False),
                evaluate=False)
        return (Formula(lhs, rhs, lhs_latex=to_latex(sp.Symbol(lhs)), order="none"),)
    n = len(form.states)
    M = sp.zeros(n + 1, n + 1)
    M[:n, :n] = form.A
    M[:n, n] = form.b
    later = sp.Matrix([sp.Symbol(f"{s}(t + dt)") for s in form.states] + [1])
    now = sp.Matrix([sp.Symbol(f"{s}(t)") for s in form.states] + [1])
    now_text = ", ".join(f"{s}(t)" for s in form.states)
    return (Formula(f"[{', '.join(f'{s}(t + dt)' for s in form.states)}, 1]", now,
                    lhs_latex=to_latex(later), rhs_text=f"exp(M*dt)*[{now_text}, 1]",
                    rhs_latex=rf"e^{{M\,dt}} {to_latex(now)}"),
            Formula("M", M, rhs_text=f"[[A, b], [0, 0]] = {sp.sstr(M.tolist())}",
                    rhs_latex=to_latex(M)))


class Explanation(str):
    """The derivation of a model's update. ``str()`` is the plain text; the sections are
    attributes:

    - ``equations``: the lines as written; ``subexpressions``: name -> expression;
    - ``solved``: state -> dX/dt as written (``odes``: with subexpressions substituted);
    - ``matrix_form``: :class:`MatrixForm` of a linear system (None otherwise);
    - ``method``, ``order``; ``method_formula``: the method's own rule for ``dx/dt = f(x, t)``
      (for ``exact`` the solution over one step it comes from), a tuple of ``Formula``
      (these two are worked out when first read);
    - ``update``: the :class:`~lifdsl.methods.DiscreteUpdate`; ``code``: the code that runs;
    - for synapses' equations: ``solved``, ``odes`` and ``update`` are the clock-driven ones,
      ``event_driven``: the statements that bring the event-driven variables from
      ``lastupdate`` to ``t`` at each event (the exact solution over ``t - lastupdate``).

    :meth:`to_latex`, ``_repr_latex_`` and ``_repr_markdown_`` render it.
    """

    equations: tuple[str, ...]
    subexpressions: dict[str, sp.Expr]
    solved: dict[str, sp.Expr]
    odes: dict[str, sp.Expr]
    method: str | None
    order: int | None
    update: DiscreteUpdate | None
    code: str
    target: str
    event_driven: tuple = ()

    def __new__(cls, text: str, **sections: object) -> Explanation:
        obj = super().__new__(cls, text)
        for key, value in sections.items():
            object.__setattr__(obj, key, value)
        return obj

    @cached_property
    def matrix_form(self) -> MatrixForm | None:
        """``dx/dt = A*x + b`` where the system is linear in its state, else None."""
        return matrix_form(self.odes) if self.odes else None

    @cached_property
    def method_formula(self) -> tuple[Formula, ...]:
        """The method's own rule (for ``exact``: the solution over one step)."""
        if self.method == "exact":
            return exact_formula(self.odes, self.matrix_form)
        return method_formula(METHODS[self.method]) if self.method is not None else ()

    @property
    def text(self) -> str:
        """The plain text (the same as ``str(self)``)."""
        return str.__str__(self)

    def __repr__(self) -> str:
        first = self.equations[0] if self.equations else ""
        return f"<Explanation of {first!r} by {self.method!r}: print() it for the text>"

    def _heading(self) -> str:
        if self.method == "exact":
            return "exact: no step-size error while inputs are constant over the step"
        return f"{self.method}: order {self.order}"

    def _latex_rows(self) -> list[str]:
        rows = [_text("Equations as written:")]
        for line in self._lines:
            if line.kind == "diff":
                rows.append(f"&{to_latex(line.lhs)} = {to_latex(line.rhs)}")
            elif line.kind == "subexpr":
                rows.append(f"&{to_latex(sp.Symbol(line.name))} = {to_latex(line.expr)}")
            else:
                rows.append(f"&{to_latex(sp.Symbol(line.name))}" + r"\quad" + _text(
                    " (parameter)"))
        if self.subexpressions:
            rows.append(_text("Subexpressions (substituted before discretizing):"))
            rows.extend(f"&{to_latex(sp.Symbol(n))} = {to_latex(e)}"
                        for n, e in self.subexpressions.items())
        rows.append(_text("Solved for the derivatives:"))
        rows.extend(f"&{to_latex(sp.Symbol(f'd{n}/dt'))} = {to_latex(e)}"
                    for n, e in self.solved.items())
        if self.matrix_form is not None and len(self.matrix_form.states) > 1:
            rows.append(_text("In matrix form:"))
            rows.append("&" + self.matrix_form.to_latex())
        if self.method_formula:
            if self.method == "exact":
                rows.append(_text("Solution over one step (inputs constant over the step):"))
            else:
                rows.append(_text(f"Method {self.method} (order {self.order}), {GENERIC}:"))
            rows.extend("&" + f.to_latex() for f in self.method_formula)
        if self.update is not None:
            rows.append(_text(f"Discrete update ({self._heading()}), one time step dt:"))
            rows.extend(f"&{to_latex(sp.Symbol(s.target))} = {to_latex(s.expr)}"
                        for s in self.update.statements)
            rows.extend(f"&{to_latex(sp.Symbol(n))} = {to_latex(sp.Symbol(n + '_new'))}"
                        for n in self.odes)
        if self.event_driven:
            rows.append(_text(_EVENT_TITLE))
            rows.extend(f"&{to_latex(sp.Symbol(s.target))} = {to_latex(s.expr)}"
                        for s in self.event_driven)
        return rows

    def to_latex(self) -> str:
        """The derivation as one LaTeX ``aligned`` environment (for math mode: wrap it in
        ``$$ ... $$`` or ``\\[ ... \\]``); section titles are ``\\text`` rows. The generated
        code is not included (see ``code``)."""
        body = r" \\" + "\n"
        return "\\begin{aligned}\n" + body.join(self._latex_rows()) + "\n\\end{aligned}"

    def _repr_latex_(self) -> str:
        return f"$${self.to_latex()}$$"

    def _repr_markdown_(self) -> str:
        parts = ["**Equations as written**", "```\n" + "\n".join(self.equations) + "\n```",
                 f"$${self.to_latex()}$$",
                 f"**Generated code that runs it ({self.target})**",
                 "```python\n" + self.code.rstrip() + "\n```"]
        return "\n\n".join(parts)


_EVENT_TITLE = ("Event-driven, at each event of a pathway (exact over the time since the "
                "last one, t - lastupdate):")


def _explain_synapses(S: Synapses, target: str, show: bool) -> Explanation:
    """explain() of a Synapses' model: clock-driven equations by its method, every step;
    event-driven ones by their exact solution from ``lastupdate`` to ``t``, at each event."""
    from lifdsl.codegen.targets import numpy_source
    from lifdsl.methods import DiscretizationError, discretize

    eqs = S.equations
    out: list[str] = ["Equations as written:"]
    out.extend(f"    {line.source.strip()}" for line in eqs.lines)
    if eqs.subexpr_names:
        out.append("Subexpressions (substituted before discretizing):")
        out.extend(f"    {nm} = {sp.sstr(eqs[nm].expr, order='old')}" for nm in eqs.subexpr_names)
    out.append("Solved for the derivatives:")
    for nm in eqs.diff_names:
        kind = "event-driven" if nm in S._event_driven else "clock-driven"
        out.append(f"    d{nm}/dt = {sp.sstr(eqs[nm].expr, order='old')}    ({kind})")
    odes = {nm: eqs.substituted(eqs[nm].expr) for nm in S._clock_driven}
    upd = None
    if odes:
        method = S._method
        if method == "auto":
            try:
                upd = discretize(odes, "exact")
            except DiscretizationError:
                upd = discretize(odes, "euler")
        else:
            upd = discretize(odes, method)
        kind = ("no step-size error while inputs are constant over the step"
                if upd.method == "exact" else f"order {upd.order}")
        out.append(f"Clock-driven, discrete update ({upd.method}: {kind}), one time step dt:")
        out.extend(f"    {st}" for st in upd.statements)
        out.extend(f"    {nm} = {nm}_new" for nm in odes)
    events = tuple(S._event_update())
    if events:
        out.append(_EVENT_TITLE)
        out.extend(f"    {st.target} = {sp.sstr(st.expr, order='old')}" for st in events)
        out.append("    lastupdate = t")
    blocks = S._abstract()
    if target == "numpy":
        arrays = S._array_names()
        code = "\n".join(numpy_source(kind, stmts, arrays) for kind, stmts in blocks.items())
    else:
        from lifdsl.core.network import Network

        sides = [S._src] if S._tgt is S._src else [S._src, S._tgt]
        code = Network(*sides, S).generated_code("cython")
    out.append(f"Generated code that runs it ({target}):")
    out.extend("    " + ln for ln in code.rstrip().splitlines())
    text = "\n".join(out)
    result = Explanation(
        text, equations=tuple(line.source.strip() for line in eqs.lines),
        subexpressions={nm: eqs[nm].expr for nm in eqs.subexpr_names},
        solved={nm: eqs[nm].expr for nm in S._clock_driven}, odes=odes,
        method=upd.method if upd is not None else None,
        order=upd.order if upd is not None else None, update=upd, code=code, target=target,
        event_driven=events, _lines=tuple(eqs.lines))
    if show:
        print(text)
    return result


def explain(equations: str | Equations | Synapses, method: str = "exact",
            target: str = "numpy", show: bool = True) -> Explanation:
    """The derivation of ``equations`` under ``method``: the equations as written, solved for
    each derivative, the method's own formula (for ``exact``, the solution over one step), the
    discrete update and the ``target`` code that runs it. Printed unless ``show=False``;
    returned as an :class:`Explanation` (a ``str`` with the sections as data). Synapses'
    equations (a ``Synapses``, or lines flagged ``(clock-driven)``/``(event-driven)``) show
    the clock-driven update and what each event does to the event-driven variables."""
    if target not in ("numpy", "cython"):
        raise ValueError(f"target must be 'numpy' or 'cython', got {target!r}")
    if isinstance(equations, Synapses):
        return _explain_synapses(equations, target, show)
    if isinstance(equations, (str, Equations)):
        eqs = equations if isinstance(equations, Equations) else Equations(equations)
        if _is_synaptic(eqs):
            return _explain_synapses(_synapses(eqs, method), target, show)
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
    code = generated_code(G, method, target)
    out.extend("    " + ln for ln in code.rstrip().splitlines())
    text = "\n".join(out)
    odes = {nm: eqs.substituted(eqs[nm].expr) for nm in eqs.diff_names}
    result = Explanation(
        text,
        equations=tuple(line.source.strip() for line in eqs.lines),
        subexpressions={nm: eqs[nm].expr for nm in eqs.subexpr_names},
        solved={nm: eqs[nm].expr for nm in eqs.diff_names},
        odes=odes, method=upd.method if upd is not None else None,
        order=upd.order if upd is not None else None,
        update=upd, code=code, target=target, _lines=tuple(eqs.lines))
    if show:
        print(text)
    return result


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
