"""Regenerate snntorch_presets.npz: snnTorch's Leaky and Synaptic neurons on fixed inputs.

Needs torch and snntorch (not dependencies of lifdsl); run by hand:
    pip install torch==2.13.0 snntorch==1.0.0 && python tests/data/make_snntorch_presets.py
Inputs come from NumPy's generator with a fixed seed, so the file is reproducible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import snntorch as snn
import torch

STEPS, N = 200, 4
OUT = Path(__file__).with_name("snntorch_presets.npz")


def run_leaky(cur, mem0, dtype, reset):
    lif = snn.Leaky(beta=0.8, threshold=1.0, reset_mechanism=reset)
    mem = torch.tensor(mem0, dtype=dtype)
    mems, spks = [mem.numpy().copy()], [np.zeros(N)]
    for k in range(STEPS):
        spk, mem = lif(torch.tensor(cur[k], dtype=dtype), mem)
        mems.append(mem.detach().numpy().copy())
        spks.append(spk.detach().numpy().copy())
    return np.array(mems), np.array(spks)


def run_synaptic(cur, mem0, syn0, dtype, reset):
    lif = snn.Synaptic(alpha=0.9, beta=0.8, threshold=1.0, reset_mechanism=reset)
    mem = torch.tensor(mem0, dtype=dtype)
    syn = torch.tensor(syn0, dtype=dtype)
    mems, syns, spks = [mem.numpy().copy()], [syn.numpy().copy()], [np.zeros(N)]
    for k in range(STEPS):
        spk, syn, mem = lif(torch.tensor(cur[k], dtype=dtype), syn, mem)
        mems.append(mem.detach().numpy().copy())
        syns.append(syn.detach().numpy().copy())
        spks.append(spk.detach().numpy().copy())
    return np.array(mems), np.array(syns), np.array(spks)


def main() -> None:
    rng = np.random.default_rng(2026)
    cur = rng.random((STEPS, N)) * np.array([0.1, 0.25, 0.4, 0.6])
    mem0 = np.array([0.0, 0.5, 1.0, 0.95])
    syn0 = np.array([0.0, 0.1, 0.2, 0.0])
    data = {"cur": cur, "mem0": mem0, "syn0": syn0,
            "meta_versions": np.array(f"snntorch {snn.__version__}, torch {torch.__version__}")}
    for reset in ("subtract", "zero", "none"):
        for tag, dtype in (("f64", torch.float64), ("f32", torch.float32)):
            # as the Lapicque reference: the float64 run makes float64 torch's default dtype,
            # so that beta and alpha are stored in float64 too
            torch.set_default_dtype(dtype)
            c = cur.astype(np.float32) if tag == "f32" else cur
            m0 = mem0.astype(np.float32) if tag == "f32" else mem0
            s0 = syn0.astype(np.float32) if tag == "f32" else syn0
            mem, spk = run_leaky(c, m0, dtype, reset)
            data[f"leaky_{reset}_{tag}_mem"], data[f"leaky_{reset}_{tag}_spk"] = mem, spk
            mem, syn, spk = run_synaptic(c, m0, s0, dtype, reset)
            data[f"synaptic_{reset}_{tag}_mem"] = mem
            data[f"synaptic_{reset}_{tag}_syn"] = syn
            data[f"synaptic_{reset}_{tag}_spk"] = spk
    torch.set_default_dtype(torch.float32)
    np.savez_compressed(OUT, **data)
    print(f"wrote {OUT} ({len(data)} arrays)")


if __name__ == "__main__":
    main()
