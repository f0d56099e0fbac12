"""SymPy -> C99 expressions for the cython target, computing what the NumPy target computes.

The kernel of the cython target is plain C embedded in a ``.pyx``; this printer writes its
expressions. It mirrors :class:`lifdsl.codegen.numpy_target.NumpyCodePrinter` operation by
operation (same factor order, same literals, the same powers done the same way) so that both
targets round alike; where NumPy takes a fast path (``x**2`` is ``x*x``, ``x**0.5`` is
``sqrt``, ``x**-1`` is ``1/x``) so does the C. Our own functions (``exprel``, ``expdd``,
``clip``, TimedArray lookups) call the static inline helpers of :data:`C_SUPPORT_CODE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from math import factorial

import sympy as sp
from sympy.core.mul import _keep_coeff
from sympy.printing.c import C99CodePrinter
from sympy.printing.precedence import PRECEDENCE, precedence

from lifdsl.codegen.long_expressions import balanced, multiplied_power, power_text
from lifdsl.equations.functions import clip, exprel, rand, randn
from lifdsl.methods.divided_differences import _TAYLOR_SPREAD, _TAYLOR_TERMS, expdd

__all__ = ["C_SUPPORT_CODE", "CCodePrinter", "EXPDD_MAX_NODES", "c_name", "print_c"]

#: C keywords, and identifiers that <math.h>, <stdint.h>, <stdlib.h> or our support code may
#: define (as functions or macros): a model name equal to one gets a trailing underscore.
C_RESERVED = frozenset(
    """
    auto break case char const continue default do double else enum extern float for goto if
    inline int long register restrict return short signed sizeof static struct switch typedef
    union unsigned void volatile while _Bool _Complex _Imaginary _Alignas _Alignof _Atomic
    _Generic _Noreturn _Static_assert _Thread_local bool true false NULL main
    acos acosh asin asinh atan atan2 atanh cbrt ceil copysign cos cosh erf erfc exp exp2 expm1
    fabs fdim floor fma fmax fmin fmod frexp hypot ilogb ldexp lgamma llrint llround log log10
    log1p log2 logb lrint lround modf nan nearbyint nextafter nexttoward pow remainder remquo
    rint round scalbln scalbn sin sinh sqrt tan tanh tgamma trunc gamma drem significand
    j0 j1 jn y0 y1 yn isnan isinf isfinite isnormal signbit fpclassify isgreater isless
    NAN INFINITY HUGE_VAL M_PI M_E errno abs labs llabs div ldiv abort exit malloc calloc
    realloc free memcpy memset memmove printf sprintf snprintf puts rand srand random time
    clock assert size_t ptrdiff_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t
    uint64_t intptr_t uintptr_t stdin stdout stderr bitgen_t
    """.split()
)

#: The most nodes ``lifdsl_expdd`` accepts (exact integration of a chain of this many
#: distinct time constants); the printer refuses more rather than overflow a C array.
EXPDD_MAX_NODES = 16

#: SymPy symbol names that are integers in the kernel: ``a/b`` with both sides built from
#: these (and integer literals) divides as doubles, never as C integer division.
DEFAULT_INT_NAMES = frozenset({"i", "N", "not_refractory"})


def c_name(name: str) -> str:
    """The C identifier for a model name: reserved C and libc names get a trailing ``_``.

    Names starting with ``lifdsl_`` belong to the support code and are renamed the same way.
    """
    if name in C_RESERVED or name.startswith("lifdsl_"):
        return name + "_"
    return name


def _c_double(value: float) -> str:
    """A C double literal equal to ``value`` (``repr`` round-trips exactly in C too)."""
    if value != value:
        return "NAN"
    if value in (float("inf"), float("-inf")):
        return "INFINITY" if value > 0 else "(-INFINITY)"
    text = repr(float(value))
    if "." not in text and "e" not in text:  # repr always has one; be safe for the future
        text += ".0"
    return text


class CCodePrinter(C99CodePrinter):
    """SymPy's C99 printer with lifdsl's functions, exact double literals and NumPy's powers.

    ``functions`` maps the name of an applied undefined function (a TimedArray) to a format
    string for its call, with ``{0}``, ``{1}`` ... for the printed arguments; unmapped ones
    print as ``name(args)``. ``int_names`` are symbols that hold integers in C (division by
    an expression made of them is done in double).
    """

    def doprint(self, expr, assign_to=None):
        # (long sums and products as balanced groups: see lifdsl.codegen.long_expressions)
        return super().doprint(balanced(expr), assign_to)

    def __init__(
        self,
        settings: dict | None = None,
        functions: Mapping[str, str] | None = None,
        int_names: Iterable[str] | None = None,
    ) -> None:
        # no math macros: log(10) stays a libm call, as numpy.log(10), not POSIX's M_LN10
        super().__init__({"math_macros": {}, **(settings or {})})
        self._function_formats = dict(functions or {})
        self._int_names = frozenset(DEFAULT_INT_NAMES if int_names is None else int_names)

    # -- names and numbers ----------------------------------------------------------------
    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return c_name(expr.name)

    def _print_Float(self, expr: sp.Float) -> str:
        return _c_double(float(expr))

    def _print_Integer(self, expr: sp.Integer) -> str:
        n = int(expr)
        if abs(n) < 2**62:
            return str(n)
        return _c_double(float(n))

    def _print_Rational(self, expr: sp.Rational) -> str:
        p, q = int(expr.p), int(expr.q)
        if q == 1:
            return self._print_Integer(sp.Integer(p))
        if abs(p) <= 2**53 and q <= 2**53:
            # both exact as doubles: one correctly rounded division, as Python's p/q
            return f"({p}.0/{q}.0)"
        return _c_double(p / q)  # Python's int/int is correctly rounded too

    def _print_NumberSymbol(self, expr) -> str:
        return _c_double(float(expr))

    _print_Pi = _print_NumberSymbol
    _print_Exp1 = _print_NumberSymbol
    _print_EulerGamma = _print_NumberSymbol
    _print_GoldenRatio = _print_NumberSymbol
    _print_Catalan = _print_NumberSymbol

    def _print_Infinity(self, expr) -> str:
        return "INFINITY"

    def _print_NegativeInfinity(self, expr) -> str:
        return "(-INFINITY)"

    def _print_NaN(self, expr) -> str:
        return "NAN"

    def _print_BooleanTrue(self, expr) -> str:
        return "1"

    def _print_BooleanFalse(self, expr) -> str:
        return "0"

    # -- arithmetic -----------------------------------------------------------------------
    def _may_be_integer(self, expr: sp.Basic) -> bool:
        """True if C could evaluate ``expr`` in integer arithmetic (so ``/`` would truncate)."""
        if expr.is_Integer:
            return True
        if expr.is_Symbol:
            return expr.name in self._int_names
        if isinstance(expr, (sp.Add, sp.Mul)):
            return all(self._may_be_integer(a) for a in expr.args)
        if isinstance(expr, sp.Pow):
            return expr.exp.is_Integer and expr.exp == 2 and self._may_be_integer(expr.base)
        return False

    def _print_Mul(self, expr: sp.Mul) -> str:
        # The factor order, sign handling and numerator/denominator split of SymPy's code
        # printers (which the NumPy printer uses), so both targets multiply in one order;
        # what differs: a denominator is always one parenthesised group, and an all-integer
        # quotient divides in double.
        prec = precedence(expr)
        coeff, _ = expr.as_coeff_Mul()
        sign = ""
        if coeff < 0:
            expr = _keep_coeff(-coeff, expr.as_coeff_Mul()[1])
            sign = "-"
        num: list[sp.Basic] = []
        den: list[sp.Basic] = []
        factors = expr.as_ordered_factors() if self.order not in ("old", "none") else (
            sp.Mul.make_args(expr))
        for f in factors:
            if f.is_commutative and f.is_Pow and f.exp.is_Rational and f.exp.is_negative:
                den.append(sp.Pow(f.base, -f.exp, evaluate=f.exp == -1))
            else:
                num.append(f)
        num = num or [sp.S.One]
        if len(num) == 1 and sign == "-":
            num_str = [self.parenthesize(num[0], 0.5 * (PRECEDENCE["Pow"] + PRECEDENCE["Mul"]))]
        else:
            num_str = [self.parenthesize(f, prec) for f in num]
        text = sign + "*".join(num_str)
        if not den:
            return text
        if len(den) == 1:
            den_str = self.parenthesize(den[0], prec)
        else:
            den_str = "(" + "*".join(self.parenthesize(f, prec) for f in den) + ")"
        if len(den) == 1 and not den[0].is_Atom and not den_str.startswith("("):
            den_str = f"({den_str})"
        if all(self._may_be_integer(f) for f in num) and all(
            self._may_be_integer(f) for f in den
        ):
            den_str = f"(double){den_str}"
        return f"{text}/{den_str}"

    def _print_Pow(self, expr: sp.Pow) -> str:
        base, ex = expr.base, expr.exp
        b = self._print(base)
        n = multiplied_power(expr)
        if n is not None:
            return power_text(b, n)
        if ex.is_Number:
            value = float(ex)
            if value == 2.0:  # NumPy squares by one multiplication
                return f"(({b})*({b}))"
            if value == 0.5:  # NumPy's x**0.5 is sqrt
                return f"sqrt({b})"
            if value == -1.0:  # NumPy's x**-1 is a reciprocal
                return f"(1.0/({b}))"
            if ex == sp.Rational(-1, 2):  # the NumPy printer writes 1/numpy.sqrt(x)
                return f"(1.0/sqrt({b}))"
            if value == 1.0:
                return f"({b})"
            # every other constant exponent is a double: never an integer pow overload,
            # and the same libm pow that NumPy's scalar power calls
            if ex.is_Rational and not ex.is_Integer:
                return f"pow({b}, {self._print(ex)})"
            return f"pow({b}, {_c_double(value)})"
        return f"pow({b}, {self._print(ex)})"

    def _print_Mod(self, expr: sp.Mod) -> str:
        a, m = (self._print(x) for x in expr.args)
        return f"lifdsl_mod({a}, {m})"

    def _print_Abs(self, expr: sp.Abs) -> str:
        return f"fabs({self._print(expr.args[0])})"

    def _print_sign(self, expr: sp.sign) -> str:
        return f"lifdsl_sign({self._print(expr.args[0])})"

    def _print_floor(self, expr) -> str:
        return f"floor({self._print(expr.args[0])})"

    def _print_ceiling(self, expr) -> str:
        return f"ceil({self._print(expr.args[0])})"

    def _print_Min(self, expr: sp.Min) -> str:
        # functools.reduce(numpy.minimum, args): NaN-propagating, pairwise from the left
        out = self._print(expr.args[0])
        for a in expr.args[1:]:
            out = f"lifdsl_min({out}, {self._print(a)})"
        return out

    def _print_Max(self, expr: sp.Max) -> str:
        out = self._print(expr.args[0])
        for a in expr.args[1:]:
            out = f"lifdsl_max({out}, {self._print(a)})"
        return out

    # -- our functions --------------------------------------------------------------------
    def _print_exprel(self, expr: exprel) -> str:
        return f"lifdsl_exprel({self._print(expr.args[0])})"

    def _print_expdd(self, expr: expdd) -> str:
        n = len(expr.args)
        if n > EXPDD_MAX_NODES:
            raise ValueError(
                f"expdd with {n} nodes: the C support code handles at most {EXPDD_MAX_NODES}"
            )
        args = ", ".join(self._print(a) for a in expr.args)
        return f"lifdsl_expdd({n}, (const double[]){{{args}}})"

    def _print_clip(self, expr: clip) -> str:
        x, lo, hi = (self._print(a) for a in expr.args)
        return f"lifdsl_clip({x}, {lo}, {hi})"

    def _print_rand(self, expr: rand) -> str:
        raise ValueError(
            "rand() reached the C printer: the kernel draws random numbers before the loop "
            "(lifdsl.codegen.random_draws.predraw) and prints only the _draw_k names"
        )

    def _print_randn(self, expr: randn) -> str:
        raise ValueError(
            "randn() reached the C printer: the kernel draws random numbers before the loop "
            "(lifdsl.codegen.random_draws.predraw) and prints only the _draw_k names"
        )

    def _print_AppliedUndef(self, expr) -> str:
        name = expr.func.__name__
        args = [self._print(a) for a in expr.args]
        fmt = self._function_formats.get(name)
        if fmt is not None:
            return fmt.format(*args)
        return f"{c_name(name)}(" + ", ".join(args) + ")"

    # -- logic ----------------------------------------------------------------------------
    def _print_Relational(self, expr) -> str:
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expr.rel_op]
        return f"({self._print(expr.lhs)} {op} {self._print(expr.rhs)})"

    def _print_And(self, expr) -> str:
        return "(" + " && ".join(self._print(a) for a in expr.args) + ")"

    def _print_Or(self, expr) -> str:
        return "(" + " || ".join(self._print(a) for a in expr.args) + ")"

    def _print_Not(self, expr) -> str:
        return f"(!{self._print(expr.args[0])})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        *head, (last_val, last_cond) = expr.args
        out = self._print(last_val)
        if last_cond != sp.true:
            out = f"(({self._print(last_cond)}) ? ({out}) : NAN)"
        for val, cond in reversed(head):
            out = f"(({self._print(cond)}) ? ({self._print(val)}) : ({out}))"
        return out

    def _print_ITE(self, expr) -> str:
        c, a, b = (self._print(x) for x in expr.args)
        return f"(({c}) ? ({a}) : ({b}))"


_printer = CCodePrinter()


def print_c(expr: sp.Basic) -> str:
    """C source text of one SymPy expression (default names, no TimedArray formats)."""
    return _printer.doprint(sp.sympify(expr))


# ------------------------------------------------------------------------------------------
# C support code


def _factorial_table(n: int) -> str:
    # doubles nearest to m! (what NumPy divides by when it divides by the Python int m!)
    return ", ".join(_c_double(float(factorial(m))) for m in range(n))


C_SUPPORT_CODE: str = (
    r"""
