"""snnTorch users and the presets: both faces, batch shapes, dtypes, argument validation."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.models import Alpha, Lapicque, Leaky, Synaptic

PRESETS = [
    pytest.param(lambda: Lapicque(R=5.1, C=5e-3, time_step=1e-3), 1, id="Lapicque"),
    pytest.param(lambda: Leaky(beta=0.8), 1, id="Leaky"),
    pytest.param(lambda: Synaptic(alpha=0.9, beta=0.8), 2, id="Synaptic"),
    pytest.param(lambda: Alpha(alpha=0.9, beta=0.8), 3, id="Alpha"),
]


@pytest.mark.parametrize("make, n_state", PRESETS)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (4, 2, 3)])
def test_stepper_keeps_batch_shapes(make, n_state, shape):
    lif = make()
    out = lif(np.full(shape, 0.3), *[np.zeros(shape)] * n_state)
    assert len(out) == n_state + 1
    assert all(o.shape == shape for o in out)


@pytest.mark.parametrize("make, n_state", PRESETS)
def test_stepper_preserves_float32(make, n_state):
    lif = make()
    out = lif(np.full((2, 3), 0.3, np.float32), *[np.zeros((2, 3), np.float32)] * n_state)
    assert all(o.dtype == np.float32 for o in out)


@pytest.mark.parametrize("make, n_state", PRESETS)
def test_stepper_does_not_mutate_its_inputs(make, n_state):
    lif = make()
    states = [np.full(3, 2.0) for _ in range(n_state)]
    lif(np.full(3, 5.0), *states)
    assert all(np.all(s == 2.0) for s in states)


@pytest.mark.parametrize("make, n_state", PRESETS)
def test_stepper_shape_mismatch_is_a_value_error(make, n_state):
    with pytest.raises(ValueError, match="shape"):
        make()(np.zeros(3), *[np.zeros(4)] * n_state)


@pytest.mark.parametrize("make, n_state", PRESETS)
def test_group_face_takes_number_array_or_expression(make, n_state):
    lif = make()
    assert lif.group(3, I=0.3).I.tolist() == [0.3] * 3
    assert lif.group(3, I=np.array([0.1, 0.2, 0.3])).I.tolist() == [0.1, 0.2, 0.3]
    G = lif.group(2, I="I_in(t)", namespace={"I_in": ld.TimedArray([0.3], dt=1e-3)})
    assert "I" in G.equations.subexpr_names
    with pytest.raises(ValueError, match="cannot set 'I'"):
        lif.group(3, I=np.array([0.1, 0.2]))


def test_tutorial_attributes_R_and_C():
    lif = Lapicque(R=5.1, C=5e-3, time_step=1e-3)
    assert lif.R * lif.C == pytest.approx(0.0255)


@pytest.mark.parametrize("kw, words", [
    (dict(beta=1.5), "beta must lie"), (dict(beta=float("nan")), "beta must lie"),
    (dict(beta=0.8, reset_mechanism="Zero"), "reset_mechanism"),
    (dict(beta=0.8, time_step=0), "time_step"),
])
def test_leaky_argument_validation(kw, words):
    with pytest.raises(ValueError, match=words):
        Leaky(**kw)


@pytest.mark.parametrize("kw", [dict(R=0), dict(R=-1), dict(C=float("nan")), dict(beta=2.0)])
def test_lapicque_argument_validation(kw):
    with pytest.raises(ValueError):
        Lapicque(**kw)


def test_alpha_preset_exists():
    assert hasattr(ld.models, "Alpha")


def test_group_with_input_none_is_refused():
    with pytest.raises((TypeError, ValueError)):
        Leaky(beta=0.8).group(3, I=None)


def test_nan_threshold_is_refused():
    with pytest.raises(ValueError):
        Leaky(beta=0.8, threshold=float("nan"))


@pytest.mark.parametrize("kw", [dict(time_step="x"), dict(time_step=float("inf")),
                                dict(R=float("inf"))])
def test_lapicque_non_finite_or_non_numeric_arguments_are_value_errors(kw):
    with pytest.raises((TypeError, ValueError)):  # TypeError for a string, as Python does
        Lapicque(**kw)


def test_changing_reset_mechanism_takes_effect_or_is_refused():
    lif = Leaky(beta=0.8)
    try:
        lif.reset_mechanism = "zero"
    except AttributeError:
        return
    _, mem = lif(np.array([0.0]), np.array([2.0]))
    assert mem.tolist() == [0.0]  # 'zero' zeroes the old membrane before the update


@pytest.mark.filterwarnings("ignore::numpy.exceptions.ComplexWarning")
def test_complex_input_is_refused():
    with pytest.raises((TypeError, ValueError)):
        Leaky(beta=0.8)(np.array([1j]), np.zeros(1))
