"""Dimension checking of parsed model strings: the units stage between equations and methods.

:func:`dimension_of` walks a SymPy expression with the dimension of every name and returns
its dimension (or :data:`BOOL` for conditions), raising :class:`DimensionIssue` at the first
term that does not fit. The ``check_*`` functions turn an issue into an
:class:`EquationError` that quotes the line, puts a caret under the term and names both
dimensions in words and SI units (``volt/second (m^2 kg s^-4 A^-1)`` vs ``volt (...)``).

A plain number without a unit (a float in ``namespace=``, a TimedArray of plain values, a
literal ``0``) states no dimension: it is read in SI units of whatever dimension is needed, as
lifdsl always read numbers (:data:`ANY`). Number literals elsewhere are dimensionless.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from lifdsl.equations.errors import EquationError
from lifdsl.units.dimensions import DIMENSIONLESS, describe, dimension

#: the dimension of conditions (comparisons, and/or/not, true/false)
BOOL = "boolean"
#: a value without a stated dimension (plain numbers): it fits any dimension
ANY = "any"

SECOND = dimension(s=1)
#: dimensions of the names every model string knows
SPECIAL_DIMENSIONS: dict[str, object] = {
    "t": SECOND, "dt": SECOND, "lastspike": SECOND, "i": DIMENSIONLESS, "j": DIMENSIONLESS,
    "N": DIMENSIONLESS, "N_pre": DIMENSIONLESS, "N_post": DIMENSIONLESS,
    "N_incoming": DIMENSIONLESS, "N_outgoing": DIMENSIONLESS,
    "xi": SECOND ** Fraction(-1, 2), "not_refractory": BOOL, "true": BOOL, "false": BOOL,
}

_NEED_DIMENSIONLESS = (sp.exp, sp.log, sp.sin, sp.cos, sp.tan, sp.sinh, sp.cosh, sp.tanh,
                       sp.asin, sp.acos, sp.atan)


@dataclass(frozen=True)
class Signature:
    """The dimensions a user function takes and gives: ``args`` (a Dimension, BOOL or ANY
    each) and ``result`` (one of those, or a function of the arguments' dimensions)."""

    args: tuple
    result: object
    name: str

    @property
    def has_units(self) -> bool:
        """True if an argument or the result has a dimension (then calls are checked)."""
        return callable(self.result) or any(
            d is not ANY and d is not BOOL and d is not DIMENSIONLESS
            for d in (*self.args, self.result))


class DimensionIssue(Exception):
    """A term whose dimension does not fit: the term, and what was expected and found."""

    def __init__(self, message: str, term: sp.Basic | None, siblings=()) -> None:
        super().__init__(message)
        self.message = message
        self.term = term
        self.siblings = tuple(siblings)


def show(dim) -> str:
    """A dimension (or BOOL/ANY) for messages."""
    if dim is BOOL:
        return "a condition (true/false)"
    if dim is ANY:
        return "a plain number"
    return describe(dim)


def has(dim) -> str:
    """``has dimension volt (...)``, ``is dimensionless (1)``, ``is a condition``."""
    if dim is DIMENSIONLESS:
        return "is dimensionless (1)"
    if dim is BOOL:
        return "is a condition (true/false)"
    return f"has dimension {show(dim)}"


def _text(expr: sp.Basic) -> str:
    from lifdsl.equations.grammar import format_expression

    try:
        return format_expression(expr)
    except Exception:  # noqa: BLE001 - only for messages
        return str(expr)


def _number(d):
    """A condition read as a number (0 or 1) is dimensionless."""
    return DIMENSIONLESS if d is BOOL else d


def _fits(a, b) -> bool:
    return a is ANY or b is ANY or a is b


def _common(terms, dims, what: str, expected=None):
    """The shared dimension of terms that must agree (ANY adapts)."""
    ref = expected if expected is not None and expected is not ANY else None
    ref_term = None
    if ref is None:
        # the dimension most terms have is taken as meant; the odd one out is reported
        counts: dict = {}
        for d in dims:
            if d is not ANY:
                counts[d] = counts.get(d, 0) + 1
        if counts:
            ref = max(counts, key=lambda d: (counts[d], -dims.index(d)))
    if ref is None:
        return ANY
    for term, d in zip(terms, dims, strict=True):
        if d is ANY or d is ref:
            if ref_term is None and d is ref:
                ref_term = term
            continue
        if d is BOOL or ref is BOOL:
            raise DimensionIssue(f"{what} mixes a condition with a number: "
                                 f"'{_text(term)}' is {show(d)}", term, terms)
        against = f"'{_text(ref_term)}'" if ref_term is not None else "the rest"
        raise DimensionIssue(f"{what}: '{_text(term)}' {has(d)}, but "
                             f"{against} {has(ref)}", term, terms)
    return ref


def dimension_of(expr: sp.Basic, dims: Mapping[str, object]):
    """The dimension of ``expr`` (a Dimension, BOOL or ANY) given the dimension of every name
    and TimedArray call (``dims['I_in']`` is the TimedArray's values' dimension)."""
    return _Walker(dims).walk(expr)


class _Walker:
    def __init__(self, dims: Mapping[str, object]) -> None:
        self.dims = dims

    def walk(self, e: sp.Basic):
        if e.is_Symbol:
            name = e.name
            if name in self.dims:
                return self.dims[name]
            if name in SPECIAL_DIMENSIONS:
                return SPECIAL_DIMENSIONS[name]
            return ANY
        if e.is_Number:
            return ANY if e.is_zero else DIMENSIONLESS
        if isinstance(e, sp.NumberSymbol):
            return DIMENSIONLESS
        if isinstance(e, sp.logic.boolalg.BooleanAtom):
            return BOOL
        if isinstance(e, sp.Add):  # (a condition read as a number is 0 or 1)
            return _common(e.args, [_number(self.walk(a)) for a in e.args],
                           "terms added together")
        if isinstance(e, sp.Mul):
            return self.mul(e)
        if isinstance(e, sp.Pow):
            return self.pow(e)
        if isinstance(e, sp.core.relational.Relational):
            sides = [e.lhs, e.rhs]
            ds = [self.walk(a) for a in sides]
            if not all(d is BOOL for d in ds):
                ds = [_number(d) for d in ds]
            _common(sides, ds, "the two sides of a comparison")
            return BOOL
        if isinstance(e, (sp.And, sp.Or, sp.Not, sp.Xor)):
            for a in e.args:
                d = self.walk(a)
                if d is not BOOL and d is not ANY:
                    raise DimensionIssue(f"'{_text(a)}' is {show(d)}, not a condition", a)
            return BOOL
        if isinstance(e, sp.Piecewise):
            vals = [self.walk(v) for v, _ in e.args]
            for _, c in e.args:
                self.walk(c)
            return _common([v for v, _ in e.args], vals, "the branches of a choice")
        if isinstance(e, sp.Function):
            return self.call(e)
        return ANY

    def mul(self, e: sp.Mul):
        self._truncation(e)
        result = DIMENSIONLESS
        wild = False
        for a in e.args:
            d = self.walk(a)
            if d is BOOL:  # a condition read as 0/1
                continue
            if d is ANY:
                wild = True
                continue
            result = result * d
        return ANY if wild else result

    def _truncation(self, e: sp.Mul) -> None:
        """``int(x)`` is ``sign(x)*floor(abs(x))``: its argument must be dimensionless, as
        Brian2 requires (``floor`` and ``ceil`` alone keep the dimension)."""
        if not any(isinstance(a, sp.sign) for a in e.args):
            return
        for a in e.args:
            if isinstance(a, sp.floor) and a.args[0].atoms(sp.Abs):
                d = self.walk(a.args[0])
                if d is not ANY and d is not DIMENSIONLESS and d is not BOOL:
                    arg = next(iter(a.args[0].atoms(sp.Abs))).args[0]
                    raise DimensionIssue(f"int() needs a dimensionless argument, but "
                                         f"'{_text(arg)}' {has(d)}", a)

    def pow(self, e: sp.Pow):
        base, exp = e.args
        db = self.walk(base)
        de = self.walk(exp)
        if de is not ANY and de is not DIMENSIONLESS and de is not BOOL:
            raise DimensionIssue(f"the exponent '{_text(exp)}' must be dimensionless, but has "
                                 f"dimension {show(de)}", exp)
        if db is ANY or db is DIMENSIONLESS or db is BOOL:
            return db if db is not BOOL else DIMENSIONLESS
        if not exp.is_Number:
            raise DimensionIssue(f"'{_text(base)}' has dimension {show(db)}: its power must be "
                                 f"a number, not '{_text(exp)}'", exp)
        return db ** Fraction(str(exp)).limit_denominator(1000)

    def call(self, e: sp.Function):
        from lifdsl.equations.functions import clip, exprel, rand, randn

        name = type(e).__name__
        if isinstance(e, (rand, randn)):
            return DIMENSIONLESS
        args = e.args
        if isinstance(e, _NEED_DIMENSIONLESS) or isinstance(e, exprel):
            for a in args:
                d = self.walk(a)
                if d is not ANY and d is not DIMENSIONLESS:
                    raise DimensionIssue(f"{_fname(e)}() needs a dimensionless argument, but "
                                         f"'{_text(a)}' {has(d)}", a)
            return DIMENSIONLESS
        if isinstance(e, (sp.Abs, sp.floor, sp.ceiling)):
            return self.walk(args[0])
        if isinstance(e, sp.sign):
            self.walk(args[0])
            return DIMENSIONLESS
        if isinstance(e, (clip, sp.Min, sp.Max)):
            return _common(args, [self.walk(a) for a in args],
                           f"the arguments of {_fname(e)}()")
        if isinstance(e, sp.Mod):
            return _common(args, [self.walk(a) for a in args], "the operands of %")
        if isinstance(e, sp.core.function.AppliedUndef) and isinstance(
                self.dims.get(name), Signature):
            return self.user_call(e, self.dims[name])
        if isinstance(e, sp.core.function.AppliedUndef):
            # a TimedArray: called at a time (and an index), gives its values' dimension
            if args:
                d = self.walk(args[0])
                if not _fits(d, SECOND):
                    raise DimensionIssue(f"{name}() is called at a time, but '{_text(args[0])}'"
                                         f" {has(d)}", args[0])
            for a in args[1:]:
                d = self.walk(a)
                if not _fits(d, DIMENSIONLESS):
                    raise DimensionIssue(f"{name}()'s index '{_text(a)}' must be "
                                         f"dimensionless, but has dimension {show(d)}", a)
            return self.dims.get(name, ANY)
        for a in args:
            self.walk(a)
        return ANY


    def user_call(self, e, sig: Signature):
        """A user function's call: each argument in its declared dimension, the result in
        the declared one (or the one computed from the arguments')."""
        if len(e.args) != len(sig.args):
            raise DimensionIssue(f"{sig.name}() takes {len(sig.args)} argument(s), but "
                                 f"{len(e.args)} are given", e)
        got = []
        for k, (a, want) in enumerate(zip(e.args, sig.args, strict=True)):
            d = self.walk(a)
            got.append(d)
            if want is ANY or d is ANY:
                continue
            if want is BOOL:
                if d is not BOOL:
                    raise DimensionIssue(f"argument {k + 1} of {sig.name}() must be a condition"
                                         f", but '{_text(a)}' {has(d)}", a)
                continue
            if _number(d) is not want:
                raise DimensionIssue(f"argument {k + 1} of {sig.name}() must have dimension "
                                     f"{show(want)}, but '{_text(a)}' {has(d)}", a)
        if callable(sig.result):
            from lifdsl.units.dimensions import Dimension

            dims = [DIMENSIONLESS if d is ANY or d is BOOL else d for d in got]
            out = sig.result(*dims)
            return out if isinstance(out, Dimension) else getattr(out, "dim", DIMENSIONLESS)
        return sig.result


def _fname(e) -> str:
    names = {"Abs": "abs", "asin": "arcsin", "acos": "arccos", "atan": "arctan",
             "ceiling": "ceil", "Min": "min", "Max": "max"}
    n = type(e).__name__
    return names.get(n, n)


# -- locating a term in the line the user wrote ----------------------------------------------------

def _word_at(line: str, word: str, start: int) -> int | None:
    m = re.search(rf"(?<![\w.]){re.escape(word)}(?![\w])", line[start:])
    return start + m.start() if m else None


def term_column(line: str, term: sp.Basic | None, siblings=(), start: int = 0) -> int | None:
    """Where ``term`` starts in ``line`` (searched from ``start``), by the first name (or
    number) of it that its sibling terms lack."""
    if term is None or not line:
        return None
    own = _names(term)
    others: set[str] = set()
    for s in siblings:
        if s is not term:
            others |= set(_names(s))
    best = None
    for group in ([n for n in own if n not in others], own):
        for name in group:
            col = _word_at(line, name, start)
            if col is not None and (best is None or col < best):
                best = col
        if best is not None:
            break
    if best is not None:
        # step back over a sign, a factor or an opening parenthesis written just before
        k = best
        while k > start and line[k - 1] in "-(":
            k -= 1
        return k
    rest = line[start:]
    return start + (len(rest) - len(rest.lstrip())) if rest.strip() else None


def _names(e: sp.Basic) -> list[str]:
    out = [s.name for s in sorted(e.free_symbols, key=lambda s: s.name)]
    out += sorted({type(f).__name__ for f in e.atoms(sp.core.function.AppliedUndef)})
    nums = [str(n) for n in e.atoms(sp.Number) if not n.is_zero and abs(n) != 1]
    return out + nums


def error_from(issue: DimensionIssue, what: str, lineno: int | None, line: str | None,
               start: int = 0) -> EquationError:
    """An EquationError for ``issue`` in ``line``, the caret under its term."""
    col = term_column(line or "", issue.term, issue.siblings, start) if line else None
    return EquationError(issue.message, what=what, lineno=lineno, line=line, column=col)


# -- checks by kind of string ------------------------------------------------------------------

def check_expression(expr: sp.Basic, want, dims: Mapping[str, object], *, what: str,
                     lineno: int | None, line: str | None, subject: str, start: int = 0) -> None:
    """``expr`` must have dimension ``want`` (a Dimension or BOOL); ``subject`` says what the
    value is for (``'the threshold'``, ``"a value of 'v'"``)."""
    try:
        if isinstance(expr, sp.Add) and want is not BOOL:
            got = _common(expr.args, [_number(dimension_of(a, dims)) for a in expr.args],
                          f"{subject} must have dimension {show(want)}", want)
        else:
            got = dimension_of(expr, dims)
    except DimensionIssue as issue:
        raise error_from(issue, what, lineno, line, start) from None
    if _fits(got, want) or (want is DIMENSIONLESS and got is BOOL):
        return
    col = term_column(line or "", expr, (), start) if line else None
    raise EquationError(f"{subject} must have dimension {show(want)}, but '{_text(expr)}' "
                        f"{has(got)}", what=what, lineno=lineno, line=line, column=col)


def check_statement(target: str, op: str, expr: sp.Basic, dims: Mapping[str, object], *,
                    what: str, lineno: int | None, line: str | None) -> None:
    """``target op expr``: ``=``, ``+=``, ``-=`` need the target's dimension on the right,
    ``*=`` and ``/=`` a dimensionless factor."""
    have = dims.get(target, ANY)
    if have is ANY:
        return
    start = 0
    if line:
        m = re.search(r"(\+=|-=|\*=|/=|=)", line)
        start = m.end() if m else 0
    if op in ("*=", "/="):
        want, subject = DIMENSIONLESS, f"the factor of '{target} {op}'"
    else:
        want = have
        subject = f"the value assigned to '{target}'"
    if have is BOOL and op == "=":
        # a ': boolean' variable takes a condition or a number (nonzero is true), as in
        # Brian2; a quantity with a dimension is refused
        try:
            got = dimension_of(expr, dims)
        except DimensionIssue as issue:
            raise error_from(issue, what, lineno, line, start) from None
        if got is ANY or got is BOOL or got is DIMENSIONLESS:
            return
    check_expression(expr, want, dims, what=what, lineno=lineno, line=line, subject=subject,
                     start=start)


def uses_units(eqs) -> bool:
    """True if any variable of ``eqs`` has a unit with a dimension."""
    from lifdsl.units.annotation import annotation_dimension

    return any(annotation_dimension(line.unit) is not DIMENSIONLESS for line in eqs.lines)


def variable_dimensions(eqs) -> dict[str, object]:
    """The dimension of every name ``eqs`` defines (``dU/dt`` too), from the annotations."""
    from lifdsl.units.annotation import annotation_dimension

    out: dict[str, object] = {}
    for line in eqs.lines:
        d = annotation_dimension(line.unit)
        if line.unit in ("boolean",):
            d = BOOL
        out[line.name] = d
        if line.kind == "diff":
            out[f"d{line.name}/dt"] = d / SECOND
    return out


def check_equations(eqs, dims: Mapping[str, object]) -> None:
    """Each differential equation's two sides (and every term of each) and each
    subexpression against its unit."""
    for line in eqs.lines:
        if line.kind == "param" or line.expr is None:
            continue
        want = dims[line.name]
        src = line.source
        rhs_start = src.find("=") + 1 if "=" in src else 0
        if line.kind == "diff":
            lhs = line.lhs if line.lhs is not None else None
            rhs = line.rhs if line.rhs is not None else line.expr
            deriv = dims[f"d{line.name}/dt"]
            if lhs is not None:
                try:
                    left = dimension_of(lhs, dims)
                except DimensionIssue as issue:
                    raise error_from(issue, "equations", line.lineno, src) from None
            else:
                left = deriv
            if left is ANY:
                left = deriv
            plain = lhs is None or (lhs.is_Symbol and lhs.name == f"d{line.name}/dt")
            side = (f"the right side (as d{line.name}/dt)" if plain
                    else "the right side (as the left side)")
            check_expression(rhs, left, dims, what="equations", lineno=line.lineno, line=src,
                             subject=side, start=rhs_start)
        else:
            check_expression(line.expr, want, dims, what="equations", lineno=line.lineno,
                             line=src, subject=f"'{line.name}' ({show(want)})",
                             start=rhs_start)


def model_dimensions(eqs, constant_dims: Mapping[str, object],
                     functions: Mapping[str, object]) -> dict[str, object]:
    """Dimensions of every name a group's strings use: its variables, the constants that are
    Quantities (plain numbers fit any), the values of TimedArrays."""
    dims = variable_dimensions(eqs)
    for name, d in constant_dims.items():
        dims.setdefault(name, d)
    for name, f in functions.items():
        d = getattr(f, "dim", None)  # None: plain values, SI of whatever is needed
        dims.setdefault(name, ANY if d is None else d)
    return dims


def needs_check(eqs, constant_dims: Mapping[str, object], functions=()) -> bool:
    """A model is checked once any unit appears: in an annotation, a constant or a
    TimedArray's values."""
    return (uses_units(eqs)
            or any(d is not DIMENSIONLESS for d in constant_dims.values())
            or any(_function_has_units(getattr(f, "dim", None))
                   for f in dict(functions).values()))


def _function_has_units(d) -> bool:
    if isinstance(d, Signature):
        return d.has_units
    return d is not None and d is not DIMENSIONLESS


def check_group(eqs, dims: Mapping[str, object], *, threshold=None, threshold_text=None,
                statements=(), refractory=None, refractory_text=None,
                conditions=()) -> None:
    """Every string of a group: its equations, the threshold and each of ``conditions``
    (``(what, condition, text)``, custom events), conditions of like dimensions, each
    statement (``(what, Statement)``), a refractory time expression."""
    check_equations(eqs, dims)
    if threshold is not None:
        check_expression(threshold, BOOL, dims, what="threshold", lineno=1,
                         line=threshold_text, subject="the threshold")
    for what, cond, text in conditions:
        check_expression(cond, BOOL, dims, what=what, lineno=1, line=text,
                         subject=f"the {what}")
    for what, st in statements:
        check_statement(st.target, st.op, st.expr, dims, what=what, lineno=st.lineno,
                        line=st.source)
    if refractory is not None and refractory_text is not None:
        try:
            d = dimension_of(refractory, dims)
        except DimensionIssue as issue:
            raise error_from(issue, "refractory", 1, refractory_text) from None
        if d is not BOOL:
            check_expression(refractory, SECOND, dims, what="refractory", lineno=1,
                             line=refractory_text, subject="the refractory period")


def check_assignment(eqs, target: str, expr: sp.Basic, constant_dims, functions, line: str,
                     *, what: str) -> None:
    """A string assigned to a variable (``G.v = 'El + rand()*mV'``) against its dimension."""
    if not needs_check(eqs, constant_dims, functions):
        return
    dims = model_dimensions(eqs, constant_dims, functions)
    check_statement(target, "=", expr, dims, what=what, lineno=1, line=f"{target} = {line}")


def check_quantity(eqs, target: str, value) -> None:
    """A Quantity assigned to a variable of a model with units must have its dimension
    (zeros fit any); a unitless model takes the SI values, as it took numbers before."""
    from lifdsl.units.quantity import DimensionMismatchError, get_dimensions

    if not uses_units(eqs) or target not in eqs:
        return
    want = variable_dimensions(eqs).get(target, ANY)
    got = get_dimensions(value)
    if want is ANY or want is BOOL or got is want:
        return
    import numpy as np

    if not np.any(np.asarray(value)):
        return
    raise DimensionMismatchError(f"{target!r} has dimension {show(want)}; cannot assign "
                                 f"{value}", want, got)


def synapse_dimensions(eqs, source_eqs, target_eqs, constant_dims, functions) -> dict:
    """Dimensions of the names of synaptic code: synaptic variables, ``x_pre`` of the
    source, ``x_post`` and bare ``x`` of the target."""
    dims = model_dimensions(eqs, constant_dims, functions)
    for suffix, other in (("_pre", source_eqs), ("_post", target_eqs)):
        for name, d in variable_dimensions(other).items():
            dims.setdefault(name + suffix, d)
    for name, d in variable_dimensions(target_eqs).items():
        dims.setdefault(name, d)
    return dims


def check_synapses(eqs, source_eqs, target_eqs, constant_dims, functions, pathways) -> None:
    """A Synapses' equations and each pathway's statements (``(what, statements)``), once any
    unit appears in it, its groups or its constants."""
    if not (needs_check(eqs, constant_dims, functions) or uses_units(source_eqs)
            or uses_units(target_eqs)):
        return
    dims = synapse_dimensions(eqs, source_eqs, target_eqs, constant_dims, functions)
    check_equations(eqs, dims)
    for what, stmts in pathways:
        for st in stmts:
            check_statement(st.target, st.op, st.expr, dims, what=what, lineno=st.lineno,
                            line=st.source)
