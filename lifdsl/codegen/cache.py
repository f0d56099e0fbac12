"""Compile generated Cython source once, keep the extension module on disk, reuse it.

The cython target generates one ``.pyx`` per network. Building it costs seconds; loading a
built one costs milliseconds, and a second request in the same process microseconds. An entry
is keyed by a hash of the source and of everything that changes the binary (Python, Cython and
NumPy versions, compiler command and flags, platform), so a stale entry is never reused.

The build avoids setuptools (slow to import, and it spawns more processes): Cython's
in-process compiler writes the C, and one compiler call makes the shared object. Neither
changes this process's working directory or standard streams (the compiler runs as a child in
the build folder; Cython is given absolute paths and reports into a listing file).

An entry ``<name>`` is ``<name>.pyx`` (its source), ``<name>.<tag><ext>`` (one build: a new
random tag per build, so a process that imported one build can import a rebuilt one: Python
and the dynamic loader would hand back the old module for a reused path) and
``<name>.sha256`` (the hash and file name of the current build). Everything is built in a
private ``.build-<name>.*`` folder and moved into place with ``os.replace`` while holding the
entry's file lock ``<name>.lock``, the build file before the sidecar, so concurrent processes
never see half an entry. ``clear_cache`` removes an entry only while holding its lock, so it
never pulls a build in progress (or its import) from under another process.

Trust: the cache folder is created 0700 and its files 0600; a folder that is not owned by the
user or is writable by group or others is refused (:class:`CacheError`). A build is imported
only if its sidecar and file are regular files owned by the user, not writable by others, and
the file's sha256 matches the sidecar; else it is rebuilt with a warning, never run. (A sidecar
alone proves nothing: whoever can write the file can write its hash. Only the user can write a
private folder, so only the user's processes wrote what is in it.) Any failure to use the
folder (not a folder, read-only, disk full) is a :class:`CacheError` naming the folder; it is a
:class:`BuildError`, so ``target='auto'`` falls back to NumPy on it.

Compile flags: ``-O3`` without ``-ffast-math`` and with ``-ffp-contract=off`` (no fused
multiply-add), so every double operation rounds as NumPy's does and both targets agree. Where
the CPU can be identified (Linux: the model and instruction-set lines of ``/proc/cpuinfo``)
and the compiler is gcc or clang, kernels are built for it (``-march=native``, and on x86-64
``-mprefer-vector-width=512``): the kernel's blocked threshold loops vectorise only with
instructions beyond the x86-64 baseline. The CPU identity is part of the key, so a cache
shared between machines never hands a kernel to a CPU it was not built for.
``LIFDSL_NATIVE=0`` builds portable kernels instead.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType

from lifdsl.cachedir import (
    FILE_MODE,
    CacheDirError,
    _cache_path,
    cache_dir,
    check_private_dir,
    read_private,
)

__all__ = [
    "CFLAGS",
    "BuildError",
    "CacheError",
    "CompilerNotFoundError",
    "build_count",
    "cache_dir",
    "clear_cache",
    "compile_cython",
    "compiler_available",
]

#: Optimisation flags for every kernel: fast, yet each double operation rounds as in NumPy
#: (no -ffast-math, no contraction into fused multiply-add; see NATIVE_FLAGS for the CPU).
CFLAGS: tuple[str, ...] = ("-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off")

#: Added where the CPU is known (:func:`cpu_identity`): instructions of this CPU, so loops
#: vectorise (results stay IEEE: -ffp-contract=off keeps FMA out, nothing reassociates).
NATIVE_FLAGS: tuple[str, ...] = ("-march=native",)
#: ... and on x86-64, where AVX-512 pays in the kernel's loops (gcc prefers 256-bit vectors)
NATIVE_FLAGS_X86: tuple[str, ...] = ("-mprefer-vector-width=512",)

#: the /proc/cpuinfo fields that say which instructions a CPU has (x86, ARM, others)
_CPU_FIELDS = frozenset({
    "vendor_id", "cpu family", "model", "model name", "stepping", "flags",
    "CPU implementer", "CPU architecture", "CPU variant", "CPU part", "CPU revision",
    "Features", "cpu", "isa", "uarch", "mmu", "platform",
})

#: Cython directives of every generated module (a module may repeat or refine them).
CYTHON_DIRECTIVES: dict[str, object] = {
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "embedsignature": False,
}

#: Bumped when the layout of the cache or the build recipe changes.
_CACHE_FORMAT = 2

_INSTALL_HINT = (
    "Install one (Debian/Ubuntu: `sudo apt install gcc python3-dev`; Fedora: `sudo dnf install "
    "gcc python3-devel`; macOS: `xcode-select --install`; Windows: the Microsoft C++ Build "
    "Tools), or point the CC environment variable at a C compiler, or use the NumPy target: "
    "target='numpy' (or ld.prefs.target = 'numpy'), which needs no compiler."
)


class CompilerNotFoundError(RuntimeError):
    """The cython target cannot build here: no C compiler, no Python headers, or no Cython."""


class BuildError(RuntimeError):
    """The kernel could not be built: Cython or the C compiler rejected generated source (a
    lifdsl bug: please report it), or, as :class:`CacheError`, the cache cannot take it."""


class CacheError(BuildError):
    """The compile cache folder cannot be used: unsafe (not yours, writable by others), not a
    folder, read-only or full. The message names the folder and what to do (LIFDSL_CACHE_DIR);
    as a BuildError it makes ``target='auto'`` run on NumPy."""


# ------------------------------------------------------------------------------------------
# where entries live


# _cache_path and cache_dir live in lifdsl.cachedir (methods/ caches there too); re-exported.


# ------------------------------------------------------------------------------------------
# the toolchain


@dataclass(frozen=True)
class _Toolchain:
    """Everything outside the source that shapes the binary, resolved once per ``$CC``."""

    cc: tuple[str, ...]
    compile_flags: tuple[str, ...]
    link_flags: tuple[str, ...]
    ext_suffix: str
    python_include: str
    problem: str | None  # why this toolchain cannot build, or None
    cpu: str | None = None  # the CPU the kernels are built for (-march=native), or None

    def fingerprint(self, cython_version: str) -> str:
        import numpy

        parts = [
            _CACHE_FORMAT,
            sys.version,
            sys.implementation.cache_tag,
            cython_version,
            numpy.__version__,
            list(self.cc),
            list(self.compile_flags),
            list(self.link_flags),
            self.ext_suffix,
            sys.platform,
            platform.machine(),
            sorted(CYTHON_DIRECTIVES.items()),
            self.cpu,
        ]
        return json.dumps(parts, default=str)


@lru_cache(maxsize=1)
def cpu_identity() -> str | None:
    """A text naming this machine's CPU model and instruction sets (every distinct one, for
    machines with several kinds of core), from ``/proc/cpuinfo``; None where it cannot be
    read (then kernels are built without ``-march=native``)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    kinds = set()
    for block in text.split("\n\n"):
        fields = []
        for line in block.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip() in _CPU_FIELDS:
                fields.append(f"{key.strip()}={' '.join(value.split())}")
        if fields:
            kinds.add("; ".join(sorted(fields)))
    return "\n".join(sorted(kinds)) or None


