"""Threshold, reset and refractoriness against spike times derived in closed form.

Brian2's order: in step k (t = k*dt) the state goes to t = (k+1)*dt, then the threshold is
tested; a spike found there is stamped k*dt and the reset writes the state at (k+1)*dt.
"""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4
N_REF = 20  # refractory period in steps
T_REF = N_REF * DT


def _rise(j, RI, tau):
    """Exact LIF membrane j steps after starting from U = 0 with constant drive."""
    return RI * (1.0 - np.exp(-np.asarray(j) * DT / tau))


def _steps_to_cross(RI, tau, thr=1.0):
    """Smallest n >= 1 with U(n*dt) > thr when starting from 0 (closed form, continuous time)."""
    t_star = -tau * np.log(1.0 - thr / RI)
    n = int(np.ceil(t_star / DT))
    # guard against the crossing lying on a grid point: pick the first strict exceedance
    while not _rise(n, RI, tau) > thr:
        n += 1
    assert _rise(n - 1, RI, tau) <= thr
    return n


def _lif(RI, tau, flag=True, refractory=T_REF, **kw):
    unless = " (unless refractory)" if flag else ""
    G = ld.NeuronGroup(1, f"tau*dU/dt = -U + RI : 1{unless}", threshold="U > 1", reset="U = 0",
                       refractory=refractory, method="exact",
                       namespace={"tau": tau, "RI": RI, **kw.pop("namespace", {})}, **kw)
    M = ld.StateMonitor(G, "U")
    S = ld.SpikeMonitor(G)
    return G, M, S


def test_first_spike_and_intervals_with_unless_refractory():
    RI, tau = 1.5, 10e-3
    n1 = _steps_to_cross(RI, tau)
    assert n1 > 1
    G, M, S = _lif(RI, tau)
    n_steps = 400
    ld.Network(G, M, S).run(n_steps * DT)
    # first spike at step n1-1; after it: held at 0 until the refractory period ends, then
    # the same rise as from t = 0, so every interval is N_REF + (n1 - 1) steps
    period = N_REF + n1 - 1
    first = n1 - 1
    expected_steps = np.arange(first, n_steps, period)
    np.testing.assert_allclose(S.t, expected_steps * DT, rtol=0, atol=1e-15)
    assert S.num_spikes == expected_steps.size >= 3
    np.testing.assert_allclose(np.diff(S.t), period * DT, rtol=1e-9)
    # the trace: rise, reset to 0 at index first+1, held there N_REF steps (indices
    # first+1 .. first+N_REF), then the exact rise again
    U = M.U[0]
    np.testing.assert_allclose(U[: first + 1], _rise(np.arange(first + 1), RI, tau),
                               rtol=0, atol=1e-12)
    assert np.all(U[first + 1: first + 1 + N_REF] == 0.0)
    j = np.arange(n1)
    np.testing.assert_allclose(U[first + N_REF + j], _rise(j, RI, tau), rtol=0, atol=1e-12)


def test_without_flag_membrane_integrates_during_refractoriness_but_no_spike():
    RI, tau = 5.0, 5e-3
    n1 = _steps_to_cross(RI, tau)
    assert n1 < N_REF  # would cross again inside the refractory period
    G, M, S = _lif(RI, tau, flag=False)
    n_steps = 200
    ld.Network(G, M, S).run(n_steps * DT)
    first = n1 - 1
    # reset at index first+1, then free rise from 0; U exceeds 1 long before the refractory
    # period is over, but the next spike waits until the step at lastspike + refractory
    U = M.U[0]
    j = np.arange(N_REF)
    np.testing.assert_allclose(U[first + 1 + j], _rise(j, RI, tau), rtol=0, atol=1e-12)
    assert U[first + 1 + n1] > 1.0  # above threshold while refractory
    expected_steps = np.arange(first, n_steps, N_REF)
    np.testing.assert_allclose(S.t, expected_steps * DT, rtol=0, atol=1e-15)


def test_with_flag_strong_drive_period_is_refractory_plus_rise():
    RI, tau = 5.0, 5e-3
    n1 = _steps_to_cross(RI, tau)
    G, M, S = _lif(RI, tau, flag=True)
    ld.Network(G, M, S).run(200 * DT)
    np.testing.assert_allclose(np.diff(S.t), (N_REF + n1 - 1) * DT, rtol=1e-9)


@pytest.mark.parametrize(
    "refractory",
    [
        pytest.param("t_ref", id="bare-name"),
        pytest.param("n_ref*dt", id="time-expression"),
        pytest.param("(t - lastspike + dt/2) < t_ref", id="condition"),
    ],
)
def test_refractory_as_string_matches_the_number(refractory):
    RI, tau = 1.5, 10e-3
    G0, M0, S0 = _lif(RI, tau)
    G1, M1, S1 = _lif(RI, tau, refractory=refractory,
                      namespace={"t_ref": T_REF, "n_ref": N_REF})
    ld.Network(G0, M0, S0, G1, M1, S1).run(300 * DT)
    assert S0.num_spikes >= 2
    np.testing.assert_array_equal(S1.t, S0.t)
    np.testing.assert_array_equal(M1.U, M0.U)


def test_refractory_condition_on_state_variables():
    # refractory while U < 0.5 after a first spike: the (unless refractory) membrane is
    # reset to 0 and frozen there, so there is exactly one spike, at the closed-form time
    RI, tau = 1.5, 10e-3
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + RI : 1 (unless refractory)", threshold="U > 1",
                       reset="U = 0", refractory="U < 0.5 and lastspike > 0",
                       method="exact", namespace={"tau": tau, "RI": RI})
    S = ld.SpikeMonitor(G)
    ld.Network(G, S).run(300 * DT)
    np.testing.assert_allclose(S.t, [(_steps_to_cross(RI, tau) - 1) * DT], rtol=0, atol=1e-15)
    assert G.U[0] == 0.0


@pytest.mark.parametrize("N", [1, 3])
def test_threshold_combining_neuron_and_time_conditions(N):
    RI, tau = 1.5, 10e-3
    n_min = 150  # later than the first crossing: the first spike is delayed to step n_min+1
    first = _steps_to_cross(RI, tau) - 1
    assert first < n_min
    G = ld.NeuronGroup(N, "tau*dU/dt = -U + RI : 1", threshold="U > 1 and t > n_min*dt",
                       reset="U = 0", method="exact",
                       namespace={"tau": tau, "RI": RI, "n_min": n_min})
    S = ld.SpikeMonitor(G)
    ld.Network(G, S).run(200 * DT)
    np.testing.assert_allclose(S.t[:N], np.full(N, (n_min + 1) * DT), rtol=0, atol=1e-15)


def test_reset_statements_and_several_neurons_spike_at_their_own_times():
    tau = 10e-3
    RI = np.array([1.2, 1.5, 3.0])
    G = ld.NeuronGroup(3, "tau*dU/dt = -U + RI : 1\nRI : 1 (constant)", threshold="U > 1",
                       reset="U -= 1; U *= 0.5", method="exact", namespace={"tau": tau})
    G.RI = RI
    S = ld.SpikeMonitor(G)
    M = ld.StateMonitor(G, "U")
    ld.Network(G, S, M).run(250 * DT)
    for n in range(3):
        first = _steps_to_cross(RI[n], tau) - 1
        assert S.spike_trains()[n][0] == pytest.approx(first * DT, abs=1e-15)
        # reset: U_after = (U_before - 1)*0.5, with U_before the exact rise at first+1
        assert M.U[n, first + 1] == pytest.approx((_rise(first + 1, RI[n], tau) - 1) * 0.5,
                                                  abs=1e-12)
