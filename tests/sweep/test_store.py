"""sweep(out=, store='hdf5' | 'zarr'): each run's arrays in one HDF5 file (h5py) or one Zarr
group (zarr), both optional, read back equal to the run's results, and resumed like the .npz
store."""

from __future__ import annotations

import importlib.util
import json
import os

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.sweeps import same_table
from tests.sweep.builds import small_net

WE = [0.1, 0.3]
SUFFIX = {"hdf5": ".h5", "zarr": ".zarr"}
STORES = [pytest.param(store, marks=pytest.mark.skipif(
    importlib.util.find_spec(module) is None, reason=f"{module} is not installed"))
    for store, module in (("hdf5", "h5py"), ("zarr", "zarr"))]


def params(marker: str) -> list[dict]:
    return [{"we": w, "target": "numpy", "fail_at": 0.3, "marker": marker} for w in WE]


def read_back(path, name: str) -> np.ndarray:
    """One result as the store's own library reads it (not through lifdsl)."""
    if path.suffix == ".h5":
        import h5py
        with h5py.File(path, "r") as f:
            return np.asarray(f[name][()])
    import zarr
    return np.asarray(zarr.open_group(str(path), mode="r")[name][...])


def stamp(path) -> int:
    """The newest modification time of a file, or of anything in a folder (a Zarr group)."""
    if path.is_dir():
        return max(os.stat(q).st_mtime_ns for q in path.rglob("*"))
    return os.stat(path).st_mtime_ns


@pytest.mark.parametrize("store", STORES)
def test_store_holds_the_results_and_resumes(tmp_path, store):
    out, marker = tmp_path / "runs", str(tmp_path / "go-on")
    suffix = SUFFIX[store]
    with pytest.raises(ld.SweepError, match="interrupted at we=0.3"):
        ld.sweep(small_net, params(marker), seed=2, out=out, store=store, frame=False)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"run-000000{suffix}", "run-000000.json"])
    before = stamp(out / f"run-000000{suffix}")
    open(marker, "w").close()
    resumed = ld.sweep(small_net, params(marker), seed=2, out=out, store=store, frame=False)
    fresh = ld.sweep(small_net, params(marker), seed=2, frame=False)
    assert same_table(resumed, fresh)  # arrays' dtypes and values, scalars as Python numbers
    assert stamp(out / f"run-000000{suffix}") == before  # run 0 was loaded, not rerun
    path = out / f"run-000001{suffix}"
    assert np.array_equal(read_back(path, "spikes.i"), fresh[1]["spikes.i"])
    assert np.array_equal(read_back(path, "spikes.t"), fresh[1]["spikes.t"])
    assert float(read_back(path, "rate")) == fresh[1]["rate"]
    assert json.loads((out / "run-000001.json").read_text())["store"] == store
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left
    # a folder written with one store is read as such whatever store= says now
    assert same_table(ld.sweep(small_net, params(marker), seed=2, out=out, frame=False), fresh)


def texts(x: float) -> dict:
    return {"label": f"x={x}", "names": np.array(["a", "bé"]), "raw": np.array([b"z"]),
            "flags": np.array([True, False]), "z": np.array([1 + 2j]),
            "grid": np.arange(6, dtype=np.int16).reshape(2, 3)}


@pytest.mark.parametrize("store", STORES)
def test_store_round_trips_text_bools_complex_and_shapes(tmp_path, store):
    first = ld.sweep(texts, {"x": [1.5]}, out=tmp_path, store=store, frame=False)
    again = ld.sweep(texts, {"x": [1.5]}, out=tmp_path, store=store, frame=False)
    assert again[0]["wall_time"] == first[0]["wall_time"]  # loaded from the file
    assert same_table(first, again)
    assert again[0]["names"].tolist() == ["a", "bé"] and again[0]["label"] == "x=1.5"
    assert again[0]["grid"].dtype == np.int16 and again[0]["grid"].shape == (2, 3)


@pytest.mark.parametrize("store", STORES)
def test_a_damaged_run_is_run_again(tmp_path, store):
    first = ld.sweep(texts, {"x": [1.5, 2.5]}, out=tmp_path, store=store, frame=False)
    path = tmp_path / f"run-000001{SUFFIX[store]}"
    if path.is_dir():
        for q in path.rglob("*"):
            if q.is_file():
                q.write_bytes(b"\0garbage")
    else:
        path.write_bytes(b"\0garbage")
    again = ld.sweep(texts, {"x": [1.5, 2.5]}, out=tmp_path, store=store, frame=False)
    assert again[0]["wall_time"] == first[0]["wall_time"]  # run 0 loaded
    assert again[1]["wall_time"] != first[1]["wall_time"]  # run 1 run again
    assert same_table(first, again)


def test_store_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="store is one of 'npz', 'hdf5', 'zarr'"):
        ld.sweep(texts, {"x": [1.0]}, out=tmp_path, store="zip")


@pytest.mark.parametrize("store,what", [("hdf5", "an HDF5 dataset name"),
                                        ("zarr", "a Zarr array name")])
def test_bad_result_names_are_refused(tmp_path, store, what):
    pytest.importorskip({"hdf5": "h5py", "zarr": "zarr"}[store])
    with pytest.raises(ld.SweepError, match=f"cannot be {what}"):
        ld.sweep(lambda x: {"a/b": x}, {"x": [1.0]}, out=tmp_path / "s", store=store)
