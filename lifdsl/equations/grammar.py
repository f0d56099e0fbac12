"""The model-string grammar: a tokenizer and a Pratt parser that build SymPy objects directly.

User text never reaches Python's or SymPy's own string parsers: every number, name, operator
and call is recognised here and turned into ``sp.Integer``/``sp.Float``/``sp.Add``/... by hand,
so a model string can only ever mean an expression.
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import sympy as sp
from sympy.printing.precedence import PRECEDENCE, precedence
from sympy.printing.str import StrPrinter

from . import folding
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

# ASCII digits only: \d would also match fullwidth, Arabic-Indic, Devanagari ... digits.
_NUMBER = r"(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# Longest first, so that '**' wins over '*' and '<=' over '<'.
_OPERATORS = (
    "**", "//", "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=",
    "+", "-", "*", "/", "%", "(", ")", ",", "<", ">", "=", ":", ";",
)  # fmt: skip
#: One token (or a stretch of text that leaves none) at a time, by the name of its group.
_TOKEN = re.compile(
    r"(?P<space>[ \t\f\v]+)"
    r"|(?P<deriv>d(?P<var>" + _NAME + r")[ \t]*/[ \t]*dt(?![A-Za-z0-9_]))"
    r"|(?P<name>" + _NAME + r")"
    r"|(?P<num>" + _NUMBER + r")"
    r"|(?P<op>" + "|".join(re.escape(op) for op in _OPERATORS) + r")"
    r"|(?P<nl>\n)"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<cont>\\[ \t]*(?:#[^\n]*)?(?:\n|\Z))"
    r"|(?P<bad>.)",
    re.DOTALL,
)
#: The largest integer literal is below 10**309 (a double's limit is about 1.8e308).
_MAX_INT_DIGITS = 309
_BAD_CHAR_HINTS = {
    "^": "use ** for powers",
    "&": "use 'and'",
    "|": "use 'or'",
    "!": "use 'not' (or != for 'not equal')",
    "~": "use 'not'",
}

#: Binary operators: a logical line goes on after one of these at the end of a physical line.
_BINARY = frozenset({"+", "-", "*", "/", "//", "**", "%", "<", ">", "<=", ">=", "==", "!=",
                     "and", "or"})
_CONTINUE_AFTER = _BINARY | {"=", "+=", "-=", "*=", "/=", ",", "(", ":"}
_CONTINUE_BEFORE = frozenset(
    {"+", "-", "*", "/", "//", "**", "%", ")", "<", ">", "<=", ">=", "==", "!=", "and", "or"}
)


class Token(NamedTuple):
    """One lexical unit. ``kind`` is NUM, NAME, KW, DERIV, OP, NL or EOF; ``pos``/``end`` are
    offsets in the source text; ``value`` is the SymPy number (NUM) or the variable (DERIV).
    (A named tuple: a long sum has hundreds of thousands of them.)"""

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
        # Windows (\r\n) and old Mac (\r) line endings read as \n everywhere; a line keeps
        # its columns, since the \r was at its end.
        self.text = self.text.replace("\r\n", "\n").replace("\r", "\n")
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
    and backslash line continuations are dropped. Raises EquationError at a bad character.
    One regular expression per token: linear in the length of the text."""
    text = source.text
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup
        if kind == "name":
            name = m.group()
            if name in KEYWORDS:
                append(Token("KW", name, m.start(), m.end()))
            elif name[0] == "_":
                raise source.error(
                    f"names starting with '_' are reserved for lifdsl's own code: {name!r}",
                    m.start())
            else:
                append(Token("NAME", name, m.start(), m.end()))
        elif kind == "op":
            append(Token("OP", m.group(), m.start(), m.end()))
        elif kind == "num":
            append(_number_token(source, m.group(), m.start(), m.end()))
        elif kind == "nl":
            append(Token("NL", "\n", m.start(), m.end()))
        elif kind == "deriv":
            var = m.group("var")
            if var[0] == "_":
                raise source.error(
                    f"names starting with '_' are reserved for lifdsl's own code: {var!r}",
                    m.start() + 1)
            append(Token("DERIV", f"d{var}/dt", m.start(), m.end(), var))
        elif kind == "bad":
            ch = m.group()
            if ch == "\\":
                raise source.error("a '\\' may only end a line (to continue it)", m.start())
            raise source.error(_bad_character(ch), m.start())
        # spaces, comments and continuations leave no token
    n = len(text)
    append(Token("EOF", "", n, n))
    return tokens


