"""Synapses.connect forms with Brian2 2.9's semantics: generator syntax (range, sample with p=
or size=, the shorthand, i= over targets), n= synapses per pair, p= as a string, and their
errors. Deterministic forms are compared with a Python comprehension over the same definition
and with pairs printed by Brian2 2.9 itself; random forms statistically (4 sigma) and for
reproducibility under a seed. (tests/core/conftest.py runs every test on both targets; only
the network test depends on the target.)"""

from __future__ import annotations

import re

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4


def _groups(ns: int, nt: int):
    """A source with x = 0.5*i and a target with y = 1.0*i (as in the Brian2 script)."""
    src = ld.NeuronGroup(ns, "x : 1", dt=DT)
    src.x = "0.5*i"
    tgt = ld.NeuronGroup(nt, "y : 1", dt=DT)
    tgt.y = "1.0*i"
    return src, tgt


def _pairs(S) -> list[tuple[int, int]]:
    return list(zip(S.i.tolist(), S.j.tolist(), strict=True))


def _connected(ns: int, nt: int, **kw) -> list[tuple[int, int]]:
    src, tgt = _groups(ns, nt)
    S = ld.Synapses(src, tgt)
    S.connect(**kw)
    return _pairs(S)


# -- deterministic forms: the pairs a comprehension over the same definition gives --------------
# (name, N_pre, N_post, connect keywords, the pairs as Python builds them)
CASES = [
    ("window", 6, 8, dict(j="k for k in range(i-2, i+3) if k >= 0 and k < N_post"),
     lambda P, Q: [(i, k) for i in range(P) for k in range(i - 2, i + 3) if 0 <= k < Q]),
    ("backwards", 4, 9, dict(j="k for k in range(N_post-1, i, -2)"),
     lambda P, Q: [(i, k) for i in range(P) for k in range(Q - 1, i, -2)]),
    ("element", 5, 9, dict(j="2*i + k for k in range(3)", skip_if_invalid=True),
     lambda P, Q: [(i, 2 * i + k) for i in range(P) for k in range(3) if 2 * i + k < Q]),
    ("shorthand_trunc", 7, 7, dict(j="i/2"),          # Brian2 stores int(i/2)
     lambda P, Q: [(i, int(i / 2)) for i in range(P)]),
    ("shorthand_if", 6, 6, dict(j="i + 1 if i % 2 == 0"),
     lambda P, Q: [(i, i + 1) for i in range(P) if i % 2 == 0]),
    ("over_targets", 4, 5, dict(i="k for k in range(N_pre) if k <= j"),   # ordered by j
     lambda P, Q: [(k, j) for j in range(Q) for k in range(P) if k <= j]),
    ("variables", 5, 6, dict(j="k for k in range(N_post) if y_post > 2*x_pre"),
     lambda P, Q: [(i, k) for i in range(P) for k in range(Q) if 1.0 * k > 2 * 0.5 * i]),
    ("condition_n", 4, 4, dict(condition="abs(i - j) <= 1", n="1 + i % 2"),
     lambda P, Q: [(i, j) for i in range(P) for j in range(Q) if abs(i - j) <= 1
                   for _ in range(1 + i % 2)]),
    ("range_n", 3, 5, dict(j="k for k in range(i, i + 2)", n=3),
     lambda P, Q: [(i, k) for i in range(P) for k in range(i, i + 2) for _ in range(3)]),
    ("sample_p_one", 3, 10, dict(j="k for k in sample(1, 9, 3, p=1.0)"),
     lambda P, Q: [(i, k) for i in range(P) for k in range(1, 9, 3)]),
]