def _native_flags(cc: tuple[str, ...]) -> tuple[str, ...]:
    """The CPU-specific flags for compiler ``cc`` here (empty: portable kernels)."""
    if os.environ.get("LIFDSL_NATIVE", "1").strip() in ("0", "no", "false", "off"):
        return ()
    name = os.path.basename(cc[0]) if cc else ""
    if cpu_identity() is None or not re.search(r"(^|[-/])(gcc|clang|cc)(-[\d.]+)?$", name):
        return ()
    if platform.machine().lower() in ("x86_64", "amd64"):
        return NATIVE_FLAGS + NATIVE_FLAGS_X86
    return NATIVE_FLAGS


@lru_cache(maxsize=8)
def _toolchain(cc_env: str | None, native_env: str | None = None) -> _Toolchain:
    import numpy

    cc = tuple(shlex.split(cc_env or sysconfig.get_config_var("CC") or "cc"))
    paths = sysconfig.get_paths()
    py_include = paths["include"]
    includes = [py_include]
    if paths.get("platinclude") and paths["platinclude"] != py_include:
        includes.append(paths["platinclude"])
    includes.append(numpy.get_include())
    npy_random_lib = os.path.join(os.path.dirname(numpy.__file__), "random", "lib")
    native = _native_flags(cc)
    compile_flags = (
        *CFLAGS,
        *native,
        "-fPIC",
        "-w",  # Cython's and NumPy's headers warn a lot; generated code is not user code
        "-DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION",
        *(f"-I{d}" for d in includes),
    )
    if sys.platform == "darwin":
        shared = ("-bundle", "-undefined", "dynamic_lookup")
    else:
        shared = ("-shared",)
    link_flags = (*shared, f"-L{npy_random_lib}", "-lnpyrandom", "-lm")
    ext_suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"

    problem = None
    if os.name == "nt":
        problem = (
            "lifdsl builds Cython kernels with a gcc/clang-style compiler, which this Windows "
            "build does not drive yet"
        )
    elif not cc or _which(cc[0]) is None:
        problem = f"the C compiler {cc[0] if cc else '(none)'!r} was not found"
    elif not os.path.exists(os.path.join(py_include, "Python.h")):
        problem = f"the Python headers are missing (no Python.h in {py_include})"
    return _Toolchain(cc, compile_flags, link_flags, ext_suffix, py_include, problem,
                      cpu_identity() if native else None)


