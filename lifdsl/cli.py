"""Command line: ``lifdsl explain EQUATION``, ``lifdsl code EQUATION``, ``lifdsl run SCRIPT``."""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

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

    if a.command == "run":
        # the script runs as `python SCRIPT` would: its folder on sys.path, its own errors
        # with their own traceback
        path = Path(a.script)
        if not path.is_file():
            print(f"lifdsl: error: no such script: {a.script}", file=sys.stderr)
            return 2
        sys.argv = [a.script, *a.args]
        sys.path.insert(0, str(path.resolve().parent))
        runpy.run_path(str(path), run_name="__main__")
        return 0
    try:
        text = a.equation.replace("\\n", "\n")
        if not text.strip():
            raise ValueError("no equation given, e.g. 'tau*dU/dt = -U + R*I'")
        if a.command == "explain":
            explain(text, method=a.method)
        else:
            print(generated_code(text, method=a.method, target=a.target))
    except (EquationError, ValueError) as err:
        print(f"lifdsl: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
