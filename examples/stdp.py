"""Song, Miller & Abbott (2000): STDP of 1000 Poisson inputs onto one neuron, with lifdsl.

Run:  python examples/stdp.py [--target auto|numpy|cython] [--duration 100] [--seed 1]
                              [--N 1000] [--quick] [--figures figures/stdp] [--compare]

One leaky integrate-and-fire neuron with a conductance-based excitatory synapse (tau_m =
10 ms, E_L = -74 mV, threshold -54 mV, reset -60 mV, E_e = 0 mV, tau_e = 5 ms; Euler, dt =
0.1 ms) receives N = 1000 independent Poisson inputs at 15 Hz (a PoissonGroup). Each synapse
has a weight w in [0, 1] (in units of g_max = 0.01, the conductance jump relative to the
leak) and additive pair-based STDP with all-to-all spike interactions, written with two
event-driven traces as in Brian2's STDP example:

    on_pre:  ge += w*gmax; Apre += dApre; w = clip(w + Apost, 0, 1)
    on_post: Apost += dApost; w = clip(w + Apre, 0, 1)

with tau_pre = tau_post = 20 ms, dApre = 0.01 and dApost = -1.05*dApre (depression slightly
stronger than potentiation, as in the paper). Weights start uniform in [0, 1]. The inputs
compete: weights are driven towards 0 and towards w_max, the distribution becomes bimodal
(U-shaped) and the output rate falls. After 100 s (seed 1): 23.5 % of the weights below 0.1,
18.6 % above 0.9 (10 % each at the start), output rate 38.9 Hz in the first 10 s and 23.7 Hz
in the last; Brian2 2.9's STDP example, the same model: 23.4 %, 18.5 %, 36.0 Hz and 19.9 Hz.
The middle empties slowly: after 500 s, 29.4 % and 23.0 %.

The run is made of 100 equal run() calls (the kernel is built once) so that the weights can
be looked at in between. It prints the output rate over the first and last tenths of the
run, the fraction of weights below 0.1 and above 0.9 (of w_max) and the time spent; it writes
the weight histogram, the weights against the input index, the output rate over time (with the
mean weight) and a raster of the last second to the figures folder. ``--quick`` is
``--duration 2``. ``--compare`` runs the same seed on the other target as well and says
whether the two targets gave identical output spikes and weights.

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
Hz, ms, mV, second = (UNIT_NAMES["Hz"], UNIT_NAMES["ms"], UNIT_NAMES["mV"], UNIT_NAMES["second"])

TAUM, TAUE = 10 * ms, 5 * ms
EE, EL, VT, VR = 0 * mV, -74 * mV, -54 * mV, -60 * mV
RATE_IN = 15 * Hz
GMAX = 0.01
TAUPRE = TAUPOST = 20 * ms
DAPRE = 0.01
DAPOST = -DAPRE * TAUPRE / TAUPOST * 1.05
DT = 0.1 * ms
SEGMENTS = 100
LOW, HIGH = 0.1, 0.9

NEURON = """
dv/dt = (ge*(Ee - v) + El - v)/taum : volt
dge/dt = -ge/taue : 1
"""

SYNAPSE = """
w : 1
dApre/dt = -Apre/taupre : 1 (event-driven)
dApost/dt = -Apost/taupost : 1 (event-driven)
"""

ON_PRE = """
ge += w*gmax
Apre += dApre
w = clip(w + Apost, 0, 1)
"""

ON_POST = """
Apost += dApost
w = clip(w + Apre, 0, 1)
"""


@dataclass
class Result:
    """What one STDP run produced: final weights, their history, spikes and timings."""

    target: str
    N: int
    duration: float
    w: np.ndarray
    w_t: np.ndarray
    w_history: np.ndarray
    out_t: np.ndarray
    in_i: np.ndarray
    in_t: np.ndarray
    t_build: float
    t_run: float
    cpu_run: float

    @property
    def frac_low(self) -> float:
        """Fraction of weights below ``LOW`` (of w_max)."""
        return float(np.mean(self.w < LOW))

    @property
    def frac_high(self) -> float:
        """Fraction of weights above ``HIGH`` (of w_max)."""
        return float(np.mean(self.w > HIGH))

    def out_rate(self, t0: float, t1: float) -> float:
        """Output rate (Hz) between ``t0`` and ``t1`` seconds."""
        n = np.count_nonzero((self.out_t >= t0 - DT / 2) & (self.out_t < t1 - DT / 2))
        return n / (t1 - t0)

    @property
    def in_rate(self) -> float:
        """Mean input rate (Hz) over the whole run."""
        return self.in_i.size / (self.N * self.duration)


class _TargetSeen(logging.Handler):
    """Remembers the target a network's run logs, so that 'auto' can say what it chose."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.target: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if " on target " in text:
            self.target = text.rsplit(" on target ", 1)[1].strip()


