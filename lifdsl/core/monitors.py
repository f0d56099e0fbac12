"""Monitors: record state (StateMonitor), spikes (SpikeMonitor) and population rates.

Buffers are allocated for the whole run before it starts, so recording costs one copy per step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lifdsl.codegen import program as P
from lifdsl.core.base import RunContext, Runner, SimObject
from lifdsl.core.group import Group
from lifdsl.core.neurongroup import NeuronGroup, Subgroup
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign
from lifdsl.units.dimensions import DIMENSIONLESS, Dimension
from lifdsl.units.quantity import Quantity

_SECOND = Dimension((0, 0, 1, 0, 0, 0, 0))
_HERTZ = Dimension((0, 0, -1, 0, 0, 0, 0))


def _in(values: np.ndarray, dim: Dimension | None):
    """``values`` (no copy) as a Quantity of ``dim``, or as they are where ``dim`` is None."""
    if dim is None or dim is DIMENSIONLESS:
        return values
    q = values.view(Quantity)
    q.dim = dim
    return q


def _uses_units(monitor) -> bool:
    """Times and rates of a monitor are Quantities when its group's model has units (a
    unitless model's monitors give plain arrays in seconds and Hz, as before units), or
    always for lifdsl.brian2's monitors (``_units_always``: Brian2 gives times in second)."""
    from lifdsl.units.check import uses_units

    return monitor._units_always or uses_units(monitor.group.equations)


def _source_parts(source, spikes: bool = False) -> tuple[Group, int, int]:
    if isinstance(source, Subgroup):
        return source.parent, source.start, source.stop
    if isinstance(source, NeuronGroup) or (isinstance(source, Group) and not spikes):
        return source, 0, source.N   # (a StateMonitor records Synapses too)
    raise TypeError(f"a monitor records a NeuronGroup or a subgroup of one"
                    f"{' (or a StateMonitor a Synapses)' if spikes else ''}, got {source!r}")


class _Chunks:
    """A growing record: preallocated chunks, one per run, joined on demand."""

    def __init__(self) -> None:
        self.chunks: list[np.ndarray] = []
        self.filled: list[int] = []
        self._joined: np.ndarray | None = None

    def new(self, shape, dtype) -> np.ndarray:
        buf = np.empty(shape, dtype=dtype)
        self.chunks.append(buf)
        self.filled.append(0)
        self._joined = None
        return buf

    def set_filled(self, n: int) -> None:
        """The current chunk holds ``n`` entries (called once, after a run)."""
        if self.chunks:
            self.filled[-1] = n
            self._joined = None

    def join(self, empty_shape, dtype) -> np.ndarray:
        if self._joined is None:
            parts = [c[:f] for c, f in zip(self.chunks, self.filled, strict=True)]
            self._joined = np.concatenate(parts) if parts else np.empty(empty_shape, dtype)
        return self._joined

    def state(self):
        return [c[:f].copy() for c, f in zip(self.chunks, self.filled, strict=True)]

    def set_state(self, parts) -> None:
        self.chunks = [p.copy() for p in parts]
        self.filled = [len(p) for p in parts]
        self._joined = None


def _record_dtype(group, name: str) -> np.dtype:
    """The dtype a StateMonitor records ``name`` in: the stored array's (float, int32 for
    ``: integer``, bool for ``: boolean``), float64 for subexpressions."""
    arr = group._arrays.get(name)
    link = (getattr(group, "_links", None) or {}).get(name)
    if arr is None and link is not None:   # a linked variable: its source's
        arr = link.group._arrays.get(link.name)   # (None for a subexpression: float64)
    return arr.dtype if arr is not None else np.dtype(np.float64)


