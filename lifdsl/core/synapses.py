"""Synapses: connections from a source group to a target group, with per-synapse state and
code run for every spike of the source (``on_pre``) or of the target (``on_post``), Brian2's
names and semantics.

Built so far: per-synapse parameters and ``(shared)`` ones, clock-driven synaptic equations,
``(event-driven)`` ones (linear; brought up to date from ``lastupdate`` at every event of
every pathway, as Brian2 does), ``(summed)`` variables (``I_post = g : 1 (summed)``: the
target variable is zeroed and summed every step before the target's update), pathways
(:class:`SynapticPathway`: ``on_pre``/``on_post`` as a string, the pathways ``pre`` and
``post``, or a dict of named pathways; statements on synaptic, ``_pre`` and ``_post`` names; a
bare non-synaptic name is the postsynaptic one; ``v_post += w`` adds every synapse onto a
repeated target; a pathway runs synapse by synapse, in delivery order, on both targets;
pathways run by their ``order``, ``pre`` ones before ``post`` ones), delays of every pathway
(one for all, or per synapse: a ring of past spike lists of the spiking group, nothing pushed
per synapse; per-synapse delays read the ring through one block of rows per delay; the spikes
in flight are stored by age), ``connect()`` with all of Brian2's forms
(``lifdsl/core/connect.py``); subgroups as source and target; monitors of synaptic variables
and expressions.

Memory per synapse: ``i`` and ``j`` (int32 where the groups are smaller than 2**31), the
synapse's own variables, and a delay only where a pathway's delays differ between synapses;
``N_incoming``/``N_outgoing`` are computed when code or a user reads them, and the CSR order
of a pathway is kept only where synapses were not made in the order of their spiking neuron.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from lifdsl.codegen import program as P
from lifdsl.codegen.targets import evaluate
from lifdsl.core.base import RunContext, Runner, caller_scope
from lifdsl.core.clock import defaultclock
from lifdsl.core.connect import index_dtype
from lifdsl.core.group import Group, Resolved, VariableView, names_in
from lifdsl.core.neurongroup import NeuronGroup, Subgroup
from lifdsl.core.random import get_rng
from lifdsl.equations import EquationError, Equations, parse_expression, parse_statements
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign
from lifdsl.units.check import check_synapses

logger = logging.getLogger("lifdsl")

#: the flags a Synapses model accepts (by kind of line)
SYNAPSE_FLAGS = {"diff": ("clock-driven", "event-driven"),
                 "subexpr": ("constant over dt", "summed"),
                 "param": ("constant", "shared", "linked")}

#: per-synapse values lifdsl computes when they are read (never stored with the synapses)
COUNTS = ("N_incoming", "N_outgoing")

__all__ = ["Synapses", "SynapticPathway"]


def _group_parts(obj, what: str) -> tuple[NeuronGroup, int, int]:
    if isinstance(obj, Subgroup):
        return obj.parent, obj.start, obj.stop
    if isinstance(obj, NeuronGroup):
        return obj, 0, obj.N
    raise TypeError(f"the {what} of Synapses must be a NeuronGroup or a subgroup of one, "
                    f"got {obj!r}")


def _rows(index: np.ndarray, n: int) -> tuple[np.ndarray | None, np.ndarray]:
    """(order, indptr): synapse ids grouped by ``index`` (stable), or None where ``index`` is
    in order already (connect(p=...), conditions, generators: no order array is kept), and
    each group's start."""
    if index.size < 2 or bool(np.all(index[1:] >= index[:-1])):
        # (in order: each row starts where its neuron's first synapse is; bincount would
        # make an int64 copy of an int32 index)
        needles = np.arange(n + 1, dtype=index.dtype if n < np.iinfo(index.dtype).max
                            else np.int64)
        starts = np.searchsorted(index, needles, side="left")
        return None, starts.astype(np.int64, copy=False)
    order = np.argsort(index, kind="stable").astype(index_dtype(index.size), copy=False)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(index, minlength=n), out=indptr[1:])
    return order, indptr


