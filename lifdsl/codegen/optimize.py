"""Target-free rewrites of abstract code that make both targets faster by the same amount.

:func:`affine_commits` turns ``U_new = <linear in U>; U = U_new`` into ``U = a*U + b`` where
``a`` does not depend on the neuron: one multiply-add per neuron (NumPy: two in-place passes),
instead of the method's literal formula. :func:`affine_rewrite` does the same for updates
linear in several per-neuron names (``v = a*v + c*ge + d*gi + b``, CUBA's exact update) and
can name each coefficient made of run constants alone (``_coef0``, ...), so that it is
computed once per run (:func:`coefficient_values`) instead of per step or per neuron. Both
targets get the same statements, so they keep computing the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from lifdsl.codegen import symbolic_memo
from lifdsl.equations.functions import RANDOM_FUNCTIONS, symbol
from lifdsl.equations.statements import Assign


def affine_parts(expr: sp.Basic, var: sp.Symbol, per_neuron: set[str]
                 ) -> tuple[sp.Basic, sp.Basic] | None:
    """``(a, b)`` with ``expr == a*var + b``, ``a`` neuron-independent and ``b`` free of
    ``var``; None if ``expr`` is not of that form."""
    if var not in expr.free_symbols or expr.atoms(*RANDOM_FUNCTIONS):
        return None
    if isinstance(expr, (sp.Piecewise, sp.core.relational.Relational,
                         sp.logic.boolalg.Boolean)):
        return None
    if not _polynomial_in(expr, {var}):
        return None
    a = sp.diff(expr, var)
    if (var in a.free_symbols or any(s.name in per_neuron for s in a.free_symbols)
            or a.atoms(sp.Derivative)):
        return None
    b = expr.xreplace({var: sp.S.Zero})
    if var in b.free_symbols:
        return None
    return a, b


def _polynomial_in(expr: sp.Basic, names: set[sp.Symbol]) -> bool:
    """True if every occurrence of ``names`` in ``expr`` is inside sums, products and powers
    to positive integer exponents only (``expr`` is a polynomial in them, whatever else it
    holds). Such an ``expr`` whose derivatives by each of them are free of all of them is
    affine in them, exactly: no expansion is needed to check it (expanding a product of many
    sums grows exponentially)."""
    stack = [expr]
    while stack:
        e = stack.pop()
        if e in names or not (e.free_symbols & names):
            continue
        if isinstance(e, (sp.Add, sp.Mul)):
            stack.extend(e.args)
        elif isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0:
            stack.append(e.base)
        else:
            return False
    return True


def affine_form(expr: sp.Basic, per_neuron: set[str], linear_in: set[str] | None = None
                ) -> tuple[list[tuple[sp.Symbol, sp.Basic]], sp.Basic] | None:
    """``([(Y_1, a_1), ...], b)`` with ``expr == a_1*Y_1 + ... + b``: the per-neuron names
    ``expr`` is linear in (among ``linear_in``, default all of ``per_neuron``), each
    coefficient ``a_k`` free of per-neuron names (and nonzero), ``b`` free of the ``Y_k`` (it
    may still depend on other per-neuron names); None if ``expr`` is linear in no such name,
    draws a random number or is not arithmetic."""
    linear_in = per_neuron if linear_in is None else linear_in
    if expr.atoms(*RANDOM_FUNCTIONS) or isinstance(
            expr, (sp.Piecewise, sp.core.relational.Relational, sp.logic.boolalg.Boolean)):
        return None
    terms = []
    for y in sorted(expr.free_symbols, key=lambda s: s.name):
        if y.name not in linear_in:
            continue
        a = sp.diff(expr, y)
        if a == 0 or a.atoms(sp.Derivative) or any(s.name in per_neuron
                                                    for s in a.free_symbols):
            continue
        terms.append((y, a))
    if not terms:
        return None
    # (a polynomial in the Y_k whose derivatives are free of every per-neuron name, the Y_k
    # among them, is affine in them)
    if not _polynomial_in(expr, {y for y, _ in terms}):
        return None
    b = expr.xreplace({y: sp.S.Zero for y, _ in terms})
    if b.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or any(y in b.free_symbols for y, _ in terms):
        return None
    return terms, b


@dataclass
class AffineRewrite:
    """Statements after :func:`affine_rewrite`, and the coefficients it named: name ->
    expression of run constants (to be computed once per run, see :func:`coefficient_values`)."""

    statements: list[Assign]
    coefficients: dict[str, sp.Basic] = field(default_factory=dict)
    #: the source of :func:`coefficient_values`' function of the coefficients (printed once,
    #: remembered with the rewrite: SymPy's printer is ~5 ms of a fresh process's first run)
    coefficient_source: str = field(default="", compare=False)


#: prefixes of the names :func:`affine_rewrite` introduces (users cannot start names with '_')
COEFFICIENT_PREFIX = "_coef"
PARTIAL_PREFIX = "_lin_"


def _run_constant(expr: sp.Basic, constants: set[str]) -> bool:
    """True if ``expr`` is made of run constants alone (no time, no per-neuron name, no
    TimedArray, no random draw), so its value is one number for a whole run."""
    return (all(s.name in constants for s in expr.free_symbols)
            and not expr.atoms(sp.core.function.AppliedUndef, *RANDOM_FUNCTIONS))


def affine_rewrite(statements: Sequence[Assign], states: Iterable[str], per_neuron: set[str],
                   constants: set[str] | None = None) -> AffineRewrite:
    """:func:`compute_affine_rewrite`, remembered in this process and on disk
    (:mod:`lifdsl.codegen.symbolic_memo`): a fresh process's first run of a model it has seen
    does no SymPy work here (CUBA: ~30 ms of its first ``run()``)."""
    states = list(states)
    expressions = {f"{k} {st.target} {st.op}": st.expr for k, st in enumerate(statements)}
    extra = repr((states, sorted(per_neuron),
                  None if constants is None else sorted(constants)))
    key = symbolic_memo.memo_key("affine_rewrite", expressions, extra)

    def compute() -> AffineRewrite:
        rewrite = compute_affine_rewrite(statements, states, per_neuron, constants)
        exprs = tuple(rewrite.coefficients.values())
        rewrite.coefficient_source = _coefficient_source(exprs) if exprs else ""
        return rewrite

    value = symbolic_memo.remembered(key, AffineRewrite, compute)
    exprs = tuple(value.coefficients.values())
    if exprs and value.coefficient_source and exprs not in _functions:
        _functions[exprs] = _compiled_coefficients(value.coefficient_source)
    return AffineRewrite(list(value.statements), dict(value.coefficients),
                         value.coefficient_source)  # (copies)


def compute_affine_rewrite(statements: Sequence[Assign], states: Iterable[str],
                           per_neuron: set[str], constants: set[str] | None = None
                           ) -> AffineRewrite:
    """Fold ``X_new`` into its commit (``X = X_new``, or ``X = Piecewise((X_new, c), (X,
    True))`` for ``unless refractory``) as ``sum_k a_k*Y_k + b`` where that is exact and safe
    (``X_new`` used only by the commit; no commit between them changes what it reads): the ``Y_k``
    are the per-neuron names the update is linear in with neuron-independent ``a_k``.

    With ``constants`` (names fixed for a run: namespace values, ``dt``), every coefficient
    and constant term made of them alone becomes a name ``_coef<n>`` (equal expressions share
    one), returned in ``coefficients``; others (depending on ``t``, a TimedArray, a shared
    variable) stay expressions, which the targets compute once per step.

    A plain commit whose update reads ``X`` and two or more other terms is written as
    ``_lin_X = <the other terms>; X = a*X + _lin_X``: the NumPy target updates ``X`` in place
    as ``X*a`` then ``+ _lin_X``, and C then adds in the same order.
    """
    states = list(states)
    out: list[Assign | None] = list(statements)
    linear_in = set(per_neuron) | set(states)
    varying = linear_in | {st.target for st in statements}
    coefficients: dict[str, sp.Basic] = {}
    named: dict[sp.Basic, sp.Symbol] = {}

    def name(c: sp.Basic) -> sp.Basic:
        if constants is None or c.is_Number or not _run_constant(c, constants):
            return c
        sym = named.get(c)
        if sym is None:
            nm = f"{COEFFICIENT_PREFIX}{len(coefficients)}"
            coefficients[nm] = c
            sym = named[c] = symbol(nm)
        return sym

    commit_at = {st.target: k for k, st in enumerate(out)
                 if st.target in states and st.op == "="
                 and symbol(f"{st.target}_new") in st.expr.free_symbols}
    before: dict[int, Assign] = {}
    for x in states:
        k = commit_at.get(x)
        new = symbol(f"{x}_new")
        commit = out[k] if k is not None else None
        if commit is None or not (commit.expr == new or _gated(commit.expr, new, x)):
            continue
        defs = [j for j, st in enumerate(out) if st is not None and st.target == new.name]
        users = [j for j, st in enumerate(out)
                 if st is not None and new in st.expr.free_symbols]
        if len(defs) != 1 or users != [k] or defs[0] > k:
            continue
        expr = out[defs[0]].expr
        reads = {s.name for s in expr.free_symbols} & set(states)
        # every other state read here must hold at the commit what it held at the definition
        if any(defs[0] < commit_at.get(y, -1) < k for y in reads - {x}):
            continue
        # linear in arrays only: a method's temporaries (rk4's _k1_v ...) stay in b as the
        # method combines them, (_k1_v + 2*_k2_v + ...)/6, not expanded into four products
        form = affine_form(expr, varying, linear_in)
        if form is None:
            continue
        terms, b = form
        rest = [s for s in b.free_symbols if s.name in varying]
        b_const, b_rest = b.as_independent(*rest, as_Add=True) if rest else (b, sp.S.Zero)
        xs = symbol(x)
        own = next((a for y, a in terms if y == xs), None)
        # a product in b with a factor of constants alone: that factor is named too
        b_rest = sp.Add(*(_named_factor(term, rest, name) for term in sp.Add.make_args(b_rest)))
        others = [sp.Mul(name(a), y) for y, a in terms if y != xs] + [name(b_const), b_rest]
        others = [p for p in others if p != 0]
        if own is None:
            value = sp.Add(*others)
        elif commit.expr == new and len(others) >= 2:
            partial = f"{PARTIAL_PREFIX}{x}"
            before[k] = Assign(partial, sp.Add(*others))
            value = sp.Add(sp.Mul(name(own), xs), symbol(partial))
        else:
            value = sp.Add(sp.Mul(name(own), xs), *others)
        out[k] = Assign(x, commit.expr.xreplace({new: value}))
        out[defs[0]] = None
    result: list[Assign] = []
    for k, st in enumerate(out):
        if k in before:
            result.append(before[k])
        if st is not None:
            result.append(st)
    return AffineRewrite(result, coefficients)


def _named_factor(term: sp.Basic, per_neuron: list[sp.Symbol], name) -> sp.Basic:
    """``term`` with its neuron-independent factor replaced by ``name(factor)``."""
    if not isinstance(term, sp.Mul) or not per_neuron:
        return term
    factor, rest = term.as_independent(*per_neuron, as_Add=False)
    if factor.is_Number or factor == 1:
        return term
    return sp.Mul(name(factor), rest)


def _gated(expr: sp.Basic, new: sp.Symbol, x: str) -> bool:
    """True for ``Piecewise((X_new, cond), (X, True))`` with ``cond`` free of ``X_new``."""
    if not isinstance(expr, sp.Piecewise) or len(expr.args) != 2:
        return False
    (val, cond), (other, last) = expr.args
    return val == new and other == symbol(x) and last == sp.true \
        and new not in cond.free_symbols


def affine_commits(statements: Sequence[Assign], states: Iterable[str],
                   per_neuron: set[str]) -> list[Assign]:
    """:func:`affine_rewrite` with every coefficient left an expression."""
    return affine_rewrite(statements, states, per_neuron).statements


def coefficient_values(coefficients: Mapping[str, sp.Basic], values: Mapping[str, float]
                       ) -> dict[str, float]:
    """The value of every named coefficient for a run, in IEEE double arithmetic (NumPy
    float64 scalars, so 1/0 is inf and overflow is inf, as in C), from the values of the run
    constants (namespace values and ``dt``)."""
    if not coefficients:
        return {}
    names = tuple(coefficients)
    fn = _coefficient_function(tuple(coefficients[nm] for nm in names))
    args = {nm: np.float64(v) for nm, v in values.items()}
    with np.errstate(all="ignore"):
        out = fn(args)
    return {nm: float(v) for nm, v in zip(names, out, strict=True)}


_functions: dict[tuple, object] = {}


def _coefficient_function(exprs: tuple[sp.Basic, ...]):
    """A compiled Python function of a dict of values returning the tuple of ``exprs``
    (printed by the NumPy target's printer; remembered by expressions)."""
    fn = _functions.get(exprs)
    if fn is None:
        fn = _functions[exprs] = _compiled_coefficients(_coefficient_source(exprs))
    return fn


def _coefficient_source(exprs: tuple[sp.Basic, ...]) -> str:
    """The source of ``_coefficients(values)`` returning the tuple of ``exprs``."""
    from lifdsl.codegen.numpy_target.printer import print_expr, py_name

    names = sorted({s.name for e in exprs for s in e.free_symbols})
    lines = ["def _coefficients(_v):"]
    lines += [f"    {py_name(nm)} = _v[{nm!r}]" for nm in names]
    lines.append("    return (" + "".join(f"{print_expr(e)}, " for e in exprs) + ")")
    return "\n".join(lines) + "\n"


def _compiled_coefficients(source: str):
    """The function ``_coefficients`` defined by ``source`` (see :func:`_coefficient_source`)."""
    from lifdsl.codegen.numpy_target.printer import compile_numpy

    return compile_numpy(source, "_coefficients")
