"""network_operation as Brian2 has it: any slot, its own dt (a multiple of the step or not),
functions of no argument or of t, stop() from inside ending the run after that step, defined
inside a function; one mechanism with ld.PythonOperation, on both targets.

The expected numbers are Brian2 2.9.0's (/tmp/b2env/bin/python, numpy target, defaultclock.dt
= 0.1 ms) for the same statements: G = NeuronGroup(1, 'dv/dt = 1/ms : 1', threshold='v > 0.35',
reset='v = 0', method='euler'); @network_operation(dt=0.25*ms) f(t) recording (t/ms, G.v[0]);
@network_operation(when='after_thresholds') g() recording G.v[0] and calling stop() at its 7th
call; run(1*ms) gave
  seen = [(0.0, 0.0), (0.25, 0.30000000000000004), (0.5, 0.1)]
  mid = [0.1, 0.2, 0.30000000000000004, 0.4, 0.1, 0.2, 0.30000000000000004], t = 0.7 ms,
  G.v = 0.30000000000000004;
after start_scope(), a netop at 'start' calling stop() once t >= 0.25 ms over run(1*ms) left
t = 0.4 ms and v = 0.4; a netop (dt=0.2*ms) defined inside a function with its group saw
v = [0.0, 0.2, 0.4] over run(0.5*ms) called there.
"""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import ms

EQ = "dv/dt = 1/ms : 1"


@pytest.fixture(autouse=True)
def _dt():
    old = ld.defaultclock.dt
    ld.defaultclock.dt = 0.1 * ms
    ld.start_scope()
    yield
    ld.defaultclock.dt = old


def test_an_operation_off_the_step_and_one_between_threshold_and_reset_with_stop():
    G = ld.NeuronGroup(1, EQ, threshold="v > 0.35", reset="v = 0", method="euler")
    seen, mid = [], []

    @ld.network_operation(dt=0.25 * ms)
    def f(t):
        seen.append((float(t / ms), float(G.v[0])))

    @ld.network_operation(when="after_thresholds")
    def g():
        mid.append(float(G.v[0]))
        if len(mid) == 7:
            ld.stop()

    ld.run(1 * ms)
    np.testing.assert_allclose(seen, [(0.0, 0.0), (0.25, 0.30000000000000004), (0.5, 0.1)],
                               rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mid, [0.1, 0.2, 0.30000000000000004, 0.4, 0.1, 0.2,
                                     0.30000000000000004], rtol=1e-12)
    assert ld.magic_network.t == pytest.approx(0.7e-3, rel=1e-12)
    assert G.v[0] == pytest.approx(0.30000000000000004, rel=1e-12)


def test_stop_at_the_start_of_a_step_still_runs_that_step():
    H = ld.NeuronGroup(1, EQ, method="euler")

    @ld.network_operation(when="start")
    def h(t):
        if t >= 0.25 * ms:
            ld.stop()

    ld.run(1 * ms)
    assert ld.magic_network.t == pytest.approx(0.4e-3, rel=1e-12)
    assert H.v[0] == pytest.approx(0.4, rel=1e-12)


def test_an_operation_defined_inside_a_function_joins_its_run():
    def make():
        K = ld.NeuronGroup(1, EQ, method="euler")
        calls = []

        @ld.network_operation(dt=0.2 * ms)
        def k():
            calls.append(float(K.v[0]))
        ld.run(0.5 * ms)
        return calls

    np.testing.assert_allclose(make(), [0.0, 0.2, 0.4], atol=1e-12)


def test_explicit_network_add_and_net_stop_from_a_python_operation():
    G = ld.NeuronGroup(1, EQ, method="euler")
    net = ld.Network(G)
    ts = []

    def halt(t: float) -> None:
        ts.append(t)
        if len(ts) == 3:
            net.stop()

    net.add(ld.PythonOperation(halt, when="end", dt=0.2 * ms))
    net.run(2 * ms)
    # called at the end of the steps at 0, 0.2 and 0.4 ms: the run ends after the last
    np.testing.assert_allclose(ts, [0.0, 0.2e-3, 0.4e-3], rtol=1e-12, atol=1e-18)
    assert net.t == pytest.approx(0.5e-3, rel=1e-12)
    assert G.v[0] == pytest.approx(0.5, rel=1e-12)
    net.run(0.3 * ms)   # a later run is not stopped by the old stop()
    assert net.t == pytest.approx(0.8e-3, rel=1e-12)


def test_bad_operations_are_refused_clearly():
    with pytest.raises(TypeError, match="no argument or the time t"):
        ld.network_operation(lambda a, b: None)
    with pytest.raises(ValueError, match="when must be one of"):
        ld.network_operation(when="sometime")(lambda: None)
    with pytest.raises(ValueError, match="dt must be a positive"):
        ld.network_operation(dt=-1 * ms)(lambda: None)
