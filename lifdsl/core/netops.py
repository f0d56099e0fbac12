"""Python functions run between steps (Brian2's ``network_operation``, with ``stop()``).

The compiled loop runs in segments between the steps where an operation is due; the operation
runs between two segments, at the start of its step (``when`` in the start slot) or at its end
(the end slot). Every scheduling decision is in :func:`operation_segments`, so a finer schedule
(the mid-step slots, from a callback inside the loop) replaces that one function.
core/operations.py's PythonOperation is such a callback (any slot, no stop()); moving
network_operation onto it needs stop() to end a run at a step boundary from inside the kernel.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

from lifdsl.core.base import SimObject

START_WHENS = ("before_start", "start", "after_start")
END_WHENS = ("before_end", "end", "after_end")


class NetworkOperation(SimObject):
    """A Python function called every ``dt`` (default: the network's step) during runs."""

    _prefix = "networkoperation"

    def __init__(self, function: Callable, dt: float | None = None, clock: Any = None,
                 when: str = "start", order: int = 0, name: str | None = None) -> None:
        if not callable(function):
            raise TypeError(f"network_operation needs a function, got {function!r}")
        if when not in START_WHENS + END_WHENS:
            raise ValueError(
                f"network_operation when={when!r}: this version runs operations at the start "
                f"or the end of a step only ({', '.join(START_WHENS + END_WHENS)}); the "
                f"mid-step slots need a callback inside the compiled loop, not there yet")
        super().__init__(name=name)
        if clock is not None:
            dt = clock.dt if dt is None else dt
        if dt is not None:
            dt = float(dt)
            if not dt > 0:
                raise ValueError(f"network_operation dt must be a positive time, got {dt!r}")
        self.function = function
        self.op_dt = dt
        self.when = when
        self.order = int(order)
        params = [p for p in inspect.signature(function).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.default is p.empty]
        if len(params) > 1:
            raise TypeError(f"a network_operation function takes no argument or the time t; "
                            f"{function.__name__} takes {len(params)}")
        self._takes_t = len(params) == 1
        self.__doc__ = function.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def _call(self, t: float) -> None:
        if self._takes_t:
            from lifdsl.units import second

            self.function(t * second)
        else:
            self.function()

    def _period(self, dt: float) -> int:
        """Steps of the network between two calls."""
        if self.op_dt is None:
            return 1
        k = round(self.op_dt / dt)
        if k < 1 or abs(k * dt - self.op_dt) > 1e-9 * self.op_dt:
            raise ValueError(f"network_operation {self.name!r}: dt = {self.op_dt!r} s is not a "
                             f"whole multiple of the network's dt = {dt!r} s")
        return k


def network_operation(*args: Any, **kwargs: Any) -> Any:
    """Decorator making a function a :class:`NetworkOperation`: ``@network_operation`` or
    ``@network_operation(dt=..., when='end')``."""
    if len(args) == 1 and callable(args[0]) and not isinstance(args[0], NetworkOperation):
        return NetworkOperation(args[0], **kwargs)
    if args:
        raise TypeError("network_operation takes the function, or keyword arguments only")
    return lambda f: NetworkOperation(f, **kwargs)


def operation_segments(ops: list[NetworkOperation], dt: float, step0: int,
                       n_steps: int) -> Iterator[tuple[int, int, list, list]]:
    """Pieces ``(start, stop, before, after)`` of a run of steps ``[step0, step0 + n_steps)``:
    call ``before`` at ``start``, run steps ``start..stop-1``, call ``after`` (due at stop-1)."""
    def key(o: NetworkOperation) -> tuple[int, int, int]:
        return ((START_WHENS + END_WHENS).index(o.when), o.order, o._creation)

    first = sorted((o for o in ops if o.when in START_WHENS), key=key)
    last = sorted((o for o in ops if o.when in END_WHENS), key=key)
    periods = {id(o): o._period(dt) for o in ops}
    end = step0 + n_steps

    def due(group: list, step: int) -> list:
        return [o for o in group if step % periods[id(o)] == 0]

    def next_boundary(step: int) -> int:
        """The first step after ``step`` where a start-op is due or an end-op was due before."""
        best = end
        for o in first:
            p = periods[id(o)]
            best = min(best, (step // p + 1) * p)
        for o in last:  # due at k >= step: the boundary is after it
            p = periods[id(o)]
            best = min(best, -(-step // p) * p + 1)
        return max(best, step + 1)

    step = step0
    while step < end:
        stop = min(end, next_boundary(step))
        yield step, stop, due(first, step), due(last, stop - 1)
        step = stop
