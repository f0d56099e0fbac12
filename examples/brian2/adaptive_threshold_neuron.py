"""A leaky integrate-and-fire neuron whose threshold rises at each spike and relaxes back,
written as a Brian2 script: spike-frequency adaptation under steps of input current.

Run:  python examples/brian2/adaptive_threshold_neuron.py [--figures figures]

The membrane (tau_m = 10 ms, E_l = -70 mV, R = 20 Mohm) is driven by a current that steps
0, 1.2, 2.0, 1.2, 0 nA (200 ms each: a TimedArray, ``I_in(t)`` in the equations). The threshold
``theta`` starts at -54 mV, jumps by 3 mV at each spike and decays back with tau = 80 ms, so
the intervals between spikes lengthen after each step up until the threshold's rise and decay
balance (adaptation: 14.4 ms to 29.0 ms at 1.2 nA), and after the step down from 2.0 nA the
raised threshold makes the first interval the longest (33.7 ms). The reset
is to -65 mV with a 2 ms refractory period; the equations are linear, integrated exactly.
The script prints the spike count and the first and last interspike interval in each step,
and writes a figure of v, theta and the current.

Only the import line differs from Brian2: the same script with ``from brian2 import *`` gave
the same spikes under Brian2 2.9.0 (tests/brian2/test_examples_scripts.py holds the numbers).
"""

# ruff: noqa: F403, F405 - Brian2's style: names from the star-import
from __future__ import annotations

import argparse
from pathlib import Path

from lifdsl.brian2 import *

tau_m, tau_theta = 10 * ms, 80 * ms
E_l, v_r, theta_0, delta_theta = -70 * mV, -65 * mV, -54 * mV, 3 * mV
R = 20 * Mohm
step = 200 * ms
I_in = TimedArray([0, 1.2, 2.0, 1.2, 0] * nA, dt=step)


def simulate():
    """Build and run the neuron for the five steps; returns its spike and state monitors."""
    start_scope()
    defaultclock.dt = 0.1 * ms
    neuron = NeuronGroup(1, """
        dv/dt = (E_l - v + R*I_in(t))/tau_m : volt (unless refractory)
        dtheta/dt = (theta_0 - theta)/tau_theta : volt
        """, threshold="v > theta", reset="v = v_r; theta += delta_theta",
        refractory=2 * ms, method="exact")
    neuron.v = E_l
    neuron.theta = theta_0
    spikes = SpikeMonitor(neuron)
    state = StateMonitor(neuron, ["v", "theta"], record=0)
    run(5 * step)
    return spikes, state


def main(argv=None) -> None:
    """Run, print the adaptation in each step, write the figure."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--figures", type=Path, default=Path("figures"))
    args = ap.parse_args(argv)
    spikes, state = simulate()
    t = np.asarray(spikes.t_)
    print(f"spikes: {len(t)}")
    for k in range(5):
        inside = t[(t >= k * float(step)) & (t < (k + 1) * float(step))]
        isi = np.diff(inside) * 1e3
        first, last = (f"{isi[0]:.1f}", f"{isi[-1]:.1f}") if isi.size else ("-", "-")
        print(f"step {k} ({float(I_in.values[k]) * 1e9:.1f} nA): {inside.size} spikes, "
              f"first ISI {first} ms, last ISI {last} ms")
    args.figures.mkdir(parents=True, exist_ok=True)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5), sharex=True,
                                   gridspec_kw={"height_ratios": [3, 1]})
    ax1.plot(state.t / ms, state.v[0] / mV, lw=0.7, label="v")
    ax1.plot(state.t / ms, state.theta[0] / mV, label="theta")
    ax1.set(ylabel="mV")
    ax1.legend(loc="upper right")
    ax2.plot(state.t / ms, I_in(state.t) / nA)
    ax2.set(xlabel="time (ms)", ylabel="I (nA)")
    fig.tight_layout()
    path = args.figures / "adaptive_threshold_neuron.png"
    fig.savefig(path)
    plt.close(fig)
    print(f"figures: {path}")


if __name__ == "__main__":
    main()
