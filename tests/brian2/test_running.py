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
    with pytest.raises(ValueError, match="float64 only"):
        b2.prefs.core.default_float_dtype = np.float32


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
