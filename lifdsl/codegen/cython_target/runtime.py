"""The Cython target's runtime: compile a program once (cached by its content), fill the
kernel's argument vectors from the bindings, call it in chunks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from lifdsl.codegen import program as P
from lifdsl.codegen import symbolic_memo
from lifdsl.codegen.cache import compile_cython, generation
from lifdsl.codegen.cython_target import layout
from lifdsl.codegen.cython_target.layout import ArgLayout
from lifdsl.codegen.interrupt import deferred

#: one compiled kernel per distinct program in this process: program -> (source, layout, module)
_KERNELS: dict[P.Program, tuple[str, ArgLayout, Any]] = {}
_KERNELS_GENERATION = [0]


def kernel_source(program: P.Program) -> str:
    """The Cython source of a program (without compiling it)."""
    hit = _KERNELS.get(program)
    return hit[0] if hit is not None else _generated(program)[0]


def generate_kernel(program: P.Program) -> tuple[str, ArgLayout]:
    """The kernel's source and argument layout, printed now (the emitter is imported only
    here: a run whose kernel the disk memo knows never loads it)."""
    from lifdsl.codegen.cython_target.emit import generate_kernel as generate

    return generate(program)


def _generated(program: P.Program) -> tuple[str, ArgLayout]:
    """``generate_kernel(program)``, remembered on disk by the program's content (see
    :mod:`lifdsl.codegen.symbolic_memo`): a fresh process does not print a kernel again."""
    key = symbolic_memo.kernel_key(program, f"blocked={layout.BLOCKED}")
    return symbolic_memo.remembered(key, tuple, lambda: generate_kernel(program))


def _values(b: P.Bindings, key: str) -> np.ndarray:
    return b.functions[key].values


#: how each kind of kernel argument is found in the bindings
ARGUMENTS: dict[str, Callable[..., Any]] = {
    "array": lambda b, key: b.arrays[key],
    "ta": _values,
    "scalar": lambda b, key: b.scalars[key],
    "dt": lambda b: b.dt,
    "ta_inv": lambda b, key: b.functions[key].inv_dt,
    "int": lambda b, key: b.ints[key],
    "step0": lambda b: b.step0,
    "ta_n": lambda b, key: _values(b, key).shape[0],
    "ta_ncol": lambda b, key: _values(b, key).shape[1] if _values(b, key).ndim == 2 else 1,
}


class CythonRuntime:
    """Runs a program as one compiled C loop."""

    name = "cython"

    def __init__(self, program: P.Program, bindings: P.Bindings) -> None:
        if _KERNELS_GENERATION[0] != generation():   # clear_cache() ran: compile afresh
            _KERNELS.clear()
            _KERNELS_GENERATION[0] = generation()
        hit = _KERNELS.get(program)
        if hit is None:
            source, layout = _generated(program)
            hit = (source, layout, compile_cython(source, "network"))
            _KERNELS[program] = hit
        self.source, self.layout, self.module = hit
        self.program = program
        self.bindings = bindings
        self._scratch: dict[str, np.ndarray] = {}
        self._errors = np.zeros(3, np.int64)
        self._fill()

    def _pointer(self, spec: tuple) -> np.ndarray:
        if spec[0] == "errors":
            return self._errors
        if spec[0] == "scratch":
            arr = self._scratch.get(spec[1])
            if arr is None:
                arr = self._scratch[spec[1]] = np.empty(self._scratch_size(), np.float64)
            return arr
        arr = ARGUMENTS[spec[0]](self.bindings, *spec[1:])
        if not arr.flags.c_contiguous:
            raise AssertionError(f"kernel argument {spec} is not contiguous")
        return arr

    def _scratch_size(self) -> int:
        """Room for one draw per element of the largest loop (random numbers are drawn into
        such buffers before their loop)."""
        b = self.bindings
        sizes = [1]
        for op in P.unwrapped(self.program.operations):
            if isinstance(op, (P.Update, P.Threshold)):
                sizes.append(b.ints[op.count])
            elif isinstance(op, (P.Reset, P.RecordSpikes, P.RecordRate)):
                sizes.append(b.arrays[op.spikes].shape[0])
            elif isinstance(op, P.RecordState):
                sizes.append(b.ints[op.nrec])
            elif isinstance(op, P.Propagate):
                sizes.append(int(b.arrays[op.indptr][-1]))
        return max(sizes)

    def _fill(self) -> None:
        arrays = [self._pointer(s) for s in self.layout.pointers]
        self._keep = arrays
        b = self.bindings
        self.P = np.array([a.ctypes.data for a in arrays] or [0], dtype=np.int64)
        self.D = np.array([float(ARGUMENTS[s[0]](b, *s[1:])) for s in self.layout.doubles]
                          or [0.0])
        self.L = np.array([int(ARGUMENTS[s[0]](b, *s[1:])) for s in self.layout.ints] or [0],
                          dtype=np.int64)

    def _grow_sinks(self) -> None:
        """Room in every spike sink for one more step of spikes, then new argument vectors."""
        b = self.bindings
        for op in P.unwrapped(self.program.operations):
            if isinstance(op, P.RecordSpikes):
                sink = b.sinks[op.sink]
                sink.grow(b.ints[op.size])
                P.bind_sink(b, op.sink, sink)
        self._fill()

    def run(self, n_steps: int, report, report_period: float, set_step,
            start: int | None = None) -> int:
        """Advance ``n_steps`` steps (from ``start``, default the run's first step) in chunks of
        about a quarter second (Ctrl-C and progress reports get through between them); returns
        how many were done."""
        b = self.bindings
        rng = b.rng
        capsule = rng.bit_generator.capsule
        first = b.step0 if start is None else start
        step = first
        end = first + n_steps
        # the first call is sized by the work per step, later ones by the time they took
        chunk = max(1, min(n_steps, 1000, int(2e6 / self._work_per_step())))
        start = time.perf_counter()
        next_report = start + report_period
        callbacks = getattr(self.layout, "callbacks", [])
        if callbacks:
            self.module.set_callbacks([b.callbacks[key] for key in callbacks])
        functions = getattr(self.layout, "py_functions", [])
        if functions:
            self.module.set_functions([b.functions[key].scalar_function(dtype)
                                       for key, dtype in functions])
        vectors = getattr(self.layout, "py_vectors", [])
        if vectors:
            self.module.set_vectors([self._vector_call(*v) for v in vectors])
        calls_back = bool(callbacks or functions or vectors)
        with deferred() as ctrl_c:
            while step < end:
                stop = min(end, step + chunk)
                before = step
                t_call = time.perf_counter()
                with rng.bit_generator.lock:
                    reached = int(self.module.run(self.P.ctypes.data, self.D.ctypes.data,
                                                  self.L.ctypes.data, capsule, step,
                                                  stop - step))
                step = reached
                set_step(step)
                if calls_back:
                    err = self.module.take_error()
                    if err is not None:   # (the step it stopped in is partly done)
                        self._errors[:] = 0
                        raise err
                    if self.module.take_stop():   # a stop asked for: that step was the last
                        if report is not None:
                            report(reached, time.perf_counter() - start)
                        break
                if self._errors[0]:
                    self._raise_error(step)
                now = time.perf_counter()
                took = now - t_call
                if reached < stop:
                    self._grow_sinks()
                elif took < 0.05:
                    chunk = min(n_steps, chunk * 4)
                elif took > 0.25:  # aim at ~0.2 s a call: Ctrl-C gets through quickly
                    chunk = max(1, int(chunk * 0.2 / took))
                if report is not None and reached > before and (reached == end
                                                                or now >= next_report):
                    report(reached, now - start)
                    next_report = now + report_period
                if ctrl_c.pending():  # between calls: state, time and records agree
                    ctrl_c.deliver()
        return step - first

    def _vector_call(self, key: str, args: tuple[str, ...], out: str):
        """The call a loop makes on whole arrays: the function's NumPy form on the first
        ``n`` values of its argument buffers, the values into its value buffer."""
        f = self.bindings.functions[key].numpy_function(np.float64)
        ins = [self._pointer(("scratch", a)) for a in args]
        res = self._pointer(("scratch", out))

        def call(n: int) -> None:
            res[:n] = f(*(a[:n] for a in ins))

        return call

    def _raise_error(self, step: int) -> None:
        """The error the kernel recorded (it stopped in ``step``, which is partly done)."""
        _, fid, column = (int(x) for x in self._errors)
        self._errors[:] = 0
        key = self.program.functions[fid][0]
        f = self.bindings.functions[key]
        raise P.TimedArrayIndexError(P.function_name(key), f.values.shape[1], column,
                                     step * self.bindings.dt)

    def _work_per_step(self) -> int:
        """Elements the loops of one step visit (a first estimate of its cost)."""
        b = self.bindings
        work = 1
        for op in P.unwrapped(self.program.operations):
            if isinstance(op, (P.Update, P.Threshold)):
                work += b.ints[op.count]
            elif isinstance(op, P.RecordState):
                work += b.ints[op.nrec]
        return work


__all__ = ["ARGUMENTS", "CythonRuntime", "kernel_source"]
