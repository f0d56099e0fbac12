"""Regenerate snntorch_alpha.npz: snnTorch's Alpha neuron on fixed inputs.

Needs torch and snntorch (not dependencies of lifdsl); run by hand, in a virtual environment
outside the repository:
    python -m venv /tmp/snnenv && /tmp/snnenv/bin/pip install torch==2.13.0 snntorch==1.0.0
    /tmp/snnenv/bin/python tests/data/make_snntorch_alpha.py
Inputs come from NumPy's generator with a fixed seed, so the file is reproducible. See
REFERENCE.md for the keys.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import snntorch as snn
import torch

STEPS, N = 200, 4
ALPHA, BETA, THRESHOLD = 0.9, 0.8, 1.0
OUT = Path(__file__).with_name("snntorch_alpha.npz")


def run_alpha(cur, exc0, inh0, mem0, dtype, reset):
    """Every state after each call (index 0: the initial state), and the returned spikes."""
    lif = snn.Alpha(alpha=ALPHA, beta=BETA, threshold=THRESHOLD, reset_mechanism=reset)
    exc = torch.tensor(exc0, dtype=dtype)
    inh = torch.tensor(inh0, dtype=dtype)
    mem = torch.tensor(mem0, dtype=dtype)
    rec = {"exc": [exc0], "inh": [inh0], "mem": [mem0], "spk": [np.zeros(N, exc0.dtype)]}
    for k in range(STEPS):
        spk, exc, inh, mem = lif(torch.tensor(cur[k], dtype=dtype), exc, inh, mem)
        for key, value in (("exc", exc), ("inh", inh), ("mem", mem), ("spk", spk)):
            rec[key].append(value.detach().numpy().copy())
    return {key: np.array(values) for key, values in rec.items()}


def main() -> None:
    rng = np.random.default_rng(4)
    # input currents of mean 0.05 .. 0.3: the steady membrane 9.5*I lies below and above 1
    cur = rng.random((STEPS, N)) * np.array([0.1, 0.25, 0.4, 0.6])
    exc0 = np.array([0.0, 0.3, 0.5, 1.0])
    inh0 = np.array([0.0, -0.2, -0.4, -0.5])
    mem0 = np.array([0.0, 0.5, 1.0, 1.2])     # 1.0: not above the threshold; 1.2: resets at once
    data = {"cur": cur, "exc0": exc0, "inh0": inh0, "mem0": mem0,
            "meta_versions": np.array(f"snntorch {snn.__version__}, torch {torch.__version__}")}
    for reset in ("subtract", "zero", "none"):
        for tag, dtype, f in (("f64", torch.float64, np.float64),
                              ("f32", torch.float32, np.float32)):
            # as the other references: the float64 run makes float64 torch's default dtype, so
            # that alpha, beta, the threshold and tau_alpha are float64 too
            torch.set_default_dtype(dtype)
            rec = run_alpha(cur.astype(f), exc0.astype(f), inh0.astype(f), mem0.astype(f),
                            dtype, reset)
            for key, value in rec.items():
                data[f"alpha_{reset}_{tag}_{key}"] = value
    torch.set_default_dtype(torch.float32)
    np.savez_compressed(OUT, **data)
    print(f"wrote {OUT} ({len(data)} arrays)")
    for reset in ("subtract", "zero", "none"):
        print(reset, "spikes per neuron:", data[f"alpha_{reset}_f64_spk"].sum(axis=0))


if __name__ == "__main__":
    main()
