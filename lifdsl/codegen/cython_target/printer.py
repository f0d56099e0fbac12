"""The C printer of the kernel: the loop's names, TimedArray lookups and hoisting."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from lifdsl.codegen.c_printer import CCodePrinter


@dataclass
class Scope:
    """What a loop's printer knows about the names of its code."""

    value_dtype: str                                  # 'float64' or 'float32'
    scalars: set[str] = field(default_factory=set)    # names that are double arguments
    #: TimedArray name -> (ndim, values pointer, length, columns, 1/dt)
    functions: dict[str, tuple[int, str, str, str, str]] = field(default_factory=dict)
    #: TimedArray name -> its number in the kernel's error reports
    function_ids: dict[str, int] = field(default_factory=dict)
    errors: str = "_err"                              # the kernel's error record
    checks: bool = False                              # set when printed code may record one
    #: user function name -> its number in the kernel's calls back into Python
    python: dict[str, int] = field(default_factory=dict)
    #: user function calls computed before the loop on whole arrays -> the C text of the value
    vectors: dict[sp.Basic, str] = field(default_factory=dict)


class KernelPrinter(CCodePrinter):
    """The C printer with the kernel's names, TimedArray lookups and hoisting.

    Names and lookups are applied while printing, never by rewriting the SymPy tree, so the
    printed order of operations is the one the NumPy printer uses (same rounding).
    """

    def __init__(self, scope: Scope, names: dict[str, str], per_element: set[str],
                 hoisted: list[str], prefix: str) -> None:
        super().__init__()
        self._scope = scope
        self._names = names
        self._per_element = per_element
        self._hoisted = hoisted
        self._hoist_names: dict[sp.Basic, str] = {}
        self._prefix = prefix
        self._parents: list[sp.Basic] = []
        # float32 groups compute per-element arithmetic in float, as NumPy does with float32
        # arrays and Python scalars; element-independent values are computed in double first
        self.in_float = scope.value_dtype == "float32"
        self._hoist_depth = 0

    def _cast(self, text: str) -> str:
        return f"((float){text})" if self.in_float and self._hoist_depth == 0 else text

    @staticmethod
    def _strong(expr: sp.Basic) -> bool:
        """True if NumPy computes this element-independent value as a NumPy float64 scalar
        (a NumPy function of Python numbers), which makes float32 arithmetic with it run in
        double; plain arithmetic of Python numbers stays a weak Python float."""
        return any(not isinstance(f, sp.core.function.AppliedUndef)
                   for f in expr.atoms(sp.Function))

    def depends(self, expr: sp.Basic) -> bool:
        """True if ``expr`` differs from element to element of the loop."""
        return self._depends(expr)

    def _depends(self, expr: sp.Basic) -> bool:
        if any(x.name in self._per_element for x in expr.free_symbols):
            return True
        return any(self._scope.functions.get(c.func.__name__, (1,))[0] == 2
                   for c in expr.atoms(sp.core.function.AppliedUndef))

    def _print(self, expr, **kwargs) -> str:
        parent = self._parents[-1] if self._parents else None
        hoistable = isinstance(expr, (sp.Function, sp.Add)) or (
            isinstance(expr, (sp.Mul, sp.Pow)) and not isinstance(parent, sp.Mul))
        if (hoistable and isinstance(expr, sp.Basic) and not expr.is_Atom
                and not isinstance(expr, (sp.logic.boolalg.Boolean,))
                and not self._depends(expr)):
            name = self._hoist_names.get(expr)
            if name is None:
                self._parents.append(None)
                self._hoist_depth += 1
                try:
                    text = super()._print(expr, **kwargs)
                finally:
                    self._parents.pop()
                    self._hoist_depth -= 1
                name = f"{self._prefix}{len(self._hoisted)}"  # after the inner ones
                self._hoisted.append(f"const double {name} = {text};")
                self._hoist_names[expr] = name
            if self._strong(expr):
                return name
            return self._cast(name)
        self._parents.append(expr if isinstance(expr, sp.Basic) else None)
        try:
            return super()._print(expr, **kwargs)
        finally:
            self._parents.pop()

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        text = self._names.get(expr.name)
        if text is None:
            if expr.name not in ("t", "dt"):  # every other name has a kernel name
                raise ValueError(f"no C name for {expr.name!r} in this loop")
            text = expr.name
        if expr.name in self._scope.scalars or expr.name in ("t", "dt"):
            return self._cast(text)
        return text

    def _print_Float(self, expr: sp.Float) -> str:
        return self._cast(super()._print_Float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return self._cast(super()._print_Rational(expr))

    def _print_AppliedUndef(self, expr) -> str:
        fname = expr.func.__name__
        if expr in self._scope.vectors:
            return self._scope.vectors[expr]
        if fname in self._scope.python:
            return self._python_call(expr, self._scope.python[fname])
        if fname not in self._scope.functions:
            raise ValueError(f"no C implementation for the function {fname!r}")
        ndim, v, n, ncol, inv = self._scope.functions[fname]
        self._hoist_depth += 1  # times and indices stay double: they pick the sample
        try:
            args = ", ".join(self._print(a) for a in expr.args)
        finally:
            self._hoist_depth -= 1
        if ndim == 2:
            self._scope.checks = True
            fid = self._scope.function_ids[fname]
            return self._cast(f"lifdsl_ta2e({v}, {n}, {ncol}, {inv}, {args}, "
                              f"{self._scope.errors}, {fid})")
        return self._cast(f"lifdsl_ta1({v}, {n}, {inv}, {args})")

    def _python_call(self, expr, which: int) -> str:
        """A user function: a call back into Python with the arguments as doubles (the run
        stops after the loop if it raised, as for a TimedArray read out of range)."""
        self._scope.checks = True
        args = [self._print(a) for a in expr.args]   # (float in float32 loops, as NumPy's)
        pack = f"(const double[]){{{', '.join(args)}}}" if args else "(const double*)0"
        return self._cast(f"lifdsl_pyfn({which}, {len(args)}, {pack}, {self._scope.errors})")
