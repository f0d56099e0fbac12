"""Brian2's names on lifdsl: scripts run with ``from lifdsl.brian2 import *`` (or
``import lifdsl.brian2 as brian2``) in place of Brian2's import line.

As ``from brian2 import *`` does, the star-import gives the numpy and pylab names too, with
Brian2's names winning where they collide (``cm`` is the centimetre, ``seed`` lifdsl's). They
live here only: ``import lifdsl`` stays free of them.
"""

# ruff: noqa: F401, F403, E402, I001 - this module is its star-import: the order is the point
try:
    from pylab import *
except ImportError:  # no matplotlib: the numpy names alone, as Brian2 does
    from numpy import *
    from numpy.fft import *
    from numpy.linalg import *
    from numpy.random import *

import sys as _sys
import types as _types
import gc as _gc
import weakref as _weakref

import functools as _functools
import operator as _operator

from typing import Any

import numpy
import numpy as np

import lifdsl as _ld
from lifdsl import *
from lifdsl import units
from lifdsl.core.clock import defaultclock
from lifdsl.core.network import MagicError, MagicNetwork, magic_network, stop
from lifdsl.core.neurongroup import Subgroup
from lifdsl.core.netops import NetworkOperation as _NetworkOperation
from lifdsl.core.netops import operation_decorator as _operation_decorator
from lifdsl.units import *
from lifdsl.units import constants
from lifdsl.units.constants import *
from lifdsl.methods.divided_differences import exprel_numpy as _exprel_numpy
from lifdsl.units import check_units
from lifdsl.brian2._compat import (
    BrianLogger,
    Device,
    OutOfScopeError,
    ProfilingSummary,
    device,
    get_device,
    prefs,
    profiling_summary,
    reinit_devices,
    reset_device,
    set_device,
    timestep,
)
from lifdsl.brian2._compat import out_of_scope as _out_of_scope

# ``import lifdsl.brian2.units`` (and ``.units.constants``) is lifdsl's units, as brian2.units
_sys.modules[__name__ + ".units"] = units
_sys.modules[__name__ + ".units.constants"] = constants


def _submodule(name: str, **names) -> _types.ModuleType:
    """A module ``lifdsl.brian2.<name>`` with ``names``: the few Brian2 submodules scripts
    import from (``from brian2.core.functions import timestep``)."""
    mod = _types.ModuleType(f"{__name__}.{name}", f"Brian2's {name}, as far as scripts use it")
    mod.__dict__.update(names)
    _sys.modules[mod.__name__] = mod
    return mod


core = _submodule("core", functions=_submodule("core.functions", timestep=timestep))
devices = _submodule("devices", device=_submodule(
    "devices.device", Device=Device, device=device, get_device=get_device,
    set_device=set_device, reset_device=reset_device, reinit_devices=reinit_devices),
    get_device=get_device, set_device=set_device, reset_device=reset_device,
    reinit_devices=reinit_devices)

# Brian2 features lifdsl does not have: a clear error when a script makes one
SpatialNeuron = _out_of_scope("SpatialNeuron", "multicompartment neurons")
Morphology = _out_of_scope("Morphology", "neuron morphologies for SpatialNeuron")
Soma = _out_of_scope("Soma", "a morphology section for SpatialNeuron")
Cylinder = _out_of_scope("Cylinder", "a morphology section for SpatialNeuron")
Section = _out_of_scope("Section", "a morphology section for SpatialNeuron")

# Brian2's method objects, as the names lifdsl's method= takes
euler, exact, linear, rk2, rk4, heun, milstein, exponential_euler, independent = (
    "euler", "exact", "linear", "rk2", "rk4", "heun", "milstein", "exponential_euler",
    "independent")
gsl_rk2, gsl_rk4, gsl_rkf45, gsl_rkck, gsl_rk8pd = (
    "gsl_rk2", "gsl_rk4", "gsl_rkf45", "gsl_rkck", "gsl_rk8pd")

