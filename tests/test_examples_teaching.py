"""The teaching examples run and show what they claim: euler_vs_exact's slopes and spike
dt, refractoriness, reset modes, the snnTorch vs Brian2 schedule; their figures decode."""

from __future__ import annotations

import runpy
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _main(name: str):
    return runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")["main"]


def _decodes(path: Path) -> None:
    image = mpimg.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0.01   # not a blank canvas


@pytest.fixture(scope="module")
def euler_vs_exact(tmp_path_factory):
    folder = tmp_path_factory.mktemp("euler_vs_exact")
    return folder, _main("euler_vs_exact")([str(folder)])


def test_error_slopes_are_the_orders(euler_vs_exact, capsys):
    _, out = euler_vs_exact
    for method, order in (("euler", 1), ("rk2", 2), ("rk4", 4)):
        assert abs(out["slopes"][method] - order) < 0.1, out["slopes"]
    assert np.all(out["errors"]["exact"] < 1e-13)          # rounding only
    assert np.all(out["errors"]["rk4"] < out["errors"]["rk2"])


def test_euler_moves_a_spike_from_a_dt_on(euler_vs_exact):
    _, out = euler_vs_exact
    # Euler's spikes stay within 0.3 ms of exact's up to dt = 0.0625 ms, not at 0.125 ms
    assert out["agreed_dt"] == pytest.approx(6.25e-5) and out["spike_dt"] == pytest.approx(1.25e-4)


def test_euler_vs_exact_figures_decode(euler_vs_exact):
    folder, out = euler_vs_exact
    assert sorted(p.name for p in folder.iterdir()) == ["error_vs_dt.png", "traces.png"]
    for path in out["figures"]:
        _decodes(path)


def test_refractoriness(tmp_path, capsys):
    out = _main("refractoriness")([str(tmp_path)])
    assert [out[r]["spikes"] for r in (0.0, 2e-3, 5e-3)] == [9, 7, 6]
    for numbers in out.values():   # interval = refractory + climb, to within a step (10 us)
        assert abs(numbers["isi"] - numbers["predicted"]) < 1e-5
    assert "refractory 5 ms: 6 spikes" in capsys.readouterr().out
    _decodes(tmp_path / "traces.png")


def test_reset_modes(tmp_path):
    counts = _main("reset_modes")([str(tmp_path)])
    assert counts == {"subtract": 18, "zero": 17}    # subtract keeps the overshoot
    _decodes(tmp_path / "traces.png")


def test_schedules(tmp_path):
    out = _main("schedules")([str(tmp_path)])
    assert out["brian2"]["max_U"] < 1 < out["snntorch"]["max_U"]
    np.testing.assert_allclose(out["brian2"]["spikes"], [0.026, 0.053, 0.080], atol=1e-12)
    np.testing.assert_allclose(out["snntorch"]["spikes"], [0.027, 0.054, 0.082], atol=1e-12)
    _decodes(tmp_path / "traces.png")
