"""One C emitter per kind of operation, and the module around them: a program becomes the
source of one Cython module whose ``run`` advances the network by many steps in C."""

from __future__ import annotations

from lifdsl.codegen import program as P
from lifdsl.codegen.c_printer import C_SUPPORT_CODE
from lifdsl.codegen.cython_target import layout
from lifdsl.codegen.cython_target.analysis import fusion_plan
from lifdsl.codegen.cython_target.kernel import BLOCK, Kernel, Loop, Part
from lifdsl.codegen.cython_target.layout import ArgLayout


def _spikes(k: Kernel, op) -> tuple[str, str]:
    return k.array(op.spikes), k.array(op.nspikes)


def emit_update(k: Kernel, op: P.Update) -> None:
    """A loop over every element (every ``period`` steps for ``run_regularly``)."""
    loop = Loop(k, [op.code])
    parts = loop.prepare([Part("plain", op.code.statements)])
    count = k.integer(op.count)
    loop.open_element("_j")
    loop.run_parts(parts, count, whole=True)
    loop.close_element()
    if op.period is None:
        loop.write([f"for (int64_t _j = 0; _j < {count}; ++_j) {{"])
        return
    k.body(f"if (step % {k.integer(op.period)} == 0) {{")
    with k.body.block():
        loop.write([f"for (int64_t _j = 0; _j < {count}; ++_j) {{"])


def _threshold_loop(k: Kernel, ops: list, thr: P.Threshold) -> None:
    """Update, threshold and reset parts of one population in one pass (any order given)."""
    codes = [op.code for op in ops]
    loop = Loop(k, codes)
    refractory = thr.lastspike is not None
    if refractory:
        loop.add_array("lastspike", thr.lastspike, written=False)
        loop.add_array("not_refractory", thr.not_refractory, written=False)
    parts = [Part("threshold" if isinstance(op, P.Threshold) else "plain", op.code.statements)
             for op in ops if not isinstance(op, P.Reset)]
    reset = next((op for op in ops if isinstance(op, P.Reset)), None)
    parts = loop.prepare(parts, reset.code.statements if reset else ())
    spk = _spikes(k, thr)
    count = k.integer(thr.count)
    k.body(f"{spk[1]}[0] = 0;")
    loop.blocked = layout.BLOCKED and loop.blockable(parts)
    loop.open_element("_j")
    cond = loop.run_parts(parts, count, spikes=spk, refractory=refractory,
                          blocked=loop.blocked, whole=True)
    if reset is not None:
        # the reset comes after every other part (the update may follow the threshold)
        if loop.blocked:
            loop.on_spike_blocked(reset.code.statements)
        else:
            loop.on_spike(cond, reset.code.statements)
    loop.close_element()
    if loop.blocked:
        loop.write([f"for (int64_t _b = 0; _b < {count}; _b += {BLOCK}) {{",
                    f"const int64_t _e = _b + {BLOCK} < {count} ? _b + {BLOCK} : {count};",
                    f"unsigned char _cbuf[{BLOCK}];",
                    "int _any = 0;",
                    "for (int64_t _j = _b; _j < _e; ++_j) {"], spikes=spk)
    else:
        loop.write([f"for (int64_t _j = 0; _j < {count}; ++_j) {{"], spikes=spk)


def emit_threshold(k: Kernel, op: P.Threshold) -> None:
    """The spike test of every element; spiking ones go to the spike buffer."""
    _threshold_loop(k, [op], op)


def emit_fused(k: Kernel, chain: list) -> None:
    """Update + threshold (+ reset) of one population in one loop."""
    thr = next(op for op in chain if isinstance(op, P.Threshold))
    _threshold_loop(k, chain, thr)


def emit_reset(k: Kernel, op: P.Reset) -> None:
    """The reset statements for this step's spiking elements."""
    loop = Loop(k, [op.code])
    parts = loop.prepare([Part("plain", op.code.statements)])
    buf, cnt = _spikes(k, op)
    loop.open_element(f"{buf}[_j]")
    loop.run_parts(parts, f"{cnt}[0]")
    loop.close_element()
    loop.write([f"for (int64_t _j = 0; _j < {cnt}[0]; ++_j) {{"])


