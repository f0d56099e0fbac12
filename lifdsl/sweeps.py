"""Parameter sweeps: run one model for many parameter sets, serially or on any executor.

``table = ld.sweep(build, params, executor=None, seed=1)`` calls ``build(**p)`` once per
parameter set ``p`` and returns one record per run: its index, its parameters, its seed, its
wall time and its results.

The protocol of ``build``:

- it makes the network for one parameter set (``ld.start_scope()`` and ``ld.seed(<the run's
  seed>)`` are done before it is called; a ``seed`` parameter of ``build``, if it has one, gets
  the run's seed too, for draws of its own);
- it returns either a ``dict`` of results (it ran the network itself; values are numbers,
  strings, arrays, or monitors, whose recordings are taken: ``'spikes'`` -> ``'spikes.i'``,
  ``'spikes.t'``), or a :class:`~lifdsl.Network` (or a list of lifdsl objects), which ``sweep``
  runs for ``duration`` seconds and whose monitors' recordings become the results, named
  ``<monitor name>.<field>``.

Each run's seed comes from the base seed by :class:`numpy.random.SeedSequence` with the run's
index as spawn key (``SeedSequence(seed).spawn(n)[k]``), so the table is the same whatever the
executor, the number of workers and the order in which they finish. A task sent to an executor
is small: the build function (by reference: it must be importable by the workers, as for any
``ProcessPoolExecutor``), the parameters, the seed and where to write; the workers load compiled
kernels from the shared cache (``LIFDSL_CACHE_DIR``), where each kernel is compiled once.

``out='folder'`` writes each run as ``run-<index>.npz`` (arrays, read back with
``allow_pickle=False``; ``run-<index>.h5`` with ``store='hdf5'``, a ``run-<index>.zarr``
folder with ``store='zarr'``) and ``run-<index>.json``
(its parameters, seed and wall time), each atomically; a sweep started again on the same
folder loads the runs found there and runs only the rest.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import inspect
import itertools
import json
import math
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Batch", "RunRecord", "SweepError", "batch", "grid", "run_seed", "sweep"]

#: the columns every record has, before the parameters (run, seed) and after them (wall_time)
RESERVED = ("run", "seed", "wall_time")

_FORMAT = 1


class SweepError(RuntimeError):
    """A run of a sweep failed (the message names it and its parameters), or an output folder
    holds runs of another sweep."""


@dataclass(frozen=True)
class RunRecord:
    """What one run produced: small and picklable (numbers, strings and NumPy arrays)."""

    run: int
    params: dict[str, Any]
    seed: int
    wall_time: float
    results: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The record as one flat row: run, the parameters, seed, wall_time, the results."""
        return {"run": self.run, **self.params, "seed": self.seed, "wall_time": self.wall_time,
                **self.results}


@dataclass(frozen=True)
class _Task:
    """One run as sent to a worker (never a compiled module or a network)."""

    build: Callable[..., Any]
    run: int
    params: dict[str, Any]
    seed: int
    duration: float | None
    out: str | None
    store: str = "npz"


# ------------------------------------------------------------------------------------------
# parameters and seeds


def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    """Every combination of the values given per name (the last name varies fastest):
    ``grid(we=[1, 2], wi=[3, 4])`` is four parameter sets."""
    names = list(axes)
    values = [list(v) for v in axes.values()]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values)]


def _parameter_sets(params: Mapping[str, Iterable[Any]] | Iterable[Mapping[str, Any]]
                    ) -> list[dict[str, Any]]:
    """``params`` as a list of parameter sets: a mapping of name -> values is a grid."""
    if isinstance(params, Mapping):
        return grid(**params)
    sets = []
    for k, p in enumerate(params):
        if not isinstance(p, Mapping):
            raise TypeError(f"parameter set {k} is {type(p).__name__}, not a dict of values")
        sets.append(dict(p))
    for p in sets:
        for name in p:
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"parameter names are Python identifiers, got {name!r}")
            if name in RESERVED:
                raise ValueError(f"{name!r} names a column of every sweep table "
                                 f"({', '.join(RESERVED)}); call the parameter otherwise")
    return sets


def run_seed(base: int, run: int) -> int:
    """The seed of run ``run`` of a sweep with base seed ``base``: 63 bits of the state of
    ``SeedSequence(base, spawn_key=(run,))`` (which is ``SeedSequence(base).spawn(n)[run]``)."""
    state = np.random.SeedSequence(base, spawn_key=(run,)).generate_state(1, np.uint64)
    return int(state[0]) & (2**63 - 1)


