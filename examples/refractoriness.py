"""Refractoriness: after a spike the membrane is held, so the firing rate saturates.

Run:  python examples/refractoriness.py [figures/refractoriness]

A LIF neuron ``tau*dU/dt = -U + R*I`` (tau = 10 ms, R*I = 1.5, threshold 1, reset to 0) with
refractory periods of 0, 2 and 5 ms. ``(unless refractory)`` holds U at the reset value during
the period, so each interspike interval is the refractory period plus the time to climb from 0
to the threshold, ``tau*log(R*I/(R*I - 1))`` = 10.99 ms. Writes traces.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import lifdsl as ld  # noqa: E402

TAU, DRIVE, DT, T_END = 10e-3, 1.5, 1e-5, 0.1
PERIODS = (0.0, 2e-3, 5e-3)


def climb_time() -> float:
    """The time from U = 0 to the threshold 1 under the constant drive."""
    return TAU * np.log(DRIVE / (DRIVE - 1))


def simulate(refractory: float):
    """Membrane record and spike times for one refractory period."""
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + drive : 1 (unless refractory)", threshold="U > 1",
                       reset="U = 0", refractory=refractory, method="exact", dt=DT,
                       namespace={"tau": TAU, "drive": DRIVE})
    M = ld.StateMonitor(G, "U", record=True)
    S = ld.SpikeMonitor(G)
    ld.Network(G, M, S, target="numpy").run(T_END)
    return M.t.copy(), M.U[0].copy(), np.asarray(S.t, dtype=float).copy()


def main(argv: list[str] | None = None) -> dict[float, dict[str, float]]:
    """Print spike counts and mean interspike intervals against the formula; write the
    figure. Returns the numbers per refractory period."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", default="figures/refractoriness")
    folder = Path(p.parse_args(argv).folder)
    folder.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(len(PERIODS), 1, sharex=True, figsize=(7, 6))
    out = {}
    for ax, ref in zip(axes, PERIODS, strict=True):
        t, u, spikes = simulate(ref)
        isi = float(np.mean(np.diff(spikes)))
        out[ref] = {"spikes": len(spikes), "isi": isi, "predicted": ref + climb_time()}
        print(f"refractory {ref * 1e3:g} ms: {len(spikes)} spikes in {T_END * 1e3:g} ms, "
              f"interval {isi * 1e3:.3f} ms (refractory + climb = "
              f"{(ref + climb_time()) * 1e3:.3f} ms)")
        ax.plot(t * 1e3, u)
        ax.axhline(1, color="k", ls="--", lw=0.8)
        ax.set(ylabel="U", title=f"refractory = {ref * 1e3:g} ms")
    axes[-1].set_xlabel("t (ms)")
    fig.tight_layout()
    path = folder / "traces.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    main()
