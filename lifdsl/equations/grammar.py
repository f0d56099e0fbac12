"""The model-string grammar: a tokenizer and a Pratt parser that build SymPy objects directly.

User text never reaches Python's or SymPy's own string parsers: every number, name, operator
and call is recognised here and turned into ``sp.Integer``/``sp.Float``/``sp.Add``/... by hand,
so a model string can only ever mean an expression.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from .errors import EquationError
from .functions import BUILTIN_FUNCTIONS, SPECIAL_NAMES, symbol
from .statements import Statement

__all__ = [
    "Token",
    "Source",
    "tokenize",
    "split_logical_lines",
    "ExpressionParser",
    "derivative_symbol",
    "parse_expression",
    "parse_statements",
    "format_expression",
    "KEYWORDS",
    "ASSIGN_OPS",
]

KEYWORDS = frozenset({"and", "or", "not", "True", "False"})
ASSIGN_OPS = ("=", "+=", "-=", "*=", "/=")

_NUMBER = re.compile(r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DERIV_TAIL = re.compile(r"[ \t]*/[ \t]*dt(?![A-Za-z0-9_])")
_LINE_CONTINUATION = re.compile(r"\\[ \t]*(?:#[^\n]*)?\n")
# Longest first, so that '**' wins over '*' and '<=' over '<'.
_OPERATORS = (
    "**", "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=",
    "+", "-", "*", "/", "%", "(", ")", ",", "<", ">", "=", ":", ";",
)  # fmt: skip
_BAD_CHAR_HINTS = {
    "^": "use ** for powers",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' (or != for 'not equal')",
    "~": "use 'not'",
}

#: Binary operators: a logical line goes on after one of these at the end of a physical line.
_BINARY = frozenset({"+", "-", "*", "/", "**", "%", "<", ">", "<=", ">=", "==", "!=", "and", "or"})
_CONTINUE_AFTER = _BINARY | {"=", "+=", "-=", "*=", "/=", ",", "(", ":"}
_CONTINUE_BEFORE = frozenset(
    {"+", "-", "*", "/", "**", "%", ")", "<", ">", "<=", ">=", "==", "!=", "and", "or"}
)


@dataclass(frozen=True)
class Token:
    """One lexical unit. ``kind`` is NUM, NAME, KW, DERIV, OP, NL or EOF; ``pos``/``end`` are
    offsets in the source text; ``value`` is the SymPy number (NUM) or the variable (DERIV)."""

    kind: str
    text: str
    pos: int
    end: int
    value: object = None

    def describe(self) -> str:
        """How an error message names this token."""
        if self.kind == "EOF":
            return "the end of the expression"
        if self.kind == "NL":
            return "the end of the line"
        if self.kind == "NUM":
            return f"the number '{self.text}'"
        if self.kind == "NAME":
            return f"the name '{self.text}'"
        return f"'{self.text}'"


@dataclass
class Source:
    """The user's text plus what it is, so any offset can become an EquationError that quotes
    the physical line and points at the column."""

    text: str
    what: str = "expression"
    first_lineno: int = 1
    _starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def locate(self, pos: int) -> tuple[int, str, int]:
        """(1-based line number, physical line text, 0-based column) of an offset."""
        pos = max(0, min(pos, len(self.text)))
        idx = _bisect_right(self._starts, pos) - 1
        start = self._starts[idx]
        stop = self.text.find("\n", start)
        line = self.text[start:] if stop < 0 else self.text[start:stop]
        line = line.rstrip("\r")
        return self.first_lineno + idx, line, pos - start

    def error(self, message: str, pos: int) -> EquationError:
        """An EquationError located at ``pos`` (not raised: the caller raises it)."""
        lineno, line, column = self.locate(pos)
        return EquationError(message, lineno=lineno, line=line, column=column, what=self.what)

    def lineno(self, pos: int) -> int:
        """The 1-based physical line number of an offset."""
        return self.locate(pos)[0]

    def span_text(self, start: int, end: int) -> str:
        """The text between two offsets, comments removed and physical lines joined by a space."""
        parts = []
        for piece in self.text[start:end].split("\n"):
            piece = piece.split("#", 1)[0].strip()
            if piece.endswith("\\"):
                piece = piece[:-1].rstrip()
            if piece:
                parts.append(piece)
        return " ".join(parts)


def _bisect_right(values: list[int], x: int) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < values[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


def tokenize(source: Source) -> list[Token]:
    """Split ``source.text`` into tokens (NL for each newline, a final EOF); comments, spaces
    and backslash line continuations are dropped. Raises EquationError at a bad character."""
    text = source.text
    tokens: list[Token] = []
    pos = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch in " \t\r\f\v":
            pos += 1
            continue
        if ch == "#":
            stop = text.find("\n", pos)
            pos = n if stop < 0 else stop
            continue
        if ch == "\n":
            tokens.append(Token("NL", "\n", pos, pos + 1))
            pos += 1
            continue
        if ch == "\\":
            m = _LINE_CONTINUATION.match(text, pos)
            if m is None:
                raise source.error("a '\\' may only end a line (to continue it)", pos)
            pos = m.end()
            continue
        m = _NUMBER.match(text, pos)
        if m is not None:
            tokens.append(_number_token(source, m.group(), pos, m.end()))
            pos = m.end()
            continue
        m = _NAME.match(text, pos)
        if m is not None:
            name = m.group()
            tail = _DERIV_TAIL.match(text, m.end())
            if tail is not None and len(name) > 1 and name[0] == "d" and _NAME.fullmatch(name[1:]):
                var = name[1:]
                if var.startswith("_"):
                    raise source.error(
                        f"names starting with '_' are reserved for lifdsl's own code: {var!r}",
                        pos + 1)
                tokens.append(Token("DERIV", f"d{var}/dt", pos, tail.end(), var))
                pos = tail.end()
                continue
            if name.startswith("_"):
                raise source.error(
                    f"names starting with '_' are reserved for lifdsl's own code: {name!r}", pos)
            kind = "KW" if name in KEYWORDS else "NAME"
            tokens.append(Token(kind, name, pos, m.end()))
            pos = m.end()
            continue
        for op in _OPERATORS:
            if text.startswith(op, pos):
                tokens.append(Token("OP", op, pos, pos + len(op)))
                pos += len(op)
                break
        else:
            hint = _BAD_CHAR_HINTS.get(ch)
            message = f"unexpected character {ch!r}"
            raise source.error(message + (f": {hint}" if hint else ""), pos)
    tokens.append(Token("EOF", "", n, n))
    return tokens


def _number_token(source: Source, text: str, pos: int, end: int) -> Token:
    after = source.text[end : end + 1]
    if after and (after.isalnum() or after in "_."):
        raise source.error(
            f"malformed number '{text}{after}': a number must be followed by an operator "
            "(write 2*x, not 2x)",
            end,
        )
    if text.isdigit():
        value: sp.Basic = sp.Integer(int(text))
    else:
        as_float = float(text)
        if not math.isfinite(as_float):
            raise source.error(f"the number '{text}' is too large for a float", pos)
        value = sp.Float(as_float)
    return Token("NUM", text, pos, end, value)


def split_logical_lines(
    tokens: list[Token], *, separators: tuple[str, ...] = ()
) -> list[list[Token]]:
    """Group tokens (without NL/EOF) into logical lines. A line goes on past a newline while a
    parenthesis is open, after a trailing binary operator or '=', or before a leading binary
    operator. ``separators`` (e.g. ';') also end a line at depth 0. Empty lines are dropped."""
    groups: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    significant = [t for t in tokens if t.kind not in ("NL", "EOF")]
    next_sig = {}
    j = 0
    for idx, tok in enumerate(tokens):
        while j < len(significant) and significant[j].pos <= tok.pos:
            j += 1
        next_sig[idx] = significant[j] if j < len(significant) else None
    for idx, tok in enumerate(tokens):
        if tok.kind == "EOF":
            break
        if tok.kind == "NL" or (tok.kind == "OP" and tok.text in separators and depth == 0):
            if tok.kind == "NL":
                if depth > 0 or not current:
                    continue
                if current[-1].kind in ("OP", "KW") and current[-1].text in _CONTINUE_AFTER:
                    continue
                nxt = next_sig[idx]
                if nxt is not None and nxt.kind in ("OP", "KW") and nxt.text in _CONTINUE_BEFORE:
                    continue
            if current:
                groups.append(current)
            current = []
            continue
        if tok.kind == "OP" and tok.text == "(":
            depth += 1
        elif tok.kind == "OP" and tok.text == ")":
            depth = max(0, depth - 1)
        current.append(tok)
    if current:
        groups.append(current)
    return groups


def derivative_symbol(name: str) -> sp.Symbol:
    """The symbol that stands for ``dX/dt`` in a left-hand side as written (``dU/dt``)."""
    return sp.Symbol(f"d{name}/dt")


# Binding powers (Python's order): or < and < not < comparisons < +,- < *,/,% < unary < **
_INFIX_BP = {
    "or": 1, "and": 2,
    "<": 4, ">": 4, "<=": 4, ">=": 4, "==": 4, "!=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "**": 8,
}  # fmt: skip
_NOT_OPERAND_BP = 3
_UNARY_OPERAND_BP = 7
_COMPARISONS = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne}


def _unary_plus(x: sp.Basic) -> sp.Basic:
    if not isinstance(x, sp.Expr):
        raise TypeError("unary + needs a number")
    return x


def _binary(op: str, a: sp.Basic, b: sp.Basic) -> sp.Basic:
    if op == "+":
        return sp.Add(a, b)
    if op == "-":
        return sp.Add(a, sp.Mul(sp.Integer(-1), b))
    if op == "*":
        return sp.Mul(a, b)
    if op == "/":
        return sp.Mul(a, sp.Pow(b, sp.Integer(-1)))
    if op == "%":
        return sp.Mod(a, b)
    if op == "**":
        return sp.Pow(a, b)
    if op == "and":
        return sp.And(a, b)
    if op == "or":
        return sp.Or(a, b)
    return _COMPARISONS[op](a, b)


class ExpressionParser:
    """Recursive-descent (Pratt) parser over a token list ending in EOF.

    After :meth:`parse_all`, ``names`` holds every identifier used, ``calls`` every
    non-builtin function called and ``derivatives`` every DERIV token met (only allowed when
    ``allow_derivative``)."""

    def __init__(self, tokens: list[Token], source: Source, *, allow_derivative: bool = False):
        self.tokens = tokens
        self.source = source
        self.allow_derivative = allow_derivative
        self.index = 0
        self.names: set[str] = set()
        self.calls: set[str] = set()
        self.derivatives: list[Token] = []

    # -- token stream -------------------------------------------------------------------
    def peek(self) -> Token:
        """The next token, not consumed."""
        return self.tokens[self.index]

    def advance(self) -> Token:
        """Consume and return the next token (EOF stays put)."""
        tok = self.tokens[self.index]
        if tok.kind != "EOF":
            self.index += 1
        return tok

    def _is(self, tok: Token, *texts: str) -> bool:
        return tok.kind in ("OP", "KW") and tok.text in texts

    def expect(self, text: str, context: str) -> Token:
        """Consume ``text`` or raise 'expected ...'."""
        tok = self.peek()
        if not self._is(tok, text):
            raise self.source.error(f"expected '{text}' {context}, found {tok.describe()}", tok.pos)
        return self.advance()

    # -- grammar ------------------------------------------------------------------------
    def parse_all(self) -> sp.Basic:
        """Parse one whole expression; anything left over is an error."""
        tok = self.peek()
        if tok.kind == "EOF":
            raise self.source.error("expected an expression, found nothing", tok.pos)
        try:
            expr = self.expression(0)
        except RecursionError:
            raise self.source.error("the expression is nested too deeply", tok.pos) from None
        tok = self.peek()
        if tok.kind != "EOF":
            hint = ""
            if self._is(tok, "="):
                hint = " (use == to compare)"
            elif self._is(tok, "("):
                hint = " (only names can be called)"
            elif tok.kind in ("NAME", "NUM", "DERIV"):
                hint = " (write * for multiplication)"
            raise self.source.error(
                f"expected an operator or the end of the expression, found {tok.describe()}{hint}",
                tok.pos,
            )
        return expr

    def expression(self, min_bp: int) -> sp.Basic:
        """Parse operators binding tighter than ``min_bp`` (the core of the Pratt loop)."""
        left = self.prefix()
        compared = False
        while True:
            tok = self.peek()
            if tok.kind not in ("OP", "KW") or tok.text not in _INFIX_BP:
                return left
            bp = _INFIX_BP[tok.text]
            if bp <= min_bp:
                return left
            self.advance()
            if tok.text in _COMPARISONS:
                if compared:
                    raise self.source.error(
                        "chained comparisons (a < b < c) are not supported: "
                        "write (a < b) and (b < c)",
                        tok.pos,
                    )
                compared = True
            right = self.expression(bp - 1 if tok.text == "**" else bp)
            left = self.build(tok, _binary, tok.text, left, right)

    def prefix(self) -> sp.Basic:
        """A primary expression or a prefix operator applied to one."""
        tok = self.advance()
        if tok.kind == "NUM":
            return tok.value  # type: ignore[return-value]
        if tok.kind == "NAME":
            if self._is(self.peek(), "("):
                return self.call(tok)
            self.names.add(tok.text)
            return symbol(tok.text)
        if tok.kind == "DERIV":
            if not self.allow_derivative:
                raise self.source.error(
                    f"a derivative ({tok.text}) may only appear on the left-hand side "
                    "of a differential equation",
                    tok.pos,
                )
            self.derivatives.append(tok)
            return derivative_symbol(tok.value)  # type: ignore[arg-type]
        if tok.kind == "KW":
            if tok.text == "True":
                return sp.true
            if tok.text == "False":
                return sp.false
            if tok.text == "not":
                operand = self.expression(_NOT_OPERAND_BP)
                return self.build(tok, sp.Not, operand)
        if self._is(tok, "("):
            inner = self.expression(0)
            closing = self.peek()
            if not self._is(closing, ")"):
                raise self.source.error(
                    f"expected ')' to close the '(' at column {self.source.locate(tok.pos)[2]}"
                    f", found {closing.describe()}",
                    closing.pos,
                )
            self.advance()
            return inner
        if self._is(tok, "-", "+"):
            operand = self.expression(_UNARY_OPERAND_BP)
            if tok.text == "+":
                return self.build(tok, _unary_plus, operand)
            return self.build(tok, lambda x: sp.Mul(sp.Integer(-1), x), operand)
        raise self.source.error(f"expected an expression, found {tok.describe()}", tok.pos)

    def call(self, name_tok: Token) -> sp.Basic:
        """``name(args)``: a builtin (argument count checked) or an undefined function."""
        name = name_tok.text
        self.advance()  # '('
        args: list[sp.Basic] = []
        if self._is(self.peek(), ")"):
            self.advance()
        else:
            while True:
                args.append(self.expression(0))
                tok = self.peek()
                if self._is(tok, ","):
                    self.advance()
                    continue
                if self._is(tok, ")"):
                    self.advance()
                    break
                raise self.source.error(
                    f"expected ',' or ')' in the call to {name}(), found {tok.describe()}",
                    tok.pos,
                )
        if name in SPECIAL_NAMES:
            raise self.source.error(f"'{name}' is a special name, not a function", name_tok.pos)
        if name in BUILTIN_FUNCTIONS:
            func, counts = BUILTIN_FUNCTIONS[name]
            if len(args) not in counts:
                wanted = " or ".join(str(c) for c in counts)
                plural = "" if counts == (1,) else "s"
                raise self.source.error(
                    f"{name}() takes {wanted} argument{plural}, got {len(args)}", name_tok.pos
                )
            return self.build(name_tok, func, *args)  # type: ignore[arg-type]
        self.calls.add(name)
        return self.build(name_tok, sp.Function(name), *args)

    def build(self, tok: Token, func: Callable[..., sp.Basic], *args: object) -> sp.Basic:
        """Apply a SymPy constructor, turning its type errors into an EquationError here."""
        try:
            return func(*args)
        except (TypeError, ValueError, AttributeError, sp.SympifyError) as exc:
            what = f"'{tok.text}'" if tok.kind != "NAME" else f"{tok.text}()"
            raise self.source.error(
                f"cannot apply {what} to these operands (a true/false condition where a "
                f"number is needed, or the reverse): {exc}",
                tok.pos,
            ) from None


def parse_expression(text: str, *, what: str = "expression", lineno: int = 1) -> sp.Basic:
    """Parse one expression (threshold, string assignment, ...) into a SymPy object.

    ``what`` and ``lineno`` only label errors: ``lineno`` is the number of the first line of
    ``text`` in whatever the user wrote."""
    source = Source(text, what, lineno)
    tokens = [t for t in tokenize(source) if t.kind != "NL"]
    return ExpressionParser(tokens, source).parse_all()


_READONLY_TARGETS = frozenset({"t", "dt", "i", "N", "xi"})


def parse_statements(text: str, *, what: str = "reset") -> list[Statement]:
    """Parse statements ``target op expr`` (op in ``= += -= *= /=``), one per line or separated
    by ';', as used by resets and synaptic ``on_pre``. Blank text gives ``[]``."""
    source = Source(text, what, 1)
    tokens = tokenize(source)
    statements = []
    for group in split_logical_lines(tokens, separators=(";",)):
        first = group[0]
        if first.kind != "NAME":
            hint = " (a derivative cannot be assigned)" if first.kind == "DERIV" else ""
            raise source.error(
                f"expected a variable name to assign to, found {first.describe()}{hint}",
                first.pos,
            )
        if first.text in _READONLY_TARGETS:
            raise source.error(
                f"'{first.text}' is a special name and cannot be assigned", first.pos
            )
        if len(group) < 2 or group[1].kind != "OP" or group[1].text not in ASSIGN_OPS:
            nxt = group[1] if len(group) > 1 else Token("EOF", "", first.end, first.end)
            raise source.error(
                f"expected one of {' '.join(ASSIGN_OPS)} after '{first.text}', "
                f"found {nxt.describe()}",
                nxt.pos,
            )
        op = group[1]
        end = Token("EOF", "", group[-1].end, group[-1].end)
        if len(group) == 2:
            raise source.error(f"expected an expression after '{op.text}'", end.pos)
        expr = ExpressionParser(group[2:] + [end], source).parse_all()
        statements.append(
            Statement(
                target=first.text,
                op=op.text,
                expr=expr,
                lineno=source.lineno(first.pos),
                source=source.span_text(first.pos, group[-1].end),
            )
        )
    return statements


# -- printing: the inverse of the parser, so str() of equations can be parsed again ----------

_FUNCTION_NAMES = {
    "Abs": "abs",
    "ceiling": "ceil",
    "asin": "arcsin",
    "acos": "arccos",
    "atan": "arctan",
}
_PREC_NOT = (PRECEDENCE["And"] + PRECEDENCE["Relational"]) // 2


def _precedence(expr: sp.Basic) -> int:
    if isinstance(expr, sp.Not):
        return _PREC_NOT
    if isinstance(expr, sp.Mod):
        return PRECEDENCE["Mul"]
    return precedence(expr)


class _ModelPrinter(StrPrinter):
    """StrPrinter speaking the model grammar: ``and``/``or``/``not``, ``==``, ``%``,
    ``abs``/``ceil``/``arcsin`` names and floats as Python writes them."""

    def parenthesize(self, item, level, strict=False):
        prec = _precedence(item)
        if prec < level or (not strict and prec <= level):
            return f"({self._print(item)})"
        return self._print(item)

    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Exp1(self, expr):
        return "exp(1)"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"

    def _print_Function(self, expr):
        name = _FUNCTION_NAMES.get(expr.func.__name__, expr.func.__name__)
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    def _print_Mod(self, expr):
        a, b = expr.args
        level = PRECEDENCE["Mul"]
        return f"{self.parenthesize(a, level)} % {self.parenthesize(b, level, strict=False)}"

    def _print_Relational(self, expr):
        level = PRECEDENCE["Relational"]
        lhs = self.parenthesize(expr.lhs, level)
        rhs = self.parenthesize(expr.rhs, level)
        return f"{lhs} {expr.rel_op} {rhs}"

    def _print_Not(self, expr):
        return f"not {self.parenthesize(expr.args[0], _PREC_NOT, strict=True)}"

    def _print_And(self, expr):
        level = PRECEDENCE["And"]
        return " and ".join(self.parenthesize(a, level) for a in expr.args)

    def _print_Or(self, expr):
        level = PRECEDENCE["Or"]
        return " or ".join(self.parenthesize(a, level) for a in expr.args)


def format_expression(expr: sp.Basic) -> str:
    """``expr`` written in the model grammar (parsing the result gives ``expr`` back)."""
    return _ModelPrinter({"order": None}).doprint(expr)
