"""Compile generated Cython source once, keep the extension module on disk, reuse it.

The cython target generates one ``.pyx`` per network. Building it costs seconds; loading a
built one costs milliseconds, and a second request in the same process microseconds. An entry
is keyed by a hash of the source and of everything that changes the binary (Python, Cython and
NumPy versions, compiler command and flags, platform), so a stale entry is never reused.

The build avoids setuptools (slow to import, and it spawns more processes): Cython's
in-process compiler writes the C, and one compiler call makes the shared object. Entries are
built in a private folder and moved into place with ``os.replace`` under a per-entry file lock,
so concurrent processes never see half a file; each ``.so`` has a ``.sha256`` sidecar that is
checked before import, so a truncated or corrupt entry is rebuilt (with a warning), never run.

Compile flags: ``-O3`` without ``-ffast-math`` and with ``-ffp-contract=off`` (no fused
multiply-add), so every double operation rounds as NumPy's does and both targets agree.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import platform
import re
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

from lifdsl.cachedir import _cache_path, cache_dir

__all__ = [
    "CFLAGS",
    "BuildError",
    "CompilerNotFoundError",
    "build_count",
    "cache_dir",
    "clear_cache",
    "compile_cython",
    "compiler_available",
]

#: Optimisation flags for every kernel: fast, yet each double operation rounds as in NumPy
#: (no -ffast-math, no contraction into fused multiply-add, no -march=native).
CFLAGS: tuple[str, ...] = ("-O3", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off")

#: Cython directives of every generated module (a module may repeat or refine them).
CYTHON_DIRECTIVES: dict[str, object] = {
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "embedsignature": False,
}

#: Bumped when the layout of the cache or the build recipe changes.
_CACHE_FORMAT = 1

_INSTALL_HINT = (
    "Install one (Debian/Ubuntu: `sudo apt install gcc python3-dev`; Fedora: `sudo dnf install "
    "gcc python3-devel`; macOS: `xcode-select --install`; Windows: the Microsoft C++ Build "
    "Tools), or point the CC environment variable at a C compiler, or use the NumPy target: "
    "target='numpy' (or ld.prefs.target = 'numpy'), which needs no compiler."
)


class CompilerNotFoundError(RuntimeError):
    """The cython target cannot build here: no C compiler, no Python headers, or no Cython."""


class BuildError(RuntimeError):
    """Cython or the C compiler rejected generated source (a lifdsl bug: please report it)."""


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
        ]
        return json.dumps(parts, default=str)


@lru_cache(maxsize=8)
def _toolchain(cc_env: str | None) -> _Toolchain:
    import numpy

    cc = tuple(shlex.split(cc_env or sysconfig.get_config_var("CC") or "cc"))
    paths = sysconfig.get_paths()
    py_include = paths["include"]
    includes = [py_include]
    if paths.get("platinclude") and paths["platinclude"] != py_include:
        includes.append(paths["platinclude"])
    includes.append(numpy.get_include())
    npy_random_lib = os.path.join(os.path.dirname(numpy.__file__), "random", "lib")
    compile_flags = (
        *CFLAGS,
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
    return _Toolchain(cc, compile_flags, link_flags, ext_suffix, py_include, problem)


def _which(program: str) -> str | None:
    if os.sep in program or (os.altsep and os.altsep in program):
        return program if os.path.isfile(program) and os.access(program, os.X_OK) else None
    return shutil.which(program)


def _cython_version() -> str | None:
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
    return _toolchain(os.environ.get("CC")), cython_version


def _check_can_build(tc: _Toolchain) -> None:
    if tc.problem is not None:
        raise CompilerNotFoundError(
            f"the cython target cannot build: {tc.problem}. {_INSTALL_HINT}"
        )


# ------------------------------------------------------------------------------------------
# the in-process table and the public entry point

_loaded: dict[tuple[str, str, str, str | None], ModuleType] = {}
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

    Looks in this process's table, then in the disk cache (verifying the file's hash), then
    builds. The module is named ``lifdsl_<name_hint>_<hash>``. Raises
    :class:`CompilerNotFoundError` when nothing here can build, :class:`BuildError` when the
    source does not compile.
    """
    cc_env = os.environ.get("CC")
    fast_key = (source, name_hint, str(_cache_path()), cc_env)
    module = _loaded.get(fast_key)
    if module is not None:
        return module
    with _lock:
        module = _loaded.get(fast_key)
        if module is None:
            module = _load_or_build(source, name_hint)
            _loaded[fast_key] = module
    return module


