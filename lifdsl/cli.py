"""Command line: ``lifdsl explain EQUATION``, ``lifdsl code EQUATION``, ``lifdsl run SCRIPT``."""

from __future__ import annotations

import argparse
import runpy
import sys

from lifdsl.equations import EquationError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lifdsl`` command; returns the exit status."""
    p = argparse.ArgumentParser(prog="lifdsl", description="Spiking neurons from equations.")
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("explain", help="show how an equation becomes a discrete update")
    e.add_argument("equation", help="e.g. 'tau*dU/dt = -U + R*I' (use \\n for several lines)")
    e.add_argument("--method", default="exact")
    c = sub.add_parser("code", help="print the generated code of an equation's update")
    c.add_argument("equation")
    c.add_argument("--method", default="exact")
    c.add_argument("--target", default="numpy")
    r = sub.add_parser("run", help="run a Python script that uses lifdsl")
    r.add_argument("script")
    r.add_argument("args", nargs=argparse.REMAINDER)
    a = p.parse_args(argv)
    from lifdsl.explain import explain, generated_code

    try:
        if a.command == "explain":
            explain(a.equation.replace("\\n", "\n"), method=a.method)
        elif a.command == "code":
            print(generated_code(a.equation.replace("\\n", "\n"), method=a.method,
                                 target=a.target))
        else:
            sys.argv = [a.script, *a.args]
            runpy.run_path(a.script, run_name="__main__")
    except (EquationError, ValueError) as err:
        print(f"lifdsl: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
