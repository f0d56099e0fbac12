"""Spike sources: PoissonGroup (independent Poisson spike trains)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lifdsl.core.neurongroup import NeuronGroup

__all__ = ["PoissonGroup"]


class PoissonGroup(NeuronGroup):
    """N independent Poisson spike trains at ``rates`` (Hz): a number, one per neuron, or a
    string of ``t`` and ``i`` evaluated every step. A neuron spikes in a step with probability
    ``rates*dt``, as in Brian2."""

    _prefix = "poissongroup"

    def __init__(self, N: int, rates, dt: float | None = None, name: str | None = None,
                 namespace: dict[str, Any] | None = None) -> None:
        if isinstance(rates, str):
            model = f"rates = {rates} : Hz"
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
