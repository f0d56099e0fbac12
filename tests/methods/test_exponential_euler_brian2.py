"""Exponential Euler as Brian2 applies it: Hodgkin-Huxley, Wang-Buzsaki and Morris-Lecar
(whose membrane equation holds ``v`` inside ``tanh``: Brian2 still splits it into ``a*v + b``)
against Brian2 2.9.0's own traces, on both targets.

The expected values were printed by Brian2 2.9.0 (``/tmp/b2env``, NumPy target,
``defaultclock.dt = 0.01*ms``) running the very models below with ``method='exponential_euler'``
and a ``StateMonitor`` of every state; ``k`` is the sample index (t = k*dt)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import lifdsl as ld
from lifdsl.equations.functions import symbol
from lifdsl.methods import DiscretizationError, discretize
from lifdsl.methods.divided_differences import NUMPY_FUNCTIONS
from lifdsl.units import cm, ms, msiemens, mV, nA, siemens, uA, uF, ufarad, umetre
from tests.targets import target  # noqa: F401 - both targets

DT = 0.01 * ms
# relative tolerance: the same formula in another arrangement (A + (x - A)*e^(a dt) vs Brian2's
# (x + B/A)*e^(A dt) - B/A) rounds differently; 2000 steps through spikes keep it near 1e-9
RTOL = 1e-7

_HH = """
dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm : volt
dm/dt = 0.32*(mV**-1)*4*mV/exprel((13.*mV-v+VT)/(4*mV))/ms*(1-m)-0.28*(mV**-1)*5*mV/exprel((v-VT-40.*mV)/(5*mV))/ms*m : 1
dn/dt = 0.032*(mV**-1)*5*mV/exprel((15.*mV-v+VT)/(5.*mV))/ms*(1.-n)-.5*exp((10.*mV-v+VT)/(40.*mV))/ms*n : 1
dh/dt = 0.128*exp((17.*mV-v+VT)/(18.*mV))/ms*(1.-h)-4./(1+exp((40.*mV-v+VT)/(5.*mV)))/ms*h : 1
I : amp
"""  # noqa: E501


def test_hodgkin_huxley_matches_brian2():
    area = 20000 * umetre**2
    ns = dict(Cm=1 * ufarad * cm**-2 * area, gl=5e-5 * siemens * cm**-2 * area, El=-65 * mV,
              EK=-90 * mV, ENa=50 * mV, g_na=100 * msiemens * cm**-2 * area,
              g_kd=30 * msiemens * cm**-2 * area, VT=-63 * mV)
    G = ld.NeuronGroup(2, _HH, method="exponential_euler", namespace=ns, dt=DT)
    G.v, G.m, G.h, G.n = -65 * mV, 0.05, 0.6, 0.32
    G.I = [0.5 * nA, 1 * nA]
    M = ld.StateMonitor(G, ["v", "m", "h", "n"], record=True)
    ld.Network(G, M).run(20 * ms)
    # k: (v of neuron 0, v of neuron 1) in volt, then m, h, n of neuron 1
    brian2 = {
        100: (-0.06523413847655189, -0.0629266252254312, 0.01392005630396903,
              0.7196914189481556, 0.17610616553114677),
        500: (-0.055157182400932814, -0.08357395712818384, 0.0001577934822930903,
              0.4756004853605975, 0.38173893238014667),
        1000: (-0.07727067548870169, -0.058093753310334666, 0.03517320478759646,
               0.96494368176575, 0.043150544729664043),
        1999: (-0.06813012387603899, -0.040429338880799956, 0.7530338978165716,
               0.07790750542493186, 0.7529132807924143),
    }
    for k, want in brian2.items():
        got = (M.v[0][k], M.v[1][k], M.m[1][k], M.h[1][k], M.n[1][k])
        np.testing.assert_allclose(np.asarray(got, float), want, rtol=RTOL, err_msg=f"k={k}")


_WB = """
dv/dt = (-gNa*m**3*h*(v-ENa)-gK*n**4*(v-EK)-gL*(v-EL)+I)/Cm : volt
m = alpha_m/(alpha_m+beta_m) : 1
alpha_m = 0.1/mV*10*mV/exprel(-(v+35*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v+60*mV)/(18*mV))/ms : Hz
dh/dt = 5*(alpha_h*(1-h)-beta_h*h) : 1
alpha_h = 0.07*exp(-(v+58*mV)/(20*mV))/ms : Hz
beta_h = 1./(exp(-0.1/mV*(v+28*mV))+1)/ms : Hz
dn/dt = 5*(alpha_n*(1-n)-beta_n*n) : 1
alpha_n = 0.01/mV*10*mV/exprel(-(v+34*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v+44*mV)/(80*mV))/ms : Hz
I : amp
"""


def test_wang_buzsaki_matches_brian2():
    ns = dict(Cm=1 * uF, gL=0.1 * msiemens, EL=-65 * mV, ENa=55 * mV, EK=-90 * mV,
              gNa=35 * msiemens, gK=9 * msiemens)
    G = ld.NeuronGroup(1, _WB, method="exponential_euler", namespace=ns, dt=DT)
    G.v, G.h, G.n, G.I = -70 * mV, 1, 0, 1 * uA
    M = ld.StateMonitor(G, ["v", "h", "n"], record=True)
    ld.Network(G, M).run(20 * ms)
    brian2 = {100: (-0.06855304477653784, 0.942118041226176, 0.035374873642189886),
              500: (-0.06387331144036504, 0.8194284712392159, 0.08165996403448011),
              1000: (-0.05931673330545087, 0.6892614711979101, 0.1174677098346689),
              1999: (-0.06622919234506466, 0.6756176126879629, 0.13390944388243026)}
    for k, want in brian2.items():
        got = (M.v[0][k], M.h[0][k], M.n[0][k])
        np.testing.assert_allclose(np.asarray(got, float), want, rtol=RTOL, err_msg=f"k={k}")


_ML = """
dv/dt = (I - gL*(v-EL) - gCa*m_inf*(v-ECa) - gK*w*(v-EK))/C : volt
dw/dt = phi*(w_inf - w)*cosh((v-V3)/(2*V4)) : 1
m_inf = 0.5*(1+tanh((v-V1)/V2)) : 1
w_inf = 0.5*(1+tanh((v-V3)/V4)) : 1
I : amp
"""


def test_morris_lecar_matches_brian2():
    ns = dict(C=20 * uF, gL=2 * msiemens, EL=-60 * mV, gCa=4.4 * msiemens, ECa=120 * mV,
              gK=8 * msiemens, EK=-84 * mV, V1=-1.2 * mV, V2=18 * mV, V3=2 * mV, V4=30 * mV,
              phi=0.04 / ms)
    G = ld.NeuronGroup(1, _ML, method="exponential_euler", namespace=ns, dt=DT)
    G.v, G.w, G.I = -60 * mV, 0.0, 100 * uA
    M = ld.StateMonitor(G, ["v", "w"], record=True)
    ld.Network(G, M).run(50 * ms)
    brian2 = {100: (-0.0551757658342822, 0.001106057588802497),
              1000: (-0.024662046800972587, 0.026888108204185676),
              2500: (0.0325223203263676, 0.3703983302562467),
              4999: (-0.05005670135427578, 0.33863633626094963)}
    for k, want in brian2.items():
        got = (M.v[0][k], M.w[0][k])
        np.testing.assert_allclose(np.asarray(got, float), want, rtol=RTOL, err_msg=f"k={k}")


def test_brians_split_with_the_variable_inside_a_function():
    v, tau, dt_ = symbol("v"), symbol("tau"), symbol("dt")
    # Brian2 2.9.0's get_conditionally_linear_system gives (-1/tau, exp(v)/tau) for
    # (exp(v) - v)/tau and (exp(v)/tau, 0) for v*exp(v)/tau: the step reads them at its start
    upd = discretize({"v": (sp.exp(v) - v) / tau}, "exponential_euler")
    step = sp.lambdify([v, tau, dt_], upd.statements[-1].expr, [NUMPY_FUNCTIONS, "numpy"])
    v0, t0, dt = 0.3, 1.0, 0.1
    want = np.exp(v0) + (v0 - np.exp(v0)) * np.exp(-dt / t0)
    assert step(v0, t0, dt) == pytest.approx(want, rel=1e-14)
    upd = discretize({"v": v * sp.exp(v) / tau}, "exponential_euler")
    step = sp.lambdify([v, tau, dt_], upd.statements[-1].expr, [NUMPY_FUNCTIONS, "numpy"])
    assert step(v0, t0, dt) == pytest.approx(v0 * np.exp(np.exp(v0) * dt / t0), rel=1e-14)


@pytest.mark.parametrize("rhs", ["-v**2", "sin(v)"])
def test_what_brian2_refuses_is_refused(rhs):
    # Brian2 2.9.0: "could not be separated into linear components" for both
    v = symbol("v")
    with pytest.raises(DiscretizationError, match="'v'"):
        discretize({"v": sp.sympify(rhs, locals={"v": v})}, "exponential_euler")