def _bad_character(ch: str) -> str:
    """Why ``ch`` cannot appear in a model string, with the likely intent where one is known."""
    if ch.isascii():
        hint = _BAD_CHAR_HINTS.get(ch)
        return f"unexpected character {ch!r}" + (f": {hint}" if hint else "")
    if "\udc80" <= ch <= "\udcff":  # how Python hands over a byte it could not decode
        return (f"unexpected byte 0x{ord(ch) - 0xDC00:02X}: the text is not valid UTF-8 "
                "(model strings are plain ASCII)")
    name = unicodedata.name(ch, "")
    label = f"{ch!r} (U+{ord(ch):04X}{' ' + name if name else ''})"
    if ch in _UNICODE_HINTS:
        hint = _UNICODE_HINTS[ch]
    elif ch.isdigit() or ch.isdecimal() or ch.isnumeric():
        hint = "numbers are written with the ASCII digits 0-9"
    elif ch.isspace():
        hint = "a non-ASCII space; use an ordinary space"
    elif ch.isalpha():
        hint = "names are written with ASCII letters, digits and '_'"
    else:
        hint = "model strings are plain ASCII: letters, digits, '_', operators and spaces"
    return f"unexpected non-ASCII character {label}: {hint}"


_UNICODE_HINTS = {
    **dict.fromkeys("\u2212\u2013\u2014\u2010\u2011", "use '-'"),
    **dict.fromkeys("\u00d7\u00b7\u2219\u22c5\u2217", "use '*'"),
    **dict.fromkeys("\u00f7\u2215\u2044", "use '/'"),
    "\u2264": "use '<='", "\u2265": "use '>='", "\u2260": "use '!='",
    **dict.fromkeys("\u00b5\u03bc", "write 'u' for micro (us, uV, uA)"),
    **dict.fromkeys("\u201c\u201d\u2018\u2019", "quotes are not part of the grammar"),
    **dict.fromkeys("\u00b2\u00b3", "use ** for powers"),
}


def _number_token(source: Source, text: str, pos: int, end: int) -> Token:
    after = source.text[end : end + 1]
    if after and not after.isascii():
        raise source.error(_bad_character(after), end)
    if after and (after.isalnum() or after in "_."):
        raise source.error(
            f"malformed number '{text}{after}': a number must be followed by an operator "
            "(write 2*x, not 2x)",
            end,
        )
    shown = text if len(text) <= 24 else f"{text[:10]}...{text[-6:]} ({len(text)} characters)"
    if text.isdigit():
        if len(text.lstrip("0")) > _MAX_INT_DIGITS:
            raise source.error(f"the number '{shown}' {folding.TOO_LARGE}", pos)
        value: folding.Const = int(text)
        if value > folding.MAX_INT:
            raise source.error(f"the number '{shown}' {folding.TOO_LARGE}", pos)
    else:
        as_float = float(text)
        if not math.isfinite(as_float):
            raise source.error(f"the number '{shown}' {folding.TOO_LARGE}", pos)
        value = as_float  # below about 5e-324 a literal is 0.0, as in Python
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
    count = len(tokens)
    for idx, tok in enumerate(tokens):
        kind = tok.kind
        if kind == "EOF":
            break
        if kind == "NL":
            if depth > 0 or not current:
                continue
            last = current[-1]
            if last.kind in ("OP", "KW") and last.text in _CONTINUE_AFTER:
                continue
            nxt = idx + 1
            while nxt < count and tokens[nxt].kind == "NL":
                nxt += 1
            following = tokens[nxt] if nxt < count else None
            if (following is not None and following.kind in ("OP", "KW")
                    and following.text in _CONTINUE_BEFORE):
                continue
            groups.append(current)
            current = []
            continue
        if kind == "OP":
            text = tok.text
            if text == "(":
                depth += 1
            elif text == ")":
                depth = max(0, depth - 1)
            elif depth == 0 and text in separators:
                if current:
                    groups.append(current)
                current = []
                continue
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
    "+": 5, "-": 5, "*": 6, "/": 6, "//": 6, "%": 6, "**": 8,
}  # fmt: skip
_NOT_OPERAND_BP = 3
_UNARY_OPERAND_BP = 7
_COMPARISONS = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge, "==": sp.Eq, "!=": sp.Ne}
_PYTHON_COMPARISONS = {
    "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
    "==": operator.eq, "!=": operator.ne,
}
_LOGIC = {"and": sp.And, "or": sp.Or}
#: Parentheses, calls, signs, 'not' and powers nested deeper than this are refused while
#: parsing (the parser recurses); the SymPy tree built is limited to folding.MAX_TREE_DEPTH.
MAX_NESTING = folding.MAX_TREE_DEPTH
#: Error messages quote at most this much of an operand.
_QUOTE_LIMIT = 60


