"""What the network benches (cuba.py, cobahh.py, brunel.py) share: fresh processes, rows, tables.

A bench is a :class:`Spec`: the scripts that build and run its model in each simulator, the
model's numbers (one JSON dict that every script reads, so all simulators get the same
values), its sizes and how a size is named. :func:`main` parses the common command line,
runs every row in fresh processes and prints one table per size. Run a bench, not this file.

The scripts share their first and last lines (``LIFDSL_HEAD``, ``BRIAN2_HEAD``,
``BRIAN2_TAIL``, ``NEST_HEAD``, ``NEST_TAIL``); a model's script fills in the middle. Their
command lines:

- lifdsl: ``SIZE DURATION SEED TARGET MODEL_JSON``; the model defines ``t_connect``,
  ``t_run``, the SpikeMonitor ``S`` and the list ``synapses`` of its Synapses.
- Brian2: ``MODE SIZE DURATION SEED FOLDER MODEL_JSON`` (MODE: standalone, cython or numpy);
  the model calls ``connect_begin()`` and ``connect_end()`` around its connect() calls and
  defines the same names as lifdsl's.
- NEST: ``SIZE DURATION SEED MODEL_JSON``; the model defines ``t_connect``, ``t_run``, the
  spike recorder ``rec``.

Every script prints one JSON line: connect, loop, run, import_, spikes, synapses, hwm_kib
(Brian2 standalone: binary_hwm_kib instead).
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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the rows a run can have, in table order
SIMULATORS = ("lifdsl-cython", "lifdsl-numpy", "brian2-standalone", "brian2-cython",
              "brian2-numpy", "nest")

_HWM = '''
def hwm_kib():
    """This process's peak resident memory (VmHWM: its own, not a forking parent's)."""
    try:
        with open("/proc/self/status") as f:
            return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1])
    except (OSError, StopIteration, ValueError):
        return None
'''

LIFDSL_HEAD = textwrap.dedent('''
    import json, sys, time
    t_start = time.perf_counter()
    import lifdsl as ld
    import lifdsl.codegen.targets as targets
    t_import = time.perf_counter()
''') + _HWM + textwrap.dedent('''
    N, duration, seed, target = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    m = json.loads(sys.argv[5])
    loop = [0.0, 0.0]   # wall seconds, and this process's CPU seconds (Brian2's measure)
    plain_runtime = targets.runtime

    class Timed:
        """The target's runtime, with its run() timed (the loop without building the program)."""

        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def run(self, *args, **kwargs):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                return self._inner.run(*args, **kwargs)
            finally:
                loop[0] += time.perf_counter() - t0
                loop[1] += time.process_time() - c0

    targets.runtime = lambda *a, **k: Timed(plain_runtime(*a, **k))
    ld.seed(seed)
''')

LIFDSL_TAIL = textwrap.dedent('''
    print(json.dumps(dict(connect=t_connect, loop=loop[0], run=t_run, import_=t_import - t_start,
                          connect_cpu=globals().get("t_connect_cpu"),
                          loop_cpu=loop[1], run_cpu=globals().get("t_run_cpu"),
                          spikes=int(S.num_spikes), synapses=sum(len(s) for s in synapses),
                          hwm_kib=hwm_kib())))
''')

BRIAN2_HEAD = textwrap.dedent('''
    import json, os, subprocess, sys, time
    t_start = time.perf_counter()
    import brian2 as b2
    t_import = time.perf_counter()
''') + _HWM + textwrap.dedent('''
    mode, N, duration, seed, folder = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                                       int(sys.argv[4]), sys.argv[5])
    m = json.loads(sys.argv[6])
    b2.prefs.logging.console_log_level = "WARNING"
    if mode == "standalone":
        b2.set_device("cpp_standalone", directory=folder, build_on_run=False)
        b2.prefs.codegen.cpp.headers += ["<chrono>", "<ctime>", "<fstream>", "<string>"]
    else:
        b2.prefs.codegen.target = mode
        b2.prefs.codegen.runtime.cython.cache_dir = folder
    b2.defaultclock.dt = m["dt"] * b2.second
    b2.seed(seed)

    def connect_begin():
        """Start the connect() clock (standalone: inside the binary, around synapse creation)."""
        if mode == "standalone":
            b2.device.insert_code("main", "auto bench_c0 = std::chrono::steady_clock::now(); "
                                          "std::clock_t bench_k0 = std::clock();")
        return time.perf_counter()

    def connect_end(t0):
        """Stop the connect() clock; the seconds it measured here (standalone: written later)."""
        if mode == "standalone":
            b2.device.insert_code("main", (
                '{ auto bench_c1 = std::chrono::steady_clock::now(); '
                'std::clock_t bench_k1 = std::clock(); '
                'std::ofstream f("bench_connect.txt"); f.precision(9); '
                'f << std::chrono::duration<double>(bench_c1 - bench_c0).count() << " " '
                '<< double(bench_k1 - bench_k0) / CLOCKS_PER_SEC; }'))
        return time.perf_counter() - t0
