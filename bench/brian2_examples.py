"""Brian2's example scripts under lifdsl.brian2 and under Brian2 (issue 11's drop-in check).

Given a folder of Brian2 scripts (Brian2 2.9.0's ``examples/``: its sdist, or
``git archive 2.9.0 examples`` of its repository), runs each in a fresh process with its import
lines rewritten to name ``lifdsl.brian2`` (``brian2.units`` -> ``lifdsl.units``), under a time
cap, and, where an interpreter that imports ``brian2`` is given, also under Brian2 (its NumPy
target unless the script chooses otherwise). Prints per script: ran or the error, the wall time
of each (fresh process to exit), the spike counts of every SpikeMonitor side by side, and whether
the counts (within 10 % or 3 spikes) and the StateMonitors' means agree. A script that draws
unseeded random numbers cannot agree run for run: ``--repeats K`` runs each side of a script
that disagrees K more times and compares the means over runs (agree ``yes/n`` where they are
within the one-run tolerance or 3 standard errors of their difference).

    python bench/brian2_examples.py /tmp/b2examples/examples --brian2-python /tmp/b2env/bin/python
    python bench/brian2_examples.py DIR --only CUBA.py,synapses/STDP.py --cap 60 --json out.json
    python bench/brian2_examples.py DIR --brian2-saved out.json   # Brian2's side from a run before
    python bench/brian2_examples.py DIR --brian2-python B2 --only CUBA.py --repeats 5

Brian2's side is slow (its NumPy target, fresh processes): ``--brian2-saved`` takes it from the
``--json`` of an earlier run (scripts it lacks run under ``--brian2-python`` if given), so a
rerun only runs lifdsl's side.

This is a benchmark, not a test: Brian2 is never a dependency of lifdsl or of its tests.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MARK = "@@LIFDSL-BENCH-RESULT@@"
DEFAULT_PARTS = (".", "advanced", "synapses")

# the child: run one script (already rewritten) and report its monitors as one JSON line
CHILD = r'''
import json, os, runpy, sys, time
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
plt.show = lambda *a, **k: None
flavour, script, target = sys.argv[1], sys.argv[2], sys.argv[3]
import numpy as np
if flavour == "brian2":
    import brian2
    if target:
        brian2.prefs.codegen.target = target
    from brian2 import SpikeMonitor, StateMonitor
else:
    import lifdsl.brian2  # noqa: F401  (what the rewritten script imports)
    from lifdsl import SpikeMonitor, StateMonitor
# every monitor stays alive to the end, so that a script's monitors made inside its functions
# (gone in Brian2 when the function returns) are compared too
kept = []
for kind in (SpikeMonitor, StateMonitor):
    def keeping(self, *args, _init=kind.__init__, **kwargs):
        _init(self, *args, **kwargs)
        kept.append(self)
    kind.__init__ = keeping
sys.argv = [script]
t0 = time.perf_counter()
error = None
namespace = {}
try:
    namespace = runpy.run_path(script, run_name="__main__")  # kept: its monitors stay alive
except SystemExit:
    pass
except BaseException as exc:  # a script's own failure is the result
    error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]
elapsed = time.perf_counter() - t0
spikes, states = [], []
for obj in kept:
    try:
        kind = type(obj)  # not isinstance: weakref proxies of monitors pass it
        if issubclass(kind, SpikeMonitor):
            spikes.append((str(obj.name), int(np.sum(np.asarray(obj.count)))))
        elif issubclass(kind, StateMonitor):
            for var in obj.record_variables:
                vals = np.asarray(getattr(obj, var), dtype=float)
                if vals.size:
                    states.append((f"{obj.name}.{var}", float(np.nanmean(vals)),
                                   float(np.nanstd(vals))))
    except Exception:
        continue
print("''' + MARK + r'''" + json.dumps({"error": error, "script_s": elapsed,
                                        "spikes": sorted(spikes), "states": sorted(states)}))
'''


def rewrite_imports(source: str) -> str:
    """The script with its Brian2 import lines naming lifdsl.brian2 (and lifdsl.units)."""
    source = re.sub(r"\bbrian2\.units\b", "lifdsl.units", source)
    source = re.sub(r"^(\s*)from\s+brian2(\.[\w.]+)?\s+import\b",
                    lambda m: f"{m.group(1)}from lifdsl.brian2{m.group(2) or ''} import",
                    source, flags=re.M)
    source = re.sub(r"^(\s*)import\s+brian2\s+as\s+(\w+)", r"\1import lifdsl.brian2 as \2",
                    source, flags=re.M)
    source = re.sub(r"^(\s*)import\s+brian2\s*$", r"\1import lifdsl.brian2 as brian2",
                    source, flags=re.M)
    return source


def imported_modules(source: str) -> set[str]:
    """Top-level module names a script imports (to list the ones this machine lacks)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def missing_modules(python: str, modules: set[str]) -> list[str]:
    """The modules among ``modules`` that ``python`` cannot find."""
    code = ("import importlib.util, sys, json; print(json.dumps([m for m in sys.argv[1:] "
            "if importlib.util.find_spec(m) is None]))")
    out = subprocess.run([python, "-c", code, *sorted(modules)], capture_output=True,
                         text=True, timeout=60)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return sorted(modules)


