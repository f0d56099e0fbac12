"""A Python function called at a slot of the step, on a clock of its own: the core of
Brian2's ``network_operation`` (``lifdsl.brian2`` builds the decorator on it)."""

from __future__ import annotations

from collections.abc import Callable

from lifdsl.codegen import program as P
from lifdsl.core.base import Runner, SimObject


class PythonOperation(SimObject):
    """Calls ``function(t)`` (``t`` in seconds, a float) in slot ``when`` (``order`` inside
    it) of every step of its clock (``dt``, default the default clock's), out of the compiled
    loop: on Cython the kernel takes the GIL for the call, so each one costs a Python call.
    What the function changes in group arrays (``G.v[:] = ...``) the next operation sees; an
    exception it raises stops the run in that step and reaches ``run``'s caller."""

    _prefix = "python_operation"

    def __init__(self, function: Callable[[float], object], dt: float | None = None,
                 when: str = "start", order: int = 0, name: str | None = None) -> None:
        if not callable(function):
            raise TypeError(f"PythonOperation needs a callable taking t, got {function!r}")
        runner = Runner(self, "python operation", when, order)  # (checks when first)
        super().__init__(name, dt)
        self.function = function
        self._runner = runner

    @property
    def when(self) -> str:
        """The slot the call runs in."""
        return self._runner.when

    @when.setter
    def when(self, value: str) -> None:
        self._runner.when = value

    @property
    def order(self) -> int:
        """The position inside the slot (lower first)."""
        return self._runner.order

    @order.setter
    def order(self, value: int) -> None:
        self._runner.order = int(value)

    def _runners(self) -> list[Runner]:
        return [self._runner]

    def _part(self, key: str, keys) -> P.Part:
        fkey = P.key_of(key, "function", internal=True)
        part = P.Part()
        part.operations[self._runner] = P.CallPython(fkey)
        part.callbacks[fkey] = self.function
        return part


__all__ = ["PythonOperation"]
