"""Every registered integration method against what it declares, on NeuronGroup runs.

The tests walk :data:`lifdsl.methods.METHODS` at collection time (``METHOD_NAMES`` below), so a
method added with :func:`lifdsl.methods.register` is covered with no test list to edit. For
each method :func:`problem_for` picks the first problem of :data:`PROBLEMS` that the method
accepts (a nonlinear equation with explicit ``t``, then a coupled system linear in each own
variable, then a linear system); a method none of them fits fails
``test_every_registered_method_has_a_problem`` and needs a new problem here.

- ``order``: the global error at ``T`` of ``ld.NeuronGroup(..., method=name)`` run with
  ``dt = T/16 .. T/128`` against the closed form; the fitted slope of ``log(error)`` over
  ``log(dt)`` must be the declared order (deterministic order: milstein's is Euler's, 1, and
  heun's is 2). ``order >= EXACT_ORDER`` (exact's sentinel) means no truncation error, so the
  error must be rounding at every ``dt``.
- targets: the same runs (three neurons, every variable monitored at every step) on the NumPy
  and the Cython target agree to 1e-12 (absolute and relative); for a method that takes white
  noise also a seeded run with multiplicative noise (both targets use the same draws).
- ``strong_order``: ``None`` exactly when the method refuses white noise; otherwise the paths
  of geometric Brownian motion driven by one set of Brownian paths at every ``dt`` converge
  with at least that order to the Ito or to the Stratonovich solution (which one is not part
  of the interface, so either counts). This one runs the method's update directly (lambdify,
  see ``conftest.py``): a NeuronGroup cannot be driven by given Brownian increments.

Inputs such as TimedArrays are held constant over the step by every method, so the problems use
none: they would cap every method at order 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available
from lifdsl.equations.functions import randn, symbol
from lifdsl.methods import METHODS, DiscretizationError, discretize, register
from lifdsl.methods.euler import Euler
from lifdsl.methods.exact import EXACT_ORDER
from lifdsl.methods.runge_kutta import ExplicitRungeKutta, Tableau

#: The methods registered when the tests are collected: every test below runs for each.
METHOD_NAMES = sorted(METHODS)
#: Those that declare a strong order (take white noise).
NOISY_NAMES = sorted(m for m in METHODS if METHODS[m].strong_order is not None)

#: Steps per run (dt = T/n, halved each time) for the order measurement.
STEPS = (16, 32, 64, 128)
#: Measured and declared orders may differ by this much (the fit is over dt = T/16..T/128).
ORDER_TOLERANCE = 0.15
#: Below this the errors are rounding, and a slope says nothing about the method.
ROUNDING = 1e-12

needs_cython = pytest.mark.skipif(
    not compiler_available(), reason="no working C compiler / Cython"
)


@dataclass(frozen=True)
class Problem:
    """An initial value problem with a closed-form solution, written for a NeuronGroup."""

    name: str
    equations: str
    namespace: dict[str, float]
    initial: dict[str, float]
    solution: Callable[[float], dict[str, float]]
    duration: float = 1.0


def _riccati(t: float) -> dict[str, float]:
    return {"v": 2.0 / (1.0 + t / 0.5)}


def _gated(t: float) -> dict[str, float]:
    w = math.exp(-t / 0.5)
    return {"v": math.exp(-(1.0 - w) * 0.5 / 0.8), "w": w}


def _chain(t: float) -> dict[str, float]:
    tm, ts, e = 0.8, 0.3, 0.5
    v = e * (1 - math.exp(-t / tm)) + ts / (ts - tm) * (math.exp(-t / ts) - math.exp(-t / tm))
    return {"v": v, "I": math.exp(-t / ts)}


#: Candidates in order of preference: the first one a method accepts is its problem.
PROBLEMS = (
    # nonlinear, explicit time (evaluated at the stage times): v = 2/(1 + t/tau)
    Problem(
        "riccati",
        "dv/dt = (2/(1 + t/tau)**2 - v**2)/tau : 1",
        {"tau": 0.5},
        {"v": 2.0},
        _riccati,
    ),
    # each equation linear in its own variable, coupled through w*v (exponential Euler)
    Problem(
        "gated",
        "dv/dt = -w*v/tau_v : 1\ndw/dt = -w/tau_w : 1",
        {"tau_v": 0.8, "tau_w": 0.5},
        {"v": 1.0, "w": 1.0},
        _gated,
    ),
    # linear, constant coefficients: a membrane driven by a decaying synaptic current
    Problem(
        "chain",
        "dv/dt = (E + I - v)/tau_m : 1\ndI/dt = -I/tau_s : 1",
        {"E": 0.5, "tau_m": 0.8, "tau_s": 0.3},
        {"v": 0.0, "I": 1.0},
        _chain,
    ),
)

#: Multiplicative white noise, for the targets' agreement on stochastic methods.
NOISY = Problem(
    "gbm", "dv/dt = mu*v + sigma*v*xi : 1", {"mu": 0.5, "sigma": 0.8}, {"v": 1.0}, lambda t: {}
)


def problem_for(method: str) -> Problem:
    """The first problem of :data:`PROBLEMS` that ``method`` can discretize."""
    refusals = []
    for problem in PROBLEMS:
        try:
            ld.Equations(problem.equations).discretize(method)
        except DiscretizationError as err:
            refusals.append(f"{problem.name}: {err}")
            continue
        return problem
    raise LookupError(
        f"no test problem for method {method!r}; add one to PROBLEMS:\n  " + "\n  ".join(refusals)
    )


def run(
    method: str,
    problem: Problem,
    steps: int,
    target: str,
    scale: tuple[float, ...] = (1.0,),
    monitor: bool = False,
    seed: int | None = None,
) -> dict[str, np.ndarray]:
    """Run ``problem`` for its duration with ``dt = duration/steps``, one neuron per entry of
    ``scale`` (initial values times it); the final values, and with ``monitor`` the trace of
    each variable under ``'trace_<name>'``."""
    ld.start_scope()
    group = ld.NeuronGroup(
        len(scale),
        problem.equations,
        method=method,
        dt=problem.duration / steps,
        namespace=dict(problem.namespace),
    )
    for name, value in problem.initial.items():
        setattr(group, name, value * np.asarray(scale))
    objects = [group]
    if monitor:
        mon = ld.StateMonitor(group, list(problem.initial), record=True)
        objects.append(mon)
    net = ld.Network(*objects, target=target)
    if seed is not None:
        ld.seed(seed)
    net.run(problem.duration)
    out = {name: np.array(getattr(group, name)[:], dtype=float) for name in problem.initial}
    if monitor:
        for name in problem.initial:
            out[f"trace_{name}"] = np.array(getattr(mon, name), dtype=float)
    return out


def global_errors(method: str, target: str = "numpy") -> np.ndarray:
    """Max over the variables of |X(T) - exact| at each number of steps in :data:`STEPS`."""
    problem = problem_for(method)
    exact = problem.solution(problem.duration)
    errors = []
    for steps in STEPS:
        final = run(method, problem, steps, target)
        errors.append(max(abs(final[name][0] - value) for name, value in exact.items()))
    return np.asarray(errors)


def check_declared_order(method: str) -> float:
    """Measure ``method``'s global order on its problem and assert it is the declared one;
    returns the measured order (``inf`` for a method declared exact and measured so)."""
    declared = METHODS[method].order
    errors = global_errors(method)
    if declared >= EXACT_ORDER:
        assert np.all(errors < ROUNDING), (
            f"{method!r} declares no truncation error but its errors are {errors}"
        )
        return math.inf
    assert errors[-1] > ROUNDING, (
        f"{method!r}: errors {errors} reach rounding; the steps are too fine for its order"
    )
    slope = float(np.polyfit(np.log2(STEPS), -np.log2(errors), 1)[0])
    rates = np.log2(errors[:-1] / errors[1:])
    assert abs(slope - declared) < ORDER_TOLERANCE, (
        f"{method!r} declares order {declared}, measured {slope:.3f} "
        f"(errors {errors}, successive rates {rates})"
    )
    return slope


# ------------------------------------------------------------------------------------------
# the registry and the parametrization


def test_parametrization_is_the_registry():
    """The lists the tests are parametrized with are the registry as it stands, and every
    registered method is a :class:`Method` under its own name with an integer order."""
    assert METHOD_NAMES == sorted(METHODS)
    assert NOISY_NAMES == sorted(m for m in METHODS if METHODS[m].strong_order is not None)
    for name, method in METHODS.items():
        assert method.name == name
        assert isinstance(method.order, int) and method.order >= 1


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_every_registered_method_has_a_problem(method):
    assert problem_for(method) in PROBLEMS


class _Kutta3(ExplicitRungeKutta):
    """Kutta's third-order method, registered only inside the test below."""

    name = "toy_kutta3"
    order = 3
    tableau = Tableau(a=[[], ["1/2"], [-1, 2]], b=["1/6", "2/3", "1/6"])


