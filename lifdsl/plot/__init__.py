"""Plotting helpers for lifdsl recordings: plain numpy arrays in, matplotlib Figures out.

Every function accepts 1-D or (n, 1) column arrays (squeezed), bool or 0/1 float spike arrays,
an optional ``t`` array for the x axis (default: step index, labelled "Time step"), an
optional ``title`` and ``save`` path (PNG, parent folders created), and returns the Figure.
Figures are built without pyplot state, so they work under the Agg backend and never block.
"""

from .raster import raster
from .stacks import current_membrane_spikes, reset_comparison, spikes_membrane_spikes
from .traces import compare_pulses, current_and_membrane, membrane, rate

__all__ = [
    "compare_pulses",
    "current_and_membrane",
    "current_membrane_spikes",
    "membrane",
    "raster",
    "rate",
    "reset_comparison",
    "spikes_membrane_spikes",
]
