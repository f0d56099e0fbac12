"""Synapses: connections from a source group to a target group, with per-synapse state and
code run for every spike of the source (``on_pre``), Brian2's names and semantics.

Built so far: per-synapse parameters and ``(shared)`` ones, clock-driven synaptic equations,
``(event-driven)`` ones (linear; brought up to date from ``lastupdate`` at every event of
every pathway, as Brian2 does), ``(summed)`` variables (``I_post = g : 1 (summed)``: the
target variable is zeroed and summed every step before the target's update), an ``on_pre``
and an ``on_post`` pathway (statements on synaptic, ``_pre`` and ``_post`` names; a bare
non-synaptic name is the postsynaptic one; ``v_post += w`` adds every synapse onto a repeated
target; a pathway runs synapse by synapse, in delivery order, on both targets; ``on_pre`` runs
before ``on_post`` in a step), delays of ``on_pre`` (one for all, or per synapse with
``S.delay``: a ring of past spike lists at the source, nothing pushed per synapse; per-synapse
delays read the ring through one block of rows per delay; the spikes in flight are stored by
age), ``connect()`` with all-to-all, ``i=``/``j=`` arrays, ``condition=``, ``p=`` (Bernoulli by
geometric skipping) and ``j=`` expressions of ``i``; subgroups as source and target;
monitors of synaptic variables and expressions. Not yet: named pathways.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import sympy as sp

from lifdsl.codegen import program as P
from lifdsl.codegen.targets import evaluate
from lifdsl.core.base import RunContext, Runner, caller_scope
from lifdsl.core.group import Group, Resolved, names_in
from lifdsl.core.neurongroup import NeuronGroup, Subgroup
from lifdsl.core.random import get_rng
from lifdsl.equations import EquationError, Equations, parse_expression, parse_statements
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

logger = logging.getLogger("lifdsl")

#: the flags a Synapses model accepts (by kind of line)
SYNAPSE_FLAGS = {"diff": ("clock-driven", "event-driven"),
                 "subexpr": ("constant over dt", "summed"), "param": ("constant", "shared")}

__all__ = ["Synapses"]


def _group_parts(obj, what: str) -> tuple[NeuronGroup, int, int]:
    if isinstance(obj, Subgroup):
        return obj.parent, obj.start, obj.stop
    if isinstance(obj, NeuronGroup):
        return obj, 0, obj.N
    raise TypeError(f"the {what} of Synapses must be a NeuronGroup or a subgroup of one, "
                    f"got {obj!r}")


def _rows(index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, indptr): synapse ids grouped by ``index`` (stable), and each group's start
    (no sort where ``index`` is in order already, as after connect(p=...))."""
    if index.size < 2 or bool(np.all(index[1:] >= index[:-1])):
        order = np.arange(index.size, dtype=np.int64)
    else:
        order = np.argsort(index, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(index, minlength=n), out=indptr[1:])
    return order, indptr


