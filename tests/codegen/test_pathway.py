"""codegen/pathway.py: when pathway code commutes, and the rounds the NumPy target runs it in
so that elements sharing a cell keep their serial order."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from lifdsl.codegen import pathway
from lifdsl.codegen import program as P
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

REFS = (("v_post", P.Ref("g.v", index="s.post")), ("v", P.Ref("g.v", index="s.post")),
        ("v_pre", P.Ref("g.v", index="s.pre")), ("u_post", P.Ref("g.u", index="s.post")),
        ("x_pre", P.Ref("h.x", index="s.pre")), ("w", P.Ref("s.w")))


def _code(*statements: Assign) -> P.Code:
    return P.Code(tuple(statements), REFS, size="s.N")


@pytest.mark.parametrize("statements, rounds", [
    ((Assign("v_post", symbol("w"), "+="),), False),
    ((Assign("v_post", symbol("w")*symbol("x_pre"), "+="), Assign("u_post", sp.Integer(2), "*="),
      Assign("w", symbol("w") + 1)), False),
    ((Assign("w", symbol("x_pre")),), False),                       # no indexed write
    ((Assign("v_post", symbol("w")),), True),                       # '=' keeps the last
    ((Assign("v_post", sp.Integer(1), "+="), Assign("v_post", sp.Integer(2), "*=")), True),
    ((Assign("v_post", sp.Integer(1), "+="), Assign("v", sp.Integer(2), "+=")), True),
    ((Assign("v_post", symbol("v_post"), "+="),), True),            # reads what it writes
    ((Assign("v_post", symbol("v_pre"), "+="),), True),             # the same array
])
def test_needs_rounds_where_the_code_may_not_commute(statements, rounds):
    assert pathway.needs_rounds(_code(*statements)) is rounds


def test_touched_lists_every_way_into_a_written_array():
    code = _code(Assign("v_post", symbol("v_pre") + symbol("x_pre"), "+="))
    assert pathway.touched(code) == [("g.v", "s.post"), ("g.v", "s.pre")]


def test_reads_after_an_indexed_write_are_refused_under_any_name():
    refs = dict(REFS)
    pathway.check_reads([Assign("v_post", symbol("v_pre"), "+="), Assign("w", symbol("x_pre"))],
                        refs)   # (read before the write; another array after it)
    with pytest.raises(ValueError, match=r"'v_pre' is read after it was written through an "
                                         r"index \(as 'v_post', the same array\)"):
        pathway.check_reads([Assign("v_post", sp.Integer(1), "+="),
                             Assign("w", symbol("v_pre"))], refs)
    with pytest.raises(ValueError, match=r"'v' is read after it was written through an index "
                                         r"in the same block"):
        pathway.check_reads([Assign("v", sp.Integer(1), "+="), Assign("w", symbol("v"))], refs)


def test_aliases_are_the_names_sharing_a_buffer():
    got = pathway.aliases(dict(REFS), {"v_post", "v_pre", "w", "x_pre"})
    assert got == {"v_post": ["v_pre"], "v_pre": ["v_post"]}


def test_conflict_levels_of_one_cell_per_element_are_occurrence_ranks():
    """Cells 5, 2, 5, 5, 2, 7: the 1st, 2nd, 3rd element on cell 5 get 0, 1, 2."""
    got = pathway.conflict_levels([np.array([5, 2, 5, 5, 2, 7])], 6)
    assert got.tolist() == [0, 0, 1, 2, 1, 0]


def test_conflict_levels_follow_chains_through_several_cells():
    """Element 0 touches cells (0, 10), element 1 (0, 11), element 2 (1, 11): 1 follows 0 on
    cell 0, 2 follows 1 on cell 11, so 2 is in round 2 (one pass would put it in round 1).
    An element reaching one cell twice (3: cells 4 and 4) does not wait for itself."""
    got = pathway.conflict_levels([np.array([0, 0, 1, 4]), np.array([10, 11, 11, 4])], 4)
    assert got.tolist() == [0, 1, 2, 0]


def _serial_levels(cells: list[np.ndarray], n: int) -> list[int]:
    """The definition, element by element: one more than the latest earlier element sharing
    a cell (0 if none)."""
    last: dict[int, int] = {}
    out = []
    for e in range(n):
        mine = {int(c[e]) for c in cells}
        level = max((last[c] + 1 for c in mine if c in last), default=0)
        for c in mine:
            last[c] = level
        out.append(level)
    return out


@pytest.mark.parametrize("seed", range(20))
def test_conflict_levels_equal_the_serial_definition(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 60)), int(rng.integers(1, 4))
    cells = [rng.integers(0, int(rng.integers(1, 20)), size=n) for _ in range(k)]
    got = pathway.conflict_levels(cells, n)
    assert got.tolist() == _serial_levels(cells, n)
    for r in range(int(got.max()) + 1):   # and the elements of one round share no cell
        mine = [{int(c[e]) for c in cells} for e in np.flatnonzero(got == r)]
        assert len(set().union(*mine)) == sum(len(m) for m in mine)
