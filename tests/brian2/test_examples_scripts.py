"""examples/brian2/: three scripts of our own in Brian2's style, run with
``from lifdsl.brian2 import *``; each prints numbers that the same script gave under Brian2
2.9.0 (its import line changed to ``from brian2 import *``, /tmp/b2env/bin/python, numpy
target) and writes its figures. Every test runs on both targets.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import matplotlib.image

ROOT = Path(__file__).resolve().parents[2]


def _example(name: str) -> ModuleType:
    """examples/brian2/<name>.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"b2_{name}_example",
                                                  ROOT / "examples" / "brian2" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _run(name: str, folder: Path, capsys, *args: str) -> str:
    _example(name).main(["--figures", str(folder), *args])
    return capsys.readouterr().out


def _line(text: str, label: str) -> str:
    match = re.search(rf"^{label}: (.*)$", text, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{text}"
    return match.group(1)


def _figures(text: str, folder: Path, names: list[str]) -> None:
    for name in names:
        path = folder / name
        assert str(path) in text
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 100 and image.std() > 0


def test_stdp_network_as_brian2(tmp_path, capsys):
    """Brian2 2.9.0, the same script: output spikes [335, 420, 476], mean weight 0.403274
    w_max, 6 weights below 0.1 w_max and 0 above 0.9 (of 120). (Before SpikeGeneratorGroup
    took Brian2's step of a time, lifdsl gave [348, 413, 499].)"""
    text = _run("stdp_network", tmp_path, capsys)
    assert _line(text, "output spikes") == "[335, 420, 476]"
    assert _line(text, "mean weight") == "0.403274 w_max"
    assert _line(text, "weights below 0.1 w_max") == "6, above 0.9 w_max: 0 (of 120)"
    _figures(text, tmp_path, ["stdp_network_weights.png", "stdp_network_raster.png"])


def test_hh_population_as_brian2(tmp_path, capsys):
    """Brian2 2.9.0, the same script with --duration 0.1 (exponential_euler, dt = 0.01 ms):
    spike counts [0, 0, 0, 1, 1, 1, 2, 6, 7, 7, 7, 7, 8, 8, 8, 8], mean v at the end
    -57.745633 mV. (Its default 0.5 s gave [0, 0, 0, 1, 1, 1, 2, 29, 31, 33, 34, 36, 37, 38,
    39, 39] and -48.217858 mV on both, lifdsl and Brian2.)"""
    text = _run("hh_population", tmp_path, capsys, "--duration", "0.1")
    assert _line(text, "spike counts") == "[0, 0, 0, 1, 1, 1, 2, 6, 7, 7, 7, 7, 8, 8, 8, 8]"
    assert _line(text, "mean v at the end") == "-57.745633 mV"
    _figures(text, tmp_path, ["hh_population.png"])


def test_adaptive_threshold_neuron_as_brian2(tmp_path, capsys):
    """Brian2 2.9.0, the same script: 28 spikes; per step 0, 8 (ISI 14.4 -> 29.0 ms),
    15 (10.4 -> 15.0 ms), 5 (33.7 -> 29.6 ms), 0."""
    text = _run("adaptive_threshold_neuron", tmp_path, capsys)
    assert _line(text, "spikes") == "28"
    assert _line(text, r"step 1 \(1.2 nA\)") == "8 spikes, first ISI 14.4 ms, last ISI 29.0 ms"
    assert _line(text, r"step 2 \(2.0 nA\)") == "15 spikes, first ISI 10.4 ms, last ISI 15.0 ms"
    assert _line(text, r"step 3 \(1.2 nA\)") == "5 spikes, first ISI 33.7 ms, last ISI 29.6 ms"
    assert _line(text, r"step 4 \(0.0 nA\)").startswith("0 spikes")
    _figures(text, tmp_path, ["adaptive_threshold_neuron.png"])