# Brian2 2.9.0, numpy target: printed by tests/data/make_brian2_connect.py (run by hand in an
# environment with Brian2; the same CASES, the same x and y), pasted verbatim.
BRIAN2_PAIRS = {
    'window': ([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5],
        [0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3, 4, 1, 2, 3, 4, 5, 2, 3, 4, 5, 6, 3, 4, 5, 6, 7]),
    'backwards': ([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3],
        [8, 6, 4, 2, 8, 6, 4, 2, 8, 6, 4, 8, 6, 4]),
    'element': ([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4],
        [0, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 8, 8]),
    'shorthand_trunc': ([0, 1, 2, 3, 4, 5, 6],
        [0, 0, 1, 1, 2, 2, 3]),
    'shorthand_if': ([0, 2, 4],
        [1, 3, 5]),
    'over_targets': ([0, 0, 1, 0, 1, 2, 0, 1, 2, 3, 0, 1, 2, 3],
        [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]),
    'variables': ([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4],
        [1, 2, 3, 4, 5, 2, 3, 4, 5, 3, 4, 5, 4, 5, 5]),
    'condition_n': ([0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3],
        [0, 1, 0, 0, 1, 1, 2, 2, 1, 2, 3, 2, 2, 3, 3]),
    'range_n': ([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2],
        [0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3]),
    'sample_p_one': ([0, 0, 0, 1, 1, 1, 2, 2, 2],
        [1, 4, 7, 1, 4, 7, 1, 4, 7]),
}  # fmt: skip


@pytest.mark.parametrize("name, ns, nt, kw, python", CASES, ids=[c[0] for c in CASES])
def test_deterministic_forms_give_the_comprehensions_pairs(name, ns, nt, kw, python):
    got = _connected(ns, nt, **kw)
    assert got, "a case that creates no synapse tests nothing"
    assert got == python(ns, nt)


@pytest.mark.parametrize("name, ns, nt, kw", [c[:4] for c in CASES], ids=[c[0] for c in CASES])
def test_deterministic_forms_match_brian2(name, ns, nt, kw):
    i, j = BRIAN2_PAIRS[name]
    assert _connected(ns, nt, **kw) == list(zip(i, j, strict=True))


def test_generators_on_subgroups_use_relative_indices_and_sizes():
    G = ld.NeuronGroup(12, "x : 1", dt=DT)
    G.x = "i"
    S = ld.Synapses(G[2:6], G[5:12])
    # N_pre, N_post, i, j and x_pre are the subgroups' own (x_pre = 2 + i)
    S.connect(j="k for k in range(N_post - N_pre, N_post) if k >= x_pre")
    want = [(i, k) for i in range(4) for k in range(7 - 4, 7) if k >= 2 + i]
    assert _pairs(S) == want


def test_generator_condition_on_the_outer_index_is_checked_before_the_range():
    # Brian2: a condition that reads only i filters sources first, so i = N_pre - 1 never
    # computes the out-of-range j = N_post
    assert _connected(5, 5, j="i + 1 for k in range(1) if i < N_post - 1") == \
        [(i, i + 1) for i in range(4)]
    with pytest.raises(IndexError, match="j = 5 for i = 4"):
        _connected(5, 5, j="i + k for k in range(2) if k >= 0")


def test_the_loop_variable_and_constants_of_the_callers_scope():
    src, tgt = _groups(6, 6)
    S = ld.Synapses(src, tgt)
    width = 2  # noqa: F841 - read by the string below, from the caller's scope
    S.connect(j="k for k in range(i - width, i + width + 1) if k != i", skip_if_invalid=True)
    assert _pairs(S) == [(i, k) for i in range(6) for k in range(i - 2, i + 3)
                         if k != i and 0 <= k < 6]
    S = ld.Synapses(src, tgt)
    k = 100  # noqa: F841 - the loop variable wins over a constant of the same name
    S.connect(j="k for k in range(1)")
    assert _pairs(S) == [(i, 0) for i in range(6)]


def test_n_per_pair_from_numbers_strings_and_arrays():
    got = _connected(3, 6, j="k for k in range(i, N_post, 2)", n="1 + (i + j) % 3")
    assert got == [(i, k) for i in range(3) for k in range(i, 6, 2) for _ in range(1 + (i + k) % 3)]
    got = _connected(3, 4, condition="i < j", n="j - i - 1")     # n = 0 leaves a pair out
    assert got == [(i, j) for i in range(3) for j in range(4) if i < j for _ in range(j - i - 1)]
    src, tgt = _groups(3, 3)
    S = ld.Synapses(src, tgt, "w : 1")
    S.connect(i=[0, 2], j=[1, 1], n=2)
    assert _pairs(S) == [(0, 1), (0, 1), (2, 1), (2, 1)]
    assert S.N_incoming.tolist() == [4, 4, 4, 4]


