"""TimedArray: values sampled on a time grid, called from model strings as ``f(t)`` or
``f(t, i)``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class TimedArray:
    """``values[k]`` holds over ``[k*dt, (k+1)*dt)``; after the end (``t = inf`` too) the last
    value holds, before the start (``-inf``, and a ``t`` of nan) the first.

    1-D values give ``f(t)``; 2-D values (time x neuron) give ``f(t, i)``.
    """

    def __init__(self, values, dt: float, name: str | None = None) -> None:
        arr = np.array(values, dtype=float)
        if arr.ndim not in (1, 2) or arr.shape[0] == 0:
            raise ValueError(
                f"TimedArray values must be a non-empty 1-D (time) or 2-D (time x neuron) "
                f"array, got shape {arr.shape}"
            )
        dt = float(dt)
        if not dt > 0:
            raise ValueError(f"TimedArray dt must be positive, got {dt!r}")
        self.values = arr  # SI values; a Quantity's dimension is kept for checking strings
        self.dim = getattr(values, "dim", None)
        self.values.setflags(write=False)
        self.dt = dt
        self.inv_dt = 1.0 / dt
        self.name = name

    @property
    def ndim(self) -> int:
        """1 for ``f(t)``, 2 for ``f(t, i)``."""
        return self.values.ndim

    def _step(self, t):
        # a tiny relative slack keeps t = k*dt on step k despite rounding in k*dt/dt
        # (clipped as floats, as the kernel does: nan and -inf read the first value, inf the
        # last; a cast of inf or nan to int64 would be undefined)
        k = np.floor(np.asarray(t, dtype=float) * self.inv_dt + 1e-6)
        k = np.where(k >= 0.0, np.minimum(k, self.values.shape[0] - 1), 0.0)
        return k.astype(np.int64)

    def __call__(self, t, i=None):
        """The value at time ``t`` (seconds), for neuron(s) ``i`` if 2-D."""
        k = self._step(t)
        if self.values.ndim == 1:
            if i is not None:
                raise TypeError("this TimedArray is 1-D: call it as f(t)")
            return self.values[k]
        if i is None:
            raise TypeError("this TimedArray is 2-D (time x neuron): call it as f(t, i)")
        i = np.asarray(i, dtype=np.int64)
        if np.any((i < 0) | (i >= self.values.shape[1])):
            raise IndexError(
                f"neuron index out of range for a TimedArray with {self.values.shape[1]} columns"
            )
        return self.values[k, i]

    def numpy_function(self, dtype=np.float64) -> Callable:
        """The callable generated NumPy code uses; for a float32 group its values are float32
        (so the group computes in float32 throughout)."""
        if np.dtype(dtype) == np.float64:
            return self.__call__
        values = self.values.astype(dtype)

        def lookup(t, i=None):
            k = self._step(t)
            if values.ndim == 1:
                return values[k]
            return values[k, np.asarray(i, dtype=np.int64)]

        return lookup

    def __repr__(self) -> str:
        return f"TimedArray(shape={self.values.shape}, dt={self.dt!r})"
