"""COBAHH: the random network of Hodgkin-Huxley neurons of Brette et al. (2007), benchmark 3.

Run:  python examples/cobahh.py [--target auto|numpy|cython] [--duration 1.0] [--seed 1]
                                [--N 4000] [--quick] [--figures figures/cobahh] [--compare]

N = 4000 single-compartment Hodgkin-Huxley neurons (Traub-Miles sodium and potassium
channels, membrane area 20000 um^2, E_L = -60 mV, E_K = -90 mV, E_Na = 50 mV, V_T = -63 mV)
with exponentially decaying synaptic conductances (tau_e = 5 ms towards E_e = 0 mV,
tau_i = 10 ms towards E_i = -80 mV), 80 % excitatory and 20 % inhibitory, every pair connected
with probability 0.02 (about 80 inputs per neuron); a spike raises g_e by 6 nS or g_i by 67 nS.
A spike is v crossing -20 mV upwards: threshold 'v > -20*mV', and the neuron stays refractory
while 'v > -20*mV' (a condition, so that the long action potential counts once). Integration
is exponential Euler, dt = 0.1 ms. Initial v, g_e and g_i are drawn from the normal
distributions of Brian2's example (m, h, n start at 0); with these, and no external input,
the network sustains irregular activity at a few tens of hertz: over 1 s, seeds 1-4 give 39.9,
35.4, 36.3 and 32.7 Hz; Brian2 2.9 on the same model gives 36.7, 35.6 and 35.5 Hz for its seeds
1-3 (37.4 Hz with its example's refractory = 3 ms instead of the condition). One neuron's
exponential-Euler trajectory matches Brian2's to 4e-13 V over 200 ms.

``--N`` scales the network (p = 80/N keeps about 80 inputs per neuron); ``--quick`` is
``--N 400 --duration 0.2``. It prints the number of synapses, the mean rate (the rate over the
second half of the run as well), the time spent building, in connect() and in run(), and which
target ran; it writes a spike raster (200 excitatory and 50 inhibitory neurons), the
population rate and the membrane potential of three neurons to the figures folder.
``--compare`` runs the same seed on the other target as well and says whether the two targets
gave identical spikes.

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
Hz, ms, mV, nS = (UNIT_NAMES["Hz"], UNIT_NAMES["ms"], UNIT_NAMES["mV"], UNIT_NAMES["nS"])

AREA = 20000e-12  # m^2 (20000 um^2)
CM = 1e-2 * AREA  # 1 uF/cm^2
GL = 0.5 * AREA  # 5e-5 S/cm^2
G_NA = 1000.0 * AREA  # 100 mS/cm^2
G_KD = 300.0 * AREA  # 30 mS/cm^2
EL, EK, ENA, VT = -60 * mV, -90 * mV, 50 * mV, -63 * mV
TAUE, TAUI = 5 * ms, 10 * ms
EE, EI = 0 * mV, -80 * mV
WE, WI = 6 * nS, 67 * nS
DT = 0.1 * ms
TRACED = (1, 10, 100)

# rate functions of the Traub-Miles model, written with exprel(x) = (exp(x) - 1)/x, which
# stays finite where the classic form x/(exp(x) - 1) is 0/0
EQUATIONS = """
dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v) - g_na*m**3*h*(v - ENa)
         - g_kd*n**4*(v - EK))/Cm : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
