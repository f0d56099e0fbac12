"""CUBA network (Brette et al. 2007): lifdsl against Brian2 2.9 and NEST 3.10, one table per N.

    python bench/cuba.py                    # N = 4000, 16000, 64000 (p = 80/N), 1 s, with peers
    python bench/cuba.py --quick            # tiny N, short run, lifdsl only (the tests run this)
    python bench/cuba.py --sizes 4000 --no-peers
    python bench/cuba.py --goals --keep /tmp/lifdsl_bench_keep   # every goal's ratio, one run

Every measurement is a fresh process running a small script (written to a temporary folder):
lifdsl with this interpreter and this checkout, Brian2 with ``--brian2-python`` (default
``/tmp/b2env/bin/python``; Brian2 2.9 needs NumPy < 2.4), NEST with ``--nest-python`` (default
``/tmp/nestenv/bin/python``); a peer whose interpreter is missing or cannot import its
simulator is left out and said so. Columns (seconds, peak memory in MiB):

- connect: both ``connect(p=80/N)`` calls (Brian2 standalone: timed inside the binary, around
  its synapse creation; NEST: both ``Connect`` calls).
- loop: the time loop alone: lifdsl, the target runtime's ``run`` (the kernel or the NumPy
  interpreter, without building the program); Brian2, ``device._last_run_time`` (the loop
  after ``before_run``; in standalone, measured by the binary); NEST, ``Simulate``.
- run: the whole ``net.run(duration)`` call (Brian2 standalone: the binary's wall time, which
  also creates the synapses, initialises and writes results; NEST: ``Simulate``).
- fresh: one process from start to exit with warm caches (import, build, connect, run);
  Python's bytecode cache is one of them (``netbench.bytecode_env``: on, in the bench's
  folder, for every simulator, where this machine sets ``PYTHONDONTWRITEBYTECODE``).
- cold: a fresh process with empty caches (lifdsl: kernel and symbolic caches; Brian2: Cython
  cache or a new standalone project folder) minus the median warm fresh process: what the
  first run of the model costs in compiling. Brian2's Cython target is measured cold at the
  first N only (its compiled code is reused across N); numpy targets and NEST compile nothing.
  Python's bytecode is warm for it (one uncounted process with a scratch cache first, as
  ``pip install`` compiles bytecode): a new ``--keep`` folder once put the bytecode of SymPy,
  NumPy and lifdsl into lifdsl's cold column (9.6 s against 2.3 s with it warm).
- peak: the process's peak resident memory (``VmHWM``, read by the process itself at its end:
  a child's ``ru_maxrss`` would include its forking parent's pages); Brian2 standalone: the
  compiled binary's own (the Python process that generates and compiles it is not counted).

``--goals`` runs only what the goals compare (N = 4000 and 64000; Brian2 standalone, its
NumPy target at 4000 and its Cython target at 64000) and prints each goal's ratio;
``--keep DIR`` keeps the peers' builds there, so a second run compiles none of them.

Every simulator records all spikes (a SpikeMonitor / spike_recorder), runs single-threaded
with dt = 0.1 ms, and draws its own random network, so spike counts differ by seed; the rate
column shows that all run the same regime (~5.6 Hz at N = 4000). Warm rows are the median of
``--repeat`` processes after one warm-up process. Brian2 compiles with its defaults
(``-O3 -ffast-math -march=native``), lifdsl with its own (``-O3 -ffp-contract=off``, no
``-ffast-math``; ``-march=native -mprefer-vector-width=512`` where the CPU is known, with the
CPU in the kernel cache's key; ``LIFDSL_NATIVE=0`` for portable kernels).
The machinery (processes, rows, tables, options) is ``bench/netbench.py``, shared with
``bench/cobahh.py`` and ``bench/brunel.py``.
"""

from __future__ import annotations

import textwrap

import netbench as nb  # bench/, on sys.path when this file runs as a script

#: the model, shared by every script: SI values in the worker's own units
MODEL = dict(taum=20e-3, taue=5e-3, taui=10e-3, Vt=-50e-3, Vr=-60e-3, El=-49e-3,
             we=60 * 0.27 / 10 * 1e-3, wi=-20 * 4.5 / 10 * 1e-3, refractory=5e-3, dt=1e-4)

