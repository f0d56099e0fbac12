"""What custom events and values recorded at spikes cost, in CPU time of the run (Cython).

    python bench/events.py                 # N = 4000 and 32000, 0.5 s of 0.1 ms steps
    python bench/events.py --n 4000 --duration 0.2 --rounds 2

Model: tau*dv/dt = -v + I (exact), threshold v > 1, reset v = 0, I from 1.05 to 1.5 across the
population (about 20-90 Hz). Variants, alternated in one process (kernels built before the
timed runs): a SpikeMonitor alone (the baseline); a SpikeMonitor recording v and I at each
spike; a custom event 'v > 0.9' (a second condition per neuron and step, true in about a
fifth of them) unrecorded, then with an EventMonitor, then also with run_on_event and a
Synapses pathway on it (one synapse per neuron). Each row: CPU seconds per simulated second,
the ratio to the baseline and the events counted (spikes for the first three).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import lifdsl as ld

EQS = "dv/dt = (I - v)/(10*ms) : 1\nI : 1\nn : 1"


def build(variant: str, n: int) -> tuple[ld.Network, object]:
    """The network of one variant and the monitor whose count it reports."""
    events = {"near": "v > 0.9"} if variant.startswith("event") else None
    G = ld.NeuronGroup(n, EQS, threshold="v > 1", reset="v = 0", method="exact",
                       events=events, dt=1e-4)
    G.I = np.linspace(1.05, 1.5, n)
    G.v = "rand()"
    objs: list = [G]
    if variant == "values":
        mon = ld.SpikeMonitor(G, variables=["v", "I"])
    else:
        mon = ld.SpikeMonitor(G)
    objs.append(mon)
    if variant.startswith("event") and variant != "event-only":
        ev = ld.EventMonitor(G, "near")
        objs.append(ev)
        mon = ev
    if variant == "event+code":
        G.run_on_event("near", "n += 1")
        H = ld.NeuronGroup(n, "x : 1", dt=1e-4)
        S = ld.Synapses(G, H, on_pre="x_post += 1", on_event="near")
        S.connect(j="i")
        objs += [H, S]
    return ld.Network(*objs, target="cython"), mon


VARIANTS = ["spikes", "values", "event-only", "event", "event+code"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="*", default=[4000, 32000])
    ap.add_argument("--duration", type=float, default=0.5)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    ld.seed(1)
    print(f"{'N':>7} {'variant':<11} {'CPU s / sim s':>14} {'x spikes':>9} {'events':>10}")
    for n in args.n:
        for v in VARIANTS:   # build every kernel first
            build(v, n)[0].run(10e-4)
        best = {v: float("inf") for v in VARIANTS}
        counts = {}
        for _ in range(args.rounds):
            for v in VARIANTS:
                net, mon = build(v, n)
                t0 = time.process_time()
                net.run(args.duration)
                best[v] = min(best[v], (time.process_time() - t0) / args.duration)
                counts[v] = mon.num_events   # (event-only: the spikes)
        for v in VARIANTS:
            print(f"{n:>7} {v:<11} {best[v]:>14.3f} {best[v] / best['spikes']:>9.2f} "
                  f"{counts[v]:>10}")


if __name__ == "__main__":
    main()
