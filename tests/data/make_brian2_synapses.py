"""Recompute the Brian2 reference numbers of tests/core/test_synapses_brian2.py.

Not run by the test suite: it documents how the literals in that test file were obtained.
Needs Brian2 (not a dependency of lifdsl); Brian2 2.9 does not import with NumPy >= 2.4:
    python -m venv /tmp/b2env && /tmp/b2env/bin/pip install brian2==2.9.0 "numpy<2.4" cython
    cd /tmp && /tmp/b2env/bin/python /work/main/tests/data/make_brian2_synapses.py
(run it from outside the repository so that nothing there shadows an import). It prints the
literal block pasted into the test file (its output after the first line, verbatim).
Brian2's numpy target, dt = 1e-4 s, no randomness: spikes come from 2-D TimedArrays read by
thresholds, so the same mechanism runs in lifdsl. Times and constants are written as the same
SI floats as in the test (1e-4*second, not 0.1*ms, whose product is 1.0000000000000002e-4),
so both sides start from identical doubles.
"""

from __future__ import annotations

import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
    __version__,
    defaultclock,
    prefs,
    second,
    start_scope,
)

prefs.codegen.target = "numpy"
DT = 1e-4
TAU = 10e-3


def stim_array(n_steps, n, spikes):
    """TimedArray values (n_steps, n): 1 where neuron `i` must fire in step k."""
    a = np.zeros((n_steps, n))
    for i, ks in spikes.items():
        a[ks, i] = 1.0
    return a


def _wrap(items, indent, width=99):
    """Comma-separated items wrapped to `width`, continuation lines indented by `indent`."""
    lines, cur = [], ""
    for k, it in enumerate(items):
        piece = it + ("," if k < len(items) - 1 else "")
        if cur and len(" " * indent + cur + " " + piece) > width:
            lines.append(cur)
            cur = piece
        else:
            cur = piece if not cur else cur + " " + piece
    lines.append(cur)
    return ("\n" + " " * indent).join(lines)


def _items(x):
    x = np.asarray(x).ravel()
    return [repr(int(v)) for v in x] if x.dtype.kind in "iub" else [repr(float(v)) for v in x]


def lit(x, indent=0):
    """Python literal of a 1-D or 2-D array, full float repr, lines of at most 99 characters."""
    x = np.asarray(x)
    if x.ndim <= 1:
        return "[" + _wrap(_items(x), indent + 1) + "]"
    rows = ["    [" + _wrap(_items(r), 5) + "]," for r in x]
    return "[\n" + "\n".join(rows) + "\n]"


def out(name, value):
    print(f"{name} = {lit(value, indent=len(name) + 3)}")


HEADER = f"# Brian2 {__version__} numpy target, tests/data/make_brian2_synapses.py scenario {{}}"


def fresh():
    start_scope()
    defaultclock.dt = DT * second


# ---------------------------------------------------------------- scenario 1 and 2
# Source: 3 neurons firing at fixed steps; target: 2 leaky neurons; repeated targets.
S1_STEPS = 40
S1_SPIKES = {0: [2, 10], 1: [2, 5], 2: [5, 10]}
S1_I, S1_J = [0, 1, 2, 2], [0, 0, 1, 0]
S1_W = [0.3, 0.7, 1.1, 0.45]
S1_U = [1.5, -2.0, 0.5]
S1_V0 = [0.2, -0.1]
S1_DELAYS = [0.5e-3, 1.0e-3, 0.0, 2.3e-3]


def scenario1(on_pre="v_post += w", delay=None, delays=None):
    fresh()
    stim = TimedArray(stim_array(S1_STEPS, 3, S1_SPIKES), dt=DT * second)
    src = NeuronGroup(3, "u : 1", threshold="stim(t, i) > 0.5",
                      namespace={"stim": stim})
    src.u = S1_U
    tgt = NeuronGroup(2, "dv/dt = -v/tau : 1", method="exact",
                      namespace={"tau": TAU * second})
    tgt.v = S1_V0
    kw = {} if delay is None else {"delay": delay * second}
    S = Synapses(src, tgt, model="w : 1", on_pre=on_pre, **kw)
    S.connect(i=S1_I, j=S1_J)
    S.w = S1_W
    if delays is not None:
        S.delay = np.asarray(delays) * second
    M = StateMonitor(tgt, "v", record=True)
    sp = SpikeMonitor(src)
    net = Network(src, tgt, S, M, sp)
    net.run(S1_STEPS * DT * second)
    return M.v[:].copy(), np.asarray(sp.t / second), np.asarray(sp.i), S


