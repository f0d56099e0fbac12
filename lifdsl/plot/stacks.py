"""Multi-panel figures that pair membrane traces with input and output spike rasters."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from ._common import (
    SavePath,
    YLim,
    as_trace,
    as_traces,
    draw_spike_panel,
    draw_threshold,
    draw_vlines,
    finish,
    new_figure,
    set_ylim,
    time_axis,
)
from .traces import CURRENT_LABEL, MEMBRANE_LABEL

INPUT_SPIKES_LABEL = "Input spikes"
OUTPUT_SPIKES_LABEL = "Output spikes"


def _membrane_panel(
    ax: Axes, mem: ArrayLike, t: ArrayLike | None, threshold: float | None, ylim: YLim
) -> str:
    """Draw membrane trace(s) with an optional threshold line; return the x-axis label."""
    traces = as_traces(mem, "mem")
    x, xlabel = time_axis(traces.shape[1], t)
    for row in traces:
        ax.plot(x, row)
    draw_threshold(ax, threshold)
    set_ylim(ax, ylim)
    ax.set_ylabel(MEMBRANE_LABEL)
    return xlabel


def current_membrane_spikes(
    cur: ArrayLike,
    mem: ArrayLike,
    spk: ArrayLike,
    *,
    t: ArrayLike | None = None,
    threshold: float | None = None,
    vline: float | None = None,
    title: str | None = None,
    ylim_mem: YLim = None,
    save: SavePath = None,
) -> Figure:
    """Stack input current, membrane (with threshold) and output spikes to show firing."""
    fig, axes = new_figure(3, 1, figsize=(8.0, 6.0), height_ratios=[1.0, 1.5, 0.45], sharex=True)
    ax_cur, ax_mem, ax_spk = axes[:, 0]
    c = as_trace(cur, "cur")
    xc, _ = time_axis(c.size, t)
    ax_cur.plot(xc, c)
    ax_cur.set_ylabel(CURRENT_LABEL)
    xlabel = _membrane_panel(ax_mem, mem, t, threshold, ylim_mem)
    draw_spike_panel(ax_spk, spk, t, ylabel=OUTPUT_SPIKES_LABEL)
    ax_spk.set_xlabel(xlabel)
    if vline is not None:
        for ax in (ax_cur, ax_mem, ax_spk):
            draw_vlines(ax, [vline])
    return finish(fig, title, save)


def _spikes_membrane_spikes_column(
    axes: list[Axes],
    spk_in: ArrayLike,
    mem: ArrayLike,
    spk_out: ArrayLike,
    t: ArrayLike | None,
    threshold: float | None,
    ylim_mem: YLim,
) -> None:
    """Fill three stacked axes with input raster, membrane trace and output raster."""
    ax_in, ax_mem, ax_out = axes
    draw_spike_panel(ax_in, spk_in, t, ylabel=INPUT_SPIKES_LABEL)
    xlabel = _membrane_panel(ax_mem, mem, t, threshold, ylim_mem)
    draw_spike_panel(ax_out, spk_out, t, ylabel=OUTPUT_SPIKES_LABEL)
    ax_out.set_xlabel(xlabel)


def spikes_membrane_spikes(
    spk_in: ArrayLike,
    mem: ArrayLike,
    spk_out: ArrayLike,
    *,
    t: ArrayLike | None = None,
    threshold: float | None = None,
    title: str | None = None,
    ylim_mem: YLim = None,
    save: SavePath = None,
) -> Figure:
    """Stack input spikes, membrane (with threshold) and output spikes for spike-driven runs."""
    fig, axes = new_figure(3, 1, figsize=(8.0, 6.0), height_ratios=[0.45, 1.5, 0.45], sharex=True)
    _spikes_membrane_spikes_column(list(axes[:, 0]), spk_in, mem, spk_out, t, threshold, ylim_mem)
    return finish(fig, title, save)


def reset_comparison(
    spk_in: ArrayLike,
    mem_sub: ArrayLike,
    spk_sub: ArrayLike,
    mem_zero: ArrayLike,
    spk_zero: ArrayLike,
    *,
    t: ArrayLike | None = None,
    threshold: float | None = None,
    title: str | None = None,
    ylim_mem: YLim = None,
    save: SavePath = None,
) -> Figure:
    """Show reset-by-subtraction and reset-to-zero side by side to compare reset mechanisms."""
    fig, axes = new_figure(3, 2, figsize=(11.0, 6.0), height_ratios=[0.45, 1.5, 0.45], sharex=True)
    columns = (
        ("Reset by subtraction", mem_sub, spk_sub),
        ("Reset to zero", mem_zero, spk_zero),
    )
    for col, (heading, mem, spk_out) in enumerate(columns):
        _spikes_membrane_spikes_column(
            list(axes[:, col]), spk_in, mem, spk_out, t, threshold, ylim_mem
        )
        axes[0, col].set_title(heading)
    if ylim_mem is None:
        # Same membrane scale in both columns so the two reset rules compare by eye.
        limits = [axes[1, col].get_ylim() for col in range(2)]
        bottom = min(lo for lo, _ in limits)
        top = max(hi for _, hi in limits)
        for col in range(2):
            axes[1, col].set_ylim(bottom, top)
    return finish(fig, title, save)
