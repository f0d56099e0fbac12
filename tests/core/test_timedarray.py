"""TimedArray sampling, directly and through a NeuronGroup."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4


def test_direct_sampling_on_the_grid_and_after_the_end():
    values = np.array([0.5, -1.0, 2.0, 4.0])
    f = ld.TimedArray(values, dt=DT)
    k = np.arange(4)
    np.testing.assert_array_equal(f(k * DT), values)
    # inside a step the value of its start holds
    np.testing.assert_array_equal(f((k + 0.5) * DT), values)
    np.testing.assert_array_equal(f(np.array([4, 10, 1000]) * DT), [4.0] * 3)
    assert f(0.0) == 0.5


def test_two_dimensional_direct_sampling():
    values = np.arange(12.0).reshape(4, 3)
    f = ld.TimedArray(values, dt=DT)
    assert f(2 * DT, 1) == values[2, 1]
    np.testing.assert_array_equal(f(1 * DT, np.arange(3)), values[1])
    with pytest.raises(TypeError):
        f(0.0)
    with pytest.raises(TypeError):
        ld.TimedArray(np.ones(3), dt=DT)(0.0, 1)


@pytest.mark.parametrize("bad", [np.empty(0), np.ones((2, 2, 2))])
def test_bad_values_raise(bad):
    with pytest.raises(ValueError):
        ld.TimedArray(bad, dt=DT)


def test_bad_dt_raises():
    with pytest.raises(ValueError):
        ld.TimedArray(np.ones(3), dt=0.0)


def _record_input(I_in, n_steps, N=1, expr="I_in(t)"):
    G = ld.NeuronGroup(N, f"dU/dt = I/tau : 1\nI = {expr} : 1", method="exact",
                       namespace={"I_in": I_in, "tau": 1.0})
    M = ld.StateMonitor(G, ["I", "U"])
    ld.Network(G, M).run(n_steps * DT)
    return M


def test_group_sees_values_k_at_step_k_and_the_last_value_after_the_end():
    values = np.array([0.3, 1.0, -2.0, 5.0, 0.25])
    M = _record_input(ld.TimedArray(values, dt=DT), 9)
    np.testing.assert_array_equal(M.I[0], np.r_[values, [values[-1]] * 4])
    # the integral dU/dt = I/tau with the input held over each step (tau = 1 s)
    expected_U = np.r_[0.0, np.cumsum(np.r_[values, [values[-1]] * 3]) * DT]
    np.testing.assert_allclose(M.U[0], expected_U, rtol=0, atol=1e-15)


def test_coarser_timed_array_holds_each_value_for_two_steps():
    values = np.array([1.0, 2.0, 3.0])
    M = _record_input(ld.TimedArray(values, dt=2 * DT), 8)
    np.testing.assert_array_equal(M.I[0], [1, 1, 2, 2, 3, 3, 3, 3])


def test_two_dimensional_input_per_neuron():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(6, 4))
    M = _record_input(ld.TimedArray(values, dt=DT), 6, N=4, expr="I_in(t, i)")
    np.testing.assert_array_equal(M.I, values.T)
    np.testing.assert_allclose(M.U[:, -1], values[:-1].sum(axis=0) * DT, rtol=1e-12)


def test_timed_array_from_caller_scope_at_run_time():
    G = ld.NeuronGroup(1, "dU/dt = I_ext(t)/tau : 1", method="euler", namespace={"tau": 1.0})
    M = ld.StateMonitor(G, "U")
    I_ext = ld.TimedArray([2.0, 4.0], dt=DT)  # noqa: F841 - defined after the group
    ld.Network(G, M).run(3 * DT)
    np.testing.assert_allclose(M.U[0], [0.0, 2.0 * DT, 6.0 * DT], rtol=1e-12)


@pytest.mark.parametrize("target", ["numpy", "cython"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_times_beyond_the_numbers_read_the_ends_on_both_targets(target, dtype):
    # inf reads the last value, -inf and nan the first (NumPy read the first for inf: its
    # cast of floor(inf) to int64 gave the most negative integer)
    f = ld.TimedArray([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]], dt=1e-3)
    g = ld.TimedArray([1.0, 2.0, 3.0], dt=1e-3)
    G = ld.NeuronGroup(4, "x : 1\ny : 1\nT : 1", namespace={"f": f, "g": g}, dtype=dtype)
    G.T = [np.inf, -np.inf, np.nan, 1.5e-3]
    G.run_regularly("x = g(T)\ny = f(T, i % 2)", dt=1e-4)
    ld.Network(G, target=target).run(1e-4)
    np.testing.assert_array_equal(G.x[:], [3.0, 1.0, 1.0, 2.0])
    np.testing.assert_array_equal(G.y[:], [3.0, 10.0, 1.0, 20.0])
    with np.errstate(invalid="raise"):     # and no warning of an invalid cast
        np.testing.assert_array_equal(g(np.array([np.inf, -np.inf, np.nan])), [3.0, 1.0, 1.0])
