"""Where lifdsl keeps its on-disk caches (compiled kernels, symbolic results).

A module of its own, below every stage of the pipeline (``equations -> units -> methods ->
codegen -> core``), so that ``methods`` can cache on disk without importing ``codegen``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["cache_dir"]


def _cache_path() -> Path:
    """The cache folder's path (not created): ``LIFDSL_CACHE_DIR``, else the user cache."""
    env = os.environ.get("LIFDSL_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "lifdsl"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA")
        return (Path(base) if base else home / "AppData" / "Local") / "lifdsl" / "Cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else home / ".cache") / "lifdsl"


def cache_dir() -> Path:
    """The folder of lifdsl's caches (created if missing).

    ``LIFDSL_CACHE_DIR`` if set (read at each call), else the user cache folder:
    ``$XDG_CACHE_HOME/lifdsl`` or ``~/.cache/lifdsl`` on Linux, ``~/Library/Caches/lifdsl`` on
    macOS, ``%LOCALAPPDATA%\\lifdsl\\Cache`` on Windows.
    """
    path = _cache_path()
    path.mkdir(parents=True, exist_ok=True)
    return path
