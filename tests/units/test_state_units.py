"""State and monitors carry the model's units: ``G.v``, ``M.v``, ``M.t``, ``sp.t``, ``rate``.

Expected displays and values are Brian2 2.9.0's for the same script (``/tmp/b2env/bin/python``
on this machine, NumPy target, ``repr`` of ``G.v[:]`` etc. printed; the script is the body
of each test with ``from brian2 import *``). Brian2 is not a dependency. Where lifdsl differs
on purpose it says so: a plain number assigned is an SI value (Brian2 refuses ``G.v = -0.07``),
and a model without units gives plain arrays (Brian2's ``M.t`` is always in second).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.core.group import QuantityView, VariableView
from lifdsl.units import (
    DimensionMismatchError,
    Quantity,
    amp,
    get_dimensions,
    hertz,
    ms,
    mV,
    nA,
    second,
    volt,
)

TARGETS = ["numpy", "cython"]

EQS = """dv/dt = (El - v)/tau : volt
I = v/(10*Mohm) : amp
x : 1"""


def _group(n: int = 3):
    return ld.NeuronGroup(n, EQS, threshold="v > -50*mV", reset="v = El", method="exact",
                          namespace={"tau": 10 * ms, "El": -65 * mV})


def test_state_reads_as_a_quantity_view_of_the_array():
    G = _group()
    G.v = -70 * mV
    assert repr(G.v) == "array([-70., -70., -70.]) * mvolt"      # Brian2: same for G.v[:]
    assert repr(G.v[1]) == "-70. * mvolt"                       # Brian2: same
    assert repr(G.v[:2]) == "array([-70., -70.]) * mvolt"
    assert repr(G.I) == "array([-7., -7., -7.]) * namp"          # Brian2: same
    assert repr(G.v_) == "array([-0.07, -0.07, -0.07])"          # Brian2: same
    assert type(G.x) is VariableView and not isinstance(G.x, Quantity)  # Brian2: ndarray
    assert type(G.v_) is VariableView and not isinstance(G.I_, Quantity)
    # no copy: the view is the state array, and so is its plain face
    assert isinstance(G.v, QuantityView) and np.shares_memory(G.v, G._arrays["v"])
    assert np.shares_memory(G.v_, G._arrays["v"]) and np.shares_memory(np.asarray(G.v),
                                                                       G._arrays["v"])
    assert get_dimensions(G.v) is get_dimensions(volt)
    assert repr(np.mean(G.v)) == "-70. * mvolt"                  # Brian2: same
    assert repr(G.v / mV) == "array([-70., -70., -70.])"         # Brian2: same
    assert type(G.v + 1 * mV) is Quantity and type(G.v[:2]) is Quantity  # nothing bound
    q = pickle.loads(pickle.dumps(G.v))
    assert type(q) is Quantity and repr(q) == "array([-70., -70., -70.]) * mvolt"


def test_writes_check_dimensions_and_take_strings():
    G = _group()
    G.v = -70 * mV
    G.v[1:] = -60 * mV
    G.v += 1 * mV
    assert repr(G.v) == "array([-69., -59., -59.]) * mvolt"      # Brian2: same
    with pytest.raises(DimensionMismatchError, match="volt.*second"):
        G.v = 3 * second                                         # Brian2: DimensionMismatchError
    with pytest.raises(DimensionMismatchError, match="volt.*second"):
        G.v[0] = 3 * second                                      # Brian2: DimensionMismatchError
    with pytest.raises(DimensionMismatchError):
        G.v += 1                                                 # Brian2: DimensionMismatchError
    assert repr(G.v) == "array([-69., -59., -59.]) * mvolt"      # left as it was
    G.v_ = -0.07                                                  # Brian2: plain SI, no check
    assert repr(G.v) == "array([-70., -70., -70.]) * mvolt"
    G.v_[0] = -0.06
    assert G.v_[0] == -0.06
    G.v = -0.05   # lifdsl: a plain number is an SI value (Brian2 refuses a unitless -0.05)
    assert repr(G.v[0]) == "-50. * mvolt"
    G.v = "El + i*mV"
    assert repr(G.v) == "array([-65., -64., -63.]) * mvolt"      # Brian2: same
    G.v[:2] = "El"
    assert repr(G.v) == "array([-65., -65., -63.]) * mvolt"
    with pytest.raises(ld.EquationError, match="volt"):
        G.v[0] = "tau"
    sub = G[1:]
    assert repr(sub.v) == "array([-65., -63.]) * mvolt"
    assert repr(sub.v_) == "array([-0.065, -0.063])"
    sub.v[0] = -1 * mV
    sub.v_ = [-0.002, -0.003]
    assert repr(G.v) == "array([-65.,  -2.,  -3.]) * mvolt"
    assert repr(sub.I) == "array([-200., -300.]) * pamp"     # (Brian2 picks pamp too)
    with pytest.raises(DimensionMismatchError):
        sub.v = 1 * amp


@pytest.mark.parametrize("target", TARGETS)
def test_monitors_carry_units(target):
    G = _group()
    G.v = "El + i*mV"
    M = ld.StateMonitor(G, ["v", "I"], record=True)
    H = ld.NeuronGroup(2, "dv/dt = 2*volt/second : volt", threshold="v > 1*mV",
                       reset="v = 0*volt", method="euler")
    sp = ld.SpikeMonitor(H)
    r = ld.PopulationRateMonitor(H)
    S = ld.Synapses(H, G, "w : volt", on_pre="v_post += w")
    S.connect()
    S.w = 2 * mV
    ld.Network(G, M, H, sp, r, S, target=target).run(1 * ms)
    # every expected display below is Brian2's for the same script
    assert repr(M.t[:3]) == "array([  0., 100., 200.]) * usecond"
    assert repr(M.t_[:3]) == "array([0.    , 0.0001, 0.0002])"
    assert M.v.shape == (3, 10)
    assert repr(M.v[0, :2]) == "array([-65., -65.]) * mvolt"
    assert repr(M.v_[0, :2]) == "array([-0.065, -0.065])"
    assert repr(M.I[0, :2]) == "array([-6.5, -6.5]) * namp"
    assert repr(M[0].v[:2]) == "array([-65., -65.]) * mvolt"
    assert repr(M[0].t_[:2]) == "array([0.    , 0.0001])"
    assert repr(sp.t) == "array([0.5, 0.5]) * msecond"
    assert repr(sp.t_) == "array([0.0005, 0.0005])"
    assert repr(sp.spike_trains()[0]) == "array([0.5]) * msecond"
    assert repr(r.rate[:6]) == "array([ 0.,  0.,  0.,  0.,  0., 10.]) * khertz"
    assert repr(r.rate_[:6]) == "array([    0.,     0.,     0.,     0.,     0., 10000.])"
    assert repr(r.t[:2]) == "array([  0., 100.]) * usecond"
    assert repr(S.w) == "array([2., 2., 2., 2., 2., 2.]) * mvolt"
    assert repr(S.w_) == "array([0.002, 0.002, 0.002, 0.002, 0.002, 0.002])"
    # (lifdsl's gaussian window spans 4 standard deviations, Brian2's 2: values differ by
    # ~2 %; what is checked here is the unit, and that a width in ms is that many seconds)
    smooth = r.smooth_rate(width=0.2 * ms)
    assert get_dimensions(smooth) is get_dimensions(hertz)
    np.testing.assert_array_equal(np.asarray(smooth), np.asarray(r.smooth_rate(width=2e-4)))
    assert np.asarray(smooth).max() > 1000
    with pytest.raises(DimensionMismatchError):
        r.smooth_rate(width=1 * mV)
    with pytest.raises(DimensionMismatchError):
        _ = M.v > -0.07          # a quantity compares with quantities (as in Brian2)
    assert (M.v > -70 * mV).all() and (M.I < 0 * nA).all()


def test_monitor_records_are_views_not_copies():
    G = _group(1000)
    M = ld.StateMonitor(G, "v", record=True)
    ld.Network(G, M, target="numpy").run(0.5 * ms)
    assert np.shares_memory(M.v, M.v_) and np.shares_memory(M.t, M.t_)


@pytest.mark.parametrize("target", TARGETS)
def test_a_model_without_units_gives_plain_arrays(target):
    # (Brian2 gives M.t, sp.t and the rate in second and hertz whatever the model; lifdsl
    # keeps a unitless model's records plain, as they were before units)
    Z = ld.NeuronGroup(2, "dU/dt = (2 - U)/(10*ms) : 1", threshold="U > 1", reset="U = 0",
                       method="exact")
    M = ld.StateMonitor(Z, "U", record=True)
    sp = ld.SpikeMonitor(Z)
    r = ld.PopulationRateMonitor(Z)
    ld.Network(Z, M, sp, r, target=target).run(10 * ms)
    for values in (Z.U, M.U, M.t, sp.t, r.rate, r.t, r.smooth_rate(width=1 * ms)):
        assert not isinstance(values, Quantity)
    assert type(Z.U) is VariableView
    np.testing.assert_array_equal(M.t, M.t_)
    np.testing.assert_array_equal(sp.t, sp.t_)
    np.testing.assert_array_equal(r.rate, r.rate_)
    assert sp.t.size == 2 and sp.t[0] == pytest.approx(10 * np.log(2) * 1e-3, abs=1e-4)
