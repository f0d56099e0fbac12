"""Spike sources: PoissonGroup (independent Poisson spike trains), SpikeGeneratorGroup (spikes
at given times) and PoissonInput (Poisson drive without synapses)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lifdsl.codegen import program as P
from lifdsl.core.base import Runner, SimObject, caller_scope
from lifdsl.core.neurongroup import NeuronGroup

__all__ = ["PoissonGroup", "PoissonInput", "SpikeGeneratorGroup"]


class PoissonGroup(NeuronGroup):
    """N independent Poisson spike trains at ``rates`` (Hz): a number, one per neuron, or a
    string of ``t`` and ``i`` evaluated every step. A neuron spikes in a step with probability
    ``rates*dt``, as in Brian2."""

    _prefix = "poissongroup"

    def __init__(self, N: int, rates, dt: float | None = None, name: str | None = None,
                 namespace: dict[str, Any] | None = None) -> None:
        if isinstance(rates, str):
            # a string of plain numbers is in Hz by lifdsl's SI convention (as before units
            # were checked); one that names units, or values with units (a TimedArray of Hz,
            # a Quantity) as its scope has them now, is checked as a rate
            dimensioned = _names_dimensioned_values(rates, [namespace or {}, *caller_scope(0)])
            model = f"rates = {rates} : {'Hz' if dimensioned else '1'}"
        else:
            if rates is None or isinstance(rates, (bool, np.bool_)):
                raise TypeError(f"rates must be a number, an array or a string, got {rates!r}")
            values = np.asarray(rates, dtype=float)
            if values.ndim > 1 or (values.ndim == 1 and values.size not in (1, N)):
                raise ValueError(f"rates must be one value or one per neuron ({N}), got shape "
                                 f"{values.shape}")
            if not np.all(np.isfinite(values)) or np.any(values < 0):
                raise ValueError("rates must be finite and non-negative")
            model = "rates : Hz"
        super().__init__(N, model, threshold="rand() < rates*dt", dt=dt, name=name,
                         namespace=namespace, method="euler")
        if not isinstance(rates, str):
            self.rates = values


def _names_dimensioned_values(text: str, scopes: list[dict[str, Any]]) -> bool:
    """Whether ``text`` names a unit, or a name that the first of ``scopes`` holding it gives
    a dimension (a Quantity, a TimedArray of quantities)."""
    import re

    from lifdsl.units import UNIT_NAMES

    names = set(re.findall(r"[A-Za-z_]\w*", text))
    if names & set(UNIT_NAMES):
        return True
    from lifdsl.core.functions import as_function
    from lifdsl.units.check import Signature

    for name in names:
        value = next((sc[name] for sc in scopes if name in sc), None)
        try:
            value = as_function(value)   # (a @check_units function is a Function)
        except (TypeError, ValueError):
            pass
        dim = getattr(value, "dim", None)
        if isinstance(dim, Signature):   # a user function: its result's dimension
            dim = dim.result if not callable(dim.result) else None
        if dim is not None and not getattr(dim, "is_dimensionless", True):
            return True
    return False


class SpikeGeneratorGroup(NeuronGroup):
    """N neurons that spike at given times: neuron ``indices[k]`` at ``times[k]`` (seconds,
    in the step they fall in, as Brian2), repeating every ``period`` seconds if ``period`` > 0."""

    _prefix = "spikegeneratorgroup"

    def __init__(self, N: int, indices, times, period: float = 0.0, dt: float | None = None,
                 name: str | None = None) -> None:
        super().__init__(N, "", dt=dt, name=name)
        self.thresholder = Runner(self, "thresholder", "thresholds")
        self._table: tuple[np.ndarray, np.ndarray, float] | None = None
        self.set_spikes(indices, times, period)

    def set_spikes(self, indices, times, period: float = 0.0) -> None:
        """Replace the spike table (from the next run on)."""
        idx = np.atleast_1d(np.asarray(indices))
        ts = np.atleast_1d(np.asarray(times, dtype=float))
        if idx.shape != ts.shape or idx.ndim != 1:
            raise ValueError(f"indices and times must be 1-D and of one length, got shapes "
                             f"{idx.shape} and {ts.shape}")
        if idx.size and (idx.dtype.kind not in "iu" and not np.all(idx == np.round(idx))):
            raise TypeError("indices must be integers")
        if idx.size and (idx.min() < 0 or idx.max() >= self.N):
            raise IndexError(f"indices must lie in 0..{self.N - 1}")
        if not np.all(np.isfinite(ts)) or np.any(ts < 0):
            raise ValueError("times must be finite and non-negative")
        period = float(period)
        if not (period >= 0 and np.isfinite(period)):
            raise ValueError(f"period must be a non-negative time, got {period!r}")
        if period and ts.size and ts.max() >= period:
            raise ValueError(f"every spike time must be earlier than the period ({period} s)")
        self._table = (idx.astype(np.int64), ts, period)

    def _steps(self, dt: float) -> tuple[np.ndarray, np.ndarray, int]:
        idx, ts, period = self._table
        # Brian2's rule (its timestep()): the step a time falls in, shifted by a thousandth of
        # a step so that a multiple of dt is not put in the step before by rounding errors
        steps = np.floor((ts + 1e-3 * dt) / dt).astype(np.int64)
        order = np.lexsort((idx, steps))
        steps, idx = steps[order], idx[order]
        same = (np.diff(steps) == 0) & (np.diff(idx) == 0)
        if np.any(same):
            k = int(np.flatnonzero(same)[0])
            raise ValueError(f"neuron {idx[k]} would spike twice in step {steps[k]} (times "
                             f"closer than dt = {dt} s)")
        return steps, idx, int(round(period / dt)) if period else 0

    def _prepare(self, ctx) -> None:
        self._run_table = self._steps(ctx.dt)

    def _part(self, key: str, keys) -> P.Part:
        steps, idx, period = self._run_table
        part = P.Part()
        part.buffers[f"{key}._spikes"] = P.Buffer(self._spike_buffer)
        part.buffers[f"{key}._nspikes"] = P.Buffer(self._nspikes)
        part.buffers[f"{key}._table_steps"] = P.Buffer(steps, False)
        part.buffers[f"{key}._table_indices"] = P.Buffer(idx, False)
        part.ints.update({f"{key}._table_n": int(steps.size), f"{key}._period": period})
        part.operations[self.thresholder] = P.EmitSpikes(
            f"{key}._spikes", f"{key}._nspikes", f"{key}._table_steps",
            f"{key}._table_indices", f"{key}._table_n", f"{key}._period")
        return part

    def _part_unresolved(self, key: str, keys) -> P.Part:
        self._run_table = self._steps(self.dt or 1e-4)
        return self._part(key, keys)

    def _runners(self) -> list[Runner]:
        return [self.thresholder]


class PoissonInput(SimObject):
    """``N`` independent Poisson sources at ``rate`` (Hz) onto ``target_var`` of every neuron of
    ``target``, each spike adding ``weight``: one binomial(N, rate*dt) draw per neuron per step,
    no synapses stored (Brian2's PoissonInput; it runs in the 'synapses' slot)."""

    _prefix = "poissoninput"

    def __init__(self, target, target_var: str, N: int, rate: float, weight: float,
                 when: str = "synapses", order: int = 0, name: str | None = None) -> None:
        from lifdsl.core.neurongroup import Subgroup

        group, lo, hi = ((target.parent, target.start, target.stop)
                         if isinstance(target, Subgroup) else (target, 0, target.N))
        if not isinstance(group, NeuronGroup):
            raise TypeError(f"PoissonInput drives a NeuronGroup or a subgroup, got {target!r}")
        if target_var not in group.variables or target_var in group._shared_names():
            raise ValueError(f"{group.name!r} has no per-neuron variable {target_var!r}; "
                             f"variables: {', '.join(group.variables)}")
        if isinstance(N, (bool, np.bool_)) or not isinstance(N, (int, np.integer)) or N < 0:
            raise ValueError(f"N must be a non-negative integer number of sources, got {N!r}")
        for what, value in (("rate", rate), ("weight", weight)):
            if isinstance(value, (str, bool)) or not np.isfinite(float(value)):
                raise TypeError(f"{what} must be a finite number, got {value!r}")
        if float(rate) < 0:
            raise ValueError(f"rate must be non-negative, got {rate!r}")
        super().__init__(name, group.dt)
        self.target, self.target_var = target, target_var
        self._group, self._range = group, (lo, hi)
        self.N, self.rate, self.weight = int(N), float(rate), float(weight)
        self._runner = Runner(self, "poisson_input", when, order)

    def _runners(self) -> list[Runner]:
        return [self._runner]

    def _dependencies(self):
        return [self._group]

    def _prepare(self, ctx) -> None:
        p = self.rate * ctx.dt
        if p > 1:
            raise ValueError(f"{self.name!r}: rate*dt = {p:g} > 1; use a smaller dt")
        self._p = p

    def _part(self, key: str, keys) -> P.Part:
        gkey = keys(self._group)
        target = P.key_of(gkey, self.target_var)
        lo, hi = self._range
        part = P.Part()
        part.buffers[target] = P.Buffer(self._group._arrays[self.target_var])
        part.ints.update({f"{key}._lo": lo, f"{key}._count": hi - lo, f"{key}._n": self.N})
        part.scalars.update({f"{key}._p": getattr(self, "_p", 0.0), f"{key}._w": self.weight})
        part.operations[self._runner] = P.AddBinomial(target, f"{key}._lo", f"{key}._count",
                                                      f"{key}._n", f"{key}._p", f"{key}._w")
        return part
