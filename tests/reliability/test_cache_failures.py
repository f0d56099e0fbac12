"""A cache folder that cannot be used (a file in the way, read-only, a full disk, not private)
is a CacheError (a BuildError) that names the folder and LIFDSL_CACHE_DIR, never a raw
OSError; target='auto' then runs on NumPy with a warning, target='cython' raises it, the
symbolic memo is simply off, and nothing half-built is left behind."""

from __future__ import annotations

import errno
import logging
import os
import uuid
from pathlib import Path

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.cachedir import CacheDirError, cache_dir
from lifdsl.codegen import cache
from lifdsl.codegen.cache import BuildError, CacheError, compile_cython
from lifdsl.methods import METHODS, discretize, disk_memo
from tests.codegen.test_cache import needs_compiler
from tests.methods.test_disk_memo import CUBA
from tests.reliability.test_cache_permissions import as_nobody, shared_tmp  # noqa: F401

SOURCE = 'def which():\n    return "{tag}"\n'


def fresh_source() -> str:
    """A source no earlier test compiled (so the in-process table cannot answer for it)."""
    return SOURCE.format(tag=uuid.uuid4().hex)


def assert_clear(err: BaseException, folder: Path, *words: str) -> None:
    """The error is lifdsl's, falls back under target='auto', and says where and what to do."""
    assert isinstance(err, CacheError) and isinstance(err, BuildError)
    msg = str(err)
    assert msg.startswith("lifdsl: ")
    assert str(folder) in msg and "LIFDSL_CACHE_DIR" in msg, msg
    for w in words:
        assert w in msg, msg


def leftovers(folder: Path) -> list[str]:
    """Half-built things: build folders, builds without a sidecar, Cython listings."""
    if not folder.is_dir():
        return []
    names = [p.name for p in folder.iterdir()]
    sidecars = {n.split(".")[0] for n in names if n.endswith(".sha256")}
    return [n for n in names if n.startswith(".build-") or n.endswith(".lis")
            or (n.endswith(".so") and n.split(".")[0] not in sidecars)]


# ------------------------------------------------------------------------------------------
# the kinds of unusable folder


def file_in_the_way(tmp_path: Path) -> Path:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    return blocker


def under_a_file(tmp_path: Path) -> Path:
    return file_in_the_way(tmp_path) / "cache"


def not_private(tmp_path: Path) -> Path:
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o777)
    return folder


KINDS = {
    "a file in the way": (file_in_the_way, ("not a folder",)),
    "a parent that is a file": (under_a_file, ("cannot be created",)),
    "writable by others": (not_private, ("writable by",)),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_an_unusable_folder_is_a_clear_cache_error(tmp_path, monkeypatch, kind):
    make, words = KINDS[kind]
    folder = make(tmp_path)
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    with pytest.raises(CacheDirError) as raw:
        cache_dir()
    assert isinstance(raw.value, OSError)  # what lower layers (the memo) switch off on
    with pytest.raises(CacheError) as info:
        compile_cython(fresh_source(), "test")
    assert_clear(info.value, folder, *words)


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_symbolic_memo_is_simply_off(tmp_path, monkeypatch, kind):
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(KINDS[kind][0](tmp_path)))
    disk_memo.forget()
    before = disk_memo.stats()
    try:
        update = discretize(CUBA, "exact")
    finally:
        disk_memo.forget()
    assert update.statements == tuple(METHODS["exact"].discretize(CUBA))
    assert disk_memo.stats()["stored"] == before["stored"]


# ------------------------------------------------------------------------------------------
# a full disk, at each step that writes


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "somewhere")


def _sidecar_no_space(real):
    def write(path: Path, data: bytes) -> None:
        if path.name.endswith(".sha256"):
            _no_space()
        real(path, data)
    return write


FULL_AT = {
    "the Cython step": lambda mp: mp.setattr(cache, "_cythonize", _no_space),
    "the build folder": lambda mp: mp.setattr(cache.tempfile, "mkdtemp", _no_space),
    "the sidecar": lambda mp: mp.setattr(cache, "_write_private",
                                         _sidecar_no_space(cache._write_private)),
}


@needs_compiler
@pytest.mark.parametrize("step", list(FULL_AT))
def test_a_full_disk_is_a_clear_cache_error_and_leaves_nothing(tmp_path, monkeypatch, step):
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    src = fresh_source()
    with monkeypatch.context() as mp:
        FULL_AT[step](mp)
        with pytest.raises(CacheError) as info:
            compile_cython(src, "test")
    assert_clear(info.value, folder, "full")
    assert leftovers(folder) == []
    assert not list(folder.glob("*.sha256"))
    assert compile_cython(src, "test").which() == src.split('"')[1]  # space again: it builds


