"""Brunel (2000): a sparse network of excitatory and inhibitory LIF neurons, with lifdsl.

Run:  python examples/brunel.py [--target auto|numpy|cython] [--duration 1.0] [--seed 1]
                                [--g 5] [--nu-ratio 2] [--scale 1.0] [--quick]
                                [--figures figures/brunel] [--compare]

Model A of Brunel, J. Comput. Neurosci. 8, 183-208 (2000): N_E = 10000 excitatory and
N_I = 2500 inhibitory leaky integrate-and-fire neurons with delta synapses (tau = 20 ms,
theta = 20 mV, V_r = 10 mV, refractory period 2 ms). Every neuron
receives on average C_E = 0.1*N_E excitatory and C_I = 0.1*N_I inhibitory synapses (each pair
connected with probability epsilon = 0.1), which move v by J = 0.1 mV and -g*J after a delay
D = 1.5 ms, and C_E external Poisson inputs at nu_ext each (a PoissonInput). nu_thr =
theta/(J*C_E*tau) is the external rate that brings the mean input just to threshold (10 Hz at
full size). Integration is exact, dt = 0.1 ms; initial v uniform in [0, theta].

The defaults g = 5, nu_ext/nu_thr = 2 are Brunel's Fig. 8C: the asynchronous irregular (AI)
regime, inhibition-dominated: neurons fire irregularly at a few tens of hertz and the population
rate fluctuates fast around its mean without a coherent oscillation (at full size, 1 s, seeds
1-3: 38.3, 38.8 and 41.1 Hz, CV of the inter-spike intervals 0.43-0.44; Brian2 2.9 on the same
model: 36.5 and 41.0 Hz for seeds 1-2). Other panels of Fig. 8: A (g = 3, ratio 2: synchronous
regular, neurons near saturation), B (g = 6, ratio 4: synchronous irregular, fast
oscillation), D (g = 4.5, ratio 0.9: synchronous irregular, slow oscillation). As in Brian2's
version, `(unless refractory)` only stops the decay of v for 2 ms after a spike: synaptic and
external inputs arriving meanwhile still add to it.

``--scale s`` multiplies N_E and N_I by s, keeping epsilon and J (so C_E = epsilon*N_E shrinks
with the network); nu_thr follows C_E, so the mean external drive stays the same, but recurrent
inhibition and all input fluctuations are weaker: at s = 0.1 the network leaves the AI regime
and fires regularly at about 100 Hz. ``--quick`` is ``--scale 0.1 --duration 0.2``.

It prints the sizes, the mean rate (after a 100 ms transient when the run lasts at least
200 ms), the mean CV of the inter-spike intervals, the synchrony of the population rate (CV of
its 1 ms bins: near 0 when asynchronous) and the time spent building, connecting and running;
it writes a raster (the first 50 excitatory and 12 inhibitory neurons, last 200 ms) and the
population rate to the figures folder. ``--compare`` runs the same seed on the other target
as well and says whether the two targets gave identical spikes.

Values are plain SI floats (``ms`` = 1e-3, ``mV`` = 1e-3): lifdsl does not check dimensions yet.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import lifdsl as ld  # noqa: E402
from lifdsl.units import UNIT_NAMES  # noqa: E402

# this script computes with plain SI floats (seconds, volts, siemens), which lifdsl reads
# as SI values; the units' names are their scales here
Hz, ms, mV = (UNIT_NAMES["Hz"], UNIT_NAMES["ms"], UNIT_NAMES["mV"])

N_E_FULL, GAMMA, EPSILON = 10000, 0.25, 0.1
TAU, THETA, V_R, TAU_RP = 20 * ms, 20 * mV, 10 * mV, 2 * ms
J, DELAY = 0.1 * mV, 1.5 * ms
DT = 0.1 * ms
TRANSIENT = 100 * ms
RASTER_WINDOW = 200 * ms

EQUATIONS = "dv/dt = -v/tau : volt (unless refractory)"


@dataclass
class Result:
    """What one Brunel run produced: sizes, spikes, rates and where the time went."""

    target: str
    n_exc: int
    n_inh: int
    g: float
    nu_ratio: float
    nu_ext: float
    duration: float
    n_exc_syn: int
    n_inh_syn: int
    spike_i: np.ndarray
    spike_t: np.ndarray
    rate_t: np.ndarray
    rate: np.ndarray
    t_build: float
    t_connect: float
    t_run: float
    cpu_run: float

    @property
    def N(self) -> int:
        """All neurons."""
        return self.n_exc + self.n_inh

    @property
    def n_synapses(self) -> int:
        """All recurrent synapses."""
        return self.n_exc_syn + self.n_inh_syn

    @property
    def t_skip(self) -> float:
        """Start of the window the statistics use (after the transient, if there is room)."""
        return TRANSIENT if self.duration >= 2 * TRANSIENT else 0.0

    @property
    def mean_rate(self) -> float:
        """Spikes per neuron per second after ``t_skip``."""
        n = int(np.count_nonzero(self.spike_t >= self.t_skip - DT / 2))
        return n / (self.N * (self.duration - self.t_skip))

    def cv_isi(self) -> float:
        """Mean coefficient of variation of the inter-spike intervals (neurons with >= 3 spikes)."""
        keep = self.spike_t >= self.t_skip - DT / 2
        idx, ts = self.spike_i[keep], self.spike_t[keep]
        order = np.lexsort((ts, idx))
        idx, ts = idx[order], ts[order]
        same = idx[1:] == idx[:-1]
        isi, owner = np.diff(ts)[same], idx[1:][same]
        if isi.size == 0:
            return float("nan")
        n = np.bincount(owner, minlength=self.N)
        s1 = np.bincount(owner, isi, minlength=self.N)
        s2 = np.bincount(owner, isi * isi, minlength=self.N)
        ok = n >= 2
        mean = s1[ok] / n[ok]
        var = np.maximum(s2[ok] / n[ok] - mean**2, 0.0)
        return float(np.mean(np.sqrt(var) / mean))

    def synchrony(self) -> float:
        """Coefficient of variation of the population rate in 1 ms bins (0: asynchronous)."""
        keep = self.rate_t >= self.t_skip - DT / 2
        r = self.rate[keep]
        width = max(1, int(round(1 * ms / DT)))
        r = r[: r.size // width * width].reshape(-1, width).mean(axis=1)
        return float(r.std() / r.mean()) if r.size and r.mean() > 0 else float("nan")


class _TargetSeen(logging.Handler):
    """Remembers the target a network's run logs, so that 'auto' can say what it chose."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.target: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if " on target " in text:
            self.target = text.rsplit(" on target ", 1)[1].strip()


