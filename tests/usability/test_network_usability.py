"""Running, monitors, store/restore, seed, clocks: a Brian2 script's life cycle."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

from ._helpers import needs_cython


def _group(name=None, **kw):
    return ld.NeuronGroup(2, "dU/dt = (1.5 - U)/tau : 1", threshold="U > 1", reset="U = 0",
                          namespace={"tau": 0.01}, name=name, **kw)


# -- what works ---------------------------------------------------------------------------------


def test_duration_not_a_multiple_of_dt_is_an_error():
    net = ld.Network(_group(dt=1e-4), target="numpy")
    with pytest.raises(ValueError, match="whole number of time steps"):
        net.run(1.5e-4)
    assert net.t == 0


def test_negative_duration_is_an_error():
    with pytest.raises(ValueError, match="negative"):
        ld.Network(_group(), target="numpy").run(-1e-3)


def test_int_duration_is_seconds():
    G = _group(dt=0.1)
    net = ld.Network(G, target="numpy")
    net.run(1)
    assert net.t == pytest.approx(1.0)


def test_magic_run_without_objects_is_an_error():
    with pytest.raises(ValueError, match="no lifdsl objects"):
        ld.run(1e-3)


def test_defaultclock_change_between_runs_keeps_time_going():
    ld.defaultclock.dt = 1e-4
    try:
        G = _group()
        M = ld.StateMonitor(G, "U", record=[0])
        net = ld.Network(G, M, target="numpy")
        net.run(1e-3)
        ld.defaultclock.dt = 2e-4
        net.run(1e-3)
        assert net.t == pytest.approx(2e-3)
        assert M.t.size == 15 and np.all(np.diff(M.t) > 0)
    finally:
        ld.defaultclock.dt = 1e-4


def test_objects_with_a_dt_not_a_multiple_of_the_finest_each_run_as_alone():
    # (Brian2's order for such clocks, with its numbers: tests/core/test_clocks.py) a group on
    # 0.25 ms next to one on 0.1 ms takes the very steps it takes alone
    fine, coarse = _group(dt=1e-4, method="euler"), _group(dt=2.5e-4, method="euler")
    fine.U, coarse.U = [0.0, 0.5], [0.0, 0.5]
    ld.Network(fine, coarse, target="numpy").run(3e-3)
    alone = _group(dt=2.5e-4, method="euler")
    alone.U = [0.0, 0.5]
    ld.Network(alone, target="numpy").run(3e-3)
    np.testing.assert_array_equal(coarse.U, alone.U)
    assert not np.allclose(fine.U, coarse.U, rtol=1e-6)   # (euler: dt matters)


def test_seed_reproduces_string_draws():
    def draws():
        G = ld.NeuronGroup(5, "U : 1")
        G.U = "rand()"
        return G.U.copy()

    ld.seed(42)
    a = draws()
    ld.seed(42)
    b = draws()
    ld.seed(43)
    c = draws()
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_monitor_of_unknown_variable_lists_the_variables():
    with pytest.raises(ValueError, match="has no variable 'V'.*U"):
        ld.StateMonitor(_group(), "V")


@pytest.mark.parametrize("record", [[5], [-1]])
def test_record_out_of_range_is_index_error(record):
    with pytest.raises(IndexError, match="0..1"):
        ld.StateMonitor(_group(), "U", record=record)


def test_indexing_an_unrecorded_neuron_is_index_error():
    M = ld.StateMonitor(_group(), "U", record=[0])
    with pytest.raises(IndexError, match="not recorded"):
        M[1]


def test_monitor_without_its_group_in_the_network():
    G = _group()
    M = ld.StateMonitor(G, "U")
    with pytest.raises(ValueError, match="add it too"):
        ld.Network(M, target="numpy").run(1e-3)


def test_restore_unknown_name_lists_stored_names():
    net = ld.Network(_group(), target="numpy")
    net.store("a")
    with pytest.raises(KeyError, match="'a'"):
        net.restore("b")


def test_adding_objects_between_runs_records_from_the_current_time():
    G = _group(dt=1e-4)
    net = ld.Network(G, target="numpy")
    net.run(1e-3)
    G2 = _group(dt=1e-4)
    M = ld.StateMonitor(G2, "U")
    net.add(G2, M)
    net.run(1e-3)
    assert M.t[0] == pytest.approx(1e-3) and M.t.size == 10


# -- bugs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("duration", [float("nan"), float("inf")])
def test_nan_or_inf_duration_is_a_clear_error(duration):
    with pytest.raises(ValueError, match="duration"):
        ld.Network(_group(), target="numpy").run(duration)


def test_duplicate_names_in_a_network():
    A = _group("dup")
    B = _group("dup")
    A.U = 0.1
    B.U = 0.9
    try:
        net = ld.Network(A, B, target="numpy")
        net.store("s")
    except ValueError:
        return  # refusing duplicate names (as Brian2 does) is fine
    A.U = 0.5
    B.U = 0.5
    net.restore("s")
    assert A.U.tolist() == [0.1, 0.1] and B.U.tolist() == [0.9, 0.9]


def test_failed_restore_leaves_the_network_unchanged():
    G = _group(dt=1e-4)
    net = ld.Network(G, target="numpy")
    net.run(1e-3)
    net.store("a")
    net.add(_group(dt=1e-4))
    net.run(1e-3)
    G.U = 0.77
    with pytest.raises(KeyError):
        net.restore("a")
    assert net.t == pytest.approx(2e-3)
    assert G.U.tolist() == [0.77, 0.77]


def test_statemonitor_true_records_every_variable():
    M = ld.StateMonitor(_group(), True)
    assert M.record_variables == ["U"]


def test_non_integer_record_indices_are_refused():
    with pytest.raises((TypeError, ValueError, IndexError)):
        ld.StateMonitor(_group(), "U", record=[0.7])


def test_monitor_indexed_with_a_name_is_a_clear_error():
    M = ld.StateMonitor(_group(), "U")
    with pytest.raises((TypeError, IndexError), match="neuron"):
        M["U"]


def _rate_monitor_after_run():
    G = _group(dt=1e-4)
    R = ld.PopulationRateMonitor(G)
    ld.Network(G, R, target="numpy").run(1e-2)
    return R


def test_smooth_rate_keeps_the_shape_of_rate():
    R = _rate_monitor_after_run()
    assert R.smooth_rate(width=1.0).shape == R.rate.shape


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("width", [0.0, -1e-3, float("nan")])
def test_smooth_rate_bad_width_is_a_clear_error(width):
    R = _rate_monitor_after_run()
    with pytest.raises(ValueError, match="width"):
        R.smooth_rate(width=width)


def test_two_d_timedarray_with_too_few_columns_numpy_refuses():
    ta = ld.TimedArray(np.ones((5, 2)), dt=1e-4)
    G = ld.NeuronGroup(3, "dU/dt = I_in(t, i)/second : 1", namespace={"I_in": ta})
    with pytest.raises(ld.EquationError, match="2 columns"):
        ld.Network(G, target="numpy").run(1e-3)


@needs_cython
def test_two_d_timedarray_with_too_few_columns_cython_refuses():
    # 50 rows so that the stray read stays inside the buffer (it reads the next row)
    ta = ld.TimedArray(np.ones((50, 2)), dt=1e-4)
    G = ld.NeuronGroup(3, "dU/dt = I_in(t, i)/second : 1", namespace={"I_in": ta})
    with pytest.raises((ld.EquationError, IndexError, ValueError)):
        ld.Network(G, target="cython").run(1e-3)
