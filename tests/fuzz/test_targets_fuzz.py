"""Differential testing: random models run on the numpy and cython targets must agree.

Each case is a small generated script (``tests/fuzz/gen.py``); a failure prints it, so it can be
pasted and run with ``TARGET = 'numpy'`` or ``'cython'``. Hunting with many more seeds:

    python -c "from tests.fuzz.gen import check_case; print(check_case(1234)[:2])"

Networks with Synapses, PoissonGroup and SpikeGeneratorGroup come from a second generator with
its own seeds (``check_case(seed, synapses=True)``), so the neuron-only seeds keep their cases.

The ``test_bug_*`` tests are minimal reproducers of bugs the fuzzing found (strict xfail: they
start failing, i.e. passing, once the bug is fixed, and should then lose the mark).
"""

from __future__ import annotations

import math
import re
import resource
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available

from .gen import check_case, make_case, make_syn_case

pytestmark = pytest.mark.skipif(not compiler_available(),
                                reason="no working C compiler / Cython")

SEEDS = list(range(30))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_numpy_and_cython_agree(seed):
    status, problems, case = check_case(seed)
    assert status in ("ok", "rejected"), (
        f"seed {seed}: targets disagree:\n  " + "\n  ".join(problems)
        + "\n--- generated script (set TARGET) ---\n" + case.source
    )


SYN_SEEDS = list(range(12))


@pytest.mark.slow
@pytest.mark.parametrize("seed", SYN_SEEDS)
def test_synapse_networks_agree_on_numpy_and_cython(seed):
    status, problems, case = check_case(seed, synapses=True)
    assert status in ("ok", "rejected"), (
        f"synapse seed {seed}: targets disagree:\n  " + "\n  ".join(problems)
        + "\n--- generated script (set TARGET) ---\n" + case.source
    )


# seeds whose models call a generated user function (ld.Function) in their equations, one of
# them (16) in a float32 group: the kernel's calls back into Python must give NumPy's numbers
FUNCTION_SEEDS = [0, 4, 5, 13, 16]


@pytest.mark.slow
@pytest.mark.parametrize("seed", FUNCTION_SEEDS)
def test_models_with_user_functions_agree_on_numpy_and_cython(seed):
    status, problems, case = check_case(seed)
    assert "user_function" in case.flags and re.search(r"0\.3\*uf_\w+\(", case.source)
    assert status == "ok", (
        f"seed {seed}: targets disagree:\n  " + "\n  ".join(problems)
        + "\n--- generated script (set TARGET) ---\n" + case.source
    )


def test_synapse_generator_covers_what_synapses_support():
    """The generator (no run: cheap) still reaches every feature over a few hundred seeds."""
    sources = [make_syn_case(s).source for s in range(300)]
    text = "\n".join(sources)
    for feature in ["ld.Synapses(", ": 1 (shared)", "(clock-driven)", "(event-driven)",
                    "(summed)", "on_post=", "_pre", "v += ", "rand()", "clip(", "+=", "-=",
                    "*=", "N_incoming", ".connect()", ".connect(i=", ".connect(condition=",
                    ", p=0.5)", ".connect(p=", "skip_if_invalid=True", "delay=", ".delay = '",
                    ".delay = np.", ".delay[:1] =", ".w = '", ".w['", "ld.PoissonGroup(",
                    "Hz", "ld.SpikeGeneratorGroup(", "period=", "StateMonitor(S",
                    ".set_spikes(", ".rates =", ".active = False", "method=",
                    "dtype='float32'", "net.store()", "net.restore()", "events={'ev'",
                    "on_event='ev'", "on_event={'pre': 'ev'}", "'post': 'ev'}",
                    ".run_on_event('ev'"]:
        assert feature in text, feature
    assert re.search(r"ld\.Synapses\(\w+\[\d+:\d+\], ", text)            # subgroup source
    assert re.search(r"ld\.Synapses\(\w+(\[\d+:\d+\])?, \w+\[\d+:\d+\]", text)  # target
    assert any(src.index("net.run(") < src.rfind(".connect(") for src in sources)  # between
    assert sum(src.count("net.run(") > 1 for src in sources) > 150      # runs split up


