"""How quantities print: in the prefixed unit that puts the values between 1 and 1000
(``repr``: ``20. * msecond``; ``str``: ``20. ms``), in SI base units where no unit is named."""

from __future__ import annotations

import math

import numpy as np

from lifdsl.units.dimensions import DIMENSIONLESS


def best_unit(q, short: bool) -> tuple[str, float]:
    """(name, SI scale) of the unit to show ``q`` in."""
    from lifdsl.units.names import DISPLAY

    dim = q.dim
    opts = DISPLAY.get(dim)
    if opts is None:
        if dim is DIMENSIONLESS:
            return ("", 1.0)
        return (str(dim) if short else repr(dim), 1.0)
    vals = np.abs(_shown(np.asarray(q, dtype=float))).ravel()
    vals = vals[np.isfinite(vals) & (vals > 0)]
    base_long, base_short, base_scale = opts[0]
    if vals.size == 0:
        return (base_short if short else base_long, base_scale)
    # the unit in which the shown magnitudes lie closest to 10 (least squares of their
    # log10 - 1), as Brian2 chooses: 20 ms, 0.5 ms, [0, 100, 200] us
    logs = np.log10(vals)
    best, best_cost = opts[0], math.inf
    for opt in opts:
        cost = float(np.sum((logs - math.log10(opt[2]) - 1.0) ** 2))
        if cost < best_cost - 1e-12:
            best, best_cost = opt, cost
    return (best[1] if short else best[0], best[2])


def _shown(values: np.ndarray) -> np.ndarray:
    """The elements NumPy prints of a large array (its edge items), which the unit fits."""
    opts = np.get_printoptions()
    if values.size <= opts["threshold"]:
        return values
    e = opts["edgeitems"]
    for axis in range(values.ndim):
        n = values.shape[axis]
        if n > 2 * e:
            values = np.take(values, np.r_[0:e, n - e:n], axis=axis)
    return values


def format_quantity(q, short: bool) -> str:
    """``repr`` (short=False) or ``str`` (short=True) of a quantity."""
    name, scale = best_unit(q, short)
    values = np.asarray(q) / scale
    if q.dim is DIMENSIONLESS:
        return (np.array2string(values) if short or values.ndim == 0
                else repr(values)) if short else f"Quantity({np.array2string(values)})"
    if short:
        return f"{np.array2string(values)} {name}"
    text = np.array2string(values) if values.ndim == 0 else repr(values)
    return f"{text} * {name}"


def in_unit(x, unit, precision: int | None = None) -> str:
    """``x`` written in ``unit`` (``in_unit(3*volt, mV) == '3000. mV'``); a plain number in
    a dimensionless unit is its value. Dimensions that differ are a DimensionMismatchError."""
    from lifdsl.units.quantity import DimensionMismatchError, Quantity, get_dimensions

    if isinstance(x, Quantity) and x.dim is not DIMENSIONLESS:
        return x.in_unit(unit, precision=precision)
    if get_dimensions(unit) is not DIMENSIONLESS:
        raise DimensionMismatchError(f"cannot express the plain number {x!r} in {unit}",
                                     get_dimensions(unit))
    return str(np.asarray(np.asarray(x) / np.asarray(unit)))


def in_best_unit(x, precision: int | None = None) -> str:
    """``x`` written in the unit its ``str`` would use (``'1.23 mV'`` with ``precision=2``);
    a plain number as NumPy writes it."""
    from lifdsl.units.quantity import Quantity

    if not isinstance(x, Quantity) or x.dim is DIMENSIONLESS:
        return np.array2string(np.asarray(x, dtype=float), precision=precision)
    name, scale = best_unit(x, short=True)
    values = np.asarray(x) / scale
    return f"{np.array2string(values, precision=precision)} {name}".rstrip()
