"""Fresh process to results with warm caches: a CUBA-like exact group, this tree vs another.

    python bench/fresh_process.py                       # this tree only
    python bench/fresh_process.py --before /tmp/before  # and another lifdsl source tree

Each measurement is a new ``python -c`` process (wall time from its start to its exit): import
lifdsl, build a 3-variable ``exact`` group (4000 neurons, threshold, reset, refractory, a
SpikeMonitor) and run 100 steps on the cython target. Every tree gets its own cache folder,
warmed by one run; the table shows the median of ``-n`` runs. The row "symbolic cache
emptied" deletes ``symbolic/`` before each run (compiled kernels stay), which isolates what the
symbolic cache saves. Below the table: the exact discretization of the model by SymPy alone
(the method called directly, in a fresh process, so SymPy's own cache is cold), and the time
to take it from the disk cache instead. Model values are plain SI floats, so the model string
means the same to older trees.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

MODEL = textwrap.dedent("""
    import time
    t0 = time.perf_counter()
    import lifdsl as ld
    t1 = time.perf_counter()
    import lifdsl.methods as methods
    spent = [0.0]
    plain = methods.discretize

    def timed(*args, **kwargs):  # Equations.discretize looks it up at each call
        start = time.perf_counter()
        try:
            return plain(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    methods.discretize = timed
    mV = ms = 1e-3
    ns = dict(taum=20 * ms, taue=5 * ms, taui=10 * ms, El=-60 * mV, Vt=-50 * mV,
              Vr=-60 * mV, ge0=15 * mV)
    eqs = '''
    dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    '''
    ld.seed(1)
    G = ld.NeuronGroup({n}, eqs, threshold='v > Vt', reset='v = Vr', refractory=5 * ms,
                       method='exact', namespace=ns)
    G.v = 'Vr + rand()*(Vt - Vr)'
    G.ge = 'rand()*ge0'
    M = ld.SpikeMonitor(G)
    net = ld.Network(G, M)
    ld.prefs.target = '{target}'
    net.run({steps} * 0.1 * ms)
    t2 = time.perf_counter()
    print(json.dumps(dict(file=ld.__file__, spikes=int(M.num_spikes), imp=t1 - t0,
                          model=t2 - t1, disc=spent[0])))
""")

#: The exact discretization alone: SymPy's work (the method called directly, no memo), or
#: ``discretize`` itself (which reads the disk cache where the tree has one).
DISCRETIZE = textwrap.dedent("""
    import time
    import lifdsl as ld
    from lifdsl.equations import Equations
    from lifdsl.methods import METHODS, discretize
    eqs = Equations('''
    dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    ''')
    odes = eqs.odes()
    t0 = time.perf_counter()
    if {direct}:
        METHODS['exact'].discretize(odes)
    else:
        discretize(odes, 'exact')
    print(json.dumps(dict(file=ld.__file__, seconds=time.perf_counter() - t0)))
""")


def child(code: str, tree: Path, cache: Path) -> tuple[float, dict]:
    """Wall seconds of one fresh ``python -c code`` with lifdsl from ``tree``, and its report."""
    env = dict(os.environ, LIFDSL_CACHE_DIR=str(cache), PYTHONPATH=str(tree))
    with tempfile.TemporaryDirectory() as cwd:  # not the repository: '' on sys.path is cwd
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", "import json\n" + code], env=env, cwd=cwd,
                             capture_output=True, text=True)
        wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"the child process failed on {tree}:\n{out.stderr[-3000:]}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    if not Path(report["file"]).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"lifdsl came from {report['file']}, not from {tree}")
    return wall, report


Row = tuple[float, float, float, float, int]


def fresh_runs(code: str, configs: list[tuple[str, Path, Path, bool]], n: int
               ) -> dict[str, Row]:
    """Median wall, import, model+run and discretize seconds, and the spike count, of ``n``
    fresh runs per configuration (label, tree, cache, drop symbolic/), after one warming run
    each; the configurations take turns, so a drift of the machine hits all alike."""
    samples: dict[str, list[dict]] = {label: [] for label, *_ in configs}
    for _, tree, cache, _ in configs:
        child(code, tree, cache)
    for _ in range(n):
        for label, tree, cache, drop_symbolic in configs:
            if drop_symbolic:
                shutil.rmtree(cache / "symbolic", ignore_errors=True)
            wall, rep = child(code, tree, cache)
            samples[label].append(dict(rep, wall=wall))
    rows = {}
    for label, runs in samples.items():
        spikes = {r["spikes"] for r in runs}
        if len(spikes) != 1:
            raise SystemExit(f"spike counts differ between runs of {label}: {sorted(spikes)}")
        med = [statistics.median(r[k] for r in runs) for k in ("wall", "imp", "model", "disc")]
        rows[label] = (*med, spikes.pop())
    return rows


def discretize_seconds(tree: Path, cache: Path, n: int, direct: bool) -> float:
    """Median seconds of the exact discretization in fresh processes (see DISCRETIZE)."""
    code = DISCRETIZE.format(direct=direct)
    if not direct:
        child(code, tree, cache)  # warm the disk cache
    return statistics.median(child(code, tree, cache)[1]["seconds"] for _ in range(n))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="another lifdsl source tree to compare with")
    ap.add_argument("--after", type=Path, default=HERE, help="the tree to measure (this one)")
    ap.add_argument("-n", type=int, default=5, help="measured runs per row (median)")
    ap.add_argument("--neurons", type=int, default=4000)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--target", default="cython")
    args = ap.parse_args()
    code = MODEL.format(n=args.neurons, steps=args.steps, target=args.target)
    has_memo = (args.after / "lifdsl" / "methods" / "disk_memo.py").exists()

    with tempfile.TemporaryDirectory() as tmp:
        configs = [("before", args.before, Path(tmp) / "before", False)] if args.before else []
        if has_memo:
            configs.append(("current, symbolic cache emptied", args.after,
                            Path(tmp) / "current", True))
        configs.append(("current", args.after, Path(tmp) / "current", False))
        rows = fresh_runs(code, configs, args.n)
        sympy_cold = [(label, discretize_seconds(tree, cache, args.n, direct=True))
                      for label, tree, cache, drop in configs if not drop]
        memo_load = (discretize_seconds(args.after, Path(tmp) / "current", args.n, direct=False)
                     if has_memo else None)

    print(f"fresh process to results, warm caches: CUBA-like exact group, {args.neurons} "
          f"neurons, {args.steps} steps, target {args.target}; median of {args.n} (s)")
    width = max(len(label) for label in rows)
    print(f"{'tree':<{width}} | {'total':>7} | {'import':>7} | {'model+run':>9} | "
          f"{'discretize':>10} | spikes")
    print("-" * (width + 55))
    for label, (wall, imp, model, disc, spikes) in rows.items():
        print(f"{label:<{width}} | {wall:7.3f} | {imp:7.3f} | {model:9.3f} | {disc:10.4f} | "
              f"{spikes}")
    if "before" in rows:
        ratio = rows["before"][0] / rows["current"][0]
        print(f"before/current (total): {ratio:.2f}")
    for label, seconds in sympy_cold:
        print(f"exact discretization by SymPy, fresh process, {label}: {seconds * 1e3:.1f} ms")
    if memo_load is not None:
        print(f"the same from the symbolic cache, fresh process, current: "
              f"{memo_load * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
