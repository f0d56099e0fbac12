"""Statements may not write what is not stored state: a ``(constant)`` parameter, a
subexpression or an external constant, in a group's resets and run_regularly and in synaptic
pathways (``c_post``, a bare target name, ``c_pre``); unknown names suggest the closest one."""

from __future__ import annotations

import pytest

import lifdsl as ld
from lifdsl.units import ms, mV

EQS = """dv/dt = (El - v)/tau : volt
c : volt (constant)
I = v/ohm : amp"""
NS = {"tau": 10 * ms, "El": -65 * mV}


def _group():
    return ld.NeuronGroup(2, EQS, threshold="v > -50*mV", namespace=NS)


@pytest.mark.parametrize("reset, words", [
    ("c = 0*mV", "'c' is a constant parameter"),
    ("I = 0*amp", "'I' is a subexpression"),
    ("El = 0*mV", "'El' is not a variable of the model"),
])
def test_group_statements_refuse_what_is_not_state(reset, words):
    with pytest.raises(ld.EquationError, match=words) as err:
        ld.NeuronGroup(2, EQS, threshold="v > -50*mV", reset=reset, namespace=NS)
    assert reset in str(err.value)          # the line is quoted
    G = _group()
    with pytest.raises(ld.EquationError, match=words):
        G.run_regularly(reset, dt=1 * ms)


@pytest.mark.parametrize("model, on_pre, words", [
    ("w : volt (constant)", "w = 1*mV", "'w' is one of the synapses' variables, a constant"),
    ("w : volt\nq = 2*w : volt", "q = 1*mV", "'q' is one of the synapses' variables, a subexp"),
    ("w : volt", "c_post = 1*mV", "'c' is one of the target's variables, a constant"),
    ("w : volt", "c = 1*mV", "'c' is one of the target's variables, a constant"),
    ("w : volt", "c_pre += w", "'c' is one of the source's variables, a constant"),
    ("w : volt", "I_post = 1*amp", "'I' is one of the target's variables, a subexpression"),
    ("w : volt", "El = w", "'El' is neither a synaptic variable"),
])
def test_pathways_refuse_what_is_not_state(model, on_pre, words):
    G = _group()
    with pytest.raises(ld.EquationError, match=words) as err:
        ld.Synapses(G, G, model, on_pre=on_pre)
    assert on_pre in str(err.value) and "on_pre, line 1" in str(err.value)


@pytest.mark.parametrize("target", ["numpy", "cython"])
def test_writable_targets_still_run(target):
    G = _group()
    G.v = -60 * mV
    S = ld.Synapses(G, G, "w : volt (constant)", on_pre="v_post += w")
    S.connect(j="i")
    S.w = 1 * mV
    ld.Network(G, S, target=target).run(0.2 * ms)
    assert (G.v < -60 * mV).all()


@pytest.mark.parametrize("where, text, suggestion", [
    ("reset", "v = Ell", "did you mean 'El'?"),
    ("threshold", "v > -50*mV + tua*mV/ms", "did you mean 'tau'?"),
])
def test_unknown_names_suggest_the_closest(where, text, suggestion):
    kw = {"threshold": "v > -50*mV", where: text}
    G = ld.NeuronGroup(2, EQS, namespace=NS, **kw)
    with pytest.raises(ld.EquationError, match=suggestion):
        ld.Network(G, target="numpy").run(0.1 * ms)