def scenario1_all():
    print(HEADER.format(1))
    v, t, i, S = scenario1()
    out("S1_SRC_T", t)
    out("S1_SRC_I", i)
    out("S1_V_NODELAY", v)
    v, *_ = scenario1(delay=1e-3)
    out("S1_V_DELAY1MS", v)
    v, _, _, S = scenario1(delays=S1_DELAYS)
    out("S1_V_DELAYS", v)
    out("S1_DELAY_STORED", np.asarray(S.delay / second))
    # how Brian2 turns delays into steps: its C++ SpikeQueue (used by the numpy target too
    # whenever the compiled module ships) computes (int)(delay/dt + 0.5), i.e. half up; the pure
    # Python fallback queue would use np.round (half to even)
    d = np.asarray(S1_DELAYS) / DT
    print("# delays/dt =", [float(x) for x in d], "-> steps", (d + 0.5).astype(int).tolist())
    probe = np.array([0.05e-3, 0.15e-3, 0.25e-3, 0.35e-3])
    print("# half-step probe delays/dt =", [float(x) for x in probe / DT])
    print("#   -> (int)(x + 0.5):", (probe / DT + 0.5).astype(int).tolist(),
          "(np.round would give", np.round(probe / DT).astype(int).tolist(), end=")\n")
    print(HEADER.format(2))
    v, *_ = scenario1(on_pre="v += w")
    out("S2_V_BARE", v)
    v, *_ = scenario1(on_pre="v_post += w*u_pre")
    out("S2_V_UPRE", v)
    # half-step delay probe actually run: one synapse per delay, one spike at step 2
    fresh()
    stim = TimedArray(stim_array(12, 1, {0: [2]}), dt=DT * second)
    src = NeuronGroup(1, "", threshold="stim(t, i) > 0.5", namespace={"stim": stim})
    tgt = NeuronGroup(4, "x : 1")
    S = Synapses(src, tgt, on_pre="x_post += t/second")
    S.connect(i=0, j=[0, 1, 2, 3])
    S.delay = probe * second
    net = Network(src, tgt, S)
    net.run(12 * DT * second)
    print("# half-step probe, spike in step 2: delivered in steps",
          np.round(np.asarray(tgt.x) / DT).astype(int).tolist())


# ---------------------------------------------------------------- scenario 3
def scenario3():
    print(HEADER.format(3))

    def syn(ns, nt, recurrent=False):
        fresh()
        a = NeuronGroup(ns, "x : 1")
        b = a if recurrent else NeuronGroup(nt, "x : 1")
        return Synapses(a, b)

    for name, ns, nt, rec, kwargs in [
        ("S3_NEQ_3x4", 3, 4, False, [dict(condition="i != j")]),
        ("S3_NEQ_REC4", 4, 4, True, [dict(condition="i != j")]),
        ("S3_GT_4x4", 4, 4, False, [dict(condition="j > i")]),
        ("S3_ALL_3x4", 3, 4, False, [dict()]),
        ("S3_ONE2ONE_3x4", 3, 4, False, [dict(j="i")]),
        ("S3_ONE2ONE_REC3", 3, 3, True, [dict(j="i")]),
        ("S3_TWO_CALLS_3x4", 3, 4, False, [dict(i=[2, 0], j=[1, 3]), dict(i=1, j=[0, 2])]),
        ("S3_COND_THEN_ARR", 3, 3, False, [dict(condition="i == 2 - j"), dict(i=[0], j=[0])]),
        ("S3_MULTI_3x4", 3, 4, False, [dict(i=[0, 0, 2], j=[1, 1, 3])]),
    ]:
        S = syn(ns, nt, rec)
        for kw in kwargs:
            S.connect(**kw)
        assert int(S.N[:]) == len(S)
        print(f"{name} = ({lit(np.asarray(S.i))}, {lit(np.asarray(S.j))}, {len(S)})")


# ---------------------------------------------------------------- scenario 4
S4_STEPS = 30
S4_SPIKES = {0: [1, 6], 1: [3, 6, 12]}
S4_I, S4_J = [0, 1, 1], [0, 0, 1]
S4_W = [0.4, 0.9, 0.6]
TAUS = 5e-3


