"""CUBA network (Brette et al. 2007): lifdsl against Brian2 2.9 and NEST 3.10, one table per N.

    python bench/cuba.py                    # N = 4000, 16000, 64000 (p = 80/N), 1 s, with peers
    python bench/cuba.py --quick            # tiny N, short run, lifdsl only (the tests run this)
    python bench/cuba.py --sizes 4000 --no-peers

Every measurement is a fresh process running a small script (written to a temporary folder):
lifdsl with this interpreter and this checkout, Brian2 with ``--brian2-python`` (default
``/tmp/b2env/bin/python``; Brian2 2.9 needs NumPy < 2.4), NEST with ``--nest-python`` (default
``/tmp/nestenv/bin/python``); a peer whose interpreter is missing or cannot import its
simulator is left out and said so. Columns (seconds, peak memory in MiB):

- connect: both ``connect(p=80/N)`` calls (Brian2 standalone: timed inside the binary, around
  its synapse creation; NEST: both ``Connect`` calls).
- loop: the time loop alone: lifdsl, the target runtime's ``run`` (the kernel or the NumPy
  interpreter, without building the program); Brian2, ``device._last_run_time`` (the loop
  after ``before_run``; in standalone, measured by the binary); NEST, ``Simulate``.
- run: the whole ``net.run(duration)`` call (Brian2 standalone: the binary's wall time, which
  also creates the synapses, initialises and writes results; NEST: ``Simulate``).
- fresh: one process from start to exit with warm caches (import, build, connect, run).
- cold: a fresh process with empty caches (lifdsl: kernel and symbolic caches; Brian2: Cython
  cache or a new standalone project folder) minus the median warm fresh process: what the
  first run of the model costs in compiling. Brian2's Cython target is measured cold at the
  first N only (its compiled code is reused across N); numpy targets and NEST compile nothing.
- peak: the process's peak resident memory (``VmHWM``, read by the process itself at its end:
  a child's ``ru_maxrss`` would include its forking parent's pages); Brian2 standalone: the
  compiled binary's own (the Python process that generates and compiles it is not counted).

Every simulator records all spikes (a SpikeMonitor / spike_recorder), runs single-threaded
with dt = 0.1 ms, and draws its own random network, so spike counts differ by seed; the rate
column shows that all run the same regime (~5.6 Hz at N = 4000). Warm rows are the median of
``--repeat`` processes after one warm-up process. Brian2 compiles with its defaults
(``-O3 -ffast-math -march=native``), lifdsl with its own (``-O3``, no ``-march=native``).
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: the model, shared by every script: SI values in the worker's own units
MODEL = dict(taum=20e-3, taue=5e-3, taui=10e-3, Vt=-50e-3, Vr=-60e-3, El=-49e-3,
             we=60 * 0.27 / 10 * 1e-3, wi=-20 * 4.5 / 10 * 1e-3, refractory=5e-3, dt=1e-4)

LIFDSL_SCRIPT = textwrap.dedent('''
    import json, sys, time
    t_start = time.perf_counter()
    import lifdsl as ld
    import lifdsl.codegen.targets as targets
    t_import = time.perf_counter()

    def hwm_kib():
        """This process's peak resident memory (VmHWM: its own, not a forking parent's)."""
        try:
            with open("/proc/self/status") as f:
                return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1])
        except (OSError, StopIteration, ValueError):
            return None

    N, duration, seed, target = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    m = json.loads(sys.argv[5])
    loop = [0.0]
    plain_runtime = targets.runtime

    class Timed:
        """The target's runtime, with its run() timed (the loop without building the program)."""

        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def run(self, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return self._inner.run(*args, **kwargs)
            finally:
                loop[0] += time.perf_counter() - t0

    targets.runtime = lambda *a, **k: Timed(plain_runtime(*a, **k))
    ld.seed(seed)
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
    t0 = time.perf_counter()
    Ce.connect(p=min(1.0, 80.0 / N))
    Ci.connect(p=min(1.0, 80.0 / N))
    t_connect = time.perf_counter() - t0
    S = ld.SpikeMonitor(P)
    net = ld.Network(P, Ce, Ci, S, target=target)
    t0 = time.perf_counter()
    net.run(duration)
    t_run = time.perf_counter() - t0
    print(json.dumps(dict(connect=t_connect, loop=loop[0], run=t_run, import_=t_import - t_start,
                          spikes=int(S.num_spikes), synapses=len(Ce) + len(Ci),
                          hwm_kib=hwm_kib())))
''')

BRIAN2_SCRIPT = textwrap.dedent('''
    import json, os, subprocess, sys, time
    t_start = time.perf_counter()
    import brian2 as b2
    t_import = time.perf_counter()

    def hwm_kib():
        """This process's peak resident memory (VmHWM: its own, not a forking parent's)."""
        try:
            with open("/proc/self/status") as f:
                return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1])
        except (OSError, StopIteration, ValueError):
            return None

    mode, N, duration, seed, folder = (sys.argv[1], int(sys.argv[2]), float(sys.argv[3]),
                                       int(sys.argv[4]), sys.argv[5])
    m = json.loads(sys.argv[6])
    b2.prefs.logging.console_log_level = "WARNING"
    if mode == "standalone":
        b2.set_device("cpp_standalone", directory=folder, build_on_run=False)
        b2.prefs.codegen.cpp.headers += ["<chrono>", "<fstream>", "<string>"]
    else:
        b2.prefs.codegen.target = mode
        b2.prefs.codegen.runtime.cython.cache_dir = folder
    b2.defaultclock.dt = m["dt"] * b2.second
    b2.seed(seed)
    ms = b2.ms
    ns = {k: m[k] * b2.volt for k in ("Vt", "Vr", "El", "we", "wi")}
    ns.update({k: m[k] * b2.second for k in ("taum", "taue", "taui")})
    eqs = """
    dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = b2.NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr",
                       refractory=m["refractory"] * b2.second, method="exact", namespace=ns)
    P.v = "Vr + rand()*(Vt - Vr)"
    ne = int(round(0.8 * N))
    Ce = b2.Synapses(P[:ne], P, on_pre="ge += we", namespace=ns)
    Ci = b2.Synapses(P[ne:], P, on_pre="gi += wi", namespace=ns)
    if mode == "standalone":
        b2.device.insert_code("main", "auto bench_c0 = std::chrono::steady_clock::now();")
    t0 = time.perf_counter()
    Ce.connect(p=min(1.0, 80.0 / N))
    Ci.connect(p=min(1.0, 80.0 / N))
    t_connect = time.perf_counter() - t0
    if mode == "standalone":
        b2.device.insert_code("main", (
            '{ auto bench_c1 = std::chrono::steady_clock::now(); '
            'std::ofstream f("bench_connect.txt"); f.precision(9); '
            'f << std::chrono::duration<double>(bench_c1 - bench_c0).count(); }'))
    S = b2.SpikeMonitor(P)
    net = b2.Network(P, Ce, Ci, S)
    t0 = time.perf_counter()
    net.run(duration * b2.second)
    t_run = time.perf_counter() - t0
    if mode == "standalone":  # the binary's own peak memory, read by itself after the run
        b2.device.insert_code("main", (
            '{ std::ifstream s("/proc/self/status"); std::string l; '
            'std::ofstream f("bench_hwm.txt"); '
            'while (std::getline(s, l)) if (l.rfind("VmHWM", 0) == 0) f << l.substr(6); }'))
    out = dict(import_=t_import - t_start)
    if mode == "standalone":
        b2.device.build(directory=folder, compile=True, run=True)
        out.update(spikes=int(S.num_spikes), synapses=len(Ce) + len(Ci))
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
        with open(os.path.join(folder, "bench_connect.txt")) as f:
            out["connect"] = float(f.read())
    else:
        out.update(connect=t_connect, run=t_run, loop=float(b2.get_device()._last_run_time),
                   spikes=int(S.num_spikes), synapses=len(Ce) + len(Ci), hwm_kib=hwm_kib())
    print(json.dumps(out))
''')

NEST_SCRIPT = textwrap.dedent('''
    import json, sys, time
    t_start = time.perf_counter()
    import nest
    t_import = time.perf_counter()

    def hwm_kib():
        """This process's peak resident memory (VmHWM: its own, not a forking parent's)."""
        try:
            with open("/proc/self/status") as f:
                return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1])
        except (OSError, StopIteration, ValueError):
            return None

    N, duration, seed = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    m = json.loads(sys.argv[4])
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": m["dt"] * 1e3, "local_num_threads": 1,
                          "rng_seed": seed + 1, "print_time": False})
    # iaf_psc_exp: C dV/dt = -C (V - E_L)/tau_m + I; a jump of w volts in Brian2's ge is a
    # current jump of w*C/tau_m
    C, taum = 250.0, m["taum"] * 1e3
    pop = nest.Create("iaf_psc_exp", N, params=dict(
        C_m=C, tau_m=taum, tau_syn_ex=m["taue"] * 1e3, tau_syn_in=m["taui"] * 1e3,
        t_ref=m["refractory"] * 1e3, E_L=m["El"] * 1e3, V_th=m["Vt"] * 1e3,
        V_reset=m["Vr"] * 1e3, I_e=0.0))
    pop.V_m = nest.random.uniform(m["Vr"] * 1e3, m["Vt"] * 1e3)
    ne = int(round(0.8 * N))
    conn = {"rule": "pairwise_bernoulli", "p": min(1.0, 80.0 / N), "allow_autapses": True}
    t0 = time.perf_counter()
    nest.Connect(pop[:ne], pop, conn, {"weight": m["we"] * 1e3 * C / taum, "delay": m["dt"] * 1e3})
    nest.Connect(pop[ne:], pop, conn, {"weight": m["wi"] * 1e3 * C / taum, "delay": m["dt"] * 1e3})
    t_connect = time.perf_counter() - t0
    synapses = nest.GetKernelStatus("num_connections")
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    t0 = time.perf_counter()
    nest.Simulate(duration * 1e3)
    t_run = time.perf_counter() - t0
    print(json.dumps(dict(connect=t_connect, loop=t_run, run=t_run, import_=t_import - t_start,
                          spikes=int(rec.n_events), synapses=int(synapses),
                          hwm_kib=hwm_kib())))
''')


#: the rows a run can have, in table order
SIMULATORS = ("lifdsl-cython", "lifdsl-numpy", "brian2-standalone", "brian2-cython",
              "brian2-numpy", "nest")


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
    """Runs every configuration in fresh processes and keeps the rows."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.scripts = {}
        for name, text in (("lifdsl", LIFDSL_SCRIPT), ("brian2", BRIAN2_SCRIPT),
                           ("nest", NEST_SCRIPT)):
            path = work / f"cuba_{name}.py"
            path.write_text(text)
            self.scripts[name] = str(path)
        self.model = json.dumps(MODEL)
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        self.lifdsl_env = env
        self.peer_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.lifdsl_cache = None if args.quick else str(work / "lifdsl_cache")
        self.brian2_cache = str(work / "brian2_cache")
        self.cold_done: set[str] = set()

    def _lifdsl_cmd(self, n: int, target: str) -> list[str]:
        return [sys.executable, self.scripts["lifdsl"], str(n), str(self.args.duration),
                str(self.args.seed), target, self.model]

    def _samples(self, row: Row, cmd, env, cold_env=None, warmups: int = 1,
                 repeat: int | None = None) -> Row:
        timeout = self.args.timeout
        try:
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
        cold_env = None
        if self.lifdsl_cache is not None:
            env["LIFDSL_CACHE_DIR"] = self.lifdsl_cache
        if self.lifdsl_cache is not None and target == "cython":
            cold = Path(tempfile.mkdtemp(dir=self.work, prefix="lifdsl_cold_"))
            cold_env = dict(self.lifdsl_env, LIFDSL_CACHE_DIR=str(cold))
        # --quick: no warm-up process (the test suite's cache is warm enough, or gets warm)
        return self._samples(Row(f"lifdsl {target}"), lambda: self._lifdsl_cmd(n, target), env,
                             cold_env, warmups=0 if self.args.quick else 1)

    def brian2(self, n: int, mode: str) -> Row:
        """Brian2 in one mode (standalone: a project folder per N, kept for the warm runs)."""
        py, seed, dur = self.args.brian2_python, str(self.args.seed), str(self.args.duration)
        row = Row(f"brian2 {mode}")
        if mode == "standalone":
            folder = self.work / f"b2_standalone_{n}"

            def cmd() -> list[str]:
                return [py, self.scripts["brian2"], mode, str(n), dur, seed, str(folder),
                        self.model]
            # the first build (a new folder) is the cold one; warm ones rebuild nothing
            return self._samples(row, cmd, self.peer_env, self.peer_env, warmups=0,
                                 repeat=self.args.peer_repeat)

        def cmd() -> list[str]:
            return [py, self.scripts["brian2"], mode, str(n), dur, seed, self.brian2_cache,
                    self.model]
        cold_env = None
        if mode == "cython" and mode not in self.cold_done:
            self.cold_done.add(mode)
            shutil.rmtree(self.brian2_cache, ignore_errors=True)
            cold_env = self.peer_env
        return self._samples(row, cmd, self.peer_env, cold_env,
                             warmups=0 if cold_env is not None or mode == "numpy" else 1,
                             repeat=self.args.peer_repeat)

    def available(self, name: str, n: int, peers: dict[str, bool]) -> bool:
        """Whether row ``name`` runs at this N (numpy targets up to --numpy-max; peers only
        where their interpreter imports them)."""
        peer = name.split("-")[0]
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
        """NEST's iaf_psc_exp network, one thread."""
        def cmd() -> list[str]:
            return [self.args.nest_python, self.scripts["nest"], str(n), str(self.args.duration),
                    str(self.args.seed), self.model]
        return self._samples(Row("nest"), cmd, self.peer_env, warmups=1,
                             repeat=self.args.peer_repeat)


