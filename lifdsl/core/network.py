"""Network: runs objects step by step in schedule order; the magic ``run()`` of a script."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable
from typing import Any

from lifdsl.codegen import program as P
from lifdsl.codegen.cache import BuildError, CompilerNotFoundError
from lifdsl.core import random as _random
from lifdsl.core.base import RunContext, Runner, SimObject, caller_scope
from lifdsl.core.clock import defaultclock, steps_in
from lifdsl.core.monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from lifdsl.core.netops import NetworkOperation, operation_segments
from lifdsl.core.neurongroup import Subgroup
from lifdsl.core.operations import PythonOperation

logger = logging.getLogger("lifdsl")

_TARGETS = ("auto", "numpy", "cython")
#: two times within this fraction of a step are the same time (Brian2's Clock.epsilon_dt)
_EPSILON_DT = 1e-4


class Preferences:
    """Global settings: ``prefs.target`` is 'auto' (default), 'numpy' or 'cython'."""

    def __init__(self) -> None:
        self._target = "auto"

    @property
    def target(self) -> str:
        """Code generation target used by networks that do not set their own."""
        return self._target

    @target.setter
    def target(self, value: str) -> None:
        if value not in _TARGETS:
            raise ValueError(f"target must be one of {', '.join(map(repr, _TARGETS))}; "
                             f"got {value!r}")
        self._target = value


prefs = Preferences()


def _resolve_target(target: str) -> str:
    if target == "auto":
        from lifdsl.codegen.cache import compiler_available

        chosen = "cython" if compiler_available() else "numpy"
        logger.info("target 'auto': using %s", chosen)
        return chosen
    return target


def _flatten(objs: Iterable[Any]) -> list[SimObject]:
    out: list[SimObject] = []
    for o in objs:
        if isinstance(o, (list, tuple, set)):
            out.extend(_flatten(o))
        elif isinstance(o, dict):
            out.extend(_flatten(o.values()))
        elif isinstance(o, Subgroup):
            out.append(o.parent)
        elif isinstance(o, SimObject):
            out.append(o)
        else:
            raise TypeError(f"a Network holds lifdsl objects, got {type(o).__name__}: {o!r}")
    return out


class Network:
    """A set of objects simulated together on one clock."""

    def __init__(self, *objects: Any, target: str | None = None, name: str = "network") -> None:
        self.objects: list[SimObject] = []
        self.name = name
        if target is not None and target not in _TARGETS:
            raise ValueError(f"target must be one of {_TARGETS}, got {target!r}")
        self.target = target
        self._step = 0
        self._dt: float | None = None
        self._stored: dict[str, dict[str, Any]] = {}
        self._rng: Any = None
        self._rng_epoch = -1
        self._last_source: str | None = None
        self._stopped = False
        self.profiling_info: list[tuple[str, float]] = []
        self.add(*objects)

    def add(self, *objects: Any) -> None:
        """Add objects (or lists/dicts of them); adding one twice is harmless."""
        for o in _flatten(objects):
            if all(o is not x for x in self.objects):
                other = next((x for x in self.objects if x.name == o.name), None)
                if other is not None:
                    raise ValueError(
                        f"two objects named {o.name!r} in one network ({other!r} and {o!r}); "
                        f"give them different name= (store/restore tells them apart by name)"
                    )
                self.objects.append(o)

    def remove(self, *objects: Any) -> None:
        """Take objects out of the network."""
        for o in _flatten(objects):
            self.objects = [x for x in self.objects if x is not o]

    @property
    def t(self) -> float:
        """Simulated time in seconds."""
        return self._step * (self._dt if self._dt is not None else defaultclock.dt)

    def _clock_dt(self) -> float:
        """The network's step: the finest dt of its objects (the default clock's for those
        without one); every other dt must be a whole multiple of it (see :meth:`_periods`)."""
        return min(o.dt if o.dt is not None else defaultclock.dt for o in self.objects) \
            if self.objects else defaultclock.dt

    def _periods(self, dt: float) -> dict[int, int]:
        """id(object) -> its clock's dt in steps of ``dt`` (1 on the network's own clock).

        A clock whose dt is not a whole multiple of the finest (to Brian2's tolerance, 1e-4
        of a step) is an error naming both; so is a Synapses on another clock than its
        groups (Brian2 runs its pathways on the source's clock and only warns)."""
        periods: dict[int, int] = {}
        for o in self.objects:
            own = o.dt if o.dt is not None else defaultclock.dt
            p = max(1, round(own / dt))
            if abs(p * dt - own) > _EPSILON_DT * dt:
                finest = min(self.objects, key=lambda x: x.dt if x.dt is not None
                             else defaultclock.dt)
                raise ValueError(
                    f"{o.name!r} has dt = {own!r} s, not a whole multiple of the network's "
                    f"finest dt = {dt!r} s (of {finest.name!r}); lifdsl runs several clocks "
                    f"in one network only when every dt is a multiple of the finest"
                )
            periods[id(o)] = p
        for o in self.objects:
            if type(o).__name__ == "Synapses":
                for dep in o._dependencies():
                    if id(dep) in periods and periods[id(dep)] != periods[id(o)]:
                        raise ValueError(
                            f"Synapses {o.name!r} (dt = {periods[id(o)] * dt!r} s) and its "
                            f"group {dep.name!r} (dt = {periods[id(dep)] * dt!r} s) are on "
                            f"different clocks; give them the same dt"
                        )
        return periods

    def _schedule(self) -> list[Runner]:
        for o in self.objects:
            for dep in o._dependencies():
                if all(dep is not x for x in self.objects):
                    raise ValueError(
                        f"{o.name!r} uses {dep.name!r}, which is not part of the network; "
                        f"add it too"
                    )
        runners = [r for o in self.objects if o.active for r in o._runners()]
        return sorted(runners, key=Runner.sort_key)

    def run(self, duration: float, report: Any = None, namespace: dict | None = None,
            level: int = 0, report_period: float = 10.0, profile: bool = False) -> None:
        """Advance the simulation by ``duration`` seconds (a whole number of steps).

        Names in model strings not found in the objects' ``namespace=`` are looked up in
        ``namespace`` and then in the scope that called ``run`` (``level`` frames further up).
        """
        self._run(duration, report, namespace, caller_scope(level), report_period, profile)

    def _generator(self):
        """This network's random generator: taken from the global stream at the first run
        after each ``seed()``."""
        if self._rng is None or self._rng_epoch != _random.epoch():
            self._rng = _random.take_rng()
            self._rng_epoch = _random.epoch()
        return self._rng

    def _keys(self) -> dict[int, str]:
        return {id(o): f"o{k}" for k, o in enumerate(self.objects)}

    def _program(self, runners: list[Runner], ctx: RunContext) -> tuple[P.Program, P.Bindings]:
        """The program of this run and its bindings, from every object's part."""
        keys = self._keys()

        def keyof(obj: SimObject) -> str:
            return keys[id(obj)]

        whole = P.Part()
        for o in self.objects:
            part = o._part(keyof(o), keyof)
            period = ctx.periods.get(id(o), 1)
            if period > 1:   # on a slower clock: its operations in that clock's steps only
                clock = f"_clock{period}"
                whole.ints[f"{clock}._period"] = period
                whole.ints[f"{clock}._step0"] = _first_tick(ctx.step0, period)
                whole.scalars[f"{clock}._dt"] = period * ctx.dt
                part.operations = {r: P.Every(op, f"{clock}._period", f"{clock}._dt",
                                              f"{clock}._step0")
                                   for r, op in part.operations.items()}
            whole.merge(part)
        return P.assemble(whole, runners, ctx.dt, ctx.step0, ctx.rng)

    def generated_code(self, target: str = "cython") -> str:
        """The kernel source of this network's last run (of its objects as they are now, with
        placeholder values, before it ran)."""
        if target != "cython":
            raise ValueError("a network's generated code is its Cython kernel: target='cython'")
        if self._last_source is not None:
            return self._last_source
        from lifdsl.codegen.targets import kernel_source

        keys = self._keys()
        whole = P.Part()
        for o in self.objects:
            whole.merge(o._part_unresolved(keys[id(o)], lambda x: keys[id(x)]))
        program, _ = P.assemble(whole, self._schedule(), 0.0, 0, None)
        return kernel_source(program)

    def _runtime(self, target: str, program: P.Program, bindings: P.Bindings):
        """The target's runtime for the program; 'auto' falls back to NumPy if the kernel
        does not build."""
        from lifdsl.codegen import targets

        if target == "cython":
            try:
                return targets.runtime("cython", program, bindings)
            except (BuildError, CompilerNotFoundError) as err:
                if (self.target or prefs.target) != "auto":
                    raise
                logger.warning("target 'auto': the Cython kernel did not build (%s); "
                               "running on numpy", err)
        return targets.runtime("numpy", program, bindings)

    def _run(self, duration, report, namespace, scope, report_period,
             profile: bool = False) -> None:
        if not (report in (None, "text", "stdout", "stderr") or callable(report)):
            raise ValueError("report must be None, 'text', 'stdout', 'stderr' or a function "
                             f"report(elapsed, completed, start, duration); got {report!r}")
        t_build = time.perf_counter()
        target = _resolve_target(self.target or prefs.target)
        operations = [o for o in self.objects if isinstance(o, NetworkOperation) and o.active]
        sims = [o for o in self.objects if not isinstance(o, NetworkOperation)]
        dt = self._clock_dt()
        if self._dt is not None and dt != self._dt and self._step:
            t_now = self._step * self._dt
            self._step = steps_in(t_now, dt, "the current time")
        self._dt = dt
        n_steps = steps_in(duration, dt)
        namespaces = ([dict(namespace)] if namespace else []) + scope
        ctx = RunContext(dt=dt, step0=self._step, n_steps=n_steps, namespaces=namespaces,
                         rng=self._generator())
        runners = self._schedule()
        ctx.periods = self._periods(dt)
        for o in sims:
            o._prepare(_own_context(ctx, ctx.periods[id(o)]))
        program, bindings = self._program(runners, ctx)
        runtime = self._runtime(target, program, bindings)
        logger.info("%s: running %d steps of %g s on target %s", self.name, n_steps, dt,
                    runtime.name)
        stream = sys.stderr if report == "stderr" else sys.stdout
        t0, duration_s = ctx.step0 * dt, n_steps * dt

        def show(step: int, elapsed: float) -> None:
            done = step - ctx.step0
            if callable(report):
                report(elapsed, done / max(n_steps, 1), t0, duration_s)
                return
            print(f"{step * dt:.4g} s simulated ({100 * done / max(n_steps, 1):.0f}%) in "
                  f"{elapsed:.2f} s", file=stream)

        def set_step(step: int) -> None:
            self._step = step

        self._stopped = _stop_all["flag"] = False
        t_loop = time.perf_counter()
        shown = show if report is not None else None
        try:
            if not operations:
                runtime.run(n_steps, shown, report_period, set_step)
            else:
                for start, stop_at, before, after in operation_segments(operations, dt,
                                                                         ctx.step0, n_steps):
                    for op in before:
                        op._call(start * dt)
                    if stop_at > start:
                        runtime.run(stop_at - start, shown, report_period, set_step, start)
                    for op in after:
                        op._call((stop_at - 1) * dt)
                    if self._stopped or _stop_all["flag"]:
                        break
        finally:
            _stop_all["flag"] = False
            for o in sims:
                o._finish(self._step - ctx.step0)
        if runtime.name == "cython":
            self._last_source = runtime.source
            for o in sims:
                o._ran_kernel(runtime.source)
        for o in self.objects:
            o._set_time(self.t, dt * ctx.periods[id(o)])
        if profile:
            end = time.perf_counter()
            self.profiling_info = [
                (f"{self.name} (code generation, build, setup)", t_loop - t_build),
                (f"{self.name} (the loop, {runtime.name})", end - t_loop)]
        if report is not None and n_steps == 0:
            if callable(report):
                report(0.0, 1.0, t0, 0.0)
            else:
                print("0 s simulated (100%)", file=stream)

    def stop(self) -> None:
        """Stop the running simulation after the current step (from a network_operation)."""
        self._stopped = True

    # -- store / restore -----------------------------------------------------------------------
    def store(self, name: str = "default", filename: str | None = None) -> None:
        """Snapshot every object's state, the time and the random generator (``filename=``:
        into a state file, written atomically; see core/state.py)."""
        from lifdsl.core import state as _state

        snap = _state.capture(self._step, self._dt, self._generator(), self.objects)
        if filename is not None:
            _state.write(filename, name, snap)
        else:
            self._stored[name] = snap

    def restore(self, name: str = "default", filename: str | None = None) -> None:
        """Return to a state saved with :meth:`store`; a state that does not fit the network
        changes nothing and raises an error listing every difference."""
        from lifdsl.core import state as _state

        stored = _state.read(filename, [name]) if filename is not None else self._stored
        fresh = self._rng is None or self._rng_epoch != _random.epoch()
        current = _random.get_rng() if fresh else self._rng  # the one restore will set
        snap = _state.checked(stored, name, self.objects, type(current.bit_generator))
        self._step = snap["step"]  # everything is checked: nothing below fails
        self._dt = snap["dt"]
        self._generator().bit_generator.state = snap["rng"]
        for o in self.objects:
            o._set_state(snap["objects"][o.name])
            # (string assignments and subexpressions read between runs see the restored t)
            o._set_time(self.t, self._dt if self._dt is not None
                        else o.__dict__.get("_dt_now", defaultclock.dt))

    def __repr__(self) -> str:
        return f"<Network {self.name!r}: {', '.join(o.name for o in self.objects)}>"


def _first_tick(step: int, period: int) -> int:
    """The first step of a clock ``period`` times slower at or after network step ``step``,
    counted in that clock's steps (Brian2 rounds a clock's start up to its next tick)."""
    return -(-step // period)


def _own_context(ctx: RunContext, period: int) -> RunContext:
    """The run as an object on a clock ``period`` times slower sees it: its dt, its first
    step and the number of its steps in the run."""
    if period == 1:
        return ctx
    first = _first_tick(ctx.step0, period)
    end = _first_tick(ctx.step0 + ctx.n_steps, period)
    return RunContext(dt=period * ctx.dt, step0=first, n_steps=end - first,
                      namespaces=ctx.namespaces, rng=ctx.rng)


# -- the magic network of scripts -----------------------------------------------------------------
class MagicError(ValueError):
    """run() found objects of an earlier run next to new ones: continue or restart is unclear."""


class MagicNetwork(Network):
    """The network of ``run()``: the objects of the calling scope. Calling it returns itself
    (``magic_network()``, as lifdsl had it; ``magic_network.t`` as Brian2 has it)."""

    def __call__(self) -> MagicNetwork:
        return self


_scope = {"start": 0, "run": 1}
_stop_all = {"flag": False}
_magic = MagicNetwork(name="magic_network")
magic_network = _magic
# objects that do not make a network new: a monitor or operation may join a continuing run
_JOINERS = (StateMonitor, SpikeMonitor, PopulationRateMonitor, NetworkOperation,
            PythonOperation)


def collect(level: int = 0) -> list[SimObject]:
    """The lifdsl objects the calling scope holds (created since the last start_scope())."""
    local, glob = caller_scope(level)
    values = list(local.values()) + list(glob.values())
    found: list[SimObject] = []
    for v in values:
        if isinstance(v, Subgroup):
            v = v.parent
        if isinstance(v, SimObject) and v._creation >= _scope["start"]:
            if all(v is not x for x in found):
                found.append(v)
    return sorted(found, key=lambda o: o._creation)


def start_scope() -> None:
    """Forget the objects created so far: the next run() starts a fresh network at t = 0."""
    from lifdsl.core import base

    _scope["start"] = next(base._creation)
    _restart()


def _restart() -> None:
    _scope["run"] += 1
    _magic.objects = []
    _magic._step = 0
    _magic._dt = None
    _magic.profiling_info = []


def _names(objs: list[SimObject]) -> str:
    return ", ".join(repr(o.name) for o in objs)


def _update_magic(objs: list[SimObject]) -> None:
    """Brian2's rule: all objects new -> time restarts at 0; some of the last run and some new
    -> a MagicError naming both; monitors and operations may join a continuing run."""
    known = [o for o in objs if o.__dict__.get("_magic_run") == _scope["run"]]
    stale = [o for o in objs if o.__dict__.get("_magic_run") not in (None, _scope["run"])]
    new = [o for o in objs if o.__dict__.get("_magic_run") is None
           and not isinstance(o, _JOINERS)]
    if stale:
        raise MagicError(f"run(): {_names(stale)} ran in an earlier simulation of the magic "
                         f"network, before it restarted at t = 0 for new objects; use "
                         f"start_scope() or an explicit Network")
    if known and new:
        raise MagicError(f"run() found objects of the previous run ({_names(known)}) and new "
                         f"objects ({_names(new)}): continue the old simulation or start a new "
                         f"one? Call start_scope() before making the new objects, or build an "
                         f"explicit Network")
    if new and not known:
        _restart()
    for o in objs:
        o._magic_run = _scope["run"]


def run(duration: float, report: Any = None, namespace: dict | None = None,
        level: int = 0, report_period: float = 10.0, profile: bool = False) -> None:
    """Run the objects of the calling scope (Brian2's magic network): time carries over while
    the same objects run again, and restarts at 0 when all of them are new."""
    objs = collect(level + 1)
    if not objs:
        raise ValueError("run() found no lifdsl objects in the calling scope")
    _update_magic(objs)
    _magic.objects = []
    _magic.add(*objs)
    _magic._run(duration, report, namespace, caller_scope(level), report_period, profile)


def stop() -> None:
    """Stop the running simulation (magic or explicit network) after the current step."""
    _stop_all["flag"] = True


def store(name: str = "default", filename: str | None = None) -> None:
    """Store the state of the magic network's objects (collected from the calling scope)."""
    _magic.objects = []
    _magic.add(*collect(1))
    _magic.store(name, filename)


def restore(name: str = "default", filename: str | None = None) -> None:
    """Restore the magic network's objects to a stored state."""
    _magic.objects = []
    _magic.add(*collect(1))
    _magic.restore(name, filename)
