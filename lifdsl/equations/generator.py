"""Synapse generator strings: ``connect(j='k for k in range(i-3, i+4) if k >= 0')``.

The shape is Python's one-loop generator expression, as Brian2 reads it::

    ELEMENT for NAME in range(ARGS) [if CONDITION]
    ELEMENT for NAME in sample(ARGS, p=EXPR) [if CONDITION]
    ELEMENT for NAME in sample(ARGS, size=EXPR) [if CONDITION]
    ELEMENT [if CONDITION]                  (the shorthand: one element per outer index)

with one to three ``ARGS`` (``high``; ``low, high``; ``low, high, step``). Every part is an
expression of the model grammar, parsed by :class:`~lifdsl.equations.grammar.ExpressionParser`
over the tokens between the keywords: nothing of the user's text reaches Python's or SymPy's own
parsers. ``for``, ``in`` and ``if`` are recognised only where the shape puts them, outside
parentheses; errors are :class:`EquationError` with the column of the offending token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .errors import EquationError
from .grammar import ExpressionParser, Source, Token, tokenize

__all__ = ["Generator", "parse_generator", "looks_like_generator"]

#: the iterators a generator may loop over, and the keyword arguments each accepts
ITERATORS = {"range": (), "sample": ("p", "size")}
_WORDS = ("for", "in", "if")


@dataclass(frozen=True)
class Generator:
    """A parsed generator string. ``variable`` is None for the shorthand (``'i + 1'``,
    ``'i + 1 if i < 5'``: one element per outer index, as ``... for _ in range(1)``).
    ``low``/``step`` default to 0 and 1; a ``sample`` has exactly one of ``p`` and ``size``.
    ``spans`` maps each part (``element``, ``variable``, ``low``, ``high``, ``step``, ``p``,
    ``size``, ``condition``) to its ``(start, end)`` offsets in ``source.text``."""

    source: Source
    element: sp.Basic
    variable: str | None
    iterator: str
    low: sp.Basic
    high: sp.Basic
    step: sp.Basic
    p: sp.Basic | None = None
    size: sp.Basic | None = None
    condition: sp.Basic | None = None
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The generator as the user wrote it."""
        return self.source.text

    def part_text(self, part: str) -> str:
        """The source text of one part (``'high'``, ``'condition'``, ...)."""
        start, end = self.spans[part]
        return self.source.span_text(start, end)

    def error(self, message: str, part: str) -> EquationError:
        """An EquationError pointing at the start of ``part`` (not raised)."""
        return self.source.error(message, self.spans.get(part, (0, 0))[0])


def looks_like_generator(text: str) -> bool:
    """Whether ``text`` has a ``for`` outside parentheses (a generator, not a condition)."""
    try:
        tokens = tokenize(Source(text))
    except EquationError:
        return False
    return any(_is_word(t, "for") for t, depth in _with_depth(tokens) if depth == 0)


def _is_word(tok: Token, word: str) -> bool:
    return tok.kind == "NAME" and tok.text == word


def _is_op(tok: Token, text: str) -> bool:
    return tok.kind == "OP" and tok.text == text


def _with_depth(tokens: list[Token]):
    """(token, parenthesis depth before it) for each token."""
    depth = 0
    for tok in tokens:
        if _is_op(tok, ")"):
            depth = max(0, depth - 1)
        yield tok, depth
        if _is_op(tok, "("):
            depth += 1


def _expression(tokens: list[Token], source: Source, what: str, at: int) -> sp.Basic:
    """One expression from a slice of tokens (an error at ``at`` if the slice is empty)."""
    if not tokens:
        raise source.error(f"expected {what}, found nothing", at)
    for tok, depth in _with_depth(tokens):
        if depth == 0 and tok.kind == "NAME" and tok.text in _WORDS:
            raise source.error(f"unexpected '{tok.text}' in {what} (a generator has one "
                               f"'for ... in ...' and at most one 'if')", tok.pos)
    end = Token("EOF", "", tokens[-1].end, tokens[-1].end)
    return ExpressionParser(tokens + [end], source).parse_all()


