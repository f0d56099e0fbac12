"""The cost of a user function (ld.Function) of the state, on each target.

A population whose update calls a Python function of its own state, against the same model
written with builtins. Euler: NumPy makes one vectorised call per step, and so does the Cython
kernel (the arguments are gathered before its loop). rk2: the second stage calls the function
of a temporary, which the kernel does once per neuron (a call back into Python with
one-element arrays); NumPy still once per stage. CPU time of ``net.run`` (process time, so the
machine's load does not enter), after a warm-up run that compiles.

    python bench/user_functions.py [--quick]
"""

from __future__ import annotations

import sys
import time

import numpy as np

import lifdsl as ld


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


SIGMOID = ld.Function(_sigmoid, arg_units=[1], return_unit=1)
MODELS = {
    "builtin": "dv/dt = (-v + 2/(1 + exp(-v)))/(10*ms) : 1",
    "function": "dv/dt = (-v + 2*sigmoid(v))/(10*ms) : 1",
}


def cpu_time(model: str, target: str, n: int, steps: int,
             method: str) -> tuple[float, np.ndarray]:
    """CPU seconds of running ``steps`` steps of ``n`` neurons (after a compiling warm-up)."""
    G = ld.NeuronGroup(n, model, method=method, namespace={"sigmoid": SIGMOID, "ms": ld.ms})
    G.v = np.linspace(-1, 1, n)
    net = ld.Network(G, target=target)
    net.run(1 * ld.defaultclock.dt)
    t0 = time.process_time()
    net.run(steps * ld.defaultclock.dt)
    return time.process_time() - t0, G.v_.copy()


def main() -> None:
    quick = "--quick" in sys.argv
    steps = 20 if quick else 200
    print("per neuron-update, microseconds of CPU time")
    print(f"{'method':>6} {'N':>7} | {'target':>7} | {'builtin':>8} {'function':>9} "
          f"{'ratio':>7}")
    for method in ("euler", "rk2"):
        for n in (100, 1000) if quick else (100, 1000, 10000):
            for target in ("numpy", "cython"):
                k = steps if method == "euler" or target == "numpy" or n <= 1000 else steps // 10
                t_b, v_b = cpu_time(MODELS["builtin"], target, n, k, method)
                t_f, v_f = cpu_time(MODELS["function"], target, n, k, method)
                assert np.allclose(v_b, v_f, rtol=1e-12), "the two models disagree"
                per = 1e6 / (n * k)
                print(f"{method:>6} {n:>7} | {target:>7} | {t_b * per:8.3f} {t_f * per:9.3f} "
                      f"{t_f / max(t_b, 1e-9):7.1f}")


if __name__ == "__main__":
    main()
