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


def test_clocks_that_are_not_multiples_run_in_brian2s_order():
    # Brian2 2.9.0 (/tmp/b2env, numpy target) ran this very network (the PythonOperation as
    # @network_operation(dt=0.25*ms, when='end')), run(12.3*ms) then run(1.1*ms): each step
    # runs the clocks whose next tick is the earliest; the numbers below are its output
    A = ld.NeuronGroup(2, "dv/dt = (I - v)/(10*ms) : 1\nI : 1", threshold="v > 1",
                       reset="v = 0", method="euler", dt=0.2 * ms)
    A.I = [1.5, 2.5]
    B = ld.NeuronGroup(1, "dv/dt = (2 - v)/(7*ms) : 1", threshold="v > 1", reset="v = 0",
                       method="exact", dt=0.3 * ms)
    SA, SB = ld.SpikeMonitor(A), ld.SpikeMonitor(B)
    MA = ld.StateMonitor(A, "v", record=True)
    MB = ld.StateMonitor(B, "v", record=True, dt=0.5 * ms)
    seen = []
    op = ld.PythonOperation(lambda t: seen.append((t, float(A.v[1]), float(B.v[0]))),
                            dt=0.25 * ms, when="end")
    net = ld.Network(A, B, SA, SB, MA, MB, op)
    net.run(12.3 * ms)
    assert net.t == pytest.approx(0.0123, rel=1e-12)
    net.run(1.1 * ms)   # (not a multiple of 0.2 ms: each clock rounds its end up to a tick)
    assert net.t == pytest.approx(0.0134, rel=1e-12)
    assert list(SA.i) == [1, 1, 0]
    np.testing.assert_allclose(SA.t, [0.005, 0.0102, 0.0108], rtol=1e-12)
    np.testing.assert_allclose(SB.t, [0.0048, 0.009899999999999999], rtol=1e-12)
    # the 0.2-ms clock: 62 ticks in the first run, on at 12.4 ms after it (the next tick)
    assert len(MA.t) == 67 and MA.t[-1] == pytest.approx(0.0132, rel=1e-12)
    np.testing.assert_allclose(MA.t[[61, 62]], [0.0122, 0.012400000000000001], rtol=1e-12)
    np.testing.assert_allclose(MA.v[1][[0, 10, 61, 62, 66]],
                               [0.0, 0.4573179827811328, 0.41563059467462526,
                                0.4573179827811328, 0.615895146312745], rtol=1e-12)
    assert len(MB.t) == 27 and MB.t[-1] == pytest.approx(0.013, rel=1e-12)
    np.testing.assert_allclose(MB.t[23:27], [0.0115, 0.012, 0.0125, 0.013], rtol=1e-12)
    np.testing.assert_allclose(MB.v[0][[0, 10, 26]], [0.0, 0.0, 0.6971218849378887],
                               rtol=1e-12, atol=1e-300)
    # the operation at 0.25 ms sees A after its 0.2-ms steps and B after its 0.3-ms ones
    assert len(seen) == 54
    np.testing.assert_allclose(seen[:3], [(0.0, 0.05, 0.08390351134720508),
                                          (0.25e-3, 0.099, 0.08390351134720508),
                                          (0.5e-3, 0.14702, 0.16428712308621488)], rtol=1e-12)
    np.testing.assert_allclose(seen[48:51], [(12e-3, 0.41563059467462526, 0.5183635586365642),
                                             (12.25e-3, 0.4573179827811328,
                                              0.5183635586365642),
                                             (12.5e-3, 0.4981716231255101, 0.580520808621749)],
                               rtol=1e-12)
    np.testing.assert_allclose(seen[-1], (13.25e-3, 0.6535772433864901, 0.7517799092934583),
                               rtol=1e-12)


def test_tick_table_merges_clocks_within_brian2s_epsilon():
    from lifdsl.core.clock import TickTable

    # 0.1 ms and 0.1 ms * (1 + 1e-6): the same steps (times within 1e-4 of a step)
    table = TickTable(0.0, 1e-3, [1e-4, 1e-4 * (1 + 1e-6), 3e-4])
    assert table.n == 10
    np.testing.assert_array_equal(table.ticks[1], np.arange(10))
    np.testing.assert_array_equal(table.ticks[2], [0, -1, -1, 1, -1, -1, 2, -1, -1, 3])
    table = TickTable(0.0, 1e-3, [2e-4, 3e-4])
    np.testing.assert_allclose(table.times, [0, 2e-4, 3e-4, 4e-4, 6e-4, 8e-4, 9e-4, 1e-3],
                               rtol=1e-12)


