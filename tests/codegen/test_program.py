"""The one program both targets run: operations, indexed writes, what each target builds."""

from __future__ import annotations

import pathlib
import re

import numpy as np
import pytest
import sympy as sp

import lifdsl as ld
from lifdsl.codegen import program as P
from lifdsl.codegen import targets
from lifdsl.codegen.cache import compiler_available
from lifdsl.codegen.numpy_target import build_count as numpy_builds
from lifdsl.equations.functions import rand, symbol
from lifdsl.equations.statements import Assign

TARGETS = ["numpy", pytest.param("cython", marks=pytest.mark.skipif(
    not compiler_available(), reason="no working C compiler / Cython"))]

LIFDSL = pathlib.Path(ld.__file__).parent


def _propagate_program(draw: bool):
    """Three source neurons, seven synapses in CSR rows, several onto the same target:
    ``v_post += w`` (times a uniform draw if ``draw``) and a per-synapse counter ``n += 1``."""
    w = symbol("w")
    value = w * rand(0) if draw else w
    code = P.Code(
        statements=(Assign("v", value, "+="), Assign("n", sp.Integer(1), "+=")),
        arrays=(("v", P.Ref("g.v", index="s.post")), ("w", P.Ref("s.w")), ("n", P.Ref("s.n"))),
        size="s.N")
    op = P.Propagate(code, spikes="src._spikes", nspikes="src._nspikes", indptr="s.indptr")
    buffers = {"g.v": "float64", "s.post": "int64", "s.w": "float64", "s.n": "float64",
               "src._spikes": "int64", "src._nspikes": "int64", "s.indptr": "int64"}
    return P.Program((op,), tuple(sorted(buffers.items())))


def _bindings(seed: int):
    post = np.array([0, 1, 1, 1, 2, 0, 1], np.int64)   # row 0: 0,1,1 / row 1: 1,2 / row 2: 0,1
    arrays = {
        "g.v": np.zeros(3), "s.post": post, "s.w": np.arange(1.0, 8.0), "s.n": np.zeros(7),
        "src._spikes": np.array([2, 0, 1], np.int64), "src._nspikes": np.array([2], np.int64),
        "s.indptr": np.array([0, 3, 5, 7], np.int64),
    }
    return P.Bindings(arrays=arrays, ints={"s.N": 7}, dt=1e-4, step0=0,
                      rng=np.random.default_rng(seed))


@pytest.mark.parametrize("draw", [False, True])
@pytest.mark.parametrize("target", TARGETS)
def test_indexed_writes_with_repeated_targets_add_every_contribution(target, draw):
    program = _propagate_program(draw)
    b = _bindings(5)
    done = targets.runtime(target, program, b).run(1, None, 1.0, lambda s: None)
    assert done == 1
    # spikes of sources 2 then 0: rows [5, 6] then [0, 1, 2], in that order
    rows = np.array([5, 6, 0, 1, 2])
    w = np.arange(1.0, 8.0)[rows]
    if draw:
        w = w * np.random.default_rng(5).random(rows.size)   # one draw per synapse, row order
    want = np.zeros(3)
    np.add.at(want, np.array([0, 1, 0, 1, 1]), w)
    np.testing.assert_allclose(b.arrays["g.v"], want, rtol=0, atol=1e-15)
    assert want[1] > 0 and b.arrays["g.v"][1] == pytest.approx(want[1])   # three onto one
    np.testing.assert_array_equal(b.arrays["s.n"], [1, 1, 1, 0, 0, 1, 1])


def test_a_name_read_after_its_indexed_write_is_refused_on_both_targets():
    v = symbol("v")
    code = P.Code((Assign("v", sp.Integer(1), "+="), Assign("x", v)),
                  (("v", P.Ref("g.v", index="s.post")), ("x", P.Ref("s.x"))), size="s.N")
    op = P.Propagate(code, "src._spikes", "src._nspikes", "s.indptr")
    program = P.Program((op,), (("g.v", "float64"), ("s.x", "float64"), ("s.post", "int64"),
                                ("src._spikes", "int64"), ("src._nspikes", "int64"),
                                ("s.indptr", "int64")))
    b = _bindings(0)
    b.arrays["s.x"] = np.zeros(7)
    with pytest.raises(ValueError, match="read after it was written through an index"):
        targets.runtime("numpy", program, b)
    with pytest.raises(ValueError, match="read after it was written through an index"):
        targets.kernel_source(program)


def test_a_cython_run_compiles_no_numpy_code():
    if not compiler_available():
        pytest.skip("no C compiler")
    tag = np.random.default_rng().integers(1 << 40)   # a model this process has not seen
    G = ld.NeuronGroup(20, f"""dv/dt = (I - v)/tau + 0*{tag} : 1 (unless refractory)
                               I : 1
                               x = 2*v + rand() : 1""",
                       threshold="v > 1", reset="v = 0", refractory=2e-3, method="exact",
                       namespace={"tau": 10e-3})
    G.I = np.linspace(0.5, 2.0, 20)
    mons = [ld.StateMonitor(G, ["v", "x"], record=[0, 7]), ld.SpikeMonitor(G),
            ld.PopulationRateMonitor(G)]
    before = numpy_builds()
    ld.Network(G, *mons, target="cython").run(0.02)
    assert numpy_builds() == before
    assert mons[1].num_spikes > 0
    # (the same network on numpy does compile NumPy code: the count is live)
    G.v = 0
    ld.Network(G, *mons, target="numpy").run(1e-3)
    assert numpy_builds() > before