def _is_condition(x: sp.Basic) -> bool:
    return isinstance(x, (sp.core.relational.Relational, sp.logic.boolalg.Boolean)) and not \
        isinstance(x, sp.Symbol)


def _logical_pair(a: sp.Basic, b: sp.Basic) -> bool:
    """Whether ``a == b`` compares truth values: a condition, and a condition or a name."""
    return (_is_condition(a) or _is_condition(b)) and all(
        _is_condition(x) or isinstance(x, sp.Symbol) for x in (a, b))


class _Chain:
    """The operands of ``a + b - c`` (or ``a * b / c``, ``a and b and c``) collected while
    parsing and built as one SymPy node: building ``sp.Add(sp.Add(a, b), c)`` step by step
    re-sorts the growing sum at every term, which is quadratic in its length."""

    def __init__(self, kind: str, first: sp.Basic) -> None:
        self.kind = kind
        self.acc: folding.Sum | folding.Product | list[sp.Basic]
        if kind == "add":
            self.acc = folding.Sum()
        elif kind == "mul":
            self.acc = folding.Product()
        else:
            self.acc = []
        self.push(first)

    def push(self, x: sp.Basic) -> None:
        """Add one operand (already negated or inverted for '-' and '/')."""
        self.acc.append(x)

    def result(self) -> sp.Basic:
        """The one SymPy node of the whole chain."""
        if isinstance(self.acc, list):
            return _LOGIC[self.kind](*self.acc) if len(self.acc) > 1 else self.acc[0]
        return self.acc.result()


_CHAIN_OF = {"+": "add", "-": "add", "*": "mul", "/": "mul", "and": "and", "or": "or"}


