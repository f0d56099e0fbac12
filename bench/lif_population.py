"""Unconnected LIF population: neuron-updates per second, lifdsl vs hand-written baselines.

    python bench/lif_population.py            # N = 1e3 .. 1e6, 1 s of 0.1 ms steps
    python bench/lif_population.py --quick    # tiny sizes (the test suite runs this)

Model: tau*dU/dt = -U + R*I (Euler), threshold U > 1, reset U -= 1, constant drive. Baselines
in the same run: hand-written in-place NumPy, and a hand-written C loop compiled here with the
same compiler flags as lifdsl's kernels. Brian2 is timed too where it is importable.
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np

import lifdsl as ld

TAU, R, I_DRIVE, THR, DT = 10e-3, 1.0, 1.5, 1.0, 1e-4

C_LOOP = r'''
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
from libc.stdint cimport int64_t, uintptr_t
cdef extern from *:
    """
#include <stdint.h>
static int64_t lif_loop(double *restrict v, int64_t n, int64_t steps, double dt, double tau,
                        double RI, double thr, int64_t *restrict spk)
{
    /* forward Euler of tau*dv/dt = -v + RI, written as one multiply-add per neuron */
    const double a = -dt/tau + 1, b = RI*dt/tau;
    int64_t total = 0;
    for (int64_t s = 0; s < steps; ++s) {
        int64_t ns = 0;
        for (int64_t i = 0; i < n; ++i) {
            double u = b + v[i]*a;
            if (u > thr) { spk[ns++] = i; u -= thr; }
            v[i] = u;
        }
        total += ns;
    }
    return total;
}
    """
    int64_t lif_loop(double *v, int64_t n, int64_t steps, double dt, double tau, double RI,
                     double thr, int64_t *spk) nogil

def run(uintptr_t v, int64_t n, int64_t steps, double dt, double tau, double RI, double thr,
        uintptr_t spk):
    cdef int64_t r
    with nogil:
        r = lif_loop(<double*> v, n, steps, dt, tau, RI, thr, <int64_t*> spk)
    return r
'''


def initial(n: int) -> np.ndarray:
    return np.random.default_rng(1).random(n)


def bench_lifdsl(n: int, steps: int, target: str) -> tuple[float, int]:
    ld.start_scope()
    G = ld.NeuronGroup(n, "tau*dU/dt = -U + R*I : 1", threshold="U > 1", reset="U -= 1",
                       method="euler", dt=DT, namespace={"tau": TAU, "R": R, "I": I_DRIVE})
    G.U = initial(n)
    S = ld.SpikeMonitor(G, record=False)
    net = ld.Network(G, S, target=target)
    net.run(DT)  # compile / warm up outside the timing
    before = S.num_spikes
    t0 = time.perf_counter()
    net.run(steps * DT)
    return time.perf_counter() - t0, int(S.num_spikes - before)


def bench_numpy_hand(n: int, steps: int) -> tuple[float, int]:
    v = initial(n)
    a, b = 1 - DT / TAU, DT * R * I_DRIVE / TAU
    _numpy_step(v, a, b)  # the same warm-up step as the others
    total = 0
    t0 = time.perf_counter()
    for _ in range(steps):
        total += _numpy_step(v, a, b)
    return time.perf_counter() - t0, total


def _numpy_step(v: np.ndarray, a: float, b: float) -> int:
    v *= a
    v += b
    spk = np.flatnonzero(v > THR)
    v[spk] -= THR
    return spk.size


def bench_c(n: int, steps: int) -> tuple[float, int]:
    from lifdsl.codegen.cache import compile_cython

    mod = compile_cython(C_LOOP, "bench_c_loop")
    v = initial(n)
    spk = np.empty(n, np.int64)
    mod.run(v.ctypes.data, n, 1, DT, TAU, R * I_DRIVE, THR, spk.ctypes.data)  # warm-up step
    t0 = time.perf_counter()
    total = mod.run(v.ctypes.data, n, steps, DT, TAU, R * I_DRIVE, THR, spk.ctypes.data)
    return time.perf_counter() - t0, int(total)


def bench_brian2(n: int, steps: int, target: str) -> float | None:
    if importlib.util.find_spec("brian2") is None:
        return None
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = target
    b2.defaultclock.dt = DT * b2.second
    G = b2.NeuronGroup(n, "dv/dt = (-v + R*I)/tau : 1", threshold="v > 1", reset="v -= 1",
                       method="euler",
                       namespace={"tau": TAU * b2.second, "R": R, "I": I_DRIVE})
    G.v = initial(n)
    net = b2.Network(G)
    net.run(DT * b2.second)
    t0 = time.perf_counter()
    net.run(steps * DT * b2.second)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes, for the test suite")
    ap.add_argument("--sizes", type=float, nargs="*", default=None)
    args = ap.parse_args()
    sizes = [int(s) for s in (args.sizes or ([1e3] if args.quick else [1e3, 1e4, 1e5, 1e6]))]
    full_steps = 20 if args.quick else 10_000
    rows = []
    for n in sizes:
        # NumPy targets at large N run fewer steps (the rate per update is what is compared)
        np_steps = 20 if args.quick else max(200, min(full_steps, int(2e8 // n)))
        t_np, s_np = bench_lifdsl(n, np_steps, "numpy")
        t_hand, s_hand = bench_numpy_hand(n, np_steps)
        t_cy, s_cy = bench_lifdsl(n, full_steps, "cython")
        t_c, s_c = bench_c(n, full_steps)
        if s_cy != s_c:
            raise SystemExit(f"N={n}: lifdsl cython counted {s_cy} spikes, the C loop {s_c}")
        if s_np != s_hand and abs(s_np - s_hand) > 1e-3 * max(s_hand, 1):
            raise SystemExit(f"N={n}: lifdsl numpy counted {s_np} spikes, hand NumPy {s_hand}")
        row = {
            "N": n,
            "numpy": n * np_steps / t_np,
            "numpy_hand": n * np_steps / t_hand,
            "cython": n * full_steps / t_cy,
            "c_loop": n * full_steps / t_c,
        }
        if not args.quick:
            for tgt in ("numpy", "cython"):
                tb = bench_brian2(n, np_steps if tgt == "numpy" else full_steps, tgt)
                if tb is not None:
                    row[f"brian2_{tgt}"] = n * (np_steps if tgt == "numpy" else full_steps) / tb
        rows.append(row)
    print("neuron-updates per second (M/s); ratios in parentheses")
    head = (f"{'N':>9} | {'numpy':>8} {'hand np':>8} {'np/hand':>8} | {'cython':>8} "
            f"{'C loop':>8} {'cy/C':>6}")
    has_b2 = any("brian2_numpy" in r for r in rows)
    if has_b2:
        head += f" | {'b2 np':>8} {'b2 cy':>8} {'cy/b2cy':>8}"
    print(head)
    print("-" * len(head))
    for r in rows:
        # (rates to 0.01 M/s: a loaded machine's small rates, rounded to 0.1, gave ratios of
        # the printed rates 3 % off the printed ratios)
        line = (f"{r['N']:>9.0e} | {r['numpy'] / 1e6:8.2f} {r['numpy_hand'] / 1e6:8.2f} "
                f"{r['numpy'] / r['numpy_hand']:8.2f} | {r['cython'] / 1e6:8.2f} "
                f"{r['c_loop'] / 1e6:8.2f} {r['cython'] / r['c_loop']:6.2f}")
        if has_b2:
            line += (f" | {r.get('brian2_numpy', float('nan')) / 1e6:8.1f} "
                     f"{r.get('brian2_cython', float('nan')) / 1e6:8.1f} "
                     f"{r['cython'] / r.get('brian2_cython', float('nan')):8.2f}")
        print(line)


if __name__ == "__main__":
    main()