def _is_condition(x: sp.Basic) -> bool:
    return isinstance(x, (sp.logic.boolalg.Boolean, sp.core.relational.Relational))


def _number(x: sp.Basic, source: Source, what: str, pos: int) -> sp.Basic:
    if _is_condition(x) and not isinstance(x, sp.Symbol):
        raise source.error(f"{what} must be a number, not a true/false condition", pos)
    return x


def _condition(x: sp.Basic, source: Source, pos: int) -> sp.Basic:
    if not (_is_condition(x) or isinstance(x, sp.Symbol)):
        raise source.error("the 'if' part must be a true/false condition (such as k != i), "
                           "not a number", pos)
    return x


def parse_generator(text: str, *, what: str = "connect j") -> Generator:
    """Parse a generator string (or the shorthand without ``for``) into a :class:`Generator`.

    ``what`` labels errors (``'connect j'``, ``'connect i'``)."""
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a string, got {text!r}")
    source = Source(text, what, 1)
    tokens = [t for t in tokenize(source) if t.kind not in ("NL", "EOF")]
    top = [(k, t) for k, (t, depth) in enumerate(_with_depth(tokens)) if depth == 0]
    fors = [k for k, t in top if _is_word(t, "for")]
    ifs = [k for k, t in top if _is_word(t, "if")]
    if not tokens:
        raise source.error("expected an expression, found nothing", 0)
    if not fors:
        return _shorthand(tokens, ifs, source)
    if len(fors) > 1:
        raise source.error("a generator has one 'for' (nested loops are not supported)",
                           tokens[fors[1]].pos)
    f = fors[0]
    spans: dict[str, tuple[int, int]] = {}
    elem_tokens = tokens[:f]
    element = _number(_expression(elem_tokens, source, "an expression before 'for'",
                                  tokens[f].pos), source, "the element", tokens[0].pos)
    if elem_tokens:
        spans["element"] = (elem_tokens[0].pos, elem_tokens[-1].end)
    rest = tokens[f + 1:] + [Token("EOF", "", len(source.text), len(source.text))]
    var = rest[0]
    if var.kind != "NAME" or var.text in _WORDS or var.text in ITERATORS:
        raise source.error(f"expected a variable name after 'for', found {var.describe()}",
                           var.pos)
    spans["variable"] = (var.pos, var.end)
    if not _is_word(rest[1], "in"):
        raise source.error(f"expected 'in' after 'for {var.text}', found {rest[1].describe()}",
                           rest[1].pos)
    func = rest[2]
    if func.kind != "NAME" or func.text not in ITERATORS or not _is_op(rest[3], "("):
        raise source.error(f"expected range(...) or sample(...) after 'in', found "
                           f"{func.describe()}", func.pos)
    args, keywords, close = _arguments(rest, 3, source, func.text)
    after = rest[close + 1]
    condition = None
    if after.kind != "EOF":
        if not _is_word(after, "if"):
            raise source.error(f"expected 'if' or the end after {func.text}(...), found "
                               f"{after.describe()}", after.pos)
        cond_tokens = [t for t in rest[close + 2:] if t.kind != "EOF"]
        expr = _expression(cond_tokens, source, "a condition after 'if'", after.end)
        condition = _condition(expr, source, cond_tokens[0].pos)
        spans["condition"] = (cond_tokens[0].pos, cond_tokens[-1].end)
    names = ("high",) if len(args) == 1 else ("low", "high", "step")[:len(args)]
    values = {"low": sp.Integer(0), "step": sp.Integer(1)}
    for name, (expr, span) in zip(names, args, strict=True):
        values[name] = expr
        spans[name] = span
    extra = {}
    for name, (expr, span) in keywords.items():
        extra[name] = expr
        spans[name] = span
    return Generator(source, element, var.text, func.text, values["low"], values["high"],
                     values["step"], extra.get("p"), extra.get("size"), condition, spans)


