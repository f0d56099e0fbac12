"""COBAHH network (Brette et al. 2007): lifdsl against Brian2 2.9 and NEST 3.10, one table per N.

    python bench/cobahh.py                  # N = 4000, 16000 (p = 80/N), 1 s, with peers
    python bench/cobahh.py --quick          # tiny N, short run, lifdsl only (the tests run this)
    python bench/cobahh.py --sizes 4000 --only lifdsl-cython brian2-standalone

Benchmark 3 of Brette et al., J. Comput. Neurosci. 23, 349-398 (2007), as in
``examples/cobahh.py`` (the same equations, numbers and initial values): N single-compartment
Hodgkin-Huxley neurons with the Traub-Miles sodium and potassium channels of Traub & Miles
(1991) (area 20000 um^2, C_m = 1 uF/cm^2, g_L = 0.05 mS/cm^2, g_Na = 100 mS/cm^2,
g_K = 30 mS/cm^2, E_L = -60 mV, E_K = -90 mV, E_Na = 50 mV, V_T = -63 mV), exponentially
decaying synaptic conductances (5 ms towards 0 mV, 10 ms towards -80 mV; a spike adds 6 nS
or 67 nS), 80 % excitatory, p = 80/N, no external input; initial v ~ N(-65 mV, 5 mV),
g_e ~ N(40 nS, 15 nS), g_i ~ N(200 nS, 120 nS), m = h = n = 0. Exponential Euler with
dt = 0.1 ms; a spike is v crossing -20 mV upwards (threshold and refractory condition
``v > -20*mV``). lifdsl and Brian2 read the very same equation strings.

NEST 3.10 runs its ``hh_cond_exp_traub`` (written for this benchmark: the same currents,
rate functions and synapses; its parameters are set from the same numbers, v and m, h, n
start as above), integrated by GSL's adaptive RKF45 within each 0.1 ms step. Its
conductances cannot be set: a spike_generator firing once at 0.1 ms gives every neuron its
initial g_e and g_i, which arrive at 0.2 ms; as the sign of a NEST weight picks the channel,
draws below 0 (about 0.4 % of g_e's, 5 % of g_i's, which lifdsl and Brian2 keep) become 0.
Its spike is its own: emitted when V_m >= V_T + 30 mV and falling (the peak), then no spike
for its default t_ref = 2 ms. Synaptic delay is one step, NEST's minimum (lifdsl and Brian2
apply a spike's conductance jump before the next step, which is the same delay).

Brian2's numpy target is left out unless ``--only`` names it (``brian2-numpy``): it took 41 s
for 0.2 s of N = 400 here, against 0.14 s on its Cython runtime.

Columns, fresh processes, cold and warm rows, memory and the rate column are as in
``bench/cuba.py`` (its docstring says what each times); the machinery is ``bench/netbench.py``.
"""

from __future__ import annotations

import textwrap

import netbench as nb  # bench/, on sys.path when this file runs as a script

AREA = 20000e-12  # m^2

#: the model, shared by every script: SI values, and the strings lifdsl and Brian2 both read
MODEL = dict(
    Cm=1e-2 * AREA, gl=0.5 * AREA, g_na=1000.0 * AREA, g_kd=300.0 * AREA,
    El=-60e-3, EK=-90e-3, ENa=50e-3, VT=-63e-3, taue=5e-3, taui=10e-3, Ee=0.0, Ei=-80e-3,
    we=6e-9, wi=67e-9, dt=1e-4,
    equations="""
dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v) - g_na*m**3*h*(v - ENa)
         - g_kd*n**4*(v - EK))/Cm : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
dge/dt = -ge/taue : siemens
dgi/dt = -gi/taui : siemens
alpha_m = 1.28/exprel((13*mV - v + VT)/(4*mV))/ms : Hz
beta_m = 1.4/exprel((v - VT - 40*mV)/(5*mV))/ms : Hz
alpha_h = 0.128*exp((17*mV - v + VT)/(18*mV))/ms : Hz
beta_h = 4/(1 + exp((40*mV - v + VT)/(5*mV)))/ms : Hz
alpha_n = 0.16/exprel((15*mV - v + VT)/(5*mV))/ms : Hz
beta_n = 0.5*exp((10*mV - v + VT)/(40*mV))/ms : Hz
""",
    threshold="v > -20*mV",
    v0="El + (randn()*5 - 5)*mV", ge0="(randn()*1.5 + 4)*10*nS", gi0="(randn()*12 + 20)*10*nS",
    # the same initial distributions as numbers, for NEST: (mean, s.d.) in mV and nS
    v0_nest=(-65.0, 5.0), ge0_nest=(40.0, 15.0), gi0_nest=(200.0, 120.0),
    #: Brian2's unit of each value of the namespace
    units=dict(Cm="farad", gl="siemens", g_na="siemens", g_kd="siemens", El="volt", EK="volt",
               ENa="volt", VT="volt", taue="second", taui="second", Ee="volt", Ei="volt",
               we="siemens", wi="siemens"),
)