def _delay_value(value, what: str) -> float:
    """A delay given to Synapses(delay=...): one non-negative finite time in seconds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (int, float, np.integer, np.floating)) and not (
            isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf"):
        raise TypeError(f"{what} must be a time in seconds (one number for all synapses; set "
                        f"per-synapse delays with S.delay = ... after connect), got {value!r}")
    d = float(np.asarray(value).reshape(-1)[0])
    if not (d >= 0 and np.isfinite(d)):
        raise ValueError(f"{what} must be a non-negative finite time, got {value!r}")
    return d


class _DelayView(VariableView):
    """``S.delay`` / ``S.<pathway>.delay``: the delay of every synapse (seconds), assignable
    like a variable (numbers, arrays, strings, Synapses' indices), though a pathway stores one
    number while its delays do not differ."""

    def __new__(cls, pathway: SynapticPathway):
        obj = VariableView.__new__(cls, pathway._values(), pathway.synapses, "delay")
        obj._pathway = pathway
        return obj

    def __array_finalize__(self, obj) -> None:
        self._group = None
        self._pathway = None

    def __setitem__(self, item, value) -> None:
        p = getattr(self, "_pathway", None)
        if p is None:
            np.ndarray.__setitem__(self.view(np.ndarray), item, value)
            return
        scope = caller_scope(0)
        item = p.synapses._element_index(item, scope if isinstance(item, str) else [])
        p._set_delay(item, value, scope)


class _SpikePusher(Runner):
    """Puts the spikes of each step of a pathway's spiking group into the pathway's ring, just
    before the pathway in the schedule (its ``when`` and ``order``, whatever they are set to)."""

    def __init__(self, pathway: SynapticPathway) -> None:   # (no Runner.__init__: no own place)
        self.owner = pathway.synapses
        self.kind = f"spike_pusher_{pathway.name}"
        self.pathway = pathway
        self._rank = pathway._rank - 0.5

    def _tie(self) -> str:
        return self.pathway._tie()

    @property
    def _when(self) -> str:
        return self.pathway.when

    @property
    def when(self) -> str:
        """The pathway's slot."""
        return self.pathway.when

    @property
    def order(self) -> int:
        """The pathway's order."""
        return self.pathway.order


class SynapticPathway(Runner):
    """One pathway of a :class:`Synapses`: statements run for every spike of the source
    (``prepost`` 'pre') or of the target ('post') at each of its synapses, ``delay`` after the
    spike. ``S.pre``, ``S.post`` and ``S.<name>`` of a dict of pathways; ``delay`` reads and sets
    this pathway's delays per synapse, ``order`` (and ``when``) its place in the schedule."""

    def __init__(self, synapses: Synapses, name: str, prepost: str, code: str, what: str,
                 delay: float | None) -> None:
        super().__init__(synapses, f"{name}_pathway", "synapses", -1 if prepost == "pre" else 1)
        self.name = name
        self.prepost = prepost
        self.code = code
        #: the event of the spiking group that triggers the pathway (Synapses' on_event)
        self.event = "spike"
        self._what = what
        self._statements = synapses._parse_pathway(code, what)
        #: the delay of synapses made from now on (the one given to Synapses, else 0)
        self._default = 0.0 if delay is None else delay
        #: one delay for every synapse (a float) or one per synapse (a float64 array)
        self._delay: float | np.ndarray = self._default
        self._pusher = _SpikePusher(self)
        # the ring of past spikes of delayed pathways, laid out per run (see _lay_out_ring)
        self._ring: np.ndarray | None = None
        self._ring_n: np.ndarray | None = None
        self._ring_step = 0      # the ring holds the spikes of the steps before this one
        self._restored: list[np.ndarray] | None = None   # spikes in flight set by restore()
        self._max_delay = 0
        self._one_delay = True
        self._rows_delay: tuple[np.ndarray | None, np.ndarray] | None = None

    @property
    def synapses(self) -> Synapses:
        """The Synapses this pathway belongs to."""
        return self.owner

    @property
    def group(self) -> NeuronGroup:
        """The group whose spikes this pathway delivers (the source's or target's parent)."""
        syn = self.synapses
        return syn._src if self.prepost == "pre" else syn._tgt

    # -- delays -----------------------------------------------------------------------------------
    @property
    def delay(self) -> np.ndarray:
        """The delay of each synapse in seconds (assign a number, an array or a string)."""
        return _DelayView(self)

    @delay.setter
    def delay(self, value) -> None:
        self._set_delay(slice(None), value, caller_scope(0, past="__setattr__"))

    def _values(self) -> np.ndarray:
        """Every synapse's delay (the stored array, or one made from the single value)."""
        if isinstance(self._delay, np.ndarray):
            return self._delay
        return np.full(self.synapses.N, self._delay)

    def _set_delay(self, idx, value, namespaces) -> None:
        syn = self.synapses
        n = syn.N
        if isinstance(value, str):
            pos = np.atleast_1d(np.arange(n)[idx])
            values = np.asarray(syn._evaluate_string(value, pos, pos.size, namespaces,
                                                     "delay"), dtype=float)
            idx = pos
        else:
            if value is None or isinstance(value, (complex, np.complexfloating, str)):
                raise TypeError(f"a delay takes real numbers or a string, got {value!r}")
            values = np.asarray(value)
            if values.dtype.kind not in "biuf":
                raise TypeError(f"a delay takes real numbers or a string, got an array of "
                                f"{values.dtype}")
            values = values.astype(float)
        whole = isinstance(idx, slice) and idx == slice(None)
        if whole and values.size == 1:
            self._delay = float(values.reshape(-1)[0])
            return
        arr = self._values().copy() if not isinstance(self._delay, np.ndarray) else self._delay
        target = arr[idx]
        if values.ndim > 0 and values.size != 1 and values.size != np.size(target):
            raise ValueError(f"cannot set the delay of {np.size(target)} synapse(s) from an "
                             f"array of shape {values.shape}")
        arr[idx] = values.reshape(np.shape(target)) if values.size == np.size(target) \
            else values
        self._delay = arr
        self._compact()

    def _compact(self) -> None:
        """One number instead of an array where every synapse has the same delay."""
        d = self._delay
        if isinstance(d, np.ndarray) and (d.size == 0 or bool(np.all(d == d[0]))):
            self._delay = float(d[0]) if d.size else self._default

    def _grow(self, old: int, n: int) -> None:
        """Synapses ``old .. n - 1`` were made: they get the default delay."""
        d = self._delay
        if isinstance(d, np.ndarray):
            grown = np.full(n, self._default)
            grown[:old] = d[:old]
            self._delay = grown
        elif old == 0 or d == self._default:
            self._delay = self._default
        else:
            grown = np.full(n, self._default)
            grown[:old] = d
            self._delay = grown

    def _steps(self, dt: float) -> int | np.ndarray:
        """Each synapse's delay in steps, ``int(d/dt + 0.5)`` as Brian2 rounds it (one number
        where every synapse has the same delay)."""
        d = self._delay
        finite = np.all(np.isfinite(d)) and np.all(np.asarray(d) >= 0)
        if not finite:
            raise ValueError(f"{self.synapses.name!r}: delays of the pathway {self.name!r} must "
                             f"be non-negative, finite times")
        if isinstance(d, np.ndarray):
            return (d / dt + 0.5).astype(np.int64)
        return int(d / dt + 0.5)

    # -- spikes in flight --------------------------------------------------------------------------
    def _in_flight(self) -> list[np.ndarray]:
        """The spikes in flight: entry ``a - 1`` lists the neurons (of the spiking group's
        parent) that spiked ``a`` steps before the step the ring stands at, for every age the
        ring can still deliver (its shape is not part of this: it follows the delays)."""
        if self._restored is not None:
            return [a.copy() for a in self._restored]
        if self._ring is None:
            return []
        depth, stride = self._ring_n.size, self.group.N
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
        stride = self.group.N
        self._ring = np.zeros(depth * stride, np.int64)
        self._ring_n = np.zeros(depth, np.int64)
        for age, spikes in enumerate(flight[:depth - 1], start=1):
            row = (step - age) % depth
            self._ring[row * stride:row * stride + spikes.size] = spikes
            self._ring_n[row] = spikes.size

    def _prepare(self, ctx: RunContext, index: np.ndarray) -> None:
        """This run's delays in steps, the ring they need, and for per-synapse delays the CSR
        rows by (delay, spiking neuron)."""
        steps = self._steps(ctx.dt)
        self._rows_delay = None
        if isinstance(steps, np.ndarray):
            self._max_delay = int(steps.max()) if steps.size else 0
            self._one_delay = steps.size == 0 or bool(np.all(steps == steps[0]))
        else:
            self._max_delay, self._one_delay = steps, True
        depth, stride = self._max_delay + 1, self.group.N
        self._lay_out_ring(ctx.step0, depth if self._max_delay else 0)
        if not self._one_delay:
            # one block of CSR rows per delay: synapses by (delay, spiking neuron)
            self._rows_delay = _rows(steps * stride + index, depth * stride)

    def __repr__(self) -> str:
        return (f"<SynapticPathway {self.name!r} ({self.prepost}) of "
                f"{self.synapses.name}: order={self.order}>")


class Synapses(Group):
    """Connections from ``source`` to ``target`` (default: the source itself).

    ``on_pre``/``on_post``: statements run at every spike of the source/target, as a string
    (the pathway ``pre``/``post``) or a dict of pathway names to strings; ``delay``: the delay
    of the ``pre`` pathway (one number for all synapses) or a dict of pathway names to delays.
    A pathway without a delay here has per-synapse delays, 0 until set (``S.delay``,
    ``S.<name>.delay``). ``on_event``: the event of the spiking group that triggers the
    pathways (default ``'spike'``; a custom event of ``NeuronGroup(events=...)``), one name or a
    dict of pathway names to event names."""

    _prefix = "synapses"
    _instance_names = (*Group._instance_names, "source", "target", "state_updater", "pre",
                       "post", "delay")

    def __init__(self, source, target=None, model: str | Equations = "",
                 on_pre: str | Mapping[str, str] | None = None,
                 on_post: str | Mapping[str, str] | None = None,
                 delay: float | Mapping[str, float] | None = None, method: str = "auto",
                 namespace: dict[str, Any] | None = None, dtype: str | None = None,
                 name: str | None = None, method_options: dict[str, Any] | None = None,
                 on_event: str | Mapping[str, str] = "spike",
                 dt: float | None = None, clock: Any = None) -> None:
        src, slo, shi = _group_parts(source, "source")
        tgt, tlo, thi = _group_parts(source if target is None else target, "target")
        dtype = self._check_dtype(dtype)
        eqs = model if isinstance(model, Equations) else Equations(model or "")
        eqs.check_flags(SYNAPSE_FLAGS, "Synapses")
        self._check_names_free(eqs)
        NeuronGroup._check_method(method)
        NeuronGroup._check_method_options(method_options)
        specs = self._pathway_specs(on_pre, on_post, eqs)
        delays = self._delays_given(delay, [nm for nm, *_ in specs])
        events = self._events_given(on_event, specs, src, tgt)
        if clock is not None and dt is None:
            dt = clock.dt
        # (its own clock, the default clock's unless dt= or clock= is given, as Brian2's, runs
        # its clock-driven equations; pathways run on their spiking group's clock and summed
        # variables on the target's: see _runner_clocks)
        super().__init__(0, eqs, namespace, dtype, name, dt)
        self._dt_now = float(dt) if dt is not None else defaultclock.dt   # (its own dt)
        self.source, self.target = source, source if target is None else target
        self._src, self._tgt = src, tgt
        self._src_range, self._tgt_range = (slo, shi), (tlo, thi)
        self._method = method
        self._method_options = dict(method_options or {})
        self._csr: dict[str, tuple[np.ndarray | None, np.ndarray]] = {}
        self._counts: dict[str, np.ndarray] = {}
        self._pathways: list[SynapticPathway] = []
        self._set_connections(np.empty(0, np.int64), np.empty(0, np.int64))
        self._event_driven = [n for n in eqs.diff_names if "event-driven" in eqs[n].flags]
        if self._event_driven:   # (8 bytes a synapse, only where it is needed)
            self._arrays["lastupdate"] = np.zeros(0)
        self._clock_driven = [n for n in eqs.diff_names if n not in self._event_driven]
        self._summed = self._parse_summed()
        self.pre = self.post = None
        for nm, prepost, text, what in specs:
            pathway = SynapticPathway(self, nm, prepost, text, what, delays.get(nm))
            pathway.event = events[nm]
            self._pathways.append(pathway)
            object.__setattr__(self, nm, pathway)
        self.state_updater = (Runner(self, "state_updater", "groups") if self._clock_driven
                              else None)
        # summed variables: zero the target, then add every synapse, before its update
        order = tgt.state_updater.order - 1
        self._sum_runners = [(Runner(self, "summed_zero", "groups", order),
                              Runner(self, "summed_add", "groups", order))
                             for _ in self._summed]
        self._blocks: dict[str, list[Assign]] | None = None
        self._resolved: Resolved | None = None
        self._keys = ("_src", "_tgt")
        self._frozen = True

    # -- pathways ----------------------------------------------------------------------------------
    @staticmethod
    def _events_given(on_event, specs, src, tgt) -> dict[str, str]:
        """The event that triggers each pathway (Brian2's ``on_event``: one name for all, or
        a dict of pathway names to event names, 'spike' for those it leaves out)."""
        names = [nm for nm, *_ in specs]
        if isinstance(on_event, str):
            given = dict.fromkeys(names, on_event)
        elif isinstance(on_event, Mapping):
            unknown = [nm for nm in on_event if nm not in names]
            if unknown:
                raise ValueError(f"on_event names {unknown[0]!r}, which is not a pathway "
                                 f"(pathways: {', '.join(names) or 'none'})")
            given = {nm: on_event.get(nm, "spike") for nm in names}
        else:
            raise TypeError(f"on_event takes an event name or a dict of pathway names to "
                            f"event names, got {on_event!r}")
        for nm, prepost, *_ in specs:
            group, event = (src if prepost == "pre" else tgt), given[nm]
            if not isinstance(event, str):
                raise TypeError(f"on_event: the event of pathway {nm!r} must be a name, got "
                                f"{event!r}")
            if event != "spike" and not group._has_event(event):
                raise group._unknown_event(event)
        return given

    def _pathway_specs(self, on_pre, on_post, eqs: Equations) -> list[tuple[str, str, Any, str]]:
        """(name, 'pre' or 'post', code, what) of every pathway, pre ones first, each kind by
        name (Brian2's order for pathways of one order)."""
        specs: list[tuple[str, str, Any, str]] = []
        for prepost, arg in (("pre", on_pre), ("post", on_post)):
            if arg is None or (isinstance(arg, (str, Mapping)) and not arg):
                continue
            if isinstance(arg, str):
                specs.append((prepost, prepost, arg, f"on_{prepost}"))
                continue
            if not isinstance(arg, Mapping):
                raise TypeError(f"on_{prepost} must be statements as a string, or a dict of "
                                f"pathway names to statements, got {arg!r}")
            for key in arg:
                if not isinstance(key, str):
                    raise TypeError(f"the pathway names of on_{prepost} must be strings, got "
                                    f"{key!r}")
            for key in sorted(arg):
                specs.append((key, prepost, arg[key], f"on_{prepost}[{key!r}]"))
        reserved = ({n for n in dir(type(self)) if not n.startswith("_")}
                    | set(self._instance_names)) - {"pre", "post"}
        model = {line.name for line in eqs.lines}
        seen: set[str] = set()
        for nm, _, _, what in specs:
            if not nm.isidentifier() or nm.startswith("_"):
                raise ValueError(f"{what}: a pathway name must be an identifier not starting "
                                 f"with '_', got {nm!r}")
            if nm in seen:
                raise ValueError(f"{what}: there are two pathways named {nm!r}; pathway names "
                                 f"must differ (on_pre and on_post included)")
            if nm in reserved or nm in model or nm in {"i", "j", "N", "t", "dt", "lastupdate",
                                                       *COUNTS}:
                kind = "a variable" if nm in model else "an attribute"
                raise ValueError(f"{what}: the pathway name {nm!r} is {kind} of Synapses "
                                 f"(S.{nm}); give the pathway another name")
            seen.add(nm)
        return specs

    @staticmethod
    def _delays_given(delay, names: list[str]) -> dict[str, float]:
        """``delay=`` as pathway name -> delay: a number is the ``pre`` pathway's."""
        if delay is None:
            return {}
        if not isinstance(delay, Mapping):
            if "pre" not in names:
                raise ValueError(
                    f"delay={delay!r} is the delay of the pathway 'pre' (on_pre given as a "
                    f"string), and there is none; give a dict of pathway names to delays "
                    f"(pathways: {', '.join(map(repr, names)) or 'none'})")
            return {"pre": _delay_value(delay, "delay")}
        out = {}
        for nm, d in delay.items():
            if nm not in names:
                raise ValueError(f"cannot set the delay of the pathway {nm!r}: there is no such "
                                 f"pathway (pathways: {', '.join(map(repr, names)) or 'none'})")
            out[nm] = _delay_value(d, f"the delay of the pathway {nm!r}")
        return out

    @property
    def delay(self) -> np.ndarray:
        """The delay of each synapse of the ``pre`` pathway in seconds (``S.pre.delay``)."""
        return self._pre_pathway().delay

    @delay.setter
    def delay(self, value) -> None:
        self._pre_pathway()._set_delay(slice(None), value,
                                         caller_scope(0, past="__setattr__"))

    def _pre_pathway(self) -> SynapticPathway:
        pre = self.__dict__.get("pre")
        if not isinstance(pre, SynapticPathway):
            raise AttributeError(
                f"Synapses {self.name!r} has no pathway 'pre' (on_pre given as a string), so "
                f"'delay' means nothing; use S.<pathway>.delay (pathways: "
                f"{', '.join(repr(p.name) for p in self._pathways) or 'none'})")
        return pre

    def __getattr__(self, name: str):
        if name in COUNTS and "_arrays" in self.__dict__:
            return self._read_only_view(name, self._count(name))
        if name == "delay":   # (the property found no 'pre' pathway: say so)
            self._pre_pathway()
        return super().__getattr__(name)

    def __setattr__(self, name: str, value) -> None:
        if self.__dict__.get("_frozen", False) and not name.startswith("_"):
            if isinstance(self.__dict__.get(name), SynapticPathway):
                raise AttributeError(f"{name!r} is a pathway of {self.name!r}; set its delay "
                                     f"(S.{name}.delay = ...) or order, not the pathway")
            if name in COUNTS:
                raise AttributeError(f"{name!r} is maintained by lifdsl and cannot be assigned")
        super().__setattr__(name, value)

    # -- connectivity -----------------------------------------------------------------------------
    def _set_connections(self, pre: np.ndarray, post: np.ndarray) -> None:
        """Synapses ``pre[k] -> post[k]`` (relative to source and target) after the ones there
        are: ``i``/``j`` grown (int32 where the groups allow), state resized, new synapses with
        each pathway's default delay."""
        old = self.N
        n = old + int(pre.size)
        for nm in [*self.variables, "lastupdate"]:
            arr = self._arrays.get(nm)
            if arr is None or (nm in self.equations and arr.shape[0] == 1
                               and "shared" in self.equations[nm].flags):
                continue
            grown = np.zeros(n, dtype=arr.dtype)
            grown[:old] = arr[:old]
            self._arrays[nm] = grown
        for nm, values, group in (("i", pre, self._src), ("j", post, self._tgt)):
            dtype = index_dtype(group.N)
            if old == 0 and values.dtype == dtype and values.flags.c_contiguous and (
                    values.base is None or values.base.nbytes == values.nbytes):
                arr = values       # (connect's new array, kept as it is: no copy)
            else:
                arr = np.empty(n, dtype=dtype)
                if old:
                    arr[:old] = self._arrays[nm][:old]
                arr[old:] = values
            arr.setflags(write=False)
            self._arrays[nm] = arr
        object.__setattr__(self, "N", n)
        for p in self._pathways:
            p._grow(old, n)
        # absolute indices into the parents (the same arrays where there is no offset)
        lo, tlo = self._src_range[0], self._tgt_range[0]
        self._pre_abs = self._arrays["i"] + lo if lo else self._arrays["i"]
        self._post_abs = self._arrays["j"] + tlo if tlo else self._arrays["j"]
        self._csr.clear()      # CSR rows by pre and post neuron, made when a pathway needs them
        self._counts.clear()   # N_incoming/N_outgoing, made when code reads them

    def _rows_of(self, prepost: str) -> tuple[np.ndarray | None, np.ndarray]:
        """(order or None, indptr): the synapses by presynaptic or postsynaptic neuron."""
        hit = self._csr.get(prepost)
        if hit is None:
            index, group = ((self._pre_abs, self._src) if prepost == "pre"
                            else (self._post_abs, self._tgt))
            hit = self._csr[prepost] = _rows(index, group.N)
        return hit

    def _count(self, name: str) -> np.ndarray:
        """Per synapse: how many synapses reach its target neuron (``N_incoming``) or leave its
        source neuron (``N_outgoing``), computed now."""
        index, group = ((self._post_abs, self._tgt) if name == "N_incoming"
                        else (self._pre_abs, self._src))
        return np.bincount(index, minlength=group.N)[index]

    @property
    def i(self) -> np.ndarray:
        """Presynaptic index of each synapse (relative to the source)."""
        return self._read_only_view("i", self._arrays["i"].astype(np.int64))

    @property
    def j(self) -> np.ndarray:
        """Postsynaptic index of each synapse (relative to the target), indexed as the
        synaptic state is: ``S.j[3, :]`` the targets of source neuron 3, as in Brian2."""
        return self._read_only_view("j", self._arrays["j"].astype(np.int64))

    def _read_only_view(self, name: str, values: np.ndarray) -> np.ndarray:
        """Values computed per synapse (a copy), indexed as the state is (``[i, j]``, strings)."""
        values.setflags(write=False)
        return VariableView(values, self, name)

    def _maintained(self) -> set[str]:
        return {"i", "j", "lastupdate", *COUNTS}

    def _element_index(self, item, namespaces, frame=None):
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
        self._set_connections(pre, post)
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
        # (absolute indices: the same arrays where source and target start at 0)
        pre_abs = pre + self._src_range[0] if self._src_range[0] else pre
        post_abs = post + self._tgt_range[0] if self._tgt_range[0] else post
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
                elif nm in self._arrays or nm in COUNTS or nm == "delay":
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

    def _dimension(self, name: str):
        """A synaptic name's dimension, or that of ``x_pre``/``x_post``/a bare target name in
        its group (a StateMonitor of the synapses records those too)."""
        if name in self._arrays or name in self.equations.subexpr_names or \
                name in self.__dict__.get("_links", ()):
            return super()._dimension(name)
        for suffix, group in (("_pre", self._src), ("_post", self._tgt)):
            if name.endswith(suffix) and name[:-len(suffix)] in group._arrays:
                return group._dimension(name[:-len(suffix)])
        return self._tgt._dimension(name) if name in self._tgt._arrays else None

    def _model_names(self) -> set[str]:
        own = set(COUNTS) | ({"delay"} if isinstance(self.__dict__.get("pre"), SynapticPathway)
                             else set())
        return super()._model_names() | self._side_names() | {"j"} | own

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
        for nm in sorted(used & {*COUNTS, "delay"} - set(arrays)):
            if nm == "delay" and not isinstance(self.__dict__.get("pre"), SynapticPathway):
                continue
            if nm == "delay":   # (the pre pathway's delays, one per synapse)
                values = self.pre._values()
            else:
                values = self._counts.get(nm)
                if values is None or values.size != self.N:
                    values = self._counts[nm] = self._count(nm)
            bkey = P.key_of(key, nm, internal=True)
            arrays[nm] = P.Ref(bkey)
            part.buffers[bkey] = P.Buffer(values)
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

            owners[base] = weakref.ref(self)
            out.append((base, line.name, self.equations.substituted(line.expr)))
        return out

    def _parse_pathway(self, text: str, what: str) -> list:
        if not isinstance(text, str):
            raise TypeError(f"{what} must be statements as a string, got {text!r}")
        stmts = parse_statements(text, what=what)
        for st in stmts:
            self._check_not_fixed(st, what)
            ok = (st.target in self.variables and st.target not in self._shared_names())
            side = st.target in self._side_names() and st.target not in self._arrays
            if not (ok or side):
                raise EquationError(
                    f"{st.target!r} is neither a synaptic variable nor a variable of the "
                    f"target (x_post) or source (x_pre); synaptic variables: "
                    f"{', '.join(self.variables) or 'none'}", what=what,
                    lineno=st.lineno, line=st.source, column=max(st.source.find(st.target), 0))
        self._check_reads(stmts, what)
        return stmts

    def _check_not_fixed(self, st, what: str) -> None:
        """A pathway may not write a ``(constant)`` parameter or a subexpression, of the
        synapses or of either group (``c_post``, or a bare ``c`` of the target)."""
        name, owner, base = st.target, "the synapses'", st.target
        eqs = self.equations
        if name not in eqs:
            for suffix, group, side in (("_pre", self._src, "source"),
                                        ("_post", self._tgt, "target")):
                if name.endswith(suffix) and name[:-len(suffix)] in group.equations:
                    eqs, owner, base = group.equations, f"the {side}'s", name[:-len(suffix)]
                    break
            else:
                if name in self._tgt.equations:
                    eqs, owner = self._tgt.equations, "the target's"
        if base not in eqs:
            return
        flags = eqs[base].flags
        problem = None
        if base in eqs.subexpr_names and "summed" not in flags:
            problem = "subexpression (computed, not stored)"
        elif base in eqs.param_names and "constant" in flags:
            problem = "constant parameter (drop the '(constant)' flag if it is meant to change)"
        if problem is not None:
            raise EquationError(f"{name!r} cannot be assigned: {base!r} is one of {owner} "
                                f"variables, a {problem}",
                                what=what, lineno=st.lineno, line=st.source,
                                column=max(st.source.find(name), 0))

    def _cell_of(self, name: str) -> tuple[tuple[int, str], bool] | None:
        """(the buffer a name of pathway code reaches, whether through an index), or None for a
        name that is no array (a constant, ``t``): ``v_post`` and a bare target ``v`` are one
        buffer, and so are ``v_pre`` and ``v_post`` of a group onto itself."""
        for suffix, group in (("_pre", self._src), ("_post", self._tgt)):
            if name.endswith(suffix) and name[:-len(suffix)] in group._arrays:
                return (id(group), name[:-len(suffix)]), True
        if name in self._arrays:
            return (id(self), name), False
        if name not in self.equations.subexpr_names and name in self._tgt._arrays \
                and name not in ("i", "N"):
            return (id(self._tgt), name), True
        return None

    def _check_reads(self, stmts: list, what: str) -> None:
        """Refuse, naming the line, a statement that reads a variable an earlier statement
        of the pathway wrote through ``_pre``/``_post`` (under any of its names): both targets
        refuse such code (see codegen/pathway.py)."""
        side = self._side_names() - set(self._arrays)
        written: dict[tuple[int, str], str] = {}
        for st in stmts:
            a = st.as_statement() if st.target in side else st.as_assign()
            expr = self.equations.substituted(a.expr)
            for nm in sorted(s.name for s in expr.free_symbols):
                cell = self._cell_of(nm)
                if cell is not None and cell[0] in written:
                    other = written[cell[0]]
                    also = "" if other == nm else f" (as {other!r}: the same variable)"
                    raise EquationError(
                        f"{nm!r} is read after an earlier statement of this pathway wrote it "
                        f"through the synapses' index{also}: not supported (every synapse "
                        f"would read a value that depends on the order of delivery); compute "
                        f"what you need into a synaptic variable first, or read it before "
                        f"the write", what=what, lineno=st.lineno, line=st.source,
                        column=max(st.source.find(nm), 0))
            cell = self._cell_of(st.target)
            if cell is not None and cell[1]:
                written.setdefault(cell[0], st.target)

    def _texts(self) -> list[tuple[str, str | None]]:
        return [(p._what, p.code) for p in self.__dict__.get("_pathways", [])]

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
        for p in self._pathways:
            blocks[f"pathway_{p.name}"] = self._pathway_block(p._statements)
        for k, (base, name, expr) in enumerate(self._summed):
            blocks[f"summed_zero_{k}"] = [Assign(base, sp.S.Zero)]
            blocks[f"summed_add_{k}"] = [Assign(name, expr, "+=")]
        self._blocks = self._expand_blocks(blocks)
        return self._blocks

    # -- a run ------------------------------------------------------------------------------------
    def _dependencies(self):
        return [self._src, self._tgt]

    def _runner_clocks(self) -> dict[Runner, Any]:
        out: dict[Runner, Any] = {}
        for p in self._pathways:
            out[p] = out[p._pusher] = p.group
        for pair in self._sum_runners:
            for r in pair:
                out[r] = self._tgt
        return out

    def _runners(self) -> list[Runner]:
        # (a pusher has an operation only when its pathway's delays need a ring)
        out = [self.state_updater] if self.state_updater is not None else []
        for p in self._pathways:
            out += [p, p._pusher]
        return out + [r for pair in self._sum_runners for r in pair]

    # -- linked variables: every synapse reads the one source value ---------------------------
    def _fit_link(self, value):
        return value   # (an index per synapse is made when code reads it: connect() adds more)

    def _check_link_size(self, name: str, value) -> None:
        if value.scalar or (value.size == 1 and value.index is None):
            return
        raise NotImplementedError(
            f"linked variable {name!r} of {self.name!r}: a Synapses links to a shared variable "
            f"or to a variable of a group of one element (every synapse reads that value); "
            f"Brian2 also links per synapse through an index, which lifdsl does not")

    def _code_link(self, name: str):
        link = self._link(name)
        if link.subexpr or link.index is not None:
            return link
        return link.broadcast(self.N)   # (an index for the synapses this program has)

    def _link_values(self, link, scope=()) -> np.ndarray:
        return np.broadcast_to(link.values(scope), (self.N,))

    def _prepare(self, ctx: RunContext) -> None:
        for nm in self._links:   # a (linked) variable needs its link before any run
            self._link(nm)
        self._resolved = self._resolve_blocks(self._abstract(), ctx.namespaces,
                                              self._model_names())
        res = self._resolved
        check_synapses(self.equations, self._src.equations, self._tgt.equations, res.dims,
                       res.functions, [(p._what, p._statements) for p in self._pathways])
        for p in self._pathways:   # (on the clock of the group whose spikes they take)
            p._prepare(ctx.own.get(id(p.group), ctx),
                       self._pre_abs if p.prepost == "pre" else self._post_abs)
        self._done = ctx.done

    def _part_unresolved(self, key: str, keys) -> P.Part:
        # placeholder values for external names, and each pathway laid out as a run from now
        # would be; the pathways' run state (ring, spikes in flight) is left as it was
        blocks = self._abstract()
        saved = self._resolved
        state = ("_ring", "_ring_n", "_ring_step", "_restored", "_max_delay", "_one_delay",
                 "_rows_delay")
        kept = [{nm: getattr(p, nm) for nm in state} for p in self._pathways]
        self._resolved = self._placeholder([st.expr for b in blocks.values() for st in b])
        try:
            for p in self._pathways:
                dt = p.group.dt if p.group.dt is not None else defaultclock.dt
                ctx = RunContext(dt, p._ring_step, 0)
                p._prepare(ctx, self._pre_abs if p.prepost == "pre" else self._post_abs)
            return self._part(key, keys)
        finally:
            self._resolved = saved
            for p, values in zip(self._pathways, kept, strict=True):
                for nm, v in values.items():
                    setattr(p, nm, v)

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
        for p in self._pathways:
            self._pathway_part(p, blocks[f"pathway_{p.name}"], key, keys, part)
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

    def _pathway_part(self, p: SynapticPathway, block, key: str, keys, part: P.Part) -> None:
        """The operations of one pathway: a Propagate over this step's spikes, or with a
        delay a PushSpikes into its ring and a Propagate reading the ring (one row of CSR rows
        per synapse's spiking neuron; with per-synapse delays one block of rows per delay)."""
        code = self._code(block, self._resolved, key, part)
        gkey = keys(p.group)
        d = p._max_delay
        if d and not p._one_delay:
            order, indptr = p._rows_delay
        else:
            order, indptr = self._rows_of(p.prepost)
        # synapses made in order of their spiking neuron (connect(p=...), conditions) need no
        # order array: one indirection less per event
        tag = p.name if (d and not p._one_delay) else p.prepost
        part.buffers[f"{key}._indptr_{tag}"] = P.Buffer(indptr)
        order_key = None
        if order is not None:
            order_key = f"{key}._order_{tag}"
            part.buffers[order_key] = P.Buffer(order)
        spikes, nspikes = p.group._event_keys(gkey, p.event)
        if not d:
            part.operations[p] = P.Propagate(
                code, spikes, nspikes, f"{key}._indptr_{tag}", order_key)
            return
        ring, ring_n = f"{key}._ring_{p.name}", f"{key}._ring_n_{p.name}"
        depth, stride = f"{key}._depth_{p.name}", f"{key}._stride_{p.name}"
        part.buffers[ring] = P.Buffer(p._ring)
        part.buffers[ring_n] = P.Buffer(p._ring_n)
        part.ints.update({f"{key}._delay_{p.name}": d, depth: d + 1, stride: p.group.N})
        part.operations[p._pusher] = P.PushSpikes(spikes, nspikes, ring, ring_n, depth, stride)
        if p._one_delay:
            part.operations[p] = P.Propagate(
                code, ring, ring_n, f"{key}._indptr_{tag}", order_key, True,
                f"{key}._delay_{p.name}", depth, stride)
        else:
            part.operations[p] = P.Propagate(
                code, ring, ring_n, f"{key}._indptr_{tag}", order_key, True, None, depth,
                stride, True)

    def _finish(self, steps_done: int) -> None:
        super()._finish(steps_done)
        if self.active:   # (an inactive Synapses pushes no spikes: those in flight wait)
            done = getattr(self, "_done", {})
            for p in self._pathways:   # (the steps of the group's clock they run on)
                p._ring_step += done.get(id(p.group), steps_done)

    # -- store / restore -------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        """Synaptic variables, the connectivity (compared, never restored), each pathway's
        delays (one value, or one per synapse) and spikes in flight, by age (what the ring of
        past spikes of a delayed pathway holds)."""
        from lifdsl.core.state import Parts, Setting  # (store/restore: see core/state.py)

        state = super()._get_state()
        arrays = state["arrays"]
        pre, post = arrays.pop("i"), arrays.pop("j")
        state["connections"] = Setting(np.stack([pre.astype(np.int64), post.astype(np.int64)])
                                       if pre.size else np.zeros((2, 0), np.int64))
        state["delays"] = {p.name: Parts([np.atleast_1d(np.array(p._delay, dtype=float))],
                                         np.float64, max_rows=max(self.N, 1))
                           for p in self._pathways}
        state["queue"] = {p.name: Parts(p._in_flight(), np.int64, below=p.group.N)
                          for p in self._pathways}
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state({"arrays": state["arrays"]})
        for p in self._pathways:
            parts = state["delays"][p.name]
            values = np.asarray(parts[0], dtype=float) if len(parts) else np.zeros(0)
            p._delay = (float(values[0]) if values.size == 1 else
                        values.copy() if values.size == self.N else p._default)
            p._compact()
            # (laid out into a ring for the delays of the next run)
            p._restored = [np.array(a, np.int64) for a in state["queue"][p.name]]

    def __len__(self) -> int:
        return self.N

    def __repr__(self) -> str:
        return (f"<Synapses {self.name!r}: {self._src.name} -> {self._tgt.name}, "
                f"{self.N} synapses>")