#ifndef LIFDSL_SUPPORT_CODE
#define LIFDSL_SUPPORT_CODE
#include <math.h>
#include <stdint.h>

/* (exp(x) - 1)/x, 1 at x = 0: as lifdsl.methods.divided_differences.exprel_numpy */
static inline double lifdsl_exprel(double x)
{
    return (x == 0.0) ? 1.0 : expm1(x) / x;
}

/* numpy.clip(x, lo, hi) = minimum(maximum(x, lo), hi), NaN in -> NaN out */
static inline double lifdsl_clip(double x, double lo, double hi)
{
    double r;
    if (isnan(x)) return x;
    if (isnan(lo)) return lo;
    r = (x >= lo) ? x : lo;
    if (isnan(hi)) return hi;
    return (r <= hi) ? r : hi;
}

/* numpy.minimum / numpy.maximum: NaN-propagating */
static inline double lifdsl_min(double a, double b)
{
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    return (a <= b) ? a : b;
}

static inline double lifdsl_max(double a, double b)
{
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    return (a >= b) ? a : b;
}

/* numpy.sign: -1, 0, 1 as doubles, NaN for NaN */
static inline double lifdsl_sign(double x)
{
    return (x > 0.0) ? 1.0 : ((x < 0.0) ? -1.0 : ((x == 0.0) ? 0.0 : x));
}