def fmt(x: float | None, spec: str = "8.3f") -> str:
    """A number, or a dash where nothing was measured."""
    width = int(spec.split(".")[0]) if spec[0].isdigit() else 8
    return f"{x:{spec}}" if x is not None else f"{'-':>{width}}"


def table(n: int, rows: list[Row], duration: float) -> str:
    """The table of one N: a line per simulator, then lifdsl's ratios to each peer."""
    head = (f"{'simulator':<18} | {'synapses':>9} | {'rate Hz':>7} | {'connect':>8} | "
            f"{'loop':>8} | {'run':>8} | {'fresh':>8} | {'cold':>8} | {'peak MiB':>8}")
    lines = [f"N = {n} (p = {min(1.0, 80.0 / n):.4g}), {duration:g} s; seconds unless noted",
             head, "-" * len(head)]
    for r in rows:
        if not r.warm:
            lines.append(f"{r.name:<18} | {r.note}")
            continue
        spikes, syn = r.median("spikes"), r.median("synapses")
        rate = spikes / (n * duration) if spikes is not None else None
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


def goals(results: dict[int, dict[str, Row]]) -> list[str]:
    """The issue's goals, each with the measured values and whether it is met."""
    def get(n: int, name: str) -> Row | None:
        r = results.get(n, {}).get(name)
        return r if r is not None and r.warm else None

    out = []

    def check(text: str, value: float | None, limit: float | None, unit: str = "") -> None:
        if value is None or limit is None:
            out.append(f"- {text}: not measured")
            return
        verdict = "met" if value <= limit else "NOT met"
        out.append(f"- {text}: {value:.3f}{unit} vs limit {limit:.3f}{unit} -> {verdict}")

    cy4, sa4 = get(4000, "lifdsl cython"), get(4000, "brian2 standalone")
    check("N=4000 lifdsl cython whole net.run <= 0.5 x Brian2 standalone loop",
          cy4 and cy4.median("run"), sa4 and 0.5 * sa4.median("loop"), " s")
    check("N=4000 lifdsl cython fresh process <= 1.5 s", cy4 and cy4.fresh, 1.5, " s")
    check("N=4000 lifdsl cython cold compile <= 5 s", cy4 and cy4.cold_compile, 5.0, " s")
    cy64, sa64, b2cy64 = (get(64000, "lifdsl cython"), get(64000, "brian2 standalone"),
                          get(64000, "brian2 cython"))
    check("N=64000 lifdsl cython loop <= 0.5 x Brian2 standalone loop",
          cy64 and cy64.median("loop"), sa64 and 0.5 * sa64.median("loop"), " s")
    check("N=64000 lifdsl connect <= 0.5 x Brian2 standalone connect",
          cy64 and cy64.median("connect"), sa64 and 0.5 * sa64.median("connect"), " s")
    check("N=64000 lifdsl connect <= 0.5 x Brian2 cython connect",
          cy64 and cy64.median("connect"), b2cy64 and 0.5 * b2cy64.median("connect"), " s")
    check("N=64000 lifdsl cython peak memory <= Brian2 cython process",
          cy64 and cy64.peak_mib, b2cy64 and b2cy64.peak_mib, " MiB")
    check("N=64000 lifdsl cython peak memory <= Brian2 standalone binary",
          cy64 and cy64.peak_mib, sa64 and sa64.peak_mib, " MiB")
    np4, b2np4 = get(4000, "lifdsl numpy"), get(4000, "brian2 numpy")
    check("N=4000 lifdsl numpy loop <= 0.5 x Brian2 numpy loop",
          np4 and np4.median("loop"), b2np4 and 0.5 * b2np4.median("loop"), " s")
    return out