# -- random forms -------------------------------------------------------------------------------
def _within(count: int, probabilities: np.ndarray, k: float = 4.0) -> bool:
    """Whether ``count`` is within k sigma of a sum of Bernoulli(p) trials."""
    p = np.asarray(probabilities, dtype=float)
    mu, sd = p.sum(), np.sqrt((p * (1 - p)).sum())
    return abs(count - mu) <= k * sd


def test_p_string_of_i_and_j_is_a_bernoulli_trial_per_pair():
    ld.seed(21)
    src, tgt = _groups(300, 300)
    S = ld.Synapses(src, tgt)
    S.connect(p="exp(-(i - j)**2/20)")
    I, J = np.meshgrid(np.arange(300), np.arange(300), indexing="ij")
    prob = np.exp(-((I - J) ** 2) / 20)
    assert _within(S.N, prob)
    assert np.all(np.diff(S.i * 300 + S.j) > 0)       # at most once each, by i then j
    near = np.abs(S.i - S.j)
    assert near.max() < 30 and np.sum(near == 0) == 300      # p = 1 on the diagonal
    S2 = ld.Synapses(src, tgt)
    S2.connect(condition="i != j", p="exp(-(i - j)**2/20)")
    assert np.all(S2.i != S2.j)
    assert _within(S2.N, prob[I != J])


def test_p_string_of_i_only_and_numbers_draw_per_row():
    ld.seed(22)
    src, tgt = _groups(400, 500)
    S = ld.Synapses(src, tgt)
    S.connect(p="0.02 + 0.2*i/N_pre")                      # per row: geometric skipping
    rows = 0.02 + 0.2 * np.arange(400) / 400
    per_row = np.bincount(S.i, minlength=400)
    assert _within(S.N, np.repeat(rows, 500))
    assert _within(int(per_row[:200].sum()), np.repeat(rows[:200], 500))
    assert np.all(np.diff(S.i * 500 + S.j) > 0)
    S2 = ld.Synapses(src, tgt)
    S2.connect(condition="j % 2 == 0", p=0.3)
    assert np.all(S2.j % 2 == 0) and _within(S2.N, np.full(400 * 250, 0.3))


def test_sample_with_p_numbers_and_expressions():
    ld.seed(23)
    src, tgt = _groups(300, 1000)
    S = ld.Synapses(src, tgt)
    S.connect(j="k for k in sample(N_post, p=0.05)")
    assert _within(S.N, np.full(300 * 1000, 0.05))
    S2 = ld.Synapses(src, tgt)
    S2.connect(j="k for k in sample(i, N_post, 4, p=0.1 + 0.5*i/N_pre)")
    n_cand = np.array([len(range(i, 1000, 4)) for i in range(300)])
    assert _within(S2.N, np.repeat(0.1 + 0.5 * np.arange(300) / 300, n_cand))
    assert np.all((S2.j - S2.i) % 4 == 0) and np.all(S2.j >= S2.i)
    assert np.all(np.diff(S2.i * 1000 + S2.j) > 0)


def test_sample_p_over_rows_of_different_lengths():
    ld.seed(25)
    src, tgt = _groups(200, 400)
    S = ld.Synapses(src, tgt)
    S.connect(j="k for k in sample(2*i, N_post, p=0.2)")          # 400 - 2i candidates
    assert np.all(S.j >= 2 * S.i) and np.all(np.diff(S.i * 400 + S.j) > 0)
    assert _within(S.N, np.full(sum(400 - 2 * i for i in range(200)), 0.2))
    assert _within(int(np.sum(S.i >= 100)), np.full(sum(400 - 2 * i for i in range(100, 200)),
                                                    0.2))


def test_condition_and_p_are_brian2s_sample_generator():
    """connect(condition, p=number) is Brian2's 'k for k in sample(N_post, p=p) if cond': under
    one seed both give the same synapses."""
    src, tgt = _groups(50, 80)
    got = []
    for kw in (dict(condition="i != j", p=0.15), dict(j="k for k in sample(N_post, p=0.15) "
                                                          "if k != i")):
        ld.seed(26)
        S = ld.Synapses(src, tgt)
        S.connect(**kw)
        got.append(_pairs(S))
    assert len(got[0]) > 100 and got[0] == got[1]