def _noisy(name: str):
    G = ld.NeuronGroup(4, "dv/dt = -v/tau + sigma*xi : 1", method="euler",
                       namespace={"tau": 10e-3, "sigma": 0.5}, name=name)
    M = ld.StateMonitor(G, "v")
    return ld.Network(G, M, name=name), G, M


@pytest.mark.parametrize("target", TARGETS)
def test_networks_have_independent_random_streams_under_store_restore(target):
    ld.prefs.target = target

    def run(restore_a: bool):
        ld.seed(11)
        na, Ga, _ = _noisy("a")
        nb, Gb, Mb = _noisy("b")
        na.run(1e-3)
        nb.run(1e-3)
        na.store("s")
        na.run(2e-3)
        if restore_a:
            na.restore("s")      # rewinds a's stream only
        nb.run(2e-3)
        return Mb.v.copy(), Ga.v.copy()

    b_plain, a_plain = run(False)
    b_restored, a_restored = run(True)
    np.testing.assert_array_equal(b_plain, b_restored)
    assert np.ptp(b_plain) > 0
    assert not np.array_equal(a_plain, a_restored)   # a did go back


@pytest.mark.parametrize("target", TARGETS)
def test_restore_replays_the_same_random_numbers(target):
    ld.prefs.target = target
    ld.seed(3)
    net, G, _ = _noisy("a")
    net.run(1e-3)
    net.store()
    net.run(2e-3)
    first = G.v.copy()
    net.restore()
    net.run(2e-3)
    np.testing.assert_array_equal(G.v, first)


def test_assigning_numbers_walks_no_stack_frames(monkeypatch):
    G = ld.NeuronGroup(5, "v : 1\nw : 1 (shared)")

    def forbidden(level=0, past=None):
        raise AssertionError("walked the stack")

    monkeypatch.setattr("lifdsl.core.group.caller_scope", forbidden)
    monkeypatch.setattr("lifdsl.core.neurongroup.caller_scope", forbidden)
    G.v = 0.5
    G.v = np.arange(5.0)
    G.v[:2] = 0.25
    G[1:3].v = 7.0
    G.w = 2.0
    np.testing.assert_array_equal(G.v, [0.25, 7.0, 7.0, 3.0, 4.0])
    with pytest.raises(AssertionError, match="walked the stack"):
        G.v = "2*i"           # a string does need the caller's names


def test_equal_networks_share_one_kernel():
    if not compiler_available():
        pytest.skip("no C compiler")
    from lifdsl.codegen.cython_target import runtime as cy

    def build(tau):
        G = ld.NeuronGroup(7, "dv/dt = (1.5 - v)/tau : 1", threshold="v > 1", reset="v = 0",
                           method="exact", namespace={"tau": tau})
        return ld.Network(G, ld.SpikeMonitor(G), target="cython")

    build(10e-3).run(1e-3)
    n = len(cy._KERNELS)
    build(20e-3).run(1e-3)          # other values, same program
    assert len(cy._KERNELS) == n
    # another program (nonlinear: a linear update's literals become run constants, so any
    # dv/dt = (c - v)/tau without a threshold shares one kernel, maybe an earlier test's)
    G = ld.NeuronGroup(7, "dv/dt = (2.5 - v**2)/tau : 1", method="euler",
                       namespace={"tau": 1.0})
    ld.Network(G, target="cython").run(1e-3)
    assert len(cy._KERNELS) == n + 1


def test_neurongroup_refuses_flags_of_other_owners_listing_its_own():
    with pytest.raises(ld.EquationError) as err:
        ld.NeuronGroup(1, "dv/dt = -v/tau : 1 (event-driven)")
    text = str(err.value)
    assert "NeuronGroup" in text and "event-driven" in text and "unless refractory" in text
    with pytest.raises(ld.EquationError, match="summed"):
        ld.NeuronGroup(1, "v : 1\nI = v : 1 (summed)")


def test_core_holds_no_target_code():
    """core/ asks codegen.targets for a run; no NumPy code object or Cython backend there, and
    the Cython target reads no underscored attribute of another object."""
    core = "\n".join(p.read_text() for p in (LIFDSL / "core").glob("*.py"))
    for name in ("CodeBlock", "compile_numpy", "generate_numpy", "compile_cython",
                 "generate_kernel", "cython_target", "numpy_target"):
        assert name not in core, name
    for path in (LIFDSL / "codegen" / "cython_target").glob("*.py"):
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            for m in re.finditer(r"(\w+)\.(_[a-z]\w*)", line):
                assert m.group(1) in ("self", "P"), f"{path.name}:{lineno}: {line.strip()}"
