"""A block of abstract code compiled to a NumPy function, shared by every block of equal source."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from lifdsl.codegen.numpy_target.printer import compile_numpy, generate_numpy
from lifdsl.codegen.random_draws import predraw
from lifdsl.equations.statements import Assign

_compiled: dict[str, Callable] = {}
_blocks: dict[tuple, tuple[tuple, str, Callable]] = {}
_builds = {"n": 0}


def build_count() -> int:
    """How many NumPy functions this process generated and compiled (tests count them)."""
    return _builds["n"]


def block_source(name: str, statements: Sequence[Assign], arrays: Iterable[str],
                 returns: str | None = None, full: bool = False,
                 booleans: Iterable[str] | None = None, dtype: str | None = None,
                 integers: Iterable[str] = ()) -> str:
    """The NumPy source a block of these statements runs (without compiling it)."""
    return generate_numpy(name, tuple(predraw(statements)), arrays, returns=returns, full=full,
                          booleans=booleans, dtype=dtype, integers=integers)


class CodeBlock:
    """Statements compiled for the NumPy target: ``block(ns, idx, n, t, dt, rng)``.

    Compiled functions are shared between blocks with identical source, so re-running or
    re-creating a model does not regenerate Python code. ``booleans`` (default:
    ``not_refractory``) and ``dtype`` say which arrays hold true/false values and the
    floating-point type they are read in as numbers (default: the type of the block's own
    arrays; see :func:`generate_numpy`); ``integers`` which are stored as integers.
    """

    def __init__(
        self,
        name: str,
        statements: Sequence[Assign],
        arrays: Iterable[str],
        returns: str | None = None,
        full: bool = False,
        indexed: Mapping[str, str] | None = None,
        booleans: Iterable[str] | None = None,
        dtype: str | None = None,
        integers: Iterable[str] = (),
    ) -> None:
        self.name = name
        key = (name, tuple(statements), frozenset(arrays), returns, full,
               tuple(sorted((indexed or {}).items())),
               None if booleans is None else frozenset(booleans),
               None if dtype is None else str(dtype), frozenset(integers))
        hit = _blocks.get(key)
        if hit is None:  # printing SymPy is slow: a run's blocks are looked up, not reprinted
            stmts = tuple(predraw(statements))
            source = generate_numpy(name, stmts, arrays, returns=returns, full=full,
                                    indexed=indexed, booleans=booleans, dtype=dtype,
                                    integers=integers)
            fn = _compiled.get(source)
            if fn is None:
                fn = compile_numpy(source, name)
                _compiled[source] = fn
                _builds["n"] += 1
            hit = _blocks[key] = (stmts, source, fn)
        self.statements, self.source, self.function = hit

    def __call__(self, ns, idx, n, t, dt, rng):
        return self.function(ns, idx, n, t, dt, rng)