def test_neuron_generator_reaches_custom_events():
    """Custom events, run_on_event, their schedule, EventMonitors and values recorded at
    spikes appear in the neuron cases (no run: cheap)."""
    text = "\n".join(make_case(s).source for s in range(200))
    for feature in ["events={'ev0'", "'ev1'", ".run_on_event('ev0', ", "when='before_groups'",
                    ".set_event_schedule(", "ld.EventMonitor(g0, ", "ld.EventMonitor(g0[",
                    "ld.SpikeMonitor(g0, variables=[", "and not_refractory",
                    "and rand() < 0.5"]:
        assert feature in text, feature


# -- invariants against hand computation ---------------------------------------------------------

@pytest.mark.parametrize("target", ["numpy", "cython"])
@pytest.mark.parametrize("I,thr,tau,dt", [(1.5, 1.0, 10e-3, 1e-4), (1.2, 1.0, 20e-3, 5e-4),
                                          (3.0, 0.7, 7e-3, 2e-4)])
def test_lif_spike_times_closed_form(target, I, thr, tau, dt):
    """Exact LIF from 0 with reset to 0: the n-th update gives I*(1 - exp(-n*dt/tau)), so a
    spike needs n* = floor(T/dt) + 1 updates, T = tau*log(I/(I - thr)); spikes are stamped at
    the step of the update that crossed: steps n*-1, 2n*-1, ..."""
    T = tau * math.log(I / (I - thr))
    nstar = math.floor(T / dt) + 1
    steps = 400
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + I : 1", threshold="U > thr", reset="U = 0",
                       method="exact", dt=dt, namespace={"tau": tau, "I": I, "thr": thr})
    S = ld.SpikeMonitor(G)
    ld.Network(G, S, target=target).run(steps * dt)
    want = [(m * nstar - 1) * dt for m in range(1, steps // nstar + 1)]
    np.testing.assert_allclose(S.t, want, rtol=0, atol=dt / 10)


@pytest.mark.parametrize("target", ["numpy", "cython"])
@pytest.mark.parametrize("ref_steps", [1, 3, 7])
def test_lif_refractory_adds_held_steps(target, ref_steps):
    """With refractory R steps and (unless refractory), the membrane is held during the R-1
    updates after the spike (Brian2: refractory while t - lastspike < t_ref): ISI n* + R - 1."""
    I, thr, tau, dt = 1.5, 1.0, 10e-3, 1e-4
    nstar = math.floor(tau * math.log(I / (I - thr)) / dt) + 1
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + I : 1 (unless refractory)", threshold="U > thr",
                       reset="U = 0", refractory=ref_steps * dt, method="exact", dt=dt,
                       namespace={"tau": tau, "I": I, "thr": thr})
    S = ld.SpikeMonitor(G)
    ld.Network(G, S, target=target).run(600 * dt)
    isi = np.diff(np.rint(S.t / dt).astype(int))
    assert S.num_spikes > 3
    assert set(isi.tolist()) == {nstar + ref_steps - 1}


@pytest.mark.parametrize("target", ["numpy", "cython"])
def test_euler_lif_matches_hand_loop_with_timedarray_and_subgroup_monitor(target):
    """Euler map U += dt/tau*(-U + I_in(t, i)) with reset U -= thr, recorded on a subgroup."""
    dt, tau, N = 1e-4, 5e-3, 6
    rng = np.random.default_rng(3)
    vals = rng.uniform(0.5, 3.0, size=(40, N))
    ta = ld.TimedArray(vals, dt=dt)
    G = ld.NeuronGroup(N, "tau*dU/dt = -U + I_in(t, i) : 1", threshold="U > 1",
                       reset="U -= 1", method="euler", dt=dt,
                       namespace={"tau": tau, "I_in": ta})
    M = ld.StateMonitor(G[2:5], "U", record=True)
    S = ld.SpikeMonitor(G[1:4])
    ld.Network(G, M, S, target=target).run(50 * dt)
    u = np.zeros(N)
    trace, spikes = [], []
    for k in range(50):
        trace.append(u[2:5].copy())
        u = u + dt / tau * (-u + vals[min(k, 39)])
        fired = u > 1
        spikes += [(k, n - 1) for n in np.flatnonzero(fired) if 1 <= n < 4]
        u[fired] -= 1
    np.testing.assert_allclose(M.U, np.array(trace).T, rtol=1e-12, atol=1e-14)
    got = sorted(zip(np.rint(S.t / dt).astype(int).tolist(), S.i.tolist(), strict=True))
    assert got == sorted(spikes)


# -- minimal reproducers of bugs found ----------------------------------------------------------

def test_bug_float32_shared_parameter_recorded():
    # in a subprocess: the bad write corrupts the heap and can crash the interpreter later
    code = textwrap.dedent("""
        import lifdsl as ld
        G = ld.NeuronGroup(2, 'p : 1 (shared)', dtype='float32', dt=1e-3)
        G.p = 0.5
        M = ld.StateMonitor(G, 'p', record=True)
        ld.Network(G, M, target='cython').run(3e-3)
        print(M.p.tolist())
    """)
    proc = subprocess.run([sys.executable, "-c", code], timeout=120, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-500:]
    # got [[0.0, 0.0, 0.0], [1.75, 1.75, 1.75]]: the two halves of the double 0.5
    assert proc.stdout.strip() == str([[0.5] * 3] * 2)


@pytest.mark.slow
def test_bug_exact_coupled_cycle_hangs():
    """Found by fuzzing: SymPy's matrix exponential of this block recursed for ~12 s; exact
    must now refuse it at once (suggesting rk4), and 'auto' fall back to euler."""
    code = textwrap.dedent("""
        import lifdsl as ld
        eqs = ld.Equations('''dv/dt = (-v + 0.5*w)/tau : 1
                             dw/dt = (-w + 1.2*v)/tau_w : 1''')
        try:
            eqs.discretize('exact')
            raise SystemExit('exact did not refuse')
        except ld.DiscretizationError as err:
            assert 'rk4' in str(err)
        assert eqs.discretize('auto').method == 'euler'
    """)
    # the bug was CPU-bound (SymPy recursing): the child's CPU time is the measure, not the
    # wall clock, which a loaded machine stretches; the wall limit only stops a real hang
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        proc = subprocess.run([sys.executable, "-c", code], timeout=120, capture_output=True)
    except subprocess.TimeoutExpired:
        pytest.fail("exact discretization of a 2x2 coupled linear system took > 120 s")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr.decode()[-500:]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 8, f"exact discretization of a 2x2 coupled linear system took {cpu:.1f} s CPU"


@pytest.mark.parametrize("target", ["numpy", "cython"])
@pytest.mark.parametrize("method", ["exact", "auto", "rk4"])
def test_oscillatory_coupled_system_right_or_refused(target, method):
    """Found by fuzzing (fixed in d963e1b): exact on a coupled system with complex eigenvalues
    (tau == tau_w) gave NaN silently; now it must be right or refused with a clear error."""
    G = ld.NeuronGroup(1, """dv/dt = (-v - w)/tau : 1
                             dw/dt = (v - w)/tau_w : 1""",
                       method=method, dt=1e-4, namespace={"tau": 0.01, "tau_w": 0.01})
    G.v = 1
    try:
        ld.Network(G, target=target).run(1e-3)
    except ld.DiscretizationError as err:
        assert method == "exact" and "rk4" in str(err)
        return
    # exp(A*1ms) @ (1, 0) for A = [[-100, -100], [100, -100]]: e^-0.1 (cos 0.1, sin 0.1)
    want = np.exp(-0.1) * np.array([np.cos(0.1), np.sin(0.1)])
    if method == "auto":   # auto may pick euler: first order, error ~ dt/tau
        np.testing.assert_allclose([G.v[0], G.w[0]], want, rtol=0, atol=2e-3)
    else:
        np.testing.assert_allclose([G.v[0], G.w[0]], want, rtol=1e-9)


def test_method_change_between_runs_recompiles():
    """Found by fuzzing (fixed in d963e1b): after G.method = ... between two runs, cython
    reused the old kernel (its cache signature held id(g._blocks), which a rebuilt dict can
    reuse)."""
    results = {}
    for target in ("numpy", "cython"):
        G = ld.NeuronGroup(1, "dv/dt = (2 - v)/tau : 1", method="euler", dt=1e-3,
                           namespace={"tau": 0.01})
        net = ld.Network(G, target=target)
        net.run(5e-3)
        G.method = "rk4"
        net.run(5e-3)
        results[target] = G.v[0]
    v = 0.0
    for _ in range(5):  # euler
        v += 0.1 * (2 - v)
    for _ in range(5):  # rk4 of a linear ODE: the 4th-order Taylor polynomial of exp(-0.1)
        v = 2 + (v - 2) * (1 - 0.1 + 0.1**2 / 2 - 0.1**3 / 6 + 0.1**4 / 24)
    assert results["numpy"] == pytest.approx(v, rel=1e-12)
    assert results["cython"] == pytest.approx(v, rel=1e-12)  # was 1.30264 (still euler)


def test_fusion_keeps_the_order_of_random_draws():
    """Found by fuzzing (fixed in d963e1b): kernel._fusion_plan moved a StateRecordOp in front
    of a 'start' threshold, so the monitor's and the threshold's rand() came in another order."""
    out = {}
    for target in ("numpy", "cython"):
        ld.seed(1)
        G = ld.NeuronGroup(3, "x : 1\ns = rand() : 1", threshold="rand() < 0.3", dt=1e-3)
        G.thresholder.when = "start"   # threshold first in 'start' (created before M)
        M = ld.StateMonitor(G, "s", record=True)
        S = ld.SpikeMonitor(G)
        ld.Network(G, M, S, target=target).run(3e-3)
        out[target] = (M.s.tolist(), S.i.tolist(), S.t.tolist())
    # schedule: threshold (rank first), then the monitor; each draws 3 numbers per step
    rng = np.random.default_rng(1)
    s, spikes = [], []
    for k in range(3):
        fired = np.flatnonzero(rng.random(3) < 0.3)
        spikes += [(k * 1e-3, n) for n in fired]
        s.append(rng.random(3))
    want_s = np.array(s).T
    np.testing.assert_array_equal(out["numpy"][0], want_s)
    np.testing.assert_array_equal(out["cython"][0], want_s)
    assert out["cython"][1:] == out["numpy"][1:]


def test_bug_float32_refractory_uses_float_time_on_cython():
    dt = 1e-4
    G = ld.NeuronGroup(1, "dv/dt = 10000 : 1 (unless refractory)", threshold="v > 0.5",
                       reset="v = 0", refractory=2e-3, dtype="float32", dt=dt)
    S = ld.SpikeMonitor(G)
    net = ld.Network(G, S, target="cython")
    net.run(100 * dt)
    assert np.diff(np.rint(S.t / dt)).tolist() == [20.0] * 4   # holds early on
    net.run(2000.0)                                             # ~0.1 s of kernel time
    n0 = S.num_spikes
    net.run(200 * dt)
    isi = np.diff(np.rint(S.t[n0:] / dt))
    assert isi.tolist() == [20.0] * len(isi)                    # got 19, 20, 21 mixed


# -- synapse bugs found by the synapse generator (fixed; gen.AVOID_SYN_KNOWN is off) -------------

def _both(build):
    """``build(target)`` -> a result, on both targets (each call builds its own network)."""
    return {t: build(t) for t in ("numpy", "cython")}


@pytest.mark.parametrize("on_pre, pre, post", [("y_post += 1; y += 10", 0, 1),
                                              ("y_post += 1; y_pre += 10", 0, 0)])
def test_bug_pathway_writes_one_variable_under_two_names(on_pre, pre, post):
    """``y_post`` and the bare ``y`` are the target's ``y``; ``y_pre`` and ``y_post`` of a
    self-synapse are one number too: every write counts, 0 + 1 + 10 = 11 (cython kept 1 or
    10: each name had its own local, stored back at the end)."""
    def build(target):
        G = ld.NeuronGroup(2, "y : 1", threshold="i == 0", dt=1e-4)
        S = ld.Synapses(G, G, on_pre=on_pre)
        S.connect(i=[pre], j=[post])
        ld.Network(G, S, target=target).run(1e-4)
        return G.y[post]
    assert _both(build) == {"numpy": 11.0, "cython": 11.0}


def _two_synapses_onto_one(on_pre):
    def build(target):
        G = ld.NeuronGroup(2, "v : 1", threshold="i == 0", dt=1e-4)
        S = ld.Synapses(G, G, on_pre=on_pre)
        S.connect(i=[0, 0], j=[1, 1])       # both active in step 0, onto neuron 1
        ld.Network(G, S, target=target).run(1e-4)
        return G.v[1]
    return _both(build)


@pytest.mark.parametrize("on_pre, want", [("v_post = clip(v_post + 1, -5, 5)", 2.0),
                                          ("v_post += 0.5*v_post + 1", 2.5)])
def test_bug_numpy_pathway_reading_its_repeated_target(on_pre, want):
    """Synapse by synapse (cython, and Brian2 on every target: its numpy one falls back to a
    loop for such statements): clip(0 + 1), then clip(1 + 1) = 2, where numpy gave 1; and
    0 + (0 + 1), then 1 + (0.5 + 1) = 2.5, where numpy gave 2 (now: one round per synapse
    onto the neuron)."""
    assert _two_synapses_onto_one(on_pre) == {"numpy": want, "cython": want}


def test_bug_pathway_statements_on_a_repeated_target_agree():
    """numpy (add.at, then multiply.at) gave (0 + 2)*0.25 = 0.5; cython, synapse by synapse,
    ((0 + 1)*0.5 + 1)*0.5 = 0.75 (Brian2's numpy and cython targets differ the same way). Both
    targets now give the serial result."""
    got = _two_synapses_onto_one("v_post += 1; v_post *= 0.5")
    assert got == {"numpy": 0.75, "cython": 0.75}


def test_bug_recurrent_pathway_reads_pre_while_writing_post():
    """0 -> 1 and 1 -> 0, both spike: numpy gave [2, 2] (every v_pre read first), cython
    [3, 2] (synapse 1 -> 0 reads v[1] = 1 + 1 = 2 after 0 -> 1 wrote it, so v[0] = 1 + 2).
    Both give the serial [3, 2] now (Brian2 does neither: v_pre and v_post are two names to
    its order-independence check)."""
    def build(target):
        G = ld.NeuronGroup(2, "v : 1", threshold="True", dt=1e-4)
        G.v = 1
        S = ld.Synapses(G, G, on_pre="v_post += v_pre")
        S.connect(i=[0, 1], j=[1, 0])
        try:
            ld.Network(G, S, target=target).run(1e-4)
        except ld.EquationError:
            return "refused"
        return G.v.tolist()
    assert _both(build) == {"numpy": [3.0, 2.0], "cython": [3.0, 2.0]}


def test_bug_numpy_monitor_of_synaptic_subexpression_with_pre_names():
    """numpy raised 'operands could not be broadcast together with shapes (2,) (4,)'; both
    record w + v_pre per synapse: synapses (0,0), (0,1), (1,0), (1,1) read v_pre = 1, 1, 2, 2."""
    def build(target):
        G = ld.NeuronGroup(2, "v : 1", dt=1e-4)
        G.v = [1.0, 2.0]
        S = ld.Synapses(G, G, "w : 1\ns = w + v_pre : 1")
        S.connect()
        S.w = [0.1, 0.2, 0.3, 0.4]
        M = ld.StateMonitor(S, "s", record=True)
        ld.Network(G, S, M, target=target).run(1e-4)
        return M.s[:, 0].tolist()
    want = [1.1, 1.2, 2.3, 2.4]
    got = _both(build)
    np.testing.assert_allclose(got["numpy"], want, rtol=1e-12)
    np.testing.assert_allclose(got["cython"], want, rtol=1e-12)


@pytest.mark.parametrize("target", ["numpy", "cython"])
@pytest.mark.parametrize("when", ["before the first run", "before a longer delay"])
def test_bug_restore_after_the_spike_ring_changed(target, when):
    """Found by fuzzing: StateMismatchError 'synapses.queue.ring: shape (3,) in the network,
    (0,) in the stored state', though nothing in the network changed its structure. Neuron 0
    spikes in step 0 only; with 2 steps of delay, v = 1 from step 2 on. Stored at step 0 (no
    ring yet) or 1 (the spike in flight, 1 step old) and restored after a run with 5 steps of
    delay: the next steps give what an uninterrupted network gives (v = 0 in step 1, 1 after
    step 2), and the spike in flight was carried to the longer ring too (v = 1 before)."""
    G = ld.NeuronGroup(1, "v : 1", threshold="t < 0.5e-4", dt=1e-4)
    S = ld.Synapses(G, G, on_pre="v += 1", delay=2e-4)
    S.connect()
    net = ld.Network(G, S, target=target)
    if when == "before a longer delay":
        net.run(1e-4)
    net.store()
    if when == "before a longer delay":
        S.delay = 5e-4
    net.run(1e-3)
    assert G.v[0] == 1.0
    net.restore()
    assert net.t == (0.0 if when == "before the first run" else pytest.approx(1e-4))
    assert G.v[0] == 0.0 and S.delay[0] == pytest.approx(2e-4)
    if when == "before the first run":
        net.run(1e-4)
    net.run(1e-4)                  # step 1
    assert G.v[0] == 0.0
    net.run(1e-4)                  # step 2: delivered
    assert G.v[0] == 1.0
