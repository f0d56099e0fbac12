"""Snapshots for ``Network.store``/``restore``: what one holds, how it is checked against the
network's objects before anything changes, and the state file that cannot run code.

A snapshot is a dict ``{"step", "dt", "rng", "kinds", "objects"}``: the time step count, the time
step, the network's random generator state (a dict of ints), each object's class name and each
object's ``_get_state()``. An object's state is a tree of dicts whose leaves are

- NumPy arrays: restored in place, so shape and dtype must match the object's now;
- :class:`Parts`: arrays whose length may differ (a monitor's records, one part per run), of
  one dtype and row shape, possibly indices below a bound;
- :class:`Setting`: a value that describes the object (recorded indices), not its state: it is
  compared, never restored.

A state file is one ``.npz`` (a zip of ``.npy`` arrays, read with ``allow_pickle=False``):
entry ``lifdsl_state`` holds JSON (format, version, and per snapshot its step, dt, generator
state, kinds and tree, where each leaf names its array entry ``a0``, ``a1``, ...).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import stat
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

FORMAT = "lifdsl-state"
#: 2: Synapses store each pathway's delays and spikes in flight by age (1: the ring of one
#: pathway and a per-synapse delay array among the variables)
VERSION = 2
#: why files of older versions cannot be read
_OLDER = {1: "Synapses now store each pathway's delays and its spikes in flight by age, where "
             "version 1 stored the ring of one on_pre pathway"}
META = "lifdsl_state"
_KINDS = "biuf"  # array dtypes a state file may hold: bool, integers, floats
_MAX_STEP = 2**62


class Parts(list):
    """Arrays of one dtype and row shape whose lengths may differ (a record's chunks)."""

    def __init__(self, parts: Iterable[np.ndarray], dtype: Any, row_shape: tuple[int, ...] = (),
                 rows: str | None = None, below: int | None = None,
                 max_rows: int | None = None) -> None:
        super().__init__(parts)
        self.dtype = np.dtype(dtype)
        self.row_shape = tuple(int(n) for n in row_shape)
        self.rows = rows  # Parts of one object with the same tag have equal lengths
        self.below = below  # values are indices 0..below-1
        self.max_rows = max_rows  # at most this many rows in all


class Setting:
    """A value describing an object (not its state): a snapshot fits only if it is equal."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = np.array(value)

    def __repr__(self) -> str:
        return f"Setting({self.value!r})"


class StateMismatchError(ValueError, KeyError):
    """A stored state does not fit the network; nothing was restored."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StateFileError(ValueError):
    """A file that is not a readable lifdsl state file (nothing in it was run)."""


# -- snapshots ------------------------------------------------------------------------------------
def capture(step: int, dt: float | None, rng: np.random.Generator,
            objects: Sequence[Any]) -> dict[str, Any]:
    """A snapshot of the network's time, random generator and every object's state."""
    return {
        "step": int(step),
        "dt": None if dt is None else float(dt),
        "rng": rng.bit_generator.state,
        "kinds": {o.name: type(o).__name__ for o in objects},
        "objects": {o.name: o._get_state() for o in objects},
    }


def _short(value: Any) -> str:
    """A value for a message, cut short."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, threshold=8, edgeitems=3)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _what(node: Any) -> str:
    """What a stored node is, for a message."""
    if isinstance(node, np.ndarray):
        return f"an array of shape {node.shape}"
    if isinstance(node, Setting):
        return "a setting"
    if isinstance(node, list):
        return "a list of arrays"
    if isinstance(node, dict):
        return "a set of values"
    return type(node).__name__


def _compare_array(now: np.ndarray, old: Any, path: str, out: list[str]) -> None:
    if not isinstance(old, np.ndarray):
        out.append(f"{path}: an array in the network, {_what(old)} in the stored state")
    elif old.shape != now.shape:
        out.append(f"{path}: shape {now.shape} in the network, {old.shape} in the stored state")
    elif old.dtype != now.dtype:
        out.append(f"{path}: dtype {now.dtype} in the network, {old.dtype} in the stored state")


def _compare_setting(now: Setting, old: Any, path: str, out: list[str]) -> None:
    value = old.value if isinstance(old, Setting) else old
    if not isinstance(value, np.ndarray) or value.shape != now.value.shape or not bool(
            np.all(value == now.value)):
        out.append(f"{path}: {_short(now.value)} in the network, {_short(value)} in the stored "
                   f"state")


def _compare_parts(now: Parts, old: Any, path: str, out: list[str]) -> list[int] | None:
    """Check the stored parts against the network's layout; their lengths if they fit."""
    if not isinstance(old, list):
        out.append(f"{path}: a list of arrays in the network, {_what(old)} in the stored state")
        return None
    lengths = []
    for k, a in enumerate(old):
        where = f"{path} (part {k})"
        if not isinstance(a, np.ndarray):
            out.append(f"{where}: {_what(a)} in the stored state, not an array")
            return None
        if a.ndim != 1 + len(now.row_shape) or a.shape[1:] != now.row_shape:
            out.append(f"{where}: rows of shape {now.row_shape} in the network, "
                       f"{a.shape[1:]} in the stored state")
            return None
        if a.dtype != now.dtype:
            out.append(f"{where}: dtype {now.dtype} in the network, {a.dtype} in the stored "
                       f"state")
            return None
        if now.below is not None and a.size and (a.min() < 0 or a.max() >= now.below):
            out.append(f"{where}: indices must lie in 0..{now.below - 1}; the stored state has "
                       f"{a.min()}..{a.max()}")
            return None
        lengths.append(len(a))
    if now.max_rows is not None and sum(lengths) > now.max_rows:
        out.append(f"{path}: at most {now.max_rows} rows in the network, {sum(lengths)} in the "
                   f"stored state")
        return None
    return lengths


def _compare(now: Any, old: Any, path: str, out: list[str],
             rows: dict[str, list[tuple[str, list[int]]]]) -> None:
    if isinstance(now, Parts):
        lengths = _compare_parts(now, old, path, out)
        if lengths is not None and now.rows is not None:
            rows.setdefault(now.rows, []).append((path, lengths))
    elif isinstance(now, Setting):
        _compare_setting(now, old, path, out)
    elif isinstance(now, np.ndarray):
        _compare_array(now, old, path, out)
    elif isinstance(now, dict):
        if not isinstance(old, dict):
            out.append(f"{path}: a set of values in the network, {_what(old)} in the stored "
                       f"state")
            return
        for k in now:
            if k not in old:
                out.append(f"{path}.{k}: in the network, not in the stored state")
        for k in old:
            if k not in now:
                out.append(f"{path}.{k}: in the stored state, not in the network")
        for k in now:
            if k in old:
                _compare(now[k], old[k], f"{path}.{k}", out, rows)
    else:
        raise TypeError(f"{path}: an object's state holds arrays, Parts, Settings and dicts, "
                        f"got {type(now).__name__}")


def _rng_problem(state: Any, current: type) -> str | None:
    """Why the stored generator state cannot be set on a generator of type ``current``."""
    if not isinstance(state, dict):
        return f"the random generator's state is {_what(state)}, not a dict"
    if state.get("bit_generator") != current.__name__:
        return (f"the network's random generator is {current.__name__}, the stored one is "
                f"{_short(state.get('bit_generator'))}")
    trial = current()
    try:
        trial.state = state
    except Exception as err:  # noqa: BLE001 - whatever NumPy refuses, it is a bad state
        return f"the stored random generator state is not valid ({err})"
    if trial.state != state:
        return "the stored random generator state is not valid (it does not set as stored)"
    return None


def differences(snap: Mapping[str, Any], objects: Sequence[Any],
                generator: type = np.random.PCG64) -> list[str]:
    """What keeps ``snap`` from being restored into ``objects`` (empty if it fits)."""
    out: list[str] = []
    step, dt = snap.get("step"), snap.get("dt")
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < _MAX_STEP:
        out.append(f"the stored step count is {_short(step)}, not a step count")
    if dt is not None and (isinstance(dt, bool) or not isinstance(dt, (int, float))
                           or not (math.isfinite(dt) and dt > 0)):
        out.append(f"the stored time step is {_short(dt)}, not a positive time")
    problem = _rng_problem(snap.get("rng"), generator)
    if problem:
        out.append(problem)
    stored = snap.get("objects")
    kinds = snap.get("kinds")
    if not isinstance(stored, dict) or not isinstance(kinds, dict):
        return [*out, "the stored state holds no objects"]
    for o in objects:
        kind = type(o).__name__
        if o.name not in stored:
            out.append(f"{o.name!r} ({kind}) is in the network but not in the stored state "
                       f"(it holds {', '.join(map(repr, sorted(stored))) or 'no objects'})")
            continue
        if kinds.get(o.name) != kind:
            out.append(f"{o.name!r} is a {kind} in the network, a {kinds.get(o.name)} in the "
                       f"stored state")
            continue
        rows: dict[str, list[tuple[str, list[int]]]] = {}
        _compare(o._get_state(), stored[o.name], o.name, out, rows)
        for entries in rows.values():
            (path0, len0), *rest = entries
            for path, lengths in rest:
                if lengths != len0:
                    out.append(f"{path}: parts of {lengths} rows in the stored state, but "
                               f"{path0} has {len0}")
    return out


def checked(stored: Mapping[str, Any], name: str, objects: Sequence[Any],
            generator: type = np.random.PCG64) -> dict[str, Any]:
    """The snapshot ``name`` if it can be restored into ``objects``; else a KeyError (no such
    snapshot) or a :class:`StateMismatchError` listing every difference."""
    if name not in stored:
        raise KeyError(f"no stored state named {name!r}; stored: {sorted(stored)}")
    snap = stored[name]
    diffs = differences(snap, objects, generator)
    if diffs:
        raise StateMismatchError(
            f"the stored state {name!r} does not fit the network (nothing was restored):\n"
            + "\n".join(f"  - {d}" for d in diffs))
    return snap


# -- the state file -------------------------------------------------------------------------------
def _encode(node: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The JSON form of a state tree; its arrays go to ``arrays``."""

    def put(a: np.ndarray) -> str:
        a = np.asarray(a)
        if a.dtype.kind not in _KINDS:
            raise TypeError(f"a state file holds bool, integer and float arrays, got {a.dtype}")
        key = f"a{len(arrays)}"
        arrays[key] = a
        return key

    if isinstance(node, list):  # Parts, or a list of arrays
        return {"parts": [put(a) for a in node]}
    if isinstance(node, Setting):
        return {"setting": put(node.value)}
    if isinstance(node, np.ndarray):
        return {"array": put(node)}
    if isinstance(node, dict):
        if not all(isinstance(k, str) for k in node):
            raise TypeError("the names in an object's state must be strings")
        return {"dict": {k: _encode(v, arrays) for k, v in node.items()}}
    raise TypeError(f"a state file holds arrays and dicts of them, got {type(node).__name__}")


def _decode(node: Any, load) -> Any:
    """A state tree from its JSON form (``load`` gives an array entry by name)."""
    if not isinstance(node, dict) or len(node) != 1:
        raise StateFileError("a damaged entry")
    (tag, value), = node.items()
    if tag == "array" and isinstance(value, str):
        return load(value)
    if tag == "setting" and isinstance(value, str):
        return Setting(load(value))
    if tag == "parts" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [load(v) for v in value]
    if tag == "dict" and isinstance(value, dict):
        return {k: _decode(v, load) for k, v in value.items()}
    raise StateFileError(f"a damaged entry ({tag!r})")


def _refusal(path: str, head: bytes) -> str | None:
    """Why a file with these first bytes is not read as a state file."""
    if head[:2] == b"PK":
        return None
    if head[:1] == b"\x80":
        return (f"{path} is a state file of an older lifdsl (a Python pickle): it is refused, "
                f"not read, because unpickling a file can run any code. Store the state again "
                f"with this version (state files are now .npz arrays plus JSON)")
    return f"{path} is not a lifdsl state file (a .npz written by Network.store)"


def read(filename: str | os.PathLike, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The snapshots in a state file (those in ``names``, or all), without running anything;
    a KeyError lists the stored names if one asked for is not there."""
    path = os.fspath(filename)
    with open(path, "rb") as fh:
        why = _refusal(path, fh.read(4))
        if why:
            raise StateFileError(why)
        fh.seek(0)
        try:
            with np.load(fh, allow_pickle=False) as npz:
                return _read_npz(path, npz, names)
        except (StateFileError, KeyError):
            raise
        except (ValueError, OSError, EOFError, RecursionError, MemoryError,
                zipfile.BadZipFile) as err:
            raise StateFileError(f"{path} is not a readable lifdsl state file ({err})") from None


def _read_npz(path: str, npz: Any, names: Iterable[str] | None) -> dict[str, Any]:
    if META not in npz.files:
        raise StateFileError(f"{path} is not a lifdsl state file (no {META!r} entry)")
    raw = npz[META]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise StateFileError(f"{path}: its {META!r} entry is damaged")
    meta = json.loads(raw.tobytes().decode("utf-8"))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise StateFileError(f"{path} is not a lifdsl state file (no lifdsl-state format)")
    version = meta.get("version")
    if version in _OLDER:
        raise StateFileError(f"{path} is a state file of format version {version}, written by "
                             f"an older lifdsl; this lifdsl reads version {VERSION} only "
                             f"({_OLDER[version]}). Store the state again with this version")
    if version != VERSION:
        raise StateFileError(f"{path} is a state file of format version {_short(version)}; "
                             f"this lifdsl reads version {VERSION}")
    snaps = meta.get("snapshots")
    if not isinstance(snaps, dict):
        raise StateFileError(f"{path}: damaged metadata (no snapshots)")
    wanted = list(snaps) if names is None else list(names)
    for name in wanted:
        if name not in snaps:
            raise KeyError(f"no stored state named {name!r} in {path}; stored: {sorted(snaps)}")

    def load(key: str) -> np.ndarray:
        if key == META or key not in npz.files:
            raise StateFileError(f"names a missing array {key!r}")
        a = npz[key]
        if a.dtype.kind not in _KINDS:
            raise StateFileError(f"array {key!r} has dtype {a.dtype}")
        return a

    out: dict[str, Any] = {}
    for name in wanted:
        snap = snaps[name]
        try:
            if not isinstance(snap, dict) or not isinstance(snap.get("kinds"), dict) \
                    or not isinstance(snap.get("objects"), dict):
                raise StateFileError("damaged")
            objects = {k: _decode(v, load) for k, v in snap["objects"].items()}
        except StateFileError as err:
            raise StateFileError(f"{path}: snapshot {name!r}: {err}") from None
        out[name] = {"step": snap.get("step"), "dt": snap.get("dt"), "rng": snap.get("rng"),
                     "kinds": snap["kinds"], "objects": objects}
    return out


def _encode_file(stored: Mapping[str, Mapping[str, Any]]) -> tuple[bytes, dict[str, np.ndarray]]:
    arrays: dict[str, np.ndarray] = {}
    snaps = {}
    for name, snap in stored.items():
        if not isinstance(name, str):
            raise TypeError(f"a state's name must be a string, got {name!r}")
        snaps[name] = {"step": snap["step"], "dt": snap["dt"], "rng": snap["rng"],
                       "kinds": dict(snap["kinds"]),
                       "objects": {k: _encode(v, arrays) for k, v in snap["objects"].items()}}
    meta = {"format": FORMAT, "version": VERSION, "snapshots": snaps}
    return json.dumps(meta, allow_nan=False).encode("utf-8"), arrays


def _temporary(folder: str, base: str) -> tuple[int, str]:
    """A new file next to the target (created with the user's umask, as ``open`` would)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _fsync_folder(folder: str) -> None:
    """Make a rename in ``folder`` durable (where the system allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_all(filename: str | os.PathLike, stored: Mapping[str, Mapping[str, Any]]) -> None:
    """Write snapshots to a state file atomically: a temporary file in the same folder, synced,
    then renamed over the old one, so a failed write leaves the old file as it was."""
    path = os.path.realpath(os.fspath(filename))  # through a link, to the file it names
    meta, arrays = _encode_file(stored)
    folder, base = os.path.split(path)
    fd, tmp = _temporary(folder, base)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
                entries = {META: np.frombuffer(meta, dtype=np.uint8), **arrays}
                for key, a in entries.items():
                    with zf.open(f"{key}.npy", "w", force_zip64=True) as member:
                        np.lib.format.write_array(member, a, allow_pickle=False)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))  # keep an old file's mode
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def write(filename: str | os.PathLike, name: str, snap: Mapping[str, Any]) -> None:
    """Add (or replace) snapshot ``name`` in a state file, keeping its other snapshots."""
    if not isinstance(name, str):
        raise TypeError(f"a state's name must be a string, got {name!r}")
    try:
        stored = read(filename)
    except FileNotFoundError:
        stored = {}
    except StateFileError as err:
        raise StateFileError(f"{err}; it was left as it is (store to another file, or remove "
                             f"it)") from None
    stored[name] = snap
    write_all(filename, stored)


__all__ = ["FORMAT", "VERSION", "Parts", "Setting", "StateMismatchError", "StateFileError",
           "capture", "differences", "checked", "read", "write", "write_all"]
