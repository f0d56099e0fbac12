"""CUBA: the current-based random network of Brette et al. (2007), benchmark 2, with lifdsl.

Run:  python examples/cuba.py [--target auto|numpy|cython] [--duration 1.0] [--seed 1]
                              [--N 4000] [--figures figures/cuba] [--compare]

4000 leaky integrate-and-fire neurons with exponentially decaying synaptic currents (written in
volts, as in the paper and in Brian2's example), 80 % excitatory and 20 % inhibitory, each pair
connected with probability 80/N (0.02 at N = 4000: about 80 inputs per neuron at any N).
Membrane and synaptic variables are integrated exactly; threshold -50 mV, reset -60 mV,
refractory 5 ms, dt = 0.1 ms. The network settles into irregular firing at about 5.6 Hz
(Brian2 2.9: 5.62 Hz, NEST 3.10: 5.64 Hz for the same model; the value moves by a few tenths
of a hertz from seed to seed).

It prints the number of synapses, the mean rate, the time spent building the network, in
connect() and in run(), and which target ran; it writes a spike raster and the population
rate to the figures folder. ``--compare`` runs the same seed on the other target as well and
says whether the two targets gave identical spikes.

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

import numpy as np  # noqa: E402

import lifdsl as ld  # noqa: E402
from lifdsl import plot  # noqa: E402
from lifdsl.units import UNIT_NAMES  # noqa: E402

# this script computes with plain SI floats (seconds, volts, siemens), which lifdsl reads
# as SI values; the units' names are their scales here
ms, mV = (UNIT_NAMES["ms"], UNIT_NAMES["mV"])

TAUM, TAUE, TAUI = 20 * ms, 5 * ms, 10 * ms
VT, VR, EL = -50 * mV, -60 * mV, -49 * mV
WE = (60 * 0.27 / 10) * mV  # excitatory synaptic weight (a jump of ge, in volts)
WI = (-20 * 4.5 / 10) * mV  # inhibitory synaptic weight
DT = 0.1 * ms

EQUATIONS = """
dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""


@dataclass
class Result:
    """What one CUBA run produced: sizes, spikes, rates and where the time went."""

    target: str
    N: int
    duration: float
    n_exc_syn: int
    n_inh_syn: int
    spike_i: np.ndarray
    spike_t: np.ndarray
    rate_t: np.ndarray
    rate: np.ndarray
    smooth_rate: np.ndarray
    t_build: float
    t_connect: float
    t_run: float

    @property
    def n_synapses(self) -> int:
        """All synapses, excitatory and inhibitory."""
        return self.n_exc_syn + self.n_inh_syn

    @property
    def mean_rate(self) -> float:
        """Spikes per neuron per second over the whole run."""
        return self.spike_i.size / (self.N * self.duration)