LIFDSL_SCRIPT = nb.LIFDSL_HEAD + textwrap.dedent('''
    eqs = """
    dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    ns = {k: m[k] for k in ("taum", "taue", "taui", "Vt", "Vr", "El", "we", "wi")}
    P = ld.NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr", refractory=m["refractory"],
                       method="exact", dt=m["dt"], namespace=ns)
    P.v = "Vr + rand()*(Vt - Vr)"
    ne = int(round(0.8 * N))
    Ce = ld.Synapses(P[:ne], P, on_pre="ge += we", namespace=ns)
    Ci = ld.Synapses(P[ne:], P, on_pre="gi += wi", namespace=ns)
    t0, c0 = time.perf_counter(), time.process_time()
    Ce.connect(p=min(1.0, 80.0 / N))
    Ci.connect(p=min(1.0, 80.0 / N))
    t_connect, t_connect_cpu = time.perf_counter() - t0, time.process_time() - c0
    synapses = [Ce, Ci]
    S = ld.SpikeMonitor(P)
    net = ld.Network(P, Ce, Ci, S, target=target)
    t0, c0 = time.perf_counter(), time.process_time()
    net.run(duration)
    t_run, t_run_cpu = time.perf_counter() - t0, time.process_time() - c0
''') + nb.LIFDSL_TAIL

BRIAN2_SCRIPT = nb.BRIAN2_HEAD + textwrap.dedent('''
    ns = {k: m[k] * b2.volt for k in ("Vt", "Vr", "El", "we", "wi")}
    ns.update({k: m[k] * b2.second for k in ("taum", "taue", "taui")})
    eqs = """
    dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    """
    P = b2.NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr",
                       refractory=m["refractory"] * b2.second, method="exact", namespace=ns)
    P.v = "Vr + rand()*(Vt - Vr)"
    ne = int(round(0.8 * N))
    Ce = b2.Synapses(P[:ne], P, on_pre="ge += we", namespace=ns)
    Ci = b2.Synapses(P[ne:], P, on_pre="gi += wi", namespace=ns)
    t0 = connect_begin()
    Ce.connect(p=min(1.0, 80.0 / N))
    Ci.connect(p=min(1.0, 80.0 / N))
    t_connect = connect_end(t0)
    synapses = [Ce, Ci]
    S = b2.SpikeMonitor(P)
    net = b2.Network(P, Ce, Ci, S)
    t0 = time.perf_counter()
    net.run(duration * b2.second)
    t_run = time.perf_counter() - t0
''') + nb.BRIAN2_TAIL

NEST_SCRIPT = nb.NEST_HEAD + textwrap.dedent('''
    # iaf_psc_exp: C dV/dt = -C (V - E_L)/tau_m + I; a jump of w volts in Brian2's ge is a
    # current jump of w*C/tau_m
    C, taum = 250.0, m["taum"] * 1e3
    pop = nest.Create("iaf_psc_exp", N, params=dict(
        C_m=C, tau_m=taum, tau_syn_ex=m["taue"] * 1e3, tau_syn_in=m["taui"] * 1e3,
        t_ref=m["refractory"] * 1e3, E_L=m["El"] * 1e3, V_th=m["Vt"] * 1e3,
        V_reset=m["Vr"] * 1e3, I_e=0.0))
    pop.V_m = nest.random.uniform(m["Vr"] * 1e3, m["Vt"] * 1e3)
    ne = int(round(0.8 * N))
    conn = {"rule": "pairwise_bernoulli", "p": min(1.0, 80.0 / N), "allow_autapses": True}
    t0 = time.perf_counter()
    nest.Connect(pop[:ne], pop, conn, {"weight": m["we"] * 1e3 * C / taum, "delay": m["dt"] * 1e3})
    nest.Connect(pop[ne:], pop, conn, {"weight": m["wi"] * 1e3 * C / taum, "delay": m["dt"] * 1e3})
    t_connect = time.perf_counter() - t0
    synapses = nest.GetKernelStatus("num_connections")
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    t0 = time.perf_counter()
    nest.Simulate(duration * 1e3)
    t_run = time.perf_counter() - t0
''') + nb.NEST_TAIL

