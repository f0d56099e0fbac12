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
from bench_overhead_model import brian2_net, make_net  # noqa: E402


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


def brian2_per_step(steps: int) -> float:
    b2, net = brian2_net()
    t0 = time.perf_counter()
    net.run(steps * 1e-3 * b2.second)
    return (time.perf_counter() - t0) / steps * 1e6


def brian2_per_call(calls: int) -> float:
    b2, net = brian2_net()
    t0 = time.perf_counter()
    for _ in range(calls):
        net.run(1e-3 * b2.second)
    return (time.perf_counter() - t0) / calls * 1e3


def brian2_cold_compile() -> float:
    """Brian2's first run of the same neuron with an empty Cython cache, in a new process."""
    with tempfile.TemporaryDirectory() as cache:
        code = textwrap.dedent(f"""
            import time, brian2 as b2
            b2.prefs.codegen.runtime.cython.cache_dir = {cache!r}
            t0 = time.perf_counter()
            import bench_overhead_model as m
            m.brian2_net()
            print(time.perf_counter() - t0)
        """)
        return float(_python(code, dict(os.environ)).strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    steps = 2_000 if args.quick else 100_000
    calls = 20 if args.quick else 200
    b2 = importlib.util.find_spec("brian2") is not None and not args.quick
    rows = [
        ("per step, one neuron, cython (us)", per_step("cython", steps),
         brian2_per_step(steps // 20) if b2 else None, 0.5),
        ("per step, one neuron, numpy (us)", per_step("numpy", steps // 10), None, None),
        ("run() call, warm cache, cython (ms)", per_call("cython", calls),
         brian2_per_call(calls // 4) if b2 else None, 5.0),
        ("run() call, numpy (ms)", per_call("numpy", calls), None, None),
    ]
    if not args.quick:
        rows.append(("cold compile of the tutorial neuron (s)", cold_compile(),
                     brian2_cold_compile() if b2 else None, 5.0))
        rows.append(("fresh process to results, warm cache (s)",
                     fresh_process(dict(os.environ)), None, None))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}} | {'lifdsl':>9} | {'Brian2':>9} | {'Brian2/us':>9} | goal")
    print("-" * (width + 50))
    for name, value, other, goal in rows:
        g = f"<= {goal:g}" if goal is not None else ""
        o = f"{other:9.3f}" if other is not None else f"{'':>9}"
        r = f"{other / value:9.0f}" if other is not None else f"{'':>9}"
        print(f"{name:<{width}} | {value:9.3f} | {o} | {r} | {g}")


if __name__ == "__main__":
    main()
