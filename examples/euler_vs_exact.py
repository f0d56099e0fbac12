"""Euler, rk2, rk4 and exact integration of the tutorial neuron, against its analytic solution.

Run:  python examples/euler_vs_exact.py [figures/euler_vs_exact] [--target numpy]

The neuron of snnTorch's Tutorial 2, ``tau*dU/dt = -U + R*I`` with R = 5.1, C = 5e-3
(tau = R*C = 25.5 ms), from U = 0 under a step current (0 until 16 ms, then 0.3). Its
analytic solution is ``U(t) = R*I*(1 - exp(-(t - t0)/tau))`` after the step. Each method runs
at several dt; the largest error over the run, on a log-log scale against dt, has slope = the
method's order (fitted slopes are printed and drawn). Exact has only rounding error: the input
is constant over every step, so its update is the solution. Then, with the tutorial's
threshold 1 and subtract reset, the dt at which one of Euler's spikes first lies more than
0.3 ms from the exact update's (at the same dt).

Writes traces.png and error_vs_dt.png to the folder given (default figures/euler_vs_exact).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

import lifdsl as ld  # noqa: E402

R, C = 5.1, 5e-3
TAU = R * C                    # 25.5 ms
I_STEP, T_STEP, T_END = 0.3, 0.016, 0.2
METHODS = ("euler", "rk2", "rk4", "exact")
DTS = (4e-3, 2e-3, 1e-3, 5e-4, 2.5e-4)      # every dt puts the step on a step boundary
SPIKE_DTS = (1.5625e-5, 3.125e-5, 6.25e-5, 1.25e-4, 2.5e-4, 5e-4, 1e-3, 2e-3, 4e-3)
SPIKE_TOL = 0.3e-3             # a spike "moves" when it is more than 0.3 ms from exact's


def analytic(t: np.ndarray) -> np.ndarray:
    """The membrane of the step current: 0 before T_STEP, then it relaxes to R*I."""
    after = np.clip(t - T_STEP, 0, None)
    return np.where(t >= T_STEP, R * I_STEP * (1 - np.exp(-after / TAU)), 0.0)


def simulate(method: str, dt: float, threshold: bool = False, target: str = "numpy"):
    """The membrane at t = k*dt and the spike times (empty without a threshold)."""
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + R*I : 1\nI : 1", method=method, dt=dt,
                       threshold="U > 1" if threshold else None,
                       reset="U -= 1" if threshold else None,
                       namespace={"tau": TAU, "R": R})
    M = ld.StateMonitor(G, "U", record=True)
    S = ld.SpikeMonitor(G) if threshold else None
    net = ld.Network(G, M, *([S] if S else []), target=target)
    net.run(T_STEP)              # the current is a parameter switched between two runs:
    G.I = I_STEP                 # exactly a step, whatever dt
    net.run(T_END - T_STEP + dt)  # one step more records U at T_END
    spikes = np.asarray(S.t, dtype=float).copy() if S else np.zeros(0)
    return M.t.copy(), M.U[0].copy(), spikes


def error_table(target: str = "numpy") -> dict[str, np.ndarray]:
    """The largest |U - analytic| over the run for each method and dt."""
    table = {}
    for method in METHODS:
        errs = []
        for dt in DTS:
            t, u, _ = simulate(method, dt, target=target)
            errs.append(np.max(np.abs(u - analytic(t))))
        table[method] = np.array(errs)
    return table


def slopes(table: dict[str, np.ndarray]) -> dict[str, float]:
    """The fitted slope of log(error) against log(dt) per method (not for exact: rounding)."""
    return {m: float(np.polyfit(np.log(DTS), np.log(table[m]), 1)[0])
            for m in METHODS if m != "exact"}


def first_changed_spike(target: str = "numpy", tol: float = SPIKE_TOL
                        ) -> tuple[float | None, float | None, str]:
    """Going up through SPIKE_DTS: the largest dt at which Euler's spike times are still
    within ``tol`` of exact's at the same dt, the first dt at which one is not (or the count
    differs), and what changed.

    Euler's membrane is off by O(dt), so its spikes move by a time of O(dt) too: about one or
    a few steps, at every dt. A tolerance in time tells when that is visible."""
    agreed = None
    for dt in SPIKE_DTS:
        ex = simulate("exact", dt, threshold=True, target=target)[2]
        eu = simulate("euler", dt, threshold=True, target=target)[2]
        if ex.shape != eu.shape:
            return agreed, dt, f"{ex.size} spikes exact, {eu.size} Euler"
        moved = np.flatnonzero(np.abs(ex - eu) > tol)
        if moved.size:
            k = moved[0]
            return agreed, dt, (f"spike {k + 1} at {eu[k] * 1e3:.4g} ms, exact's at "
                                f"{ex[k] * 1e3:.4g} ms")
        agreed = dt
    return agreed, None, f"Euler's spikes stay within {tol * 1e3:g} ms at every dt tried"


def plot_traces(folder: Path, dt: float = 4e-3, target: str = "numpy") -> Path:
    """Every method's membrane at a coarse dt against the analytic solution."""
    fig, ax = plt.subplots(figsize=(7, 4))
    fine = np.linspace(0, T_END, 2001)
    ax.plot(fine * 1e3, analytic(fine), color="k", lw=2.5, alpha=0.35, label="analytic")
    for method, marker in zip(METHODS, "osd^", strict=True):
        t, u, _ = simulate(method, dt, target=target)
        ax.plot(t * 1e3, u, marker=marker, ms=3, lw=1, label=method)
    ax.set(xlabel="t (ms)", ylabel="U", title=f"tau*dU/dt = -U + R*I, step current, "
           f"dt = {dt * 1e3:g} ms")
    ax.legend()
    path = folder / "traces.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_errors(folder: Path, table: dict[str, np.ndarray], fitted: dict[str, float]) -> Path:
    """log-log error against dt, with each fitted line and its slope."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    dts = np.array(DTS)
    for method, marker in zip(METHODS, "osd^", strict=True):
        errs = np.maximum(table[method], 1e-17)
        label = method if method == "exact" else f"{method}: slope {fitted[method]:.2f}"
        line, = ax.loglog(dts * 1e3, errs, marker=marker, ls="none", label=label)
        if method != "exact":
            coef = np.polyfit(np.log(dts), np.log(errs), 1)
            ax.loglog(dts * 1e3, np.exp(np.polyval(coef, np.log(dts))), color=line.get_color(),
                      lw=1)
    ax.set(xlabel="dt (ms)", ylabel="max |U - analytic|", title="error against step size")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks(dts * 1e3, [f"{d * 1e3:g}" for d in dts])
    ax.legend(loc="center right")
    path = folder / "error_vs_dt.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run everything, print the numbers, write the figures; returns the numbers."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", nargs="?", default="figures/euler_vs_exact")
    p.add_argument("--target", default="numpy", choices=["numpy", "cython", "auto"])
    a = p.parse_args(argv)
    folder = Path(a.folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = error_table(a.target)
    fitted = slopes(table)
    print("largest error over the run (dt in ms):")
    print("  dt      " + "  ".join(f"{m:>10}" for m in METHODS))
    for k, dt in enumerate(DTS):
        print(f"  {dt * 1e3:<7g} " + "  ".join(f"{table[m][k]:10.3e}" for m in METHODS))
    for method, s in fitted.items():
        print(f"slope {method}: {s:.3f}")
    agreed, changed, what = first_changed_spike(a.target)
    if changed is None:
        print(what)
    else:
        tol = f"{SPIKE_TOL * 1e3:g} ms"
        print(f"Euler first changes a spike time (by more than {tol}) at dt = "
              f"{changed * 1e3:g} ms (within {tol} of exact's up to dt = {agreed * 1e3:g} ms): "
              f"{what}" if agreed is not None else
              f"Euler changes a spike time already at dt = {changed * 1e3:g} ms: {what}")
    figures = [plot_traces(folder, target=a.target), plot_errors(folder, table, fitted)]
    for f in figures:
        print(f"wrote {f}")
    return {"errors": table, "slopes": fitted, "spike_dt": changed, "agreed_dt": agreed,
            "figures": figures}


if __name__ == "__main__":
    main()