''')

BRIAN2_TAIL = textwrap.dedent('''
    if mode == "standalone":  # the binary's own peak memory, read by itself after the run
        b2.device.insert_code("main", (
            '{ std::ifstream s("/proc/self/status"); std::string l; '
            'std::ofstream f("bench_hwm.txt"); '
            'while (std::getline(s, l)) if (l.rfind("VmHWM", 0) == 0) f << l.substr(6); }'))
    out = dict(import_=t_import - t_start)
    if mode == "standalone":
        b2.device.build(directory=folder, compile=True, run=True)
        out.update(spikes=int(S.num_spikes), synapses=sum(len(s) for s in synapses))
        # the binary again, alone: its wall time and peak memory (no compiler, no Python)
        t0 = time.perf_counter()
        proc = subprocess.Popen([os.path.join(os.path.abspath(folder), "main")], cwd=folder,
                                stdout=subprocess.DEVNULL)
        proc.wait()
        out["run"] = time.perf_counter() - t0
        try:
            with open(os.path.join(folder, "bench_hwm.txt")) as f:
                out["binary_hwm_kib"] = int(f.read().split()[0])
        except (OSError, IndexError, ValueError):
            pass
        with open(os.path.join(folder, "results", "last_run_info.txt")) as f:
            out["loop"] = float(f.read().split()[0])
        with open(os.path.join(folder, "bench_connect.txt")) as f:   # wall, then CPU seconds
            words = f.read().split()
        out["connect"] = float(words[0])
        if len(words) > 1:
            out["connect_cpu"] = float(words[1])
    else:
        out.update(connect=t_connect, run=t_run, loop=float(b2.get_device()._last_run_time),
                   spikes=int(S.num_spikes), synapses=sum(len(s) for s in synapses),
                   hwm_kib=hwm_kib())
    print(json.dumps(out))
''')

NEST_HEAD = textwrap.dedent('''
    import json, sys, time
    t_start = time.perf_counter()
    import nest
    t_import = time.perf_counter()
''') + _HWM + textwrap.dedent('''
    N, duration, seed = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    m = json.loads(sys.argv[4])
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": m["dt"] * 1e3, "local_num_threads": 1,
                          "rng_seed": seed + 1, "print_time": False})
''')

NEST_TAIL = textwrap.dedent('''
    print(json.dumps(dict(connect=t_connect, loop=t_run, run=t_run, import_=t_import - t_start,
                          spikes=int(rec.n_events), synapses=int(synapses),
                          hwm_kib=hwm_kib())))
