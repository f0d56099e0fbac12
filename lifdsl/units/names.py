"""The unit names: every SI base and derived unit lifdsl knows, with its prefixes.

Two tables. :data:`UNITS` holds every name accepted in an annotation after ``:`` (``volt``,
``mV``, ``millivolt``, ``V``, ``kN``...), each an SI scale and a dimension. :data:`UNIT_NAMES`
holds the names ``from lifdsl.units import *`` gives and model strings can use: Brian2's set
(a prefix letter before a long name, ``mvolt``, ``nsiemens``, and the usual short forms ``mV``,
``nS``, ``cm2``, ``Hz``) and lifdsl's earlier long forms (``millivolt``). Single letters
(``V``, ``s``, ``m``) are left out of the second table: they would shadow model variables.
"""

from __future__ import annotations

from lifdsl.units.dimensions import DIMENSIONLESS, Dimension, dimension

#: SI prefixes, letter -> (word, factor)
PREFIXES: dict[str, tuple[str, float]] = {
    "y": ("yocto", 1e-24), "z": ("zepto", 1e-21), "a": ("atto", 1e-18), "f": ("femto", 1e-15),
    "p": ("pico", 1e-12), "n": ("nano", 1e-9), "u": ("micro", 1e-6), "m": ("milli", 1e-3),
    "c": ("centi", 1e-2), "d": ("deci", 1e-1), "k": ("kilo", 1e3), "M": ("mega", 1e6),
    "G": ("giga", 1e9), "T": ("tera", 1e12), "P": ("peta", 1e15), "E": ("exa", 1e18),
    "Z": ("zetta", 1e21), "Y": ("yotta", 1e24),
}
#: the prefixes that come with every exported long name (Brian2's choice)
EXPORTED_PREFIXES = ("p", "n", "u", "m", "k", "M", "G", "T")

_VOLT = dimension(m=2, kg=1, s=-3, A=-1)
#: long name -> (SI scale, dimension, short name or None)
BASE: dict[str, tuple[float, Dimension, str | None]] = {
    "metre": (1.0, dimension(m=1), "m"),
    "meter": (1.0, dimension(m=1), "m"),
    "gram": (1e-3, dimension(kg=1), "g"),
    "gramme": (1e-3, dimension(kg=1), "g"),
    "second": (1.0, dimension(s=1), "s"),
    "amp": (1.0, dimension(A=1), "A"),
    "ampere": (1.0, dimension(A=1), "A"),
    "mole": (1.0, dimension(mol=1), "mol"),
    "mol": (1.0, dimension(mol=1), "mol"),
    "volt": (1.0, _VOLT, "V"),
    "ohm": (1.0, dimension(m=2, kg=1, s=-3, A=-2), "ohm"),
    "siemens": (1.0, dimension(m=-2, kg=-1, s=3, A=2), "S"),
    "farad": (1.0, dimension(m=-2, kg=-1, s=4, A=2), "F"),
    "hertz": (1.0, dimension(s=-1), "Hz"),
    "coulomb": (1.0, dimension(s=1, A=1), "C"),
    "watt": (1.0, dimension(m=2, kg=1, s=-3), "W"),
    "joule": (1.0, dimension(m=2, kg=1, s=-2), "J"),
    "newton": (1.0, dimension(m=1, kg=1, s=-2), "N"),
    "pascal": (1.0, dimension(m=-1, kg=1, s=-2), "Pa"),
    "liter": (1e-3, dimension(m=3), "l"),
    "litre": (1e-3, dimension(m=3), "l"),
    "molar": (1e3, dimension(m=-3, mol=1), "M"),
}
#: long names Brian2 exports with every prefix of :data:`EXPORTED_PREFIXES`
_PREFIXED_EXPORTS = ("amp", "coulomb", "farad", "gram", "gramme", "hertz", "joule", "liter",
                     "litre", "meter", "metre", "molar", "mole", "ohm", "pascal", "second",
                     "siemens", "volt", "watt")
#: short forms exported (prefix letter + short name, and powers of lengths)
_SHORT_EXPORTS = ("Hz", "kHz", "MHz", "mA", "uA", "nA", "pA", "mM", "uM", "nM", "mS", "uS",
                  "nS", "mV", "ms", "us", "uF", "nF", "pF")
_LENGTH_EXPORTS = ("cm", "mm", "um")


