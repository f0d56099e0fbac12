"""sweep(out=, store='hdf5'): each run's arrays in one HDF5 file (h5py, optional), read back
equal to the run's results, and resumed like the .npz store."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.sweeps import same_table
from tests.sweep.builds import small_net

h5py = pytest.importorskip("h5py")

WE = [0.1, 0.3]


def params(marker: str) -> list[dict]:
    return [{"we": w, "target": "numpy", "fail_at": 0.3, "marker": marker} for w in WE]


def test_hdf5_store_holds_the_results_and_resumes(tmp_path):
    out, marker = tmp_path / "runs", str(tmp_path / "go-on")
    with pytest.raises(ld.SweepError, match="interrupted at we=0.3"):
        ld.sweep(small_net, params(marker), seed=2, out=out, store="hdf5", frame=False)
    assert sorted(p.name for p in out.iterdir()) == ["run-000000.h5", "run-000000.json"]
    stamp = os.stat(out / "run-000000.h5").st_mtime_ns
    open(marker, "w").close()
    resumed = ld.sweep(small_net, params(marker), seed=2, out=out, store="hdf5", frame=False)
    fresh = ld.sweep(small_net, params(marker), seed=2, frame=False)
    assert same_table(resumed, fresh)  # arrays' dtypes and values, scalars as Python numbers
    assert os.stat(out / "run-000000.h5").st_mtime_ns == stamp  # run 0 was loaded, not rerun
    with h5py.File(out / "run-000001.h5", "r") as f:
        assert np.array_equal(f["spikes.i"][()], fresh[1]["spikes.i"])
        assert np.array_equal(f["spikes.t"][()], fresh[1]["spikes.t"])
        assert float(f["rate"][()]) == fresh[1]["rate"]
    assert json.loads((out / "run-000001.json").read_text())["store"] == "hdf5"
    # a folder written as HDF5 is read as such whatever store= says now
    assert same_table(ld.sweep(small_net, params(marker), seed=2, out=out, frame=False), fresh)


def texts(x: float) -> dict:
    return {"label": f"x={x}", "names": np.array(["a", "bé"]), "raw": np.array([b"z"]),
            "flags": np.array([True, False]), "z": np.array([1 + 2j])}


def test_hdf5_store_round_trips_text_bools_and_complex(tmp_path):
    first = ld.sweep(texts, {"x": [1.5]}, out=tmp_path, store="hdf5", frame=False)
    again = ld.sweep(texts, {"x": [1.5]}, out=tmp_path, store="hdf5", frame=False)
    assert again[0]["wall_time"] == first[0]["wall_time"]  # loaded from the file
    assert same_table(first, again)
    assert again[0]["names"].tolist() == ["a", "bé"] and again[0]["label"] == "x=1.5"


def test_store_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="store is one of 'npz', 'hdf5'"):
        ld.sweep(texts, {"x": [1.0]}, out=tmp_path, store="zip")
    with pytest.raises(ld.SweepError, match="cannot be an HDF5 dataset name"):
        ld.sweep(lambda x: {"a/b": x}, {"x": [1.0]}, out=tmp_path / "s", store="hdf5")
