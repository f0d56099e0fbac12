"""NumPy's exp where it underflows to 0, against the NumPy target's ``fast_exp``.

    python bench/exp_underflow.py            # 60000 elements a call, best of 5 x 200 calls

NumPy's SIMD exp takes a slow path for each float64 element whose exp underflows to +0.0;
``lifdsl.codegen.numpy_target.printer.fast_exp`` (the NumPy target's exp of per-element
values) leaves such elements out of the loop and gives the same values bit for bit (checked
here too). Rows: ordinary arguments, arguments far below -746 (every result 0), and one block
of the p string ``exp(-0.1*(i-j)**2)`` of Brian2's efficient_gaussian_connectivity.py (six rows
of 10000 candidates: almost all far from the diagonal). Columns: ns an element, and the ratio
fast_exp / numpy.exp.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np

from lifdsl.codegen.numpy_target.printer import fast_exp


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60000)
    ap.add_argument("--number", type=int, default=200)
    args = ap.parse_args(argv)
    n, number = args.n, args.number
    rng = np.random.default_rng(0)
    rows = max(1, n // 10000)
    i = np.repeat(np.arange(rows, dtype=np.float64), 10000)
    j = np.tile(np.arange(10000, dtype=np.float64), rows)
    cases = {"ordinary (-5..0)": rng.uniform(-5, 0, n),
             "underflow (-1e4..-1000)": rng.uniform(-1e4, -1000, n),
             "-0.1*(i-j)**2 block": -0.1 * (i - j) ** 2}
    print(f"{n} elements a call, best of 5 x {number} calls")
    print(f"{'arguments':26} {'numpy.exp ns':>13} {'fast_exp ns':>12} {'ratio':>7}")
    for name, x in cases.items():
        assert np.array_equal(fast_exp(x), np.exp(x))
        t = [min(timeit.repeat(lambda f=f, x=x: f(x), number=number, repeat=5)) / number / x.size
             * 1e9 for f in (np.exp, fast_exp)]
        print(f"{name:26} {t[0]:13.2f} {t[1]:12.2f} {t[1] / t[0]:7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
