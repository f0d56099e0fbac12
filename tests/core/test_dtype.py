"""dtype='float32': state and records in single precision, close to the float64 results."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4


@pytest.mark.parametrize("method", ["exact", "euler"])
def test_float32_arrays_and_results_close_to_float64(method):
    values = np.r_[np.zeros(20), np.full(200, 0.8)]
    I_in = ld.TimedArray(values, dt=DT)
    eqs = "tau*dU/dt = -U + R*I : 1\nI = I_in(t) : 1\nR : 1 (constant)"
    ns = {"tau": 10e-3, "I_in": I_in}
    G64 = ld.NeuronGroup(4, eqs, method=method, namespace=ns)
    G32 = ld.NeuronGroup(4, eqs, method=method, namespace=ns, dtype="float32")
    for G in (G64, G32):
        G.R = [0.5, 1.0, 1.5, 2.0]
        G.U = "0.1*i"
    assert G32.U.dtype == np.float32 and G32.R.dtype == np.float32
    assert G64.U.dtype == np.float64
    M64, M32 = ld.StateMonitor(G64, "U"), ld.StateMonitor(G32, "U")
    ld.Network(G64, G32, M64, M32).run(200 * DT)
    assert G32.U.dtype == np.float32
    assert M32.U.dtype == np.float32
    assert np.max(np.abs(M32.U.astype(np.float64) - M64.U)) < 1e-5
    assert np.max(np.abs(M64.U)) > 0.5  # a non-trivial trace


def test_float32_spikes_match_float64_for_a_clear_crossing():
    eqs = "tau*dU/dt = -U + RI : 1"
    ns = {"tau": 10e-3, "RI": 2.0}
    gs = [ld.NeuronGroup(1, eqs, threshold="U > 1", reset="U = 0", method="exact",
                         namespace=ns, dtype=d) for d in ("float64", "float32")]
    ss = [ld.SpikeMonitor(g) for g in gs]
    ld.Network(*gs, *ss).run(300 * DT)
    assert ss[0].num_spikes > 2
    np.testing.assert_array_equal(ss[0].t, ss[1].t)


def test_bad_dtype_raises():
    with pytest.raises(ValueError):
        ld.NeuronGroup(1, "dU/dt = -U/tau : 1", dtype="float16")


def test_float32_recorded_element_independent_subexpression_is_a_float32_on_both_targets():
    # a subexpression of t and constants alone: NumPy computes it as a double, the kernel
    # as the float it stores; both record the float (NumPy recorded the double)
    out = {}
    for target in ("numpy", "cython"):
        G = ld.NeuronGroup(2, "dv/dt = -v/tau : 1\ns = exp(t/tau)/3 + c/7 : 1",
                           namespace={"tau": 0.0123, "c": 0.1}, dtype="float32",
                           method="euler")
        M = ld.StateMonitor(G, "s", record=True)
        ld.Network(G, M, target=target).run(2e-3)
        out[target] = M.s[:].copy()
    s = out["numpy"]
    assert np.array_equal(s, s.astype(np.float32))        # float32 values
    t = np.arange(20) * 1e-4
    np.testing.assert_allclose(s[0], np.exp(t / 0.0123) / 3 + 0.1 / 7, rtol=1e-6)
    np.testing.assert_array_equal(s, out["cython"])
