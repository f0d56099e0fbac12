"""The NumPy target's runtime: interprets a :class:`~lifdsl.codegen.program.Program` step by
step, each operation a vectorised NumPy call over its elements."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from lifdsl.codegen import pathway
from lifdsl.codegen import program as P
from lifdsl.codegen.interrupt import deferred
from lifdsl.codegen.numpy_target.block import CodeBlock
from lifdsl.codegen.numpy_target.printer import DEFAULT_BOOLEANS
from lifdsl.codegen.random_draws import draw_kinds, predraw
from lifdsl.equations.statements import Assign

Step = Callable[[int, float], None]


def namespace(code: P.Code, b: P.Bindings) -> tuple[dict[str, Any], dict[str, str]]:
    """The ``_ns`` a block of ``code`` runs with, and its indexed names (name -> index name)."""
    ns: dict[str, Any] = {}
    indexed: dict[str, str] = {}
    for name, ref in code.arrays:
        ns[name] = b.arrays[ref.key]
        if ns[name].dtype.kind in "iu" and ref.index is None and not ns[name].flags.writeable:
            # model arithmetic is in floating point on both targets (2**i, i*j): an index
            # that never changes is converted once a run, state (': integer') where it is read
            ns[name] = ns[name].astype(np.float64)
        if ref.index is not None:
            iname = "_index_" + ref.index.replace(".", "_")
            ns[iname] = b.arrays[ref.index]
            indexed[name] = iname
    for name, key in code.scalars:
        ns[name] = b.scalars[key]
    dtype = np.dtype(code.dtype)
    for name, key in code.functions:
        f = b.functions[key]
        ns[name] = f.numpy_function(dtype)
        if getattr(f, "ndim", 1) == 2:
            ns[name] = _column_checked(ns[name], name, f.values.shape[1])
    if code.size:
        ns["N"] = float(b.ints[code.size])
    if code.offset is not None and code.element in ns:
        # inside a subgroup, i counts from the subgroup's first element
        ns[code.element] = ns[code.element] - b.ints[code.offset]
    return ns, indexed


def _column_checked(fn: Callable, name: str, ncol: int) -> Callable:
    """A 2-D TimedArray lookup that refuses columns it does not have, as the kernel does."""

    def lookup(t, i):
        idx = np.asarray(i).astype(np.int64)   # truncation toward zero, as C's cast
        bad = (idx < 0) | (idx >= ncol)
        if np.any(bad):
            flat, where = np.atleast_1d(idx), np.atleast_1d(bad)
            raise P.TimedArrayIndexError(name, ncol, int(flat[np.argmax(where)]), float(t))
        return fn(t, idx)

    return lookup


def array_types(ns: dict[str, Any], names) -> dict[str, Any]:
    """The ``booleans`` and ``integers`` arguments of a block over the arrays ``names`` of
    ``ns``: which hold true/false values, which are stored as integers (read as floats)."""
    kinds = {nm: getattr(ns.get(nm), "dtype", None) for nm in names}
    return {"booleans": DEFAULT_BOOLEANS | {nm for nm, d in kinds.items()
                                            if d is not None and d.kind == "b"},
            "integers": frozenset(nm for nm, d in kinds.items()
                                  if d is not None and d.kind in "iu")}


def _block(name: str, code: P.Code, statements, returns: str | None = None,
           full: bool = False, indexed: dict[str, str] | None = None,
           ns: dict[str, Any] | None = None) -> CodeBlock:
    arrays = [nm for nm, ref in code.arrays if ref.index is None]
    pathway.check_reads(statements, code.array_map())   # (as the kernel refuses them)
    types = array_types(ns, [nm for nm, _ in code.arrays]) if ns is not None else {}
    return CodeBlock(name, list(statements), arrays, returns=returns, full=full, indexed=indexed,
                     **types)


def evaluate(code: P.Code, b: P.Bindings, idx, n: int, t: float) -> np.ndarray:
    """The value of ``code``'s single statement ``_value = ...`` for elements ``idx`` now
    (string assignments and subexpressions read between runs)."""
    ns, indexed = namespace(code, b)
    blk = _block("_evaluate", code, code.statements, returns="_value", indexed=indexed, ns=ns)
    return blk(ns, idx, n, t, b.dt, b.rng)


def _update(op: P.Update, b: P.Bindings) -> Step:
    ns, indexed = namespace(op.code, b)
    blk = _block("state_update", op.code, op.code.statements, full=True, indexed=indexed,
                 ns=ns)
    n, dt, rng, full = b.ints[op.count], b.dt, b.rng, slice(None)
    if op.period is None:
        def run(step: int, t: float) -> None:
            blk(ns, full, n, t, dt, rng)
        return run
    period = b.ints[op.period]

    def run_every(step: int, t: float) -> None:
        if step % period == 0:
            blk(ns, full, n, t, dt, rng)
    return run_every


def _threshold(op: P.Threshold, b: P.Bindings) -> Step:
    ns, _ = namespace(op.code, b)
    n, dt, rng, full = b.ints[op.count], b.dt, b.rng, slice(None)
    # the condition is written into a buffer of the run, as a full block writes back every
    # array it assigns (an element-independent one fills it): no broadcast_to per step
    cond = ns["_cond"] = np.zeros(n, dtype=bool)
    arrays = [nm for nm, ref in op.code.arrays if ref.index is None] + ["_cond"]
    blk = CodeBlock("threshold", list(op.code.statements), arrays, full=True,
                    **array_types(ns, [nm for nm, _ in op.code.arrays]))
    spk, nspk = b.arrays[op.spikes], b.arrays[op.nspikes]
    last = b.arrays[op.lastspike] if op.lastspike else None
    nr = b.arrays[op.not_refractory] if op.not_refractory else None

    def run(step: int, t: float) -> None:
        blk(ns, full, n, t, dt, rng)
        spikes = cond.nonzero()[0]
        k = spikes.size
        nspk[0] = k
        if k:
            spk[:k] = spikes
            if last is not None:
                last[spikes] = t
                nr[spikes] = False
    return run


def _reset(op: P.Reset, b: P.Bindings) -> Step:
    ns, _ = namespace(op.code, b)
    blk = _block("reset", op.code, op.code.statements, ns=ns)
    dt, rng = b.dt, b.rng
    spk, nspk = b.arrays[op.spikes], b.arrays[op.nspikes]

    def run(step: int, t: float) -> None:
        k = int(nspk[0])
        if k:
            blk(ns, spk[:k], k, t, dt, rng)
    return run


def _propagate(op: P.Propagate, b: P.Bindings) -> Step:
    ns, indexed = namespace(op.code, b)
    deliver = _serial(op, b, ns, indexed)
    spk, nspk, indptr = b.arrays[op.spikes], b.arrays[op.nspikes], b.arrays[op.indptr]
    order = b.arrays[op.order] if op.order else None
    if op.ring and not op.buckets:
        delay, depth, stride = b.ints[op.delay], b.ints[op.depth], b.ints[op.stride]

    if op.buckets:
        depth, stride = b.ints[op.depth], b.ints[op.stride]

    def sources(step: int) -> tuple[np.ndarray, np.ndarray]:
        """(CSR row of each delivering spike, its bucket's offset) in delivery order."""
        parts = []
        for bucket in range(depth):   # delay bucket b gets the spikes of b steps ago
            row = (step - bucket) % depth
            k = int(nspk[row])
            if k:
                parts.append(spk[row * stride:row * stride + k] + bucket * stride)
        return np.concatenate(parts) if parts else spk[:0]

    def run(step: int, t: float) -> None:
        if op.buckets:
            src = sources(step)
            k = src.size
        elif op.ring:   # the spikes of `delay` steps ago
            row = (step - delay) % depth
            k = int(nspk[row])
            src = spk[row * stride:row * stride + k]
        else:
            k = int(nspk[0])
            src = spk[:k]
        if not k:
            return
        starts, lens = indptr[src], indptr[src + 1] - indptr[src]
        total = int(lens.sum())
        if not total:
            return
        # the rows of every spiking source, in spike order (as the C loop walks them)
        first = np.repeat(starts - (np.cumsum(lens) - lens), lens)
        rows = np.arange(total, dtype=np.int64) + first
        deliver(rows if order is None else order[rows], total, t)
    return run


def _serial(op: P.Propagate, b: P.Bindings, ns: dict[str, Any],
            indexed: dict[str, str]) -> Callable[[np.ndarray, int, float], None]:
    """``deliver(elements, n, t)``: the pathway's code for ``elements`` (in delivery order) with
    the serial result, as the C loop gets it, element by element (see codegen/pathway.py).

    Code that commutes runs in one call. Other code runs in rounds, each holding at most one
    element per cell that the code touches and writes (the ``k``-th element to reach a
    ``v[post]`` goes to round ``k``, or later where it shares another cell); its random numbers
    are drawn first, one per element in delivery order (the kernel's order), and read per
    element."""
    code, dt, rng = op.code, b.dt, b.rng
    if not pathway.needs_rounds(code):
        blk = _block("propagate", code, code.statements, indexed=indexed, ns=ns)

        def at_once(rows: np.ndarray, n: int, t: float) -> None:
            blk(ns, rows, n, t, dt, rng)
        return at_once
    statements = predraw(code.statements)
    draws = draw_kinds(statements)
    body = statements[len(draws):]
    size = b.arrays[op.order].size if op.order else int(b.arrays[op.indptr][-1])
    for name, _ in draws:    # one number per element, by element id (each id once a step)
        ns[name] = np.zeros(size)
    arrays = [nm for nm, ref in code.arrays if ref.index is None] + [nm for nm, _ in draws]
    pathway.check_reads(body, code.array_map())
    blk = CodeBlock("propagate_rounds", body, arrays, indexed=indexed,
                    **array_types(ns, [nm for nm, _ in code.arrays]))
    offsets: dict[str, int] = {}
    cells = []
    for key, index in pathway.touched(code):
        if key not in offsets:    # cell ids: one range per buffer
            offsets[key] = sum(b.arrays[k].size for k in offsets)
        cells.append((offsets[key], b.arrays[index]))

    def in_rounds(rows: np.ndarray, n: int, t: float) -> None:
        for name, kind in draws:
            ns[name][rows] = rng.random(n) if kind == "uniform" else rng.standard_normal(n)
        level = pathway.conflict_levels([off + idx[rows] for off, idx in cells], n)
        if not level.size or not level.any():
            blk(ns, rows, n, t, dt, rng)
            return
        by_round = rows[np.argsort(level, kind="stable")]
        ends = np.cumsum(np.bincount(level))
        start = 0
        for end in ends.tolist():   # rounds (at most the most synapses onto one cell)
            blk(ns, by_round[start:end], end - start, t, dt, rng)
            start = end
    return in_rounds


def _push(op: P.PushSpikes, b: P.Bindings) -> Step:
    spk, nspk = b.arrays[op.spikes], b.arrays[op.nspikes]
    ring, ring_n = b.arrays[op.ring], b.arrays[op.ring_n]
    depth, stride = b.ints[op.depth], b.ints[op.stride]

    def run(step: int, t: float) -> None:
        row = step % depth
        k = int(nspk[0])
        ring[row * stride:row * stride + k] = spk[:k]
        ring_n[row] = k
    return run


def _emit(op: P.EmitSpikes, b: P.Bindings) -> Step:
    spk, nspk = b.arrays[op.spikes], b.arrays[op.nspikes]
    steps, indices, period = b.arrays[op.steps], b.arrays[op.indices], b.ints[op.period]

    def run(step: int, t: float) -> None:
        local = step % period if period else step
        lo, hi = np.searchsorted(steps, local, "left"), np.searchsorted(steps, local, "right")
        spk[:hi - lo] = indices[lo:hi]
        nspk[0] = hi - lo
    return run


def _add_binomial(op: P.AddBinomial, b: P.Bindings) -> Step:
    arr, rng = b.arrays[op.target], b.rng
    lo, count, n = b.ints[op.lo], b.ints[op.count], b.ints[op.n]
    p, weight = b.scalars[op.p], b.scalars[op.weight]
    part = arr[lo:lo + count]

    def run(step: int, t: float) -> None:
        part[...] += weight * rng.binomial(n, p, size=count)
    return run


def _record_state(op: P.RecordState, b: P.Bindings) -> Step:
    times, idx, step0 = b.arrays[op.times], b.arrays[op.indices], b.step0
    nrec, dt, rng = b.ints[op.nrec], b.dt, b.rng
    copies = []
    for buf, key, scalar in op.stored:
        copies.append((b.arrays[buf], b.scalars[key] if scalar else b.arrays[key], scalar))
    exprs = []
    if op.code is not None:
        # (a synaptic expression reads _pre/_post names through the synapses' indices)
        ns, indexed = namespace(op.code, b)
        outs = dict(op.outputs)
        for st in op.code.statements:
            blk = _block("_record", op.code, [Assign("_value", st.expr)], returns="_value",
                         indexed=indexed, ns=ns)
            exprs.append((b.arrays[outs[st.target]], blk, ns))
    # (a float32 model's value is recorded as a float32, also where it does not depend on the
    # element and NumPy computed it as a double: the kernel computes it as a float)
    narrow = np.float32 if op.code is not None and op.code.dtype == "float32" else None

    def run(step: int, t: float) -> None:
        k = step - step0
        times[k] = t
        for buf, src, scalar in copies:
            buf[k] = src if scalar else src[idx]
        for buf, blk, ns in exprs:
            value = blk(ns, idx, nrec, t, dt, rng)
            buf[k] = value if narrow is None else narrow(value)
    return run


def _record_spikes(op: P.RecordSpikes, b: P.Bindings) -> Step:
    spk, nspk, counts = b.arrays[op.spikes], b.arrays[op.nspikes], b.arrays[op.counts]
    sink = b.sinks[op.sink]
    lo, size, record = b.ints[op.lo], b.ints[op.size], bool(b.ints[op.record])
    # the buffer holds indices of the source's own elements (it has one place per element):
    # a monitor of all of them keeps every spike as it is
    whole = lo == 0 and size >= spk.size
    fill = sink.fill
    columns = []
    if op.code is not None:   # values of the spiking elements, one block per column
        ns, indexed = namespace(op.code, b)
        outs = dict(op.outputs)
        for st in op.code.statements:
            columns.append((outs[st.target], _block("_record", op.code,
                                                    [Assign("_value", st.expr)],
                                                    returns="_value", indexed=indexed)))
    # (as in _record_state: a float32 model's value is a float32 on both targets)
    narrow = np.float32 if op.code is not None and op.code.dtype == "float32" else None
    dt, rng = b.dt, b.rng

    def run(step: int, t: float) -> None:
        k = int(nspk[0])
        if not k:
            return
        s = spk[:k]
        if not whole:
            s = s[(s >= lo) & (s < lo + size)] - lo
        if not s.size:
            return
        counts[s] += 1  # the spikes of one step are distinct elements
        if record:
            m, n = s.size, int(fill[0])
            if n + m > fill[1]:
                sink.grow(m)   # (new index and step arrays; fill stays)
            sink.index[n:n + m] = s
            sink.step[n:n + m] = step
            for name, blk in columns:
                value = blk(ns, s + lo, m, t, dt, rng)
                sink.values[name][n:n + m] = value if narrow is None else narrow(value)
            fill[0] = n + m
    return run


def _record_rate(op: P.RecordRate, b: P.Bindings) -> Step:
    spk, nspk = b.arrays[op.spikes], b.arrays[op.nspikes]
    times, rates, step0 = b.arrays[op.times], b.arrays[op.rates], b.step0
    lo, size, scale = b.ints[op.lo], b.ints[op.size], b.scalars[op.scale]
    whole = lo == 0 and size >= spk.size   # (as in _record_spikes)

    def run(step: int, t: float) -> None:
        s = spk[:int(nspk[0])]
        k = step - step0
        times[k] = t
        count = s.size if whole else int(np.count_nonzero((s >= lo) & (s < lo + size)))
        rates[k] = count * scale
    return run


def _call_python(op: P.CallPython, b: P.Bindings) -> Step:
    function, stop = b.callbacks[op.function], b.stop

    def run(step: int, t: float) -> None:
        if function(t):
            stop[0] = True
    return run


def _every(op: P.Every, b: P.Bindings) -> Step:
    period = b.ints[op.period]
    local = dataclasses.replace(b, dt=b.scalars[op.dt], step0=b.ints[op.step0])
    inner, dt = _INTERPRETERS[type(op.op)](op.op, local), local.dt
    if op.ticks is not None:
        ticks, first = b.arrays[op.ticks], b.step0

        def run_ticks(step: int, t: float) -> None:
            own = int(ticks[step - first])
            if own >= 0:
                inner(own, own * dt)
        return run_ticks

    def run(step: int, t: float) -> None:
        if step % period == 0:
            own = step // period
            inner(own, own * dt)
    return run


_INTERPRETERS: dict[type, Callable[[Any, P.Bindings], Step]] = {
    P.Update: _update, P.Threshold: _threshold, P.Reset: _reset, P.Propagate: _propagate,
    P.PushSpikes: _push, P.EmitSpikes: _emit, P.AddBinomial: _add_binomial,
    P.RecordState: _record_state, P.RecordSpikes: _record_spikes, P.RecordRate: _record_rate,
    P.CallPython: _call_python, P.Every: _every,
}


class NumpyRuntime:
    """Runs a program with NumPy: one Python call per operation per step."""

    name = "numpy"

    def __init__(self, program: P.Program, bindings: P.Bindings) -> None:
        self.program = program
        self.bindings = bindings
        self.steps = [_INTERPRETERS[type(op)](op, bindings) for op in program.operations]

    def run(self, n_steps: int, report, report_period: float, set_step,
            start: int | None = None) -> int:
        """Advance ``n_steps`` steps (from ``start``, default the run's first step); returns
        how many were done (fewer if interrupted)."""
        b = self.bindings
        funcs, dt = self.steps, b.dt
        step0 = b.step0 if start is None else start
        start = time.perf_counter()
        next_report = start + report_period
        done = 0
        with deferred() as ctrl_c:
            for step in range(step0, step0 + n_steps):
                t = step * dt
                for f in funcs:
                    f(step, t)
                done += 1
                set_step(step + 1)
                if b.stop[0]:   # a callback asked for a stop: this step was the last
                    b.stop[0] = False
                    if report is not None:
                        report(step + 1, time.perf_counter() - start)
                    break
                if report is not None and (done == n_steps
                                           or time.perf_counter() >= next_report):
                    report(step + 1, time.perf_counter() - start)
                    next_report = time.perf_counter() + report_period
                if ctrl_c.pending():  # at a step boundary: state, time and records agree
                    ctrl_c.deliver()
        return done
