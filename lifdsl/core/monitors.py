"""Monitors: record state (StateMonitor), spikes (SpikeMonitor) and population rates.

Buffers are allocated for the whole run before it starts, so recording costs one copy per step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lifdsl.core.base import RunContext, Runner, SimObject
from lifdsl.core.codeobject import CodeBlock
from lifdsl.core.neurongroup import NeuronGroup, Subgroup
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign


def _source_parts(source) -> tuple[NeuronGroup, int, int]:
    if isinstance(source, Subgroup):
        return source.parent, source.start, source.stop
    if isinstance(source, NeuronGroup):
        return source, 0, source.N
    raise TypeError(f"a monitor records a NeuronGroup or a subgroup of one, got {source!r}")


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


class StateMonitor(SimObject):
    """Records variables at the start of each step: ``M.U[k, n]`` is neuron k at ``M.t[n]``."""

    _prefix = "statemonitor"

    def __init__(self, source, variables, record=True, when: str = "start", order: int = 0,
                 name: str | None = None) -> None:
        group, start, stop = _source_parts(source)
        super().__init__(name, group.dt)
        if variables is True:
            variables = group.variables  # Brian2: record every stored variable
        elif isinstance(variables, str):
            variables = [variables]
        else:
            variables = list(variables)
        known = set(group.variables) | set(group.equations.subexpr_names)
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
        self._blocks: dict[str, CodeBlock] = {}
        self._functions: dict[str, object] = {}

    @property
    def when(self) -> str:
        """The slot recording happens in (default 'start': values before the step)."""
        return self._runner.when

    def _runners(self):
        return [self._runner]

    def _dependencies(self):
        return [self.group]

    def _prepare(self, ctx: RunContext) -> None:
        g = self.group
        idx = self._abs
        nrec = idx.size
        tbuf = self._t.new((ctx.n_steps,), np.float64)
        getters = []
        for v in self.record_variables:
            buf = self._data[v].new((ctx.n_steps, nrec),
                                    g.dtype if v in g._arrays else np.float64)
            if v in g._arrays:
                arr = g._arrays[v]
                if arr.shape[0] == 1 and g.N != 1:
                    getters.append((buf, lambda a=arr: a[0]))
                else:
                    getters.append((buf, lambda a=arr: a[idx]))
            else:
                expr = g.equations.substituted(symbol(v))
                block = CodeBlock("_record", [Assign("_value", expr)], g._array_names(), "_value")
                self._blocks[v] = block
                ns = g._namespace_for([expr], ctx.namespaces, what=f"recorded {v!r}", line=None)
                self._functions.update(ns.pop("_functions"))
                if self._offset or nrec != g.N:
                    # inside a subgroup, i counts from 0 and N is the subgroup's size
                    ns["i"] = g._arrays["i"] - self._offset
                    ns["N"] = self._n_source
                getters.append((buf, lambda b=block, ns=ns: b(ns, idx, nrec, self._now, ctx.dt,
                                                        ctx.rng)))
        self._now = 0.0

        def run(step, t):
            k = step - ctx.step0
            self._now = t
            tbuf[k] = t
            for buf, get in getters:
                buf[k] = get()

        self._runner.run = run

    def _finish(self, steps_done: int) -> None:
        for c in [self._t, *self._data.values()]:
            c.set_filled(steps_done)

    @property
    def t(self) -> np.ndarray:
        """Recording times in seconds, shape (n_t,)."""
        return self._t.join((0,), np.float64)

    def __getattr__(self, name: str):
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            return data[name].join((0, self.record.size), np.float64).T
        raise AttributeError(f"StateMonitor {self.__dict__.get('name')!r} does not record {name!r}")

    def __getitem__(self, neuron: int) -> _RecordedNeuron:
        if isinstance(neuron, (bool, np.bool_)) or not isinstance(neuron, (int, np.integer)):
            raise TypeError(f"M[k] takes a neuron index (M.U for the variable U), got {neuron!r}")
        pos = np.flatnonzero(self.record == int(neuron))
        if pos.size == 0:
            raise IndexError(f"neuron {neuron} is not recorded (record={self.record.tolist()})")
        return _RecordedNeuron(self, int(pos[0]))

    def _get_state(self) -> dict[str, Any]:
        return {"t": self._t.state(), **{v: c.state() for v, c in self._data.items()}}

    def _set_state(self, state) -> None:
        self._t.set_state(state["t"])
        for v, c in self._data.items():
            c.set_state(state[v])


class _RecordedNeuron:
    """``M[k]``: the recorded traces of one neuron."""

    def __init__(self, monitor: StateMonitor, row: int) -> None:
        self._m = monitor
        self._row = row

    @property
    def t(self) -> np.ndarray:
        return self._m.t

    def __getattr__(self, name: str) -> np.ndarray:
        return getattr(self._m, name)[self._row]


class SpikeMonitor(SimObject):
    """Records each spike's time and neuron: ``sp.t``, ``sp.i``, ``sp.count``."""

    _prefix = "spikemonitor"

    def __init__(self, source, record: bool = True, when: str = "thresholds", order: int = 1,
                 name: str | None = None) -> None:
        group, start, stop = _source_parts(source)
        if group.thresholder is None:
            raise ValueError(f"{group.name!r} has no threshold, so it never spikes")
        super().__init__(name, group.dt)
        self.source = source
        self.group = group
        self._start, self._stop = start, stop
        self.record = bool(record)
        self._count = np.zeros(stop - start, dtype=np.int64)
        self._i: list[np.ndarray] = []
        self._t: list[np.ndarray] = []
        self._cache: tuple[np.ndarray, np.ndarray] | None = None
        self._runner = Runner(self, "spike_recorder", when, order)

    def _runners(self):
        return [self._runner]

    def _dependencies(self):
        return [self.group]

    def _prepare(self, ctx: RunContext) -> None:
        g = self.group
        lo, hi = self._start, self._stop
        whole = lo == 0 and hi == g.N
        count = self._count
        ilist, tlist = self._i, self._t
        record = self.record

        def run(step, t):
            s = g._spikes
            if not s.size:
                return
            if not whole:
                s = s[(s >= lo) & (s < hi)] - lo
                if not s.size:
                    return
            count[s] += 1  # the spikes of one step are distinct neurons
            if record:
                ilist.append(s.copy())
                tlist.append(np.full(s.size, t))
                self._cache = None

        self._runner.run = run

    def _joined(self) -> tuple[np.ndarray, np.ndarray]:
        if self._cache is None:
            i = np.concatenate(self._i) if self._i else np.empty(0, dtype=np.int64)
            t = np.concatenate(self._t) if self._t else np.empty(0)
            self._cache = (i, t)
        return self._cache

    @property
    def i(self) -> np.ndarray:
        """Neuron index of each spike (relative to the recorded group or subgroup)."""
        return self._joined()[0]

    @property
    def t(self) -> np.ndarray:
        """Time of each spike in seconds: a spike found in step k is stamped k*dt."""
        return self._joined()[1]

    @property
    def count(self) -> np.ndarray:
        """Number of spikes of each neuron."""
        return self._count

    @property
    def num_spikes(self) -> int:
        """Total number of spikes."""
        return int(self._count.sum())

    def spike_trains(self) -> dict[int, np.ndarray]:
        """Spike times of each neuron: ``{i: times}``."""
        i, t = self._joined()
        return {k: t[i == k] for k in range(self._stop - self._start)}

    def _get_state(self):
        i, t = self._joined()
        return {"i": i.copy(), "t": t.copy(), "count": self._count.copy()}

    def _set_state(self, state) -> None:
        self._i = [state["i"].copy()]
        self._t = [state["t"].copy()]
        self._count[...] = state["count"]
        self._cache = None


