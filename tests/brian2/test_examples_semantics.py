"""What Brian2 2.9.0's own example scripts showed lifdsl getting wrong, each against the numbers
Brian2 gives for a small script doing the same (/tmp/b2env/bin/python, numpy target; the
script is in each test's docstring). Runs on both targets.
"""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl.brian2 as b2
from lifdsl.units import ms


def test_synapses_strings_see_the_callers_names():
    """synapses/STDP.py: ``S.w = 'rand() * gmax'`` with gmax a name of the script raised
    'unknown identifier' (the scope looked up was Synapses.__setattr__'s own frame).

    Brian2 2.9.0, inside a function with gmax = 0.25, scale = 3.0; P = NeuronGroup(2, 'v:1',
    threshold='v>1', reset=''), G = NeuronGroup(2, 'v:1'), S = Synapses(P, G, 'w : 1;
    x = w*scale : 1', on_pre='v_post += clip(w, 0, gmax)'), S.connect(),
    S.w = '(i + 2*j + 1)*gmax/2', P.v = 2, run(0.2*ms): S.w = [0.125, 0.375, 0.25, 0.5] before
    the run, S.x = [0.375, 1.125, 0.75, 1.5], G.v = [0.75, 1.0] after.
    """
    gmax = 0.25  # noqa: F841 - read by the strings below through this frame
    scale = 3.0  # noqa: F841
    b2.start_scope()
    b2.defaultclock.dt = 0.1 * ms
    P = b2.NeuronGroup(2, "v:1", threshold="v>1", reset="")
    G = b2.NeuronGroup(2, "v:1")
    S = b2.Synapses(P, G, """w : 1
                             x = w*scale : 1""", on_pre="v_post += clip(w, 0, gmax)")
    S.connect()
    S.w = "(i + 2*j + 1)*gmax/2"
    P.v = 2
    np.testing.assert_allclose(S.w[:], [0.125, 0.375, 0.25, 0.5], rtol=1e-15)
    np.testing.assert_allclose(S.x[:], [0.375, 1.125, 0.75, 1.5], rtol=1e-15)
    np.testing.assert_allclose(S.x_, [0.375, 1.125, 0.75, 1.5], rtol=1e-15)
    b2.run(0.2 * ms)
    np.testing.assert_allclose(G.v[:], [0.75, 1.0], rtol=1e-15)


def test_synapses_delay_strings_see_the_callers_names():
    """synapses/licklider.py: ``synapses.delay = '...max_freq...'`` raised 'unknown identifier'.

    Brian2 2.9.0, inside a function with d0 = 0.1*ms; P = NeuronGroup(2, 'v:1', threshold='v>1',
    reset=''), S = Synapses(P, P, 'w:1', on_pre='v += w'), S.connect():
    S.delay = '(i + 1)*d0' gives [0.1, 0.1, 0.2, 0.2] ms, then S.pre.delay = '(j + 3)*d0' gives
    [0.3, 0.4, 0.3, 0.4] ms.
    """
    d0 = 0.1 * ms  # noqa: F841 - read by the strings below through this frame
    b2.start_scope()
    P = b2.NeuronGroup(2, "v:1", threshold="v>1", reset="")
    S = b2.Synapses(P, P, "w:1", on_pre="v += w")
    S.connect()
    S.delay = "(i + 1)*d0"
    np.testing.assert_allclose(np.asarray(S.delay[:]), [1e-4, 1e-4, 2e-4, 2e-4], rtol=1e-12)
    S.pre.delay = "(j + 3)*d0"
    np.testing.assert_allclose(np.asarray(S.delay[:]), [3e-4, 4e-4, 3e-4, 4e-4], rtol=1e-12)


def test_poisson_rates_string_of_a_timedarray_of_hertz():
    """synapses/spike_based_homeostasis.py: PoissonGroup(rates='steady_stimulus(t)') of a
    TimedArray in Hz was checked as a plain number ('rates' dimensionless vs hertz).

    Brian2 2.9.0, dt = 0.1 ms, inside a function: ta = TimedArray([0, 10000]*Hz, dt=1*ms),
    P = PoissonGroup(2, rates='ta(t)'), run(2*ms): counts [10, 10], neuron 0 at
    1.0, 1.1, ..., 1.9 ms (rates*dt = 1 from 1 ms on, 0 before).
    """
    b2.start_scope()
    b2.defaultclock.dt = 0.1 * ms
    ta = b2.TimedArray([0, 10000] * b2.Hz, dt=1 * ms)  # noqa: F841 - named in the string
    P = b2.PoissonGroup(2, rates="ta(t)")
    sp = b2.SpikeMonitor(P)
    b2.run(2 * ms)
    np.testing.assert_array_equal(sp.count[:], [10, 10])
    np.testing.assert_allclose(np.asarray(sp.t[sp.i == 0]) / 1e-3, np.arange(10, 20) / 10,
                               rtol=1e-12)


