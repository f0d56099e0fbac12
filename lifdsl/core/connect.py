"""Which synapses a ``Synapses.connect(...)`` call creates, with Brian2 2.9's semantics.

Every form becomes one *plan*: a loop over an outer index (the source neuron ``i``; for
``connect(i='...')`` the target neuron ``j``), for each outer index the candidates of an
iterator (``range``, ``sample(p=)``, ``sample(size=)``), an element expression that turns a
candidate into the other index, an optional condition, and ``n`` synapses per pair:

- ``connect()``, ``connect(condition, p=, n=)``: ``j`` runs over the whole target; a numeric
  ``p`` draws by geometric skipping over all pairs (in order of ``i`` then ``j``), a string ``p``
  that reads only ``i`` and presynaptic variables is each row's probability (geometric skipping
  per row), one that reads ``j`` or postsynaptic variables is one draw per pair;
- ``connect(j='k for k in range(...) if ...')`` and the ``sample(...)`` forms, the shorthand
  ``j='i + 1'`` / ``j='i + 1 if cond'`` (one element per source), and the same with ``i=`` over
  the targets;
- ``connect(i=array, j=array, p=number, n=int)``.

Pairs come in Brian2's order: by outer index, then in the iterator's order (``sample(size=)``
sorted), each pair ``n`` times in a row. Everything is vectorised with NumPy: candidates of many
outer indices are made at once by ``repeat``/``arange`` arithmetic, in blocks of at most
:data:`CHUNK` candidates (a Python loop over blocks bounds the memory of dense forms; random
draws loop over a few rounds of batches, never over pairs or rows).
Expressions are evaluated by the Synapses' own pair evaluator (names ``i``, ``j``, ``x_pre``,
``x_post``, bare target names, constants, ``N_pre``, ``N_post``, the loop variable); random
draws (``p``, ``sample``, ``rand()``) come from lifdsl's global generator, so a seed gives the
same synapses every time.

Brian2 differences kept on purpose: ``n='expression of j'`` counts per pair as Brian2's Cython
target does (its NumPy target indexes the counts by ``j``); ``i='... range(j, ...)'`` may read
``j`` in the range (Brian2 2.9 refuses it by mistake).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from lifdsl.core.group import names_in
from lifdsl.core.random import get_rng
from lifdsl.equations import EquationError, parse_expression
from lifdsl.equations.functions import RANDOM_FUNCTIONS, symbol
from lifdsl.equations.generator import Generator, looks_like_generator, parse_generator

if TYPE_CHECKING:
    from lifdsl.core.synapses import Synapses

__all__ = ["new_synapses", "CHUNK", "index_dtype"]

#: at most this many candidate pairs are evaluated at once
CHUNK = 1 << 20


def index_dtype(n: int) -> type:
    """The dtype of indices below ``n`` a Synapses stores: int32 where they fit (half the
    memory of int64), else int64."""
    return np.int32 if n < 2**31 else np.int64


@dataclass
class _Plan:
    """One connect call as a loop over an outer index (see the module's docstring)."""

    over_pre: bool                 # True: outer index i over sources, result j over targets
    text: str                      # what the user wrote (messages)
    gen: Generator | None          # the parsed generator (None: condition/p form)
    element: sp.Basic | None       # None: the result is the candidate itself
    variable: str | None           # the loop variable (None: shorthand / condition form)
    iterator: str                  # 'range' or 'sample'
    low: sp.Basic
    high: sp.Basic
    step: sp.Basic
    p: sp.Basic | float | None     # sample(p=): per row (number or expression)
    size: sp.Basic | None          # sample(size=): per row
    condition: sp.Basic | None
    pair_p: sp.Basic | None        # condition form, a p reading the result side: one draw a pair
    n: int | sp.Basic
    skip: bool

    @property
    def outer(self) -> str:
        return "i" if self.over_pre else "j"

    @property
    def result(self) -> str:
        return "j" if self.over_pre else "i"


# -- entry point -------------------------------------------------------------------------------
def new_synapses(syn: Synapses, condition, i, j, p, n, skip_if_invalid: bool,
                 namespaces: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """The (pre, post) indices, relative to source and target, of the synapses one
    ``connect`` call adds, in creation order: new arrays (the caller may keep them) of
    :func:`index_dtype` of the source's and target's parents."""
    pre, post = _new_synapses(syn, condition, i, j, p, n, skip_if_invalid, namespaces)
    return (pre.astype(index_dtype(syn._src.N), copy=False),
            post.astype(index_dtype(syn._tgt.N), copy=False))


def _new_synapses(syn: Synapses, condition, i, j, p, n, skip_if_invalid: bool,
                  namespaces: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    _check_types(condition, i, j, p, n)
    if condition is None and i is None and j is None:
        condition = True
    if condition is not None:
        if i is not None or j is not None:
            raise ValueError("connect(condition=...) cannot be combined with i= or j=")
        if condition is False or condition == "False":
            return np.empty(0, np.int64), np.empty(0, np.int64)
        return _run(syn, _condition_plan(syn, condition, p, n, skip_if_invalid), namespaces)
    if not isinstance(i, str) and not isinstance(j, str):
        if i is None or j is None:
            raise TypeError("connect(i=..., j=...) needs both index arrays")
        return _from_arrays(syn, i, j, p, n, skip_if_invalid)
    over_pre = isinstance(j, str)
    text, other = (j, i) if over_pre else (i, j)
    name, other_name = ("j", "i") if over_pre else ("i", "j")
    if other is not None:
        raise TypeError(f"generator syntax for {name}= cannot be combined with {other_name}=")
    if isinstance(p, str) or p != 1:
        raise ValueError(f"connect({name}='...') cannot be combined with p=; write "
                         f"sample(..., p=...) in the generator instead")
    gen = parse_generator(text, what=f"connect {name}")
    plan = _Plan(over_pre, text, gen, gen.element, gen.variable, gen.iterator, gen.low,
                 gen.high, gen.step, gen.p, gen.size, gen.condition, None,
                 _parse_n(n), skip_if_invalid)
    return _run(syn, plan, namespaces)


def _check_types(condition, i, j, p, n) -> None:
    if condition is not None and not isinstance(condition, (bool, str)):
        raise TypeError(f"condition must be a string such as 'i != j' (or a bool), got "
                        f"{condition!r}; to connect listed pairs use connect(i=..., j=...)")
    if isinstance(condition, str) and looks_like_generator(condition):
        raise ValueError(f"a generator is given as condition: write connect(j={condition!r}) "
                         f"instead of connect({condition!r})")
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating, str)):
        raise TypeError(f"p must be a number or a string, got {p!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer, str)):
        raise TypeError(f"n must be a whole number or a string, got {n!r}")
    if not isinstance(n, str) and n < 0:
        raise ValueError(f"n must not be negative, got {n!r}")


def _parse_n(n) -> int | sp.Basic:
    if isinstance(n, str):
        expr = parse_expression(n, what="connect n")
        _require_number(expr, "connect n", n)
        return expr
    return int(n)


def _require_number(expr: sp.Basic, what: str, text: str) -> None:
    if isinstance(expr, (sp.logic.boolalg.Boolean, sp.core.relational.Relational)) \
            and not isinstance(expr, sp.Symbol):
        raise EquationError("must be a number, not a true/false condition", what=what,
                            lineno=1, line=text, column=0)


def _condition_plan(syn: Synapses, condition, p, n, skip: bool) -> _Plan:
    """``connect(condition, p=, n=)``: ``j`` over the whole target, as Brian2 rewrites it
    (``k for k in range(N_post) if cond``, ``sample(N_post, p=p)``, or ``... and rand() < p``
    where p reads the postsynaptic side)."""
    text = condition if isinstance(condition, str) else "True"
    cond = None
    if isinstance(condition, str):
        cond = parse_expression(condition, what="connect condition")
        if not (isinstance(cond, (sp.logic.boolalg.Boolean, sp.core.relational.Relational))):
            raise EquationError("the condition must be true/false (such as 'i != j'), not a "
                                "number", what="connect condition", lineno=1, line=condition,
                                column=0)
        if cond is sp.true:
            cond = None
    row_p: sp.Basic | float | None = None
    pair_p = None
    if isinstance(p, str):
        expr = parse_expression(p, what="connect p")
        _require_number(expr, "connect p", p)
        reads = _reads(syn, _sizes(syn, expr), True, None)
        if reads & {"result", "result_vars", "random"}:
            pair_p = expr
        else:
            row_p = expr
    else:
        p = float(p)
        if not 0 <= p <= 1:
            raise ValueError(f"p must lie in [0, 1], got {p!r}")
        if p < 1:
            row_p = p
    n_tgt = syn._tgt_range[1] - syn._tgt_range[0]
    return _Plan(True, text, None, None, None, "sample" if row_p is not None else "range",
                 sp.Integer(0), sp.Integer(n_tgt), sp.Integer(1), row_p, None, cond, pair_p,
                 _parse_n(n), skip)


def _from_arrays(syn: Synapses, i, j, p, n, skip: bool) -> tuple[np.ndarray, np.ndarray]:
    """Listed pairs; ``p`` keeps each with that probability, ``n`` repeats each."""
    if skip:
        raise ValueError("skip_if_invalid applies to string forms of connect, not to arrays")
    if isinstance(p, str) or isinstance(n, str):
        raise TypeError("connect(i=array, j=array) takes p= and n= as numbers, not strings")
    n_src = syn._src_range[1] - syn._src_range[0]
    n_tgt = syn._tgt_range[1] - syn._tgt_range[0]
    pre, post = (np.atleast_1d(np.asarray(x)) for x in (i, j))
    pre, post = np.broadcast_arrays(pre, post)
    for nm, arr, size in (("i", pre, n_src), ("j", post, n_tgt)):
        if arr.size and (arr.dtype.kind not in "iu" and not np.all(arr == np.round(arr))):
            raise TypeError(f"{nm}= takes integer indices, got {arr!r}")
        if arr.size and (arr.min() < 0 or arr.max() >= size):
            raise IndexError(f"{nm}= indices must lie in 0..{size - 1}")
    pre, post = pre.astype(np.int64).ravel(), post.astype(np.int64).ravel()
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueError(f"p must lie in [0, 1], got {p!r}")
    if p < 1:
        keep = get_rng().random(pre.size) < p
        pre, post = pre[keep], post[keep]
    return np.repeat(pre, int(n)), np.repeat(post, int(n))


# -- names -------------------------------------------------------------------------------------
def _sizes(syn: Synapses, expr):
    """``N_pre`` and ``N_post`` (the sizes of source and target) replaced by numbers."""
    if not isinstance(expr, sp.Basic):
        return expr
    sizes = {symbol("N_pre"): sp.Integer(syn._src_range[1] - syn._src_range[0]),
             symbol("N_post"): sp.Integer(syn._tgt_range[1] - syn._tgt_range[0])}
    return expr.xreplace(sizes)


def _side(syn: Synapses, name: str) -> str | None:
    """'pre' or 'post' for a name read through a synapse's pre or post index (as
    ``Synapses._side_ref`` resolves it), else None."""
    for suffix, group in (("_pre", syn._src), ("_post", syn._tgt)):
        if name.endswith(suffix) and name[:-len(suffix)] in group._arrays:
            return suffix[1:]
    if name not in syn._arrays and name not in syn.equations.subexpr_names \
            and name in syn._tgt._arrays and name not in ("i", "N"):
        return "post"
    return None


def _reads(syn: Synapses, expr, over_pre: bool, variable: str | None) -> set[str]:
    """What an expression depends on: 'outer' (the outer index or its side's variables),
    'result' (the other index), 'result_vars' (variables of the other side), 'inner' (the loop
    variable), 'random' (rand()/randn())."""
    if not isinstance(expr, sp.Basic):
        return set()
    outer, result = ("i", "j") if over_pre else ("j", "i")
    result_side = "post" if over_pre else "pre"
    out: set[str] = set()
    for nm in names_in(expr)[0]:
        if nm == variable:
            out.add("inner")
        elif nm == result:
            out.add("result")
        elif nm == outer:
            out.add("outer")
        else:
            side = _side(syn, nm)
            if side == result_side:
                out.add("result_vars")
            elif side is not None:
                out.add("outer")
    if expr.has(*RANDOM_FUNCTIONS):
        out.add("random")
    return out


def _check_plan(syn: Synapses, plan: _Plan) -> None:
    """Refuse what a generator cannot mean: a loop variable named like an index or a variable,
    an element reading the index it computes, iterator arguments reading the pair."""
    gen = plan.gen
    if gen is None:
        return
    res, out = plan.result, plan.outer
    side = "postsynaptic" if plan.over_pre else "presynaptic"
    if plan.variable is not None:
        taken = {"i", "j", "N_pre", "N_post", "N", "t", "dt"}
        if plan.variable in taken or plan.variable in syn._arrays \
                or _side(syn, plan.variable) is not None:
            raise gen.error(f"the loop variable {plan.variable!r} is already a name of the "
                            f"Synapses; call it something else (such as k)", "variable")
    if plan.element is not None and _reads(syn, plan.element, plan.over_pre, plan.variable) \
            & {"result", "result_vars"}:
        raise gen.error(f"the expression computes {res}: it cannot read {res} or {side} "
                        f"variables", "element")
    for part in ("low", "high", "step", "p", "size"):
        expr = getattr(plan, part)
        if part not in gen.spans or expr is None:
            continue
        bad = _reads(syn, expr, plan.over_pre, plan.variable) & {"result", "result_vars",
                                                                 "inner"}
        if bad:
            raise gen.error(f"the arguments of {plan.iterator}() are computed once per {out}: "
                            f"they may read {out} and its variables, not {res}, {side} "
                            f"variables or the loop variable", part)


# -- evaluation --------------------------------------------------------------------------------
class _Work:
    """Arrays reused from block to block of one connect call: a new array each block costs the
    kernel's zeroing of its pages, most of the time of a dense ``p`` string (such as
    ``exp(-(i-j)**2)`` over every pair) where the arithmetic itself is a few ns a pair."""

    def __init__(self) -> None:
        self._bufs: dict[str, np.ndarray] = {}

    def take(self, name: str, n: int, dtype) -> np.ndarray:
        """``n`` elements of the buffer ``name`` (contents undefined)."""
        buf = self._bufs.get(name)
        if buf is None or buf.size < n or buf.dtype != dtype:
            buf = self._bufs[name] = np.empty(n, dtype)
        return buf[:n]

    def holds(self, a: np.ndarray) -> bool:
        """Whether ``a`` may be (a view of) one of the buffers."""
        return any(np.may_share_memory(a, b) for b in self._bufs.values())


class _Eval:
    """Expressions of one connect call evaluated at outer indices or at pairs."""

    def __init__(self, syn: Synapses, plan: _Plan, namespaces) -> None:
        self.syn, self.plan, self.namespaces = syn, plan, namespaces
        self.work = _Work()

    def _at(self, expr, pre, post, n: int, extra=None) -> np.ndarray:
        expr = _sizes(self.syn, expr)
        if not isinstance(expr, sp.Basic):
            return np.full(n, expr)
        if expr.is_Number or expr in (sp.true, sp.false):
            return np.full(n, bool(expr) if expr in (sp.true, sp.false) else float(expr))
        value = self.syn._evaluate_pairs(expr, pre, post, self.namespaces, self.plan.text,
                                         extra)
        return np.broadcast_to(np.asarray(value), (n,))

    def outer(self, expr, outer: np.ndarray) -> np.ndarray:
        """``expr`` at each outer index (the other index unknown: it must not be read)."""
        zeros = np.zeros_like(outer)
        pre, post = (outer, zeros) if self.plan.over_pre else (zeros, outer)
        return self._at(expr, pre, post, outer.size)

    def pairs(self, expr, outer: np.ndarray, result: np.ndarray, extra=None) -> np.ndarray:
        """``expr`` at pairs (outer, result); ``extra`` names more values per pair."""
        pre, post = (outer, result) if self.plan.over_pre else (result, outer)
        if isinstance(expr, sp.Basic) and pre.size:
            # i and j read as float64 (as the evaluator would convert them), in reused buffers
            names = names_in(expr)[0]
            extra = dict(extra or {})
            for nm, index in (("i", pre), ("j", post)):
                if nm in names and nm not in extra and index.dtype.kind in "iu":
                    buf = self.work.take("_f" + nm, index.size, np.float64)
                    np.copyto(buf, index)
                    extra[nm] = buf
        return self._at(expr, pre, post, outer.size, extra)


def _whole(values: np.ndarray, plan: _Plan, part: str, outer: np.ndarray) -> np.ndarray:
    """Iterator arguments as int64, or an error naming the first value that is not whole."""
    v = np.asarray(values, dtype=float)
    bad = ~np.isfinite(v) | (v != np.round(v))
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        what = (f"{part}= of sample()" if part == "size"
                else f"the '{part}' argument of {plan.iterator}()")
        raise _error(plan, f"{what} must be a whole number, got {_fmt(v[k])} for {plan.outer} "
                           f"= {outer[k]} (use floor() or ceil())", part)
    return v.astype(np.int64)


def _error(plan: _Plan, message: str, part: str) -> Exception:
    if plan.gen is not None and part in plan.gen.spans:
        return plan.gen.error(message, part)
    return EquationError(message, what="connect", lineno=1, line=plan.text)


def _fmt(x: float) -> str:
    x = float(x)
    return str(int(x)) if np.isfinite(x) and x == int(x) else repr(x)


# -- the loop ----------------------------------------------------------------------------------
def _run(syn: Synapses, plan: _Plan, namespaces) -> tuple[np.ndarray, np.ndarray]:
    _check_plan(syn, plan)
    ev = _Eval(syn, plan, namespaces)
    work = ev.work
    n_src = syn._src_range[1] - syn._src_range[0]
    n_tgt = syn._tgt_range[1] - syn._tgt_range[0]
    n_outer, n_result = (n_src, n_tgt) if plan.over_pre else (n_tgt, n_src)
    outer = np.arange(n_outer, dtype=np.int64)
    reads_cond = _reads(syn, plan.condition, plan.over_pre, plan.variable)
    if plan.condition is not None and reads_cond <= {"outer"}:
        # a condition on the outer index only: filter before the iterator (as Brian2 does)
        outer = outer[np.asarray(ev.outer(plan.condition, outer), dtype=bool)]
        pair_condition = None
    else:
        pair_condition = plan.condition
    rng = get_rng()
    low, high, step = (_whole(ev.outer(x, outer), plan, part, outer)
                       for x, part in ((plan.low, "low"), (plan.high, "high"),
                                       (plan.step, "step")))
    if np.any(step == 0):
        k = int(np.flatnonzero(step == 0)[0])
        raise _error(plan, f"the step of {plan.iterator}() must not be 0 (it is for "
                           f"{plan.outer} = {outer[k]})", "step")
    counts = np.where(step > 0, (high - low + step - 1) // np.where(step > 0, step, 1),
                      (low - high - step - 1) // np.where(step < 0, -step, 1))
    counts = np.maximum(counts, 0)
    if plan.iterator == "range":
        blocks = _range_blocks(counts, work)
    elif plan.size is not None:
        sizes = _sample_sizes(ev, plan, outer, counts)
        rows, offs = _sample_fixed(counts, sizes, rng)
        if np.any(step[rows] < 0):
            # the chosen values in ascending order (Brian2 sorts them, also for a negative step)
            order = np.lexsort((low[rows] + offs * step[rows], rows))
            rows, offs = rows[order], offs[order]
        blocks = _slices(rows, offs)
    else:
        p = plan.p
        if isinstance(p, sp.Basic) and not p.is_Number:
            p = np.asarray(ev.outer(p, outer), dtype=float)
            if p.size and np.all(p == p[0]):
                p = float(p[0])         # one probability for all rows: as connect(p=number)
        else:
            p = float(p)
        rows, offs = _bernoulli_rows(counts, p, rng)
        if (pair_condition is None and plan.element is None and plan.pair_p is None
                and isinstance(plan.n, int) and plan.n == 1 and outer.size == n_outer
                and bool(np.all(low == 0) and np.all(step == 1))):
            # connect(p=...) and sample(N, p=...) alone: the chosen candidates are the
            # synapses, valid by construction (offsets of range(0, n) with n <= n_result)
            return (rows, offs) if plan.over_pre else (offs, rows)
        blocks = _slices(rows, offs)
    # (the common forms need no temporaries per candidate: every outer index, range(0, n))
    all_outer = outer.size == n_outer
    plain = bool(np.all(low == 0) and np.all(step == 1))
    dtypes = (index_dtype(syn._src.N), index_dtype(syn._tgt.N))
    pres, posts = [], []
    # (candidates of range(0, n) with every n <= n_result are valid indices by construction)
    valid = bool(plain and plan.element is None and (counts.size == 0
                                                       or int(counts.max()) <= n_result))
    for rows, offs in blocks:
        o = rows if all_outer else outer[rows]
        k = offs if plain else low[rows] + offs * step[rows]
        del rows, offs
        pre, post = _pairs_of_block(ev, plan, o, k, pair_condition, n_result, rng, valid)
        del o, k
        # (each block in the dtype it is stored in: the list holds half as much; never a
        # view of a buffer the next block reuses)
        pres.append(pre.astype(dtypes[0], copy=work.holds(pre)))
        posts.append(post.astype(dtypes[1], copy=work.holds(post)))
        del pre, post
    del blocks
    if not pres:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if len(pres) == 1:
        return pres[0], posts[0]
    return np.concatenate(pres), np.concatenate(posts)


def _pairs_of_block(ev: _Eval, plan: _Plan, o: np.ndarray, k: np.ndarray, condition,
                    n_result: int, rng: np.random.Generator, valid: bool = False
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The synapses of one block of candidates (outer index ``o``, loop value ``k``);
    ``valid``: every candidate is a valid index (nothing to check)."""
    extra = {plan.variable: k} if plan.variable is not None else {}
    if plan.element is None:
        value = k                       # (the candidates themselves: whole numbers already)
    else:
        value = np.asarray(ev.pairs(plan.element, o, np.zeros_like(o), extra), dtype=float)
    checked = False
    if condition is not None:
        reads = _reads(ev.syn, condition, plan.over_pre, plan.variable)
        if "result_vars" in reads:
            # the condition reads the other side's variables: the index must be valid first
            keep = _valid(plan, value, o, n_result, " (the condition reads "
                          f"{'post' if plan.over_pre else 'pre'}synaptic variables there)")
            o, k, value = o[keep], k[keep], value[keep]
            extra = {plan.variable: k} if plan.variable is not None else {}
            checked = True
            result = _index(value)
            keep = ev.pairs(condition, o, result, {**extra, plan.result: result})
        else:
            keep = ev.pairs(condition, o, np.zeros_like(o), {**extra, plan.result: value})
        keep = np.asarray(keep, dtype=bool)
        o, k, value = o[keep], k[keep], value[keep]
        extra = {plan.variable: k} if plan.variable is not None else {}
    if not checked and not valid:
        keep = _valid(plan, value, o, n_result, "")
        if not keep.all():
            o, k, value = o[keep], k[keep], value[keep]
            extra = {plan.variable: k} if plan.variable is not None else {}
        del keep
    result = _index(value)
    if plan.pair_p is not None:
        p = np.asarray(ev.pairs(plan.pair_p, o, result), dtype=float)
        draws = rng.random(out=ev.work.take("_rand", o.size, np.float64))
        keep = np.less(draws, p, out=ev.work.take("_keep", o.size, np.bool_))
        del p, draws
        o, result = o[keep], result[keep]
        extra = {}
        if plan.variable is not None:   # (k is read only through the loop variable)
            k = k[keep]
            extra = {plan.variable: k}
    if isinstance(plan.n, sp.Basic):
        counts = np.trunc(np.asarray(ev.pairs(plan.n, o, result, extra), dtype=float))
        if counts.size and not (np.all(np.isfinite(counts)) and counts.min() >= 0):
            bad = int(np.flatnonzero(~np.isfinite(counts) | (counts < 0))[0])
            raise ValueError(f"connect(n={_text_of(plan.n)!r}) gives {_fmt(counts[bad])} "
                             f"synapses for the pair i = {_pre_of(plan, o, result)[bad]}, "
                             f"j = {_post_of(plan, o, result)[bad]}; n must not be negative")
        reps: np.ndarray | int = counts.astype(np.int64)
    else:
        reps = plan.n
    pre, post = _pre_of(plan, o, result), _post_of(plan, o, result)
    if not isinstance(reps, int) or reps != 1:
        pre, post = np.repeat(pre, reps), np.repeat(post, reps)
    return pre, post


def _index(value: np.ndarray) -> np.ndarray:
    """Valid computed indices (>= 0) as int64: a fraction is cut off, as Brian2 stores ``int()``
    of the value."""
    return value if value.dtype.kind in "iu" else np.floor(value).astype(np.int64)


def _text_of(expr: sp.Basic) -> str:
    from lifdsl.equations.grammar import format_expression

    return format_expression(expr)


def _pre_of(plan: _Plan, o, r):
    return o if plan.over_pre else r


def _post_of(plan: _Plan, o, r):
    return r if plan.over_pre else o


def _valid(plan: _Plan, value: np.ndarray, o: np.ndarray, n_result: int, why: str) -> np.ndarray:
    """Which computed indices lie in ``0 .. n_result - 1`` (all of them, or an IndexError
    naming the first that does not, unless skip_if_invalid)."""
    ok = (value >= 0) & (value < n_result)
    if not plan.skip and not np.all(ok):
        bad = int(np.flatnonzero(~ok)[0])
        what = f"connect({plan.result}={plan.text!r})" if plan.gen is not None else \
            f"connect(condition={plan.text!r})"
        raise IndexError(f"{what} gives {plan.result} = {_fmt(value[bad])} for {plan.outer} = "
                         f"{o[bad]}, outside 0..{n_result - 1}{why}; pass skip_if_invalid=True "
                         f"to leave such pairs out")
    return ok


# -- candidates --------------------------------------------------------------------------------
def _aranges(counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(c) for c in counts])`` without a loop."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)


def _range_blocks(counts: np.ndarray, work: _Work):
    """(rows, offsets) of every candidate of ``range`` rows, in blocks of about CHUNK (where
    every row of a block has as many candidates, in ``work``'s buffers: valid until the next
    block)."""
    cum = np.cumsum(counts)
    start, n = 0, counts.size
    tiled = None                       # (width, rows) of the offsets now in work's buffer
    while start < n:
        base = int(cum[start - 1]) if start else 0
        stop = max(int(np.searchsorted(cum, base + CHUNK, side="right")), start + 1)
        part = counts[start:stop]
        if part.sum():
            if part[0] == part[-1] and np.all(part == part[0]):   # (range(0, N) for all)
                width, m = int(part[0]), part.size
                rows = work.take("_rows", width * m, np.int64)
                rows.reshape(m, width)[...] = np.arange(start, stop, dtype=np.int64)[:, None]
                offs = work.take("_offs", width * m, np.int64)
                if tiled != (width, m):
                    offs.reshape(m, width)[...] = np.arange(width, dtype=np.int64)
                    tiled = (width, m)
                yield rows, offs
            else:
                rows = np.repeat(np.arange(start, stop, dtype=np.int64), part)
                yield rows, _aranges(part)
        start = stop


def _slices(rows: np.ndarray, offs: np.ndarray):
    """Chosen candidates in blocks of CHUNK."""
    for a in range(0, rows.size, CHUNK):
        yield rows[a:a + CHUNK], offs[a:a + CHUNK]


def _skip(total: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Positions in ``0 .. total - 1`` kept each with probability ``p`` (0 < p < 1), by
    geometric skipping (the draws of connect(p=...) since it was built)."""
    out, pos = [], -1
    batch = max(16, int(total * p * 1.1) + 16)
    while True:
        # (in place: the draws become the positions; the same numbers as before)
        where = rng.geometric(p, size=batch).astype(np.int64, copy=False)
        np.cumsum(where, out=where)
        where += pos
        last = int(where[-1])
        # (positions rise: those inside are a prefix, kept as a view without a copy)
        out.append(where[:int(np.searchsorted(where, total))] if last >= total else where)
        del where
        if last >= total:
            break
        pos = last
    return out[0] if len(out) == 1 else np.concatenate(out)


def _skip_rows(total: int, p: float, rng: np.random.Generator, width: int, n_rows: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """``_divmod(_skip(total, p, rng), width, n_rows)``, from the same draws, without an
    int64 array of every position: each round's draws are taken in pieces of
    :data:`SKIP_PIECE` and turned into (row, offset) at once, into arrays sized by the first
    round (which holds every position unless a rare second round is needed), trimmed in
    place at the end. At N = 64000 (4 M synapses a call) that keeps 36 MB of int64
    positions out of connect's peak. The pieces reuse two work buffers (a fresh 2 MB array
    per step costs more in page faults than the arithmetic on it), and one ``divmod`` writes
    rows and offsets straight into the results."""
    batch = max(16, int(total * p * 1.1) + 16)
    rows = np.empty(batch, index_dtype(n_rows))
    offs = np.empty(batch, index_dtype(width))
    piece = min(SKIP_PIECE, batch)
    compiled = _compiled_skip(batch, p)
    if compiled is not None:
        return _skip_rows_compiled(compiled, total, p, rng, width, batch, rows, offs, piece)
    work = (np.empty(piece, np.float64), np.empty(piece, np.int64))
    n, pos, done = 0, -1, False
    while not done:
        drawn = 0
        while drawn < batch:
            m = min(SKIP_PIECE, batch - drawn)
            where = _geometric(rng, p, m, work[0][:m], work[1][:m])
            drawn += m
            if done:   # the rest of the round: drawn as _skip draws it, not used
                continue
            np.cumsum(where, out=where)
            where += pos
            last = int(where[-1])
            if last >= total:
                where = where[:int(np.searchsorted(where, total))]
                done = True
            else:
                pos = last
            k = where.size
            if n + k > rows.size:
                grow = max(2 * rows.size, n + k)
                rows = np.concatenate([rows[:n], np.empty(grow - n, rows.dtype)])
                offs = np.concatenate([offs[:n], np.empty(grow - n, offs.dtype)])
            # (row and offset below n_rows and width: they fit the results' index dtypes)
            np.divmod(where, width, out=(rows[n:n + k], offs[n:n + k]), casting="unsafe")
            n += k
            del where
    rows.resize(n, refcheck=False)   # (their own buffers, no views: shrunk in place)
    offs.resize(n, refcheck=False)
    return rows, offs


#: draws turned into synapses at once by :func:`_skip_rows`
SKIP_PIECE = 1 << 18

#: from this many draws a round, connect(p=) skips with the compiled pass where it can build
COMPILED_SKIP_FROM = 1 << 20


def _compiled_skip(batch: int, p: float):
    """The compiled skip module for a round of ``batch`` draws at ``p``, or None: NumPy's
    passes for small calls, for p where NumPy's geometric is not the inversion
    :func:`_geometric` reproduces, and where nothing can build."""
    if batch < COMPILED_SKIP_FROM or not (0 < p < 1 / 3) or not _geometric_is_inversion():
        return None
    from lifdsl.codegen.targets import compiled_skip  # noqa: PLC0415 - for large calls only

    return compiled_skip()


def _skip_rows_compiled(module, total: int, p: float, rng: np.random.Generator, width: int,
                        batch: int, rows: np.ndarray, offs: np.ndarray, piece: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_skip_rows` with each piece of exponential draws turned into synapses by the
    compiled pass (same draws, same division and ceil: the same pairs, same generator state)."""
    z = np.empty(piece, np.float64)
    c = float(-np.log1p(-p))
    n, pos, done = 0, -1, False
    while not done:
        drawn = 0
        while drawn < batch:
            m = min(SKIP_PIECE, batch - drawn)
            rng.standard_exponential(out=z[:m])
            drawn += m
            used = 0
            while not done and used < m:
                k, n, pos, done = module.skip(z[used:m], c, pos, total, width, rows, offs, n)
                used += k
                if not done and used < m:   # rows full: grow as _skip_rows does
                    grow = 2 * rows.size
                    rows = np.concatenate([rows[:n], np.empty(grow - n, rows.dtype)])
                    offs = np.concatenate([offs[:n], np.empty(grow - n, offs.dtype)])
    rows.resize(n, refcheck=False)
    offs.resize(n, refcheck=False)
    return rows, offs

#: from here a geometric draw's double is past int64 (NumPy returns INT64_MAX there)
_INT64_EDGE = 9.223372036854776e18


def _geometric(rng: np.random.Generator, p: float, size: int,
               work: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """``rng.geometric(p, size)`` as int64: the same numbers, about twice as fast for p < 1/3.
    NumPy draws each as ``ceil(-E/log1p(-p))`` from a standard exponential E, computing
    ``log1p(-p)`` once per draw; here the exponentials come as one vector and the quotient is
    taken once (IEEE division and ceil: the same doubles). Used only while a check of a few
    hundred draws finds NumPy doing exactly that (:func:`_geometric_is_inversion`).
    ``work`` (float64) and ``out`` (int64), of ``size`` each, are buffers to reuse."""
    if out is None:
        out = np.empty(size, np.int64)
    if not (0 < p < 1 / 3) or not _geometric_is_inversion():
        out[:] = rng.geometric(p, size=size)
        return out
    z = rng.standard_exponential(out=work) if work is not None else (
        rng.standard_exponential(size))
    np.divide(z, -np.log1p(-p), out=z)
    np.ceil(z, out=z)
    big = size > 0 and z.max() >= _INT64_EDGE
    np.copyto(out, z, casting="unsafe")
    if big:
        out[z >= _INT64_EDGE] = np.iinfo(np.int64).max
    return out


@lru_cache(maxsize=1)
def _geometric_is_inversion() -> bool:
    """True if this NumPy's ``Generator.geometric`` gives :func:`_geometric`'s numbers."""
    for p in (0.3, 0.02, 1.25e-3, 1e-7):
        a = np.random.Generator(np.random.PCG64(2026)).geometric(p, size=256)
        z = np.random.Generator(np.random.PCG64(2026)).standard_exponential(256)
        into = np.random.Generator(np.random.PCG64(2026)).standard_exponential(
            out=np.empty(256))   # (into a buffer: the same draws)
        if not (np.array_equal(a, np.ceil(z / -np.log1p(-p)).astype(np.int64))
                and np.array_equal(z, into)):
            return False
    return True


def _divmod(flat: np.ndarray, width: int, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, offset) of positions ``flat`` in rows of ``width``, in the smallest index dtype
    that holds them, computed in blocks (no int64 temporaries of the whole size)."""
    rows = np.empty(flat.size, index_dtype(n_rows))
    offs = np.empty(flat.size, index_dtype(width))
    block = 1 << 18
    for a in range(0, flat.size, block):
        r, o = np.divmod(flat[a:a + block], width)
        rows[a:a + block] = r
        offs[a:a + block] = o
    return rows, offs


def _bernoulli_rows(counts: np.ndarray, p, rng: np.random.Generator):
    """(rows, offsets) of candidates kept with probability ``p`` (a number, or one per row),
    by geometric skipping: over all rows at once for one number, row by row (vectorised over
    rows, a few rounds) for one per row."""
    total = int(counts.sum())
    if np.isscalar(p):
        if p >= 1:
            rows = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
            return rows, _aranges(counts)
        if p <= 0 or total == 0 or np.isnan(p):
            return np.empty(0, np.int64), np.empty(0, np.int64)
        if counts.size and np.all(counts == counts[0]):
            return _skip_rows(total, float(p), rng, int(counts[0]), counts.size)
        flat = _skip(total, float(p), rng)
        ends = np.cumsum(counts)
        rows = np.searchsorted(ends, flat, side="right")
        return rows, flat - (ends[rows] - counts[rows])
    p = np.asarray(p, dtype=float)
    full = np.flatnonzero((p >= 1) & (counts > 0))
    rows_out = [np.repeat(full, counts[full])]
    offs_out = [_aranges(counts[full])]
    active = np.flatnonzero((p > 0) & (p < 1) & (counts > 0))
    pos = np.full(active.size, -1, dtype=np.int64)
    while active.size:
        pa, ca = p[active], counts[active]
        batch = (np.ceil((ca - pos - 1) * pa * 1.1) + 16).astype(np.int64)
        seg = np.repeat(np.arange(active.size), batch)
        # (a step past the row's end ends it: clipping keeps the sums small)
        steps = np.minimum(rng.geometric(pa[seg]).astype(np.int64), ca[seg] + 1)
        cs = np.cumsum(steps)
        first = np.cumsum(batch) - batch
        before = np.concatenate([[0], cs])[first]
        where = pos[seg] + cs - before[seg]
        keep = where < ca[seg]
        rows_out.append(active[seg[keep]])
        offs_out.append(where[keep])
        last = where[first + batch - 1]
        more = last < ca
        active, pos = active[more], last[more]
    rows, offs = np.concatenate(rows_out), np.concatenate(offs_out)
    order = np.argsort(rows, kind="stable")
    return rows[order], offs[order]


def _sample_sizes(ev: _Eval, plan: _Plan, outer: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The size= of each row, checked against the row's population (Brian2's rules: a
    negative size or one above the population is an error, or with skip_if_invalid none or
    all of it)."""
    sizes = _whole(ev.outer(plan.size, outer), plan, "size", outer)
    live = counts > 0
    for bad, what in ((live & (sizes < 0), "is negative"),
                      (live & (sizes > counts), "is larger than the population")):
        if np.any(bad) and not plan.skip:
            k = int(np.flatnonzero(bad)[0])
            raise IndexError(f"connect({plan.result}={plan.text!r}): the sample size "
                             f"{sizes[k]} for {plan.outer} = {outer[k]} {what} "
                             f"({counts[k]} candidates); pass skip_if_invalid=True to take "
                             f"none or all of them")
    return np.clip(sizes, 0, counts)


def _sample_fixed(counts: np.ndarray, sizes: np.ndarray, rng: np.random.Generator):
    """(rows, offsets): ``sizes[r]`` distinct offsets of ``0 .. counts[r] - 1`` per row, drawn
    uniformly without replacement, sorted. Vectorised over rows: each round draws with
    replacement for the rows still short and keeps the first draws of each value; a row asked
    for more than half its population draws the ones it leaves out instead."""
    complement = sizes > counts // 2
    want = np.where(complement, counts - sizes, sizes)
    acc_r = np.empty(0, np.int64)
    acc_v = np.empty(0, np.int64)
    need = want.copy()
    while True:
        active = np.flatnonzero(need > 0)
        if not active.size:
            break
        batch = (np.ceil(need[active] * 1.5) + 4).astype(np.int64)
        seg = np.repeat(active, batch)
        draws = rng.integers(0, counts[seg])
        r = np.concatenate([acc_r, seg])
        v = np.concatenate([acc_v, draws])
        t = np.arange(r.size)
        order = np.lexsort((t, v, r))
        first = np.ones(order.size, dtype=bool)
        first[1:] = (r[order][1:] != r[order][:-1]) | (v[order][1:] != v[order][:-1])
        uniq = order[first]
        uniq = uniq[np.lexsort((t[uniq], r[uniq]))]          # by row, then by draw
        ur = r[uniq]
        starts = np.searchsorted(ur, ur, side="left")
        rank = np.arange(ur.size) - starts
        keep = rank < want[ur]
        acc_r, acc_v = ur[keep], v[uniq][keep]
        need = want - np.bincount(acc_r, minlength=want.size)
    direct = ~complement[acc_r]
    rows_out, offs_out = [acc_r[direct]], [acc_v[direct]]
    comp = np.flatnonzero(complement & (counts > 0))
    if comp.size:
        ccounts = counts[comp]
        starts = np.zeros(counts.size, dtype=np.int64)
        starts[comp] = np.cumsum(ccounts) - ccounts
        mask = np.ones(int(ccounts.sum()), dtype=bool)
        left_out = ~direct
        mask[starts[acc_r[left_out]] + acc_v[left_out]] = False
        crow = np.repeat(comp, ccounts)
        rows_out.append(crow[mask])
        offs_out.append(_aranges(ccounts)[mask])
    rows, offs = np.concatenate(rows_out), np.concatenate(offs_out)
    order = np.lexsort((offs, rows))
    return rows[order], offs[order]
