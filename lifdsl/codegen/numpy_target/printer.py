"""Abstract code -> NumPy source: one Python function per code block, vectorised over elements.

The generated function has the signature ``f(_ns, _idx, _n, t, dt, _rng)``: ``_ns`` maps names to
state arrays, constants and functions; ``_idx`` selects the neurons (a slice, or an index array
for spiking neurons); ``_n`` is how many neurons ``_idx`` selects. Arrays are read once, the
statements run in order on local values, and written targets are stored back at the end.

Values that do not depend on the element follow IEEE double arithmetic, as the C target does:
an expression of run constants alone (namespace values, ``dt``, ``N``) is computed once per
``_ns`` by a companion function ``_fold_<name>`` (errors ignored) and read as ``_c<k>``; a
quotient or power of other element-independent values (of ``t``) goes through
:func:`ieee_div` or :func:`ieee_pow`. Both give inf or nan where Python's numbers would raise
or turn complex, and Python's own result (value and type) everywhere else: a Python float stays
a Python float, so a float32 array combined with it stays float32. Booleans (``not_refractory``,
locals set to a condition) read as numbers are 0 and 1 of the block's floating-point type.
"""

from __future__ import annotations

import hashlib
import keyword
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from lifdsl.codegen.long_expressions import balanced, multiplied_power, power_text
from lifdsl.codegen.optimize import affine_parts
from lifdsl.equations.functions import clip, exprel, rand, randn
from lifdsl.equations.statements import Assign
from lifdsl.methods.divided_differences import NUMPY_FUNCTIONS

#: names the generated code itself binds; a model name equal to one of these is renamed
_RESERVED = {"numpy", "t", "dt"}

#: array names that hold booleans when a block is not told otherwise (as the C printer's ints)
DEFAULT_BOOLEANS = frozenset({"not_refractory"})

#: how a value depends on the element: per element, per step (t), or fixed for the run
_ELEMENT, _VARYING, _CONSTANT = "element", "varying", "constant"
_BOOLEAN_VALUES = (sp.core.relational.Relational, sp.And, sp.Or, sp.Not,
                   sp.logic.boolalg.BooleanAtom)


def ieee_pow(a, b):
    """``a**b``, with the IEEE double result (inf, nan) where Python numbers raise or turn
    complex; otherwise Python's own result."""
    try:
        out = a ** b
    except (ZeroDivisionError, OverflowError):
        out = None
    if out is None or type(out) is complex:
        with np.errstate(all="ignore"):
            return float(np.power(np.float64(a), np.float64(b)))
    if type(out) is int:   # exact integer powers can leave the range of doubles
        try:
            float(out)
        except OverflowError:
            return math.inf if out > 0 else -math.inf
    return out


def ieee_div(a, b):
    """``a/b``, with the IEEE double result (inf, -inf, nan) where Python numbers raise."""
    try:
        return a / b
    except ZeroDivisionError:
        with np.errstate(all="ignore"):
            return float(np.float64(a) / np.float64(b))


#: below this, the double exp(x) is +0.0 (exp(-745.14) is already under half the smallest
#: subnormal); NumPy's SIMD exp takes a slow path for each such element (bench/exp_underflow.py)
_EXP_ZERO_BELOW = -746.0


def fast_exp(x):
    """``numpy.exp(x)``, value for value, without NumPy's slow path where a float64 array's
    exp underflows to 0 (a Gaussian connection probability far from the diagonal: ~15x)."""
    if type(x) is not np.ndarray or x.dtype != np.float64 or x.size < 64 \
            or not x.min() < _EXP_ZERO_BELOW:
        return np.exp(x)
    low = x < _EXP_ZERO_BELOW
    out = np.zeros_like(x)
    np.exp(x, out=out, where=~low)
    return out


def bool_number(x) -> float:
    """An element-independent condition as the number 0.0 or 1.0."""
    return float(x)


def float_type(ns: Mapping, names: Iterable[str]) -> type:
    """The floating-point type of a block whose own arrays are ``ns[name]`` for ``names``:
    float32 when one of them is (the state of a float32 group), float64 otherwise."""
    for nm in names:
        if getattr(ns.get(nm), "dtype", None) == np.float32:
            return np.float32
    return np.float64


