"""``(linked)`` variables with ``linked_var()``: a group reads another group's variable at each
step of the compiled loop (element for element, through an index, from a subgroup), on both
targets; links of the wrong size or unit, writes from Python and unset links are refused with
Brian2's errors (in lifdsl's words).

Expected values: Brian2 2.9.0 (/tmp/b2env) running the script of test_links_read_the_source_
every_step with the same objects, orders and run (numpy and cython targets gave the same
numbers to the last digit or one ulp), printing the arrays with .tolist()."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.equations import EquationError
from lifdsl.units import DimensionMismatchError, ms

B2_X = [0.021249751702340548, 0.06859353273954796, 0.0, 0.0]
B2_Z = [0.16315710592701638, 0.16315710592701638, 0.2827060907945855, 0.2827060907945855,
        0.40225507566215457, 0.40225507566215457]
B2_W = [5.873531996236274, 8.227943330196895]
B2_Y = [0.4165345184370716, 0.4165345184370716, 0.6427438729460615, 0.6427438729460615,
        0.8689532274550513, 0.8689532274550513]
B2_M_V = [[0.0, 0.05910893290298399, 0.11647093283150324, 0.17213762945754454],
          [0.25, 0.301720316290111, 0.35191206622756527, 0.40062042577535145],
          [0.5, 0.5443316996772379, 0.5873531996236274, 0.6291032220931585],
          [0.75, 0.786943083064365, 0.8227943330196895, 0.8575860184109655]]   # M.v[:, ::3]
B2_COUNT = [0, 0, 10, 10]


def _source():
    G1 = ld.NeuronGroup(4, "dv/dt = (2 - v)/(10*ms) : 1", method="exact")
    G1.v = "i*0.25"
    return G1


def test_links_read_the_source_every_step():
    G1 = _source()
    G2 = ld.NeuronGroup(4, "v : 1 (linked)\ndx/dt = v/(5*ms) : 1", method="euler",
                        threshold="v > 0.5 + 0.1*x", reset="x = 0")
    G2.v = ld.linked_var(G1.v)
    G2.state_updater.order = 1        # after G1's update: reads v of the step's end
    G3 = ld.NeuronGroup(6, "y : 1 (linked)\ndz/dt = y/(2*ms) : 1", method="euler")
    G3.y = ld.linked_var(G1[1:], "v", index=np.array([0, 0, 1, 1, 2, 2]))
    G3.state_updater.order = -1       # before it: reads v of the step's start
    G4 = ld.NeuronGroup(2, "u : 1 (linked)\nw : 1")
    G4.u = ld.linked_var(G1[2:], "v")
    G4.run_regularly("w = u*10", dt=0.5 * ms, when="end")
    M = ld.StateMonitor(G2, ["x", "v"], record=True)
    sp = ld.SpikeMonitor(G2)
    ld.Network(G1, G2, G3, G4, M, sp).run(1 * ms)
    np.testing.assert_allclose(G2.x, B2_X, rtol=1e-14, atol=0)
    np.testing.assert_allclose(G3.z, B2_Z, rtol=1e-14)
    np.testing.assert_allclose(G4.w, B2_W, rtol=1e-14)
    np.testing.assert_allclose(G3.y, B2_Y, rtol=1e-14)
    np.testing.assert_allclose(G4.u, B2_Y[2::2], rtol=1e-14)
    np.testing.assert_allclose(M.v[:, ::3], B2_M_V, rtol=1e-14)
    np.testing.assert_array_equal(sp.count, B2_COUNT)


def test_a_link_without_index_writes_the_source():
    G1 = ld.NeuronGroup(3, "v : 1")
    G1.v = [1.0, 2.0, 3.0]
    G2 = ld.NeuronGroup(3, "y : 1 (linked)")
    G2.y = ld.linked_var(G1, "v")
    G2.run_regularly("y = y*2 + i")
    ld.Network(G1, G2).run(0.2 * ms)
    np.testing.assert_array_equal(G1.v, [4.0, 11.0, 18.0])   # Brian2 2.9.0: [ 4. 11. 18.]


def test_an_integer_source_and_a_string_index():
    Gi = ld.NeuronGroup(4, "n : integer")
    Gi.n = [1, 2, 3, 4]
    Gl = ld.NeuronGroup(4, "m : integer (linked)\nx : 1")
    Gl.m = ld.linked_var(Gi, "n", index="i")
    Gl.run_regularly("x = m / 2 + m // 3")
    ld.Network(Gi, Gl).run(0.1 * ms)
    assert Gl.m.dtype == np.int32          # Brian2 2.9.0: int32, x = [0.5 1. 2.5 3.]
    np.testing.assert_array_equal(Gl.x, [0.5, 1.0, 2.5, 3.0])
    M = ld.StateMonitor(Gl, "m", record=True)
    ld.Network(Gi, Gl, M).run(0.1 * ms)
    assert M.m.dtype == np.int32           # recorded in the source's dtype
    np.testing.assert_array_equal(M.m[:, 0], [1, 2, 3, 4])
    G = ld.NeuronGroup(4, "y : 1 (linked)")
    G.y = ld.linked_var(Gi, "n", index=[3, 2, 1, 0])
    np.testing.assert_array_equal(G.y, [4, 3, 2, 1])


def test_links_of_the_wrong_size_or_unit_are_refused():
    G1 = _source()
    G5 = ld.NeuronGroup(3, "y : 1 (linked)")
    # Brian2: ValueError "Cannot link variable 'y' to 'v', the size of the target group does
    # not match (3 != 4)"
    with pytest.raises(ValueError, match=r"size of the target group does not match \(3 != 4\)"):
        G5.y = ld.linked_var(G1, "v")
    G6 = ld.NeuronGroup(4, "y : volt (linked)")
    with pytest.raises(DimensionMismatchError, match="'y'.*does not match its link target 'v'"):
        G6.y = ld.linked_var(G1, "v")
    G9 = ld.NeuronGroup(4, "y : 1 (linked)")
    with pytest.raises(TypeError, match="one-dimensional array of length 4"):
        G9.y = ld.linked_var(G1.v, index=np.array([0, 1]))
    with pytest.raises(ValueError, match=r"outside the valid range \[0, 4\["):
        G9.y = ld.linked_var(G1.v, index=np.array([0, 1, 2, 7]))
    with pytest.raises(KeyError, match="no state variable 'w'"):
        ld.linked_var(G1, "w")
    with pytest.raises(ValueError, match="needs a variable name"):
        ld.linked_var(G1)
    with pytest.raises(NotImplementedError, match="'z'.* is a subexpression.*without index"):
        ld.linked_var(ld.NeuronGroup(4, "z = 2*i : 1"), "z", index=np.arange(4))
    S = ld.Synapses(G1, G1, "w : 1")
    with pytest.raises(NotImplementedError, match="Synapses"):
        ld.linked_var(S, "w")
    with pytest.raises(EquationError, match="'linked' flag cannot be combined"):
        ld.NeuronGroup(4, "y : 1 (linked, shared)")


def test_linked_variables_are_not_set_from_python_and_need_a_link():
    G1 = _source()
    G2 = ld.NeuronGroup(4, "y : 1 (linked)")
    with pytest.raises(TypeError, match="link target of variable 'y'.*has not been set"):
        _ = G2.y
    with pytest.raises(TypeError, match="has not been set"):
        ld.Network(G2).run(0.1 * ms)
    # Brian2: ValueError "Cannot set a linked variable directly, link it to another variable
    # using 'linked_var'."
    for value in (3, "i*2", np.zeros(4)):
        with pytest.raises(ValueError, match="cannot set the linked variable 'y'"):
            G2.y = value
    G2.y = ld.linked_var(G1, "v")
    with pytest.raises(ValueError, match="cannot set the linked variable 'y'"):
        G2.y_ = 1.0
    np.testing.assert_array_equal(G2.y, [0.0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(G2[1:3].y, [0.25, 0.5])   # a subgroup reads it too
    with pytest.raises(ValueError, match="cannot set the linked variable 'y'"):
        G2[1:3].y = 1.0


def test_writing_a_link_through_an_index_is_refused_naming_the_line():
    G1 = ld.NeuronGroup(4, "v : 1")
    G8 = ld.NeuronGroup(4, "y : 1 (linked)")
    G8.y = ld.linked_var(G1, "v", index=[0, 0, 1, 1])
    G8.run_regularly("y = y + 1")
    with pytest.raises(EquationError, match="through an index.*not written"):
        ld.Network(G1, G8).run(0.1 * ms)
    np.testing.assert_array_equal(G1.v, [0, 0, 0, 0])


def test_a_source_of_one_element_or_a_shared_variable_is_read_by_every_element():
    # Brian2 2.9.0, the same script: G.v = [0.057769797634430665, 0.1482080051353111,
    # 0.23864621263619154], G.I = 0.18126924692201854, G.g = 0.5 (scalars, as Brian2 shows
    # a link to one value; lifdsl shows one per element)
    src = ld.NeuronGroup(1, "dx/dt = (1 - x)/(5*ms) : 1", method="exact")
    glob = ld.NeuronGroup(3, "g : 1 (shared)")
    glob.g = 0.5
    G = ld.NeuronGroup(3, "dv/dt = (I - v)/(10*ms) + g/(10*ms) : 1\nI : 1 (linked)\n"
                          "g : 1 (linked)", method="euler")
    G.I = ld.linked_var(src, "x")
    G.g = ld.linked_var(glob, "g")
    G.v = "i*0.1"
    G.state_updater.order = 1
    ld.Network(src, glob, G).run(1 * ms)
    np.testing.assert_allclose(G.v, [0.057769797634430665, 0.1482080051353111,
                                     0.23864621263619154], rtol=1e-14)
    np.testing.assert_allclose(G.I, [0.18126924692201854] * 3, rtol=1e-14)
    np.testing.assert_array_equal(G.g, [0.5, 0.5, 0.5])


def test_synapses_link_to_a_subexpression_of_a_one_neuron_group():
    """``G : Hz (linked)`` in a Synapses, linked to the subexpression G = H - gamma of a group
    of one neuron (Brian2's homeostatic_stdp_at_inhibitory_synapes.py): every synapse reads
    the current value, in pathways and monitors. Brian2 2.9.0 (/tmp/b2env, numpy target) for
    this script: S.w [6.292810915208157]*2, S.G 1.065306597126316 Hz, M.G[0][::10]
    [5.0, 4.048374180359591, 3.187307530779808, 2.408182206817165, 1.7032004603563768] Hz,
    M.w[1][::10] [0, 0, 3.9583413529652773, 3.9583413529652773, 6.292810915208157]."""
    from lifdsl.brian2 import (
        Hz,
        NeuronGroup,
        SpikeGeneratorGroup,
        StateMonitor,
        Synapses,
        linked_var,
        ms,
        run,
    )

    gamma, tau_H = 5 * Hz, 10 * ms   # noqa: F841 - read by the strings
    gf = NeuronGroup(1, "G = H - gamma : Hz\ndH/dt = -H/tau_H : Hz", method="exact")
    gf.H = 10 * Hz
    pre = SpikeGeneratorGroup(1, [0, 0], [1 * ms, 3 * ms])
    post = NeuronGroup(2, "v : 1")
    S = Synapses(pre, post, "G : Hz (linked)\nw : 1", on_pre="w += G*second")
    S.connect(i=0, j=[0, 1])
    S.G = linked_var(gf, "G")
    M = StateMonitor(S, ["G", "w"], record=True)
    run(5 * ms)
    np.testing.assert_allclose(S.w[:], [6.292810915208157] * 2, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(S.G[:] / Hz), [1.065306597126316] * 2, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(M.G[0][::10] / Hz),
                               [5.0, 4.048374180359591, 3.187307530779808, 2.408182206817165,
                                1.7032004603563768], rtol=1e-12)
    np.testing.assert_allclose(M.w[1][::10], [0, 0, 3.9583413529652773, 3.9583413529652773,
                                              6.292810915208157], rtol=1e-12)


def test_synapses_links_only_to_one_value_and_never_write_a_subexpression():
    from lifdsl.brian2 import NeuronGroup, Synapses, linked_var, ms, run

    src = NeuronGroup(2, "x : Hz\nG = x*2 : Hz")
    g1 = NeuronGroup(1, "G = H*2 : Hz\nH : Hz")
    S = Synapses(src, src, "G : Hz (linked)\nw : 1", on_pre="w += 1")
    S.connect()
    with pytest.raises(NotImplementedError, match="group of one element"):
        S.G = linked_var(src, "x")
    with pytest.raises(DimensionMismatchError, match="does not match"):
        S.G = linked_var(NeuronGroup(1, "y : 1"), "y")
    del S   # (never linked: not in the run below)
    T = Synapses(src, src, "G : Hz (linked)\nw : 1", on_pre="G = 1*Hz")
    T.connect()
    T.G = linked_var(g1, "G")
    with pytest.raises(EquationError, match="can be read, not written"):
        run(1 * ms)


def test_a_neurongroup_links_to_a_subexpression_of_another():
    """y : 1 (linked) to z = 2*x + c of a group of the same size (c from that group's
    namespace=): read in the update and by a monitor; the closed form, both targets."""
    src = ld.NeuronGroup(3, "dx/dt = -x/tau : 1\nz = 2*x + c : 1",
                         namespace={"tau": 10e-3, "c": 0.5}, method="exact")
    src.x = [1.0, 2.0, 3.0]
    G = ld.NeuronGroup(3, "y : 1 (linked)\ndu/dt = y/second : 1", method="euler")
    G.y = ld.linked_var(src, "z")
    M = ld.StateMonitor(G, "y", record=True)
    ld.run(5e-3)
    t = M.t_
    x0 = np.array([1.0, 2.0, 3.0])[:, None]
    np.testing.assert_allclose(M.y, 2 * x0 * np.exp(-t / 10e-3) + 0.5, rtol=1e-12)
    np.testing.assert_allclose(G.y[:], 2 * x0[:, 0] * np.exp(-5e-3 / 10e-3) + 0.5, rtol=1e-12)
    # u integrates y by euler, after src's update in the same slot (src was made first, so it
    # updates first, as in Brian2): dt times the sum of y at the ends of the steps
    ends = np.arange(1, 51) * 1e-4
    np.testing.assert_allclose(G.u[:], (2 * x0 * np.exp(-ends / 10e-3) + 0.5).sum(axis=1)
                               * 1e-4, rtol=1e-10)


def test_a_link_to_a_subexpression_of_the_index_is_a_clear_error():
    G = ld.NeuronGroup(3, "w : 1 (linked)\ndv/dt = w/second : 1")
    G.w = ld.linked_var(ld.NeuronGroup(3, "q = i*2 : 1"), "q")
    with pytest.raises(NotImplementedError, match="reads 'i'.*stored variables, constants"):
        ld.Network(G).run(1e-4)
    assert G.v[:].tolist() == [0.0, 0.0, 0.0]   # (nothing ran)


def test_relinking_a_subexpression_reads_the_new_source():
    a = ld.NeuronGroup(2, "x : 1\nz = x + 1 : 1")
    b = ld.NeuronGroup(2, "u : 1\nz = 10*u : 1")
    a.x, b.u = [1.0, 2.0], [3.0, 4.0]
    G = ld.NeuronGroup(2, "y : 1 (linked)\ns : 1")
    G.run_regularly("s = y")
    G.y = ld.linked_var(a, "z")
    net = ld.Network(a, b, G)
    net.run(1e-4)
    assert G.s[:].tolist() == [2.0, 3.0]
    G.y = ld.linked_var(b, "z")
    net.run(1e-4)
    assert G.s[:].tolist() == [30.0, 40.0] and G.y[:].tolist() == [30.0, 40.0]
    assert not [k for k in G._links if k.startswith("_lnk_y_x")]   # (a's x is not read)
