"""Units: SI scale factors for user code and unit annotations.

For now a unit is its SI scale as a plain float (``5*ms == 0.005``), which is what every value
becomes inside the simulator anyway. Annotations after ``:`` in equations are looked up in
:data:`UNITS` to get a scale and a dimension (dimension checking builds on that table).
"""

from __future__ import annotations

#: base dimensions, in this order: metre, kilogram, second, ampere, kelvin, mole, candela
Dimension = tuple[int, int, int, int, int, int, int]
DIMENSIONLESS: Dimension = (0, 0, 0, 0, 0, 0, 0)

_BASE: dict[str, Dimension] = {
    "metre": (1, 0, 0, 0, 0, 0, 0),
    "meter": (1, 0, 0, 0, 0, 0, 0),
    "kilogram": (0, 1, 0, 0, 0, 0, 0),
    "gram": (0, 1, 0, 0, 0, 0, 0),
    "second": (0, 0, 1, 0, 0, 0, 0),
    "amp": (0, 0, 0, 1, 0, 0, 0),
    "ampere": (0, 0, 0, 1, 0, 0, 0),
    "kelvin": (0, 0, 0, 0, 1, 0, 0),
    "mole": (0, 0, 0, 0, 0, 1, 0),
    "mol": (0, 0, 0, 0, 0, 1, 0),
    "candela": (0, 0, 0, 0, 0, 0, 1),
    "volt": (2, 1, -3, -1, 0, 0, 0),
    "ohm": (2, 1, -3, -2, 0, 0, 0),
    "siemens": (-2, -1, 3, 2, 0, 0, 0),
    "farad": (-2, -1, 4, 2, 0, 0, 0),
    "hertz": (0, 0, -1, 0, 0, 0, 0),
    "coulomb": (0, 0, 1, 1, 0, 0, 0),
    "watt": (2, 1, -3, 0, 0, 0, 0),
    "joule": (2, 1, -2, 0, 0, 0, 0),
    "newton": (1, 1, -2, 0, 0, 0, 0),
    "pascal": (-1, 1, -2, 0, 0, 0, 0),
    "liter": (3, 0, 0, 0, 0, 0, 0),
    "litre": (3, 0, 0, 0, 0, 0, 0),
    "molar": (-3, 0, 0, 0, 0, 1, 0),
}
_BASE_SCALE = {"gram": 1e-3, "liter": 1e-3, "litre": 1e-3, "molar": 1e3}
_SHORT = {
    "volt": "V", "amp": "A", "ohm": "ohm", "siemens": "S", "farad": "F", "second": "s",
    "hertz": "Hz", "metre": "m", "meter": "m", "coulomb": "C", "watt": "W", "joule": "J",
    "newton": "N", "gram": "g", "liter": "l", "litre": "l", "molar": "M", "mole": "mol",
}
_PREFIXES = {
    "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "c": 1e-2, "d": 1e-1,
    "k": 1e3, "M": 1e6, "G": 1e9,
}

_WORDS = {"f": "femto", "p": "pico", "n": "nano", "u": "micro", "m": "milli",
          "c": "centi", "d": "deci", "k": "kilo", "M": "mega", "G": "giga"}

#: unit name -> (SI scale, dimension). Long names take prefixes as words (``millivolt``) and
#: short names as letters (``mV``); ``Mohm`` and ``kohm`` are the usual resistances.
UNITS: dict[str, tuple[float, Dimension]] = {}
for _name, _dim in _BASE.items():
    _scale = _BASE_SCALE.get(_name, 1.0)
    UNITS[_name] = (_scale, _dim)
    _short = _SHORT.get(_name)
    if _short is not None and _short not in ("N", "C", "J", "W", "M"):
        UNITS.setdefault(_short, (_scale, _dim))
    for _p, _f in _PREFIXES.items():
        UNITS[_WORDS[_p] + _name] = (_scale * _f, _dim)
        if _short is not None:
            UNITS[_p + _short] = (_scale * _f, _dim)
    for _p, _f in _PREFIXES.items():  # Brian2's spelling: a prefix letter + the long name
        UNITS.setdefault(_p + _name, (_scale * _f, _dim))
UNITS["kilogram"] = (1.0, _BASE["kilogram"])
UNITS["Mohm"] = (1e6, _BASE["ohm"])
UNITS["kohm"] = (1e3, _BASE["ohm"])
UNITS["Gohm"] = (1e9, _BASE["ohm"])
UNITS["msecond"] = (1e-3, _BASE["second"])
UNITS["usecond"] = (1e-6, _BASE["second"])
UNITS["mvolt"] = (1e-3, _BASE["volt"])
UNITS["namp"] = (1e-9, _BASE["amp"])
UNITS["pamp"] = (1e-12, _BASE["amp"])
UNITS["nS"] = (1e-9, _BASE["siemens"])
UNITS["1"] = (1.0, DIMENSIONLESS)

_SHORT_OK = {"V", "A", "F", "S", "s", "Hz", "ohm"}
_EXTRA_OK = {"Hz", "Mohm", "Gohm", "kohm", "MHz", "GHz", "cm", "mm", "um", "mM", "uM", "nM", "kg"}
_LONG = set(_BASE) | {"kilogram"}


def _usable(name: str) -> bool:
    """Long names (``millivolt``, ``mvolt``, ``pfarad``) and the usual short ones (``mV``,
    ``nA``, ``pF``, ``ms``, ``kHz``, ``Mohm``). Single letters (``V``, ``A``, ``s``) and odd
    prefixes of short names (``dV`` decivolt, ``Mg`` megagram, ``pm``) are left out: they
    would shadow model variables, and a forgotten constant must never become a unit."""
    if not name.isidentifier() or len(name) < 2:
        return False
    if name in _LONG or name in _EXTRA_OK:
        return True
    if any(name.endswith(base) and name[: -len(base)] in _WORDS.values()
           for base in _LONG):
        return True
    if name[0] in _PREFIXES and name[1:] in _LONG:
        return True
    return name[0] in "pnumk" and name[1:] in _SHORT_OK


#: unit names usable from Python (``from lifdsl.units import *``) and inside model strings
UNIT_NAMES: dict[str, float] = {k: v[0] for k, v in UNITS.items() if _usable(k)}
globals().update(UNIT_NAMES)

#: names exported by ``from lifdsl.units import *``
__all__ = sorted(UNIT_NAMES) + ["UNITS", "UNIT_NAMES", "DIMENSIONLESS", "unit_value",
                                "unknown_unit_names"]


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
