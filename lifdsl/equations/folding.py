"""Arithmetic on parsed operands, bounded: whole sums and products built at once, and every
constant folded to one finite number that a double can hold.

The parser and the substitution of subexpressions build SymPy objects only through these
functions, so that:

- a sum or product of n terms costs one SymPy constructor call (``sp.Add(a, b)`` in a loop
  re-sorts the growing sum at every term: quadratic in n);
- a constant is a plain Python ``int``, ``Fraction`` or ``float`` while it is being folded
  (cheap: a literal costs no SymPy object), and becomes one ``sp.Integer``, ``sp.Rational`` or
  ``sp.Float`` when it meets a variable. Exact while small, it is rounded to a double once its
  numerator or denominator grows large, so SymPy never builds a huge integer (``9**9**9``);
- a constant with no finite real double value (``1/0``, ``log(-1)``, ``exp(1000)``,
  ``1e308*10``) is a :class:`FoldError`, which the caller turns into an EquationError pointing
  at the operator, so that no later stage meets ``zoo``, ``nan``, ``oo`` or a complex number.

Builtin functions of constants (``exp(2)``, ``sqrt(2)``) are evaluated in double precision,
as both targets evaluate them.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Union

import sympy as sp

from .functions import RANDOM_FUNCTIONS, clip, exprel

__all__ = [
    "Const",
    "FoldError",
    "Sum",
    "Product",
    "TOO_LARGE",
    "call",
    "check_tree",
    "divide",
    "from_sympy",
    "is_const",
    "modulo",
    "negate",
    "power",
    "reciprocal",
    "substitute",
    "to_sympy",
]

#: A folded constant while parsing.
Const = Union[int, Fraction, float]  # noqa: UP007 - a runtime alias, used in isinstance

#: How a message says that a value does not fit in a double.
TOO_LARGE = f"is too large for a double (the largest is about {sys.float_info.max:.1e})"
#: The largest integer a double holds.
MAX_INT = int(sys.float_info.max)
#: Exact fractions whose numerator or denominator needs more bits become floats.
_MAX_EXACT_BITS = 1100
#: An exact power whose result would need more bits than this is computed as a float.
_MAX_POWER_BITS = 4096
#: Substituted expressions larger than this (counted as a tree) are refused: subexpressions
#: that each use the previous one twice double in size with every line.
MAX_TREE_SIZE = 1_000_000
#: Expressions deeper than this (as SymPy trees) are refused, parsed or substituted: the later
#: stages walk them recursively (SymPy's diff takes about 9 Python frames a level).
MAX_TREE_DEPTH = 64


class FoldError(ValueError):
    """An operation whose value has no finite real double. The message completes a sentence
    about the operand, e.g. 'divides by zero'; the caller says where it was written."""


# -- constants -----------------------------------------------------------------------------


def is_const(x: object) -> bool:
    """Whether ``x`` is a folded constant (a Python number, never a bool)."""
    return type(x) in (int, float, Fraction)


def _checked_int(n: int) -> int:
    if n.bit_length() > 1024 or abs(n) > MAX_INT:
        raise FoldError(TOO_LARGE)
    return n


def _checked_fraction(f: Fraction) -> Const:
    if f.denominator == 1:
        return _checked_int(f.numerator)
    if max(f.numerator.bit_length(), f.denominator.bit_length()) > _MAX_EXACT_BITS:
        return _checked_float(_fraction_to_float(f))
    if abs(f.numerator) > MAX_INT * f.denominator:
        raise FoldError(TOO_LARGE)
    return f


def _fraction_to_float(f: Fraction) -> float:
    try:
        return f.numerator / f.denominator
    except OverflowError:
        raise FoldError(TOO_LARGE) from None


def _checked_float(x: float) -> float:
    if math.isnan(x):
        raise FoldError("is undefined (not a number)")
    if math.isinf(x):
        raise FoldError(TOO_LARGE)
    return x


def _checked(x: Const) -> Const:
    if type(x) is int:
        return _checked_int(x)
    if type(x) is Fraction:
        return _checked_fraction(x)
    return _checked_float(x)


def _to_float(x: Const) -> float:
    if type(x) is Fraction:
        return _fraction_to_float(x)
    try:
        return float(x)
    except OverflowError:
        raise FoldError(TOO_LARGE) from None


def from_sympy(n: sp.Basic) -> Const:
    """A SymPy number as a checked constant; FoldError for zoo, nan, oo, I or out of range."""
    if n is sp.zoo:
        raise FoldError("divides by zero")
    if n is sp.nan:
        raise FoldError("is undefined (0/0 or similar)")
    if n in (sp.oo, sp.S.NegativeInfinity):
        raise FoldError("is infinite")
    if isinstance(n, sp.Integer):
        return _checked_int(int(n.p))
    if isinstance(n, sp.Rational):
        return _checked_fraction(Fraction(int(n.p), int(n.q)))
    if isinstance(n, sp.Number):
        return _checked_float(float(n))
    raise FoldError("is not a real number")


def to_sympy(x: object) -> sp.Basic:
    """A constant as a SymPy number (anything else unchanged)."""
    t = type(x)
    if t is int:
        return sp.Integer(x)
    if t is float:
        return sp.Float(x)
    if t is Fraction:
        return sp.Rational(x.numerator, x.denominator)
    return x  # type: ignore[return-value]


def _normal(result: sp.Basic) -> object:
    """A SymPy result: a constant if SymPy folded it to a number, else the node with the
    numbers SymPy made among its operands (and theirs) checked."""
    if isinstance(result, sp.Number) or result is sp.zoo or result is sp.I:
        return from_sympy(result)
    for arg in result.args:
        if isinstance(arg, sp.Number) or arg is sp.zoo or arg is sp.I:
            from_sympy(arg)
        elif arg.args and isinstance(arg, (sp.Mul, sp.Pow)):  # a coefficient or exponent
            for inner in arg.args:
                if isinstance(inner, sp.Number) or inner is sp.I:
                    from_sympy(inner)
    return result


# -- sums and products -----------------------------------------------------------------------


class _Chain:
    """The operands of one sum or product: constants folded as they come (exactly while they
    are integers or fractions, in doubles once a float takes part; each step checked), the
    rest given to SymPy in one call at the end."""

    _identity: int
    _sympy: Callable[..., sp.Basic]

    def __init__(self) -> None:
        self.exact: int | Fraction = self._identity
        self.inexact: float | None = None
        self.others: list[sp.Basic] = []

    def _combine(self, a: Const, b: Const) -> Const:
        raise NotImplementedError

    def append(self, x: object) -> None:
        """Add one operand; FoldError as soon as the constant part leaves the double range
        (so the error points at the operator that made it leave)."""
        t = type(x)
        if t is float or (self.inexact is not None and (t is int or t is Fraction)):
            value = _to_float(x)  # type: ignore[arg-type]
            if self.inexact is None:
                value = self._combine(_to_float(self.exact), value)  # type: ignore[assignment]
                self.exact = self._identity
            else:
                value = self._combine(self.inexact, value)  # type: ignore[assignment]
            self.inexact = _checked_float(value)
        elif t is int or t is Fraction:
            value = _checked(self._combine(self.exact, x))  # type: ignore[arg-type]
            if type(value) is float:  # a fraction too large to stay exact
                self.exact = self._identity
                self.inexact = value
            else:
                self.exact = value  # type: ignore[assignment]
        else:
            self.others.append(x)  # type: ignore[arg-type]

    def constant(self) -> Const:
        """The folded constant part."""
        return self.exact if self.inexact is None else self.inexact

    @classmethod
    def of(cls, *operands: object) -> object:
        """The sum (or product) of ``operands``."""
        chain = cls()
        for x in operands:
            chain.append(x)
        return chain.result()

    def result(self) -> object:
        """The sum or product of everything appended: a constant or one SymPy node."""
        const = self.constant()
        if not self.others:
            return const
        if const == self._identity and type(const) is not float:
            args = self.others
        else:
            args = [to_sympy(const), *self.others]
        if len(args) == 1:
            return args[0]
        return _normal(type(self)._sympy(*args))


class Sum(_Chain):
    """``a + b - c + ...`` as one ``sp.Add``."""

    _identity = 0
    _sympy = sp.Add

    def _combine(self, a: Const, b: Const) -> Const:
        return a + b


class Product(_Chain):
    """``a * b / c * ...`` as one ``sp.Mul``."""

    _identity = 1
    _sympy = sp.Mul

    def _combine(self, a: Const, b: Const) -> Const:
        return a * b


def negate(x: object) -> object:
    """``-x``."""
    return Product.of(-1, x)


def reciprocal(x: object) -> object:
    """``1/x``; FoldError for the constant 0."""
    if is_const(x) and x == 0:
        raise FoldError("divides by zero")
    return power(x, -1)


def divide(a: object, b: object) -> object:
    """``a/b``; FoldError when ``b`` is the constant 0."""
    return Product.of(a, reciprocal(b))


def floor_divide(a: object, b: object) -> object:
    """``a // b``: ``floor(a/b)``, for floats too (``1 // 0.1`` is 10, where Python's float
    floor division gives 9.0), so both targets print it as written; FoldError when ``b`` is
    the constant 0."""
    if is_const(b) and b == 0:
        raise FoldError("divides by zero (floor division by 0)")
    q = divide(a, b)
    if is_const(q):
        if type(q) is float:
            return _checked_float(float(math.floor(q)))
        return math.floor(q)  # type: ignore[arg-type]
    return _normal(sp.floor(to_sympy(q)))


# -- powers and remainders -------------------------------------------------------------------


def _is_integral(x: Const) -> bool:
    return type(x) is int or (type(x) is float and x.is_integer())


def _bits(x: int | Fraction) -> int:
    if type(x) is int:
        return x.bit_length()
    return max(x.numerator.bit_length(), x.denominator.bit_length())  # type: ignore[union-attr]


def _const_power(b: Const, e: Const) -> Const:
    if b == 0:
        if e < 0:
            raise FoldError("divides by zero (0 to a negative power)")
        return 1 if e == 0 else 0
    if b < 0 and not _is_integral(e):
        raise FoldError("is not a real number (a negative number to a fractional power)")
    if type(e) is int and type(b) is not float and abs(e) * _bits(b) <= _MAX_POWER_BITS:
        return _checked(Fraction(b) ** e)  # exact: 2**-3 is 1/8
    try:
        return _checked_float(math.pow(_to_float(b), _to_float(e)))
    except OverflowError:
        raise FoldError(TOO_LARGE) from None


def power(b: object, e: object) -> object:
    """``b**e``: exact for small integers and fractions, a double for large ones (never a huge
    integer); FoldError for ``0**-1``, a negative number to a fractional power, or overflow."""
    if is_const(b) and is_const(e):
        return _const_power(b, e)  # type: ignore[arg-type]
    return _normal(sp.Pow(to_sympy(b), to_sympy(e)))


def modulo(a: object, b: object) -> object:
    """``a % b``, with the sign of ``b`` (as Python and NumPy); FoldError when ``b`` is 0."""
    if is_const(b) and b == 0:
        raise FoldError("divides by zero (modulo 0)")
    if is_const(a) and is_const(b):
        if type(a) is float or type(b) is float:
            return _checked_float(_to_float(a) % _to_float(b))  # type: ignore[arg-type]
        return _checked(a % b)  # type: ignore[operator]
    return _normal(sp.Mod(to_sympy(a), to_sympy(b)))


# -- builtin functions of constants, in double precision ---------------------------------------


def _domain(ok: bool, why: str) -> None:
    if not ok:
        raise FoldError(why)


def _overflow(f: Callable[[float], float]) -> Callable[[float], float]:
    def evaluate(x: float) -> float:
        try:
            return f(x)
        except OverflowError:
            raise FoldError(TOO_LARGE) from None

    return evaluate


def _log(f: Callable[[float], float]) -> Callable[[float], float]:
    def evaluate(x: float) -> float:
        _domain(x != 0, "is minus infinity (the log of 0)")
        _domain(x > 0, "is not a real number (the log of a negative number)")
        return f(x)

    return evaluate


def _sqrt(x: float) -> float:
    _domain(x >= 0, "is not a real number (the square root of a negative number)")
    return math.sqrt(x)


def _arc(f: Callable[[float], float]) -> Callable[[float], float]:
    def evaluate(x: float) -> float:
        _domain(-1 <= x <= 1, "is not a real number (arcsin/arccos outside [-1, 1])")
        return f(x)

    return evaluate


def _exprel(x: float) -> float:
    if x == 0:
        return 1.0
    try:
        return math.expm1(x) / x
    except OverflowError:
        raise FoldError(TOO_LARGE) from None


#: builtin function name -> its value on doubles (the function the targets call).
_DOUBLE_VALUE: dict[str, Callable[..., float]] = {
    "exp": _overflow(math.exp),
    "log": _log(math.log),
    "log10": _log(math.log10),
    "sqrt": _sqrt,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "sinh": _overflow(math.sinh),
    "cosh": _overflow(math.cosh),
    "tanh": math.tanh,
    "arcsin": _arc(math.asin),
    "arccos": _arc(math.acos),
    "arctan": math.atan,
    "exprel": _exprel,
    "clip": lambda x, low, high: min(max(x, low), high),
}
#: builtins that stay exact on integers and fractions
_EXACT: dict[str, Callable[[int | Fraction], Const]] = {
    "abs": abs,
    "sign": lambda x: (x > 0) - (x < 0),
    "floor": math.floor,
    "ceil": math.ceil,
    "int": math.trunc,
}
#: SymPy function class -> the builtin's name (to rebuild a substituted call).
_NAME_OF: dict[object, str] = {
    sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh", sp.asin: "arcsin", sp.acos: "arccos",
    sp.atan: "arctan", sp.Abs: "abs", sp.sign: "sign", sp.floor: "floor", sp.ceiling: "ceil",
    clip: "clip", exprel: "exprel",
}


def call(name: str, func: Callable[..., sp.Basic], args: list[object]) -> object:
    """``func(*args)`` for the function called ``name`` in the model. A builtin with constant
    arguments is evaluated now, in double precision (exactly for abs, sign, floor and ceil of
    integers and fractions); FoldError when its value is not a finite real double."""
    if args and all(is_const(a) for a in args):
        if name in _EXACT:
            x = args[0]
            if type(x) is float:
                return _checked_float(float(_EXACT[name](x)))
            return _checked(_EXACT[name](x))  # type: ignore[arg-type]
        if name in _DOUBLE_VALUE:
            values = [_to_float(a) for a in args]  # type: ignore[arg-type]
            try:
                return _checked_float(_DOUBLE_VALUE[name](*values))
            except FoldError:
                raise
            except (ValueError, ZeroDivisionError):  # math's own domain errors
                raise FoldError("is not a real number") from None
    return _normal(func(*(to_sympy(a) for a in args)))


# -- whole expressions ---------------------------------------------------------------------------


def check_tree(expr: sp.Basic) -> tuple[int, int]:
    """Check every number in ``expr``, each distinct node once (linear in its size); FoldError
    names the first bad one. Returns the depth and the size of ``expr`` counted as a tree."""
    depth: dict[sp.Basic, int] = {}
    size: dict[sp.Basic, int] = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        args = node.args
        if not args:
            if isinstance(node, sp.Number) or node is sp.zoo or node is sp.I:
                try:
                    from_sympy(node)
                except FoldError as err:
                    raise FoldError(f"contains a number that {err}: {_describe(node)}") from None
            continue
        if ready:
            depth[node] = 1 + max(depth.get(a, 1) for a in args)
            size[node] = 1 + sum(size.get(a, 1) for a in args)
        elif node not in depth:
            stack.append((node, True))
            stack.extend((a, False) for a in args if a not in depth)
    return depth.get(expr, 1), size.get(expr, 1)


def _describe(n: sp.Basic) -> str:
    if isinstance(n, sp.Integer) and int(n.p).bit_length() > 1024:
        return f"an integer of about {int(n.p).bit_length() * 0.30103:.0f} digits"
    if n is sp.zoo:
        return "1/0 (complex infinity)"
    if n is sp.I:
        return "sqrt(-1)"
    try:
        return str(n)
    except ValueError:  # too many digits to print
        return type(n).__name__


def _rebuild(node: sp.Basic, args: list[object]) -> object:
    """``node`` with new operands, through the bounded builders above."""
    if isinstance(node, sp.Add):
        return Sum.of(*args)
    if isinstance(node, sp.Mul):
        return Product.of(*args)
    if isinstance(node, sp.Pow):
        return power(*args)
    if isinstance(node, sp.Mod):
        return modulo(*args)
    if isinstance(node, RANDOM_FUNCTIONS):
        return node.func(*args)
    if node.func in _NAME_OF:
        return call(_NAME_OF[node.func], node.func, args)
    return _normal(node.func(*(to_sympy(a) for a in args)))


def substitute(expr: sp.Basic, mapping: Mapping[sp.Basic, sp.Basic]) -> sp.Basic:
    """``expr.xreplace(mapping)``, rebuilt bottom-up through the bounded builders (each
    distinct node once), so a substituted constant folds like a written one; FoldError as
    they raise it."""
    if not mapping:
        return expr
    done: dict[sp.Basic, object] = {}
    stack: list[tuple[sp.Basic, bool]] = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if node in done:
            continue
        if node in mapping:
            done[node] = mapping[node]
        elif not node.args:
            done[node] = node
        elif not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in done)
        else:
            args = [done[a] for a in node.args]
            changed = any(new is not old for new, old in zip(args, node.args, strict=True))
            if changed:
                args = [from_sympy(a) if isinstance(a, sp.Number) else a for a in args]
            done[node] = _rebuild(node, args) if changed else node
    return to_sympy(done[expr])
