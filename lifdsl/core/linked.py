"""Linked variables: a ``(linked)`` parameter of a group that reads another group's variable
(``G2.v = linked_var(G1, 'v')``), element by element or through an index, as in Brian2.

A linked variable owns no array: the group's code reaches the source's buffer itself (a
``Ref`` to it, through an index buffer where the link has an index or a subgroup), so every
operation reads the source's current value in the compiled loop, on both targets."""

from __future__ import annotations

from typing import Any

import numpy as np


class LinkedVariable:
    """The target of a link: variable ``name`` of ``group`` (a NeuronGroup), at the source
    elements ``index`` (absolute, int64) for each linked element, or element for element when
    ``index`` is None. Made by :func:`linked_var`; assigned to a ``(linked)`` variable."""

    def __init__(self, group: Any, name: str, index: np.ndarray | None, size: int,
                 start: int = 0, scalar: bool = False, subexpr: bool = False) -> None:
        self.group = group
        self.name = name
        self.index = index
        self.size = size        # elements the link covers (the source's, or len(index))
        self.start = start      # the first source element (of a subgroup)
        self.scalar = scalar    # a shared variable: one value for every linked element
        self.subexpr = subexpr  # a subexpression of the source: code reads its expression

    def broadcast(self, n: int) -> LinkedVariable:
        """The link for ``n`` elements all reading the one source value (a shared variable,
        or a source of one element, as Brian2 links them)."""
        return LinkedVariable(self.group, self.name, np.full(n, self.start, np.int64), n,
                              self.start, self.scalar, self.subexpr)

    def values(self, scope: Any = ()) -> np.ndarray:
        """The source's current values for the linked elements (a subexpression computed,
        its names found in ``scope`` as the source's own strings find them)."""
        if self.subexpr:
            from lifdsl.core.base import caller_scope

            arr = self.group._evaluate(self.name, slice(None), self.group.N,
                                       list(scope) or caller_scope(1))
            arr = np.broadcast_to(np.asarray(arr, dtype=float), (self.group.N,))
        else:
            arr = self.group._arrays[self.name]
        return arr if self.index is None else arr[self.index]

    def __repr__(self) -> str:
        return f"linked_var({self.group.name!r}, {self.name!r})"


def linked_var(group_or_variable: Any, name: str | None = None, index: Any = None
               ) -> LinkedVariable:
    """A link to variable ``name`` of a group or subgroup (``linked_var(G1, 'v')``), or to the
    variable a state view shows (``linked_var(G1.v)``); ``index`` (an array of source element
    numbers, one per linked element) links groups of different sizes, as in Brian2."""
    from lifdsl.core.group import QuantityView, VariableView
    from lifdsl.core.neurongroup import NeuronGroup, Subgroup

    source = group_or_variable
    start = 0
    if isinstance(source, (VariableView, QuantityView)) and getattr(source, "_group", None) \
            is not None:
        if name is not None:
            raise TypeError("linked_var(G.v) names its variable already; do not pass a name")
        name = source._name
        frame = source._frame
        start = frame[0] if frame is not None else 0
        stop = frame[1] if frame is not None else source._group.N
        group = source._group
    elif isinstance(source, Subgroup):
        group, start, stop = source.parent, source.start, source.stop
    elif isinstance(source, NeuronGroup):
        group, stop = source, source.N
    elif hasattr(source, "_arrays") and name is not None:
        raise NotImplementedError(
            f"linking to variable {name!r} of a {type(source).__name__} is not supported: only "
            f"state variables of a NeuronGroup (or a subgroup) can be linked")
    else:
        raise ValueError("linked_var needs a group and a variable name (linked_var(G, 'v')), "
                         f"or a group's variable (linked_var(G.v)); got {source!r}")
    if name is None:
        raise ValueError("linked_var needs a variable name: linked_var(G, 'v')")
    subexpr = name in group.equations.subexpr_names
    if subexpr:
        if index is not None:
            raise NotImplementedError(f"{name!r} of {group.name!r} is a subexpression: lifdsl "
                                      f"links to one without index= (Brian2 takes one)")
        n = stop - start
        absolute = None if (start, stop) == (0, group.N) else np.arange(start, stop,
                                                                         dtype=np.int64)
        return LinkedVariable(group, name, absolute, n, start, subexpr=True)
    if name not in group._arrays or name in group._maintained():
        known = ", ".join(group.variables)
        raise KeyError(f"{group.name!r} has no state variable {name!r} to link to (variables: "
                       f"{known})")
    if group._arrays[name].shape[0] != group.N or (
            name in group.equations and "shared" in group.equations[name].flags):
        if index is not None:
            raise TypeError(f"{name!r} of {group.name!r} is shared (one value): a link to it "
                            f"takes no index")
        return LinkedVariable(group, name, None, 1, 0, scalar=True)
    n = stop - start
    if index is None:
        absolute = None if (start, stop) == (0, group.N) else np.arange(start, stop,
                                                                         dtype=np.int64)
        return LinkedVariable(group, name, absolute, n, start)
    if isinstance(index, str):
        if index != "i":
            raise TypeError("a linked variable's index is an array of source indices (or "
                            f"'i', element for element), got {index!r}")
        return linked_var(group[start:stop] if (start, stop) != (0, group.N) else group, name)
    idx = np.asarray(index)
    if idx.dtype.kind not in "iu" or idx.ndim != 1:
        raise TypeError(f"the index of a linked variable must be a 1-D array of integers, got "
                        f"{idx.dtype} of shape {idx.shape}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"the index of a link to {name!r} of {group.name!r} has values outside "
                         f"the valid range [0, {n}[: {idx.min()}..{idx.max()}")
    return LinkedVariable(group, name, idx.astype(np.int64) + start, idx.size, start)
