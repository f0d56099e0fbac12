"""The same neuron in snnTorch's and in Brian2's order of threshold, update and reset.

Run:  python examples/schedules.py [figures/schedules]

Brian2 (lifdsl's default) updates the state, then tests the threshold on the new state and
resets it in the same step: a recorded membrane never lies above the threshold. snnTorch
tests the *old* membrane first (``G.thresholder.when = 'start'``), then updates and resets:
the membrane is recorded above the threshold for one step, and the spikes come later (a step
for the first one here; the reset happens a step later too, so the shift grows). Writes
traces.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import lifdsl as ld  # noqa: E402

DT, T_END = 1e-3, 0.1
EQS = "tau*dU/dt = -U + R*I : 1"


def simulate(order: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Recorded membrane and spike times in ``'brian2'`` or ``'snntorch'`` order."""
    G = ld.NeuronGroup(1, EQS, threshold="U > 1", reset="U -= 1", method="euler", dt=DT,
                       namespace={"tau": 5.1 * 5e-3, "R": 5.1, "I": 0.3})
    if order == "snntorch":
        G.thresholder.when = "start"
    M = ld.StateMonitor(G, "U", record=True)
    S = ld.SpikeMonitor(G)
    ld.Network(G, M, S, target="numpy").run(T_END)
    return M.t.copy(), M.U[0].copy(), np.asarray(S.t, dtype=float).copy()


def main(argv: list[str] | None = None) -> dict[str, dict[str, object]]:
    """Print the spike times and the highest recorded membrane of each order; write the
    figure. Returns those numbers."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", default="figures/schedules")
    folder = Path(p.parse_args(argv).folder)
    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    out: dict[str, dict[str, object]] = {}
    for order in ("brian2", "snntorch"):
        t, u, spikes = simulate(order)
        out[order] = {"spikes": spikes, "max_U": float(u.max())}
        print(f"{order:>8} order: spikes at {np.round(spikes * 1e3, 3).tolist()} ms, "
              f"highest recorded U {u.max():.3f}")
        ax.step(t * 1e3, u, where="post", label=order)
    ax.axhline(1, color="k", ls="--", lw=0.8)
    ax.set(xlabel="t (ms)", ylabel="U", title="threshold after the update (Brian2) or "
           "before it (snnTorch)")
    ax.legend()
    fig.tight_layout()
    path = folder / "traces.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    main()