def _which(program: str) -> str | None:
    if os.sep in program or (os.altsep and os.altsep in program):
        return program if os.path.isfile(program) and os.access(program, os.X_OK) else None
    return shutil.which(program)


def _cython_version() -> str | None:
    """Cython's version, without importing Cython where its files tell (importing it costs
    ~10 ms of every fresh process's first run, which only loads a cached kernel)."""
    if "Cython" in sys.modules:
        module = sys.modules["Cython"]
        return None if module is None else str(module.__version__)
    try:
        spec = importlib.util.find_spec("Cython")
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.origin:
        with contextlib.suppress(OSError):
            text = Path(spec.origin).with_name("Shadow.py").read_text(encoding="utf-8")
            match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", text, re.M)
            if match:
                return match.group(1)
    try:
        import Cython
    except ImportError:
        return None
    return str(Cython.__version__)


@lru_cache(maxsize=8)
def _available(cc_env: str | None) -> bool:
    return _cython_version() is not None and _toolchain(cc_env).problem is None


def compiler_available() -> bool:
    """True if the cython target can build here (Cython, a C compiler and the Python headers
    were found). Cheap and cached: it looks for files, it runs nothing; for ``target='auto'``.
    """
    return _available(os.environ.get("CC"))


def _require_toolchain() -> tuple[_Toolchain, str]:
    cython_version = _cython_version()
    if cython_version is None:
        raise CompilerNotFoundError(
            "the cython target needs Cython: `pip install cython` (or `pip install "
            "lifdsl[cython]`), or use target='numpy', which needs neither Cython nor a compiler."
        )
    return _toolchain(os.environ.get("CC"), os.environ.get("LIFDSL_NATIVE")), cython_version


def _check_can_build(tc: _Toolchain) -> None:
    if tc.problem is not None:
        raise CompilerNotFoundError(
            f"the cython target cannot build: {tc.problem}. {_INSTALL_HINT}"
        )


# ------------------------------------------------------------------------------------------
# the in-process table and the public entry point

_loaded: dict[tuple[str, str, str, str | None, str | None], ModuleType] = {}
_lock = threading.RLock()
_builds = 0


def build_count() -> int:
    """How many modules this process has built (not loaded): for tests and benchmarks."""
    return _builds


def _module_name(name_hint: str, key: str) -> str:
    hint = re.sub(r"[^0-9A-Za-z_]", "_", name_hint)[:40] or "kernel"
    return f"lifdsl_{hint}_{key[:16]}"


def compile_cython(source: str, name_hint: str = "kernel") -> ModuleType:
    """The extension module built from Cython ``source``, compiled at most once per machine.

    Looks in this process's table, then in the disk cache (verifying the file's owner, mode
    and hash), then builds. The module is named ``lifdsl_<name_hint>_<hash>``. Raises
    :class:`CompilerNotFoundError` when nothing here can build, :class:`BuildError` when the
    source does not compile, :class:`CacheError` (a BuildError) when the cache folder cannot
    be used.
    """
    cc_env = os.environ.get("CC")
    fast_key = (source, name_hint, str(_cache_path()), cc_env, os.environ.get("LIFDSL_NATIVE"))
    module = _loaded.get(fast_key)
    if module is not None:
        return module
    with _lock:
        module = _loaded.get(fast_key)
        if module is None:
            module = _load_or_build(source, name_hint)
            _loaded[fast_key] = module
    return module


