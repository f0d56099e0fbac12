"""Line plots of continuous recordings: membrane traces, current/membrane stacks, rates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from ._common import (
    SavePath,
    YLim,
    as_trace,
    as_traces,
    draw_threshold,
    draw_vlines,
    finish,
    new_figure,
    set_ylim,
    time_axis,
)

CURRENT_LABEL = "Input current"
MEMBRANE_LABEL = "Membrane potential"


def membrane(
    mem: ArrayLike,
    *,
    t: ArrayLike | None = None,
    threshold: float | None = None,
    title: str | None = None,
    ylim: YLim = None,
    save: SavePath = None,
) -> Figure:
    """Plot membrane trace(s) (1-D, or 2-D rows = neurons) to show decay/integration vs time."""
    traces = as_traces(mem, "mem")
    x, xlabel = time_axis(traces.shape[1], t)
    fig, axes = new_figure(1, 1, figsize=(8.0, 4.0))
    ax = axes[0, 0]
    for row in traces:
        ax.plot(x, row)
    draw_threshold(ax, threshold)
    set_ylim(ax, ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(MEMBRANE_LABEL)
    return finish(fig, title, save, suptitle=False)


def current_and_membrane(
    cur: ArrayLike,
    mem: ArrayLike,
    *,
    t: ArrayLike | None = None,
    vlines: Iterable[float] = (),
    title: str | None = None,
    ylim_cur: YLim = None,
    ylim_mem: YLim = None,
    save: SavePath = None,
) -> Figure:
    """Stack input current over membrane potential to show how a stimulus drives the neuron."""
    return compare_pulses(
        [cur],
        [mem],
        t=t,
        vlines=vlines,
        title=title,
        ylim_cur=ylim_cur,
        ylim_mem=ylim_mem,
        save=save,
    )


def compare_pulses(
    curs: Sequence[ArrayLike],
    mems: Sequence[ArrayLike],
    *,
    t: ArrayLike | None = None,
    labels: Sequence[str] | None = None,
    vlines: Iterable[float] = (),
    title: str | None = None,
    ylim_cur: YLim = None,
    ylim_mem: YLim = None,
    save: SavePath = None,
) -> Figure:
    """Overlay several current/membrane pairs in two stacked panels to compare stimuli."""
    if len(curs) != len(mems):
        raise ValueError(f"got {len(curs)} currents but {len(mems)} membrane traces")
    if labels is not None and len(labels) != len(curs):
        raise ValueError(f"got {len(labels)} labels for {len(curs)} current/membrane pairs")
    fig, axes = new_figure(2, 1, figsize=(8.0, 5.5), height_ratios=[1.0, 1.5], sharex=True)
    ax_cur, ax_mem = axes[0, 0], axes[1, 0]
    xlabel = ""
    for k, (cur, mem) in enumerate(zip(curs, mems, strict=True)):
        label = labels[k] if labels is not None else None
        c = as_trace(cur, "cur")
        m = as_trace(mem, "mem")
        xc, xlabel = time_axis(c.size, t)
        xm, _ = time_axis(m.size, t)
        (line,) = ax_cur.plot(xc, c, label=label)
        ax_mem.plot(xm, m, color=line.get_color(), label=label)
    vlines = list(vlines)
    for ax in (ax_cur, ax_mem):
        draw_vlines(ax, vlines)
    set_ylim(ax_cur, ylim_cur)
    set_ylim(ax_mem, ylim_mem)
    ax_cur.set_ylabel(CURRENT_LABEL)
    ax_mem.set_ylabel(MEMBRANE_LABEL)
    ax_mem.set_xlabel(xlabel)
    if labels is not None:
        ax_mem.legend(loc="best")
    return finish(fig, title, save)


def rate(
    t: ArrayLike | None,
    rate: ArrayLike,
    *,
    title: str | None = None,
    ylabel: str = "Rate (Hz)",
    save: SavePath = None,
) -> Figure:
    """Plot a population firing rate against time to show network activity over a run."""
    r = as_trace(rate, "rate")
    x, xlabel = time_axis(r.size, t)
    fig, axes = new_figure(1, 1, figsize=(8.0, 3.0))
    ax = axes[0, 0]
    ax.plot(x, r)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return finish(fig, title, save, suptitle=False)
