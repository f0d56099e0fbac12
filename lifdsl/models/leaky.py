"""snnTorch's Leaky and Synaptic neurons: discrete-time maps, written as the statements they run
each step."""

from __future__ import annotations

import numpy as np

from lifdsl.models.base import SnnTorchNeuron


def _check_decay(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number in [0, 1], got {value!r}")
    value = float(value)
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must lie in [0, 1] (snnTorch clamps it there), got {value!r}")
    return value


class Leaky(SnnTorchNeuron):
    """snnTorch's first-order neuron: ``U = beta*U + I`` each step.

    It is the exact discretization of ``tau*dU/dt = -U + R*I`` with ``tau = -dt/log(beta)``
    and ``R = 1/(1 - beta)`` (input constant over the step). Subtract reset: minus the threshold
    after the update; 'zero': the old membrane is zeroed before the update, as snnTorch does.
    """

    equations = "U : 1"
    update = "U = beta*U + I"
    reset_before_update = {"zero": True}

    def __init__(self, beta: float, threshold: float = 1.0, reset_mechanism: str = "subtract",
                 time_step: float = 1e-3) -> None:
        self.beta = _check_decay("beta", beta)
        super().__init__(threshold, reset_mechanism, time_step)

    @property
    def namespace(self) -> dict[str, float]:
        """Constants of the model strings."""
        return {"beta": self.beta, "U_thr": self.threshold}

    def __call__(self, input_, mem) -> tuple[np.ndarray, np.ndarray]:
        """One step: ``spk, mem = lif(cur, mem)`` with the same numbers as snnTorch."""
        return self._step(input_, mem)

    def __repr__(self) -> str:
        return (f"Leaky(beta={self.beta!r}, threshold={self.threshold!r}, "
                f"reset_mechanism={self.reset_mechanism!r})")


class Synaptic(SnnTorchNeuron):
    """snnTorch's second-order neuron: ``syn = alpha*syn + I; U = beta*U + syn`` each step.

    The membrane takes the synaptic current of the end of the step. Reset: 'subtract' takes the
    threshold off the new membrane, 'zero' sets it to 0; the synaptic current is not reset.
    """

    state = ("syn", "U")
    equations = "syn : 1\nU : 1"
    update = "syn = alpha*syn + I\nU = beta*U + syn"

    def __init__(self, alpha: float, beta: float, threshold: float = 1.0,
                 reset_mechanism: str = "subtract", time_step: float = 1e-3) -> None:
        self.alpha = _check_decay("alpha", alpha)
        self.beta = _check_decay("beta", beta)
        super().__init__(threshold, reset_mechanism, time_step)

    @property
    def namespace(self) -> dict[str, float]:
        """Constants of the model strings."""
        return {"alpha": self.alpha, "beta": self.beta, "U_thr": self.threshold}

    def __call__(self, input_, syn, mem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One step: ``spk, syn, mem = lif(cur, syn, mem)`` with the same numbers as snnTorch."""
        return self._step(input_, syn, mem)

    def __repr__(self) -> str:
        return (f"Synaptic(alpha={self.alpha!r}, beta={self.beta!r}, "
                f"threshold={self.threshold!r}, reset_mechanism={self.reset_mechanism!r})")
