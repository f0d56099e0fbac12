"""Named pathways of Synapses (Brian2's ``on_pre``/``on_post`` dicts): each with its own code,
delay (one for all or per synapse) and order; a delayed ``on_post``; spikes in flight per
pathway across runs and store/restore. Every test runs on both targets (see conftest);
delivery steps are worked out by hand in the docstrings."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4


def _driven(n: int, fire: dict[int, list[int]], model: str = "x : 1"):
    """n neurons with ``model``; neuron k spikes exactly in the steps fire[k]."""
    steps = 1 + max((s for v in fire.values() for s in v), default=0)
    stim = np.zeros((steps + 1, n))
    for k, ss in fire.items():
        stim[ss, k] = 1.0
    return ld.NeuronGroup(n, model, threshold="stim(t, i) > 0.5", dt=DT,
                          namespace={"stim": ld.TimedArray(stim, dt=DT)})


def _delivered(trace: np.ndarray) -> list[int]:
    """The steps in which a recorded value changed (a monitor in 'start' records the value
    before the step: a change between rows k and k+1 happened in step k)."""
    return np.flatnonzero(np.diff(trace)).tolist()


def _network():
    """Source neuron 0 spikes in steps 2 and 9; target neuron 0 in steps 4 and 11, target
    neuron 1 never. Two pre pathways: 'fast' (1 step for all synapses) adds to a, 'slow' (4
    steps onto target 0, 6 onto target 1: per-synapse delays) adds to b; on_post (3 steps)
    adds to c of the target that spiked."""
    src = _driven(1, {0: [2, 9]})
    tgt = _driven(2, {0: [4, 11]}, "x : 1\na : 1\nb : 1\nc : 1")
    S = ld.Synapses(src, tgt, on_pre={"slow": "b_post += 1", "fast": "a_post += 1"},
                    on_post="c_post += 1", delay={"fast": DT, "post": 3 * DT})
    S.connect()
    S.slow.delay = [4 * DT, 6 * DT]
    M = ld.StateMonitor(tgt, ["a", "b", "c"])
    return ld.Network(src, tgt, S, M), tgt, S, M


# fast: 2+1, 9+1; slow: 2+4, 9+4 onto target 0 and 2+6, 9+6 onto target 1; post: 4+3, 11+3
WANT = {"a": [[3, 10], [3, 10]], "b": [[6, 13], [8, 15]], "c": [[7, 14], []]}


def _arrivals(M, start: int = 0) -> dict[str, list[list[int]]]:
    return {v: [[start + s for s in _delivered(getattr(M, v)[k])] for k in range(2)]
            for v in ("a", "b", "c")}


def test_two_named_pre_pathways_and_a_delayed_post_deliver_at_their_steps_across_runs():
    """Run 1 ends after step 4 with the slow spikes of step 2 and the post spike of step 4 in
    flight; run 2 (steps 5..19) delivers them at 6, 8 and 7."""
    net, tgt, S, M = _network()
    assert S.pre is None and S.fast.prepost == "pre" and S.post.prepost == "post"
    np.testing.assert_array_equal(S.fast.delay, [DT, DT])
    np.testing.assert_array_equal(S.slow.delay, [4 * DT, 6 * DT])
    np.testing.assert_array_equal(S.post.delay, [3 * DT, 3 * DT])
    net.run(5 * DT)
    net.run(15 * DT)
    assert _arrivals(M) == WANT
    assert tgt.a.tolist() == [2.0, 2.0] and tgt.b.tolist() == [2.0, 2.0]
    assert tgt.c.tolist() == [2.0, 0.0]


@pytest.mark.parametrize("to_file", [False, True])
def test_spikes_in_flight_of_every_pathway_survive_store_and_restore(tmp_path, to_file):
    """Stored after step 4 (slow and post spikes in flight), run on, restored: the second
    run from the restored state delivers at the same steps; the delays come back too."""
    net, tgt, S, M = _network()
    kw = {"filename": str(tmp_path / "state.npz")} if to_file else {}
    net.run(5 * DT)
    net.store("mid", **kw)
    net.run(15 * DT)
    first = _arrivals(M)
    assert first == WANT
    net.restore("mid", **kw)
    S.slow.delay = 0.0           # changed, then restored with the rest
    S.post.delay = 9 * DT
    net.restore("mid", **kw)
    np.testing.assert_array_equal(S.slow.delay, [4 * DT, 6 * DT])
    np.testing.assert_array_equal(S.post.delay, [3 * DT, 3 * DT])
    M2 = ld.StateMonitor(tgt, ["a", "b", "c"])
    net.add(M2)
    net.run(15 * DT)
    later = {v: [[s for s in w if s >= 5] for w in ws] for v, ws in WANT.items()}
    assert _arrivals(M2, start=5) == later
    assert tgt.b.tolist() == [2.0, 2.0] and tgt.c.tolist() == [2.0, 0.0]


def test_a_delay_stored_as_one_number_and_per_synapse():
    """A pathway keeps one number while all its synapses share the delay: S.pre.delay is
    S.delay; setting one synapse makes them per synapse, setting all alike makes one again;
    new synapses get the delay given to Synapses."""
    G = ld.NeuronGroup(3, "v : 1", dt=DT)
    S = ld.Synapses(G, G, on_pre="v_post += 1", delay=2 * DT)
    S.connect(i=[0, 1], j=[1, 2])
    assert isinstance(S.pre._delay, float) and S.pre._delay == 2 * DT
    S.pre.delay = 3 * DT
    np.testing.assert_array_equal(S.delay, [3 * DT, 3 * DT])
    S.delay[1] = DT
    np.testing.assert_array_equal(S.pre.delay, [3 * DT, DT])
    assert isinstance(S.pre._delay, np.ndarray)
    S.delay = "2*dt*(i + 1) - 2*dt*i"            # (equal for all: one number again)
    assert isinstance(S.pre._delay, float) and S.pre._delay == pytest.approx(2 * DT)
    S.connect(i=[2], j=[0])
    np.testing.assert_allclose(S.delay, [2 * DT, 2 * DT, 2 * DT])
    S.delay = 5 * DT
    S.connect(i=[2], j=[1])                       # the new synapse gets Synapses' delay
    np.testing.assert_allclose(S.delay, [5 * DT, 5 * DT, 5 * DT, 2 * DT])
    assert S.delay[0, 1] == [5 * DT] and S.delay["j == 1"].tolist() == [5 * DT, 2 * DT]


def test_pathways_run_in_their_order():
    """Two pathways of one step onto one variable: by name when their order is equal
    (Brian2's rule: 'double' before 'plus': (0*2) + 1 = 1 after step 0), by order once set
    ('plus' first: (1 + 1)*2 = 4 after step 1); on_pre pathways before on_post ones."""
    src = _driven(1, {0: [0, 1]})
    tgt = ld.NeuronGroup(1, "a : 1", dt=DT)
    S = ld.Synapses(src, tgt, on_pre={"plus": "a_post += 1", "double": "a_post *= 2"})
    S.connect()
    assert S.plus.order == S.double.order == -1
    net = ld.Network(src, tgt, S)
    net.run(DT)
    assert tgt.a[0] == 1.0
    S.plus.order = -2
    net.run(DT)
    assert tgt.a[0] == 4.0


def test_on_post_runs_after_on_pre_and_may_change_its_place():
    """Source and target spike in step 0; on_pre 'a = 2*a + 1' (pre, order -1) runs before
    on_post 'a += 10' (post, order 1): a = 11; with S.post.order = -5 on_post runs first:
    (0 + 10)*2 + 1 = 21."""
    for order, want in ((None, 11.0), (-5, 21.0)):
        G = _driven(1, {0: [0]}, "x : 1\na : 1")
        S = ld.Synapses(G, G, on_pre="a_post = 2*a_post + 1", on_post="a_pre += 10")
        S.connect()
        if order is not None:
            S.post.order = order
        ld.Network(G, S).run(DT)
        assert G.a[0] == want


def test_pathway_errors():
    G = ld.NeuronGroup(2, "v : 1", threshold="v > 1")
    with pytest.raises(ValueError, match="no such pathway"):
        ld.Synapses(G, G, on_pre={"up": "v += 1"}, delay={"down": DT})
    with pytest.raises(ValueError, match="there is none"):
        ld.Synapses(G, G, on_pre={"up": "v += 1"}, delay=DT)
    with pytest.raises(ValueError, match="there is none"):
        ld.Synapses(G, G, on_post="v += 1", delay=DT)
    with pytest.raises(ValueError, match="'connect' is an attribute"):
        ld.Synapses(G, G, on_pre={"connect": "v += 1"})
    with pytest.raises(ValueError, match="'delay' is an attribute"):
        ld.Synapses(G, G, on_pre={"delay": "v += 1"})
    with pytest.raises(ValueError, match="'w' is a variable"):
        ld.Synapses(G, G, "w : 1", on_pre={"w": "v += w"})
    with pytest.raises(ValueError, match="two pathways named 'a'"):
        ld.Synapses(G, G, on_pre={"a": "v += 1"}, on_post={"a": "v += 1"})
    with pytest.raises(TypeError, match="statements as a string"):
        ld.Synapses(G, G, on_pre={"up": 3})
    with pytest.raises(TypeError, match="statements as a string"):
        ld.Synapses(G, G, on_pre=["v += 1"])
    with pytest.raises(TypeError, match="must be strings"):
        ld.Synapses(G, G, on_pre={1: "v += 1"})
    with pytest.raises(TypeError, match="time in seconds"):
        ld.Synapses(G, G, on_pre={"up": "v += 1"}, delay={"up": "1*ms"})
    with pytest.raises(ValueError, match="non-negative"):
        ld.Synapses(G, G, on_pre={"up": "v += 1"}, delay={"up": -DT})
    S = ld.Synapses(G, G, on_pre={"up": "v += 1"})
    with pytest.raises(AttributeError, match="no pathway 'pre'"):
        _ = S.delay
    with pytest.raises(AttributeError, match="no pathway 'pre'"):
        S.delay = DT
    with pytest.raises(AttributeError, match="is a pathway"):
        S.up = 3
    with pytest.raises(ld.EquationError, match=r"on_pre\['up'\], line 1: 'x_post'"):
        ld.Synapses(G, G, on_pre={"up": "x_post += 1"})