def as_double(x):
    """A run constant as C computes with it: a Python int as a double (``-k`` of ``k = 0`` is
    ``-0.0``; beyond the doubles, inf), every other value as it is."""
    if type(x) is not int:
        return x
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def py_name(name: str) -> str:
    """The Python identifier used for a model name (keywords get a trailing underscore)."""
    if keyword.iskeyword(name) or name in {"numpy"}:
        return "_kw_" + name  # user names cannot start with '_', so this cannot clash
    return name


class NumpyCodePrinter(NumPyPrinter):
    """SymPy's NumPy printer with our functions, exact floats and per-neuron random draws."""

    def doprint(self, expr, assign_to=None):
        # (long sums and products as balanced groups: see lifdsl.codegen.long_expressions)
        return super().doprint(balanced(expr), assign_to)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return py_name(expr.name)

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"({expr.p}/{expr.q})" if expr.q != 1 else str(expr.p)

    def _print_Integer(self, expr: sp.Integer) -> str:
        return str(int(expr))

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        n = multiplied_power(expr)
        if n is not None:
            return power_text(self._print(expr.base), n)
        return super()._print_Pow(expr, rational=rational)

    def _print_exprel(self, expr: exprel) -> str:
        return f"_exprel({self._print(expr.args[0])})"

    def _print_expdd(self, expr) -> str:
        return "_expdd(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_clip(self, expr: clip) -> str:
        x, lo, hi = (self._print(a) for a in expr.args)
        return f"numpy.clip({x}, {lo}, {hi})"

    def _print_rand(self, expr: rand) -> str:
        return "_rng.random(_n)"

    def _print_randn(self, expr: randn) -> str:
        return "_rng.standard_normal(_n)"

    def _print_condition(self, expr: sp.Basic) -> str:
        """An operand of logic, or a choice of ``Piecewise``, which is read as true/false."""
        return self._print(expr)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        # nested numpy.where reads better and runs faster than numpy.select
        *head, (last_val, last_cond) = expr.args
        out = self._print(last_val)
        if last_cond != sp.true:
            out = f"numpy.where({self._print_condition(last_cond)}, {out}, numpy.nan)"
        for val, cond in reversed(head):
            out = f"numpy.where({self._print_condition(cond)}, {self._print(val)}, {out})"
        return out

    def _print_AppliedUndef(self, expr) -> str:
        name = py_name(expr.func.__name__)
        return f"{name}(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_And(self, expr) -> str:
        out = self._print_condition(expr.args[0])
        for a in expr.args[1:]:
            out = f"numpy.logical_and({out}, {self._print_condition(a)})"
        return out

    def _print_Or(self, expr) -> str:
        out = self._print_condition(expr.args[0])
        for a in expr.args[1:]:
            out = f"numpy.logical_or({out}, {self._print_condition(a)})"
        return out

    def _print_Not(self, expr) -> str:
        return f"numpy.logical_not({self._print_condition(expr.args[0])})"

    def _print_BooleanTrue(self, expr) -> str:
        return "True"

    def _print_BooleanFalse(self, expr) -> str:
        return "False"


_printer = NumpyCodePrinter({"fully_qualified_modules": True, "allow_unknown_functions": True})


def print_expr(expr: sp.Basic) -> str:
    """NumPy source text of one SymPy expression (every name a plain value)."""
    return _printer.doprint(expr)


def _top_level_slash(text: str) -> int | None:
    """Where the last ``/`` outside parentheses and brackets is in ``text`` (None if none)."""
    depth, at = 0, None
    for k, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "/" and depth == 0:
            at = k
    return at


