"""batch(): copies of a population, one per parameter set, in one group and one run, give the
numbers of separate runs (spikes identical, traces to 1e-12) on both targets."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.sweeps import batch
from tests.targets import TARGETS

EQS = "dv/dt = (-v + I*(1 + a*sin(2*pi*f*t)))/tau : 1 (unless refractory)"
V0 = np.array([0.0, 0.3, 0.6])
GRID = {"tau": [0.01, 0.02], "I": [1.2, 2.5], "f": [5.0, 40.0]}
OPTS = {"threshold": "v > 1", "reset": "v = 0", "refractory": 0.002, "method": "euler"}


def separate(target, tau, I, f):
    ld.start_scope()
    G = ld.NeuronGroup(3, EQS, namespace={"tau": tau, "I": I, "f": f, "a": 0.5}, **OPTS)
    G.v = V0
    M, S = ld.SpikeMonitor(G), ld.StateMonitor(G, "v", record=True)
    ld.Network(G, M, S, target=target).run(0.1)
    return M.i, M.t, S.v


@pytest.mark.parametrize("target", TARGETS)
def test_batch_gives_the_numbers_of_separate_runs(target):
    ld.start_scope()
    b = batch(3, EQS, GRID, namespace={"a": 0.5, "tau": 99.0}, **OPTS)
    assert b.copies == 8 and len(b.group) == 24
    b.group.v = np.tile(V0, b.copies)
    M, S = ld.SpikeMonitor(b.group), ld.StateMonitor(b.group, "v", record=True)
    ld.Network(b.group, M, S, target=target).run(0.1)
    traces = b.split(S.v)
    assert traces.shape == (8, 3, 1000)
    per_copy = b.spikes(M)
    counts = []
    for c, p in enumerate(b.params):
        i, t, v = separate(target, **p)
        assert np.array_equal(per_copy[c]["i"], i), p
        assert np.array_equal(per_copy[c]["t"], t), p
        np.testing.assert_allclose(traces[c], v, rtol=1e-12, atol=1e-12)
        counts.append(i.size)
    assert len(set(counts)) > 3  # the parameters matter
    rows = b.table(spikes=[s["i"].size for s in per_copy])
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    assert [r["spikes"] for r in rows] == counts and rows[5]["tau"] == 0.02


def test_batch_refuses_state_variables_and_uneven_sets():
    with pytest.raises(ValueError, match="not a parameter"):
        batch(2, EQS, {"v": [1.0]}, namespace={"a": 0.5, "tau": 1, "I": 1, "f": 1})
    with pytest.raises(ValueError, match="same parameters"):
        batch(2, EQS, [{"tau": 1.0}, {"I": 1.0}])
