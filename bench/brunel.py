"""Brunel (2000) network: lifdsl against Brian2 2.9 and NEST 3.10, one table per N_E.

    python bench/brunel.py                  # N_E = 2000 and 10000 (N_I = N_E/4), 1 s, with peers
    python bench/brunel.py --quick          # tiny network, short run, lifdsl only (the tests)
    python bench/brunel.py --sizes 10000 --only lifdsl-cython brian2-standalone nest

Model A of Brunel, J. Comput. Neurosci. 8, 183-208 (2000), as in ``examples/brunel.py`` (the
same equation, numbers and initial values): N_E excitatory and N_I = N_E/4 inhibitory LIF
neurons with delta synapses (tau = 20 ms, theta = 20 mV, V_r = 10 mV, refractory
2 ms), every pair connected with probability epsilon = 0.1, a spike moving v by J = 0.1 mV
(excitatory) or -g*J (inhibitory, g = 5) after D = 1.5 ms, and C_E = epsilon*N_E external
Poisson inputs per neuron at nu_ext = 2*nu_thr, nu_thr = theta/(J*C_E*tau) (Fig. 8C, the
asynchronous irregular regime at full size). Exact integration, dt = 0.1 ms, initial v uniform
in [0, theta]. The standard size is N_E = 10000 (12500 neurons, ~15.6 M synapses); the smaller
one, N_E = 2000 (epsilon and J kept, so C_E = 200), fires faster and more regularly (as
``examples/brunel.py --scale 0.2`` says), in every simulator alike.

lifdsl and Brian2 read the same equation string, but do not mean the same by
``(unless refractory)``: in lifdsl (and in ``examples/brunel.py``) it freezes only the decay,
so that synaptic and external inputs arriving during the refractory period still move v;
Brian2 2.9 makes every write to v conditional on ``not_refractory``, so that v is clamped at
V_r and those inputs are lost (as in Brunel's paper). The external drive is a PoissonInput
(a binomial draw per neuron and step). NEST 3.10 runs ``iaf_psc_delta`` (exact integration,
weight = the jump of v in mV) with ``refractory_input = True``, the closest match to lifdsl's
model: inputs arriving while refractory are added at the end of the period, damped by the
decay since their arrival; with NEST's default (False) they are lost, as in Brian2. Its drive
is one ``poisson_generator`` at C_E*nu_ext, which sends each neuron its own train, with
NEST's minimum delay (one step). At the smaller sizes, which fire fast and regularly, this
difference shows in the rate column (Brian2 below lifdsl and NEST).

Columns, fresh processes, cold and warm rows, memory and the rate column (all spikes over the
whole run, transient included) are as in ``bench/cuba.py``; the machinery is
``bench/netbench.py``. ``--sizes`` and ``--numpy-max`` count N_E.
"""

from __future__ import annotations

import textwrap

import netbench as nb  # bench/, on sys.path when this file runs as a script

#: the model, shared by every script: SI values, and the equation lifdsl and Brian2 both read
MODEL = dict(tau=20e-3, theta=20e-3, V_r=10e-3, tau_rp=2e-3, J=0.1e-3, delay=1.5e-3,
             epsilon=0.1, gamma=0.25, g=5.0, nu_ratio=2.0, dt=1e-4,
             equations="dv/dt = -v/tau : volt (unless refractory)")

#: derived sizes and rates, the same lines in every script (N is N_E)
_SIZES = '''
    NE = N
    NI = max(1, int(round(m["gamma"] * NE)))
    c_exc = m["epsilon"] * NE
    nu_ext = m["nu_ratio"] * m["theta"] / (m["J"] * c_exc * m["tau"])
'''

LIFDSL_SCRIPT = nb.LIFDSL_HEAD + textwrap.dedent(_SIZES + '''
    ns = {k: m[k] for k in ("tau", "theta", "V_r", "J", "g")}
    G = ld.NeuronGroup(NE + NI, m["equations"], threshold="v > theta", reset="v = V_r",
                       refractory=m["tau_rp"], method="exact", dt=m["dt"], namespace=ns)
    G.v = "rand()*theta"
    exc = ld.Synapses(G[:NE], G, on_pre="v += J", delay=m["delay"], namespace=ns)
    inh = ld.Synapses(G[NE:], G, on_pre="v -= g*J", delay=m["delay"], namespace=ns)
    t0 = time.perf_counter()
    exc.connect(p=m["epsilon"])
    inh.connect(p=m["epsilon"])
    t_connect = time.perf_counter() - t0
    synapses = [exc, inh]
    drive = ld.PoissonInput(G, "v", N=int(round(c_exc)), rate=nu_ext, weight=m["J"])
    S = ld.SpikeMonitor(G)
    net = ld.Network(G, exc, inh, drive, S, target=target)
    t0 = time.perf_counter()
    net.run(duration)
    t_run = time.perf_counter() - t0
''') + nb.LIFDSL_TAIL

