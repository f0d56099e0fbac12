"""Synaptic pathways have one semantics on both targets: synapse by synapse, in delivery
order (spikes in order, each spike's synapses in creation order). Names of one variable alias
(``v_post`` and ``v``; ``v_pre`` and ``v_post`` onto the source itself); monitors of synaptic
expressions read ``_pre``/``_post`` per synapse; spikes in flight survive store/restore and a
change of delays. Every test runs on both targets (see conftest); expected numbers are worked
out by hand in each docstring."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4


def _run_one_step(*objects) -> None:
    ld.Network(*objects).run(DT)


# -- one variable, two names ----------------------------------------------------------------------

def test_pre_and_post_names_of_one_neuron_add_up():
    """Neuron 0 spikes; synapses 0->0 then 0->1 run 'y_post += 1; y_pre += 10'. Synapse 0->0:
    y_post and y_pre are both y[0]: 0 + 1 + 10 = 11. Synapse 0->1: y[1] = 0 + 1, then
    y[0] = 11 + 10 = 21. So y = [21, 1, 0]."""
    G = ld.NeuronGroup(3, "y : 1", threshold="i == 0", dt=DT)
    S = ld.Synapses(G, G, on_pre="y_post += 1; y_pre += 10")
    S.connect(i=[0, 0], j=[0, 1])
    _run_one_step(G, S)
    assert G.y.tolist() == [21.0, 1.0, 0.0]


def test_a_post_name_and_its_bare_name_are_one_variable():
    """Synapses 0->0, 0->0, 0->1 run 'y_post = 2*y_post + 1; y += 10' on H, y = 1 at first.
    H[0]: (2*1 + 1) + 10 = 13, then (2*13 + 1) + 10 = 37; H[1]: (2*1 + 1) + 10 = 13."""
    G = ld.NeuronGroup(1, "x : 1", threshold="True", dt=DT)
    H = ld.NeuronGroup(2, "y : 1", dt=DT)
    H.y = 1.0
    S = ld.Synapses(G, H, on_pre="y_post = 2*y_post + 1; y += 10")
    S.connect(i=[0, 0, 0], j=[0, 0, 1])
    _run_one_step(G, H, S)
    assert H.y.tolist() == [37.0, 13.0]


@pytest.mark.parametrize("on_pre, recurrent", [("v_post += 1; w = v", False),
                                               ("v_post += 1; w = v_pre", True)])
def test_reading_a_variable_written_under_another_name_is_refused(on_pre, recurrent):
    """'v' is 'v_post'; 'v_pre' is 'v_post' where a synapse goes from a neuron to itself: read
    after the write, it would see other synapses' writes on NumPy, so both targets refuse; the
    Synapses refuses it when it is made, quoting the statement."""
    G = ld.NeuronGroup(2, "v : 1", threshold="True", dt=DT)
    H = G if recurrent else ld.NeuronGroup(2, "v : 1", dt=DT)
    with pytest.raises(ld.EquationError, match=r"read after an earlier statement of this "
                                               r"pathway wrote it .*\(as 'v_post': the same "
                                               r"variable\)") as err:
        ld.Synapses(G, H, "w : 1", on_pre=on_pre)
    assert err.value.what == "on_pre" and err.value.lineno == 1
    assert err.value.line.strip().startswith("w = v")


def test_a_refused_read_names_its_line_and_pathway():
    """On the second line of a named pathway: the error says which pathway, line and name."""
    G = ld.NeuronGroup(2, "v : 1", threshold="True", dt=DT)
    H = ld.NeuronGroup(2, "v : 1\nu : 1", dt=DT)
    with pytest.raises(ld.EquationError) as err:
        ld.Synapses(G, H, "w : 1", on_pre={"up": "u_post += 1\nw = 2*v + u"})
    e = err.value
    assert (e.what, e.lineno, e.line.strip()) == ("on_pre['up']", 2, "w = 2*v + u")
    assert "'u' is read after" in e.message and e.column == e.line.find("u")
    # a read before the write, and a write after a write, are fine
    ld.Synapses(G, H, "w : 1", on_pre="w = v_post; v_post += 1; v_post *= 2")


def test_a_pre_name_of_another_group_may_be_read_after_a_post_write():
    """Source G (v = 3, 4) onto H: 'v_post += 1; w = v_pre' reads G's v, which is not written:
    w = [3, 4] for synapses 0->0 and 1->0, and H.v[0] = 2."""
    G = ld.NeuronGroup(2, "v : 1", threshold="True", dt=DT)
    G.v = [3.0, 4.0]
    H = ld.NeuronGroup(1, "v : 1", dt=DT)
    S = ld.Synapses(G, H, "w : 1", on_pre="v_post += 1; w = v_pre")
    S.connect()
    _run_one_step(G, H, S)
    assert S.w.tolist() == [3.0, 4.0] and H.v.tolist() == [2.0]


# -- statements over repeated targets -------------------------------------------------------------

def test_statements_run_synapse_by_synapse_onto_one_neuron():
    """Three synapses onto neuron 1 run 'v_post += 1; v_post *= 0.5': (0 + 1)*0.5 = 0.5,
    (0.5 + 1)*0.5 = 0.75, (0.75 + 1)*0.5 = 0.875 (statement by statement over all synapses
    would give (0 + 3)*0.125 = 0.375)."""
    G = ld.NeuronGroup(2, "v : 1", threshold="i == 0", dt=DT)
    S = ld.Synapses(G, G, on_pre="v_post += 1; v_post *= 0.5")
    S.connect(i=[0, 0, 0], j=[1, 1, 1])
    _run_one_step(G, S)
    assert G.v.tolist() == [0.0, 0.875]


def test_a_saturating_assignment_sees_the_earlier_synapses():
    """v = 3 at first; four synapses onto it run 'v_post = clip(v_post + 1, -5, 4.5)': 4, then
    clip(5) = 4.5, then 4.5 and 4.5; a second neuron reached once: 3 + 1 = 4."""
    G = ld.NeuronGroup(1, "x : 1", threshold="True", dt=DT)
    H = ld.NeuronGroup(2, "v : 1", dt=DT)
    H.v = 3.0
    S = ld.Synapses(G, H, on_pre="v_post = clip(v_post + 1, -5, 4.5)")
    S.connect(i=[0] * 5, j=[0, 0, 1, 0, 0])
    _run_one_step(G, H, S)
    assert H.v.tolist() == [4.5, 4.0]


def test_random_numbers_go_to_the_synapses_in_order():
    """Synapses 0->0, 0->1, 0->0 run 'v_post = 0.5*v_post + rand()' and draw r0, r1, r2 in
    synapse order (the only draws of the run): v[0] = 0.5*(0.5*0 + r0) + r2 = 0.5*r0 + r2,
    v[1] = r1."""
    ld.seed(7)
    G = ld.NeuronGroup(1, "x : 1", threshold="True", dt=DT)
    H = ld.NeuronGroup(2, "v : 1", dt=DT)
    S = ld.Synapses(G, H, on_pre="v_post = 0.5*v_post + rand()")
    S.connect(i=[0, 0, 0], j=[0, 1, 0])
    _run_one_step(G, H, S)
    r = np.random.default_rng(7).random(3)
    assert H.v.tolist() == [0.5 * r[0] + r[2], r[1]]


def test_writes_through_pre_and_post_keep_the_serial_order():
    """A's neurons 0 and 1 spike; synapses (0->0, w=1), (0->1, w=2), (1->1, w=3) run
    'y_pre = 2*y_pre + w; v_post = 2*v_post + w'. In order: y[0] = 1, v[0] = 1; then
    y[0] = 2*1 + 2 = 4, v[1] = 2; then y[1] = 3, v[1] = 2*2 + 3 = 7. The third synapse shares
    v[1] with the second, which shares y[0] with the first: it comes third, not second."""
    A = ld.NeuronGroup(2, "y : 1", threshold="True", dt=DT)
    B = ld.NeuronGroup(2, "v : 1", dt=DT)
    S = ld.Synapses(A, B, "w : 1", on_pre="y_pre = 2*y_pre + w; v_post = 2*v_post + w")
    S.connect(i=[0, 0, 1], j=[0, 1, 1])
    S.w = [1.0, 2.0, 3.0]
    _run_one_step(A, B, S)
    assert A.y.tolist() == [4.0, 3.0] and B.v.tolist() == [1.0, 7.0]


@pytest.mark.parametrize("pre, post, want", [([0, 1], [1, 0], [3.0, 2.0]),
                                             ([0, 1, 2], [1, 2, 0], [4.0, 2.0, 3.0])])
def test_a_recurrent_pathway_reads_what_earlier_synapses_wrote(pre, post, want):
    """All spike, v = 1, 'v_post += v_pre'. Two neurons, 0->1 then 1->0: v[1] = 1 + 1 = 2,
    then v[0] = 1 + v[1] = 3. A ring 0->1->2->0: v[1] = 2, v[2] = 1 + 2 = 3, v[0] = 1 + 3 = 4."""
    G = ld.NeuronGroup(len(pre), "v : 1", threshold="True", dt=DT)
    G.v = 1.0
    S = ld.Synapses(G, G, on_pre="v_post += v_pre")
    S.connect(i=pre, j=post)
    _run_one_step(G, S)
    assert G.v.tolist() == want


def test_per_synapse_delays_deliver_in_delay_order_then_synapse_order():
    """Neuron 0 spikes in steps 0 and 1; synapse a (w = 1) has 2 steps of delay, b (w = 10)
    one, both onto neuron 0, 'v_post = 2*v_post + w'. Step 1: b (spike 0): v = 10. Step 2: b
    (spike 1) first, its delay being shorter: v = 30, then a (spike 0): v = 61. Step 3: a
    (spike 1): v = 123."""
    src = ld.SpikeGeneratorGroup(1, [0, 0], np.array([0, 1]) * DT, dt=DT)
    H = ld.NeuronGroup(1, "v : 1", dt=DT)
    S = ld.Synapses(src, H, "w : 1", on_pre="v_post = 2*v_post + w")
    S.connect(i=[0, 0], j=[0, 0])
    S.w = [1.0, 10.0]
    S.delay = [2 * DT, DT]
    net = ld.Network(src, H, S)
    seen = []
    for _ in range(4):
        net.run(DT)
        seen.append(H.v[0])
    assert seen == [0.0, 10.0, 61.0, 123.0]


# -- monitors of synaptic expressions -------------------------------------------------------------

def test_a_monitor_of_a_synaptic_expression_reads_pre_and_post_per_synapse():
    """v = [1, 2]; all pairs (0,0), (0,1), (1,0), (1,1) with w = 0.1 .. 0.4 and
    s = w + v_pre + 10*v_post; recorded synapses 1 and 2: 0.2 + 1 + 20 = 21.2 and
    0.3 + 2 + 10 = 12.3."""
    G = ld.NeuronGroup(2, "v : 1", dt=DT)
    G.v = [1.0, 2.0]
    S = ld.Synapses(G, G, "w : 1\ns = w + v_pre + 10*v_post : 1")
    S.connect()
    S.w = [0.1, 0.2, 0.3, 0.4]
    M = ld.StateMonitor(S, "s", record=[1, 2])
    ld.Network(G, S, M).run(2 * DT)
    np.testing.assert_allclose(M.s, [[21.2, 21.2], [12.3, 12.3]], rtol=1e-14)


# -- spikes in flight -----------------------------------------------------------------------------

def _delayed(delays):
    """Source neuron 0 spikes in steps 0 and 3, neuron 1 in step 1; synapses 0->0 (w = 1) and
    1->1 (w = 10) with ``delays`` (in steps), 'v_post += w'."""
    src = ld.SpikeGeneratorGroup(2, [0, 1, 0], np.array([0, 1, 3]) * DT, dt=DT)
    H = ld.NeuronGroup(2, "v : 1", dt=DT)
    S = ld.Synapses(src, H, "w : 1", on_pre="v_post += w")
    S.connect(i=[0, 1], j=[0, 1])
    S.w = [1.0, 10.0]
    S.delay = np.array(delays) * DT
    return ld.Network(src, H, S), H, S


@pytest.mark.parametrize("to_file", [False, True])
@pytest.mark.parametrize("new_delays", [[6, 1], [1, 1], [0, 0]])
def test_restore_after_the_delays_changed_gives_the_spikes_in_flight(tmp_path, to_file,
                                                                       new_delays):
    """Delays 2 and 4 steps: spike 0 of step 0 arrives in step 2, spike 1 of step 1 in step
    5, spike 0 of step 3 in step 5: v = [1, 0] after step 2, [2, 10] after step 5. Stored
    after steps 0 and 1 (two spikes in flight), run with other delays (a longer ring, a
    shorter one, none), restored: the delays and the spikes in flight come back, and steps 2
    to 5 give what the uninterrupted network gives."""
    net, H, S = _delayed([2, 4])
    kw = {"filename": str(tmp_path / "state.npz")} if to_file else {}
    net.run(2 * DT)
    net.store("mid", **kw)
    S.delay = np.array(new_delays) * DT
    net.run(5 * DT)
    net.restore("mid", **kw)
    np.testing.assert_allclose(S.delay, [2 * DT, 4 * DT], rtol=1e-15)
    assert H.v.tolist() == [0.0, 0.0] and net.t == pytest.approx(2 * DT)
    net.run(DT)
    assert H.v.tolist() == [1.0, 0.0]
    net.run(2 * DT)
    assert H.v.tolist() == [1.0, 0.0]
    net.run(DT)
    assert H.v.tolist() == [2.0, 10.0]


def test_restore_of_a_state_stored_before_the_first_run():
    """Stored at t = 0, before any ring was made: restored after a run, nothing is in flight,
    and the run again gives v = [1, 0] after step 2 and [2, 10] after step 5."""
    net, H, S = _delayed([2, 4])
    net.store()
    net.run(6 * DT)
    assert H.v.tolist() == [2.0, 10.0]
    net.restore()
    assert H.v.tolist() == [0.0, 0.0] and net.t == 0.0
    net.run(3 * DT)
    assert H.v.tolist() == [1.0, 0.0]
    net.run(3 * DT)
    assert H.v.tolist() == [2.0, 10.0]


def test_a_longer_delay_between_runs_applies_to_the_spikes_in_flight():
    """Spikes are kept by source and age and read with the delays of the step they arrive
    in: after steps 0 and 1 the delays become 3 and 5 steps, so spike 0 of step 0 arrives in
    step 3 (v[0] = 1), spike 1 of step 1 in step 6 (v[1] = 10), spike 0 of step 3 in step 6
    (v[0] = 2)."""
    net, H, S = _delayed([2, 4])
    net.run(2 * DT)
    S.delay = [3 * DT, 5 * DT]
    seen = []
    for _ in range(5):
        net.run(DT)
        seen.append(H.v.tolist())
    assert seen == [[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 10.0]]


def test_spikes_in_flight_wait_while_the_synapses_are_inactive():
    """Delays 2 and 4 steps; after steps 0 and 1 the spikes of steps 0 and 1 are in flight
    (1 and 0 steps old at the end of step 1). The synapses sleep in steps 2, 3 and 4 (nothing
    is pushed or delivered, and spike 0 of step 3 is not seen) and wake in step 5, where the
    spikes are as old as they were before (2 and 1 steps): spike 0 of step 0 arrives in step 5
    (v[0] = 1), spike 1 of step 1 three steps later, in step 8 (v[1] = 10)."""
    net, H, S = _delayed([2, 4])
    net.run(2 * DT)
    S.active = False
    net.run(3 * DT)
    S.active = True
    seen = []
    for _ in range(4):
        net.run(DT)
        seen.append(H.v.tolist())
    assert seen == [[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 10.0]]
