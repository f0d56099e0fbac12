"""Shared helpers for lifdsl.plot: array shaping, time axes, figure creation and saving."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

# A y-limit: a (bottom, top) pair, a single number meaning "top" only, or None for autoscale.
YLim = float | tuple[float, float] | None
SavePath = str | Path | None

TIME_STEP_LABEL = "Time step"
TIME_LABEL = "Time"
THRESHOLD_GID = "threshold"
VLINE_GID = "vline"
RASTER_GID = "raster"


def as_float(x: ArrayLike) -> np.ndarray:
    """Convert any array-like (list, ndarray, unit-carrying array) to a float ndarray."""
    return np.asarray(x, dtype=float)


def as_trace(x: ArrayLike, name: str = "array") -> np.ndarray:
    """Squeeze a 1-D or (n, 1) / (1, n) array to 1-D, so tutorial-shaped recordings plot as-is."""
    arr = np.squeeze(as_float(x))
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D or a column/row array, got shape {np.shape(x)}")
    return arr


def as_traces(x: ArrayLike, name: str = "array") -> np.ndarray:
    """Return a 2-D (traces, time) array: 1-D/column input gives one row, 2-D keeps its rows."""
    arr = np.squeeze(as_float(x))
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr[np.newaxis, :]
    elif arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D (rows = neurons), got shape {np.shape(x)}")
    return arr


def as_spike_matrix(x: ArrayLike, name: str = "spikes") -> np.ndarray:
    """Return a boolean (time, neurons) matrix from a 1-D, (n, 1) or 2-D 0/1 (or bool) array."""
    arr = np.asarray(x)
    if arr.dtype != bool:
        arr = as_float(arr) != 0
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr[:, np.newaxis]
    elif arr.ndim > 2:
        arr = arr.reshape(arr.shape[0], -1)
    return arr


def time_axis(n: int, t: ArrayLike | None) -> tuple[np.ndarray, str]:
    """Return x values and the axis label for n samples: step indices by default, else t[:n]."""
    if t is None:
        return np.arange(n, dtype=float), TIME_STEP_LABEL
    tt = as_trace(t, "t")
    if tt.size < n:
        raise ValueError(f"t has {tt.size} samples but the data has {n}")
    return tt[:n], TIME_LABEL


def new_figure(
    nrows: int = 1,
    ncols: int = 1,
    *,
    figsize: tuple[float, float] = (8.0, 4.0),
    height_ratios: list[float] | None = None,
    sharex: bool | str = False,
) -> tuple[Figure, np.ndarray]:
    """Create a pyplot-free Figure (safe under Agg/headless) and a 2-D array of its axes."""
    fig = Figure(figsize=figsize, layout="constrained")
    gridspec_kw = {"height_ratios": height_ratios} if height_ratios is not None else None
    axes = fig.subplots(nrows, ncols, sharex=sharex, squeeze=False, gridspec_kw=gridspec_kw)
    return fig, axes


def set_ylim(ax: Axes, ylim: YLim) -> None:
    """Apply a (bottom, top) pair or a single top value to an axis; None leaves autoscale."""
    if ylim is None:
        return
    if np.ndim(ylim) == 0:
        ax.set_ylim(top=float(ylim))  # type: ignore[arg-type]
    else:
        bottom, top = ylim  # type: ignore[misc]
        ax.set_ylim(float(bottom), float(top))


def draw_threshold(ax: Axes, threshold: float | None) -> Line2D | None:
    """Draw a dashed horizontal threshold line (tagged gid='threshold') when one is given."""
    if threshold is None:
        return None
    return ax.axhline(
        float(threshold), linestyle="--", color="0.35", linewidth=1.2, gid=THRESHOLD_GID
    )


def draw_vlines(ax: Axes, xs: Iterable[float]) -> list[Line2D]:
    """Draw dashed vertical markers (tagged gid='vline') at the given x positions."""
    return [
        ax.axvline(float(x), linestyle="--", color="0.55", linewidth=1.0, gid=VLINE_GID) for x in xs
    ]


def draw_ticks(
    ax: Axes,
    times: np.ndarray,
    indices: np.ndarray,
    *,
    marker_size: float = 80.0,
    color: str = "black",
) -> PathCollection:
    """Scatter spikes as vertical-tick markers at (time, neuron index); one marker per spike."""
    return ax.scatter(
        times, indices, marker="|", s=marker_size, c=color, linewidths=1.2, gid=RASTER_GID
    )


def draw_spike_panel(
    ax: Axes,
    spikes: ArrayLike,
    t: ArrayLike | None = None,
    *,
    ylabel: str | None = None,
    marker_size: float = 80.0,
    full_xlim: bool = False,
) -> PathCollection:
    """Draw a 0/1 (time, neurons) spike array as a tick raster; hide y ticks for one neuron."""
    mat = as_spike_matrix(spikes)
    x, _ = time_axis(mat.shape[0], t)
    steps, neurons = np.nonzero(mat)
    coll = draw_ticks(ax, x[steps], neurons.astype(float), marker_size=marker_size)
    if mat.shape[1] == 1:
        ax.set_yticks([])
        ax.set_ylim(-0.5, 0.5)
    else:
        ax.set_ylim(-0.5, mat.shape[1] - 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if full_xlim and x.size > 1:
        half_step = 0.5 * float(x[-1] - x[0]) / (x.size - 1)
        ax.set_xlim(float(x[0]) - half_step, float(x[-1]) + half_step)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return coll


def finish(fig: Figure, title: str | None, save: SavePath, *, suptitle: bool = True) -> Figure:
    """Set the title, optionally write a PNG (creating parent folders) and return the Figure."""
    if title is not None:
        if suptitle:
            fig.suptitle(title)
        else:
            fig.axes[0].set_title(title)
    if save is not None:
        path = Path(save)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png", dpi=100)
    return fig