LIFDSL_SCRIPT = nb.LIFDSL_HEAD + textwrap.dedent('''
    ns = {k: m[k] for k in m["units"]}
    P = ld.NeuronGroup(N, m["equations"], threshold=m["threshold"], refractory=m["threshold"],
                       method="exponential_euler", dt=m["dt"], namespace=ns)
    P.v = m["v0"]
    P.ge = m["ge0"]
    P.gi = m["gi0"]
    ne = int(round(0.8 * N))
    Ce = ld.Synapses(P[:ne], P, on_pre="ge += we", namespace=ns)
    Ci = ld.Synapses(P[ne:], P, on_pre="gi += wi", namespace=ns)
    t0 = time.perf_counter()
    Ce.connect(p=min(1.0, 80.0 / N))
    Ci.connect(p=min(1.0, 80.0 / N))
    t_connect = time.perf_counter() - t0
    synapses = [Ce, Ci]
    S = ld.SpikeMonitor(P)
    net = ld.Network(P, Ce, Ci, S, target=target)
    t0 = time.perf_counter()
    net.run(duration)
    t_run = time.perf_counter() - t0
''') + nb.LIFDSL_TAIL

BRIAN2_SCRIPT = nb.BRIAN2_HEAD + textwrap.dedent('''
    ns = {k: m[k] * getattr(b2, unit) for k, unit in m["units"].items()}
    P = b2.NeuronGroup(N, m["equations"], threshold=m["threshold"], refractory=m["threshold"],
                       method="exponential_euler", namespace=ns)
    P.v = m["v0"]
    P.ge = m["ge0"]
    P.gi = m["gi0"]
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
    # NEST's units: mV, ms, pF, nS; inhibitory conductance weights are negative
    pop = nest.Create("hh_cond_exp_traub", N, params=dict(
        C_m=m["Cm"] * 1e12, g_L=m["gl"] * 1e9, g_Na=m["g_na"] * 1e9, g_K=m["g_kd"] * 1e9,
        E_L=m["El"] * 1e3, E_K=m["EK"] * 1e3, E_Na=m["ENa"] * 1e3, V_T=m["VT"] * 1e3,
        E_ex=m["Ee"] * 1e3, E_in=m["Ei"] * 1e3, tau_syn_ex=m["taue"] * 1e3,
        tau_syn_in=m["taui"] * 1e3, I_e=0.0))
    pop.set(Act_m=0.0, Inact_h=0.0, Act_n=0.0)
    pop.V_m = nest.random.normal(*m["v0_nest"])
    ne = int(round(0.8 * N))
    conn = {"rule": "pairwise_bernoulli", "p": min(1.0, 80.0 / N), "allow_autapses": True}
    delay = m["dt"] * 1e3
    t0 = time.perf_counter()
    nest.Connect(pop[:ne], pop, conn, {"weight": m["we"] * 1e9, "delay": delay})
    nest.Connect(pop[ne:], pop, conn, {"weight": -m["wi"] * 1e9, "delay": delay})
    t_connect = time.perf_counter() - t0
    synapses = nest.GetKernelStatus("num_connections")
    # g_ex and g_in cannot be set: one spike at 0.1 ms, arriving at 0.2 ms, gives each neuron
    # its initial conductances (the sign of a weight picks the channel, so draws below 0 are 0)
    kick = nest.Create("spike_generator", params={"spike_times": [delay]})
    nest.Connect(kick, pop, syn_spec={
        "weight": nest.math.max(nest.random.normal(*m["ge0_nest"]), 0.0), "delay": delay})
    nest.Connect(kick, pop, syn_spec={
        "weight": -1.0 * nest.math.max(nest.random.normal(*m["gi0_nest"]), 0.0), "delay": delay})
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    t0 = time.perf_counter()
    nest.Simulate(duration * 1e3)
    t_run = time.perf_counter() - t0
''') + nb.NEST_TAIL

SPEC = nb.Spec(name="cobahh", description=__doc__.splitlines()[0],
               scripts=dict(lifdsl=LIFDSL_SCRIPT, brian2=BRIAN2_SCRIPT, nest=NEST_SCRIPT),
               model=MODEL, sizes=[4000, 16000], quick_size=400, quick_duration=0.05,
               numpy_max=4000,
               rows=tuple(r for r in nb.SIMULATORS if r != "brian2-numpy"),
               title=lambda n, d: f"N = {n} (p = {min(1.0, 80.0 / n):.4g}), {d:g} s; "
                                  "seconds unless noted")


def main(argv: list[str] | None = None) -> None:
    """Parse options, run every configuration, print the tables."""
    nb.main(SPEC, argv)


if __name__ == "__main__":
    main()
