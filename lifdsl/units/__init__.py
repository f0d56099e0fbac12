"""Physical units: quantities (NumPy arrays of SI values with a dimension) and unit names.

``from lifdsl.units import *`` gives every unit name Brian2 exports (``mV``, ``nS``, ``cm2``,
``Hz``, ``msecond``...), each a :class:`Unit`; ``20*ms`` is a :class:`Quantity` holding 0.02.
Quantities compute like Brian2's (a dimensionless result is a plain number, ``float`` and
``np.asarray`` give SI values) and lifdsl accepts them wherever it takes numbers.
Physical constants are in :mod:`lifdsl.units.constants`.
"""

from __future__ import annotations

from lifdsl.units.dimensions import DIMENSIONLESS, Dimension, dimension
from lifdsl.units.display import in_best_unit, in_unit
from lifdsl.units.names import EXPORTED as _EXPORTED
from lifdsl.units.names import UNITS
from lifdsl.units.quantity import (
    DimensionMismatchError,
    Quantity,
    Unit,
    check_units,
    get_dimensions,
    have_same_dimensions,
    is_dimensionless,
)


def _display_names(unit: Unit) -> tuple[str, str]:
    from lifdsl.units.display import best_unit
    from lifdsl.units.names import BASE, DISPLAY, PREFIXES

    value = float(unit)
    for long, short, scale in DISPLAY.get(unit.dim, ()):   # (a unit shows as itself: fast)
        if scale == value:
            return long, short
    # a prefix outside the 10**3k steps (cm, centisiemens) or a unit of its own (litre)
    for base in ("litre", "metre", "gram", "second", "amp", "mole", "volt", "ohm", "siemens",
                 "farad", "hertz", "coulomb", "watt", "joule", "newton", "pascal", "molar"):
        scale, dim, short = BASE[base]
        if dim is not unit.dim:
            continue
        for letter, (_, factor) in {"": ("", 1.0), **PREFIXES}.items():
            if abs(scale * factor - value) <= 1e-12 * value:
                return letter + base, letter + (short or base)
    return best_unit(unit, short=False)[0], best_unit(unit, short=True)[0]


def _make(name: str) -> Unit:
    scale, dim = _EXPORTED[name]
    return Unit(scale, dim, name, name)


#: unit objects by name (``UNIT_OBJECTS['mV']`` is the Unit mV)
UNIT_OBJECTS: dict[str, Unit] = {n: _make(n) for n in _EXPORTED}
for _u in UNIT_OBJECTS.values():
    if not _u.name.endswith(("2", "3")):  # repr 'mvolt', str 'mV', as Brian2 shows units
        _u.name, _u.short = _display_names(_u)
globals().update(UNIT_OBJECTS)

#: unit name -> SI scale (floats), for code that needs the plain numbers
UNIT_NAMES: dict[str, float] = {n: float(v[0]) for n, v in _EXPORTED.items()}

#: names exported by ``from lifdsl.units import *``
__all__ = sorted(UNIT_OBJECTS) + [
    "DIMENSIONLESS", "Dimension", "DimensionMismatchError", "Quantity", "Unit", "UNITS",
    "UNIT_NAMES", "check_units", "dimension", "get_dimensions", "get_unit",
    "have_same_dimensions", "in_best_unit", "in_unit", "is_dimensionless", "unit_value",
    "unknown_unit_names",
]

#: the unscaled units get_unit prefers for a dimension, in this order
_PLAIN_UNITS = ("volt", "amp", "ohm", "siemens", "farad", "second", "hertz", "metre",
                "kilogram", "coulomb", "watt", "joule", "newton", "pascal", "kelvin", "mole",
                "candela", "weber", "tesla", "henry", "gray", "sievert", "katal", "lumen",
                "lux", "becquerel")


def get_unit(dim) -> Unit:
    """The unscaled unit of a dimension (``get_unit(mV.dim)`` is ``volt``; a dimension
    without a named unit gets one in SI base units, as ``volt/second``'s ``m^2 kg s^-4 A^-1``;
    dimensionless: the plain unit 1)."""
    from lifdsl.units.quantity import get_dimensions

    dim = get_dimensions(dim)
    for name in _PLAIN_UNITS:
        unit = UNIT_OBJECTS.get(name)
        if unit is not None and unit.dim is dim:
            return unit
    for unit in UNIT_OBJECTS.values():
        if unit.dim is dim and float(unit) == 1.0 and dim is not DIMENSIONLESS:
            return unit
    if dim is DIMENSIONLESS:
        return Unit(1.0, dim, "1", "1")
    return Unit(1.0, dim, repr(dim), str(dim))


def unit_value(name: str) -> float:
    """SI scale of a unit name (``unit_value('mV') == 1e-3``); KeyError names the unit."""
    try:
        return UNITS[name][0]
    except KeyError:
        raise KeyError(f"unknown unit {name!r}") from None


def unknown_unit_names(annotation: str) -> list[str]:
    """Names in a unit annotation (``'volt/second'``) that are not units; ``boolean`` and
    ``integer`` are the two type annotations."""
    import re

    names = re.findall(r"[A-Za-z_]\w*", annotation)
    return [n for n in names if n not in UNITS and n not in ("boolean", "integer")]
