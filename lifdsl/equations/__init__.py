"""Model strings -> SymPy: the tokenizer/parser (grammar), the ``Equations`` class, and the
error every bad string becomes."""

from .equations import EquationLine, Equations
from .errors import EquationError
from .functions import symbol
from .grammar import parse_expression, parse_statements
from .statements import Assign, Statement

__all__ = [
    "Equations",
    "EquationLine",
    "EquationError",
    "parse_expression",
    "parse_statements",
    "Assign",
    "Statement",
    "symbol",
]
