"""The cost of a user function (ld.Function) called per neuron, on each target.

An Euler population whose update calls a Python function of its own state, once per neuron per
step (the Cython kernel calls back into Python for each; NumPy makes one vectorised call per
step), against the same model written with builtins. CPU time of ``net.run`` (process time,
so the machine's load does not enter), after a warm-up run that compiles.

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


def cpu_time(model: str, target: str, n: int, steps: int) -> tuple[float, np.ndarray]:
    """CPU seconds of running ``steps`` steps of ``n`` neurons (after a compiling warm-up)."""
    G = ld.NeuronGroup(n, model, method="euler", namespace={"sigmoid": SIGMOID, "ms": ld.ms})
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
    print(f"{'N':>7} | {'target':>7} | {'builtin':>8} {'function':>9} {'ratio':>7}")
    for n in (100, 1000) if quick else (100, 1000, 10000):
        for target in ("numpy", "cython"):
            t_b, v_b = cpu_time(MODELS["builtin"], target, n, steps)
            t_f, v_f = cpu_time(MODELS["function"], target, n, steps)
            assert np.allclose(v_b, v_f, rtol=1e-12), "the two models disagree"
            per = 1e6 / (n * steps)
            print(f"{n:>7} | {target:>7} | {t_b * per:8.3f} {t_f * per:9.3f} "
                  f"{t_f / max(t_b, 1e-9):7.1f}")


if __name__ == "__main__":
    main()
