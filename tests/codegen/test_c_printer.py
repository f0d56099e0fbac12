"""The C printer computes what the NumPy printer computes.

Printed expressions are compiled with gcc (the cache's flags) into a small shared object loaded
with ctypes, evaluated on arrays, and compared with the NumPy target's source executed in
Python: to 1e-15 relative (NumPy's SIMD exp/log may differ from libm in the last bit).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import shutil
import subprocess
import types
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from lifdsl.codegen.c_printer import C_SUPPORT_CODE, CCodePrinter, c_name, print_c
from lifdsl.codegen.cache import CFLAGS
from lifdsl.codegen.numpy_target import print_expr, py_name
from lifdsl.codegen.numpy_target.printer import generated_globals
from lifdsl.core.timedarray import TimedArray
from lifdsl.equations.functions import clip, exprel, rand, randn, symbol
from lifdsl.methods import divided_differences
from lifdsl.methods.divided_differences import NUMPY_FUNCTIONS, expdd, expdd_numpy

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

x, y, z = symbol("x"), symbol("y"), symbol("z")
i, N = symbol("i"), symbol("N")


class CLib:
    """A shared object of C functions ``f<k>(in, out, n)``, one per printed expression."""

    def __init__(self, tmp: Path, exprs, names, int_names=("i", "N"), functions=None,
                 extra_c: str = "") -> None:
        printer = CCodePrinter(functions=functions, int_names=int_names)
        self.names = list(names)
        self.int_names = set(int_names)
        lines = [C_SUPPORT_CODE, extra_c]
        for k, e in enumerate(exprs):
            lines.append(f"void f{k}(const double *const *in, double *out, int64_t n) {{")
            lines.append("    for (int64_t j = 0; j < n; ++j) {")
            for a, nm in enumerate(self.names):
                ctype = "int64_t" if nm in self.int_names else "double"
                lines.append(f"        const {ctype} {c_name(nm)} = ({ctype})in[{a}][j];")
                lines.append(f"        (void){c_name(nm)};")
            lines.append(f"        out[j] = (double)({printer.doprint(e)});")
            lines.append("    }")
            lines.append("}")
        src = tmp / "exprs.c"
        src.write_text("\n".join(lines) + "\n")
        so = tmp / "exprs.so"
        subprocess.run(["gcc", *CFLAGS, "-fPIC", "-shared", str(src), "-o", str(so), "-lm"],
                       check=True, capture_output=True, text=True)
        self.lib = ctypes.CDLL(str(so))
        self.n_exprs = len(exprs)

    def __call__(self, k: int, values: dict[str, np.ndarray]) -> np.ndarray:
        cols = [np.ascontiguousarray(values[nm], dtype=float) for nm in self.names]
        n = len(cols[0])
        out = np.empty(n)
        ptrs = (ctypes.c_void_p * len(cols))(*[c.ctypes.data for c in cols])
        fn = getattr(self.lib, f"f{k}")
        fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        fn(ptrs, out.ctypes.data, n)
        return out


def numpy_eval(expr, values: dict[str, np.ndarray], functions=None):
    """The NumPy target's value of ``expr``: its printed source executed in Python."""
    ns = {**generated_globals(), "functools": functools}
    ns.update({py_name(k): v for k, v in values.items()})
    ns.update(functions or {})
    out = eval(print_expr(expr), ns)  # noqa: S307 - printed from our own SymPy trees
    return np.broadcast_to(np.asarray(out, dtype=float), next(iter(values.values())).shape)