# ------------------------------------------------------------------------------------------
# one run (in a worker)


def _monitor_fields(name: str, obj: Any) -> dict[str, Any] | None:
    """The recordings of a monitor as ``name.field`` entries, or None if ``obj`` is none."""
    from lifdsl.core.monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor

    if isinstance(obj, SpikeMonitor):
        return {f"{name}.i": obj.i, f"{name}.t": obj.t}
    if isinstance(obj, PopulationRateMonitor):
        return {f"{name}.t": obj.t, f"{name}.rate": obj.rate}
    if isinstance(obj, StateMonitor):
        out = {f"{name}.t": obj.t}
        for v in obj.record_variables:
            out[f"{name}.{v}"] = getattr(obj, v)
        return out
    return None


def _value(key: str, value: Any) -> Any:
    """A result as stored: a Python scalar (0-d values) or a NumPy array, never an object."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufcUS":
        raise TypeError(f"result {key!r} is a {type(value).__name__}: a sweep's results are "
                        f"numbers, strings, arrays of them, or monitors")
    return arr.item() if arr.ndim == 0 else arr


def _results(made: Any, duration: float | None) -> dict[str, Any]:
    """The results of what ``build`` returned (running it first if it is a network)."""
    from lifdsl.core.base import SimObject
    from lifdsl.core.network import Network

    if isinstance(made, (list, tuple)) and made and all(
            isinstance(o, SimObject) for o in made):
        made = Network(*made)
    if isinstance(made, Network):
        if duration is None:
            raise TypeError("build returned a Network: give sweep(..., duration=) to run it, "
                            "or run it in build and return a dict of results")
        made.run(duration)
        raw: dict[str, Any] = {}
        for o in made.objects:
            raw.update(_monitor_fields(o.name, o) or {})
    elif isinstance(made, Mapping):
        raw = {}
        for key, v in made.items():
            if not isinstance(key, str):
                raise TypeError(f"result names are strings, got {key!r}")
            fields = _monitor_fields(key, v)
            if fields is None:
                raw[key] = v
            else:
                raw.update(fields)
    else:
        raise TypeError(f"build returned {type(made).__name__}: return a dict of results or "
                        f"a Network (see lifdsl.sweeps)")
    return {k: _value(k, v) for k, v in raw.items()}


def _takes_seed(build: Callable[..., Any]) -> bool:
    try:
        return "seed" in inspect.signature(build).parameters
    except (TypeError, ValueError):
        return False


def _execute(task: _Task) -> RunRecord:
    """Run one task where it lands: fresh scope, the run's seed, build, run, results, file."""
    import lifdsl as ld

    t0 = time.perf_counter()
    ld.start_scope()
    ld.seed(task.seed)
    kwargs = dict(task.params)
    if _takes_seed(task.build) and "seed" not in kwargs:
        kwargs["seed"] = task.seed
    results = _results(task.build(**kwargs), task.duration)
    clash = sorted(set(results) & (set(RESERVED) | set(task.params)))
    if clash:
        raise ValueError(f"results named {', '.join(map(repr, clash))} clash with the "
                         f"parameters or the columns {', '.join(RESERVED)}")
    record = RunRecord(task.run, dict(task.params), task.seed, time.perf_counter() - t0,
                       results)
    if task.out is not None:
        _write(Path(task.out), record, task.store)
    return record


def _execute_chunk(tasks: list[_Task]) -> list[RunRecord | BaseException]:
    """Several tasks in one go on a worker (fewer round trips to a cluster's scheduler): their
    records in order, up to and including the exception of the first that fails (the rest
    are not run)."""
    done: list[RunRecord | BaseException] = []
    for task in tasks:
        try:
            done.append(_execute(task))
        except Exception as exc:
            done.append(exc)
            break
    return done


# ------------------------------------------------------------------------------------------
# files


def _stem(run: int) -> str:
    return f"run-{run:06d}"


def _json_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters as JSON values (numbers, strings, booleans, None); TypeError otherwise."""
    out = {}
    for k, v in params.items():
        if isinstance(v, np.generic):
            v = v.item()
        if v is not None and not isinstance(v, (bool, int, float, str)):
            raise TypeError(f"parameter {k!r} = {v!r} cannot be written to a results folder: "
                            f"use numbers or strings as parameters with out=")
        out[k] = v
    return out


def _atomic_write(path: Path, write: Callable[[Any], None]) -> None:
    """Write through a temporary file in the same folder, then rename it into place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w+b") as f:  # (readable too: HDF5 reads what it wrote)
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


