"""``store(filename=)`` writes a temporary file next to the old one and renames it over it: a
write that fails at any point leaves the earlier file intact, loadable, and no debris."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.core import state as S

DT = 1e-4


def _network():
    G = ld.NeuronGroup(50, "dU/dt = (2*rand() - U)/(2e-3) : 1", threshold="U > 1",
                       reset="U = 0", method="euler", name="G")
    M = ld.StateMonitor(G, "U", name="M")
    return G, M, ld.Network(G, M, ld.SpikeMonitor(G, name="S"), target="numpy")


def _fail_on_call(monkeypatch, module, name: str, fail_at: int, *, first_part: bool = False):
    """Make ``module.name`` raise on its ``fail_at``-th call (after writing part of its data
    if ``first_part``), as a full disk or a dying process would."""
    real = getattr(module, name)
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_at:
            if first_part:
                fh, array = args[0], args[1]
                fh.write(np.ascontiguousarray(array).tobytes()[:100])
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, failing)
    return calls


@pytest.mark.parametrize("where", ["first_array", "half_way", "late_array", "fsync", "rename"])
def test_a_failed_write_keeps_the_earlier_file(tmp_path, monkeypatch, where):
    ld.seed(6)
    G, M, net = _network()
    path = tmp_path / "state.npz"
    net.run(20 * DT)
    net.store("a", filename=path)
    net.store("b", filename=path)
    before = path.read_bytes()
    U_a = G.U.copy()
    net.run(30 * DT)  # a bigger state: more arrays than before
    if where == "fsync":
        _fail_on_call(monkeypatch, os, "fsync", 1)
    elif where == "rename":
        _fail_on_call(monkeypatch, os, "replace", 1)
    else:
        n_arrays = len(np.load(path).files)
        at = {"first_array": 1, "half_way": n_arrays // 2, "late_array": n_arrays + 2}[where]
        calls = _fail_on_call(monkeypatch, np.lib.format, "write_array", at, first_part=True)
    with pytest.raises(OSError, match="No space left"):
        net.store("c", filename=path)
    if where.endswith("array") or where == "half_way":
        assert calls["n"] == at  # it did fail while writing arrays
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["state.npz"]  # no temporary file left behind
    assert S.read(path).keys() == {"a", "b"}
    net.restore("a", filename=path)
    assert net.t == pytest.approx(20 * DT)
    np.testing.assert_array_equal(G.U, U_a)
    net.store("c", filename=path)  # and the next store works
    assert S.read(path).keys() == {"a", "b", "c"}


def test_a_failed_first_write_leaves_no_file(tmp_path, monkeypatch):
    G, M, net = _network()
    _fail_on_call(monkeypatch, np.lib.format, "write_array", 2, first_part=True)
    with pytest.raises(OSError):
        net.store(filename=tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []


def test_the_file_is_synced_before_the_rename(tmp_path, monkeypatch):
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace",
                        lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    G, M, net = _network()
    net.store(filename=tmp_path / "s.npz")
    assert events[:2] == ["fsync", "replace"]


def test_an_existing_file_keeps_its_mode_and_new_ones_follow_the_umask(tmp_path):
    G, M, net = _network()
    path = tmp_path / "s.npz"
    old = os.umask(0o022)
    try:
        net.store("a", filename=path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    path.chmod(0o600)
    net.store("b", filename=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