class _TargetSeen(logging.Handler):
    """Remembers which target a network's run reported (so 'auto' can say what it chose)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.target: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.getMessage()
        if " on target " in msg:
            self.target = msg.rsplit(" on target ", 1)[1].strip()


def simulate(N: int = 4000, duration: float = 1.0, seed: int = 1,
             target: str = "auto") -> Result:
    """Build the CUBA network of ``N`` neurons (p = 80/N), run it for ``duration`` seconds."""
    ld.start_scope()
    t0 = time.perf_counter()
    ld.seed(seed)
    n_exc = int(round(0.8 * N))
    p = min(1.0, 80.0 / N)
    namespace = {"taum": TAUM, "taue": TAUE, "taui": TAUI, "El": EL, "Vt": VT, "Vr": VR,
                 "we": WE, "wi": WI}
    P = ld.NeuronGroup(N, EQUATIONS, threshold="v > Vt", reset="v = Vr", refractory=5 * ms,
                       method="exact", dt=DT, namespace=namespace)
    P.v = "Vr + rand()*(Vt - Vr)"
    P.ge = 0.0
    P.gi = 0.0
    Ce = ld.Synapses(P[:n_exc], P, on_pre="ge += we", namespace=namespace)
    Ci = ld.Synapses(P[n_exc:], P, on_pre="gi += wi", namespace=namespace)
    t1 = time.perf_counter()
    Ce.connect(p=p)
    Ci.connect(p=p)
    t2 = time.perf_counter()
    spikes = ld.SpikeMonitor(P)
    rates = ld.PopulationRateMonitor(P)
    net = ld.Network(P, Ce, Ci, spikes, rates, target=target)
    seen = _TargetSeen()
    log = logging.getLogger("lifdsl")
    old_level = log.level
    log.addHandler(seen)
    log.setLevel(logging.INFO)
    try:
        t3 = time.perf_counter()
        net.run(duration)
        t4 = time.perf_counter()
    finally:
        log.removeHandler(seen)
        log.setLevel(old_level)
    width = min(2 * ms, duration / 4)
    return Result(target=seen.target or target, N=N, duration=duration, n_exc_syn=len(Ce),
                  n_inh_syn=len(Ci), spike_i=spikes.i, spike_t=spikes.t_, rate_t=rates.t_,
                  rate=rates.rate_,
                  smooth_rate=np.asarray(rates.smooth_rate("gaussian", width=width)),
                  t_build=t1 - t0, t_connect=t2 - t1, t_run=t4 - t3)


def write_figures(res: Result, out: Path) -> list[Path]:
    """A spike raster and the population rate (Gaussian window, 2 ms), as PNGs in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "raster.png", out / "rate.png"]
    fig = plot.raster(res.spike_t / ms, res.spike_i, marker_size=1.0,
                      title=f"CUBA, {res.N} neurons: {res.mean_rate:.2f} Hz ({res.target})")
    fig.axes[0].set_xlabel("Time (ms)")
    fig.savefig(paths[0], format="png", dpi=100)
    fig = plot.rate(res.rate_t / ms, res.smooth_rate,
                    title="Population rate (Gaussian window, s.d. 2 ms)")
    fig.axes[0].set_xlabel("Time (ms)")
    fig.savefig(paths[1], format="png", dpi=100)
    return paths


def same_spikes(a: Result, b: Result) -> bool:
    """True when both runs spiked with the same neurons at the same steps, in the same order."""
    return (np.array_equal(a.spike_i, b.spike_i)
            and np.array_equal(np.rint(a.spike_t / DT), np.rint(b.spike_t / DT)))


def summary(res: Result) -> str:
    """The lines the example prints about one run."""
    return "\n".join([
        f"CUBA (Brette et al. 2007): {res.N} neurons ({int(round(0.8 * res.N))} excitatory), "
        f"p = {min(1.0, 80.0 / res.N):.4g}, {res.duration:g} s of dt = {DT / ms:g} ms",
        f"target: {res.target}",
        f"synapses: {res.n_synapses} ({res.n_exc_syn} excitatory, {res.n_inh_syn} inhibitory)",
        f"spikes: {res.spike_i.size}",
        f"mean rate: {res.mean_rate:.2f} Hz",
        f"time: build {res.t_build:.3f} s, connect {res.t_connect:.3f} s, "
        f"run {res.t_run:.3f} s",
    ])


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, print the summary, write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", choices=("auto", "numpy", "cython"), default="auto")
    ap.add_argument("--duration", type=float, default=1.0, help="seconds of simulated time")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--N", type=int, default=4000, help="neurons (p = 80/N)")
    ap.add_argument("--figures", type=Path, default=Path("figures/cuba"))
    ap.add_argument("--compare", action="store_true",
                    help="also run the other target with the same seed and compare spikes")
    args = ap.parse_args(argv)
    if args.N < 5:
        ap.error("--N must be at least 5 (one inhibitory neuron)")
    res = simulate(args.N, args.duration, args.seed, args.target)
    print(summary(res))
    if args.compare:
        other = "numpy" if res.target == "cython" else "cython"
        res2 = simulate(args.N, args.duration, args.seed, other)
        verdict = "identical" if same_spikes(res, res2) else "DIFFERENT"
        print(f"compare: {res.target} and {res2.target} gave {verdict} spikes "
              f"({res.spike_i.size} and {res2.spike_i.size}; {other} run {res2.t_run:.3f} s)")
    paths = write_figures(res, args.figures)
    print("figures:", ", ".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
