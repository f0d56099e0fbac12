"""float32 against float64: the loop of the CUBA network (N = 4000, 1 s) on both targets.

    python bench/dtype.py              # N = 4000, 1 s, best of 3 runs per row
    python bench/dtype.py --quick      # N = 400, 0.1 s, one run: a smoke test

The model and the way it is written are those of Brian2's ``advanced/float_32_64_benchmark.py``
(CUBA, exact integration, refractory 5 ms, 2 % connectivity; ``from lifdsl.brian2 import *``,
the precision through ``prefs.core.default_float_dtype``), built in one process per precision
and target with the same seed. Columns: the loop's seconds (``run`` after a first run has
compiled or loaded the kernel), the spikes, and the ratio float32 / float64 of the same
target (a float32 network should never be the slower one: the state is half the memory).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap

CHILD = textwrap.dedent("""
    import json, sys, time
    from lifdsl.brian2 import *
    n, duration, repeat = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    prefs.codegen.target = sys.argv[4]
    prefs.core.default_float_dtype = float32 if sys.argv[5] == 'float32' else float64
    taum, taue, taui = 20*ms, 5*ms, 10*ms
    Vt, Vr, El = -50*mV, -60*mV, -49*mV
    we, wi = (60*0.27/10)*mV, (-20*4.5/10)*mV
    eqs = '''
    dv/dt = (ge + gi - (v - El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt
    '''
    best = None
    for k in range(repeat + 1):
        start_scope()
        seed(1)
        P = NeuronGroup(n, eqs, threshold='v > Vt', reset='v = Vr', refractory=5*ms,
                        method='exact')
        P.v = 'Vr + rand()*(Vt - Vr)'
        ne = int(0.8*n)
        Ce = Synapses(P, P, on_pre='ge += we')
        Ci = Synapses(P, P, on_pre='gi += wi')
        Ce.connect(f'i < {ne}', p=0.02)
        Ci.connect(f'i >= {ne}', p=0.02)
        S = SpikeMonitor(P)
        t0 = time.perf_counter()
        run(duration*second)
        loop = time.perf_counter() - t0
        if k and (best is None or loop < best):   # (the first run compiles or loads)
            best = loop
    print(json.dumps({"loop": best, "spikes": int(S.num_spikes)}))
""")


def measure(n: int, duration: float, repeat: int, target: str, dtype: str) -> dict:
    """One fresh process: the best loop time of ``repeat`` runs, and the spike count."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(duration), str(repeat),
                          target, dtype], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--duration", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--targets", nargs="*", default=["cython", "numpy"])
    args = ap.parse_args(argv)
    n, duration, repeat = ((400, 0.1, 1) if args.quick else
                           (args.n, args.duration, args.repeat))
    print(f"CUBA N={n}, {duration} s, best of {repeat}")
    print(f"{'target':8} {'dtype':8} {'loop s':>8} {'spikes':>8} {'f32/f64':>8}")
    for target in args.targets:
        rows = {d: measure(n, duration, repeat, target, d) for d in ("float64", "float32")}
        base = rows["float64"]["loop"]
        for d, r in rows.items():
            ratio = f"{r['loop'] / base:8.2f}" if d == "float32" else f"{'':8}"
            print(f"{target:8} {d:8} {r['loop']:8.3f} {r['spikes']:8d} {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
