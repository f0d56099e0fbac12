"""The memo of discretize() results: on disk across processes, corrupt entries rebuilt, keys
that tell models apart, and no harm where the cache folder is unusable."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sympy as sp

import lifdsl as ld
from lifdsl.equations.functions import rand, symbol
from lifdsl.methods import METHODS, DiscretizationError, discretize, disk_memo

ROOT = Path(__file__).resolve().parents[2]

v, ge, gi, El, taum, taue, taui = (symbol(n) for n in "v ge gi El taum taue taui".split())

#: A CUBA-like linear system of three variables (membrane and two synaptic currents).
CUBA = {"v": (ge + gi - (v - El)) / taum, "ge": -ge / taue, "gi": -gi / taui}

#: A subprocess discretizing CUBA with exact, writing (stats delta, update) to argv[1].
CHILD = textwrap.dedent("""
    import pickle, sys
    from lifdsl.equations.functions import symbol
    from lifdsl.methods import discretize, disk_memo
    v, ge, gi, El, taum, taue, taui = (symbol(n) for n in "v ge gi El taum taue taui".split())
    odes = {"v": (ge + gi - (v - El)) / taum, "ge": -ge / taue, "gi": -gi / taui}
    before = disk_memo.stats()
    update = discretize(odes, "exact")
    after = disk_memo.stats()
    delta = {k: after[k] - before[k] for k in after}
    with open(sys.argv[1], "wb") as f:
        pickle.dump((delta, update), f)
