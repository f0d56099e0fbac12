"""The affine rewrite of state updates (codegen/optimize.py): where it applies, what it names,
and that the numbers stay those of the method's own formula on both targets."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import lifdsl as ld
import lifdsl.core.neurongroup as neurongroup
from lifdsl.codegen.cache import compiler_available
from lifdsl.codegen.optimize import (
    AffineRewrite,
    affine_form,
    affine_rewrite,
    coefficient_values,
)
from lifdsl.equations.functions import exprel, rand, randn, symbol
from lifdsl.equations.statements import Assign

TARGETS = ["numpy", pytest.param("cython", marks=pytest.mark.skipif(
    not compiler_available(), reason="no working C compiler / Cython"))]

v, ge, gi, w, x = (symbol(n) for n in ("v", "ge", "gi", "w", "x"))
dt, t, tau, taue, El = (symbol(n) for n in ("dt", "t", "tau", "taue", "El"))
CONSTANTS = {"dt", "tau", "taue", "El"}

CUBA = """
dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
CUBA_NS = dict(taum=20e-3, taue=5e-3, taui=10e-3, Vt=-50e-3, Vr=-60e-3, El=-49e-3)


def _update(G):
    return G._abstract()["state_updater"]


def _coef_names(expr):
    return sorted(s.name for s in expr.free_symbols if s.name.startswith("_coef"))


# -- affine_form --------------------------------------------------------------------------------

def test_affine_form_finds_every_variable_with_a_neuron_independent_coefficient():
    h = sp.exp(-dt / tau)
    expr = El + (-El + dt * ge * exprel(dt / tau) / tau + dt * gi / tau + v) * h
    terms, b = affine_form(expr, {"v", "ge", "gi"})
    assert [y for y, _ in terms] == [ge, gi, v]
    assert sp.simplify(dict(terms)[v] - h) == 0
    assert sp.simplify(dict(terms)[ge] - dt * exprel(dt / tau) * h / tau) == 0
    assert sp.simplify(b - El * (1 - h)) == 0


def test_affine_form_leaves_out_names_whose_coefficient_depends_on_the_neuron():
    # v multiplies w (both per neuron): neither is linear with a constant coefficient; x is
    terms, b = affine_form(v * sp.exp(-dt * w) + 2 * x, {"v", "w", "x"})
    assert terms == [(x, sp.Integer(2))]
    assert b == v * sp.exp(-dt * w)
    assert affine_form(v * w, {"v", "w"}) is None
    assert affine_form(v**2 + dt, {"v"}) is None
    assert affine_form(sp.exp(v), {"v"}) is None


def test_affine_form_refuses_random_draws_piecewise_and_comparisons():
    assert affine_form(v * rand(0), {"v"}) is None
    assert affine_form(v * tau + randn(1), {"v"}) is None
    assert affine_form(sp.Piecewise((v * tau, v > 0), (v, True)), {"v"}) is None
    assert affine_form(sp.StrictGreaterThan(v, tau), {"v"}) is None
    assert affine_form(sp.floor(v) * tau, {"v"}) is None   # no derivative: not affine
    assert affine_form(tau * dt, {"v"}) is None            # no per-neuron name at all


# -- affine_rewrite on statements ----------------------------------------------------------------

def _cuba_statements():
    h = sp.exp(-dt / tau)
    return [
        Assign("v_new", El + (-El + dt * ge / tau + dt * gi / tau + v) * h),
        Assign("ge_new", ge * sp.exp(-dt / taue)),
        Assign("gi_new", gi * sp.exp(-dt / taue)),
        Assign("v", symbol("v_new")),
        Assign("ge", symbol("ge_new")),
        Assign("gi", symbol("gi_new")),
    ]


