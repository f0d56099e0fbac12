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
