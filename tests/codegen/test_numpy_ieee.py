"""The NumPy target's element-independent arithmetic: IEEE results where Python numbers raise or
turn complex, Python's own results (value and type) everywhere else, run constants folded once
per namespace, and booleans read as 0/1."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest

from lifdsl.codegen.numpy_target import CodeBlock
from lifdsl.codegen.numpy_target.printer import as_double, float_type, ieee_div, ieee_pow
from lifdsl.equations import parse_expression
from lifdsl.equations.statements import Assign

VALUES = [0, 1, 2, -3, 0.0, -0.0, 0.5, -0.5, 2.0, -2.0, 1e-300, 1e300, -1e300, 7.25, 1000.0,
          -1000.0, 1001.0, math.inf, -math.inf, math.nan]


def _python(op, a, b):
    """Python's own result, or None where it raises or turns complex."""
    try:
        out = op(a, b)
    except (ZeroDivisionError, OverflowError):
        return None
    return None if isinstance(out, complex) else out


def _ieee(op, a, b) -> float:
    with np.errstate(all="ignore"):
        return float(op(np.float64(a), np.float64(b)))


def _same(x, y) -> bool:
    return (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) ==
                                                math.copysign(1, y))


@pytest.mark.parametrize("helper, op", [(ieee_pow, lambda a, b: a ** b),
                                        (ieee_div, lambda a, b: a / b)])
def test_helpers_are_python_where_it_works_and_ieee_where_it_does_not(helper, op):
    fallbacks = 0
    for a, b in itertools.product(VALUES, repeat=2):
        got = helper(a, b)
        want = _python(op, a, b)
        if want is None:
            fallbacks += 1
            assert type(got) is float and _same(got, _ieee(op, a, b)), (a, b, got)
        else:
            assert type(got) is type(want) and (got == want or got != got), (a, b, got, want)
    assert fallbacks > 10   # the table has cases of both kinds


def test_helpers_keep_numpy_scalars_numpy():
    with np.errstate(all="ignore"):
        assert type(ieee_pow(np.float32(2), 0.5)) is type(np.float32(2) ** 0.5)
        got = ieee_div(np.float64(1), 0.0)
    assert type(got) is np.float64 and got == math.inf


def test_integer_powers_beyond_the_doubles_are_inf():
    assert ieee_pow(10, 400) == math.inf and ieee_pow(-10, 401) == -math.inf
    assert ieee_pow(10, 3) == 1000 and type(ieee_pow(10, 3)) is int


def test_as_double_and_float_type():
    assert type(as_double(0)) is float and math.copysign(1, -as_double(0)) == -1
    assert as_double(10**400) == math.inf and as_double(np.float32(1)).dtype == np.float32
    ns = {"v": np.zeros(2, np.float32), "i": np.zeros(2), "nr": np.ones(2, bool)}
    assert float_type(ns, ["i", "nr"]) is np.float64
    assert float_type(ns, ["i", "v"]) is np.float32


def _value_block(text: str, arrays=("v",), name: str = "_record") -> CodeBlock:
    return CodeBlock(name, [Assign("_value", parse_expression(text))], list(arrays),
                     returns="_value")


def test_folded_values_keep_python_promotion_with_float32():
    """A Python float combined with a float32 array stays float32; a NumPy function of
    constants is a float64 and makes the result float64, with folding as without."""
    v = np.array([0.1, 0.2], np.float32)
    k = 3.0
    for text, inline in [("v*(1/k)", v * (1 / k)), ("v*exp(-1/k)", v * np.exp(-1 / k)),
                         ("v + k**2", v + k**2), ("v*sqrt(k)", v * np.sqrt(k))]:
        got = _value_block(text)({"v": v, "k": k}, slice(None), 2, 0.0, 1e-4, None)
        assert got.dtype == inline.dtype, text
        np.testing.assert_array_equal(got, inline)