#: how each run's arrays can be stored: the file (or, for Zarr, folder) suffix of each ``store=``
STORES = {"npz": ".npz", "hdf5": ".h5", "zarr": ".zarr"}


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise ImportError("store='hdf5' needs h5py (pip install h5py); store='npz' needs "
                          "nothing") from None
    return h5py


def _check_store(store: str) -> str:
    if store not in STORES:
        raise ValueError(f"store is one of {', '.join(map(repr, STORES))}, got {store!r}")
    if store == "hdf5":
        _h5py()
    elif store == "zarr":
        _zarr()
    return store


def _write_hdf5(f: Any, arrays: Mapping[str, np.ndarray]) -> None:
    """The arrays as datasets of one HDF5 file, one per result (text as UTF-8 bytes, marked)."""
    h5py = _h5py()
    with h5py.File(f, "w") as h5:
        h5.attrs["lifdsl_sweep_format"] = _FORMAT
        for k, a in arrays.items():
            if "/" in k or k in (".", ".."):
                raise ValueError(f"result {k!r} cannot be an HDF5 dataset name (no '/'): "
                                 f"rename it, or use store='npz'")
            if a.dtype.kind == "U":
                h5.create_dataset(k, data=np.char.encode(a, "utf-8"))
                h5[k].attrs["utf8"] = True
            else:
                h5.create_dataset(k, data=a)


def _read_hdf5(path: Path) -> dict[str, np.ndarray]:
    h5py = _h5py()
    out = {}
    with h5py.File(path, "r") as h5:
        for k, ds in h5.items():
            a = np.asarray(ds[()])
            out[k] = np.char.decode(a, "utf-8") if ds.attrs.get("utf8", False) else a
    return out


def _zarr() -> Any:
    try:
        import zarr
    except ImportError:
        raise ImportError("store='zarr' needs zarr (pip install zarr); store='npz' needs "
                          "nothing") from None
    return zarr


