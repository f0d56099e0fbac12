"""snnTorch's Lapicque neuron as an equation: the RC membrane ``R*C*dU/dt = -U + R*I``.

Two faces of one model: ``lif(cur, mem)`` steps numpy arrays exactly as snnTorch's
``Lapicque`` does, and ``lif.group(N)`` gives the same model as a NeuronGroup. Both run code
generated from the same equations (forward Euler), so they cannot drift apart.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lifdsl.core.codeobject import CodeBlock
from lifdsl.core.neurongroup import NeuronGroup
from lifdsl.equations import Equations
from lifdsl.equations.functions import symbol
from lifdsl.equations.statements import Assign

_RESETS = {"subtract": "U -= U_thr", "zero": "U = 0", "none": None}

EQUATIONS = "R*C*dU/dt = -U + R*I : 1"


class Lapicque:
    """Lapicque's RC neuron with snnTorch's numbers and update order.

    Each step: spike test on the old membrane, forward-Euler update with this step's input,
    then the reset (``'subtract'``: minus the threshold, ``'zero'``: to 0, ``'none'``).
    """

    method = "euler"

    def __init__(
        self,
        beta: float | None = None,
        R: float = 1.0,
        C: float = 1.0,
        time_step: float = 1e-3,
        threshold: float = 1.0,
        reset_mechanism: str = "subtract",
    ) -> None:
        if reset_mechanism not in _RESETS:
            raise ValueError(
                f"reset_mechanism must be 'subtract', 'zero' or 'none'; got {reset_mechanism!r}"
            )
        if not time_step > 0:
            raise ValueError(f"time_step must be positive, got {time_step!r}")
        if beta is not None:
            # snnTorch: with beta given, C follows from beta = exp(-time_step/(R*C))
            if not 0 < beta < 1:
                raise ValueError(f"beta must lie in (0, 1), got {beta!r}")
            C = time_step / (R * math.log(1 / beta))
        if not (R > 0 and C > 0):
            raise ValueError(f"R and C must be positive, got R={R!r}, C={C!r}")
        self.R = float(R)
        self.C = float(C)
        self.time_step = float(time_step)
        self.threshold = float(threshold)
        self.reset_mechanism = reset_mechanism
        self.equations = Equations(EQUATIONS + "\nI : 1")
        self.reset = _RESETS[reset_mechanism]
        upd = self.equations.discretize(self.method)
        stmts = list(upd.statements) + [Assign("U", symbol("U_new"))]
        self._update = CodeBlock("lapicque_update", stmts, {"U", "I"})
        self._reset_block = None
        if self.reset is not None:
            from lifdsl.equations import parse_statements

            rs = [s.as_assign() for s in parse_statements(self.reset, what="reset")]
            self._reset_block = CodeBlock("lapicque_reset", rs, {"U", "I"})

    @property
    def beta(self) -> float:
        """exp(-time_step/(R*C)), the decay per step of the exact solution (as snnTorch stores
        it; the Euler update uses 1 - time_step/(R*C) instead)."""
        return math.exp(-self.time_step / (self.R * self.C))

    @property
    def namespace(self) -> dict[str, float]:
        """Constants of the model strings."""
        return {"R": self.R, "C": self.C, "U_thr": self.threshold}

    def __call__(self, input_, mem) -> tuple[np.ndarray, np.ndarray]:
        """One step: ``spk, mem = lif(cur, mem)`` with the same numbers as snnTorch."""
        mem = np.asarray(mem)
        cur = np.asarray(input_)
        dtype = np.result_type(mem.dtype, cur.dtype, np.float32)
        if dtype not in (np.float32, np.float64):
            dtype = np.float64
        shape = np.broadcast_shapes(mem.shape, cur.shape)
        U = np.array(np.broadcast_to(mem, shape), dtype=dtype).ravel()
        ns: dict[str, Any] = {"U": U, "I": np.broadcast_to(cur, shape).astype(dtype).ravel(),
                              **self.namespace}
        n = U.size
        fired = np.flatnonzero(U > dtype.type(self.threshold))
        self._update(ns, slice(None), n, 0.0, self.time_step, None)
        if self._reset_block is not None and fired.size:
            self._reset_block(ns, fired, fired.size, 0.0, self.time_step, None)
        U = U.reshape(shape)
        spk = (U > dtype.type(self.threshold)).astype(dtype)
        return spk, U

    def group(self, N: int = 1, I: float | str | np.ndarray = 0.0, *, name: str | None = None,
              dtype: str = "float64", namespace: dict[str, Any] | None = None) -> NeuronGroup:
        """The same model as a NeuronGroup of N neurons, thresholds in snnTorch's order.

        ``I`` is a number, a per-neuron array, or an expression such as ``'I_in(t)'``.
        """
        if isinstance(I, str):
            eqs = EQUATIONS + f"\nI = {I} : 1"
        else:
            eqs = EQUATIONS + "\nI : 1"
        ns = {**self.namespace, **(namespace or {})}
        G = NeuronGroup(N, eqs, threshold="U > U_thr", reset=self.reset, method=self.method,
                        namespace=ns, dt=self.time_step, dtype=dtype, name=name)
        G.thresholder.when = "start"
        if not isinstance(I, str):
            G.I = I
        return G

    def __repr__(self) -> str:
        return (f"Lapicque(R={self.R!r}, C={self.C!r}, time_step={self.time_step!r}, "
                f"threshold={self.threshold!r}, reset_mechanism={self.reset_mechanism!r})")
