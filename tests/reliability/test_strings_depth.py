"""Nesting: the deepest expression of every kind that the parser accepts runs on both targets
(every later stage walks expressions recursively), and deeper ones are an EquationError, never
a RecursionError; the same for subexpressions that nest once substituted."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available

KINDS = {
    "calls": lambda d: "exp(" * d + "v" + ")" * d,
    "abs": lambda d: "abs(" * d + "v" + ")" * d,
    "parentheses": lambda d: "(" * d + "v" + "".join(f" + {k})" for k in range(d)),
    "products of sums": lambda d: "v" + "*(1 + v" * d + ")" * d,
    "powers": lambda d: "**".join(["v"] * d),
    "signs": lambda d: "-" * d + "v",
    "subexpressions": None,  # below: a chain of lines
}


def _text(kind: str, d: int) -> str:
    if kind == "subexpressions":
        lines = ["s0 = v : 1"] + [f"s{k} = v*(1 + s{k - 1}) : 1" for k in range(1, d)]
        return "\n".join([*lines, f"dv/dt = -s{d - 1}*1e-9 : 1"])
    rhs = KINDS[kind](d)
    return f"dv/dt = -({rhs})*1e-9 : 1"


def _deepest(kind: str) -> int:
    """The largest depth the parser accepts for ``kind`` (bisection)."""
    low, high = 1, 300
    while low < high:
        mid = (low + high + 1) // 2
        try:
            ld.Equations(_text(kind, mid))
            low = mid
        except ld.EquationError as err:
            assert "nested too deeply" in str(err), str(err)
            high = mid - 1
    return low


DEEPEST = {kind: _deepest(kind) for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
def test_one_level_deeper_is_an_equation_error(kind):
    d = DEEPEST[kind]
    assert 15 <= d < 300, d
    with pytest.raises(ld.EquationError, match="nested too deeply"):
        ld.Equations(_text(kind, d + 1))
    with pytest.raises(ld.EquationError, match="nested too deeply"):
        ld.Equations(_text(kind, 10 * d))


def _run(target: str, kinds) -> np.ndarray:
    values = []
    for kind in kinds:
        G = ld.NeuronGroup(2, _text(kind, DEEPEST[kind]), method="euler",
                           threshold="v > 10", reset="v = 0")
        G.v = 0.5
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ld.Network(G, target=target).run(2e-4)
        values.append(np.asarray(G.v[:]))
    return np.array(values)


def test_the_deepest_accepted_expressions_run_on_numpy():
    _run("numpy", KINDS)


@pytest.mark.skipif(not compiler_available(), reason="no C compiler / Cython")
def test_the_deepest_accepted_expressions_run_alike_on_cython():
    kinds = ["products of sums", "subexpressions", "calls"]  # the deepest SymPy trees
    np.testing.assert_array_equal(_run("cython", kinds), _run("numpy", kinds))
