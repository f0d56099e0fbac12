"""The cache under concurrency: clear_cache in one process never removes another's build in
progress (the builder survives, three times of three), a lock file its holder deletes still
excludes, and a build leaves the rest of the process alone: no chdir (another thread writing
by relative path loses nothing) and no swapped standard streams."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from lifdsl.codegen import cache
from lifdsl.codegen.cache import clear_cache, compile_cython
from tests.codegen.test_cache import REPO, check_module, needs_compiler, source

#: Compiles the source on stdin, and prints what it returns and its build count.
BUILDER = (
    "import json, sys\n"
    "from lifdsl.codegen import cache\n"
    "m = cache.compile_cython(sys.stdin.read(), 'test')\n"
    "print(json.dumps({'builds': cache.build_count(), 'which': m.which()}))\n"
)

#: Clears the cache in a loop until the file argv[1] exists; prints how often.
CLEARER = (
    "import json, os, sys, time\n"
    "from lifdsl.codegen import cache\n"
    "n = 0\n"
    "while not os.path.exists(sys.argv[1]):\n"
    "    cache.clear_cache(); n += 1; time.sleep(0.002)\n"
    "print(json.dumps({'clears': n}))\n"
)


@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    return folder


def light(tag: str) -> tuple[str, str]:
    """A small module (about a second to build) that returns its own tag, and the tag."""
    tag = f"{tag}-{uuid.uuid4().hex}"
    return f'def which():\n    return "{tag}"\n', tag


def child_env(folder: Path) -> dict[str, str]:
    return dict(os.environ, LIFDSL_CACHE_DIR=str(folder),
                PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))


def entry_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(("lifdsl_", ".build-")))


# ------------------------------------------------------------------------------------------
# clear_cache against a build in progress


@needs_compiler
@pytest.mark.slow
def test_clearing_in_this_process_never_kills_a_build_in_another(cache_env):
    cache_env.mkdir(mode=0o700)
    for round_ in range(3):
        src, tag = light(f"race-{round_}")
        builder = subprocess.Popen([sys.executable, "-c", BUILDER], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=child_env(cache_env), cwd=REPO)
        builder.stdin.write(src)
        builder.stdin.close()  # the child builds while this process clears
        clears, during_build = 0, 0
        while builder.poll() is None:
            if any(n.startswith(".build-") for n in os.listdir(cache_env)):
                during_build += 1
            clear_cache()
            clears += 1
            time.sleep(0.002)  # often, yet leaving the builder a CPU
        out, err = builder.stdout.read(), builder.stderr.read()
        assert builder.returncode == 0, f"round {round_}: the builder died:\n{err}"
        assert "Warning" not in err, err
        assert json.loads(out.strip().splitlines()[-1]) == {"builds": 1, "which": tag}
        assert during_build > 0 and clears > during_build  # it did clear while it built
    clear_cache()  # with nobody building, everything goes
    assert entry_files(cache_env) == []


@needs_compiler
@pytest.mark.slow
def test_clearing_in_another_process_never_kills_a_build_in_this_one(cache_env, tmp_path):
    cache_env.mkdir(mode=0o700)
    stop = tmp_path / "stop"
    clearer = subprocess.Popen([sys.executable, "-c", CLEARER, str(stop)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=child_env(cache_env), cwd=REPO)
    try:
        time.sleep(0.5)  # let it start clearing
        for round_ in range(3):
            before = cache.build_count()
            src, tag = light(f"race-here-{round_}")
            assert compile_cython(src, "test").which() == tag
            assert cache.build_count() == before + 1
    finally:
        stop.touch()
        out, err = clearer.communicate(timeout=60)
    assert clearer.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1])["clears"] > 3


@needs_compiler
def test_clearing_in_another_thread_waits_for_the_build(cache_env):
    errors: list[BaseException] = []
    done = threading.Event()

    def build() -> None:
        try:
            check_module(compile_cython(source(f"thread-{uuid.uuid4().hex}"), "test"))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=build)
    thread.start()
    while not done.is_set():
        clear_cache()
    thread.join()
    assert errors == []


def test_clear_cache_leaves_an_entry_whose_lock_is_held(cache_env):
    """A held lock is what a build in progress (or an import) looks like to clear_cache."""
    cache_env.mkdir(mode=0o700)
    busy, idle = "lifdsl_test_" + "a" * 16, "lifdsl_test_" + "b" * 16
    for name in (busy, idle):
        (cache_env / f"{name}.pyx").write_text("# source")
        (cache_env / f".build-{name}.x1y2").mkdir()
        (cache_env / f".build-{name}.x1y2" / f"{name}.c").write_text("/* half */")
    fd = os.open(cache_env / f"{busy}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another open file: it excludes this process too
        clear_cache()
        assert entry_files(cache_env) == [f".build-{busy}.x1y2", f"{busy}.lock", f"{busy}.pyx"]
    finally:
        os.close(fd)
    clear_cache()
    assert entry_files(cache_env) == []


def test_a_lock_file_deleted_by_its_holder_still_excludes(tmp_path):
    """The holder (clear_cache) deletes the lock file; one waiting on the old file and one
    arriving on a new file must not hold the lock at the same time."""
    path = tmp_path / "entry.lock"
    inside: list[tuple[str, float, float]] = []

    def hold(who: str) -> None:
        with cache._file_lock(path) as held:
            assert held
            start = time.monotonic()
            time.sleep(0.3)
            inside.append((who, start, time.monotonic()))

    with cache._file_lock(path):
        waiter = threading.Thread(target=hold, args=("waiter",))
        waiter.start()
        time.sleep(0.3)  # the waiter is blocked on the file about to be deleted
        path.unlink()
        newcomer = threading.Thread(target=hold, args=("newcomer",))
        newcomer.start()
        time.sleep(0.1)
    waiter.join()
    newcomer.join()
    (_, a0, a1), (_, b0, b1) = sorted(inside, key=lambda x: x[1])
    assert a1 <= b0, f"two holders at once: {inside}"


# ------------------------------------------------------------------------------------------
# a build leaves the rest of the process alone


@needs_compiler
def test_a_build_never_changes_the_working_directory(cache_env, tmp_path, monkeypatch):
    here = tmp_path / "cwd"
    here.mkdir()
    monkeypatch.chdir(here)
    stop = threading.Event()
    written: list[str] = []
    seen: set[str] = set()

    def writer() -> None:
        while not stop.is_set():
            seen.add(os.getcwd())
            name = f"file-{len(written)}.txt"
            with open(name, "w") as f:  # by relative path, as user code does
                f.write("x")
            written.append(name)
            time.sleep(0.0005)

    def no_chdir(path: object) -> None:
        raise AssertionError(f"the build changed the working directory to {path}")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with monkeypatch.context() as mp:
            mp.setattr(os, "chdir", no_chdir)
            module = compile_cython(source(f"cwd-{uuid.uuid4().hex}"), "test")
    finally:
        stop.set()
        thread.join()
    check_module(module)
    assert seen == {str(here)}
    assert len(written) > 50
    lost = [n for n in written if not (here / n).exists()]
    assert lost == [], f"{len(lost)} of {len(written)} files lost"


@needs_compiler
def test_a_build_never_swaps_the_standard_streams(cache_env, capsys):
    stop = threading.Event()
    printed: list[int] = []
    streams: set[int] = set()

    def talker() -> None:
        while not stop.is_set():
            streams.add(id(sys.stdout))
            print(f"tick {len(printed)}")
            printed.append(1)
            time.sleep(0.001)

    thread = threading.Thread(target=talker)
    thread.start()
    try:
        compile_cython(source(f"streams-{uuid.uuid4().hex}"), "test")
    finally:
        stop.set()
        thread.join()
    out = capsys.readouterr().out
    assert len(streams) == 1
    assert out.count("tick ") == len(printed) > 20