''')


@dataclass
class Spec:
    """One bench: its model in each simulator and how its sizes are named and counted."""

    name: str
    description: str
    scripts: dict[str, str]  # "lifdsl", "brian2" and (optionally) "nest": whole scripts
    model: dict
    sizes: list[int]
    quick_size: int
    quick_duration: float
    numpy_max: int
    title: Callable[[int, float], str]  # the first line of a size's table
    neurons: Callable[[int], int] | None = None  # neurons at a size, for the rate (default: N)
    size_help: str = "N"
    goals: Callable[[dict], list[str]] | None = None
    rows: tuple[str, ...] = SIMULATORS  # the rows run unless --only names others
    goal_rows: dict[int, tuple[str, ...]] | None = None  # --goals: the rows by size


@dataclass
class Sample:
    """One fresh process: its wall time, peak memory and what its script printed."""

    wall: float
    maxrss_kib: int
    out: dict


@dataclass
class Row:
    """One simulator at one N: warm samples, and the cold sample where measured."""

    name: str
    warm: list[Sample] = field(default_factory=list)
    cold: Sample | None = None
    note: str = ""

    def median(self, key: str) -> float | None:
        """Median over the warm samples of a printed value (None where not printed)."""
        vals = [s.out[key] for s in self.warm if s.out.get(key) is not None]
        return statistics.median(vals) if vals else None

    @property
    def fresh(self) -> float | None:
        """Median wall time of a warm fresh process."""
        return statistics.median(s.wall for s in self.warm) if self.warm else None

    @property
    def peak_mib(self) -> float | None:
        """Peak memory in MiB (the binary's for Brian2 standalone), median over warm samples."""
        if not self.warm:
            return None
        vals = [s.out.get("binary_hwm_kib") or s.out.get("hwm_kib") or s.maxrss_kib
                for s in self.warm]
        return statistics.median(vals) / 1024

    @property
    def cold_compile(self) -> float | None:
        """Cold fresh process minus the median warm one."""
        if self.cold is None or self.fresh is None:
            return None
        return self.cold.wall - self.fresh


def run_process(cmd: list[str], env: dict[str, str], timeout: float) -> Sample:
    """Run ``cmd`` as a fresh process: wall time, ``ru_maxrss`` (a fallback for peak memory: it
    counts the forking parent's pages too) and the last JSON line it printed."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=tempfile.gettempdir())
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text, errtext = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}):\n"
                           f"{errtext[-3000:]}")
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    if not lines:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... printed no result:\n{errtext[-3000:]}")
    return Sample(wall, usage.ru_maxrss, json.loads(lines[-1]))


def bytecode_env(environ, folder: Path) -> dict[str, str]:
    """``environ`` with Python's bytecode cache on, in ``folder``: a warm fresh process reads
    its modules' compiled code as an installed package does, where a machine's
    ``PYTHONDONTWRITEBYTECODE=1`` would have every process compile every module's source
    (~0.4 s CPU for lifdsl's alone). Applies to every simulator's processes alike."""
    env = {k: v for k, v in environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder)
    return env


def python_works(python: str, module: str) -> tuple[bool, str]:
    """Whether ``python`` exists and imports ``module`` (and the version it reports)."""
    if not Path(python).exists():
        return False, f"{python} not found"
    code = f"import {module}; print({module}.__version__)"
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return False, f"{python} -c 'import {module}' timed out"
    if out.returncode != 0:
        return False, f"{python} cannot import {module}: {out.stderr.strip().splitlines()[-1:]}"
    return True, out.stdout.strip().splitlines()[-1]


class Bench:
    """Runs every configuration of one spec in fresh processes and keeps the rows."""

    def __init__(self, spec: Spec, args: argparse.Namespace, work: Path) -> None:
        self.spec = spec
        self.args = args
        self.work = work
        self.scripts = {}
        for name, text in spec.scripts.items():
            path = work / f"{spec.name}_{name}.py"
            path.write_text(text)
            self.scripts[name] = str(path)
        self.model = json.dumps(spec.model)
        # peers' builds (Brian2's Cython cache and standalone projects): in --keep's folder
        # if given, so that a second run of the bench reuses them (their cold columns are
        # then measured only where the folder had none)
        self.keep = Path(args.keep) if getattr(args, "keep", None) else work
        self.keep.mkdir(parents=True, exist_ok=True)
        base = bytecode_env(os.environ, self.keep / "pycache")
        env = dict(base)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.lifdsl_env = env
        self.peer_env = {k: v for k, v in base.items() if k != "PYTHONPATH"}
        self.lifdsl_cache = None if args.quick else str(work / "lifdsl_cache")
        self.brian2_cache = str(self.keep / "brian2_cache")
        self.cold_done: set[str] = set()

    def _lifdsl_cmd(self, n: int, target: str) -> list[str]:
        return [sys.executable, self.scripts["lifdsl"], str(n), str(self.args.duration),
                str(self.args.seed), target, self.model]

    def _samples(self, row: Row, cmd, env, cold_env=None, warmups: int = 1,
                 repeat: int | None = None, prewarm=None) -> Row:
        """Cold sample (if ``cold_env``), warm-ups, then the warm samples. ``prewarm``, a
        (command, env) pair, runs once before the cold sample and is not counted: it fills
        Python's bytecode cache (a new ``--keep`` folder has none), so that cold measures the
        simulator's own first-run cost, as after ``pip install``, which compiles bytecode."""
        timeout = self.args.timeout
        try:
            if cold_env is not None and prewarm is not None:
                run_process(prewarm[0], prewarm[1], timeout)
            if cold_env is not None:
                row.cold = run_process(cmd(), cold_env, timeout)
            for _ in range(warmups):
                run_process(cmd(), env, timeout)
            for _ in range(repeat or self.args.repeat):
                row.warm.append(run_process(cmd(), env, timeout))
        except RuntimeError as exc:
            row.note = f"failed: {str(exc).splitlines()[0][:200]}"
            print(f"  {row.name}: {exc}", file=sys.stderr)
        return row

    def lifdsl(self, n: int, target: str) -> Row:
        """lifdsl on one target; cold in an empty cache folder, then warm in the bench's own."""
        env = dict(self.lifdsl_env)
        cold_env = prewarm = None
        if self.lifdsl_cache is not None:
            env["LIFDSL_CACHE_DIR"] = self.lifdsl_cache
        if self.lifdsl_cache is not None and target == "cython":
            cold = Path(tempfile.mkdtemp(dir=self.work, prefix="lifdsl_cold_"))
            cold_env = dict(self.lifdsl_env, LIFDSL_CACHE_DIR=str(cold))
            # bytecode only: a kernel cache of its own, thrown away
            scratch = Path(tempfile.mkdtemp(dir=self.work, prefix="lifdsl_prewarm_"))
            prewarm = (self._lifdsl_cmd(n, target),
                       dict(self.lifdsl_env, LIFDSL_CACHE_DIR=str(scratch)))
        # --quick: no warm-up process (the test suite's cache is warm enough, or gets warm)
        return self._samples(Row(f"lifdsl {target}"), lambda: self._lifdsl_cmd(n, target), env,
                             cold_env, warmups=0 if self.args.quick else 1, prewarm=prewarm)

    def brian2(self, n: int, mode: str) -> Row:
        """Brian2 in one mode (standalone: a project folder per N, kept for the warm runs)."""
        py, seed, dur = self.args.brian2_python, str(self.args.seed), str(self.args.duration)
        row = Row(f"brian2 {mode}")
        if mode == "standalone":
            folder = self.keep / f"b2_standalone_{self.spec.name}_{n}"
            built = (folder / "main").exists()

            def cmd() -> list[str]:
                return [py, self.scripts["brian2"], mode, str(n), dur, seed, str(folder),
                        self.model]
            # the first build (a new folder) is the cold one; warm ones rebuild nothing
            return self._samples(row, cmd, self.peer_env, None if built else self.peer_env,
                                 warmups=0, repeat=self.args.peer_repeat)

        def cmd() -> list[str]:
            return [py, self.scripts["brian2"], mode, str(n), dur, seed, self.brian2_cache,
                    self.model]
        cold_env = prewarm = None
        if mode == "cython" and mode not in self.cold_done:
            self.cold_done.add(mode)
            if self.keep == self.work:   # (a kept cache stays: its cold is not measured)
                shutil.rmtree(self.brian2_cache, ignore_errors=True)
                cold_env = self.peer_env
                scratch = tempfile.mkdtemp(dir=self.work, prefix="brian2_prewarm_")
                prewarm = ([py, self.scripts["brian2"], mode, str(n), dur, seed, scratch,
                            self.model], self.peer_env)
        return self._samples(row, cmd, self.peer_env, cold_env,
                             warmups=0 if cold_env is not None or mode == "numpy" else 1,
                             repeat=self.args.peer_repeat, prewarm=prewarm)

    def available(self, name: str, n: int, peers: dict[str, bool]) -> bool:
        """Whether row ``name`` runs at this N (numpy targets up to --numpy-max; peers only
        where their interpreter imports them and the bench has a script for them)."""
        peer = name.split("-")[0]
        if peer not in self.scripts:
            return False
        if peer != "lifdsl" and not peers.get(peer):
            return False
        return not name.endswith("numpy") or n <= self.args.numpy_max

    def row(self, name: str, n: int) -> Row:
        """Measure row ``name`` (one of SIMULATORS) at this N."""
        if name == "nest":
            return self.nest(n)
        peer, mode = name.split("-")
        return self.lifdsl(n, mode) if peer == "lifdsl" else self.brian2(n, mode)

    def nest(self, n: int) -> Row:
        """NEST's version of the model, one thread."""
        def cmd() -> list[str]:
            return [self.args.nest_python, self.scripts["nest"], str(n), str(self.args.duration),
                    str(self.args.seed), self.model]
        return self._samples(Row("nest"), cmd, self.peer_env, warmups=1,
                             repeat=self.args.peer_repeat)


def fmt(x: float | None, spec: str = "8.3f") -> str:
    """A number, or a dash where nothing was measured."""
    width = int(spec.split(".")[0]) if spec[0].isdigit() else 8
    return f"{x:{spec}}" if x is not None else f"{'-':>{width}}"


def table(title: str, neurons: int, rows: list[Row], duration: float) -> str:
    """The table of one size: a line per simulator, then lifdsl's ratios to each peer."""
    head = (f"{'simulator':<18} | {'synapses':>9} | {'rate Hz':>7} | {'connect':>8} | "
            f"{'loop':>8} | {'run':>8} | {'fresh':>8} | {'cold':>8} | {'peak MiB':>8}")
    lines = [title, head, "-" * len(head)]
    for r in rows:
        if not r.warm:
            lines.append(f"{r.name:<18} | {r.note}")
            continue
        spikes, syn = r.median("spikes"), r.median("synapses")
        rate = spikes / (neurons * duration) if spikes is not None else None
        lines.append(
            f"{r.name:<18} | {fmt(syn, '9.0f')} | {fmt(rate, '7.2f')} | "
            f"{fmt(r.median('connect'))} | {fmt(r.median('loop'))} | {fmt(r.median('run'))} | "
            f"{fmt(r.fresh)} | {fmt(r.cold_compile)} | {fmt(r.peak_mib, '8.1f')}")
    mine = [r for r in rows if r.name.startswith("lifdsl") and r.warm]
    peers = [r for r in rows if not r.name.startswith("lifdsl") and r.warm]
    if mine and peers:
        lines.append("ratios lifdsl/peer (below 1: lifdsl is faster or smaller)")
        for a in mine:
            for b in peers:
                cells = []
                for label, x, y in (("connect", a.median("connect"), b.median("connect")),
                                    ("loop", a.median("loop"), b.median("loop")),
                                    ("run", a.median("run"), b.median("run")),
                                    ("run/peer loop", a.median("run"), b.median("loop")),
                                    ("fresh", a.fresh, b.fresh),
                                    ("peak", a.peak_mib, b.peak_mib)):
                    if x is not None and y:
                        cells.append(f"{label} {x / y:.2f}")
                lines.append(f"  {a.name} / {b.name}: " + ", ".join(cells))
    return "\n".join(lines)


def main(spec: Spec, argv: list[str] | None = None) -> None:
    """Parse options, run every configuration of ``spec``, print the tables (and its goals)."""
    ap = argparse.ArgumentParser(description=spec.description)
    ap.add_argument("--quick", action="store_true", help="tiny N, short run, lifdsl only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None,
                    help=None if spec.size_help == "N" else spec.size_help)
    ap.add_argument("--duration", type=float, default=None, help="seconds (default 1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=None, help="warm lifdsl processes (3)")
    ap.add_argument("--peer-repeat", type=int, default=1, help="warm processes per peer")
    ap.add_argument("--numpy-max", type=int, default=spec.numpy_max,
                    help="largest N for numpy targets")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--only", nargs="*", choices=SIMULATORS, default=None,
                    help="run only these simulators")
    ap.add_argument("--brian2-python", default="/tmp/b2env/bin/python")
    ap.add_argument("--nest-python", default="/tmp/nestenv/bin/python")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    ap.add_argument("--keep", default=None,
                    help="a folder for the peers' builds and the bytecode cache, kept across "
                         "runs (default: a temporary one)")
    if spec.goal_rows:
        ap.add_argument("--goals", action="store_true",
                        help="only the sizes and rows the issue's goals compare: "
                             + "; ".join(f"N={n}: {', '.join(r)}"
                                         for n, r in spec.goal_rows.items()))
    args = ap.parse_args(argv)
    goal_rows = spec.goal_rows if getattr(args, "goals", False) else None
    if goal_rows:
        args.sizes = args.sizes or list(goal_rows)
    if args.quick:
        args.sizes = args.sizes or [spec.quick_size]
        args.duration = args.duration or spec.quick_duration
        args.repeat = args.repeat or 1
        args.numpy_max = max(args.numpy_max, max(args.sizes))
        args.no_peers = True
    args.sizes = args.sizes or list(spec.sizes)
    args.duration = args.duration or 1.0
    args.repeat = args.repeat or 3

    peers = {}
    if not args.no_peers:
        for name, py, module in (("brian2", args.brian2_python, "brian2"),
                                 ("nest", args.nest_python, "nest")):
            if name not in spec.scripts:
                continue
            ok, info = python_works(py, module)
            peers[name] = ok
            print(f"{name}: {info}" if ok else f"{name}: left out ({info})")
    results: dict[int, dict[str, Row]] = {}
    with tempfile.TemporaryDirectory(prefix=f"lifdsl_{spec.name}_") as tmp:
        bench = Bench(spec, args, Path(tmp))
        for n in args.sizes:
            wanted = set(args.only or (goal_rows or {}).get(n, spec.rows))
            rows = [bench.row(name, n) for name in SIMULATORS
                    if name in wanted and bench.available(name, n, peers)]
            results[n] = {r.name: r for r in rows}
            neurons = spec.neurons(n) if spec.neurons is not None else n
            print(table(spec.title(n, args.duration), neurons, rows, args.duration))
            print(flush=True)
    if not args.quick and spec.goals is not None:
        print("goals (issue):")
        print("\n".join(spec.goals(results)))
