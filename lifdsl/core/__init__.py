"""Simulation objects and the network that runs them."""

from lifdsl.core.clock import Clock, defaultclock
from lifdsl.core.functions import Function, implementation
from lifdsl.core.inputs import PoissonGroup, PoissonInput, SpikeGeneratorGroup
from lifdsl.core.linked import linked_var
from lifdsl.core.monitors import (
    EventMonitor,
    PopulationRateMonitor,
    SpikeMonitor,
    StateMonitor,
)
from lifdsl.core.netops import NetworkOperation, network_operation
from lifdsl.core.network import (
    MagicError,
    Network,
    collect,
    magic_network,
    prefs,
    restore,
    run,
    start_scope,
    stop,
    store,
)
from lifdsl.core.neurongroup import NeuronGroup, Subgroup
from lifdsl.core.operations import PythonOperation
from lifdsl.core.random import seed
from lifdsl.core.synapses import Synapses
from lifdsl.core.timedarray import TimedArray

__all__ = [
    "Clock", "Function", "defaultclock", "EventMonitor", "implementation", "MagicError",
    "Network", "NetworkOperation", "NeuronGroup",
    "PoissonGroup", "PoissonInput", "PythonOperation", "network_operation",
    "PopulationRateMonitor", "SpikeGeneratorGroup", "SpikeMonitor",
    "StateMonitor", "Subgroup", "Synapses", "TimedArray", "collect", "magic_network", "prefs",
    "linked_var", "restore", "run", "seed", "start_scope", "stop", "store",
]