class _BlockPrinter(NumpyCodePrinter):
    """The printer of one block, knowing which names vary per element as statements run.

    Run constants are folded into ``_c<k>`` names (their text kept in ``folds``); a quotient or
    power that is element-independent but not constant prints as a call of the IEEE helpers;
    a boolean name read as a number prints as 0/1 of ``dtype`` (None: of ``_ft``, the type
    the fold function finds, see :func:`float_type`).
    """

    def __init__(self, element: Iterable[str], booleans: Iterable[str],
                 dtype: str | None) -> None:
        super().__init__({"fully_qualified_modules": True, "allow_unknown_functions": True})
        self.element = set(element)      # names whose value differs per element, now
        self.varying = set()             # element-independent locals (not run constants)
        self.booleans = set(booleans)    # names holding true/false values, now
        self.dtype = None if dtype is None else np.dtype(dtype).name
        self.needs_float_type = False   # a boolean is read as a number of the inferred type
        self.folds: list[str] = []       # the text of _c0, _c1, ... (constants alone)
        self.used: set[str] = set()      # names the block function reads
        self.fold_used: set[str] = set()  # names the fold function reads
        self._fold_names: dict[sp.Basic, str] = {}
        self._folding = False
        self._kinds: dict[sp.Basic, str] = {}
        self.shared: dict[sp.Basic, str] = {}   # per-element calls computed once: their local
        self.shared_made: list[str] = []         # every such local of the block

    # -- what a value depends on ----------------------------------------------------------
    def kind(self, expr: sp.Basic) -> str:
        """``'element'``, ``'varying'`` (one value per step) or ``'constant'`` (per run)."""
        out = self._kinds.get(expr)
        if out is None:
            names = {s.name for s in expr.free_symbols}
            if names & self.element or expr.atoms(rand, randn):
                out = _ELEMENT
            elif "t" in names or names & self.varying or expr.atoms(
                    sp.core.function.AppliedUndef):
                out = _VARYING
            else:
                out = _CONSTANT
            self._kinds[expr] = out
        return out

    def assigned(self, target: str, expr: sp.Basic | None) -> None:
        """Note that the local ``target`` now holds ``expr`` (None: it stays per element)."""
        kind = _ELEMENT if expr is None else self.kind(expr)
        self.element.discard(target)
        self.varying.discard(target)
        (self.element if kind == _ELEMENT else self.varying).add(target)
        if expr is not None and (isinstance(expr, _BOOLEAN_VALUES) or (
                isinstance(expr, sp.Symbol) and expr.name in self.booleans)):
            self.booleans.add(target)
        else:
            self.booleans.discard(target)
        self._kinds.clear()

    def statement(self, expr: sp.Basic) -> str:
        """The text of a statement's value (a bare boolean name is copied as it is)."""
        if isinstance(expr, sp.Symbol):
            return self._print_condition(expr)
        return self.doprint(expr)

    # -- printing ---------------------------------------------------------------------------
    def _print(self, expr, **kwargs) -> str:
        if self.shared and not self._folding:
            name = self.shared.get(expr)
            if name is not None:
                return name
        if (not self._folding and isinstance(expr, sp.Basic) and not expr.is_Atom
                and not isinstance(expr, sp.logic.boolalg.Boolean)
                and self.kind(expr) == _CONSTANT):
            name = self._fold_names.get(expr)
            if name is None:
                self._folding = True
                try:
                    text = super()._print(expr, **kwargs)
                finally:
                    self._folding = False
                name = self._fold_names[expr] = f"_c{len(self.folds)}"
                self.folds.append(text)
            return name
        return super()._print(expr, **kwargs)

    def _note(self, name: str) -> None:
        (self.fold_used if self._folding else self.used).add(name)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        self._note(expr.name)
        name = py_name(expr.name)
        if expr.name not in self.booleans:
            return name
        if self.kind(expr) != _ELEMENT:
            return f"_bool_number({name})"
        if self.dtype is None:
            self.needs_float_type = True
            return f"numpy.asarray({name}, _ft)"
        return f"numpy.asarray({name}, numpy.{self.dtype})"

    def _print_condition(self, expr: sp.Basic) -> str:
        if isinstance(expr, sp.Symbol) and expr.name in self.booleans:
            self._note(expr.name)
            return py_name(expr.name)
        return self._print(expr)

    def _print_AppliedUndef(self, expr) -> str:
        self._note(expr.func.__name__)
        return super()._print_AppliedUndef(expr)

    def _print_Mul(self, expr: sp.Mul) -> str:
        text = super()._print_Mul(expr)
        if self.kind(expr) == _ELEMENT:
            return text   # NumPy arithmetic on arrays
        cut = _top_level_slash(text)   # SymPy writes a quotient as 'numerator/denominator'
        if cut is None:
            return text
        return f"_div({text[:cut]}, {text[cut + 1:]})"

    def _print_exp(self, expr: sp.exp) -> str:
        if self.kind(expr) == _ELEMENT:   # (the same values; see fast_exp)
            return f"_exp({self._print(expr.args[0])})"
        return f"numpy.exp({self._print(expr.args[0])})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        n = multiplied_power(expr)
        if n is not None:
            return power_text(self._print(expr.base), n)
        if self.kind(expr) == _ELEMENT or rational:
            return super()._print_Pow(expr, rational=rational)
        ex = expr.exp
        if ex.is_integer and ex.is_negative:
            ex = ex.evalf()   # as NumPy's printer: negative integer powers in floats
        if ex == sp.S.Half or (expr.is_commutative and -ex is sp.S.Half):
            return super()._print_Pow(expr)   # numpy.sqrt: NumPy arithmetic already
        return f"_pow({self._print(expr.base)}, {self._print(ex)})"