def _arguments(rest: list[Token], open_at: int, source: Source, func: str):
    """The arguments of ``range(...)``/``sample(...)`` whose '(' is ``rest[open_at]``:
    positional ``[(expr, span)]``, keywords ``{name: (expr, span)}``, index of the ')'."""
    depth, k = 0, open_at + 1
    pieces: list[list[Token]] = [[]]
    while True:
        tok = rest[k]
        if tok.kind == "EOF":
            raise source.error(f"expected ')' to close {func}(", rest[open_at].pos)
        if _is_op(tok, "("):
            depth += 1
        elif _is_op(tok, ")"):
            if depth == 0:
                break
            depth -= 1
        elif _is_op(tok, ",") and depth == 0:
            if not pieces[-1]:
                raise source.error(f"expected an argument of {func}() before ','", tok.pos)
            pieces.append([])
            k += 1
            continue
        pieces[-1].append(tok)
        k += 1
    close = k
    if not pieces[-1]:
        if len(pieces) > 1:
            pieces.pop()      # a trailing comma, as Python allows
        else:
            pieces = []
    args: list[tuple[sp.Basic, tuple[int, int]]] = []
    keywords: dict[str, tuple[sp.Basic, tuple[int, int]]] = {}
    allowed = ITERATORS[func]
    for piece in pieces:
        if len(piece) >= 2 and piece[0].kind == "NAME" and _is_op(piece[1], "="):
            name = piece[0].text
            if name not in allowed:
                accepts = (f"accepts only {' or '.join(f'{a}=' for a in allowed)}" if allowed
                           else "takes no keyword arguments")
                raise source.error(f"{func}() {accepts}, got {name}=", piece[0].pos)
            if name in keywords:
                raise source.error(f"{name}= given twice to {func}()", piece[0].pos)
            expr = _expression(piece[2:], source, f"a value after '{name}='", piece[1].end)
            keywords[name] = (_number(expr, source, f"{name}=", piece[2].pos),
                              (piece[2].pos, piece[-1].end))
            continue
        if keywords:
            raise source.error(f"a positional argument of {func}() follows a keyword argument",
                               piece[0].pos)
        expr = _expression(piece, source, f"an argument of {func}()", piece[0].pos)
        args.append((_number(expr, source, f"an argument of {func}()", piece[0].pos),
                     (piece[0].pos, piece[-1].end)))
    if not 1 <= len(args) <= 3:
        raise source.error(f"{func}() takes 1 to 3 positional arguments (high; low, high; "
                           f"low, high, step), got {len(args)}", rest[open_at].pos)
    if func == "sample" and len(keywords) != 1:
        raise source.error("sample() takes one keyword argument: p= (each candidate with "
                           "probability p) or size= (that many, without replacement)",
                           rest[open_at].pos)
    return args, keywords, close


def _shorthand(tokens: list[Token], ifs: list[int], source: Source) -> Generator:
    """``ELEMENT [if CONDITION]``: one element per outer index."""
    if len(ifs) > 1:
        raise source.error("at most one 'if'", tokens[ifs[1]].pos)
    cut = ifs[0] if ifs else len(tokens)
    elem_tokens = tokens[:cut]
    at = tokens[cut].pos if ifs else 0
    element = _number(_expression(elem_tokens, source, "an expression before 'if'", at),
                      source, "the expression", tokens[0].pos)
    spans = {"element": (elem_tokens[0].pos, elem_tokens[-1].end)}
    condition = None
    if ifs:
        cond_tokens = tokens[cut + 1:]
        expr = _expression(cond_tokens, source, "a condition after 'if'", tokens[cut].end)
        condition = _condition(expr, source, cond_tokens[0].pos)
        spans["condition"] = (cond_tokens[0].pos, cond_tokens[-1].end)
    return Generator(source, element, None, "range", sp.Integer(0), sp.Integer(1),
                     sp.Integer(1), None, None, condition, spans)
