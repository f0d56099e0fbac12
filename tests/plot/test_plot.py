"""Tests for lifdsl.plot: plotted data, threshold/vline markers, raster counts, PNG output."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lifdsl import plot as lp

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
N_STEPS = 200
NO_FIRE = 1e9  # a threshold the passive membrane never reaches


# ---------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _close_all():
    """Close every pyplot figure after each test so nothing leaks between tests."""
    yield
    plt.close("all")


def data_lines(ax: Axes) -> list[Line2D]:
    """Lines that carry data (not threshold / vline markers)."""
    return [ln for ln in ax.get_lines() if ln.get_gid() not in ("threshold", "vline")]


def hlines_at(ax: Axes) -> list[float]:
    """y positions of dashed horizontal threshold lines on an axis."""
    ys = []
    for ln in ax.get_lines():
        y = np.asarray(ln.get_ydata(), dtype=float)
        if ln.get_linestyle() == "--" and y.size == 2 and y[0] == y[1]:
            x = np.asarray(ln.get_xdata(), dtype=float)
            if x[0] != x[1]:
                ys.append(float(y[0]))
    return ys


def vlines_at(ax: Axes) -> list[float]:
    """x positions of dashed vertical lines on an axis."""
    xs = []
    for ln in ax.get_lines():
        x = np.asarray(ln.get_xdata(), dtype=float)
        y = np.asarray(ln.get_ydata(), dtype=float)
        if ln.get_linestyle() == "--" and x.size == 2 and x[0] == x[1] and y[0] != y[1]:
            xs.append(float(x[0]))
    return sorted(xs)


def tick_offsets(ax: Axes) -> np.ndarray:
    """(n, 2) array of raster marker positions drawn on an axis."""
    colls = [c for c in ax.collections if isinstance(c, PathCollection)]
    if not colls:
        return np.zeros((0, 2))
    return np.concatenate([np.asarray(c.get_offsets(), dtype=float) for c in colls])


def lapicque(cur: np.ndarray, threshold: float = 1.0, u0: float = 0.0) -> tuple:
    """Tiny reference LIF (R=5.1, C=5e-3, dt=1e-3, reset by subtraction), tutorial-shaped."""
    tau, r, dt = 5.1 * 5e-3, 5.1, 1e-3
    u, mem, spk = u0, [u0], [0.0]
    for i in cur.ravel():
        s = float(u > threshold)
        u = u + dt / tau * (-u + i * r) - s * threshold
        mem.append(u)
        spk.append(s)
    mem_arr = np.array(mem)[:, None]
    assert np.all(np.isfinite(mem_arr))
    return mem_arr, np.array(spk)[:, None]


@pytest.fixture
def step_cur() -> np.ndarray:
    """Step current of 0.2 switched on at step 10, as an (n, 1) column like the tutorial."""
    return np.concatenate([np.zeros((10, 1)), np.full((190, 1), 0.2)])


@pytest.fixture
def spk_in() -> np.ndarray:
    """Seeded random 0/1 input spike train of shape (N_STEPS, 1), ~40 % firing."""
    rng = np.random.default_rng(0)
    return (rng.random((N_STEPS, 1)) < 0.4).astype(float)


# ---------------------------------------------------------------- membrane


def test_membrane_plots_euler_decay_exactly() -> None:
    u = 0.9 * (1 - 1e-3 / 5e-3) ** np.arange(100)  # tutorial's Euler decay, R*C = 5 ms
    fig = lp.membrane(u, title="Leaky Neuron Model")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    (line,) = data_lines(ax)
    np.testing.assert_array_equal(line.get_ydata(), u)
    np.testing.assert_array_equal(line.get_xdata(), np.arange(100))
    assert ax.get_xlabel() == "Time step"
    assert ax.get_title() == "Leaky Neuron Model"
    assert hlines_at(ax) == []


def test_membrane_squeezes_column_and_draws_threshold() -> None:
    mem = np.linspace(0, 1.2, 50)[:, None]
    fig = lp.membrane(mem, threshold=1.0, ylim=(0, 1.3))
    ax = fig.axes[0]
    (line,) = data_lines(ax)
    np.testing.assert_array_equal(line.get_ydata(), mem.squeeze())
    assert hlines_at(ax) == [1.0]
    assert ax.get_ylim() == (0.0, 1.3)


def test_membrane_2d_draws_one_line_per_row() -> None:
    mem = np.arange(12, dtype=float).reshape(3, 4)
    fig = lp.membrane(mem)
    lines = data_lines(fig.axes[0])
    assert len(lines) == 3
    for line, row in zip(lines, mem, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), row)


def test_membrane_uses_time_array_when_given() -> None:
    t = np.arange(5) * 1e-3
    fig = lp.membrane(np.ones(5), t=t)
    (line,) = data_lines(fig.axes[0])
    np.testing.assert_allclose(line.get_xdata(), t)
    assert fig.axes[0].get_xlabel() == "Time"


def test_membrane_rejects_short_time_array() -> None:
    with pytest.raises(ValueError, match="t has 3 samples"):
        lp.membrane(np.ones(5), t=np.arange(3))


def test_membrane_rejects_3d() -> None:
    with pytest.raises(ValueError):
        lp.membrane(np.ones((2, 3, 4)))


# ---------------------------------------------------------------- current + membrane


@pytest.mark.parametrize("stop", [30, 20, 15])
def test_current_and_membrane_pulse(stop: int) -> None:
    cur = np.zeros((N_STEPS, 1))
    cur[10:stop] = 0.1
    mem, _ = lapicque(cur, threshold=NO_FIRE)  # length N_STEPS + 1, as in the tutorial
    fig = lp.current_and_membrane(cur, mem, vlines=(10, stop), title="pulse")
    ax_cur, ax_mem = fig.axes
    np.testing.assert_array_equal(data_lines(ax_cur)[0].get_ydata(), cur.squeeze())
    np.testing.assert_array_equal(data_lines(ax_mem)[0].get_ydata(), mem.squeeze())
    assert len(data_lines(ax_mem)[0].get_xdata()) == N_STEPS + 1
    assert vlines_at(ax_cur) == [10.0, float(stop)]
    assert vlines_at(ax_mem) == [10.0, float(stop)]
    assert fig.get_suptitle() == "pulse"


def test_current_and_membrane_single_step_spike_ylim() -> None:
    cur = np.zeros((N_STEPS, 1))
    cur[10] = 0.5
    mem, _ = lapicque(cur, threshold=NO_FIRE)
    fig = lp.current_and_membrane(cur, mem, vlines=[10], ylim_cur=0.6, ylim_mem=(0, 0.2))
    ax_cur, ax_mem = fig.axes
    assert ax_cur.get_ylim()[1] == pytest.approx(0.6)
    assert ax_mem.get_ylim() == (0.0, 0.2)
    assert vlines_at(ax_cur) == [10.0]


def test_compare_pulses_overlays_pairs_with_labels() -> None:
    curs, mems = [], []
    for stop, amp in ((30, 0.1), (20, 0.111), (15, 0.147)):
        c = np.zeros((N_STEPS, 1))
        c[10:stop] = amp
        curs.append(c)
        mems.append(lapicque(c, threshold=NO_FIRE)[0])
    labels = ["I=0.1", "I=0.111", "I=0.147"]
    fig = lp.compare_pulses(curs, mems, labels=labels, vlines=(10, 15, 20, 30))
    ax_cur, ax_mem = fig.axes
    assert len(data_lines(ax_cur)) == 3
    assert len(data_lines(ax_mem)) == 3
    for line, m in zip(data_lines(ax_mem), mems, strict=True):
        np.testing.assert_array_equal(line.get_ydata(), m.squeeze())
    assert vlines_at(ax_mem) == [10.0, 15.0, 20.0, 30.0]
    legend = ax_mem.get_legend()
    assert legend is not None
    assert [tx.get_text() for tx in legend.get_texts()] == labels


def test_compare_pulses_length_mismatch() -> None:
    with pytest.raises(ValueError):
        lp.compare_pulses([np.zeros(3)], [np.zeros(3), np.zeros(3)])


# ---------------------------------------------------------------- current, membrane, spikes


def test_current_membrane_spikes(step_cur: np.ndarray) -> None:
    mem, spk = lapicque(step_cur, threshold=1.0)
    assert spk.sum() > 0
    fig = lp.current_membrane_spikes(
        step_cur, mem, spk, threshold=1.0, vline=109, ylim_mem=1.3, title="reset"
    )
    ax_cur, ax_mem, ax_spk = fig.axes
    np.testing.assert_array_equal(data_lines(ax_cur)[0].get_ydata(), step_cur.squeeze())
    np.testing.assert_array_equal(data_lines(ax_mem)[0].get_ydata(), mem.squeeze())
    assert hlines_at(ax_mem) == [1.0]
    assert ax_mem.get_ylim()[1] == pytest.approx(1.3)
    offsets = tick_offsets(ax_spk)
    assert len(offsets) == int(spk.sum())
    np.testing.assert_array_equal(offsets[:, 0], np.flatnonzero(spk.squeeze()))
    for ax in (ax_cur, ax_mem, ax_spk):
        assert vlines_at(ax) == [109.0]


def test_current_membrane_spikes_lower_threshold_fires_more(step_cur: np.ndarray) -> None:
    cur = step_cur * 1.5  # 0.3 step
    _, spk_hi = lapicque(cur, threshold=1.0)
    mem, spk_lo = lapicque(cur, threshold=0.5)
    fig = lp.current_membrane_spikes(cur, mem, spk_lo.astype(bool), threshold=0.5)
    assert hlines_at(fig.axes[1]) == [0.5]
    assert len(tick_offsets(fig.axes[2])) == int(spk_lo.sum()) > int(spk_hi.sum())
    assert vlines_at(fig.axes[0]) == []


# ---------------------------------------------------------------- raster


def test_raster_1d_column_marker_count(spk_in: np.ndarray) -> None:
    fig = lp.raster(spk_in, title="Input Spikes")
    ax = fig.axes[0]
    offsets = tick_offsets(ax)
    assert len(offsets) == int(spk_in.sum())
    np.testing.assert_array_equal(offsets[:, 0], np.flatnonzero(spk_in.squeeze()))
    assert np.all(offsets[:, 1] == 0)
    assert ax.get_title() == "Input Spikes"
    assert ax.get_xlabel() == "Time step"
    assert list(ax.get_yticks()) == []
    markers = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert all(len(c.get_paths()) == 1 for c in markers)  # one shared tick marker shape


def test_raster_2d_bool_time_by_neurons() -> None:
    spikes = np.zeros((50, 4), dtype=bool)
    spikes[[3, 7, 7, 40], [0, 1, 3, 2]] = True
    fig = lp.raster(spikes)
    offsets = tick_offsets(fig.axes[0])
    assert len(offsets) == 4
    got = sorted(map(tuple, offsets.tolist()))
    assert got == [(3.0, 0.0), (7.0, 1.0), (7.0, 3.0), (40.0, 2.0)]


def test_raster_times_and_indices() -> None:
    times = np.array([0.001, 0.004, 0.004, 0.010])
    idx = np.array([0, 2, 1, 2])
    fig = lp.raster(times, idx)
    offsets = tick_offsets(fig.axes[0])
    np.testing.assert_allclose(offsets[:, 0], times)
    np.testing.assert_array_equal(offsets[:, 1], idx)


def test_raster_times_and_indices_mismatch() -> None:
    with pytest.raises(ValueError, match="spike times"):
        lp.raster(np.array([0.1, 0.2]), np.array([0]))


def test_raster_no_spikes() -> None:
    fig = lp.raster(np.zeros(20))
    assert len(tick_offsets(fig.axes[0])) == 0


def test_raster_into_existing_axes(spk_in: np.ndarray) -> None:
    fig, (ax0, ax1) = plt.subplots(2, 1)
    out = lp.raster(spk_in, ax=ax1, title="in ax")
    assert out is fig
    assert len(tick_offsets(ax1)) == int(spk_in.sum())
    assert len(tick_offsets(ax0)) == 0
    assert ax1.get_title() == "in ax"


def test_raster_with_time_array(spk_in: np.ndarray) -> None:
    t = np.arange(N_STEPS) * 1e-3
    fig = lp.raster(spk_in, t=t)
    offsets = tick_offsets(fig.axes[0])
    np.testing.assert_allclose(offsets[:, 0], t[np.flatnonzero(spk_in.squeeze())])


# ---------------------------------------------------------------- spike-driven stacks


def test_spikes_membrane_spikes(spk_in: np.ndarray) -> None:
    mem, spk_out = lapicque(spk_in, threshold=0.5, u0=0.5)
    fig = lp.spikes_membrane_spikes(spk_in, mem, spk_out, threshold=0.5, title="input spikes")
    ax_in, ax_mem, ax_out = fig.axes
    assert len(tick_offsets(ax_in)) == int(spk_in.sum())
    assert len(tick_offsets(ax_out)) == int(spk_out.sum())
    np.testing.assert_array_equal(data_lines(ax_mem)[0].get_ydata(), mem.squeeze())
    assert hlines_at(ax_mem) == [0.5]
    assert fig.get_suptitle() == "input spikes"


def test_reset_comparison(spk_in: np.ndarray) -> None:
    mem_sub, spk_sub = lapicque(spk_in, threshold=0.5, u0=0.5)
    mem_zero, spk_zero = mem_sub.copy() * 0.5, np.roll(spk_sub, 3)
    spk_zero[:5] = 1
    fig = lp.reset_comparison(spk_in, mem_sub, spk_sub, mem_zero, spk_zero, threshold=0.5)
    assert len(fig.axes) == 6
    # axes are row-major: (in_sub, in_zero, mem_sub, mem_zero, out_sub, out_zero)
    in_sub, in_zero, m_sub, m_zero, o_sub, o_zero = fig.axes
    assert in_sub.get_title() == "Reset by subtraction"
    assert in_zero.get_title() == "Reset to zero"
    assert len(tick_offsets(in_sub)) == len(tick_offsets(in_zero)) == int(spk_in.sum())
    np.testing.assert_array_equal(data_lines(m_sub)[0].get_ydata(), mem_sub.squeeze())
    np.testing.assert_array_equal(data_lines(m_zero)[0].get_ydata(), mem_zero.squeeze())
    assert hlines_at(m_sub) == hlines_at(m_zero) == [0.5]
    assert len(tick_offsets(o_sub)) == int(spk_sub.sum())
    assert len(tick_offsets(o_zero)) == int(spk_zero.sum())
    assert m_sub.get_ylim() == m_zero.get_ylim()


# ---------------------------------------------------------------- rate


def test_rate_line() -> None:
    t = np.linspace(0, 0.2, 21)
    r = np.sin(t * 30) ** 2 * 50
    fig = lp.rate(t, r, title="rate")
    (line,) = data_lines(fig.axes[0])
    np.testing.assert_array_equal(line.get_xdata(), t)
    np.testing.assert_array_equal(line.get_ydata(), r)
    assert fig.axes[0].get_ylabel() == "Rate (Hz)"


# ---------------------------------------------------------------- saving


def _assert_png(path: Path) -> None:
    assert path.is_file()
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000  # a drawn figure, not an empty stub


@pytest.mark.parametrize(
    "make",
    [
        lambda s: lp.membrane(np.linspace(0, 1, 100), threshold=0.8, save=s),
        lambda s: lp.current_and_membrane(np.ones(20), np.linspace(0, 1, 21), vlines=[5], save=s),
        lambda s: lp.compare_pulses([np.ones(20)] * 2, [np.arange(21.0)] * 2, save=s),
        lambda s: lp.current_membrane_spikes(np.ones(20), np.ones(20), np.eye(20)[3], save=s),
        lambda s: lp.raster(np.eye(20)[:, :3], save=s),
        lambda s: lp.spikes_membrane_spikes(np.eye(20)[2], np.ones(20), np.eye(20)[5], save=s),
        lambda s: lp.reset_comparison(*([np.eye(20)[2], np.ones(20)] * 2), np.eye(20)[1], save=s),
        lambda s: lp.rate(None, np.arange(10.0), save=s),
    ],
    ids=[
        "membrane",
        "current_and_membrane",
        "compare_pulses",
        "current_membrane_spikes",
        "raster",
        "spikes_membrane_spikes",
        "reset_comparison",
        "rate",
    ],
)
def test_save_writes_png_creating_folders(tmp_path: Path, make) -> None:
    target = tmp_path / "nested" / "deeper" / "fig.png"
    fig = make(str(target))
    assert isinstance(fig, Figure)
    _assert_png(target)


def test_save_accepts_path_object(tmp_path: Path) -> None:
    target = tmp_path / "out" / "raster.png"
    lp.raster(np.array([0.1, 0.2]), np.array([0, 1]), save=target)
    _assert_png(target)


def test_figures_are_not_registered_with_pyplot() -> None:
    before = plt.get_fignums()
    lp.membrane(np.ones(10))
    assert plt.get_fignums() == before  # nothing for plt.show() to pop up or leak