def _cache_error(directory: Path, exc: OSError) -> CacheError:
    """The CacheError for an OSError met while using the cache folder ``directory``."""
    if isinstance(exc, CacheDirError):
        text = str(exc)
        return CacheError(text if text.startswith("lifdsl:") else f"lifdsl: {text}")
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        problem, fix = "the disk (or your quota) is full", "free some space"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        problem, fix = "it is not writable", f"make it writable (`chmod 700 {directory}`)"
    else:
        problem, fix = "it cannot be written", "check the folder"
    where = f": {exc.filename}" if exc.filename else ""
    return CacheError(
        f"lifdsl: the compile cache folder {directory} cannot be used: {problem} "
        f"({exc.strerror or exc}{where}). To fix it: {fix}, or set LIFDSL_CACHE_DIR to a "
        f"writable folder of your own; meanwhile target='auto' runs on NumPy."
    )


def _name_for(source: str, name_hint: str) -> tuple[str, _Toolchain]:
    """The module name of ``source``'s entry (its cache key), and the toolchain."""
    tc, cython_version = _require_toolchain()
    key = hashlib.sha256(
        (tc.fingerprint(cython_version) + "\0" + source).encode("utf-8")
    ).hexdigest()
    return _module_name(name_hint, key), tc


def _entry_for(source: str, name_hint: str) -> tuple[_Entry, _Toolchain]:
    """The cache entry of ``source`` in the (checked) cache folder, and the toolchain."""
    name, tc = _name_for(source, name_hint)
    try:
        directory = cache_dir()
    except OSError as exc:
        raise _cache_error(_cache_path(), exc) from exc
    return _Entry(directory, name, tc.ext_suffix), tc


def _load_or_build(source: str, name_hint: str) -> ModuleType:
    """Import the entry's verified build, else (re)build it under the entry's lock; any
    OSError of the cache folder becomes a CacheError."""
    entry, tc = _entry_for(source, name_hint)

    # fast path, no lock: a verified build imports; any trouble is looked at under the lock
    so, _ = entry.check()
    if so is not None:
        with contextlib.suppress(ImportError, OSError):
            return _import_extension(entry.name, so)
    try:
        with _file_lock(entry.lock):
            # another process may have built it while we waited, or it may be damaged
            so, problem = entry.check()
            if so is not None:
                try:
                    return _import_extension(entry.name, so)
                except (ImportError, OSError) as exc:
                    problem = f"{so.name} cannot be imported ({exc})"
            if problem is not None:
                warnings.warn(
                    f"lifdsl: the cached module {entry.name} in {entry.directory} is not "
                    f"used: {problem}; rebuilding it",
                    RuntimeWarning,
                    stacklevel=4,
                )
            entry.remove()
            _check_can_build(tc)  # only now: a cached module loads even without a compiler
            so = _build(source, entry, tc)
            # imported under the lock, so that clear_cache cannot remove it before
            try:
                return _import_extension(entry.name, so)
            except (ImportError, OSError) as exc:
                raise BuildError(
                    f"lifdsl: the freshly built module {so} cannot be imported ({exc})"
                ) from exc
    except OSError as exc:
        raise _cache_error(entry.directory, exc) from exc


# ------------------------------------------------------------------------------------------
# one cache entry

_DIGEST = re.compile(r"[0-9a-f]{64}")
_TAG = re.compile(r"[0-9a-f]{16}")
_ENTRY_NAME = re.compile(r"lifdsl_\w*_[0-9a-f]{16}")


@dataclass(frozen=True)
class _Entry:
    """The files of one cache entry (source, sidecar, lock, builds) in ``directory``."""

    directory: Path
    name: str
    ext_suffix: str

    @property
    def sidecar(self) -> Path:
        return self.directory / (self.name + ".sha256")

    @property
    def pyx(self) -> Path:
        return self.directory / (self.name + ".pyx")

    @property
    def lock(self) -> Path:
        return self.directory / (self.name + ".lock")

    def build_file(self, tag: str) -> Path:
        """The file of the build ``tag`` (a fresh tag per build: a path is never reused)."""
        return self.directory / f"{self.name}.{tag}{self.ext_suffix}"

    def is_build_file(self, filename: str) -> bool:
        """True if ``filename`` names a build of this entry (nothing outside its folder)."""
        prefix, suffix = self.name + ".", self.ext_suffix
        return (filename.startswith(prefix) and filename.endswith(suffix)
                and _TAG.fullmatch(filename[len(prefix):-len(suffix)]) is not None)

    def check(self) -> tuple[Path | None, str | None]:
        """The current build if it may be imported, else None and why not (None if there is
        simply no entry): sidecar and build private to the user, and the hash matching."""
        try:
            fields = read_private(self.sidecar).decode("ascii").split()
        except FileNotFoundError:
            return None, None
        except (OSError, UnicodeDecodeError) as exc:
            return None, f"its checksum file is unusable ({exc})"
        if (len(fields) != 2 or not _DIGEST.fullmatch(fields[0])
                or not self.is_build_file(fields[1])):
            return None, f"its checksum file {self.sidecar.name} is malformed"
        so = self.directory / fields[1]
        try:
            data = read_private(so)
        except FileNotFoundError:
            return None, f"{so.name}, named by {self.sidecar.name}, is missing"
        except OSError as exc:
            return None, str(exc)
        if hashlib.sha256(data).hexdigest() != fields[0]:
            return None, f"{so.name} is corrupt (its hash does not match {self.sidecar.name})"
        return so, None

    def remove(self) -> None:
        """Delete the sidecar and every build (the caller holds the lock)."""
        with contextlib.suppress(FileNotFoundError):
            self.sidecar.unlink()
        for p in self.directory.glob(self.name + ".*"):
            if self.is_build_file(p.name):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()