class StateMonitor(SimObject):
    """Records variables at the start of each step: ``M.U[k, n]`` is neuron k at ``M.t[n]``."""

    _prefix = "statemonitor"
    _units_always = False   # (lifdsl.brian2's subclass: True)

    def __init__(self, source, variables, record=True, when: str = "start", order: int = 0,
                 name: str | None = None, dt: float | None = None) -> None:
        group, start, stop = _source_parts(source)
        super().__init__(name, group.dt if dt is None else dt)
        if variables is True:
            variables = group.variables  # Brian2: record every stored variable
        elif isinstance(variables, str):
            variables = [variables]
        else:
            variables = list(variables)
        known = set(group.variables) | set(group.equations.subexpr_names)
        if "_step_count" in group._arrays:   # (Brian2's GSL step counts: see NeuronGroup)
            known.add("_step_count")
        if hasattr(group, "_side_names"):  # Synapses: x_pre, x_post and a bare target name
            known |= group._side_names()
        for v in variables:
            if v not in known:
                raise ValueError(
                    f"{group.name!r} has no variable {v!r} to record; it has: "
                    + ", ".join(sorted(known))
                )
        n = stop - start
        if record is True:
            rec = np.arange(n)
        elif record is False or record is None:
            rec = np.empty(0, dtype=np.int64)
        else:
            raw = np.atleast_1d(np.asarray(record))
            if raw.dtype.kind == "b":
                raise TypeError("record takes True, False, an index or a list of indices")
            if raw.size and (raw.dtype.kind not in "iuf" or np.any(raw != np.round(raw))):
                raise TypeError(f"record indices must be integers, got {record!r}")
            rec = raw.astype(np.int64)
            if rec.size and (rec.min() < 0 or rec.max() >= n):
                raise IndexError(f"record indices must lie in 0..{n - 1}")
        self.source = source
        self.group = group
        self.record_variables = variables
        self.record = rec
        self._abs = rec + start
        self._offset = start
        self._n_source = n
        self._t = _Chunks()
        self._data = {v: _Chunks() for v in variables}
        self._runner = Runner(self, "recorder", when, order)
        self._buffers: dict[str, P.Buffer] = {}
        self._resolved = None

    @property
    def when(self) -> str:
        """The slot recording happens in (default 'start': values before the step)."""
        return self._runner.when

    def _runners(self):
        return [self._runner]

    def _dependencies(self):
        return [self.group]

    def _expressions(self) -> list[tuple[str, object]]:
        g = self.group
        return [(v, g._expand_links(g.equations.substituted(symbol(v))))
                for v in self.record_variables if v not in g._arrays]

    def buffers(self) -> dict[str, P.Buffer]:
        """This run's record buffers (``t`` and one per variable, rows = steps) and the
        recorded indices; none persists (records are joined after each run)."""
        return dict(self._buffers)

    def _prepare(self, ctx: RunContext) -> None:
        g = self.group
        nrec = self._abs.size
        self._buffers = {"t": P.Buffer(self._t.new((ctx.n_steps,), np.float64), False),
                         "indices": P.Buffer(self._abs, False)}
        for v in self.record_variables:
            dtype = _record_dtype(g, v)
            self._buffers[f"rec_{v}"] = P.Buffer(self._data[v].new((ctx.n_steps, nrec), dtype),
                                                 False)
        self._resolved = None
        for v, e in self._expressions():
            res = g._resolve_exprs([e], ctx.namespaces, f"recorded {v!r}", None)
            if self._resolved is None:
                self._resolved = res
            else:
                self._resolved.constants.update(res.constants)
                self._resolved.functions.update(res.functions)

    def _part_unresolved(self, key: str, keys) -> P.Part:
        saved = self._buffers, self._resolved
        self._buffers = {"t": P.Buffer(np.empty(0), False),
                         "indices": P.Buffer(self._abs, False)}
        for v in self.record_variables:
            dtype = _record_dtype(self.group, v)
            self._buffers[f"rec_{v}"] = P.Buffer(np.empty((0, self._abs.size), dtype), False)
        self._resolved = self.group._placeholder([e for _, e in self._expressions()])
        try:
            return self._part(key, keys)
        finally:
            self._buffers, self._resolved = saved

    def _part(self, key: str, keys) -> P.Part:
        g = self.group
        gkey = keys(g)
        part = P.Part()
        for name, buf in self._buffers.items():
            part.buffers[f"{key}._{name}"] = buf
        part.ints[f"{key}._nrec"] = self._abs.size
        stored = []
        for v in self.record_variables:
            if v not in g._arrays:
                continue
            if v in g._shared_names():
                part.scalars[f"{gkey}.{v}"] = float(g._arrays[v][0])
                stored.append((f"{key}._rec_{v}", f"{gkey}.{v}", True))
            else:
                part.buffers[f"{gkey}.{v}"] = P.Buffer(g._arrays[v])
                stored.append((f"{key}._rec_{v}", f"{gkey}.{v}", False))
        code = None
        outputs = ()
        exprs = self._expressions()
        if exprs:
            sub = self._offset != 0 or self._n_source != g.N
            code = g._code([Assign(f"_rec_{v}", e) for v, e in exprs], self._resolved, gkey,
                           part, size=self._n_source if sub else None,
                           offset=self._offset if sub else None, const_key=key)
            outputs = tuple((f"_rec_{v}", f"{key}._rec_{v}") for v, _ in exprs)
        part.operations[self._runner] = P.RecordState(
            f"{key}._t", f"{key}._indices", f"{key}._nrec", tuple(stored), code, outputs)
        return part

    def _finish(self, steps_done: int) -> None:
        for c in [self._t, *self._data.values()]:
            c.set_filled(steps_done)

    @property
    def t(self) -> np.ndarray:
        """Recording times, shape (n_t,): a Quantity in second if the model has units."""
        return _in(self.t_, _SECOND if _uses_units(self) else None)

    @property
    def t_(self) -> np.ndarray:
        """Recording times in seconds (plain floats)."""
        return self._t.join((0,), np.float64)

    def __getattr__(self, name: str):
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            return _in(data[name].join((0, self.record.size),
                                       _record_dtype(self.group, name)).T,
                       self.group._dimension(name))
        if data is not None and name.endswith("_") and name[:-1] in data:
            return data[name[:-1]].join((0, self.record.size),
                                        _record_dtype(self.group, name[:-1])).T
        raise AttributeError(f"StateMonitor {self.__dict__.get('name')!r} does not record {name!r}")

    def __getitem__(self, neuron: int) -> _RecordedNeuron:
        if isinstance(neuron, (bool, np.bool_)) or not isinstance(neuron, (int, np.integer)):
            raise TypeError(f"M[k] takes a neuron index (M.U for the variable U), got {neuron!r}")
        pos = np.flatnonzero(self.record == int(neuron))
        if pos.size == 0:
            raise IndexError(f"neuron {neuron} is not recorded (record={self.record.tolist()})")
        return _RecordedNeuron(self, int(pos[0]))

    def _get_state(self) -> dict[str, Any]:
        from lifdsl.core.state import Parts, Setting  # (store/restore: see core/state.py)

        g, nrec = self.group, self._abs.size
        return {"t": Parts(self._t.state(), np.float64, rows="steps"),
                "variables": {v: Parts(c.state(), _record_dtype(g, v),
                                       (nrec,), rows="steps") for v, c in self._data.items()},
                "indices": Setting(self._abs)}

    def _set_state(self, state) -> None:
        self._t.set_state(state["t"])
        for v, c in self._data.items():
            c.set_state(state["variables"][v])


