"""NeuronGroup: a population of identical model neurons, and Subgroup, a contiguous slice.

A group turns its strings into abstract code once (:meth:`NeuronGroup._abstract`), and for each
run into program operations (:meth:`NeuronGroup._part`) that every target runs.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import sympy as sp

from lifdsl.codegen import program as P
from lifdsl.codegen.optimize import affine_rewrite, coefficient_values
from lifdsl.core.base import RunContext, Runner, caller_scope
from lifdsl.core.group import Group, VariableView, calls_in
from lifdsl.core.neuron_strings import (
    check_condition_call,
    check_target,
    parse_code,
    parse_events,
    parse_refractory,
    parse_threshold,
)
from lifdsl.equations import NEURON_FLAGS, EquationError, Equations
from lifdsl.equations.functions import RANDOM_FUNCTIONS, symbol
from lifdsl.equations.statements import Assign
from lifdsl.units import unknown_unit_names
from lifdsl.units.check import check_group, model_dimensions, needs_check

logger = logging.getLogger("lifdsl")

__all__ = ["NeuronGroup", "Subgroup", "VariableView"]


class NeuronGroup(Group):
    """N neurons sharing one model: state variables, threshold, reset, refractoriness."""

    _prefix = "neurongroup"
    _instance_names = (*Group._instance_names, "state_updater", "thresholder", "resetter")

    def __init__(
        self,
        N: int,
        model: str | Equations,
        threshold: str | None = None,
        reset: str | None = None,
        refractory: float | str | bool | None = False,
        method: str = "auto",
        namespace: dict[str, Any] | None = None,
        dt: float | None = None,
        dtype: str | None = None,
        name: str | None = None,
        method_options: dict[str, Any] | None = None,
        events: dict[str, str] | None = None,
    ) -> None:
        if isinstance(N, (bool, np.bool_)) or not isinstance(N, (int, np.integer)) or N < 1:
            raise ValueError(f"N must be a positive integer number of neurons, got {N!r}")
        dtype = self._check_dtype(dtype)
        eqs = model if isinstance(model, Equations) else Equations(model)
        eqs.check_flags(NEURON_FLAGS, "NeuronGroup")
        self._check_names_free(eqs)
        for line in eqs.lines:
            if "linked" in line.flags and len(line.flags) > 1:
                raise EquationError("the 'linked' flag cannot be combined with other flags",
                                    what="equations", lineno=line.lineno, line=line.source,
                                    column=max(line.source.find("linked"), 0))
            bad = unknown_unit_names(line.unit or "")
            if bad:
                raise EquationError(
                    f"unknown unit {bad[0]!r} (units: volt, mV, amp, nA, ohm, siemens, farad, "
                    f"second, ms, hertz, ..., or 1)", what="equations", lineno=line.lineno,
                    line=line.source, column=line.source.rfind(bad[0]))
        booleans = {ln.name for ln in eqs.lines if ln.unit == "boolean"}
        event_conds, event_texts, threshold = parse_events(events, threshold, booleans)
        thr = parse_threshold(threshold, booleans=booleans)
        resets = parse_code(reset, eqs, "reset")
        ref_value, ref_cond = parse_refractory(refractory)
        self._check_method(method)
        self._check_method_options(method_options)
        super().__init__(N, eqs, namespace, dtype, name, dt)
        self._method = method
        self._method_options = dict(method_options or {})
        self._threshold = thr
        self._threshold_text = threshold
        self._resets = resets
        self._reset_text = reset
        self._refractory = ref_value
        self._refractory_text = refractory if isinstance(refractory, str) else None
        self._refractory_cond = ref_cond
        self._has_refractory = ref_value is not None or ref_cond is not None
        if self._has_refractory:
            self._arrays["lastspike"] = np.full(self.N, -np.inf)
            self._arrays["not_refractory"] = np.ones(self.N, dtype=bool)
        from lifdsl.methods import GSL_METHODS

        if method in GSL_METHODS and self._method_options.get("save_step_count"):
            # Brian2's GSL option: the integration steps taken in each dt, which for lifdsl's
            # stand-in (exact or fixed steps) is always one
            steps = np.ones(self.N, dtype=np.int32)
            steps.setflags(write=False)
            self._arrays["_step_count"] = steps
        # this step's spikes: the first _nspikes[0] entries of _spikes (both targets write them)
        self._spike_buffer = np.zeros(self.N, dtype=np.int64)
        self._nspikes = np.zeros(1, dtype=np.int64)
        self.state_updater = Runner(self, "state_updater", "groups")
        self.thresholder = Runner(self, "thresholder", "thresholds") if thr is not None else None
        self.resetter = Runner(self, "resetter", "resets") if resets else None
        self._regular: list[Runner] = []
        # custom events (Brian2's events=): condition, its text, this step's events (as the
        # spike buffer), the runner checking it and the runners of run_on_event
        self._events = event_conds
        self._event_texts = event_texts
        self._event_buffers = {nm: (np.zeros(self.N, dtype=np.int64), np.zeros(1, np.int64))
                               for nm in event_conds}
        self._event_runners = {nm: Runner(self, f"event_{nm}", "after_thresholds")
                               for nm in event_conds}
        self._on_event: dict[str, Runner] = {}
        self._blocks: dict[str, list[Assign]] | None = None
        self._coefficients: dict[str, sp.Basic] = {}
        self._discrete = None
        self._resolved = None
        self._kernel_source: str | None = None
        self._frozen = True

    @staticmethod
    def _check_method(method: str) -> None:
        from lifdsl.methods import GSL_METHODS, METHOD_ALIASES, METHODS

        # (Brian2's GSL names run a fixed-step stand-in, see lifdsl.methods.GSL_METHODS)
        if method != "auto" and method not in METHODS and method not in GSL_METHODS \
                and method not in METHOD_ALIASES:
            raise ValueError(
                f"unknown method {method!r}; known: 'auto', {', '.join(map(repr, METHODS))}"
            )

    @staticmethod
    def _check_method_options(options: object) -> None:
        """Brian2's ``method_options`` (exponential_euler's ``simplify``, GSL's tolerances): a
        mapping is accepted and kept; lifdsl's methods take no options, so none changes a
        number."""
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"method_options must be a dict or None, got {options!r}")
        for key in options or {}:
            if not isinstance(key, str):
                raise TypeError(f"method_options keys must be option names, got {key!r}")

    @property
    def method(self) -> str:
        """The integration method; setting it regenerates the code at the next run."""
        return self._method

    @method.setter
    def method(self, value: str) -> None:
        self._check_method(value)
        self._method = value
        self._blocks = None
        self._discrete = None
        self._kernel_source = None

    def run_regularly(self, code: str, dt: float | None = None, when: str = "start",
                      order: int = 0) -> Runner:
        """Run statements (``'U = beta*U + I'``, several with ``;`` or newlines) for every
        neuron every ``dt`` (default: every step), in slot ``when`` (Brian2's default 'start':
        before the state update and the StateMonitors created after it); returns the runner.

        Discrete-time models (snnTorch's Leaky, Synaptic) are written this way.
        """
        if not isinstance(code, str):
            raise TypeError(f"run_regularly takes statements as a string, got {code!r}")
        stmts = parse_code(code, self.equations, "run_regularly")
        if dt is not None and not float(dt) > 0:
            raise ValueError(f"run_regularly dt must be a positive time, got {dt!r}")
        runner = Runner(self, "regular", when, order)
        runner.statements = stmts
        runner.code = code
        runner.period_dt = None if dt is None else float(dt)
        self._regular.append(runner)
        self._blocks = None
        self._kernel_source = None
        return runner

    @property
    def events(self) -> dict[str, str]:
        """The group's events by name: ``'spike'`` (the threshold) and those of ``events=``."""
        out = {} if self._threshold_text is None else {"spike": self._threshold_text}
        return {**out, **self._event_texts}

    def _has_event(self, event: str) -> bool:
        return (event == "spike" and self.thresholder is not None) or event in self._events

    def _unknown_event(self, event: object) -> ValueError:
        known = ", ".join(map(repr, self.events)) or "none"
        hint = " (the 'spike' event is the threshold: give threshold=)" if event == "spike" \
            else ""
        return ValueError(f"{self.name!r} has no event {event!r}{hint}; its events: {known}")

    def _event_keys(self, key: str, event: str) -> tuple[str, str]:
        """The bindings keys of this step's ``event`` elements and their count."""
        if event == "spike":
            return f"{key}._spikes", f"{key}._nspikes"
        return f"{key}._event_{event}", f"{key}._nevent_{event}"

    def _event_runner(self, event: str) -> Runner:
        """The runner that checks ``event`` (the thresholder for ``'spike'``)."""
        return self.thresholder if event == "spike" else self._event_runners[event]

    def run_on_event(self, event: str, code: str, when: str = "after_resets",
                     order: int = 0) -> Runner:
        """Run statements for the neurons where ``event`` happened this step (Brian2's
        ``run_on_event``; slot ``after_resets`` unless ``when`` says); returns the runner.
        Code for ``'spike'`` is a reset, for a group without one."""
        if not isinstance(event, str) or not self._has_event(event):
            raise self._unknown_event(event)
        if (event == "spike" and self._resets) or event in self._on_event:
            raise ValueError(f"{self.name!r} already runs code on the event {event!r} "
                             f"(one run_on_event per event; a reset is the 'spike' one)")
        if not isinstance(code, str):
            raise TypeError(f"run_on_event takes statements as a string, got {code!r}")
        stmts = parse_code(code, self.equations, "run_on_event")
        runner = Runner(self, "resetter" if event == "spike" else f"on_event_{event}", when,
                        order)
        if event == "spike":
            self._resets, self._reset_text, self.resetter = stmts, code, runner
        else:
            runner.statements, runner.code = stmts, code
            self._on_event[event] = runner
        self._blocks = None
        self._kernel_source = None
        return runner

    def set_event_schedule(self, event: str, when: str = "after_thresholds",
                           order: int = 0) -> None:
        """Move the check of ``event`` to slot ``when`` (Brian2's ``set_event_schedule``)."""
        if not isinstance(event, str) or not self._has_event(event):
            raise self._unknown_event(event)
        runner = self._event_runner(event)
        runner.when = when
        runner.order = order

    # kept for callers that check a statement's target the way the group does
    _check_target = staticmethod(check_target)

    # -- state ------------------------------------------------------------------------------------
    def _maintained(self) -> set[str]:
        return {"i", "lastspike", "not_refractory"}

    def buffers(self) -> dict[str, P.Buffer]:
        """State variables and bookkeeping arrays, and ``_spikes``/``_nspikes``: the neurons
        that spiked in the last step (all persistent)."""
        out = super().buffers()
        out["_spikes"] = P.Buffer(self._spike_buffer)
        out["_nspikes"] = P.Buffer(self._nspikes)
        return out

    @property
    def spikes(self) -> np.ndarray:
        """Indices of the neurons that spiked in the last step."""
        return self._spike_buffer[: int(self._nspikes[0])].copy()

    def _get_state(self) -> dict[str, Any]:
        from lifdsl.core.state import Parts  # (store/restore: see core/state.py)

        state = super()._get_state()
        state["spikes"] = Parts([self.spikes], np.int64, below=self.N, max_rows=self.N)
        if self._events:   # (this step's custom events, as the spikes: a pathway may read them)
            state["events"] = {nm: Parts([ev[:int(n[0])].copy()], np.int64, below=self.N,
                                         max_rows=self.N)
                               for nm, (ev, n) in self._event_buffers.items()}
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        super()._set_state(state)
        parts = list(state["spikes"])
        spikes = np.concatenate(parts) if parts else np.empty(0, np.int64)
        self._spike_buffer[: spikes.size] = spikes
        self._nspikes[0] = spikes.size
        for nm, parts in state.get("events", {}).items():
            ev, n = self._event_buffers[nm]
            events = np.concatenate(list(parts)) if len(parts) else np.empty(0, np.int64)
            ev[:events.size] = events
            n[0] = events.size

    # -- abstract code ----------------------------------------------------------------------------
    def _texts(self) -> list[tuple[str, str | None]]:
        texts = [("threshold", self._threshold_text), ("reset", self._reset_text),
                 ("refractory", self._refractory_text)]
        texts += [(f"event {nm!r}", text) for nm, text in self._event_texts.items()]
        texts += [("run_on_event", r.code) for r in self._on_event.values()]
        return texts + [("run_regularly", r.code) for r in self._regular]

    def _check_names(self, ids: set[str], what: str, line: str | None) -> None:
        for nm in sorted(ids & {"lastspike", "not_refractory", "xi"}):
            hint = ("white noise belongs in differential equations" if nm == "xi"
                    else "it exists only for groups with refractory=")
            raise EquationError(f"{nm!r} is not available here: {hint}", what=what,
                                lineno=1 if line else None, line=line)

    def _abstract(self) -> dict[str, list[Assign]]:
        """The group's abstract code by runner kind (computed once, until the model changes)."""
        if self._blocks is not None:
            return self._blocks
        eqs = self.equations
        arrays = self._array_names()
        blocks: dict[str, list[Assign]] = {}
        stmts: list[Assign] = []
        nr = symbol("not_refractory")
        if self._refractory is not None:
            t, dt, last = symbol("t"), symbol("dt"), symbol("lastspike")
            ref = (symbol("_refractory") if isinstance(self._refractory, float)
                   else eqs.substituted(self._refractory))
            # t - lastspike + dt/2 >= refractory, with the element-independent side apart:
            # one comparison per neuron (the half step keeps it clear of rounding)
            stmts.append(Assign("not_refractory",
                                sp.LessThan(last, t + dt / 2 - ref, evaluate=False)))
        elif self._refractory_cond is not None:
            stmts.append(Assign("not_refractory",
                                sp.Not(eqs.substituted(self._refractory_cond))))
        if eqs.diff_names:
            self._discrete = eqs.discretize(self._method)
            if self._method == "auto":
                logger.info("%s: method 'auto' chose %r", self.name, self._discrete.method)
            stmts.extend(self._discrete.statements)
            for var in eqs.diff_names:
                new = symbol(f"{var}_new")
                if self._has_refractory and "unless refractory" in eqs[var].flags:
                    new = sp.Piecewise((new, nr), (symbol(var), True))
                stmts.append(Assign(var, new))
        else:
            self._discrete = None
        rewrite = affine_rewrite(stmts, eqs.diff_names, arrays, self._run_constants(stmts))
        blocks["state_updater"] = rewrite.statements
        self._coefficients = rewrite.coefficients
        if self._threshold is not None:
            cond = eqs.substituted(self._threshold)
            if self._has_refractory:
                cond = sp.And(cond, nr)
            blocks["thresholder"] = [Assign("_cond", cond)]
        if self._resets:
            blocks["resetter"] = [Assign(a.target, eqs.substituted(a.expr))
                                  for a in (st.as_assign() for st in self._resets)]
        for nm, cond in self._events.items():
            # (custom events are not held back by refractoriness: a condition says
            # not_refractory where it should be, as in Brian2)
            blocks[f"event_{nm}"] = [Assign("_cond", eqs.substituted(cond))]
        for nm, r in self._on_event.items():
            blocks[f"on_event_{nm}"] = [Assign(a.target, eqs.substituted(a.expr))
                                        for a in (st.as_assign() for st in r.statements)]
        for k, r in enumerate(self._regular):
            blocks[f"regular_{k}"] = [Assign(a.target, eqs.substituted(a.expr))
                                      for a in (st.as_assign() for st in r.statements)]
        self._blocks = self._expand_blocks(blocks)
        return self._blocks

    def _run_constants(self, stmts: list[Assign]) -> set[str] | None:
        """Names whose values are fixed for a run (namespace constants, ``dt``): the affine
        rewrite computes coefficients of them alone once per run, in doubles, also for float32
        groups: a coefficient is a Python float that NumPy rounds to float32 where it meets
        float32 state (a weak scalar) and the kernel casts to float, so both targets agree
        (a float32 CUBA step was 2-4x slower than a float64 one without it)."""
        model = self._model_names()
        targets = {st.target for st in stmts}
        names = {s.name for st in stmts for s in st.expr.free_symbols}
        return {nm for nm in names if nm not in model and nm not in targets
                and not nm.startswith("_") and not nm.endswith("_new")} | {"dt"}

    @property
    def discrete_update(self):
        """The discretized state update (SymPy statements; ``str()`` reads as ``U_new = ...``)."""
        self._abstract()
        return self._discrete

    def generated_code(self, target: str = "numpy") -> str:
        """The source that runs: NumPy functions for the update, threshold and reset, or the
        Cython module of the network the group last ran in (of the group alone before)."""
        if target == "cython":
            if self._kernel_source is not None:
                return self._kernel_source
            from lifdsl.core.network import Network

            return Network(self).generated_code("cython")
        if target != "numpy":
            raise ValueError(f"target must be 'numpy' or 'cython', got {target!r}")
        return "\n".join(self._numpy_sources().values())

    def _numpy_sources(self) -> dict[str, str]:
        """The NumPy source of each block, by runner kind."""
        from lifdsl.codegen.targets import numpy_source

        arrays = self._array_names()
        # (the threshold writes its condition into a buffer '_cond' of the run)
        def condition(kind: str) -> bool:
            return kind == "thresholder" or kind.startswith("event_")

        sources = {kind: numpy_source(_BLOCK_NAMES.get(kind, kind), stmts,
                                      arrays | {"_cond"} if condition(kind) else arrays,
                                      full=kind != "resetter" and not kind.startswith("on_"))
                   for kind, stmts in self._abstract().items()}
        if "state_updater" in sources:
            sources["state_updater"] = (self.coefficient_comment("numpy")
                                        + sources["state_updater"])
        return sources

    def coefficient_comment(self, target: str = "numpy") -> str:
        """Comment lines saying what each coefficient ``_coef<n>`` of the update is (computed
        once per run from constants and ``dt``), printed for ``target``; empty without any."""
        if not self._coefficients:
            return ""
        from lifdsl.codegen.targets import expression_source

        lines = [f"# {self.name}: computed once per run, from constants and dt:"]
        lines += [f"#   {nm} = {expression_source(target, expr)}"
                  for nm, expr in self._coefficients.items()]
        return "\n".join(lines) + "\n"

    # -- a run ------------------------------------------------------------------------------------
    def _prepare(self, ctx: RunContext) -> None:
        for nm in self._links:   # a (linked) variable needs its link before any run
            self._link(nm)
        blocks = self._abstract()
        # names read only by the affine update's coefficients are resolved with the rest
        coefs = [Assign(nm, expr) for nm, expr in self._coefficients.items()]
        resolved = self._resolve_blocks({**blocks, "coefficients": coefs}, ctx.namespaces,
                                        set(self._arrays))
        if isinstance(self._refractory, float):
            resolved.constants["_refractory"] = self._refractory
        # the affine update's coefficients of constants alone: computed once per run
        resolved.constants.update(coefficient_values(
            self._coefficients, {**resolved.constants, "dt": ctx.dt}))
        self._check_calls([st.expr for stmts in blocks.values() for st in stmts],
                          resolved.functions, "model", None)
        check_condition_call(self._threshold, resolved.functions, "threshold",
                             self._threshold_text)
        for nm, cond in self._events.items():
            check_condition_call(cond, resolved.functions, f"event {nm!r}",
                                 self._event_texts[nm])
        self._check_units(resolved, ctx.namespaces)
        if self._refractory is not None and not isinstance(self._refractory, float):
            # a refractory expression is checked once per run: a negative time is a mistake
            expr = self.equations.substituted(self._refractory)
            if not expr.atoms(*RANDOM_FUNCTIONS):
                value = self._run_expression(expr, slice(None), self.N, ctx.namespaces,
                                             "refractory", self._refractory_text)
                if np.any(np.asarray(value) < 0):
                    raise ValueError(f"refractory {self._refractory_text!r} is negative")
        for r in self._regular:
            r.period = self._period(r, ctx.dt)
        self._resolved = resolved

    def _check_units(self, resolved, namespaces) -> None:
        """Dimensions of every string, once any unit appears (units/check.py); skipped while
        the dimensions it depends on are those it last checked."""
        dims, functions = dict(resolved.dims), resolved.functions
        unused = {nm for ln in self.equations.lines for nm in ln.identifiers
                  if nm not in resolved.constants} - self._model_names()
        calls = {c.func.__name__ for ln in self.equations.lines if ln.expr is not None
                 for c in calls_in(ln.expr)} - set(functions)
        if unused or calls:  # names only subexpressions that no code reads use are checked too
            more = self._resolve(unused, calls, namespaces, "model", None)
            dims.update(more.dims)
            functions = {**functions, **more.functions}
        key = (tuple(sorted(dims.items(), key=lambda kv: kv[0])),
               tuple(sorted((k, getattr(f, "dim", None)) for k, f in functions.items())),
               len(self._regular), len(self._on_event))
        if key == getattr(self, "_units_checked", None):
            return
        if needs_check(self.equations, dims, functions):
            ref = self._refractory if not isinstance(self._refractory, float) else None
            stmts = [("reset", st) for st in self._resets]
            stmts += [("run_regularly", st) for r in self._regular for st in r.statements]
            stmts += [("run_on_event", st) for r in self._on_event.values()
                      for st in r.statements]
            check_group(self.equations, model_dimensions(self.equations, dims, functions),
                        threshold=self._threshold, threshold_text=self._threshold_text,
                        conditions=[(f"event {nm!r}", self._events[nm], text)
                                    for nm, text in self._event_texts.items()],
                        statements=stmts, refractory=ref if ref is not None
                        else self._refractory_cond, refractory_text=self._refractory_text)
        self._units_checked = key

    @staticmethod
    def _period(runner: Runner, dt: float) -> int:
        if runner.period_dt is None:
            return 1
        from lifdsl.core.clock import steps_in

        period = steps_in(runner.period_dt, dt, "run_regularly dt")
        if period < 1:
            raise ValueError("run_regularly dt must be at least one time step")
        return period

    def _part(self, key: str, keys) -> P.Part:
        """This run's operations of the group, with the buffers and values they use."""
        blocks = self._abstract()
        part = P.Part()
        res = self._resolved

        def code(stmts):
            return self._code(stmts, res, key, part, keys=keys)

        count = f"{key}._N"
        part.ints[count] = self.N
        spikes, nspikes = f"{key}._spikes", f"{key}._nspikes"
        part.buffers[spikes] = P.Buffer(self._spike_buffer)
        part.buffers[nspikes] = P.Buffer(self._nspikes)
        part.operations[self.state_updater] = P.Update(code(blocks["state_updater"]), count)
        if self.thresholder is not None:
            last = nr = None
            if self._has_refractory:
                last, nr = f"{key}._lastspike", f"{key}._not_refractory"
                part.buffers[last] = P.Buffer(self._arrays["lastspike"])
                part.buffers[nr] = P.Buffer(self._arrays["not_refractory"])
            part.operations[self.thresholder] = P.Threshold(
                code(blocks["thresholder"]), count, spikes, nspikes, last, nr)
        if self.resetter is not None:
            part.operations[self.resetter] = P.Reset(code(blocks["resetter"]), spikes, nspikes)
        for nm, runner in self._event_runners.items():
            ev, nev = self._event_keys(key, nm)
            part.buffers[ev] = P.Buffer(self._event_buffers[nm][0])
            part.buffers[nev] = P.Buffer(self._event_buffers[nm][1])
            part.operations[runner] = P.Threshold(code(blocks[f"event_{nm}"]), count, ev, nev)
        for nm, runner in self._on_event.items():
            ev, nev = self._event_keys(key, nm)
            part.operations[runner] = P.Reset(code(blocks[f"on_event_{nm}"]), ev, nev)
        for k, r in enumerate(self._regular):
            period = f"{key}._period_{k}"
            part.ints[period] = r.period
            part.operations[r] = P.Update(code(blocks[f"regular_{k}"]), count, period)
        return part

    def _part_unresolved(self, key: str, keys) -> P.Part:
        blocks = self._abstract()
        saved = self._resolved
        self._resolved = self._placeholder([st.expr for b in blocks.values() for st in b])
        if isinstance(self._refractory, float):
            self._resolved.constants["_refractory"] = self._refractory
        self._resolved.constants.update(dict.fromkeys(self._coefficients, 0.0))
        for r in self._regular:
            r.period = getattr(r, "period", 1)
        try:
            return self._part(key, keys)
        finally:
            self._resolved = saved

    def _ran_kernel(self, source: str) -> None:
        self._kernel_source = source

    def _runners(self) -> list[Runner]:
        return [r for r in (self.state_updater, self.thresholder, *self._event_runners.values(),
                            self.resetter, *self._on_event.values(), *self._regular)
                if r is not None]

    def __getitem__(self, item) -> Subgroup:
        """``G[k]`` or ``G[a:b]``: a contiguous subgroup."""
        if isinstance(item, (int, np.integer)):
            if item < 0:
                item += self.N
            if not 0 <= item < self.N:
                raise IndexError(f"neuron {item} out of range for {self.N} neurons")
            return Subgroup(self, int(item), int(item) + 1)
        if not isinstance(item, slice):
            raise TypeError("subgroups are contiguous: index with an int or a slice, e.g. G[:10]")
        start, stop, step = item.indices(self.N)
        if step != 1:
            raise IndexError("subgroups are contiguous: slices with a step are not supported")
        if stop <= start:
            raise IndexError(f"empty subgroup {item!r} of a group of {self.N} neurons")
        return Subgroup(self, start, stop)

    def __repr__(self) -> str:
        return f"<NeuronGroup {self.name!r} of {self.N} neurons: {', '.join(self.variables)}>"


_BLOCK_NAMES = {"state_updater": "state_update", "thresholder": "threshold",
                "resetter": "reset"}


class Subgroup:
    """Neurons ``start..stop-1`` of a group: reads and writes go to the parent's arrays."""

    def __init__(self, parent: NeuronGroup, start: int, stop: int) -> None:
        object.__setattr__(self, "parent", parent)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "stop", stop)
        object.__setattr__(self, "N", stop - start)
        object.__setattr__(self, "name", f"{parent.name}_sub_{start}_{stop}")

    def __len__(self) -> int:
        return self.N

    @property
    def equations(self) -> Equations:
        """The parent's equations."""
        return self.parent.equations

    @property
    def variables(self) -> list[str]:
        """The parent's stored variables."""
        return self.parent.variables

    def _slice(self) -> slice:
        return slice(self.start, self.stop)

    def __getattr__(self, name: str):
        parent = self.parent
        plain = name.endswith("_") and name not in parent._arrays and (
            name[:-1] in parent._arrays
            or name[:-1] in parent.equations.subexpr_names)
        base = name[:-1] if plain else name   # G[:5].v_: plain SI values
        if base in parent._arrays:
            arr = parent._arrays[base]
            if arr.shape[0] == 1 and parent.N != 1:
                return (VariableView(arr, parent, base) if plain
                        else parent._view(base, arr))
            if plain:
                return VariableView(arr[self.start:self.stop], parent, base, self.start,
                                    (self.start, self.stop))
            return parent._view(base, arr[self.start:self.stop], self.start,
                                (self.start, self.stop))
        if base in parent.equations.subexpr_names:
            values = parent._evaluate(base, self._slice(), self.N, caller_scope(0))
            return values if plain else parent._with_dimension(base, values)
        links = parent.__dict__.get("_links") or {}
        if name in links or (name.endswith("_") and name[:-1] in links):
            return getattr(parent, name)[self.start:self.stop]
        raise AttributeError(f"subgroup of {parent.name!r} has no state variable {name!r}")

    def __setattr__(self, name: str, value) -> None:
        parent = self.parent
        if name.endswith("_") and name not in parent._arrays and (
                name[:-1] in parent._arrays or name[:-1] in parent.equations.subexpr_names):
            name = name[:-1]  # G[:5].v_ = ...: SI values, not checked
            value = value if isinstance(value, str) else np.asarray(value)
        if name in parent._arrays or name in parent.equations.subexpr_names:
            scope = caller_scope(0) if isinstance(value, str) else []
            parent._assign(name, self._slice(), self.N, value, scope)
            return
        if name in (parent.__dict__.get("_links") or {}):
            raise ValueError(f"cannot set the linked variable {name!r} of {parent.name!r} "
                             f"directly: link it to another variable with linked_var()")
        raise AttributeError(f"subgroup of {parent.name!r} has no state variable {name!r}")

    def __getitem__(self, item) -> Subgroup:
        sub = self.parent[self.start:self.stop]
        if isinstance(item, (int, np.integer)):
            if item < 0:
                item += self.N
            if not 0 <= item < self.N:
                raise IndexError(f"neuron {item} out of range for {self.N} neurons")
            return Subgroup(self.parent, self.start + int(item), self.start + int(item) + 1)
        if not isinstance(item, slice):
            raise TypeError("subgroups are contiguous: index with an int or a slice, e.g. G[:10]")
        start, stop, step = item.indices(self.N)
        if step != 1 or stop <= start:
            raise IndexError("subgroups are contiguous and non-empty")
        return Subgroup(sub.parent, self.start + start, self.start + stop)

    def _dependencies(self):
        return [self.parent]

    def __repr__(self) -> str:
        return f"<Subgroup {self.start}:{self.stop} of {self.parent.name!r}>"