def _import_extension(name: str, path: Path) -> ModuleType:
    """Import the extension module ``name`` from ``path`` (not registered in sys.modules)."""
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
    if spec is None:
        raise ImportError(f"no import spec for {path}")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _same_file(fd: int, path: Path) -> bool:
    """True if ``path`` still names the open file ``fd`` (a lock file may have been removed)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


#: Seconds a process waits for an entry's lock (another process building the same kernel)
#: before a CacheError; ``LIFDSL_LOCK_TIMEOUT`` changes it.
LOCK_TIMEOUT = 600.0


def _lock_timeout() -> float:
    text = os.environ.get("LIFDSL_LOCK_TIMEOUT", "").strip()
    try:
        return float(text) if text else LOCK_TIMEOUT
    except ValueError:
        return LOCK_TIMEOUT


def _flock_within(fcntl, fd: int, path: Path, timeout: float) -> None:
    """Take the exclusive lock on ``fd``, polling; CacheError after ``timeout`` seconds."""
    import time

    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise CacheError(
                    f"lifdsl: waited {timeout:g} s for the lock {path}: another process holds "
                    f"it (a build of the same kernel that has not finished). If that process "
                    f"is stuck, end it; to wait longer set LIFDSL_LOCK_TIMEOUT (seconds), or "
                    f"set LIFDSL_CACHE_DIR to another folder."
                ) from None
            time.sleep(pause)
            pause = min(2 * pause, 0.2)


@contextlib.contextmanager
def _file_lock(path: Path, blocking: bool = True,
               timeout: float | None = None) -> Iterator[bool]:
    """An exclusive lock between processes (advisory; a no-op where none is available).

    Its holder may delete the lock file (clear_cache does, last): whoever then wakes up on the
    deleted file sees that the path no longer names it and locks the path afresh. Yields True,
    or False when ``blocking`` is off and another process holds the lock. A blocking wait
    longer than ``timeout`` seconds (default :func:`_lock_timeout`) raises CacheError.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield True
        return
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        fd = os.open(path, flags, FILE_MODE)
        try:
            if blocking:
                _flock_within(fcntl, fd, path, _lock_timeout() if timeout is None else timeout)
            else:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
            if _same_file(fd, path):
                yield True
                return
        finally:
            os.close(fd)  # closing releases the lock


# ------------------------------------------------------------------------------------------
# building