def run_one(python: str, flavour: str, script: Path, workdir: Path, cap: float,
            target: str) -> dict:
    """One fresh process on one (rewritten) script: status, wall time, monitors."""
    child = workdir / "_child.py"
    child.write_text(CHILD)
    env = dict(os.environ, MPLBACKEND="Agg")
    t0, cpu0 = time.perf_counter(), _children_cpu()
    try:
        proc = subprocess.run([python, str(child), flavour, str(script), target],
                              capture_output=True, text=True, timeout=cap, cwd=workdir, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"over {cap:g} s", "wall_s": cap, "cpu_s": _children_cpu() - cpu0}
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith(MARK):
            res = json.loads(line[len(MARK):])
            res["wall_s"], res["cpu_s"] = wall, cpu
            res["status"] = "ran" if res["error"] is None else res["error"]
            return res
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"status": f"crashed: {tail[:150]}", "wall_s": wall, "cpu_s": cpu}


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children, compilers included:
    on a loaded machine a fairer measure than wall time."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _count_ok(x: int, y: int) -> bool:
    return abs(x - y) <= max(3, 0.1 * max(x, y))


def _mean_ok(x: list, y: list) -> bool:
    return abs(x[1] - y[1]) <= 0.1 * max(abs(x[1]), abs(y[1]), x[2], y[2]) + 1e-300


def differences(ours: dict, theirs: dict) -> list[str]:
    """What disagrees between two runs' monitors: SpikeMonitor counts beyond 10 % or 3 spikes,
    StateMonitor means beyond 10 % of the larger of their magnitude and spread (paired in
    order of name: both name monitors by kind and number of creation)."""
    out = []
    a, b = ours.get("spikes", []), theirs.get("spikes", [])
    if len(a) != len(b):
        out.append(f"{len(a)} SpikeMonitors vs {len(b)}")
    else:
        out += [f"{x[0]}: {x[1]} vs {y[1]} spikes" for x, y in zip(a, b, strict=True)
                if not _count_ok(x[1], y[1])]
    a, b = ours.get("states", []), theirs.get("states", [])
    if len(a) != len(b):
        out.append(f"{len(a)} recorded variables vs {len(b)}")
    else:
        out += [f"{x[0]}: mean {x[1]:.4g} vs {y[1]:.4g} (sd {y[2]:.3g})"
                for x, y in zip(a, b, strict=True) if not _mean_ok(x, y)]
    return out


def repeated_differences(ours: list[dict], theirs: list[dict]) -> list[str]:
    """What disagrees between several runs of each side (a script drawing unseeded random
    numbers): a count or mean disagrees where the means over runs differ by more than both the
    single-run tolerance and 3 standard errors of their difference. A side whose runs are all
    equal seeded its own generator (``np.random.seed`` in a Brian2 script, which lifdsl's
    draws do not follow): its value is one draw, with the other side's run-to-run variance."""
    out = []
    for kind, col in (("spikes", 1), ("states", 1)):
        rows_a = [r.get(kind, []) for r in ours]
        rows_b = [r.get(kind, []) for r in theirs]
        if len({len(x) for x in rows_a + rows_b}) != 1:
            out.append(f"{kind}: the runs have different monitors")
            continue
        for k in range(len(rows_a[0])):
            a = np.array([x[k][col] for x in rows_a], float)
            b = np.array([x[k][col] for x in rows_b], float)
            diff = abs(a.mean() - b.mean())
            va, vb = a.var(ddof=1), b.var(ddof=1)
            if va == 0 or vb == 0:     # (one side seeded: one path, spread as the other's)
                va = vb = max(va, vb)
                se = np.sqrt(va / (a.size if a.var() else 1) + vb / (b.size if b.var() else 1))
            else:
                se = np.sqrt(va / a.size + vb / b.size)
            single = (_count_ok(a.mean(), b.mean()) if kind == "spikes" else
                      _mean_ok([0, a.mean(), rows_a[0][k][2]], [0, b.mean(), rows_b[0][k][2]]))
            if not single and diff > 3 * se:
                out.append(f"{rows_a[0][k][0]}: mean {a.mean():.4g} vs {b.mean():.4g} over "
                           f"{a.size} and {b.size} runs (standard error of the difference "
                           f"{se:.3g})")
    return out