def test_each_block_keeps_its_own_folded_values_in_a_shared_namespace():
    """Recorders share one namespace among their blocks: each finds its own values, and a new
    dt computes them again."""
    a, b = _value_block("v + 1/(k - 1)"), _value_block("v + 2/(k - 1)")
    assert a.source != b.source
    ns = {"v": np.zeros(1), "k": 3.0}
    assert a(ns, slice(None), 1, 0.0, 1e-4, None)[0] == 0.5
    assert b(ns, slice(None), 1, 0.0, 1e-4, None)[0] == 1.0
    assert a(ns, slice(None), 1, 0.0, 1e-4, None)[0] == 0.5
    c = _value_block("v + dt/(k - 1)")
    assert c(ns, slice(None), 1, 0.0, 1e-4, None)[0] == 0.5e-4
    assert c(ns, slice(None), 1, 0.0, 2e-4, None)[0] == 1e-4


def test_a_zero_constant_divides_to_inf_without_warnings():
    blk = _value_block("v + 1/(k - 1) + (k - 2)**0.5")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = blk({"v": np.zeros(2), "k": 1}, slice(None), 2, 0.0, 1e-4, None)
    assert np.isnan(out).all()
    out = blk({"v": np.zeros(2), "k": 3}, slice(None), 2, 0.0, 1e-4, None)
    np.testing.assert_array_equal(out, 0.5 + 1.0)


def test_booleans_read_as_numbers_in_the_type_of_the_arrays():
    nr = np.array([True, False])
    for dtype in (np.float64, np.float32):
        v = np.ones(2, dtype)
        blk = CodeBlock("reset", [Assign("v", parse_expression("-not_refractory*0.3 + v")),
                                  Assign("w", parse_expression("sign(not_refractory)"))],
                        ["v", "w", "not_refractory"])
        ns = {"v": v, "w": np.zeros(2, dtype), "not_refractory": nr}
        blk(ns, slice(None), 2, 0.0, 1e-4, None)
        expected = (-(nr.astype(dtype)) * 0.3 + np.ones(2, dtype)).astype(dtype)
        np.testing.assert_array_equal(v, expected)
        np.testing.assert_array_equal(ns["w"], [1.0, 0.0])


def test_a_boolean_local_reads_as_a_number_and_masks_stay_boolean():
    blk = CodeBlock("b", [Assign("c", parse_expression("v > 1")),
                          Assign("_value", parse_expression("-c + v"))], ["v"],
                    returns="_value")
    out = blk({"v": np.array([0.5, 2.0])}, slice(None), 2, 0.0, 1e-4, None)
    np.testing.assert_array_equal(out, [0.5, 1.0])
    src = CodeBlock("m", [Assign("_cond", parse_expression("not_refractory and v > 1"))],
                    ["v", "not_refractory"], returns="_cond", full=True).source
    assert "asarray" not in src and "logical_and(not_refractory" in src


def test_fast_exp_is_numpys_exp_value_for_value():
    """The NumPy target's exp of per-element values skips NumPy's slow path where exp
    underflows to 0: every value (nan, -inf, subnormal results, float32, ints) stays
    ``numpy.exp``'s, bit for bit."""
    from lifdsl.codegen.numpy_target.printer import fast_exp

    rng = np.random.default_rng(5)
    x = rng.uniform(-1000, 10, 5000)
    x[::7] = -1e7
    x[::11] = np.nan
    x[::13] = -np.inf
    x[5::17] = rng.uniform(-745.5, -708, x[5::17].size)    # subnormal and 0 results
    x[3] = np.inf
    for v in (x, x[:40], x[::3], x.astype(np.float32), (x[np.isfinite(x)] / 1000).astype(
            np.int64), np.float64(-800.0), -800.0, np.full(100, -1e9)):
        got, want = fast_exp(v), np.exp(v)
        assert type(got) is type(want)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        np.testing.assert_array_equal(got, want)
        assert np.array_equal(np.signbit(got), np.signbit(want))
    assert fast_exp(np.full(100, -1e9)).min() == 0.0 and fast_exp(x).dtype == np.float64
