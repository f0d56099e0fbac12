"""Name resolution: every identifier of a model string gets a value before code is generated.

Lookup order for a name: the object's ``namespace=``, then ``run(namespace=)``, then the
calling scope of ``run()`` (locals, then globals), then lifdsl's defaults (unit names, pi, e).
A name found nowhere is an :class:`EquationError` that quotes the line using it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Number

import numpy as np

from lifdsl.equations.errors import EquationError
from lifdsl.units import UNIT_OBJECTS
from lifdsl.units.dimensions import DIMENSIONLESS
from lifdsl.units.quantity import Quantity

#: values every model string can use without defining them
DEFAULT_NAMESPACE: dict[str, object] = {**UNIT_OBJECTS, "pi": math.pi, "e": math.e,
                                        "inf": math.inf}

#: where a name is used: (what, lineno, line) for error messages, or None if unknown
Locator = Callable[[str], "tuple[str, int, str] | None"]


def _lookup(name: str, namespaces: Sequence[Mapping[str, object]]) -> tuple[bool, object]:
    for ns in namespaces:
        if name in ns:
            return True, ns[name]
    if name in DEFAULT_NAMESPACE:
        return True, DEFAULT_NAMESPACE[name]
    return False, None


def _fail(msg: str, name: str, locate: Locator | None) -> EquationError:
    where = locate(name) if locate else None
    if where is None:
        return EquationError(msg)
    what, lineno, line = where
    col = _find_word(line, name)
    return EquationError(msg, what=what, lineno=lineno, line=line, column=col)


def _find_word(line: str, name: str) -> int | None:
    import re

    m = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", line)
    return m.start() if m else None


def resolve_constants(
    names: Iterable[str],
    namespaces: Sequence[Mapping[str, object]],
    *,
    owner: str,
    locate: Locator | None = None,
    dims: dict[str, object] | None = None,
    known: Iterable[str] = (),
) -> dict[str, float]:
    """Values of external constants, as Python floats (SI). Non-numbers and unknown names are
    an EquationError naming the line that uses them (with the closest known name, of
    ``known`` and the namespaces, as a suggestion). ``dims`` receives each Quantity's
    dimension."""
    out: dict[str, float] = {}
    for name in sorted(names):
        found, value = _lookup(name, namespaces)
        if not found:
            hint = suggestion(name, [*known, *(k for ns in namespaces for k in ns
                                               if isinstance(k, str) and not k.startswith("_"))])
            raise _fail(
                f"unknown identifier {name!r} in {owner}: define it in namespace= or in the "
                f"scope that calls run()" + hint,
                name,
                locate,
            )
        if dims is not None and name in ("pi", "e") and value is DEFAULT_NAMESPACE.get(name) \
                and not any(name in ns for ns in namespaces):
            dims[name] = DIMENSIONLESS  # lifdsl's own pi and e are plain numbers, not SI values
        if isinstance(value, Quantity):
            if value.ndim == 0:
                if dims is not None:
                    dims[name] = value.dim
                out[name] = float(value)
                continue
        if isinstance(value, (bool, np.bool_)):
            out[name] = float(value)
            continue
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if isinstance(value, Number) and not isinstance(value, complex):
            out[name] = float(value)  # type: ignore[arg-type]
            continue
        raise _fail(
            f"{name!r} in {owner} must be a number, got {type(value).__name__}"
            + (" (per-neuron values belong in a parameter: 'x : 1' then G.x = array)"
               if isinstance(value, (np.ndarray, list, tuple)) else ""),
            name,
            locate,
        )
    return out


def suggestion(name: str, candidates: Iterable[str]) -> str:
    """``" (did you mean 'tau'?)"`` for the closest of ``candidates`` to a misspelt ``name``,
    or an empty string."""
    import difflib

    pool = sorted({c for c in candidates if c != name})
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def resolve_functions(
    names: Iterable[str],
    namespaces: Sequence[Mapping[str, object]],
    *,
    owner: str,
    locate: Locator | None = None,
    convert: Callable[[object], object] | None = None,
) -> dict[str, object]:
    """Objects for the non-builtin functions a model calls (TimedArrays, user functions:
    anything with a ``numpy_function()`` method, after ``convert``, which may wrap a
    value, as a ``@check_units``-decorated Python function)."""
    out: dict[str, object] = {}
    for name in sorted(names):
        found, value = _lookup(name, namespaces)
        if found and convert is not None:
            try:
                value = convert(value)
            except (TypeError, ValueError) as err:
                raise _fail(f"{name!r} in {owner} cannot be called from a model string: {err}",
                            name, locate) from None
        if not found:
            raise _fail(
                f"unknown function {name!r} in {owner}: define it (e.g. a TimedArray) in "
                f"namespace= or in the scope that calls run()",
                name,
                locate,
            )
        if not hasattr(value, "numpy_function"):
            raise _fail(
                f"{name!r} in {owner} is called like a function but is a "
                f"{type(value).__name__}; only builtin functions, TimedArrays and Functions "
                f"(a Python function wrapped in ld.Function, or decorated with @check_units) "
                f"can be called",
                name,
                locate,
            )
        out[name] = value
    return out
