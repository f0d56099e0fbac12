"""``import lifdsl`` imports the units only (NumPy); SymPy, the code generators, matplotlib and
the sweep machinery come with the first use of a name, and the names are the same as before."""

from __future__ import annotations

import subprocess
import sys

CHECK = r"""
import sys
import lifdsl as ld
heavy = [m for m in ("sympy", "matplotlib", "concurrent.futures", "lifdsl.sweeps",
                     "lifdsl.core", "Cython") if m in sys.modules]
assert not heavy, heavy
assert float(ld.ms) == 1e-3 and "NeuronGroup" in dir(ld)
G = ld.NeuronGroup(2, "dv/dt = -v/(10*ms) : volt")
assert "sympy" in sys.modules and "lifdsl.sweeps" not in sys.modules
import lifdsl.explain, lifdsl.sweep                  # submodules leave the functions in place
assert callable(ld.explain) and callable(ld.sweep) and ld.sweep.__module__ == "lifdsl.sweeps"
assert sys.modules["lifdsl.sweep"] is sys.modules["lifdsl.sweeps"] is ld.sweeps
from lifdsl.sweep import grid
assert grid is ld.sweeps.grid and ld.methods.__name__ == "lifdsl.methods"
from lifdsl import *                                 # noqa: F403
assert callable(explain) and callable(sweep) and NeuronGroup is ld.NeuronGroup  # noqa: F405
assert ld.models.Leaky is not None and ld.Network.__module__ == "lifdsl.core.network"
try:
    ld.no_such_name
except AttributeError as err:
    assert "no_such_name" in str(err)
else:
    raise AssertionError("no AttributeError")
print("ok")
"""


def test_import_is_lazy_and_names_unchanged():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
