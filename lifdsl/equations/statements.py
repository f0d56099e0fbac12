"""Abstract code: the one intermediate form between methods/ and codegen/.

A block of abstract code is an ordered list of :class:`Assign`. Names ending in ``_new`` or
starting with ``_`` are temporaries; every other target is a model variable.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class Assign:
    """``target op expr``: one statement of abstract code, target-free (SymPy on the right).

    ``op`` is ``=`` or an in-place operator (``+=``, ``-=``, ``*=``, ``/=``); the in-place
    form matters where the target is reached through an index that may repeat (several
    synapses onto one neuron add up), and is kept for that.
    """

    target: str
    expr: sp.Basic
    op: str = "="

    def __str__(self) -> str:
        # 'old' ordering keeps terms as a person writes them: U + dt*(-U + I*R)/tau
        return f"{self.target} {self.op} {sp.sstr(self.expr, order='old')}"

    def folded(self) -> Assign:
        """The statement as ``target = ...`` (``U -= x`` becomes ``U = U - x``)."""
        if self.op == "=":
            return self
        cur = sp.Symbol(self.target, real=True)
        rhs = {
            "+=": lambda: cur + self.expr,
            "-=": lambda: cur - self.expr,
            "*=": lambda: cur * self.expr,
            "/=": lambda: cur / self.expr,
        }[self.op]()
        return Assign(self.target, rhs)


@dataclass(frozen=True)
class Statement:
    """A user statement as written (reset, ``on_pre``): ``target op expr`` with op one of
    ``= += -= *= /=``. ``lineno``/``source`` locate it for error messages."""

    target: str
    op: str
    expr: sp.Basic
    lineno: int = 1
    source: str = ""

    def as_assign(self) -> Assign:
        """The statement as a plain assignment (``U -= x`` becomes ``U = U - x``)."""
        return Assign(self.target, self.expr, self.op).folded()

    def as_statement(self) -> Assign:
        """The statement as abstract code with its operator kept (for indexed targets)."""
        return Assign(self.target, self.expr, self.op)

    def __str__(self) -> str:
        return f"{self.target} {self.op} {sp.sstr(self.expr)}"
