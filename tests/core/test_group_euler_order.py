"""Euler through a NeuronGroup converges with global order 1 (measured, against closed forms)."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld

T = 10e-3


def _final_value(eqs, ns, U0, dt):
    G = ld.NeuronGroup(1, eqs, method="euler", namespace=ns, dt=dt)
    G.U = U0
    ld.Network(G).run(T)
    return float(G.U[0])


@pytest.mark.parametrize(
    "eqs, ns, U0, exact",
    [
        ("tau*dU/dt = -U + R*I : 1", {"tau": 5e-3, "R": 2.0, "I": 0.7}, 0.2,
         lambda t: 1.4 + (0.2 - 1.4) * np.exp(-t / 5e-3)),
        ("dU/dt = -U**2/tau : 1", {"tau": 4e-3}, 1.5,
         lambda t: 1.5 / (1 + 1.5 * t / 4e-3)),
    ],
    ids=["lif", "quadratic"],
)
def test_euler_global_order_is_one(eqs, ns, U0, exact):
    dts = [2e-4, 1e-4, 5e-5, 2.5e-5]
    errors = np.array([abs(_final_value(eqs, ns, U0, dt) - exact(T)) for dt in dts])
    assert np.all(errors > 0)
    orders = np.log2(errors[:-1] / errors[1:])
    assert np.all(np.abs(orders - 1.0) < 0.1), orders


def test_exact_error_is_round_off_where_euler_is_first_order():
    ns = {"tau": 5e-3, "R": 2.0, "I": 0.7}
    G = ld.NeuronGroup(1, "tau*dU/dt = -U + R*I : 1", method="exact", namespace=ns, dt=2e-4)
    G.U = 0.2
    ld.Network(G).run(T)
    assert abs(G.U[0] - (1.4 + (0.2 - 1.4) * np.exp(-T / 5e-3))) < 1e-12
