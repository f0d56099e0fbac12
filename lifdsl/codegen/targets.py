"""The code generation targets by name: what ``core`` asks for a run, never how it is done."""

from __future__ import annotations

from typing import Any

import numpy as np

from lifdsl.codegen import program as P
from lifdsl.codegen.cache import BuildError, CompilerNotFoundError

#: the targets a network can run on
TARGETS = ("numpy", "cython")

__all__ = ["TARGETS", "BuildError", "CompilerNotFoundError", "compiled_skip", "evaluate",
           "kernel_source", "numpy_source", "runtime"]


def runtime(target: str, program: P.Program, bindings: P.Bindings) -> Any:
    """A runtime of ``target`` for the program: ``.run(n_steps, report, report_period,
    set_step)`` and ``.name``. The Cython one compiles (or finds) the kernel first, and raises
    BuildError or CompilerNotFoundError when it cannot."""
    if target == "cython":
        from lifdsl.codegen.cython_target import CythonRuntime

        return CythonRuntime(program, bindings)
    if target == "numpy":
        from lifdsl.codegen.numpy_target.runtime import NumpyRuntime

        return NumpyRuntime(program, bindings)
    raise ValueError(f"unknown target {target!r}; targets: {', '.join(TARGETS)}")


def compiled_skip() -> Any:
    """connect(p=)'s compiled skip pass (``.skip``; the same pairs as NumPy's passes), built
    on first use where the cython target can build; None elsewhere."""
    from lifdsl.codegen.cython_target.skip import skip_module

    return skip_module()


def evaluate(code: P.Code, bindings: P.Bindings, idx, n: int, t: float) -> np.ndarray:
    """The value of ``code``'s ``_value = ...`` for elements ``idx`` now (string assignments,
    subexpressions read between runs): NumPy evaluates it, on every machine."""
    from lifdsl.codegen.numpy_target.runtime import evaluate as numpy_evaluate

    return numpy_evaluate(code, bindings, idx, n, t)


def numpy_source(name: str, statements, arrays, returns: str | None = None,
                 full: bool = False) -> str:
    """The NumPy source of one block of statements (what ``generated_code`` shows)."""
    from lifdsl.codegen.numpy_target.block import block_source

    return block_source(name, statements, arrays, returns=returns, full=full)


def kernel_source(program: P.Program) -> str:
    """The source the Cython target compiles for ``program``."""
    from lifdsl.codegen.cython_target import kernel_source as source

    return source(program)


def expression_source(target: str, expr) -> str:
    """``expr`` as ``target`` prints it (NumPy: Python with ``numpy.`` functions; Cython: C)."""
    if target == "numpy":
        from lifdsl.codegen.numpy_target.printer import print_expr

        return print_expr(expr)
    from lifdsl.codegen.c_printer import print_c

    return print_c(expr)
