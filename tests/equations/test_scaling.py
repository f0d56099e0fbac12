"""Parsing is linear in the length of what it parses (a sum of 4,000 terms once took 34 s:
SymPy re-sorted the growing sum at every term), and a sum of 100,000 terms goes through the
whole pipeline in seconds."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sympy.core import cache as sympy_cache

import lifdsl as ld
from lifdsl.equations import Equations, parse_expression, parse_statements
from lifdsl.equations.functions import symbol


def _cpu(func, *args) -> float:
    """The least CPU time of two calls (CPU time, so a busy machine disturbs it less), each
    with SymPy's cache emptied: it holds about 1,000 results, so it would speed up a short
    string's second call but not a long one's."""
    best = float("inf")
    for _ in range(2):
        sympy_cache.clear_cache()
        symbol.cache_clear()
        start = time.process_time()
        func(*args)
        best = min(best, time.process_time() - start)
    return best


# Each form of a long string, as a function of its number of terms.
FORMS = {
    "sum of names": lambda n: (Equations, "dv/dt = " + " + ".join(f"a{k}" for k in range(n))),
    "sum of one name": lambda n: (Equations, "dv/dt = " + " + ".join(["v"] * n)),
    "sum of numbers": lambda n: (Equations, "dv/dt = -v + " + " + ".join(
        f"{k}.5" for k in range(n))),
    "differences": lambda n: (Equations, "dv/dt = " + " - ".join(f"a{k}" for k in range(n))),
    "product": lambda n: (parse_expression, "*".join(f"a{k}" for k in range(n))),
    "quotients": lambda n: (parse_expression, "v" + "/2" * n),
    "products of pairs": lambda n: (parse_expression, " + ".join(
        f"{k}*a{k}" for k in range(n))),
    "lines of statements": lambda n: (parse_statements, "\n".join(
        f"v{k % 50} += {k}" for k in range(n // 4))),
    "lines of equations": lambda n: (Equations, "\n".join(
        f"dv{k}/dt = -v{k}/tau + {k} : 1" for k in range(n // 10))),
    "parentheses in a sum": lambda n: (parse_expression, " + ".join(
        f"(a{k} - 1)" for k in range(n))),
}


#: forms whose every term is a new SymPy product (slow to build): shorter strings, still
#: beyond what SymPy's cache holds
HEAVY = {"differences", "products of pairs", "parentheses in a sum"}


@pytest.mark.parametrize("form", FORMS)
def test_parse_time_grows_linearly(form):
    # 4 times as long: about 4 times the time, not 16 (both sizes beyond SymPy's cache; a
    # product of 1,500 names still sat at its edge and took a third of the time per term of
    # 6,000, which a loaded CI machine pushed past the bound; likewise products of 600 pairs
    # took 0.08 s and 2,400 0.56 s, 7 times, and 10.3 times on CI, while 1,200 -> 4,800 is 4.2)
    small, large = (3_000, 12_000) if form not in HEAVY else (1_200, 4_800)
    func, text = FORMS[form](large)
    func(text)  # warm: imports, first-use costs
    t_small = _cpu(func, FORMS[form](small)[1])
    t_large = _cpu(func, text)
    assert t_large < 10 * max(t_small, 0.005), (form, t_small, t_large)


def test_a_long_or_of_comparisons_parses_quickly():
    """SymPy's Or compares each comparison with every earlier one (quadratic, in SymPy): the
    parser adds nothing to that, and a few hundred comparisons stay well under a second."""
    text = " or ".join(f"v > {k}" for k in range(300))
    assert _cpu(parse_expression, text) < 2.0


def test_a_sum_of_100000_terms_goes_through_the_pipeline_in_seconds():
    text = "dv/dt = " + " + ".join(["x", "0.5"] * 50_000) + " : 1\nx : 1"
    assert len(text) > 500_000
    start = time.process_time()
    eqs = Equations(text)
    G = ld.NeuronGroup(3, eqs, method="euler")
    update = eqs.discretize("euler")
    source = G.generated_code("numpy")
    ld.Network(G, target="numpy").run(3 * 1e-4)
    elapsed = time.process_time() - start
    assert "v" in source and update.statements
    np.testing.assert_allclose(G.v[:], 3e-4 * 25_000)
    assert elapsed < 5.0, elapsed


@pytest.mark.slow
def test_100000_distinct_names_parse_and_discretize_in_seconds():
    text = "dv/dt = " + " + ".join(f"a{k}" for k in range(100_000)) + " : 1"
    start = time.process_time()
    eqs = Equations(text)
    ld.NeuronGroup(3, eqs, method="euler")
    eqs.discretize("euler")
    assert time.process_time() - start < 20.0


@pytest.mark.slow
def test_a_long_sum_of_names_generates_code_and_runs_quickly():
    # SymPy's printers sorted a sum's terms in n**2 and Python's compile() of a chain of
    # 3,000 additions raised RecursionError: long sums are printed as balanced groups
    n = 3_000
    namespace = {f"a{k}": 1e-6 for k in range(n)}
    G = ld.NeuronGroup(2, "dv/dt = " + " + ".join(f"a{k}" for k in range(n)) + " : 1",
                       method="euler", namespace=namespace)
    start = time.process_time()
    G.generated_code("numpy")
    ld.Network(G, target="numpy").run(2e-4)
    assert time.process_time() - start < 4.0
    np.testing.assert_allclose(G.v[:], 2e-4 * n * 1e-6)


@pytest.mark.slow
def test_long_sums_and_a_product_of_sums_agree_to_the_bit_on_both_targets():
    # the affine rewrite checked linearity by expanding: a product of 40 sums has 2**40 terms
    # (it hung); the sums are printed in the same balanced groups by both printers
    n = 400
    ns = {f"a{k}": 1e-6 * (1 + k % 7) / 3 for k in range(n)}
    model = ("dv/dt = " + " + ".join(f"a{k}*v" for k in range(n)) + " + "
             + " + ".join(f"a{k}" for k in range(n)) + " + "
             + "*".join(f"(1 + a{k}*w)" for k in range(40)) + " : 1\nw : 1")
    out = {}
    for target in ("numpy", "cython"):
        G = ld.NeuronGroup(3, model, method="euler", namespace=ns)
        G.v = [0.1, 0.5, 1.0]
        G.w = [1.0, 2.0, 3.0]
        ld.Network(G, target=target).run(1e-3)
        out[target] = G.v[:].copy()
    np.testing.assert_array_equal(out["numpy"], out["cython"])
    a = np.array([ns[f"a{k}"] for k in range(n)])
    w = np.array([1.0, 2.0, 3.0])
    v = np.array([0.1, 0.5, 1.0])
    for _ in range(10):                       # euler by hand
        v = v + 1e-4 * (a.sum() * v + a.sum() + np.prod(1 + np.outer(w, a[:40]), axis=1))
    np.testing.assert_allclose(out["numpy"], v, rtol=1e-12)
