"""Every experiment of snnTorch Tutorial 2 against the traces of the real snnTorch.

float64 runs must match the ``_run64`` keys to 1e-12 with identical spike steps; float32 runs
must match the tutorial's own float32 numbers to 1e-6. Both faces are tested: the generic
NeuronGroup written as the tutorial's equation, and the preset stepper ``lif(cur, mem)``.
"""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

# key -> (R, C, threshold, reset_mechanism, mem0)
CASES = {
    "b_nostim": (5.0, 1e-3, 1.0, "subtract", 0.9),
    "c_step": (5.0, 1e-3, 1.0, "subtract", 0.0),
    "d_pulse1": (5.0, 1e-3, 1.0, "subtract", 0.0),
    "d_pulse2": (5.0, 1e-3, 1.0, "subtract", 0.0),
    "d_pulse3": (5.0, 1e-3, 1.0, "subtract", 0.0),
    "d_pulse4": (5.0, 1e-3, 1.0, "subtract", 0.0),
    "e_lif2_i0p2": (5.1, 5e-3, 1.0, "subtract", 0.0),
    "e_lif2_i0p3": (5.1, 5e-3, 1.0, "subtract", 0.0),
    "e_lif3_i0p3": (5.1, 5e-3, 0.5, "subtract", 0.0),
    "f_lif3": (5.1, 5e-3, 0.5, "subtract", 0.5),
    "g_lif4_zero": (5.1, 5e-3, 0.5, "zero", 0.5),
}
RESET_STRING = {"subtract": "U -= U_thr", "zero": "U = 0", "none": None}
DT = 1e-3


def _current(ref, key, suffix):
    if key.startswith(("f_", "g_")):
        return ref["f_spk_in" + suffix]
    return ref[key + "_cur" + suffix]


def _run_group(cur, R, C, thr, reset, mem0, dtype):
    """The tutorial's neuron written as equations, run in snnTorch's order."""
    G = ld.NeuronGroup(
        1,
        """tau*dU/dt = -U + R*I : 1
           I = I_in(t) : 1""",
        threshold="U > U_thr",
        reset=RESET_STRING[reset],
        method="euler",
        dt=DT,
        dtype=dtype,
        namespace={"tau": R * C, "R": R, "U_thr": thr, "I_in": ld.TimedArray(cur, dt=DT)},
    )
    G.thresholder.when = "start"
    G.U = mem0
    M = ld.StateMonitor(G, "U", record=True)
    S = ld.SpikeMonitor(G)
    ld.Network(G, M, S).run((len(cur) + 1) * DT)
    spk = np.zeros(len(cur) + 1)
    spk[np.rint(S.t / DT).astype(int)] = 1
    return M.U[0], spk


def _run_stepper(cur, R, C, thr, reset, mem0, dtype):
    lif = ld.models.Lapicque(R=R, C=C, time_step=DT, threshold=thr, reset_mechanism=reset)
    mem = np.array([mem0], dtype=dtype)
    mems, spks = [mem[0]], [0.0]
    for k in range(len(cur)):
        spk, mem = lif(np.array([cur[k]], dtype=dtype), mem)
        mems.append(mem[0])
        spks.append(spk[0])
    return np.array(mems), np.array(spks)


