"""A small network with spike-timing-dependent plasticity, written as a Brian2 script.

Run:  python examples/brian2/stdp_network.py [--figures figures] [--duration 2]

Forty input neurons fire regular trains (input k every 12 + k/2 ms, its first spike at
k/4 ms: a SpikeGeneratorGroup, so the run is the same every time) onto three
conductance-based leaky integrate-and-fire neurons through all-to-all synapses with additive
pair-based STDP: two event-driven traces per synapse, ``apre`` raised by each input spike and
``apost`` by each output spike, potentiation by ``apre`` at an output spike, depression by
``apost`` at an input spike, weights clipped to [0, w_max]. Inputs whose spikes come just before
the outputs' grow; the others shrink. The script prints the output spike counts, the weights'
mean and how many ended near 0 and near w_max, and writes two figures.

Only the import line differs from Brian2: the same script with ``from brian2 import *`` gave
these numbers under Brian2 2.9.0 (tests/brian2/test_examples_scripts.py holds them).
"""

# ruff: noqa: F403, F405 - Brian2's style: names from the star-import
from __future__ import annotations

import argparse
from pathlib import Path

from lifdsl.brian2 import *

# parameters (module level, as Brian2 scripts have them: run() finds them here)
n_in, n_out = 40, 3
tau_m, tau_e = 10 * ms, 5 * ms
E_l, E_e, v_t, v_r = -70 * mV, 0 * mV, -54 * mV, -60 * mV
tau_pre = tau_post = 20 * ms
w_max = 0.1
a_pre = 0.01 * w_max
a_post = -1.05 * a_pre


def simulate(duration=2 * second):
    """Build and run the network; returns the spike monitor, weight monitor and synapses."""
    start_scope()
    defaultclock.dt = 0.1 * ms
    indices, times = [], []
    for k in range(n_in):
        period = (12 + 0.5 * k) * ms
        ts = np.arange(0.25 * k * ms, duration, period)
        indices += [k] * len(ts)
        times += list(ts)
    order = np.argsort(times, kind="stable")
    inputs = SpikeGeneratorGroup(n_in, np.array(indices)[order],
                                 np.array(times)[order] * second)

    neurons = NeuronGroup(n_out, """
        dv/dt = (E_l - v + g_e*(E_e - v))/tau_m : volt
        dg_e/dt = -g_e/tau_e : 1
        """, threshold="v > v_t", reset="v = v_r", refractory=2 * ms,
        method="euler")
    neurons.v = E_l

    syn = Synapses(inputs, neurons, """
        w : 1
        dapre/dt = -apre/tau_pre : 1 (event-driven)
        dapost/dt = -apost/tau_post : 1 (event-driven)
        """, on_pre="""
        g_e_post += w
        apre += a_pre
        w = clip(w + apost, 0, w_max)
        """, on_post="""
        apost += a_post
        w = clip(w + apre, 0, w_max)
        """)
    syn.connect()
    syn.w = "w_max*(0.3 + 0.05*((3*i + 7*j) % 9))"

    spikes = SpikeMonitor(neurons)
    weights = StateMonitor(syn, "w", record=[0, 1, 2, 60, 61, 62])
    run(duration)
    return spikes, weights, syn


def main(argv=None) -> None:
    """Run, print the summary, write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--figures", type=Path, default=Path("figures"))
    ap.add_argument("--duration", type=float, default=2.0, help="seconds")
    args = ap.parse_args(argv)
    spikes, weights, syn = simulate(args.duration * second)
    w = np.asarray(syn.w[:])
    print(f"output spikes: {[int(c) for c in spikes.count[:]]}")
    print(f"mean weight: {np.mean(w) / w_max:.6f} w_max")
    print(f"weights below 0.1 w_max: {int(np.sum(w < 0.1 * w_max))}, "
          f"above 0.9 w_max: {int(np.sum(w > 0.9 * w_max))} (of {len(w)})")

    args.figures.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6))
    ax1.plot(weights.t / ms, weights.w.T / w_max)
    ax1.set(xlabel="time (ms)", ylabel="w / w_max", title="six synapses")
    ax2.plot(np.asarray(syn.i[:]), w / w_max, ".")
    ax2.set(xlabel="input neuron", ylabel="final w / w_max")
    fig.tight_layout()
    path = args.figures / "stdp_network_weights.png"
    fig.savefig(path)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(spikes.t / ms, spikes.i, "|")
    ax.set(xlabel="time (ms)", ylabel="output neuron")
    raster = args.figures / "stdp_network_raster.png"
    fig.savefig(raster)
    plt.close(fig)
    print(f"figures: {path} {raster}")


if __name__ == "__main__":
    main()
