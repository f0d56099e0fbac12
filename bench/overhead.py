"""Fixed costs: per-step overhead, the cost of a run() call, cold compile, fresh-process start.

    python bench/overhead.py           # 100,000 steps of one neuron
    python bench/overhead.py --quick   # small counts (the test suite runs this)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import textwrap
import time

import lifdsl as ld

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_overhead_model import make_net  # noqa: E402


def per_step(target: str, steps: int) -> float:
    ld.start_scope()
    net = make_net(target)
    net.run(1e-3)
    t0 = time.perf_counter()
    net.run(steps * 1e-3)
    return (time.perf_counter() - t0) / steps * 1e6


def per_call(target: str, calls: int) -> float:
    ld.start_scope()
    net = make_net(target)
    net.run(1e-3)
    t0 = time.perf_counter()
    for _ in range(calls):
        net.run(1e-3)
    return (time.perf_counter() - t0) / calls * 1e3


def cold_compile() -> float:
    """Seconds for the first run of the tutorial neuron with an empty cache, in a new process."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, LIFDSL_CACHE_DIR=cache)
        code = textwrap.dedent("""
            import time
            import bench_overhead_model as m
            net = m.make_net('cython')
            t0 = time.perf_counter(); net.run(1e-3); print(time.perf_counter() - t0)
        """)
        return float(_python(code, env).strip().splitlines()[-1])


def fresh_process(cache_env: dict) -> float:
    """Seconds from interpreter start to results of a 200-step run, warm cache."""
    code = "import bench_overhead_model as m; net = m.make_net('cython'); net.run(0.2)"
    _python(code, cache_env)  # make sure the cache is warm
    t0 = time.perf_counter()
    _python(code, cache_env)
    return time.perf_counter() - t0


def _python(code: str, env: dict) -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(env, PYTHONPATH=here + os.pathsep + env.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout


def brian2_per_step(steps: int) -> float | None:
    if importlib.util.find_spec("brian2") is None:
        return None
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = "cython"
    G = b2.NeuronGroup(1, "dU/dt = (-U + R*I)/tau : 1", threshold="U > 1", reset="U -= 1",
                       method="euler", dt=1e-3 * b2.second,
                       namespace={"tau": 5.1 * 5e-3 * b2.second, "R": 5.1, "I": 0.3})
    net = b2.Network(G, b2.SpikeMonitor(G))
    net.run(1e-3 * b2.second)
    t0 = time.perf_counter()
    net.run(steps * 1e-3 * b2.second)
    return (time.perf_counter() - t0) / steps * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    steps = 2_000 if args.quick else 100_000
    calls = 20 if args.quick else 200
    rows = [
        ("per step, one neuron, cython (us)", per_step("cython", steps), 0.5),
        ("per step, one neuron, numpy (us)", per_step("numpy", steps // 10), None),
        ("run() call, warm cache, cython (ms)", per_call("cython", calls), 5.0),
        ("run() call, numpy (ms)", per_call("numpy", calls), None),
    ]
    if not args.quick:
        rows.append(("cold compile of the tutorial neuron (s)", cold_compile(), 5.0))
        rows.append(("fresh process to results, warm cache (s)",
                     fresh_process(dict(os.environ)), None))
        b2 = brian2_per_step(steps // 10)
        if b2 is not None:
            rows.append(("per step, one neuron, Brian2 cython (us)", b2, None))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}} | {'value':>10} | goal")
    print("-" * (width + 22))
    for name, value, goal in rows:
        g = f"<= {goal:g}" if goal is not None else ""
        print(f"{name:<{width}} | {value:10.3f} | {g}")


if __name__ == "__main__":
    main()
