"""bench/sweep.py --quick runs and prints its table: every lifdsl configuration (serial, two
processes, a Dask LocalCluster where distributed is installed) gave the same spikes (the script
exits otherwise), and the printed columns agree with each other."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from lifdsl.codegen.cache import compiler_available

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.slow
@pytest.mark.skipif(not compiler_available(), reason="the sweep bench runs the cython target")
def test_sweep_quick_prints_a_consistent_table():
    out = subprocess.run([sys.executable, str(BENCH / "sweep.py"), "--quick"],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "every lifdsl configuration gave the same spike counts" in text
    rows = {}
    for line in text.splitlines():
        if line.startswith("lifdsl "):
            cells = line.split()  # the name, then 9 numbers
            rows[" ".join(cells[:-9])] = [float(c.rstrip("%")) for c in cells[-9:]]
    want = {"lifdsl serial", "lifdsl 2 processes"}
    if importlib.util.find_spec("distributed") is not None:
        # with and without the workers' profiler, one run a task and chunks of --chunksize
        want |= {"lifdsl dask", "lifdsl dask, chunks 10", "lifdsl dask, no profiler",
                 "lifdsl dask, no profiler, chunks 10"}
    assert set(rows) == want
    for name, (runs, start, sweep, per, loop, build, overhead, speed, eff) in rows.items():
        workers = 1 if name == "lifdsl serial" else 2
        assert runs == 8 and start >= 0 and sweep > 0 and 0 < loop and 0 < build
        # (both printed rounded: s/run to 3 decimals, the sweep to 2, so 0.16/8 may read 0.019)
        assert per == pytest.approx(sweep / runs, abs=1e-3 + 0.005 / runs)
        assert overhead == pytest.approx(1e3 * (per * workers - loop), abs=2.0)
        assert eff == pytest.approx(100 * speed / workers, abs=1.5)
    assert rows["lifdsl serial"][7] == 1.0
