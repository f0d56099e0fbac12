"""User functions: a Python function called from model strings (``f(v)``), on every target.

A :class:`Function` wraps a Python (NumPy) implementation with the units of its arguments and
its result, so the units stage can check calls like any other term. The NumPy target calls the
implementation once per statement on whole arrays; the Cython kernel calls back into Python,
once per element (with one-element arrays, so the implementation computes exactly as it does
on NumPy), or once per step where the arguments do not depend on the element.
"""

from __future__ import annotations

import logging
import types
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lifdsl.units.check import ANY, BOOL, Signature
from lifdsl.units.dimensions import DIMENSIONLESS
from lifdsl.units.quantity import DimensionMismatchError, Quantity, get_dimensions

logger = logging.getLogger("lifdsl.functions")

#: how Functions that do not say (``discard_units=None``) run their implementation: with plain
#: SI numbers (True) or Quantities (False, Brian2's default); lifdsl.brian2's
#: ``prefs.codegen.runtime.numpy.discard_units`` sets it
DEFAULTS = {"discard_units": False}

#: the argument and result types a Function may declare (Brian2's words)
ARG_TYPES = ("any", "float", "integer", "boolean")
RETURN_TYPES = ("float", "integer", "boolean", "highest")


def _dimension_of_unit(unit, what: str, fname: str):
    """A unit as the checker reads it: None (no check) -> ANY, bool -> BOOL, else its
    dimension (``1`` for dimensionless)."""
    if unit is None or isinstance(unit, str):
        return ANY  # (a name of another argument: Brian2's 'same unit as'; not checked)
    if unit is bool:
        return BOOL
    if callable(unit) and not isinstance(unit, (Quantity, np.ndarray)):
        return unit   # a result unit computed from the arguments' dimensions
    try:
        return get_dimensions(unit)
    except Exception:  # noqa: BLE001 - reported with the function's name
        raise TypeError(f"function {fname!r}: {what} must be a unit (or 1, bool, None), "
                        f"got {unit!r}") from None


