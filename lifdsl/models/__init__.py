"""Ready-made neurons with snnTorch's semantics, written as equations you can read."""

from lifdsl.models.lapicque import Lapicque

__all__ = ["Lapicque"]
