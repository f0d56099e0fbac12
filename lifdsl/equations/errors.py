"""The error every bad model string turns into: it quotes the line and points at the column."""

from __future__ import annotations


class EquationError(ValueError):
    """A model string (equations, threshold, reset, assignment) that lifdsl cannot accept.

    ``lineno`` is 1-based within the string the user wrote; ``column`` is 0-based within
    ``line``. ``str()`` gives the message, the offending line, and a caret under the column.
    """

    def __init__(
        self,
        message: str,
        *,
        lineno: int | None = None,
        line: str | None = None,
        column: int | None = None,
        what: str | None = None,
    ) -> None:
        self.message = message
        self.lineno = lineno
        self.line = line
        self.column = column
        self.what = what
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.what:
            where.append(self.what)
        if self.lineno is not None:
            where.append(f"line {self.lineno}")
        head = (", ".join(where) + ": " if where else "") + self.message
        if self.line is None:
            return head
        text = self.line.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
        out = [head, "    " + text]
        if self.column is not None and 0 <= self.column <= len(text):
            out.append("    " + " " * self.column + "^")
        return "\n".join(out)