class Synapses(Group):
    """Connections from ``source`` to ``target`` (default: the source itself)."""

    _prefix = "synapses"
    _instance_names = (*Group._instance_names, "source", "target", "state_updater", "pre",
                       "post", "delay")

    def __init__(self, source, target=None, model: str | Equations = "",
                 on_pre: str | None = None, on_post: str | None = None,
                 delay: float | None = None, method: str = "auto",
                 namespace: dict[str, Any] | None = None, dtype: str = "float64",
                 name: str | None = None) -> None:
        src, slo, shi = _group_parts(source, "source")
        tgt, tlo, thi = _group_parts(source if target is None else target, "target")
        dtype = self._check_dtype(dtype)
        eqs = model if isinstance(model, Equations) else Equations(model or "")
        eqs.check_flags(SYNAPSE_FLAGS, "Synapses")
        self._check_names_free(eqs)
        NeuronGroup._check_method(method)
        if delay is not None:
            delay = float(delay)
            if not (delay >= 0 and np.isfinite(delay)):
                raise ValueError(f"delay must be a non-negative finite time, got {delay!r}")
        super().__init__(0, eqs, namespace, dtype, name, src.dt)
        self.source, self.target = source, source if target is None else target
        self._src, self._tgt = src, tgt
        self._src_range, self._tgt_range = (slo, shi), (tlo, thi)
        self._method = method
        self._delay = delay
        self._set_connections(np.empty(0, np.int64), np.empty(0, np.int64))
        self._event_driven = [n for n in eqs.diff_names if "event-driven" in eqs[n].flags]
        if self._event_driven:   # (8 bytes a synapse, only where it is needed)
            self._arrays["lastupdate"] = np.zeros(0)
        self._arrays["delay"] = np.zeros(0)   # seconds, per synapse of on_pre
        self._clock_driven = [n for n in eqs.diff_names if n not in self._event_driven]
        self._summed = self._parse_summed()
        self._pre_text, self._post_text = on_pre, on_post
        self._pre_code = self._parse_pathway(on_pre, "on_pre") if on_pre else []
        self._post_code = self._parse_pathway(on_post, "on_post") if on_post else []
        self.state_updater = (Runner(self, "state_updater", "groups") if self._clock_driven
                              else None)
        self._pusher = Runner(self, "spike_pusher", "synapses", order=-2)
        self.pre = Runner(self, "pre_pathway", "synapses", -1) if self._pre_code else None
        self.post = Runner(self, "post_pathway", "synapses", 1) if self._post_code else None
        # summed variables: zero the target, then add every synapse, before its update
        order = tgt.state_updater.order - 1
        self._sum_runners = [(Runner(self, "summed_zero", "groups", order),
                              Runner(self, "summed_add", "groups", order))
                             for _ in self._summed]
        self._blocks: dict[str, list[Assign]] | None = None
        self._resolved: Resolved | None = None
        self._keys = ("_src", "_tgt")
        self._ring: np.ndarray | None = None
        self._ring_n: np.ndarray | None = None
        self._ring_step = 0      # the ring holds the spikes of the steps before this one
        self._restored: list[np.ndarray] | None = None   # spikes in flight set by restore()
        self._frozen = True

    # -- connectivity -----------------------------------------------------------------------------
    def _set_connections(self, pre: np.ndarray, post: np.ndarray) -> None:
        """Synapses ``pre[k] -> post[k]`` (relative to source and target), state resized."""
        n = int(pre.size)
        old = self.N
        for nm in [*self.variables, "lastupdate", "delay"]:
            arr = self._arrays.get(nm)
            if arr is None or (nm in self.equations and arr.shape[0] == 1
                               and "shared" in self.equations[nm].flags):
                continue
            grown = np.zeros(n, dtype=arr.dtype)
            if nm == "delay":
                grown[:] = self._delay or 0.0   # new synapses get the Synapses' delay
            grown[:min(old, n)] = arr[:min(old, n)]
            self._arrays[nm] = grown
        for nm, values in (("i", pre), ("j", post)):
            arr = np.array(values, dtype=np.int64)      # (one copy: the caller's may change)
            arr.setflags(write=False)
            self._arrays[nm] = arr
        object.__setattr__(self, "N", n)
        # absolute indices into the parents (the same arrays where there is no offset)
        lo, tlo = self._src_range[0], self._tgt_range[0]
        self._pre_abs = self._arrays["i"] + lo if lo else self._arrays["i"]
        self._post_abs = self._arrays["j"] + tlo if tlo else self._arrays["j"]
        self._order, self._indptr = _rows(self._pre_abs, self._src.N)
        self._pre_sorted = bool(np.all(self._pre_abs[1:] >= self._pre_abs[:-1]))
        self._post_rows = None   # rows by target neuron, made when on_post needs them
        # per synapse: how many synapses leave its source neuron / reach its target neuron
        for nm, index, n in (("N_outgoing", self._pre_abs, self._src.N),
                             ("N_incoming", self._post_abs, self._tgt.N)):
            arr = np.bincount(index, minlength=n)[index].astype(np.int64)
            arr.setflags(write=False)
            self._arrays[nm] = arr

    @property
    def i(self) -> np.ndarray:
        """Presynaptic index of each synapse (relative to the source)."""
        return self._arrays["i"].copy()

    @property
    def j(self) -> np.ndarray:
        """Postsynaptic index of each synapse (relative to the target)."""
        return self._arrays["j"].copy()

    def _maintained(self) -> set[str]:
        return {"i", "j", "lastupdate", "N_incoming", "N_outgoing"}

    def _element_index(self, item, namespaces):
        """``S.w['i > j']`` (synapses where a condition holds) and ``S.w[i, j]`` (the synapses
        from presynaptic ``i`` to postsynaptic ``j``, numbers or arrays), besides NumPy's."""
        if isinstance(item, str):
            expr = parse_expression(item, what="synapse index")
            keep = np.asarray(self._evaluate_pairs(expr, self._arrays["i"], self._arrays["j"],
                                                   namespaces, item), dtype=bool)
            return np.flatnonzero(np.broadcast_to(keep, (self.N,)))
        if isinstance(item, tuple) and len(item) == 2:
            pre, post = (np.atleast_1d(np.arange(n)[x] if isinstance(x, slice) else x)
                         for x, n in zip(item, (self._src_range[1] - self._src_range[0],
                                                self._tgt_range[1] - self._tgt_range[0]),
                                         strict=True))
            mask = np.isin(self._arrays["i"], pre) & np.isin(self._arrays["j"], post)
            return np.flatnonzero(mask)
        return item

    def connect(self, condition: str | bool | None = None, i=None, j=None, p=1.0, n=1,
                skip_if_invalid: bool = False, namespace: dict | None = None,
                level: int = 0) -> None:
        """Add synapses, with Brian2's forms: all pairs (no arguments); pairs where
        ``condition`` holds, each with probability ``p`` (a number, or a string of ``i``, ``j``,
        pre/post variables); listed pairs (``i=``, ``j=`` arrays); a generator
        (``j='k for k in range(i-3, i+4) if k >= 0'``, ``sample(N, p=...)``,
        ``sample(N, size=...)``, the shorthand ``j='i + 1'``; also ``i='...'`` over targets).
        ``n`` (a number or a string) synapses per pair; ``skip_if_invalid`` leaves out computed
        indices outside the group instead of raising. See ``lifdsl/core/connect.py``."""
        from lifdsl.core.connect import new_synapses

        ns_scope = ([namespace] if namespace else []) + caller_scope(level)
        pre, post = new_synapses(self, condition, i, j, p, n, skip_if_invalid, ns_scope)
        self._set_connections(np.concatenate([self._arrays["i"], pre]),
                              np.concatenate([self._arrays["j"], post]))
        self._blocks = None

    def _evaluate_pairs(self, expr, pre, post, namespaces, line, extra=None):
        """The value of ``expr`` for candidate pairs (names: i, j, _pre and _post variables,
        bare target variables, constants; ``extra`` maps further names, such as a generator's
        loop variable, to one value per pair and takes precedence)."""
        ids, funcs = names_in(expr)
        extra = extra or {}
        res = self._resolve(set(ids) - set(extra), set(funcs), namespaces, "connect", line)
        part = P.Part()
        saved = self.N
        pre_abs, post_abs = pre + self._src_range[0], post + self._tgt_range[0]
        part.buffers["_c._pre"] = P.Buffer(pre)
        part.buffers["_c._post"] = P.Buffer(post)
        part.buffers["_c._pre_abs"] = P.Buffer(pre_abs)
        part.buffers["_c._post_abs"] = P.Buffer(post_abs)
        arrays = []
        for nm in sorted(ids):
            if nm in extra:
                part.buffers[f"_c._x_{nm}"] = P.Buffer(np.asarray(extra[nm]))
                arrays.append((nm, P.Ref(f"_c._x_{nm}")))
            elif nm == "i":
                arrays.append((nm, P.Ref("_c._pre")))
            elif nm == "j":
                arrays.append((nm, P.Ref("_c._post")))
            else:
                ref = self._side_ref(nm, "_src", "_tgt", part, index=("_c._pre_abs",
                                                                      "_c._post_abs"))
                if ref is not None:
                    arrays.append((nm, ref))
                elif nm in self._arrays:
                    raise EquationError(f"{nm!r} is a synaptic variable: a connect condition "
                                        f"cannot read it (the synapse does not exist yet)",
                                        what="connect", lineno=1, line=line)
        scalars = [(nm, f"_c.{nm}") for nm in sorted(res.constants)]
        part.scalars.update({f"_c.{nm}": v for nm, v in res.constants.items()})
        functions = [(nm, f"_c.{nm}") for nm in sorted(res.functions)]
        part.functions.update({f"_c.{nm}": f for nm, f in res.functions.items()})
        part.ints["_c._N"] = saved
        code = P.Code((Assign("_value", expr),), tuple(arrays), tuple(scalars),
                      tuple(functions), self.dtype.name, "_c._N", None, None)
        b = P.Bindings(arrays={k: v.array for k, v in part.buffers.items()},
                       scalars=part.scalars, ints=part.ints, functions=part.functions,
                       dt=self._dt_now, rng=get_rng())
        return evaluate(code, b, slice(None), int(pre.size), self._t_now)

    # -- names ------------------------------------------------------------------------------------
    def _side_ref(self, name: str, skey: str, tkey: str, part: P.Part,
                  index: tuple[str, str] | None = None) -> P.Ref | None:
        """``x_pre``/``x_post``/bare target name -> a reference through the synapse's pre or
        post index (registering the buffers), or None if ``name`` is none of those."""
        pre_index, post_index = index or (f"{self._key}._pre_abs", f"{self._key}._post_abs")
        for suffix, group, gkey, idx in (("_pre", self._src, skey, pre_index),
                                         ("_post", self._tgt, tkey, post_index)):
            if name.endswith(suffix) and name[:-len(suffix)] in group._arrays:
                base = name[:-len(suffix)]
                return self._register(group, gkey, base, idx, part)
        if name not in self._arrays and name not in self.equations.subexpr_names \
                and name in self._tgt._arrays and name not in ("i", "N"):
            return self._register(self._tgt, tkey, name, post_index, part)
        return None

    @staticmethod
    def _register(group: Group, gkey: str, base: str, index: str, part: P.Part) -> P.Ref:
        key = P.key_of(gkey, base, internal=base in group._maintained())
        part.buffers[key] = P.Buffer(group._arrays[base])
        return P.Ref(key, index=index)

    def _side_names(self) -> set[str]:
        names = {f"{n}_pre" for n in self._src._arrays} | {f"{n}_post" for n in self._tgt._arrays}
        return names | (set(self._tgt._arrays) - {"N"})

    def _model_names(self) -> set[str]:
        return super()._model_names() | self._side_names() | {"j"}

    def _code(self, statements, resolved: Resolved, key: str, part: P.Part, *,
              size: int | None = None, offset: int | None = None,
              extra: dict[str, float] | None = None, const_key: str | None = None) -> P.Code:
        """Synaptic code: own names at the synapse, ``_pre``/``_post`` ones through the
        synapse's indices (``i`` and ``j`` are arrays here, not the element's index)."""
        code = super()._code(statements, resolved, key, part, size=size, offset=None,
                             extra=extra, const_key=const_key)
        used: set[str] = set()
        for st in statements:
            used |= set(names_in(st.expr)[0]) | {st.target}
        arrays = dict(code.arrays)
        skey, tkey = self._keys
        part.buffers[f"{key}._pre_abs"] = P.Buffer(self._pre_abs)
        part.buffers[f"{key}._post_abs"] = P.Buffer(self._post_abs)
        for nm in sorted(used - set(arrays)):
            ref = self._side_ref(nm, skey, tkey, part,
                                 index=(f"{key}._pre_abs", f"{key}._post_abs"))
            if ref is not None:
                arrays[nm] = ref
        for nm in ("i", "j"):
            if nm in used:
                bkey = P.key_of(key, nm, internal=True)
                arrays[nm] = P.Ref(bkey)
                part.buffers[bkey] = P.Buffer(self._arrays[nm])
        return P.Code(code.statements, tuple(sorted(arrays.items())), code.scalars,
                      code.functions, code.dtype, code.size, None, None)

    # -- pathway code ------------------------------------------------------------------------------
    def _parse_summed(self) -> list[tuple[str, str, Any]]:
        """(target variable, synaptic name, expression) of each ``(summed)`` line."""
        out = []
        for line in self.equations.lines:
            if line.kind != "subexpr" or "summed" not in line.flags:
                continue
            base = line.name[:-5] if line.name.endswith("_post") else None
            if base is None or base not in self._tgt.equations.param_names \
                    or "shared" in self._tgt.equations[base].flags:
                raise EquationError(
                    f"a summed variable is written 'x_post = ... : unit (summed)' where x is a "
                    f"per-neuron parameter of the target {self._tgt.name!r} (declared 'x : "
                    f"unit')", what="equations", lineno=line.lineno, line=line.source)
            owners = self._tgt.__dict__.setdefault("_summed_into", {})
            other = owners.get(base)
            if other is not None and other() is not None:
                raise EquationError(
                    f"{base!r} of {self._tgt.name!r} is already summed into by "
                    f"{other().name!r}; two Synapses cannot sum into one variable (sum into "
                    f"two variables and add them in the target's equations)",
                    what="equations", lineno=line.lineno, line=line.source)
            import weakref

            owners[base] = weakref.ref(self)
            out.append((base, line.name, self.equations.substituted(line.expr)))
        return out

    def _parse_pathway(self, text: str, what: str) -> list:
        if not isinstance(text, str):
            raise TypeError(f"{what} must be statements as a string, got {text!r}")
        stmts = parse_statements(text, what=what)
        for st in stmts:
            ok = (st.target in self.variables and st.target not in self._shared_names())
            side = st.target in self._side_names() and st.target not in self._arrays
            if not (ok or side):
                raise EquationError(
                    f"{st.target!r} is neither a synaptic variable nor a variable of the "
                    f"target (x_post) or source (x_pre); synaptic variables: "
                    f"{', '.join(self.variables) or 'none'}", what=what,
                    lineno=st.lineno, line=st.source, column=max(st.source.find(st.target), 0))
        return stmts

    def _texts(self) -> list[tuple[str, str | None]]:
        return [("on_pre", self._pre_text), ("on_post", self._post_text)]

    def _discretized(self, names: list[str], method: str) -> list[Assign]:
        from lifdsl.methods import DiscretizationError, discretize

        odes = {n: rhs for n, rhs in self.equations.odes().items() if n in names}
        if method == "auto":
            try:
                upd = discretize(odes, "exact")
            except DiscretizationError:
                upd = discretize(odes, "euler")
        else:
            upd = discretize(odes, method)
        return list(upd.statements) + [Assign(v, symbol(f"{v}_new")) for v in names]

    def _event_update(self) -> list[Assign]:
        """Event-driven variables brought from ``lastupdate`` to ``t`` (their exact solution
        over the time since the last event)."""
        if not self._event_driven:
            return []
        from lifdsl.methods import DiscretizationError

        try:
            stmts = self._discretized(self._event_driven, "exact")
        except DiscretizationError as err:
            line = self.equations[self._event_driven[0]]
            raise EquationError(f"event-driven equations must be linear ({err}); use "
                                f"(clock-driven) instead", what="equations",
                                lineno=line.lineno, line=line.source) from None
        since = symbol("t") - symbol("lastupdate")
        return [Assign(st.target, st.expr.xreplace({symbol("dt"): since}), st.op)
                for st in stmts]

    def _pathway_block(self, code: list) -> list[Assign]:
        side = self._side_names() - set(self._arrays)
        out = list(self._event_update())
        for st in code:
            a = st.as_statement() if st.target in side else st.as_assign()
            out.append(Assign(a.target, self.equations.substituted(a.expr), a.op))
        if self._event_driven:
            out.append(Assign("lastupdate", symbol("t")))
        return out

    def _abstract(self) -> dict[str, list[Assign]]:
        if self._blocks is not None:
            return self._blocks
        blocks: dict[str, list[Assign]] = {}
        if self._clock_driven:
            blocks["state_updater"] = self._discretized(self._clock_driven, self._method)
        if self._pre_code:
            blocks["pre"] = self._pathway_block(self._pre_code)
        if self._post_code:
            blocks["post"] = self._pathway_block(self._post_code)
        for k, (base, name, expr) in enumerate(self._summed):
            blocks[f"summed_zero_{k}"] = [Assign(base, sp.S.Zero)]
            blocks[f"summed_add_{k}"] = [Assign(name, expr, "+=")]
        self._blocks = blocks
        return blocks

    # -- a run ------------------------------------------------------------------------------------
    def _dependencies(self):
        return [self._src, self._tgt]

    def _runners(self) -> list[Runner]:
        # (the pusher has an operation only when a delay needs a ring of past spikes)
        out = [r for r in (self.state_updater, self.pre, self.post) if r is not None]
        if self.pre is not None:
            out.append(self._pusher)
        return out + [r for pair in self._sum_runners for r in pair]

    def _delay_steps(self, dt: float) -> np.ndarray:
        """Each synapse's delay in steps, ``int(d/dt + 0.5)`` as Brian2 rounds it."""
        d = np.asarray(self._arrays["delay"], dtype=float)
        if d.size and not (np.all(np.isfinite(d)) and np.all(d >= 0)):
            raise ValueError(f"{self.name!r}: delays must be non-negative, finite times")
        return (d / dt + 0.5).astype(np.int64)

    def _prepare(self, ctx: RunContext) -> None:
        self._resolved = self._resolve_blocks(self._abstract(), ctx.namespaces,
                                              self._model_names())
        steps = self._delay_steps(ctx.dt)
        self._max_delay = int(steps.max()) if steps.size else 0
        self._one_delay = steps.size == 0 or bool(np.all(steps == steps[0]))
        depth, stride = self._max_delay + 1, self._src.N
        self._lay_out_ring(ctx.step0, depth if self._max_delay else 0)
        if not self._one_delay:
            # one block of CSR rows per delay: synapses by (delay, presynaptic neuron)
            self._order_delay, self._indptr_delay = _rows(steps * stride + self._pre_abs,
                                                          depth * stride)

    def _part(self, key: str, keys) -> P.Part:
        blocks = self._abstract()
        part = P.Part()
        self._key = key
        self._keys = (keys(self._src), keys(self._tgt))
        count = f"{key}._N"
        part.ints[count] = self.N
        if self.state_updater is not None:
            part.operations[self.state_updater] = P.Update(
                self._code(blocks["state_updater"], self._resolved, key, part), count)
        if self.pre is not None:
            skey = keys(self._src)
            code = self._code(blocks["pre"], self._resolved, key, part)
            part.buffers[f"{key}._indptr"] = P.Buffer(self._indptr)
            # synapses made in order of their source (connect(p=...), conditions) need no
            # order array: one indirection less per event
            order = None
            if not self._pre_sorted:
                order = f"{key}._order"
                part.buffers[order] = P.Buffer(self._order)
            d = self._max_delay
            if d:
                part.buffers[f"{key}._ring"] = P.Buffer(self._ring)
                part.buffers[f"{key}._ring_n"] = P.Buffer(self._ring_n)
                part.ints.update({f"{key}._delay": d, f"{key}._depth": d + 1,
                                  f"{key}._stride": self._src.N})
                part.operations[self._pusher] = P.PushSpikes(
                    f"{skey}._spikes", f"{skey}._nspikes", f"{key}._ring", f"{key}._ring_n",
                    f"{key}._depth", f"{key}._stride")
            if d and not self._one_delay:
                part.buffers[f"{key}._indptr_d"] = P.Buffer(self._indptr_delay)
                part.buffers[f"{key}._order_d"] = P.Buffer(self._order_delay)
                part.operations[self.pre] = P.Propagate(
                    code, f"{key}._ring", f"{key}._ring_n", f"{key}._indptr_d",
                    f"{key}._order_d", True, None, f"{key}._depth", f"{key}._stride", True)
            elif d:
                part.operations[self.pre] = P.Propagate(
                    code, f"{key}._ring", f"{key}._ring_n", f"{key}._indptr", order,
                    True, f"{key}._delay", f"{key}._depth", f"{key}._stride")
            else:
                part.operations[self.pre] = P.Propagate(
                    code, f"{skey}._spikes", f"{skey}._nspikes", f"{key}._indptr", order)
        if self.post is not None:
            tkey = keys(self._tgt)
            code = self._code(blocks["post"], self._resolved, key, part)
            if self._post_rows is None:
                self._post_rows = _rows(self._post_abs, self._tgt.N)
            part.buffers[f"{key}._indptr_post"] = P.Buffer(self._post_rows[1])
            part.buffers[f"{key}._order_post"] = P.Buffer(self._post_rows[0])
            part.operations[self.post] = P.Propagate(
                code, f"{tkey}._spikes", f"{tkey}._nspikes", f"{key}._indptr_post",
                f"{key}._order_post")
        for k, (base, _, _) in enumerate(self._summed):
            zero, add = self._sum_runners[k]
            tkey = keys(self._tgt)
            lo, hi = self._tgt_range
            rng_key = f"{key}._sum_range"
            part.buffers[rng_key] = P.Buffer(np.arange(lo, hi, dtype=np.int64))
            part.ints[f"{key}._sum_n"] = hi - lo
            ref = self._register(self._tgt, tkey, base, rng_key, part)
            part.operations[zero] = P.Update(
                P.Code(tuple(blocks[f"summed_zero_{k}"]), ((base, ref),), (), (),
                       self.dtype.name, f"{key}._sum_n", None, None), f"{key}._sum_n")
            part.operations[add] = P.Update(
                self._code(blocks[f"summed_add_{k}"], self._resolved, key, part), count)
        return part

    # -- spikes in flight -------------------------------------------------------------------------
    def _in_flight(self) -> list[np.ndarray]:
        """The spikes in flight: entry ``a - 1`` lists the source neurons (of the source's
        parent) that spiked ``a`` steps before the step the ring stands at, for every age the
        ring can still deliver (its shape is not part of this: it follows the delays)."""
        if self._restored is not None:
            return [a.copy() for a in self._restored]
        if self._ring is None:
            return []
        depth, stride = self._ring_n.size, self._src.N
        out = []
        for age in range(1, depth):   # (age 0's row is this step's: pushed before it is read)
            row = (self._ring_step - age) % depth
            out.append(self._ring[row * stride:row * stride + int(self._ring_n[row])].copy())
        return out

    def _lay_out_ring(self, step: int, depth: int) -> None:
        """A ring of ``depth`` rows (none for 0) for a run from ``step``, holding the spikes in
        flight by age (rows are ``step % depth``): a longer delay keeps them all, a shorter one
        those it can still deliver."""
        flight = self._in_flight()
        self._restored = None
        self._ring_step = step
        if not depth:
            self._ring = self._ring_n = None
            return
        stride = self._src.N
        self._ring = np.zeros(depth * stride, np.int64)
        self._ring_n = np.zeros(depth, np.int64)
        for age, spikes in enumerate(flight[:depth - 1], start=1):
            row = (step - age) % depth
            self._ring[row * stride:row * stride + spikes.size] = spikes
            self._ring_n[row] = spikes.size

    def _finish(self, steps_done: int) -> None:
        super()._finish(steps_done)
        if self.active:   # (an inactive Synapses pushes no spikes: those in flight wait)
            self._ring_step += steps_done

    # -- store / restore -------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        """Synaptic variables, the connectivity (compared, never restored) and the spikes in
        flight, by age (what the ring of past spikes of delayed pathways holds)."""
        from lifdsl.core.state import Parts, Setting  # (store/restore: see core/state.py)

        state = super()._get_state()
        arrays = state["arrays"]
        pre, post = arrays.pop("i"), arrays.pop("j")
        arrays.pop("N_incoming"), arrays.pop("N_outgoing")   # (follow from the connections)
        state["connections"] = Setting(np.stack([pre, post]) if pre.size
                                       else np.zeros((2, 0), np.int64))
        state["queue"] = {"in_flight": Parts(self._in_flight(), np.int64, below=self._src.N)}
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state({"arrays": state["arrays"]})
        queue = state.get("queue")
        if queue is not None:   # (laid out into a ring for the delays of the next run)
            self._restored = [np.array(a, np.int64) for a in queue["in_flight"]]

    def __len__(self) -> int:
        return self.N

    def __repr__(self) -> str:
        return (f"<Synapses {self.name!r}: {self._src.name} -> {self._tgt.name}, "
                f"{self.N} synapses>")