def emit_propagate(k: Kernel, op: P.Propagate) -> None:
    """For each spike (now, ``delay`` steps ago from a ring, or per delay bucket), the code
    over its connectivity row, rows in spike order."""
    loop = Loop(k, [op.code])
    parts = loop.prepare([Part("plain", op.code.statements)])
    ring, counts = k.array(op.spikes), k.array(op.nspikes)   # (written by others)
    indptr = k.array(op.indptr, const=True)
    pre: list[str] = []
    if op.buckets:
        depth, stride = k.integer(op.depth), k.integer(op.stride)
        row = f"((step - _b) % {depth} + {depth}) % {depth}"
        spikes = [f"for (int64_t _b = 0; _b < {depth}; ++_b) {{",
                  f"const int64_t *restrict _src = {ring} + ({row}) * {stride};",
                  f"const int64_t _nsrc = {counts}[{row}];",
                  f"const int64_t *restrict _rows = {indptr} + _b * {stride};"]
    elif op.ring:
        depth, delay, stride = k.integer(op.depth), k.integer(op.delay), k.integer(op.stride)
        row = f"((step - {delay}) % {depth} + {depth}) % {depth}"
        spikes = ["{", f"const int64_t *restrict _src = {ring} + ({row}) * {stride};",
                  f"const int64_t _nsrc = {counts}[{row}];",
                  f"const int64_t *restrict _rows = {indptr};"]
    else:
        spikes = ["{", f"const int64_t *restrict _src = {ring};",
                  f"const int64_t _nsrc = {counts}[0];",
                  f"const int64_t *restrict _rows = {indptr};"]
    loop.open_element(f"{k.array(op.order, const=True)}[_j]" if op.order else "_j")
    loop.run_parts(parts, "_total", counter="_r")
    loop.close_element()
    if loop.pre:   # random numbers: one per receiving element, drawn before the loop
        pre.append("int64_t _total = 0;")
        pre.append(spikes[0])
        pre.extend("    " + ln for ln in spikes[1:])
        pre.append("    for (int64_t _s = 0; _s < _nsrc; ++_s) "
                   "_total += _rows[_src[_s] + 1] - _rows[_src[_s]];")
        pre.append("}")
        loop.pre[:0] = pre
        loop.pre.append("int64_t _r = 0;")
        loop.inner.append("_r++;")
    loop.write([*spikes, "for (int64_t _s = 0; _s < _nsrc; ++_s) {",
                "for (int64_t _j = _rows[_src[_s]]; _j < _rows[_src[_s] + 1]; ++_j) {"])


def emit_push(k: Kernel, op: P.PushSpikes) -> None:
    """This step's spikes into row ``step % depth`` of the ring."""
    buf, cnt = _spikes(k, op)
    ring, ring_n = k.array(op.ring), k.array(op.ring_n)
    depth, stride = k.integer(op.depth), k.integer(op.stride)
    w = k.body
    w("{")
    with w.block():
        w(f"const int64_t _row = step % {depth};")
        w(f"for (int64_t _j = 0; _j < {cnt}[0]; ++_j) {ring}[_row * {stride} + _j] = {buf}[_j];")
        w(f"{ring_n}[_row] = {cnt}[0];")


def emit_spike_table(k: Kernel, op: P.EmitSpikes) -> None:
    """This step's entries of a sorted spike table (binary search for the step)."""
    buf, cnt = _spikes(k, op)
    steps, idx = k.array(op.steps, const=True), k.array(op.indices, const=True)
    n, period = k.integer(op.count), k.integer(op.period)
    w = k.body
    w("{")
    with w.block():
        w(f"const int64_t _local = {period} ? step % {period} : step;")
        w(f"int64_t _lo = 0, _hi = {n};")
        w("while (_lo < _hi) {")
        with w.block():
            w("const int64_t _m = _lo + (_hi - _lo) / 2;")
            w(f"if ({steps}[_m] < _local) _lo = _m + 1; else _hi = _m;")
        w("int64_t _n = 0;")
        w(f"while (_lo < {n} && {steps}[_lo] == _local) {buf}[_n++] = {idx}[_lo++];")
        w(f"{cnt}[0] = _n;")