# exprel as a Python function of plain numbers (strings have their own exprel); numpy names
# Brian2 2.9 re-exports that NumPy 2.4 dropped, as the functions that replaced them
@check_units(x=1, result=1)
def exprel(x):
    """``(exp(x) - 1)/x``, 1 at 0, elementwise (Brian2's ``exprel``, the strings' own)."""
    return _exprel_numpy(x)


if not hasattr(numpy, "trapz"):
    trapz = numpy.trapezoid
if not hasattr(numpy, "in1d"):
    def in1d(ar1, ar2, assume_unique=False, invert=False):
        """NumPy's former ``in1d``: ``isin`` of the flattened ``ar1``."""
        return numpy.isin(numpy.asarray(ar1).ravel(), ar2, assume_unique=assume_unique,
                          invert=invert)


def sum(a, *args, **kwargs):   # noqa: A001 - the star-import's sum is NumPy's, as Brian2's
    """NumPy's ``sum``, which also takes a generator as NumPy before 2.4 did (with a
    DeprecationWarning; 2.4 raises): Brian2 scripts write ``sum(t for t in ...)``."""
    if isinstance(a, _types.GeneratorType):
        a = list(a)
        if a and not args and not kwargs:   # (element by element: Quantities keep units)
            return _functools.reduce(_operator.add, a)
    return numpy.sum(a, *args, **kwargs)


# names other parts of lifdsl provide as they land (Brian2's spelling; absent ones stay absent)
for _name in ("linked_var", "EventMonitor", "Function", "implementation", "check_units",
              "DimensionMismatchError", "get_dimensions", "have_same_dimensions", "in_unit",
              "in_best_unit", "get_unit", "is_dimensionless", "Quantity", "Unit"):
    for _mod in (_ld, _ld.core, _ld.equations, _ld.units):
        if hasattr(_mod, _name):
            globals()[_name] = getattr(_mod, _name)
            break
del _name, _mod


_LIVE: _weakref.WeakValueDictionary = _weakref.WeakValueDictionary()


class _Brian2Order:
    """Brian2's names and their order: an object made without a name gets the first of
    ``neurongroup``, ``neurongroup_1``, ... that no living object has (Brian2 reuses the names
    of objects that are gone); runners of one slot and order run in the order of Brian2's
    names of them (a ``network_operation`` before ``neurongroup_run_regularly`` before a
    ``statemonitor``, whatever was made first), not in lifdsl's creation order."""

    def _named(self) -> None:   # (no __init__ here: the constructors read their caller's scope)
        _LIVE[id(self)] = self

    def _auto_name(self) -> str:
        taken = {getattr(o, "name", None) for o in list(_LIVE.values())}
        if self._prefix not in taken:
            return self._prefix
        k = 1
        while f"{self._prefix}_{k}" in taken:
            k += 1
        return f"{self._prefix}_{k}"

    def _tie_name(self, runner) -> str:
        kind, name = runner.kind, self.name
        if kind == "state_updater":
            return f"{name}_stateupdater"
        if kind == "thresholder":
            return f"{name}_spike_thresholder"
        if kind == "resetter":
            return f"{name}_spike_resetter"
        if kind.startswith("event_"):
            return f"{name}_{kind[len('event_'):]}_thresholder"
        if kind.startswith("on_event_"):
            return f"{name}_{kind[len('on_event_'):]}_resetter"
        if kind == "regular":   # (Brian2: _run_regularly, _run_regularly_1, ...)
            k = next(k for k, r in enumerate(self._regular) if r is runner)
            return f"{name}_run_regularly" + (f"_{k}" if k else "")
        if kind.endswith("_pathway"):
            return f"{name}_{runner.name}"
        if kind in ("summed_zero", "summed_add"):
            return f"{name}_summed_variable"
        return name   # monitors, network operations, PoissonInput: the object itself


# Brian2's monitors give times in second and rates in Hz whatever the model's units; lifdsl's
# own give plain floats for a unitless model (``M.t > 5*ms`` must work in a Brian2 script)
class StateMonitor(_Brian2Order, _ld.StateMonitor):
    """lifdsl's StateMonitor; ``t`` always in second, as Brian2's."""

    _units_always = True


