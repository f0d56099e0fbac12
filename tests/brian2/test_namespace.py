"""``from lifdsl.brian2 import *`` gives what ``from brian2 import *`` gives.

The expected names are tests/data/brian2_namespace.json, written by
tests/data/make_brian2_namespace.py from a real star-import of Brian2 2.9.0.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pylab
import pytest

import lifdsl as ld

DATA = json.loads((Path(__file__).parent.parent / "data" / "brian2_namespace.json").read_text())

# Brian2 names lifdsl.brian2 does not give: Brian2's internals (code objects, base classes,
# its submodules and preference machinery) that scripts do not use, and features not built yet
# ('test', Brian2's test runner, is numpy's here, through pylab; 'core' and 'devices' hold
# the few names scripts import from them)
ABSENT = {
    # internals and submodules
    "BinomialFunction", "BrianObject", "BrianObjectException", "BrianPreference", "CodeRunner",
    "CythonCodeObject", "DEFAULT_CONSTANTS", "DEFAULT_FUNCTIONS", "DEFAULT_UNITS",
    "ExplicitStateUpdater", "Expression", "Group", "ImportExport", "Nameable",
    "NumpyCodeObject", "PreferenceError", "SpikeSource", "StateUpdateMethod", "Statements",
    "Trackable", "VariableOwner", "all_devices", "brian_prefs", "check_cache", "codegen",
    "declare_types", "equations", "get_local_namespace", "get_logger",
    "get_or_create_dimension", "groups", "importexport", "input", "is_scalar_type", "logger",
    "memory", "monitors", "numpy_", "only", "parsing", "register_new_unit",
    "restore_initial_state", "scheduling_summary", "signal", "spatialneuron", "stateupdaters",
    "std_silent", "synapses", "tests", "types", "utils",
    # model features another part of issue 11 adds (present here once lifdsl has them)
    "linked_var",
}


@pytest.fixture(scope="module")
def star():
    ns: dict = {}
    exec("from lifdsl.brian2 import *", ns)  # noqa: S102 - the import statement under test
    return ns


def test_brian2_names_are_there_but_the_listed_absent_ones(star):
    missing = [n for n in DATA["brian2"] if n not in star and n not in ABSENT]
    assert missing == []
    # the list of absent names is not stale: each really is absent
    assert [n for n in ABSENT if n in star and n in DATA["brian2"]] == [
        n for n in ("linked_var",) if n in star]
    assert "EventMonitor" in star


def test_numpy_and_pylab_names_are_reexported(star):
    # every name of Brian2's list that this machine's pylab has (numpy versions add and drop)
    wanted = [n for n in DATA["reexported"] if hasattr(pylab, n)]
    assert len(wanted) > 700
    assert [n for n in wanted if n not in star] == []
    for n in ("np", "array", "linspace", "sqrt", "pi", "plot", "show", "plt", "subplot",
              "xlabel", "zeros", "mean", "figure"):
        assert n in star, n


def test_brian2_names_win_collisions(star):
    assert "cm" in DATA["collisions"] and "seed" in DATA["collisions"]
    assert star["cm"] is ld.units.cm and float(star["cm"]) == 0.01  # not matplotlib's cm
    assert star["seed"] is ld.seed                                  # not numpy.random.seed
    assert star["np"] is np
    assert star["prefs"].codegen.target == ld.prefs.target


def test_objects_units_and_constants(star):
    for n in ("NeuronGroup", "Synapses", "SpikeMonitor", "StateMonitor", "Network", "run",
              "start_scope", "stop", "network_operation", "defaultclock", "magic_network",
              "store", "restore", "TimedArray", "PoissonGroup", "SpikeGeneratorGroup",
              "BrianLogger", "set_device", "device", "profiling_summary", "timestep"):
        assert n in star, n
    assert float(star["mV"]) == pytest.approx(1e-3)
    assert float(star["boltzmann_constant"]) == pytest.approx(1.380649e-23, rel=1e-9)


def test_import_forms():
    from lifdsl.brian2.units import ms, mV
    from lifdsl.brian2.units.constants import faraday_constant

    import lifdsl.brian2 as brian2
    from lifdsl.brian2 import defaultclock, run

    assert run is ld.run
    # lifdsl's default clock, in Brian2's units (a setting goes to lifdsl's)
    assert repr(defaultclock.dt) == "100. * usecond" and float(defaultclock.t) == 0.0
    assert brian2.units is ld.units and mV is ld.units.mV and ms is ld.units.ms
    assert float(faraday_constant) == pytest.approx(96485.33212, rel=1e-6)


def test_numpy_and_pylab_names_never_leak_into_lifdsl():
    code = ("import lifdsl, lifdsl.brian2; ns = {}; exec('from lifdsl import *', ns); "
            "bad = [n for n in ('np', 'array', 'linspace', 'plot', 'plt', 'show', 'sqrt', "
            "'zeros') if n in ns or hasattr(lifdsl, n)]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_out_of_scope_features_say_so(star):
    for name in ("SpatialNeuron", "Morphology", "Soma", "Cylinder", "Section"):
        with pytest.raises(star["OutOfScopeError"], match="out of lifdsl's scope"):
            star[name](1)
    with pytest.raises(star["OutOfScopeError"], match="GeNN"):
        star["set_device"]("genn")


def test_brian2_math_extras(star):
    # values Brian2 2.9.0 gave (/tmp/b2env: exprel(0), exprel(1e-20), exprel([0, 1., 800]),
    # trapz([1, 2, 3]*mV, dx=1*ms) -> 4. uWb, in1d([1, 2, 3], [2]))
    exprel = star["exprel"]
    assert exprel(0) == 1.0 and exprel(1e-20) == 1.0
    np.testing.assert_allclose(exprel(np.array([0, 1.0, 800])), [1.0, np.e - 1, np.inf])
    with pytest.raises(star["DimensionMismatchError"], match="exprel"):
        exprel(1 * star["mV"])
    area = star["trapz"]([1, 2, 3] * star["mV"], dx=1 * star["ms"])
    assert float(area) == pytest.approx(4e-6, rel=1e-12)
    assert star["have_same_dimensions"](area, star["mV"] * star["ms"])
    assert list(star["in1d"]([1, 2, 3], [2])) == [False, True, False]
    assert star["Function"] is ld.Function and star["implementation"] is ld.implementation


def test_sum_takes_a_generator_as_brian2s_does(star):
    # Brian2 2.9.0's star-import sum is NumPy's; with its NumPy 2.3.5 a generator works (a
    # DeprecationWarning; NumPy 2.4 raises). /tmp/b2env gave: sum(x*ms for x in [1, 2]) ->
    # 3. ms, sum(x for x in [1.5, 2]) -> 3.5, sum(array([[1, 2], [3, 4]]), axis=0) -> [4 6]
    # (advanced/float_32_64_benchmark.py sums its profiling times with a generator)
    ms, total = star["ms"], star["sum"]
    got = total(x * ms for x in [1, 2])
    assert star["have_same_dimensions"](got, ms) and float(got) == pytest.approx(3e-3)
    assert total(x for x in [1.5, 2]) == 3.5
    assert list(total(np.array([[1, 2], [3, 4]]), axis=0)) == [4, 6]


def test_times_are_quantities_in_a_unitless_model_as_in_brian2(star):
    """Brian2 2.9.0 (/tmp/b2env) for this script: defaultclock.dt -> 100. * usecond,
    int(10*ms/defaultclock.dt) -> 100, after run(30*ms) magic_network.t and defaultclock.t ->
    30. * msecond, net.t of a Network run 2 ms -> 2. * msecond, S.t[:3] -> [10.9 10.9 21.9] ms,
    sum(M.t > 5*ms) -> 249, R.rate has dimension Hz; dt set through the star-import is
    lifdsl's."""
    ms, NeuronGroup, run = star["ms"], star["NeuronGroup"], star["run"]
    defaultclock = star["defaultclock"]
    assert star["have_same_dimensions"](defaultclock.dt, ms)
    assert int(10 * ms / defaultclock.dt) == 100
    G = NeuronGroup(2, "dv/dt = (1.5 - v)/(10*ms) : 1", threshold="v > 1", reset="v = 0",
                    method="exact")
    S, M = star["SpikeMonitor"](G), star["StateMonitor"](G, "v", record=0)
    R = star["PopulationRateMonitor"](G)
    run(30 * ms)
    for t in (defaultclock.t, star["magic_network"].t):
        assert star["have_same_dimensions"](t, ms) and float(t) == pytest.approx(30e-3)
    np.testing.assert_allclose(np.asarray(S.t[:3] / ms), [10.9, 10.9, 21.9])
    assert int(np.sum(M.t > 5 * ms)) == 249
    assert star["have_same_dimensions"](R.rate, star["Hz"])
    assert star["have_same_dimensions"](M.t, ms) and not isinstance(ld.StateMonitor(G, "v").t,
                                                                   star["Quantity"])
    star["start_scope"]()
    H = NeuronGroup(1, "v : 1")
    net = star["Network"](H)
    net.run(2 * ms)
    assert star["have_same_dimensions"](net.t, ms) and float(net.t) == pytest.approx(2e-3)
    # a group's own t too (Brian2: <neurongroup.t: 2. * msecond>); still lifdsl's classes
    assert star["have_same_dimensions"](H.t, ms) and float(H.t) == pytest.approx(2e-3)
    assert isinstance(H, ld.NeuronGroup) and H.t_ == pytest.approx(2e-3)
    old = ld.defaultclock.dt
    defaultclock.dt = 0.05 * ms
    assert ld.defaultclock.dt == pytest.approx(5e-5)
    ld.defaultclock.dt = old