class _EulerClaimingTwo(Euler):
    """Forward Euler under a new name that claims order 2: the order check must catch it."""

    name = "toy_euler_claims_2"
    order = 2


@pytest.fixture
def registered() -> Iterator[Callable]:
    """``registered(method)`` adds a method to the registry for the test only."""
    saved = dict(METHODS)

    def add(method):
        return register(method)

    yield add
    METHODS.clear()
    METHODS.update(saved)


def test_a_newly_registered_method_is_covered(registered):
    """What a new method gets from this file without editing it: it appears in ``sorted(
    METHODS)`` (what the tests are parametrized with when collected), a problem is found for
    it, NeuronGroup runs it, and its declared order is measured; a false claim is caught."""
    registered(_Kutta3())
    registered(_EulerClaimingTwo())
    names = sorted(METHODS)
    assert {"toy_kutta3", "toy_euler_claims_2"} <= set(names)
    assert problem_for("toy_kutta3").name == "riccati"
    assert abs(check_declared_order("toy_kutta3") - 3) < ORDER_TOLERANCE
    with pytest.raises(AssertionError, match=r"declares order 2, measured (0\.9|1\.0)"):
        check_declared_order("toy_euler_claims_2")


# ------------------------------------------------------------------------------------------
# orders


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_declared_order_is_measured(method):
    check_declared_order(method)


