"""snnTorch Tutorial 2 (the leaky integrate-and-fire neuron), every experiment, with lifdsl.

Run:  python examples/tutorial2_lapicque.py [--out figures/tutorial2] [--target numpy]

Each experiment of the tutorial is written the lifdsl way: the membrane equation as a string,
run by a NeuronGroup with snnTorch's update order (threshold tested at the start of the step).
The numbers the tutorial prints are printed again, and every figure is written as a PNG.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

import lifdsl as ld  # noqa: E402
from lifdsl import plot  # noqa: E402

NUM_STEPS = 200


def simulate(lif: ld.models.Lapicque, cur: np.ndarray, mem0: float, dtype: str = "float64"):
    """Run one Lapicque neuron on ``cur`` (one value per step) the way the tutorial's loop does.

    Returns the membrane and spike records with the tutorial's indexing: index 0 is the initial
    state, index k the state after the k-th step (len(cur) + 1 entries each).
    """
    n = len(cur)
    I_in = ld.TimedArray(cur, dt=lif.time_step)
    G = lif.group(1, I="I_in(t)", dtype=dtype, namespace={"I_in": I_in})
    G.U = mem0
    M = ld.StateMonitor(G, "U", record=True)
    S = ld.SpikeMonitor(G)
    net = ld.Network(G, M, S)
    net.run((n + 1) * lif.time_step)  # one extra step records the state after the last input
    spk = np.zeros(n + 1)
    spk[np.rint(S.t / lif.time_step).astype(int)] = 1.0
    return M.U[0], spk


def steps(*parts: tuple[float, int]) -> np.ndarray:
    """A piecewise-constant current: ((value, number of steps), ...)."""
    return np.concatenate([np.full(k, v, dtype=float) for v, k in parts])


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ld.start_scope()

    # -- 2. the hand-written forward Euler neuron, then the same equation in lifdsl ----------
    R, C, dt = 5e7, 1e-10, 1e-3
    U, trace = 0.9, []
    for _ in range(100):
        trace.append(U)
        U = U + (dt / (R * C)) * (-U + 0 * R)
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + R*I : 1", method="euler", dt=dt,
                       namespace={"tau": R * C, "R": R, "I": 0.0})
    G.U = 0.9
    M = ld.StateMonitor(G, "U", record=True)
    ld.Network(G, M).run(100 * dt)
    print("hand-written Euler loop and lifdsl agree to",
          f"{np.max(np.abs(M.U[0] - np.array(trace))):.1e}")
    ld.explain("tau*dU/dt = -U + R*I", method="euler")
    plot.membrane(M.U[0], title="Leaky Neuron Model", save=out / "01_euler_decay.png")

    # -- 3.1 Lapicque without stimulus ------------------------------------------------------
    lif1 = ld.models.Lapicque(R=5, C=1e-3, time_step=1e-3)
    mem, _ = simulate(lif1, np.zeros(100), 0.9)
    plot.membrane(mem, title="Lapicque's Neuron Model Without Stimulus",
                  save=out / "02_lapicque_no_stimulus.png")

    # -- 3.2 step input -------------------------------------------------------------------------
    cur = steps((0, 10), (0.1, 190))
    mem, _ = simulate(lif1, cur, 0.0)
    print(f"The calculated value of input pulse [A] x resistance [Ohm] is: {cur[11] * lif1.R} V")
    print(f"The simulated value of steady-state membrane potential is: {mem[200]} V")
    mem32, _ = simulate(lif1, cur, 0.0, dtype="float32")
    print(f"  (in float32, as the tutorial runs: {mem32[200]} V)")
    plot.current_and_membrane(cur, mem, vlines=(10,), ylim_cur=(0, 0.2), ylim_mem=(0, 0.6),
                              title="Lapicque's Neuron Model With Step Input",
                              save=out / "03_step_input.png")

    # -- 3.3 pulse inputs -----------------------------------------------------------------------
    cur1 = steps((0, 10), (0.1, 20), (0, 170))
    cur2 = steps((0, 10), (0.111, 10), (0, 180))
    cur3 = steps((0, 10), (0.147, 5), (0, 185))
    mem1, _ = simulate(lif1, cur1, 0.0)
    mem2, _ = simulate(lif1, cur2, 0.0)
    mem3, _ = simulate(lif1, cur3, 0.0)
    plot.current_and_membrane(cur1, mem1, vlines=(10, 30), ylim_cur=(0, 0.2), ylim_mem=(0, 0.6),
                              title="Lapicque's Neuron Model With Input Pulse",
                              save=out / "04_pulse.png")
    plot.current_and_membrane(cur2, mem2, vlines=(10, 20), ylim_cur=(0, 0.2), ylim_mem=(0, 0.6),
                              title="Lapicque's Neuron Model With Input Pulse: x1/2 pulse width",
                              save=out / "05_pulse_half.png")
    plot.current_and_membrane(cur3, mem3, vlines=(10, 15), ylim_cur=(0, 0.2), ylim_mem=(0, 0.6),
                              title="Lapicque's Neuron Model With Input Pulse: x1/4 pulse width",
                              save=out / "06_pulse_quarter.png")
    plot.compare_pulses([cur1, cur2, cur3], [mem1, mem2, mem3],
                        labels=["width 20", "width 10", "width 5"], vlines=(10, 15, 20, 30),
                        title="Lapicque's Neuron Model With Input Pulse: Varying inputs",
                        save=out / "07_pulse_comparison.png")
    print(f"peak membrane for pulses of width 20, 10, 5: "
          f"{mem1.max():.4f}, {mem2.max():.4f}, {mem3.max():.4f} V")
    cur4 = steps((0, 10), (0.5, 1), (0, 189))
    mem4, _ = simulate(lif1, cur4, 0.0)
    plot.current_and_membrane(cur4, mem4, vlines=(10,), ylim_mem=(0, 0.6),
                              title="Lapicque's Neuron Model With Input Spike",
                              save=out / "08_input_spike.png")

    # -- 3.4 firing: no reset, then reset by subtraction ------------------------------------------
    cur = steps((0, 10), (0.2, 190))
    lif_none = ld.models.Lapicque(R=5.1, C=5e-3, time_step=1e-3, reset_mechanism="none")
    mem, spk = simulate(lif_none, cur, 0.0)
    print(f"without reset: {int(spk.sum())} spikes (the membrane stays above threshold)")
    plot.current_membrane_spikes(cur, mem, spk, threshold=1.0, vline=109, ylim_mem=(0, 1.3),
                                 title="LIF Neuron Model With Uncontrolled Spiking",
                                 save=out / "09_uncontrolled_spiking.png")
    lif2 = ld.models.Lapicque(R=5.1, C=5e-3, time_step=1e-3)
    print(f"Membrane potential time constant: {lif2.R * lif2.C:.3f}s")
    mem, spk = simulate(lif2, cur, 0.0)
    first = int(np.flatnonzero(spk)[0])
    print(f"spikes at steps 105..114: {spk[105:115]}; first spike at step {first}")
    plot.current_membrane_spikes(cur, mem, spk, threshold=1.0, vline=109, ylim_mem=(0, 1.3),
                                 title="LIF Neuron Model With Reset",
                                 save=out / "10_with_reset.png")
    plot.current_membrane_spikes(cur, mem, spk, threshold=1.0, vline=109, ylim_mem=(0, 1.3),
                                 title="Lapicque Neuron Model With Step Input",
                                 save=out / "11_lapicque_step.png")
    cur = steps((0, 10), (0.3, 190))
    mem, spk = simulate(lif2, cur, 0.0)
    print(f"current 0.3: {int(spk.sum())} spikes")
    plot.current_membrane_spikes(cur, mem, spk, threshold=1.0, ylim_mem=(0, 1.3),
                                 title="Lapicque Neuron Model With Periodic Firing",
                                 save=out / "12_periodic_firing.png")
    lif3 = ld.models.Lapicque(R=5.1, C=5e-3, time_step=1e-3, threshold=0.5)
    mem, spk = simulate(lif3, cur, 0.0)
    print(f"threshold 0.5, current 0.3: {int(spk.sum())} spikes")
    plot.current_membrane_spikes(cur, mem, spk, threshold=0.5, ylim_mem=(0, 1.3),
                                 title="Lapicque Neuron Model With Lower Threshold",
                                 save=out / "13_lower_threshold.png")

    # -- 3.5 spike inputs ---------------------------------------------------------------------
    ld.seed(0)
    spk_in = (ld.core.random.get_rng().random(NUM_STEPS) < 0.4).astype(float)
    print(f"There are {int(spk_in.sum())} total spikes out of {len(spk_in)} time steps.")
    plot.raster(spk_in, title="Input Spikes", save=out / "14_input_spikes.png")
    mem_sub, spk_sub = simulate(lif3, spk_in, 0.5)
    plot.spikes_membrane_spikes(spk_in, mem_sub, spk_sub, threshold=0.5,
                                title="Lapicque's Neuron Model With Input Spikes",
                                save=out / "15_spike_input.png")

    # -- 3.6 reset mechanisms ------------------------------------------------------------------
    lif4 = ld.models.Lapicque(R=5.1, C=5e-3, time_step=1e-3, threshold=0.5,
                              reset_mechanism="zero")
    mem_zero, spk_zero = simulate(lif4, spk_in, 0.5)
    print(f"spike input: {int(spk_sub.sum())} output spikes with subtract reset, "
          f"{int(spk_zero.sum())} with reset to zero")
    plot.reset_comparison(spk_in, mem_sub, spk_sub, mem_zero, spk_zero, threshold=0.5,
                          title="Reset by subtraction vs reset to zero",
                          save=out / "16_reset_comparison.png")
    print(f"figures written to {out}/")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("figures/tutorial2"))
    ap.add_argument("--target", default="auto", choices=["auto", "numpy", "cython"])
    args = ap.parse_args()
    ld.prefs.target = args.target
    main(args.out)