def test_statemonitor_of_synapses_records_the_target_groups_variables():
    """synapses/nonlinear.py: StateMonitor(S, 'g') of a postsynaptic 'g' was refused ('no
    variable g to record').

    Brian2 2.9.0, dt = 0.1 ms: src = NeuronGroup(2, 'dv/dt = 1/(2*ms) : 1', threshold='v>1',
    reset='v = 0', method='euler'), tgt = NeuronGroup(2, 'dv/dt = (g-v)/(10*ms) : volt;
    g : volt; u : 1', method='exact'), S = Synapses(src, tgt, 'dx/dt = -x/(5*ms) : 1
    (clock-driven); w : volt', on_pre='x += 1; g_post += w'), S.connect(),
    S.w = '(i + 1)*j*mV + 0.5*mV', src.v = [0, 0.5], tgt.u = [3, 4]; one StateMonitor(S, name,
    record=[0, 1, 3]) each for g, u, x (Brian2 refuses two target names in one monitor),
    run(5*ms): g[:, -1] = [2, 8, 8] mV, g[:, 25] = [1, 4, 4] mV, u[:, 2] = [3, 4, 4],
    x[:, -1] = [1.39516858, 1.39516858, 1.14226742], t[-1] = 4.9 ms.
    """
    b2.start_scope()
    b2.defaultclock.dt = 0.1 * ms
    src = b2.NeuronGroup(2, "dv/dt = 1/(2*ms) : 1", threshold="v>1", reset="v = 0",
                         method="euler")
    tgt = b2.NeuronGroup(2, """dv/dt = (g-v)/(10*ms) : volt
                               g : volt
                               u : 1""", method="exact")
    S = b2.Synapses(src, tgt, """dx/dt = -x/(5*ms) : 1 (clock-driven)
                                 w : volt""", on_pre="x += 1; g_post += w")
    S.connect()
    S.w = "(i + 1)*j*mV + 0.5*mV"
    src.v = [0, 0.5]
    tgt.u = [3, 4]
    M = b2.StateMonitor(S, ["g", "u", "x"], record=[0, 1, 3])
    b2.run(5 * ms)
    assert M.g.dim == b2.mV.dim
    np.testing.assert_allclose(M.g_[:, -1], [2e-3, 8e-3, 8e-3], rtol=1e-12)
    np.testing.assert_allclose(M.g_[:, 25], [1e-3, 4e-3, 4e-3], rtol=1e-12)
    np.testing.assert_allclose(M.u[:, 2], [3, 4, 4], rtol=1e-12)
    np.testing.assert_allclose(M.x[:, -1], [1.39516858, 1.39516858, 1.14226742], rtol=1e-8)
    assert abs(M.t_[-1] - 4.9e-3) < 1e-15


def test_synapse_indices_are_indexed_by_pre_and_post_as_the_state_is():
    """synapses/spatial_connections.py: ``S.j[neuron_idx, :]`` raised NumPy's IndexError (S.i,
    S.j and S.N_incoming were plain arrays, not indexed by (i, j) as S.w is).

    Brian2 2.9.0: G = NeuronGroup(3, 'v:1', threshold='v>1', reset=''), S = Synapses(G, G,
    'w:1', on_pre='v+=w'), S.connect('i!=j'): S.j[1, :] = [0, 2], S.i[:, 2] = [0, 1],
    S.N_incoming[1, :] = [2, 2], S.j['j>i'] = [1, 2, 2], S.j[[0, 2], 1] = [1, 1].
    """
    b2.start_scope()
    G = b2.NeuronGroup(3, "v:1", threshold="v>1", reset="")
    S = b2.Synapses(G, G, "w:1", on_pre="v+=w")
    S.connect("i!=j")
    np.testing.assert_array_equal(S.j[1, :], [0, 2])
    np.testing.assert_array_equal(S.i[:, 2], [0, 1])
    np.testing.assert_array_equal(S.N_incoming[1, :], [2, 2])
    np.testing.assert_array_equal(S.j["j>i"], [1, 2, 2])
    np.testing.assert_array_equal(S.j[[0, 2], 1], [1, 1])
    assert (S.i + 1).tolist() == [1, 1, 2, 2, 3, 3]   # arithmetic gives plain arrays


