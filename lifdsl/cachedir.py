"""Where lifdsl keeps its on-disk caches (compiled kernels, symbolic results), and the rule of
who may have written them.

A module of its own, below every stage of the pipeline (``equations -> units -> methods ->
codegen -> core``), so that ``methods`` can cache on disk without importing ``codegen``.

Both caches hold code that runs when it is loaded (extension modules, pickles), so they are
private to the user: lifdsl creates its folders 0700 and its files 0600, and uses a folder or
a file only if it is owned by the current user and not writable by group or others (and, for
subfolders and files, is no symbolic link). Anything else raises :class:`CacheDirError`, an
``OSError`` whose message names the path and what to do.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["DIR_MODE", "FILE_MODE", "CacheDirError", "cache_dir", "check_private_dir",
           "private_subdir", "python_files", "read_private", "remembered_digest"]

#: The mode of every folder lifdsl creates in its caches.
DIR_MODE = 0o700

#: The mode of every file lifdsl writes in its caches.
FILE_MODE = 0o600

_WHAT_TO_DO = (
    "or set LIFDSL_CACHE_DIR to a folder of your own (lifdsl creates it, only you can write "
    "it); meanwhile target='auto' runs on NumPy"
)


class CacheDirError(OSError):
    """A cache folder or file lifdsl will not use: it cannot be created, is not a folder, or is
    not private to the current user (someone else could have written what it holds)."""


def _cache_path() -> Path:
    """The cache folder's absolute path (not created): ``LIFDSL_CACHE_DIR``, else the user
    cache folder."""
    env = os.environ.get("LIFDSL_CACHE_DIR")
    if env:
        return Path(os.path.abspath(Path(env).expanduser()))
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "lifdsl"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        return (Path(base) if base else home / "AppData" / "Local") / "lifdsl" / "Cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else home / ".cache") / "lifdsl"


def _not_private(st: os.stat_result) -> str | None:
    """Why a file or folder of this status may hold what another user wrote, or None."""
    if os.name != "posix":  # pragma: no cover - no owners and modes to check on Windows
        return None
    uid = os.geteuid()
    if st.st_uid != uid:
        return f"is owned by another user (uid {st.st_uid}; you are uid {uid})"
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o022:
        who = {0o020: "its group", 0o002: "others"}.get(mode & 0o022, "its group and others")
        return f"is writable by {who} (mode {mode:04o})"
    return None


def check_private_dir(path: Path, allow_link: bool = True) -> None:
    """Raise CacheDirError unless ``path`` is a folder owned by the user that nobody else can
    write; ``allow_link`` lets the top folder be a symbolic link to such a folder."""
    try:
        st = os.stat(path) if allow_link else os.lstat(path)
    except OSError as exc:
        raise CacheDirError(
            f"lifdsl: the cache folder {path} cannot be read ({exc.strerror}): {_WHAT_TO_DO}."
        ) from exc
    if stat.S_ISLNK(st.st_mode):
        raise CacheDirError(
            f"lifdsl: the cache folder {path} is a symbolic link, which lifdsl does not follow "
            f"inside its cache: remove it, {_WHAT_TO_DO}."
        )
    if not stat.S_ISDIR(st.st_mode):
        raise CacheDirError(
            f"lifdsl: the cache folder {path} is not a folder: remove or rename what is there, "
            f"{_WHAT_TO_DO}."
        )
    problem = _not_private(st)
    if problem is None:
        return
    if st.st_uid == os.geteuid():
        fix = f"if nothing in it is foreign, `chmod 700 {path}` (or remove it)"
    else:
        fix = "remove it (it is not yours)"
    raise CacheDirError(
        f"lifdsl: the cache folder {path} {problem}, so what it holds may not be yours; lifdsl "
        f"loads compiled code only from a folder that you own and only you can write. To fix "
        f"it: {fix}, {_WHAT_TO_DO}."
    )


def _private_dir(path: Path, parents: bool, allow_link: bool) -> Path:
    """Create ``path`` owner-only (0700) if it is missing, then check that it is private."""
    try:
        if parents:  # missing parents owner-only too (mkdir -p would make them 0777 - umask)
            for parent in reversed([p for p in path.parents if not p.exists()]):
                with contextlib.suppress(FileExistsError):
                    parent.mkdir(mode=DIR_MODE)
        path.mkdir(mode=DIR_MODE)
        os.chmod(path, DIR_MODE)  # exactly 0700, whatever the umask
    except FileExistsError:
        pass
    except OSError as exc:
        raise CacheDirError(
            f"lifdsl: the cache folder {path} cannot be created ({exc.strerror}): make its "
            f"parent writable, {_WHAT_TO_DO}."
        ) from exc
    check_private_dir(path, allow_link=allow_link)
    return path


def cache_dir() -> Path:
    """The folder of lifdsl's caches: created 0700 if missing, CacheDirError unless private.

    ``LIFDSL_CACHE_DIR`` if set (read at each call), else the user cache folder:
    ``$XDG_CACHE_HOME/lifdsl`` or ``~/.cache/lifdsl`` on Linux, ``~/Library/Caches/lifdsl`` on
    macOS, ``%LOCALAPPDATA%\\lifdsl\\Cache`` on Windows.
    """
    return _private_dir(_cache_path(), parents=True, allow_link=True)


def private_subdir(name: str) -> Path:
    """The subfolder ``name`` of :func:`cache_dir`, created 0700 if missing and checked like
    it (and it must not be a symbolic link)."""
    return _private_dir(cache_dir() / name, parents=False, allow_link=False)


def check_private_file(fd: int, path: Path) -> None:
    """Raise CacheDirError unless the open ``fd`` is a regular file that only the user could
    have written (owned by the user, not writable by group or others)."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise CacheDirError(f"the cached file {path} is not a regular file")
    problem = _not_private(st)
    if problem is not None:
        raise CacheDirError(f"the cached file {path} {problem}: it may not be yours")