class _RecordedNeuron:
    """``M[k]``: the recorded traces of one neuron."""

    def __init__(self, monitor: StateMonitor, row: int) -> None:
        self._m = monitor
        self._row = row

    @property
    def t(self) -> np.ndarray:
        return self._m.t

    @property
    def t_(self) -> np.ndarray:
        return self._m.t_

    def __getattr__(self, name: str) -> np.ndarray:
        return getattr(self._m, name)[self._row]


class EventMonitor(SimObject):
    """Records each event of a group (Brian2's EventMonitor): ``.i``, ``.t``, ``.count`` and
    the ``variables`` at the time of each event (``M.v``, ``M.values('v')``)."""

    _prefix = "eventmonitor"
    _units_always = False   # (lifdsl.brian2's subclass: True)

    def __init__(self, source, event: str, variables=None, record: bool = True,
                 when: str | None = None, order: int | None = None,
                 name: str | None = None) -> None:
        group, start, stop = _source_parts(source, spikes=True)
        if not isinstance(event, str) or not group._has_event(event):
            if event == "spike" and not group._events:
                raise ValueError(f"{group.name!r} has no threshold, so it never spikes")
            raise group._unknown_event(event)
        if not isinstance(record, (bool, np.bool_)):
            raise TypeError(f"record takes True or False (to record some neurons, monitor a "
                            f"subgroup such as G[:10]), got {record!r}")
        if when is None:
            if order is not None:
                raise ValueError("order= needs when= (by default the monitor records right "
                                 "after the event is checked)")
            checker = group._event_runner(event)
            when, order = checker.when, checker.order + 1
        super().__init__(name, group.dt)
        self.source = source
        self.group = group
        self.event = event
        self._start, self._stop = start, stop
        self.record = bool(record)
        self.record_variables = self._variables(group, variables)
        self._count = np.zeros(stop - start, dtype=np.int64)
        self._i: list[np.ndarray] = []
        self._t: list[np.ndarray] = []
        self._values: dict[str, list[np.ndarray]] = {v: [] for v in self.record_variables}
        self._cache: tuple[np.ndarray, np.ndarray] | None = None
        self._sink = P.SpikeSink(max(1024, 4 * (stop - start)), tuple(self.record_variables))
        self._runner = Runner(self, "spike_recorder", when, 0 if order is None else order)
        self._dt_used = 0.0
        self._resolved = None

    @staticmethod
    def _variables(group, variables) -> list[str]:
        """The names to record at each event (``i`` and ``t`` always are, with ``record``)."""
        if variables is None:
            return []
        if isinstance(variables, (bool, np.bool_)):
            raise TypeError("variables takes a name or a list of names (record= is a keyword "
                            f"argument), got {variables!r}")
        names = [variables] if isinstance(variables, str) else list(variables)
        known = set(group.variables) | set(group.equations.subexpr_names)
        if group._has_refractory:
            known |= {"lastspike", "not_refractory"}
        out: list[str] = []
        for v in names:
            if not isinstance(v, str):
                raise TypeError(f"variables takes names of variables, got {v!r}")
            if v in ("i", "t") or v in out:
                continue
            if v not in known:
                raise ValueError(f"{group.name!r} has no variable {v!r} to record; it has: "
                                 + ", ".join(sorted(known)))
            out.append(v)
        return out

    @property
    def when(self) -> str:
        """The slot recording happens in (default: the event's, right after its check)."""
        return self._runner.when

    @property
    def order(self) -> int:
        """The position in the slot (default: one after the event's check)."""
        return self._runner.order

    def _runners(self):
        return [self._runner]

    def _dependencies(self):
        return [self.group]

    def buffers(self) -> dict[str, P.Buffer]:
        """The per-neuron event counts (persistent); events themselves go to a sink."""
        return {"count": P.Buffer(self._count)}

    def _expressions(self) -> list[tuple[str, object]]:
        g = self.group
        return [(v, g._expand_links(g.equations.substituted(symbol(v))))
                for v in self.record_variables]

    def _prepare(self, ctx: RunContext) -> None:
        self._dt_used = ctx.dt
        self._resolved = None
        exprs = self._expressions()
        if exprs:
            from lifdsl.equations.functions import RANDOM_FUNCTIONS

            for v, e in exprs:
                if e.atoms(*RANDOM_FUNCTIONS):
                    raise ValueError(f"{self.name!r}: {v!r} draws random numbers; a monitor "
                                     f"records variables at events, not draws")
            self._resolved = self.group._resolve_exprs([e for _, e in exprs], ctx.namespaces,
                                                       "recorded variables", None)

    def _part_unresolved(self, key: str, keys) -> P.Part:
        saved = self._resolved
        self._resolved = self.group._placeholder([e for _, e in self._expressions()])
        try:
            return self._part(key, keys)
        finally:
            self._resolved = saved

    def _part(self, key: str, keys) -> P.Part:
        g = self.group
        gkey = keys(g)
        part = P.Part()
        part.buffers[f"{key}._count"] = P.Buffer(self._count)
        part.sinks[f"{key}._sink"] = self._sink
        n = self._stop - self._start
        part.ints.update({f"{key}._lo": self._start, f"{key}._size": n,
                          # (record=False keeps the variables' values, as in Brian2)
                          f"{key}._record": int(self.record or bool(self.record_variables))})
        code, outputs = None, ()
        exprs = self._expressions()
        if exprs:
            sub = self._start != 0 or n != g.N
            code = g._code([Assign(f"_rec_{v}", e) for v, e in exprs], self._resolved, gkey,
                           part, size=n if sub else None, offset=self._start if sub else None,
                           const_key=key)
            outputs = tuple((f"_rec_{v}", v) for v, _ in exprs)
        spikes, nspikes = g._event_keys(gkey, self.event)
        part.operations[self._runner] = P.RecordSpikes(
            spikes, nspikes, f"{key}._sink", f"{key}._count", f"{key}._lo", f"{key}._size",
            f"{key}._record", code, outputs)
        return part

    def _finish(self, steps_done: int) -> None:
        i, steps, values = self._sink.take_all()
        if i.size and (self.record or self._values):
            self._i.append(i)
            self._t.append(steps * self._dt_used)
            for v, chunk in values.items():
                self._values[v].append(chunk)
            self._cache = None

    def _not_recorded(self) -> AttributeError:
        return AttributeError(f"{type(self).__name__} {self.name!r} was made with "
                              f"record=False: it counts events (.count, .num_events) and "
                              f"keeps the variables' values without their indices or times")

    def _joined(self) -> tuple[np.ndarray, np.ndarray]:
        if not self.record:
            raise self._not_recorded()
        if self._cache is None:
            i = np.concatenate(self._i) if self._i else np.empty(0, dtype=np.int64)
            t = np.concatenate(self._t) if self._t else np.empty(0)
            self._cache = (i, t)
        return self._cache

    def _plain_values(self, var: str) -> np.ndarray:
        """The recorded values of ``var`` (``t`` included) as plain SI numbers, in the
        variable's own dtype (integer and boolean variables as such)."""
        if var == "t":
            return self._joined()[1]
        if var == "i":
            return self._joined()[0]
        if var not in self._values:
            raise KeyError(f"{self.name!r} does not record {var!r} (recorded: "
                           f"{', '.join(['t', *self.record_variables])})")
        parts = self._values[var]
        values = np.concatenate(parts) if parts else np.empty(0)
        stored = self.group._arrays.get(var)
        if stored is not None and stored.dtype.kind in "biu":
            values = values.astype(stored.dtype)
        return values

    def _with_unit(self, var: str, values: np.ndarray):
        if var in ("t", "lastspike"):
            return _in(values, _SECOND if _uses_units(self) else None)
        if var == "i":
            return values
        return _in(values, self.group._dimension(var))

    def __getattr__(self, name: str):
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return self._with_unit(name, self._plain_values(name))
        if values is not None and name.endswith("_") and name[:-1] in values:
            return self._plain_values(name[:-1])
        if name in ("i", "t", "t_", "it", "it_") and not self.__dict__.get("record", True):
            raise self._not_recorded()   # (the property's error, which Python drops here)
        raise AttributeError(f"{type(self).__name__} {self.__dict__.get('name')!r} has no "
                             f"attribute or recorded variable {name!r}")

    @property
    def i(self) -> np.ndarray:
        """Neuron index of each event (relative to the recorded group or subgroup)."""
        return self._joined()[0]

    @property
    def t(self) -> np.ndarray:
        """Time of each event (one found in step k is stamped k*dt): a Quantity in second if
        the model has units."""
        return _in(self._joined()[1], _SECOND if _uses_units(self) else None)

    @property
    def t_(self) -> np.ndarray:
        """Time of each event in seconds (plain floats)."""
        return self._joined()[1]

    @property
    def count(self) -> np.ndarray:
        """Number of events of each neuron."""
        return self._count

    @property
    def num_events(self) -> int:
        """Total number of events."""
        return int(self._count.sum())

    @property
    def it(self) -> tuple[np.ndarray, np.ndarray]:
        """``(i, t)``, Brian2's pair for ``plot(*M.it)``-style scripts."""
        return self.i, self.t

    @property
    def it_(self) -> tuple[np.ndarray, np.ndarray]:
        """``(i, t_)``: times as plain seconds."""
        return self.i, self.t_

    def _by_neuron(self, var: str) -> dict[int, np.ndarray]:
        i = self.i
        values = self._plain_values(var)
        order = np.argsort(i, kind="stable")   # (each neuron's events stay in time order)
        bounds = np.searchsorted(i[order], np.arange(self._stop - self._start + 1))
        return {k: self._with_unit(var, values[order[bounds[k]:bounds[k + 1]]])
                for k in range(self._stop - self._start)}

    def values(self, var: str) -> dict[int, np.ndarray]:
        """The values of ``var`` at each neuron's events, in time order: ``{i: values}``."""
        return self._by_neuron(var)

    def all_values(self) -> dict[str, dict[int, np.ndarray]]:
        """:meth:`values` of every recorded variable and of ``t``: ``{var: {i: values}}``."""
        return {v: self._by_neuron(v) for v in [*self.record_variables, "t"]}

    def event_trains(self) -> dict[int, np.ndarray]:
        """Event times of each neuron: ``{i: times}``."""
        return self._by_neuron("t")

    def _get_state(self) -> dict[str, Any]:
        from lifdsl.core.state import Parts, Setting  # (store/restore: see core/state.py)

        size = self._stop - self._start
        state = {"i": Parts([c.astype(np.int64) for c in self._i], np.int64, rows="spikes",
                            below=size),
                 "t": Parts([c.astype(np.float64) for c in self._t], np.float64, rows="spikes"),
                 "count": self._count.copy(),
                 "source": Setting([self._start, self._stop])}
        if self._values:
            state["values"] = {v: Parts([c.copy() for c in chunks], np.float64, rows="spikes")
                               for v, chunks in self._values.items()}
        return state

    def _set_state(self, state) -> None:
        self._i = [c.copy() for c in state["i"]]
        self._t = [c.copy() for c in state["t"]]
        self._count[...] = state["count"]
        for v in self._values:
            self._values[v] = [c.copy() for c in state["values"][v]]
        self._cache = None


