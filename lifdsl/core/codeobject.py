"""Compiled code blocks of one object, and the source text that produced them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from lifdsl.codegen import compile_numpy, generate_numpy
from lifdsl.codegen.random_draws import predraw
from lifdsl.equations.statements import Assign

_compiled: dict[str, Callable] = {}


class CodeBlock:
    """A block of abstract code compiled for the NumPy target.

    Compiled functions are shared between blocks with identical source, so re-running or
    re-creating a model does not regenerate Python code.
    """

    def __init__(
        self,
        name: str,
        statements: Sequence[Assign],
        arrays: Iterable[str],
        returns: str | None = None,
        full: bool = False,
    ) -> None:
        self.name = name
        self.statements = tuple(predraw(statements))
        self.source = generate_numpy(name, self.statements, arrays, returns=returns, full=full)
        fn = _compiled.get(self.source)
        if fn is None:
            fn = compile_numpy(self.source, name)
            _compiled[self.source] = fn
        self.function = fn

    def __call__(self, ns, idx, n, t, dt, rng):
        return self.function(ns, idx, n, t, dt, rng)
