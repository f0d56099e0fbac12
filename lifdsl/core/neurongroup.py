"""NeuronGroup: a population of identical model neurons, and Subgroup, a contiguous slice."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import sympy as sp

from lifdsl.codegen.optimize import affine_commits
from lifdsl.core.base import RunContext, Runner, SimObject, caller_scope
from lifdsl.core.codeobject import CodeBlock
from lifdsl.core.random import get_rng
from lifdsl.equations import EquationError, Equations, parse_expression, parse_statements
from lifdsl.equations.functions import RANDOM_FUNCTIONS, SPECIAL_NAMES, symbol
from lifdsl.equations.statements import Assign
from lifdsl.units import unknown_unit_names
from lifdsl.units.resolve import resolve_constants, resolve_functions

logger = logging.getLogger("lifdsl")

_DTYPES = {"float64": np.float64, "float32": np.float32}


def _names_in(expr: sp.Basic) -> tuple[set[str], set[str]]:
    ids = {s.name for s in expr.free_symbols}
    funcs = {f.func.__name__ for f in expr.atoms(sp.core.function.AppliedUndef)}
    return ids, funcs


def _is_condition(expr: sp.Basic) -> bool:
    """True for comparisons and their logical combinations (a bare name is not a condition)."""
    return isinstance(expr, (sp.core.relational.Relational, sp.And, sp.Or, sp.Not,
                             sp.logic.boolalg.BooleanAtom))


class VariableView(np.ndarray):
    """``G.U``: the state array itself (SI floats). Besides numbers, an index may be assigned a
    string evaluated per neuron, as in Brian2: ``G.U[:10] = 'rand()*U_thr'``. Everything
    derived from it (slices, arithmetic) is a plain NumPy array."""

    def __new__(cls, array: np.ndarray, group: NeuronGroup, name: str, offset: int = 0,
                frame: tuple[int, int] | None = None):
        obj = array.view(cls)
        obj._group = group
        obj._name = name
        obj._offset = offset
        obj._frame = frame
        return obj

    def __array_finalize__(self, obj) -> None:
        self._group = None

    def __array_wrap__(self, out, context=None, return_scalar=False):
        out = np.asarray(out)
        return out[()] if return_scalar else out

    def __getitem__(self, item):
        return self.view(np.ndarray)[item]

    def __setitem__(self, item, value) -> None:
        if isinstance(value, str) and self._group is not None:
            idx = np.arange(self.shape[0])[item]
            idx = np.atleast_1d(idx) + self._offset
            self._group._assign(self._name, idx, idx.size, value, caller_scope(0),
                                self._frame)
            return
        self.view(np.ndarray)[item] = value

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __str__(self) -> str:
        return str(self.view(np.ndarray))

    def __reduce__(self):
        return self.view(np.ndarray).__reduce__()


class NeuronGroup(SimObject):
    """N neurons sharing one model: state variables, threshold, reset, refractoriness."""

    _prefix = "neurongroup"

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
        dtype: str = "float64",
        name: str | None = None,
    ) -> None:
        if isinstance(N, (bool, np.bool_)) or not isinstance(N, (int, np.integer)) or N < 1:
            raise ValueError(f"N must be a positive integer number of neurons, got {N!r}")
        try:
            dtype = np.dtype(dtype).name
        except TypeError:
            pass
        if str(dtype) not in _DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        eqs = model if isinstance(model, Equations) else Equations(model)
        for line in eqs.lines:
            bad = unknown_unit_names(line.unit or "")
            if bad:
                raise EquationError(
                    f"unknown unit {bad[0]!r} (units: volt, mV, amp, nA, ohm, siemens, farad, "
                    f"second, ms, hertz, ..., or 1)", what="equations", lineno=line.lineno,
                    line=line.source, column=line.source.rfind(bad[0]))
        thr = self._parse_threshold(threshold, eqs)
        resets = self._parse_reset(reset, eqs)
        ref_value, ref_cond = self._parse_refractory(refractory, eqs)
        self._check_method(method)
        super().__init__(name, dt)
        object.__setattr__(self, "_frozen", False)
        self.N = int(N)
        self.equations = eqs
        self._method = method
        self.namespace = dict(namespace or {})
        self.dtype = np.dtype(_DTYPES[str(dtype)])
        self._threshold = thr
        self._threshold_text = threshold
        self._resets = resets
        self._reset_text = reset
        self._refractory = ref_value
        self._refractory_text = refractory if isinstance(refractory, str) else None
        self._refractory_cond = ref_cond
        self._has_refractory = ref_value is not None or ref_cond is not None
        self._arrays: dict[str, np.ndarray] = {}
        for nm in eqs.diff_names + eqs.param_names:
            shape = (1,) if "shared" in eqs[nm].flags else (self.N,)
            self._arrays[nm] = np.zeros(shape, dtype=self.dtype)
        self._arrays["i"] = np.arange(self.N, dtype=np.int64)
        self._arrays["i"].setflags(write=False)  # the neuron index is not for changing
        if self._has_refractory:
            self._arrays["lastspike"] = np.full(self.N, -np.inf)
            self._arrays["not_refractory"] = np.ones(self.N, dtype=bool)
        self._spikes = np.empty(0, dtype=np.int64)
        self.state_updater = Runner(self, "state_updater", "groups")
        self.thresholder = Runner(self, "thresholder", "thresholds") if thr is not None else None
        self.resetter = Runner(self, "resetter", "resets") if resets else None
        self._regular: list[Runner] = []
        self._blocks: dict[str, CodeBlock] | None = None
        self._discrete = None
        self._functions: dict[str, Any] = {}
        self._kernel_source: str | None = None
        self._build_count = 0
        self._t_now = 0.0
        self._dt_now = float(dt) if dt is not None else 0.0
        self._ns: dict[str, Any] = {}
        self._frozen = True

    @staticmethod
    def _check_method(method: str) -> None:
        from lifdsl.methods import METHODS

        if method != "auto" and method not in METHODS:
            raise ValueError(
                f"unknown method {method!r}; known: 'auto', {', '.join(map(repr, METHODS))}"
            )

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

    # -- parsing of the strings besides the equations -------------------------------------------
    @staticmethod
    def _parse_threshold(threshold: str | None, eqs: Equations) -> sp.Basic | None:
        if threshold is None:
            return None
        if not isinstance(threshold, str):
            raise TypeError(f"threshold must be a string such as 'U > 1', got {threshold!r}")
        expr = parse_expression(threshold, what="threshold")
        if not _is_condition(expr):
            raise EquationError(
                "the threshold must be a condition such as 'U > U_thr'",
                what="threshold", lineno=1, line=threshold, column=0,
            )
        return expr

    @staticmethod
    def _parse_reset(reset: str | None, eqs: Equations):
        if reset is None:
            return []
        if not isinstance(reset, str):
            raise TypeError(f"reset must be a string such as 'U = 0', got {reset!r}")
        stmts = parse_statements(reset, what="reset")
        for st in stmts:
            NeuronGroup._check_target(st.target, eqs, "reset", st.lineno, st.source)
        return stmts

    @staticmethod
    def _check_target(target: str, eqs: Equations, what: str, lineno: int, line: str) -> None:
        col = max(line.find(target), 0)
        if target in eqs.subexpr_names:
            raise EquationError(
                f"{target!r} is a subexpression (computed, not stored): it cannot be assigned",
                what=what, lineno=lineno, line=line, column=col,
            )
        if target in eqs.param_names and "shared" in eqs[target].flags:
            raise EquationError(
                f"{target!r} is shared: a {what} cannot write it per neuron",
                what=what, lineno=lineno, line=line, column=col,
            )
        if target not in eqs.diff_names and target not in eqs.param_names:
            raise EquationError(
                f"{target!r} is not a variable of the model; variables: "
                + ", ".join(eqs.diff_names + eqs.param_names),
                what=what, lineno=lineno, line=line, column=col,
            )

    @staticmethod
    def _parse_refractory(refractory, eqs: Equations):
        if refractory is None or refractory is False:
            return None, None
        if isinstance(refractory, str):
            expr = parse_expression(refractory, what="refractory")
            if not _is_condition(expr):
                # a string expression of time such as '5*ms'
                return expr, None
            return None, expr
        if isinstance(refractory, (bool, np.bool_)):
            raise TypeError("refractory must be a time in seconds, a string or False; got True")
        try:
            value = float(refractory)
        except (TypeError, ValueError):
            raise TypeError(f"refractory must be a time in seconds or a string, got "
                            f"{refractory!r}") from None
        if not (value >= 0 and np.isfinite(value)):
            raise ValueError(f"refractory must be a non-negative finite time, got {refractory!r}")
        return value, None

    def run_regularly(self, code: str, dt: float | None = None, when: str = "groups",
                      order: int = 0) -> Runner:
        """Run statements (``'U = beta*U + I'``, several with ``;`` or newlines) for every
        neuron every ``dt`` (default: every step), in slot ``when``; returns the runner.

        Discrete-time models (snnTorch's Leaky, Synaptic) are written this way.
        """
        if not isinstance(code, str):
            raise TypeError(f"run_regularly takes statements as a string, got {code!r}")
        stmts = parse_statements(code, what="run_regularly")
        for st in stmts:
            self._check_target(st.target, self.equations, "run_regularly", st.lineno, st.source)
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

    # -- state access -----------------------------------------------------------------------------
    @property
    def variables(self) -> list[str]:
        """Stored variables (differential equations, then parameters)."""
        return self.equations.diff_names + self.equations.param_names

    def __len__(self) -> int:
        return self.N

    def __getattr__(self, name: str):
        arrays = self.__dict__.get("_arrays")
        if arrays is not None and name in arrays:
            return VariableView(arrays[name], self, name)
        eqs = self.__dict__.get("equations")
        if eqs is not None and name in eqs.subexpr_names:
            return self._evaluate(name, slice(None), self.N, caller_scope(0))
        raise AttributeError(
            f"{type(self).__name__} {self.__dict__.get('name', '?')!r} has no attribute or "
            f"state variable {name!r}"
        )

    def __setattr__(self, name: str, value) -> None:
        if not self.__dict__.get("_frozen", False) or name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if name in self._arrays or name in self.equations.subexpr_names:
            self._assign(name, slice(None), self.N, value, caller_scope(0))
            return
        if name in ("N", "name", "dtype", "equations"):
            raise AttributeError(f"{name!r} of a NeuronGroup is fixed when it is created")
        if name in type(self).__dict__ or name in self.__dict__ or hasattr(type(self), name):
            object.__setattr__(self, name, value)
            return
        raise AttributeError(
            f"{self.name!r} has no state variable {name!r} (variables: "
            f"{', '.join(self.variables)}); declare it in the equations as '{name} : unit'"
        )

    def __getitem__(self, item) -> Subgroup:
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

    def _assign(self, name, idx, n, value, namespaces, frame=None) -> None:
        if name in self.equations.subexpr_names:
            raise AttributeError(
                f"{name!r} is a subexpression of {self.name!r}: it is computed, not stored"
            )
        if name in ("i", "lastspike", "not_refractory"):
            raise AttributeError(f"{name!r} is maintained by lifdsl and cannot be assigned")
        arr = self._arrays[name]
        shared = arr.shape[0] == 1 and "shared" in self.equations[name].flags
        if isinstance(value, str):
            if shared:
                expr = parse_expression(value, what=f"value of {name}")
                per_neuron = ({s.name for s in self.equations.substituted(expr).free_symbols}
                              & (self._array_names() | {"i"}))
                if per_neuron:  # (a rand() is fine: one draw for the group)
                    raise EquationError(
                        f"{name!r} is shared (one value for the group): its value cannot "
                        f"depend on the neuron ({', '.join(sorted(per_neuron))})",
                        what=f"value of {name}", lineno=1, line=value)
            values = self._evaluate_string(value, idx if not shared else slice(None),
                                           1 if shared else n, namespaces, name, frame)
            arr[slice(None) if shared else idx] = values
            return
        if value is None or isinstance(value, (complex, np.complexfloating)):
            raise TypeError(f"{name!r} takes real numbers or a string, got {value!r}")
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise TypeError(f"{name!r} takes real numbers or a string, got an array of "
                            f"{value.dtype}")
        target = arr[slice(None) if shared else idx]
        if value.ndim > 0 and value.shape != target.shape and value.size != 1:
            raise ValueError(
                f"cannot set {name!r} of {n} neuron(s) from an array of shape {value.shape}"
            )
        target[...] = value.reshape(target.shape) if value.size == target.size else value

    def _evaluate_string(self, text: str, idx, n, namespaces, target: str | None = None,
                         frame=None):
        expr = parse_expression(text, what=f"value of {target}" if target else "expression")
        return self._run_expression(expr, idx, n, namespaces, f"the assignment {text!r}", text,
                                    frame)

    def _evaluate(self, name: str, idx, n, namespaces):
        return np.array(self._run_expression(symbol(name), idx, n, namespaces, name, None))

    def _run_expression(self, expr, idx, n, namespaces, what, line, frame=None):
        """Evaluate ``expr`` for the neurons ``idx`` now: inside a subgroup (``frame`` = its
        start and stop, or a slice ``idx``) ``i`` counts from 0 and ``N`` is the subgroup's
        size, as in Brian2; ``t`` is the current time."""
        expr = self.equations.substituted(expr)
        block = CodeBlock("_evaluate", [Assign("_value", expr)], self._array_names(), "_value")
        ns = self._namespace_for([expr], namespaces, what=what, line=line)
        ns.pop("_functions")
        if frame is None and isinstance(idx, slice):
            frame = idx.indices(self.N)[:2]
        if frame is not None:
            start, stop = frame
            if (start, stop) != (0, self.N):
                ns["i"] = self._arrays["i"] - start
                ns["N"] = stop - start
        return block(ns, idx, n, self._t_now, self._dt_now, get_rng())

    @property
    def t(self) -> float:
        """The time of the group's network (seconds) after its last run."""
        return self._t_now

    # -- code generation --------------------------------------------------------------------------
    def _array_names(self) -> set[str]:
        return {nm for nm, a in self._arrays.items()
                if not (nm in self.equations.param_names and "shared" in self.equations[nm].flags)}

    def _model_names(self) -> set[str]:
        return set(self._arrays) | set(self.equations.subexpr_names) | set(SPECIAL_NAMES)

    def _build(self) -> dict[str, CodeBlock]:
        if self._blocks is not None:
            return self._blocks
        eqs = self.equations
        arrays = self._array_names()
        blocks: dict[str, CodeBlock] = {}
        stmts: list[Assign] = []
        nr = symbol("not_refractory")
        if self._refractory is not None:
            t, dt, last = symbol("t"), symbol("dt"), symbol("lastspike")
            ref = (symbol("_refractory") if isinstance(self._refractory, float)
                   else eqs.substituted(self._refractory))
            stmts.append(Assign("not_refractory",
                                sp.GreaterThan(t - last + dt / 2, ref, evaluate=False)))
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
        stmts = affine_commits(stmts, eqs.diff_names, arrays)
        blocks["state_updater"] = CodeBlock("state_update", stmts, arrays, full=True)
        if self._threshold is not None:
            cond = eqs.substituted(self._threshold)
            if self._has_refractory:
                cond = sp.And(cond, nr)
            blocks["thresholder"] = CodeBlock("threshold", [Assign("_cond", cond)], arrays,
                                              "_cond", full=True)
        if self._resets:
            rs = [Assign(a.target, eqs.substituted(a.expr))
                  for a in (st.as_assign() for st in self._resets)]
            blocks["resetter"] = CodeBlock("reset", rs, arrays)
        for k, r in enumerate(self._regular):
            rs = [Assign(a.target, eqs.substituted(a.expr))
                  for a in (st.as_assign() for st in r.statements)]
            blocks[f"regular_{k}"] = CodeBlock(f"regular_{k}", rs, arrays, full=True)
        self._blocks = blocks
        self._build_count += 1  # a network's kernel is keyed by this (an id could be reused)
        return blocks

    @property
    def discrete_update(self):
        """The discretized state update (SymPy statements; ``str()`` reads as ``U_new = ...``)."""
        self._build()
        return self._discrete

    def generated_code(self, target: str = "numpy") -> str:
        """The source that runs: NumPy functions for the update, threshold and reset, or the
        Cython module of the network the group last ran in (of the group alone before)."""
        if target == "cython":
            if self._kernel_source is not None:
                return self._kernel_source
            from lifdsl.core.cython_network import standalone_source

            return standalone_source(self)
        if target != "numpy":
            raise ValueError(f"target must be 'numpy' or 'cython', got {target!r}")
        blocks = self._build()
        return "\n".join(b.source for b in blocks.values())

    # -- name resolution --------------------------------------------------------------------------
    def _locate(self, name: str):
        line = self.equations.line_using(name)
        if line is not None:
            return ("equations", line.lineno, line.source)
        texts = [("threshold", self._threshold_text), ("reset", self._reset_text),
                 ("refractory", self._refractory_text)]
        texts += [("run_regularly", r.code) for r in self._regular]
        for what, text in texts:
            if isinstance(text, str):
                for k, ln in enumerate(text.splitlines(), 1):
                    if name in ln:
                        return (what, k, ln)
        return None

    def _namespace_for(self, exprs, namespaces, what: str, line: str | None) -> dict[str, Any]:
        ids: set[str] = set()
        funcs: set[str] = set()
        for e in exprs:
            a, b = _names_in(e)
            ids |= a
            funcs |= b
        ns = self._make_ns(ids, funcs, namespaces, what, line)
        self._check_calls(exprs, ns["_functions"], what, line)
        return ns

    def _check_calls(self, exprs, functions, what: str, line: str | None) -> None:
        """A TimedArray called with the wrong arguments is an error naming the line."""
        for e in exprs:
            for call in e.atoms(sp.core.function.AppliedUndef):
                fname = call.func.__name__
                obj = functions.get(fname)
                want = getattr(obj, "ndim", None)
                where = self._locate(fname) or (what, 1, line or "")
                if want == 2 and len(call.args) == 2 and call.args[1] == symbol("i") \
                        and obj.values.shape[1] < self.N:
                    raise EquationError(
                        f"{fname!r} has {obj.values.shape[1]} columns but {fname}(t, i) is "
                        f"read for {self.N} neurons", what=where[0], lineno=where[1],
                        line=where[2], column=where[2].find(fname) if fname in where[2] else None)
                if want is not None and len(call.args) != want:
                    form = f"{fname}(t)" if want == 1 else f"{fname}(t, i)"
                    raise EquationError(
                        f"{fname!r} is a {want}-D TimedArray: call it as {form}, "
                        f"not with {len(call.args)} argument(s)",
                        what=where[0], lineno=where[1], line=where[2],
                        column=where[2].find(fname) if fname in where[2] else None)

    def _make_ns(self, ids, funcs, namespaces, what, line, targets=frozenset()
                 ) -> dict[str, Any]:
        model = self._model_names()
        for nm in sorted(ids & {"lastspike", "not_refractory", "xi"} - set(self._arrays)):
            hint = ("white noise belongs in differential equations" if nm == "xi"
                    else "it exists only for groups with refractory=")
            raise EquationError(f"{nm!r} is not available here: {hint}", what=what,
                                lineno=1 if line else None, line=line)
        # temporaries of the generated code start with '_' or end in '_new' (users cannot
        # define such names); everything else not in the model is an external constant
        external = {nm for nm in ids if nm not in model and nm not in targets
                    and not nm.startswith("_")}
        nss = [self.namespace, *namespaces]

        def locate(name):
            found = self._locate(name)
            if found is None and line is not None:
                return (what, 1, line)
            return found

        consts = resolve_constants(external, nss, owner=f"{self.name}", locate=locate)
        fobjs = resolve_functions(funcs, nss, owner=f"{self.name}", locate=locate)
        ns: dict[str, Any] = dict(self._arrays)
        for nm in self.equations.param_names:
            if "shared" in self.equations[nm].flags:
                ns[nm] = float(self._arrays[nm][0])
        ns.update(consts)
        ns.update({k: v.numpy_function(self.dtype) for k, v in fobjs.items()})
        ns["_functions"] = fobjs
        ns["N"] = self.N
        if isinstance(self._refractory, float):
            ns["_refractory"] = self._refractory
        return ns

    def _prepare(self, ctx: RunContext) -> None:
        blocks = self._build()
        ids: set[str] = set()
        funcs: set[str] = set()
        targets: set[str] = set()
        for b in blocks.values():
            for st in b.statements:
                a, f = _names_in(st.expr)
                ids |= a
                funcs |= f
                targets.add(st.target)
        self._ns = self._make_ns(ids, funcs, ctx.namespaces, "model", None,
                                 frozenset(targets - set(self._arrays)))
        self._functions = self._ns.pop("_functions")
        if self._refractory is not None and not isinstance(self._refractory, float):
            # a refractory expression is checked once per run: a negative time is a mistake
            expr = self.equations.substituted(self._refractory)
            if not expr.atoms(*RANDOM_FUNCTIONS):
                ref = CodeBlock("_refractory", [Assign("_value", expr)], self._array_names(),
                                "_value")
                if np.any(np.asarray(ref(self._ns, slice(None), self.N, 0.0, ctx.dt, None)) < 0):
                    raise ValueError(f"refractory {self._refractory_text!r} is negative")
        self._check_calls([st.expr for b in blocks.values() for st in b.statements],
                          self._functions, "model", None)
        rng = ctx.rng
        ns = self._ns
        n = self.N
        full = slice(None)
        upd = blocks["state_updater"]

        def run_update(step, t, _u=upd, _dt=ctx.dt):
            _u(ns, full, n, t, _dt, rng)

        self.state_updater.run = run_update
        if self.thresholder is not None:
            thr = blocks["thresholder"]
            has_ref = self._has_refractory
            last = self._arrays.get("lastspike")
            nr = self._arrays.get("not_refractory")

            def run_threshold(step, t, _c=thr, _dt=ctx.dt):
                spikes = np.flatnonzero(_c(ns, full, n, t, _dt, rng))
                self._spikes = spikes
                if has_ref and spikes.size:
                    last[spikes] = t
                    nr[spikes] = False

            self.thresholder.run = run_threshold
        if self.resetter is not None:
            rst = blocks["resetter"]

            def run_reset(step, t, _r=rst, _dt=ctx.dt):
                spikes = self._spikes
                if spikes.size:
                    _r(ns, spikes, spikes.size, t, _dt, rng)

            self.resetter.run = run_reset
        for k, r in enumerate(self._regular):
            r.period = self._period(r, ctx.dt)

            def run_regular(step, t, _b=blocks[f"regular_{k}"], _p=r.period, _dt=ctx.dt):
                if step % _p == 0:
                    _b(ns, full, n, t, _dt, rng)

            r.run = run_regular

    @staticmethod
    def _period(runner: Runner, dt: float) -> int:
        if runner.period_dt is None:
            return 1
        from lifdsl.core.clock import steps_in

        period = steps_in(runner.period_dt, dt, "run_regularly dt")
        if period < 1:
            raise ValueError("run_regularly dt must be at least one time step")
        return period

    def _runners(self) -> list[Runner]:
        return [r for r in (self.state_updater, self.thresholder, self.resetter, *self._regular)
                if r is not None]

    def _get_state(self) -> dict[str, Any]:
        return {"arrays": {k: v.copy() for k, v in self._arrays.items()},
                "spikes": self._spikes.copy()}

    def _set_state(self, state: dict[str, Any]) -> None:
        for k, v in state["arrays"].items():
            if k != "i":  # the index never changes (and is read-only)
                self._arrays[k][...] = v
        self._spikes = state["spikes"].copy()

    @property
    def spikes(self) -> np.ndarray:
        """Indices of the neurons that spiked in the last step."""
        return self._spikes

    def __repr__(self) -> str:
        return f"<NeuronGroup {self.name!r} of {self.N} neurons: {', '.join(self.variables)}>"


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
        if name in parent._arrays:
            arr = parent._arrays[name]
            if arr.shape[0] == 1 and parent.N != 1:
                return VariableView(arr, parent, name)
            return VariableView(arr[self.start:self.stop], parent, name, self.start,
                                (self.start, self.stop))
        if name in parent.equations.subexpr_names:
            return parent._evaluate(name, self._slice(), self.N, caller_scope(0))
        raise AttributeError(f"subgroup of {parent.name!r} has no state variable {name!r}")

    def __setattr__(self, name: str, value) -> None:
        parent = self.parent
        if name in parent._arrays or name in parent.equations.subexpr_names:
            parent._assign(name, self._slice(), self.N, value, caller_scope(0))
            return
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
