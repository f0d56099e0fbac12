"""Who may have written what the caches load: folders are created 0700 and files 0600; a folder
not owned by the user or writable by group/others is refused with a clear CacheError; a build,
sidecar or symbolic result that the user did not write (another owner, writable by others, a
symbolic link) is never loaded, even with a matching checksum. Ownership is tried both ways:
as root against files chowned to ``nobody``, and as ``nobody`` (a forked child that drops its
privileges) against a folder root planted."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import pwd
import shutil
import stat
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lifdsl.cachedir import CacheDirError, cache_dir, private_subdir
from lifdsl.codegen import cache
from lifdsl.codegen.cache import BuildError, CacheError, clear_cache, compile_cython
from lifdsl.methods import METHODS, discretize, disk_memo
from tests.codegen.test_cache import needs_compiler
from tests.methods.test_disk_memo import CUBA

pytestmark = pytest.mark.skipif(os.name != "posix", reason="owners and modes are POSIX")

#: The victim's kernel: what a planted module pretends to be.
VICTIM = 'def which():\n    return "genuine"\n'


def _nobody() -> tuple[int, int]:
    """The uid and gid of the unprivileged user ``nobody`` (65534 where it is not listed)."""
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


NOBODY_UID, NOBODY_GID = _nobody()


def chown_or_skip(path: Path, uid: int = NOBODY_UID, gid: int = NOBODY_GID) -> None:
    """Give ``path`` to another user (skip the test where this process may not)."""
    if os.geteuid() == uid:
        pytest.skip("this test needs to run as someone other than nobody")
    try:
        os.chown(path, uid, gid, follow_symlinks=False)
    except PermissionError:
        pytest.skip("giving a file to another user needs root")


def as_nobody(fn: Callable[[], object]) -> dict:
    """Run ``fn`` in a forked child that dropped to ``nobody``; its result or its exception
    (type names of its class hierarchy and message) as a dict. Skips unless we are root."""
    if os.geteuid() != 0 or not hasattr(os, "fork"):
        pytest.skip("dropping privileges to another user needs root and fork()")
    cache._require_toolchain()  # the child cannot read root's site-packages: import first
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY_GID)
            os.setuid(NOBODY_UID)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    out = {"value": fn()}
                except BaseException as exc:  # noqa: BLE001 - reported to the parent
                    out = {"error": [c.__name__ for c in type(exc).__mro__], "message": str(exc)}
            out["warnings"] = [str(w.message) for w in caught]
            os.write(write, json.dumps(out, default=str).encode())
        finally:
            os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 1 << 16):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    assert chunks, "the unprivileged child reported nothing"
    return json.loads(b"".join(chunks))


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A scratch folder that ``nobody`` can reach (pytest's tmp_path is root-only)."""
    base = Path(tempfile.mkdtemp(prefix="lifdsl-perm-"))
    os.chmod(base, 0o755)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    return folder


def planted_source(marker: Path) -> str:
    """A module that, if it is ever imported, leaves ``marker`` behind."""
    return f'open({str(marker)!r}, "w").write("planted module ran")\n\n\n' \
           'def which():\n    return "planted"\n'


@pytest.fixture(scope="module")
def planted_files() -> Iterator[tuple[Path, dict[str, bytes]]]:
    """Built once: a module under the victim's entry name that writes a marker (in a folder
    anyone may write, so that even ``nobody`` would leave it) when imported, and a sidecar
    whose checksum matches it. Where nothing compiles, a stand-in build (never opened beyond
    the checks). Yields the marker and {file name: bytes}."""
    base = Path(tempfile.mkdtemp(prefix="lifdsl-plant-"))
    os.chmod(base, 0o1777)
    marker = base / "marker"
    name, tc = cache._name_for(VICTIM, "test")
    scratch = base / "build"
    scratch.mkdir()
    entry = cache._Entry(scratch, name, tc.ext_suffix)
    if cache.compiler_available():
        so = cache._build(planted_source(marker), entry, tc)
    else:
        so = entry.build_file("0" * 16)
        so.write_bytes(b"\x7fELF planted")
        entry.sidecar.write_text(f"{hashlib.sha256(so.read_bytes()).hexdigest()}  {so.name}\n")
    files = {p.name: p.read_bytes() for p in (so, entry.sidecar)}
    try:
        yield marker, files
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def planter(planted_files) -> Iterator[tuple[Path, Callable[[Path], list[Path]]]]:
    """The marker (absent) and a function that plants the module's build and sidecar into a
    folder, returning their paths."""
    marker, files = planted_files

    def plant(folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        placed = []
        for filename, data in files.items():
            (folder / filename).write_bytes(data)
            os.chmod(folder / filename, 0o600)
            placed.append(folder / filename)
        return placed

    with contextlib.suppress(FileNotFoundError):
        marker.unlink()
    yield marker, plant


# ------------------------------------------------------------------------------------------
# what lifdsl creates


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def test_folders_are_created_owner_only_whatever_the_umask(tmp_path, monkeypatch):
    top = tmp_path / "a" / "b" / "cache"
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(top))
    with umask(0):
        assert cache_dir() == top
        sub = private_subdir(disk_memo.SUBDIR)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", top, sub):
        st = folder.stat()
        assert stat.S_IMODE(st.st_mode) == 0o700, folder
        assert st.st_uid == os.geteuid()


