"""The Cython target against the NumPy target, and what the network kernel promises."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen import cache

pytestmark = pytest.mark.skipif(not cache.compiler_available(), reason="no C compiler")

MODEL = """
tau*dU/dt = -U + R*I + sigma*randn() : 1 (unless refractory)
dI_s/dt = -I_s/tau_s : 1
I = I_in(t, i) + I_s : 1
R : 1 (constant)
drive = 2*U + i : 1
"""


def _network(target: str, seed: int = 3):
    ld.seed(seed)
    n = 40
    values = np.random.default_rng(0).random((30, n)) * 2.0
    G = ld.NeuronGroup(n, MODEL, threshold="U > 1 and rand() < 0.9",
                       reset="U = 0.1*rand(); I_s += 0.3", refractory="t_ref",
                       method="euler", dt=1e-4,
                       namespace={"tau": 10e-3, "tau_s": 5e-3, "sigma": 0.05, "t_ref": 2e-3,
                                  "I_in": ld.TimedArray(values, dt=1e-3)})
    G.R = "0.8 + 0.4*rand()"
    G.U = "rand()"
    M = ld.StateMonitor(G, ["U", "I", "drive"], record=[0, 5, 39])
    S = ld.SpikeMonitor(G)
    Ssub = ld.SpikeMonitor(G[10:20])
    P = ld.PopulationRateMonitor(G)
    net = ld.Network(G, M, S, Ssub, P, target=target)
    net.run(0.03)
    return G, M, S, Ssub, P


def test_targets_give_the_same_spikes_states_and_random_numbers():
    a = _network("numpy")
    b = _network("cython")
    Ga, Ma, Sa, Sua, Pa = a
    Gb, Mb, Sb, Sub, Pb = b
    assert Sa.num_spikes > 20  # the model does spike, randomly
    np.testing.assert_array_equal(Sa.i, Sb.i)
    np.testing.assert_array_equal(Sa.t, Sb.t)
    np.testing.assert_array_equal(Sua.i, Sub.i)
    np.testing.assert_array_equal(Pa.rate, Pb.rate)
    for v in ("U", "I", "drive"):
        np.testing.assert_allclose(getattr(Ma, v), getattr(Mb, v), rtol=0, atol=1e-12)
    np.testing.assert_allclose(Ga.U, Gb.U, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(Ga.lastspike, Gb.lastspike)
    # and the generator is left in the same state
    assert ld.core.random.get_rng().random() == pytest.approx(
        (ld.seed(3), _network("numpy"), ld.core.random.get_rng().random())[2])


def test_new_values_and_durations_do_not_recompile():
    G = ld.NeuronGroup(5, "tau*dU/dt = -U + RI : 1", threshold="U > 1", reset="U = 0",
                       method="exact", namespace={"tau": 10e-3})
    S = ld.SpikeMonitor(G)
    net = ld.Network(G, S, target="cython")
    RI = 1.5
    net.run(0.01)
    builds = cache.build_count()
    first = S.num_spikes
    RI = 3.0  # noqa: F841 - read by run() from this scope
    net.run(0.02)
    G2 = ld.NeuronGroup(50, "tau*dU/dt = -U + RI : 1", threshold="U > 1", reset="U = 0",
                        method="exact", namespace={"tau": 20e-3, "RI": 2.0})
    ld.Network(G2, ld.SpikeMonitor(G2), target="cython").run(0.005)
    assert cache.build_count() == builds
    assert S.num_spikes > first


def test_generated_code_is_the_source_that_runs():
    G = ld.NeuronGroup(3, "tau*dU/dt = -U + 1.5 : 1", threshold="U > 1", reset="U = 0",
                       method="exact", namespace={"tau": 10e-3})
    before = G.generated_code(target="cython")
    assert "lifdsl_kernel" in before and "for (int64_t step" in before
    net = ld.Network(G, ld.StateMonitor(G, "U"), target="cython")
    net.run(1e-3)
    after = G.generated_code(target="cython")
    assert after == net.generated_code() and after != before   # now with the monitor
    builds = cache.build_count()
    cache.compile_cython(after, "network")      # the very module that ran: nothing to build
    assert cache.build_count() == builds


def test_progress_report(capsys):
    G = ld.NeuronGroup(3, "tau*dU/dt = -U + 1.5 : 1", namespace={"tau": 10e-3})
    ld.Network(G, target="cython").run(0.01, report="text")
    out = capsys.readouterr().out.strip().splitlines()
    assert out and out[-1].startswith("0.01 s simulated (100%)")


def test_spike_buffers_grow_during_a_run():
    # every neuron fires every step: far more spikes than the first buffer holds
    G = ld.NeuronGroup(2000, "dU/dt = 0/second : 1", threshold="True", dt=1e-4)
    S = ld.SpikeMonitor(G)
    ld.Network(G, S, target="cython").run(0.005)
    assert S.num_spikes == 2000 * 50
    np.testing.assert_array_equal(S.i[:2000], np.arange(2000))
    np.testing.assert_allclose(S.t[-1], 49e-4)


def test_float32_groups_compute_alike_on_both_targets():
    """float32 state: per-neuron arithmetic in float on both targets (Python scalars and
    TimedArray values meet the float32 arrays as float32, as NumPy does)."""
    def run(target):
        ld.seed(1)
        vals = np.random.default_rng(0).random((30, 20)) * 2
        G = ld.NeuronGroup(20, "syn : 1\nU : 1\nI = I_in(t, i) : 1", threshold="U > 1",
                           reset="U -= 1", dt=1e-3, dtype="float32",
                           namespace={"I_in": ld.TimedArray(vals, dt=1e-3), "a": 0.9,
                                      "b": 0.8})
        G.run_regularly("syn = a*syn + I\nU = b*U + syn/7")
        G.thresholder.when = "start"
        M = ld.StateMonitor(G, "U")
        S = ld.SpikeMonitor(G)
        ld.Network(G, M, S, target=target).run(0.1)
        return M.U, S.i, S.t

    (ua, ia, ta), (ub, ib, tb) = run("numpy"), run("cython")
    assert ua.dtype == ub.dtype == np.float32
    assert ia.size > 100
    np.testing.assert_array_equal(ia, ib)
    np.testing.assert_array_equal(ta, tb)
    np.testing.assert_allclose(ua, ub, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("method", ["euler", "exact", "rk2", "rk4", "heun", "exponential_euler"])
def test_every_method_gives_the_same_numbers_on_both_targets(method):
    """Including a rand() that the method keeps in a temporary for all its stages."""
    def run(target):
        ld.seed(7)
        G = ld.NeuronGroup(5, "dm/dt = (-m + 0.1*rand() + I_in(t))/tau : 1", method=method,
                           dt=1e-4, namespace={"tau": 10e-3,
                                               "I_in": ld.TimedArray([0.0, 1.0, 0.5], dt=1e-3)})
        M = ld.StateMonitor(G, "m")
        ld.Network(G, M, target=target).run(3e-3)
        return M.m

    a, b = run("numpy"), run("cython")
    assert np.ptp(a) > 0.01
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


def test_clear_cache_also_drops_this_process_kernels(tmp_path, monkeypatch):
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(tmp_path / "cache"))
    G = ld.NeuronGroup(2, "dv/dt = -v/(3.21e-3) : 1")
    net = ld.Network(G, target="cython")
    net.run(1e-4)
    builds = cache.build_count()
    net.run(1e-4)
    assert cache.build_count() == builds          # the same kernel, from this process
    ld.clear_cache()
    net.run(1e-4)
    assert cache.build_count() == builds + 1      # compiled again, not the forgotten one


def _delayed_network(show: bool):
    """A network with delayed pathways (one delay, per-synapse delays, on_post); ``show``
    asks for its code before the first run and between two runs."""
    G = ld.NeuronGroup(10, "dv/dt = (1.5 - v)/(10e-3) : 1", threshold="v > 1", reset="v = 0",
                       name="g")
    G.v = np.linspace(0, 1, 10)
    S = ld.Synapses(G, G, "w : 1", on_pre="v += w*c", delay=1e-3, name="s1")
    S.connect(j="(i + 1) % 10")
    S.w = 0.3
    S2 = ld.Synapses(G, G, "w : 1", on_pre="v += w", on_post="w += 0.01", name="s2")
    S2.connect(j="(i + 3) % 10")
    S2.delay = "i*0.2e-3"
    M = ld.SpikeMonitor(G)
    net = ld.Network(G, S, S2, M, target="cython")
    sources = []
    if show:
        sources.append(net.generated_code())
    net.run(6e-3, namespace={"c": 0.5})
    if show:
        sources.append(net.generated_code())
    net.run(6e-3, namespace={"c": 0.5})
    return sources, M.i[:].copy(), M.t[:].copy(), S2.w[:].copy()


def test_generated_code_of_synapses_before_a_run_changes_nothing():
    # (it raised AttributeError before a run: the Synapses had no resolved names yet)
    sources, i, t, w = _delayed_network(show=True)
    assert "lifdsl_kernel" in sources[0] and sources[0] == sources[1]
    _, i0, t0, w0 = _delayed_network(show=False)
    assert i.size > 10
    np.testing.assert_array_equal(i, i0)
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_array_equal(w, w0)
