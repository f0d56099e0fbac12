"""Brian2's running machinery on top of lifdsl: prefs, devices, logging, profiling, timestep,
and clear errors for what lifdsl does not do."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from lifdsl.core import network as _network

logger = logging.getLogger("lifdsl")


class OutOfScopeError(NotImplementedError):
    """A Brian2 feature that lifdsl does not provide."""


def out_of_scope(name: str, what: str) -> type:
    """A stand-in for a Brian2 class lifdsl lacks: making one raises a clear error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise OutOfScopeError(f"{name} ({what}) is out of lifdsl's scope: lifdsl simulates "
                              f"point neurons and synapses on NumPy or a compiled kernel")

    return type(name, (), {"__init__": __init__, "__doc__": f"Not in lifdsl: {what}."})


# -- prefs ------------------------------------------------------------------------------------


class _PrefGroup:
    """One level of Brian2's ``prefs`` tree (``prefs.codegen``, ``prefs.codegen.cpp``)."""

    def __init__(self, path: str) -> None:
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_values", {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        full = f"{self._path}.{name}".lstrip(".")
        if full == "codegen.target":
            return _network.prefs.target
        if full == "core.default_float_dtype":
            return np.dtype(_network.prefs.dtype).type
        if full == "codegen.runtime.numpy.discard_units":
            from lifdsl.core.functions import DEFAULTS

            return DEFAULTS["discard_units"]
        values = self._values
        if name not in values:
            values[name] = _PrefGroup(full)
        return values[name]

    def __setattr__(self, name: str, value: Any) -> None:
        full = f"{self._path}.{name}".lstrip(".")
        if full in ("codegen.target", "target"):
            _network.prefs.target = value
        elif full == "codegen.runtime.numpy.discard_units":
            from lifdsl.core.functions import DEFAULTS

            DEFAULTS["discard_units"] = bool(value)
        elif full == "core.default_float_dtype":
            try:
                _network.prefs.dtype = value   # groups made after it (ld.prefs.dtype)
            except ValueError:
                raise ValueError(f"prefs.core.default_float_dtype = {value!r}: lifdsl's "
                                 f"groups compute in float64 or float32") from None
        else:
            logger.warning("prefs.%s has no effect in lifdsl (kept, not used)", full)
            self._values[name] = value

    def __getitem__(self, key: str) -> Any:
        obj: Any = self
        for part in key.split("."):
            obj = getattr(obj, part)
        return obj

    def __setitem__(self, key: str, value: Any) -> None:
        *head, last = key.split(".")
        obj: Any = self
        for part in head:
            obj = getattr(obj, part)
        setattr(obj, last, value)


prefs = _PrefGroup("")


# -- devices ----------------------------------------------------------------------------------
class Device:
    """Brian2's device: 'runtime' runs as lifdsl's default target; 'cpp_standalone' as the
    compiled Cython kernel (the same numbers as lifdsl's runtime, no separate build)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.build_options: dict[str, Any] = {}
        self.has_been_run = False

    def activate(self, build_on_run: bool = True, **kwargs: Any) -> None:
        """Make this the current device (as set_device does)."""
        set_device(self.name, build_on_run=build_on_run, **kwargs)

    def build(self, **kwargs: Any) -> None:
        """Nothing left to build: lifdsl ran each run() when it was called."""
        self.has_been_run = True

    def reinit(self) -> None:
        """Start afresh: forget the objects so far, as start_scope() does."""
        _network.start_scope()
        self.has_been_run = False

    def __repr__(self) -> str:
        return f"<Device {self.name!r}>"


_DEVICES = {"runtime": Device("runtime"), "cpp_standalone": Device("cpp_standalone")}
_OTHER_DEVICES = {"genn": "GeNN (brian2genn)", "cuda_standalone": "CUDA (brian2cuda)"}
_current = {"device": _DEVICES["runtime"], "noticed": False}
_previous: list[Device] = []  # the devices before each set_device (for reset_device)


def set_device(name: Any, build_on_run: bool = True, _remember: bool = True,
               **kwargs: Any) -> None:
    """Choose Brian2's device; 'cpp_standalone' maps onto lifdsl's compiled kernel."""
    name = name.name if isinstance(name, Device) else name
    if name in _OTHER_DEVICES:
        raise OutOfScopeError(f"set_device({name!r}): {_OTHER_DEVICES[name]} devices are out "
                              f"of lifdsl's scope; use 'runtime' or 'cpp_standalone'")
    if name not in _DEVICES:
        raise ValueError(f"set_device({name!r}): lifdsl knows 'runtime' and 'cpp_standalone'")
    dev = _DEVICES[name]
    if _remember:
        _previous.append(_current["device"])
    dev.build_options = dict(kwargs, build_on_run=build_on_run)
    _current["device"] = dev
    if name == "cpp_standalone":
        _network.prefs.target = "cython"
        if not _current["noticed"]:
            logger.warning("set_device('cpp_standalone'): lifdsl runs it as its compiled Cython "
                           "kernel, each run() at once; device.build() has nothing left to do")
            _current["noticed"] = True
    else:
        _network.prefs.target = "auto"


def reset_device(device: Any = None) -> None:
    """Go back to ``device``, or to the device before the last set_device (the runtime
    device if there was none), as Brian2's reset_device."""
    if device is None:
        device = _previous.pop() if _previous else "runtime"
    set_device(device, _remember=False)


