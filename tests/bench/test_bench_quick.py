"""The benches must not rot: each runs in --quick mode and prints its table."""

from __future__ import annotations

import importlib.util
import inspect
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
    # the rates are printed to 0.01 M/s and the ratios to 0.01: the ratio of the printed rates
    # may differ from the printed ratio by what that rounding allows (small rates, loaded
    # machine: a few per cent), and by no more
    for ratio, a, b in ((np_ratio, numpy_, hand), (cy_ratio, cython, c_loop)):
        slack = (a / b) * (0.005 / a + 0.005 / b) + 0.005
        assert abs(ratio - a / b) <= slack * 1.01, (ratio, a, b)


def test_overhead_quick_prints_each_measure():
    text = _run("overhead.py")
    for name in ("per step, one neuron, cython", "run() call, warm cache, cython"):
        line = next(ln for ln in text.splitlines() if ln.startswith(name))
        assert float(line.split("|")[1]) > 0


def _rows(text: str) -> dict[str, list[str]]:
    """The table's rows by simulator name: the cells after the name."""
    return {ln.split("|")[0].strip(): [c.strip() for c in ln.split("|")[1:]]
            for ln in text.splitlines() if "|" in ln}


@pytest.mark.parametrize("script, title", [
    ("cobahh.py", "N = 400 (p = 0.2), 0.05 s; seconds unless noted"),
    ("brunel.py", "N_E = 400, N_I = 100 (epsilon = 0.1), 0.05 s; seconds unless noted"),
])
def test_network_bench_quick_prints_a_row_per_target(script, title):
    text = _run(script)
    assert text.splitlines()[0] == title
    rows = _rows(text)
    assert rows["simulator"][:3] == ["synapses", "rate Hz", "connect"]
    for name in ("lifdsl cython", "lifdsl numpy"):
        assert name in rows, text
        cells = rows[name]
        assert len(cells) == 8, f"{name}: {cells}"
        synapses, rate, connect, loop, run, fresh = (float(c) for c in cells[:6])
        assert synapses > 0 and rate > 0 and connect >= 0
        assert 0 < loop <= run < fresh
        assert cells[6] == "-"  # --quick measures nothing cold
        assert float(cells[7]) > 0
    # one seed, one network: both targets draw the same synapses
    assert rows["lifdsl cython"][0] == rows["lifdsl numpy"][0]
    assert "ratios" not in text  # --quick runs no peer


def _module(path: Path, name: str, monkeypatch):
    """A file of bench/ or examples/ as a module (neither folder is a package)."""
    monkeypatch.syspath_prepend(str(BENCH))  # the benches import bench/netbench.py
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, mod)  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_cobahh_bench_runs_the_example_model(monkeypatch):
    bench = _module(BENCH / "cobahh.py", "bench_cobahh", monkeypatch)
    ex = _module(BENCH.parent / "examples" / "cobahh.py", "example_cobahh", monkeypatch)
    m = bench.MODEL
    assert m["equations"] == ex.EQUATIONS
    for key, value in dict(Cm=ex.CM, gl=ex.GL, g_na=ex.G_NA, g_kd=ex.G_KD, El=ex.EL, EK=ex.EK,
                           ENa=ex.ENA, VT=ex.VT, taue=ex.TAUE, taui=ex.TAUI, Ee=ex.EE,
                           Ei=ex.EI, we=ex.WE, wi=ex.WI, dt=ex.DT).items():
        assert m[key] == pytest.approx(value, rel=1e-12, abs=0), key
    source = inspect.getsource(ex.simulate)
    for key in ("threshold", "v0", "ge0", "gi0"):
        assert repr(m[key]).replace("'", '"') in source, key
    # NEST's initial distributions are the same numbers: El - 5 mV, 40 nS, 200 nS
    assert m["v0_nest"] == (pytest.approx((ex.EL - 5e-3) * 1e3), 5.0)
    assert m["ge0_nest"] == (40.0, 15.0) and m["gi0_nest"] == (200.0, 120.0)


def test_brunel_bench_runs_the_example_model(monkeypatch):
    bench = _module(BENCH / "brunel.py", "bench_brunel", monkeypatch)
    ex = _module(BENCH.parent / "examples" / "brunel.py", "example_brunel", monkeypatch)
    m = bench.MODEL
    assert m["equations"] == ex.EQUATIONS
    defaults = inspect.signature(ex.simulate).parameters
    for key, value in dict(tau=ex.TAU, theta=ex.THETA, V_r=ex.V_R, tau_rp=ex.TAU_RP, J=ex.J,
                           delay=ex.DELAY, epsilon=ex.EPSILON, gamma=ex.GAMMA, dt=ex.DT,
                           g=defaults["g"].default,
                           nu_ratio=defaults["nu_ratio"].default).items():
        assert m[key] == pytest.approx(value, rel=1e-12, abs=0), key
    assert 10000 in bench.SPEC.sizes and ex.N_E_FULL == 10000
    assert bench.SPEC.neurons(10000) == 12500