dge/dt = -ge/taue : siemens
dgi/dt = -gi/taui : siemens
alpha_m = 1.28/exprel((13*mV - v + VT)/(4*mV))/ms : Hz
beta_m = 1.4/exprel((v - VT - 40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV - v + VT)/(18*mV))/ms : Hz
beta_h = 4/(1 + exp((40*mV - v + VT)/(5*mV)))/ms : Hz
alpha_n = 0.16/exprel((15*mV - v + VT)/(5*mV))/ms : Hz
beta_n = 0.5*exp((10*mV - v + VT)/(40*mV))/ms : Hz
"""


@dataclass
class Result:
    """What one COBAHH run produced: sizes, spikes, rates, traces and where the time went."""

    target: str
    N: int
    duration: float
    n_exc_syn: int
    n_inh_syn: int
    spike_i: np.ndarray
    spike_t: np.ndarray
    rate_t: np.ndarray
    rate: np.ndarray
    trace_t: np.ndarray
    trace_v: np.ndarray
    traced: tuple[int, ...]
    t_build: float
    t_connect: float
    t_run: float
    cpu_run: float

    @property
    def n_synapses(self) -> int:
        """All synapses, excitatory and inhibitory."""
        return self.n_exc_syn + self.n_inh_syn

    @property
    def mean_rate(self) -> float:
        """Spikes per neuron per second over the whole run."""
        return self.spike_i.size / (self.N * self.duration)

    @property
    def late_rate(self) -> float:
        """Spikes per neuron per second over the second half of the run."""
        n = np.count_nonzero(self.spike_t >= self.duration / 2 - DT / 2)
        return n / (self.N * self.duration / 2)


class _TargetSeen(logging.Handler):
    """Remembers the target a network's run logs, so that 'auto' can say what it chose."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.target: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if " on target " in text:
            self.target = text.rsplit(" on target ", 1)[1].strip()


def simulate(N: int = 4000, duration: float = 1.0, seed: int = 1,
             target: str = "auto") -> Result:
    """Build the COBAHH network of ``N`` neurons (p = 80/N), run it for ``duration`` seconds."""
    ld.start_scope()
    t0 = time.perf_counter()
    ld.seed(seed)
    n_exc = int(round(0.8 * N))
    p = min(1.0, 80.0 / N)
    namespace = {"Cm": CM, "gl": GL, "g_na": G_NA, "g_kd": G_KD, "El": EL, "EK": EK,
                 "ENa": ENA, "VT": VT, "taue": TAUE, "taui": TAUI, "Ee": EE, "Ei": EI,
                 "we": WE, "wi": WI}
    P = ld.NeuronGroup(N, EQUATIONS, threshold="v > -20*mV", refractory="v > -20*mV",
                       method="exponential_euler", dt=DT, namespace=namespace)
    P.v = "El + (randn()*5 - 5)*mV"
    P.ge = "(randn()*1.5 + 4)*10*nS"
    P.gi = "(randn()*12 + 20)*10*nS"
    Ce = ld.Synapses(P[:n_exc], P, on_pre="ge += we", namespace=namespace)
    Ci = ld.Synapses(P[n_exc:], P, on_pre="gi += wi", namespace=namespace)
    t1 = time.perf_counter()
    Ce.connect(p=p)
    Ci.connect(p=p)
    t2 = time.perf_counter()
    traced = tuple(k for k in TRACED if k < N)
    spikes = ld.SpikeMonitor(P)
    rates = ld.PopulationRateMonitor(P)
    trace = ld.StateMonitor(P, "v", record=list(traced))
    net = ld.Network(P, Ce, Ci, spikes, rates, trace, target=target)
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
    return Result(target=seen.target or target, N=N, duration=duration, n_exc_syn=len(Ce),
                  n_inh_syn=len(Ci), spike_i=spikes.i, spike_t=spikes.t_, rate_t=rates.t_,
                  rate=rates.rate_, trace_t=trace.t_, trace_v=np.array(trace.v_), traced=traced,
                  t_build=t1 - t0, t_connect=t2 - t1, t_run=t4 - t3,
                  cpu_run=c4 - c3)