""")


@pytest.fixture
def memo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder for this test, and an empty in-process table before and after."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(folder))
    disk_memo.forget()
    yield folder
    disk_memo.forget()


def entries(folder: Path) -> list[Path]:
    sub = folder / disk_memo.SUBDIR
    return sorted(sub.glob("*.pickle")) if sub.is_dir() else []


def delta(before: dict[str, int]) -> dict[str, int]:
    now = disk_memo.stats()
    return {k: now[k] - before[k] for k in now}


def test_a_fresh_process_reads_what_another_computed(memo_dir, tmp_path):
    env = dict(os.environ, LIFDSL_CACHE_DIR=str(memo_dir))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    results = []
    for k in range(2):
        out = tmp_path / f"out{k}.pickle"
        subprocess.run([sys.executable, "-c", CHILD, str(out)], env=env, check=True, cwd=ROOT)
        with open(out, "rb") as f:
            results.append(pickle.load(f))
    (first, computed), (second, loaded) = results
    assert first["computed"] == 1 and first["disk"] == 0 and first["stored"] == 1
    assert second["computed"] == 0 and second["disk"] == 1 and second["stored"] == 0
    assert len(entries(memo_dir)) == 1
    direct = tuple(METHODS["exact"].discretize(CUBA))  # SymPy's work here, no memo
    assert computed.statements == direct and loaded.statements == direct
    assert loaded == computed and str(loaded) == str(computed)


def test_repeats_in_one_process_come_from_memory(memo_dir):
    before = disk_memo.stats()
    first = discretize(CUBA, "exact")
    for path in entries(memo_dir):
        path.unlink()  # a memory hit must not need the file
    again = discretize(dict(CUBA), "exact")
    assert again is first
    assert delta(before) == {"computed": 1, "disk": 0, "memory": 1, "stored": 1}


def _flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-20])


def _garbage(path: Path) -> None:
    path.write_bytes(b"not an entry")


@pytest.mark.parametrize("damage", [_flip_last_byte, _truncate, _garbage])
def test_a_corrupt_entry_is_rebuilt_with_a_warning(memo_dir, damage):
    good = discretize(CUBA, "exact")
    (path,) = entries(memo_dir)
    damage(path)
    disk_memo.forget()
    before = disk_memo.stats()
    with pytest.warns(RuntimeWarning, match="cached symbolic result .* unusable"):
        rebuilt = discretize(CUBA, "exact")
    assert rebuilt == good
    assert delta(before)["computed"] == 1 and delta(before)["stored"] == 1
    disk_memo.forget()
    before = disk_memo.stats()
    assert discretize(CUBA, "exact") == good  # the rewritten entry is intact: no warning
    assert delta(before)["disk"] == 1


def test_an_intact_entry_of_another_key_is_not_trusted(memo_dir):
    discretize(CUBA, "exact")
    other = {"v": (El - v) / taum}
    discretize(other, "exact")
    by_key = {p.stem: p for p in entries(memo_dir)}
    key = disk_memo.memo_key(CUBA, METHODS["exact"])
    (other_key,) = set(by_key) - {key}
    by_key[key].write_bytes(by_key[other_key].read_bytes())  # right checksum, wrong entry
    disk_memo.forget()
    with pytest.warns(RuntimeWarning, match="holds another entry"):
        assert discretize(CUBA, "exact").statements == tuple(METHODS["exact"].discretize(CUBA))


def test_keys_tell_models_apart():
    exact = METHODS["exact"]
    key = disk_memo.memo_key(CUBA, exact)
    assert key is not None and len(key) == 64
    written_otherwise = {**CUBA, "v": (El - v + gi + ge) / taum}  # the same SymPy tree
    assert disk_memo.memo_key(written_otherwise, exact) == key
    positive = sp.Symbol("taum", positive=True)
    variants = [
        {**CUBA, "gi": -gi / taue},  # a different model
        {n: e.xreplace({taum: positive}) for n, e in CUBA.items()},  # other assumptions
        dict(reversed(CUBA.items())),  # other order of statements
        {**CUBA, "v": CUBA["v"] + rand(sp.Integer(1))},
        {**CUBA, "v": CUBA["v"] + rand(sp.Integer(2))},  # another occurrence of rand()
        {**CUBA, "v": CUBA["v"] + sp.Function("I_in")(symbol("t"))},
        {**CUBA, "v": CUBA["v"] + sp.Function("I_in", real=True)(symbol("t"))},
    ]
    keys = [disk_memo.memo_key(m, exact) for m in variants] + [
        disk_memo.memo_key(CUBA, METHODS["euler"])
    ]
    assert None not in keys and len(set(keys) | {key}) == len(keys) + 1
    # a Dummy's name is only unique within one process: such inputs are never remembered
    assert disk_memo.memo_key({"v": -v / sp.Dummy("tau", real=True)}, exact) is None


def test_random_draws_and_divided_differences_survive_the_disk(memo_dir):
    x, g, U, tau, taus = (symbol(n) for n in "x g U tau taus".split())
    odes = {"x": -x / tau, "g": (x - g) / taus, "U": (-U + g + rand(sp.Integer(7))) / tau}
    computed = discretize(odes, "exact")
    names = {f.func.__name__ for s in computed for f in s.expr.atoms(sp.Function)}
    assert {"rand", "exprel", "expdd"} <= names
    disk_memo.forget()
    before = disk_memo.stats()
    loaded = discretize(odes, "exact")
    assert delta(before)["disk"] == 1
    assert loaded == computed and loaded.statements[0].expr == rand(sp.Integer(7))


def test_unevaluated_runge_kutta_results_come_back_as_stored(memo_dir):
    U, tau, sigma, xi = (symbol(n) for n in "U tau sigma xi".split())
    odes = {"U": -U / tau + sigma * U * xi}
    computed = discretize(odes, "heun")  # U_new = U + (k1 + k2)/2, kept unexpanded
    disk_memo.forget()
    before = disk_memo.stats()
    loaded = discretize(odes, "heun")
    assert delta(before)["disk"] == 1
    assert loaded == computed and str(loaded) == str(computed)


def test_errors_are_not_remembered(memo_dir):
    before = disk_memo.stats()
    for _ in range(2):
        with pytest.raises(DiscretizationError, match="not linear"):
            discretize({"v": -(v**2) / taum}, "exact")
    assert entries(memo_dir) == [] and delta(before)["stored"] == 0


def test_an_unusable_cache_folder_only_turns_the_disk_memo_off(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    monkeypatch.setenv("LIFDSL_CACHE_DIR", str(blocker))
    disk_memo.forget()
    before = disk_memo.stats()
    try:
        update = discretize(CUBA, "exact")
    finally:
        disk_memo.forget()
    assert update.statements == tuple(METHODS["exact"].discretize(CUBA))
    assert delta(before)["computed"] == 1 and delta(before)["stored"] == 0


def test_clear_cache_removes_the_entries(memo_dir):
    discretize(CUBA, "exact")
    assert len(entries(memo_dir)) == 1
    ld.clear_cache()
    assert entries(memo_dir) == []
