"""Reset modes: subtract the threshold, or set the membrane to zero.

Run:  python examples/reset_modes.py [figures/reset_modes]

snnTorch's Tutorial 2 neuron (``ld.models.Lapicque(R=5.1, C=5e-3)``, threshold 0.5) under a
constant input of 0.3 from step 10. ``'subtract'`` keeps what the membrane had above the
threshold, so the next spike comes sooner; ``'zero'`` throws it away. Writes traces.png.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import lifdsl as ld  # noqa: E402

STEPS, THRESHOLD = 200, 0.5
CUR = np.r_[np.zeros(10), np.full(STEPS - 10, 0.3)]


def simulate(reset: str) -> tuple[np.ndarray, np.ndarray]:
    """The membrane after each step and the returned spikes, snnTorch's stepper loop."""
    lif = ld.models.Lapicque(R=5.1, C=5e-3, time_step=1e-3, threshold=THRESHOLD,
                             reset_mechanism=reset)
    mem, mems, spks = np.zeros(1), [], []
    for k in range(STEPS):
        spk, mem = lif(CUR[k:k + 1], mem)
        mems.append(mem[0])
        spks.append(spk[0])
    return np.array(mems), np.array(spks)


def main(argv: list[str] | None = None) -> dict[str, int]:
    """Print the spike count of each reset mode and write the figure; returns the counts."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", default="figures/reset_modes")
    folder = Path(p.parse_args(argv).folder)
    folder.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    counts = {}
    for reset in ("subtract", "zero"):
        mem, spk = simulate(reset)
        counts[reset] = int(spk.sum())
        print(f"reset_mechanism={reset!r}: {counts[reset]} spikes in {STEPS} steps, "
              f"membrane right after the first reset {mem[np.argmax(spk) + 1]:.3f}")
        ax.plot(mem, label=f"{reset} ({counts[reset]} spikes)")
    ax.axhline(THRESHOLD, color="k", ls="--", lw=0.8)
    ax.set(xlabel="step", ylabel="U", title="reset by subtraction and to zero")
    ax.legend()
    fig.tight_layout()
    path = folder / "traces.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    print(f"wrote {path}")
    return counts


if __name__ == "__main__":
    main()