class ExpressionParser:
    """Recursive-descent (Pratt) parser over a token list ending in EOF.

    After :meth:`parse_all`, ``names`` holds every identifier used, ``calls`` every
    non-builtin function called and ``derivatives`` every DERIV token met (only allowed when
    ``allow_derivative``). Sums, products and and/or chains become one SymPy node each, and
    constants are folded as :mod:`.folding` does (bounded, checked)."""

    def __init__(self, tokens: list[Token], source: Source, *, allow_derivative: bool = False):
        self.tokens = tokens
        self.source = source
        self.allow_derivative = allow_derivative
        self.index = 0
        self.depth = 0
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

    def _last_end(self) -> int:
        return self.tokens[self.index - 1].end if self.index else self.tokens[0].pos

    def quote(self, start: int, end: int | None = None) -> str:
        """The source text of an operand, shortened for a message."""
        text = self.source.span_text(start, self._last_end() if end is None else end)
        if len(text) > _QUOTE_LIMIT:
            text = text[: _QUOTE_LIMIT - 5] + " ..."
        return f"'{text}'"

    def fold_error(self, err: folding.FoldError, tok: Token, start: int) -> EquationError:
        """An EquationError for a constant without a double value, at the operator."""
        return self.source.error(f"{self.quote(start)} {err}", tok.pos)

    def _nest(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.source.error(
                f"the expression is nested too deeply (more than {MAX_NESTING} levels of "
                "parentheses, calls, signs and powers)",
                tok.pos,
            )

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
        end = self.peek()
        if end.kind != "EOF":
            hint = ""
            if self._is(end, "="):
                hint = " (use == to compare)"
            elif self._is(end, "("):
                hint = " (only names can be called)"
            elif end.kind in ("NAME", "NUM", "DERIV"):
                hint = " (write * for multiplication)"
            raise self.source.error(
                f"expected an operator or the end of the expression, found {end.describe()}{hint}",
                end.pos,
            )
        if folding.is_const(expr):
            return folding.to_sympy(expr)
        try:
            depth, _ = folding.check_tree(expr)
        except folding.FoldError as err:
            raise self.source.error(f"{self.quote(tok.pos)} {err}", tok.pos) from None
        if depth > folding.MAX_TREE_DEPTH:
            raise self.source.error(
                f"the expression is nested too deeply: {depth} levels of operations (at most "
                f"{folding.MAX_TREE_DEPTH}; every later stage walks it recursively)", tok.pos)
        return expr

    def number_operand(self, x: sp.Basic, op: Token, start: int, end: int) -> sp.Basic:
        """``x`` (written between ``start`` and ``end``) if it is a number, not a condition;
        else an error at the operator."""
        if not (isinstance(x, sp.Expr) or folding.is_const(x)):
            raise self.source.error(
                f"'{op.text}' needs numbers, but {self.quote(start, end)} is a true/false "
                "condition",
                op.pos,
            )
        return x

    def condition_operand(self, x: sp.Basic, op: Token, start: int, end: int) -> sp.Basic:
        """``x`` if it is a condition or a (boolean) name, else an error at the operator."""
        if _is_condition(x) or isinstance(x, sp.Symbol):
            return x
        raise self.source.error(
            f"'{op.text}' needs true/false conditions (such as U > 1), but "
            f"{self.quote(start, end)} is a number",
            op.pos,
        )

    def expression(self, min_bp: int) -> sp.Basic:
        """Parse operators binding tighter than ``min_bp`` (the core of the Pratt loop)."""
        start = self.peek().pos
        left = self.prefix()
        chain: _Chain | None = None
        compared = False
        while True:
            tok = self.peek()
            if tok.kind not in ("OP", "KW") or tok.text not in _INFIX_BP:
                break
            bp = _INFIX_BP[tok.text]
            if bp <= min_bp:
                break
            self.advance()
            op = tok.text
            if op in _COMPARISONS:
                if compared:
                    raise self.source.error(
                        "chained comparisons (a < b < c) are not supported: "
                        "write (a < b) and (b < c)",
                        tok.pos,
                    )
                compared = True
            right_start = self.peek().pos
            if op == "**":
                self._nest(tok)
                right = self.expression(bp - 1)
                self.depth -= 1
            else:
                right = self.atom(bp)
                if right is None:
                    right = self.expression(bp)
            right_end = self._last_end()
            kind = _CHAIN_OF.get(op)
            if chain is not None and chain.kind != kind:
                left, chain = self.finish(chain, start), None
            try:
                if kind in ("add", "mul"):
                    self.number_operand(right, tok, right_start, right_end)
                    if chain is None:
                        chain = _Chain(kind, self.number_operand(left, tok, start, tok.pos))
                    if op == "-":
                        right = folding.negate(right)
                    elif op == "/":
                        right = folding.reciprocal(right)
                    chain.push(right)
                elif kind in ("and", "or"):
                    self.condition_operand(right, tok, right_start, right_end)
                    if chain is None:
                        chain = _Chain(kind, self.condition_operand(left, tok, start, tok.pos))
                    chain.push(right)
                elif op in ("==", "!=") and _logical_pair(left, right):
                    left = self.build(tok, _COMPARISONS[op], left, right)  # equivalence
                else:
                    self.number_operand(left, tok, start, tok.pos)
                    self.number_operand(right, tok, right_start, right_end)
                    left = self.binary(tok, left, right)
            except folding.FoldError as err:
                raise self.fold_error(err, tok, start) from None
        return left if chain is None else self.finish(chain, start)

    def finish(self, chain: _Chain, start: int) -> sp.Basic:
        """The chain's SymPy node; an error quoting it if SymPy's combination of its terms
        leaves the double range."""
        try:
            return chain.result()
        except folding.FoldError as err:
            raise self.source.error(f"{self.quote(start)} {err}", start) from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise self.source.error(f"cannot combine {self.quote(start)}: {exc}",
                                    start) from None

    def binary(self, tok: Token, a: sp.Basic, b: sp.Basic) -> sp.Basic:
        """``a op b`` for ``%``, ``//``, ``**`` and the comparisons (operands checked to be
        numbers)."""
        op = tok.text
        if op == "%":
            return folding.modulo(a, b)
        if op == "//":
            return folding.floor_divide(a, b)
        if op == "**":
            return folding.power(a, b)
        if folding.is_const(a) and folding.is_const(b):
            return sp.true if _PYTHON_COMPARISONS[op](a, b) else sp.false
        # unevaluated: SymPy would ask its assumption system whether, e.g., v - 3 > 0 (slow
        # for a long 'or' of comparisons, and never decidable for a model's variables)
        return self.build(tok, lambda x, y: _COMPARISONS[op](x, y, evaluate=False),
                          folding.to_sympy(a), folding.to_sympy(b))

    def atom(self, bp: int) -> object | None:
        """The next operand when it is a lone name or number that nothing after it binds
        tighter than ``bp`` (the common case in a long sum, taken without recursing), else
        None."""
        tok = self.tokens[self.index]
        kind = tok.kind
        if kind != "NAME" and kind != "NUM":
            return None
        after = self.tokens[self.index + 1]
        if after.kind == "OP" or after.kind == "KW":
            if after.text == "(" or _INFIX_BP.get(after.text, 0) > bp:
                return None
        self.index += 1
        if kind == "NUM":
            return tok.value
        self.names.add(tok.text)
        return symbol(tok.text)

    def prefix(self) -> sp.Basic:
        """A primary expression or a prefix operator applied to one."""
        tok = self.advance()
        if tok.kind == "NUM":
            return tok.value  # type: ignore[return-value]
        if tok.kind == "NAME":
            if self._is(self.peek(), "("):
                self._nest(tok)
                result = self.call(tok)
                self.depth -= 1
                return result
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
                self._nest(tok)
                operand_start = self.peek().pos
                operand = self.expression(_NOT_OPERAND_BP)
                self.depth -= 1
                self.condition_operand(operand, tok, operand_start, self._last_end())
                return self.build(tok, sp.Not, operand)
        if self._is(tok, "("):
            self._nest(tok)
            inner = self.expression(0)
            self.depth -= 1
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
            self._nest(tok)
            operand_start = self.peek().pos
            operand = self.expression(_UNARY_OPERAND_BP)
            self.depth -= 1
            self.number_operand(operand, tok, operand_start, self._last_end())
            if tok.text == "+":
                return operand
            try:
                return folding.negate(operand)
            except folding.FoldError as err:
                raise self.fold_error(err, tok, tok.pos) from None
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
                arg_start = self.peek().pos
                arg = self.expression(0)
                if not (name == "int" and _is_condition(arg)):  # int(True) is 1, as in Brian2
                    self.number_operand(arg, Token("NAME", f"{name}()", name_tok.pos,
                                                   name_tok.end), arg_start, self._last_end())
                args.append(arg)
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
            try:
                return folding.call(name, func, args)  # type: ignore[arg-type]
            except folding.FoldError as err:
                raise self.fold_error(err, name_tok, name_tok.pos) from None
        self.calls.add(name)
        return self.build(name_tok, sp.Function(name), *map(folding.to_sympy, args))

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
        if op.text == "/=" and isinstance(expr, sp.Number) and expr.is_zero:
            raise source.error(
                f"'{first.text} /= {source.span_text(group[2].pos, group[-1].end)}' "
                "divides by zero", op.pos)
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
    if _int_of_condition(expr) is not None:
        return PRECEDENCE["Atom"]
    return precedence(expr)


def _int_of_condition(expr: sp.Basic) -> sp.Basic | None:
    """The condition ``c`` if ``expr`` is ``int(c)`` (``Piecewise((1, c), (0, True))``)."""
    if isinstance(expr, sp.Piecewise) and len(expr.args) == 2:
        (one, cond), (zero, otherwise) = expr.args
        if one == 1 and zero == 0 and otherwise is sp.true:
            return cond
    return None


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

    def _print_Piecewise(self, expr):
        cond = _int_of_condition(expr)
        if cond is None:
            return super()._print_Piecewise(expr)
        return f"int({self._print(cond)})"

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
