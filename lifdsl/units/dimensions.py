"""Physical dimensions: seven exponents of the SI base units (metre, kilogram, second, ampere,
kelvin, mole, candela), exact rationals (``second**-0.5`` is the dimension of white noise).

Dimensions are interned: equal dimensions are the same object, so comparing them is cheap.
"""

from __future__ import annotations

from fractions import Fraction

#: the base units, in order: long name, short name
BASE_UNITS: tuple[tuple[str, str], ...] = (
    ("metre", "m"), ("kilogram", "kg"), ("second", "s"), ("amp", "A"), ("kelvin", "K"),
    ("mole", "mol"), ("candela", "cd"),
)


def _exponent(x) -> int | Fraction:
    """An exponent as an int where whole, else an exact fraction (floats as written:
    ``-0.5`` is ``-1/2``)."""
    f = x if isinstance(x, Fraction) else Fraction(x).limit_denominator(1000)
    return int(f) if f.denominator == 1 else f


class Dimension:
    """A physical dimension; build with :func:`dimension` or by arithmetic of dimensions."""

    __slots__ = ("exponents", "_hash")
    _interned: dict[tuple, Dimension] = {}

    def __new__(cls, exponents: tuple = (0,) * 7) -> Dimension:
        key = tuple(_exponent(e) for e in exponents)
        if len(key) != 7:
            raise ValueError("a dimension has 7 exponents (m, kg, s, A, K, mol, cd)")
        found = cls._interned.get(key)
        if found is None:
            found = object.__new__(cls)
            object.__setattr__(found, "exponents", key)
            object.__setattr__(found, "_hash", hash(key))
            cls._interned[key] = found
        return found

    def __setattr__(self, name, value):
        raise AttributeError("dimensions are immutable")

    def __reduce__(self):
        return (Dimension, (self.exponents,))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return self is other

    def __mul__(self, other: Dimension) -> Dimension:
        return Dimension(tuple(a + b for a, b in zip(self.exponents, other.exponents, strict=True)))

    def __truediv__(self, other: Dimension) -> Dimension:
        return Dimension(tuple(a - b for a, b in zip(self.exponents, other.exponents, strict=True)))

    def __pow__(self, power) -> Dimension:
        p = Fraction(power).limit_denominator(1000) if not isinstance(power, Fraction) else power
        return Dimension(tuple(a * p for a in self.exponents))

    @property
    def is_dimensionless(self) -> bool:
        """True for the dimension of plain numbers."""
        return self is DIMENSIONLESS

    def _parts(self, short: bool) -> list[tuple[str, int | Fraction]]:
        return [(BASE_UNITS[k][1 if short else 0], e) for k, e in enumerate(self.exponents)
                if e != 0]

    def __str__(self) -> str:
        """Short SI form: ``m^2 kg s^-3 A^-1``; ``1`` for plain numbers."""
        parts = self._parts(True)
        if not parts:
            return "1"
        return " ".join(n if e == 1 else f"{n}^{_fmt(e)}" for n, e in parts)

    def __repr__(self) -> str:
        """Long SI form: ``metre ** 2 * kilogram * second ** -3 * amp ** -1``."""
        parts = self._parts(False)
        if not parts:
            return "Dimension()"
        return " * ".join(n if e == 1 else f"{n} ** {_fmt(e)}" for n, e in parts)


def _fmt(e) -> str:
    return str(e) if isinstance(e, int) else str(float(e)) if float(e) * 4 % 1 == 0 else str(e)


def dimension(m=0, kg=0, s=0, A=0, K=0, mol=0, cd=0) -> Dimension:
    """The dimension with these exponents of the SI base units."""
    return Dimension((m, kg, s, A, K, mol, cd))


DIMENSIONLESS = Dimension()

#: dimensions with a name of their own, for messages ('volt/second' rather than base units)
NAMED: dict[Dimension, str] = {
    dimension(m=2, kg=1, s=-3, A=-1): "volt",
    dimension(A=1): "amp",
    dimension(m=2, kg=1, s=-3, A=-2): "ohm",
    dimension(m=-2, kg=-1, s=3, A=2): "siemens",
    dimension(m=-2, kg=-1, s=4, A=2): "farad",
    dimension(s=1): "second",
    dimension(s=-1): "hertz",
    dimension(m=1): "metre",
    dimension(kg=1): "kilogram",
    dimension(s=1, A=1): "coulomb",
    dimension(m=2, kg=1, s=-3): "watt",
    dimension(m=2, kg=1, s=-2): "joule",
    dimension(m=1, kg=1, s=-2): "newton",
    dimension(m=-1, kg=1, s=-2): "pascal",
    dimension(K=1): "kelvin",
    dimension(mol=1): "mole",
    dimension(m=-3, mol=1): "molar",
    dimension(cd=1): "candela",
}


def dimension_words(dim: Dimension) -> str:
    """A dimension in unit words: ``volt``, ``volt/second``, ``siemens*volt``... (``1`` for
    plain numbers); base units where no name fits."""
    if dim is DIMENSIONLESS:
        return "1"
    name = NAMED.get(dim)
    if name is not None:
        return name
    second = dimension(s=1)
    for k, text in ((1, "/second"), (-1, "*second"), (2, "/second**2"),
                    (Fraction(1, 2), "/second**0.5"), (Fraction(3, 2), "/second**1.5"),
                    (Fraction(-1, 2), "*second**0.5")):
        for named, word in NAMED.items():
            if word not in ("hertz", "second") and dim * second ** k == named:
                return word + text
    for named, word in NAMED.items():
        for k in (2, 3, -1, -2):
            if dim == named ** k:
                return f"{word}**{k}" if k > 0 else f"1/{word}" + ("" if k == -1 else "**2")
    for k in (Fraction(-1, 2), Fraction(1, 2), 2, -2, 3):
        if dim == second ** k:
            return f"second**{_fmt(Fraction(k))}"
    return repr(dim).replace(" ** ", "**").replace(" * ", "*")


def describe(dim: Dimension) -> str:
    """A dimension for error messages: words and SI base units, ``volt/second (m^2 kg s^-4
    A^-1)``; ``dimensionless`` for plain numbers."""
    if dim is DIMENSIONLESS:
        return "dimensionless (1)"
    words = dimension_words(dim)
    return f"{words} ({dim})"
