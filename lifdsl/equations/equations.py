"""``Equations``: a model string cut into Brian2's three kinds of line (differential equation,
subexpression, parameter), each parsed, solved for ``dX/dt`` where needed, and checked."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import sympy as sp

from lifdsl.units.names import UNITS as UNIT_TABLE

from . import folding
from .errors import EquationError
from .flags import (
    KNOWN_FLAGS,
    LINE_FLAGS,
    NEURON_FLAGS,
    check_allowed_table,
    exclusive_pair,
    flag_phrases,
    flag_problem,
    not_allowed_message,
    reads_as_flags,
    split_phrases,
)
from .functions import BUILTIN_FUNCTIONS, SPECIAL_NAMES, symbol
from .grammar import (
    KEYWORDS,
    ExpressionParser,
    Source,
    Token,
    derivative_symbol,
    format_expression,
    split_logical_lines,
    tokenize,
)

__all__ = ["EquationLine", "Equations", "KNOWN_FLAGS", "LINE_FLAGS", "NEURON_FLAGS"]


@dataclass(frozen=True)
class EquationLine:
    """One equation as parsed: its kind, the name it defines, its (solved) expression, unit
    text, flags and where it came from, plus the names it uses (for later stages' errors).
    ``flag_columns`` holds each flag with its 0-based column in ``source``, in the order
    written (empty for lines built by hand), so that an owner's refusal can point at it."""

    kind: str
    name: str
    expr: sp.Basic | None
    unit: str | None
    flags: frozenset[str]
    lineno: int
    source: str
    lhs: sp.Basic | None = None
    rhs: sp.Basic | None = None
    identifiers: frozenset[str] = frozenset()
    functions: frozenset[str] = frozenset()
    flag_columns: tuple[tuple[str, int], ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        if self.kind == "diff":
            text = f"d{self.name}/dt = {format_expression(self.expr)}"
        elif self.kind == "subexpr":
            text = f"{self.name} = {format_expression(self.expr)}"
        else:
            text = self.name
        if self.unit is not None:
            text += f" : {self.unit}"
        elif self.flags:
            text += " :"
        elif self.kind == "param":
            text += " : 1"
        if self.flags:
            text += f" ({', '.join(sorted(self.flags))})"
        return text


# -- parsing one logical line ----------------------------------------------------------------


def _eof_at(pos: int) -> Token:
    return Token("EOF", "", pos, pos)


def _is_op(tok: Token, *texts: str) -> bool:
    return tok.kind in ("OP", "KW") and tok.text in texts


def _top_level(tokens: list[Token], text: str) -> list[int]:
    """Indices of the operator ``text`` outside parentheses."""
    found, depth = [], 0
    for k, tok in enumerate(tokens):
        if tok.kind != "OP":
            continue
        t = tok.text
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
        elif depth == 0 and t == text:
            found.append(k)
    return found


def _trailing_group(tokens: list[Token]) -> int | None:
    """Index of the '(' that the final ')' of ``tokens`` closes, if the tokens end with ')'."""
    if not tokens or not _is_op(tokens[-1], ")"):
        return None
    depth = 0
    for k in range(len(tokens) - 1, -1, -1):
        if _is_op(tokens[k], ")"):
            depth += 1
        elif _is_op(tokens[k], "("):
            depth -= 1
            if depth == 0:
                return k
    return None


def _flag_group(tokens: list[Token]) -> tuple[int, list[tuple[str, Token]] | None] | None:
    """Where a trailing ``( ... )`` starts and its phrases (None if not a list of phrases)."""
    start = _trailing_group(tokens)
    if start is None:
        return None
    return start, flag_phrases(tokens[start + 1 : -1], tokens[-1])


def _flags_after_colon(unit_tokens: list[Token]) -> tuple[list[Token], list[Token] | None]:
    """Split ``volt (shared)`` into the unit and the flag group. A group right after a unit is
    always flags (and a malformed one an error later); a group alone, as in ``: (shared)``,
    is flags when it reads as flags, else a parenthesised unit such as ``(volt/amp)``."""
    found = _flag_group(unit_tokens)
    if found is None:
        return unit_tokens, None
    start, phrases = found
    before = unit_tokens[start - 1] if start > 0 else None
    after_unit = before is not None and (before.kind in ("NAME", "NUM") or _is_op(before, ")"))
    if after_unit or (before is None and reads_as_flags(phrases)):
        return unit_tokens[:start], unit_tokens[start:]
    return unit_tokens, None


def _flags_without_colon(tokens: list[Token]) -> tuple[list[Token], list[Token] | None]:
    """Split ``dU/dt = -U/tau (unless refractory)`` into the equation and the flag group. The
    group must read as flags and not as the argument list of a call: a space before '(' or a
    phrase of several words tells them apart."""
    found = _flag_group(tokens)
    if found is None or found[0] == 0:
        return tokens, None
    start, phrases = found
    if phrases is None or not reads_as_flags(phrases):
        return tokens, None
    gap = tokens[start].pos > tokens[start - 1].end
    several_words = any(" " in p or "-" in p for p, _ in phrases)
    if (gap or several_words) and any(_is_op(t, "=") for t in tokens[:start]):
        return tokens[:start], tokens[start:]
    return tokens, None


class _UnitChecker:
    """Checks the syntax of a unit: names, '1', '*', '/', '**' integer, parentheses."""

    def __init__(self, tokens: list[Token], source: Source):
        self.tokens = [*tokens, _eof_at(tokens[-1].end)]
        self.source = source
        self.k = 0

    def check(self) -> None:
        self.term()
        tok = self.tokens[self.k]
        if tok.kind != "EOF":
            raise self.source.error(
                f"expected '*', '/', '**' or the end of the unit, found {tok.describe()}",
                tok.pos,
            )

    def term(self) -> None:
        self.factor()
        while _is_op(self.tokens[self.k], "*", "/"):
            self.k += 1
            self.factor()

    def factor(self) -> None:
        self.atom()
        if _is_op(self.tokens[self.k], "**"):
            self.k += 1
            tok = self.tokens[self.k]
            paren = _is_op(tok, "(")
            if paren:
                self.k += 1
            if _is_op(self.tokens[self.k], "-", "+"):
                self.k += 1
            tok = self.tokens[self.k]
            if tok.kind != "NUM" or not tok.text.isdigit():
                raise self.source.error(
                    f"expected an integer power in the unit, found {tok.describe()}", tok.pos
                )
            self.k += 1
            if paren:
                self._close()

    def atom(self) -> None:
        tok = self.tokens[self.k]
        if tok.kind == "NAME" and tok.text not in UNIT_TABLE and tok.text not in (
                "boolean", "integer"):
            raise self.source.error(f"unknown unit {tok.text!r} (units: volt, mV, amp, nA, "
                                    f"ohm, siemens, farad, second, ms, hertz, ..., or 1)",
                                    tok.pos)
        if tok.kind == "NAME" or (tok.kind == "NUM" and tok.text == "1"):
            self.k += 1
            return
        if _is_op(tok, "("):
            self.k += 1
            self.term()
            self._close()
            return
        raise self.source.error(
            f"expected a unit name, '1' or '(' in the unit, found {tok.describe()}", tok.pos
        )

    def _close(self) -> None:
        tok = self.tokens[self.k]
        if not _is_op(tok, ")"):
            raise self.source.error(f"expected ')' in the unit, found {tok.describe()}", tok.pos)
        self.k += 1


class _LineParser:
    """Turns one logical line's tokens into an EquationLine (and the token naming it)."""

    def __init__(self, tokens: list[Token], source: Source):
        self.tokens = tokens
        self.source = source

    def error(self, message: str, tok: Token) -> EquationError:
        return self.source.error(message, tok.pos)

    def parse(self) -> tuple[EquationLine, Token]:
        tokens = self.tokens
        colons = _top_level(tokens, ":")
        if len(colons) > 1:
            raise self.error("only one ':' is allowed in an equation", tokens[colons[1]])
        if colons:
            expr_tokens, unit_tokens = tokens[: colons[0]], tokens[colons[0] + 1 :]
            unit_tokens, flags_tokens = _flags_after_colon(unit_tokens)
            if not unit_tokens and flags_tokens is None:
                raise self.error(
                    "expected a unit after ':' (for example ': volt' or ': 1')",
                    _eof_at(tokens[colons[0]].end),
                )
        else:
            expr_tokens, flags_tokens = _flags_without_colon(tokens)
            unit_tokens = []
        if not expr_tokens:
            raise self.error("expected a variable name or an equation before ':'", tokens[0])

        unit = None
        if unit_tokens:
            _UnitChecker(unit_tokens, self.source).check()
            unit = self.source.span_text(unit_tokens[0].pos, unit_tokens[-1].end)

        line, name_tok = self.definition(expr_tokens, has_colon=bool(colons))
        flag_columns = self.flags(flags_tokens, line.kind) if flags_tokens else ()
        source = self.source.span_text(tokens[0].pos, tokens[-1].end)
        return (
            EquationLine(
                kind=line.kind,
                name=line.name,
                expr=line.expr,
                unit=unit,
                flags=frozenset(flag for flag, _ in flag_columns),
                lineno=self.source.lineno(tokens[0].pos),
                source=source,
                lhs=line.lhs,
                rhs=line.rhs,
                identifiers=line.identifiers,
                functions=line.functions,
                flag_columns=flag_columns,
            ),
            name_tok,
        )

    def flags(self, group: list[Token], kind: str) -> tuple[tuple[str, int], ...]:
        """The flags of ``( ... )`` with their columns in the logical line. Any flag some owner
        knows passes if it fits the kind of line; the owner checks the rest (check_flags)."""
        inner = group[1:-1]
        if not inner:
            raise self.error("expected a flag inside '( )'", group[0])
        phrases, bad = split_phrases(inner, group[-1])
        if bad is not None:
            raise self.error(
                "expected flags as comma-separated words, like (constant, shared) or "
                f"(event-driven), found {bad.describe()}",
                bad,
            )
        for phrase, tok in phrases:
            problem = flag_problem(phrase, kind)
            if problem is not None:
                raise self.error(problem, tok)
        pair = exclusive_pair([p for p, _ in phrases])
        if pair is not None:
            second = next(tok for p, tok in phrases if p == pair[1])
            raise self.error(
                f"the flags '{pair[0]}' and '{pair[1]}' exclude each other", second
            )
        return tuple((phrase, self.column(tok)) for phrase, tok in phrases)

    def column(self, tok: Token) -> int:
        """The 0-based column of ``tok`` in the logical line's text (EquationLine.source)."""
        start = self.tokens[0].pos
        return len(self.source.span_text(start, tok.end)) - len(tok.text)

    def definition(self, tokens: list[Token], *, has_colon: bool) -> tuple[EquationLine, Token]:
        equals = _top_level(tokens, "=")
        for tok in tokens:
            if tok.kind == "OP" and tok.text in ("+=", "-=", "*=", "/=", ";"):
                raise self.error(f"unexpected '{tok.text}' in an equation", tok)
        if len(equals) > 1:
            raise self.error("only one '=' is allowed in an equation", tokens[equals[1]])
        if not equals:
            return self.parameter(tokens, has_colon=has_colon)
        lhs_tokens, rhs_tokens = tokens[: equals[0]], tokens[equals[0] + 1 :]
        eq_tok = tokens[equals[0]]
        if not lhs_tokens:
            raise self.error("expected a variable name or dX/dt before '='", eq_tok)
        if not rhs_tokens:
            raise self.error("expected an expression after '='", _eof_at(eq_tok.end))
        rhs_parser = ExpressionParser([*rhs_tokens, _eof_at(rhs_tokens[-1].end)], self.source)
        derivs = [t for t in lhs_tokens if t.kind == "DERIV"]
        if len(derivs) > 1:
            raise self.error(
                "two derivatives on one line: a differential equation contains exactly one dX/dt",
                derivs[1],
            )
        if derivs:
            return self.differential(lhs_tokens, derivs[0], rhs_parser)
        first = lhs_tokens[0]
        if first.kind != "NAME":
            raise self.error(f"expected a variable name, found {first.describe()}", first)
        if len(lhs_tokens) > 1:
            raise self.error(
                "the left-hand side must be a variable name (subexpression) or contain one "
                "derivative dX/dt (differential equation)",
                lhs_tokens[1],
            )
        self.check_name(first.text, first)
        expr = rhs_parser.parse_all()
        return (
            EquationLine(
                kind="subexpr",
                name=first.text,
                expr=expr,
                unit=None,
                flags=frozenset(),
                lineno=0,
                source="",
                identifiers=frozenset(rhs_parser.names),
                functions=frozenset(rhs_parser.calls),
            ),
            first,
        )

    def parameter(self, tokens: list[Token], *, has_colon: bool) -> tuple[EquationLine, Token]:
        first = tokens[0]
        if first.kind == "DERIV":
            raise self.error(f"expected '=' and a right-hand side after {first.text}", first)
        if first.kind != "NAME":
            raise self.error(f"expected a variable name, found {first.describe()}", first)
        if len(tokens) > 1:
            raise self.error(
                f"expected '=' or ':' after '{first.text}', found {tokens[1].describe()}",
                tokens[1],
            )
        if not has_colon:
            raise self.error(
                f"a parameter needs a unit: write '{first.text} : <unit>' "
                f"(or '{first.text} : 1' without units)",
                _eof_at(first.end),
            )
        self.check_name(first.text, first)
        line = EquationLine("param", first.text, None, None, frozenset(), 0, "")
        return line, first

    def differential(
        self, lhs_tokens: list[Token], deriv: Token, rhs_parser: ExpressionParser
    ) -> tuple[EquationLine, Token]:
        name = deriv.value
        assert isinstance(name, str)
        self.check_name(name, deriv)
        lhs_parser = ExpressionParser(
            [*lhs_tokens, _eof_at(lhs_tokens[-1].end)], self.source, allow_derivative=True
        )
        lhs = lhs_parser.parse_all()
        rhs = rhs_parser.parse_all()
        if not isinstance(rhs, sp.Expr):
            raise self.error(
                "the right-hand side of a differential equation must be a number, "
                "not a true/false condition",
                rhs_parser.tokens[0],
            )
        try:
            solved = _solve_linear(lhs, rhs, derivative_symbol(name))
        except folding.FoldError as err:
            raise self.error(f"solved for {deriv.text}, this equation {err}", deriv) from None
        if solved is None:
            raise self.error(
                f"the left-hand side must be linear in {deriv.text} (like "
                f"'tau*{deriv.text}' or '{deriv.text} + {name}/tau'), so that it can be "
                f"solved for {deriv.text}",
                deriv,
            )
        return (
            EquationLine(
                kind="diff",
                name=name,
                expr=solved,
                unit=None,
                flags=frozenset(),
                lineno=0,
                source="",
                lhs=lhs,
                rhs=rhs,
                identifiers=frozenset(lhs_parser.names | rhs_parser.names),
                functions=frozenset(lhs_parser.calls | rhs_parser.calls),
            ),
            deriv,
        )

    def check_name(self, name: str, tok: Token) -> None:
        _check_definable(name, lambda message: self.error(message, tok))


def _written_flags(line: EquationLine) -> tuple[tuple[str, int | None], ...]:
    """A line's flags with their columns, in the order written (sorted, without columns, for
    a line built by hand)."""
    if line.flag_columns:
        return line.flag_columns
    return tuple((flag, None) for flag in sorted(line.flags))


def _check_definable(name: str, error: Callable[[str], EquationError]) -> None:
    if name in SPECIAL_NAMES:
        raise error(f"'{name}' is a special name (t, dt, i, N, xi, ...) and cannot be defined")
    if name in BUILTIN_FUNCTIONS:
        raise error(f"'{name}' is the name of a function and cannot be used as a variable")
    if name.endswith("_new"):
        raise error(f"names ending in '_new' are reserved for the discrete update: '{name}'")


def _linear_in(expr: sp.Basic, d: sp.Symbol) -> bool:
    """Whether ``expr`` is built from ``d`` by sums and by products with factors free of
    ``d`` only (so it is ``a*d + c``), decided by its structure: linear in its size, where
    expanding or simplifying it could take forever."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if node == d or not node.has(d):
            continue
        if isinstance(node, sp.Add):
            stack.extend(node.args)
        elif isinstance(node, sp.Mul):
            with_d = [a for a in node.args if a.has(d)]
            if len(with_d) != 1:
                return False
            stack.append(with_d[0])
        else:
            return False
    return True


def _solve_linear(lhs: sp.Basic, rhs: sp.Basic, d: sp.Symbol) -> sp.Basic | None:
    """Solve ``lhs(d) = rhs`` for ``d`` when lhs is ``a*d + c`` (a nonzero, a and c free of
    d); None when it is not. FoldError when the solution has a constant out of range."""
    if not isinstance(lhs, sp.Expr) or not lhs.has(d) or not _linear_in(lhs, d):
        return None
    a = sp.diff(lhs, d)
    if a.is_zero or a.has(d):
        return None
    c = folding.substitute(lhs, {d: sp.Integer(0)})
    if a == 1 and c == 0:
        return rhs
    solved = folding.divide(folding.Sum.of(rhs, folding.negate(c)), a)
    solved = folding.to_sympy(solved)
    folding.check_tree(solved)
    return solved


def _parse_text(text: str) -> list[EquationLine]:
    source = Source(text, "equations", 1)
    lines: list[EquationLine] = []
    name_tokens: dict[int, Token] = {}
    for group in split_logical_lines(tokenize(source)):
        line, name_tok = _LineParser(group, source).parse()
        name_tokens[len(lines)] = name_tok
        lines.append(line)

    def locate(k: int, message: str) -> EquationError:
        return source.error(message, name_tokens[k].pos)

    _validate(lines, locate)
    return lines


def _validate(lines: list[EquationLine], error: Callable[[int, str], EquationError]) -> None:
    """Names defined once and definable; subexpressions free of cycles."""
    first: dict[str, EquationLine] = {}
    for k, line in enumerate(lines):
        _check_definable(line.name, lambda message, k=k: error(k, message))
        if line.name in first:
            raise error(
                k,
                f"'{line.name}' is defined twice (first on line {first[line.name].lineno})",
            )
        first[line.name] = line
    subexprs = {line.name: k for k, line in enumerate(lines) if line.kind == "subexpr"}
    explored: set[str] = set()  # shared: a name already walked without a cycle has none
    for name in subexprs:
        cycle = _find_cycle(name, lines, subexprs, explored)
        if cycle is not None:
            raise error(
                subexprs[cycle[0]],
                "subexpressions refer to each other in a cycle: " + " -> ".join(cycle),
            )


def _find_cycle(
    start: str, lines: list[EquationLine], subexprs: dict[str, int], done: set[str]
) -> list[str] | None:
    """A cycle of subexpressions reachable from ``start`` (a depth-first walk with an explicit
    stack: a chain of thousands of subexpressions must not exhaust Python's recursion).
    ``done`` holds names known to reach no cycle, and gains those walked here."""
    if start in done:
        return None
    path: list[str] = []
    on_path: set[str] = set()
    stack: list[tuple[str, list[str]]] = []

    def enter(name: str) -> None:
        path.append(name)
        on_path.add(name)
        deps = sorted(lines[subexprs[name]].identifiers & subexprs.keys(), reverse=True)
        stack.append((name, deps))

    enter(start)
    while stack:
        name, deps = stack[-1]
        if not deps:
            stack.pop()
            path.pop()
            on_path.discard(name)
            done.add(name)
            continue
        dep = deps.pop()
        if dep in on_path:
            return path[path.index(dep) :] + [dep]
        if dep not in done:
            enter(dep)
    return None


def _dependency_order(subexprs: Mapping[str, EquationLine]) -> list[str]:
    """Subexpression names, each after the subexpressions it uses (no cycles: refused)."""
    order: list[str] = []
    placed: set[str] = set()
    for first in subexprs:
        stack = [(first, False)]
        while stack:
            name, ready = stack.pop()
            if name in placed:
                continue
            if ready:
                placed.add(name)
                order.append(name)
                continue
            stack.append((name, True))
            deps = subexprs[name].identifiers & subexprs.keys()
            stack.extend((dep, False) for dep in sorted(deps, reverse=True) if dep not in placed)
    return order


def _substitute_checked(
    expr: sp.Basic, mapping: Mapping[sp.Basic, sp.Basic], line: EquationLine | None
) -> sp.Basic:
    """``expr`` with ``mapping`` substituted through the bounded builders; an EquationError
    naming ``line`` (or quoting ``expr``) when the result has a constant without a finite
    double value, or grows too deep or too large for the later stages."""
    if not mapping:
        return expr

    def error(message: str) -> EquationError:
        if line is not None:
            return EquationError(f"with its subexpressions substituted, '{line.name}' "
                                 f"{message}", lineno=line.lineno or None,
                                 line=line.source or None, what="equations")
        text = format_expression(expr)
        text = text if len(text) <= 60 else text[:55] + " ..."
        return EquationError(f"with the subexpressions substituted, '{text}' {message}")

    try:
        result = folding.substitute(expr, mapping)
        if result is expr:  # no subexpression in it
            return expr
        depth, size = folding.check_tree(result)
    except folding.FoldError as err:
        raise error(str(err)) from None
    if size > folding.MAX_TREE_SIZE:
        raise error(f"grows to {size:,} terms (more than {folding.MAX_TREE_SIZE:,}): "
                    "subexpressions that use the previous one several times double in size "
                    "with every line")
    if depth > folding.MAX_TREE_DEPTH:
        raise error(f"is nested too deeply: {depth} levels of operations (at most "
                    f"{folding.MAX_TREE_DEPTH}; every later stage walks it recursively)")
    return result


def _replacement_value(name: str, value: object) -> sp.Basic:
    """A number or scalar Quantity given for ``name`` as a SymPy value: its SI value times
    the base units of its dimension (``10*ms`` -> ``0.01*second``), so units still check."""
    import numpy as np

    from lifdsl.units.dimensions import BASE_UNITS
    from lifdsl.units.quantity import Quantity

    arr = np.asarray(value)
    if isinstance(value, (bool, np.bool_)) or arr.shape != () or arr.dtype.kind not in "iuf":
        raise TypeError(f"Equations(..., {name}=...): give a name (a string) or a number "
                        f"(with or without a unit), not {value!r}")
    number = arr.item()
    if isinstance(number, float) and not np.isfinite(number):
        raise ValueError(f"Equations(..., {name}=...): {value!r} is not a finite number")
    expr: sp.Basic = sp.Integer(number) if isinstance(number, int) else sp.Float(number)
    if isinstance(value, Quantity):
        for (long, _short), power in zip(BASE_UNITS, value.dim.exponents, strict=True):
            if power:
                expr = expr * symbol(long) ** sp.nsimplify(power)
    return expr


def _replaced(lines: Iterable[EquationLine], replacements: Mapping[str, object]
              ) -> list[EquationLine]:
    """``lines`` with names replaced as Brian2's ``Equations(eqs, **kwds)`` does: a string
    renames (a model variable too, its derivative and definition with it), a number or
    Quantity replaces an external constant by its value; keys the lines do not use are
    ignored, as in Brian2."""
    import dataclasses

    lines = list(lines)
    defined = {line.name for line in lines}
    mapping: dict[sp.Basic, sp.Basic] = {}
    renames: dict[str, str] = {}
    value_names: dict[str, frozenset[str]] = {}
    for name, value in replacements.items():
        if name in SPECIAL_NAMES:
            raise ValueError(f"Equations(..., {name}=...): '{name}' is a special name and "
                             "cannot be replaced")
        if isinstance(value, str):
            if not value.isidentifier() or value.startswith("_") or value in KEYWORDS:
                raise ValueError(f"Equations(..., {name}={value!r}): {value!r} is not a valid "
                                 "variable name (to replace a name by an expression, add a "
                                 "subexpression line)")
            if value in SPECIAL_NAMES:
                raise ValueError(f"Equations(..., {name}={value!r}): {value!r} is a special "
                                 "name")
            if name in defined and value in defined and value != name:
                raise ValueError(f"cannot rename model variable {name!r} to {value!r}: "
                                 f"{value!r} is defined in the equations too")
            renames[name] = value
            mapping[symbol(name)] = symbol(value)
            mapping[derivative_symbol(name)] = derivative_symbol(value)
        else:
            if name in defined:
                raise ValueError(f"cannot replace model variable {name!r} with a value "
                                 "(only external constants can be)")
            expr = _replacement_value(name, value)
            mapping[symbol(name)] = expr
            value_names[name] = frozenset(s.name for s in expr.free_symbols)

    def names(used: frozenset[str]) -> frozenset[str]:
        out: set[str] = set()
        for n in used:
            if n in renames:
                out.add(renames[n])
            elif n in value_names:
                out |= value_names[n]
            else:
                out.add(n)
        return frozenset(out)

    def sub(expr: sp.Basic | None) -> sp.Basic | None:
        return None if expr is None else expr.xreplace(mapping)

    out = []
    for line in lines:
        if not (line.identifiers & replacements.keys() or line.name in renames):
            out.append(line)
            continue
        new = dataclasses.replace(
            line, name=renames.get(line.name, line.name), expr=sub(line.expr),
            lhs=sub(line.lhs), rhs=sub(line.rhs), identifiers=names(line.identifiers),
            flag_columns=())
        out.append(dataclasses.replace(new, source=str(new)))
    return out


class Equations:
    """A set of model equations (Brian2's syntax), immutable once built.

    Accepts a model string, another Equations, or a list of EquationLine. ``+`` concatenates.
    Keywords replace names as Brian2's do: ``Equations(eqs, tau=10*ms, v='V')``.
    """

    def __init__(self, eqs: str | Equations | Iterable[EquationLine] = "",
                 **replacements: object) -> None:
        if replacements:  # Brian2's Equations(eqs, tau=..., v='V'): the lines, then replaced
            eqs = _replaced(Equations(eqs).lines, replacements)
        if isinstance(eqs, str):
            lines = _parse_text(eqs)
        elif not isinstance(eqs, Equations) and not hasattr(eqs, "__iter__"):
            raise TypeError(
                f"equations must be a string such as 'dU/dt = -U/tau : 1', got {eqs!r}"
            )
        elif isinstance(eqs, Equations):
            lines = list(eqs.lines)
        else:
            lines = list(eqs)
            for line in lines:
                if not isinstance(line, EquationLine):
                    raise TypeError(
                        f"Equations() takes a string, Equations or EquationLines, not {line!r}"
                    )

            def locate(k: int, message: str) -> EquationError:
                line = lines[k]
                return EquationError(
                    message, lineno=line.lineno, line=line.source, what="equations"
                )

            _validate(lines, locate)
        diff = {line.name for line in lines if line.kind == "diff"}
        for line in lines:
            for name in sorted(line.identifiers):
                if name.endswith("_new") and name[:-4] in diff:
                    raise EquationError(
                        f"'{name}' is the name the discrete update gives the new value of "
                        f"'{name[:-4]}'; call this constant something else",
                        lineno=line.lineno, line=line.source, what="equations",
                        column=line.source.find(name))
        object.__setattr__(self, "_lines", tuple(lines))
        object.__setattr__(self, "_by_name", {line.name: line for line in lines})
        object.__setattr__(self, "_expanded", self._expand_subexpressions())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Equations are immutable; build a new one (e.g. with +)")

    def _expand_subexpressions(self) -> dict[sp.Symbol, sp.Basic]:
        """symbol -> subexpression with every subexpression inside it substituted (each line
        after those it uses; cycles were refused by _validate)."""
        subexprs = {line.name: line for line in self._lines if line.kind == "subexpr"}
        expanded: dict[str, sp.Basic] = {}
        for name in _dependency_order(subexprs):
            line = subexprs[name]
            deps = sorted(line.identifiers & subexprs.keys())
            mapping = {symbol(dep): expanded[dep] for dep in deps}
            expanded[name] = _substitute_checked(line.expr, mapping, line)
        return {symbol(name): expr for name, expr in expanded.items()}

    # -- container protocol ---------------------------------------------------------------
    @property
    def lines(self) -> tuple[EquationLine, ...]:
        """The equations in the order written."""
        return self._lines

    def __getitem__(self, name: str) -> EquationLine:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no equation defines {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[EquationLine]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def __add__(self, other: Equations | str) -> Equations:
        if isinstance(other, str):
            other = Equations(other)
        if not isinstance(other, Equations):
            return NotImplemented
        return Equations([*self._lines, *other.lines])

    def __radd__(self, other: str) -> Equations:
        if isinstance(other, str):
            return Equations(other) + self
        return NotImplemented

    # -- names ------------------------------------------------------------------------------
    def _names_of(self, kind: str) -> list[str]:
        return [line.name for line in self._lines if line.kind == kind]

    @property
    def diff_names(self) -> list[str]:
        """Variables with a differential equation, in order."""
        return self._names_of("diff")

    @property
    def subexpr_names(self) -> list[str]:
        """Subexpression names, in order."""
        return self._names_of("subexpr")

    @property
    def param_names(self) -> list[str]:
        """Parameter names, in order."""
        return self._names_of("param")

    @property
    def names(self) -> list[str]:
        """Every name defined here, in order."""
        return [line.name for line in self._lines]

    @property
    def identifiers(self) -> set[str]:
        """External names used anywhere: neither defined here nor special (t, dt, ...)."""
        used: set[str] = set()
        for line in self._lines:
            used |= line.identifiers
        return used - self._by_name.keys() - SPECIAL_NAMES

    @property
    def functions(self) -> set[str]:
        """Non-builtin function names called anywhere (TimedArrays, user functions)."""
        called: set[str] = set()
        for line in self._lines:
            called |= line.functions
        return called

    def line_using(self, name: str) -> EquationLine | None:
        """The first line that uses ``name`` as an identifier or function (for errors)."""
        for line in self._lines:
            if name in line.identifiers or name in line.functions:
                return line
        return None

    # -- flags ------------------------------------------------------------------------------
    def check_flags(self, allowed: Mapping[str, Collection[str]], owner: str) -> None:
        """Refuse every flag that ``owner`` cannot run.

        Parsing accepts any flag that some object of lifdsl knows, on the kinds of line where
        it makes sense (so Brian2's ``(event-driven)`` or ``(summed)`` parse); whether a given
        object supports it is that object's call, made here. ``allowed`` maps a kind of line
        (``'diff'``, ``'subexpr'``, ``'param'``) to the flags ``owner`` supports on it, e.g.
        :data:`NEURON_FLAGS`; a kind left out supports none. The first flag not allowed, in
        the order written, raises an EquationError that names ``owner``, quotes the line,
        points at the flag and lists what ``owner`` allows on that kind of line. A table that
        names an unknown kind or flag is the owner's bug: ValueError.
        """
        check_allowed_table(allowed, owner)
        for line in self._lines:
            ok = allowed.get(line.kind, ())
            for flag, column in _written_flags(line):
                if flag not in ok:
                    raise EquationError(
                        not_allowed_message(flag, line.kind, ok, owner),
                        lineno=line.lineno or None,
                        line=line.source or None,
                        column=column,
                        what="equations",
                    )

    # -- maths ------------------------------------------------------------------------------
    def substituted(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with every subexpression replaced by its definition (recursively), its
        constants folded as the parser folds them; EquationError if that leaves a constant
        without a finite double value (``1/(s - v)`` with ``s = v``)."""
        if not self._expanded:
            return expr
        return _substitute_checked(expr, self._expanded, None)

    def odes(self) -> dict[str, sp.Basic]:
        """X -> dX/dt for every differential equation, subexpressions substituted."""
        return {
            line.name: _substitute_checked(line.expr, self._expanded, line)
            for line in self._lines if line.kind == "diff"
        }

    def discretize(self, method: str = "euler"):
        """The discrete update of these ODEs by ``method`` (see :mod:`lifdsl.methods`);
        ``'auto'`` is ``'exact'`` where the system is linear, else ``'euler'``."""
        from lifdsl.methods import DiscretizationError, discretize

        if method == "auto":
            try:
                return discretize(self.odes(), "exact")
            except DiscretizationError:
                return discretize(self.odes(), "euler")
        return discretize(self.odes(), method)

    # -- text -------------------------------------------------------------------------------
    def __str__(self) -> str:
        return "\n".join(str(line) for line in self._lines)

    def __repr__(self) -> str:
        return f"Equations({str(self)!r})"
