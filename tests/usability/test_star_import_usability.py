"""`from lifdsl import *` in place of `from brian2 import *`."""

from __future__ import annotations

import pytest

BRIAN2_NAMES = ["run", "defaultclock", "start_scope", "NeuronGroup", "StateMonitor",
                "SpikeMonitor", "PopulationRateMonitor", "Network", "TimedArray", "seed", "store",
                "restore", "collect", "Equations", "prefs",
                "ms", "mV", "Hz", "second", "volt", "amp", "ohm", "farad", "siemens", "hertz",
                "nA", "pA", "nS", "pF", "Mohm", "kHz", "msecond", "mvolt", "namp", "cm", "um"]

# prefixed long names in Brian2's spelling (p + farad), used by its HH / COBA examples
BRIAN2_PREFIXED = ["pfarad", "ufarad", "nsiemens", "msiemens", "uamp", "umetre", "khertz"]


@pytest.fixture(scope="module")
def star():
    ns: dict = {}
    exec("from lifdsl import *", ns)  # noqa: S102 - the import statement under test
    return ns


@pytest.mark.parametrize("name", BRIAN2_NAMES)
def test_star_import_gives_brian2_names(star, name):
    assert name in star


def test_star_import_unit_values(star):
    assert star["ms"] == pytest.approx(1e-3)
    assert star["mV"] == pytest.approx(1e-3)
    assert star["nS"] == pytest.approx(1e-9)
    assert star["Mohm"] == pytest.approx(1e6)
    assert star["kHz"] == pytest.approx(1e3)


@pytest.mark.parametrize("name", ["V", "A", "S", "F", "C", "i", "t", "N", "s", "m", "g", "dt",
                                  "tau", "I", "U", "x"])
def test_star_import_does_not_clobber_common_user_names(star, name):
    assert name not in star


@pytest.mark.parametrize("name", BRIAN2_PREFIXED)
def test_star_import_gives_brian2_prefixed_unit_names(star, name):
    assert name in star


@pytest.mark.parametrize("name", ["Synapses", "PoissonGroup", "SpikeGeneratorGroup"])
def test_star_import_gives_synapses_and_spike_sources(star, name):
    assert name in star