def assert_close(c, ref, rtol=1e-15):
    c, ref = np.asarray(c), np.asarray(ref)
    assert np.array_equal(np.isnan(c), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(c[ok], ref[ok], rtol=rtol, atol=0)


RNG = np.random.default_rng(20240601)
M = 2000
VALUES = {
    "x": RNG.uniform(0.1, 3.0, M),
    "y": RNG.uniform(-2.0, 2.0, M),
    "z": RNG.uniform(-40.0, 40.0, M),
}

ARITHMETIC = [
    x + y * z,
    x * y / z,
    -x**2 + 3 * y,
    x**2, x**3, x**4, x**-1, x**-2, x**-3, x**sp.Rational(1, 3), x**sp.Rational(3, 2),
    x**0.5, x**-0.5, x**sp.Rational(-1, 2), x**sp.Float(2.0), x**y, 2**y, (x + y)**2,
    sp.exp(-z / x), sp.log(x), sp.log(x, 10), sp.sqrt(x) * y, sp.sin(z) + sp.cos(y),
    sp.tanh(y) * sp.sinh(y) / sp.cosh(y), sp.atan(z), sp.asin(y / 2), sp.acos(y / 2),
    sp.Abs(y), sp.sign(y), sp.floor(z), sp.ceiling(z), sp.Mod(z, x), sp.Mod(z, -x),
    sp.Rational(1, 3) * x, sp.Rational(-7, 3) * x + sp.Rational(1, 2), sp.pi * x, sp.E * y,
    sp.Float("0.1") * x + sp.Float("1e-300"), sp.Float("1.0000000000000002") * y,
    x / (y * sp.exp(x)), 1 / (x + 1), -1 / x, y / (x * (1 + x)),
    sp.Min(x, y), sp.Max(x, y, 0.5), clip(z, -1, 1), clip(z, y, x),
    exprel(y), exprel(z), exprel(x * 1e-9),
    expdd(x, y), expdd(x, y, z / 10), expdd(x, x + 1e-9, y),
    sp.Piecewise((x, y > 0), (z, z > 0), (0, True)),
    sp.Piecewise((x, y > 0)),
    sp.Piecewise((1, sp.And(y > 0, x < 1)), (2, sp.Or(y < -1, sp.Not(x < 2))), (3, True)),
    1e-3 * sp.exp(-(z / 10) ** 2 / 2),
]


@pytest.fixture(scope="module")
def arith_lib(tmp_path_factory):
    return CLib(tmp_path_factory.mktemp("arith"), ARITHMETIC, ["x", "y", "z"])


@pytest.mark.parametrize("k", range(len(ARITHMETIC)), ids=[str(e) for e in ARITHMETIC])
def test_expression_matches_numpy(arith_lib, k):
    expr = ARITHMETIC[k]
    with np.errstate(all="ignore"):
        ref = numpy_eval(expr, VALUES)
    assert_close(arith_lib(k, VALUES), ref)


RELATIONS = [sp.Eq(sp.floor(z), 3), sp.Ne(sp.floor(z), 3), y < 0, y <= 0, y > 0, y >= 0,
             sp.And(y > 0, z < 0), sp.Or(y > 0, z < 0), sp.Not(y > 0),
             sp.And(y > 0, sp.Or(z < 0, x > 2)), sp.true, sp.false]


def test_relations_and_logic(tmp_path):
    lib = CLib(tmp_path, RELATIONS, ["x", "y", "z"])
    vals = dict(VALUES)
    vals["z"] = np.concatenate([VALUES["z"][:-3], [3.0, 3.5, -0.0]])
    for k, rel in enumerate(RELATIONS):
        ref = numpy_eval(rel, vals)
        np.testing.assert_array_equal(lib(k, vals), ref.astype(float))


def test_integer_division_never_truncates(tmp_path):
    exprs = [sp.Rational(1, 2) * x, i / N, 2 / N, i / 2, (i + 1) / (N - 1), 1 / N, i * x / N,
             sp.Mod(i, 3), sp.floor(i / 2)]
    lib = CLib(tmp_path, exprs, ["x", "i", "N"])
    vals = {"x": np.array([3.0, 1.0, 7.0]), "i": np.array([1, 2, 7]), "N": np.array([2, 3, 4])}
    results = [lib(k, vals) for k in range(len(exprs))]
    np.testing.assert_array_equal(results[0], [1.5, 0.5, 3.5])
    np.testing.assert_array_equal(results[1], [0.5, 2 / 3, 7 / 4])
    for k, e in enumerate(exprs):
        ivals = {"x": vals["x"], "i": vals["i"].astype(np.int64), "N": vals["N"].astype(np.int64)}
        assert_close(results[k], numpy_eval(e, ivals))
    assert "(double)" in print_c(i / N)
    assert "(double)" not in print_c(x / y)


def test_exprel_near_zero(tmp_path):
    lib = CLib(tmp_path, [exprel(x)], ["x"])
    xs = np.concatenate([
        [0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e-16, -1e-16, 1e-8, -1e-8, 1e-3, 700.0, -745.0],
        RNG.uniform(-1e-6, 1e-6, 200), RNG.uniform(-50, 50, 200),
    ])
    assert_close(lib(0, {"x": xs}), NUMPY_FUNCTIONS["exprel"](xs))
    assert lib(0, {"x": np.array([0.0])})[0] == 1.0


EXPDD_CASES = {
    "equal2": [(0.3, 0.3)],
    "equal3": [(-1.5, -1.5, -1.5)],
    "equal5": [(2.0,) * 5],
    "nearly_equal": [(0.3, 0.3 + 1e-12), (-2.0, -2.0 + 1e-7, -2.0 - 3e-9), (1.0, 1.0 + 1e-3)],
    "within_spread": [(0.0, 0.4, 0.9), (-0.5, 0.5), (-3.0, -2.2, -2.9, -2.5)],
    "far": [(-5.0, 3.0), (-20.0, -1.0, 0.5), (-30.0, -10.0, 0.0, 4.0), (0.1, 2.5, 5.0, 9.0, 20.0)],
    "mixed": [(-10.0, -10.0 + 1e-10, 0.0), (-1.0, -1.0, 3.0, 3.0 + 1e-8), (5.0, -5.0, 5.0)],
    "unsorted": [(3.0, -1.0, 0.5, -1.0 + 1e-9, 2.0, 7.0)],
}


@pytest.mark.parametrize("case", sorted(EXPDD_CASES))
def test_expdd_matches_numpy(tmp_path, case):
    rows = EXPDD_CASES[case]
    extra = """
double expdd_at(int n, const double *x) { return lifdsl_expdd(n, x); }
"""
    lib = CLib(tmp_path, [], ["x"], extra_c=extra)
    lib.lib.expdd_at.restype = ctypes.c_double
    lib.lib.expdd_at.argtypes = [ctypes.c_int, ctypes.c_void_p]
    for nodes in rows:
        arr = np.array(nodes, dtype=float)
        c_value = lib.lib.expdd_at(len(arr), arr.ctypes.data)
        ref = expdd_numpy(*[np.array([v]) for v in nodes])[0]
        assert c_value == pytest.approx(ref, rel=1e-15, abs=0), nodes
        exact = float(sp.N(expdd(*[sp.Float(v, 40) for v in nodes]), 30))
        assert c_value == pytest.approx(exact, rel=1e-14, abs=0), nodes


def test_ill_conditioned_expression_within_libm_differences(tmp_path):
    # 1 - exp(-a) for small a magnifies a last-bit difference between NumPy's SIMD exp and
    # libm's exp by 1/a: the targets agree to that, not to 1e-15
    lib = CLib(tmp_path, [(1 - sp.exp(-x / 7)) * z], ["x", "y", "z"])
    assert_close(lib(0, VALUES), numpy_eval((1 - sp.exp(-x / 7)) * z, VALUES), rtol=1e-13)


EXPDD_EXPRS = [expdd(x, y), expdd(x, y, z), expdd(x, x + y * 1e-9, x - y * 1e-7, z / 10),
               expdd(x, y, z, x + 1, y + 0.5, z + 2)]


def test_expdd_vectorised_through_printer(tmp_path):
    lib = CLib(tmp_path, EXPDD_EXPRS, ["x", "y", "z"])
    for k, e in enumerate(EXPDD_EXPRS):
        # last-bit exp differences (NumPy SIMD vs libm) pass through the table, a little
        # magnified per level: the port itself is exact (next test)
        assert_close(lib(k, VALUES), numpy_eval(e, VALUES), rtol=4e-15 * len(e.args))
    assert print_c(expdd(x, y, z)).startswith("lifdsl_expdd(3, (const double[]){")


class _LibmNumpy(types.ModuleType):
    """numpy, except that exp is libm's (the one C calls)."""

    def __init__(self) -> None:
        super().__init__("numpy_with_libm_exp")
        libm = ctypes.CDLL(ctypes.util.find_library("m"))
        libm.exp.restype = ctypes.c_double
        libm.exp.argtypes = [ctypes.c_double]
        self.exp = np.vectorize(libm.exp, otypes=[float])

    def __getattr__(self, name):
        return getattr(np, name)


def test_expdd_port_is_bit_identical_given_the_same_exp(tmp_path, monkeypatch):
    """With libm's exp on both sides, the C port repeats expdd_numpy operation for operation."""
    lib = CLib(tmp_path, EXPDD_EXPRS, ["x", "y", "z"])
    monkeypatch.setattr(divided_differences, "np", _LibmNumpy())
    for k, e in enumerate(EXPDD_EXPRS):
        nodes = [np.broadcast_to(sp.lambdify([x, y, z], a, "numpy")(
            VALUES["x"], VALUES["y"], VALUES["z"]), (M,)) for a in e.args]
        np.testing.assert_array_equal(lib(k, VALUES), divided_differences.expdd_numpy(*nodes))


TA_C = """
void ta1(const double *v, int64_t n, double inv, const double *t, double *out, int64_t m) {
    for (int64_t j = 0; j < m; ++j) out[j] = lifdsl_ta1(v, n, inv, t[j]);
}
void ta2(const double *v, int64_t n, int64_t ncol, double inv, const double *t,
         const int64_t *idx, double *out, int64_t m) {
    for (int64_t j = 0; j < m; ++j) out[j] = lifdsl_ta2(v, n, ncol, inv, t[j], idx[j]);
}
"""


@pytest.mark.parametrize("dt_ta,dt_sim", [(1e-4, 1e-4), (1e-3, 1e-4), (1e-4, 3e-5),
                                          (0.1, 0.1), (7e-4, 1e-4)])
def test_timedarray_lookup_matches(tmp_path, dt_ta, dt_sim):
    lib = CLib(tmp_path, [], ["x"], extra_c=TA_C)
    vals1 = RNG.normal(size=37)
    vals2 = RNG.normal(size=(37, 5))
    ta1, ta2 = TimedArray(vals1, dt_ta), TimedArray(vals2, dt_ta)
    steps = np.arange(-5, int(45 * dt_ta / dt_sim))
    t = np.concatenate([steps * dt_sim, RNG.uniform(-dt_ta, 40 * dt_ta, 500), [1e9, -1e9]])
    out = np.empty_like(t)
    inv = ctypes.c_double(1.0 / dt_ta)
    ptr, i64, dbl = ctypes.c_void_p, ctypes.c_int64, ctypes.c_double
    lib.lib.ta1.argtypes = [ptr, i64, dbl, ptr, ptr, i64]
    lib.lib.ta2.argtypes = [ptr, i64, i64, dbl, ptr, ptr, ptr, i64]
    lib.lib.ta1(vals1.ctypes.data, ctypes.c_int64(len(vals1)), inv, t.ctypes.data,
                out.ctypes.data, ctypes.c_int64(len(t)))
    np.testing.assert_array_equal(out, ta1(t))
    idx = RNG.integers(0, 5, len(t)).astype(np.int64)
    vals2c = np.ascontiguousarray(vals2)
    lib.lib.ta2(vals2c.ctypes.data, ctypes.c_int64(37), ctypes.c_int64(5), inv, t.ctypes.data,
                idx.ctypes.data, out.ctypes.data, ctypes.c_int64(len(t)))
    np.testing.assert_array_equal(out, ta2(t, idx))


def test_function_formats_hook(tmp_path):
    f = sp.Function("I_in")
    g = sp.Function("stim")
    fmt = {"I_in": "lifdsl_ta1(_ta_v, 4, 10.0, {0})",
           "stim": "lifdsl_ta2(_ta_w, 4, 2, 10.0, {0}, {1})"}
    printer = CCodePrinter(functions=fmt)
    assert printer.doprint(2 * f(x)) == "2*lifdsl_ta1(_ta_v, 4, 10.0, x)"
    assert printer.doprint(g(x, i)) == "lifdsl_ta2(_ta_w, 4, 2, 10.0, x, i)"
    assert print_c(f(x) + 1) == "I_in(x) + 1"
    extra = ("static const double _ta_v[4] = {1.0, 2.0, 3.0, 4.0};\n"
             "static const double _ta_w[8] = {1, 2, 3, 4, 5, 6, 7, 8};\n")
    lib = CLib(tmp_path, [3 * f(x) - 1, g(x, i)], ["x", "i"], functions=fmt, extra_c=extra)
    ts = np.array([0.0, 0.1, 0.25, 0.3, 9.0, -1.0])
    ii = np.array([0, 1, 0, 1, 1, 0])
    ref_f = TimedArray([1.0, 2.0, 3.0, 4.0], 0.1)
    ref_g = TimedArray(np.arange(1.0, 9.0).reshape(4, 2), 0.1)
    np.testing.assert_array_equal(lib(0, {"x": ts, "i": ii}), 3 * ref_f(ts) - 1)
    np.testing.assert_array_equal(lib(1, {"x": ts, "i": ii}), ref_g(ts, ii))


def test_printed_forms():
    assert print_c(x**2) == "((x)*(x))"
    assert print_c(x**-1) == "(1.0/(x))"
    assert print_c(x**0.5) == "sqrt(x)"
    assert print_c(x**3) == "((x)*(x)*(x))" and print_c(x**4) == "(((x)*(x))*((x)*(x)))"
    assert print_c(x**5) == "pow(x, 5.0)" and print_c((x + 1)**3) == "pow(x + 1, 3.0)"
    assert print_c(sp.Rational(1, 2) * x) == "((1.0/2.0))*x"
    assert print_c(sp.Float("0.1")) == "0.1"
    assert print_c(sp.Float("1e-300")) == "1e-300"
    assert print_c(sp.oo) == "INFINITY"
    assert print_c(sp.true) == "1" and print_c(sp.false) == "0"
    assert print_c(sp.log(x, 10)) == "log(x)/(log(10))"  # no POSIX M_LN10
    assert "L" not in print_c(sp.Float("0.30000000000000004") * x)
    assert print_c(sp.Piecewise((x, y > 0))).endswith(": NAN)")


def test_reserved_names_get_underscore():
    for name in ["int", "double", "auto", "register", "default", "exp", "log", "pow", "y0",
                 "j1", "NAN", "lifdsl_exprel"]:
        assert c_name(name) == name + "_"
        assert print_c(sp.Symbol(name)) == name + "_"
    assert c_name("V") == "V" and c_name("tau_m") == "tau_m"


def test_random_draws_refused():
    with pytest.raises(ValueError, match="predraw"):
        print_c(rand(sp.Integer(0)) * x)
    with pytest.raises(ValueError, match="predraw"):
        print_c(randn(sp.Integer(1)))


def test_float_literals_round_trip(tmp_path):
    numbers = [0.1, 1 / 3, 2.0 / 3.0, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.123456789,
               -2.5e-17, 0.30000000000000004]
    exprs = [sp.Float(v) * x for v in numbers]
    lib = CLib(tmp_path, exprs, ["x"])
    one = {"x": np.array([1.0])}
    for k, v in enumerate(numbers):
        assert lib(k, one)[0] == v