def simulate(N: int = 1000, duration: float = 100.0, seed: int = 1,
             target: str = "auto") -> Result:
    """Build the STDP network with ``N`` inputs and run it for ``duration`` seconds."""
    ld.start_scope()
    t0 = time.perf_counter()
    ld.seed(seed)
    namespace = {"taum": TAUM, "taue": TAUE, "Ee": EE, "El": EL, "vt": VT, "vr": VR,
                 "gmax": GMAX, "taupre": TAUPRE, "taupost": TAUPOST, "dApre": DAPRE,
                 "dApost": DAPOST}
    inputs = ld.PoissonGroup(N, rates=RATE_IN, dt=DT)
    neuron = ld.NeuronGroup(1, NEURON, threshold="v > vt", reset="v = vr", method="euler",
                            dt=DT, namespace=namespace)
    neuron.v = VR
    S = ld.Synapses(inputs, neuron, SYNAPSE, on_pre=ON_PRE, on_post=ON_POST,
                    namespace=namespace)
    S.connect()
    S.w = "rand()"
    out_spikes = ld.SpikeMonitor(neuron)
    in_spikes = ld.SpikeMonitor(inputs)
    net = ld.Network(inputs, neuron, S, out_spikes, in_spikes, target=target)
    t1, c1 = time.perf_counter(), time.process_time()
    seen = _TargetSeen()
    log = logging.getLogger("lifdsl")
    old_level = log.level
    log.addHandler(seen)
    log.setLevel(logging.INFO)
    steps = int(round(duration / DT))
    bounds = np.linspace(0, steps, SEGMENTS + 1).round().astype(int)
    history, times = [np.array(S.w)], [0.0]
    try:
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            if b > a:
                net.run((b - a) * DT)
                history.append(np.array(S.w))
                times.append(b * DT)
        t2, c2 = time.perf_counter(), time.process_time()
    finally:
        log.removeHandler(seen)
        log.setLevel(old_level)
    return Result(target=seen.target or target, N=N, duration=steps * DT,
                  w=np.array(S.w), w_t=np.array(times), w_history=np.array(history),
                  out_t=out_spikes.t_, in_i=in_spikes.i, in_t=in_spikes.t_,
                  t_build=t1 - t0, t_run=t2 - t1, cpu_run=c2 - c1)


