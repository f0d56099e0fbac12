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
    vals = np.abs(np.asarray(q, dtype=float)).ravel()
    vals = vals[np.isfinite(vals) & (vals > 0)]
    base_long, base_short, base_scale = opts[0]
    if vals.size == 0:
        return (base_short if short else base_long, base_scale)
    # the prefix 10**(3k) that puts the smallest magnitude shown in [0.1, 100)
    k = math.floor((math.log10(float(vals.min()) / base_scale) + 1) / 3)
    for long, sh, scale in opts:
        if scale == base_scale * 10.0 ** (3 * k) or (k and abs(scale / base_scale
                                                               / 10.0 ** (3 * k) - 1) < 1e-9):
            return (sh if short else long, scale)
    return (base_short if short else base_long, base_scale)


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