@pytest.mark.parametrize("route", [_run_group, _run_stepper], ids=["group", "stepper"])
@pytest.mark.parametrize("key", sorted(CASES))
def test_float64_matches_snntorch_run64(ref, key, route):
    R, C, thr, reset, mem0 = CASES[key]
    mem, spk = route(_current(ref, key, "_run64"), R, C, thr, reset, mem0, "float64")
    np.testing.assert_allclose(mem, ref[key + "_mem_run64"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.flatnonzero(spk), np.flatnonzero(ref[key + "_spk_run64"]))


@pytest.mark.parametrize("route", [_run_group, _run_stepper], ids=["group", "stepper"])
@pytest.mark.parametrize("key", sorted(CASES))
def test_float32_matches_tutorial_numbers(ref, key, route):
    R, C, thr, reset, mem0 = CASES[key]
    mem, spk = route(_current(ref, key, ""), R, C, thr, reset, mem0, "float32")
    assert mem.dtype == np.float32
    np.testing.assert_allclose(mem, ref[key + "_mem"], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(np.flatnonzero(spk), np.flatnonzero(ref[key + "_spk"]))


def test_tutorial_printed_numbers(ref):
    cur = ref["c_step_cur"]
    mem, _ = _run_group(cur, 5.0, 1e-3, 1.0, "subtract", 0.0, "float32")
    assert float(mem[200]) == pytest.approx(0.4999999403953552, abs=1e-7)
    cur = ref["e_lif2_i0p2_cur_run64"]
    _, spk = _run_group(cur, 5.1, 5e-3, 1.0, "subtract", 0.0, "float64")
    assert np.flatnonzero(spk).tolist() == [int(ref["meta_e_lif2_i0p2_first_spike_index"])]


def test_threshold_equality_does_not_spike(ref):
    """f: the membrane starts exactly at the threshold; snnTorch's strict '>' gives no spike."""
    mem, spk = _run_group(ref["f_spk_in_run64"], 5.1, 5e-3, 0.5, "subtract", 0.5, "float64")
    assert mem[0] == 0.5 and spk[0] == 0
    assert ref["f_lif3_spk_run64"][0] == 0


def test_hand_written_euler_neuron(ref):
    """a: U = U + dt/tau*(-U + I*R) with R=5e7, C=1e-10, U0=0.9, I=0, 100 steps."""
    R, C = 5e7, 1e-10
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + R*I : 1", method="euler", dt=DT,
                       namespace={"tau": R * C, "R": R, "I": 0.0})
    G.U = 0.9
    M = ld.StateMonitor(G, "U", record=True)
    ld.Network(G, M).run(100 * DT)
    np.testing.assert_allclose(M.U[0], ref["a_euler_U"], rtol=0, atol=1e-12)


@pytest.mark.parametrize("reset", ["noreset", "reset"])
def test_hand_written_lif_with_and_without_reset(ref, reset):
    """e_manual: spike from the old membrane, record after the update, subtract 1 on reset."""
    cur = ref["e_manual_cur_run64"]
    mem, spk = _run_group(cur, 5.1, 5e-3, 1.0, "subtract" if reset == "reset" else "none",
                          0.0, "float64")
    np.testing.assert_allclose(mem[1:], ref[f"e_manual_{reset}_mem_run64"], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(np.flatnonzero(spk[:-1]),
                                  np.flatnonzero(ref[f"e_manual_{reset}_spk_run64"]))


def test_magic_run_as_in_the_issue(ref):
    """The issue's own snippet: magic run() of the caller's objects, names from namespace=."""
    cur = ref["e_lif2_i0p2_cur_run64"]
    G = ld.NeuronGroup(1, """tau*dU/dt = -U + R*I : 1
                             I = I_in(t) : 1""",
                       threshold="U > U_thr", reset="U -= U_thr", method="euler", dt=1e-3,
                       namespace={"tau": 5.1 * 5e-3, "R": 5.1, "U_thr": 1.0,
                                  "I_in": ld.TimedArray(cur, dt=1e-3)})
    G.thresholder.when = "start"
    M = ld.StateMonitor(G, "U", record=True)
    S = ld.SpikeMonitor(G)
    ld.run(0.2)
    assert M.U.shape == (1, 200)
    np.testing.assert_allclose(M.U[0], ref["e_lif2_i0p2_mem_run64"][:200], rtol=0, atol=1e-12)
    np.testing.assert_allclose(S.t, [0.109])
    np.testing.assert_allclose(M.t, np.arange(200) * 1e-3)


def test_preset_group_face_matches_stepper(ref):
    cur = ref["e_lif3_i0p3_cur_run64"]
    lif = ld.models.Lapicque(R=5.1, C=5e-3, time_step=1e-3, threshold=0.5,
                             reset_mechanism="zero")
    G = lif.group(3, I="I_in(t)", namespace={"I_in": ld.TimedArray(cur, dt=1e-3)})
    M = ld.StateMonitor(G, "U", record=[0, 2])
    ld.Network(G, M).run(0.2)
    mems, _ = _run_stepper(cur, 5.1, 5e-3, 0.5, "zero", 0.0, "float64")
    np.testing.assert_allclose(M.U, np.vstack([mems[:200], mems[:200]]), rtol=0, atol=1e-15)
