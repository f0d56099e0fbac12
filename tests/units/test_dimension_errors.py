"""A corpus of dimension errors across every string entry point: each is an EquationError
that quotes the line, points at a column and names both dimensions (in words and SI units);
the matching forms run. A model without units runs unchecked, as before."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.units import Hz, ms, mV, nA, nS, ohm, pF, second

NS = {"tau": 10 * ms, "El": -65 * mV, "Vt": -50 * mV, "R": 100 * ohm * 1e6, "gl": 10 * nS,
      "C": 200 * pF, "I0": 1 * nA, "sigma": 1 * mV, "f": 10 * Hz}

LIF = "dv/dt = (El - v)/tau : volt"


def _group(eqs=LIF, **kw):
    kw.setdefault("namespace", NS)
    G = ld.NeuronGroup(2, eqs, **kw)
    ld.Network(G, target="numpy").run(0.2 * ms)
    return G


# (equations, keyword arguments, the two dimensions named, the line quoted)
GROUP_ERRORS = [
    ("dv/dt = -v : volt", {}, ("volt/second", "volt"), "dv/dt = -v"),
    ("dv/dt = (El - v) : volt", {}, ("volt/second", "volt"), "(El - v)"),
    ("dv/dt = (El - v)/tau + I0 : volt", {}, ("amp", "volt/second"), "I0"),
    ("dv/dt = (El - v)/tau + I0/tau : volt", {}, ("amp/second", "volt/second"), "I0/tau"),
    ("dv/dt = (El - v)/tau + I0/C*tau : volt", {}, ("volt", "volt/second"), "I0/C*tau"),
    ("dv/dt = (El - v)/tau + R*I0 : volt", {}, ("volt", "volt/second"), "R*I0"),
    ("tau*dv/dt = El - v + I0 : volt", {}, ("amp", "volt"), "I0"),
    ("tau*dv/dt = (El - v)/tau : volt", {}, ("volt/second", "volt"), "(El - v)/tau"),
    ("C*dv/dt = (El - v) : volt", {}, ("volt", "amp"), "C*dv/dt"),
    ("dv/dt = (El - v)/tau + sigma*xi : volt", {}, ("volt/second**0.5", "volt/second"),
     "sigma*xi"),
    ("dv/dt = (El - v)/tau + exp(v)/tau : volt", {}, ("exp", "volt"), "exp(v)"),
    ("dv/dt = (El - v)/tau*log(tau) : volt", {}, ("log", "second"), "log(tau)"),
    ("dv/dt = (El - v)/tau*sin(2*pi*t) : volt", {}, ("sin", "second"), "sin"),
    ("dv/dt = (El - v)/tau*cos(v) : volt", {}, ("cos", "volt"), "cos"),
    ("dv/dt = (El - v)/tau*tanh(v) : volt", {}, ("tanh", "volt"), "tanh"),
    ("dv/dt = (El - v)/tau*exprel(v) : volt", {}, ("exprel", "volt"), "exprel"),
    ("dv/dt = (El - v)/tau + abs(I0) : volt", {}, ("amp", "volt/second"), "abs"),
    ("dv/dt = (El - v)/tau*v**tau : volt", {}, ("exponent", "second"), "v**tau"),
    ("dv/dt = (El - v)/tau*2**v : volt", {}, ("exponent", "volt"), "2**v"),
    ("dv/dt = clip(v, El, tau)/tau : volt", {}, ("second", "volt"), "clip"),
    ("dv/dt = (El - v)/tau : volt\nI = v/R + tau : amp", {}, ("second", "amp"), "tau"),
    ("dv/dt = (El - v)/tau : volt\nI = v : amp", {}, ("volt", "amp"), "I = v"),
    ("dv/dt = (El - v)/tau : volt\nw = v*gl : volt", {}, ("amp", "volt"), "w = v*gl"),
    ("dv/dt = (El - v)/tau + I/C : volt\nI : volt", {}, ("volt/second", "amp"), "I/C"),
    ("dv/dt = (El - v)/tau + g*v : volt\ng : siemens", {}, ("amp", "volt/second"), "g*v"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > 1*nA"}, ("amp", "volt"), "v > 1*nA"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > tau"}, ("second", "volt"), "v > tau"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > Vt and t > 1*mV"}, ("second", "volt"),
     "t > 1*mV"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > Vt + 1"}, ("dimensionless", "volt"),
     "Vt + 1"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v + Vt > Vt*2 + tau"}, ("second", "volt"),
     "tau"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > Vt", "reset": "v = tau"},
     ("second", "volt"), "v = tau"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > Vt", "reset": "v = 0*mV\nv += 1*nA"},
     ("amp", "volt"), "v += 1*nA"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > Vt", "reset": "v -= I0"},
     ("amp", "volt"), "v -= I0"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > Vt", "reset": "v *= 2*mV"},
     ("dimensionless", "volt"), "v *= 2*mV"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > Vt", "reset": "v /= tau"},
     ("dimensionless", "second"), "v /= tau"),
    ("dv/dt = (El - v)/tau : volt", {"threshold": "v > Vt", "reset": "v = El + 5"},
     ("dimensionless", "volt"), "v = El + 5"),
    ("dv/dt = (El - v)/tau : volt\nw : amp", {"threshold": "v > Vt", "reset": "w = v"},
     ("volt", "amp"), "w = v"),
    ("dv/dt = (El - v)/tau : volt (unless refractory)",
     {"threshold": "v > Vt", "reset": "v = El", "refractory": "2*mV"},
     ("second", "volt"), "2*mV"),
    ("dv/dt = (El - v)/tau : volt (unless refractory)",
     {"threshold": "v > Vt", "reset": "v = El", "refractory": "v > tau"},
     ("second", "volt"), "v > tau"),
    ("dv/dt = (El - v)/tau : volt (unless refractory)",
     {"threshold": "v > Vt", "reset": "v = El", "refractory": "tau*El/mV + v"},
     ("volt", "second"), "tau*El/mV + v"),
]


@pytest.mark.parametrize(("eqs", "kw", "dims", "quoted"), GROUP_ERRORS,
                         ids=[f"group{k}" for k in range(len(GROUP_ERRORS))])
def test_group_dimension_errors(eqs, kw, dims, quoted):
    with pytest.raises(ld.EquationError) as err:
        _group(eqs, **kw)
    text = str(err.value)
    for d in dims:
        assert d in text, text
    assert quoted in text and "^" in text and "line " in text, text
    assert err.value.column is not None


REGULAR_ERRORS = [
    ("v += 1*nA", ("amp", "volt")),
    ("v = v*tau", ("volt*second", "volt")),
    ("v = El\nv += t", ("second", "volt")),
    ("v *= exp(t)", ("exp", "second")),
    ("v = El*sin(f)", ("sin", "hertz")),
]


@pytest.mark.parametrize(("code", "dims"), REGULAR_ERRORS)
def test_run_regularly_dimension_errors(code, dims):
    G = ld.NeuronGroup(2, LIF, namespace=NS)
    G.run_regularly(code)
    with pytest.raises(ld.EquationError) as err:
        ld.Network(G, target="numpy").run(0.2 * ms)
    text = str(err.value)
    assert all(d in text for d in dims) and "run_regularly" in text and "^" in text, text


ASSIGN_ERRORS = [
    ("tau", ("second", "volt")),
    ("El + 1*nA", ("amp", "volt")),
    ("El*rand()*ms", ("volt*second", "volt")),
    ("rand()", ("dimensionless", "volt")),
    ("El + exp(El)*mV", ("exp", "volt")),
    ("El*i*t", ("volt*second", "volt")),
]


@pytest.mark.parametrize(("value", "dims"), ASSIGN_ERRORS)
def test_string_assignment_dimension_errors(value, dims):
    G = ld.NeuronGroup(3, LIF, namespace=NS)
    with pytest.raises(ld.EquationError) as err:
        G.v = value
    text = str(err.value)
    assert all(d in text for d in dims) and value.split("*")[0] in text and "^" in text, text


SYNAPSE_ERRORS = [
    ("w : volt", "v_post += 1*nA", ("amp", "volt")),
    ("w : volt", "v_post += w*2*ms", ("volt*second", "volt")),
    ("w : amp", "v_post += w", ("amp", "volt")),
    ("w : volt", "w = tau", ("second", "volt")),
    ("w : volt", "v += w/ms", ("volt/second", "volt")),
    ("w : volt", "v_post += v_pre*tau", ("volt*second", "volt")),
    ("w : 1", "v_post += w", ("dimensionless", "volt")),
    ("w : volt\ndx/dt = -x : 1 (clock-driven)", "v_post += w", ("hertz", "dimensionless")),
    ("w : volt\ndx/dt = -x/tau : volt (clock-driven)", "v_post += x*w", ("volt**2", "volt")),
    ("w : volt", "v_post += w*exp(v_pre)", ("exp", "volt")),
]


@pytest.mark.parametrize(("model", "on_pre", "dims"), SYNAPSE_ERRORS)
def test_synapse_dimension_errors(model, on_pre, dims):
    G = ld.NeuronGroup(3, LIF, threshold="v > Vt", reset="v = El", namespace=NS)
    S = ld.Synapses(G, G, model, on_pre=on_pre, namespace=NS)
    S.connect(p=1.0)
    with pytest.raises(ld.EquationError) as err:
        ld.Network(G, S, target="numpy").run(0.2 * ms)
    text = str(err.value)
    assert all(d in text for d in dims) and "^" in text, text


def test_corpus_size():
    n = len(GROUP_ERRORS) + len(REGULAR_ERRORS) + len(ASSIGN_ERRORS) + len(SYNAPSE_ERRORS)
    assert n >= 60


# -- what runs --------------------------------------------------------------------------------

@pytest.mark.parametrize("eqs", [
    "dv/dt = (El - v)/tau : volt",
    "tau*dv/dt = El - v + R*I0 : volt",
    "C*dv/dt = gl*(El - v) + I : volt\nI : amp",
    "dv/dt = (El - v)/tau + sigma*xi*tau**-0.5 : volt",
    "dv/dt = (El - v)/tau + exp((v - Vt)/mV)*mV/tau*0 : volt",
    "dv/dt = (El - v)/tau*(1 + sin(2*pi*f*t)) : volt",
    "dv/dt = clip(v, El, Vt)/tau - v/tau + abs(El)/tau*0 : volt",
    "dv/dt = (El - v)/tau : volt\nI = gl*(El - v) : amp\nJ = I**2*R : watt",
    "dv/dt = (El - v)/tau + sqrt(sigma**2/tau)*xi : volt",
])
def test_matching_dimensions_run(eqs):
    _group(eqs, threshold="v > Vt", reset="v = El; v += 0*mV")


def test_plain_numbers_state_no_dimension():
    # a float in namespace= is a number in SI units of whatever is needed (lifdsl's
    # convention before units were checked): the API.md example keeps running
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + R*I : volt\nI : amp\nR : ohm (constant)",
                       threshold="U > U_thr", reset="U -= U_thr",
                       namespace={"tau": 20 * ms, "U_thr": 1.0})
    ld.Network(G, target="numpy").run(1 * ms)


def test_unitless_model_runs_unchecked():
    G = ld.NeuronGroup(2, "dU/dt = -U/tau + I : 1\nI : 1", threshold="U > 1", reset="U = 0",
                       namespace={"tau": 5e-3})
    G.I = 300.0
    ld.Network(G, target="numpy").run(2e-3)
    assert isinstance(G.U[:], np.ndarray)


def test_assigning_a_constant_parameter_is_an_error():
    with pytest.raises(ld.EquationError, match="constant"):
        ld.NeuronGroup(1, "dv/dt = -v/tau : volt\nc : volt (constant)", threshold="v > c",
                       reset="c = 0*mV", namespace=NS)


def test_unknown_identifier_suggests_the_closest_name():
    with pytest.raises(ld.EquationError, match="did you mean 'tau'"):
        _group("dv/dt = (El - v)/tua : volt")


def test_quantity_of_the_wrong_dimension_is_refused():
    G = ld.NeuronGroup(2, LIF, namespace=NS)
    G.v = -70 * mV
    assert np.allclose(np.asarray(G.v[:]), -0.07)
    with pytest.raises(ld.units.DimensionMismatchError, match="volt"):
        G.v = 3 * second
    G.v = 0                                  # zero fits any dimension