def test_rewrite_names_coefficients_of_constants_and_shares_equal_ones():
    rw = affine_rewrite(_cuba_statements(), ["v", "ge", "gi"], {"v", "ge", "gi"}, CONSTANTS)
    targets = [st.target for st in rw.statements]
    assert targets == ["_lin_v", "v", "ge", "gi"]     # v = a*v + _lin_v: in place on NumPy
    lin, vst, gest, gist = rw.statements
    assert {s.name for s in lin.expr.free_symbols} == {"ge", "gi"} | set(_coef_names(lin.expr))
    assert vst.expr.free_symbols == {v, symbol("_lin_v")} | {symbol(n)
                                                            for n in _coef_names(vst.expr)}
    # ge and gi decay with the same factor: one name for both
    assert _coef_names(gest.expr) == _coef_names(gist.expr)
    assert len(rw.coefficients) == 4  # a_v, a_ge = a_gi (same tau here), b, exp(-dt/taue)
    for expr in rw.coefficients.values():
        assert {s.name for s in expr.free_symbols} <= CONSTANTS


def test_rewrite_without_constants_keeps_coefficients_as_expressions():
    stmts = affine_rewrite(_cuba_statements(), ["v", "ge", "gi"], {"v", "ge", "gi"}).statements
    assert not any(_coef_names(st.expr) for st in stmts)
    assert [st.target for st in stmts] == ["_lin_v", "v", "ge", "gi"]


def test_time_dependent_coefficient_stays_an_expression():
    stmts = [Assign("v_new", v * sp.exp(-dt * t / tau) + dt * x), Assign("v", symbol("v_new"))]
    rw = affine_rewrite(stmts, ["v"], {"v", "x"}, CONSTANTS)
    (st,) = rw.statements
    assert st.target == "v"
    assert sp.exp(-dt * t / tau) in st.expr.atoms(sp.exp)   # per step, not per run
    assert list(rw.coefficients.values()) == [dt]           # the coefficient of x


def test_update_reading_a_state_committed_before_its_own_commit_is_left_alone():
    stmts = [Assign("v_new", v * tau + w), Assign("w_new", w * tau), Assign("w", symbol("w_new")),
             Assign("v", symbol("v_new"))]
    # w changes between v_new and v's commit: folding v_new there would read the new w
    rw = affine_rewrite(stmts, ["w", "v"], {"v", "w"}, CONSTANTS)
    assert [st.target for st in rw.statements] == ["v_new", "w", "v"]
    assert rw.statements[2].expr == symbol("v_new")
    # read after w's commit in the first place: the fold reads what the definition read
    stmts = [Assign("w_new", w * tau), Assign("w", symbol("w_new")), Assign("v_new", v * tau + w),
             Assign("v", symbol("v_new"))]
    rw = affine_rewrite(stmts, ["w", "v"], {"v", "w"}, CONSTANTS)
    assert [st.target for st in rw.statements] == ["w", "v"]


def test_gated_commit_of_unless_refractory_is_rewritten_inside_the_gate():
    nr = symbol("not_refractory")
    stmts = [Assign("v_new", v * sp.exp(-dt / tau) + dt * x),
             Assign("v", sp.Piecewise((symbol("v_new"), nr), (v, True)))]
    rw = affine_rewrite(stmts, ["v"], {"v", "x", "not_refractory"}, CONSTANTS)
    (st,) = rw.statements
    assert isinstance(st.expr, sp.Piecewise)
    (val, cond), (other, _) = st.expr.args
    assert cond == nr and other == v
    assert symbol("v_new") not in st.expr.free_symbols
    assert len(rw.coefficients) == 2


def test_coefficient_values_follow_ieee_and_need_no_exceptions():
    coefs = {"_coef0": sp.exp(-dt / tau), "_coef1": 1 / (tau - taue), "_coef2": tau**-1000}
    vals = coefficient_values(coefs, {"dt": 1e-4, "tau": 0.0, "taue": 0.0})
    assert vals["_coef0"] == 0.0               # exp(-inf)
    assert np.isnan(vals["_coef1"]) or np.isinf(vals["_coef1"])
    assert vals["_coef2"] == np.inf
    assert coefficient_values({}, {}) == {}


# -- in groups: where it applies ----------------------------------------------------------------

