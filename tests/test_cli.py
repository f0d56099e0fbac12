"""The lifdsl command: explain, code, run; bad input exits 2 with the line quoted."""

from __future__ import annotations

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