def _write_private(path: Path, data: bytes) -> None:
    """Write a new file readable and writable by the user only (0600)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _build(source: str, entry: _Entry, tc: _Toolchain) -> Path:
    """Cython -> C -> shared object in a private folder, then moved into the cache (the caller
    holds the entry's lock); returns the new build's file. Never changes the working
    directory of this process."""
    global _builds
    work = Path(tempfile.mkdtemp(prefix=f".build-{entry.name}.", dir=entry.directory))
    try:
        # Cython compiles the cached copy of the source, so tracebacks name a file that stays
        _write_private(work / (entry.name + ".pyx"), source.encode("utf-8"))
        os.replace(work / (entry.name + ".pyx"), entry.pyx)
        c_file = work / (entry.name + ".c")
        _cythonize(entry.pyx, c_file, entry.name)
        so_name = entry.name + tc.ext_suffix
        # the compiler runs in the build folder (its own working directory, not ours), with
        # relative names so that the binary does not name the random folder
        cmd = [*tc.cc, *tc.compile_flags, c_file.name, "-o", so_name, *tc.link_flags]
        try:
            proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, check=False)
        except (FileNotFoundError, PermissionError) as exc:
            raise CompilerNotFoundError(
                f"the cython target cannot run the C compiler {tc.cc[0]!r} ({exc}). "
                f"{_INSTALL_HINT}"
            ) from exc
        if proc.returncode != 0:
            raise BuildError(
                f"lifdsl: the C compiler failed on {entry.name} (exit {proc.returncode}).\n"
                f"command: {shlex.join(cmd)}\n{proc.stderr.strip()[-4000:]}"
            )
        built = work / so_name
        os.chmod(built, FILE_MODE)
        digest = hashlib.sha256(built.read_bytes()).hexdigest()
        final = entry.build_file(secrets.token_hex(8))
        sidecar = work / (entry.name + ".sha256")
        _write_private(sidecar, f"{digest}  {final.name}\n".encode("ascii"))
        earlier = [p for p in entry.directory.glob(entry.name + ".*")
                   if entry.is_build_file(p.name)]
        # the build first: whenever the sidecar names a file, that file is complete
        os.replace(built, final)
        os.replace(sidecar, entry.sidecar)
        for p in earlier:
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        _builds += 1
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _cythonize(pyx: Path, c_file: Path, module_name: str) -> None:
    """Run Cython in this process on absolute paths; its messages go to a listing file (no
    chdir, no redirected sys.stderr: other threads keep their working directory and output)."""
    from Cython.Compiler import Errors
    from Cython.Compiler.Main import CompilationOptions, compile_single, default_options

    options = CompilationOptions(
        default_options,
        language_level=3,
        compiler_directives=dict(CYTHON_DIRECTIVES),
        output_file=str(c_file),
        cplus=False,
        quiet=True,
        timestamps=False,
        use_listing_file=True,
        errors_to_stderr=False,
    )
    listing = pyx.with_suffix(".lis")  # where Cython writes its messages
    try:
        try:
            result = compile_single(str(pyx), options, full_module_name=module_name)
        except Errors.CompileError as exc:
            raise BuildError(
                f"lifdsl: Cython rejected {module_name}: {exc}\n{_read_tail(listing)}"
            ) from exc
        if result is None or result.num_errors or not c_file.exists():
            raise BuildError(f"lifdsl: Cython rejected {module_name}:\n{_read_tail(listing)}")
    finally:
        with contextlib.suppress(FileNotFoundError):
            listing.unlink()


def _read_tail(path: Path) -> str:
    """The last 4000 characters of a text file ('' if it cannot be read)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()[-4000:]
    except OSError:
        return ""


# ------------------------------------------------------------------------------------------
# clearing


def _entry_name(filename: str) -> str | None:
    """The entry a cache file or build folder belongs to, or None if it belongs to none."""
    name = filename.removeprefix(".build-").split(".", 1)[0]
    return name if _ENTRY_NAME.fullmatch(name) else None


def _clear_entry(directory: Path, name: str) -> int | None:
    """Remove the files of entry ``name`` if no process holds its lock (None if one does:
    a build or an import is in progress). Returns the number of shared objects removed."""
    lock = directory / (name + ".lock")
    with _file_lock(lock, blocking=False) as held:
        if not held:
            return None
        removed = 0
        for p in [*directory.glob(name + ".*"), *directory.glob(".build-" + name + ".*")]:
            if p == lock:
                continue
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
                continue
            if p.name.endswith((".so", ".pyd")):
                removed += 1
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        lock.unlink(missing_ok=True)  # last, while still held
        return removed


_generation = [0]


def generation() -> int:
    """How many times clear_cache() ran in this process (tables of loaded kernels elsewhere
    are dropped when it changes)."""
    return _generation[0]


def clear_cache() -> int:
    """Delete every cached module and remembered SymPy result (and this process's tables of
    them). Returns the number of compiled entries removed. Entries that another process is
    building or importing right now are left alone; modules already imported keep working.
    Raises CacheError for a folder that is not private to the user (nothing is deleted)."""
    from lifdsl.methods import disk_memo

    disk_memo.forget()
    with _lock:
        _loaded.clear()
        _generation[0] += 1
        path = _cache_path()
        if not path.is_dir():
            return 0
        try:
            check_private_dir(path)
            names: set[str] = set()
            others: list[Path] = []
            for p in path.iterdir():
                name = _entry_name(p.name)
                if name is None:
                    others.append(p)
                else:
                    names.add(name)
            removed = 0
            for name in sorted(names):
                count = _clear_entry(path, name)
                removed += count or 0
            for p in others:  # the symbolic results, strays
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        p.unlink()
        except OSError as exc:
            raise _cache_error(path, exc) from exc
        return removed
