"""Model strings -> SymPy: the tokenizer/parser (grammar), the ``Equations`` class, and the
error every bad string becomes."""

from .equations import EquationLine, Equations
from .errors import EquationError
from .flags import KNOWN_FLAGS, LINE_FLAGS, NEURON_FLAGS
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
    "KNOWN_FLAGS",
    "LINE_FLAGS",
    "NEURON_FLAGS",
]