class SpikeMonitor(EventMonitor):
    """Records each spike's time and neuron (``sp.t``, ``sp.i``, ``sp.count``) and the
    ``variables`` at the spike, before the reset (``sp.v``, ``sp.values('v')``)."""

    _prefix = "spikemonitor"

    def __init__(self, source, variables=None, record: bool = True, when: str | None = None,
                 order: int | None = None, name: str | None = None) -> None:
        super().__init__(source, "spike", variables, record, when, order, name)

    @property
    def num_spikes(self) -> int:
        """Total number of spikes."""
        return self.num_events

    def spike_trains(self) -> dict[int, np.ndarray]:
        """Spike times of each neuron: ``{i: times}``."""
        return self.event_trains()


class PopulationRateMonitor(SimObject):
    """The fraction of a population spiking per step, as a rate in Hz."""

    _prefix = "ratemonitor"
    _units_always = False   # (lifdsl.brian2's subclass: True)

    def __init__(self, source, when: str = "thresholds", order: int = 1,
                 name: str | None = None) -> None:
        group, start, stop = _source_parts(source, spikes=True)
        if group.thresholder is None:
            raise ValueError(f"{group.name!r} has no threshold, so it never spikes")
        super().__init__(name, group.dt)
        self.source = source
        self.group = group
        self._lo, self._hi = start, stop
        self._t = _Chunks()
        self._rate = _Chunks()
        self._runner = Runner(self, "rate_recorder", when, order)
        self._dt_used = None
        self._buffers: dict[str, P.Buffer] = {"t": P.Buffer(np.empty(0), False),
                                              "rate": P.Buffer(np.empty(0), False)}

    def _runners(self):
        return [self._runner]

    def _dependencies(self):
        return [self.group]

    def buffers(self) -> dict[str, P.Buffer]:
        """This run's buffers of times and rates (records of one run)."""
        return dict(self._buffers)

    def _prepare(self, ctx: RunContext) -> None:
        self._buffers = {"t": P.Buffer(self._t.new((ctx.n_steps,), np.float64), False),
                         "rate": P.Buffer(self._rate.new((ctx.n_steps,), np.float64), False)}
        self._dt_used = ctx.dt

    def _part(self, key: str, keys) -> P.Part:
        gkey = keys(self.group)
        n = self._hi - self._lo
        part = P.Part()
        for name, buf in self._buffers.items():
            part.buffers[f"{key}._{name}"] = buf
        part.ints.update({f"{key}._lo": self._lo, f"{key}._size": n})
        part.scalars[f"{key}._scale"] = 1.0 / (n * (self._dt_used or 1.0))
        part.operations[self._runner] = P.RecordRate(
            f"{gkey}._spikes", f"{gkey}._nspikes", f"{key}._t", f"{key}._rate", f"{key}._lo",
            f"{key}._size", f"{key}._scale")
        return part

    def _finish(self, steps_done: int) -> None:
        self._t.set_filled(steps_done)
        self._rate.set_filled(steps_done)

    @property
    def t(self) -> np.ndarray:
        """Step times: a Quantity in second if the model has units."""
        return _in(self.t_, _SECOND if _uses_units(self) else None)

    @property
    def t_(self) -> np.ndarray:
        """Step times in seconds (plain floats)."""
        return self._t.join((0,), np.float64)

    @property
    def rate(self) -> np.ndarray:
        """Spikes per neuron per second in each step: a Quantity in Hz if the model has
        units."""
        return _in(self.rate_, _HERTZ if _uses_units(self) else None)

    @property
    def rate_(self) -> np.ndarray:
        """Spikes per neuron per second in each step (plain floats, Hz)."""
        return self._rate.join((0,), np.float64)

    def smooth_rate(self, window: str = "gaussian", width: float | None = None) -> np.ndarray:
        """The rate smoothed with a 'gaussian' (width = standard deviation) or 'flat' window
        of ``width`` seconds."""
        if width is None or self._dt_used is None:
            raise ValueError("smooth_rate needs width= in seconds, after a run")
        if isinstance(width, Quantity) and width.dim is not _SECOND:
            from lifdsl.units.quantity import DimensionMismatchError

            raise DimensionMismatchError(f"width must be a time, got {width}", width.dim)
        width = float(width)
        if not (np.isfinite(width) and width > 0):
            raise ValueError(f"width must be a positive time in seconds, got {width!r}")
        dt = self._dt_used
        if window == "gaussian":
            w = int(round(4 * width / dt))
            x = np.arange(-w, w + 1) * dt
            kernel = np.exp(-0.5 * (x / width) ** 2)
        elif window == "flat":
            w = int(round(width / (2 * dt)))
            kernel = np.ones(2 * w + 1)
        else:
            raise ValueError(f"window must be 'gaussian' or 'flat', got {window!r}")
        kernel /= kernel.sum()
        rate = self.rate_
        full = np.convolve(rate, kernel, mode="full")  # centred window, same length as rate
        return _in(full[(kernel.size - 1) // 2:(kernel.size - 1) // 2 + rate.size],
                   _HERTZ if _uses_units(self) else None)

    def _get_state(self) -> dict[str, Any]:
        from lifdsl.core.state import Parts, Setting  # (store/restore: see core/state.py)

        return {"t": Parts(self._t.state(), np.float64, rows="steps"),
                "rate": Parts(self._rate.state(), np.float64, rows="steps"),
                "source": Setting([self._lo, self._hi])}

    def _set_state(self, state) -> None:
        self._t.set_state(state["t"])
        self._rate.set_state(state["rate"])


__all__ = ["EventMonitor", "StateMonitor", "SpikeMonitor", "PopulationRateMonitor"]
