"""The tutorial neuron used by bench/overhead.py, importable from a fresh process."""

from __future__ import annotations

import lifdsl as ld


def make_net(target: str) -> ld.Network:
    """The tutorial's Lapicque neuron (R=5.1, C=5e-3) with a constant drive and a monitor."""
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + R*I : 1", threshold="U > 1", reset="U -= 1",
                       method="euler", dt=1e-3, namespace={"tau": 5.1 * 5e-3, "R": 5.1,
                                                          "I": 0.3})
    G.thresholder.when = "start"
    S = ld.SpikeMonitor(G)
    return ld.Network(G, S, target=target)


def brian2_net():
    """Brian2's equivalent (Cython target), run for one step; returns (brian2, network)."""
    import brian2 as b2

    b2.start_scope()
    b2.prefs.codegen.target = "cython"
    G = b2.NeuronGroup(1, "dU/dt = (-U + R*I)/tau : 1", threshold="U > 1", reset="U -= 1",
                       method="euler", dt=1e-3 * b2.second,
                       namespace={"tau": 5.1 * 5e-3 * b2.second, "R": 5.1, "I": 0.3})
    net = b2.Network(G, b2.SpikeMonitor(G))
    net.run(1e-3 * b2.second)
    return b2, net