def _free_names(statements: Sequence[Assign]) -> list[str]:
    names: list[str] = []
    defined: set[str] = set()
    for st in statements:
        for s in sorted(st.expr.free_symbols, key=lambda s: s.name):
            if s.name not in defined and s.name not in names:
                names.append(s.name)
        for f in sorted(st.expr.atoms(sp.core.function.AppliedUndef), key=str):
            fname = f.func.__name__
            if fname not in names:
                names.append(fname)
        defined.add(st.target)
    return names


_AT = {"+=": "add", "-=": "subtract", "*=": "multiply", "/=": "divide"}


#: functions whose calls NumPy would compute again where a block repeats them (C's compiler
#: computes such a call once): a repeated call of per-element values is a local of its own
_SHARED_FUNCTIONS = (sp.exp, exprel, sp.log, sp.sin, sp.cos, sp.tan, sp.tanh, sp.sinh,
                     sp.cosh)


def _calls(expr: sp.Basic) -> list[sp.Basic]:
    return [e for e in sp.preorder_traversal(expr) if isinstance(e, _SHARED_FUNCTIONS)]


def _calls_to_share(calls: Sequence[list[sp.Basic]], repeated: set[sp.Basic],
                    statements: Sequence[Assign], k: int, printer: _BlockPrinter
                    ) -> list[sp.Basic]:
    """Per-element calls of statement ``k`` (innermost first; ``calls[j]`` those of statement
    ``j``, ``repeated`` the ones the block has more than once) not yet shared that statements
    ``k``, ``k+1``, ... compute more than once before one of them assigns a name the call
    reads: each is computed once, into a local (the same value: one evaluation, not a
    rewritten tree, so NumPy keeps the C printer's order of operations)."""
    out: list[sp.Basic] = []
    for call in reversed(list(dict.fromkeys(calls[k]))):
        if call not in repeated or call in printer.shared or printer.kind(call) != _ELEMENT:
            continue
        reads = {s.name for s in call.free_symbols}
        uses = 0
        for j in range(k, len(statements)):
            uses += calls[j].count(call)
            if statements[j].target in reads:
                break   # (its own value was computed before the assignment)
        if uses > 1:
            out.append(call)
    return out


def _forget_shared(printer: _BlockPrinter, target: str) -> None:
    """Shared calls that read ``target`` are stale once it is assigned."""
    for call in [c for c in printer.shared if target in {s.name for s in c.free_symbols}]:
        del printer.shared[call]


