"""State files: one .npz of plain arrays plus JSON, read without unpickling; crafted files (a
pickle, object arrays, damaged metadata, out-of-range values) are refused and run nothing."""

from __future__ import annotations

import json
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.core import state as S

DT = 1e-4


def _touch(path: str) -> None:
    """What a crafted file's payload would do: create a marker file."""
    Path(path).write_text("ran")


class _Payload:
    """An object whose unpickling creates a marker file (a stand-in for any code)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (_touch, (self.marker,))


def _network(name: str = "G"):
    G = ld.NeuronGroup(3, "dU/dt = (2*rand() - U)/(2e-3) : 1", threshold="U > 1", reset="U = 0",
                       method="euler", name=name)
    M = ld.StateMonitor(G, "U", name="M")
    Sp = ld.SpikeMonitor(G, name="S")
    R = ld.PopulationRateMonitor(G, name="R")
    return G, M, Sp, R, ld.Network(G, M, Sp, R, target="numpy")


def test_file_is_an_npz_of_plain_arrays_plus_json(tmp_path):
    ld.seed(1)
    G, M, Sp, R, net = _network()
    net.run(30 * DT)
    path = tmp_path / "s.npz"
    net.store("a", filename=path)
    net.store("b", filename=str(path))
    with zipfile.ZipFile(path) as zf:
        assert all(n.endswith(".npy") for n in zf.namelist())
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}  # every entry loads without pickle
    meta = json.loads(arrays.pop(S.META).tobytes())
    assert meta["format"] == S.FORMAT and meta["version"] == S.VERSION
    assert sorted(meta["snapshots"]) == ["a", "b"]
    snap = meta["snapshots"]["a"]
    assert snap["step"] == 30 and snap["dt"] == DT
    assert snap["kinds"] == {"G": "NeuronGroup", "M": "StateMonitor", "S": "SpikeMonitor",
                             "R": "PopulationRateMonitor"}
    assert all(a.dtype.kind in "biuf" for a in arrays.values())


def test_several_named_snapshots_in_one_file(tmp_path):
    ld.seed(2)
    G, M, Sp, R, net = _network()
    path = tmp_path / "s.npz"
    net.run(10 * DT)
    net.store("early", filename=path)
    net.run(10 * DT)
    U_late = G.U.copy()
    net.store("late", filename=path)
    net.store("early2", filename=path)
    net.run(10 * DT)
    assert S.read(path).keys() == {"early", "late", "early2"}
    net.restore("early", filename=path)
    assert net.t == pytest.approx(10 * DT) and M.t.size == 10
    net.restore("late", filename=path)
    assert net.t == pytest.approx(20 * DT)
    np.testing.assert_array_equal(G.U, U_late)
    with pytest.raises(KeyError, match="early2"):  # the error lists what is stored
        net.restore("never", filename=path)


def test_random_generator_state_survives_a_file_exactly(tmp_path):
    ld.seed(5)
    G, M, Sp, R, net = _network()
    net.run(10 * DT)
    state = net._generator().bit_generator.state
    assert state["state"]["state"] > 2**64 and state["state"]["inc"] > 2**64  # 128-bit ints
    net.store(filename=tmp_path / "s.npz")
    net.run(50 * DT)
    U_a, spikes_a = M.U.copy(), (Sp.i.copy(), Sp.t.copy())
    net._generator().random(7)
    net.restore(filename=tmp_path / "s.npz")
    assert net._generator().bit_generator.state == state
    net.run(50 * DT)
    np.testing.assert_array_equal(M.U, U_a)
    np.testing.assert_array_equal(Sp.i, spikes_a[0])
    np.testing.assert_array_equal(Sp.t, spikes_a[1])


def test_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "marker"
    data = pickle.dumps({"default": _Payload(str(marker))})
    pickle.loads(data)  # the payload works when unpickled ...
    assert marker.exists()
    marker.unlink()
    path = tmp_path / "old.pkl"
    path.write_bytes(data)
    G, M, Sp, R, net = _network()
    G.U = 0.25
    with pytest.raises(ValueError, match="pickle") as err:  # ... but restore never unpickles
        net.restore(filename=path)
    assert "older lifdsl" in str(err.value) and "run any code" in str(err.value)
    assert not marker.exists()
    assert net.t == 0.0 and np.all(G.U == 0.25)
    with pytest.raises(ValueError, match="pickle"):  # nor does store, which keeps the file
        net.store("new", filename=path)
    assert not marker.exists() and path.read_bytes() == data


@pytest.mark.parametrize("where", ["array", "metadata"])
def test_npz_with_object_arrays_is_refused_without_running_it(tmp_path, where):
    marker = tmp_path / "marker"
    G, M, Sp, R, net = _network()
    net.store(filename=tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz", allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    meta = json.loads(entries[S.META].tobytes())
    evil = np.array([_Payload(str(marker))], dtype=object)
    if where == "array":  # G's U is now an object array
        key = meta["snapshots"]["default"]["objects"]["G"]["dict"]["arrays"]["dict"]["U"]
        entries[key["array"]] = evil
    else:
        entries[S.META] = evil
    path = tmp_path / "crafted.npz"
    np.savez(path, **entries)
    evil_key = key["array"] if where == "array" else S.META
    with np.load(path, allow_pickle=True) as npz:  # the payload works when unpickled ...
        npz[evil_key]
    assert marker.exists()
    marker.unlink()
    with pytest.raises(S.StateFileError):  # ... but restore refuses it
        net.restore(filename=path)
    assert not marker.exists()


def _stored_meta(path: Path) -> tuple[dict, dict]:
    with np.load(path, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    return json.loads(entries.pop(S.META).tobytes()), entries


def _write_raw(path: Path, meta, entries: dict) -> None:
    raw = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
    np.savez(path, **{S.META: np.frombuffer(raw, np.uint8)}, **entries)


@pytest.mark.parametrize("damage", ["format", "version", "not_json", "deep", "missing_array",
                                    "bad_tag", "no_meta", "not_zip", "truncated", "meta_dtype"])
def test_damaged_or_foreign_files_are_clear_errors(tmp_path, damage):
    G, M, Sp, R, net = _network()
    net.run(5 * DT)
    good = tmp_path / "good.npz"
    net.store(filename=good)
    meta, entries = _stored_meta(good)
    path = tmp_path / "bad.npz"
    if damage == "format":
        meta["format"] = "something-else"
        _write_raw(path, meta, entries)
    elif damage == "version":
        meta["version"] = 99
        _write_raw(path, meta, entries)
    elif damage == "not_json":
        _write_raw(path, b"{not json", entries)
    elif damage == "deep":
        _write_raw(path, b"[" * 100000 + b"]" * 100000, entries)
    elif damage == "missing_array":
        entries.pop(sorted(entries)[0])
        _write_raw(path, meta, entries)
    elif damage == "bad_tag":
        meta["snapshots"]["default"]["objects"]["G"] = {"exec": "print(1)"}
        _write_raw(path, meta, entries)
    elif damage == "no_meta":
        np.savez(path, **entries)
    elif damage == "not_zip":
        path.write_bytes(b"hello, world")
    elif damage == "truncated":
        path.write_bytes(good.read_bytes()[:200])
    else:
        np.savez(path, **{S.META: np.zeros(3)}, **entries)
    t0, U0 = net.t, G.U.copy()
    with pytest.raises(S.StateFileError) as err:
        net.restore(filename=path)
    assert str(path) in str(err.value)
    assert net.t == t0 and np.array_equal(G.U, U0)
    with pytest.raises(S.StateFileError, match="left as it is"):  # store keeps foreign files
        net.store("x", filename=path)


def test_a_file_of_the_older_format_version_is_a_clear_error(tmp_path):
    """Version 1 stored the ring of one on_pre pathway: its files are refused, saying so."""
    G, M, Sp, R, net = _network()
    net.run(5 * DT)
    path = tmp_path / "old.npz"
    net.store(filename=path)
    meta, entries = _stored_meta(path)
    assert meta["version"] == S.VERSION == 2
    meta["version"] = 1
    _write_raw(path, meta, entries)
    with pytest.raises(S.StateFileError, match=r"format version 1, written by an older lifdsl; "
                                               r"this lifdsl reads version 2 only \(Synapses "
                                               r"now store each pathway's delays") as err:
        net.restore(filename=path)
    assert "Store the state again" in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("craft", ["spike_index", "spike_count", "monitor_index", "step",
                                   "dt", "rng_type", "rng_value", "rows", "parts_shape"])
def test_crafted_values_are_refused(tmp_path, craft):
    """Values that would make a kernel read or write outside its arrays, or leave records
    inconsistent, are refused like a changed model."""
    ld.seed(3)
    G, M, Sp, R, net = _network()
    net.run(40 * DT)
    snap = S.capture(net._step, net._dt, net._generator(), net.objects)
    objs = snap["objects"]
    if craft == "spike_index":
        objs["G"]["spikes"] = [np.array([0, 10**9])]
    elif craft == "spike_count":
        objs["G"]["spikes"] = [np.zeros(4, np.int64)]
    elif craft == "monitor_index":
        objs["S"]["i"] = [np.array([-1])]
        objs["S"]["t"] = [np.array([0.0])]
    elif craft == "step":
        snap["step"] = -5
    elif craft == "dt":
        snap["dt"] = 0.0
    elif craft == "rng_type":
        snap["rng"] = {**snap["rng"], "bit_generator": "MT19937"}
    elif craft == "rng_value":
        snap["rng"] = {**snap["rng"], "state": {"state": -1, "inc": "x"}}
    elif craft == "rows":
        objs["M"]["t"] = [objs["M"]["t"][0][:3]]
    else:
        objs["M"]["variables"]["U"] = [np.zeros((40, 2))]
    path = tmp_path / "crafted.npz"
    S.write_all(path, {"default": snap})
    t0, U0, rng0 = net.t, G.U.copy(), net._generator().bit_generator.state
    with pytest.raises(ValueError, match="does not fit"):
        net.restore(filename=path)
    assert net.t == t0 and np.array_equal(G.U, U0)
    assert net._generator().bit_generator.state == rng0


def test_a_state_file_can_be_named_anything_and_through_a_link(tmp_path):
    G, M, Sp, R, net = _network()
    G.U = 0.5
    real = tmp_path / "real.state"
    link = tmp_path / "link.state"
    net.store("a", filename=real)
    link.symlink_to(real)
    G.U = 0.75
    net.store("b", filename=link)  # written into the file the link names
    assert link.is_symlink() and S.read(real).keys() == {"a", "b"}
    net.restore("a", filename=link)
    assert np.all(G.U == 0.5)


def test_the_magic_network_stores_into_files(tmp_path):
    ld.seed(4)
    G = ld.NeuronGroup(2, "dU/dt = (rand() - U)/(5e-3) : 1", method="euler")
    M = ld.StateMonitor(G, "U")
    ld.run(5 * DT)
    ld.store("a", filename=tmp_path / "m.npz")
    ld.run(5 * DT)
    first = M.U.copy()
    ld.restore("a", filename=tmp_path / "m.npz")
    ld.run(5 * DT)
    np.testing.assert_array_equal(M.U, first)
