"""The NumPy target: abstract code printed as vectorised NumPy functions, and a runtime that
interprets a network's program operation by operation."""

from lifdsl.codegen.numpy_target.block import CodeBlock, block_source, build_count
from lifdsl.codegen.numpy_target.printer import (
    NumpyCodePrinter,
    compile_numpy,
    generate_numpy,
    print_expr,
    py_name,
)

__all__ = [
    "CodeBlock", "NumpyCodePrinter", "block_source", "build_count", "compile_numpy",
    "generate_numpy", "print_expr", "py_name",
]