def _load_or_build(source: str, name_hint: str) -> ModuleType:
    tc, cython_version = _require_toolchain()
    key = hashlib.sha256(
        (tc.fingerprint(cython_version) + "\0" + source).encode("utf-8")
    ).hexdigest()
    name = _module_name(name_hint, key)
    directory = cache_dir()
    entry = _Entry(directory, name, tc.ext_suffix)

    # fast path: a complete, intact entry needs no lock
    if entry.intact():
        module = _try_import(entry)
        if module is not None:
            return module
    with _file_lock(entry.lock):
        # another process may have built it while we waited, or it may be corrupt
        if entry.so.exists():
            if entry.intact():
                module = _try_import(entry)
                if module is not None:
                    return module
            else:
                warnings.warn(
                    f"lifdsl: the cached module {entry.so} is corrupt (its hash does not match "
                    f"{entry.sidecar.name}); rebuilding it",
                    RuntimeWarning,
                    stacklevel=4,
                )
            entry.remove()
        _check_can_build(tc)  # only now: a cached module loads even without a compiler
        _build(source, entry, tc)
    module = _try_import(entry)
    if module is None:
        raise BuildError(f"lifdsl: the freshly built module {entry.so} cannot be imported")
    return module


# ------------------------------------------------------------------------------------------
# one cache entry


@dataclass(frozen=True)
class _Entry:
    directory: Path
    name: str
    ext_suffix: str

    @property
    def so(self) -> Path:
        return self.directory / (self.name + self.ext_suffix)

    @property
    def sidecar(self) -> Path:
        return self.directory / (self.name + ".sha256")

    @property
    def pyx(self) -> Path:
        return self.directory / (self.name + ".pyx")

    @property
    def lock(self) -> Path:
        return self.directory / (self.name + ".lock")

    def intact(self) -> bool:
        """True if the shared object exists and matches its recorded hash."""
        try:
            expected = self.sidecar.read_text().split()[0]
            data = self.so.read_bytes()
        except (OSError, IndexError):
            return False
        return hashlib.sha256(data).hexdigest() == expected

    def remove(self) -> None:
        for p in (self.so, self.sidecar):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def _try_import(entry: _Entry) -> ModuleType | None:
    """Import the entry's module; on failure warn, delete the entry and return None."""
    try:
        return _import_extension(entry.name, entry.so)
    except (ImportError, OSError) as exc:
        warnings.warn(
            f"lifdsl: the cached module {entry.so} cannot be imported ({exc}); rebuilding it",
            RuntimeWarning,
            stacklevel=5,
        )
        with _file_lock(entry.lock):
            entry.remove()
        return None


def _import_extension(name: str, path: Path) -> ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
    if spec is None:
        raise ImportError(f"no import spec for {path}")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes (advisory; a no-op where none is available)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


# ------------------------------------------------------------------------------------------
# building


def _build(source: str, entry: _Entry, tc: _Toolchain) -> None:
    """Cython -> C -> shared object in a private folder, then moved into the cache."""
    global _builds
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=entry.directory))
    try:
        pyx_name = entry.name + ".pyx"
        c_name = entry.name + ".c"
        so_name = entry.name + tc.ext_suffix
        (work / pyx_name).write_text(source, encoding="utf-8")
        _cythonize(work, pyx_name, c_name, entry.name)
        cmd = [*tc.cc, *tc.compile_flags, c_name, "-o", so_name, *tc.link_flags]
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
        digest = hashlib.sha256((work / so_name).read_bytes()).hexdigest()
        (work / (entry.name + ".sha256")).write_text(f"{digest}  {so_name}\n")
        # the sidecar first: whenever the .so is visible its hash is there to check it
        os.replace(work / pyx_name, entry.pyx)
        os.replace(work / (entry.name + ".sha256"), entry.sidecar)
        os.replace(work / so_name, entry.so)
        _builds += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _cythonize(work: Path, pyx_name: str, c_name: str, module_name: str) -> None:
    """Run Cython in this process (relative paths, so the C text does not name the folder)."""
    from Cython.Compiler import Errors
    from Cython.Compiler.Main import CompilationOptions, compile_single, default_options

    options = CompilationOptions(
        default_options,
        language_level=3,
        compiler_directives=dict(CYTHON_DIRECTIVES),
        output_file=c_name,
        cplus=False,
        quiet=True,
        timestamps=False,
    )
    captured = io.StringIO()
    old_cwd = os.getcwd()
    os.chdir(work)
    try:
        with contextlib.redirect_stderr(captured), contextlib.redirect_stdout(captured):
            try:
                result = compile_single(pyx_name, options, full_module_name=module_name)
            except Errors.CompileError as exc:
                raise BuildError(
                    f"lifdsl: Cython rejected {module_name}: {exc}\n{captured.getvalue()[-4000:]}"
                ) from exc
    finally:
        os.chdir(old_cwd)
    if result is None or result.num_errors or not (work / c_name).exists():
        raise BuildError(
            f"lifdsl: Cython rejected {module_name}:\n{captured.getvalue().strip()[-4000:]}"
        )


def clear_cache() -> int:
    """Delete every cached module and remembered SymPy result (and this process's tables of
    them). Returns the number of compiled entries removed. Modules already imported keep
    working."""
    from lifdsl.methods import disk_memo

    disk_memo.forget()
    with _lock:
        _loaded.clear()
        path = _cache_path()
        if not path.is_dir():
            return 0
        removed = 0
        for p in path.iterdir():
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
                continue
            if p.name.endswith((".so", ".pyd")):
                removed += 1
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        return removed
