"""What Brian2 2.9.0's own example scripts showed lifdsl getting wrong, each against the numbers
Brian2 gives for a small script doing the same (/tmp/b2env/bin/python, numpy target; the
script is in each test's docstring). Runs on both targets.
"""

from __future__ import annotations

import numpy as np

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