def generate_numpy(
    name: str,
    statements: Sequence[Assign],
    arrays: Iterable[str],
    returns: str | None = None,
    doc: str = "",
    full: bool = False,
    indexed: Mapping[str, str] | None = None,
    booleans: Iterable[str] | None = None,
    dtype: str | None = None,
    integers: Iterable[str] = (),
) -> str:
    """Source of a function running ``statements`` over the selected elements.

    ``arrays`` names the per-element arrays of ``_ns`` (read with ``[_idx]``, written back when
    a statement targets them); every other free name is looked up in ``_ns`` as is (constants,
    functions). ``returns`` names a value to return, broadcast to ``_n`` elements. A ``full``
    block always runs on every element: it works on the arrays themselves and updates
    ``X = a*X + b`` (``a`` element-independent) in place, with no temporaries.

    ``indexed`` maps names reached through an index array (``v_post`` through ``post_idx``)
    to that index's name in ``_ns``: they are read as ``_ns['v'][_ns['post_idx'][_idx]]`` and
    written with ``numpy.add.at`` (and its kin) so repeated targets all count; such a name may
    not be read after it is written in the same block.

    ``booleans`` names the arrays holding true/false values (default: ``not_refractory``);
    read as numbers they are 0 and 1 of ``dtype``, the block's floating-point type (None: the
    type of its own arrays, see :func:`float_type`). Values of run constants alone, and that
    type, are computed by a second function once per ``_ns`` (and ``dt``), kept in ``_ns``
    under a key of its source.

    ``integers`` names the arrays stored as integers (``: integer`` variables): they are read
    as float64, as the kernel reads them as doubles (so ``2**n``, ``n/2`` and ``n % 3`` are
    floating-point arithmetic on both targets), and a value written to them is truncated
    toward zero by the store; they are never updated in place.
    """
    arrays = set(arrays)
    integers = set(integers)
    # arrays that are not floating point are never updated in place
    not_float = integers | set(DEFAULT_BOOLEANS if booleans is None else booleans)
    indexed = dict(indexed or {})
    printer = _BlockPrinter(arrays | set(indexed),
                            DEFAULT_BOOLEANS if booleans is None else booleans, dtype)
    body: list[str] = []
    written: list[str] = []
    aliased: set[str] = set()
    written_indexed: set[str] = set()
    # in-place statements read their target, except through an index (numpy.add.at does)
    statements = [st if st.target in indexed else st.folded() for st in statements]
    calls = [_calls(st.expr) for st in statements]
    counts = Counter(c for cs in calls for c in cs)
    repeated = {c for c, n in counts.items() if n > 1}
    for k, st in enumerate(statements):
        for call in _calls_to_share(calls, repeated, statements, k, printer):
            local = f"_call{len(printer.shared_made)}"
            printer.shared_made.append(local)
            body.append(f"    {local} = {printer.doprint(call)}")
            printer.assigned(local, call)
            printer.shared[call] = local
        late = {s.name for s in st.expr.free_symbols} & written_indexed
        if late:
            raise ValueError(f"{sorted(late)[0]!r} is read after it was written through an "
                             f"index in the same block: not supported")
        if st.target in indexed:
            target = f"_ns[{st.target!r}]"
            where = f"_ns[{indexed[st.target]!r}][_idx]"
            value = printer.doprint(st.expr)
            if st.op == "=":
                body.append(f"    {target}[{where}] = numpy.broadcast_to({value}, (_n,))")
            else:
                body.append(f"    numpy.{_AT[st.op]}.at({target}, {where}, {value})")
            written_indexed.add(st.target)
            continue
        if isinstance(st.expr, sp.Symbol):
            aliased.add(st.expr.name)
        inplace = None
        if full and st.target in arrays and st.target not in aliased \
                and st.target not in written and st.target not in not_float:
            inplace = affine_parts(st.expr, sp.Symbol(st.target, real=True), arrays)
        if inplace is not None:
            a, b = inplace
            x = py_name(st.target)
            if a != 1:
                body.append(f"    numpy.multiply({x}, {printer.doprint(a)}, out={x})")
            if b != 0:
                body.append(f"    numpy.add({x}, {printer.doprint(b)}, out={x})")
            printer.assigned(st.target, None)
            _forget_shared(printer, st.target)
            continue
        body.append(f"    {py_name(st.target)} = {printer.statement(st.expr)}")
        printer.assigned(st.target, st.expr)
        _forget_shared(printer, st.target)
        if st.target in arrays and st.target not in written:
            written.append(st.target)
    for nm in written:
        body.append(f"    _ns[{nm!r}][" + ("..." if full else "_idx") + f"] = {py_name(nm)}")
    if returns is not None:
        body.append(f"    return numpy.broadcast_to({py_name(returns)}, (_n,))")

    lines = [f"def {name}(_ns, _idx, _n, t, dt, _rng):"]
    if doc:
        lines.append(f"    {doc!r}")
    fold = ""
    if printer.folds or printer.needs_float_type:
        own = sorted(arrays & ({nm for st in statements for nm in _names(st.expr)}
                               | {st.target for st in statements}))
        fold, values = _fold_source(name, printer, own)
        key = "_fold_" + hashlib.sha256(fold.encode()).hexdigest()[:16]
        lines += [f"    _f = _ns.get({key!r})",
                  "    if _f is None or _f[0] != dt:",
                  f"        _f = _ns[{key!r}] = _fold_{name}(_ns, dt)",
                  "    _f_dt, " + ", ".join(values) + " = _f"]
    for nm in _free_names(statements):
        if nm in ("t", "dt"):
            continue
        if nm in indexed:
            read = f"_ns[{nm!r}][_ns[{indexed[nm]!r}][_idx]]"
        elif nm in arrays:
            read = f"_ns[{nm!r}]" + ("" if full else "[_idx]")
        else:
            read = None
        if read is not None:
            if nm in integers:
                read = f"numpy.asarray({read}, numpy.float64)"
            lines.append(f"    {py_name(nm)} = {read}")
        elif nm in printer.used:   # (a name read only by folded values is not read here)
            lines.append(f"    {py_name(nm)} = _ns[{nm!r}]")
    lines += body
    if len(lines) == 1 or (doc and len(lines) == 2):
        lines.append("    pass")
    return "\n".join(lines) + "\n" + (("\n" + fold) if fold else "")