@needs_compiler
def test_every_cache_file_is_private(cache_env):
    with umask(0):
        module = compile_cython('def which():\n    return "private"\n', "test")
        disk_memo.forget()
        discretize(CUBA, "exact")
    assert module.which() == "private"
    seen = set()
    for p in cache_env.rglob("*"):
        mode = stat.S_IMODE(p.lstat().st_mode)
        if p.is_dir():
            assert mode == 0o700, p
        else:
            assert mode & 0o077 == 0, f"{p} is mode {mode:04o}"
        seen.add(p.suffix)
    assert {".so", ".sha256", ".pyx", ".lock", ".pickle"} <= seen


# ------------------------------------------------------------------------------------------
# folders lifdsl refuses


def _make_unsafe(folder: Path, how: str) -> None:
    if how == "owned by nobody":
        chown_or_skip(folder)
    else:
        os.chmod(folder, {"world-writable": 0o777, "group-writable": 0o770,
                          "sticky like /tmp": 0o1777, "others may write": 0o703}[how])


UNSAFE = ["owned by nobody", "world-writable", "group-writable", "sticky like /tmp",
          "others may write"]


@pytest.mark.parametrize("how", UNSAFE)
def test_an_unsafe_cache_folder_is_refused_and_nothing_in_it_runs(cache_env, planter, how):
    marker, plant = planter
    planted = plant(cache_env)
    _make_unsafe(cache_env, how)
    with pytest.raises(CacheError) as info:
        compile_cython(VICTIM, "test")
    assert isinstance(info.value, BuildError)  # so that target='auto' falls back to NumPy
    msg = str(info.value)
    assert str(cache_env) in msg and "LIFDSL_CACHE_DIR" in msg
    assert ("owned by another user" if how == "owned by nobody" else "writable by") in msg
    assert not marker.exists()
    with pytest.raises(CacheDirError, match="only you can write"):
        cache_dir()
    with pytest.raises(CacheError):  # and clear_cache deletes nothing in someone else's folder
        clear_cache()
    assert all(p.exists() for p in planted)


@pytest.mark.parametrize("how", UNSAFE)
def test_the_symbolic_memo_is_off_in_an_unsafe_folder(cache_env, tmp_path, how):
    marker = tmp_path / "marker"
    sub = private_subdir(disk_memo.SUBDIR)
    key = disk_memo.memo_key(CUBA, METHODS["exact"])
    _plant_pickle(sub / f"{key}.pickle", key, marker)
    _make_unsafe(cache_env if how == "owned by nobody" else sub, how)
    disk_memo.forget()
    before = disk_memo.stats()
    try:
        update = discretize(CUBA, "exact")
    finally:
        disk_memo.forget()
    assert update.statements == tuple(METHODS["exact"].discretize(CUBA))
    assert not marker.exists()
    after = disk_memo.stats()
    assert after["disk"] == before["disk"] and after["stored"] == before["stored"]