def emit_add_binomial(k: Kernel, op: P.AddBinomial) -> None:
    """One binomial draw per element, in order, from NumPy's own sampler (the same numbers
    as ``Generator.binomial``)."""
    k.needs_distributions = True
    arr = k.array(op.target)
    lo, count, n = k.integer(op.lo), k.integer(op.count), k.integer(op.n)
    p, weight = k.double(op.p), k.double(op.weight)
    w = k.body
    w("{")
    with w.block():
        w("binomial_t _bin = {0};")
        w(f"for (int64_t _j = 0; _j < {count}; ++_j)")
        w(f"    {arr}[{lo} + _j] = {arr}[{lo} + _j] + {weight} * "
          f"(double)random_binomial(rng, {p}, {n}, &_bin);")


def emit_record_state(k: Kernel, op: P.RecordState) -> None:
    """This step's sample of every recorded variable."""
    w = k.body
    tbuf = k.array(op.times)
    idx = k.array(op.indices, const=True)
    nrec = k.integer(op.nrec)
    w(f"{tbuf}[_k] = t;")
    plain = [(k.array(buf), k.array(src)) for buf, src, scalar in op.stored if not scalar]
    for buf, src, scalar in op.stored:
        if scalar:
            w(f"for (int64_t _j = 0; _j < {nrec}; ++_j) {k.array(buf)}[_k*{nrec} + _j] = "
              f"{k.double(src)};")
    if plain:
        w(f"for (int64_t _j = 0; _j < {nrec}; ++_j) {{")
        with w.block():
            w(f"const int64_t _i = {idx}[_j];")
            for buf, src in plain:
                w(f"{buf}[_k*{nrec} + _j] = {src}[_i];")
    if op.code is None:
        return
    loop = Loop(k, [op.code])
    parts = loop.prepare([Part("plain", op.code.statements)])
    loop.open_element(f"{idx}[_j]")
    loop.run_parts(parts, nrec)
    for target, buf in op.outputs:
        loop.inner.append(f"{k.array(buf)}[_k*{nrec} + _j] = {loop.names[target]};")
    loop.close_element()
    loop.write([f"for (int64_t _j = 0; _j < {nrec}; ++_j) {{"])


def emit_record_spikes(k: Kernel, op: P.RecordSpikes) -> None:
    """Counts per element and (element, step) pairs into the sink, which has room: the kernel
    returns before a step whose spikes might not fit."""
    w = k.body
    buf, cnt = _spikes(k, op)
    mi, ms, mn = (k.array(f"{op.sink}.{f}") for f in ("index", "step", "fill"))
    mc = k.array(op.counts)
    rec, lo, size = k.integer(op.record), k.integer(op.lo), k.integer(op.size)
    k.capacity_checks.append(f"if ({mn}[0] + {size} > {mn}[1]) return step;")
    if op.code is not None:
        _record_spikes_with_values(k, op)
        return
    w("{")
    with w.block():
        w(f"int64_t _n = {mn}[0];")
        w(f"const int64_t _nspk = {cnt}[0];")
        w("for (int64_t _j = 0; _j < _nspk; ++_j) {")
        with w.block():
            w(f"const int64_t _s = {buf}[_j] - {lo};")
            w(f"if ((uint64_t)_s >= (uint64_t){size}) continue;")
            w(f"{mc}[_s]++;")
            w(f"if ({rec}) {{ {mi}[_n] = _s; {ms}[_n] = step; _n++; }}")
        w(f"{mn}[0] = _n;")