BRIAN2_SCRIPT = nb.BRIAN2_HEAD + textwrap.dedent(_SIZES + '''
    ns = {k: m[k] * b2.volt for k in ("theta", "V_r", "J")}
    ns.update(tau=m["tau"] * b2.second, g=m["g"])
    G = b2.NeuronGroup(NE + NI, m["equations"], threshold="v > theta", reset="v = V_r",
                       refractory=m["tau_rp"] * b2.second, method="exact", namespace=ns)
    G.v = "rand()*theta"
    exc = b2.Synapses(G[:NE], G, on_pre="v += J", delay=m["delay"] * b2.second, namespace=ns)
    inh = b2.Synapses(G[NE:], G, on_pre="v -= g*J", delay=m["delay"] * b2.second, namespace=ns)
    t0 = connect_begin()
    exc.connect(p=m["epsilon"])
    inh.connect(p=m["epsilon"])
    t_connect = connect_end(t0)
    synapses = [exc, inh]
    drive = b2.PoissonInput(G, "v", N=int(round(c_exc)), rate=nu_ext * b2.Hz,
                            weight=m["J"] * b2.volt)
    S = b2.SpikeMonitor(G)
    net = b2.Network(G, exc, inh, drive, S)
    t0 = time.perf_counter()
    net.run(duration * b2.second)
    t_run = time.perf_counter() - t0
''') + nb.BRIAN2_TAIL

NEST_SCRIPT = nb.NEST_HEAD + textwrap.dedent(_SIZES + '''
    # NEST's units: mV, ms; iaf_psc_delta's weight is the jump of V_m in mV
    pop = nest.Create("iaf_psc_delta", NE + NI, params=dict(
        tau_m=m["tau"] * 1e3, V_th=m["theta"] * 1e3, V_reset=m["V_r"] * 1e3, E_L=0.0,
        t_ref=m["tau_rp"] * 1e3, I_e=0.0, refractory_input=True))
    pop.V_m = nest.random.uniform(0.0, m["theta"] * 1e3)
    conn = {"rule": "pairwise_bernoulli", "p": m["epsilon"], "allow_autapses": True}
    J, delay = m["J"] * 1e3, m["delay"] * 1e3
    t0 = time.perf_counter()
    nest.Connect(pop[:NE], pop, conn, {"weight": J, "delay": delay})
    nest.Connect(pop[NE:], pop, conn, {"weight": -m["g"] * J, "delay": delay})
    t_connect = time.perf_counter() - t0
    synapses = nest.GetKernelStatus("num_connections")
    drive = nest.Create("poisson_generator", params={"rate": nu_ext * int(round(c_exc))})
    nest.Connect(drive, pop, syn_spec={"weight": J, "delay": m["dt"] * 1e3})
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    t0 = time.perf_counter()
    nest.Simulate(duration * 1e3)
    t_run = time.perf_counter() - t0
''') + nb.NEST_TAIL


def _title(ne: int, duration: float) -> str:
    ni = max(1, int(round(MODEL["gamma"] * ne)))
    return (f"N_E = {ne}, N_I = {ni} (epsilon = {MODEL['epsilon']:g}), {duration:g} s; "
            "seconds unless noted")


SPEC = nb.Spec(name="brunel", description=__doc__.splitlines()[0],
               scripts=dict(lifdsl=LIFDSL_SCRIPT, brian2=BRIAN2_SCRIPT, nest=NEST_SCRIPT),
               model=MODEL, sizes=[2000, 10000], quick_size=400, quick_duration=0.05,
               numpy_max=2000, title=_title,
               neurons=lambda ne: ne + max(1, int(round(MODEL["gamma"] * ne))),
               size_help="N_E values (N_I = N_E/4)")


def main(argv: list[str] | None = None) -> None:
    """Parse options, run every configuration, print the tables."""
    nb.main(SPEC, argv)


if __name__ == "__main__":
    main()