class _RunsCode:
    """Unpickling this calls ``open(marker, 'w')``: what a crafted pickle could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant_pickle(path: Path, key: str, marker: Path) -> None:
    """A memo entry in the right format whose unpickling writes ``marker``."""
    payload = pickle.dumps((key, _RunsCode(marker)))
    data = (b"lifdsl-symbolic %d\n" % disk_memo.FORMAT
            + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    path.write_bytes(data)
    os.chmod(path, 0o600)


# ------------------------------------------------------------------------------------------
# entries lifdsl refuses inside a private folder


def _make_foreign(path: Path, how: str, elsewhere: Path) -> None:
    if how == "owned by nobody":
        chown_or_skip(path)
    elif how == "symbolic link":
        target = elsewhere / path.name
        shutil.move(path, target)
        path.symlink_to(target)
    else:
        os.chmod(path, {"world-writable": 0o666, "group-writable": 0o660}[how])


FOREIGN = ["owned by nobody", "world-writable", "group-writable", "symbolic link"]


@needs_compiler
@pytest.mark.parametrize("which", ["build", "sidecar"])
@pytest.mark.parametrize("how", FOREIGN)
def test_a_planted_entry_is_never_loaded_even_with_a_matching_checksum(
        cache_env, tmp_path, planter, which, how):
    marker, plant = planter
    so, sidecar = plant(cache_env)
    os.chmod(cache_env, 0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _make_foreign(so if which == "build" else sidecar, how, elsewhere)
    before = cache.build_count()
    with pytest.warns(RuntimeWarning, match="not used"):
        module = compile_cython(VICTIM, "test")
    assert not marker.exists()
    assert module.which() == "genuine"
    assert cache.build_count() == before + 1
    assert not so.exists() and not so.is_symlink()  # removed: the rebuild is a new file


@pytest.mark.parametrize("how", FOREIGN)
def test_a_planted_symbolic_result_is_never_unpickled(cache_env, tmp_path, how):
    marker = tmp_path / "marker"
    sub = private_subdir(disk_memo.SUBDIR)
    key = disk_memo.memo_key(CUBA, METHODS["exact"])
    entry = sub / f"{key}.pickle"
    _plant_pickle(entry, key, marker)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _make_foreign(entry, how, elsewhere)
    disk_memo.forget()
    try:
        update = discretize(CUBA, "exact")
    finally:
        disk_memo.forget()
    assert not marker.exists()
    assert update.statements == tuple(METHODS["exact"].discretize(CUBA))
    # the foreign entry was replaced by the user's own
    assert not entry.is_symlink() and entry.stat().st_uid == os.geteuid()


def test_a_sidecar_cannot_point_outside_its_entry(cache_env, planter):
    marker, plant = planter
    planted = plant(cache_env / "elsewhere")
    name, tc = cache._name_for(VICTIM, "test")
    digest = hashlib.sha256(planted[0].read_bytes()).hexdigest()
    for target in (f"elsewhere/{planted[0].name}", f"../cache/elsewhere/{planted[0].name}"):
        (cache_env / f"{name}.sha256").write_text(f"{digest}  {target}\n")
        os.chmod(cache_env / f"{name}.sha256", 0o600)
        entry = cache._Entry(cache_env, name, tc.ext_suffix)
        so, problem = entry.check()
        assert so is None and "malformed" in problem
    assert not marker.exists()


# ------------------------------------------------------------------------------------------
# with dropped privileges: the victim is an ordinary user


def test_as_an_ordinary_user_a_folder_root_planted_is_refused(shared_tmp, planter):
    marker, plant = planter
    folder = shared_tmp / "shared-cache"
    plant(folder)
    for p in [folder, *folder.iterdir()]:
        os.chmod(p, 0o777 if p.is_dir() else 0o666)

    def victim() -> str:
        os.environ["LIFDSL_CACHE_DIR"] = str(folder)
        return compile_cython(VICTIM, "test").which()

    out = as_nobody(victim)
    assert "CacheError" in out.get("error", []) and "BuildError" in out["error"], out
    assert str(folder) in out["message"] and "LIFDSL_CACHE_DIR" in out["message"]
    assert not marker.exists()


def test_as_an_ordinary_user_a_folder_of_another_user_is_refused_even_if_private(
        shared_tmp, planter):
    marker, plant = planter
    folder = shared_tmp / "roots-cache"
    folder.mkdir(mode=0o755)  # readable by all, writable by root only: still not nobody's
    for p in plant(folder):
        os.chmod(p, 0o644)

    def victim() -> str:
        os.environ["LIFDSL_CACHE_DIR"] = str(folder)
        return compile_cython(VICTIM, "test").which()

    out = as_nobody(victim)
    assert "CacheError" in out.get("error", []), out
    assert "owned by another user" in out["message"]
    assert not marker.exists()


def test_as_an_ordinary_user_a_new_cache_is_owner_only(shared_tmp):
    os.chmod(shared_tmp, 0o777)
    folder = shared_tmp / "home" / ".cache" / "lifdsl"

    def victim() -> list:
        os.environ["LIFDSL_CACHE_DIR"] = str(folder)
        os.umask(0o022)
        made = [cache_dir(), private_subdir(disk_memo.SUBDIR)]
        return [[str(p), p.stat().st_uid, stat.S_IMODE(p.stat().st_mode)] for p in made]

    out = as_nobody(victim)
    assert "value" in out, out
    for _, uid, mode in out["value"]:
        assert uid == NOBODY_UID and mode == 0o700
