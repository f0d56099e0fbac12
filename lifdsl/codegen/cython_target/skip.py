"""connect(p=)'s geometric skipping as one compiled pass: exponential draws in, synapses out.

``connect(p=)`` (``core/connect.py``) turns NumPy's standard exponential draws ``E`` into
skips ``ceil(E / -log1p(-p))``, a running position, and (row, offset) pairs, with four NumPy
passes per piece of draws. :func:`skip_module` builds (once per machine, in the kernel cache)
a small extension that does those steps in one loop over the same draws, with the same IEEE
division and ceil (the kernels' flags: no fast-math, no contraction), so it gives exactly the
pairs of the NumPy passes; it is used only for large calls (its build is not worth it for
small ones) and only where the cython target can build.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from types import ModuleType

__all__ = ["SOURCE", "skip_module"]

#: the extension's Cython source (its text is its cache key)
SOURCE = '''
# cython: language_level=3
from libc.stdint cimport int32_t, int64_t, INT64_MAX
from libc.math cimport ceil

ctypedef fused rows_t:
    int32_t
    int64_t

ctypedef fused offs_t:
    int32_t
    int64_t


def skip(const double[::1] z, double c, int64_t pos, int64_t total, int64_t width,
         rows_t[::1] rows, offs_t[::1] offs, Py_ssize_t n):
    """Skip ceil(z[k] / c) positions for each draw from pos (the last position kept, -1 at
    the start) while below total, writing the (row, offset) in rows of width of every
    position reached at rows[n:], offs[n:]. Returns (draws used, n, pos, done): it stops
    before a draw when rows is full (the caller grows it and calls again with the rest)
    and after the draw that passes total (done)."""
    cdef Py_ssize_t k, m = z.shape[0], cap = rows.shape[0]
    cdef double g
    cdef int64_t step, row, off, q
    if pos < 0:
        row, off = 0, pos
    else:
        row = pos // width
        off = pos - row * width
    for k in range(m):
        if n >= cap:
            return k, n, pos, False
        g = ceil(z[k] / c)
        # (NumPy's geometric returns INT64_MAX past int64; no position reaches it)
        step = INT64_MAX if g >= 9.223372036854776e18 else <int64_t>g
        if step > total - 1 - pos:
            return k + 1, n, pos, True
        pos += step
        off += step
        if off >= width:
            q = off // width
            row += q
            off -= q * width
        rows[n] = <rows_t>row
        offs[n] = <offs_t>off
        n += 1
    return m, n, pos, False
'''


@lru_cache(maxsize=1)
def skip_module() -> ModuleType | None:
    """The compiled skip pass, built on first use; None where the cython target cannot build
    here, or the build fails (then connect keeps its NumPy passes, which give the same pairs)."""
    from lifdsl.codegen import cache

    if not cache.compiler_available():
        return None
    try:
        return cache.compile_cython(SOURCE, "connect_skip")
    except (cache.BuildError, cache.CompilerNotFoundError, OSError) as exc:
        warnings.warn(f"lifdsl: connect's compiled skip pass is not used ({exc}); "
                      "NumPy gives the same synapses", RuntimeWarning, stacklevel=2)
        return None