def test_cuba_group_update_is_affine_with_run_constants():
    G = ld.NeuronGroup(3, CUBA, threshold="v > Vt", reset="v = Vr", refractory=5e-3,
                       method="exact", namespace=CUBA_NS)
    upd = {st.target: st.expr for st in _update(G)}
    assert set(upd) == {"not_refractory", "v", "ge", "gi"}
    assert isinstance(upd["v"], sp.Piecewise)
    value = upd["v"].args[0][0]
    assert value.free_symbols - {symbol(n) for n in _coef_names(value)} == {v, ge, gi}
    assert not value.atoms(sp.Function)           # no exp, no exprel per neuron or per step
    assert all("/" not in str(e) for e in (upd["ge"], upd["gi"], value))


def test_per_neuron_time_constant_is_not_rewritten():
    G = ld.NeuronGroup(3, "dv/dt = -v/tau : 1\ntau : second", method="exact")
    upd = _update(G)
    assert [st.target for st in upd] == ["v_new", "v"]
    assert G._coefficients == {}


def test_noise_is_a_linear_term_but_never_inside_a_coefficient():
    # additive noise: the draw is a per-neuron term of its own, its factor a run constant
    G = ld.NeuronGroup(3, "dv/dt = -v/tau + sigma*xi/tau**0.5 : 1", method="euler",
                       namespace=dict(tau=10e-3, sigma=0.1))
    draw, upd = _update(G)
    assert draw.expr.atoms(randn) and upd.target == "v"
    assert upd.expr.free_symbols - {symbol(n) for n in _coef_names(upd.expr)} == {
        v, symbol(draw.target)}
    # multiplicative noise: v's coefficient would hold the draw, the draw's would hold v
    G = ld.NeuronGroup(3, "dv/dt = -v/tau + sigma*v*xi/tau**0.5 : 1", method="euler",
                       namespace=dict(tau=10e-3, sigma=0.1))
    assert [st.target for st in _update(G)][-2:] == ["v_new", "v"]
    assert G._coefficients == {}


def test_method_temporaries_stay_combined_as_the_method_wrote_them():
    # rk4: v = v + (k1 + 2*k2 + 2*k3 + k4)/6, not expanded into four products (more work, and
    # in float32 other rounding than the targets agreed on)
    G = ld.NeuronGroup(3, "dv/dt = (-v + sqrt(I) + 2)/tau : 1\nI : 1", method="rk4",
                       namespace=dict(tau=10e-3))
    upd = _update(G)
    assert [st.target for st in upd] == ["_k1_v", "_k2_v", "_k3_v", "_k4_v", "v"]
    k = [symbol(f"_k{n}_v") for n in range(1, 5)]
    assert sp.expand(upd[-1].expr - v - (k[0] + 2 * k[1] + 2 * k[2] + k[3]) / 6) == 0
    assert any(isinstance(a, sp.Add) and k[0] in a.free_symbols for a in
               sp.preorder_traversal(upd[-1].expr))


def test_float32_group_gets_coefficients_too():
    """A float32 update is rewritten as a float64 one: coefficients computed once a run in
    doubles, each rounded to float where it multiplies float32 state (NumPy's weak Python
    floats, the kernel's ``(float)`` cast), no exp per element or step."""
    G = ld.NeuronGroup(3, CUBA, method="exact", namespace=CUBA_NS, dtype="float32")
    assert not any(st.expr.atoms(sp.exp) for st in _update(G))
    assert len(G._coefficients) == 6


@pytest.mark.skipif(not compiler_available(), reason="needs a C compiler")
def test_float32_rewritten_update_is_the_same_on_both_targets():
    out = {}
    for target in ("numpy", "cython"):
        ld.seed(3)
        G = ld.NeuronGroup(200, CUBA, threshold="v > Vt", reset="v = Vr", refractory=5e-3,
                           method="exact", namespace=CUBA_NS, dtype="float32", dt=1e-4)
        G.v = "Vr + rand()*(Vt - Vr)"
        G.ge = "rand()*5*mV"
        G.gi = "-rand()*5*mV"
        M = ld.StateMonitor(G, ["v", "ge"], record=True)
        S = ld.SpikeMonitor(G)
        ld.Network(G, M, S, target=target).run(0.03)
        out[target] = (np.asarray(M.v), np.asarray(M.ge), S.i.copy())
    assert out["numpy"][0].dtype == np.float32 and out["numpy"][2].size > 20
    for a, b in zip(out["numpy"], out["cython"], strict=True):
        np.testing.assert_array_equal(a, b)


