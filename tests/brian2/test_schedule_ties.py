"""Ties in the schedule (same slot, same order) run in the order of Brian2's names of the
objects that run, as Brian2 sorts them, not in creation order; both targets.

Expected numbers from Brian2 2.9.0 (/tmp/b2env/bin/python, numpy target) running the same
statements with ``from brian2 import *``:
- G = NeuronGroup(1, 'v : 1'); G.run_regularly('v += 1'); M = StateMonitor(G, 'v', record=0);
  @network_operation add() doing G.v += 10; M2 = StateMonitor(G, 'v', record=0,
  name='a_monitor'); run(3*defaultclock.dt): M.v = [11, 22, 33], M2.v = [0, 11, 22]
  (a_monitor < network_operation < neurongroup_run_regularly < statemonitor);
- dt = 0.1 ms, src = SpikeGeneratorGroup(1, [0, 0], [0.2, 0.5]*ms), G.v = 1,
  S: on_pre 'v = v*2', S1: on_pre 'v += 1', G.run_regularly('v += 100',
  when='after_synapses'), M = StateMonitor(G, 'v', record=0, when='after_synapses'),
  @network_operation(when='after_synapses') G.v = G.v*3; run(0.7*ms):
  M.v = [103, 409, 2560, 7780, 23440, 140746, 422338] (synapses_1_pre before synapses_pre in
  'synapses'; then network_operation, neurongroup_run_regularly, statemonitor). In creation
  order it would be [101, 403, 2519, ...].
"""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl.brian2 as b2
from lifdsl.codegen.cache import compiler_available

TARGETS = ["numpy"] + (["cython"] if compiler_available() else [])


@pytest.fixture(autouse=True)
def _scope():
    old_dt, old_target = b2.defaultclock.dt_, b2.prefs.codegen.target
    b2.start_scope()
    yield
    b2.defaultclock.dt = old_dt
    b2.prefs.codegen.target = old_target


@pytest.mark.parametrize("target", TARGETS)
def test_operations_and_monitors_at_start_follow_brian2s_names(target):
    b2.prefs.codegen.target = target
    G = b2.NeuronGroup(1, "v : 1")
    G.run_regularly("v += 1")
    M = b2.StateMonitor(G, "v", record=0)

    @b2.network_operation
    def add():
        G.v += 10

    M2 = b2.StateMonitor(G, "v", record=0, name="a_monitor")
    assert add.name.startswith("network_operation")
    b2.run(3 * b2.defaultclock.dt)
    np.testing.assert_array_equal(M.v[0], [11, 22, 33])
    np.testing.assert_array_equal(M2.v[0], [0, 11, 22])


@pytest.mark.parametrize("target", TARGETS)
def test_pathways_operations_and_monitors_after_synapses_follow_brian2s_names(target):
    b2.prefs.codegen.target = target
    b2.defaultclock.dt = 0.1 * b2.ms
    src = b2.SpikeGeneratorGroup(1, [0, 0], [0.2, 0.5] * b2.ms)
    G = b2.NeuronGroup(1, "v : 1")
    G.v = 1
    # (named as a fresh script names them: names count up through the test session)
    S = b2.Synapses(src, G, on_pre="v = v*2", name="synapses")
    S.connect()
    S1 = b2.Synapses(src, G, on_pre="v += 1", name="synapses_1")
    S1.connect()
    G.run_regularly("v += 100", when="after_synapses")
    M = b2.StateMonitor(G, "v", record=0, when="after_synapses")

    @b2.network_operation(when="after_synapses")
    def op():
        G.v = G.v * 3

    b2.run(0.7 * b2.ms)
    np.testing.assert_array_equal(M.v[0], [103, 409, 2560, 7780, 23440, 140746, 422338])


def test_lifdsls_own_objects_keep_creation_order():
    import lifdsl as ld

    ld.start_scope()
    G = ld.NeuronGroup(1, "v : 1")
    G.run_regularly("v += 1")
    M = ld.StateMonitor(G, "v", record=0)
    op = ld.network_operation(lambda: G.v.__setitem__(0, G.v[0] + 10))
    assert op.name.startswith("networkoperation")
    M2 = ld.StateMonitor(G, "v", record=0, name="a_monitor")
    ld.run(3 * ld.defaultclock.dt)
    np.testing.assert_array_equal(M.v[0], [1, 12, 23])
    np.testing.assert_array_equal(M2.v[0], [11, 22, 33])


def test_automatic_names_are_brian2s_in_a_fresh_script():
    """Brian2 2.9.0 ran this loop (start_scope(); G = NeuronGroup(1, 'v : 1');
    M = StateMonitor(G, 'v', record=0); run(defaultclock.dt), four times), then, after
    del G, M, a group named 'neurongroup_2' and one without a name: names reuse those of
    objects that are gone, [('neurongroup', 'statemonitor'), ('neurongroup_1',
    'statemonitor_1'), ('neurongroup', 'statemonitor'), ('neurongroup_1', 'statemonitor_1'),
    ('neurongroup_2', 'neurongroup')]."""
    import subprocess
    import sys

    script = (
        "from lifdsl.brian2 import *\n"
        "import gc\n"
        "names = []\n"
        "for k in range(4):\n"
        "    start_scope()\n"
        "    G = NeuronGroup(1, 'v : 1')\n"
        "    M = StateMonitor(G, 'v', record=0)\n"
        "    run(defaultclock.dt)\n"
        "    names.append((G.name, M.name))\n"
        "del G, M\n"
        "gc.collect()\n"
        "H = NeuronGroup(1, 'v : 1', name='neurongroup_2')\n"
        "K = NeuronGroup(1, 'v : 1')\n"
        "names.append((H.name, K.name))\n"
        "print(names)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip().splitlines()[-1]
    assert out == str([("neurongroup", "statemonitor"), ("neurongroup_1", "statemonitor_1"),
                       ("neurongroup", "statemonitor"), ("neurongroup_1", "statemonitor_1"),
                       ("neurongroup_2", "neurongroup")])