def _record_spikes_with_values(k: Kernel, op: P.RecordSpikes) -> None:
    """The recorder with values: one loop over this step's spikes running the recorded
    expressions at each spiking element (locals as any loop's), then its count, index, step
    and values (the sink's capacity check is the plain recorder's)."""
    buf, cnt = _spikes(k, op)
    mi, ms, mn = (k.array(f"{op.sink}.{f}") for f in ("index", "step", "fill"))
    mc = k.array(op.counts)
    rec, lo, size = k.integer(op.record), k.integer(op.lo), k.integer(op.size)
    loop = Loop(k, [op.code])
    parts = loop.prepare([Part("plain", op.code.statements)])
    loop.open_element(f"{buf}[_j]")
    # (elements outside the recorded range are skipped before their arrays are read)
    loop.inner.insert(1, f"if ((uint64_t)(_i - {lo}) >= (uint64_t){size}) continue;")
    loop.run_parts(parts, f"{cnt}[0]")
    loop.inner.append(f"const int64_t _s = _i - {lo};")
    loop.inner.append(f"{mc}[_s]++;")
    stores = " ".join(f"{k.array(P.sink_column(op.sink, col))}[_n] = {loop.names[target]};"
                      for target, col in op.outputs)
    loop.inner.append(f"if ({rec}) {{ {mi}[_n] = _s; {ms}[_n] = step; {stores} _n++; }}")
    loop.close_element()
    loop.write([f"int64_t _n = {mn}[0];", f"for (int64_t _j = 0; _j < {cnt}[0]; ++_j) {{"],
               footer=(f"{mn}[0] = _n;",))


def emit_record_rate(k: Kernel, op: P.RecordRate) -> None:
    """The fraction of elements spiking this step, as a rate."""
    w = k.body
    buf, cnt = _spikes(k, op)
    rt, rr = k.array(op.times), k.array(op.rates)
    sc, lo, size = k.double(op.scale), k.integer(op.lo), k.integer(op.size)
    w("{")
    with w.block():
        w("int64_t _c = 0;")
        w(f"for (int64_t _j = 0; _j < {cnt}[0]; ++_j)")
        w(f"    _c += ({buf}[_j] >= {lo} && {buf}[_j] < {lo} + {size});")
        w(f"{rt}[_k] = t;")
        w(f"{rr}[_k] = _c * {sc};")


def emit_every(k: Kernel, op: P.Every) -> None:
    """The operation on a slower clock: in its steps only, with ``step``, ``t``, ``dt`` and the
    record row ``_k`` of that clock (locals of the block, shadowing the network's)."""
    dt, step0 = k.double(op.dt), k.integer(op.step0)
    w = k.body
    if op.ticks is not None:   # clocks not multiples of one another: the run's tick table
        own = f"{k.array(op.ticks, const=True)}[step - rec_step0]"
        w(f"if ({own} >= 0) {{")
    else:
        period = k.integer(op.period)
        own = f"_net_step / {period}"
        w(f"if (step % {period} == 0) {{")
    with w.block():
        w("const int64_t _net_step = step;")
        w("{")
        with w.block():
            own = own.replace("[step - ", "[_net_step - ")
            w(f"const int64_t step = {own};")
            w(f"const double t = step * {dt};")
            w(f"const double dt = {dt};")
            w(f"const int64_t _k = step - {step0};")
            w("(void)t; (void)dt; (void)_k;")
            outer, k.step_name = k.step_name, "_net_step"
            EMITTERS[type(op.op)](k, op.op)
            k.step_name = outer


def emit_call_python(k: Kernel, op: P.CallPython) -> None:
    """A call into Python with ``t`` (the module's ``_call_python`` takes the GIL); the run
    stops in this step if it raised."""
    if op.function not in k.callbacks:
        k.callbacks.append(op.function)
    which = k.callbacks.index(op.function)
    k.local("_stop", "int _stop = 0;   /* a callback asked for a stop: end after the step */")
    k.body("{")
    with k.body.block():
        k.body(f"const int _r = lifdsl_py_callback({which}, t);")
        k.body(f"if (_r == 1) return {k.step_name};")
        k.body("_stop |= (_r == 2);")


EMITTERS = {
    P.Update: emit_update, P.Threshold: emit_threshold, P.Reset: emit_reset,
    P.Propagate: emit_propagate, P.PushSpikes: emit_push, P.EmitSpikes: emit_spike_table,
    P.AddBinomial: emit_add_binomial,
    P.RecordState: emit_record_state,
    P.RecordSpikes: emit_record_spikes, P.RecordRate: emit_record_rate,
    P.Every: emit_every, P.CallPython: emit_call_python,
}