class EventMonitor(_Brian2Order, _ld.EventMonitor):
    """lifdsl's EventMonitor; ``t`` always in second, as Brian2's."""

    _units_always = True


class SpikeMonitor(_Brian2Order, _ld.SpikeMonitor):
    """lifdsl's SpikeMonitor; ``t`` always in second, as Brian2's."""

    _units_always = True


class PopulationRateMonitor(_Brian2Order, _ld.PopulationRateMonitor):
    """lifdsl's PopulationRateMonitor; ``t`` in second and ``rate`` in Hz, as Brian2's."""

    _units_always = True


def _seconds(value: float):
    """A time in seconds as a Quantity of second (Brian2's clocks and networks give those)."""
    return float(value) * units.second


class _Forwarding:
    """Passes every attribute it does not define, read or set, to the object ``_target()``
    (lifdsl's own, which the rest of lifdsl keeps using)."""

    def _target(self) -> Any:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target(), name, value)

    @property
    def t(self):
        """The time reached, in second."""
        return _seconds(self._target().t)

    @property
    def t_(self) -> float:
        """The time reached in seconds (a plain float)."""
        return self._target().t


class _DefaultClock(_Forwarding):
    """lifdsl's ``defaultclock``, with ``dt`` and ``t`` in second as Brian2's:
    ``int(runtime/defaultclock.dt)`` is a number there, not a time."""

    def _target(self) -> Any:
        return _defaultclock

    @property
    def dt(self):
        """The default time step, in second."""
        return _seconds(_defaultclock.dt)

    @dt.setter
    def dt(self, value) -> None:
        _defaultclock.dt = value

    @property
    def dt_(self) -> float:
        """The default time step in seconds (a plain float)."""
        return _defaultclock.dt

    def __repr__(self) -> str:
        return f"defaultclock(dt={_defaultclock.dt!r} s)"


class _TimedInSeconds:
    """``t`` of a network or group in second, as Brian2's (``t_`` the plain float)."""

    @property
    def t(self):
        """Simulated time, in second."""
        return _seconds(super().t)

    @property
    def t_(self) -> float:
        return super().t


class Network(_TimedInSeconds, _ld.Network):
    """lifdsl's Network; ``t`` in second, as Brian2's."""


class NeuronGroup(_Brian2Order, _TimedInSeconds, _ld.NeuronGroup):
    """lifdsl's NeuronGroup; ``t`` in second, as Brian2's."""


class Synapses(_Brian2Order, _TimedInSeconds, _ld.Synapses):
    """lifdsl's Synapses; ``t`` in second, as Brian2's."""


class PoissonGroup(_Brian2Order, _TimedInSeconds, _ld.PoissonGroup):
    """lifdsl's PoissonGroup; ``t`` in second, as Brian2's."""


class SpikeGeneratorGroup(_Brian2Order, _TimedInSeconds, _ld.SpikeGeneratorGroup):
    """lifdsl's SpikeGeneratorGroup; ``t`` in second, as Brian2's."""


def start_scope() -> None:
    """Forget the objects so far (the next run() starts afresh at t = 0), and let the ones no
    longer used go now, so that their names are free again, as in Brian2 (a loop's objects
    hold one another in cycles that Python frees only at its next collection)."""
    _ld.start_scope()
    _gc.collect()


class PoissonInput(_Brian2Order, _ld.PoissonInput):
    """lifdsl's PoissonInput, scheduled among ties by its name as Brian2's."""


class NetworkOperation(_Brian2Order, _NetworkOperation):
    """lifdsl's NetworkOperation, named ``network_operation``, ``network_operation_1``, ... and
    scheduled among ties by that name, as Brian2's."""

    _prefix = "network_operation"


network_operation = _operation_decorator(NetworkOperation)


class _MagicNetwork(_Forwarding):
    """lifdsl's ``magic_network``, with ``t`` in second."""

    def _target(self) -> Any:
        return _magic_network

    def __repr__(self) -> str:
        return repr(_magic_network)


_defaultclock = defaultclock
_magic_network = magic_network
defaultclock = _DefaultClock()
magic_network = _MagicNetwork()
