"""Abstract code -> NumPy source: one Python function per code block, vectorised over elements.

The generated function has the signature ``f(_ns, _idx, _n, t, dt, _rng)``: ``_ns`` maps names to
state arrays, constants and functions; ``_idx`` selects the neurons (a slice, or an index array
for spiking neurons); ``_n`` is how many neurons ``_idx`` selects. Arrays are read once, the
statements run in order on local values, and written targets are stored back at the end.
"""

from __future__ import annotations

import keyword
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from lifdsl.codegen.optimize import affine_parts
from lifdsl.equations.functions import clip, exprel, rand, randn
from lifdsl.equations.statements import Assign
from lifdsl.methods.divided_differences import NUMPY_FUNCTIONS

#: names the generated code itself binds; a model name equal to one of these is renamed
_RESERVED = {"numpy", "t", "dt"}


def py_name(name: str) -> str:
    """The Python identifier used for a model name (keywords get a trailing underscore)."""
    if keyword.iskeyword(name) or name in {"numpy"}:
        return "_kw_" + name  # user names cannot start with '_', so this cannot clash
    return name


class NumpyCodePrinter(NumPyPrinter):
    """SymPy's NumPy printer with our functions, exact floats and per-neuron random draws."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return py_name(expr.name)

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"({expr.p}/{expr.q})" if expr.q != 1 else str(expr.p)

    def _print_Integer(self, expr: sp.Integer) -> str:
        return str(int(expr))

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

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        # nested numpy.where reads better and runs faster than numpy.select
        *head, (last_val, last_cond) = expr.args
        out = self._print(last_val)
        if last_cond != sp.true:
            out = f"numpy.where({self._print(last_cond)}, {out}, numpy.nan)"
        for val, cond in reversed(head):
            out = f"numpy.where({self._print(cond)}, {self._print(val)}, {out})"
        return out

    def _print_AppliedUndef(self, expr) -> str:
        name = py_name(expr.func.__name__)
        return f"{name}(" + ", ".join(self._print(a) for a in expr.args) + ")"

    def _print_And(self, expr) -> str:
        out = self._print(expr.args[0])
        for a in expr.args[1:]:
            out = f"numpy.logical_and({out}, {self._print(a)})"
        return out

    def _print_Or(self, expr) -> str:
        out = self._print(expr.args[0])
        for a in expr.args[1:]:
            out = f"numpy.logical_or({out}, {self._print(a)})"
        return out

    def _print_Not(self, expr) -> str:
        return f"numpy.logical_not({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr) -> str:
        return "True"

    def _print_BooleanFalse(self, expr) -> str:
        return "False"


_printer = NumpyCodePrinter({"fully_qualified_modules": True, "allow_unknown_functions": True})


def print_expr(expr: sp.Basic) -> str:
    """NumPy source text of one SymPy expression."""
    return _printer.doprint(expr)


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


def generate_numpy(
    name: str,
    statements: Sequence[Assign],
    arrays: Iterable[str],
    returns: str | None = None,
    doc: str = "",
    full: bool = False,
    indexed: Mapping[str, str] | None = None,
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
    """
    arrays = set(arrays)
    indexed = dict(indexed or {})
    lines = [f"def {name}(_ns, _idx, _n, t, dt, _rng):"]
    if doc:
        lines.append(f"    {doc!r}")
    written: list[str] = []
    aliased: set[str] = set()
    written_indexed: set[str] = set()
    # in-place statements read their target, except through an index (numpy.add.at does)
    statements = [st if st.target in indexed else st.folded() for st in statements]
    for nm in _free_names(statements):
        if nm in ("t", "dt"):
            continue
        if nm in indexed:
            lines.append(f"    {py_name(nm)} = _ns[{nm!r}][_ns[{indexed[nm]!r}][_idx]]")
        elif nm in arrays:
            lines.append(f"    {py_name(nm)} = _ns[{nm!r}]" + ("" if full else "[_idx]"))
        else:
            lines.append(f"    {py_name(nm)} = _ns[{nm!r}]")
    for st in statements:
        late = {s.name for s in st.expr.free_symbols} & written_indexed
        if late:
            raise ValueError(f"{sorted(late)[0]!r} is read after it was written through an "
                             f"index in the same block: not supported")
        if st.target in indexed:
            target = f"_ns[{st.target!r}]"
            where = f"_ns[{indexed[st.target]!r}][_idx]"
            value = print_expr(st.expr)
            if st.op == "=":
                lines.append(f"    {target}[{where}] = numpy.broadcast_to({value}, (_n,))")
            else:
                lines.append(f"    numpy.{_AT[st.op]}.at({target}, {where}, {value})")
            written_indexed.add(st.target)
            continue
        if isinstance(st.expr, sp.Symbol):
            aliased.add(st.expr.name)
        inplace = None
        if full and st.target in arrays and st.target not in aliased \
                and st.target not in written:
            inplace = affine_parts(st.expr, sp.Symbol(st.target, real=True), arrays)
        if inplace is not None:
            a, b = inplace
            x = py_name(st.target)
            if a != 1:
                lines.append(f"    numpy.multiply({x}, {print_expr(a)}, out={x})")
            if b != 0:
                lines.append(f"    numpy.add({x}, {print_expr(b)}, out={x})")
            continue
        lines.append(f"    {py_name(st.target)} = {print_expr(st.expr)}")
        if st.target in arrays and st.target not in written:
            written.append(st.target)
    for nm in written:
        lines.append(f"    _ns[{nm!r}][" + ("..." if full else "_idx") + f"] = {py_name(nm)}")
    if returns is not None:
        lines.append(f"    return numpy.broadcast_to({py_name(returns)}, (_n,))")
    if len(lines) == 1 or (doc and len(lines) == 2):
        lines.append("    pass")
    return "\n".join(lines) + "\n"


def compile_numpy(source: str, name: str):
    """Compile generated (never user-written) source and return the function ``name``."""
    glob = {"numpy": np, "_exprel": NUMPY_FUNCTIONS["exprel"], "_expdd": NUMPY_FUNCTIONS["expdd"]}
    code = compile(source, f"<lifdsl generated {name}>", "exec")
    exec(code, glob)  # noqa: S102 - generated from SymPy trees, not from user text
    return glob[name]
