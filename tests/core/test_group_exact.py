"""NeuronGroup with method='exact' (and 'auto') against closed forms computed with NumPy."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4  # the default clock's dt


def _run(G, n_steps, *variables):
    M = ld.StateMonitor(G, list(variables))
    ld.Network(G, M).run(n_steps * DT, level=1)  # names from the test function
    return M


def _lif_step_response(t, U0, tau, RI, t_on):
    """tau*dU/dt = -U + R*I with I switched on at t_on (closed form)."""
    on = np.where(t >= t_on, 1.0 - np.exp(-(t - t_on) / tau), 0.0)
    return U0 * np.exp(-t / tau) + RI * on


def test_exact_lif_step_input_matches_closed_form():
    tau, R, I0, U0, k_on = 10e-3, 2.0, 0.75, 0.3, 10
    vals = np.zeros(300)
    vals[k_on:] = I0
    I_in = ld.TimedArray(vals, dt=DT)  # noqa: F841 - resolved by name at run()
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + R*I : 1\nI = I_in(t) : 1", method="exact")
    G.U = U0
    M = _run(G, 250, "U")
    t = np.arange(250) * DT
    np.testing.assert_allclose(M.t, t, rtol=0, atol=1e-15)
    expected = _lif_step_response(t, U0, tau, R * I0, k_on * DT)
    np.testing.assert_allclose(M.U[0], expected, rtol=0, atol=1e-12)


def test_exact_lif_pulse_input_matches_closed_form():
    tau, R, I0, U0, k_on, k_off = 5e-3, 1.5, 2.0, -0.4, 20, 70
    vals = np.zeros(200)
    vals[k_on:k_off] = I0
    I_in = ld.TimedArray(vals, dt=DT)
    G = ld.NeuronGroup(3, "tau*dU/dt = -U + R*I : 1\nI = I_in(t) : 1", method="exact",
                       namespace={"tau": tau, "R": R, "I_in": I_in})
    G.U = U0
    M = _run(G, 200, "U")
    t = np.arange(200) * DT
    expected = (_lif_step_response(t, U0, tau, R * I0, k_on * DT)
                - _lif_step_response(t, 0.0, tau, R * I0, k_off * DT))
    assert M.U.shape == (3, 200)
    for row in M.U:
        np.testing.assert_allclose(row, expected, rtol=0, atol=1e-12)


def test_exact_singular_integrator_is_a_ramp():
    C, I0, U0, k_on = 0.5e-3, 2.0e-3, 0.25, 7
    vals = np.zeros(60)
    vals[k_on:] = I0
    I_in = ld.TimedArray(vals, dt=DT)  # noqa: F841
    G = ld.NeuronGroup(1, "dU/dt = I/C : 1\nI = I_in(t) : 1", method="exact")
    G.U = U0
    M = _run(G, 50, "U")
    t = np.arange(50) * DT
    expected = U0 + I0 / C * np.maximum(t - k_on * DT, 0.0)
    np.testing.assert_allclose(M.U[0], expected, rtol=0, atol=1e-12)
    assert np.all(np.isfinite(M.U))


def test_exact_lif_with_exponential_current_equal_time_constants():
    tau, R, I0 = 8e-3, 3.0, 0.9
    eqs = """
    tau*dU/dt = -U + R*I : 1
    dI/dt = -I/tau_s : 1
    """
    G = ld.NeuronGroup(1, eqs, method="exact", namespace={"tau": tau, "tau_s": tau, "R": R})
    G.I = I0
    M = _run(G, 300, "U", "I")
    t = np.arange(300) * DT
    assert np.all(np.isfinite(M.U)) and np.all(np.isfinite(M.I))
    np.testing.assert_allclose(M.I[0], I0 * np.exp(-t / tau), rtol=0, atol=1e-12)
    np.testing.assert_allclose(M.U[0], I0 * R * (t / tau) * np.exp(-t / tau), rtol=0, atol=1e-12)


def test_exact_lif_with_exponential_current_distinct_time_constants():
    tau, tau_s, R, I0 = 8e-3, 3e-3, 3.0, 0.9
    eqs = "tau*dU/dt = -U + R*I : 1\ndI/dt = -I/tau_s : 1"
    G = ld.NeuronGroup(1, eqs, method="exact",
                       namespace={"tau": tau, "tau_s": tau_s, "R": R})
    G.I = I0
    M = _run(G, 300, "U")
    t = np.arange(300) * DT
    expected = R * I0 * tau_s / (tau_s - tau) * (np.exp(-t / tau_s) - np.exp(-t / tau))
    np.testing.assert_allclose(M.U[0], expected, rtol=0, atol=1e-12)


def test_auto_picks_exact_for_a_linear_model(caplog):
    ns = {"tau": 10e-3, "R": 2.0, "I": 0.8}
    eqs = "tau*dU/dt = -U + R*I : 1"
    G_auto = ld.NeuronGroup(2, eqs, method="auto", namespace=ns)
    G_exact = ld.NeuronGroup(2, eqs, method="exact", namespace=ns)
    G_euler = ld.NeuronGroup(2, eqs, method="euler", namespace=ns)
    for G in (G_auto, G_exact, G_euler):
        G.U = 0.1
    ms = [ld.StateMonitor(G, "U") for G in (G_auto, G_exact, G_euler)]
    with caplog.at_level(logging.INFO, logger="lifdsl"):
        ld.Network(G_auto, G_exact, G_euler, *ms).run(100 * DT)
    np.testing.assert_array_equal(ms[0].U, ms[1].U)
    assert np.max(np.abs(ms[0].U - ms[2].U)) > 1e-6  # euler differs: the choice matters
    assert any("exact" in r.getMessage() for r in caplog.records)


def test_auto_picks_euler_for_a_nonlinear_model():
    tau, U0 = 10e-3, 0.8
    eqs = "dU/dt = -U**2/tau : 1"
    G_auto = ld.NeuronGroup(1, eqs, method="auto", namespace={"tau": tau})
    G_euler = ld.NeuronGroup(1, eqs, method="euler", namespace={"tau": tau})
    G_auto.U = U0
    G_euler.U = U0
    Ma, Me = ld.StateMonitor(G_auto, "U"), ld.StateMonitor(G_euler, "U")
    ld.Network(G_auto, G_euler, Ma, Me).run(100 * DT)
    np.testing.assert_array_equal(Ma.U, Me.U)
    # the explicit Euler recursion, written out here
    u = np.empty(100)
    u[0] = U0
    for k in range(99):
        u[k + 1] = u[k] - DT * u[k] ** 2 / tau
    np.testing.assert_allclose(Ma.U[0], u, rtol=1e-13, atol=0)
    # and it is not the exact solution U0/(1 + U0 t/tau) to round-off
    t = np.arange(100) * DT
    assert np.max(np.abs(Ma.U[0] - U0 / (1 + U0 * t / tau))) > 1e-6


@pytest.mark.parametrize("method", ["exact", "euler"])
def test_monitor_index_k_is_state_at_k_dt(method):
    # decay only: U(k*dt) is U0*exp(-k dt/tau) (exact) or U0*(1-dt/tau)**k (euler)
    tau, U0 = 4e-3, 1.7
    G = ld.NeuronGroup(1, "dU/dt = -U/tau : 1", method=method, namespace={"tau": tau})
    G.U = U0
    M = _run(G, 40, "U")
    k = np.arange(40)
    expected = U0 * (np.exp(-k * DT / tau) if method == "exact" else (1 - DT / tau) ** k)
    assert M.U[0, 0] == U0
    np.testing.assert_allclose(M.U[0], expected, rtol=1e-12, atol=0)
    # the group holds the state after the last step, t = 40*dt
    np.testing.assert_allclose(G.U[0], U0 * (np.exp(-40 * DT / tau) if method == "exact"
                                              else (1 - DT / tau) ** 40), rtol=1e-12)
