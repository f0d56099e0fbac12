"""Remember codegen's SymPy rewrites (:func:`lifdsl.codegen.optimize.affine_rewrite`) and the
kernel source generated for a program, in this process and on disk, as
:mod:`lifdsl.methods.disk_memo` remembers ``discretize``.

A fresh process spends most of its first ``run()``'s preparation in SymPy: the affine rewrite
differentiates the discretized update and builds products whose assumption queries take ~30 ms
for CUBA (SymPy's own caches are empty in a new process). The result depends on its inputs
alone, so it is kept in ``cache_dir()/rewrites/``, under the same rules as the discretize memo.
So is the Cython kernel's source and argument layout for a program (printing it took ~15-30 ms
of the first run; the compiled module itself is found by that source in ``codegen/cache.py``),
keyed by the program's canonical text and a fingerprint of every file of ``codegen/`` and
``equations/``. The rules:

- The key is the sha256 of the inputs' canonical text (``disk_memo.canonical_text``: class,
  name and assumptions of every node), of the other arguments, of a fingerprint of the source
  that shapes the result (this file, ``codegen/optimize.py``, the NumPy printer and
  ``codegen/long_expressions.py``, which print the rewrite's coefficient function,
  ``equations/functions.py`` and ``equations/statements.py``) and of the lifdsl, SymPy and
  Python versions. Inputs without such a text (a ``Dummy``) are computed, never remembered.
- An entry is a header line, the sha256 of the payload, the pickled ``(key, value)``; written
  to a temporary file and moved into place; stored only if it unpickles (SymPy's evaluation
  off) to an equal value; read only if it and its folder are private to the user
  (:func:`lifdsl.cachedir.read_private`). A broken entry is deleted with a warning and
  recomputed. Any trouble with the folder only turns the disk part off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import pickle
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

import sympy as sp

from lifdsl.cachedir import private_subdir, python_files, read_private, remembered_digest
from lifdsl.methods import disk_memo

__all__ = ["FORMAT", "SUBDIR", "forget", "kernel_key", "memo_key", "remembered", "stats"]

#: Bumped when the key, the file layout or the pickled classes change incompatibly.
FORMAT = 1

#: The subfolder of :func:`lifdsl.cachedir.cache_dir` holding the entries.
SUBDIR = "rewrites"

#: At most this many results are kept in this process (the oldest goes first).
MEMORY_ENTRIES = 512

_MAGIC = b"lifdsl-rewrite %d\n" % FORMAT

logger = logging.getLogger("lifdsl")

_memory: dict[str, object] = {}
_lock = threading.Lock()
_counts = {"computed": 0, "disk": 0, "memory": 0, "stored": 0}

_SHAPING_SOURCES = (
    ("codegen", "optimize.py"),
    ("codegen", "symbolic_memo.py"),
    ("codegen", "numpy_target/printer.py"),   # (the coefficients' printed function)
    ("codegen", "long_expressions.py"),
    ("equations", "functions.py"),
    ("equations", "statements.py"),
)


def stats() -> dict[str, int]:
    """How often this process computed, read from disk, found in memory and stored a result."""
    return dict(_counts)


def forget() -> None:
    """Empty this process's table (the disk entries stay): for tests and benchmarks."""
    with _lock:
        _memory.clear()


@cache
def _source_fingerprint() -> str | None:
    """sha256 of the source files that shape a result and lifdsl's version; None if one cannot
    be read (then nothing goes to disk). Remembered by the files' sizes and times."""
    root = Path(__file__).resolve().parent.parent

    def compute() -> str | None:
        digest = hashlib.sha256()
        try:
            init = (root / "__init__.py").read_text(encoding="utf-8")
            match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", init, re.M)
            digest.update(f"lifdsl {match.group(1) if match else '?'}\n".encode())
            for folder, name in _SHAPING_SOURCES:
                digest.update(f"{folder}/{name}\n".encode())
                digest.update((root / folder / name).read_bytes())
        except OSError:
            return None
        return digest.hexdigest()

    return remembered_digest("rewrites", [str(root / "__init__.py")] + [
        str(root / folder / name) for folder, name in _SHAPING_SOURCES], compute)


@cache
def _codegen_fingerprint() -> str | None:
    """sha256 of every source file of ``codegen/`` and ``equations/`` (what a generated
    kernel's text can depend on) and of the rewrite fingerprint; None if one cannot be read.
    Remembered by the files' sizes and times (``remembered_digest``)."""
    base = _source_fingerprint()
    if base is None:
        return None
    root = Path(__file__).resolve().parent.parent
    files = [path for folder in ("codegen", "equations")
             for path in python_files(root / folder, recursive=True)]

    def compute() -> str | None:
        digest = hashlib.sha256(base.encode())
        try:
            for path in files:
                digest.update(f"{Path(path).relative_to(root).as_posix()}\n".encode())
                with open(path, "rb") as f:
                    digest.update(f.read())
        except OSError:
            return None
        return digest.hexdigest()

    return remembered_digest(f"codegen-{base[:16]}", files, compute)


