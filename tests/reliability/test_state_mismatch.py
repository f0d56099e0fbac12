"""Restoring a state into a changed model is refused before anything changes: the error lists
what differs, and the network runs on exactly as if restore had not been called; on both
targets, for snapshots in memory and in files."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.core import state as S
from tests.targets import TARGETS

DT = 1e-4
BASE = """dU/dt = (I + rand() - U)/(2e-3) : 1
          dV/dt = (U - V)/(5e-3) : 1
          I : 1"""


def _objects(change: str | None) -> list:
    """The model's objects (names fixed), with one change."""
    n = 5 if change == "N" else 4
    model = BASE
    if change == "removed":
        model = BASE.replace("dV/dt = (U - V)/(5e-3) : 1", "")
    elif change == "added":
        model = BASE + "\nW : 1"
    G = ld.NeuronGroup(n, model, threshold="U > 0.8", reset="U = 0", method="euler",
                       dtype="float32" if change == "dtype" else "float64", name="G")
    G.I = "0.3*rand()"
    variables = ["U"] if change in ("removed", "monitor_variables") else ["U", "V"]
    record = [1, 2] if change == "monitor_record" else [0, 2]
    objs = [G, ld.StateMonitor(G, variables, record=record, name="M")]
    objs.append(ld.PopulationRateMonitor(G, name="S") if change == "kind"
                else ld.SpikeMonitor(G, name="S"))
    if change == "missing":
        objs.append(ld.NeuronGroup(2, "dX/dt = -X/(1e-3) : 1", method="exact", name="H"))
    return objs


CHANGES = {
    "N": ["G.arrays.U: shape (5,) in the network, (4,) in the stored state",
          "S.count: shape (5,)"],
    "removed": ["G.arrays.V: in the stored state, not in the network",
                "M.variables.V: in the stored state, not in the network"],
    "added": ["G.arrays.W: in the network, not in the stored state"],
    "monitor_variables": ["M.variables.V: in the stored state, not in the network"],
    "monitor_record": ["M.indices: [1 2] in the network, [0 2] in the stored state"],
    "missing": ["'H' (NeuronGroup) is in the network but not in the stored state"],
    "kind": ["'S' is a PopulationRateMonitor in the network, a SpikeMonitor in the stored"],
    "dtype": ["G.arrays.U: dtype float32 in the network, float64 in the stored state"],
}


def _outcome(net, objs) -> dict:
    G, M, Sp = objs[:3]
    out = {"t": net.t, "rng": net._generator().bit_generator.state,
           **{f"G.{k}": np.array(v) for k, v in G._arrays.items()}, "M.t": M.t.copy(),
           **{f"M.{v}": getattr(M, v).copy() for v in M.record_variables}}
    if isinstance(Sp, ld.SpikeMonitor):
        out.update({"S.i": Sp.i.copy(), "S.t": Sp.t.copy(), "S.count": Sp.count.copy()})
    else:
        out.update({"S.rate": Sp.rate.copy()})
    return out


def _assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        else:
            assert a[k] == b[k], k


def _scenario(target: str, where: str, change: str, attempt: bool, tmp_path) -> dict:
    """Store the base model, swap in the changed one, run, maybe try to restore, run on."""
    ld.seed(21)
    net = ld.Network(*_objects(None), target=target)
    net.run(30 * DT)
    path = tmp_path / "state.npz"
    if where == "file":
        net.store("snap", filename=path)
    else:
        net.store("snap")
    net.remove(*net.objects)
    changed = _objects(change)
    net.add(*changed)
    net.run(20 * DT)
    if attempt:
        before = _outcome(net, changed)
        with pytest.raises(ValueError) as err:
            if where == "file":
                net.restore("snap", filename=path)
            else:
                net.restore("snap")
        assert isinstance(err.value, KeyError)  # also a KeyError, as a missing object was
        assert isinstance(err.value, S.StateMismatchError)
        text = str(err.value)
        assert "does not fit the network (nothing was restored)" in text
        for expected in CHANGES[change]:
            assert expected in text, text
        _assert_same(_outcome(net, changed), before)
    net.run(25 * DT)
    return _outcome(net, changed)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("where", ["memory", "file"])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_changed_model_is_refused_and_nothing_changes(target, where, change, tmp_path):
    plain = _scenario(target, where, change, False, tmp_path)
    tried = _scenario(target, where, change, True, tmp_path)
    _assert_same(tried, plain)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("where", ["memory", "file"])
def test_a_fitting_state_restores_exactly(target, where, tmp_path):
    ld.seed(8)
    objs = _objects(None)
    net = ld.Network(*objs, target=target)
    net.run(30 * DT)
    kw = {"filename": tmp_path / "s.npz"} if where == "file" else {}
    net.store("s", **kw)
    spikes_then = objs[0].spikes
    net.run(40 * DT)
    first = _outcome(net, objs)
    assert first["S.count"].sum() > 0
    net.run(7 * DT)
    net.restore("s", **kw)
    np.testing.assert_array_equal(objs[0].spikes, spikes_then)
    assert net.t == pytest.approx(30 * DT) and objs[1].t.size == 30
    net.run(40 * DT)
    _assert_same(_outcome(net, objs), first)
    net.restore("s", **kw)  # a snapshot can be restored again
    net.run(40 * DT)
    _assert_same(_outcome(net, objs), first)


def test_differences_lists_nothing_for_a_fitting_snapshot_and_every_change():
    ld.seed(1)
    objs = _objects(None)
    net = ld.Network(*objs, target="numpy")
    net.run(5 * DT)
    snap = S.capture(net._step, net._dt, net._generator(), net.objects)
    assert S.differences(snap, net.objects) == []
    several = [ld.NeuronGroup(5, BASE + "\nW : 1", method="euler", name="G"),
               ld.NeuronGroup(1, "X : 1", name="H")]
    found = S.differences(snap, several)
    assert sorted(found) == sorted(
        [f"G.arrays.{v}: shape (5,) in the network, (4,) in the stored state"
         for v in ("U", "V", "I", "i")]
        + ["G.arrays.W: in the network, not in the stored state",
           "'H' (NeuronGroup) is in the network but not in the stored state (it holds 'G', "
           "'M', 'S')"]), found


def test_objects_only_in_the_snapshot_are_left_out():
    """A network that lost an object (a monitor removed) restores the rest."""
    objs = _objects(None)
    net = ld.Network(*objs, target="numpy")
    net.run(10 * DT)
    net.store()
    U = objs[0].U.copy()
    net.remove(objs[1])
    net.run(10 * DT)
    net.restore()
    np.testing.assert_array_equal(objs[0].U, U)