def _names(expr: sp.Basic) -> set[str]:
    return {s.name for s in expr.free_symbols}


def _fold_source(name: str, printer: _BlockPrinter, own: list[str]) -> tuple[str, list[str]]:
    """The function computing what a block needs once per ``_ns``: its float type ``_ft``
    (where it infers it from its ``own`` arrays) and its folded run constants ``_c<k>``;
    returns the source and the names of the values after ``dt`` in the tuple it returns."""
    lines = [f"def _fold_{name}(_ns, dt):"]
    values = []
    if printer.needs_float_type:
        lines.append(f"    _ft = _float_type(_ns, {tuple(own)!r})")
        values.append("_ft")
    lines += [f"    {py_name(nm)} = _double(_ns[{nm!r}])"
              for nm in sorted(printer.fold_used - {"dt"})]
    if printer.folds:
        lines.append('    with numpy.errstate(all="ignore"):')
        lines += [f"        _c{k} = {text}" for k, text in enumerate(printer.folds)]
        values += [f"_c{k}" for k in range(len(printer.folds))]
    lines.append("    return (dt, " + "".join(f"{v}, " for v in values) + ")")
    return "\n".join(lines) + "\n", values


def generated_globals() -> dict:
    """The module-level names generated NumPy source reads (numpy and our helpers)."""
    return {"numpy": np, "_exprel": NUMPY_FUNCTIONS["exprel"], "_expdd": NUMPY_FUNCTIONS["expdd"],
            "_exp": fast_exp, "_pow": ieee_pow, "_div": ieee_div, "_bool_number": bool_number,
            "_double": as_double, "_float_type": float_type}


def compile_numpy(source: str, name: str):
    """Compile generated (never user-written) source and return the function ``name``."""
    glob = generated_globals()
    code = compile(source, f"<lifdsl generated {name}>", "exec")
    exec(code, glob)  # noqa: S102 - generated from SymPy trees, not from user text
    return glob[name]