def _write_value(value: object, out: list[str]) -> None:
    """Append a canonical text of a program's value: frozen dataclasses, tuples, strings,
    numbers and SymPy nodes (``disk_memo``'s text); anything else has none."""
    if isinstance(value, sp.Basic):
        disk_memo._write(value, out)
    elif value is None or isinstance(value, (bool, int, float, str)):
        out.append(f"{type(value).__name__}:{value!r}")
    elif isinstance(value, (tuple, list)):
        out.append("(" if isinstance(value, tuple) else "[")
        for item in value:
            _write_value(item, out)
            out.append(",")
        out.append(")")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        out.append(f"{cls.__module__}.{cls.__qualname__}(")
        for f in dataclasses.fields(value):
            out.append(f"{f.name}=")
            _write_value(getattr(value, f.name), out)
            out.append(",")
        out.append(")")
    else:
        raise disk_memo._NoCanonicalText(f"no canonical text for {type(value).__name__}")


def kernel_key(program: object, extra: str) -> str | None:
    """The key of the kernel source generated for ``program`` (a codegen ``Program``): its
    canonical text and a fingerprint of all of ``codegen/`` and ``equations/``; None when it
    has no such text."""
    fingerprint = _codegen_fingerprint()
    if fingerprint is None:
        return None
    out: list[str] = []
    try:
        _write_value(program, out)
    except (disk_memo._NoCanonicalText, RecursionError):
        return None
    return _key("kernel", fingerprint, extra, "".join(out))


def memo_key(kind: str, expressions: Mapping[str, sp.Basic], extra: str) -> str | None:
    """The key of a ``kind`` of rewrite of ``expressions`` (name -> expression, in order) with
    its other arguments written as ``extra``; None when it cannot be remembered."""
    fingerprint = _source_fingerprint()
    if fingerprint is None:
        return None
    try:
        text = disk_memo.canonical_text(expressions)
    except (disk_memo._NoCanonicalText, RecursionError):
        return None
    return _key(kind, fingerprint, extra, text)


def _key(kind: str, fingerprint: str, extra: str, text: str) -> str:
    header = (f"format {FORMAT}\nkind {kind}\nsource {fingerprint}\nsympy {sp.__version__}\n"
              f"python {sys.implementation.cache_tag}\nextra {extra}\n")
    return hashlib.sha256((header + text).encode("utf-8")).hexdigest()


def _path(key: str) -> Path:
    return private_subdir(SUBDIR) / f"{key}.pickle"


def _encode(key: str, value: object) -> bytes | None:
    try:
        payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        if disk_memo._unpickle(payload) != (key, value):
            return None
    except Exception:  # noqa: BLE001 - any failure means: do not store it
        return None
    return _MAGIC + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload


def _decode(key: str, data: bytes, cls: type) -> object:
    if not data.startswith(_MAGIC):
        raise ValueError("it does not start with the expected header")
    checksum, sep, payload = data[len(_MAGIC):].partition(b"\n")
    if not sep or hashlib.sha256(payload).hexdigest().encode("ascii") != checksum:
        raise ValueError("its checksum does not match (truncated or corrupt)")
    try:
        stored_key, value = disk_memo._unpickle(payload)
    except Exception as exc:  # noqa: BLE001 - a checksum-valid yet unreadable entry
        raise ValueError(f"it does not unpickle ({type(exc).__name__}: {exc})") from exc
    if stored_key != key or not isinstance(value, cls):
        raise ValueError("it holds another entry")
    return value


def _load(key: str, cls: type) -> object | None:
    try:
        path = _path(key)
        data = read_private(path)  # only what the user wrote: never a foreign pickle
    except OSError:
        return None
    try:
        return _decode(key, data, cls)
    except ValueError as exc:
        warnings.warn(f"lifdsl: the cached rewrite {path} is unusable ({exc}); recomputing it",
                      RuntimeWarning, stacklevel=4)
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def _store(key: str, value: object) -> None:
    data = _encode(key, value)
    if data is None:
        return
    tmp = None
    try:
        path = _path(key)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pickle", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
        _counts["stored"] += 1
    except OSError as exc:
        logger.debug("lifdsl: rewrite cache not written (%s)", exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def remembered(key: str | None, cls: type, compute: Callable[[], object]) -> object:
    """``compute()``, or its remembered result (an instance of ``cls``) for ``key``: from this
    process's table, else from disk, else computed and stored. The caller must not change the
    result (it is shared)."""
    if key is None:
        _counts["computed"] += 1
        return compute()
    with _lock:
        value = _memory.get(key)
    if value is not None:
        _counts["memory"] += 1
        return value
    value = _load(key, cls)
    if value is not None:
        _counts["disk"] += 1
    else:
        value = compute()
        _counts["computed"] += 1
        _store(key, value)
    with _lock:
        _memory[key] = value
        while len(_memory) > MEMORY_ENTRIES:
            del _memory[next(iter(_memory))]
    return value
