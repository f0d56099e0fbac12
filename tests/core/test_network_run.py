"""Network and the magic run(): whole steps, continuation, scopes, store/restore, namespaces,
errors."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4


def _decay(N=2, tau_name="tau", **kw):
    return ld.NeuronGroup(N, f"dU/dt = -U/{tau_name} : 1", method="exact", **kw)


@pytest.mark.parametrize("duration", [1.5 * DT, 10.25 * DT, 3e-5, 1e-3 + 1e-7])
def test_duration_not_a_whole_number_of_steps_raises(duration):
    G = _decay(namespace={"tau": 1e-2})
    net = ld.Network(G)
    with pytest.raises(ValueError, match="whole number"):
        net.run(duration)
    assert net.t == 0.0
    with pytest.raises(ValueError):
        ld.run(duration)


@pytest.mark.parametrize("n", [1, 3, 10, 1000])
def test_whole_step_durations_run_exactly_n_steps(n):
    tau = 1e-2
    G = _decay(1, namespace={"tau": tau})
    G.U = 1.0
    net = ld.Network(G)
    net.run(n * DT)
    assert net.t == pytest.approx(n * DT, rel=1e-12)
    assert G.U[0] == pytest.approx(np.exp(-n * DT / tau), rel=1e-12)


def test_negative_duration_raises():
    with pytest.raises(ValueError):
        ld.Network(_decay(namespace={"tau": 1e-2})).run(-DT)


def test_successive_magic_runs_continue_time():
    tau = 5e-3  # noqa: F841 - read by run()
    G = _decay(1)
    G.U = 1.0
    M = ld.StateMonitor(G, "U")
    ld.run(7 * DT)
    ld.run(5 * DT)
    ld.run(1 * DT)
    k = np.arange(13)
    np.testing.assert_allclose(M.t, k * DT, rtol=0, atol=1e-15)
    assert np.all(np.diff(M.t) > 0)  # no duplicate
    np.testing.assert_allclose(M.U[0], np.exp(-k * DT / 5e-3), rtol=1e-12)


def test_successive_network_runs_equal_one_long_run():
    tau = 5e-3
    G1, G2 = _decay(1, namespace={"tau": tau}), _decay(1, namespace={"tau": tau})
    G1.U = G2.U = 1.0
    M1, M2 = ld.StateMonitor(G1, "U"), ld.StateMonitor(G2, "U")
    n1 = ld.Network(G1, M1)
    for steps in (3, 4, 5):
        n1.run(steps * DT)
    ld.Network(G2, M2).run(12 * DT)
    np.testing.assert_array_equal(M1.t, M2.t)
    np.testing.assert_array_equal(M1.U, M2.U)


def test_start_scope_resets_time_and_forgets_objects():
    tau = 5e-3  # noqa: F841
    G_old = _decay(1)
    G_old.U = 1.0
    ld.run(4 * DT)
    u_old = G_old.U.copy()
    ld.start_scope()
    G_new = _decay(1)
    G_new.U = 1.0
    M = ld.StateMonitor(G_new, "U")
    ld.run(3 * DT)
    np.testing.assert_allclose(M.t, np.arange(3) * DT, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(G_old.U, u_old)  # not part of the new scope's runs


def _noisy_network():
    G = ld.NeuronGroup(5, "dU/dt = (RI - U)/tau + (rand() - 0.5)/tau : 1", threshold="U > 1",
                       reset="U = rand()*0.5", method="euler",
                       namespace={"tau": 5e-3, "RI": 1.3})
    M = ld.StateMonitor(G, "U")
    S = ld.SpikeMonitor(G)
    return G, M, S, ld.Network(G, M, S)


def test_store_restore_reproduces_random_traces():
    ld.seed(7)
    G, M, S, net = _noisy_network()
    G.U = "rand()"
    net.run(20 * DT)
    net.store("mid")
    net.run(200 * DT)
    U_a, t_a, spikes_a = M.U[:, 20:].copy(), S.t.copy(), S.i.copy()
    state_a = G.U.copy()
    assert S.num_spikes > 0
    net.restore("mid")
    assert net.t == pytest.approx(20 * DT)
    net.run(200 * DT)
    np.testing.assert_array_equal(M.U[:, 20:], U_a)
    np.testing.assert_array_equal(S.t, t_a)
    np.testing.assert_array_equal(S.i, spikes_a)
    np.testing.assert_array_equal(G.U, state_a)
    # monitors were restored too: no doubled record
    assert M.t.size == 220 and np.all(np.diff(M.t) > 0)


def test_store_to_a_file(tmp_path):
    ld.seed(11)
    G, M, S, net = _noisy_network()
    path = tmp_path / "state.pkl"
    net.store("start", filename=str(path))
    net.store("other", filename=str(path))  # several names in one file
    assert path.exists()
    net.run(100 * DT)
    U_a = M.U.copy()
    G.U = 123.0
    net.restore("start", filename=str(path))
    assert net.t == 0.0 and np.all(G.U == 0.0)
    net.run(100 * DT)
    np.testing.assert_array_equal(M.U, U_a)
    with pytest.raises(KeyError):
        net.restore("never_stored", filename=str(path))


def test_string_assignments_after_restore_see_the_restored_time():
    """Stored after 3 steps and at 0, run to step 10, restored: 't' in a string assignment (of
    a group, a Synapses and a subexpression) is the restored time, not the end of the run."""
    G = ld.NeuronGroup(2, "x : 1\nnow = t/dt : 1", dt=DT)
    S = ld.Synapses(G, G, "w : 1")
    S.connect(j="i")
    net = ld.Network(G, S)
    net.store("zero")
    net.run(3 * DT)
    net.store("three")
    net.run(7 * DT)
    G.x = "t/dt"
    assert G.x.tolist() == [10.0, 10.0]
    net.restore("three")
    G.x = "t/dt"
    S.w = "t/dt + i"
    assert G.x.tolist() == [3.0, 3.0] and S.w.tolist() == [3.0, 4.0]
    assert G.now.tolist() == [3.0, 3.0] and G.t == pytest.approx(3 * DT)
    net.restore("zero")
    G.x = "t/dt"
    assert G.x.tolist() == [0.0, 0.0] and S.t == 0.0


def test_restore_unknown_name_raises():
    net = ld.Network(_decay(namespace={"tau": 1e-2}))
    with pytest.raises(KeyError):
        net.restore("nope")


def test_names_are_resolved_from_the_caller_at_run_time():
    G = _decay(1, tau_name="tau_late")
    G.U = 1.0
    M = ld.StateMonitor(G, "U")
    net = ld.Network(G, M)
    tau_late = 2e-3  # defined after the group was created
    net.run(5 * DT)
    tau_late = 8e-3  # a new value is picked up by the next run  # noqa: F841
    net.run(5 * DT)
    k = np.arange(5)
    first = np.exp(-k * DT / 2e-3)
    second = np.exp(-5 * DT / 2e-3) * np.exp(-k * DT / 8e-3)
    np.testing.assert_allclose(M.U[0], np.r_[first, second], rtol=1e-12)


def test_namespace_argument_wins_over_the_callers_scope():
    tau = 1.0  # noqa: F841 - shadowed by namespace=
    G = _decay(1, namespace={"tau": 2e-3})
    G.U = 1.0
    ld.Network(G).run(5 * DT)
    assert G.U[0] == pytest.approx(np.exp(-5 * DT / 2e-3), rel=1e-12)


def test_unknown_identifier_names_the_identifier_and_the_line():
    G = ld.NeuronGroup(1, "dU/dt = -U/tau : 1\ndV/dt = (U - V)/tau_unknown_x : 1",
                       namespace={"tau": 1e-2})
    net = ld.Network(G)
    with pytest.raises(ld.EquationError) as err:
        net.run(DT)
    msg = str(err.value)
    assert "tau_unknown_x" in msg
    assert "line 2" in msg
    assert "dV/dt = (U - V)/tau_unknown_x" in msg
    assert net.t == 0.0


def test_unknown_identifier_in_threshold_or_reset_is_named():
    G = ld.NeuronGroup(1, "dU/dt = -U/tau : 1", threshold="U > theta_missing",
                       reset="U = 0", namespace={"tau": 1e-2})
    with pytest.raises(ld.EquationError, match="theta_missing"):
        ld.Network(G).run(DT)


def test_monitor_without_its_group_in_the_network_raises():
    G = _decay(namespace={"tau": 1e-2}, name="lonely")
    M = ld.StateMonitor(G, "U")
    with pytest.raises(ValueError, match="lonely"):
        ld.Network(M).run(DT)


def test_objects_with_a_dt_not_a_multiple_of_the_finest_each_take_their_own_steps():
    # (Brian2's order; its numbers: tests/core/test_clocks.py) 0.1 ms and 0.25 ms: after
    # 0.5 ms each did 5 and 2 steps; 0.1 ms more: one more each, the 0.25-ms clock ending at
    # its first tick at or after 0.6 ms (0.75 ms), as Brian2 rounds a run's end up
    tau = 1e-2
    G1 = _decay(namespace={"tau": tau}, dt=1e-4)
    G2 = _decay(namespace={"tau": tau}, dt=2.5e-4)
    G1.U = G2.U = 1.0
    net = ld.Network(G1, G2)
    net.run(5e-4)
    np.testing.assert_allclose([G1.U[0], G2.U[0]], np.exp(-5e-4 / tau), rtol=1e-12)
    net.run(1e-4)
    np.testing.assert_allclose([G1.U[0], G2.U[0]], np.exp(-np.array([6e-4, 7.5e-4]) / tau),
                               rtol=1e-12)
    assert net.t == pytest.approx(6e-4, rel=1e-12)


def test_group_dt_sets_the_clock():
    tau = 1e-2
    G = _decay(1, namespace={"tau": tau}, dt=5e-4)
    G.U = 1.0
    M = ld.StateMonitor(G, "U")
    ld.Network(G, M).run(5e-3)
    np.testing.assert_allclose(M.t, np.arange(10) * 5e-4, rtol=0, atol=1e-15)
    np.testing.assert_allclose(G.U[0], np.exp(-5e-3 / tau), rtol=1e-12)
    with pytest.raises(ValueError):
        ld.Network(G).run(1e-4)  # not a whole number of 0.5 ms steps


def test_run_with_nothing_in_scope_raises():
    with pytest.raises(ValueError):
        ld.run(DT)


@pytest.mark.parametrize("duration, n", [(0.1, 1000), (0.3, 3000), (0.7, 7000), (1.1e-3, 11),
                                         (0.0, 0)])
def test_decimal_durations_that_are_whole_steps_are_accepted(duration, n):
    tau = 0.05
    G = _decay(1, namespace={"tau": tau})
    G.U = 1.0
    net = ld.Network(G)
    net.run(duration)
    assert G.U[0] == pytest.approx(np.exp(-n * DT / tau), rel=1e-9)


def test_magic_store_and_restore():
    tau = 5e-3  # noqa: F841
    ld.seed(3)
    G = ld.NeuronGroup(3, "dU/dt = (rand() - U)/tau : 1", method="euler")
    M = ld.StateMonitor(G, "U")
    ld.run(5 * DT)
    ld.store("a")
    ld.run(5 * DT)
    first = M.U.copy()
    ld.restore("a")
    ld.run(5 * DT)
    assert M.U.shape == (3, 10)
    np.testing.assert_array_equal(M.U, first)


def test_seed_reproduces_a_whole_random_simulation_from_fresh_objects():
    def simulate():
        ld.start_scope()
        ld.seed(99)
        G, M, S, net = _noisy_network()
        G.U = "rand()"
        net.run(100 * DT)
        return M.U.copy(), S.t.copy()

    (U1, t1), (U2, t2) = simulate(), simulate()
    np.testing.assert_array_equal(U1, U2)
    np.testing.assert_array_equal(t1, t2)
    ld.seed(100)
    G, M, S, net = _noisy_network()
    G.U = "rand()"
    net.run(100 * DT)
    assert not np.array_equal(M.U, U1)


def test_error_line_counts_the_lines_of_the_model_string():
    G = ld.NeuronGroup(1, "\n  dU/dt = -U/tau : 1\n\n  # a comment\n  dV/dt = x_unknown : 1\n",
                       namespace={"tau": 1e-2})
    with pytest.raises(ld.EquationError) as err:
        ld.Network(G).run(DT)
    assert "x_unknown" in str(err.value)
    assert "line 5" in str(err.value)
    assert "dV/dt = x_unknown" in str(err.value)
