"""Code whose names reach buffers through index arrays (synaptic pathways): which names share a
buffer, when such code is order-independent, and the rounds in which the NumPy target runs it
so that the result is the serial one (element by element, in order), as the C loop computes.

Serial semantics: a :class:`~lifdsl.codegen.program.Propagate` runs all its statements for one
element (synapse), then for the next, in delivery order. Two elements interfere only through a
*cell* (one entry of a buffer reached through an index, ``v[post[s]]``) that one of them
writes. NumPy runs a statement for many elements at once; that equals the serial result when no
two elements of one call touch a cell written by the code, or when the code commutes
(:func:`needs_rounds` is False: ``numpy.add.at`` and its kin apply repeated indices in order).
Otherwise the elements are split into rounds (:func:`conflict_levels`): an element goes to the
round after the last earlier element that shares a cell with it, so elements sharing a cell
keep their order and the elements of one round touch disjoint cells.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lifdsl.codegen import program as P


def indexed_writes(code: P.Code) -> dict[str, list]:
    """The statements writing through an index, by the buffer key they write."""
    refs = code.array_map()
    out: dict[str, list] = {}
    for st in code.statements:
        ref = refs.get(st.target)
        if ref is not None and ref.index is not None:
            out.setdefault(ref.key, []).append(st)
    return out


def check_reads(statements: Sequence, arrays: dict[str, P.Ref]) -> None:
    """Refuse a statement reading a buffer that an earlier statement wrote through an index,
    under any of its names (``v_post`` and bare ``v`` of a Synapses; ``v_pre`` and ``v_post`` of
    a Synapses from a group onto itself, which meet where ``i == j``): a ValueError naming it."""
    written: dict[str, str] = {}     # buffer key -> the name it was written under
    for st in statements:
        for sym in sorted(st.expr.free_symbols, key=lambda s: s.name):
            ref = arrays.get(sym.name)
            if ref is not None and ref.key in written:
                other = written[ref.key]
                also = "" if other == sym.name else f" (as {other!r}, the same array)"
                raise ValueError(f"{sym.name!r} is read after it was written through an "
                                 f"index{also} in the same block: not supported")
        ref = arrays.get(st.target)
        if ref is not None and ref.index is not None:
            written.setdefault(ref.key, st.target)


def aliases(arrays: dict[str, P.Ref], names: set[str]) -> dict[str, list[str]]:
    """For each of ``names`` that shares its buffer with another of ``names``, the others."""
    by_key: dict[str, list[str]] = {}
    for nm in sorted(names):
        if nm in arrays:
            by_key.setdefault(arrays[nm].key, []).append(nm)
    return {nm: [o for o in group if o != nm] for group in by_key.values() if len(group) > 1
            for nm in group}


def needs_rounds(code: P.Code) -> bool:
    """Whether running ``code`` for many elements at once can differ from running it element
    by element when elements share cells. It cannot where every buffer written through an index
    is written by one in-place statement (``+=``, ``-=``, ``*=``, ``/=``: ``numpy.add.at`` and
    its kin apply repeated indices one by one, in order) and no statement reads such a buffer."""
    writes = indexed_writes(code)
    if not writes:
        return False
    if any(len(sts) > 1 or sts[0].op == "=" for sts in writes.values()):
        return True
    refs = code.array_map()
    return any(sym.name in refs and refs[sym.name].key in writes
               for st in code.statements for sym in st.expr.free_symbols)


def touched(code: P.Code) -> list[tuple[str, str]]:
    """The distinct (buffer key, index key) pairs through which ``code`` reads or writes a
    buffer that it writes through an index: the cells elements may share."""
    writes = indexed_writes(code)
    pairs = {(ref.key, ref.index) for _, ref in code.arrays
             if ref.index is not None and ref.key in writes}
    return sorted(pairs)


def conflict_levels(cells: Sequence[np.ndarray], n: int) -> np.ndarray:
    """The round of each of ``n`` elements (in serial order) given the cells each touches
    (``cells[k][e]``: a cell id of element ``e``; ids of different ``k`` are comparable, equal
    where they name one cell): 0 for an element that shares no cell with an earlier one, else
    one more than the latest round of the earlier elements it shares a cell with.

    Vectorised: the (cell, element) pairs are sorted once (stably, so each cell's elements stay
    in serial order); along each cell the rounds must rise by at least one per element, which a
    segmented running maximum enforces; with several cells per element this repeats until no
    round changes (one pass where each element touches one cell)."""
    k = len(cells)
    if k == 0 or n == 0:
        return np.zeros(n, np.int64)
    c = np.concatenate(cells) if k > 1 else np.asarray(cells[0])
    e = np.tile(np.arange(n, dtype=np.int64), k) if k > 1 else np.arange(n, dtype=np.int64)
    perm = np.lexsort((e, c)) if k > 1 else np.argsort(c, kind="stable")
    c, e = c[perm], e[perm]
    if k > 1:   # one element reaching one cell under two names counts once
        keep = np.ones(c.size, bool)
        keep[1:] = (c[1:] != c[:-1]) | (e[1:] != e[:-1])
        c, e = c[keep], e[keep]
    new_cell = np.ones(c.size, bool)
    new_cell[1:] = c[1:] != c[:-1]
    gid = np.cumsum(new_cell) - 1
    rank = np.arange(c.size, dtype=np.int64) - np.flatnonzero(new_cell)[gid]
    if k == 1:
        level = np.empty(n, np.int64)
        level[e] = rank
        return level
    # level along a cell: l'[r] = max(l[r], l'[r-1] + 1) = rank + running max of (l - rank)
    big = 2 * n + 2      # keeps the running maximum inside each cell's run of pairs
    lift = gid * big
    level = np.zeros(n, np.int64)
    while True:
        x = level[e] - rank + lift
        np.maximum.accumulate(x, out=x)
        x += rank - lift
        new = level.copy()
        np.maximum.at(new, e, x)
        if np.array_equal(new, level):
            return level
        level = new


__all__ = ["aliases", "check_reads", "conflict_levels", "indexed_writes", "needs_rounds",
           "touched"]
