"""Shared helpers for the methods tests: run a DiscreteUpdate in float64 with lambdify."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pytest
import sympy as sp

from lifdsl.methods import DiscreteUpdate
from lifdsl.methods.divided_differences import NUMPY_FUNCTIONS

Stepper = Callable[[dict[str, float], Mapping[str, float]], dict[str, float]]


def make_stepper(
    update: DiscreteUpdate,
    replace: Mapping[sp.Basic, sp.Basic] | None = None,
    functions: Mapping[str, Callable] | None = None,
) -> Stepper:
    """A function (state, params) -> new state that runs ``update`` once, like the code
    generator will: temporaries in order, then every ``X_new``, then ``X = X_new``.

    ``functions`` maps names to Python callables used for calls in the statements (a
    TimedArray ``I_in``, or ``randn`` drawing from a seeded NumPy generator); states and
    parameters may be arrays (one entry per path)."""
    compiled = []
    modules = [{**NUMPY_FUNCTIONS, **dict(functions or {})}, "numpy"]
    for stmt in update:
        expr = stmt.expr.xreplace(dict(replace or {}))
        names = sorted(s.name for s in expr.free_symbols)
        fn = sp.lambdify([sp.Symbol(n, real=True) for n in names], expr, modules=modules)
        compiled.append((stmt.target, names, fn))

    def step(state: dict[str, float], params: Mapping[str, float]) -> dict[str, float]:
        env = {**params, **state}
        new = {}
        for target, names, fn in compiled:
            value = fn(*[env[n] for n in names])
            env[target] = value
            if target.endswith("_new"):
                new[target[: -len("_new")]] = value
        return new

    return step


@pytest.fixture
def stepper() -> Callable[..., Stepper]:
    return make_stepper


def run_steps(
    step: Stepper,
    state: dict[str, float],
    params: Mapping[str, float],
    n: int,
    inputs: Callable[[int], Mapping[str, float]] | None = None,
) -> list[dict[str, float]]:
    """States at steps 0..n (inputs(k) gives per-step parameters, e.g. a current)."""
    out = [dict(state)]
    for k in range(n):
        p = {**params, **(inputs(k) if inputs else {})}
        state = step(state, p)
        out.append({key: float(np.asarray(v)) for key, v in state.items()})
    return out


@pytest.fixture
def runner() -> Callable[..., list[dict[str, float]]]:
    return run_steps


def run_final(
    step: Stepper,
    state: dict[str, object],
    params: Mapping[str, object],
    n: int,
    inputs: Callable[[int], Mapping[str, object]] | None = None,
) -> dict[str, np.ndarray]:
    """The state after ``n`` steps, values kept as arrays (for many paths at once)."""
    for k in range(n):
        state = step(state, {**params, **(inputs(k) if inputs else {})})
    return {key: np.asarray(v, dtype=float) for key, v in state.items()}


def measured_orders(errors) -> np.ndarray:
    """log2 of the ratios of successive errors, for step sizes halved each time."""
    errors = np.asarray(errors, dtype=float)
    return np.log2(errors[:-1] / errors[1:])


@pytest.fixture
def final_runner() -> Callable[..., dict[str, np.ndarray]]:
    return run_final


@pytest.fixture
def orders() -> Callable[..., np.ndarray]:
    return measured_orders
