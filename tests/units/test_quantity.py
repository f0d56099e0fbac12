"""Quantities against Brian2 2.9's behaviour for the idioms its users write.

Every expected value below was read off Brian2 2.9.0 (numpy 2.3) in a scratch venv
(``python -m venv /tmp/b2u && /tmp/b2u/bin/pip install brian2 "numpy<2.4"``) by evaluating
the same expression after ``from brian2 import *`` and printing ``repr`` of the result;
Brian2 is not a dependency.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from lifdsl import units as U

DimensionMismatchError = U.DimensionMismatchError
Quantity = U.Quantity
check_units = U.check_units
get_dimensions = U.get_dimensions
have_same_dimensions = U.have_same_dimensions
amp, cm2, kilogram, mV, ms, nS, second, volt, Hz, metre = (
    U.amp, U.cm2, U.kilogram, U.mV, U.ms, U.nS, U.second, U.volt, U.Hz, U.metre)


def test_ratio_of_times_is_a_plain_number():
    r = (5 * second) / ms            # Brian2: 5000.0 (float)
    assert r == 5000.0 and isinstance(r, float) and not isinstance(r, Quantity)
    assert np.asarray(r) == 5000.0   # Brian2: array(5000.)


def test_float_and_int_of_quantities_are_si():
    assert float(20 * ms) == 0.02                 # Brian2: 0.02
    assert int(1 * second / (0.1 * ms)) == 10000  # Brian2: 10000
    assert float(1 * mV) == 0.001                 # Brian2: 0.001


def test_comparisons_on_arrays():
    v = np.array([-60.0, -40.0]) * mV
    assert (v > -50 * mV).tolist() == [False, True]
    assert (np.array([1.0, 2.0]) * mV > 1.5 * mV).tolist() == [False, True]  # Brian2 same
    assert bool(1 * mV > 0)           # Brian2: True (zero fits any dimension)
    with pytest.raises(DimensionMismatchError):
        _ = 1 * mV > 1                # Brian2: DimensionMismatchError
    with pytest.raises(DimensionMismatchError):
        _ = ms == 1e-3                # Brian2: DimensionMismatchError


def test_linspace_and_list_times_unit():
    q = np.linspace(0, 1, 5) * mV
    assert repr(q) == "array([0.  , 0.25, 0.5 , 0.75, 1.  ]) * mvolt"  # Brian2 same
    assert np.allclose(np.asarray(q), [0, 0.25e-3, 0.5e-3, 0.75e-3, 1e-3])
    lst = [1, 2] * ms
    assert isinstance(lst, Quantity) and repr(lst) == "array([1., 2.]) * msecond"


def test_functions_of_dimensionless_ratios():
    assert np.exp((10 * ms) / (20 * ms)) == pytest.approx(1.6487212707001282)  # Brian2
    f, t = 5 * Hz, 3 * ms
    assert np.sin(2 * np.pi * f * t) == pytest.approx(0.09410831331851433)    # Brian2
    with pytest.raises(DimensionMismatchError, match="volt"):
        np.sin(1 * mV)               # Brian2: "sin expects a dimensionless argument"


def test_zero_fits_any_dimension_but_one_does_not():
    z = 0 * mV + 0
    assert float(z) == 0.0 and get_dimensions(z) is get_dimensions(volt)  # Brian2: 0. * volt
    with pytest.raises(DimensionMismatchError) as err:
        _ = 1 * mV + 1               # Brian2: "... units are V and 1"
    text = str(err.value)
    assert "volt" in text and "dimensionless" in text


def test_indexing_slicing_reductions():
    q = np.array([1.0, 2.0, 3.0, 4.0]) * mV
    assert repr(q[3]) == "4. * mvolt"                  # Brian2 same
    assert repr(q[1:3]) == "array([2., 3.]) * mvolt"
    assert repr(np.sum(q[:2])) == "3. * mvolt"         # Brian2: 3. * mvolt
    assert repr(np.mean(q[:2])) == "1.5 * mvolt"       # Brian2: 1.5 * mvolt
    assert repr(np.std(q[:2])) == "0.5 * mvolt"        # Brian2: 0.5 * mvolt
    assert repr(q[:2].mean()) == "1.5 * mvolt"
    assert repr(np.cumsum(q[:2])) == "array([1., 3.]) * mvolt"
    assert repr(np.diff(q[:2])) == "array([1.]) * mvolt"
    assert get_dimensions(np.var(q)) is get_dimensions(volt ** 2)
    assert repr(abs(-3 * mV)) == "3. * mvolt"
    assert repr(np.clip(np.array([1.0, 5.0]) * mV, 2 * mV, 3 * mV)) == \
        "array([2., 3.]) * mvolt"                      # Brian2 same
    with pytest.raises(DimensionMismatchError):
        np.clip(np.array([1.0, 5.0]) * mV, 2, 3)       # Brian2: DimensionMismatchError
    assert repr(np.maximum(1 * mV, 2 * mV)) == "2. * mvolt"


def test_in_place_arithmetic():
    q = np.array([1.0, 2.0, 3.0]) * mV
    q += 1 * mV
    assert repr(q) == "array([2., 3., 4.]) * mvolt"    # Brian2 same
    with pytest.raises(DimensionMismatchError):
        q += 1                                          # Brian2: DimensionMismatchError


def test_display():
    assert repr(20 * ms) == "20. * msecond" and str(20 * ms) == "20. ms"   # Brian2
    assert repr(-50 * mV) == "-50. * mvolt"
    assert repr(3 * nS) == "3. * nsiemens"
    assert repr(1 * amp * U.ohm) == "1. * volt"
    assert repr(5 * Hz) == "5. * hertz"
    assert repr(0.5 * ms) == "0.5 * msecond"
    assert repr(12345678 * mV) == "12.345678 * kvolt"
    assert repr(1e-20 * mV) == "10. * yvolt"
    assert repr(np.zeros(3) * mV) == "array([0., 0., 0.]) * volt"
    assert repr(np.array([1e-3, 2.0]) * mV) == "array([1.e+00, 2.e+03]) * uvolt"
    assert repr(1 * kilogram) == "1. * kilogram"
    assert repr(3 * mV * nS) == "3. * pamp"
    assert str(np.array([1.0, 2.0]) * mV) == "[1. 2.] mV"
    assert str(3 * mV / ms) == "3. m^2 kg s^-4 A^-1"     # Brian2 same
    assert repr(ms) == "msecond" and str(ms) == "ms" and repr(cm2) == "cm2"
    assert str(get_dimensions(mV / ms)) == "m^2 kg s^-4 A^-1"
    assert repr(get_dimensions(mV)) == "metre ** 2 * kilogram * second ** -3 * amp ** -1"
    assert repr(np.sqrt(4 * ms)) == "0.06324555 * second ** 0.5"


def test_dimension_helpers():
    assert have_same_dimensions(1 * mV, volt)
    assert have_same_dimensions(1, 2)
    assert not have_same_dimensions(mV, ms)
    assert str(get_dimensions(1)) == "1"
    assert Quantity(3, volt).dim is get_dimensions(mV)
    assert float(Quantity([1 * mV, 2 * mV])[1]) == 0.002


def test_check_units():
    @check_units(v=volt, result=second)
    def f(v):
        return v / volt * second

    assert repr(f(3 * mV)) == "3. * msecond"     # Brian2 same
    with pytest.raises(DimensionMismatchError):
        f(3)
    with pytest.raises(DimensionMismatchError):
        f(3 * ms)


def test_pickle_and_star_import():
    q = np.array([1.0, 2.0]) * mV
    back = pickle.loads(pickle.dumps(q))
    assert repr(back) == repr(q)
    assert repr(pickle.loads(pickle.dumps(mV))) == "mvolt"
    ns: dict = {}
    exec("from lifdsl.units import *", ns)  # noqa: S102 - the import under test
    assert all(name in ns for name in BRIAN2_UNIT_NAMES)
    assert len(BRIAN2_UNIT_NAMES) == 203


def test_unit_values_match_brian2():
    # scale of a prefixed name is the prefix times the base unit's SI scale (gram: 1e-3 kg,
    # litre: 1e-3 m^3, molar: 1e3 mol/m^3), as in Brian2 (float(unit) printed there)
    assert float(U.mgram) == pytest.approx(1e-6)
    assert float(U.uliter) == pytest.approx(1e-9)
    assert float(U.mM) == pytest.approx(1.0)
    assert float(U.cm2) == pytest.approx(1e-4)
    assert float(U.um3) == pytest.approx(1e-18)
    assert float(U.Tohm) == pytest.approx(1e12)
    assert float(U.kgramme) == pytest.approx(1.0)


def test_constants():
    from lifdsl.units import constants as C

    assert float(C.faraday_constant) == pytest.approx(96485.33212, rel=1e-10)  # CODATA 2018
    assert float(C.gas_constant) == pytest.approx(8.314462618, rel=1e-9)
    assert float(C.boltzmann_constant) == 1.380649e-23
    ratio = C.gas_constant * C.zero_celsius / C.faraday_constant
    assert have_same_dimensions(ratio, volt)
    assert float(ratio) == pytest.approx(0.023536, rel=1e-4)


#: the 203 unit names ``from brian2 import *`` gives in Brian2 2.9 (read off with
#: ``[k for k, v in ns.items() if isinstance(v, brian2.units.fundamentalunits.Unit)]``)
_PREFIXED = ("amp coulomb farad gram gramme hertz joule liter litre meter metre molar mole ohm "
             "pascal second siemens volt watt").split()
BRIAN2_UNIT_NAMES = sorted(
    {p + b for b in _PREFIXED for p in ("", "p", "n", "u", "m", "k", "M", "G", "T")}
    | set("kelvin kilogram cmeter cmetre Hz kHz MHz mA uA nA pA mM uM nM mS uS nS mV ms us "
          "uF nF pF cm cm2 cm3 mm mm2 mm3 um um2 um3".split()))


def test_units_off_the_thousand_steps_show_their_own_names():
    # Brian2 2.9 (/tmp/b2env): repr(cm) 'cmetre', str(cm) 'cm', repr(3*cm) '30. * mmetre',
    # repr(litre) 'litre', str(litre) 'l', repr(cmetre) 'cmetre' (lifdsl showed cm as 'mmetre')
    assert (repr(U.cm), str(U.cm), repr(3 * U.cm)) == ("cmetre", "cm", "30. * mmetre")
    assert (repr(U.cmetre), repr(U.litre), str(U.litre)) == ("cmetre", "litre", "l")
    assert (repr(U.mV), str(U.mV), repr(U.kHz), str(U.nS)) == ("mvolt", "mV", "khertz", "nS")


def test_in_place_operators_on_a_number_make_a_new_one():
    """``dt = start_dt; dt *= .5`` leaves ``start_dt`` alone, as with floats and as Brian2 2.9.0
    (/tmp/b2env: s = .1*ms; d = s; d *= .5 -> s 100. us, d 50. us, d is s False);
    compare_GSL_to_conventional.py halves dt so. Arrays change in place, as NumPy's."""
    from lifdsl.units import ms, mV

    start = 0.1 * ms
    d = start
    d *= 0.5
    assert float(start) == pytest.approx(1e-4) and float(d) == pytest.approx(5e-5)
    d = start
    d += 1 * ms
    d -= 0.05 * ms
    d /= 2
    assert float(start) == pytest.approx(1e-4) and float(d) == pytest.approx(0.525e-3)
    with pytest.raises(DimensionMismatchError):
        d += 1 * mV
    arr = np.array([1.0, 2.0]) * mV
    same = arr
    same *= 2
    assert same is arr and list(np.asarray(arr)) == pytest.approx([2e-3, 4e-3])
