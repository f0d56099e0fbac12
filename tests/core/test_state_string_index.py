"""A string index on a state view (``G.v['i > 2']``) selects the elements where a condition
holds, for reading and writing, on groups, subgroups and synapses, quantity and plain views.

Expected values: Brian2 2.9.0 (/tmp/b2env, numpy target) running the same statements
(script: G = NeuronGroup(6, 'v : volt\\nx : 1'), G.v = [1..6] mV, then each line below)."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.equations import EquationError
from lifdsl.units import mV


def _group():
    G = ld.NeuronGroup(6, "v : volt\nx : 1")
    G.v = np.arange(1, 7) * mV
    return G


def test_string_index_reads_quantity_and_plain_views():
    G = _group()
    np.testing.assert_allclose(np.asarray(G.v["i > 2"] / mV), [4.0, 5.0, 6.0])
    np.testing.assert_allclose(G.v_["i > 2"], [0.004, 0.005, 0.006])
    np.testing.assert_array_equal(G.x["i > 2"], [0.0, 0.0, 0.0])


def test_string_index_writes_numbers_and_strings():
    G = _group()
    G.v["i > 3"] = 7 * mV
    np.testing.assert_allclose(G.v_ / 1e-3, [1, 2, 3, 4, 7, 7])
    G.v["i % 2 == 0"] = "i*mV"
    np.testing.assert_allclose(G.v_ / 1e-3, [0, 2, 2, 4, 4, 7])


def test_string_index_on_a_subgroup_counts_i_from_its_start():
    G = _group()
    G.v["i > 3"] = 7 * mV
    G.v["i % 2 == 0"] = "i*mV"
    sub = G[2:]
    np.testing.assert_allclose(np.asarray(sub.v["i > 1"] / mV), [4.0, 7.0])
    sub.v["i > 1"] = "i*10*mV"
    np.testing.assert_allclose(G.v_ / 1e-3, [0, 2, 2, 4, 20, 30])
    sub.x_["i <= 1"] = 3
    np.testing.assert_array_equal(G.x, [0, 0, 3, 3, 0, 0])


def test_string_index_takes_names_from_the_callers_scope():
    G = _group()
    k = 4  # noqa: F841 - read by the index string
    np.testing.assert_allclose(np.asarray(G.v["i >= k"] / mV), [5.0, 6.0])


def test_string_index_on_synapses():
    G = _group()
    S = ld.Synapses(G, G, "w : volt")
    S.connect()
    S.w = "i*mV + j*0.1*mV"
    np.testing.assert_allclose(np.asarray(S.w["i > j and j == 0"] / mV), [1, 2, 3, 4, 5])
    S.w["i < j and i == 0"] = "-j*mV"
    np.testing.assert_allclose(S.w_[:6] / 1e-3, [0, -1, -2, -3, -4, -5], atol=1e-12)


def test_a_number_as_index_string_is_refused_naming_it():
    G = _group()
    before = G.v_.copy()
    with pytest.raises(EquationError, match="must be a true/false condition"):
        G.v["i + 1"]
    with pytest.raises(EquationError, match="must be a true/false condition"):
        G.v["i + 1"] = 3 * mV
    np.testing.assert_array_equal(G.v_, before)