/* numpy.mod on doubles: the result takes the sign of the divisor */
static inline double lifdsl_mod(double a, double b)
{
    double m = fmod(a, b);
    if (b == 0.0) return m;
    if (m != 0.0) {
        if ((b < 0.0) != (m < 0.0)) m += b;
    } else {
        m = copysign(0.0, b);
    }
    return m;
}

/* TimedArray lookups, as lifdsl.core.timedarray.TimedArray: step k = floor(t/dt + 1e-6)
   (the slack keeps t = k*dt on step k), held at the first and last values outside */
static inline int64_t lifdsl_ta_step(int64_t n, double inv_dt, double t)
{
    double k = floor(t * inv_dt + 1e-6);
    if (!(k >= 0.0)) return 0;
    if (k > (double)(n - 1)) return n - 1;
    return (int64_t)k;
}

static inline double lifdsl_ta1(const double *v, int64_t n, double inv_dt, double t)
{
    return v[lifdsl_ta_step(n, inv_dt, t)];
}

static inline double lifdsl_ta2(const double *v, int64_t n, int64_t ncol, double inv_dt,
                                double t, int64_t i)
{
    /* an index outside the columns gives NaN, never another row's value (NumPy raises) */
    if (i < 0 || i >= ncol) return NAN;
    return v[lifdsl_ta_step(n, inv_dt, t) * ncol + i];
}

