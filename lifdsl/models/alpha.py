"""snnTorch's Alpha neuron: two synaptic currents of opposite sign whose sum, scaled, is the
membrane, so that a spike in gives a membrane response shaped like an alpha function."""

from __future__ import annotations

import math

import numpy as np

from lifdsl.models.base import SnnTorchNeuron
from lifdsl.models.leaky import _check_decay


class Alpha(SnnTorchNeuron):
    """snnTorch's Alpha neuron, each step (snnTorch 1.0's numbers)::

        syn_exc = alpha*syn_exc + I
        syn_inh = beta*syn_inh - I
        U       = tau_alpha*(syn_exc + syn_inh)

    with ``tau_alpha = log(alpha)/(log(beta) - log(alpha)) + 1``.

    The membrane is not integrated: it is recomputed from the two currents every step, so
    ``U`` passed in only decides the spike test of this step. Resets, for a neuron whose old
    membrane is above the threshold, applied after the update:

    - ``'zero'`` (snnTorch's default for Alpha): all three states are 0, this step's input
      included;
    - ``'subtract'``: the threshold comes off ``syn_exc``, ``syn_inh`` is 0, and the *old*
      ``syn_inh`` is added to the new membrane (the membrane is not lowered by the threshold);
    - ``'none'``.

    ``alpha`` must be greater than ``beta`` (a positive input then raises the membrane) and
    both lie in [0, 1]; ``beta = 1`` is refused as snnTorch does. The variable
    ``syn_inh_old`` carries the old ``syn_inh`` from the update to the subtract reset.
    """

    state = ("syn_exc", "syn_inh", "U")
    hidden = ("syn_inh_old",)
    equations = "syn_exc : 1\nsyn_inh : 1\nU : 1\nsyn_inh_old : 1"
    update = ("syn_inh_old = syn_inh\n"
              "syn_exc = alpha*syn_exc + I\n"
              "syn_inh = beta*syn_inh - I\n"
              "U = tau_alpha*(syn_exc + syn_inh)")
    resets = {"subtract": "syn_exc -= U_thr\nsyn_inh = 0\nU += syn_inh_old",
              "zero": "syn_exc = 0\nsyn_inh = 0\nU = 0",
              "none": None}

    def __init__(self, alpha: float, beta: float, threshold: float = 1.0,
                 reset_mechanism: str = "zero", time_step: float = 1e-3) -> None:
        self.alpha = _check_decay("alpha", alpha)
        self.beta = _check_decay("beta", beta)
        if not self.alpha > self.beta:
            raise ValueError(f"alpha must be greater than beta (as snnTorch requires), got "
                             f"alpha={self.alpha!r}, beta={self.beta!r}")
        super().__init__(threshold, reset_mechanism, time_step)

    @property
    def tau_alpha(self) -> float:
        """``log(alpha)/(log(beta) - log(alpha)) + 1``, the factor from currents to membrane
        (1 where ``beta`` is 0, as snnTorch's float arithmetic gives)."""
        if self.beta == 0:
            return 1.0
        la, lb = math.log(self.alpha), math.log(self.beta)
        return la / (lb - la) + 1

    def constants(self, dtype: str | np.dtype = "float64") -> dict[str, float]:
        """``namespace``; for float32 states ``tau_alpha`` is computed in float32 from the
        float32 ``alpha`` and ``beta``, as snnTorch computes it for a float32 model (it
        differs from the rounded double by 1 ulp for alpha=0.9, beta=0.8)."""
        ns = self.namespace
        if np.dtype(dtype) == np.float32 and self.beta > 0:
            a, b = np.float32(self.alpha), np.float32(self.beta)
            la, lb = np.log(a), np.log(b)
            ns["tau_alpha"] = float(la / (lb - la) + np.float32(1))
        return ns

    @property
    def namespace(self) -> dict[str, float]:
        """Constants of the model strings."""
        return {"alpha": self.alpha, "beta": self.beta, "tau_alpha": self.tau_alpha,
                "U_thr": self.threshold}

    def __call__(self, input_, syn_exc, syn_inh, mem
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One step: ``spk, syn_exc, syn_inh, mem = lif(cur, syn_exc, syn_inh, mem)`` with the
        same numbers as snnTorch."""
        return self._step(input_, syn_exc, syn_inh, mem)

    def __repr__(self) -> str:
        return (f"Alpha(alpha={self.alpha!r}, beta={self.beta!r}, "
                f"threshold={self.threshold!r}, reset_mechanism={self.reset_mechanism!r})")
