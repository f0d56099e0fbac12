"""Abstract code -> target source: NumPy functions, or one Cython kernel per network."""

from lifdsl.codegen.c_printer import C_SUPPORT_CODE, CCodePrinter, c_name, print_c
from lifdsl.codegen.cache import (
    BuildError,
    CompilerNotFoundError,
    cache_dir,
    clear_cache,
    compile_cython,
    compiler_available,
)
from lifdsl.codegen.numpy_target import (
    NumpyCodePrinter,
    compile_numpy,
    generate_numpy,
    print_expr,
    py_name,
)

__all__ = [
    "BuildError", "CCodePrinter", "C_SUPPORT_CODE", "CompilerNotFoundError", "NumpyCodePrinter",
    "c_name", "cache_dir", "clear_cache", "compile_cython", "compile_numpy",
    "compiler_available", "generate_numpy", "print_c", "print_expr", "py_name",
]
