"""The tutorial example runs as README.md says, prints the tutorial's numbers, writes its PNGs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pytest

ROOT = Path(__file__).resolve().parents[2]


_RUNS: dict[str, tuple[Path, str]] = {}


@pytest.fixture
def example_run(tmp_path_factory, target):
    """The example run once per target (as README.md runs it, plus --target)."""
    if target in _RUNS:
        return _RUNS[target]
    out = tmp_path_factory.mktemp(f"tutorial2_{target}")
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "tutorial2_lapicque.py"),
                           "--out", str(out), "--target", target], capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    _RUNS[target] = (out, proc.stdout)
    return _RUNS[target]


def test_prints_the_tutorial_numbers(example_run):
    _, text = example_run
    ss = re.search(r"steady-state membrane potential is: ([0-9.]+) V", text)
    assert ss and float(ss.group(1)) == pytest.approx(0.5, abs=1e-12)
    assert "(in float32, as the tutorial runs: 0.4999999403953552 V)" in text
    assert "first spike at step 109" in text
    assert "Membrane potential time constant: 0.025s" in text
    agree = re.search(r"hand-written Euler loop and lifdsl agree to ([0-9.e+-]+)", text)
    assert agree and float(agree.group(1)) < 1e-12


def test_writes_every_figure_as_a_png_that_opens(example_run):
    out, _ = example_run
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == 16
    for p in pngs:
        img = mpimg.imread(p)
        assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
        assert img.std() > 0.01  # not a blank canvas