def write_figures(res: Result, out: Path) -> list[Path]:
    """A raster (200 excitatory, 50 inhibitory neurons), the rate and three traces, as PNGs."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "raster.png", out / "rate.png", out / "traces.png"]
    n_exc = int(round(0.8 * res.N))
    n_e, n_i = min(200, n_exc), min(50, res.N - n_exc)
    exc = res.spike_i < n_e
    inh = (res.spike_i >= n_exc) & (res.spike_i < n_exc + n_i)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(res.spike_t[exc] / ms, res.spike_i[exc], ".", color="tab:blue", ms=1,
            label="excitatory")
    ax.plot(res.spike_t[inh] / ms, res.spike_i[inh] - n_exc + n_e, ".", color="tab:red",
            ms=1, label="inhibitory")
    ax.legend(loc="upper right", fontsize=8, markerscale=6)
    ax.set_xlim(0, res.duration / ms)
    ax.set_ylim(-0.5, n_e + n_i - 0.5)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Neuron")
    ax.set_title(f"COBAHH, {res.N} neurons: {res.mean_rate:.1f} Hz ({res.target})")
    fig.tight_layout()
    fig.savefig(paths[0], format="png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 2.5))
    width = max(1, int(round(1 * ms / DT)))
    n = res.rate.size // width * width
    binned = res.rate[:n].reshape(-1, width).mean(axis=1)
    ax.plot(res.rate_t[:n:width] / ms, binned / Hz, color="k", lw=0.7)
    ax.set_xlim(0, res.duration / ms)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("Rate (Hz)")
    ax.set_title("Population rate (1 ms bins)")
    fig.tight_layout()
    fig.savefig(paths[1], format="png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 3))
    for row, k in enumerate(res.traced):
        ax.plot(res.trace_t / ms, res.trace_v[row] / mV, lw=0.6, label=f"neuron {k}")
    ax.set_xlim(0, res.duration / ms)
    ax.set_xlabel("Time (ms)")
    ax.set_ylabel("v (mV)")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("Membrane potential")
    fig.tight_layout()
    fig.savefig(paths[2], format="png", dpi=100)
    plt.close(fig)
    return paths


def same_spikes(a: Result, b: Result) -> bool:
    """True when both runs spiked with the same neurons at the same steps, in the same order."""
    return (np.array_equal(a.spike_i, b.spike_i)
            and np.array_equal(np.rint(a.spike_t / DT), np.rint(b.spike_t / DT)))


def summary(res: Result) -> str:
    """The lines the example prints about one run."""
    return "\n".join([
        f"COBAHH (Brette et al. 2007): {res.N} Hodgkin-Huxley neurons "
        f"({int(round(0.8 * res.N))} excitatory), p = {min(1.0, 80.0 / res.N):.4g}, "
        f"{res.duration:g} s of dt = {DT / ms:g} ms, exponential Euler",
        f"target: {res.target}",
        f"synapses: {res.n_synapses} ({res.n_exc_syn} excitatory, {res.n_inh_syn} inhibitory)",
        f"spikes: {res.spike_i.size}",
        f"mean rate: {res.mean_rate:.2f} Hz ({res.late_rate:.2f} Hz over the second half)",
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
    ap.add_argument("--N", type=int, default=None,
                    help="neurons, p = 80/N (default 4000; 400 with --quick)")
    ap.add_argument("--quick", action="store_true", help="a small, short run (400, 0.2 s)")
    ap.add_argument("--figures", type=Path, default=Path("figures/cobahh"))
    ap.add_argument("--compare", action="store_true",
                    help="also run the other target with the same seed and compare spikes")
    args = ap.parse_args(argv)
    N = args.N if args.N is not None else (400 if args.quick else 4000)
    duration = args.duration if args.duration is not None else (0.2 if args.quick else 1.0)
    if N < 5:
        ap.error("--N must be at least 5 (one inhibitory neuron)")
    if duration <= 0:
        ap.error("--duration must be positive")
    res = simulate(N, duration, args.seed, args.target)
    print(summary(res))
    if args.compare:
        other = "numpy" if res.target == "cython" else "cython"
        res2 = simulate(N, duration, args.seed, other)
        verdict = "identical" if same_spikes(res, res2) else "DIFFERENT"
        print(f"compare: {res.target} and {res2.target} gave {verdict} spikes "
              f"({res.spike_i.size} and {res2.spike_i.size}; {other} run {res2.t_run:.3f} s)")
    paths = write_figures(res, args.figures)
    print("figures:", ", ".join(str(p) for p in paths))


if __name__ == "__main__":
    main()
