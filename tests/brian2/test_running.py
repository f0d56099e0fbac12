"""Running as Brian2 scripts do: report=, profile=, prefs, devices, logging, seed, clocks.

Brian2 2.9.0's numbers (numpy target, /tmp/b2env/bin/python, dt = 0.1 ms): after
run(0.5 ms) defaultclock.t is 0.5 ms and defaultclock.timestep 5; timestep(0.3 ms, 0.1 ms) = 3,
timestep(0.29999 ms, 0.1 ms) = 3, timestep([0.1, 0.25, 1.0] ms, 0.1 ms) = [1, 2, 10],
timestep(0.0999 ms, 0.1 ms) = 1 (from brian2.core.functions); a report function is called with
(elapsed, completed, start, duration), completed reaching 1.0 at the end.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

import lifdsl as ld
import lifdsl.brian2 as b2
from lifdsl.codegen.cache import compiler_available
from lifdsl.units import ms

LIF = "dv/dt = (1.5 - v)/(10*ms) : 1"


@pytest.fixture(autouse=True)
def _restore():
    old = ld.defaultclock.dt
    ld.defaultclock.dt = 0.1 * ms
    yield
    ld.defaultclock.dt = old
    b2.set_device("runtime")
    logging.getLogger("lifdsl").setLevel(logging.NOTSET)


def _spikes(duration=20 * ms):
    G = b2.NeuronGroup(3, LIF, threshold="v > 1", reset="v = 0", method="exact")
    G.v = [0.0, 0.3, 0.6]
    S = b2.SpikeMonitor(G)
    b2.run(duration)
    return S.i.copy(), S.t.copy()


def test_defaultclock_t_and_timestep_follow_the_magic_network():
    G = b2.NeuronGroup(1, "v : 1")  # noqa: F841 - run() collects it from here
    b2.run(0.5 * ms)
    assert b2.defaultclock.t == pytest.approx(0.5e-3)
    assert b2.defaultclock.timestep == 5
    b2.defaultclock.dt = 0.05 * ms  # settable between runs: the time carries over
    b2.run(0.1 * ms)
    assert b2.defaultclock.timestep == 12
    assert b2.defaultclock.t == pytest.approx(0.6e-3)


def test_timestep_is_brian2s():
    assert b2.timestep(0.3 * ms, 0.1 * ms) == 3
    assert b2.timestep(0.29999 * ms, 0.1 * ms) == 3
    np.testing.assert_array_equal(b2.timestep(np.array([0.1, 0.25, 1.0]) * ms, 0.1 * ms),
                                  [1, 2, 10])
    assert b2.timestep(0.0999 * ms, 0.1 * ms) == 1


def test_report_function_gets_progress_and_text_report_prints(capsys):
    G = b2.NeuronGroup(1, "v : 1")  # noqa: F841 - run() collects it from here
    calls = []
    b2.run(1 * ms, report=lambda *a: calls.append(a), report_period=0.0)
    assert calls and calls[-1][1] == pytest.approx(1.0)
    assert all(0 <= c[1] <= 1 for c in calls)
    assert calls[-1][2] == 0.0 and calls[-1][3] == pytest.approx(1e-3)
    b2.run(1 * ms, report="text")
    assert "100%" in capsys.readouterr().out
    with pytest.raises(ValueError, match="report must be"):
        b2.run(1 * ms, report=3)


def test_profile_and_profiling_summary():
    G = b2.NeuronGroup(1, "v : 1")  # noqa: F841 - run() collects it from here
    with pytest.raises(ValueError, match="no profiled run"):
        b2.profiling_summary()
    b2.run(1 * ms, profile=True)
    summary = b2.profiling_summary()
    assert len(summary.rows) == 2 and all(t >= 0 for _, t in summary.rows)
    assert "the loop" in str(summary)


def test_prefs_codegen_target_and_float_dtype():
    b2.prefs.codegen.target = "numpy"
    assert ld.prefs.target == "numpy" and b2.prefs.codegen.target == "numpy"
    b2.prefs["codegen.target"] = "auto"
    assert ld.prefs.target == "auto"
    with pytest.raises(ValueError, match="target must be one of"):
        b2.prefs.codegen.target = "cuda"
    b2.prefs.core.default_float_dtype = np.float64
    assert b2.prefs.core.default_float_dtype is np.float64
    with pytest.raises(ValueError, match="float64 or float32"):
        b2.prefs.core.default_float_dtype = np.float16
    assert ld.prefs.dtype == "float64"   # (left as it was)


def test_default_float_dtype_float32_as_brian2():
    """prefs.core.default_float_dtype = float32: groups made after it store and compute in
    float32 (Brian2's float_32_64_benchmark.py sets it). Brian2 2.9.0, numpy target, this
    script with each dtype (run in /tmp/b2env): float32 counts [0, 6, 7, 8, 9] and v[0] at
    the end 0.9999971985816956; float64 counts [1, 6, 7, 8, 9], v[0] 0.9999992932635094.
    Neuron 0 (I = 1 + 1e-7) reaches threshold only in float64."""
    got = {}
    for dtype in (np.float32, np.float64):
        b2.start_scope()
        b2.prefs.core.default_float_dtype = dtype
        G = b2.NeuronGroup(5, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1",
                           reset="v = 0", method="euler")
        G.I = "1.0 + 0.01*i + 1e-7"
        S = b2.SpikeMonitor(G)
        b2.run(300 * ms)
        assert G.v[:].dtype == dtype and G.I[:].dtype == dtype
        got[dtype] = (list(S.count[:]), float(G.v[0]))
    b2.prefs.core.default_float_dtype = np.float64
    assert got[np.float32][0] == [0, 6, 7, 8, 9]
    assert got[np.float64][0] == [1, 6, 7, 8, 9]
    # (float32: within a few of its ulps, 6e-8 at 1; the operations' order differs)
    assert got[np.float32][1] == pytest.approx(0.9999971985816956, abs=3e-7)
    assert got[np.float64][1] == pytest.approx(0.9999992932635094, rel=1e-12)
    assert ld.NeuronGroup(1, "v : 1", dtype="float64").v[:].dtype == np.float64


def test_prefs_dtype_is_the_default_of_neurongroup_and_synapses():
    ld.prefs.dtype = "float32"
    G = ld.NeuronGroup(2, "v : 1")
    S = ld.Synapses(G, G, "w : 1", on_pre="v += w")
    S.connect()
    assert G.dtype == np.float32 and S.w[:].dtype == np.float32
    assert ld.NeuronGroup(1, "v : 1", dtype="float64").dtype == np.float64
    with pytest.raises(ValueError, match="'float64' or 'float32'"):
        ld.prefs.dtype = "int32"
    ld.prefs.dtype = "float64"
    assert ld.NeuronGroup(1, "v : 1").dtype == np.float64


@pytest.mark.skipif(not compiler_available(), reason="no working C compiler / Cython")
def test_cpp_standalone_runs_on_the_compiled_kernel_with_identical_results(caplog):
    ld.prefs.target = "numpy"
    i_ref, t_ref = _spikes()
    assert len(i_ref) > 3
    b2.start_scope()
    with caplog.at_level(logging.WARNING, logger="lifdsl"):
        b2.set_device("cpp_standalone", build_on_run=False, directory=None)
        b2.set_device("cpp_standalone")
    assert ld.prefs.target == "cython" and b2.get_device().name == "cpp_standalone"
    assert sum("cpp_standalone" in r.message for r in caplog.records) <= 1
    i, t = _spikes()
    b2.device.build(directory=None)
    np.testing.assert_array_equal(i, i_ref)
    np.testing.assert_array_equal(t, t_ref)
    b2.device.reinit()
    b2.device.activate()
    assert b2.magic_network.t == 0.0


def test_brian_logger_levels():
    lg = logging.getLogger("lifdsl")
    b2.BrianLogger.log_level_debug()
    assert lg.level == logging.DEBUG
    b2.BrianLogger.log_level_warn()
    assert lg.level == logging.WARNING
    b2.BrianLogger.log_level_error()
    assert lg.level == logging.ERROR
    b2.BrianLogger.log_level_info()
    assert lg.level == logging.INFO


def test_seed_reproduces_a_random_run():
    def once():
        b2.start_scope()
        b2.seed(11)
        G = b2.NeuronGroup(4, "dv/dt = -v/(5*ms) + rand()/ms : 1", method="euler")
        M = b2.StateMonitor(G, "v", record=True)
        b2.run(1 * ms)
        return M.v.copy()

    a, b = once(), once()
    np.testing.assert_array_equal(a, b)
    assert np.std(a[:, -1]) > 0
