"""sweep(out=): each run written atomically (.npz without pickles, .json), and a sweep that
died half-way resumes: finished runs are loaded, not run, and the table is the same."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.sweeps import same_table
from tests.sweep.builds import small_net, with_seed

WE = [0.1, 0.2, 0.3, 0.4]


def params(marker: str) -> list[dict]:
    return [{"we": w, "target": "numpy", "fail_at": 0.3, "marker": marker} for w in WE]


def test_interrupted_sweep_resumes_with_the_same_table(tmp_path):
    out, marker = tmp_path / "runs", str(tmp_path / "go-on")
    with pytest.raises(ld.SweepError, match="run 2 .*interrupted at we=0.3"):
        ld.sweep(small_net, params(marker), seed=4, out=out, frame=False)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["run-000000.json", "run-000000.npz", "run-000001.json", "run-000001.npz"]
    stamps = {n: os.stat(out / n).st_mtime_ns for n in names}
    first = [json.loads((out / f"run-00000{k}.json").read_text()) for k in (0, 1)]

    open(marker, "w").close()  # the failing run passes now
    resumed = ld.sweep(small_net, params(marker), seed=4, out=out, frame=False)
    fresh = ld.sweep(small_net, params(marker), seed=4, frame=False)
    assert same_table(resumed, fresh)
    assert [r["wall_time"] for r in resumed[:2]] == [m["wall_time"] for m in first]
    assert all(os.stat(out / n).st_mtime_ns == t for n, t in stamps.items())  # not rerun
    assert len(list(out.glob("*.json"))) == 4 and not list(out.glob(".*"))  # no temp files

    # the files are plain arrays and JSON
    with np.load(out / "run-000003.npz", allow_pickle=False) as data:
        assert np.array_equal(data["spikes.i"], fresh[3]["spikes.i"])
        assert data["rate"].ndim == 0 and float(data["rate"]) == fresh[3]["rate"]
    meta = json.loads((out / "run-000003.json").read_text())
    assert meta["params"]["we"] == 0.4 and meta["seed"] == fresh[3]["seed"]

    # a third time: nothing runs, still the same table
    assert same_table(ld.sweep(small_net, params(marker), seed=4, out=out, frame=False), fresh)


def test_a_damaged_run_is_run_again_and_another_sweep_is_refused(tmp_path):
    out, marker = tmp_path / "runs", str(tmp_path / "m")
    table = ld.sweep(small_net, params(marker)[:2], seed=4, out=out, frame=False)
    (out / "run-000001.npz").write_bytes(b"not a zip")
    again = ld.sweep(small_net, params(marker)[:2], seed=4, out=out, frame=False)
    assert same_table(table, again)
    with pytest.raises(ld.SweepError, match="another sweep"):
        ld.sweep(small_net, params(marker)[:2], seed=5, out=out, frame=False)
    with pytest.raises(TypeError, match="cannot be written"):
        ld.sweep(small_net, [{"we": [0.1]}], out=tmp_path / "x")


def test_a_run_with_a_nan_parameter_is_found_as_finished(tmp_path):
    # JSON writes NaN as NaN and reads it back as a float NaN, which != itself: the run must
    # still be recognised as this sweep's and loaded, not refused nor run again
    out = tmp_path / "runs"
    sets = [{"x": float("nan")}, {"x": 1.0}]
    first = ld.sweep(with_seed, sets, seed=3, out=out, frame=False)
    assert np.isnan(first[0]["x2"])
    stamps = {p.name: os.stat(p).st_mtime_ns for p in out.iterdir()}
    again = ld.sweep(with_seed, sets, seed=3, out=out, frame=False)
    assert [r["wall_time"] for r in again] == [r["wall_time"] for r in first]
    assert {p.name: os.stat(p).st_mtime_ns for p in out.iterdir()} == stamps  # nothing rerun
    assert np.isnan(again[0]["x"]) and again[0]["draw"] == first[0]["draw"]
    with pytest.raises(ld.SweepError, match="another sweep"):  # NaN still differs from 2.0
        ld.sweep(with_seed, [{"x": 2.0}, {"x": 1.0}], seed=3, out=out, frame=False)