def goals(results: dict[int, dict[str, nb.Row]]) -> list[str]:
    """The issue's goals, each with the measured values, its ratio and whether it is met."""
    def get(n: int, name: str) -> nb.Row | None:
        r = results.get(n, {}).get(name)
        return r if r is not None and r.warm else None

    out = []

    def check(text: str, value: float | None, peer: float | None | bool, factor: float,
              unit: str = " s") -> None:
        """``value <= factor * peer`` (``peer`` None: an absolute limit ``factor``; False:
        the peer was not measured)."""
        base = 1.0 if peer is None else peer
        if value is None or not base:
            out.append(f"- {text}: not measured")
            return
        limit = factor * base
        verdict = "met" if value <= limit else "NOT met"
        ratio = (f"{value / limit:.2f} of the limit" if peer is None
                 else f"ratio {value / base:.2f} to the peer, goal {factor:g}")
        out.append(f"- {text}: {value:.3f}{unit} vs limit {limit:.3f}{unit} ({ratio}) "
                   f"-> {verdict}")

    def med(row: nb.Row | None, key: str) -> float | None:
        return row.median(key) if row is not None else None

    def peer(row: nb.Row | None, key: str) -> float | bool:
        """A peer's value, False where it was not measured (never an absolute limit)."""
        if row is None:
            return False
        value = row.peak_mib if key == "peak" else row.median(key)
        return value or False

    cy4, sa4 = get(4000, "lifdsl cython"), get(4000, "brian2 standalone")
    check("N=4000 lifdsl cython whole net.run <= 0.5 x Brian2 standalone loop",
          med(cy4, "run"), peer(sa4, "loop"), 0.5)
    check("N=4000 lifdsl cython fresh process <= 1.5 s", cy4 and cy4.fresh, None, 1.5)
    check("N=4000 lifdsl cython cold compile <= 5 s", cy4 and cy4.cold_compile, None, 5.0)
    cy64, sa64, b2cy64 = (get(64000, "lifdsl cython"), get(64000, "brian2 standalone"),
                          get(64000, "brian2 cython"))
    check("N=64000 lifdsl cython loop <= 0.5 x Brian2 standalone loop",
          med(cy64, "loop"), peer(sa64, "loop"), 0.5)
    check("N=64000 lifdsl connect <= 0.5 x Brian2 standalone connect",
          med(cy64, "connect"), peer(sa64, "connect"), 0.5)
    check("N=64000 lifdsl connect <= 0.5 x Brian2 cython connect",
          med(cy64, "connect"), peer(b2cy64, "connect"), 0.5)
    check("N=64000 lifdsl cython peak memory <= Brian2 cython process",
          cy64 and cy64.peak_mib, peer(b2cy64, "peak"), 1.0, " MiB")
    check("N=64000 lifdsl cython peak memory <= Brian2 standalone binary",
          cy64 and cy64.peak_mib, peer(sa64, "peak"), 1.0, " MiB")
    np4, b2np4 = get(4000, "lifdsl numpy"), get(4000, "brian2 numpy")
    check("N=4000 lifdsl numpy loop <= 0.5 x Brian2 numpy loop",
          med(np4, "loop"), peer(b2np4, "loop"), 0.5)
    return out


#: ``--goals``: the sizes and rows that the goals above compare
GOAL_ROWS = {4000: ("lifdsl-cython", "lifdsl-numpy", "brian2-standalone", "brian2-numpy"),
             64000: ("lifdsl-cython", "brian2-standalone", "brian2-cython")}


SPEC = nb.Spec(name="cuba", description=__doc__.splitlines()[0],
            scripts=dict(lifdsl=LIFDSL_SCRIPT, brian2=BRIAN2_SCRIPT, nest=NEST_SCRIPT),
            model=MODEL, sizes=[4000, 16000, 64000], quick_size=400, quick_duration=0.05,
            numpy_max=4000,
            title=lambda n, d: f"N = {n} (p = {min(1.0, 80.0 / n):.4g}), {d:g} s; "
                               "seconds unless noted",
            goals=goals, goal_rows=GOAL_ROWS)

def main(argv: list[str] | None = None) -> None:
    """Parse options, run every configuration, print the tables and the goals."""
    nb.main(SPEC, argv)


if __name__ == "__main__":
    main()
