"""ld.sweep: one table whatever runs it (in process, a process pool, a Dask cluster), seeds
derived from one base seed, the Network protocol, failures that name their run, progress."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.sweeps import grid, run_seed, same_table
from tests.sweep.builds import small_net, small_network, with_seed

WE = [0.05, 0.2, 0.35, 0.5]


@pytest.fixture(scope="module")
def serial_table():
    return ld.sweep(small_net, {"we": WE}, seed=7, frame=False)


def test_seeds_are_spawned_by_run_index():
    children = np.random.SeedSequence(7).spawn(5)
    for k, child in enumerate(children):
        assert run_seed(7, k) == int(child.generate_state(1, np.uint64)[0]) & (2**63 - 1)
    assert len({run_seed(7, k) for k in range(100)}) == 100
    assert run_seed(7, 0) != run_seed(8, 0)


def test_serial_table_has_params_seeds_times_and_spikes(serial_table):
    assert [r["run"] for r in serial_table] == [0, 1, 2, 3]
    assert [r["we"] for r in serial_table] == WE
    assert [r["seed"] for r in serial_table] == [run_seed(7, k) for k in range(4)]
    assert all(r["wall_time"] > 0 for r in serial_table)
    assert list(serial_table[0]) == ["run", "we", "seed", "wall_time", "spikes.i", "spikes.t",
                                     "n_syn", "rate"]
    assert all(r["spikes.i"].size > 0 for r in serial_table)
    # each run its own seed: other connections, other spikes
    assert len({r["n_syn"] for r in serial_table}) > 1
    rates = [r["rate"] for r in serial_table]
    assert rates == sorted(rates) and rates[0] < rates[-1]  # stronger weights, more spikes


def test_same_seed_same_table_and_another_seed_another(serial_table):
    again = ld.sweep(small_net, [{"we": w} for w in WE], seed=7, frame=False)
    assert same_table(serial_table, again)
    other = ld.sweep(small_net, {"we": WE}, seed=8, frame=False)
    assert not same_table(serial_table, other)


def test_process_pool_gives_the_serial_table(serial_table):
    # tasks are pickled (the build by reference) whatever the start method; fork is fastest
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        table = ld.sweep(small_net, {"we": WE}, executor=pool, seed=7, frame=False)
        chunked = ld.sweep(small_net, {"we": WE}, executor=pool, seed=7, frame=False,
                           chunksize=3)  # tasks of 3 runs and of 1
        with pytest.raises(ld.SweepError, match=r"run 2 \(parameters \{'we': 0.35.*interrupted"):
            ld.sweep(small_net, {"we": WE, "fail_at": [0.35], "target": ["numpy"]},
                     executor=pool, chunksize=2, frame=False)
    assert same_table(serial_table, table)
    assert same_table(serial_table, chunked)
    with pytest.raises(ValueError, match="chunksize must be a positive integer"):
        ld.sweep(small_net, {"we": WE}, chunksize=0)


def test_threads_are_refused_and_numpy_gives_the_same_spikes(serial_table):
    with ThreadPoolExecutor(2) as pool, pytest.raises(TypeError, match="processes"):
        ld.sweep(small_net, {"we": WE}, executor=pool)
    table = ld.sweep(small_net, {"we": WE, "target": ["numpy"]}, seed=7, frame=False)
    assert [r["target"] for r in table] == ["numpy"] * 4
    for a, b in zip(serial_table, table, strict=True):  # both targets: the same spikes
        assert np.array_equal(a["spikes.i"], b["spikes.i"])
        assert np.array_equal(a["spikes.t"], b["spikes.t"])


def test_dask_local_cluster_gives_the_serial_table(serial_table):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        table = ld.sweep(small_net, {"we": WE}, executor=client, seed=7, frame=False)
        again = ld.sweep(small_net, {"we": WE}, executor=client.get_executor(), seed=7,
                         frame=False, chunksize=2)
    assert same_table(serial_table, table)
    assert same_table(serial_table, again)


def test_a_returned_network_is_run_and_its_monitors_recorded():
    table = ld.sweep(small_network, {"we": [0.1, 0.4]}, seed=3, duration=0.02, frame=False)
    row = table[1]
    assert set(row) == {"run", "we", "seed", "wall_time", "sp.i", "sp.t", "vm.t", "vm.v"}
    assert row["vm.v"].shape == (2, 200) and row["vm.t"].shape == (200,)
    assert row["sp.t"].max() < 0.02
    with pytest.raises(ld.SweepError, match="duration="):
        ld.sweep(small_network, {"we": [0.1]}, frame=False)


def test_build_gets_the_run_seed_if_it_asks():
    table = ld.sweep(with_seed, {"x": [1.0, 2.0]}, seed=5, frame=False)
    for r in table:
        assert r["draw"] == np.random.default_rng(r["seed"]).random()
    assert table[0]["draw"] != table[1]["draw"]


def test_a_failing_run_is_named():
    with pytest.raises(ld.SweepError, match=r"run 1 \(parameters \{'we': 0.2.*interrupted"):
        ld.sweep(small_net, {"we": [0.1, 0.2, 0.3], "fail_at": [0.2], "target": ["numpy"]},
                 frame=False)


def test_grid_and_bad_params():
    assert grid(a=[1, 2], b="xy") == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"},
                                      {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    with pytest.raises(ValueError, match="column"):
        ld.sweep(with_seed, [{"x": 1.0, "wall_time": 2}])
    with pytest.raises(TypeError, match="seed"):
        ld.sweep(with_seed, [{"x": 1.0}], seed=-1)


def test_progress_text_lines(capsys):
    ld.sweep(with_seed, {"x": [1.0, 2.0, 3.0]}, progress="text", frame=False)
    err = capsys.readouterr().err
    assert "sweep: 3/3 runs (100%)" in err


def test_progress_bar_falls_back_to_text_without_tqdm(capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "tqdm", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    ld.sweep(with_seed, {"x": [1.0, 2.0]}, progress=True, frame=False)
    assert "sweep: 2/2 runs (100%)" in capsys.readouterr().err
    ld.sweep(with_seed, {"x": [1.0]}, frame=False)  # off by default
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="progress"):
        ld.sweep(with_seed, {"x": [1.0]}, progress="bar")


def test_a_dataframe_where_pandas_is_installed(serial_table):
    pandas = pytest.importorskip("pandas")
    df = ld.sweep(with_seed, {"x": [1.0, 2.0]}, seed=5)
    assert isinstance(df, pandas.DataFrame)
    assert list(df.columns) == ["run", "x", "seed", "wall_time", "draw", "x2"]


def test_ld_sweep_is_the_function_and_lifdsl_sweeps_the_module():
    import importlib

    import lifdsl.sweeps as mod

    assert callable(ld.sweep) and ld.sweep is mod.sweep and ld.sweeps is mod
    assert importlib.import_module("lifdsl.sweep") is mod  # the old module path, an alias
    from lifdsl.sweep import grid as old_grid

    assert old_grid is mod.grid