def write_figures(res: Result, out: Path) -> list[Path]:
    """Weight histogram, weights by input, output rate and a raster, as PNGs in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "weights_hist.png", out / "weights.png", out / "rate.png", out / "raster.png"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(res.w, bins=20, range=(0, 1), color="0.3")
    ax.set_xlabel("Weight / w_max")
    ax.set_ylabel("Synapses")
    ax.set_title(f"Weights after {res.duration:g} s: {100 * res.frac_low:.0f} % < {LOW:g}, "
                 f"{100 * res.frac_high:.0f} % > {HIGH:g}")
    fig.tight_layout()
    fig.savefig(paths[0], format="png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 3))
    ax.plot(np.arange(res.N), res.w, ".k", ms=2)
    ax.set_xlabel("Input index")
    ax.set_ylabel("Weight / w_max")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title("Final weights")
    fig.tight_layout()
    fig.savefig(paths[1], format="png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 3))
    edges = res.w_t
    counts = np.histogram(res.out_t, bins=edges - DT / 2)[0] if edges.size > 1 else np.zeros(0)
    widths = np.diff(edges)
    ax.step(edges[1:], counts / widths, where="pre", color="k", label="output rate")
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Output rate (Hz)")
    ax2 = ax.twinx()
    ax2.plot(edges, res.w_history.mean(axis=1), color="tab:orange", label="mean weight")
    ax2.set_ylabel("Mean weight / w_max", color="tab:orange")
    ax2.set_ylim(0, 1)
    ax.set_title(f"Output rate in windows of {res.duration / SEGMENTS:g} s ({res.target})")
    fig.tight_layout()
    fig.savefig(paths[2], format="png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    t_lo = max(0.0, res.duration - 1.0)
    late = res.in_t >= t_lo - DT / 2
    order = np.argsort(np.argsort(res.w, kind="stable"), kind="stable")
    ax.scatter(res.in_t[late], order[res.in_i[late]], c=res.w[res.in_i[late]], s=0.3,
               cmap="viridis", vmin=0, vmax=1, marker="|")
    for t in res.out_t[res.out_t >= t_lo - DT / 2]:
        ax.axvline(t, color="tab:red", lw=0.6)
    ax.set_xlim(t_lo, res.duration)
    ax.set_xlabel("Time (s)")
    ax.set_ylabel("Input, sorted by final weight")
    ax.set_title("Input spikes (colour: final weight) and output spikes (red), last second")
    fig.tight_layout()
    fig.savefig(paths[3], format="png", dpi=100)
    plt.close(fig)
    return paths


def same_result(a: Result, b: Result) -> bool:
    """True when both runs gave the same input and output spike steps and the same weights."""
    return (np.array_equal(np.rint(a.out_t / DT), np.rint(b.out_t / DT))
            and np.array_equal(a.in_i, b.in_i)
            and np.array_equal(np.rint(a.in_t / DT), np.rint(b.in_t / DT))
            and np.array_equal(a.w, b.w))


def summary(res: Result) -> str:
    """The lines the example prints about one run."""
    tenth = res.duration / 10
    w0 = res.w_history[0]
    return "\n".join([
        f"STDP (Song, Miller & Abbott 2000): {res.N} Poisson inputs at {RATE_IN:g} Hz onto one "
        f"conductance-based LIF neuron, {res.duration:g} s of dt = {DT / ms:g} ms",
        f"target: {res.target}",
        f"input rate: {res.in_rate:.2f} Hz",
        f"output rate: {res.out_rate(0, tenth):.2f} Hz in the first {tenth:g} s, "
        f"{res.out_rate(res.duration - tenth, res.duration):.2f} Hz in the last {tenth:g} s",
        f"weights: {100 * res.frac_low:.1f} % below {LOW:g}, {100 * res.frac_high:.1f} % "
        f"above {HIGH:g} (of w_max), mean {res.w.mean():.3f} (at the start: "
        f"{100 * np.mean(w0 < LOW):.1f} %, {100 * np.mean(w0 > HIGH):.1f} %, {w0.mean():.3f})",
        f"time: build {res.t_build:.3f} s, run {res.t_run:.3f} s (CPU {res.cpu_run:.3f} s; "
        f"{SEGMENTS} run() calls)",
    ])


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, print the summary, write the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", choices=("auto", "numpy", "cython"), default="auto")
    ap.add_argument("--duration", type=float, default=None,
                    help="seconds of simulated time (default 100; 2 with --quick)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--N", type=int, default=1000, help="Poisson inputs")
    ap.add_argument("--quick", action="store_true", help="a short run (2 s)")
    ap.add_argument("--figures", type=Path, default=Path("figures/stdp"))
    ap.add_argument("--compare", action="store_true",
                    help="also run the other target with the same seed and compare")
    args = ap.parse_args(argv)
    duration = args.duration if args.duration is not None else (2.0 if args.quick else 100.0)
    if args.N < 1:
        ap.error("--N must be at least 1")
    if duration < SEGMENTS * DT:
        ap.error(f"--duration must be at least {SEGMENTS * DT / second:g} s")
    res = simulate(args.N, duration, args.seed, args.target)
    print(summary(res))
    if args.compare:
        other = "numpy" if res.target == "cython" else "cython"
        res2 = simulate(args.N, duration, args.seed, other)
        verdict = "identical" if same_result(res, res2) else "DIFFERENT"
        print(f"compare: {res.target} and {res2.target} gave {verdict} spikes and weights "
              f"({res.out_t.size} and {res2.out_t.size} output spikes, max weight difference "
              f"{np.abs(res.w - res2.w).max():.3g}; {other} run {res2.t_run:.3f} s)")
    paths = write_figures(res, args.figures)
    print("figures:", ", ".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
