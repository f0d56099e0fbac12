"""Model arithmetic and edge cases give the same, documented result on both targets."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.program import TimedArrayIndexError
from tests.targets import TARGETS


@pytest.mark.parametrize("target", TARGETS)
def test_integer_powers_and_divisions_are_computed_in_floating_point(target):
    """NumPy computed 2**(i+62) in int64 (wrapped) and refused 2**(i-5); C used doubles."""
    G = ld.NeuronGroup(8, "a : 1\nb : 1\nc : 1\nd : 1")
    G.run_regularly("a = 2**(i + 62)\nb = 2**(i - 5)\nc = i/2 + N/3\nd = 2**N")
    ld.Network(G, target=target).run(1e-4)
    i = np.arange(8.0)
    np.testing.assert_array_equal(G.a, 2.0 ** (i + 62))
    np.testing.assert_array_equal(G.b, 2.0 ** (i - 5))
    np.testing.assert_allclose(G.c, i / 2 + 8 / 3, rtol=1e-15)
    np.testing.assert_array_equal(G.d, np.full(8, 256.0))


def test_string_assignment_computes_in_floating_point_too():
    G = ld.NeuronGroup(4, "a : 1")
    G.a = "2**(i + 62)"
    np.testing.assert_array_equal(G.a, 2.0 ** (np.arange(4.0) + 62))
    G.a = "2**(i - 5)"
    np.testing.assert_array_equal(G.a, 2.0 ** (np.arange(4.0) - 5))


@pytest.mark.parametrize("target", TARGETS)
def test_a_timedarray_read_outside_its_columns_is_the_same_clear_error(target):
    f = ld.TimedArray(np.ones((3, 9)), dt=1e-4)
    G = ld.NeuronGroup(8, "x : 1\nI = f(t, i + k) : 1", namespace={"f": f})
    G.run_regularly("x = I")
    net = ld.Network(G, target=target)
    net.run(2e-4, namespace={"k": 1})          # columns 1..8 of 9: fine
    np.testing.assert_array_equal(G.x, np.ones(8))
    with pytest.raises(TimedArrayIndexError) as err:
        net.run(3e-4, namespace={"k": 3})       # neuron 6 reads column 9
    assert str(err.value) == ("TimedArray 'f' has 9 column(s) but was read at column 9 at "
                              "t = 0.0002 s; check the index expression of f(t, ...)")
    assert isinstance(err.value, IndexError)
    assert net.t == pytest.approx(2e-4)          # stopped in the step it happened


@pytest.mark.parametrize("name", ["spikes", "method", "name", "active", "namespace",
                                  "variables", "run_regularly", "thresholder", "dtype"])
def test_variables_named_like_group_attributes_are_refused(name):
    for model in (f"{name} : 1", f"d{name}/dt = -{name}/tau : 1", f"v : 1\n{name} = 2*v : 1"):
        with pytest.raises(ld.EquationError) as err:
            ld.NeuronGroup(2, model)
        text = str(err.value)
        assert f"'{name}' is the name of a NeuronGroup attribute" in text
        assert "reserved:" in text and "spikes" in text and "active" in text


@pytest.mark.parametrize("dt", [float("inf"), float("-inf"), float("nan"), 0.0, -1e-4])
def test_dt_must_be_positive_and_finite(dt):
    with pytest.raises(ValueError, match="positive, finite"):
        ld.NeuronGroup(1, "v : 1", dt=dt)


@pytest.mark.parametrize("model, method", [
    ("dv/dt = -v/tau : 1", "exact"),
    ("dv/dt = (-v + sqrt(I) + abs(-2))/tau : 1\nI : 1", "rk4"),
])
def test_float32_models_with_numpy_functions_of_constants_agree_to_the_bit(model, method):
    """NumPy computes exp(-dt/tau) of Python floats as a NumPy float64, so float32 arithmetic
    with it runs in double; the kernel did it in float (1 ulp apart after one step)."""
    out = {}
    for target in [t.values[0] if hasattr(t, "values") else t for t in TARGETS]:
        G = ld.NeuronGroup(3, model, dtype="float32", method=method, namespace={"tau": 1e-2},
                           dt=1e-4)
        G.v = [0.0295, 0.1, 0.7]
        if "I" in model:
            G.I = [1.0, 2.0, 3.0]
        M = ld.StateMonitor(G, "v")
        try:
            ld.Network(G, M, target=target).run(2e-3)
        except ld.CompilerNotFoundError:
            continue
        out[target] = M.v
    assert out["numpy"].dtype == np.float32
    for v in out.values():
        np.testing.assert_array_equal(v, out["numpy"])