def test_the_memo_is_off_on_a_full_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(disk_memo.tempfile, "mkstemp", _no_space)
    disk_memo.forget()
    before = disk_memo.stats()
    try:
        update = discretize(CUBA, "exact")
    finally:
        disk_memo.forget()
    assert update.statements == tuple(METHODS["exact"].discretize(CUBA))
    assert disk_memo.stats()["stored"] == before["stored"]
    assert not list((tmp_path / "cache").rglob("*.pickle"))
    assert not list((tmp_path / "cache").rglob(".tmp-*"))


# ------------------------------------------------------------------------------------------
# a read-only folder


def test_a_read_only_folder_is_a_clear_cache_error(tmp_path, monkeypatch):
    if os.geteuid() == 0:
        pytest.skip("root writes read-only folders: see the test run as nobody")
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o500)
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    try:
        with pytest.raises(CacheError) as info:
            compile_cython(fresh_source(), "test")
        assert_clear(info.value, folder, "not writable")
        disk_memo.forget()
        assert discretize(CUBA, "exact").statements == \
            tuple(METHODS["exact"].discretize(CUBA))
    finally:
        disk_memo.forget()
        os.chmod(folder, 0o700)


def test_as_an_ordinary_user_a_read_only_folder_is_a_clear_cache_error(shared_tmp):  # noqa: F811
    folder = shared_tmp / "cache"
    folder.mkdir(mode=0o700)
    os.chown(folder, *_nobody_ids())
    src = fresh_source()

    def victim() -> str:
        os.environ["LIFDSL_CACHE_DIR"] = str(folder)
        os.chmod(folder, 0o500)
        return compile_cython(src, "test").which()

    out = as_nobody(victim)
    assert "CacheError" in out.get("error", []) and "BuildError" in out["error"], out
    msg = out["message"]
    assert str(folder) in msg and "LIFDSL_CACHE_DIR" in msg and "not writable" in msg


@needs_compiler
def test_as_an_ordinary_user_a_read_only_folder_still_serves_what_it_holds(
        shared_tmp, monkeypatch):  # noqa: F811
    folder = shared_tmp / "cache"
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    src = fresh_source()
    compile_cython(src, "test")  # built by root, then given to nobody, read-only
    uid, gid = _nobody_ids()
    for p in [folder, *folder.iterdir()]:
        os.chown(p, uid, gid)
    os.chmod(folder, 0o500)

    def victim() -> str:
        os.environ["LIFDSL_CACHE_DIR"] = str(folder)
        return compile_cython(src, "test").which()

    out = as_nobody(victim)
    assert out.get("value") == src.split('"')[1], out
    assert out["warnings"] == []


def _nobody_ids() -> tuple[int, int]:
    from tests.reliability.test_cache_permissions import NOBODY_GID, NOBODY_UID

    if os.geteuid() != 0:
        pytest.skip("giving a folder to nobody needs root")
    return NOBODY_UID, NOBODY_GID


# ------------------------------------------------------------------------------------------
# what a run does


def _model() -> tuple[ld.Network, ld.NeuronGroup, str]:
    """A network whose program no earlier test compiled (a fresh variable name)."""
    v = "v" + uuid.uuid4().hex[:8]
    G = ld.NeuronGroup(3, f"d{v}/dt = -{v}/tau : 1", method="exact", namespace={"tau": 1e-2})
    setattr(G, v, np.array([1.0, 2.0, 3.0]))
    return ld.Network(G), G, v


def _unusable(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if kind == "a full disk":
        folder = tmp_path / "cache"
        monkeypatch.setattr(cache, "_cythonize", _no_space)
        return folder
    return KINDS[kind][0](tmp_path)


@needs_compiler
@pytest.mark.parametrize("kind", [*KINDS, "a full disk"])
def test_auto_falls_back_to_numpy_with_a_warning(tmp_path, monkeypatch, caplog, kind):
    folder = _unusable(kind, tmp_path, monkeypatch)
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    net, G, v = _model()
    net.target = "auto"
    with caplog.at_level(logging.WARNING, logger="lifdsl"):
        net.run(1e-3)
    np.testing.assert_allclose(np.asarray(getattr(G, v)), np.array([1.0, 2.0, 3.0]) * np.exp(-0.1))
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("running on numpy" in m and str(folder) in m and "LIFDSL_CACHE_DIR" in m
               for m in warned), warned
    assert net.t == pytest.approx(1e-3)


@needs_compiler
@pytest.mark.parametrize("kind", [*KINDS, "a full disk"])
def test_cython_raises_the_cache_error(tmp_path, monkeypatch, kind):
    folder = _unusable(kind, tmp_path, monkeypatch)
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    net, _, _ = _model()
    net.target = "cython"
    with pytest.raises(CacheError) as info:
        net.run(1e-3)
    assert_clear(info.value, folder)
