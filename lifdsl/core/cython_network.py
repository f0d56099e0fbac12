"""Running a network on the Cython target: describe it to codegen, fill the kernel's
arguments from the objects' arrays, call the kernel in chunks, hand results back."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import sympy as sp

from lifdsl.codegen import kernel as K
from lifdsl.core.base import RunContext, Runner
from lifdsl.core.monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from lifdsl.core.neurongroup import NeuronGroup
from lifdsl.core.timedarray import TimedArray
from lifdsl.equations.functions import symbol


def _group_spec(g: NeuronGroup, key: str, monitors) -> K.GroupSpec:
    """The group as the kernel sees it, from its code alone (no values needed)."""
    arrays = {}
    for nm in sorted(g._array_names()):
        a = g._arrays[nm]
        arrays[nm] = "bool" if a.dtype == np.bool_ else a.dtype.name
    statements = [st for b in g._build().values() for st in b.statements]
    exprs = [st.expr for st in statements]
    targets = {st.target for st in statements}
    for m in monitors:
        if isinstance(m, StateMonitor) and m.group is g:
            exprs += [g.equations.substituted(symbol(v)) for v in m.record_variables
                      if v not in g._arrays]
    names: set[str] = set()
    functions: dict[str, int] = {}
    for e in exprs:
        names |= {x.name for x in e.free_symbols}
        for call in e.atoms(sp.core.function.AppliedUndef):
            functions[call.func.__name__] = 2 if len(call.args) == 2 else 1
    special = {"t", "dt", "i", "N"}
    scalars = sorted(n for n in names - set(arrays) - special - targets
                     if not n.startswith("_draw_"))
    return K.GroupSpec(key=key, arrays=arrays, scalars=scalars, functions=functions,
                       value_dtype=g.dtype.name)


def standalone_source(g: NeuronGroup) -> str:
    """The kernel source of a network holding only ``g`` (what ``generated_code`` shows
    before the group has run)."""
    runners = sorted(g._runners(), key=Runner.sort_key)
    spec = _group_spec(g, "g0", [])
    return K.generate_kernel([spec], _ops(runners, {id(g): "g0"}, {}))[0]


def _ops(runners: list[Runner], keys: dict[int, str], mkeys: dict[int, str]) -> list:
    ops: list = []
    for r in runners:
        o = r.owner
        if isinstance(o, NeuronGroup):
            blocks = o._build()
            key = keys[id(o)]
            if r.kind == "state_updater":
                ops.append(K.UpdateOp(key, blocks["state_updater"].statements))
            elif r.kind == "thresholder":
                ops.append(K.ThresholdOp(key, blocks["thresholder"].statements,
                                         refractory=o._has_refractory))
            elif r.kind == "resetter":
                ops.append(K.ResetOp(key, blocks["resetter"].statements))
            elif r.kind == "regular":
                k = o._regular.index(r)
                ops.append(K.UpdateOp(key, blocks[f"regular_{k}"].statements,
                                      every=f"{key}_r{k}"))
        elif isinstance(o, StateMonitor):
            g = o.group
            variables = [(v, None if v in g._arrays else g.equations.substituted(symbol(v)))
                         for v in o.record_variables]
            sub = o._offset != 0 or o._n_source != g.N
            ops.append(K.StateRecordOp(mkeys[id(o)], keys[id(g)], variables,
                                       offset=o._offset, size=o._n_source if sub else None))
        elif isinstance(o, SpikeMonitor):
            ops.append(K.SpikeRecordOp(mkeys[id(o)], keys[id(o.group)], o._start, o._stop))
        elif isinstance(o, PopulationRateMonitor):
            ops.append(K.RateRecordOp(mkeys[id(o)], keys[id(o.group)], o._lo, o._hi))
        else:
            raise NotImplementedError(f"the Cython target cannot run {o!r} yet")
    return ops


class CythonRun:
    """One network run on the Cython target."""

    def __init__(self, network, runners: list[Runner], ctx: RunContext) -> None:
        from lifdsl.codegen.cache import compile_cython

        self.ctx = ctx
        objects = network.objects
        groups = [o for o in objects if isinstance(o, NeuronGroup)]
        self.keys = {id(g): f"g{k}" for k, g in enumerate(groups)}
        monitors = [o for o in objects if not isinstance(o, NeuronGroup)]
        self.mkeys = {id(m): f"m{k}" for k, m in enumerate(monitors)}
        self.groups = {self.keys[id(g)]: g for g in groups}
        self.monitors = {self.mkeys[id(m)]: m for m in monitors}
        signature = tuple((id(r), r.when, r.order) for r in runners) + tuple(
            (id(g), g._build_count, tuple(sorted(g._ns))) for g in groups)
        cached = network._kernel_cache
        if cached is not None and cached[0] == signature:
            self.source, self.layout, self.module = cached[1:]
        else:
            specs = [_group_spec(g, self.keys[id(g)], monitors) for g in groups]
            self.source, self.layout = K.generate_kernel(specs, _ops(runners, self.keys,
                                                                       self.mkeys))
            self.module = compile_cython(self.source, "network")
            network._kernel_cache = (signature, self.source, self.layout, self.module)
        for g in groups:
            g._kernel_source = self.source
        self._scratch: dict[tuple, np.ndarray] = {}
        self._smon: dict[str, dict[str, Any]] = {}
        for key, m in self.monitors.items():
            if isinstance(m, SpikeMonitor):
                cap = max(1024, 4 * (m._stop - m._start))
                self._smon[key] = {"i": np.empty(cap, np.int64), "s": np.empty(cap, np.int64),
                                   "n": np.array([0, cap], np.int64)}
        self._spk: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for key, g in self.groups.items():
            buf = np.empty(g.N, np.int64)
            buf[: g._spikes.size] = g._spikes
            self._spk[key] = (buf, np.array([g._spikes.size], np.int64))
        self._fill()

    def _pointer(self, spec: tuple) -> np.ndarray:
        kind = spec[0]
        if kind == "array":
            return self.groups[spec[1]]._arrays[spec[2]]
        if kind == "spikes":
            return self._spk[spec[1]][0]
        if kind == "nspikes":
            return self._spk[spec[1]][1]
        if kind == "ta":
            return self._function(spec[1], spec[2]).values
        if kind == "scratch":
            arr = self._scratch.get(spec)
            if arr is None:
                n = max(g.N for g in self.groups.values())
                arr = self._scratch[spec] = np.empty(n, np.float64)
            return arr
        m = self.monitors[spec[1]]
        if kind == "rec_t":
            return m._t.chunks[-1]
        if kind == "rec":
            return m._data[spec[2]].chunks[-1]
        if kind == "rec_idx":
            return m._abs
        if kind == "smon_i":
            return self._smon[spec[1]]["i"]
        if kind == "smon_step":
            return self._smon[spec[1]]["s"]
        if kind == "smon_count":
            return m._count
        if kind == "smon_n":
            return self._smon[spec[1]]["n"]
        if kind == "rate_t":
            return m._t.chunks[-1]
        if kind == "rate":
            return m._rate.chunks[-1]
        raise KeyError(spec)

    def _function(self, gkey: str, name: str) -> TimedArray:
        g = self.groups[gkey]
        if name in g._functions:
            return g._functions[name]
        for m in self.monitors.values():
            if isinstance(m, StateMonitor) and m.group is g and name in m._functions:
                return m._functions[name]
        raise KeyError(name)

    def _double(self, spec: tuple) -> float:
        if spec[0] == "dt":
            return self.ctx.dt
        if spec[0] == "scalar":
            return float(self.groups[spec[1]]._ns[spec[2]])
        if spec[0] == "ta_inv":
            return self._function(spec[1], spec[2]).inv_dt
        if spec[0] == "rate_scale":
            m = self.monitors[spec[1]]
            return 1.0 / ((m._hi - m._lo) * self.ctx.dt)
        raise KeyError(spec)

    def _int(self, spec: tuple) -> int:
        if spec[0] == "rec_step0":
            return self.ctx.step0
        if spec[0] == "N":
            return self.groups[spec[1]].N
        if spec[0] == "ta_n":
            return self._function(spec[1], spec[2]).values.shape[0]
        if spec[0] == "ta_ncol":
            v = self._function(spec[1], spec[2]).values
            return v.shape[1] if v.ndim == 2 else 1
        if spec[0] == "nrec":
            return self.monitors[spec[1]]._abs.size
        if spec[0] in ("lo", "size"):
            m = self.monitors[spec[1]]
            if isinstance(m, SpikeMonitor):
                lo, hi = m._start, m._stop
            elif isinstance(m, PopulationRateMonitor):
                lo, hi = m._lo, m._hi
            else:
                lo, hi = m._offset, m._offset + m._n_source
            return lo if spec[0] == "lo" else hi - lo
        if spec[0] == "period":
            gkey, _, k = spec[1].rpartition("_r")
            return self.groups[gkey]._regular[int(k)].period
        if spec[0] == "smon_record":
            return int(self.monitors[spec[1]].record)
        raise KeyError(spec)

    def _fill(self) -> None:
        arrays = [self._pointer(s) for s in self.layout.pointers]
        for s, a in zip(self.layout.pointers, arrays, strict=True):
            if not a.flags.c_contiguous:
                raise AssertionError(f"kernel argument {s} is not contiguous")
        self._keep = arrays
        self.P = np.array([a.ctypes.data for a in arrays] or [0], dtype=np.int64)
        self.D = np.array([self._double(s) for s in self.layout.doubles] or [0.0])
        self.L = np.array([self._int(s) for s in self.layout.ints] or [0], dtype=np.int64)

    def _grow_spike_buffers(self) -> None:
        for key, st in self._smon.items():
            m = self.monitors[key]
            n, cap = st["n"]
            if n + (m._stop - m._start) > cap:
                new = max(2 * cap, n + 2 * (m._stop - m._start))
                for f in ("i", "s"):
                    arr = np.empty(new, np.int64)
                    arr[:n] = st[f][:n]
                    st[f] = arr
                st["n"][1] = new
        self._fill()

    def run(self, n_steps: int, report, report_period: float, set_step) -> int:
        """Advance n_steps; returns how many were done."""
        ctx = self.ctx
        capsule = ctx.rng.bit_generator.capsule
        step = ctx.step0
        end = ctx.step0 + n_steps
        # calls of about a quarter second: Ctrl-C and progress reports get through
        chunk = max(1, min(n_steps, 1000))
        start = time.perf_counter()
        next_report = start + report_period
        try:
            while step < end:
                stop = min(end, step + chunk)
                t_call = time.perf_counter()
                with ctx.rng.bit_generator.lock:
                    reached = int(self.module.run(self.P.ctypes.data, self.D.ctypes.data,
                                                  self.L.ctypes.data, capsule, step,
                                                  stop - step))
                now = time.perf_counter()
                if reached < stop:
                    self._grow_spike_buffers()
                elif now - t_call < 0.1:
                    chunk = min(n_steps, chunk * 4)
                elif now - t_call > 0.5:
                    chunk = max(1, chunk // 2)
                if report is not None and reached > step and (reached == end
                                                              or now >= next_report):
                    report(reached, now - start)
                    next_report = now + report_period
                step = reached
                set_step(step)
        finally:
            self._collect()
        return step - ctx.step0

    def _collect(self) -> None:
        # (state and rate monitors mark their buffers filled in their own _finish)
        for key, m in self.monitors.items():
            if isinstance(m, SpikeMonitor):
                st = self._smon[key]
                n = int(st["n"][0])
                if n and m.record:
                    m._i.append(st["i"][:n].copy())
                    m._t.append(st["s"][:n] * self.ctx.dt)
                    m._cache = None
                st["n"][0] = 0
        for key, g in self.groups.items():
            buf, cnt = self._spk[key]
            g._spikes = buf[: int(cnt[0])].copy()


__all__ = ["CythonRun", "standalone_source"]