def test_brian2_submodules_scripts_import_from():
    """coupled_oscillators.py imports ``from brian2.core.functions import timestep``,
    advanced/float_32_64_benchmark.py ``from brian2.devices.device import reset_device,
    reinit_devices`` (ModuleNotFoundError under lifdsl.brian2).

    Brian2 2.9.0: timestep(0.3*ms, 0.1*ms) = 3, timestep([0.1, 0.25, 1.0]*ms, 0.1*ms) =
    [1, 2, 10]; after set_device('cpp_standalone'), set_device('runtime'), three
    reset_device() calls give CPPStandaloneDevice, RuntimeDevice, RuntimeDevice; after
    set_device('cpp_standalone') and defaultclock.dt = 0.5*ms, reinit_devices() keeps the
    standalone device and dt is 100 us again.
    """
    from lifdsl.brian2.core.functions import timestep
    from lifdsl.brian2.devices.device import get_device, reinit_devices, reset_device

    assert timestep(0.3 * ms, 0.1 * ms) == 3
    np.testing.assert_array_equal(timestep([0.1, 0.25, 1.0] * ms, 0.1 * ms), [1, 2, 10])
    from lifdsl.brian2 import _compat

    old_dt = b2.defaultclock.dt
    _compat._previous.clear()  # (a fresh process's history of devices: none)
    try:
        b2.set_device("cpp_standalone", directory=None)
        b2.set_device("runtime")
        names = []
        for _ in range(3):
            reset_device()
            names.append(get_device().name)
        assert names == ["cpp_standalone", "runtime", "runtime"]
        b2.set_device("cpp_standalone", directory=None)
        b2.defaultclock.dt = 0.5 * ms
        reinit_devices()
        assert get_device().name == "cpp_standalone"
        assert abs(float(b2.defaultclock.dt) - 1e-4) < 1e-18
    finally:
        b2.set_device("runtime")
        b2.defaultclock.dt = old_dt


def test_add_attribute_as_brian2():
    """advanced/compare_GSL_to_conventional.py calls ``mon.add_attribute('run_time')``.

    Brian2 2.9.0: G = NeuronGroup(2, 'v:1'), M = StateMonitor(G, 'v', record=True);
    G.add_attribute('label'); G.label = 'exc'; M.add_attribute('run_time'); M.run_time = 1.5
    read back 'exc' and 1.5; add_attribute('v') on G, 'label' on G again and 'run_time' on M
    again raise AttributeError, and G.other = 1 (never added) too.
    """
    b2.start_scope()
    G = b2.NeuronGroup(2, "v:1")
    M = b2.StateMonitor(G, "v", record=True)
    G.add_attribute("label")
    G.label = "exc"
    M.add_attribute("run_time")
    M.run_time = 1.5
    assert (G.label, M.run_time) == ("exc", 1.5)
    for obj, name in ((G, "v"), (G, "label"), (M, "run_time")):
        with pytest.raises(AttributeError, match=name):
            obj.add_attribute(name)
    with pytest.raises(AttributeError, match="other"):
        G.other = 1


def test_spike_generator_puts_a_time_in_the_step_it_falls_in():
    """examples/brian2/stdp_network.py gave other spike counts than Brian2 ([348, 413, 499] vs
    [335, 420, 476]): SpikeGeneratorGroup rounded times to the nearest step, Brian2 takes the
    step they fall in (floor of t/dt + 1e-3).

    Brian2 2.9.0, dt = 0.1 ms: SpikeGeneratorGroup(2, [0, 0, 0, 1, 1],
    [0.25, 0.56, 0.99, 0.35, 0.17]*ms), run(1.5*ms): i = [1, 0, 1, 0, 0],
    t = [0.1, 0.2, 0.3, 0.5, 0.9] ms.
    """
    b2.start_scope()
    b2.defaultclock.dt = 0.1 * ms
    G = b2.SpikeGeneratorGroup(2, [0, 0, 0, 1, 1], [0.25, 0.56, 0.99, 0.35, 0.17] * ms)
    sp = b2.SpikeMonitor(G)
    b2.run(1.5 * ms)
    np.testing.assert_array_equal(sp.i[:], [1, 0, 1, 0, 0])
    np.testing.assert_allclose(np.asarray(sp.t) / 1e-3, [0.1, 0.2, 0.3, 0.5, 0.9], rtol=1e-9)
