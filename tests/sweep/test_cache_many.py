"""The compile cache under a sweep's start: 8 processes started at once on a new model build
its kernel once and all run it; a lock that cannot be taken is a CacheError after a timeout,
not a hang."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from lifdsl.codegen import cache
from lifdsl.codegen.cache import CacheError, compile_cython, compiler_available

REPO = Path(__file__).resolve().parents[2]
needs_compiler = pytest.mark.skipif(not compiler_available(), reason="no C compiler / Cython")

#: runs a one-group network on the cython target (a model no cache has seen: its constant
#: ``tag`` is in the source), prints the build count, the spikes and the kernel's file
CHILD = """
import json, sys
import lifdsl as ld
from lifdsl.codegen import cache
G = ld.NeuronGroup(20, 'dv/dt = (1.5 - v)/(10*ms) + 0*{tag} : 1', threshold='v > 1',
                   reset='v = 0', method='exact')
G.v = 'i/20'
M = ld.SpikeMonitor(G)
ld.Network(G, M, target='cython').run(0.02)
files = sorted(m.__file__ for m in cache._loaded.values())
print(json.dumps({{'builds': cache.build_count(), 'spikes': M.i.tolist(), 'files': files}}))
"""


@needs_compiler
def test_eight_processes_at_once_compile_a_new_model_once(tmp_path):
    folder = tmp_path / "cache"
    env = dict(os.environ, LIFDSL_CACHE_DIR=str(folder),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    code = CHILD.format(tag=int(time.time() * 1000) % 100000 + 1)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
             for _ in range(8)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["builds"] for r in results) == 1
    assert all(r["spikes"] == results[0]["spikes"] for r in results) and results[0]["spikes"]
    assert len({tuple(r["files"]) for r in results}) == 1
    built = [p for p in folder.iterdir() if p.name.endswith(".so")]
    assert len(built) == 1
    assert not [p for p in folder.iterdir() if p.name.startswith(".build-")]


@needs_compiler
def test_a_lock_held_too_long_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIFDSL_LOCK_TIMEOUT", "0.5")
    src = f'def which():\n    return "{uuid.uuid4().hex}"\n'
    name, tc = cache._name_for(src, "locked")
    entry = cache._Entry(cache.cache_dir(), name, tc.ext_suffix)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)\n",
         str(entry.lock)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        t0 = time.monotonic()
        with pytest.raises(CacheError, match=r"waited 0.5 s for the lock .*LIFDSL_LOCK_TIMEOUT"):
            compile_cython(src, "locked")
        assert 0.4 < time.monotonic() - t0 < 10
    finally:
        holder.kill()
        holder.wait()
    with cache._file_lock(entry.lock, timeout=5) as held:  # released: it is free again
        assert held