def _times(ours: dict, theirs: dict | None, empty: str = "-") -> list[str]:
    """Wall and CPU seconds of both sides and their ratios (lifdsl / Brian2), as text; a ratio
    where both ran (or failed alike after their simulations)."""
    both = bool(theirs) and ours["status"] == theirs["status"] and "spikes" in ours
    out = []
    for key in ("wall_s", "cpu_s"):
        a, b = ours.get(key), (theirs or {}).get(key)
        out += [empty if a is None else f"{a:.1f}", empty if b is None else f"{b:.1f}",
                f"{a / b:.2f}" if both and a is not None and b else empty]
    return out


def _status(ours: dict, theirs: dict | None) -> str:
    """One run's verdict: ran, lifdsl's error, Brian2's error, or the same on both sides."""
    if theirs and ours["status"] == theirs["status"] != "ran":
        return f"same on both: {ours['status']}"
    if ours["status"] != "ran":
        return ours["status"]
    return "ran" if not theirs or theirs["status"] == "ran" else f"brian2: {theirs['status']}"


def markdown(results: list) -> str:
    """The results as a Markdown table (bench/RESULTS.md)."""
    lines = ["| script | lifdsl wall s | Brian2 wall s | ratio | lifdsl CPU s | Brian2 CPU s "
             "| ratio | spikes lifdsl | spikes Brian2 | agree | status |",
             "| --- |" + " ---: |" * 8 + " --- | --- |"]
    for r in results:
        if "excepted" in r:
            lines.append(f"| {r['script']} |" + " |" * 9 + f" excepted: {r['excepted']} |")
            continue
        ld_res, b2_res = r["lifdsl"], r.get("brian2") or {}
        sp_ld = sum(c for _, c in ld_res.get("spikes", []))
        sp_b2 = sum(c for _, c in b2_res.get("spikes", []))
        status = _status(ld_res, b2_res or None)
        if r.get("differences"):
            status += "; " + "; ".join(r["differences"])
        lines.append(f"| {r['script']} | " + " | ".join(_times(ld_res, b2_res or None, "")) +
                     " | "
                     f"{sp_ld if 'spikes' in ld_res else ''} | "
                     f"{sp_b2 if 'spikes' in b2_res else ''} | "
                     f"{r.get('agree', '')} | {status.replace('|', '/')} |")
    return "\n".join(lines)


