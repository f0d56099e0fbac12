"""CUBA: lifdsl's Cython target and Brian2's C++ standalone binary, run alternately.

    python bench/cuba_interleaved.py --sizes 4000 64000 --rounds 7

On a shared machine whose load swings (other sessions' test suites and builds), the tables of
``bench/cuba.py`` compare rows measured minutes apart. Here each round runs one warm lifdsl
process and then the already-built Brian2 binary, back to back, so both see the same load;
the table gives the minimum and the median over the rounds of each column, and the goals'
ratios from the minima (the least disturbed runs) and from the per-round ratios' median.

Brian2's standalone loop time (``results/last_run_info.txt``) is ``std::clock()``: the
process's CPU time, not wall time, so on a loaded machine it leaves out the time the binary
waited for a core. lifdsl's rows therefore also give CPU time (``time.process_time``) of the
loop and of the whole ``net.run``: ``loop_cpu`` and ``run_cpu``, the like-for-like columns.
``connect`` is wall time on both sides; ``connect_cpu`` is CPU time on both sides (the binary
also reads ``std::clock()`` around its synapse creation).
The scripts are ``bench/cuba.py``'s (same model, seed and measurements); Brian2 standalone is
compiled once per N before the rounds (its binary is what runs; the binary creates the
synapses, so its connect time is measured inside it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cuba  # noqa: E402
import netbench as nb  # noqa: E402


def _lifdsl(script: Path, n: int, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, str(script), str(n), "1.0", "1", "cython",
                          json.dumps(cuba.MODEL)], env=env, capture_output=True, text=True,
                         check=True, cwd=tempfile.gettempdir())
    return json.loads(out.stdout.strip().splitlines()[-1])


def _binary(folder: Path) -> dict:
    t0 = time.perf_counter()
    subprocess.run([str(folder / "main")], cwd=folder, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    loop = float((folder / "results" / "last_run_info.txt").read_text().split()[0])
    connect, connect_cpu = (float(x) for x in
                            (folder / "bench_connect.txt").read_text().split()[:2])
    hwm = int((folder / "bench_hwm.txt").read_text().split()[0])
    return dict(loop=loop, run=wall, connect=connect, connect_cpu=connect_cpu, hwm_kib=hwm)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[4000, 64000])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--brian2-python", default="/tmp/b2env/bin/python")
    ap.add_argument("--keep", type=Path, default=None,
                    help="bench/cuba.py's --keep folder: its Brian2 standalone builds are "
                         "reused (built there if missing)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lifdsl_cuba_il_"))
    keep = args.keep or work
    keep.mkdir(parents=True, exist_ok=True)
    lscript, bscript = work / "cuba_lifdsl.py", work / "cuba_brian2.py"
    lscript.write_text(cuba.LIFDSL_SCRIPT)
    bscript.write_text(cuba.BRIAN2_SCRIPT)
    env = dict(nb.bytecode_env(os.environ, keep / "pycache"), PYTHONPATH=str(nb.ROOT),
               LIFDSL_CACHE_DIR=str(work / "cache"))
    for n in args.sizes:
        folder = keep / f"b2_standalone_cuba_{n}"   # (bench/cuba.py's name for it)
        if not (folder / "main").exists() or not (folder / "bench_connect.txt").exists():
            subprocess.run([args.brian2_python, str(bscript), "standalone", str(n), "1.0",
                            "1", str(folder), json.dumps(cuba.MODEL)], check=True,
                           capture_output=True, cwd=tempfile.gettempdir(),
                           env=nb.bytecode_env(os.environ, keep / "pycache"))
        _lifdsl(lscript, n, env)          # warm-up: compiles the kernel into the cache
        rows: dict[str, list[dict]] = {"lifdsl cython": [], "brian2 standalone": []}
        for _ in range(args.rounds):
            rows["lifdsl cython"].append(_lifdsl(lscript, n, env))
            rows["brian2 standalone"].append(_binary(folder))
        print(f"N = {n}, 1 s, {args.rounds} rounds alternating; seconds (min / median), "
              f"peak MiB (median)")
        print(f"{'simulator':18s} | {'connect':>15s} | {'connect cpu':>15s} | {'loop':>15s} | "
              f"{'run':>15s} | "
              f"{'loop cpu':>15s} | {'run cpu':>15s} | peak")
        for name, samples in rows.items():
            cells = []
            for key in ("connect", "connect_cpu", "loop", "run", "loop_cpu", "run_cpu"):
                vals = [s.get(key, s["loop"] if key == "loop_cpu" else None) for s in samples]
                if None in vals:
                    cells.append(f"{'-':>15s}")
                    continue
                cells.append(f"{min(vals):6.3f} / {statistics.median(vals):6.3f}")
            peak = statistics.median(s["hwm_kib"] for s in samples) / 1024
            print(f"{name:18s} | " + " | ".join(cells) + f" | {peak:6.1f}")
        ours, peer = rows["lifdsl cython"], rows["brian2 standalone"]

        def ratio(a: str, b: str, ours=ours, peer=peer) -> tuple[float, float]:
            mins = min(s[a] for s in ours) / min(s[b] for s in peer)
            per = statistics.median(o[a] / p[b] for o, p in zip(ours, peer, strict=True))
            return mins, per

        for s in peer:   # (std::clock: the binary's loop is CPU time)
            s["loop_cpu"] = s["loop"]
        for label, a, b in (("whole net.run / peer loop", "run", "loop"),
                            ("whole net.run CPU / peer loop (CPU)", "run_cpu", "loop_cpu"),
                            ("loop / peer loop", "loop", "loop"),
                            ("loop CPU / peer loop (CPU)", "loop_cpu", "loop_cpu"),
                            ("connect / peer connect", "connect", "connect"),
                            ("connect CPU / peer connect (CPU)", "connect_cpu", "connect_cpu")):
            m, r = ratio(a, b)
            print(f"  {label}: {m:.2f} (minima), {r:.2f} (median of rounds)")
        pk = (statistics.median(s["hwm_kib"] for s in ours)
              / statistics.median(s["hwm_kib"] for s in peer))
        print(f"  peak memory / peer's: {pk:.2f}")
        print()


if __name__ == "__main__":
    main()
