"""Names that clash with generated code, internal temporaries or unit names: a clash must be an
error or work, never a silently wrong number."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

from ._helpers import needs_cython, run_group


def test_unknown_constant_is_an_equation_error_naming_the_line():
    G = ld.NeuronGroup(1, "dU/dt = -U/tau : 1\ndV/dt = gain/tau : 1", namespace={"tau": 0.01})
    with pytest.raises(ld.EquationError) as info:
        ld.Network(G, target="numpy").run(1e-4)
    assert "gain" in str(info.value) and "line 2" in str(info.value)


def test_constant_from_the_caller_scope_is_found_at_run_time():
    tau_m = 0.01  # noqa: F841 - found by name from this scope
    G = ld.NeuronGroup(1, "dU/dt = 1/tau_m : 1")
    ld.Network(G, target="numpy").run(1e-3)
    assert G.U[0] == pytest.approx(0.1)


@needs_cython
@pytest.mark.parametrize("name", ["double", "static", "restrict", "NAN"])  # int: a function
def test_c_keywords_as_variable_names_on_cython(name):
    G = run_group(f"d{name}/dt = 1/tau : 1", target="cython", namespace={"tau": 0.01})
    assert G._arrays[name] == pytest.approx([0.1] * 3)


def test_parameter_named_like_the_update_temporary_is_refused():
    # names ending in '_new' are reserved for the discrete update: never silently clobbered
    with pytest.raises(ld.EquationError, match="reserved"):
        ld.NeuronGroup(3, "dU/dt = U_new/tau : 1\nU_new : 1", namespace={"tau": 0.01})
    with pytest.raises(ld.EquationError, match="new value of 'U'"):
        ld.NeuronGroup(3, "dU/dt = U_new/tau : 1", namespace={"tau": 0.01, "U_new": 1.0})


def test_keyword_rename_does_not_collide_with_user_name_numpy():
    def setup(G):
        G.lambda_ = 1.0

    G = run_group("dlambda/dt = lambda_/tau : 1\nlambda_ : 1", namespace={"tau": 0.01},
                  setup=setup)
    assert G._arrays["lambda"] == pytest.approx([0.1] * 3)


def test_constant_ending_in_new_is_resolved():
    G = run_group("dU/dt = I_new/tau : 1", namespace={"tau": 0.01, "I_new": 2.0})
    assert G.U == pytest.approx([0.2] * 3)


def test_constant_starting_with_underscore_is_resolved_or_refused_clearly():
    try:
        G = run_group("dU/dt = _c/tau : 1", namespace={"tau": 0.01, "_c": 2.0})
    except ld.EquationError:
        return
    assert G.U == pytest.approx([0.2] * 3)


@pytest.mark.parametrize("expr", ["lastspike", "not_refractory", "xi"])
def test_internal_names_in_string_assignment_give_equation_error(expr):
    G = ld.NeuronGroup(2, "U : 1")
    with pytest.raises(ld.EquationError):
        G.U = expr


@pytest.mark.parametrize("name", ["dV", "Mg"])
def test_forgotten_constant_does_not_silently_become_a_unit(name):
    G = ld.NeuronGroup(1, f"dU/dt = {name}/tau : 1", namespace={"tau": 1.0})
    with pytest.raises(ld.EquationError, match="unknown identifier"):
        ld.Network(G, target="numpy").run(1e-4)


def test_single_letter_unit_names_are_not_default_constants():
    G = ld.NeuronGroup(1, "dU/dt = A/tau : 1", namespace={"tau": 1.0})
    with pytest.raises(ld.EquationError, match="unknown identifier 'A'"):
        ld.Network(G, target="numpy").run(1e-4)
    assert np.all(G.U == 0)
