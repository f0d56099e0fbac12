"""The compile-once cache: builds link NumPy's random library, entries are reused in-process
and across processes, corrupt entries are rebuilt with a warning, concurrent builds succeed,
and a missing compiler or Cython gives an error that says what to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lifdsl.codegen import cache
from lifdsl.codegen.cache import (
    BuildError,
    CompilerNotFoundError,
    build_count,
    cache_dir,
    clear_cache,
    compile_cython,
    compiler_available,
)

REPO = Path(__file__).resolve().parents[2]

needs_compiler = pytest.mark.skipif(
    not compiler_available(), reason="needs Cython and a C compiler"
)

# Arrays travel as addresses (no typed memoryviews: their utility code triples compile time).
SOURCE = '''# cython: language_level=3
# {tag}
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport int64_t, uintptr_t
from numpy.random cimport bitgen_t

cdef extern from *:
    """
#include "numpy/random/distributions.h"
static void lifdsl_test_add(const double *a, const double *b, double *out, int64_t n)
{{
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}}
static void lifdsl_test_draw(bitgen_t *rng, double *u, double *z, int64_t n)
{{
    for (int64_t i = 0; i < n; ++i) u[i] = rng->next_double(rng->state);
    for (int64_t i = 0; i < n; ++i) z[i] = random_standard_normal(rng);
}}
    """
    void lifdsl_test_add(const double *a, const double *b, double *out, int64_t n) nogil
    void lifdsl_test_draw(bitgen_t *rng, double *u, double *z, int64_t n) nogil


def add(uintptr_t a, uintptr_t b, uintptr_t out, int64_t n):
    lifdsl_test_add(<const double*> a, <const double*> b, <double*> out, n)


def draw(object capsule, uintptr_t u, uintptr_t z, int64_t n):
    cdef bitgen_t *rng = <bitgen_t*> PyCapsule_GetPointer(capsule, "BitGenerator")
    with nogil:
        lifdsl_test_draw(rng, <double*> u, <double*> z, n)
'''


def source(tag: str) -> str:
    """A test module; the tag makes its hash (and so its cache entry) unique."""
    return SOURCE.format(tag=tag)


def check_module(module) -> None:
    a, b = np.arange(5.0), np.full(5, 0.5)
    out = np.empty(5)
    module.add(a.ctypes.data, b.ctypes.data, out.ctypes.data, 5)
    np.testing.assert_array_equal(out, a + b)
    n = 1000
    rng = np.random.default_rng(1234)
    u, z = np.empty(n), np.empty(n)
    module.draw(rng.bit_generator.capsule, u.ctypes.data, z.ctypes.data, n)
    ref = np.random.default_rng(1234)
    np.testing.assert_array_equal(u, ref.random(n))
    np.testing.assert_array_equal(z, ref.standard_normal(n))


@pytest.fixture
def cache_env(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    return folder


def run_child(folder: Path, src: str, hint: str = "test") -> dict:
    """Compile ``src`` in a fresh Python process; returns its build count and module file."""
    script = (
        "import json, sys\n"
        "from lifdsl.codegen import cache\n"
        f"m = cache.compile_cython(sys.stdin.read(), {hint!r})\n"
        "print(json.dumps({'builds': cache.build_count(), 'file': m.__file__}))\n"
    )
    env = dict(os.environ, LIFDSL_CACHE_DIR=str(folder),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", script], input=src, capture_output=True,
                          text=True, env=env, cwd=REPO, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def entry_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith((".so", ".pyd")))


@needs_compiler
def test_build_links_numpy_random_and_caches_in_process(cache_env):
    src = source("in-process")
    before = build_count()
    t0 = time.perf_counter()
    module = compile_cython(src, "test")
    cold = time.perf_counter() - t0
    assert build_count() == before + 1
    check_module(module)
    assert module.__name__.startswith("lifdsl_test_") and len(module.__name__) == 12 + 16
    (so,) = entry_files(cache_env)
    assert so.name.startswith(module.__name__)
    assert (cache_env / (module.__name__ + ".sha256")).exists()
    assert (cache_env / (module.__name__ + ".pyx")).read_text() == src
    assert not [p for p in cache_env.iterdir() if p.name.startswith(".build-")]

    t0 = time.perf_counter()
    again = compile_cython(src, "test")
    hot = time.perf_counter() - t0
    assert again is module
    assert build_count() == before + 1
    assert hot < 1e-3 < cold


@needs_compiler
def test_new_process_loads_from_disk_without_building(cache_env):
    src = source("disk")
    first = run_child(cache_env, src)
    assert first["builds"] == 1
    second = run_child(cache_env, src)
    assert second == {"builds": 0, "file": first["file"]}
    check_module(compile_cython(src, "test"))  # and this process loads it too
    assert len(entry_files(cache_env)) == 1


@needs_compiler
def test_clear_cache_empties_folder_and_table(cache_env):
    src = source("clear")
    module = compile_cython(src, "test")
    assert clear_cache() == 1
    assert list(cache_env.iterdir()) == []
    assert clear_cache() == 0
    check_module(module)  # an imported module keeps working
    before = build_count()
    check_module(compile_cython(src, "test"))  # rebuilt, and importable again here
    assert build_count() == before + 1


@needs_compiler
@pytest.mark.slow
def test_truncated_entry_is_rebuilt_with_warning(cache_env):
    src = source("truncated")
    run_child(cache_env, src)  # built elsewhere: never map a file we then truncate
    (so,) = entry_files(cache_env)
    data = so.read_bytes()
    so.write_bytes(data[: len(data) // 3])
    before = build_count()
    with pytest.warns(RuntimeWarning, match=so.name):
        module = compile_cython(src, "test")
    assert build_count() == before + 1
    check_module(module)
    (rebuilt,) = entry_files(cache_env)  # a rebuild is a new file: the damaged one is gone
    assert rebuilt != so and not so.exists()
    assert rebuilt.stat().st_size == len(data)


@needs_compiler
@pytest.mark.slow
def test_unimportable_entry_is_rebuilt_with_warning(cache_env):
    src = source("garbage")
    run_child(cache_env, src)
    (so,) = entry_files(cache_env)
    # garbage whose hash matches its sidecar: only the import can tell
    junk = b"not a shared object" * 100
    so.write_bytes(junk)
    import hashlib

    sidecar = so.parent / (so.name.split(".")[0] + ".sha256")
    sidecar.write_text(f"{hashlib.sha256(junk).hexdigest()}  {so.name}\n")
    with pytest.warns(RuntimeWarning, match="cannot be imported"):
        module = compile_cython(src, "test")
    check_module(module)


@needs_compiler
@pytest.mark.slow
def test_concurrent_builds_both_succeed(cache_env):
    src = source("concurrent")
    script = (
        "import json, sys\n"
        "from lifdsl.codegen import cache\n"
        "m = cache.compile_cython(sys.stdin.read(), 'test')\n"
        "a = __import__('numpy').arange(3.0); o = a.copy()\n"
        "m.add(a.ctypes.data, a.ctypes.data, o.ctypes.data, 3)\n"
        "print(json.dumps({'builds': cache.build_count(), 'file': m.__file__,"
        " 'sum': o.tolist()}))\n"
    )
    env = dict(os.environ, LIFDSL_CACHE_DIR=str(cache_env),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    procs = [subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env, cwd=REPO) for _ in range(3)]
    results = []
    for p in procs:
        out, err = p.communicate(src, timeout=300)
        assert p.returncode == 0, err
        assert "Warning" not in err, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert {r["file"] for r in results} == {results[0]["file"]}
    assert all(r["sum"] == [0.0, 2.0, 4.0] for r in results)
    assert sum(r["builds"] for r in results) == 1  # the others waited and loaded it
    assert len(entry_files(cache_env)) == 1
    assert not [p for p in cache_env.iterdir() if p.name.startswith(".build-")]


def test_missing_compiler_says_how_to_install(cache_env, monkeypatch):
    monkeypatch.setenv("CC", "/nonexistent/cc")
    assert compiler_available() is False
    with pytest.raises(CompilerNotFoundError) as info:
        compile_cython(source("no-compiler"), "test")
    msg = str(info.value)
    assert "/nonexistent/cc" in msg
    assert "apt install gcc python3-dev" in msg
    assert "xcode-select --install" in msg
    assert "Build Tools" in msg
    assert "target='numpy'" in msg
    assert isinstance(info.value, RuntimeError)


def test_missing_cython_says_pip_install(cache_env, monkeypatch):
    monkeypatch.setitem(sys.modules, "Cython", None)  # makes `import Cython` fail
    with pytest.raises(CompilerNotFoundError, match="pip install cython"):
        compile_cython(source("no-cython"), "test")


@needs_compiler
def test_bad_source_is_a_build_error(cache_env):
    with pytest.raises(BuildError, match="Cython"):
        compile_cython("def f(:\n    pass\n", "bad")
    bad_c = 'cdef extern from *:\n    """\nstatic int g(void) { return undefined_name; }\n' \
            '    """\n    int g()\n\ndef f():\n    return g()\n'
    with pytest.raises(BuildError, match="undefined_name"):
        compile_cython(bad_c, "bad")
    assert entry_files(cache_env) == []
    assert not [p for p in cache_env.iterdir() if p.name.startswith(".build-")]


def test_cache_dir_read_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(tmp_path / "a"))
    assert cache_dir() == tmp_path / "a" and (tmp_path / "a").is_dir()
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(tmp_path / "b"))
    assert cache_dir() == tmp_path / "b"
    monkeypatch.delenv("LIFDSL_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cache_dir() == tmp_path / "xdg" / "lifdsl"


def test_module_name_is_an_identifier():
    assert cache._module_name("my net-1", "0123456789abcdef" * 4) == \
        "lifdsl_my_net_1_0123456789abcdef"
