"""Ready-made neurons with snnTorch's semantics, written as equations you can read."""

from lifdsl.models.base import SnnTorchNeuron
from lifdsl.models.lapicque import Lapicque
from lifdsl.models.leaky import Leaky, Synaptic

__all__ = ["Lapicque", "Leaky", "SnnTorchNeuron", "Synaptic"]
