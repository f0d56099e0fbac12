"""Recompute the Brian2 reference pairs of tests/core/test_connect_forms.py (BRIAN2_PAIRS).

Not run by the test suite: it documents how the literals in that test file were obtained.
Needs Brian2 2.9 (not a dependency of lifdsl), e.g. in /tmp/b2env:
    cd /tmp && /tmp/b2env/bin/python /work/main/tests/data/make_brian2_connect.py
(from outside the repository, so that nothing there shadows an import). It prints the literal
dict pasted into the test file. Brian2's numpy target; every form here is deterministic (no p,
no sample(size=)). The source has ``x = 0.5*i``, the target ``y = 1.0*i``.
"""

from __future__ import annotations

import warnings

from brian2 import BrianLogger, NeuronGroup, Synapses, __version__, prefs

# (name, N_pre, N_post, connect keywords): the same list as CASES in the test file
CASES = [
    ("window", 6, 8, dict(j="k for k in range(i-2, i+3) if k >= 0 and k < N_post")),
    ("backwards", 4, 9, dict(j="k for k in range(N_post-1, i, -2)")),
    ("element", 5, 9, dict(j="2*i + k for k in range(3)", skip_if_invalid=True)),
    ("shorthand_trunc", 7, 7, dict(j="i/2")),
    ("shorthand_if", 6, 6, dict(j="i + 1 if i % 2 == 0")),
    ("over_targets", 4, 5, dict(i="k for k in range(N_pre) if k <= j")),
    ("variables", 5, 6, dict(j="k for k in range(N_post) if y_post > 2*x_pre")),
    ("condition_n", 4, 4, dict(condition="abs(i - j) <= 1", n="1 + i % 2")),
    ("range_n", 3, 5, dict(j="k for k in range(i, i + 2)", n=3)),
    ("sample_p_one", 3, 10, dict(j="k for k in sample(1, 9, 3, p=1.0)")),
]


def main() -> None:
    warnings.filterwarnings("ignore")
    BrianLogger.suppress_name("unused_brian_object")
    prefs.codegen.target = "numpy"
    print(f"# Brian2 {__version__}, numpy target (tests/data/make_brian2_connect.py)")
    print("BRIAN2_PAIRS = {")
    for name, ns, nt, kw in CASES:
        source = NeuronGroup(ns, "x : 1")
        source.x = "0.5*i"
        target = NeuronGroup(nt, "y : 1")
        target.y = "1.0*i"
        S = Synapses(source, target)
        S.connect(**kw)
        print(f"    {name!r}: ({S.i[:].tolist()},\n        {S.j[:].tolist()}),")
    print("}")


if __name__ == "__main__":
    main()
