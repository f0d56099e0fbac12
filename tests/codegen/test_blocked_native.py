"""The kernel's blocked threshold loops, the CPU in the cache key, and the on-disk memo of the
affine rewrite and of kernel sources: same results as before, remembered across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen import cache, optimize, symbolic_memo
from lifdsl.codegen.cache import compiler_available
from lifdsl.codegen.optimize import affine_rewrite, compute_affine_rewrite
from lifdsl.equations import Equations
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

needs_compiler = pytest.mark.skipif(not compiler_available(), reason="no working C compiler")

CUBA = """
dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
NS = dict(taum=20e-3, taue=5e-3, taui=10e-3, Vt=-50e-3, Vr=-60e-3, El=-49e-3)


def _run(target: str, n: int = 700, reset: str = "v = Vr + 0.1*(v - Vt)"):
    ld.seed(5)
    G = ld.NeuronGroup(n, CUBA, threshold="v > Vt", reset=reset, refractory=2e-3,
                       method="exact", namespace=NS, dt=1e-4)
    G.v = "Vr + rand()*(Vt - Vr)"
    G.ge = "rand()*20*mV"      # (0.02 V: a volt variable takes a value in volt)
    M = ld.SpikeMonitor(G)
    net = ld.Network(G, M, target=target)
    net.run(20e-3)
    return G, M


@needs_compiler
def test_blocked_loop_with_fused_reset_equals_numpy():
    """Many spikes in every block (n not a multiple of 256), a reset reading the updated v."""
    Gc, Mc = _run("cython")
    Gn, Mn = _run("numpy")
    src = Gc.generated_code("cython")
    assert "LIFDSL_FOR_SET(_cbuf" in src and "_b += 256" in src
    assert Mc.num_spikes > 300
    np.testing.assert_array_equal(Mc.i[:], Mn.i[:])
    np.testing.assert_array_equal(Mc.t[:], Mn.t[:])
    for name in ("v", "ge", "gi", "lastspike", "not_refractory"):
        np.testing.assert_array_equal(getattr(Gc, name)[:], getattr(Gn, name)[:])


@needs_compiler
def test_one_pass_loop_gives_the_same(monkeypatch):
    from lifdsl.codegen.cython_target import layout, runtime

    Gb, Mb = _run("cython", 300)
    monkeypatch.setattr(layout, "BLOCKED", False)
    monkeypatch.setattr(runtime, "_KERNELS", {})   # (this process's table knows no flag)
    Go, Mo = _run("cython", 300)
    assert "LIFDSL_FOR_SET(_cbuf" not in Go.generated_code("cython")
    np.testing.assert_array_equal(Mb.i[:], Mo.i[:])
    np.testing.assert_array_equal(Gb.v[:], Go.v[:])


def test_native_flags_put_the_cpu_in_the_key(monkeypatch):
    monkeypatch.delenv("LIFDSL_NATIVE", raising=False)
    tc = cache._toolchain(None, None)
    if cache.cpu_identity() is None or "-march=native" not in tc.compile_flags:
        assert tc.cpu is None
    else:
        assert tc.cpu == cache.cpu_identity()
        assert tc.cpu in tc.fingerprint("x")
        assert "-ffp-contract=off" in tc.compile_flags
    monkeypatch.setenv("LIFDSL_NATIVE", "0")
    portable = cache._toolchain(None, "0")
    assert "-march=native" not in portable.compile_flags and portable.cpu is None
    assert "-ffast-math" not in portable.compile_flags + tc.compile_flags


