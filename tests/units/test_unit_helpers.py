"""in_unit, in_best_unit and get_unit: Brian2's unit helpers, with the strings Brian2 gives."""

from __future__ import annotations

import pytest

from lifdsl.units import (
    DIMENSIONLESS,
    DimensionMismatchError,
    amp,
    coulomb,
    get_unit,
    hertz,
    in_best_unit,
    in_unit,
    msecond,
    mV,
    mvolt,
    nS,
    ohm,
    second,
    siemens,
    volt,
)


def test_in_unit_as_brian2_writes_it():
    # Brian2 2.9.0 (/tmp/b2env): in_unit(3*volt, mvolt) -> '3000. mV', in_unit(123123*msecond,
    # second, 2) -> '123.12 s', in_unit(5, 1) -> '5.0'
    assert in_unit(3 * volt, mvolt) == "3000. mV"
    assert in_unit(123123 * msecond, second, 2) == "123.12 s"
    assert in_unit(5, 1) == "5.0"
    with pytest.raises(DimensionMismatchError):
        in_unit(10 * nS, ohm)
    with pytest.raises(DimensionMismatchError):
        in_unit(10, ohm)


def test_in_best_unit_as_brian2_writes_it():
    # Brian2 2.9.0: '1.23456 mV', '1.23 mV', '0.123456', '0.12', '[1. 2.] mV', '20. ms'
    assert in_best_unit(0.00123456 * volt) == "1.23456 mV"
    assert in_best_unit(0.00123456 * volt, 2) == "1.23 mV"
    assert (0.00123456 * volt).in_best_unit(2) == "1.23 mV"
    assert in_best_unit(0.123456) == "0.123456"
    assert in_best_unit(0.123456, 2) == "0.12"
    assert in_best_unit([1, 2] * mV) == "[1. 2.] mV"
    assert in_best_unit(20 * msecond) == "20. ms"


def test_get_unit_gives_the_unscaled_unit():
    # Brian2 2.9.0: get_unit(d) is volt, coulomb, siemens, hertz for these dimensions
    assert get_unit(mV.dim) is volt and get_unit(mV) is volt
    assert get_unit((amp * second).dim) is coulomb
    assert get_unit(nS.dim) is siemens and get_unit((1 / second).dim) is hertz
    u = get_unit((volt / second).dim)
    assert float(u) == 1.0 and u.dim is (volt / second).dim
    # Brian2 answers radian for dimensionless; lifdsl the plain unit 1
    assert get_unit(DIMENSIONLESS).dim is DIMENSIONLESS and float(get_unit(DIMENSIONLESS)) == 1