def main(argv: list[str] | None = None) -> None:
    """Parse options, run every configuration, print the tables and the goals."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny N, short run, lifdsl only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--duration", type=float, default=None, help="seconds (default 1)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=None, help="warm lifdsl processes (3)")
    ap.add_argument("--peer-repeat", type=int, default=1, help="warm processes per peer")
    ap.add_argument("--numpy-max", type=int, default=4000, help="largest N for numpy targets")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--only", nargs="*", choices=SIMULATORS, default=None,
                    help="run only these simulators")
    ap.add_argument("--brian2-python", default="/tmp/b2env/bin/python")
    ap.add_argument("--nest-python", default="/tmp/nestenv/bin/python")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per process")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or [400]
        args.duration = args.duration or 0.05
        args.repeat = args.repeat or 1
        args.numpy_max = max(args.numpy_max, max(args.sizes))
        args.no_peers = True
    args.sizes = args.sizes or [4000, 16000, 64000]
    args.duration = args.duration or 1.0
    args.repeat = args.repeat or 3

    peers = {}
    if not args.no_peers:
        for name, py, module in (("brian2", args.brian2_python, "brian2"),
                                 ("nest", args.nest_python, "nest")):
            ok, info = python_works(py, module)
            peers[name] = ok
            print(f"{name}: {info}" if ok else f"{name}: left out ({info})")
    results: dict[int, dict[str, Row]] = {}
    with tempfile.TemporaryDirectory(prefix="lifdsl_cuba_") as tmp:
        bench = Bench(args, Path(tmp))
        wanted = set(args.only or SIMULATORS)
        for n in args.sizes:
            rows = [bench.row(name, n) for name in SIMULATORS
                    if name in wanted and bench.available(name, n, peers)]
            results[n] = {r.name: r for r in rows}
            print(table(n, rows, args.duration))
            print(flush=True)
    if not args.quick:
        print("goals (issue):")
        print("\n".join(goals(results)))


if __name__ == "__main__":
    main()
