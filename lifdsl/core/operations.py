"""A Python function called at a slot of the step, on a clock of its own: the one mechanism
behind ``ld.PythonOperation`` and Brian2's ``network_operation`` (core/netops.py)."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from lifdsl.codegen import program as P
from lifdsl.core.base import Runner, SimObject

#: set by ``stop()`` / ``Network.stop()`` (reset as each run starts); a callback returns it,
#: and the step it returned in is the run's last
STOP = [False]


def _takes_t(function: Callable, what: str) -> bool:
    """True if ``function`` takes the time, False if no argument; more is an error."""
    try:
        params = [p for p in inspect.signature(function).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is p.empty]
    except (TypeError, ValueError):   # (builtins without a signature: given t)
        return True
    if len(params) > 1:
        name = getattr(function, "__name__", repr(function))
        raise TypeError(f"a {what} function takes no argument or the time t; {name} takes "
                        f"{len(params)}")
    return len(params) == 1


class PythonOperation(SimObject):
    """Calls ``function(t)`` (``t`` in seconds, a float; or ``function()``) in slot ``when``
    (``order`` inside it) of every step of its clock (``dt``, default the default clock's),
    out of the compiled loop: on Cython the kernel takes the GIL for the call, so each one
    costs a Python call. What the function changes in group arrays (``G.v[:] = ...``) the next
    operation sees; ``ld.stop()`` or ``net.stop()`` in it ends the run after that step; an
    exception it raises stops the run in that step and reaches ``run``'s caller."""

    _prefix = "python_operation"
    _what = "PythonOperation"

    def __init__(self, function: Callable, dt: float | None = None,
                 when: str = "start", order: int = 0, name: str | None = None) -> None:
        if not callable(function):
            raise TypeError(f"{self._what} needs a callable taking t, got {function!r}")
        takes_t = _takes_t(function, self._what)
        runner = Runner(self, "python operation", when, order)  # (checks when first)
        super().__init__(name, dt)
        self.function = function
        self._takes_t = takes_t
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

    def _invoke(self, t: float) -> None:
        if self._takes_t:
            self.function(t)
        else:
            self.function()

    def _callback(self, t: float) -> bool:
        """What the kernel calls: the function, then whether a stop was asked for."""
        self._invoke(t)
        return STOP[0]

    def _runners(self) -> list[Runner]:
        return [self._runner]

    def _part(self, key: str, keys) -> P.Part:
        fkey = P.key_of(key, "function", internal=True)
        part = P.Part()
        part.operations[self._runner] = P.CallPython(fkey)
        part.callbacks[fkey] = self._callback
        return part


__all__ = ["PythonOperation", "STOP"]
