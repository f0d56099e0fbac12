"""ld.explain as an object: the text as before, the sections as data, LaTeX and Markdown, the
method's own formula and, for exact, the closed form it comes from (evaluated against one step
of the update on both targets)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

import lifdsl as ld
from lifdsl.cli import EXAMPLES, main
from tests.targets import TARGETS

LIF = "tau*dU/dt = -U + R*I"
COUPLED = "tau_m*dU/dt = -U + R*I_s : 1\ndI_s/dt = -I_s/tau_s : 1"

EXPECTED_LATEX = {
    'euler': "\n".join([
        r"\begin{aligned}",
        r"\text{Equations as written:} \\",
        r"&\frac{dU}{dt} \tau = - U + I R \\",
        r"\text{Solved for the derivatives:} \\",
        r"&\frac{dU}{dt} = \frac{- U + I R}{\tau} \\",
        r"\text{Method euler (order 1), for dx/dt = f(x, t), one step from t to t + dt:} \\",
        r"&x_{\mathrm{new}} = x + dt f{\left(x,t \right)} \\",
        r"\text{Discrete update (euler: order 1), one time step dt:} \\",
        r"&U_{\mathrm{new}} = U + \frac{dt \left(- U + I R\right)}{\tau} \\",
        r"&U = U_{\mathrm{new}}",
        r"\end{aligned}",
    ]),
    'exact': "\n".join([
        r"\begin{aligned}",
        r"\text{Equations as written:} \\",
        r"&\frac{dU}{dt} \tau = - U + I R \\",
        r"\text{Solved for the derivatives:} \\",
        r"&\frac{dU}{dt} = \frac{- U + I R}{\tau} \\",
        r"\text{Solution over one step (inputs constant over the step):} \\",
        r"&U(t + dt) = I R + \left(U(t) - I R\right) e^{- \frac{dt}{\tau}} \\",
        r"\text{Discrete update (exact: no step-size error while inputs are constant over the step), one time step dt:} \\",  # noqa: E501
        r"&U_{\mathrm{new}} = I R + \left(U - I R\right) e^{- \frac{dt}{\tau}} \\",
        r"&U = U_{\mathrm{new}}",
        r"\end{aligned}",
    ]),
    'rk4': "\n".join([
        r"\begin{aligned}",
        r"\text{Equations as written:} \\",
        r"&\frac{dU}{dt} \tau = - U + I R \\",
        r"\text{Solved for the derivatives:} \\",
        r"&\frac{dU}{dt} = \frac{- U + I R}{\tau} \\",
        r"\text{Method rk4 (order 4), for dx/dt = f(x, t), one step from t to t + dt:} \\",
        r"&k_{1} = dt f{\left(x,t \right)} \\",
        r"&k_{2} = dt f{\left(x + \frac{k_{1}}{2},t + \frac{dt}{2} \right)} \\",
        r"&k_{3} = dt f{\left(x + \frac{k_{2}}{2},t + \frac{dt}{2} \right)} \\",
        r"&k_{4} = dt f{\left(x + k_{3},t + dt \right)} \\",
        r"&x_{\mathrm{new}} = x + \frac{k_{1} + 2 k_{2} + 2 k_{3} + k_{4}}{6} \\",
        r"\text{Discrete update (rk4: order 4), one time step dt:} \\",
        r"&k_{1,U} = \frac{dt \left(- U + I R\right)}{\tau} \\",
        r"&k_{2,U} = \frac{dt \left(- U - \frac{k_{1,U}}{2} + I R\right)}{\tau} \\",
        r"&k_{3,U} = \frac{dt \left(- U - \frac{k_{2,U}}{2} + I R\right)}{\tau} \\",
        r"&k_{4,U} = \frac{dt \left(- U - k_{3,U} + I R\right)}{\tau} \\",
        r"&U_{\mathrm{new}} = U + \frac{k_{1,U} + k_{4,U} + 2 k_{2,U} + 2 k_{3,U}}{6} \\",
        r"&U = U_{\mathrm{new}}",
        r"\end{aligned}",
    ]),
    'coupled': "\n".join([
        r"\begin{aligned}",
        r"\text{Equations as written:} \\",
        r"&\frac{dU}{dt} \tau_{m} = - U + I_{s} R \\",
        r"&\frac{dI_{s}}{dt} = - \frac{I_{s}}{\tau_{s}} \\",
        r"\text{Solved for the derivatives:} \\",
        r"&\frac{dU}{dt} = \frac{- U + I_{s} R}{\tau_{m}} \\",
        r"&\frac{dI_{s}}{dt} = - \frac{I_{s}}{\tau_{s}} \\",
        r"\text{In matrix form:} \\",
        r"&\frac{d}{dt} \left[\begin{matrix}U\\I_{s}\end{matrix}\right] = \left[\begin{matrix}- \frac{1}{\tau_{m}} & \frac{R}{\tau_{m}}\\0 & - \frac{1}{\tau_{s}}\end{matrix}\right] \left[\begin{matrix}U\\I_{s}\end{matrix}\right] + \left[\begin{matrix}0\\0\end{matrix}\right] \\",  # noqa: E501
        r"\text{Solution over one step (inputs constant over the step):} \\",
        r"&\left[\begin{matrix}U(t + dt)\\I_{s}(t + dt)\\1\end{matrix}\right] = e^{M\,dt} \left[\begin{matrix}U(t)\\I_{s}(t)\\1\end{matrix}\right] \\",  # noqa: E501
        r"&M = \left[\begin{matrix}- \frac{1}{\tau_{m}} & \frac{R}{\tau_{m}} & 0\\0 & - \frac{1}{\tau_{s}} & 0\\0 & 0 & 0\end{matrix}\right] \\",  # noqa: E501
        r"\text{Discrete update (exact: no step-size error while inputs are constant over the step), one time step dt:} \\",  # noqa: E501
        r"&U_{\mathrm{new}} = \left(U + \frac{I_{s} R dt \operatorname{exprel}{\left(dt \left(\frac{1}{\tau_{m}} - \frac{1}{\tau_{s}}\right) \right)}}{\tau_{m}}\right) e^{- \frac{dt}{\tau_{m}}} \\",  # noqa: E501
        r"&I_{s,\mathrm{new}} = I_{s} e^{- \frac{dt}{\tau_{s}}} \\",
        r"&U = U_{\mathrm{new}} \\",
        r"&I_{s} = I_{s,\mathrm{new}}",
        r"\end{aligned}",
    ]),
}


def _latex_is_well_formed(tex: str) -> None:
    """Checks that need no LaTeX: braces balance, environments close in order, no double
    subscript (``x_{a}_{b}``) and no raw underscore outside a subscript."""
    depth = 0
    for ch in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, tex
    assert depth == 0
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", tex):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env
    assert not stack
    assert not re.search(r"_\{[^{}]*\}_", tex)
    assert not re.search(r"_[A-Za-z0-9]{2,}", tex.replace(r"\_", ""))


@pytest.mark.parametrize("key, eqs, method", [
    ("euler", LIF, "euler"), ("exact", LIF, "exact"), ("rk4", LIF, "rk4"),
    ("coupled", COUPLED, "exact")])
def test_to_latex_is_the_expected_derivation(key, eqs, method):
    tex = ld.explain(eqs, method=method, show=False).to_latex()
    assert tex == EXPECTED_LATEX[key]
    _latex_is_well_formed(tex)


def test_str_is_the_plain_text_printed(capsys):
    e = ld.explain(LIF, method="euler")
    printed = capsys.readouterr().out
    assert isinstance(e, str) and str(e) == e.text == printed.rstrip("\n")
    assert str(e).startswith("Equations as written:\n    tau*dU/dt = -U + R*I\n"
                             "Solved for the derivatives:\n    dU/dt = (-U + I*R)/tau\n"
                             "Discrete update (euler: order 1), one time step dt:\n"
                             "    U_new = U + dt*(-U + I*R)/tau\n    U = U_new\n"
                             "Generated code that runs it (numpy):\n")
    assert e.code.strip() and all("    " + ln in str(e) for ln in e.code.splitlines())


def test_sections_are_data():
    e = ld.explain(COUPLED + "\nI_in = 2*I_s : 1", method="rk2", show=False)
    assert e.equations == ("tau_m*dU/dt = -U + R*I_s : 1", "dI_s/dt = -I_s/tau_s : 1",
                           "I_in = 2*I_s : 1")
    assert list(e.solved) == ["U", "I_s"] and list(e.subexpressions) == ["I_in"]
    assert e.solved["I_s"] == -sp.Symbol("I_s", real=True) / sp.Symbol("tau_s", real=True)
    assert e.method == "rk2" and e.order == 2
    assert [str(f) for f in e.method_formula] == [
        "k_1 = dt*f(x, t)", "k_2 = dt*f(x + k_1/2, t + dt/2)", "x_new = x + k_2"]
    assert [s.target for s in e.update.statements][-2:] == ["U_new", "I_s_new"]
    assert e.matrix_form.states == ("U", "I_s") and e.matrix_form.A.shape == (2, 2)
    assert "def state_update" in e.code


def test_euler_formula_and_nonlinear_system_has_no_matrix_form():
    e = ld.explain("dU/dt = -U**2/tau", method="euler", show=False)
    assert [str(f) for f in e.method_formula] == ["x_new = x + dt*f(x, t)"]
    assert e.matrix_form is None


def test_jupyter_representations():
    e = ld.explain(LIF, method="exact", show=False)
    assert e._repr_latex_() == f"$${e.to_latex()}$$"
    md = e._repr_markdown_()
    assert f"$${e.to_latex()}$$" in md and "```python\n" + e.code.rstrip() in md
    assert "Explanation" in repr(e)


@pytest.mark.parametrize("target", TARGETS)
def test_exact_closed_form_is_one_step_of_the_update(target):
    ns = {"tau": 0.02, "R": 5.0, "I": 0.3}
    e = ld.explain(LIF, method="exact", show=False)
    (closed,) = e.method_formula
    assert str(closed) == "U(t + dt) = I*R + (U(t) - I*R)*exp(-dt/tau)"
    names = {s.name: s for s in closed.rhs.free_symbols}
    value = float(closed.rhs.subs({names["U(t)"]: 0.25, names["dt"]: 1e-3,
                                   **{names[k]: v for k, v in ns.items()}}))
    G = ld.NeuronGroup(1, LIF + " : 1\nI : 1", method="exact", dt=1e-3,
                       namespace={k: ns[k] for k in ("tau", "R")})
    G.U, G.I = 0.25, ns["I"]
    ld.Network(G, target=target).run(1e-3)
    assert abs(G.U[0] - value) < 1e-12 and abs(value - 0.25) > 1e-3


@pytest.mark.parametrize("target", TARGETS)
def test_coupled_matrix_solution_is_one_step_of_the_update(target):
    ns = {"tau_m": 0.02, "tau_s": 0.005, "R": 2.0}
    e = ld.explain(COUPLED, method="exact", show=False)
    assert [f.lhs for f in e.method_formula] == ["[U(t + dt), I_s(t + dt), 1]", "M"]
    M = e.method_formula[1].rhs.subs({sp.Symbol(k, real=True): v for k, v in ns.items()})
    Mdt = np.array(M, dtype=float) * 1e-4
    expm, term = np.eye(3), np.eye(3)
    for k in range(1, 30):   # the series converges fast: |M*dt| is 0.02
        term = term @ Mdt / k
        expm = expm + term
    want = expm @ np.array([0.1, 0.7, 1.0])
    G = ld.NeuronGroup(1, COUPLED, method="exact", dt=1e-4, namespace=ns)
    G.U, G.I_s = 0.1, 0.7
    ld.Network(G, target=target).run(1e-4)
    np.testing.assert_allclose([G.U[0], G.I_s[0]], want[:2], rtol=0, atol=1e-12)
    assert abs(G.U[0] - 0.1) > 1e-4


def test_cli_latex_is_to_latex(capsys):
    assert main(["explain", LIF, "--method", "rk4", "--latex"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == EXPECTED_LATEX["rk4"]


def test_cli_help_lists_every_command_with_an_example(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert set(EXAMPLES) == {"explain", "code", "run"}
    for name, example in EXAMPLES.items():
        assert f"  {name:<8} {example}" in out
    assert main(["explain", "--help"]) == 0
    assert "--latex" in capsys.readouterr().out


def test_ld_methods_register_text_as_the_issue_writes_it():
    # ld.methods is part of the clean API (in __all__), register_text reachable from it
    assert "methods" in ld.__all__
    name = "midpoint_via_ld_methods"
    ld.methods.register_text(name, "k = dt*f(x, t)\nx_new = x + dt*f(x + k/2, t + dt/2)", 2)
    try:
        for target in ("numpy", "cython"):
            ld.start_scope()
            G = ld.NeuronGroup(1, "dv/dt = -v/tau : 1", method=name,
                               namespace={"tau": 10 * ld.ms})
            G.v = 1
            ld.Network(G, target=target).run(10 * ld.ms)
            # the midpoint rule on dv/dt = -v/tau, h = dt/tau: v *= 1 - h + h**2/2 a step
            h = 0.1e-3 / 10e-3
            assert abs(float(G.v[0]) - (1 - h + h * h / 2) ** 100) < 1e-12, target
    finally:
        ld.methods.METHODS.pop(name, None)


STDP_LIKE = """
w : 1
dapre/dt = -apre/taupre : 1 (event-driven)
dx/dt = (1 - x)/taux : 1 (clock-driven)
"""


def _value(expr, **values) -> float:
    return float(expr.subs({sp.Symbol(k, real=True): v for k, v in values.items()})
                 .subs({sp.Symbol(k): v for k, v in values.items()}))


def test_synapses_equations_as_a_string_are_explained():
    e = ld.explain(STDP_LIKE, method="euler", show=False)
    text = str(e)
    assert "(event-driven)" in text and "Clock-driven, discrete update (euler: order 1)" in text
    assert "apre_new = apre*exp(-(t - lastupdate)/taupre)" in text
    assert list(e.solved) == ["x"] and e.method == "euler" and e.order == 1
    assert [s.target for s in e.event_driven] == ["apre_new", "apre"]
    tex = e.to_latex()
    _latex_is_well_formed(tex)
    assert r"apre_{\mathrm{new}} = apre e^{- \frac{t - lastupdate}{taupre}}" in tex
    # only synapses take these flags: a NeuronGroup still refuses them
    with pytest.raises(ld.EquationError, match="clock-driven"):
        ld.NeuronGroup(1, "dx/dt = -x/taux : 1 (clock-driven)")


@pytest.mark.parametrize("target", TARGETS)
def test_synapses_explanation_is_what_runs(target):
    # the explanation's statements, evaluated by hand, give the numbers both targets compute
    dt, taupre, taux = 1e-4, 0.02, 0.01
    gen = ld.SpikeGeneratorGroup(1, [0, 0], [1e-3, 4e-3])
    post = ld.NeuronGroup(1, "v : 1")
    S = ld.Synapses(gen, post, STDP_LIKE, on_pre="apre += 1\nv += w", method="euler",
                    namespace={"taupre": taupre * ld.second, "taux": taux * ld.second})
    S.connect()
    S.w = 0.5
    e = ld.explain(S, target=target, show=False)
    spikes = ld.SpikeMonitor(gen)
    ld.Network(gen, post, S, spikes, target=target).run(5e-3)
    t1, t2 = (float(t) for t in spikes.t)
    # clock-driven: the Euler update applied once per step, 50 steps from x = 0
    (x_new,) = [s.expr for s in e.update.statements if s.target == "x_new"]
    x = 0.0
    for _ in range(50):
        x = _value(x_new, x=x, dt=dt, taux=taux)
    assert abs(float(S.x[0]) - x) < 1e-12
    # event-driven: at the second spike apre (1 after the first) decays over t2 - t1, then +1
    (apre_new,) = [s.expr for s in e.event_driven if s.target == "apre_new"]
    apre = _value(apre_new, apre=1.0, t=t2, lastupdate=t1, taupre=taupre) + 1
    assert abs(apre - (np.exp(-(t2 - t1) / taupre) + 1)) < 1e-12
    assert abs(float(S.apre[0]) - apre) < 1e-12
    assert float(post.v[0]) == 1.0
    assert ("cdef" in e.code) == (target == "cython")
