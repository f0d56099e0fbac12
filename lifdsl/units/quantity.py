"""Quantity: a NumPy array of SI values with a physical dimension.

Values are stored in SI (``20*ms`` holds 0.02), so ``np.asarray``, ``float`` and everything
lifdsl's kernels see are SI numbers; arithmetic and NumPy's ufuncs carry the dimension and
refuse what is physically meaningless (``1*mV + 1``, ``exp(1*mV)``). A result without dimension
is a plain number or array (``(5*second)/ms`` is the float 5000.0).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from lifdsl.units.dimensions import DIMENSIONLESS, Dimension, describe, dimension_words


class DimensionMismatchError(ValueError):
    """Two values whose dimensions had to agree did not; the message names both."""

    def __init__(self, description: str, *dims: Dimension) -> None:
        self.description = description
        self.dims = dims
        super().__init__(description, *dims)

    def __str__(self) -> str:
        if not self.dims:
            return self.description
        if len(self.dims) == 1:
            return f"{self.description} (dimension {describe(self.dims[0])})"
        named = " and ".join(describe(d) for d in self.dims)
        return f"{self.description} (dimensions {named})"


def get_dimensions(value: Any) -> Dimension:
    """The dimension of a value: a Quantity's own, plain numbers and arrays dimensionless."""
    if isinstance(value, Quantity):
        return value.dim
    if isinstance(value, Dimension):
        return value
    return DIMENSIONLESS


def have_same_dimensions(a: Any, b: Any) -> bool:
    """True if ``a`` and ``b`` have the same dimension (plain numbers are dimensionless)."""
    return get_dimensions(a) is get_dimensions(b)


def is_dimensionless(value: Any) -> bool:
    """True for plain numbers and dimensionless quantities."""
    return get_dimensions(value) is DIMENSIONLESS


def _raw(x):
    return x.view(np.ndarray) if isinstance(x, Quantity) else x


def _all_zero(x) -> bool:
    """A plain value that is zero everywhere fits any dimension (``0*mV + 0``)."""
    if isinstance(x, Quantity) and x.dim is not DIMENSIONLESS:
        return False
    try:
        arr = np.asarray(x)
        return arr.dtype.kind in "biuf" and not np.any(arr)
    except Exception:  # noqa: BLE001 - anything that is not an array of numbers
        return False


def _show(x) -> str:
    if isinstance(x, Quantity):
        return str(x)
    return str(np.asarray(x)) if not isinstance(x, (int, float)) else repr(x)


def _same(name: str, inputs, dims) -> Dimension:
    """The common dimension of operands that must agree (zeros adapt)."""
    ref = None
    for x, d in zip(inputs, dims, strict=True):
        if d is DIMENSIONLESS and _all_zero(x):
            continue
        if ref is None:
            ref = (x, d)
        elif d is not ref[1]:
            raise DimensionMismatchError(
                f"cannot {name} {_show(ref[0])} and {_show(x)}: the dimensions differ",
                ref[1], d)
    return DIMENSIONLESS if ref is None else ref[1]


def _exponent_of(x, name: str):
    d = get_dimensions(x)
    if d is not DIMENSIONLESS:
        raise DimensionMismatchError(f"the exponent of {name} must be dimensionless, "
                                     f"got {_show(x)}", d)
    arr = np.asarray(_raw(x))
    if arr.size == 0:
        return 1
    first = arr.flat[0]
    if arr.size > 1 and not np.all(arr == first):
        raise DimensionMismatchError(f"{name} of a quantity with dimension needs one exponent "
                                     f"for all elements, got {arr}")
    return first


# ufuncs by how they treat dimensions
_SAME_KEEP = {"add", "subtract", "maximum", "minimum", "fmax", "fmin", "hypot", "remainder",
              "mod", "fmod", "nextafter", "heaviside_"}