def _write_zarr(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """The arrays as one Zarr group (a folder), an array per result, written beside ``path``
    and renamed into place; text and bytes as their raw buffer (uint8) with the dtype noted,
    since Zarr's string types differ between its versions."""
    zarr = _zarr()
    for k in arrays:
        if "/" in k or k in (".", "..") or k.startswith("__"):
            raise ValueError(f"result {k!r} cannot be a Zarr array name (no '/', no leading "
                             f"'__'): rename it, or use store='npz'")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        g = zarr.open_group(os.fspath(tmp), mode="w")
        raw = {}
        for k, a in arrays.items():
            if a.dtype.kind in "US":
                raw[k] = {"dtype": a.dtype.str, "shape": list(a.shape)}
                a = np.frombuffer(np.ascontiguousarray(a).tobytes(), dtype=np.uint8)
            create = getattr(g, "create_array", None) or g.create_dataset  # zarr 3 / zarr 2
            create(name=k, data=a)
        g.attrs["lifdsl_sweep_format"] = _FORMAT
        g.attrs["raw"] = raw
        if path.exists():  # a damaged earlier attempt (its JSON was never written)
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_zarr(path: Path) -> dict[str, np.ndarray]:
    zarr = _zarr()
    if not path.is_dir():
        raise OSError(f"{path} is not a Zarr folder")
    try:
        g = zarr.open_group(os.fspath(path), mode="r")
        raw = dict(g.attrs.get("raw", {}))
        out = {}
        for k, arr in g.arrays():
            a = np.asarray(arr[...])
            if k in raw:
                a = np.frombuffer(a.tobytes(), dtype=np.dtype(raw[k]["dtype"]))
                a = a.reshape(raw[k]["shape"]).copy()
            out[k] = a
    except Exception as exc:  # zarr's own errors for a damaged group: the run is run again
        raise OSError(f"{path}: {type(exc).__name__}: {exc}") from exc
    return out


def _write(folder: Path, record: RunRecord, store: str = "npz") -> None:
    """The run's arrays (.npz or .h5), then its metadata (.json): a run is done once its JSON
    is."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = _stem(record.run)
    arrays = {k: np.asarray(v) for k, v in record.results.items()}
    path = folder / f"{stem}{STORES[store]}"
    if store == "hdf5":
        _atomic_write(path, lambda f: _write_hdf5(f, arrays))
    elif store == "zarr":
        _write_zarr(path, arrays)
    else:
        _atomic_write(path, lambda f: np.savez(f, **arrays))
    scalars = sorted(k for k, v in record.results.items() if not isinstance(v, np.ndarray))
    meta = {"format": _FORMAT, "run": record.run, "params": _json_params(record.params),
            "seed": record.seed, "wall_time": record.wall_time, "scalars": scalars,
            "store": store}
    text = json.dumps(meta, indent=1, sort_keys=True).encode("utf-8")
    _atomic_write(folder / f"{stem}.json", lambda f: f.write(text))


def _same_params(found: Any, want: Mapping[str, Any]) -> bool:
    """Parameters read back equal to this run's, NaN equal to NaN (a run swept at NaN is found
    again: ``nan != nan`` would call it another sweep's)."""
    if not isinstance(found, dict) or set(found) != set(want):
        return False
    for k, w in want.items():
        f = found[k]
        if isinstance(w, float) and math.isnan(w):
            if not (isinstance(f, float) and math.isnan(f)):
                return False
        elif f != w:
            return False
    return True


def _load(folder: Path, run: int, params: Mapping[str, Any], seed: int) -> RunRecord | None:
    """The finished run ``run`` in ``folder``, or None if it is not there (or incomplete);
    SweepError if the folder holds another run under that index."""
    stem = _stem(run)
    try:
        meta = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None  # a damaged record is run again
    want = json.loads(json.dumps(_json_params(params)))
    if not _same_params(meta.get("params"), want) or meta.get("seed") != seed:
        raise SweepError(
            f"{folder / (stem + '.json')} holds run {run} of another sweep (parameters "
            f"{meta.get('params')}, seed {meta.get('seed')}; this sweep's run {run} has "
            f"{want}, seed {seed}): use another out= folder, or remove that one")
    scalars = set(meta.get("scalars", ()))
    store = meta.get("store", "npz")  # (the run as it was written, whatever store= is now)
    try:
        if store == "hdf5":
            data = _read_hdf5(folder / f"{stem}.h5")
        elif store == "zarr":
            data = _read_zarr(folder / f"{stem}.zarr")
        elif store == "npz":
            with np.load(folder / f"{stem}.npz", allow_pickle=False) as npz:
                data = {k: npz[k] for k in npz.files}
        else:
            return None
    except (OSError, ValueError, KeyError):
        return None  # a damaged or missing file: the run is run again
    results = {k: (v.item() if k in scalars else v) for k, v in data.items()}
    return RunRecord(run, dict(params), seed, float(meta["wall_time"]), results)


# ------------------------------------------------------------------------------------------
# progress


class _Progress:
    """Runs done out of the total: a tqdm bar where tqdm is installed, else text lines."""

    def __init__(self, mode: bool | str | None, total: int, done: int) -> None:
        self.mode = None if not mode else mode
        self.total, self.done = total, done
        self.bar = None
        self.t0 = time.perf_counter()
        self.last = -math.inf
        if self.mode in (True, "tqdm"):
            try:
                from tqdm.auto import tqdm
            except ImportError:
                if self.mode == "tqdm":
                    raise
                self.mode = "text"
            else:
                self.bar = tqdm(total=total, initial=done, unit="run", desc="sweep")
        elif self.mode not in (None, "text"):
            raise ValueError(f"progress is False, True, 'tqdm' or 'text'; got {mode!r}")
        if self.mode == "text" and done:
            print(f"sweep: {done} of {total} runs found in the output folder", file=sys.stderr)

    def step(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.mode == "text":
            now = time.perf_counter()
            if now - self.last >= 1.0 or self.done == self.total:
                self.last = now
                print(f"sweep: {self.done}/{self.total} runs "
                      f"({100 * self.done / max(self.total, 1):.0f}%), {now - self.t0:.1f} s",
                      file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ------------------------------------------------------------------------------------------
# the sweep


def _executor(executor: Any) -> Any:
    """A concurrent.futures-style executor for ``executor`` (a Dask Client: its executor)."""
    if isinstance(executor, cf.ThreadPoolExecutor):
        raise TypeError("a sweep's runs cannot share a process (lifdsl's seed() and scope are "
                        "per process): use processes, e.g. ProcessPoolExecutor")
    if executor is None or isinstance(executor, cf.Executor):
        return executor
    if hasattr(executor, "get_executor"):  # a dask.distributed Client
        return executor.get_executor(pure=False)
    if callable(getattr(executor, "submit", None)):
        return executor
    raise TypeError(f"executor must be a concurrent.futures.Executor (or a Dask Client), "
                    f"got {executor!r}")


def _failed(task: _Task, exc: BaseException) -> SweepError:
    return SweepError(f"run {task.run} (parameters {task.params}, seed {task.seed}) failed: "
                      f"{type(exc).__name__}: {exc}")


def _table(records: list[RunRecord], frame: bool | None) -> Any:
    rows = [r.row() for r in records]
    if frame is False:
        return rows
    try:
        import pandas
    except ImportError:
        if frame:
            raise
        return rows
    return pandas.DataFrame(rows)


def sweep(build: Callable[..., Any],
          params: Mapping[str, Iterable[Any]] | Iterable[Mapping[str, Any]],
          executor: Any = None, seed: int | None = 1, *, duration: float | None = None,
          out: str | os.PathLike[str] | None = None, progress: bool | str | None = False,
          frame: bool | None = None, store: str = "npz", chunksize: int = 1) -> Any:
    """Run ``build(**p)`` for every parameter set ``p`` and return one record per run.

    ``params``: a list of dicts (one run each), or a dict of name -> values (every
    combination, see :func:`grid`). ``executor``: None runs in this process; else any
    ``concurrent.futures.Executor`` (``ProcessPoolExecutor``, ``mpi4py.futures
    .MPIPoolExecutor``) or a Dask ``Client``. ``seed``: the base seed (run k's seed is
    :func:`run_seed`; None draws one). ``duration``: seconds to run a Network that ``build``
    returns. ``out``: a folder for each run's results (resumes: runs found there are loaded,
    not run). ``progress``: True for a bar (tqdm where installed, else text lines on stderr),
    'text' for lines. ``frame``: a pandas.DataFrame (default where pandas is importable) or a
    list of dicts (``frame=False``); either way ordered by run, with columns run, the
    parameters, seed, wall_time and the results. ``store``: each run's arrays in ``out`` as
    ``'npz'`` (NumPy, the default), ``'hdf5'`` (one ``.h5`` file a run; needs h5py) or
    ``'zarr'`` (one ``.zarr`` group a run; needs zarr). ``chunksize``: runs sent to an
    executor per task (as ``Executor.map``'s): more than 1 saves a cluster's per-task cost for
    short runs, at the price of coarser load balancing; the table is the same.
    """
    sets = _parameter_sets(params)
    if isinstance(chunksize, bool) or not isinstance(chunksize, (int, np.integer)) \
            or chunksize < 1:
        raise ValueError(f"chunksize must be a positive integer, got {chunksize!r}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer or None, got {seed!r}")
    seed = int(seed)
    folder = None if out is None else Path(out)
    _check_store(store)
    if folder is not None:
        for p in sets:
            _json_params(p)  # before anything runs: can these be written?
    records: dict[int, RunRecord] = {}
    tasks: list[_Task] = []
    for k, p in enumerate(sets):
        s = run_seed(seed, k)
        found = None if folder is None else _load(folder, k, p, s)
        if found is not None:
            records[k] = found
        else:
            tasks.append(_Task(build, k, p, s, duration,
                               None if folder is None else os.fspath(folder.absolute()),
                               store))
    bar = _Progress(progress, len(sets), len(records))
    try:
        pool = _executor(executor)
        if pool is None:
            for task in tasks:
                try:
                    records[task.run] = _execute(task)
                except Exception as exc:
                    raise _failed(task, exc) from exc
                bar.step()
        else:
            chunks = [tasks[k:k + chunksize] for k in range(0, len(tasks), chunksize)]
            futures = {pool.submit(_execute_chunk, chunk): chunk for chunk in chunks}
            try:
                for fut in cf.as_completed(futures):
                    chunk = futures[fut]
                    try:
                        done = fut.result()
                    except Exception as exc:  # the task as a whole (a worker died, ...)
                        raise _failed(chunk[0], exc) from exc
                    for task, rec in zip(chunk, done, strict=False):
                        if isinstance(rec, BaseException):
                            raise _failed(task, rec) from rec
                        records[task.run] = rec
                        bar.step()
            except BaseException:
                for fut in futures:
                    fut.cancel()
                cf.wait(list(futures))  # those already running finish (and write their files)
                raise
    finally:
        bar.close()
    return _table([records[k] for k in sorted(records)], frame)


def same_table(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]],
               ignore: tuple[str, ...] = ("wall_time",)) -> bool:
    """True if two tables (lists of rows) hold the same values, arrays compared exactly,
    columns in ``ignore`` left out (wall times always differ)."""
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b, strict=True):
        if set(ra) != set(rb):
            return False
        for k in ra:
            if k in ignore:
                continue
            va, vb = ra[k], rb[k]
            if isinstance(va, np.ndarray) or isinstance(vb, np.ndarray):
                if not (isinstance(va, np.ndarray) and isinstance(vb, np.ndarray)
                        and va.dtype == vb.dtype and np.array_equal(va, vb)):
                    return False
            elif va != vb or type(va) is not type(vb):
                return False
    return True


