"""Synapses (the part built so far): connect forms, delivery, delays, names, clock-driven
synaptic state; every test runs on both targets (see conftest)."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4


def _source(n: int, fire: dict[int, list[int]]):
    """n neurons; neuron k spikes exactly in the steps fire[k] (a 2-D TimedArray drives it)."""
    steps = 1 + max((s for v in fire.values() for s in v), default=0)
    stim = np.zeros((steps + 1, n))
    for k, ss in fire.items():
        stim[ss, k] = 1.0
    return ld.NeuronGroup(n, "x : 1", threshold="stim(t, i) > 0.5", dt=DT,
                          namespace={"stim": ld.TimedArray(stim, dt=DT)})


def test_connect_all_to_all_and_listed_pairs():
    G = ld.NeuronGroup(3, "v : 1")
    H = ld.NeuronGroup(2, "v : 1")
    S = ld.Synapses(G, H, "w : 1")
    S.connect()
    assert S.i.tolist() == [0, 0, 1, 1, 2, 2] and S.j.tolist() == [0, 1] * 3
    S.connect(i=[2, 0], j=[1, 1])          # a second call adds (repeated pairs are allowed)
    assert len(S) == S.N == 8
    assert S.i.tolist()[-2:] == [2, 0] and S.j.tolist()[-2:] == [1, 1]
    assert S.w.shape == (8,)
    with pytest.raises(IndexError, match="0..1"):
        S.connect(i=[0], j=[2])


def test_connect_condition_one_to_one_and_expressions():
    G = ld.NeuronGroup(5, "v : 1")
    S = ld.Synapses(G, G)
    S.connect(condition="i != j and abs(i - j) < 2")
    pairs = list(zip(S.i.tolist(), S.j.tolist(), strict=True))
    assert pairs == [(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 3)]
    S2 = ld.Synapses(G, G)
    S2.connect(j="i")
    assert S2.i.tolist() == S2.j.tolist() == [0, 1, 2, 3, 4]
    S3 = ld.Synapses(G, G)
    with pytest.raises(IndexError, match="skip_if_invalid"):
        S3.connect(j="i + 2")
    S3.connect(j="i + 2", skip_if_invalid=True)
    assert S3.i.tolist() == [0, 1, 2] and S3.j.tolist() == [2, 3, 4]


def test_connect_condition_reads_pre_and_post_variables():
    G = ld.NeuronGroup(4, "x : 1")
    H = ld.NeuronGroup(3, "y : 1")
    G.x = [0.0, 1.0, 2.0, 3.0]
    H.y = [1.5, 0.5, 2.5]
    S = ld.Synapses(G, H)
    S.connect(condition="x_pre > y_post")
    want = [(a, b) for a in range(4) for b in range(3) if G.x[a] > H.y[b]]
    assert list(zip(S.i.tolist(), S.j.tolist(), strict=True)) == want


def test_connect_p_is_bernoulli_per_pair():
    ld.seed(3)
    G = ld.NeuronGroup(400, "v : 1")
    S = ld.Synapses(G, G)
    S.connect(p=0.05)
    n, p = 400 * 400, 0.05
    assert abs(S.N - n * p) < 4 * np.sqrt(n * p * (1 - p))
    pairs = S.i * 400 + S.j
    assert np.all(np.diff(pairs) > 0)          # each pair at most once, in order of i then j
    per_row = np.bincount(S.i, minlength=400)
    assert abs(per_row.mean() - 20) < 1.5 and per_row.std() > 2   # rows differ, as binomial
    S2 = ld.Synapses(G, G)
    S2.connect(condition="i != j", p=0.5)
    assert np.all(S2.i != S2.j)
    assert abs(S2.N - 400 * 399 * 0.5) < 4 * np.sqrt(400 * 399 * 0.25)


def test_repeated_targets_add_every_synapse():
    src = _source(3, {0: [5], 2: [10]})
    tgt = ld.NeuronGroup(2, "dv/dt = -v/tau : 1", method="exact", dt=DT,
                         namespace={"tau": 10e-3})
    S = ld.Synapses(src, tgt, "w : 1", on_pre="v_post += w")
    S.connect(i=[0, 1, 2, 2, 2], j=[0, 0, 1, 0, 0])
    S.w = [1.0, 2.0, 3.0, 4.0, 0.5]
    M = ld.StateMonitor(tgt, "v")
    ld.Network(src, tgt, S, M).run(2e-3)
    decay = np.exp(-DT / 10e-3)
    # delivered in the spike's own step (synapses slot, after the update): seen at k + 1
    assert M.v[0, 5] == 0 and M.v[0, 6] == pytest.approx(1.0)
    assert M.v[0, 11] == pytest.approx(1.0 * decay ** 5 + 4.5, rel=1e-12)
    assert M.v[1, 11] == pytest.approx(3.0) and M.v[1, 10] == 0


def test_pre_and_post_names_and_bare_postsynaptic_names():
    src = _source(2, {0: [3], 1: [3]})
    src.x = [2.0, 5.0]
    tgt = ld.NeuronGroup(1, "v : 1\nu : 1", dt=DT)
    tgt.u = 0.25
    S = ld.Synapses(src, tgt, "w : 1", on_pre="v += w*x_pre + u_post")
    S.connect()
    S.w = [1.0, 10.0]
    ld.Network(src, tgt, S).run(1e-3)
    assert tgt.v[0] == pytest.approx(2.0 + 0.25 + 50.0 + 0.25)


@pytest.mark.parametrize("delay_ms, steps", [(0.3, 3), (0.25, 3), (0.24, 2), (0.0, 0)])
def test_one_delay_delivers_at_exactly_the_step_across_runs(delay_ms, steps):
    src = _source(1, {0: [4, 6, 30]})
    tgt = ld.NeuronGroup(1, "v : 1", dt=DT)
    S = ld.Synapses(src, tgt, on_pre="v_post += 1", delay=delay_ms * 1e-3)
    S.connect()
    M = ld.StateMonitor(tgt, "v")
    net = ld.Network(src, tgt, S, M)
    net.run(7 * DT)          # the spikes at steps 4 and 6 are still in flight at the end
    net.run(33 * DT)
    changes = (np.flatnonzero(np.diff(M.v[0])) + 1).tolist()
    assert changes == [4 + steps + 1, 6 + steps + 1, 30 + steps + 1]   # int(d/dt + 0.5)
    assert M.v[0, -1] == 3.0


def test_subgroups_as_source_and_target():
    src = _source(6, {1: [2], 3: [2], 5: [2]})
    tgt = ld.NeuronGroup(5, "v : 1", dt=DT)
    S = ld.Synapses(src[2:6], tgt[3:5], "w : 1", on_pre="v_post += w*(i + 1) + 100*j")
    S.connect(i=[1, 3, 0], j=[0, 1, 1])    # src 3 -> tgt 3, src 5 -> tgt 4, src 2 -> tgt 4
    S.w = 1.0
    ld.Network(src, tgt, S).run(1e-3)
    # src 3 (i = 1) fires: tgt 3 += 2; src 5 (i = 3) fires: tgt 4 += 4 + 100; src 2 is silent
    np.testing.assert_array_equal(tgt.v, [0, 0, 0, 2.0, 104.0])


def test_clock_driven_synaptic_state_follows_its_closed_form():
    src = _source(1, {0: [10]})
    tgt = ld.NeuronGroup(1, "v : 1", dt=DT)
    S = ld.Synapses(src, tgt, "dg/dt = -g/taus : 1 (clock-driven)\nw : 1",
                    on_pre="g += w", method="exact", namespace={"taus": 5e-3})
    S.connect()
    S.w = 0.7
    net = ld.Network(src, tgt, S)
    net.run(3e-3)
    # g jumps in step 10 (after that step's update) and decays for the 19 steps after it
    assert S.g[0] == pytest.approx(0.7 * np.exp(-19 * DT / 5e-3), rel=1e-12)


def test_string_assignment_of_synaptic_variables():
    G = ld.NeuronGroup(3, "x : 1")
    G.x = [1.0, 2.0, 3.0]
    H = ld.NeuronGroup(2, "y : 1")
    H.y = [10.0, 20.0]
    S = ld.Synapses(G, H, "w : 1")
    S.connect()
    S.w = "x_pre*y_post + i - j"
    np.testing.assert_array_equal(S.w, [10, 19, 21, 40, 32, 61])
    S.w[:2] = 0.5
    assert S.w[:3].tolist() == [0.5, 0.5, 21.0]


def test_random_network_gives_the_same_spikes_on_both_targets(target):
    def run(t):
        ld.seed(8)
        G = ld.NeuronGroup(200, "dv/dt = (1.1 - v)/tau + 0.2*xi/sqrt(tau) : 1", threshold="v > 1",
                           reset="v = 0", method="euler", dt=DT, namespace={"tau": 10e-3})
        S = ld.Synapses(G, G, "w : 1", on_pre="v_post += w", delay=5e-4)
        S.connect(condition="i != j", p=0.1)
        S.w = "0.05*rand() - 0.02"
        M = ld.SpikeMonitor(G)
        ld.Network(G, S, M, target=t).run(0.05)
        return M.i, M.t, G.v.copy()

    a, b = run("numpy"), run(target)
    assert a[0].size > 200
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_bad_synapse_strings_are_clear_errors():
    G = ld.NeuronGroup(2, "v : 1")
    with pytest.raises(ld.EquationError, match="neither a synaptic variable"):
        ld.Synapses(G, G, "w : 1", on_pre="q += w")
    with pytest.raises(ld.EquationError, match="Synapses"):
        ld.Synapses(G, G, "dw/dt = -w/second : 1 (unless refractory)")
    with pytest.raises(ld.EquationError, match="on_post"):
        ld.Synapses(G, G, "w : 1", on_pre="v += w", on_post="q = 1")
    S = ld.Synapses(G, G, "w : 1")
    with pytest.raises(ld.EquationError, match="synaptic variable"):
        S.connect(condition="w > 0")
    with pytest.raises(ld.EquationError):
        S.connect(condition="i !=")


STDP = """w : 1
          dapre/dt = -apre/taupre : 1 (event-driven)
          dapost/dt = -apost/taupost : 1 (event-driven)"""
STDP_NS = {"taupre": 20e-3, "taupost": 30e-3, "Apre": 0.01, "Apost": -0.0105, "wmax": 1.0}


@pytest.mark.parametrize("lag_steps", [-120, -7, 1, 50, 200])
def test_stdp_weight_change_for_one_pair_is_the_closed_form(lag_steps):
    """One pre spike at step 300 and one post spike lag steps later (or earlier): the weight
    changes by Apre*exp(-lag/taupre) (pre first) or Apost*exp(lag/taupost) (post first)."""
    pre = _source(1, {0: [300]})
    post = _source(1, {0: [300 + lag_steps]})
    S = ld.Synapses(pre, post, STDP, on_pre="apre += Apre\nw = clip(w + apost, 0, wmax)",
                    on_post="apost += Apost; w = clip(w + apre, 0, wmax)", namespace=STDP_NS)
    S.connect()
    S.w = 0.5
    ld.Network(pre, post, S).run(0.06)
    lag = lag_steps * DT
    want = 0.01 * np.exp(-lag / 20e-3) if lag > 0 else -0.0105 * np.exp(lag / 30e-3)
    assert S.w[0] == pytest.approx(0.5 + want, rel=1e-12)
    # the traces are brought up to date at events only: at the last one they are exact
    last = max(300, 300 + lag_steps) * DT
    assert S.lastupdate[0] == pytest.approx(last)


def test_on_pre_runs_before_on_post_in_the_same_step():
    pre = _source(1, {0: [10]})
    post = _source(1, {0: [10]})
    S = ld.Synapses(pre, post, "w : 1", on_pre="w = 2*w", on_post="w = w + 1")
    S.connect()
    S.w = 1.0
    ld.Network(pre, post, S).run(2e-3)
    assert S.w[0] == 3.0          # (1*2) + 1, not (1 + 1)*2


def test_summed_variables_are_the_sum_over_synapses_every_step():
    src = _source(2, {0: [5], 1: [8]})
    tgt = ld.NeuronGroup(2, "dv/dt = (-v + I_syn)/tau : 1\nI_syn : 1", dt=DT, method="exact",
                         namespace={"tau": 10e-3})
    S = ld.Synapses(src, tgt, "dg/dt = -g/taus : 1 (clock-driven)\nw : 1\n"
                    "I_syn_post = g : 1 (summed)", on_pre="g += w", method="exact",
                    namespace={"taus": 5e-3})
    S.connect(i=[0, 1, 1], j=[0, 0, 1])
    S.w = [1.0, 2.0, 3.0]
    M = ld.StateMonitor(tgt, "I_syn")
    ld.Network(src, tgt, S, M).run(2e-3)
    d = np.exp(-DT / 5e-3)
    g = np.zeros((21, 3))                   # g of each synapse at the start of each step
    for k in range(1, 21):
        g[k] = g[k - 1] * d
        if k - 1 == 5:
            g[k, 0] += 1.0
        if k - 1 == 8:
            g[k, 1:] += [2.0, 3.0]
    # the sum of step k uses g before step k's update; the monitor sees it in step k + 1
    want0 = np.r_[0, g[:-1, 0] + g[:-1, 1]][:20]
    want1 = np.r_[0, g[:-1, 2]][:20]
    np.testing.assert_allclose(M.I_syn[0], want0, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(M.I_syn[1], want1, rtol=1e-12, atol=1e-15)


def test_two_synapses_cannot_sum_into_one_variable():
    G = ld.NeuronGroup(2, "v : 1")
    H = ld.NeuronGroup(2, "I : 1")
    S1 = ld.Synapses(G, H, "w : 1\nI_post = w : 1 (summed)")
    with pytest.raises(ld.EquationError, match="already summed into"):
        ld.Synapses(G, H, "w : 1\nI_post = 2*w : 1 (summed)")
    with pytest.raises(ld.EquationError, match="per-neuron parameter of the target"):
        ld.Synapses(G, H, "w : 1\nv_post = w : 1 (summed)")
    del S1


def test_per_synapse_delays_deliver_at_exactly_their_steps_across_runs():
    src = _source(2, {0: [3, 20], 1: [5]})
    tgt = ld.NeuronGroup(4, "v : 1", dt=DT)
    S = ld.Synapses(src, tgt, "w : 1", on_pre="v_post += w")
    S.connect(i=[0, 0, 0, 1, 1], j=[0, 1, 2, 3, 3])
    S.w = [1.0, 10.0, 100.0, 1000.0, 5000.0]
    S.delay = "j*0.2e-3 + i*0.05e-3"          # 0, 2, 4 steps from 0; 6.5 -> 7 steps from 1
    np.testing.assert_allclose(S.delay, [0, 2e-4, 4e-4, 6.5e-4, 6.5e-4])
    M = ld.StateMonitor(tgt, "v")
    net = ld.Network(src, tgt, S, M)
    net.run(6 * DT)                            # spikes still in flight at the end
    net.run(24 * DT)
    arrival = {j: (np.flatnonzero(np.diff(M.v[j])) + 1).tolist() for j in range(4)}
    assert arrival == {0: [4, 21], 1: [6, 23], 2: [8, 25], 3: [13]}
    np.testing.assert_array_equal(tgt.v, [2.0, 20.0, 200.0, 6000.0])
    S.delay[3] = -1e-3
    with pytest.raises(ValueError, match="non-negative"):
        net.run(DT)


@pytest.mark.parametrize("to_file", [False, True])
def test_spikes_in_flight_survive_store_and_restore(tmp_path, to_file):
    src = _source(2, {0: [2, 9], 1: [4]})
    tgt = ld.NeuronGroup(2, "v : 1", dt=DT)
    S = ld.Synapses(src, tgt, "w : 1", on_pre="v_post += w")
    S.connect(i=[0, 1], j=[0, 1])
    S.w = [1.0, 10.0]
    S.delay = [5e-4, 8e-4]                      # 5 and 8 steps
    M = ld.StateMonitor(tgt, "v")
    net = ld.Network(src, tgt, S, M)
    kw = {"filename": str(tmp_path / "state.npz")} if to_file else {}
    net.run(6 * DT)                            # all three spikes are still in flight
    net.store("mid", **kw)
    net.run(10 * DT)
    first = tgt.v.copy()
    assert first.tolist() == [2.0, 10.0]
    net.restore("mid", **kw)
    assert tgt.v.tolist() == [0.0, 0.0]
    net.run(10 * DT)
    np.testing.assert_array_equal(tgt.v, first)   # delivered from the restored queue
    S.connect(i=[0], j=[1])                        # another connectivity: refused
    with pytest.raises(ValueError):
        net.restore("mid", **kw)


def test_n_incoming_outgoing_and_indexing_by_pairs_and_conditions():
    src = _source(3, {0: [2], 1: [2], 2: [2]})
    tgt = ld.NeuronGroup(2, "y : 1", dt=DT)
    S = ld.Synapses(src, tgt, "w : 1", on_pre="y_post += w/N_incoming")
    S.connect()
    S.connect(i=[0], j=[1])
    assert S.N_incoming.tolist() == [3, 4, 3, 4, 3, 4, 4]
    assert S.N_outgoing.tolist() == [3, 3, 2, 2, 2, 2, 3]
    S.w = 1.0
    S.w["i > j"] = 5.0
    S.w[0, 1] = 7.0
    assert S.w.tolist() == [1.0, 7.0, 5.0, 1.0, 5.0, 5.0, 7.0]
    assert S.w[2, :].tolist() == [5.0, 5.0] and S.w["j == 0"].tolist() == [1.0, 5.0, 5.0]
    S.w[[1, 2], 0] = "i*10.0"
    assert S.w.tolist() == [1.0, 7.0, 10.0, 1.0, 20.0, 5.0, 7.0]
    ld.Network(src, tgt, S).run(1e-3)
    np.testing.assert_allclose(tgt.y, [(1 + 10 + 20) / 3, (7 + 1 + 5 + 7) / 4], rtol=1e-14)
