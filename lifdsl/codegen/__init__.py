"""Abstract code -> target source (NumPy now; Cython next), one SymPy printer per target."""

from lifdsl.codegen.numpy_target import (
    NumpyCodePrinter,
    compile_numpy,
    generate_numpy,
    print_expr,
    py_name,
)

__all__ = ["NumpyCodePrinter", "compile_numpy", "generate_numpy", "print_expr", "py_name"]
