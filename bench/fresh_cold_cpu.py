"""CUBA's fresh process (warm caches) and cold compile (empty caches), in CPU and wall time.

    python bench/fresh_cold_cpu.py --rounds 3      # N = 4000, 1 s, cython target

``bench/cuba.py``'s fresh and cold columns are wall time, which a loaded machine inflates
several times over. Here each process is ``bench/cuba.py``'s lifdsl script, and its CPU time
is the user + system time that ``os.wait4`` reports for it and the children it waited for
(the Cython and C compiler processes of a cold build included). Rounds alternate a cold
process (a new, empty cache folder) with a warm one (a folder warmed before); the table
gives the median of each; cold compile is cold minus warm, as in ``bench/cuba.py``. Python's
bytecode cache is on, in the bench's folder (``netbench.bytecode_env``), for both kinds.
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


def one(script: Path, n: int, cache: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process with the cache folder ``cache``."""
    env = dict(nb.bytecode_env(os.environ, cache.parent / "pycache"), PYTHONPATH=str(nb.ROOT),
               LIFDSL_CACHE_DIR=str(cache))
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script), str(n), "1.0", "1", "cython",
                             json.dumps(cuba.MODEL)], env=env, stdout=subprocess.DEVNULL,
                            cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the lifdsl process failed ({status})")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    """Run the rounds, print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("-N", type=int, default=4000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lifdsl_fresh_cold_"))
    script = work / "cuba_lifdsl.py"
    script.write_text(cuba.LIFDSL_SCRIPT)
    one(script, args.N, work / "warm")          # warms its cache
    warm, cold = [], []
    for k in range(args.rounds):
        cold.append(one(script, args.N, work / f"cold_{k}"))
        warm.append(one(script, args.N, work / "warm"))
    med = [statistics.median(x[i] for x in rows) for rows in (warm, cold) for i in (0, 1)]
    print(f"CUBA N = {args.N}, 1 s, cython; median of {args.rounds} rounds; seconds")
    print(f"{'':24s} | {'wall':>7s} | {'CPU':>7s}")
    print(f"{'fresh, warm caches':24s} | {med[0]:7.3f} | {med[1]:7.3f}")
    print(f"{'fresh, empty caches':24s} | {med[2]:7.3f} | {med[3]:7.3f}")
    print(f"{'cold compile (diff)':24s} | {med[2] - med[0]:7.3f} | {med[3] - med[1]:7.3f}")


if __name__ == "__main__":
    main()
