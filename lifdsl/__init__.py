"""lifdsl: spiking neurons from equation strings.

Write the membrane equation as a textbook does (``tau*dU/dt = -U + R*I``), and lifdsl parses
it, discretizes it (Euler, exact, ...), generates code for it and runs networks of such neurons.
"""

import sys as _sys

from lifdsl import methods, models, sweeps, units
from lifdsl.codegen.cache import CacheError, CompilerNotFoundError, clear_cache
from lifdsl.core import (
    Clock,
    MagicError,
    Network,
    NetworkOperation,
    NeuronGroup,
    PoissonGroup,
    PoissonInput,
    PopulationRateMonitor,
    PythonOperation,
    SpikeGeneratorGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
    collect,
    defaultclock,
    magic_network,
    network_operation,
    prefs,
    restore,
    run,
    seed,
    start_scope,
    stop,
    store,
)
from lifdsl.equations import EquationError, Equations
from lifdsl.explain import explain
from lifdsl.methods import DiscretizationError
from lifdsl.sweeps import RunRecord, SweepError, sweep
from lifdsl.units import *  # noqa: F403 - units are part of the star-import, as in Brian2
from lifdsl.units import UNIT_NAMES as _UNIT_NAMES

# ``ld.sweep`` is the function; its module is ``lifdsl.sweeps``. The old module path stays an
# alias, so ``from lifdsl.sweep import grid`` keeps working (``lifdsl.sweep.grid`` does not:
# that attribute is the function)
_sys.modules.setdefault(f"{__name__}.sweep", sweeps)

__version__ = "0.1.0"

__all__ = [
    "CacheError", "Clock", "CompilerNotFoundError", "DiscretizationError", "EquationError",
    "Equations", "MagicError",
    "Network", "NetworkOperation", "NeuronGroup", "PoissonGroup", "PoissonInput",
    "PopulationRateMonitor", "PythonOperation",
    "RunRecord", "SpikeGeneratorGroup", "SpikeMonitor", "SweepError",
    "StateMonitor",
    "Synapses", "TimedArray", "clear_cache", "collect", "defaultclock", "explain",
    "magic_network", "methods", "models", "network_operation", "prefs", "restore", "run",
    "seed", "start_scope", "stop", "store", "sweep", "sweeps",
    "units", *sorted(_UNIT_NAMES),
]
