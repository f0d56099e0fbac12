"""The lifdsl command as a student uses it: exit codes and messages."""

from __future__ import annotations

import sys

import pytest

from lifdsl.cli import main


@pytest.fixture(autouse=True)
def _keep_argv(monkeypatch):
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))


def test_explain_nonlinear_exact_exits_2_suggesting_euler(capsys):
    assert main(["explain", "dU/dt = U**2/tau"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lifdsl: error:") and "method='euler'" in err


def test_explain_several_equations_with_backslash_n(capsys):
    assert main(["explain", r"dU/dt = -U/tau\ndV/dt = -V/tau", "--method", "exact"]) == 0
    out = capsys.readouterr().out
    assert "U_new = U*exp(-dt/tau)" in out and "V_new = V*exp(-dt/tau)" in out


@pytest.mark.parametrize("argv, words", [
    (["explain", "dU/dt = -U", "--method", "foo"], "unknown method 'foo'"),
    (["code", "dU/dt = -U", "--target", "c"], "target must be"),
])
def test_bad_options_exit_2_with_a_message(argv, words, capsys):
    assert main(argv) == 2
    assert words in capsys.readouterr().err


def test_run_propagates_the_scripts_exit_status(tmp_path):
    script = tmp_path / "exit3.py"
    script.write_text("import sys\nsys.exit(3)\n")
    with pytest.raises(SystemExit) as info:
        main(["run", str(script)])
    assert info.value.code == 3


def test_run_script_with_star_import_and_magic_run(tmp_path, capsys):
    script = tmp_path / "b2.py"
    script.write_text(
        "from lifdsl import *\n"
        "G = NeuronGroup(1, 'dU/dt = -U/tau : 1', namespace={'tau': 10*ms})\n"
        "G.U = 1\n"
        "M = StateMonitor(G, 'U', record=True)\n"
        "prefs.target = 'numpy'\n"
        "run(10*ms)\n"
        "print(M.U.shape)\n"
    )
    assert main(["run", str(script)]) == 0
    assert "(1, 100)" in capsys.readouterr().out


def test_run_missing_script_is_a_clean_error(tmp_path, capsys):
    assert main(["run", str(tmp_path / "missing.py")]) == 2
    assert "missing.py" in capsys.readouterr().err


def test_run_script_can_import_its_neighbours(tmp_path):
    (tmp_path / "lifdsl_usability_helper_mod.py").write_text("X = 42\n")
    script = tmp_path / "main.py"
    script.write_text("import lifdsl_usability_helper_mod as h\nassert h.X == 42\n")
    assert main(["run", str(script)]) == 0


def test_run_keeps_the_traceback_of_a_script_bug(tmp_path, capsys):
    script = tmp_path / "bug.py"
    script.write_text("import numpy as np\n\nnp.zeros(3).reshape(2, 2)\n")
    try:
        main(["run", str(script)])
    except ValueError:
        return  # propagating the exception keeps the traceback: fine
    err = capsys.readouterr().err
    assert "bug.py" in err and "line 3" in err


def test_explain_empty_equation_is_an_error(capsys):
    assert main(["explain", ""]) == 2
