"""Subgroups G[a:b]: writes reach only their neurons; monitors report subgroup-relative indices.

Brian2 semantics (brian2/groups/subgroup.py): in a contiguous subgroup, ``i`` is
``_source_i - _offset`` (0 for the subgroup's first neuron) and ``N`` is the subgroup's size.
"""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

DT = 1e-4


def _group(N=8):
    return ld.NeuronGroup(N, "tau*dU/dt = -U + RI : 1\nRI : 1 (constant)", threshold="U > 1",
                          reset="U = 0", method="exact", namespace={"tau": 10e-3})


def test_scalar_write_touches_only_the_subgroup():
    G = _group()
    G.U = 0.25
    G[:3].U = 1.0
    np.testing.assert_array_equal(G.U, [1.0] * 3 + [0.25] * 5)
    G[5:].U = -1.0
    np.testing.assert_array_equal(G.U, [1.0] * 3 + [0.25] * 2 + [-1.0] * 3)
    G[4].U = 7.0
    assert G.U[4] == 7.0 and G.U[3] == 0.25


def test_subgroup_reads_are_views_of_the_parent():
    G = _group()
    G.U = np.arange(8.0)
    sub = G[2:5]
    assert len(sub) == 3
    np.testing.assert_array_equal(sub.U, [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(sub[1:].U, [3.0, 4.0])  # a subgroup of a subgroup
    np.testing.assert_array_equal(sub[-1].U, [4.0])


def test_subgroup_array_write_and_wrong_shape():
    G = _group()
    G[2:5].U = [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(G.U, [0, 0, 1, 2, 3, 0, 0, 0])
    with pytest.raises(ValueError):
        G[2:5].U = np.arange(8.0)
    np.testing.assert_array_equal(G.U, [0, 0, 1, 2, 3, 0, 0, 0])


def test_subgroup_string_write_touches_only_the_subgroup():
    G = _group()
    G.U = -1.0
    ld.seed(3)
    G[2:5].U = "0.5 + rand()"
    assert np.all(G.U[[0, 1, 5, 6, 7]] == -1.0)
    assert np.all((G.U[2:5] >= 0.5) & (G.U[2:5] < 1.5))


def test_subgroup_string_index_is_relative_like_brian2():
    G = _group()
    G[2:5].U = "i"
    np.testing.assert_array_equal(G.U, [0, 0, 0, 1, 2, 0, 0, 0])


def test_subgroup_string_N_is_the_subgroup_size_like_brian2():
    G = _group()
    G[2:5].U = "N"
    np.testing.assert_array_equal(G.U, [0, 0, 3, 3, 3, 0, 0, 0])


def test_whole_group_string_index_is_the_neuron_index():
    G = _group()
    G.U = "i"
    np.testing.assert_array_equal(G.U, np.arange(8.0))


def test_monitors_on_a_subgroup_report_relative_indices():
    tau = 10e-3
    G = _group()
    RI = np.linspace(1.2, 3.0, 8)
    G.RI = RI
    sub = G[3:6]
    M = ld.StateMonitor(sub, "U", record=[0, 2])
    S = ld.SpikeMonitor(sub)
    S_all = ld.SpikeMonitor(G)
    n_steps = 300
    ld.Network(G, M, S, S_all).run(n_steps * DT)
    # the subgroup's neuron k is the parent's neuron 3+k
    assert M.U.shape == (2, n_steps)
    k = np.arange(35)  # before any spike (the fastest neuron crosses at ~40 steps)
    np.testing.assert_allclose(M[0].U[:35], RI[3] * (1 - np.exp(-k * DT / tau)), atol=1e-12)
    np.testing.assert_allclose(M[2].U[:35], RI[5] * (1 - np.exp(-k * DT / tau)), atol=1e-12)
    assert S.count.shape == (3,)
    np.testing.assert_array_equal(S.count, S_all.count[3:6])
    assert set(S.i.tolist()) == {0, 1, 2}
    in_sub = (S_all.i >= 3) & (S_all.i < 6)
    np.testing.assert_array_equal(S.i, S_all.i[in_sub] - 3)
    np.testing.assert_array_equal(S.t, S_all.t[in_sub])
    for n in range(3):
        np.testing.assert_array_equal(S.spike_trains()[n], S_all.spike_trains()[n + 3])


def test_population_rate_of_a_subgroup():
    G = _group(6)
    G.RI = [3.0, 3.0, 3.0, 0.0, 0.0, 0.0]
    R_sub = ld.PopulationRateMonitor(G[:3])
    R_quiet = ld.PopulationRateMonitor(G[3:])
    S = ld.SpikeMonitor(G)
    ld.Network(G, R_sub, R_quiet, S).run(100 * DT)
    assert S.num_spikes > 0
    per_step = np.array([np.count_nonzero(np.isclose(S.t, k * DT)) for k in range(100)])
    np.testing.assert_allclose(R_sub.rate, per_step / (3 * DT), rtol=1e-12)
    assert np.all(R_quiet.rate == 0.0)


def test_subgroup_in_network_brings_its_parent():
    G = _group(4)
    G.RI = 2.0
    net = ld.Network(G[1:3])
    net.run(10 * DT)
    np.testing.assert_allclose(G.U, 2.0 * (1 - np.exp(-10 * DT / 10e-3)), atol=1e-12)


@pytest.mark.parametrize("item", [slice(3, 3), slice(0, 8, 2), 8, -9])
def test_bad_subgroup_indices_raise(item):
    G = _group()
    with pytest.raises((IndexError, TypeError)):
        G[item]


def test_monitor_of_a_subgroup_subexpression_uses_the_relative_index():
    G = ld.NeuronGroup(6, "dU/dt = -U/tau : 1\nI = 1.0*i + 0*U : 1", namespace={"tau": 1e-2})
    sub = G[2:5]
    M = ld.StateMonitor(sub, "I")
    ld.Network(G, M).run(2 * DT)
    np.testing.assert_array_equal(M.I, [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
