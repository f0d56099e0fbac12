"""What every simulated object shares: a name, a creation rank, scheduled runners."""

from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lifdsl.codegen import program as P

#: the slots of one time step, in the order they run
SLOTS = ("start", "groups", "thresholds", "synapses", "resets", "end")
#: every name ``when`` takes, in the order they run: each slot with a ``before_`` and an
#: ``after_`` neighbour (``before_groups``, ``groups``, ``after_groups``, ...), as Brian2 has
WHENS = tuple(f"{pre}{slot}" for slot in SLOTS for pre in ("before_", "", "after_"))

_creation = itertools.count()


def caller_scope(level: int = 0, past: str | None = None) -> list[dict[str, Any]]:
    """Locals (a copy) and globals of the code that called the function calling this one,
    ``level`` frames further up: where names in model strings are looked up. With ``past``
    (a function name), lifdsl's own frames of that name are stepped over too: a subclass's
    ``__setattr__`` calling its base's adds one."""
    frame = inspect.currentframe()
    try:
        for _ in range(level + 2):
            frame = frame.f_back
        while (past is not None and frame.f_code.co_name == past
               and frame.f_globals.get("__name__", "").startswith("lifdsl.")):
            frame = frame.f_back
        return [dict(frame.f_locals), frame.f_globals]
    finally:
        del frame


class Runner:
    """One scheduled operation of an object (state update, threshold, reset, recording).

    ``when`` picks the slot of the step, ``order`` the position inside the slot (lower first;
    ties keep creation order).
    """

    def __init__(self, owner: SimObject, kind: str, when: str, order: int = 0) -> None:
        self.owner = owner
        self.kind = kind
        self.when = when
        self.order = order
        self._rank = next(_creation)

    @property
    def when(self) -> str:
        """The slot this runs in: start, groups, thresholds, synapses, resets or end, or one
        of them with ``before_`` or ``after_`` in front (see :data:`WHENS`)."""
        return self._when

    @when.setter
    def when(self, value: str) -> None:
        if value not in WHENS:
            raise ValueError(f"when must be one of {', '.join(SLOTS)}, or one of them with "
                             f"'before_' or 'after_' in front (as 'after_thresholds'); "
                             f"got {value!r}")
        self._when = value

    def sort_key(self) -> tuple:
        """Position in the schedule: slot, order, then the owner's name for this runner where it
        has one (Brian2's object names, under lifdsl.brian2), then creation."""
        return (WHENS.index(self._when), self.order, self._tie(), self._rank)

    def _tie(self) -> str:
        return self.owner._tie_name(self)

    def __repr__(self) -> str:
        return f"<{self.kind} of {self.owner.name}: when={self._when!r}, order={self.order}>"


@dataclass
class RunContext:
    """What objects need to know when a run starts."""

    dt: float
    step0: int
    n_steps: int
    namespaces: list[dict[str, Any]] = field(default_factory=list)
    rng: np.random.Generator | None = None
    #: id(object) -> its clock's dt in network steps (several clocks in one network)
    periods: dict[int, int] = field(default_factory=dict)
    #: id(object) -> the run as that object's clock sees it (its dt, first step, steps)
    own: dict[int, Any] = field(default_factory=dict)
    #: id(object) -> (key, period, dt, first step, tick table or None) of a clock other than
    #: the network's step, or None (see core/network.py ``_on_clock``)
    clock: dict[int, Any] = field(default_factory=dict)
    #: clocks that are not multiples of one another: the run's steps, and each object's clock
    table: Any = None
    tick_of: dict[int, int] = field(default_factory=dict)
    #: id(object) -> its own steps done in the run (filled as it ends, before ``_finish``)
    done: dict[int, int] = field(default_factory=dict)


class SimObject:
    """Base of groups and monitors: a unique name and a place in the creation order."""

    _prefix = "object"
    _names_taken: dict[str, int] = {}

    def __init__(self, name: str | None = None, dt: float | None = None) -> None:
        self._creation = next(_creation)
        if name is None:
            name = self._auto_name()
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"name must be an identifier, got {name!r}")
        self.name = name
        self._named()
        if dt is not None and (isinstance(dt, (bool, np.bool_, str)) or dt is True):
            raise TypeError(f"dt must be a time in seconds, got {dt!r}")
        self._dt = None if dt is None else float(dt)
        if self._dt is not None and not (self._dt > 0 and np.isfinite(self._dt)):
            raise ValueError(f"dt must be a positive, finite time in seconds, got {dt!r}")
        self.active = True

    def _auto_name(self) -> str:
        """The name of an object made without one: the prefix, then ``_1``, ``_2``, ... counting
        every object of that prefix made in this session."""
        n = SimObject._names_taken.get(self._prefix, 0)
        SimObject._names_taken[self._prefix] = n + 1
        return f"{self._prefix}_{n}" if n else self._prefix

    def _named(self) -> None:
        """Called once the object has its name (lifdsl.brian2 notes its living objects)."""

    def add_attribute(self, name: str) -> None:
        """Make ``name`` an attribute of this object (None until set), as Brian2's
        ``add_attribute``: groups refuse a name that is not a state variable otherwise."""
        arrays = self.__dict__.get("_arrays") or {}
        if name in arrays:
            raise AttributeError(f"cannot add an attribute {name!r}: it is a state variable of "
                                 f"{self.name!r}")
        if name in self.__dict__ or hasattr(type(self), name):
            raise AttributeError(f"cannot add an attribute {name!r}: {self.name!r} already has "
                                 f"one of that name")
        object.__setattr__(self, name, None)

    # -- overridden by subclasses ---------------------------------------------------------------
    def _runners(self) -> list[Runner]:
        return []

    def _tie_name(self, runner: Runner) -> str:
        """What orders this object's ``runner`` among runners of the same slot and order
        before creation does: nothing here (creation order); lifdsl.brian2's objects give
        Brian2's names, which Brian2 sorts such ties by."""
        return ""

    def _runner_clocks(self) -> dict[Runner, SimObject]:
        """Runners that run on another object's clock, and that object (a Synapses' pathways
        run on their spiking group's clock, as in Brian2); the others run on this one's."""
        return {}

    def _dependencies(self) -> list[SimObject]:
        """Objects that must be part of the same network."""
        return []

    def buffers(self) -> dict[str, P.Buffer]:
        """The arrays this object owns, by name (the protocol every target reads them by)."""
        return {}

    def _prepare(self, ctx: RunContext) -> None:
        """Resolve names and allocate this run's buffers for ctx.n_steps steps."""

    def _part(self, key: str, keys) -> P.Part:
        """This run's operations (runner -> operation) and the values they use, with every
        key under ``key``; ``keys(obj)`` gives another object's key. Called after _prepare."""
        return P.Part()

    def _part_unresolved(self, key: str, keys) -> P.Part:
        """The part with placeholder values (to show code before a run)."""
        return self._part(key, keys)

    def _ran_kernel(self, source: str) -> None:
        """The kernel source of the network this object just ran in."""

    def _finish(self, steps_done: int) -> None:
        """Called after a run (also an interrupted one) with the number of steps done."""

    def _set_time(self, t: float, dt: float) -> None:
        """The network's time after a run (for expressions evaluated between runs)."""
        self._t_now = t
        self._dt_now = dt

    def _get_state(self) -> dict[str, Any]:
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        pass

    @property
    def dt(self) -> float | None:
        """This object's own time step, or None to use the default clock's."""
        return self._dt

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
