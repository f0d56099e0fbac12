"""connect(p=)'s compiled skip pass (cython_target/skip.py): the pairs and the generator state
of NumPy's geometric skipping, for every index dtype, across pieces, rounds and growth."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available
from lifdsl.core import connect

pytestmark = pytest.mark.skipif(not compiler_available(), reason="no working C compiler")


def _module():
    from lifdsl.codegen.cython_target.skip import skip_module

    module = skip_module()
    assert module is not None
    return module


def _reference(total, p, rng, width, batch):
    """(rows, offsets) from ``Generator.geometric`` directly, in rounds of ``batch`` draws."""
    pos, kept = -1, []
    while True:
        where = np.cumsum(rng.geometric(p, size=batch)) + pos
        kept.append(where[where < total])
        if where[-1] >= total:
            return np.divmod(np.concatenate(kept), width)
        pos = where[-1]


def test_compiled_pass_gives_numpys_pairs_and_stream(monkeypatch):
    monkeypatch.setattr(connect, "COMPILED_SKIP_FROM", 0)
    monkeypatch.setattr(connect, "SKIP_PIECE", 1000)   # several pieces a round
    for rows_n, width, p in ((300, 200, 0.05), (40, 7, 0.3), (1000, 1000, 1e-3), (9, 5000, 0.2)):
        total = rows_n * width
        batch = max(16, int(total * p * 1.1) + 16)
        ra, rb = np.random.default_rng(3), np.random.default_rng(3)
        rows, offs = connect._skip_rows(total, p, ra, width, rows_n)
        want_rows, want_offs = _reference(total, p, rb, width, batch)
        assert rows.dtype == offs.dtype == np.int32 and rows.size > 0
        np.testing.assert_array_equal(rows, want_rows)
        np.testing.assert_array_equal(offs, want_offs)
        assert ra.random() == rb.random()


def test_compiled_pass_grows_its_results_over_several_rounds():
    """Rounds far too short (16 draws): the results grow and later rounds continue."""
    module = _module()
    total, width, p = 5000, 70, 0.1
    ra, rb = np.random.default_rng(11), np.random.default_rng(11)
    rows, offs = np.empty(16, np.int32), np.empty(16, np.int32)
    got = connect._skip_rows_compiled(module, total, p, ra, width, 16, rows, offs, 16)
    want = _reference(total, p, rb, width, 16)
    assert got[0].size > 100
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert ra.random() == rb.random()


@pytest.mark.parametrize("dtypes", [(np.int64, np.int64), (np.int32, np.int64),
                                    (np.int64, np.int32)])
def test_compiled_pass_writes_every_index_dtype(dtypes):
    module = _module()
    z = np.random.default_rng(5).standard_exponential(4000)
    c = float(-np.log1p(-0.01))
    rows, offs = np.empty(4000, dtypes[0]), np.empty(4000, dtypes[1])
    used, n, pos, done = module.skip(z, c, -1, 10**12, 10**6, rows, offs, 0)
    assert (used, n, done) == (4000, 4000, False)
    flat = np.cumsum(np.ceil(z / c).astype(np.int64)) - 1
    assert pos == flat[-1]
    np.testing.assert_array_equal(rows, flat // 10**6)
    np.testing.assert_array_equal(offs, flat % 10**6)


def test_connect_same_synapses_compiled_or_not(monkeypatch):
    """A Synapses' connect(p=) (two calls, then a draw of rand()) with and without the pass."""
    def build():
        ld.seed(21)
        G = ld.NeuronGroup(700, "v : 1")
        S = ld.Synapses(G[:500], G, model="w : 1")
        S.connect(p=0.05)
        S.connect(p=0.01)
        S.w = "rand()"
        return np.asarray(S.i[:]), np.asarray(S.j[:]), np.asarray(S.w[:])

    monkeypatch.setattr(connect, "COMPILED_SKIP_FROM", 1 << 62)
    plain = build()
    monkeypatch.setattr(connect, "COMPILED_SKIP_FROM", 0)
    compiled = build()
    assert plain[0].size > 15000
    for a, b in zip(plain, compiled, strict=True):
        np.testing.assert_array_equal(a, b)
