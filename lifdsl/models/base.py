"""What snnTorch's neurons share in lifdsl: a model written as equations and statements, run
in snnTorch's order, with two faces — a stepper on numpy arrays and a NeuronGroup.

snnTorch's order, each step: the spike test of the *old* membrane (``U > U_thr``), the state
update with this step's input ``I``, the reset of the neurons that crossed; the returned spike
is the test of the *new* membrane. Both faces run code generated from the same strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lifdsl.codegen.numpy_target import CodeBlock
from lifdsl.core.neurongroup import NeuronGroup
from lifdsl.equations import Equations, parse_statements
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

RESET_MECHANISMS = ("subtract", "zero", "none")


class SnnTorchNeuron:
    """Base of the presets. Subclasses set the class attributes and ``namespace``.

    ``equations`` declares the state (and ``I`` is added by the faces); either ``method``
    integrates its differential equations, or ``update`` (statements) is run every step.
    ``reset_before_update`` puts the reset before the update (snnTorch's Leaky 'zero').
    ``hidden`` names variables that only carry a value from the update to the reset of the
    same step (the stepper starts them at 0 each call and does not return them).
    """

    state: tuple[str, ...] = ("U",)           # stepper arguments after the input, in order
    hidden: tuple[str, ...] = ()              # state the stepper keeps internal (zero per call)
    equations: str = ""
    method: str | None = None
    update: str | None = None
    resets: dict[str, str | None] = {"subtract": "U -= U_thr", "zero": "U = 0", "none": None}
    reset_before_update: dict[str, bool] = {}

    def __init__(self, threshold: float, reset_mechanism: str, time_step: float) -> None:
        if reset_mechanism not in RESET_MECHANISMS:
            raise ValueError(
                f"reset_mechanism must be 'subtract', 'zero' or 'none'; got {reset_mechanism!r}"
            )
        for what, value in (("time_step", time_step), ("threshold", threshold)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating,
                                                                 np.integer)):
                raise TypeError(f"{what} must be a number, got {value!r}")
            if not np.isfinite(value):
                raise ValueError(f"{what} must be finite, got {value!r}")
        if not time_step > 0:
            raise ValueError(f"time_step must be positive, got {time_step!r}")
        self.threshold = float(threshold)
        self._reset_mechanism = reset_mechanism
        self.time_step = float(time_step)
        self.reset = self.resets[reset_mechanism]
        self._reset_first = self.reset_before_update.get(reset_mechanism, False)
        eqs = Equations(self.equations + "\nI : 1")
        if self.method is not None:
            upd = eqs.discretize(self.method)
            stmts = list(upd.statements) + [Assign(x, symbol(f"{x}_new"))
                                             for x in eqs.diff_names]
        else:
            stmts = [s.as_assign() for s in parse_statements(self.update, what="update")]
        arrays = set(self.state) | set(self.hidden) | {"I"}
        self._update_block = CodeBlock(f"{type(self).__name__.lower()}_update", stmts, arrays)
        self._reset_block = None
        if self.reset is not None:
            rs = [s.as_assign() for s in parse_statements(self.reset, what="reset")]
            self._reset_block = CodeBlock(f"{type(self).__name__.lower()}_reset", rs, arrays)

    @property
    def namespace(self) -> dict[str, float]:
        """Constants of the model strings."""
        return {"U_thr": self.threshold}

    def constants(self, dtype: str | np.dtype = "float64") -> dict[str, float]:
        """The constants of the model strings for states of ``dtype`` (``namespace`` unless a
        preset computes a constant in the state's precision, as snnTorch does)."""
        return self.namespace

    @property
    def reset_mechanism(self) -> str:
        """'subtract', 'zero' or 'none', fixed at construction (the reset code depends on it)."""
        return self._reset_mechanism

    def _step(self, input_, *states) -> tuple[np.ndarray, ...]:
        arrays = [np.asarray(s) for s in states]
        cur = np.asarray(input_)
        dtype = np.result_type(cur.dtype, *(a.dtype for a in arrays), np.float32)
        if dtype not in (np.float32, np.float64):
            dtype = np.dtype(np.float64)
        shape = np.broadcast_shapes(cur.shape, *(a.shape for a in arrays))
        ns: dict[str, Any] = {
            name: np.array(np.broadcast_to(a, shape), dtype=dtype).ravel()
            for name, a in zip(self.state, arrays, strict=True)
        }
        if cur.dtype.kind not in "biuf" or any(a.dtype.kind not in "biuf" for a in arrays):
            raise TypeError("inputs and states must be real numbers")
        ns["I"] = np.broadcast_to(cur, shape).astype(dtype).ravel()
        for name in self.hidden:
            ns[name] = np.zeros(ns["I"].size, dtype)
        ns.update(self.constants(dtype))
        n = ns["U"].size
        thr = dtype.type(self.threshold)
        fired = np.flatnonzero(ns["U"] > thr)
        dt = self.time_step
        if self._reset_first and self._reset_block is not None and fired.size:
            self._reset_block(ns, fired, fired.size, 0.0, dt, None)
        self._update_block(ns, slice(None), n, 0.0, dt, None)
        if not self._reset_first and self._reset_block is not None and fired.size:
            self._reset_block(ns, fired, fired.size, 0.0, dt, None)
        spk = (ns["U"] > thr).astype(dtype).reshape(shape)
        return (spk, *(ns[name].reshape(shape) for name in self.state))

    def group(self, N: int = 1, I: float | str | np.ndarray = 0.0, *, name: str | None = None,
              dtype: str = "float64", namespace: dict[str, Any] | None = None) -> NeuronGroup:
        """The same model as a NeuronGroup of N neurons, run in snnTorch's order.

        ``I`` is a number, a per-neuron array, or an expression such as ``'I_in(t)'``.
        """
        eqs = self.equations + (f"\nI = {I} : 1" if isinstance(I, str) else "\nI : 1")
        ns = {**self.constants(dtype), **(namespace or {})}
        G = NeuronGroup(N, eqs, threshold="U > U_thr", reset=self.reset,
                        method=self.method or "euler", namespace=ns, dt=self.time_step,
                        dtype=dtype, name=name)
        G.thresholder.when = "start"
        if self.update is not None:
            G.run_regularly(self.update, when="groups")
        if G.resetter is not None and self._reset_first:
            G.resetter.when = "start"
            G.resetter.order = 1
        if I is None:
            raise TypeError("I must be a number, a per-neuron array or an expression string")
        if not isinstance(I, str):
            G.I = I
        return G
