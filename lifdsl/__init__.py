"""lifdsl: spiking neurons from equation strings.

Write the membrane equation as a textbook does (``tau*dU/dt = -U + R*I``), and lifdsl parses
it, discretizes it (Euler, exact, ...), generates code for it and runs networks of such neurons.
"""

# Only the units (NumPy alone) are imported with the package: the rest (SymPy, the code
# generators, matplotlib, the sweep machinery) is imported on the first use of a name
# (PEP 562), so ``import lifdsl`` stays fast. The names and the star-import are as before.

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
from typing import TYPE_CHECKING, Any

from lifdsl import units
from lifdsl.units import *  # noqa: F403 - units are part of the star-import, as in Brian2
from lifdsl.units import UNIT_NAMES as _UNIT_NAMES

if TYPE_CHECKING:  # (for type checkers and linters: the same names, imported eagerly)
    from lifdsl import methods, models, sweeps
    from lifdsl.codegen.cache import CacheError, CompilerNotFoundError, clear_cache
    from lifdsl.core import (
        Clock,
        EventMonitor,
        Function,
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
        implementation,
        linked_var,
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

__version__ = "0.1.0"

#: public name -> the module it lives in (the module itself for the submodules named here)
_LAZY: dict[str, str] = {
    **dict.fromkeys(("CacheError", "CompilerNotFoundError", "clear_cache"),
                    "lifdsl.codegen.cache"),
    **dict.fromkeys(("Clock", "EventMonitor", "Function", "implementation", "MagicError",
                     "Network", "NetworkOperation", "NeuronGroup",
                     "PoissonGroup", "PoissonInput", "PopulationRateMonitor", "PythonOperation",
                     "SpikeGeneratorGroup", "SpikeMonitor", "StateMonitor", "Synapses",
                     "TimedArray", "collect", "defaultclock", "linked_var", "magic_network",
                     "network_operation", "prefs", "restore", "run", "seed", "start_scope",
                     "stop", "store"), "lifdsl.core"),
    **dict.fromkeys(("EquationError", "Equations"), "lifdsl.equations"),
    "explain": "lifdsl.explain",
    "DiscretizationError": "lifdsl.methods",
    **dict.fromkeys(("RunRecord", "SweepError", "sweep"), "lifdsl.sweeps"),
    "methods": "lifdsl.methods",
    "models": "lifdsl.models",
    "sweeps": "lifdsl.sweeps",
}
_MODULES = ("methods", "models", "sweeps")


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (then it is an ordinary attribute)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lifdsl' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if name in _MODULES else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """The package's module: importing the submodule ``lifdsl.explain`` (or the old path
    ``lifdsl.sweep``) leaves ``lifdsl.explain``/``lifdsl.sweep`` the functions."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("explain", "sweep") and isinstance(value, types.ModuleType):
            return  # (the module is in sys.modules; the name is the function)
        super().__setattr__(name, value)

    def __reduce__(self):
        """Pickled by name, as plain modules are (cloudpickle/Dask ship functions using ``ld``)."""
        import importlib

        return importlib.import_module, (self.__name__,)


class _SweepAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``lifdsl.sweep``, the old module path, is ``lifdsl.sweeps`` itself (``from lifdsl.sweep
    import grid`` keeps working; ``ld.sweep`` is the function), imported when first asked."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != f"{__name__}.sweep":
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return importlib.import_module(f"{__name__}.sweeps")

    def exec_module(self, module) -> None:
        sys.modules[f"{__name__}.sweep"] = module


sys.modules[__name__].__class__ = _Package
if not any(isinstance(f, _SweepAlias) for f in sys.meta_path):
    sys.meta_path.insert(0, _SweepAlias())

__all__ = [
    "CacheError", "Clock", "CompilerNotFoundError", "DiscretizationError", "EquationError",
    "Equations", "EventMonitor", "Function", "MagicError",
    "Network", "NetworkOperation", "NeuronGroup", "PoissonGroup", "PoissonInput",
    "PopulationRateMonitor", "PythonOperation",
    "RunRecord", "SpikeGeneratorGroup", "SpikeMonitor", "SweepError",
    "StateMonitor",
    "Synapses", "TimedArray", "clear_cache", "collect", "defaultclock", "explain",
    "implementation", "linked_var", "magic_network", "methods", "models",
    "network_operation", "prefs",
    "restore", "run",
    "seed", "start_scope", "stop", "store", "sweep", "sweeps",
    "units", *sorted(_UNIT_NAMES),
]