class PopulationRateMonitor(SimObject):
    """The fraction of a population spiking per step, as a rate in Hz."""

    _prefix = "ratemonitor"

    def __init__(self, source, when: str = "thresholds", order: int = 1,
                 name: str | None = None) -> None:
        group, start, stop = _source_parts(source)
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

    def _runners(self):
        return [self._runner]

    def _dependencies(self):
        return [self.group]

    def _prepare(self, ctx: RunContext) -> None:
        g = self.group
        lo, hi = self._lo, self._hi
        n = hi - lo
        tbuf = self._t.new((ctx.n_steps,), np.float64)
        rbuf = self._rate.new((ctx.n_steps,), np.float64)
        self._dt_used = ctx.dt
        scale = 1.0 / (n * ctx.dt)

        def run(step, t):
            k = step - ctx.step0
            s = g._spikes
            c = s.size if (lo == 0 and hi == g.N) else int(np.count_nonzero((s >= lo) & (s < hi)))
            tbuf[k] = t
            rbuf[k] = c * scale

        self._runner.run = run

    def _finish(self, steps_done: int) -> None:
        self._t.set_filled(steps_done)
        self._rate.set_filled(steps_done)

    @property
    def t(self) -> np.ndarray:
        """Step times in seconds."""
        return self._t.join((0,), np.float64)

    @property
    def rate(self) -> np.ndarray:
        """Spikes per neuron per second in each step."""
        return self._rate.join((0,), np.float64)

    def smooth_rate(self, window: str = "gaussian", width: float | None = None) -> np.ndarray:
        """The rate smoothed with a 'gaussian' (width = standard deviation) or 'flat' window
        of ``width`` seconds."""
        if width is None or self._dt_used is None:
            raise ValueError("smooth_rate needs width= in seconds, after a run")
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
        rate = self.rate
        full = np.convolve(rate, kernel, mode="full")  # centred window, same length as rate
        return full[(kernel.size - 1) // 2:(kernel.size - 1) // 2 + rate.size]

    def _get_state(self):
        return {"t": self._t.state(), "rate": self._rate.state()}

    def _set_state(self, state) -> None:
        self._t.set_state(state["t"])
        self._rate.set_state(state["rate"])


__all__ = ["StateMonitor", "SpikeMonitor", "PopulationRateMonitor"]