def scenario4():
    print(HEADER.format(4))
    fresh()
    stim = TimedArray(stim_array(S4_STEPS, 2, S4_SPIKES), dt=DT * second)
    src = NeuronGroup(2, "", threshold="stim(t, i) > 0.5", namespace={"stim": stim})
    tgt = NeuronGroup(2, "v : 1")
    S = Synapses(src, tgt, model="dg/dt = -g/taus : 1 (clock-driven)\nw : 1",
                 on_pre="g += w", method="exact", namespace={"taus": TAUS * second})
    S.connect(i=S4_I, j=S4_J)
    S.w = S4_W
    S.g = [0.1, 0.0, 0.2]
    Mg = StateMonitor(S, "g", record=True)
    Network(src, tgt, S, Mg).run(S4_STEPS * DT * second)
    out("S4_G", Mg.g[:])
    out("S4_G_FINAL", np.asarray(S.g))

    fresh()
    stim = TimedArray(stim_array(S4_STEPS, 2, S4_SPIKES), dt=DT * second)
    src = NeuronGroup(2, "", threshold="stim(t, i) > 0.5", namespace={"stim": stim})
    tgt = NeuronGroup(3, "dv/dt = (-v + I_syn)/tau : 1\nI_syn : 1", method="exact",
                      namespace={"tau": TAU * second})
    tgt.I_syn = 5.0          # overwritten by the summed variable before the first update
    tgt.v = [0.0, 0.1, 0.2]  # neuron 2 has no synapse: its I_syn becomes 0
    S = Synapses(src, tgt,
                 model="dg/dt = -g/taus : 1 (clock-driven)\nw : 1\nI_syn_post = g : 1 (summed)",
                 on_pre="g += w", method="exact", namespace={"taus": TAUS * second})
    S.connect(i=S4_I, j=S4_J)
    S.w = S4_W
    S.g = [0.1, 0.0, 0.2]
    Mv = StateMonitor(tgt, ["v", "I_syn"], record=True)
    Mg = StateMonitor(S, "g", record=True)
    Network(src, tgt, S, Mv, Mg).run(S4_STEPS * DT * second)
    out("S4_SUMMED_V", Mv.v[:])
    out("S4_SUMMED_I", Mv.I_syn[:])
    out("S4_SUMMED_G", Mg.g[:])
    out("S4_SUMMED_I_FINAL", np.asarray(tgt.I_syn))


# ---------------------------------------------------------------- scenario 5
S5_STEPS = 30
S5_PRE = {0: [3, 20], 1: [8, 20]}
S5_POST = {0: [5, 20], 1: [12, 25]}
S5_W0 = [0.02, 0.0, 0.049, 0.03]
S5_PAR = dict(taupre=2e-3, taupost=3e-3, Apre=0.01, Apost=-0.012, wmax=0.05)


def scenario5():
    print(HEADER.format(5))
    fresh()
    stim_pre = TimedArray(stim_array(S5_STEPS, 2, S5_PRE), dt=DT * second)
    stim_post = TimedArray(stim_array(S5_STEPS, 2, S5_POST), dt=DT * second)
    src = NeuronGroup(2, "", threshold="stim_pre(t, i) > 0.5", namespace={"stim_pre": stim_pre})
    tgt = NeuronGroup(2, "dv/dt = -v/tau : 1", threshold="stim_post(t, i) > 0.5",
                      method="exact", namespace={"stim_post": stim_post, "tau": TAU * second})
    ns = {"taupre": S5_PAR["taupre"] * second, "taupost": S5_PAR["taupost"] * second,
          "Apre": S5_PAR["Apre"], "Apost": S5_PAR["Apost"], "wmax": S5_PAR["wmax"]}
    S = Synapses(src, tgt,
                 model="w : 1\ndapre/dt = -apre/taupre : 1 (event-driven)\n"
                       "dapost/dt = -apost/taupost : 1 (event-driven)",
                 on_pre="v_post += w; apre += Apre; w = clip(w + apost, 0, wmax)",
                 on_post="apost += Apost; w = clip(w + apre, 0, wmax)",
                 namespace=ns)
    S.connect()
    S.w = S5_W0
    M = StateMonitor(S, ["w", "apre", "apost"], record=True)
    Mv = StateMonitor(tgt, "v", record=True)
    sp_pre, sp_post = SpikeMonitor(src), SpikeMonitor(tgt)
    Network(src, tgt, S, M, Mv, sp_pre, sp_post).run(S5_STEPS * DT * second)
    out("S5_I", np.asarray(S.i))
    out("S5_J", np.asarray(S.j))
    out("S5_POST_T", np.asarray(sp_post.t / second))
    out("S5_POST_I", np.asarray(sp_post.i))
    out("S5_W_FINAL", np.asarray(S.w))
    out("S5_APRE_FINAL", np.asarray(S.apre))
    out("S5_APOST_FINAL", np.asarray(S.apost))
    out("S5_LASTUPDATE", np.asarray(S.lastupdate / second))
    out("S5_W", M.w[:])
    out("S5_APRE", M.apre[:])
    out("S5_APOST", M.apost[:])
    out("S5_V", Mv.v[:])


if __name__ == "__main__":
    print(f"# Brian2 {__version__}, NumPy {np.__version__}, target {prefs.codegen.target}")
    scenario1_all()
    scenario3()
    scenario4()
    scenario5()