_COMPARE = {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"}
_KEEP = {"negative", "positive", "absolute", "fabs", "rint", "floor", "ceil", "trunc",
         "conjugate", "spacing"}
_PLAIN_OUT = {"isnan", "isinf", "isfinite", "signbit", "sign", "logical_not", "isnat"}
_NEED_DIMENSIONLESS = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos",
                       "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
                       "arccosh", "arctanh", "deg2rad", "rad2deg", "degrees", "radians",
                       "logaddexp", "logaddexp2", "logical_and", "logical_or", "logical_xor",
                       "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift",
                       "right_shift", "gcd", "lcm", "ldexp", "frexp", "modf"}


def _result_dim(ufunc, method: str, inputs, dims, kwargs) -> Dimension | None:
    """The dimension of a ufunc's result (None: a result of truth values)."""
    name = ufunc.__name__
    if method == "reduce" or method == "accumulate" or method == "reduceat":
        d = dims[0]
        if name in ("add", "maximum", "minimum", "fmax", "fmin") or d is DIMENSIONLESS:
            return d if name not in _COMPARE else None
        if name == "multiply" and method == "reduce":
            arr = np.asarray(_raw(inputs[0]))
            axis = kwargs.get("axis", 0)
            if axis is None:
                n = arr.size
            else:
                axes = axis if isinstance(axis, tuple) else (axis,)
                n = int(np.prod([arr.shape[a] for a in axes]))
            return d ** n
        raise DimensionMismatchError(f"{name}.{method} is not defined for a quantity with "
                                     f"dimension", d)
    if name in _SAME_KEEP:
        return _same({"add": "add", "subtract": "subtract"}.get(name, f"take the {name} of"),
                     inputs, dims)
    if name in _COMPARE:
        _same("compare", inputs, dims)
        return None
    if name == "clip":
        _same("clip", inputs, dims)
        return dims[0] if dims[0] is not DIMENSIONLESS else _same("clip", inputs, dims)
    if name in _KEEP:
        return dims[0]
    if name in _PLAIN_OUT:
        return None if name != "sign" else DIMENSIONLESS
    if name == "multiply" or name == "matmul" or name == "vecdot":
        return dims[0] * dims[1]
    if name in ("divide", "true_divide", "floor_divide"):
        return dims[0] / dims[1]
    if name == "reciprocal":
        return DIMENSIONLESS / dims[0]
    if name == "sqrt":
        return dims[0] ** Fraction(1, 2)
    if name == "cbrt":
        return dims[0] ** Fraction(1, 3)
    if name == "square":
        return dims[0] ** 2
    if name in ("power", "float_power"):
        if dims[0] is DIMENSIONLESS:
            _exponent_of(inputs[1], "a power")
            return DIMENSIONLESS
        return dims[0] ** Fraction(float(_exponent_of(inputs[1], "a power"))).limit_denominator(
            1000)
    if name == "arctan2":
        _same("take the arctan2 of", inputs, dims)
        return DIMENSIONLESS
    if name == "copysign":
        return dims[0]
    if name == "divmod":
        _same("divmod", inputs, dims)
        return DIMENSIONLESS
    if all(d is DIMENSIONLESS for d in dims):
        return DIMENSIONLESS
    if name in _NEED_DIMENSIONLESS:
        bad = next(d for d in dims if d is not DIMENSIONLESS)
        arg = next(x for x, d in zip(inputs, dims, strict=True) if d is bad)
        raise DimensionMismatchError(f"{name} needs a dimensionless argument, got {_show(arg)}",
                                     bad)
    raise DimensionMismatchError(f"NumPy's {name} is not defined for quantities with "
                                 f"dimension", *[d for d in dims if d is not DIMENSIONLESS])


def _wrap(result, dim: Dimension | None):
    """A ufunc's raw result as a Quantity (or plain, where it has no dimension)."""
    if dim is None or dim is DIMENSIONLESS:
        return result
    if isinstance(result, np.ndarray):
        q = result.view(Quantity)
    else:
        q = np.asarray(result).view(Quantity)
    q.dim = dim
    return q


