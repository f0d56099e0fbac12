"""Spike rasters drawn as vertical ticks, from 0/1 arrays or from spike times plus indices."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from ._common import (
    TIME_LABEL,
    TIME_STEP_LABEL,
    SavePath,
    as_spike_matrix,
    as_trace,
    draw_spike_panel,
    draw_ticks,
    finish,
    new_figure,
)


def _root_figure(ax: Axes) -> Figure:
    """Return the top-level Figure holding ax (climbing out of a SubFigure if needed)."""
    fig = ax.figure
    while not isinstance(fig, Figure):
        fig = fig.figure
    return fig


def raster(
    spikes_or_times: ArrayLike,
    indices: ArrayLike | None = None,
    *,
    t: ArrayLike | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    marker_size: float = 80.0,
    save: SavePath = None,
) -> Figure:
    """Draw a spike raster (0/1 time x neurons array, or times + indices) to show spike timing."""
    if indices is None:
        mat = as_spike_matrix(spikes_or_times)
        n_neurons = mat.shape[1]
    else:
        if t is not None:
            raise ValueError("t is only used with a 0/1 spike array, not with times + indices")
        times = as_trace(spikes_or_times, "times") if np.size(spikes_or_times) else np.zeros(0)
        idx = as_trace(indices, "indices") if np.size(indices) else np.zeros(0)
        if times.shape != idx.shape:
            raise ValueError(f"got {times.size} spike times but {idx.size} indices")
        n_neurons = int(idx.max()) + 1 if idx.size else 1
    if ax is None:
        height = 1.6 if n_neurons == 1 else 4.0
        fig, axes = new_figure(1, 1, figsize=(8.0, height))
        ax = axes[0, 0]
    else:
        fig = _root_figure(ax)
    if indices is None:
        draw_spike_panel(ax, mat, t, marker_size=marker_size, full_xlim=True)
        ax.set_xlabel(TIME_LABEL if t is not None else TIME_STEP_LABEL)
    else:
        draw_ticks(ax, times, idx, marker_size=marker_size)
        lo = float(idx.min()) if idx.size else 0.0
        ax.set_ylim(min(lo, 0.0) - 0.5, n_neurons - 0.5)
        if n_neurons == 1:
            ax.set_yticks([])
        else:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(TIME_LABEL)
    if n_neurons > 1:
        ax.set_ylabel("Neuron index")
    if title is not None:
        ax.set_title(title)
    return finish(fig, None, save)