/* The kernel's form: an index outside the columns is recorded in err (the first one: which
   function, which column), so the run stops after this loop with a clear error. */
static inline double lifdsl_ta2e(const double *v, int64_t n, int64_t ncol, double inv_dt,
                                 double t, int64_t i, int64_t *err, int64_t fid)
{
    if (i < 0 || i >= ncol) {
        if (!err[0]) { err[0] = 1; err[1] = fid; err[2] = i; }
        return NAN;
    }
    return v[lifdsl_ta_step(n, inv_dt, t) * ncol + i];
}

/* Divided difference of exp over nodes, as lifdsl.methods.divided_differences.expdd_numpy:
   sorted nodes, a divided-difference table over contiguous runs, each entry from the
   recurrence when the run spans more than LIFDSL_TAYLOR_SPREAD and from the Taylor series
   around the run's mean otherwise (same operations in the same order as the NumPy code). */
#define LIFDSL_EXPDD_MAX """
    + str(EXPDD_MAX_NODES)
    + r"""
#define LIFDSL_TAYLOR_TERMS """
    + str(_TAYLOR_TERMS)
    + r"""
#define LIFDSL_TAYLOR_SPREAD """
    + _c_double(_TAYLOR_SPREAD)
    + r"""
static const double lifdsl_factorial[] = {"""
    + _factorial_table(_TAYLOR_TERMS + EXPDD_MAX_NODES)
    + r"""};

static inline double lifdsl_expdd_taylor(int n, const double *x)
{
    int k = n - 1, j, m;
    double mu = x[0], total = 0.0;
    double h[LIFDSL_TAYLOR_TERMS];
    for (j = 1; j < n; ++j) mu += x[j];
    mu /= (double)n;
    h[0] = 1.0;
    for (m = 1; m < LIFDSL_TAYLOR_TERMS; ++m) h[m] = 0.0;
    for (j = 0; j < n; ++j) {
        double y = x[j] - mu;
        for (m = 1; m < LIFDSL_TAYLOR_TERMS; ++m) {
            double term = y * h[m - 1];
            h[m] += term;
        }
    }
    for (m = LIFDSL_TAYLOR_TERMS - 1; m >= 0; --m) {
        double term = h[m] / lifdsl_factorial[m + k];
        total += term;
    }
    return exp(mu) * total;
}

static inline int lifdsl_sorts_before(double a, double b)
{
    return (a < b) || (isnan(b) && !isnan(a));
}

static inline double lifdsl_expdd(int n, const double *nodes)
{
    double x[LIFDSL_EXPDD_MAX], table[LIFDSL_EXPDD_MAX];
    int i, j, len;
    if (n < 1) return NAN;
    if (n > LIFDSL_EXPDD_MAX) return NAN;
    for (i = 0; i < n; ++i) {          /* insertion sort, NaN last as numpy.sort */
        double v = nodes[i];
        j = i;
        while (j > 0 && lifdsl_sorts_before(v, x[j - 1])) {
            x[j] = x[j - 1];
            --j;
        }
        x[j] = v;
    }
    for (i = 0; i < n; ++i) table[i] = exp(x[i]);
    for (len = 2; len <= n; ++len) {
        for (i = 0; i + len <= n; ++i) {
            double spread, value;
            j = i + len - 1;
            spread = x[j] - x[i];
            if (spread <= LIFDSL_TAYLOR_SPREAD) {
                value = lifdsl_expdd_taylor(len, x + i);
            } else {
                value = (table[i + 1] - table[i]) / spread;
            }
            table[i] = value;
        }
    }
    return table[0];
}
#endif /* LIFDSL_SUPPORT_CODE */
"""
)