def generate_kernel(program: P.Program) -> tuple[str, ArgLayout]:
    """Cython source of a module with ``run(P, D, L, capsule, step0, n_steps) -> step``."""
    k = Kernel(program)
    for kind, chain in fusion_plan(list(program.operations)):
        k.body(f"/* {kind}: {', '.join(type(c).__name__ for c in chain)} */")
        if kind == "fused":
            emit_fused(k, chain)
        else:
            EMITTERS[type(chain[0])](k, chain[0])
    k.layout.callbacks = list(k.callbacks)
    k.layout.py_functions = list(k.py_functions)
    k.layout.py_vectors = list(k.py_vectors)
    return module_source(k), k.layout


_PYX_HEAD = '''# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
# Generated by lifdsl: one kernel for the whole time loop of a network.
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport int64_t, uintptr_t

cdef extern from *:
    """
#include <math.h>
#include <stdint.h>
#include "numpy/random/bitgen.h"
double random_standard_normal(bitgen_t *bitgen_state);
'''

_PYX_TAIL = '''    """
    ctypedef struct bitgen_t:
        pass
    int64_t lifdsl_kernel(void **P, const double *D, const int64_t *L, bitgen_t *rng,
                          int64_t step0, int64_t n_steps) nogil


def run(uintptr_t P, uintptr_t D, uintptr_t L, object capsule, int64_t step0, int64_t n_steps):
    """Advance n_steps steps from step0; returns the step reached (earlier if a spike buffer
    needs to grow). P, D, L are the addresses of the pointer, double and integer arguments."""
    cdef bitgen_t *rng = <bitgen_t*> PyCapsule_GetPointer(capsule, "BitGenerator")
    cdef int64_t r
    with nogil:
        r = lifdsl_kernel(<void**> P, <const double*> D, <const int64_t*> L, rng, step0,
                          n_steps)
    return r
'''


#: a kernel that calls Python: the functions by number, and the first exception one raised
_PYX_CALLBACKS = '''

cdef extern from *:
    ctypedef int (*lifdsl_cb_t)(int64_t, double) noexcept nogil
    lifdsl_cb_t lifdsl_py_callback

_CALLBACKS = []
_ERRORS = []
_STOPPED = [False]


cdef extern from *:
    ctypedef int (*lifdsl_fn_t)(int64_t, int64_t, const double *, double *) noexcept nogil
    lifdsl_fn_t lifdsl_py_function

_FUNCTIONS = []


cdef int _call_function(int64_t which, int64_t n, const double *args,
                        double *out) noexcept nogil:
    with gil:
        try:
            out[0] = _FUNCTIONS[which](*[args[k] for k in range(n)])
        except BaseException as err:
            _ERRORS.append(err)
            return 1
    return 0


lifdsl_py_function = _call_function

cdef extern from *:
    ctypedef int (*lifdsl_vec_t)(int64_t, int64_t) noexcept nogil
    lifdsl_vec_t lifdsl_py_vector

_VECTORS = []


cdef int _call_vector(int64_t which, int64_t n) noexcept nogil:
    with gil:
        try:
            _VECTORS[which](n)
        except BaseException as err:
            _ERRORS.append(err)
            return 1
    return 0


lifdsl_py_vector = _call_vector


def set_vectors(functions):
    """The calls on whole arrays the loops make, by number (before each run)."""
    _VECTORS[:] = list(functions)


def set_functions(functions):
    """The user functions the loops call, by number (before each run)."""
    _FUNCTIONS[:] = list(functions)
    _ERRORS.clear()


cdef int _call_python(int64_t which, double t) noexcept nogil:
    with gil:
        try:
            if _CALLBACKS[which](t):
                _STOPPED[0] = True
                return 2
        except BaseException as err:
            _ERRORS.append(err)
            return 1
    return 0


lifdsl_py_callback = _call_python


def set_callbacks(functions):
    """The Python functions the kernel calls, by number (before each run)."""
    _CALLBACKS[:] = list(functions)
    _ERRORS.clear()
    _STOPPED[0] = False


def take_stop():
    """True if a called function asked for a stop (the kernel returned after that step)."""
    stopped, _STOPPED[0] = _STOPPED[0], False
    return stopped


def take_error():
    """The exception a called function raised (or None), forgotten."""
    return _ERRORS.pop(0) if _ERRORS else None
'''


