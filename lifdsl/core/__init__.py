"""Simulation objects and the network that runs them."""

from lifdsl.core.clock import Clock, defaultclock
from lifdsl.core.inputs import PoissonGroup, PoissonInput, SpikeGeneratorGroup
from lifdsl.core.monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from lifdsl.core.network import (
    Network,
    collect,
    magic_network,
    prefs,
    restore,
    run,
    start_scope,
    store,
)
from lifdsl.core.neurongroup import NeuronGroup, Subgroup
from lifdsl.core.operations import PythonOperation
from lifdsl.core.random import seed
from lifdsl.core.synapses import Synapses
from lifdsl.core.timedarray import TimedArray

__all__ = [
    "Clock", "defaultclock", "Network", "NeuronGroup", "PoissonGroup", "PoissonInput",
    "PopulationRateMonitor", "PythonOperation", "SpikeGeneratorGroup", "SpikeMonitor",
    "StateMonitor", "Subgroup", "Synapses", "TimedArray", "collect", "magic_network", "prefs",
    "restore", "run", "seed", "start_scope", "store",
]
