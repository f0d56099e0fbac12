"""CUBA's first ``net.run`` in a fresh process with warm caches: where the time outside the loop
goes, this tree against another, alternating (for a loaded machine).

    python bench/first_run.py                       # this tree, N = 4000, 7 rounds
    python bench/first_run.py --before /tmp/base    # and another lifdsl tree, in turns

Each round starts one fresh process per tree (the same script as ``bench/cuba.py``'s lifdsl
row: N neurons, two ``connect(p=80/N)``, a SpikeMonitor, 1 s on the cython target), after one
warming process per tree with its own cache folder. A process times, in CPU seconds
(``time.process_time``: what a busy machine changes least) and in wall seconds: ``import
lifdsl``; the first ``net.run`` (``run``); the kernel's loop inside it (``loop``, the target
runtime's ``run``); and the parts of the run before the loop: the objects' ``_prepare``
(namespaces, units, the abstract code and the update's coefficients), the program
(``Network._program``) and the runtime's construction (finding the kernel, loading it,
filling its arguments). ``outside`` is ``run - loop``. The table gives the median over the
rounds of each, and the ratio of the medians of ``outside``. Python's bytecode cache is on
(``netbench.bytecode_env``), one folder per tree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent

SCRIPT = textwrap.dedent('''
    import json, sys, time
    c_start, w_start = time.process_time(), time.perf_counter()
    import lifdsl as ld
    import lifdsl.codegen.targets as targets
    import lifdsl.core.network as network
    c_import, w_import = time.process_time() - c_start, time.perf_counter() - w_start
    N = int(sys.argv[1])
    m = json.loads(sys.argv[2])
    spent = {}

    def timed(owner, name, label):
        """``owner.name`` with its CPU and wall seconds added to ``spent[label]``."""
        plain = getattr(owner, name)

        def wrapper(*args, **kwargs):
            c0, w0 = time.process_time(), time.perf_counter()
            try:
                return plain(*args, **kwargs)
            finally:
                c, w = spent.get(label, (0.0, 0.0))
                spent[label] = (c + time.process_time() - c0, w + time.perf_counter() - w0)
        setattr(owner, name, wrapper)

    class Timed:
        """The target's runtime with its run() (the loop) timed."""

        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            return getattr(self._inner, name)

    plain_runtime = targets.runtime

    def runtime(*args, **kwargs):
        c0, w0 = time.process_time(), time.perf_counter()
        inner = plain_runtime(*args, **kwargs)
        spent["runtime"] = (time.process_time() - c0, time.perf_counter() - w0)
        wrapped = Timed(inner)
        timed(inner, "run", "loop")
        return wrapped

    targets.runtime = runtime
    timed(network.Network, "_program", "program")
    ld.seed(1)
    eqs = """
    dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    ns = {k: m[k] for k in ("taum", "taue", "taui", "Vt", "Vr", "El", "we", "wi")}
    P = ld.NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr", refractory=m["refractory"],
                       method="exact", dt=m["dt"], namespace=ns)
    P.v = "Vr + rand()*(Vt - Vr)"
    ne = int(round(0.8 * N))
    Ce = ld.Synapses(P[:ne], P, on_pre="ge += we", namespace=ns)
    Ci = ld.Synapses(P[ne:], P, on_pre="gi += wi", namespace=ns)
    Ce.connect(p=min(1.0, 80.0 / N))
    Ci.connect(p=min(1.0, 80.0 / N))
    S = ld.SpikeMonitor(P)
    net = ld.Network(P, Ce, Ci, S, target="cython")
    for o in net.objects:
        timed(o, "_prepare", "prepare")
    c0, w0 = time.process_time(), time.perf_counter()
    net.run(1.0)
    spent["run"] = (time.process_time() - c0, time.perf_counter() - w0)
    spent["import"] = (c_import, w_import)
    spent["outside"] = tuple(r - lp for r, lp in zip(spent["run"], spent["loop"]))
    print(json.dumps(dict(spent=spent, spikes=int(S.num_spikes), file=ld.__file__)))
''')

STAGES = ("import", "run", "loop", "outside", "prepare", "program", "runtime")


def child(script: Path, tree: Path, cache: Path, n: int) -> dict:
    """One fresh process of ``script`` with lifdsl from ``tree``: its report."""
    sys.path.insert(0, str(HERE))
    import cuba  # noqa: PLC0415 - the model's numbers, shared with bench/cuba.py
    import netbench  # noqa: PLC0415 - bench/, as above

    env = dict(netbench.bytecode_env(os.environ, cache.with_name(cache.name + "_pycache")),
               PYTHONPATH=str(tree), LIFDSL_CACHE_DIR=str(cache))
    out = subprocess.run([sys.executable, str(script), str(n), json.dumps(cuba.MODEL)],
                         env=env, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if out.returncode != 0:
        raise SystemExit(f"the child process failed on {tree}:\n{out.stderr[-3000:]}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    if not Path(report["file"]).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"lifdsl came from {report['file']}, not from {tree}")
    return report


def main() -> None:
    """Run the rounds and print the table (CPU and wall milliseconds, medians)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="another lifdsl tree to compare with")
    ap.add_argument("--after", type=Path, default=HERE.parent, help="the tree to measure")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("-N", type=int, default=4000)
    args = ap.parse_args()
    trees = ([("before", args.before)] if args.before else []) + [("after", args.after)]
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "first_run.py"
        script.write_text(SCRIPT)
        caches = {label: Path(tmp) / f"cache_{label}" for label, _ in trees}
        for label, tree in trees:
            child(script, tree, caches[label], args.N)   # warms the caches
        samples: dict[str, list[dict]] = {label: [] for label, _ in trees}
        for _ in range(args.rounds):
            for label, tree in trees:
                samples[label].append(child(script, tree, caches[label], args.N))
    print(f"CUBA N = {args.N}, first net.run(1 s) of a fresh process, warm caches; median of "
          f"{args.rounds} rounds, milliseconds (CPU / wall)")
    print(f"{'tree':8s} | " + " | ".join(f"{s:>13s}" for s in STAGES) + " | spikes")
    for label, runs in samples.items():
        cells = []
        for stage in STAGES:
            cpu = statistics.median(r["spent"].get(stage, (0.0, 0.0))[0] for r in runs)
            wall = statistics.median(r["spent"].get(stage, (0.0, 0.0))[1] for r in runs)
            cells.append(f"{cpu * 1e3:6.1f}/{wall * 1e3:6.1f}")
        spikes = sorted({r["spikes"] for r in runs})
        print(f"{label:8s} | " + " | ".join(cells) + f" | {','.join(map(str, spikes))}")
    if args.before:
        def outside(label: str, k: int) -> float:
            return statistics.median(r["spent"]["outside"][k] for r in samples[label])

        cpu, wall = (outside("after", k) / outside("before", k) for k in (0, 1))
        print(f"outside the loop, after/before: CPU {cpu:.2f}, wall {wall:.2f}")


if __name__ == "__main__":
    main()