#: a user function's call from a loop: back into Python (the module's ``_call_function``
#: takes the GIL); after one raised, no further calls are made and the loop's check stops the
#: run (``_err[0]`` set, function number -1: the exception itself is in ``_ERRORS``)
_C_PY_FUNCTION = """typedef int (*lifdsl_fn_t)(int64_t, int64_t, const double *, double *);
static lifdsl_fn_t lifdsl_py_function = 0;
static double lifdsl_pyfn(int64_t which, int64_t n, const double *args, int64_t *err)
{
    double out = NAN;
    if (err[0]) return out;
    if (lifdsl_py_function(which, n, args, &out)) {
        err[0] = 1; err[1] = -1; err[2] = 0;
        return NAN;
    }
    return out;
}
typedef int (*lifdsl_vec_t)(int64_t, int64_t);
static lifdsl_vec_t lifdsl_py_vector = 0;
static int lifdsl_pyvec(int64_t which, int64_t n, int64_t *err)
{
    if (err[0]) return 1;
    if (lifdsl_py_vector(which, n)) {
        err[0] = 1; err[1] = -1; err[2] = 0;
        return 1;
    }
    return 0;
}"""


#: ``LIFDSL_FOR_SET(buf, n, m) { ... } LIFDSL_END_SET``: the body for every ``m`` in
#: ``0..n-1`` with ``buf[m]`` nonzero (a 0/1 byte), in increasing order. On little-endian
#: machines it reads eight bytes at a time and jumps from set byte to set byte.
_FOR_SET = """
#include <string.h>
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LIFDSL_FOR_SET(buf, n, m) \\
    for (int64_t _w0 = 0; _w0 < (n); _w0 += 8) { \\
        uint64_t _word = 0; \\
        memcpy(&_word, (buf) + _w0, ((n) - _w0 < 8) ? (size_t)((n) - _w0) : 8); \\
        for (; _word; _word &= _word - 1) { \\
            const int64_t m = _w0 + (__builtin_ctzll(_word) >> 3);
#define LIFDSL_END_SET }}
#else
#define LIFDSL_FOR_SET(buf, n, m) \\
    for (int64_t m = 0; m < (n); ++m) { \\
        if (!(buf)[m]) continue; {
#define LIFDSL_END_SET }}
#endif
"""


def module_source(k: Kernel) -> str:
    """The whole ``.pyx``: support code, the kernel function, the Python wrapper."""
    c: list[str] = ['#include "numpy/random/distributions.h"'] if k.needs_distributions else []
    c.append(C_SUPPORT_CODE)
    c.append(_FOR_SET)
    c.append("static int64_t lifdsl_kernel(void **P, const double *D, const int64_t *L, "
             "bitgen_t *rng, int64_t step0, int64_t n_steps)")
    c.append("{")
    c.append("    (void)rng;")
    c.append("    const double dt = D[0];")
    c.append("    const int64_t rec_step0 = L[0];")
    c.extend("    " + d for d in k.decl)
    c.append("    for (int64_t step = step0; step < step0 + n_steps; ++step) {")
    c.append("        const double t = step * dt;")
    c.append("        const int64_t _k = step - rec_step0;")
    c.append("        (void)t; (void)_k;")
    c.extend("        " + chk for chk in k.capacity_checks)
    c.extend(k.body.lines)
    if k.callbacks:
        c.append("        if (_stop) return step + 1;")
    c.append("    }")
    c.append("    return step0 + n_steps;")
    c.append("}")
    if k.callbacks or k.py_functions or k.py_vectors:
        c.insert(0, "typedef int (*lifdsl_cb_t)(int64_t, double);\n"
                    "static lifdsl_cb_t lifdsl_py_callback = 0;\n" + _C_PY_FUNCTION)
    ctext = "\n".join(c).replace('"""', "'''")
    ctext = "\n".join(("" if not ln.strip() else ln) for ln in ctext.splitlines())
    return _PYX_HEAD + ctext + "\n" + _PYX_TAIL + (
        _PYX_CALLBACKS if k.callbacks or k.py_functions or k.py_vectors else "")


__all__ = ["EMITTERS", "generate_kernel", "module_source"]