class Quantity(np.ndarray):
    """An array of SI values with a dimension: ``Quantity(0.02, dim=second)`` is 20 ms.

    ``Quantity(values)`` of quantities keeps their common dimension; ``dim`` may be a
    Dimension or a Quantity whose dimension is taken (``Quantity(3, volt)``)."""

    __array_priority__ = 1000
    dim: Dimension

    def __new__(cls, value: Any = 0.0, dim: Any = None, dtype: Any = None,
                copy: bool = False) -> Quantity:
        if isinstance(value, (list, tuple)) and any(isinstance(v, Quantity) for v in value):
            d = _same("join", list(value), [get_dimensions(v) for v in value])
            value = [np.asarray(v) for v in value]
            dim = d if dim is None else dim
        elif isinstance(value, Quantity) and dim is None:
            dim = value.dim
        arr = np.array(_raw(value), dtype=dtype, copy=copy or None)
        if dtype is None and arr.dtype.kind in "biu":
            arr = arr.astype(np.float64)
        obj = arr.view(cls)
        obj.dim = get_dimensions(dim) if dim is not None else DIMENSIONLESS
        return obj

    def __array_finalize__(self, obj) -> None:
        self.dim = getattr(obj, "dim", DIMENSIONLESS)

    def __reduce__(self):
        return (_rebuild, (np.asarray(self), self.dim.exponents))

    # -- NumPy protocol ---------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        dims = [get_dimensions(x) for x in inputs]
        raw = [_raw(x) for x in inputs]
        if method == "at":
            if ufunc.__name__ in ("add", "subtract", "maximum", "minimum"):
                _same(ufunc.__name__, [inputs[0], *inputs[2:]], [dims[0], *dims[2:]])
            elif any(d is not DIMENSIONLESS for d in dims[2:]):
                raise DimensionMismatchError(f"{ufunc.__name__}.at with a dimension",
                                             *dims[2:])
            ufunc.at(*raw, **kwargs)
            return None
        dim = _result_dim(ufunc, method, inputs, dims, kwargs)
        if out is not None:
            outs = out if isinstance(out, tuple) else (out,)
            for o in outs:
                if not isinstance(o, Quantity) and dim not in (None, DIMENSIONLESS):
                    raise DimensionMismatchError(
                        f"cannot write a result of {ufunc.__name__} with a dimension into "
                        f"a plain array", dim)
            kwargs["out"] = tuple(_raw(o) for o in outs)
            getattr(ufunc, method)(*raw, **kwargs)
            for o in outs:
                if isinstance(o, Quantity):
                    o.dim = DIMENSIONLESS if dim is None else dim
            return outs[0] if len(outs) == 1 else outs
        result = getattr(ufunc, method)(*raw, **kwargs)
        if isinstance(result, tuple):
            return tuple(_wrap(r, dim) for r in result)
        return _wrap(result, dim)

    def __array_function__(self, func, types, args, kwargs):
        handler = _FUNCTIONS.get(func)
        if handler is not None:
            return handler(*args, **kwargs)
        return super().__array_function__(func, types, args, kwargs)

    def __array_wrap__(self, out, context=None, return_scalar=False):
        if self.dim is DIMENSIONLESS:
            out = np.asarray(out)
            return out[()] if return_scalar else out
        return super().__array_wrap__(out, context, return_scalar)

    # -- elements ---------------------------------------------------------------------------------
    def __getitem__(self, item):
        result = super().__getitem__(item)
        if isinstance(result, np.ndarray):
            return result
        return _wrap(result, self.dim) if self.dim is not DIMENSIONLESS else result

    def __setitem__(self, item, value) -> None:
        _same("assign", [self, value], [self.dim, get_dimensions(value)])
        self.view(np.ndarray)[item] = _raw(value)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d quantity")
        return (self[k] for k in range(self.shape[0]))

    def __float__(self) -> float:
        return float(self.view(np.ndarray))

    # a 0-d quantity is a number: ``d = start; d *= 0.5`` leaves ``start`` as it was (as Python
    # floats and Brian2's quantities do); arrays are changed in place, as NumPy's
    def __iadd__(self, other):
        return self + other if self.ndim == 0 else super().__iadd__(other)

    def __isub__(self, other):
        return self - other if self.ndim == 0 else super().__isub__(other)

    def __imul__(self, other):
        return self * other if self.ndim == 0 else super().__imul__(other)

    def __itruediv__(self, other):
        return self / other if self.ndim == 0 else super().__itruediv__(other)

    def __ifloordiv__(self, other):
        return self // other if self.ndim == 0 else super().__ifloordiv__(other)

    def __imod__(self, other):
        return self % other if self.ndim == 0 else super().__imod__(other)

    def __ipow__(self, other):
        return self ** other if self.ndim == 0 else super().__ipow__(other)

    def __int__(self) -> int:
        return int(self.view(np.ndarray))

    # -- convenience ------------------------------------------------------------------------------
    @property
    def dimensions(self) -> Dimension:
        """The dimension (as Brian2 names it)."""
        return self.dim

    @property
    def is_dimensionless(self) -> bool:
        """True if the quantity has no dimension."""
        return self.dim is DIMENSIONLESS

    def in_unit(self, unit: Quantity, precision: int | None = None) -> str:
        """The values written in ``unit``: ``(20*ms).in_unit(second) == '0.02 s'``."""
        _same("express", [self, unit], [self.dim, get_dimensions(unit)])
        vals = np.asarray(self) / float(unit)
        text = (np.array2string(vals, precision=precision) if precision is not None
                else np.array2string(vals))
        return f"{text} {getattr(unit, 'short', None) or unit_text(unit, short=True)}"

    def in_best_unit(self, precision: int | None = None) -> str:
        """The values in the unit ``str`` shows them in: ``(0.00123*volt).in_best_unit()``
        is ``'1.23 mV'``."""
        from lifdsl.units.display import in_best_unit

        return in_best_unit(self, precision)

    def __repr__(self) -> str:
        from lifdsl.units.display import format_quantity

        return format_quantity(self, short=False)

    def __str__(self) -> str:
        from lifdsl.units.display import format_quantity

        return format_quantity(self, short=True)

    def __format__(self, spec: str) -> str:
        if not spec:
            return str(self)
        from lifdsl.units.display import best_unit

        name, scale = best_unit(self, short=True)
        if self.ndim == 0:
            return f"{float(self) / scale:{spec}} {name}".rstrip()
        return f"{np.asarray(self) / scale} {name}"

    # reductions that NumPy does not route through ufuncs in a way that keeps the dimension
    def tolist(self):
        """The values as (nested) lists of quantities."""
        if self.ndim == 0:
            return self
        return [self[k].tolist() for k in range(self.shape[0])]