def scripts_in(folder: Path, parts, only) -> list[Path]:
    """The scripts to run, as paths relative to ``folder``."""
    if only:
        return [Path(s) for s in only]
    out = []
    for part in parts:
        out += sorted(p.relative_to(folder) for p in (folder / part).glob("*.py"))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="Brian2's examples/ folder")
    ap.add_argument("--brian2-python", default=os.environ.get("LIFDSL_BRIAN2_PYTHON"),
                    help="an interpreter that imports brian2 (default: none, lifdsl only)")
    ap.add_argument("--brian2-target", default="numpy",
                    help="Brian2's codegen target for its runs ('' keeps the script's)")
    ap.add_argument("--cap", type=float, default=60.0, help="seconds per script and side")
    ap.add_argument("--parts", default=",".join(DEFAULT_PARTS),
                    help="subfolders to take every script of")
    ap.add_argument("--only", default="", help="comma-separated scripts (relative paths)")
    ap.add_argument("--json", type=Path, help="write every result here")
    ap.add_argument("--markdown", action="store_true", help="end with a Markdown table")
    ap.add_argument("--repeats", type=int, default=0,
                    help="where one run a side disagrees, run each side this many times more "
                         "and compare the means (scripts with unseeded random numbers)")
    ap.add_argument("--brian2-saved", type=Path,
                    help="reuse Brian2's results from this earlier --json (same target)")
    args = ap.parse_args(argv)
    folder = args.folder.resolve()
    only = [s for s in args.only.split(",") if s]
    saved = {}
    if args.brian2_saved:
        saved = {r["script"]: r["brian2"] for r in json.loads(args.brian2_saved.read_text())
                 if "brian2" in r}
    results = []
    header = (f"{'script':44s} " + " ".join(f"{x:>7s}" for x in (
        "ld wall", "b2 wall", "ratio", "ld cpu", "b2 cpu", "ratio")) +
        f" {'spikes ld':>9s} {'spikes b2':>9s} agree  status")
    print(header)
    print("-" * len(header))
    for rel in scripts_in(folder, args.parts.split(","), only):
        src = (folder / rel).read_text()
        mods = imported_modules(src) - {"brian2", "__future__"}
        lacking = missing_modules(sys.executable, mods)
        row = {"script": str(rel)}
        if lacking:
            row["excepted"] = "needs " + ", ".join(lacking)
            print(f"{str(rel):44s} excepted: {row['excepted']}")
            results.append(row)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            ours = tmp / rel.name
            ours.write_text(rewrite_imports(src))
            row["lifdsl"] = run_one(sys.executable, "lifdsl", ours, tmp, args.cap, "")
        if str(rel) in saved:
            row["brian2"] = saved[str(rel)]
        elif args.brian2_python:
            with tempfile.TemporaryDirectory() as tmp:
                tmp = Path(tmp)
                theirs = tmp / rel.name
                theirs.write_text(src)
                row["brian2"] = run_one(args.brian2_python, "brian2", theirs, tmp, args.cap,
                                        args.brian2_target)
        results.append(row)
        ld_res, b2_res = row["lifdsl"], row.get("brian2")
        times = _times(ld_res, b2_res)
        sp_ld = sum(c for _, c in ld_res.get("spikes", []))
        sp_b2 = sum(c for _, c in b2_res.get("spikes", [])) if b2_res else None
        agree = "-"
        if b2_res and ld_res["status"] == b2_res["status"] and "spikes" in ld_res:
            # both ran (or failed alike, after their simulations: a plotting error)
            row["differences"] = differences(ld_res, b2_res)
            agree = row["agree"] = "NO" if row["differences"] else "yes"
            if row["differences"] and args.repeats > 0 and args.brian2_python:
                runs = {"lifdsl": [ld_res], "brian2": [b2_res]}
                for _ in range(args.repeats):
                    for flavour, python, code, target in (
                            ("lifdsl", sys.executable, rewrite_imports(src), ""),
                            ("brian2", args.brian2_python, src, args.brian2_target)):
                        with tempfile.TemporaryDirectory() as tmp:
                            tmp = Path(tmp)
                            (tmp / rel.name).write_text(code)
                            res = run_one(python, flavour, tmp / rel.name, tmp, args.cap,
                                          target)
                        if res["status"] == ld_res["status"]:
                            runs[flavour].append(res)
                row["runs"] = {k: len(v) for k, v in runs.items()}
                row["differences"] = repeated_differences(runs["lifdsl"], runs["brian2"])
                n = min(row["runs"].values())
                agree = row["agree"] = f"NO/{n}" if row["differences"] else f"yes/{n}"
        status = _status(ld_res, b2_res)
        print(f"{str(rel):44s} " + " ".join(f"{x:>7s}" for x in times) + f" {sp_ld:>9d} "
              f"{'-' if sp_b2 is None else sp_b2:>9} {agree:>5s}  {status}", flush=True)
    ran = [r for r in results if r.get("lifdsl", {}).get("status") == "ran"]
    tried = [r for r in results if "lifdsl" in r]
    agreed = [r for r in results if str(r.get("agree", "")).startswith("yes")]
    print(f"\nran under lifdsl.brian2: {len(ran)} of {len(tried)} "
          f"({len(results) - len(tried)} excepted); agreeing with Brian2: {len(agreed)}")
    for r in results:
        if r.get("differences"):
            print(f"{r['script']}: " + "; ".join(r["differences"]))
    if args.markdown:
        print("\n" + markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