# ------------------------------------------------------------------------------------------
# batching: many parameter sets in one group, one run


@dataclass(frozen=True)
class Batch:
    """A NeuronGroup of independent copies of one population, one copy per parameter set:
    neuron ``c*n + k`` is neuron ``k`` of copy ``c``, whose parameters are ``params[c]``."""

    group: Any
    n: int
    params: list[dict[str, Any]]

    @property
    def copies(self) -> int:
        """How many parameter sets (copies of the population)."""
        return len(self.params)

    def copy_of(self, i: Any) -> Any:
        """The copy (parameter set) of neuron index ``i`` (a number or an array)."""
        return np.asarray(i) // self.n

    def split(self, values: Any) -> np.ndarray:
        """Per-neuron values (first axis N*copies: a state, M.count, StateMonitor data) as an
        array of shape (copies, n, ...)."""
        arr = np.asarray(values)
        return arr.reshape(self.copies, self.n, *arr.shape[1:])

    def spikes(self, monitor: Any) -> list[dict[str, np.ndarray]]:
        """A SpikeMonitor's spikes per copy: ``{'i': neuron within the copy, 't': times}``."""
        i, t = np.asarray(monitor.i), np.asarray(monitor.t)
        copy = i // self.n
        return [{"i": i[copy == c] - c * self.n, "t": t[copy == c]} for c in range(self.copies)]

    def table(self, **per_copy: Any) -> Any:
        """Rows of the parameters and, for each name, its value per copy (an array or a list
        with one entry per copy); a pandas.DataFrame where pandas is importable."""
        rows = []
        for c, p in enumerate(self.params):
            rows.append({"copy": c, **p, **{k: v[c] for k, v in per_copy.items()}})
        try:
            import pandas
        except ImportError:
            return rows
        return pandas.DataFrame(rows)