# -- numbers -------------------------------------------------------------------------------------

def _unrewritten(monkeypatch):
    monkeypatch.setattr(neurongroup, "affine_rewrite",
                        lambda stmts, *a, **k: AffineRewrite(list(stmts)))


def _cuba_run(target, N=50, steps=300, refractory=True, seed=3):
    """A CUBA group with a sinusoidal input into ge (so the rewrite meets changing values)."""
    eqs = CUBA if refractory else CUBA.replace(" (unless refractory)", "")
    G = ld.NeuronGroup(N, eqs + "I : volt\n", threshold="v > Vt", reset="v = Vr",
                       refractory=5e-3 if refractory else False, method="exact",
                       namespace=CUBA_NS, dt=1e-4)
    ld.seed(seed)
    G.v = "Vr + rand()*(Vt - Vr)"
    G.ge = "rand()*5*mV"   # (a model with units: values of strings are dimension-checked)
    G.gi = "-rand()*5*mV"
    G.run_regularly("ge += 0.2*mV*sin(i + t*300*Hz)", when="start")
    M = ld.SpikeMonitor(G)
    ld.Network(G, M, target=target).run(steps * 1e-4)
    return (np.array(G.v[:]), np.array(G.ge[:]), np.array(G.gi[:]),
            np.array(M.i[:]), np.array(M.t[:]))


@pytest.mark.parametrize("refractory", [True, False], ids=["refractory", "plain"])
@pytest.mark.parametrize("target", TARGETS)
def test_one_rewritten_step_is_within_a_few_ulp_of_the_method_formula(target, refractory,
                                                                        monkeypatch):
    new = _cuba_run(target, refractory=refractory, steps=1)
    _unrewritten(monkeypatch)
    old = _cuba_run(target, refractory=refractory, steps=1)
    for a, b in zip(new[:3], old[:3], strict=True):
        np.testing.assert_array_max_ulp(a, b, maxulp=4)


@pytest.mark.parametrize("refractory", [True, False], ids=["refractory", "plain"])
@pytest.mark.parametrize("target", TARGETS)
def test_rewritten_run_keeps_the_spikes_and_values_of_the_method_formula(target, refractory,
                                                                         monkeypatch):
    new = _cuba_run(target, refractory=refractory)
    _unrewritten(monkeypatch)
    old = _cuba_run(target, refractory=refractory)
    np.testing.assert_array_equal(new[3], old[3])   # the same spikes
    np.testing.assert_array_equal(new[4], old[4])
    assert new[3].size > 10
    # rounding differences of each step add up over the ~200 steps v remembers (1/(1 - a_v))
    for a, b in zip(new[:3], old[:3], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)


@pytest.mark.skipif(not compiler_available(), reason="no working C compiler / Cython")
@pytest.mark.parametrize("refractory", [True, False], ids=["refractory", "plain"])
def test_rewritten_update_is_identical_on_both_targets(refractory):
    a = _cuba_run("numpy", refractory=refractory)
    b = _cuba_run("cython", refractory=refractory)
    for x_np, x_cy in zip(a, b, strict=True):
        np.testing.assert_array_equal(x_np, x_cy)


@pytest.mark.parametrize("target", TARGETS)
def test_coefficients_follow_the_namespace_of_each_run(target):
    G = ld.NeuronGroup(1, "dv/dt = (El - v)/tau : 1", method="exact", dt=1e-4)
    net = ld.Network(G, target=target)
    net.run(1e-3, namespace=dict(tau=10e-3, El=1.0))
    v1 = float(G.v[0])
    net.run(1e-3, namespace=dict(tau=5e-3, El=1.0))
    assert v1 == pytest.approx(1 - np.exp(-0.1), rel=1e-12)
    assert float(G.v[0]) == pytest.approx(1 - np.exp(-0.1) * np.exp(-0.2), rel=1e-12)
