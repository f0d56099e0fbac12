"""Build functions of the sweep tests, importable by worker processes (a task names its build
by reference)."""

from __future__ import annotations

import os

import numpy as np

import lifdsl as ld

EQS = """
dv/dt = (ge - v)/tau : 1 (unless refractory)
dge/dt = -ge/taue : 1
"""


def small_net(we: float, target: str = "cython", n: int = 40, duration: float = 0.05,
              fail_at: float | None = None, marker: str | None = None) -> dict:
    """A small random network (random initial v, random connections, Poisson drive): its
    spikes depend on the run's seed and on ``we``. ``fail_at``: raise for that ``we`` (an
    interrupted sweep) unless the file ``marker`` exists."""
    if fail_at is not None and we == fail_at and not (marker and os.path.exists(marker)):
        raise RuntimeError(f"interrupted at we={we}")
    ns = {"tau": 0.01, "taue": 0.005, "we": we}
    G = ld.NeuronGroup(n, EQS, threshold="v > 1", reset="v = 0", refractory=0.002,
                       method="exact", namespace=ns)
    G.v = "rand()"
    S = ld.Synapses(G, G, on_pre="ge += we", namespace=ns)
    S.connect(p=0.2)
    P = ld.PoissonInput(G, "ge", 20, 100.0, weight=0.3)
    M = ld.SpikeMonitor(G)
    net = ld.Network(G, S, P, M, target=target)
    net.run(duration)
    return {"spikes": M, "n_syn": len(S), "rate": M.num_spikes / (n * duration)}


def small_network(we: float) -> ld.Network:
    """The same model returned as a Network, for sweep(..., duration=) to run."""
    ns = {"tau": 0.01, "taue": 0.005, "we": we}
    G = ld.NeuronGroup(30, EQS, threshold="v > 1", reset="v = 0", method="exact",
                       namespace=ns, name="G")
    G.v = "rand()"
    S = ld.Synapses(G, G, on_pre="ge += we", namespace=ns)
    S.connect(p=0.2)
    P = ld.PoissonInput(G, "ge", 20, 100.0, weight=0.3)
    return ld.Network(G, S, P, ld.SpikeMonitor(G, name="sp"),
                      ld.StateMonitor(G, "v", record=[0, 1], name="vm"), target="numpy")


def with_seed(x: float, seed: int) -> dict:
    """Draws of its own from the run's seed."""
    return {"draw": float(np.random.default_rng(seed).random()), "x2": 2 * x}