def reinit_devices() -> None:
    """Start every device afresh (forgets the objects so far, as start_scope() does), reset
    the preferences and ``defaultclock.dt`` (0.1 ms), and activate the current device again."""
    from lifdsl.core.clock import defaultclock

    for dev in _DEVICES.values():
        dev.reinit()
    prefs._values.clear()
    defaultclock.dt = 1e-4
    set_device(_current["device"], _remember=False)


def get_device() -> Device:
    """The current device."""
    return _current["device"]


class _CurrentDevice:
    """``device``: always the current device, as Brian2's module-level proxy."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_current["device"], name)

    def __repr__(self) -> str:
        return repr(_current["device"])


device = _CurrentDevice()


# -- logging ----------------------------------------------------------------------------------
class BrianLogger:
    """Brian2's logging switches, on lifdsl's logger ('lifdsl')."""

    @staticmethod
    def log_level_debug() -> None:
        """Show everything."""
        logger.setLevel(logging.DEBUG)

    @staticmethod
    def log_level_info() -> None:
        """Show information and above."""
        logger.setLevel(logging.INFO)

    @staticmethod
    def log_level_warn() -> None:
        """Show warnings and errors only."""
        logger.setLevel(logging.WARNING)

    @staticmethod
    def log_level_error() -> None:
        """Show errors only."""
        logger.setLevel(logging.ERROR)

    @staticmethod
    def suppress_name(*names: str) -> None:
        """Silence lifdsl's log records (lifdsl has no per-name records: all of them)."""
        logger.setLevel(logging.ERROR)

    @staticmethod
    def suppress_hierarchy(name: str, filter_log_file: bool = False) -> None:
        """Silence a logger hierarchy (``'brian2'`` means lifdsl's)."""
        logging.getLogger("lifdsl" if name.startswith("brian2") else name).setLevel(
            logging.ERROR)


# -- profiling and time steps -----------------------------------------------------------------
class ProfilingSummary:
    """Time of the last profiled run: its setup (code, build) and its loop (one fused loop:
    lifdsl has no time per object)."""

    def __init__(self, rows: list[tuple[str, float]]) -> None:
        self.rows = rows

    def __str__(self) -> str:
        total = sum(t for _, t in self.rows) or 1.0
        lines = ["Profiling summary", "================="]
        lines += [f"{name:<60} {t:10.4f} s {100 * t / total:6.2f} %" for name, t in self.rows]
        return "\n".join(lines)

    __repr__ = __str__


def profiling_summary(net: Any = None, show: int | None = None) -> ProfilingSummary:
    """The profile of ``net``'s last ``run(..., profile=True)`` (default: the magic network)."""
    net = _network.magic_network if net is None else net
    if not net.profiling_info:
        raise ValueError("profiling_summary(): no profiled run; use run(..., profile=True)")
    rows = sorted(net.profiling_info, key=lambda r: -r[1])
    return ProfilingSummary(rows[:show] if show else rows)


def timestep(t: Any, dt: Any) -> Any:
    """Time ``t`` as a whole step of ``dt``, shifted by a thousandth of a step so that a
    multiple of dt never falls into the step before (Brian2's rule)."""
    steps = np.array((np.asarray(t, dtype=float) + 1e-3 * float(dt)) / float(dt), dtype=np.int64)
    return steps.item() if steps.shape == () else steps
