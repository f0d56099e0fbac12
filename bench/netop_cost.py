"""The cost of a Python operation called from the compiled loop: CPU time of a run of a LIF
population without, with an operation every 10th step, and every step (Cython target;
alternated in one process, best of a few repeats).

    PYTHONPATH=. python bench/netop_cost.py [--quick]
"""

from __future__ import annotations

import sys
import time

import lifdsl as ld
from lifdsl.units import ms

N, STEPS = 1000, 20000


def _run(every: int | None) -> float:
    ld.start_scope()
    G = ld.NeuronGroup(N, "dv/dt = (1.2 - v)/(10*ms) : 1", threshold="v > 1",
                       reset="v = 0", method="exact")
    objs = [G]
    if every is not None:
        calls = []
        objs.append(ld.PythonOperation(lambda t: calls.append(t), dt=every * 0.1 * ms))
    net = ld.Network(*objs, target="cython")
    net.run(1 * ms)   # (build and cache the kernel)
    t0 = time.process_time()
    net.run(STEPS * 0.1 * ms)
    return time.process_time() - t0


def main() -> None:
    repeats = 1 if "--quick" in sys.argv else 3
    ld.defaultclock.dt = 0.1 * ms
    cases = {"no operation": None, "every 10th step": 10, "every step": 1}
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(repeats):
        for name, every in cases.items():
            best[name] = min(best[name], _run(every))
    base = best["no operation"]
    print(f"N = {N}, {STEPS} steps, Cython, CPU seconds (best of {repeats})")
    print(f"{'case':<18}{'CPU s':>9}{'ratio':>8}{'us/call':>10}")
    for name, every in cases.items():
        calls = STEPS // every if every else 0
        per = (best[name] - base) / calls * 1e6 if calls else float("nan")
        print(f"{name:<18}{best[name]:>9.3f}{best[name] / base:>8.2f}{per:>10.2f}")


if __name__ == "__main__":
    main()
