"""The magic network as Brian2 has it: restart, mixing error, network_operation, stop().

The expected numbers are Brian2 2.9.0's (numpy target, defaultclock.dt = 0.1 ms, the group
``dv/dt = 1/ms : 1``), from /tmp/b2env/bin/python running the same statements:
  op at dt=0.3 ms over run(1 ms): called at t = [0, 0.3, 0.6, 0.9] ms, v ends 1.0;
  op when='end' calling stop() once t >= 0.45 ms: it saw v = [0.1 .. 0.6], the run ended at
  t = 0.6 ms with v = 0.6; op at the start of each step over 0.3 ms saw v = [0, 0.1, 0.2];
  a run of all-new objects after run(0.5 ms) recorded M.t = [0, 0.1] ms;
  an old group next to a new one: MagicError.
"""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import ms
from tests.targets import target  # noqa: F401 - runs each test on both targets

EQ = "dv/dt = 1/ms : 1"


@pytest.fixture(autouse=True)
def _dt():
    old = ld.defaultclock.dt
    ld.defaultclock.dt = 0.1 * ms
    yield
    ld.defaultclock.dt = old


def test_operation_with_its_own_dt_is_called_at_brian2s_times():
    G = ld.NeuronGroup(1, EQ, method="euler")
    ts = []

    @ld.network_operation(dt=0.3 * ms)
    def f(t):
        ts.append(float(t / ms))

    ld.run(1 * ms)
    np.testing.assert_allclose(ts, [0.0, 0.3, 0.6, 0.9], atol=1e-12)
    assert G.v[0] == pytest.approx(1.0, abs=1e-12)


def test_operation_at_the_start_sees_the_state_before_the_step():
    G = ld.NeuronGroup(1, EQ, method="euler")
    seen = []

    @ld.network_operation
    def h():
        seen.append(float(G.v[0]))

    ld.run(0.3 * ms)
    np.testing.assert_allclose(seen, [0.0, 0.1, 0.2], atol=1e-12)


def test_stop_from_an_operation_at_the_end_ends_the_run_after_that_step():
    G = ld.NeuronGroup(1, EQ, method="euler")
    seen = []

    @ld.network_operation(when="end")
    def g(t):
        seen.append(float(G.v[0]))
        if t >= 0.45 * ms:
            ld.stop()

    ld.run(1 * ms)
    np.testing.assert_allclose(seen, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], atol=1e-12)
    assert ld.magic_network.t == pytest.approx(0.6e-3, rel=1e-12)
    assert G.v[0] == pytest.approx(0.6, abs=1e-12)
    g.active = False  # a later run is not stopped by the old stop()
    ld.run(0.2 * ms)
    assert ld.magic_network.t == pytest.approx(0.8e-3, rel=1e-12)


def test_a_run_of_all_new_objects_restarts_at_zero():
    H = ld.NeuronGroup(1, EQ, method="euler")
    ld.run(0.5 * ms)
    assert ld.magic_network().t == pytest.approx(0.5e-3)
    del H
    H2 = ld.NeuronGroup(1, EQ, method="euler")
    M2 = ld.StateMonitor(H2, "v", record=0)
    ld.run(0.2 * ms)
    np.testing.assert_allclose(M2.t, [0.0, 0.1e-3], atol=1e-15)
    assert ld.magic_network.t == pytest.approx(0.2e-3)
    # a new monitor joins the continuing run, as in Brian2
    M3 = ld.StateMonitor(H2, "v", record=0)
    ld.run(0.1 * ms)
    np.testing.assert_allclose(M3.t, [0.2e-3], atol=1e-15)
    np.testing.assert_allclose(M2.v[0], [0.0, 0.1, 0.2], atol=1e-12)


def test_old_and_new_objects_together_are_an_error_naming_both():
    H = ld.NeuronGroup(1, EQ, method="euler", name="old_group")
    ld.run(0.2 * ms)
    v = H.v.copy()
    N = ld.NeuronGroup(1, EQ, method="euler", name="new_group")
    with pytest.raises(ld.MagicError) as err:
        ld.run(0.1 * ms)
    assert "'old_group'" in str(err.value) and "'new_group'" in str(err.value)
    np.testing.assert_array_equal(H.v, v)
    assert ld.magic_network.t == pytest.approx(0.2e-3)
    del N
