"""A population of Hodgkin-Huxley neurons, each driven by its own constant current, written as
a Brian2 script: the firing rate against the current (the f-I curve) and a few voltage traces.

Run:  python examples/brian2/hh_population.py [--figures figures] [--duration 0.5]

The squid axon model of Hodgkin and Huxley (1952) with the resting potential at -65 mV
(sodium, potassium and leak currents per unit of membrane area; the gates' rates written with
``exprel`` so that they stay finite where their formulas divide 0 by 0), integrated with
``exponential_euler`` at dt = 0.01 ms. Neuron k receives I = 15 k / (N - 1) uA/cm^2
(N = 16): up to 6 uA/cm^2 the model fires at most two spikes and then rests, from 7 uA/cm^2
on it fires repetitively at 58-78 Hz (a type II neuron: the rate does not start from 0).
A spike is an upward crossing of -20 mV; the threshold stays off while v is above it.

Only the import line differs from Brian2: the same script with ``from brian2 import *`` gave
the same spike counts under Brian2 2.9.0 (tests/brian2/test_examples_scripts.py holds them).
"""

# ruff: noqa: F403, F405 - Brian2's style: names from the star-import
from __future__ import annotations

import argparse
from pathlib import Path

from lifdsl.brian2 import *

N = 16
C_m = 1 * uF / cm**2
g_na, g_k, g_l = 120 * msiemens / cm**2, 36 * msiemens / cm**2, 0.3 * msiemens / cm**2
E_na, E_k, E_l = 50 * mV, -77 * mV, -54.4 * mV

equations = """
dv/dt = (I - g_na*m**3*h*(v - E_na) - g_k*n**4*(v - E_k) - g_l*(v - E_l))/C_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
alpha_m = 1/exprel(-(v + 40*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
alpha_n = 0.1/exprel(-(v + 55*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
I : amp/meter**2 (constant)
"""


def simulate(duration=0.5 * second):
    """Build and run the population; returns the group and its monitors."""
    start_scope()
    defaultclock.dt = 0.01 * ms
    neurons = NeuronGroup(N, equations, threshold="v > -20*mV", refractory="v > -20*mV",
                          method="exponential_euler")
    neurons.v = -65 * mV
    neurons.m, neurons.h, neurons.n = 0.0529, 0.5961, 0.3177   # the gates at rest
    neurons.I = "15*uA/cm**2 * i/(N - 1)"
    spikes = SpikeMonitor(neurons)
    trace = StateMonitor(neurons, "v", record=[2, 7, 15])
    run(duration)
    return neurons, spikes, trace


def main(argv=None) -> None:
    """Run, print the spike counts and rates, write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--figures", type=Path, default=Path("figures"))
    ap.add_argument("--duration", type=float, default=0.5, help="seconds")
    args = ap.parse_args(argv)
    duration = args.duration * second
    neurons, spikes, trace = simulate(duration)
    counts = [int(c) for c in spikes.count[:]]
    print(f"spike counts: {counts}")
    print(f"mean v at the end: {float(np.mean(neurons.v_)) * 1e3:.6f} mV")
    args.figures.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6))
    ax1.plot(neurons.I / (uA / cm**2), np.array(counts) / (duration / second), "o-")
    ax1.set(xlabel="I (uA/cm^2)", ylabel="rate (Hz)", title="f-I curve")
    for row, k in enumerate(trace.record):
        ax2.plot(trace.t / ms, trace.v[row] / mV, label=f"neuron {k}")
    ax2.set(xlabel="time (ms)", ylabel="v (mV)", xlim=(0, 100))
    ax2.legend(loc="upper right")
    fig.tight_layout()
    path = args.figures / "hh_population.png"
    fig.savefig(path)
    plt.close(fig)
    print(f"figures: {path}")


if __name__ == "__main__":
    main()
