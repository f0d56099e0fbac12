"""snnTorch's Lapicque neuron as an equation: the RC membrane ``R*C*dU/dt = -U + R*I``."""

from __future__ import annotations

import math

import numpy as np

from lifdsl.models.base import SnnTorchNeuron


class Lapicque(SnnTorchNeuron):
    """Lapicque's RC neuron with snnTorch's numbers: forward Euler of ``R*C*dU/dt = -U + R*I``.

    Each step: spike test on the old membrane, the Euler update with this step's input, then
    the reset (``'subtract'``: minus the threshold, ``'zero'``: the new value to 0, ``'none'``).
    """

    equations = "R*C*dU/dt = -U + R*I : 1"
    method = "euler"

    def __init__(self, beta: float | None = None, R: float = 1.0, C: float = 1.0,
                 time_step: float = 1e-3, threshold: float = 1.0,
                 reset_mechanism: str = "subtract") -> None:
        if beta is not None:
            # with beta given, C follows from beta = exp(-time_step/(R*C))
            if not 0 < beta < 1:
                raise ValueError(f"beta must lie in (0, 1), got {beta!r}")
            C = time_step / (R * math.log(1 / beta))
        if not (R > 0 and C > 0 and np.isfinite(R) and np.isfinite(C)):
            raise ValueError(f"R and C must be positive and finite, got R={R!r}, C={C!r}")
        self.R = float(R)
        self.C = float(C)
        super().__init__(threshold, reset_mechanism, time_step)

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
        return self._step(input_, mem)

    def __repr__(self) -> str:
        return (f"Lapicque(R={self.R!r}, C={self.C!r}, time_step={self.time_step!r}, "
                f"threshold={self.threshold!r}, reset_mechanism={self.reset_mechanism!r})")
