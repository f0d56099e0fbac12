"""Remember :func:`lifdsl.methods.discretize` results, in this process and on disk.

SymPy's work per model (for ``exact`` tens of milliseconds up to seconds) is the same in every
process, so its result is kept in ``cache_dir()/symbolic/`` next to the compiled kernels: a
fresh process with a warm cache unpickles it instead of redoing it.

- The key is the sha256 of a canonical text of the input written by :func:`canonical_text`
  (class, module, name and every assumption of each node, in the order of the ODEs), the
  method's class, name and order, a fingerprint of the source that shapes the result
  (``lifdsl/methods/*.py``, ``equations/functions.py`` and ``equations/statements.py``), the
  lifdsl, SymPy and Python versions and :data:`FORMAT`. Inputs that have no such text (a
  ``Dummy``, whose name is only unique within one process) are computed, never remembered.
- An entry is one file: a header line, the sha256 of the payload, then the pickled
  ``(key, DiscreteUpdate)``. It is written to a temporary file and moved into place with
  ``os.replace``, so readers see a whole entry or none. Only results that unpickle (with
  SymPy's evaluation off, so each node comes back as stored) to an equal object are stored.
  An entry whose checksum, key or content does not match is ignored with a warning and
  rebuilt, never used. Loading is ``pickle`` of lifdsl's and SymPy's own classes; no text
  is evaluated. Since a pickle can run code, an entry is trusted as the compiled kernels are
  (see :mod:`lifdsl.cachedir`): the folder is created 0700 and each entry 0600, and an entry
  is read only if it and its folder are owned by the user, not writable by group or others,
  and no symbolic link; anything else is not read (and is replaced by the user's own).
- An unusable cache folder (unwritable, a file in the way, full, not private to the user)
  only turns the disk memo off.
- Errors (:class:`DiscretizationError`) are not remembered. ``lifdsl.clear_cache()`` deletes
  the subfolder with the compiled kernels; :func:`forget` empties this process's table.
"""

from __future__ import annotations

import contextlib
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
from sympy.core.function import UndefinedFunction

from lifdsl.cachedir import private_subdir, python_files, read_private, remembered_digest

from .base import DiscreteUpdate, Method

__all__ = ["FORMAT", "SUBDIR", "canonical_text", "entry_path", "forget", "memo_key",
           "remembered", "stats"]

#: Bumped when the key, the file layout or the pickled classes change incompatibly.
FORMAT = 1

#: The subfolder of :func:`lifdsl.cachedir.cache_dir` holding the entries.
SUBDIR = "symbolic"

#: At most this many results are kept in this process (the oldest goes first).
MEMORY_ENTRIES = 512

_MAGIC = b"lifdsl-symbolic %d\n" % FORMAT

logger = logging.getLogger("lifdsl")

_memory: dict[str, DiscreteUpdate] = {}
_lock = threading.Lock()
_counts = {"computed": 0, "disk": 0, "memory": 0, "stored": 0}


class _NoCanonicalText(Exception):
    """The input holds a node whose text would not mean the same in another process."""


def stats() -> dict[str, int]:
    """How often this process computed, read from disk, found in memory and stored a result."""
    return dict(_counts)


def forget() -> None:
    """Empty this process's table (the disk entries stay): for tests and benchmarks."""
    with _lock:
        _memory.clear()


# ------------------------------------------------------------------------------------------
# the key


def _class_name(cls: type) -> str:
    """``module.qualname`` of a class, so two classes of one name never share a key."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _write(node: sp.Basic, out: list[str]) -> None:
    """Append the canonical text of ``node`` to ``out`` (see :func:`canonical_text`)."""
    cls = type(node)
    if isinstance(node, (sp.Dummy, sp.Wild)):
        raise _NoCanonicalText(f"{node!r} is a {cls.__name__}")
    if isinstance(node, sp.Symbol):
        assumptions = sorted(node.assumptions0.items())
        out.append(f"{_class_name(cls)}({node.name!r},{assumptions!r})")
        return
    if isinstance(cls, UndefinedFunction):  # I_in(t): a class made at run time, by name
        assumptions = sorted(getattr(cls, "_kwargs", {}).items())
        out.append(f"undefined({cls.__name__!r},{assumptions!r})(")
    elif not node.args:  # numbers and singletons: srepr spells them exactly
        out.append(f"{_class_name(cls)}:{sp.srepr(node)}")
        return
    else:
        out.append(f"{_class_name(cls)}(")
    for arg in node.args:
        if not isinstance(arg, sp.Basic):
            raise _NoCanonicalText(f"{node!r} has a non-SymPy argument {arg!r}")
        _write(arg, out)
        out.append(",")
    out.append(")")


def canonical_text(odes: Mapping[str, sp.Basic]) -> str:
    """A text that two processes write alike exactly for equal inputs (order kept: it is the
    order of the statements). Raises ``_NoCanonicalText`` for a ``Dummy`` or ``Wild``."""
    out: list[str] = []
    for name, rhs in odes.items():
        out.append(f"{name!r}:")
        _write(rhs, out)
        out.append(";\n")
    return "".join(out)


_SHAPING_SOURCES = (
    ("methods", "*.py"),
    ("equations", "functions.py"),
    ("equations", "statements.py"),
)


@cache
def _source_fingerprint() -> str | None:
    """sha256 of the source files that shape a result, and lifdsl's version; None if one
    cannot be read (then nothing goes to disk: a stale entry could not be told apart).
    Remembered by the files' sizes and times (``remembered_digest``)."""
    root = Path(__file__).resolve().parent.parent
    files = [(folder, path) for folder, name in _SHAPING_SOURCES
             for path in (python_files(root / folder) if name == "*.py"
                          else [str(root / folder / name)])]

    def compute() -> str | None:
        digest = hashlib.sha256()
        try:
            init = (root / "__init__.py").read_text(encoding="utf-8")
            match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", init, re.M)
            digest.update(f"lifdsl {match.group(1) if match else '?'}\n".encode())
            for folder, path in files:
                digest.update(f"{folder}/{os.path.basename(path)}\n".encode())
                with open(path, "rb") as f:
                    digest.update(f.read())
        except OSError:
            return None
        return digest.hexdigest()

    return remembered_digest("methods", [str(root / "__init__.py")] + [p for _, p in files],
                             compute)