def simulate(scale: float = 1.0, duration: float = 1.0, g: float = 5.0, nu_ratio: float = 2.0,
             seed: int = 1, target: str = "auto") -> Result:
    """Build Brunel's network at ``scale`` times its size and run it for ``duration`` seconds."""
    ld.start_scope()
    t0 = time.perf_counter()
    ld.seed(seed)
    n_exc = max(1, int(round(scale * N_E_FULL)))
    n_inh = max(1, int(round(GAMMA * n_exc)))
    c_exc = EPSILON * n_exc
    nu_thr = THETA / (J * c_exc * TAU)
    nu_ext = nu_ratio * nu_thr
    namespace = {"tau": TAU, "theta": THETA, "V_r": V_R, "J": J, "g": g}
    G = ld.NeuronGroup(n_exc + n_inh, EQUATIONS, threshold="v > theta", reset="v = V_r",
                       refractory=TAU_RP, method="exact", dt=DT, namespace=namespace)
    G.v = "rand()*theta"
    exc = ld.Synapses(G[:n_exc], G, on_pre="v += J", delay=DELAY, namespace=namespace)
    inh = ld.Synapses(G[n_exc:], G, on_pre="v -= g*J", delay=DELAY, namespace=namespace)
    t1 = time.perf_counter()
    exc.connect(p=EPSILON)
    inh.connect(p=EPSILON)
    t2 = time.perf_counter()
    drive = ld.PoissonInput(G, "v", N=int(round(c_exc)), rate=nu_ext, weight=J)
    spikes = ld.SpikeMonitor(G)
    rates = ld.PopulationRateMonitor(G)
    net = ld.Network(G, exc, inh, drive, spikes, rates, target=target)
    seen = _TargetSeen()
    log = logging.getLogger("lifdsl")
    old_level = log.level
    log.addHandler(seen)
    log.setLevel(logging.INFO)
    try:
        t3, c3 = time.perf_counter(), time.process_time()
        net.run(duration)
        t4, c4 = time.perf_counter(), time.process_time()
    finally:
        log.removeHandler(seen)
        log.setLevel(old_level)
    return Result(target=seen.target or target, n_exc=n_exc, n_inh=n_inh, g=g,
                  nu_ratio=nu_ratio, nu_ext=nu_ext, duration=duration, n_exc_syn=len(exc),
                  n_inh_syn=len(inh), spike_i=spikes.i, spike_t=spikes.t_, rate_t=rates.t_,
                  rate=rates.rate_, t_build=t1 - t0, t_connect=t2 - t1, t_run=t4 - t3,
                  cpu_run=c4 - c3)


