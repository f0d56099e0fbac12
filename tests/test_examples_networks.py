"""examples/brunel.py, stdp.py and cobahh.py: each quick run prints its summary and writes
decodable figures; Brunel's network spikes identically on both targets."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import matplotlib.image
import pytest

from lifdsl.codegen.cache import compiler_available

ROOT = Path(__file__).resolve().parents[1]
needs_compiler = pytest.mark.skipif(not compiler_available(), reason="needs a C compiler")


@functools.cache
def _example(name: str) -> ModuleType:
    """examples/<name>.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"{name}_example",
                                                  ROOT / "examples" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # its dataclass looks the module up while it is created
    spec.loader.exec_module(mod)
    return mod


def _value(text: str, label: str) -> float:
    """The first number after ``label:`` at the start of a line of ``text``."""
    match = re.search(rf"^{label}: ([0-9.]+)", text, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{text}"
    return float(match.group(1))


def _check_figures(folder: Path, names: list[str], text: str) -> None:
    """Every figure was written, named in the output, and decodes as an image."""
    for name in names:
        path = folder / name
        assert str(path) in text
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
        assert image.std() > 0  # something was drawn


def _run(name: str, args: list[str], capsys) -> str:
    """Run the example's main() and return what it printed."""
    _example(name).main(args)
    return capsys.readouterr().out


@pytest.mark.skipif(compiler_available(), reason="covered by the comparison on both targets")
def test_brunel_quick(tmp_path, capsys):
    text = _run("brunel", ["--quick", "--figures", str(tmp_path)], capsys)
    assert "target: numpy" in text
    assert _value(text, "mean rate") > 1.0
    _check_figures(tmp_path, ["raster.png", "rate.png"], text)


@needs_compiler
def test_brunel_quick_is_identical_on_both_targets(tmp_path, capsys):
    text = _run("brunel", ["--quick", "--target", "cython", "--compare", "--seed", "2",
                           "--figures", str(tmp_path)], capsys)
    assert text.startswith("Brunel (2000): 1000 excitatory + 250 inhibitory")
    assert "target: cython" in text
    # 1000 x 1250 + 250 x 1250 pairs at p = 0.1: 156250 synapses expected, s.d. ~ 370
    assert 154_000 < _value(text, "synapses") < 158_500
    assert 10.0 < _value(text, "mean rate") < 300.0
    assert re.search(r"^compare: cython and numpy gave identical spikes", text, re.MULTILINE)
    _check_figures(tmp_path, ["raster.png", "rate.png"], text)


def test_stdp_quick(tmp_path, capsys):
    text = _run("stdp", ["--quick", "--figures", str(tmp_path)], capsys)
    assert text.startswith("STDP (Song, Miller & Abbott 2000): 1000 Poisson inputs")
    assert 13.0 < _value(text, "input rate") < 17.0
    assert _value(text, "output rate") > 1.0
    assert re.search(r"^weights: [0-9.]+ % below 0.1, [0-9.]+ % above 0.9", text, re.MULTILINE)
    _check_figures(tmp_path, ["weights_hist.png", "weights.png", "rate.png", "raster.png"],
                   text)


def test_cobahh_quick(tmp_path, capsys):
    text = _run("cobahh", ["--quick", "--figures", str(tmp_path)], capsys)
    assert text.startswith("COBAHH (Brette et al. 2007): 400 Hodgkin-Huxley neurons")
    assert 1.0 < _value(text, "mean rate") < 200.0
    _check_figures(tmp_path, ["raster.png", "rate.png", "traces.png"], text)


@needs_compiler
def test_cobahh_quick_is_identical_on_both_targets(tmp_path, capsys):
    text = _run("cobahh", ["--quick", "--target", "cython", "--compare", "--seed", "3",
                           "--figures", str(tmp_path)], capsys)
    assert "target: cython" in text
    assert re.search(r"^compare: cython and numpy gave identical spikes \([1-9][0-9]* and",
                     text, re.MULTILINE), text


@needs_compiler
@pytest.mark.slow
def test_stdp_weights_become_bimodal_as_in_brian2():
    """100 s of Song, Miller & Abbott (2000): Brian2 2.9's STDP example (the same model, its
    own random draws) ends with 23.4 % of the weights below 0.1 and 18.5 % above 0.9 of w_max
    (10 % each at the start) and its output rate falling from 36.0 Hz (first 10 s) to 19.9 Hz
    (last 10 s): the same within 5 percentage points and the rate falling too."""
    res = _example("stdp").simulate(N=1000, duration=100.0, seed=1, target="cython")
    low, high = (res.w < 0.1).mean() * 100, (res.w > 0.9).mean() * 100
    middle = ((res.w > 0.3) & (res.w < 0.7)).mean() * 100
    assert abs(low - 23.4) < 5 and abs(high - 18.5) < 5, (low, high)
    assert middle < 35, middle              # 40 % of a uniform start: the middle empties
    first = (res.out_t < 10.0).sum() / 10.0
    last = (res.out_t >= 90.0).sum() / 10.0
    assert last < 0.8 * first, (first, last)


def test_stdp_weights_stay_in_bounds_and_move():
    res = _example("stdp").simulate(N=1000, duration=0.3, seed=3, target="numpy")
    assert res.w.shape == (1000,) and res.w_history.shape == (101, 1000)
    assert res.out_t.size > 0
    assert res.w.min() >= 0.0 and res.w.max() <= 1.0
    assert (res.w != res.w_history[0]).any()