@pytest.mark.parametrize("method", METHOD_NAMES)
def test_noise_is_taken_exactly_when_a_strong_order_is_declared(method):
    ou = {"U": -symbol("U") / symbol("tau") + symbol("sigma") * symbol("xi")}
    if METHODS[method].strong_order is None:
        with pytest.raises(DiscretizationError, match="white noise"):
            discretize(ou, method)
    else:
        update = discretize(ou, method)
        assert any(s.expr.atoms(randn) for s in update)


def gbm_strong_errors(update, stepper, final_runner) -> dict[str, list[float]]:
    """Mean |X_h(T) - X(T)| at dt = T/16..T/128 over paths driven by the same Brownian paths
    (coarse increments are sums of fine ones), against the Ito and the Stratonovich solution of
    dX = mu*X dt + sigma*X dW."""
    z = symbol("z_draw")
    step = stepper(update, replace={d: z for s in update for d in s.expr.atoms(randn)})
    rng = np.random.default_rng(11)
    paths, t_end, fine, mu, sigma = 4000, 1.0, 256, 0.5, 0.8
    dw = rng.standard_normal((fine, paths)) * math.sqrt(t_end / fine)
    w = dw.sum(axis=0)
    exact = {
        "ito": np.exp((mu - sigma**2 / 2) * t_end + sigma * w),
        "stratonovich": np.exp(mu * t_end + sigma * w),
    }
    errors: dict[str, list[float]] = {k: [] for k in exact}
    for n in STEPS:
        h = t_end / n
        coarse = dw.reshape(n, fine // n, paths).sum(axis=1)
        got = final_runner(
            step,
            {"X": np.ones(paths)},
            {"mu": mu, "sigma": sigma, "dt": h},
            n,
            lambda k, c=coarse, h=h: {"z_draw": c[k] / math.sqrt(h)},
        )["X"]
        for calculus, x in exact.items():
            errors[calculus].append(float(np.mean(np.abs(got - x))))
    return errors


@pytest.mark.parametrize("method", NOISY_NAMES)
def test_declared_strong_order_is_reached(stepper, final_runner, method):
    x = symbol("X")
    update = discretize({"X": symbol("mu") * x + symbol("sigma") * x * symbol("xi")}, method)
    errors = gbm_strong_errors(update, stepper, final_runner)
    slopes = {
        calculus: float(np.polyfit(np.log2(STEPS), -np.log2(errs), 1)[0])
        for calculus, errs in errors.items()
    }
    calculus = max(slopes, key=slopes.get)  # the solution it converges to; the other stalls
    declared = METHODS[method].strong_order
    assert slopes[calculus] >= declared - ORDER_TOLERANCE, (method, errors, slopes)
    assert errors[calculus][-1] < 0.5 * errors[calculus][0], (method, errors)


# ------------------------------------------------------------------------------------------
# targets


def assert_same(numpy_run: dict[str, np.ndarray], cython_run: dict[str, np.ndarray], what: str):
    assert numpy_run.keys() == cython_run.keys()
    for key, expected in numpy_run.items():
        np.testing.assert_allclose(
            cython_run[key], expected, rtol=1e-12, atol=1e-12, err_msg=f"{what}: {key}"
        )


@needs_cython
@pytest.mark.parametrize("method", METHOD_NAMES)
def test_numpy_and_cython_agree(method):
    """Every step of every variable, three neurons, at every dt of the order measurement (dt is
    an argument of the compiled kernel: one compilation per method)."""
    problem = problem_for(method)
    scale = (1.0, 0.75, 1.25)
    for steps in STEPS:
        by_target = {
            target: run(method, problem, steps, target, scale=scale, monitor=True)
            for target in ("numpy", "cython")
        }
        assert by_target["numpy"]["trace_v"].shape == (len(scale), steps)
        assert_same(by_target["numpy"], by_target["cython"], f"{method}, {problem.name}, {steps}")
    if METHODS[method].strong_order is not None:
        by_target = {
            target: run(method, NOISY, 64, target, scale=scale, monitor=True, seed=5)
            for target in ("numpy", "cython")
        }
        assert np.all(np.diff(by_target["numpy"]["trace_v"], axis=1) != 0)  # noise drew
        assert_same(by_target["numpy"], by_target["cython"], f"{method}, {NOISY.name}")
