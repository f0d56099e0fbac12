"""Several clocks in one network: groups with their own dt, StateMonitor(dt=...),
run_regularly(dt=...), each acting only in its clock's steps, on both targets.

The expected values are Brian2 2.9.0's (``/tmp/b2env``, NumPy target) for the very network
built in :func:`_network`, printed after ``run(23.3*ms)``."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import ms

MS = 1e-3


def _network():
    A = ld.NeuronGroup(2, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1",
                       reset="v = 0", method="euler", dt=0.5 * ms)
    A.I = [1.5, 2.5]
    B = ld.NeuronGroup(1, "dv/dt = (2 - v)/(7*ms) : 1\nc : 1", threshold="v > 1",
                       reset="v = 0", method="exact")
    B.run_regularly("c += 1", dt=0.3 * ms, when="start")   # (Brian2's default slot)
    SA, SB = ld.SpikeMonitor(A), ld.SpikeMonitor(B)
    MA = ld.StateMonitor(A, "v", record=True)
    MB = ld.StateMonitor(B, ["v", "c"], record=True, dt=0.2 * ms)
    return ld.Network(A, B, SA, SB, MA, MB), (A, B, SA, SB, MA, MB)


def test_three_clocks_match_brian2():
    net, (A, B, SA, SB, MA, MB) = _network()
    net.run(23.3 * ms)
    assert net.t == pytest.approx(23.3e-3)
    # A on 0.5 ms (euler), B on the default 0.1 ms (exact), MB every 0.2 ms, c every 0.3 ms
    assert list(SA.i) == [1, 1, 0, 1, 1, 0]
    np.testing.assert_allclose(SA.t, [0.0045000000000000005, 0.0095, 0.0105, 0.0145, 0.0195,
                                      0.021500000000000002], rtol=1e-12)
    np.testing.assert_allclose(SB.t, [0.0048000000000000004, 0.0097, 0.0146, 0.0195],
                               rtol=1e-12)
    # the 0.5-ms clock ticks 47 times in 23.3 ms (the last at 23.0 ms), the 0.2-ms one 117
    assert len(MA.t) == 47 and MA.t[-1] == pytest.approx(0.023, rel=1e-12)
    np.testing.assert_allclose(MA.v[1][[0, 10, 46]], [0.0, 0.0, 0.6622702734375], rtol=1e-12)
    assert len(MB.t) == 117 and MB.t[-1] == pytest.approx(0.023200000000000002, rel=1e-12)
    np.testing.assert_allclose(MB.v[0][[0, 10, 116]], [0.0, 0.497045413849429,
                                                       0.8041449335656625], rtol=1e-12)
    np.testing.assert_array_equal(MB.c[0][[0, 10, 116]], [1.0, 7.0, 78.0])
    assert B.c[0] == 78.0


def test_a_second_run_starts_each_clock_at_its_next_tick():
    # Brian2 rounds a clock's start up: after 2 ms, the 0.3-ms clock goes on at 2.1 ms
    G = ld.NeuronGroup(1, "dv/dt = 1/(10*ms) : 1", method="euler", dt=0.3 * ms)
    F = ld.NeuronGroup(1, "dv/dt = 1/(10*ms) : 1", method="euler")
    M, MF = ld.StateMonitor(G, "v"), ld.StateMonitor(F, "v", dt=0.5 * ms)
    net = ld.Network(G, F, M, MF)
    net.run(2 * ms)
    net.run(1 * ms)
    np.testing.assert_allclose(M.t, np.arange(10) * 0.3 * MS, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(M.v[0], np.arange(10) * 0.03, rtol=1e-12)
    np.testing.assert_allclose(MF.t, np.arange(6) * 0.5 * MS, rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(MF.v[0], np.arange(6) * 0.05, rtol=1e-12)


def test_a_dt_that_is_not_a_multiple_of_the_finest_is_an_error_naming_it():
    G = ld.NeuronGroup(1, "dv/dt = -v/(10*ms) : 1", dt=0.2 * ms)
    H = ld.NeuronGroup(1, "dv/dt = -v/(10*ms) : 1", dt=0.3 * ms, name="coarse")
    with pytest.raises(ValueError, match="'coarse'.*not a whole multiple.*finest"):
        ld.Network(G, H).run(1 * ms)


def test_synapses_on_another_clock_than_their_target_are_an_error():
    G = ld.NeuronGroup(1, "v : 1", threshold="v > 1", dt=0.2 * ms, name="src")
    H = ld.NeuronGroup(1, "v : 1", name="dst")
    S = ld.Synapses(G, H, on_pre="v += 1")
    S.connect()
    with pytest.raises(ValueError, match="Synapses.*'dst'.*different clocks"):
        ld.Network(G, H, S).run(1 * ms)