def test_affine_rewrite_is_remembered_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(tmp_path))
    symbolic_memo.forget()
    eqs = Equations(CUBA)
    stmts = list(eqs.discretize("exact").statements)
    stmts += [Assign(x, symbol(f"{x}_new")) for x in ("v", "ge", "gi")]
    args = (stmts, ["v", "ge", "gi"], {"v", "ge", "gi"}, {"taum", "taue", "taui", "El", "dt"})
    before = symbolic_memo.stats()
    first = affine_rewrite(*args)
    assert first == compute_affine_rewrite(*args)
    assert first.coefficients
    assert symbolic_memo.stats()["stored"] == before["stored"] + 1
    entries = list((tmp_path / symbolic_memo.SUBDIR).glob("*.pickle"))
    assert len(entries) == 1
    symbolic_memo.forget()
    again = affine_rewrite(*args)
    assert again == first and symbolic_memo.stats()["disk"] == before["disk"] + 1
    again.statements.clear()   # a copy: the remembered one is untouched
    assert affine_rewrite(*args) == first
    # the coefficients' function comes with the entry: the same source and numbers as printed
    exprs = tuple(again.coefficients.values())
    assert again.coefficient_source == optimize._coefficient_source(exprs)
    optimize._functions.pop(exprs, None)
    symbolic_memo.forget()
    affine_rewrite(*args)
    assert exprs in optimize._functions      # set from the entry, before any value is asked
    values = dict(NS, dt=1e-4)
    loaded = optimize.coefficient_values(again.coefficients, values)
    optimize._functions.pop(exprs)
    printed = optimize.coefficient_values(again.coefficients, values)
    assert loaded == printed and len(loaded) == len(exprs) > 0
    # a damaged entry: a warning, then computed afresh
    entries[0].write_bytes(entries[0].read_bytes()[:-5])
    symbolic_memo.forget()
    with pytest.warns(RuntimeWarning, match="unusable"):
        assert affine_rewrite(*args) == first
    symbolic_memo.forget()


@needs_compiler
def test_a_fresh_process_prints_no_kernel_it_has_seen(tmp_path):
    script = (
        "import lifdsl as ld\n"
        "from lifdsl.codegen.cython_target import runtime as r\n"
        "calls = []\n"
        "real = r.generate_kernel\n"
        "r.generate_kernel = lambda p: calls.append(1) or real(p)\n"
        "G = ld.NeuronGroup(5, 'dv/dt = (2 - v)/tau : 1', threshold='v > 1', reset='v = 0',\n"
        "                   namespace={'tau': 0.01})\n"
        "M = ld.SpikeMonitor(G)\n"
        "ld.Network(G, M, target='cython').run(0.02)\n"
        "print(len(calls), M.num_spikes)\n"
    )
    env = {**os.environ, "LIFDSL_CACHE_DIR": str(tmp_path)}
    out = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, check=True).stdout.split() for _ in range(2)]
    assert out[0][0] == "1" and out[1][0] == "0"
    assert out[0][1] == out[1][1] != "0"


def test_geometric_draws_are_numpys():
    from lifdsl.core import connect

    for p in (0.3, 0.05, 1e-4):
        a = np.random.default_rng(7).geometric(p, size=5000)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            b = connect._geometric(np.random.default_rng(7), p, 5000)
        np.testing.assert_array_equal(a, b)
    a = np.random.default_rng(7).geometric(0.5, size=100)
    np.testing.assert_array_equal(a, connect._geometric(np.random.default_rng(7), 0.5, 100))


def test_skipping_in_pieces_gives_numpys_pairs_and_stream(monkeypatch):
    """connect(p=)'s pieces (work buffers reused, divmod into the results) against positions
    made from ``Generator.geometric`` directly: the same pairs, and the generator left at the
    same state (the rest of the last round is drawn too)."""
    from lifdsl.core import connect

    def reference(total, p, rng, width):
        batch, pos, kept = max(16, int(total * p * 1.1) + 16), -1, []
        while True:
            where = np.cumsum(rng.geometric(p, size=batch)) + pos
            kept.append(where[where < total])
            if where[-1] >= total:
                return np.divmod(np.concatenate(kept), width)
            pos = where[-1]

    monkeypatch.setattr(connect, "SKIP_PIECE", 1000)   # several pieces a round
    for rows_n, width, p in ((300, 200, 0.05), (40, 7, 0.3), (1000, 1000, 1e-3)):
        ra, rb = np.random.default_rng(3), np.random.default_rng(3)
        rows, offs = connect._skip_rows(rows_n * width, p, ra, width, rows_n)
        want_rows, want_offs = reference(rows_n * width, p, rb, width)
        assert rows.dtype == offs.dtype == np.int32 and rows.size > 0
        np.testing.assert_array_equal(rows, want_rows)
        np.testing.assert_array_equal(offs, want_offs)
        assert ra.random() == rb.random()