@pytest.mark.parametrize("split", [False, True])
def test_synapses_on_their_own_clock_and_pathways_on_the_sources_match_brian2(split):
    # Brian2 2.9.0 (/tmp/b2env, numpy target, defaultclock.dt = 0.1 ms) ran this network for
    # 10 ms (it warns that the pathway runs on the source's clock, 0.2 ms, its delay rounded to
    # it); the synapses' clock-driven w on their own 0.5 ms, the target on 0.1 ms. Run as
    # 6 ms + 4 ms here the spikes in flight cross the runs: the same numbers
    P = ld.NeuronGroup(2, "dv/dt = (I - v)/(5*ms) : 1\nI : 1", threshold="v > 1",
                       reset="v = 0", method="euler", dt=0.2 * ms)
    P.I = [1.8, 2.6]
    Q = ld.NeuronGroup(2, "dv/dt = -v/(10*ms) : 1", method="exact")
    S = ld.Synapses(P, Q, "dw/dt = -w/(3*ms) : 1 (clock-driven)", on_pre="v_post += w\nw += 0.5",
                    method="exact", dt=0.5 * ms, delay=0.3 * ms)
    S.connect(i=[0, 1, 1], j=[0, 0, 1])
    S.w = [1.0, 2.0, 3.0]
    MQ, MS = ld.StateMonitor(Q, "v", record=True), ld.StateMonitor(S, "w", record=True)
    SP = ld.SpikeMonitor(P)
    net = ld.Network(P, Q, S, MQ, MS, SP)
    for d in ([6, 4] if split else [10]):
        net.run(d * ms)
    assert list(SP.i) == [1, 0, 1, 1, 0, 1]
    np.testing.assert_allclose(SP.t, [0.0022, 0.0038, 0.0046, 0.007, 0.0078, 0.0094],
                               rtol=1e-12)
    assert len(MQ.t) == 100 and len(MS.t) == 20 and MS.t[1] == pytest.approx(5e-4)
    np.testing.assert_allclose(MQ.v[0][[5, 30, 60, 99]], [0.0, 0.8268052075344586,
                                                          1.330098266541919,
                                                          1.8424451192922082], rtol=1e-12)
    np.testing.assert_allclose(MQ.v[1][[5, 30, 60, 99]], [0.0, 1.240207811301688,
                                                          1.6210361362435548,
                                                          1.9784709079918206], rtol=1e-12)
    np.testing.assert_allclose(MS.w[:, 7], [0.3114032239145978, 0.9810721031160903,
                                            1.292475327030688], rtol=1e-12)
    np.testing.assert_allclose(S.w[:], [0.4188791962434163, 0.9241273916787744,
                                        0.959801385026027], rtol=1e-12)


def test_summed_variables_on_the_targets_clock_match_brian2():
    # Brian2 2.9.0 as above: source on 0.3 ms, target on 0.2 ms, the synapses' w on the
    # default 0.1 ms (clocks not multiples of one another), run(5*ms) then run(2.5*ms)
    P = ld.NeuronGroup(2, "dv/dt = (I - v)/(5*ms) : 1\nI : 1", threshold="v > 1",
                       reset="v = 0", method="euler", dt=0.3 * ms)
    P.I = [1.8, 2.6]
    Q = ld.NeuronGroup(2, "dv/dt = (Is - v)/(10*ms) : 1\nIs : 1", method="euler", dt=0.2 * ms)
    S = ld.Synapses(P, Q, "dw/dt = -w/(3*ms) : 1 (clock-driven)\nIs_post = w : 1 (summed)",
                    on_pre="w += 0.5", method="euler")
    S.connect(i=[0, 1, 1], j=[0, 0, 1])
    S.w = [1.0, 2.0, 3.0]
    MQ = ld.StateMonitor(Q, ["v", "Is"], record=True)
    net = ld.Network(P, Q, S, MQ)
    net.run(5 * ms)
    net.run(2.5 * ms)
    assert net.t == pytest.approx(0.0075, rel=1e-12) and len(MQ.t) == 38
    np.testing.assert_allclose(MQ.Is[0][[1, 10, 20, -1]], [3.0, 1.6296811114073946,
                                                           1.1179198212076717,
                                                           1.1963282307622611], rtol=1e-12)
    np.testing.assert_allclose(MQ.v[1][[1, 10, 20, -1]], [0.06, 0.4075779336111013,
                                                          0.6036865595422782,
                                                          0.7083052583431103], rtol=1e-12)
    np.testing.assert_allclose(S.w[:], [0.2312959877115302, 0.8493428722907213,
                                        0.9280031976529385], rtol=1e-12)


@pytest.mark.parametrize("dt_d", [0.4 * ms, 0.3 * ms])
def test_generated_code_before_a_run_is_the_kernel_that_runs_with_its_clock_wrappers(dt_d):
    C = ld.NeuronGroup(1, "dv/dt = 1/(10*ms) : 1", method="euler", dt=0.2 * ms)
    D = ld.NeuronGroup(1, "dv/dt = 1/(10*ms) : 1", method="euler", dt=dt_d)
    net = ld.Network(C, D, ld.StateMonitor(D, "v"), target="cython")
    before = net.generated_code()
    # a multiple: D's operations under step % period; not one: both under the tick table
    wrapper = "step % _clock2__period == 0" if dt_d == 0.4 * ms else "_tick1__ticks[step"
    assert wrapper in before
    net.run(1.2 * ms)
    assert net.generated_code() == before