@pytest.mark.parametrize("kw", [
    dict(j="k for k in range(i - 4, i + 5) if k % 3 != 0", skip_if_invalid=True, n="1 + j % 2"),
    dict(condition="rand() < 0.3 and i != j"), dict(p="0.5*exp(-(i - j)**2/30)"),
    dict(j="k for k in sample(N_post, size=4)"), dict(j="k for k in sample(N_post, p=0.3)"),
    dict(i="k for k in range(j, N_pre) if k % 2 == 0"), dict(j="k for k in range(N_post)"),
    dict(p="exp(-0.1*(i - j)**2)", condition="i != j"),
], ids=["range", "rand", "p_pair", "size", "sample_p", "over_targets", "all_rows", "p_cond"])
@pytest.mark.parametrize("chunk", [7, 170])
def test_blocks_of_candidates_do_not_change_the_synapses(kw, chunk, monkeypatch):
    """Candidates are evaluated in blocks of connect.CHUNK: tiny blocks (one row, or two rows
    and a last block of one: the reused buffers of whole rows change shape) give the same
    synapses under one seed, random draws included."""
    from lifdsl.core import connect

    def make():
        ld.seed(27)
        src, tgt = _groups(30, 40)
        S = ld.Synapses(src, tgt)
        S.connect(**kw)
        return _pairs(S)

    whole = make()
    monkeypatch.setattr(connect, "CHUNK", chunk)
    assert len(whole) > 20 and make() == whole
    if kw == dict(j="k for k in range(N_post)"):   # (every pair, in order)
        assert whole == [(a, b) for a in range(30) for b in range(40)]


def test_sample_size_gives_exactly_that_many_distinct_targets():
    ld.seed(24)
    src, tgt = _groups(2000, 20)
    for size in (5, 17):        # (17 of 20: the rows draw the 3 they leave out)
        S = ld.Synapses(src, tgt)
        S.connect(j=f"k for k in sample(N_post, size={size})")
        assert S.N == 2000 * size
        i, j = S.i, S.j
        assert np.all(np.bincount(i, minlength=2000) == size)
        assert np.all(np.diff(i * 20 + j) > 0)             # distinct, ascending per source
        # every target equally likely: each count is Binomial(2000, size/20)
        hits = np.bincount(j, minlength=20)
        assert _within_each(hits, 2000, size / 20)
    S = ld.Synapses(src, tgt)
    S.connect(j="k for k in sample(19, 0, -3, size=i % 4)")   # sorted also for a negative step
    assert np.all(np.bincount(S.i, minlength=2000) == np.arange(2000) % 4)
    assert set(S.j.tolist()) <= set(range(19, 0, -3)) and np.all(np.diff(S.i * 20 + S.j) > 0)


def _within_each(hits: np.ndarray, n: int, p: float) -> bool:
    sd = np.sqrt(n * p * (1 - p))
    return bool(np.all(np.abs(hits - n * p) <= 4 * sd))


def test_sample_size_beyond_the_population():
    with pytest.raises(IndexError, match="sample size 7 for i = 0"):
        _connected(2, 6, j="k for k in sample(N_post, size=7)")
    assert _connected(2, 6, j="k for k in sample(N_post, size=7)", skip_if_invalid=True) == \
        [(i, k) for i in range(2) for k in range(6)]
    with pytest.raises(IndexError, match="negative"):
        _connected(2, 6, j="k for k in sample(N_post, size=i - 1)")


@pytest.mark.parametrize("kw", [
    dict(p="exp(-(i - j)**2/50)"), dict(p="0.1 + 0.3*i/N_pre"), dict(p=0.1),
    dict(j="k for k in sample(N_post, size=7)"), dict(j="k for k in sample(N_post, p=0.2)"),
    dict(condition="rand() < 0.1"),
], ids=["p_pair", "p_row", "p_number", "size", "sample_p", "rand"])
def test_a_seed_gives_the_same_synapses(kw):
    def make():
        ld.seed(5)
        src, tgt = _groups(60, 70)
        S = ld.Synapses(src, tgt)
        S.connect(**kw)
        return S.i, S.j

    (i1, j1), (i2, j2) = make(), make()
    assert i1.size > 20
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_array_equal(j1, j2)
    ld.seed(6)
    src, tgt = _groups(60, 70)
    S = ld.Synapses(src, tgt)
    S.connect(**kw)
    assert S.N != i1.size or not np.array_equal(S.j, j1)     # another seed, other synapses