def read_private(path: Path) -> bytes:
    """The bytes of the cached file ``path`` if only the user could have written it: never
    through a symbolic link, never blocking on a FIFO. CacheDirError (an OSError) otherwise;
    FileNotFoundError if it is missing."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CacheDirError(f"the cached file {path} cannot be opened ({exc.strerror})") from exc
    try:
        check_private_file(fd, path)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def python_files(folder: Path, recursive: bool = False) -> list[str]:
    """The ``.py`` files in ``folder`` (and below it if ``recursive``), sorted paths."""
    found = []
    for top, dirs, names in os.walk(folder):
        found += [os.path.join(top, nm) for nm in names if nm.endswith(".py")]
        if not recursive:
            break
        dirs[:] = [d for d in dirs if d != "__pycache__"]
    return sorted(found)


def remembered_digest(label: str, files: list[str], compute: Callable[[], str | None]
                      ) -> str | None:
    """``compute()`` (a digest of the contents of ``files``), remembered in the cache folder by
    the files' names, sizes, modification times and inodes, as Python's bytecode cache
    remembers a module by its source's time and size: a fresh process stats the files and
    reads one small entry instead of reading and hashing every source. Any trouble with the
    folder only means computing it."""
    try:
        sig = hashlib.sha256(label.encode())
        for path in files:
            st = os.stat(path)
            sig.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}\n".encode())
        entry = private_subdir(_DIGESTS) / f"{label}-{sig.hexdigest()[:40]}"
    except (OSError, ValueError):
        return compute()
    with contextlib.suppress(OSError, ValueError):
        text = read_private(entry).decode("ascii")
        if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
            return text
    digest = compute()
    if digest is not None:
        import tempfile  # noqa: PLC0415 - only when an entry is written

        with contextlib.suppress(OSError):
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=entry.parent)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as f:
                    f.write(digest)
                os.replace(tmp, entry)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
    return digest


#: the subfolder of the remembered source digests
_DIGESTS = "digests"