def _build() -> tuple[dict[str, tuple[float, Dimension]], dict[str, tuple[float, Dimension]]]:
    every: dict[str, tuple[float, Dimension]] = {}
    for name, (scale, dim, short) in BASE.items():
        every[name] = (scale, dim)
        if short is not None:
            every.setdefault(short, (scale, dim))
        for letter, (word, factor) in PREFIXES.items():
            every.setdefault(word + name, (scale * factor, dim))
            every.setdefault(letter + name, (scale * factor, dim))
            if short is not None:
                every.setdefault(letter + short, (scale * factor, dim))
    every["kilogram"] = (1.0, dimension(kg=1))
    every["kg"] = (1.0, dimension(kg=1))
    every["kelvin"] = (1.0, dimension(K=1))
    every["K"] = (1.0, dimension(K=1))
    every["candela"] = (1.0, dimension(cd=1))
    every["1"] = (1.0, DIMENSIONLESS)
    every["radian"] = (1.0, DIMENSIONLESS)  # angles are dimensionless, as in Brian2
    every["steradian"] = (1.0, DIMENSIONLESS)
    for p in ("c", "m", "u"):
        f = PREFIXES[p][1]
        for k in (2, 3):
            every[f"{p}m{k}"] = (f ** k, dimension(m=k))
            every[f"{p}metre{k}"] = (f ** k, dimension(m=k))
            every[f"{p}meter{k}"] = (f ** k, dimension(m=k))
    for k in (2, 3):
        every[f"metre{k}"] = (1.0, dimension(m=k))
        every[f"meter{k}"] = (1.0, dimension(m=k))

    exported: dict[str, tuple[float, Dimension]] = {}
    for name in _PREFIXED_EXPORTS:
        exported[name] = every[name]
        for p in EXPORTED_PREFIXES:
            exported[p + name] = every[p + name]
    for name in ("kelvin", "kilogram", "radian", "steradian", "cmetre", "cmeter",
                 *_SHORT_EXPORTS, *_LENGTH_EXPORTS):
        exported[name] = every[name]
    for p in _LENGTH_EXPORTS:
        for k in (2, 3):
            exported[f"{p}{k}"] = every[f"{p}{k}"]
    # lifdsl's earlier names, kept: long prefixes (millivolt), a few usual short forms
    long_words = {w + b for b in BASE for w in PREFIXES_USED}
    for name, value in every.items():
        if name not in exported and (name in long_words or name in _EXTRA_SHORT):
            exported[name] = value
    return every, exported


#: the prefix words of lifdsl's earlier long names (``millivolt``, ``picofarad``)
PREFIXES_USED = {w: True for w in ("femto", "pico", "nano", "micro", "milli", "centi", "deci",
                                   "kilo", "mega", "giga")}
_EXTRA_SHORT = ("kg", "GHz", "kohm", "Mohm", "Gohm", "mohm", "uohm", "nohm", "kV", "uV", "nV",
                "pV", "kA", "uC", "nC", "mF", "mW", "uW", "nW", "kW", "mJ", "kJ", "mHz", "mmol",
                "umol", "nmol", "kS", "pS")

#: every unit name an annotation may use -> (SI scale, dimension)
UNITS: dict[str, tuple[float, Dimension]]
#: names exported to user code and model strings -> (SI scale, dimension)
EXPORTED: dict[str, tuple[float, Dimension]]
UNITS, EXPORTED = _build()

#: display units per dimension: (long name, short name, SI scale), best first
DISPLAY: dict[Dimension, list[tuple[str, str, float]]] = {}
for _name in ("metre", "gram", "second", "amp", "mole", "volt", "ohm", "siemens", "farad",
              "hertz", "coulomb", "watt", "joule", "newton", "pascal", "molar"):
    _scale, _dim, _short = BASE[_name]
    _opts = []
    for _p in ("", "y", "z", "a", "f", "p", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Z",
               "Y"):
        _f = PREFIXES[_p][1] if _p else 1.0
        _long = "kilogram" if (_name == "gram" and _p == "k") else _p + _name
        _sh = "kg" if (_name == "gram" and _p == "k") else _p + _short
        _opts.append((_long, _sh, _scale * _f))
    DISPLAY[_dim] = _opts
DISPLAY[dimension(K=1)] = [("kelvin", "K", 1.0)]
DISPLAY[dimension(cd=1)] = [("candela", "cd", 1.0)]
