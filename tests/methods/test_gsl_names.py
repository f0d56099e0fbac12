"""Brian2's GSL method names run lifdsl's fixed-step stand-in, with a one-line notice."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import lifdsl as ld
from lifdsl import methods
from tests.targets import target  # noqa: F401 - both targets

EQS = "dv/dt = (1 - v)/tau - v**3/tau : 1"   # not linear: no exact method would take it


def _trace(method: str) -> np.ndarray:
    G = ld.NeuronGroup(1, EQS, method=method, namespace={"tau": 5e-3})
    M = ld.StateMonitor(G, "v")
    ld.Network(G, M).run(20e-3)
    return M.v[0]


@pytest.mark.parametrize("name, stand_in", sorted(methods.GSL_METHODS.items()))
def test_gsl_name_runs_its_stand_in_with_a_notice(name, stand_in, caplog):
    methods._noticed.discard(name)
    with caplog.at_level(logging.WARNING, logger="lifdsl"):
        got = _trace(name)
    notices = [r for r in caplog.records if name in r.getMessage()]
    assert len(notices) == 1 and "\n" not in notices[0].getMessage()
    assert repr(stand_in) in notices[0].getMessage()
    np.testing.assert_array_equal(got, _trace(stand_in))
    # rk4 and rk2 differ on this equation, so the stand-in is the one named
    other = "rk2" if stand_in == "rk4" else "rk4"
    assert np.max(np.abs(got - _trace(other))) > 1e-9


def test_the_notice_comes_once_per_name(caplog):
    methods._noticed.discard("gsl_rkck")
    with caplog.at_level(logging.WARNING, logger="lifdsl"):
        methods.resolve("gsl_rkck")
        methods.resolve("gsl_rkck")
    assert sum("gsl_rkck" in r.getMessage() for r in caplog.records) == 1


def test_an_unknown_gsl_name_is_still_an_error():
    with pytest.raises(methods.DiscretizationError, match="'gsl_msbdf'.*known"):
        methods.discretize({"v": methods.sp.Symbol("v")}, "gsl_msbdf")


@pytest.mark.parametrize("name", ["gsl_rk2", "gsl_rkf45"])
def test_linear_equations_under_a_gsl_name_are_integrated_exactly(name):
    """GSL's integrators keep each step within a tolerance; where the equations are linear
    lifdsl integrates them exactly instead (compare_GSL_to_conventional.py asserts the GSL run
    within 1e-6 of Brian2's 'linear' one): v(t) = 1 - exp(-t/tau) from v = 0."""
    G = ld.NeuronGroup(1, "dv/dt = (1 - v)/tau : 1", method=name, namespace={"tau": 0.3e-3})
    M = ld.StateMonitor(G, "v")
    ld.Network(G, M).run(2e-3)
    t = M.t_
    np.testing.assert_allclose(M.v[0], 1 - np.exp(-t / 0.3e-3), rtol=0, atol=1e-14)
    # the fixed-step stand-in would miss the example's 1e-6 (rk4: 5e-5, rk2: ~4e-3 here)
    ld.start_scope()
    H = ld.NeuronGroup(1, "dv/dt = (1 - v)/tau : 1", method=methods.GSL_METHODS[name],
                       namespace={"tau": 0.3e-3})
    N = ld.StateMonitor(H, "v")
    ld.Network(H, N).run(2e-3)
    assert np.max(np.abs(N.v[0] - M.v[0])) > 1e-5


def test_save_step_count_records_one_step_per_dt():
    """method_options={'save_step_count': True} gives Brian2's GSL variable ``_step_count``:
    lifdsl's stand-in takes exactly one step per dt, so it is 1 everywhere (read-only)."""
    G = ld.NeuronGroup(3, "dv/dt = (1 - v)/tau : 1\ntau : second", method="gsl_rk2",
                       method_options={"save_step_count": True})
    G.tau = 1e-3
    M = ld.StateMonitor(G, ["v", "_step_count"], record=True)
    ld.Network(G, M).run(1e-3)
    assert M._step_count.dtype == np.int32 and M._step_count.shape == (3, 10)
    assert np.all(M._step_count == 1)
    np.testing.assert_allclose(M.v[0, -1], 1 - np.exp(-0.9), rtol=1e-13)
    with pytest.raises(ValueError, match="_step_count"):
        ld.StateMonitor(ld.NeuronGroup(1, "dv/dt = -v/(1e-3) : 1", method="gsl_rk2"),
                        "_step_count")