# -- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, message, column", [
    ("k for k in range(i-3, i+4) if", "condition after 'if'", 29),
    ("k for k in rnge(3)", "range(...) or sample(...)", 11),
    ("k for k range(3)", "expected 'in'", 8),
    ("k for k in range(3) if k > 0 if k < 2", "unexpected 'if'", 29),
    ("k for k in sample(N_post)", "one keyword argument", 17),
    ("k for k in range(3, p=0.5)", "no keyword arguments", 20),
    ("k for k in range(1, 2, 3, 4)", "1 to 3 positional", 16),
    ("k for k in range(0, j)", "not j", 20),
    ("k for k in range(0, k)", "loop variable", 20),
    ("k for k in sample(N_post, size=y_post)", "postsynaptic", 31),
    ("j + k for k in range(3)", "cannot read j", 0),
    ("i for i in range(3)", "loop variable 'i'", 6),
    ("k for k in range(2.5)", "whole number", 17),
    ("k for k in range(0, 4, 0)", "must not be 0", 23),
    ("k for k in range(3) if k + 1", "true/false", 23),
    ("k for k in range(3 +)", "expected an expression", 20),
])
def test_bad_generators_are_equation_errors_at_the_column(text, message, column):
    src, tgt = _groups(3, 3)
    S = ld.Synapses(src, tgt)
    with pytest.raises(ld.EquationError, match=re.escape(message)) as info:
        S.connect(j=text)
    assert info.value.column == column and info.value.line == text
    assert S.N == 0


def test_bad_connect_calls():
    src, tgt = _groups(3, 3)
    S = ld.Synapses(src, tgt)
    with pytest.raises(IndexError, match=r"connect\(j='i \+ 1'\) gives j = 3 for i = 2"):
        S.connect(j="i + 1")
    with pytest.raises(ValueError, match="generator is given as condition"):
        S.connect("k for k in range(3)")
    with pytest.raises(ValueError, match="cannot be combined with p="):
        S.connect(j="i", p=0.5)
    with pytest.raises(ValueError, match="cannot be combined"):
        S.connect(condition="i != j", j="i")
    with pytest.raises(ValueError, match="n must not be negative"):
        S.connect(n=-1)
    with pytest.raises(ValueError, match="n must not be negative"):
        S.connect(n="i - 1")
    with pytest.raises(TypeError, match="n must be"):
        S.connect(n=1.5)
    with pytest.raises(ld.EquationError, match="connect p"):
        S.connect(p="i >")
    with pytest.raises(ld.EquationError, match="true/false"):
        S.connect(condition="i + j")
    with pytest.raises(ValueError, match="skip_if_invalid"):
        S.connect(i=[0], j=[1], skip_if_invalid=True)
    assert S.N == 0


# -- both targets run networks built with them ----------------------------------------------------
def test_networks_connected_with_generators_and_n_run(target):
    """Every source neuron spikes once; each synapse adds w to its target: v must equal the
    sum of w over the synapses ending there, computed from S.i, S.j here."""
    n_src, n_tgt = 20, 15
    src = ld.SpikeGeneratorGroup(n_src, np.arange(n_src), np.full(n_src, 2 * DT), dt=DT)
    tgt = ld.NeuronGroup(n_tgt, "v : 1", dt=DT)
    S1 = ld.Synapses(src, tgt, "w : 1", on_pre="v_post += w")
    S1.connect(j="k for k in range(i - 2, i + 3) if k >= 0 and k < N_post", n="1 + i % 2")
    S1.w = "0.001*(i + 1) + 0.0001*j"
    ld.seed(9)
    S2 = ld.Synapses(src, tgt, "w : 1", on_pre="v_post += w")
    S2.connect(j="k for k in sample(N_post, size=3)")
    S2.connect(p="0.3*exp(-(i - j)**2/8)")
    S2.w = 0.01
    net = ld.Network(src, tgt, S1, S2, target=target)
    net.run(5 * DT)
    want = (np.bincount(S1.j, weights=0.001 * (S1.i + 1) + 0.0001 * S1.j, minlength=n_tgt)
            + np.bincount(S2.j, minlength=n_tgt) * 0.01)
    assert S1.N > n_src and np.all(np.bincount(S2.i[:3 * n_src], minlength=n_src) == 3)
    np.testing.assert_allclose(tgt.v[:], want, rtol=1e-12, atol=1e-15)
