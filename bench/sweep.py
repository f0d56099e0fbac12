"""A sweep of the CUBA network over ``we``: serial vs 2 processes vs a 2-worker Dask cluster.

    python bench/sweep.py                 # 200 runs of CUBA (N = 4000, 1 s), cython target
    python bench/sweep.py --runs 40       # fewer runs
    python bench/sweep.py --quick         # N = 400, 50 ms, 8 runs: a smoke test
    python bench/sweep.py --brian2-runs 10   # also 10 fresh processes of Brian2
    python bench/sweep.py --quick --brian2-runs 4   # the quick sweep with both Brian2 baselines

The model is examples/cuba.py's (its equations and constants), with the excitatory weight
``we`` swept from 0.5x to 1.5x of the example's over the runs; ``ld.sweep`` gives each run its
own seed. Every configuration runs the same sweep (the same base seed), so their tables must
agree (checked: the spike counts of every run). The kernel is compiled (or loaded) once
before the timing starts. Columns: the pool's or cluster's start-up (workers importing
lifdsl; not in the sweep time), the sweep's wall time, the time per run, the time inside
``net.run`` per run (the loop, and the run's own lookup of its kernel), the time to build the
network (connect included), the rest per run ("overhead": build, task dispatch, results),
speed-up over serial and the scaling efficiency (speed-up / workers). Brian2 (``--brian2-python``,
default /tmp/b2env/bin/python, if it exists) runs two ways: as a sweep in Brian2 usually runs,
one fresh ``python`` process per parameter value (its Cython cache warmed by one run first);
and as Brian2 2.9's standalone mode allows, one C++ program built once (``we`` a ``(shared,
constant)`` variable of the excitatory synapses) and run once per value with
``device.run(run_args={Ce.we: value})``, no recompiling; its "start" column is the build (code
generation and compiling), its loop Brian2's ``last_run_info`` (``std::clock``: CPU time). The
standalone program draws the same random numbers in every run (Brian2 seeds the program, not a
run); lifdsl's and the fresh processes' runs each get their own seed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "examples"))
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(HERE), str(HERE / "examples"), os.environ.get("PYTHONPATH", "")])

import cuba  # noqa: E402  (examples/cuba.py: the model's equations and constants)

import lifdsl as ld  # noqa: E402


def cuba_run(we: float, N: int = 4000, duration: float = 1.0,
             target: str = "cython") -> dict:
    """One CUBA run with excitatory weight ``we`` (volts): its rate, spikes and times."""
    t0 = time.perf_counter()
    ns = {"taum": cuba.TAUM, "taue": cuba.TAUE, "taui": cuba.TAUI, "El": cuba.EL,
          "Vt": cuba.VT, "Vr": cuba.VR, "we": we, "wi": cuba.WI}
    n_exc = int(round(0.8 * N))
    P = ld.NeuronGroup(N, cuba.EQUATIONS, threshold="v > Vt", reset="v = Vr",
                       refractory=5e-3, method="exact", dt=cuba.DT, namespace=ns)
    P.v = "Vr + rand()*(Vt - Vr)"
    Ce = ld.Synapses(P[:n_exc], P, on_pre="ge += we", namespace=ns)
    Ci = ld.Synapses(P[n_exc:], P, on_pre="gi += wi", namespace=ns)
    Ce.connect(p=min(1.0, 80.0 / N))
    Ci.connect(p=min(1.0, 80.0 / N))
    M = ld.SpikeMonitor(P)
    net = ld.Network(P, Ce, Ci, M, target=target)
    t1 = time.perf_counter()
    net.run(duration)
    t2 = time.perf_counter()
    return {"n_spikes": M.num_spikes, "rate": M.num_spikes / (N * duration),
            "t_build": t1 - t0, "t_loop": t2 - t1}


BRIAN2 = '''
import sys, time
t_start = time.perf_counter()
import brian2 as b2
we, N, duration = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
b2.seed(int(sys.argv[4]))
ms, mV = b2.ms, b2.mV
ns = dict(taum=20*ms, taue=5*ms, taui=10*ms, El=-49*mV, Vt=-50*mV, Vr=-60*mV,
          we=we*b2.volt, wi=-9*mV)
P = b2.NeuronGroup(N, """
dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
""", threshold="v > Vt", reset="v = Vr", refractory=5*ms, method="exact", namespace=ns,
    dt=0.1*ms)
P.v = "Vr + rand()*(Vt - Vr)"
ne = int(round(0.8*N))
Ce = b2.Synapses(P[:ne], P, on_pre="ge += we", namespace=ns)
Ci = b2.Synapses(P[ne:], P, on_pre="gi += wi", namespace=ns)
Ce.connect(p=min(1.0, 80.0/N))
Ci.connect(p=min(1.0, 80.0/N))
S = b2.SpikeMonitor(P)
net = b2.Network(P, Ce, Ci, S)
t0 = time.perf_counter()
net.run(duration*b2.second)
print(S.num_spikes, time.perf_counter() - t0)
'''


BRIAN2_STANDALONE = '''
import json, os, sys, tempfile, time
import brian2 as b2
wes, N, duration = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
seed = int(sys.argv[4])
b2.prefs.logging.console_log_level = "WARNING"
folder = tempfile.mkdtemp(prefix="b2sweep-")
t0 = time.perf_counter()
b2.set_device("cpp_standalone", directory=folder, build_on_run=False)
b2.seed(seed)
ms, mV = b2.ms, b2.mV
ns = dict(taum=20*ms, taue=5*ms, taui=10*ms, El=-49*mV, Vt=-50*mV, Vr=-60*mV, wi=-9*mV)
P = b2.NeuronGroup(N, """
dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
""", threshold="v > Vt", reset="v = Vr", refractory=5*ms, method="exact", namespace=ns,
    dt=0.1*ms)
P.v = "Vr + rand()*(Vt - Vr)"
ne = int(round(0.8*N))
Ce = b2.Synapses(P[:ne], P, "we : volt (shared, constant)", on_pre="ge += we", namespace=ns)
Ci = b2.Synapses(P[ne:], P, on_pre="gi += wi", namespace=ns)
Ce.connect(p=min(1.0, 80.0/N))
Ci.connect(p=min(1.0, 80.0/N))
Ce.we = wes[0]*b2.volt
S = b2.SpikeMonitor(P)
b2.run(duration*b2.second)
b2.device.build(directory=folder, compile=True, run=False)
build = time.perf_counter() - t0
rows = []
for we in wes:
    t1 = time.perf_counter()
    b2.device.run(run_args={Ce.we: we*b2.volt})
    total = time.perf_counter() - t1
    with open(os.path.join(folder, "results", "last_run_info.txt")) as f:
        loop = float(f.read().split()[0])
    rows.append([int(S.num_spikes), total, loop])
print(json.dumps({"build": build, "rows": rows}))
'''


def _warm(_: int = 0) -> int:
    """A worker's start-up: import lifdsl and run a small CUBA once, so that the worker's
    one-time costs (SymPy's import, loading the kernel from the cache) are start-up, not the
    first runs of the sweep (the kernel depends on the model, not on N)."""
    cuba_run(cuba.WE, N=400, duration=0.005)
    return os.getpid()


def run_lifdsl(name: str, executor, params: list[dict], seed: int, startup: float,
               chunksize: int = 1) -> dict:
    """Run the sweep on ``executor``; the row of the table (times in seconds)."""
    t0 = time.perf_counter()
    table = ld.sweep(cuba_run, params, executor=executor, seed=seed, frame=False,
                     chunksize=chunksize)
    sweep_time = time.perf_counter() - t0
    return {"name": name, "runs": len(table), "startup": startup, "sweep": sweep_time,
            "loop": statistics.fmean(r["t_loop"] for r in table),
            "build": statistics.fmean(r["t_build"] for r in table),
            "counts": [r["n_spikes"] for r in table],
            "rate": statistics.fmean(r["rate"] for r in table)}


def run_brian2(python: str, params: list[dict], seed: int) -> dict:
    """One fresh Brian2 process per parameter set, one after the other."""
    loops, counts = [], []
    t0 = time.perf_counter()
    for k, p in enumerate(params):
        out = subprocess.run([python, "-c", BRIAN2, repr(p["we"]), str(p["N"]),
                              repr(p["duration"]), str(seed + k)],
                             capture_output=True, text=True, check=True)
        n, loop = out.stdout.split()[-2:]
        counts.append(int(n))
        loops.append(float(loop))
    total = time.perf_counter() - t0
    return {"name": "brian2, fresh processes", "runs": len(params), "startup": 0.0,
            "sweep": total, "loop": statistics.fmean(loops), "build": float("nan"),
            "counts": counts, "rate": None}


def run_brian2_standalone(python: str, params: list[dict], seed: int) -> dict:
    """One Brian2 standalone program, built once, run once per parameter set via
    ``device.run(run_args=...)`` (Brian2 2.9), all in one Python process."""
    wes = [p["we"] for p in params]
    out = subprocess.run([python, "-c", BRIAN2_STANDALONE, json.dumps(wes), str(params[0]["N"]),
                          repr(params[0]["duration"]), str(seed)],
                         capture_output=True, text=True, check=True)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    rows = data["rows"]
    return {"name": "brian2 run_args (cpp)", "runs": len(rows), "startup": data["build"],
            "sweep": sum(r[1] for r in rows), "loop": statistics.fmean(r[2] for r in rows),
            "build": float("nan"), "counts": [r[0] for r in rows], "rate": None}


def report(rows: list[dict], workers: dict[str, int]) -> str:
    """The table: start-up, sweep time, per run, loop, overhead, speed-up and efficiency."""
    per_serial = rows[0]["sweep"] / rows[0]["runs"]
    lines = [f"{'configuration':36} {'runs':>4} {'start s':>7} {'sweep s':>8} {'s/run':>7} "
             f"{'loop s':>7} {'build s':>7} {'overhead ms':>11} {'speed-up':>8} "
             f"{'efficiency':>10}"]
    for r in rows:
        per = r["sweep"] / r["runs"]
        w = workers.get(r["name"], 1)
        speed = per_serial / per
        lines.append(f"{r['name']:36} {r['runs']:4d} {r['startup']:7.2f} {r['sweep']:8.2f} "
                     f"{per:7.3f} {r['loop']:7.3f} {r['build']:7.3f} "
                     f"{1e3 * (per * w - r['loop']):11.1f} {speed:8.2f} "
                     f"{100 * speed / w:9.0f}%")
    lines += [
        "start: the pool's or cluster's start-up (workers import lifdsl, run once), not in the",
        "  sweep time;",
        "  for Brian2 standalone: generating and compiling its program once",
        "loop: time in net.run per run; build: making the network (connect included);",
        "dask: a LocalCluster of 2 worker processes, 1 thread each; chunks k: ld.sweep(...,",
        "  chunksize=k), k runs a task; no profiler: distributed.worker.profile.enabled False",
        "overhead: per run, sweep time x workers - loop (build, dispatch, results);",
        "speed-up: serial sweep time / this sweep time; efficiency: speed-up / workers",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse options, run each configuration, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="N = 400, 50 ms, 8 runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--brian2-runs", type=int, default=None,
                    help="fresh Brian2 processes (default: --runs; with --quick 0)")
    ap.add_argument("--brian2-python", default="/tmp/b2env/bin/python")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--chunksize", type=int, default=10,
                    help="runs per task in the chunked Dask rows (ld.sweep's chunksize=)")
    args = ap.parse_args(argv)
    N, duration, runs = (400, 0.05, min(args.runs, 8)) if args.quick else (4000, 1.0, args.runs)
    base = cuba.WE
    params = [{"we": float(w), "N": N, "duration": duration}
              for w in np.linspace(0.5 * base, 1.5 * base, runs)]
    print(f"CUBA sweep: {runs} runs of N = {N}, {duration:g} s, we from {0.5 * base:.4g} to "
          f"{1.5 * base:.4g} V; {os.cpu_count()} CPUs")
    ld.sweep(cuba_run, params[:1], frame=False)  # compile or load the kernel once
    rows, workers = [], {}
    rows.append(run_lifdsl("lifdsl serial", None, params, args.seed, 0.0))
    print(f"  serial: {rows[-1]['sweep']:.2f} s", flush=True)
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    t0 = time.perf_counter()
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        list(pool.map(_warm, range(2)))
        rows.append(run_lifdsl("lifdsl 2 processes", pool, params, args.seed,
                               time.perf_counter() - t0))
    workers["lifdsl 2 processes"] = 2
    print(f"  2 processes: {rows[-1]['sweep']:.2f} s", flush=True)
    try:
        import distributed
    except ImportError:
        distributed = None
        print("  dask: not installed (pip install 'lifdsl[distributed]'); skipped")
    if distributed is not None and not args.no_dask:
        import dask

        # Dask's workers sample the running task's stack every 10 ms by default (its
        # statistical profiler): with short Python-heavy runs that costs GIL hand-offs, so the
        # cluster runs both ways
        for profile in (True, False):
            cfg = {"distributed.worker.profile.enabled": profile}
            t0 = time.perf_counter()
            with dask.config.set(cfg), \
                    distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address=None) as cl, \
                    distributed.Client(cl) as client:
                client.run(_warm)
                startup = time.perf_counter() - t0
                tag = "" if profile else ", no profiler"
                for chunk in (1, args.chunksize):
                    name = f"lifdsl dask{tag}" + (f", chunks {chunk}" if chunk > 1 else "")
                    rows.append(run_lifdsl(name, client, params, args.seed, startup, chunk))
                    workers[name] = 2
                    print(f"  {name}: {rows[-1]['sweep']:.2f} s", flush=True)
    for r in rows[1:]:
        if r["counts"] != rows[0]["counts"]:
            raise SystemExit(f"{r['name']} gave other spikes than the serial sweep")
    if args.brian2_runs is None:
        n_b2 = 0 if args.quick else runs
    else:
        n_b2 = min(args.brian2_runs, runs)
    if n_b2 and os.path.exists(args.brian2_python):
        pick = [params[round(k * (runs - 1) / max(n_b2 - 1, 1))] for k in range(n_b2)]
        run_brian2(args.brian2_python, pick[:1], args.seed)  # warm Brian2's Cython cache
        rows.append(run_brian2(args.brian2_python, pick, args.seed))
        print(f"  brian2: {rows[-1]['sweep']:.2f} s", flush=True)
        rows.append(run_brian2_standalone(args.brian2_python, pick, args.seed))
        print(f"  brian2 standalone (run_args): build {rows[-1]['startup']:.2f} s, "
              f"runs {rows[-1]['sweep']:.2f} s", flush=True)
        if len(pick) > 1 and len(set(rows[-1]["counts"])) == 1:
            raise SystemExit("Brian2 standalone gave the same spikes for every we: run_args "
                             "did not reach the program")
    elif n_b2:
        print(f"  brian2: {args.brian2_python} not found; skipped")
    print()
    print(report(rows, workers))
    print(f"mean rate (lifdsl): {rows[0]['rate']:.2f} Hz; every lifdsl configuration gave the "
          f"same spike counts")


if __name__ == "__main__":
    main()
