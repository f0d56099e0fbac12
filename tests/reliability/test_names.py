"""User names cannot collide with the generated code's own names, on either target.

Every identifier that the generated NumPy and C code of a rich network uses is tried as a
model name — as state variables and parameters, as constants (in the equations, threshold,
reset and a recorded subexpression of a subgroup monitor) and as TimedArray names. Names that
lifdsl refuses with a clear error are fine; every accepted name must give exactly the numbers
of the same model written with neutral names, on both targets.
"""

from __future__ import annotations

import keyword
import re

import numpy as np
import pytest

import lifdsl as ld
from lifdsl.codegen.cache import compiler_available
from tests.targets import TARGETS


def _rich_network(target: str):
    G = ld.NeuronGroup(6, """dv/dt = (I - v)/tau + w*0 : 1 (unless refractory)
                             I : 1
                             w : 1 (shared)
                             x = 2*v + f(t, i) + g(t) : 1""",
                       threshold="v > vt", reset="v = vr", refractory=5e-4, method="euler",
                       namespace={"tau": 5e-3, "vt": 1.0, "vr": 0.0, "c": 1.5,
                                  "f": ld.TimedArray(np.ones((3, 6)), dt=1e-3),
                                  "g": ld.TimedArray([0.0, 1.0], dt=1e-3)}, dt=1e-4)
    G.run_regularly("I = I*1")
    mons = [ld.StateMonitor(G, ["v", "x", "w"], record=[0, 3]),
            ld.StateMonitor(G[2:5], "x", record=True), ld.SpikeMonitor(G[1:4]),
            ld.PopulationRateMonitor(G)]
    net = ld.Network(G, *mons, target=target)
    return net, G


def _internal_identifiers() -> list[str]:
    """Identifiers of the generated code (NumPy and, where it builds, C) that could be names."""
    text = ""
    net, G = _rich_network("numpy")
    net.run(1e-4)
    text += G.generated_code("numpy")
    text += net.generated_code()          # the Cython kernel's source (no compiler needed)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)      # C comments
    text = re.sub(r"#[^\n]*", " ", text)                     # Python comments, C directives
    names = set(re.findall(r"\b[A-Za-z][A-Za-z0-9_]*\b", text))
    return sorted(n for n in names if not n.startswith("_"))


def _accepted(names: list[str]) -> list[str]:
    """The names a NeuronGroup accepts as a variable (refused ones give a clear error)."""
    ok = []
    for n in names:
        try:
            ld.NeuronGroup(1, f"{n} : 1")
        except (ld.EquationError, ValueError):
            continue
        ok.append(n)
    return ok


NAMES = _accepted(_internal_identifiers())


def test_the_internal_names_are_many_and_include_the_kernels_own():
    assert len(NAMES) > 40
    for word in ("step", "rng", "spikes" if "spikes" in NAMES else "P", "nrec" if "nrec" in
                 NAMES else "L"):
        assert word in NAMES or not word.isidentifier()
    assert any(keyword.iskeyword(n) for n in NAMES)   # Python keywords are names here too


def _model(names: list[str], role: str):
    """The model's strings with ``names`` in one role (its own names are zz...)."""
    k = len(names)
    if role == "variables":
        eqs = ("dzzv/dt = (zzI - zzv)/zztau + 0*(" + " + ".join(names) + ") : 1\n"
               + "\n".join(f"{n} : 1" for n in names) + "\nzzI : 1")
        return eqs, {"zztau": 2e-3}, ""
    if role == "constants":
        total = " + ".join(names)
        eqs = (f"dzzv/dt = (zzI - zzv)/zztau + 0*({total}) : 1\nzzI : 1\n"
               f"zzx = zzv + ({total})/{k} : 1")
        return eqs, {"zztau": 2e-3, **{n: 1.0 for n in names}}, f" + 0*({total})"
    total = " + ".join(f"{n}(t, i)" for n in names)
    eqs = (f"dzzv/dt = (zzI - zzv)/zztau + 0*({total}) : 1\nzzI : 1\n"
           f"zzx = zzv + ({total})/{k} : 1")
    return eqs, {"zztau": 2e-3, **{n: ld.TimedArray(np.ones((2, 6)), dt=1e-3) for n in names}}, ""


def _run(names: list[str], role: str, target: str):
    ld.seed(2)
    eqs, ns, extra = _model(names, role)
    G = ld.NeuronGroup(6, eqs, threshold="zzv > 1" + extra, reset="zzv = 0" + extra,
                       refractory=5e-4, method="euler", namespace=ns, dt=1e-4)
    G.zzI = "1.2 + 0.3*i/N + 0.01*rand()"
    for n in names if role == "variables" else []:
        setattr(G, n, 0.5)
    recorded = ["zzv", "zzx"] if role != "variables" else ["zzv"]
    M = ld.StateMonitor(G, recorded, record=[0, 5])
    Msub = ld.StateMonitor(G[2:5], recorded[-1], record=True)
    S = ld.SpikeMonitor(G[1:4])
    R = ld.PopulationRateMonitor(G)
    ld.Network(G, M, Msub, S, R, target=target).run(5e-3)
    out = {"S.i": S.i, "S.t": S.t, "R": R.rate, "v": G.zzv.copy()}
    for r in recorded:
        out[f"M.{r}"] = getattr(M, r)
    out["Msub"] = getattr(Msub, recorded[-1])
    return out


@pytest.mark.parametrize("role", ["variables", "constants", "functions"])
@pytest.mark.parametrize("target", TARGETS)
def test_every_internal_name_works_as_a_model_name(role, target):
    names = NAMES
    if role == "functions":
        # a C compiler takes minutes over 160 inlined lookups: the kernel-like names and a
        # fixed sample of the rest (function names are prefixed alike in both targets)
        kernelish = [n for n in names if n.startswith(("lifdsl", "o0", "o1", "_"))]
        names = sorted(set(kernelish[::3] + names[::8]))
    neutral = [f"zq{k}" for k in range(len(names))]
    got = _run(names, role, target)
    want = _run(neutral, role, target)
    assert got["S.i"].size > 0
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=f"{role} {key}")


@pytest.mark.skipif(not compiler_available(), reason="no C compiler")
def test_a_monitor_constant_named_like_a_monitor_field_keeps_its_value():
    """Before, a constant 'nrec' in a recorded expression took the C name of the monitor's
    record count; now the two live in separate namespaces."""
    out = {}
    for target in ("numpy", "cython"):
        G = ld.NeuronGroup(4, "v : 1\ny = v + nrec + lo + size : 1")
        G.v = "i"
        M = ld.StateMonitor(G[1:3], "y", record=True)
        ld.Network(G, M, target=target).run(2e-4, namespace={"nrec": 10.0, "lo": 100.0,
                                                             "size": 1000.0})
        out[target] = M.y
    np.testing.assert_array_equal(out["numpy"], [[1111.0, 1111.0], [1112.0, 1112.0]])
    np.testing.assert_array_equal(out["cython"], out["numpy"])
