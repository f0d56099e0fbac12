"""A damaged but loadable module is recovered in the same process: once a process imported a
module of an entry (here a wrong one, as a damaged file that still loads and matches its
checksum would be), a rebuild of that entry is what it loads next, whoever rebuilt it. Each
build is a new file (same module name), so neither Python nor the dynamic loader can hand back
the module imported before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lifdsl.codegen import cache
from lifdsl.codegen.cache import clear_cache, compile_cython
from tests.codegen.test_cache import REPO, needs_compiler

pytestmark = needs_compiler

RIGHT = 'def which():\n    return "right"\n'
WRONG = 'def which():\n    return "wrong"\n'


@pytest.fixture
def cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    folder.mkdir(mode=0o700)
    return folder


def import_a_wrong_module(folder: Path):
    """Put a loadable module with the entry name of RIGHT but WRONG's code (and a matching
    checksum) into the cache, and import it through compile_cython as a run would."""
    name, tc = cache._name_for(RIGHT, "test")
    entry = cache._Entry(folder, name, tc.ext_suffix)
    cache._build(WRONG, entry, tc)
    module = compile_cython(RIGHT, "test")
    assert module.which() == "wrong"  # nothing could have told: same name, valid checksum
    return module, entry


def corrupt(path: Path) -> None:
    """Damage a file on disk the way a bad write would, without touching the mapped copy."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(bytes(data))
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def build_file(module) -> Path:
    return Path(module.__file__)


def test_detected_here_rebuilt_here_loaded_here(cache_env):
    wrong, entry = import_a_wrong_module(cache_env)
    corrupt(build_file(wrong))
    cache._loaded.clear()  # the next lookup goes to disk, as after clear_cache or a new key
    before = cache.build_count()
    with pytest.warns(RuntimeWarning, match="corrupt"):
        right = compile_cython(RIGHT, "test")
    assert cache.build_count() == before + 1
    assert right.which() == "right"
    assert right.__name__ == wrong.__name__ and right.__file__ != wrong.__file__
    assert wrong.which() == "wrong"  # what was imported stays as it was


def test_cleared_here_rebuilt_here_loaded_here(cache_env):
    wrong, _ = import_a_wrong_module(cache_env)
    assert clear_cache() == 1
    right = compile_cython(RIGHT, "test")
    assert right.which() == "right" and right is not wrong


def test_rebuilt_by_another_process_loaded_here(cache_env):
    wrong, _ = import_a_wrong_module(cache_env)
    corrupt(build_file(wrong))
    script = ("import sys\nfrom lifdsl.codegen import cache\n"
              "print(cache.compile_cython(sys.stdin.read(), 'test').which())\n")
    env = dict(os.environ, LIFDSL_CACHE_DIR=str(cache_env),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", script], input=RIGHT, capture_output=True,
                          text=True, env=env, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["right"] and "corrupt" in proc.stderr
    cache._loaded.clear()
    before = cache.build_count()
    right = compile_cython(RIGHT, "test")  # loads the other process's build
    assert cache.build_count() == before
    assert right.which() == "right"


def test_every_build_is_a_new_file_and_the_old_one_goes(cache_env):
    files = []
    for _ in range(3):
        module = compile_cython(RIGHT, "test")
        files.append(module.__file__)
        assert clear_cache() == 1
    assert len(set(files)) == 3
    assert not any(os.path.exists(f) for f in files)
    module = compile_cython(RIGHT, "test")
    cache._loaded.clear()
    name, tc = cache._name_for(RIGHT, "test")
    entry = cache._Entry(cache_env, name, tc.ext_suffix)
    with cache._file_lock(entry.lock):
        rebuilt = cache._build(RIGHT, entry, tc)  # over the current build: replaces it
    assert [p.name for p in cache_env.glob(name + ".*") if entry.is_build_file(p.name)] == \
        [rebuilt.name]
    assert compile_cython(RIGHT, "test").which() == "right"