def memo_key(odes: Mapping[str, sp.Basic], method: Method) -> str | None:
    """The key of ``discretize(odes, method.name)``, or None when it cannot be remembered
    (an input without canonical text, a method defined outside lifdsl, unreadable sources)."""
    cls = type(method)
    if not cls.__module__.startswith("lifdsl.methods."):
        return None  # a user's method: we cannot see when its code changes
    fingerprint = _source_fingerprint()
    if fingerprint is None:
        return None
    try:
        text = canonical_text(odes)
    except (_NoCanonicalText, RecursionError):
        return None
    header = (
        f"format {FORMAT}\nsource {fingerprint}\nsympy {sp.__version__}\n"
        f"python {sys.implementation.cache_tag}\n"
        f"method {_class_name(cls)} {method.name!r} {method.order!r}\n"
    )
    own = getattr(method, "memo_text", None)   # a method written as text: its lines
    if own is not None:
        header += f"text {own}\n"
    return hashlib.sha256((header + text).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------------------------------
# entries on disk


def entry_path(key: str) -> Path:
    """The file of the entry ``key`` (the folder is created owner-only; raises OSError if it
    cannot be, or if it is not private to the user)."""
    return private_subdir(SUBDIR) / f"{key}.pickle"


def _unpickle(payload: bytes) -> object:
    """Unpickle without SymPy's evaluation: nodes come back as they were stored, including
    unevaluated ones such as Runge-Kutta's ``U + (k1 + k2)/2`` (evaluation would expand it)."""
    with sp.evaluate(False):
        return pickle.loads(payload)


def _encode(key: str, value: DiscreteUpdate) -> bytes | None:
    """The bytes of an entry, or None if the value does not survive a round trip intact."""
    try:
        payload = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        if _unpickle(payload) != (key, value):
            return None
    except Exception:  # noqa: BLE001 - any failure means: do not store it
        return None
    return _MAGIC + hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload


def _decode(key: str, data: bytes) -> DiscreteUpdate:
    """The value of an entry; ValueError if it is truncated, corrupt or for another key."""
    if not data.startswith(_MAGIC):
        raise ValueError("it does not start with the expected header")
    checksum, sep, payload = data[len(_MAGIC):].partition(b"\n")
    if not sep or hashlib.sha256(payload).hexdigest().encode("ascii") != checksum:
        raise ValueError("its checksum does not match (truncated or corrupt)")
    try:
        stored_key, value = _unpickle(payload)
    except Exception as exc:  # noqa: BLE001 - a checksum-valid yet unreadable entry
        raise ValueError(f"it does not unpickle ({type(exc).__name__}: {exc})") from exc
    if stored_key != key or not isinstance(value, DiscreteUpdate):
        raise ValueError("it holds another entry")
    return value


def _load(key: str, check: Callable[[DiscreteUpdate], bool]) -> DiscreteUpdate | None:
    """The entry ``key`` from disk if present and intact; a broken one is deleted (warning)."""
    try:
        path = entry_path(key)
        data = read_private(path)  # only what the user wrote: never a foreign pickle
    except OSError:
        return None
    try:
        value = _decode(key, data)
        if not check(value):
            raise ValueError("its statements do not fit the equations")
    except ValueError as exc:
        warnings.warn(
            f"lifdsl: the cached symbolic result {path} is unusable ({exc}); recomputing it",
            RuntimeWarning,
            stacklevel=4,
        )
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return value


def _store(key: str, value: DiscreteUpdate) -> None:
    """Write the entry atomically; any failure only means it is not on disk."""
    data = _encode(key, value)
    if data is None:
        logger.debug("lifdsl: %s result not stored (no faithful pickle)", value.method)
        return
    tmp = None
    try:
        path = entry_path(key)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".pickle", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        tmp = None
        _counts["stored"] += 1
    except OSError as exc:
        logger.debug("lifdsl: symbolic cache not written (%s)", exc)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# ------------------------------------------------------------------------------------------
# the entry point


def remembered(
    odes: Mapping[str, sp.Basic],
    method: Method,
    compute: Callable[[], DiscreteUpdate],
    check: Callable[[DiscreteUpdate], bool],
) -> DiscreteUpdate:
    """``compute()``, or its remembered result for these ``odes`` and ``method``: from this
    process's table, else from disk (accepted only if ``check`` holds), else computed and
    stored. Exceptions of ``compute`` propagate and nothing is remembered."""
    key = memo_key(odes, method)
    if key is None:
        value = compute()
        _counts["computed"] += 1
        return value
    with _lock:
        value = _memory.get(key)
    if value is not None:
        _counts["memory"] += 1
        return value
    value = _load(key, check)
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
