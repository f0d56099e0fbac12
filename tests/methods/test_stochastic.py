"""White noise: stochastic Heun (Stratonovich) and Milstein (Ito) against the analytic
Ornstein-Uhlenbeck statistics and the pathwise solution of geometric Brownian motion, with
Euler-Maruyama as the reference point; refusals where a method cannot take noise."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lifdsl.equations.functions import randn, symbol
from lifdsl.methods import METHODS, DiscretizationError, discretize

U, X, tau, sigma, mu, dt = (symbol(n) for n in ("U", "X", "tau", "sigma", "mu", "dt"))
xi, xi_1, xi_2 = symbol("xi"), symbol("xi_1"), symbol("xi_2")
OU = {"U": -U / tau + sigma * sp.sqrt(2 / tau) * xi}  # stationary variance sigma**2
GBM = {"X": mu * X + sigma * X * xi}


def test_declared_strong_orders():
    assert METHODS["euler"].strong_order == 0.5
    assert METHODS["heun"].strong_order == 0.5  # 1 for additive or commutative noise
    assert METHODS["milstein"].strong_order == 1.0 and METHODS["milstein"].order == 1


def test_heun_readable_and_one_increment_per_step():
    upd = discretize(OU, "heun")
    assert str(upd) == (
        "_dW_xi_0 = sqrt(dt)*randn()\n"
        "_k1_U = _dW_xi_0*sigma*sqrt(2)*sqrt(1/tau) - U*dt/tau\n"
        "_k2_U = -dt*(U + _k1_U)/tau + _dW_xi_0*sigma*sqrt(2)*sqrt(1/tau)\n"
        "U_new = U + (_k1_U + _k2_U)/2"
    )
    assert sum(len(s.expr.atoms(randn)) for s in upd) == 1


def test_milstein_readable():
    assert str(discretize(GBM, "milstein")) == (
        "_dW_xi_0 = sqrt(dt)*randn()\n"
        "X_new = X + X*_dW_xi_0*sigma + X*dt*mu + X*sigma**2*(-dt + _dW_xi_0**2)/2"
    )
    # additive noise: no correction, the update is Euler-Maruyama's
    assert str(discretize(OU, "milstein")) == str(discretize(OU, "euler"))


@pytest.mark.parametrize("method", ["heun", "milstein", "euler"])
def test_ornstein_uhlenbeck_mean_and_variance(stepper, final_runner, method):
    """Many paths from U = 1: mean exp(-T/tau), variance sigma**2*(1 - exp(-2T/tau)), within
    four standard errors (a second draw per stage would halve the variance of heun's step)."""
    paths = 20_000
    rng = np.random.default_rng(20240601)
    step = stepper(
        discretize(OU, method), functions={"randn": lambda *_: rng.standard_normal(paths)}
    )
    tau_, s_, h, t_end = 0.01, 2.0, 1e-4, 0.02
    got = final_runner(
        step, {"U": np.ones(paths)}, {"tau": tau_, "sigma": s_, "dt": h}, round(t_end / h)
    )["U"]
    var = s_**2 * (1 - math.exp(-2 * t_end / tau_))
    mean = math.exp(-t_end / tau_)
    assert abs(got.mean() - mean) < 4 * math.sqrt(var / paths)
    assert abs(got.var(ddof=1) - var) < 4 * var * math.sqrt(2 / (paths - 1))


def gbm_strong_errors(stepper, final_runner, method, stratonovich):
    """Mean |X_h(T) - X(T)| over paths driven by the same Brownian paths at dt = T/16..T/128
    (coarse increments are sums of fine ones)."""
    upd = discretize(GBM, method)
    z = symbol("z_draw")
    step = stepper(upd, replace={d: z for s in upd for d in s.expr.atoms(randn)})
    rng = np.random.default_rng(7)
    paths, t_end, fine, mu_, s_ = 4000, 1.0, 256, 0.5, 0.8
    dw = rng.standard_normal((fine, paths)) * math.sqrt(t_end / fine)
    drift = mu_ if stratonovich else mu_ - s_**2 / 2
    exact = np.exp(drift * t_end + s_ * dw.sum(axis=0))
    errors = []
    for n in (16, 32, 64, 128):
        h = t_end / n
        coarse = dw.reshape(n, fine // n, paths).sum(axis=1)
        got = final_runner(
            step,
            {"X": np.ones(paths)},
            {"mu": mu_, "sigma": s_, "dt": h},
            n,
            lambda k, c=coarse, h=h: {"z_draw": c[k] / math.sqrt(h)},
        )
        errors.append(np.mean(np.abs(got["X"] - exact)))
    return errors


@pytest.mark.parametrize(
    "method, stratonovich, expected",
    [("euler", False, 0.5), ("milstein", False, 1.0), ("heun", True, 1.0)],
)
def test_strong_order_on_geometric_brownian_motion(
    stepper, final_runner, method, stratonovich, expected
):
    """Ito methods converge to X0*exp((mu - sigma**2/2)*T + sigma*W), heun to the Stratonovich
    solution X0*exp(mu*T + sigma*W) (strong order 1 here: scalar noise commutes)."""
    errors = gbm_strong_errors(stepper, final_runner, method, stratonovich)
    slope = np.polyfit(np.log2([16, 32, 64, 128]), -np.log2(errors), 1)[0]
    assert abs(slope - expected) < 0.15, (errors, slope)
    assert slope >= METHODS[method].strong_order - 0.15


def test_heun_does_not_converge_to_the_ito_solution(stepper, final_runner):
    errors = gbm_strong_errors(stepper, final_runner, "heun", stratonovich=False)
    assert errors[-1] > 0.5 * errors[0]  # stuck at the Ito-Stratonovich gap


def test_milstein_commutative_noise_and_refusal():
    two = discretize({"X": mu * X + sigma * X * xi_1 + tau * X * xi_2}, "milstein")
    (dw1, dw2) = (symbol(s.target) for s in two.statements[:2])
    assert two.statements[-1].expr.has(dw1 * dw2)  # the cross term of commuting sources
    with pytest.raises(DiscretizationError, match=r"'X'.*not commutative.*'euler'.*'heun'"):
        discretize({"X": -X + sigma * U * xi_1, "U": -U + sigma * X * xi_2}, "milstein")


@pytest.mark.parametrize("method", ["rk2", "rk4", "exponential_euler"])
def test_deterministic_methods_refuse_noise(method):
    with pytest.raises(DiscretizationError, match=r"the equation of 'U' contains white noise"):
        discretize(OU, method)


@pytest.mark.parametrize("method", ["heun", "milstein"])
def test_noise_must_enter_linearly(method):
    with pytest.raises(DiscretizationError, match=r"not linear in the noise 'xi'"):
        discretize({"U": -U / tau + sigma * xi**2}, method)
