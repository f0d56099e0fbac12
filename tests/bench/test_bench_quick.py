"""The benches must not rot: each runs in --quick mode and prints its table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lifdsl.codegen.cache import compiler_available

BENCH = Path(__file__).resolve().parents[2] / "bench"

pytestmark = pytest.mark.skipif(not compiler_available(), reason="benches compare against C")


def _run(script: str) -> str:
    out = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_lif_population_quick_prints_rates_and_ratios():
    text = _run("lif_population.py")
    rows = [ln for ln in text.splitlines() if ln.strip().startswith("1e+03")]
    assert len(rows) == 1
    cells = rows[0].replace("|", " ").split()
    values = [float(c) for c in cells[1:]]
    assert len(values) == 6 and all(v > 0 for v in values)
    # the printed ratios are the ratios of the printed rates
    numpy_, hand, np_ratio, cython, c_loop, cy_ratio = values
    assert np_ratio == pytest.approx(numpy_ / hand, rel=0.02, abs=0.01)
    assert cy_ratio == pytest.approx(cython / c_loop, rel=0.02, abs=0.01)


def test_overhead_quick_prints_each_measure():
    text = _run("overhead.py")
    for name in ("per step, one neuron, cython", "run() call, warm cache, cython"):
        line = next(ln for ln in text.splitlines() if ln.startswith(name))
        assert float(line.split("|")[1]) > 0