def _rebuild(values, exponents) -> Quantity:
    return Quantity(values, Dimension(tuple(exponents)))


def unit_text(value, short: bool = True) -> str:
    """The unit a quantity is shown in (``mV``/``mvolt``)."""
    from lifdsl.units.display import best_unit

    return best_unit(value, short=short)[0]


class Unit(Quantity):
    """A named unit (``mV``): a quantity of value 1 in it, shown by its name."""

    name: str
    short: str

    def __new__(cls, scale: float, dim: Dimension, name: str, short: str) -> Unit:
        obj = np.array(float(scale)).view(cls)
        obj.dim = dim
        obj.name = name
        obj.short = short
        return obj

    def __array_finalize__(self, obj) -> None:
        self.dim = getattr(obj, "dim", DIMENSIONLESS)
        self.name = getattr(obj, "name", "")
        self.short = getattr(obj, "short", "")

    def __reduce__(self):
        return (Unit, (float(self), self.dim, self.name, self.short))

    def __repr__(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.short


# -- array functions that need the dimension ------------------------------------------------------

_FUNCTIONS: dict[Callable, Callable] = {}


def _implements(*funcs):
    def deco(f):
        for fn in funcs:
            _FUNCTIONS[fn] = f
        return f
    return deco


def _joined(name: str, arrays) -> tuple[list, Dimension]:
    arrays = list(arrays)
    d = _same(name, arrays, [get_dimensions(a) for a in arrays])
    return [np.asarray(_raw(a)) for a in arrays], d


def _make_join(fn):
    def join(arrays, *args, **kwargs):
        raws, d = _joined("join", arrays)
        return _wrap(fn(raws, *args, **kwargs), d)
    return join


for _fn in (np.concatenate, np.stack, np.hstack, np.vstack, np.column_stack, np.dstack):
    _FUNCTIONS[_fn] = _make_join(_fn)


@_implements(np.append)
def _append(arr, values, axis=None):
    (a, b), d = _joined("append", [arr, values])
    return _wrap(np.append(a, b, axis=axis), d)


@_implements(np.where)
def _where(cond, *xy):
    if not xy:
        return np.where(_raw(cond))
    (x, y), d = _joined("choose between", list(xy))
    return _wrap(np.where(_raw(cond), x, y), d)


def _make_product(fn):
    def product(a, b, *args, **kwargs):
        return _wrap(fn(np.asarray(_raw(a)), np.asarray(_raw(b)), *args, **kwargs),
                     get_dimensions(a) * get_dimensions(b))
    return product


for _fn in (np.dot, np.inner, np.outer, np.tensordot, np.matmul, np.cross):
    _FUNCTIONS[_fn] = _make_product(_fn)


@_implements(np.linspace)
def _linspace(start, stop, *args, **kwargs):
    (a, b), d = _joined("span", [start, stop])
    return _wrap(np.linspace(a, b, *args, **kwargs), d)


@_implements(np.interp)
def _interp(x, xp, fp, left=None, right=None, period=None):
    _same("interpolate at", [x, xp], [get_dimensions(x), get_dimensions(xp)])
    extra = [v for v in (left, right) if v is not None]
    (fpr, *lr), d = _joined("interpolate", [fp, *extra])
    it = iter(lr)
    left_r = next(it) if left is not None else None
    right_r = next(it) if right is not None else None
    return _wrap(np.interp(np.asarray(_raw(x)), np.asarray(_raw(xp)), fpr, left_r, right_r,
                           period), d)


def _make_close(fn):
    def close(a, b, *args, **kwargs):
        _same("compare", [a, b], [get_dimensions(a), get_dimensions(b)])
        if "atol" in kwargs:
            kwargs["atol"] = np.asarray(_raw(kwargs["atol"]))
        return fn(np.asarray(_raw(a)), np.asarray(_raw(b)), *args, **kwargs)
    return close


for _fn in (np.allclose, np.isclose, np.array_equal):
    _FUNCTIONS[_fn] = _make_close(_fn)


def _make_keep(fn):
    def keep(a, *args, **kwargs):
        return _wrap(fn(np.asarray(_raw(a)), *args, **kwargs), get_dimensions(a))
    return keep


for _fn in (np.sort, np.unique, np.ravel, np.reshape, np.transpose, np.squeeze, np.atleast_1d,
            np.atleast_2d, np.diff, np.round, np.around, np.median, np.percentile,
            np.quantile, np.nanmin, np.nanmax, np.nanmean, np.nanmedian, np.nansum, np.ptp,
            np.flip, np.roll, np.repeat, np.tile, np.copy):
    _FUNCTIONS.setdefault(_fn, _make_keep(_fn))


def _make_plain(fn):
    def plain(a, *args, **kwargs):
        return fn(np.asarray(_raw(a)), *args, **kwargs)
    return plain


for _fn in (np.argsort, np.argmin, np.argmax, np.nonzero, np.shape, np.size, np.ndim,
            np.argwhere, np.count_nonzero):
    _FUNCTIONS[_fn] = _make_plain(_fn)


@_implements(np.searchsorted)
def _searchsorted(a, v, *args, **kwargs):
    _same("search", [a, v], [get_dimensions(a), get_dimensions(v)])
    return np.searchsorted(np.asarray(_raw(a)), np.asarray(_raw(v)), *args, **kwargs)


@_implements(np.histogram)
def _histogram(a, bins=10, *args, **kwargs):
    d = get_dimensions(a)
    if isinstance(bins, np.ndarray) or isinstance(bins, (list, tuple)):
        _same("bin", [a, bins], [d, get_dimensions(bins)])
        bins = np.asarray(_raw(bins))
    if kwargs.get("range") is not None:
        kwargs["range"] = tuple(float(_raw(r)) for r in kwargs["range"])
    counts, edges = np.histogram(np.asarray(_raw(a)), bins, *args, **kwargs)
    return counts, _wrap(edges, d)


def _make_stat(fn, power: int = 1):
    def stat(a, *args, **kwargs):
        return _wrap(fn(np.asarray(_raw(a)), *args, **kwargs), get_dimensions(a) ** power)
    return stat


for _fn in (np.mean, np.sum, np.std, np.min, np.max, np.amin, np.amax, np.cumsum, np.average):
    _FUNCTIONS[_fn] = _make_stat(_fn)
_FUNCTIONS[np.var] = _make_stat(np.var, 2)


@_implements(np.prod)
def _prod(a, axis=None, *args, **kwargs):
    raw = np.asarray(_raw(a))
    n = raw.size if axis is None else raw.shape[axis]
    return _wrap(np.prod(raw, axis, *args, **kwargs), get_dimensions(a) ** n)


@_implements(np.clip)
def _clip(a, a_min=None, a_max=None, *args, **kwargs):
    bounds = [b for b in (a_min, a_max) if b is not None]
    d = _same("clip", [a, *bounds], [get_dimensions(a), *[get_dimensions(b) for b in bounds]])
    lo = None if a_min is None else np.asarray(_raw(a_min))
    hi = None if a_max is None else np.asarray(_raw(a_max))
    return _wrap(np.clip(np.asarray(_raw(a)), lo, hi, *args, **kwargs),
                 get_dimensions(a) if get_dimensions(a) is not DIMENSIONLESS else d)


def check_units(**expected: Any) -> Callable:
    """Decorator: each named argument must have the dimension of the given unit (``1`` for
    dimensionless, ``bool`` for truth values, ``None`` for no check); ``result=`` checks what
    the function returns."""
    result_unit = expected.pop("result", None)

    def decorate(func: Callable) -> Callable:
        sig = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            for name, value in bound.arguments.items():
                if name in expected:
                    _check_arg(func.__name__, name, value, expected[name])
            out = func(*args, **kwargs)
            if result_unit is not None:
                _check_arg(func.__name__, "result", out, result_unit)
            return out
        # what a model string's call of the function is checked against (Brian2's names:
        # _arg_units is None unless every argument has a unit, _return_unit without result=)
        names = [p.name for p in sig.parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        wrapper._arg_names = names
        wrapper._arg_units = ([expected[n] for n in names] if all(n in expected for n in names)
                              else None)
        wrapper._return_unit = result_unit
        wrapper._orig_func = func
        return wrapper
    return decorate


def _check_arg(fname: str, name: str, value, unit) -> None:
    if unit is None:
        return
    if unit is bool:
        if not (isinstance(value, (bool, np.bool_))
                or (isinstance(value, np.ndarray) and value.dtype == bool)):
            raise TypeError(f"function {fname!r} expects a truth value for {name!r}, "
                            f"got {value!r}")
        return
    if isinstance(unit, str):  # a name of another argument: checked by the caller's intent
        return
    want = get_dimensions(unit)
    got = get_dimensions(value)
    if want is not got:
        what = "the result" if name == "result" else f"argument {name!r}"
        raise DimensionMismatchError(
            f"function {fname!r} expects {what} in {dimension_words(want)}, "
            f"got {_show(value)}", want, got)
