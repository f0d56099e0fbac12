"""Network: runs objects step by step in schedule order; the magic ``run()`` of a script."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable
from typing import Any

import numpy as np

from lifdsl.codegen import program as P
from lifdsl.codegen.cache import BuildError, CompilerNotFoundError
from lifdsl.core import random as _random
from lifdsl.core.base import RunContext, Runner, SimObject, caller_scope
from lifdsl.core.clock import EPSILON_DT, TickTable, defaultclock, first_step_at, steps_in
from lifdsl.core.monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
from lifdsl.core.netops import NetworkOperation
from lifdsl.core.neurongroup import Subgroup
from lifdsl.core.operations import STOP, PythonOperation

logger = logging.getLogger("lifdsl")

_TARGETS = ("auto", "numpy", "cython")
_EPSILON_DT = EPSILON_DT


class Preferences:
    """Global settings: ``prefs.target`` is 'auto' (default), 'numpy' or 'cython';
    ``prefs.dtype`` the float type of groups made without ``dtype=`` ('float64', default, or
    'float32'; Brian2's ``prefs.core.default_float_dtype``)."""

    def __init__(self) -> None:
        self._target = "auto"
        self._dtype = "float64"

    @property
    def dtype(self) -> str:
        """The float type of NeuronGroups and Synapses made after it is set, without dtype=."""
        return self._dtype

    @dtype.setter
    def dtype(self, value: Any) -> None:
        try:
            name = np.dtype(value).name
        except TypeError:
            name = str(value)
        if name not in ("float64", "float32"):
            raise ValueError(f"prefs.dtype must be 'float64' or 'float32', got {value!r}")
        self._dtype = name

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
        #: the exact time after a run on clocks that are not multiples of one another (it
        #: need not be a step of any clock); None: the time is ``_step * _dt``
        self._t_free: float | None = None
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
        if self._t_free is not None:
            return self._t_free
        return self._step * (self._dt if self._dt is not None else defaultclock.dt)

    def _clock_dt(self) -> float:
        """The network's step: the finest dt of its objects (the default clock's for those
        without one); every other dt must be a whole multiple of it (see :meth:`_periods`)."""
        return min(_dts(self.objects)) if self.objects else defaultclock.dt

    def _periods(self, dt: float) -> dict[int, int] | None:
        """id(object) -> its clock's dt in steps of ``dt`` (1 on the network's own clock), or
        None when some dt is not a whole multiple of the finest (to Brian2's tolerance, 1e-4
        of a step): the run then follows a :class:`~lifdsl.core.clock.TickTable`.

        Objects whose runners all run on other objects' clocks (a Synapses without
        clock-driven equations) follow the first of those (see :func:`_clocked`)."""
        periods: dict[int, int] = {}
        for o in _clocked(self.objects):
            own = _dt_of(o)
            p = max(1, round(own / dt))
            if abs(p * dt - own) > _EPSILON_DT * dt:
                return None
            periods[id(o)] = p
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
            whole.merge(_on_clock(o._part(keyof(o), keyof), o, ctx, whole))
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
        dt = self._clock_dt()
        ctx = RunContext(dt=dt, step0=0, n_steps=0)
        periods = self._periods(dt)
        _set_clocks(ctx, self.objects, periods, None if periods is not None else TickTable(
            0.0, 0.0, _dts(self.objects)))
        whole = P.Part()
        for o in self.objects:
            part = o._part_unresolved(keys[id(o)], lambda x: keys[id(x)])
            whole.merge(_on_clock(part, o, ctx, whole))
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
        sims = self.objects
        dt = self._clock_dt()
        periods = self._periods(dt)
        t_start = self.t
        if periods is None:   # clocks not multiples of one another: Brian2's tick order
            table = TickTable(t_start, t_start + _seconds(duration), _dts(self.objects))
            n_steps, step0 = table.n, 0
        else:
            if self._t_free is not None:   # after such a run: each clock's next tick
                self._step, self._t_free = first_step_at(self._t_free, dt), None
            elif self._dt is not None and dt != self._dt and self._step:
                self._step = steps_in(self._step * self._dt, dt, "the current time")
            self._dt = dt
            n_steps, step0, table = steps_in(duration, dt), self._step, None
        namespaces = ([dict(namespace)] if namespace else []) + scope
        ctx = RunContext(dt=dt, step0=step0, n_steps=n_steps, namespaces=namespaces,
                         rng=self._generator())
        runners = self._schedule()
        _set_clocks(ctx, self.objects, periods, table)
        for o in sims:
            o._prepare(ctx.own[id(o)])
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
            if table is None:
                self._step = step
            else:   # (the time of the next step; the end once all ran, as Brian2)
                self._t_free = float(table.times[step]) if step < table.n else t_start + \
                    _seconds(duration)
                self._dt, self._step = dt, first_step_at(self._t_free, dt)
                self._done = step

        self._stopped = STOP[0] = False
        self._done = 0
        if table is not None:
            set_step(0)
        t_loop = time.perf_counter()
        shown = show if report is not None else None
        try:
            runtime.run(n_steps, shown, report_period, set_step)
        finally:
            STOP[0] = False
            done = self._done if table is not None else self._step - ctx.step0
            ctx.done.update({id(o): _own_done(ctx, id(o), done) for o in sims})
            for o in sims:
                o._finish(ctx.done[id(o)])
        if runtime.name == "cython":
            self._last_source = runtime.source
            for o in sims:
                o._ran_kernel(runtime.source)
        for o in self.objects:
            o._set_time(self.t, ctx.own[id(o)].dt)
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
        """Stop the running simulation after the current step (from a network_operation or
        PythonOperation; between runs it does nothing: each run starts afresh)."""
        self._stopped = STOP[0] = True

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
        self._t_free = None
        self._generator().bit_generator.state = snap["rng"]
        for o in self.objects:
            o._set_state(snap["objects"][o.name])
            # (string assignments and subexpressions read between runs see the restored t)
            o._set_time(self.t, self._dt if self._dt is not None
                        else o.__dict__.get("_dt_now", defaultclock.dt))

    def __repr__(self) -> str:
        return f"<Network {self.name!r}: {', '.join(o.name for o in self.objects)}>"


def _seconds(duration: float) -> float:
    """A run's duration in seconds (any non-negative time: clocks that are not multiples of
    one another each round their end up to a tick, as in Brian2)."""
    d = float(duration)
    if not (np.isfinite(d) and d >= 0):
        raise ValueError(f"duration must be a finite, non-negative time in seconds, got {d!r}")
    return d


def _dt_of(o: SimObject) -> float:
    return o.dt if o.dt is not None else defaultclock.dt


def _clock_owner(o: SimObject) -> SimObject:
    """The object whose clock ``o``'s run follows: itself when some runner of it is on its
    own clock (or it has none), else the object of its first runner's clock (a Synapses with
    only pathways: the spiking group's)."""
    others = o._runner_clocks()
    runners = o._runners()
    if not runners or any(r not in others for r in runners):
        return o
    return others[runners[0]]


def _clocked(objects: list[SimObject]) -> list[SimObject]:
    """The objects whose own clock runs something."""
    return [o for o in objects if _clock_owner(o) is o]


def _dts(objects: list[SimObject]) -> list[float]:
    """The distinct dts of the clocks in use, in the order objects have them."""
    return list(dict.fromkeys(_dt_of(o) for o in _clocked(objects)))


def _set_clocks(ctx: RunContext, objects: list[SimObject], periods: dict[int, int] | None,
                table: TickTable | None) -> None:
    """Each object's clock for the run: ``ctx.own`` (the run as the object sees it) and
    ``ctx.clock`` (id -> the keys and values its operations are wrapped with, or None)."""
    ctx.own, ctx.clock = {}, {}
    clocked = _clocked(objects)
    if periods is not None:
        ctx.periods = periods
        for o in clocked:
            p = periods[id(o)]
            ctx.own[id(o)] = _own_context(ctx, p)
            ctx.clock[id(o)] = None if p == 1 else (
                f"_clock{p}", p, p * ctx.dt, _first_tick(ctx.step0, p), None)
    else:
        dts = _dts(objects)
        for o in clocked:
            own = _dt_of(o)
            c = dts.index(own)
            ctx.periods[id(o)] = 0
            ctx.own[id(o)] = RunContext(dt=own, step0=table.first[c],
                                        n_steps=table.end[c] - table.first[c],
                                        namespaces=ctx.namespaces, rng=ctx.rng)
            ctx.clock[id(o)] = (f"_tick{c}", 0, own, table.first[c], table.ticks[c])
            ctx.tick_of[id(o)] = c
        ctx.table = table
    for o in objects:   # (objects on others' clocks only: the first one's)
        owner = _clock_owner(o)
        if owner is not o:
            for d in (ctx.own, ctx.clock, ctx.periods, ctx.tick_of):
                if id(owner) in d:
                    d[id(o)] = d[id(owner)]
    for own in ctx.own.values():   # (every object may read the others' clocks)
        own.own, own.done = ctx.own, ctx.done


def _on_clock(part: P.Part, o: SimObject, ctx: RunContext, whole: P.Part) -> P.Part:
    """``part`` with each operation in its clock's steps only (wrapped in :class:`P.Every`;
    the clock of its runner, the object's own or another's: see ``_runner_clocks``), the
    clocks' values added to ``whole``; unchanged on the network's own clock."""
    others = o._runner_clocks()
    wrapped = {}
    for r, op in part.operations.items():
        clock = ctx.clock.get(id(others.get(r, o)))
        if clock is None:
            wrapped[r] = op
            continue
        name, period, dt, step0, ticks = clock
        whole.ints[f"{name}._period"] = period
        whole.ints[f"{name}._step0"] = step0
        whole.scalars[f"{name}._dt"] = dt
        tkey = None
        if ticks is not None:
            tkey = f"{name}._ticks"
            whole.buffers[tkey] = P.Buffer(ticks, persistent=False)
        wrapped[r] = P.Every(op, f"{name}._period", f"{name}._dt", f"{name}._step0", tkey)
    part.operations = wrapped
    return part


def _own_done(ctx: RunContext, oid: int, done: int) -> int:
    """The object's own steps among the first ``done`` steps of the run."""
    if ctx.table is not None:
        return ctx.table.done(ctx.tick_of[oid], done)
    p = ctx.periods.get(oid, 1)
    return _first_tick(ctx.step0 + done, p) - _first_tick(ctx.step0, p)


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
    _magic._t_free = None
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
    STOP[0] = True


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
