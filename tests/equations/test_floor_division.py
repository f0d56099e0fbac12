"""``a // b`` is ``floor(a/b)`` in every string (Brian2 has the operator; its C++ target
computes floor(a/b) for floats), folded for constants, the same on both targets."""

from __future__ import annotations

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.equations import EquationError, parse_expression


@pytest.mark.parametrize("text, value", [
    ("7 // 2", 3), ("-7 // 2", -4), ("7 // -2", -4), ("7.5 // 2", 3.0), ("1 // 0.1", 10.0),
    ("2 ** 3 // 3", 2), ("1 + 9 // 4 * 2", 5), ("9 // 4 % 2", 0),
])
def test_constants_fold_to_the_floor_of_the_quotient(text, value):
    got = parse_expression(text)
    assert float(got) == value and bool(got.is_Integer) == isinstance(value, int)


def test_floor_division_binds_as_a_product_and_divides_by_zero_with_an_error():
    assert str(parse_expression("a*b // c + 1")) == "floor(a*b/c) + 1"
    with pytest.raises(EquationError, match=r"floor division by 0") as err:
        parse_expression("x // 0")
    assert "x // 0" in str(err.value) and "^" in str(err.value)


@pytest.mark.parametrize("target", ["numpy", "cython"])
def test_groups_and_connect_compute_floor_division_on_both_targets(target):
    G = ld.NeuronGroup(6, "x : 1\ny : 1\nk : 1")
    G.x = [-2.5, -1.0, 0.0, 0.7, 3.0, 7.9]
    G.run_regularly("y = x // 0.5 + i // 4\nk = (i - 3) // 2", dt=1e-4)
    ld.Network(G, target=target).run(1e-4)
    x, i = np.array([-2.5, -1.0, 0.0, 0.7, 3.0, 7.9]), np.arange(6)
    np.testing.assert_array_equal(G.y[:], np.floor(x / 0.5) + i // 4)
    np.testing.assert_array_equal(G.k[:], (i - 3) // 2)
    S = ld.Synapses(G, G)
    S.connect(j="i // 2")
    np.testing.assert_array_equal(S.j[:], i // 2)
