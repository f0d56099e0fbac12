"""The lifdsl command: explain, code, run; bad input exits 2 with the line quoted."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lifdsl.cli import main


def test_explain_prints_every_stage(capsys):
    assert main(["explain", "tau*dU/dt = -U + R*I", "--method", "euler"]) == 0
    out = capsys.readouterr().out
    assert "tau*dU/dt = -U + R*I" in out
    assert "dU/dt = (-U + I*R)/tau" in out
    assert "U_new = U + dt*(-U + I*R)/tau" in out
    assert "def state_update" in out


def test_code_for_both_targets(capsys):
    assert main(["code", "tau*dU/dt = -U + R*I", "--method", "exact"]) == 0
    assert "numpy.exp(-dt/tau)" in capsys.readouterr().out
    assert main(["code", "tau*dU/dt = -U + R*I", "--target", "cython"]) == 0
    out = capsys.readouterr().out
    assert "lifdsl_kernel" in out and "exp(" in out


def test_bad_equation_exits_2_and_quotes_the_line(capsys):
    assert main(["explain", "tau*dU/dt = -U +"]) == 2
    err = capsys.readouterr().err
    assert "line 1" in err and "tau*dU/dt = -U +" in err and "^" in err


def test_run_executes_a_script(tmp_path, capsys):
    script = tmp_path / "s.py"
    script.write_text(
        "import lifdsl as ld\n"
        "G = ld.NeuronGroup(2, 'dU/dt = -U/tau : 1', namespace={'tau': 0.01}, method='exact')\n"
        "G.U = 1.0\n"
        "ld.Network(G, target='numpy').run(0.01)\n"
        "print(round(float(G.U[0]), 6))\n"
    )
    assert main(["run", str(script)]) == 0
    assert capsys.readouterr().out.strip() == "0.367879"


# -- user errors: exit status 2, one 'lifdsl: error:' line, never a traceback -------------------

USER_ERRORS = [
    (["explain", "tau*dU/dt = -U +"], "line 1"),
    (["explain", "dU/dt = U**2"], "not linear"),                      # exact needs linear
    (["explain", "dU/dt = -U", "--method", "nonsense"], "unknown method 'nonsense'"),
    (["code", "dU/dt = -U", "--method", "rk99"], "unknown method 'rk99'"),
    (["code", "dU/dt = -U", "--target", "fortran"], "target must be"),
    (["explain", "U > 10**10**10"], "line 1"),
    (["explain", "dU/dt = -U + 10**10**10"], "too large for a double"),
    (["code", "dU/dt = -U*" + "9" * 400], "too large for a double"),
    (["explain", "dU/dt = -U/0"], "divides by zero"),
    (["explain", "dU/dt = log(-1)"], "not a real number"),
    (["explain", "dU/dt = -U*\uff12"], "ASCII digits"),
    (["explain", "dU/dt = \u2212U"], "use '-'"),
    (["explain", "dU/dt = -U\udcff"], "byte 0xFF"),
    (["explain", "dU/dt = -U\\ndU/dt = U"], "line 2"),
    (["explain", "   "], "no equation given"),
    (["explain", "dU/dt = -U : bananas"], "bananas"),
    (["explain", "dU/dt = -U (constnt)"], "unknown flag"),
    (["explain"], "required"),
    (["code"], "required"),
    ([], "required"),
    (["explain", "dU/dt = -U", "--bogus"], "unrecognized arguments"),
    (["frobnicate"], "invalid choice"),
    (["run", "/no/such/script.py"], "no such script"),
]


@pytest.mark.parametrize("argv, phrase", USER_ERRORS)
def test_a_user_error_is_exit_2_and_one_error_line(argv, phrase, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "Traceback" not in err
    first, *rest = err.splitlines()
    assert first.startswith("lifdsl: error: ")
    assert not any(line.startswith("lifdsl: error") for line in rest)
    assert phrase in err
    if phrase.startswith("line "):
        assert "^" in err  # the line quoted with a caret


def test_help_is_exit_0(capsys):
    assert main(["--help"]) == 0
    assert "explain" in capsys.readouterr().out


def test_the_installed_command_reports_undecodable_bytes_without_a_traceback():
    """A byte that is not UTF-8 reaches Python as a lone surrogate; the error line must still
    print (stderr cannot encode it as it is)."""
    proc = subprocess.run(
        [sys.executable, "-m", "lifdsl.cli", "explain", b"dU/dt = -U\xff"],
        capture_output=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"}, timeout=120,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, err
    assert err.startswith("lifdsl: error: ") and "Traceback" not in err
    assert "0xFF" in err


def test_a_script_keeps_its_own_traceback(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text("raise ZeroDivisionError('from the script')\n")
    with pytest.raises(ZeroDivisionError, match="from the script"):
        main(["run", str(script)])