def batch(N: int, model: Any,
          params: Mapping[str, Iterable[Any]] | Iterable[Mapping[str, Any]], *,
          units: Mapping[str, str] | None = None, **group_options: Any) -> Batch:
    """One NeuronGroup holding a copy of an ``N``-neuron population per parameter set.

    ``params`` as for :func:`sweep` (a dict of name -> values is every combination). Each name
    becomes a per-neuron constant parameter of the model (``name : <unit> (constant)``, the
    unit from ``units``, else ``1``; names the model already declares as parameters are set),
    holding its copy's value; the rest of ``group_options`` (threshold, reset, method,
    namespace, ...) goes to the NeuronGroup. Copies share nothing unless you connect them, so
    a population model without synapses across copies runs every parameter set in one run.
    Random draws (``rand()`` in strings) are not those of separate runs.
    """
    from lifdsl.core.neurongroup import NeuronGroup
    from lifdsl.equations import Equations

    sets = _parameter_sets(params)
    if not sets:
        raise ValueError("batch needs at least one parameter set")
    names = list(sets[0])
    for k, p in enumerate(sets):
        if list(p) != names:
            raise ValueError(f"every parameter set names the same parameters: set 0 has "
                             f"{names}, set {k} has {list(p)}")
    eqs = model if isinstance(model, Equations) else Equations(model)
    units = dict(units or {})
    unknown = sorted(set(units) - set(names))
    if unknown:
        raise ValueError(f"units= names {unknown}, which are not batched parameters")
    declared = set(eqs.param_names)
    for name in names:
        if name in eqs and name not in declared:
            raise ValueError(f"{name!r} is a variable of the model, not a parameter: only "
                             f"constants can be batched")
    extra = [f"{name} : {units.get(name, '1')} (constant)" for name in names
             if name not in declared]
    if extra:
        eqs = eqs + Equations("\n".join(extra))
    namespace = {k: v for k, v in dict(group_options.pop("namespace", None) or {}).items()
                 if k not in names}
    G = NeuronGroup(N * len(sets), eqs, namespace=namespace, **group_options)
    for name in names:
        setattr(G, name, np.repeat(np.asarray([p[name] for p in sets], dtype=float), N))
    return Batch(G, N, sets)