def write_figures(res: Result, out: Path) -> list[Path]:
    """A raster (50 excitatory, 12 inhibitory neurons, last 200 ms) and the population rate."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "raster.png", out / "rate.png"]
    n_e, n_i = min(50, res.n_exc), min(12, res.n_inh)
    t_lo = max(0.0, res.duration - RASTER_WINDOW)
    late = res.spike_t >= t_lo - DT / 2
    shown = late & (res.spike_i < n_e)
    inh = late & (res.spike_i >= res.n_exc) & (res.spike_i < res.n_exc + n_i)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(res.spike_t[shown] / ms, res.spike_i[shown], "|", color="tab:blue", ms=4,
            label="excitatory")
    ax.plot(res.spike_t[inh] / ms, res.spike_i[inh] - res.n_exc + n_e, "|", color="tab:red",
            ms=4, label="inhibitory")
    ax.set_xlim(t_lo / ms, res.duration / ms)
    ax.set_ylim(-1, n_e + n_i)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Neuron")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"Brunel (2000), g = {res.g:g}, nu_ext/nu_thr = {res.nu_ratio:g}: "
                 f"{res.mean_rate:.1f} Hz ({res.target})")
    fig.tight_layout()
    fig.savefig(paths[0], format="png", dpi=100)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 2.5))
    ax.plot(res.rate_t / ms, res.rate / Hz, lw=0.5, color="k")
    ax.set_xlim(0, res.duration / ms)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Rate (Hz)")
    ax.set_title(f"Population rate ({res.N} neurons, bins of dt = {DT / ms:g} ms)")
    fig.tight_layout()
    fig.savefig(paths[1], format="png", dpi=100)
    plt.close(fig)
    return paths


def same_spikes(a: Result, b: Result) -> bool:
    """True when both runs spiked with the same neurons at the same steps, in the same order."""
    return (np.array_equal(a.spike_i, b.spike_i)
            and np.array_equal(np.rint(a.spike_t / DT), np.rint(b.spike_t / DT)))


def summary(res: Result) -> str:
    """The lines the example prints about one run."""
    window = f"after {res.t_skip / ms:g} ms" if res.t_skip else "whole run"
    return "\n".join([
        f"Brunel (2000): {res.n_exc} excitatory + {res.n_inh} inhibitory LIF neurons, "
        f"epsilon = {EPSILON:g}, J = {J / mV:g} mV, D = {DELAY / ms:g} ms, "
        f"{res.duration:g} s of dt = {DT / ms:g} ms",
        f"g = {res.g:g}, nu_ext/nu_thr = {res.nu_ratio:g} (nu_ext = {res.nu_ext:.4g} Hz "
        f"from {int(round(EPSILON * res.n_exc))} Poisson inputs per neuron)",
        f"target: {res.target}",
        f"synapses: {res.n_synapses} ({res.n_exc_syn} excitatory, {res.n_inh_syn} inhibitory)",
        f"spikes: {res.spike_i.size}",
        f"mean rate: {res.mean_rate:.2f} Hz ({window})",
        f"CV of ISI: {res.cv_isi():.2f}",
        f"synchrony (CV of the 1 ms population rate): {res.synchrony():.2f}",
        f"time: build {res.t_build:.3f} s, connect {res.t_connect:.3f} s, "
        f"run {res.t_run:.3f} s (CPU {res.cpu_run:.3f} s)",
    ])


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, print the summary, write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", choices=("auto", "numpy", "cython"), default="auto")
    ap.add_argument("--duration", type=float, default=None,
                    help="seconds of simulated time (default 1.0; 0.2 with --quick)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--g", type=float, default=5.0, help="relative inhibitory strength")
    ap.add_argument("--nu-ratio", type=float, default=2.0, help="nu_ext/nu_thr")
    ap.add_argument("--scale", type=float, default=None,
                    help="network size relative to N_E = 10000 (default 1.0; 0.1 with --quick)")
    ap.add_argument("--quick", action="store_true", help="a small, short run (scale 0.1, 0.2 s)")
    ap.add_argument("--figures", type=Path, default=Path("figures/brunel"))
    ap.add_argument("--compare", action="store_true",
                    help="also run the other target with the same seed and compare spikes")
    args = ap.parse_args(argv)
    scale = args.scale if args.scale is not None else (0.1 if args.quick else 1.0)
    duration = args.duration if args.duration is not None else (0.2 if args.quick else 1.0)
    if not 0 < scale <= 10:
        ap.error("--scale must lie in (0, 10]")
    if duration <= 0:
        ap.error("--duration must be positive")
    res = simulate(scale, duration, args.g, args.nu_ratio, args.seed, args.target)
    print(summary(res))
    if args.compare:
        other = "numpy" if res.target == "cython" else "cython"
        res2 = simulate(scale, duration, args.g, args.nu_ratio, args.seed, other)
        verdict = "identical" if same_spikes(res, res2) else "DIFFERENT"
        print(f"compare: {res.target} and {res2.target} gave {verdict} spikes "
              f"({res.spike_i.size} and {res2.spike_i.size}; {other} run {res2.t_run:.3f} s)")
    paths = write_figures(res, args.figures)
    print("figures:", ", ".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