class Function:
    """A Python function usable in model strings, with its units: ``Function(f,
    arg_units=[mV], return_unit=1)``; a ``@check_units``-decorated function gives its own.

    ``discard_units=True`` runs the implementation on plain SI numbers (the Quantities in its
    globals replaced by their SI values); otherwise it gets Quantities in its declared units
    and its result is checked against ``return_unit`` (Brian2's default).
    """

    def __init__(self, pyfunc: Callable, sympy_func=None, arg_units: Sequence | None = None,
                 arg_names: Sequence[str] | None = None, return_unit: Any = None,
                 arg_types: Sequence[str] | None = None, return_type: str | None = None,
                 stateless: bool = True, auto_vectorise: bool = False,
                 discard_units: bool | None = None) -> None:
        if not callable(pyfunc):
            raise TypeError(f"Function needs a Python function, got {pyfunc!r}")
        name = getattr(pyfunc, "__name__", "function")
        if arg_units is None:
            if not hasattr(pyfunc, "_arg_units"):
                raise ValueError(f"the Python function {name!r} does not say how it deals with "
                                 f"units: give arg_units= or decorate it with @check_units")
            if pyfunc._arg_units is None:
                raise ValueError(f"the Python function {name!r} does not give the units of "
                                 f"all its arguments (@check_units names each one)")
            arg_units = pyfunc._arg_units
            arg_names = arg_names or getattr(pyfunc, "_arg_names", None)
        if return_unit is None:
            if getattr(pyfunc, "_return_unit", None) is None:
                raise ValueError(f"the Python function {name!r} does not give the unit of its "
                                 f"result: give return_unit= or check_units(result=...)")
            return_unit = pyfunc._return_unit
        self.pyfunc = pyfunc
        self.name = name
        self.sympy_func = sympy_func
        self.arg_units = list(arg_units)
        self.arg_names = list(arg_names) if arg_names is not None else None
        self.return_unit = return_unit
        self.arg_types = list(arg_types) if arg_types is not None else \
            list(getattr(pyfunc, "_arg_types", ["any"] * len(self.arg_units)))
        self.return_type = return_type or getattr(pyfunc, "_return_type", "float")
        if return_unit is bool:
            self.return_type = "boolean"
        if len(self.arg_types) != len(self.arg_units):
            raise ValueError(f"function {name!r}: {len(self.arg_types)} arg_types for "
                             f"{len(self.arg_units)} arguments")
        for kind, unit in zip(self.arg_types, self.arg_units, strict=True):
            if kind not in ARG_TYPES:
                raise ValueError(f"function {name!r}: argument type {kind!r} is not one of "
                                 f"{', '.join(ARG_TYPES)}")
            if kind in ("integer", "boolean") and _dimension_of_unit(unit, "a unit", name) \
                    not in (ANY, BOOL, DIMENSIONLESS):
                raise TypeError(f"function {name!r}: an {kind} argument must be dimensionless")
        if not isinstance(self.return_type, str) or self.return_type not in RETURN_TYPES:
            raise ValueError(f"function {name!r}: return type {self.return_type!r} is not one "
                             f"of {', '.join(RETURN_TYPES)}")
        self.stateless = bool(stateless)
        #: the implementation gets one more argument, the elements' indices (Brian2's
        #: ``_vectorisation_idx``: its length is the number of values to return)
        self.auto_vectorise = bool(auto_vectorise)
        self.discard_units = discard_units   # None: DEFAULTS['discard_units'] when it runs
        self.foreign: dict[str, Any] = {}   # implementations for other languages (not used)
        self._signature = Signature(
            tuple(_dimension_of_unit(u, "each of arg_units", name) for u in self.arg_units),
            _dimension_of_unit(return_unit, "return_unit", name), name)

    # -- what the other stages read ---------------------------------------------------------
    @property
    def nargs(self) -> int:
        """How many arguments a call in a model string passes."""
        return len(self.arg_units)

    @property
    def dim(self) -> Signature:
        """What the units stage checks calls against (argument and result dimensions)."""
        return self._signature

    @property
    def ndim(self) -> int:
        """The program's mark of a function that runs in Python (TimedArrays are 1 or 2): 0
        for a stateless one (the kernel may call it once on a whole array), -1 otherwise."""
        return 0 if self.stateless else -1

    def _discards(self) -> bool:
        return bool(DEFAULTS["discard_units"] if self.discard_units is None
                    else self.discard_units)

    def _implementation(self) -> Callable:
        f = getattr(self.pyfunc, "_orig_func", self.pyfunc)   # (check_units' own check: ours)
        if not self._discards() or not isinstance(f, types.FunctionType):
            return f
        plain = {k: (np.asarray(v) if isinstance(v, Quantity) else v)
                 for k, v in f.__globals__.items()}
        return types.FunctionType(f.__code__, plain, f.__name__, f.__defaults__,
                                  f.__closure__)

    def numpy_function(self, dtype=np.float64) -> Callable:
        """The callable generated NumPy code uses: SI arrays in, SI array (or number) out."""
        impl = self._implementation()
        dims = [d if d is not ANY and d is not BOOL else None for d in self._signature.args]
        kinds = self.arg_types
        result_dim = self._signature.result
        units = not self._discards()
        name = self.name
        nargs = self.nargs
        rtype = self.return_type
        indexed = self.auto_vectorise

        def call(*args):
            if len(args) != nargs + indexed:
                raise TypeError(f"function {name!r} takes {nargs} argument(s), "
                                f"got {len(args) - indexed}")
            index = [np.asarray(args[-1]).astype(np.int64)] if indexed else []
            if indexed:
                args = args[:-1]
            given = []
            for a, d, kind in zip(args, dims, kinds, strict=True):
                if kind == "integer":
                    a = np.asarray(a).astype(np.int64)
                elif kind == "boolean":
                    a = np.asarray(a).astype(bool)
                elif units and d is not None and d is not DIMENSIONLESS:
                    a = Quantity(a, d)
                given.append(a)
            out = impl(*given, *index)
            if out is None:
                raise TypeError(f"function {name!r} returned None (it must return its "
                                f"values; a function with code for other languages only is "
                                f"run through its Python body in lifdsl)")
            if units:
                want = get_dimensions(result_dim(*(get_dimensions(a) for a in given))) \
                    if callable(result_dim) else result_dim
                got = get_dimensions(out)
                if want not in (ANY, BOOL) and got is not want and np.any(np.asarray(out)):
                    raise DimensionMismatchError(
                        f"function {name!r} returned a value of the wrong dimension", want, got)
            out = np.asarray(out)
            if rtype == "boolean":
                return out.astype(bool)
            if rtype == "integer":
                return out.astype(np.float64)   # model arithmetic is in floats
            return out if out.dtype.kind == "f" else out.astype(np.float64)

        call.__name__ = name
        return call

    def scalar_function(self, dtype=np.float64) -> Callable[..., float]:
        """The callable the Cython kernel calls back: doubles in, one double out. The
        implementation sees one-element arrays of the loop's ``dtype``, as a NumPy run shows
        it whole arrays, so it takes the same branches and rounds the same."""
        vector = self.numpy_function(dtype)
        name = self.name
        dtype = np.dtype(dtype)

        def call(*args: float) -> float:
            out = np.asarray(vector(*(np.array([a], dtype) for a in args)))
            if out.size != 1:
                raise ValueError(f"function {name!r} returned {out.size} values for one "
                                 f"element")
            return float(out.reshape(-1)[0])

        return call

    def __call__(self, *args, **kwargs):
        """Called from Python, the function is its implementation (units checked if it was
        decorated with ``@check_units``)."""
        return self.pyfunc(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Function({self.name})"


def implementation(target: str, code: Any = None, namespace=None, dependencies=None,
                   discard_units: bool | None = None, name: str | None = None,
                   **compiler_kwds) -> Callable:
    """Decorator making a Python function a :class:`Function` (Brian2's spelling):
    ``@implementation('numpy', discard_units=True)``. Code for other languages
    (``'cython'``/``'cpp'`` strings) is kept but not compiled: lifdsl runs the Python body on
    every target, so the targets give the same numbers (a notice says so once)."""
    if discard_units and not (target == "numpy" and code is None):
        raise TypeError("discard_units= is for target 'numpy' without code")

    def decorate(func):
        f = func if isinstance(func, Function) else Function(func)
        if target == "numpy":
            if code is not None:
                if not callable(code):
                    raise TypeError(f"the 'numpy' implementation of {f.name!r} must be a "
                                    f"Python function, got {type(code).__name__}")
                f.pyfunc = code
            if discard_units is not None:
                f.discard_units = bool(discard_units)
        else:
            if code is None:
                raise TypeError(f"@implementation({target!r}) of {f.name!r} needs the code")
            f.foreign[target] = code
            logger.info("function %r: lifdsl does not compile its %r code; every target runs "
                        "its Python implementation (the Cython target through a call into "
                        "Python)", f.name, target)
        return f

    return decorate


def as_function(value: Any) -> Any:
    """A value found for a name called in a model string, as lifdsl calls it: a
    ``@check_units``-decorated Python function becomes a :class:`Function` (as in Brian2);
    anything else is returned as it is."""
    if isinstance(value, Function) or hasattr(value, "numpy_function"):
        return value
    if callable(value) and hasattr(value, "_arg_units") and hasattr(value, "_return_unit"):
        return Function(value)
    return value


__all__ = ["Function", "as_function", "implementation"]
