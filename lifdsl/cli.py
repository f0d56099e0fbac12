"""Command line: ``lifdsl explain EQUATION [--latex]``, ``lifdsl code EQUATION``,
``lifdsl run SCRIPT``.

Every mistake in what the user typed (a bad equation, method, target or option) ends the
command with exit status 2 and one ``lifdsl: error: ...`` line (an equation error goes on to
quote the line with a caret), never a traceback. ``lifdsl run`` runs a script as ``python``
would, its own errors with their own traceback.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

from lifdsl.equations import EquationError

#: Exit status for a user error (argparse's convention).
USAGE_ERROR = 2


class _UsageError(Exception):
    """A bad command line, reported by :func:`main` as one error line."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one error line that points at ``--help``, returned as
    exit status 2 by :func:`main` instead of a SystemExit with the usage text."""

    def error(self, message: str):  # type: ignore[override]
        raise _UsageError(f"{message} (see '{self.prog} --help')")


def _say(text: str) -> None:
    """Write an error line to stderr even when it holds characters stderr cannot encode (a
    lone surrogate from an undecodable command-line byte)."""
    stream = sys.stderr
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "backslashreplace").decode(encoding, "replace") + "\n")
    stream.flush()


#: Every command with one example, shown by ``lifdsl --help`` (and each command's --help).
EXAMPLES = {
    "explain": "lifdsl explain 'tau*dU/dt = -U + R*I' --method euler [--latex]",
    "code": "lifdsl code 'tau*dU/dt = -U + R*I' --method exact --target cython",
    "run": "lifdsl run examples/tutorial2_lapicque.py",
}


def _parser() -> argparse.ArgumentParser:
    epilog = "commands, with an example each:\n" + "\n".join(
        f"  {name:<8} {example}" for name, example in EXAMPLES.items())
    p = _Parser(prog="lifdsl", description="Spiking neurons from equations.", epilog=epilog,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, epilog=f"example: {EXAMPLES[name]}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    e = command("explain", "show how an equation becomes a discrete update")
    e.add_argument("equation", help="e.g. 'tau*dU/dt = -U + R*I' (use \\n for several lines)")
    e.add_argument("--method", default="exact",
                   help="integration method (default exact; euler, rk2, rk4, ...)")
    e.add_argument("--latex", action="store_true",
                   help="print the derivation as LaTeX (an aligned environment)")
    c = command("code", "print the generated code of an equation's update")
    c.add_argument("equation")
    c.add_argument("--method", default="exact")
    c.add_argument("--target", default="numpy", help="numpy (default) or cython")
    r = command("run", "run a Python script that uses lifdsl")
    r.add_argument("script")
    r.add_argument("args", nargs=argparse.REMAINDER)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lifdsl`` command; returns the exit status."""
    try:
        a = _parser().parse_args(argv)
    except _UsageError as err:
        _say(f"lifdsl: error: {err}")
        return USAGE_ERROR
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else USAGE_ERROR
    if a.command == "run":
        return _run_script(a.script, a.args)
    from lifdsl.explain import explain, generated_code
    from lifdsl.methods import DiscretizationError

    try:
        text = a.equation.replace("\\n", "\n")
        if not text.strip():
            raise ValueError("no equation given, e.g. 'tau*dU/dt = -U + R*I'")
        if a.command == "explain":
            shown = explain(text, method=a.method, show=False)
            print(shown.to_latex() if a.latex else shown)
        else:
            print(generated_code(text, method=a.method, target=a.target))
    except (EquationError, DiscretizationError, ValueError, TypeError) as err:
        _say(f"lifdsl: error: {err}")
        return USAGE_ERROR
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
    return 0


def _run_script(script: str, args: list[str]) -> int:
    """Run ``script`` as ``python SCRIPT`` would: its folder on sys.path, its own errors with
    their own traceback."""
    path = Path(script)
    if not path.is_file():
        _say(f"lifdsl: error: no such script: {script}")
        return USAGE_ERROR
    sys.argv = [script, *args]
    sys.path.insert(0, str(path.resolve().parent))
    runpy.run_path(str(path), run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
