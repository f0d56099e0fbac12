"""The kernel writes lastspike (and not_refractory, where no statement of the loop computes it)
only for neurons that spike; values and spikes stay those of the NumPy target."""

from __future__ import annotations

import re

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available

pytestmark = pytest.mark.skipif(not compiler_available(), reason="no working C compiler")

EQS = "dv/dt = (I - v)/tau : 1 (unless refractory)\nI : 1"


def _group(between: bool):
    G = ld.NeuronGroup(40, EQS, threshold="v > 1", reset="v = 0", refractory=2e-3,
                       method="exact", namespace={"tau": 10e-3}, dt=1e-4)
    G.I = "1.2 + 0.02*i"
    if between:  # an update of its own between the state update and the threshold
        G.run_regularly("v = v + 0.001", when="groups", order=1)
    return G


def _run(target: str, between: bool):
    G = _group(between)
    M = ld.SpikeMonitor(G)
    net = ld.Network(G, M, target=target)
    net.run(30e-3)
    return G, M, net


def _stores(source: str, name: str) -> list[tuple[str, bool]]:
    """(stored value, inside a spike branch) for every store into ``name``'s buffer."""
    body = source[source.index("static int64_t lifdsl_kernel"):]
    body = body[:body.index("return step0 + n_steps;")]
    out = []
    depth_branch: list[bool] = []
    for ln in body.splitlines():
        s = ln.strip()
        if s.startswith("}"):
            depth_branch.pop()
        if s.endswith("{"):
            depth_branch.append("__builtin_expect(" in s)
        m = re.match(rf"o\d+__{name}\[_i\] = (.*);", s)
        if m:
            out.append((m.group(1), any(depth_branch)))
    return out


@pytest.mark.parametrize("between", [False, True], ids=["fused", "threshold-alone"])
def test_lastspike_is_stored_only_for_spiking_neurons(between):
    G, _, _ = _run("cython", between)
    src = G.generated_code("cython")
    last = _stores(src, "lastspike")
    assert last and all(inside and value == "t" for value, inside in last)
    nr = _stores(src, "not_refractory")
    # the update computes not_refractory for every neuron; a threshold loop without the
    # update only sets it to 0 where a neuron spikes
    assert any(not inside for _, inside in nr)
    if between:
        assert ("0", True) in nr


@pytest.mark.parametrize("between", [False, True], ids=["fused", "threshold-alone"])
def test_refractory_bookkeeping_equals_numpy(between):
    Gc, Mc, _ = _run("cython", between)
    Gn, Mn, _ = _run("numpy", between)
    assert Mc.num_spikes > 40
    np.testing.assert_array_equal(Mc.i[:], Mn.i[:])
    np.testing.assert_array_equal(Mc.t[:], Mn.t[:])
    np.testing.assert_array_equal(Gc.lastspike[:], Gn.lastspike[:])
    np.testing.assert_array_equal(Gc.not_refractory[:], Gn.not_refractory[:])
    np.testing.assert_array_equal(Gc.v[:], Gn.v[:])
    # every neuron's last spike is its monitor's last spike time
    last = np.full(40, -np.inf)
    for i, t in zip(Mn.i[:], Mn.t[:], strict=True):
        last[i] = t
    np.testing.assert_allclose(Gc.lastspike[:], last, rtol=1e-12)


def test_refractory_holds_across_runs_on_both_targets():
    """A neuron that spiked at the end of one run stays refractory into the next."""
    out = {}
    for target in ("numpy", "cython"):
        G = _group(False)
        net = ld.Network(G, ld.SpikeMonitor(G), target=target)
        for _ in range(6):
            net.run(5e-3)
        out[target] = (np.array(G.lastspike[:]), np.array(G.not_refractory[:]), np.array(G.v[:]))
    for a, b in zip(out["numpy"], out["cython"], strict=True):
        np.testing.assert_array_equal(a, b)
