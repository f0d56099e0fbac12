"""Brian2's ``network_operation``: a :class:`~lifdsl.core.operations.PythonOperation` whose
function takes no argument or ``t`` as a Quantity, at any slot, on its own clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lifdsl.core.operations import PythonOperation


class NetworkOperation(PythonOperation):
    """A Python function called every ``dt`` (default: the default clock's) in slot ``when``
    during runs; ``stop()`` inside it ends the run after that step."""

    _prefix = "networkoperation"
    _what = "network_operation"

    def __init__(self, function: Callable, dt: float | None = None, clock: Any = None,
                 when: str = "start", order: int = 0, name: str | None = None) -> None:
        if clock is not None and dt is None:
            dt = clock.dt
        super().__init__(function, dt=dt, when=when, order=order, name=name)
        self.__doc__ = getattr(function, "__doc__", None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def _invoke(self, t: float) -> None:
        if self._takes_t:
            from lifdsl.units import second

            self.function(t * second)
        else:
            self.function()


def operation_decorator(cls: type[NetworkOperation]) -> Callable[..., Any]:
    """The ``network_operation`` decorator making functions ``cls`` objects:
    ``@network_operation`` or ``@network_operation(dt=..., when='end')``."""

    def network_operation(*args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not isinstance(args[0], NetworkOperation):
            return cls(args[0], **kwargs)
        if args:
            raise TypeError("network_operation takes the function, or keyword arguments only")
        return lambda f: cls(f, **kwargs)

    network_operation.__doc__ = (f"Decorator making a function a :class:`{cls.__name__}`: "
                                 "``@network_operation`` or ``@network_operation(dt=..., "
                                 "when='end')``.")
    return network_operation


network_operation = operation_decorator(NetworkOperation)
