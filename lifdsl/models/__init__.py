"""Ready-made neurons with snnTorch's semantics, written as equations you can read."""

from lifdsl.models.alpha import Alpha
from lifdsl.models.base import SnnTorchNeuron
from lifdsl.models.lapicque import Lapicque
from lifdsl.models.leaky import Leaky, Synaptic

__all__ = ["Alpha", "Lapicque", "Leaky", "SnnTorchNeuron", "Synaptic"]
