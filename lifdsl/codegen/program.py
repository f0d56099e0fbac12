"""The program of a network: target-free operations in schedule order, and what they run on.

Every simulation object describes what it does in a step as operations (:class:`Update`,
:class:`Threshold`, :class:`Reset`, :class:`Propagate`, the three recorders). Each operation
holds :class:`Code` (abstract statements, and how every name in them is reached: an array
through the loop's own index or through an index array, a constant, a function). A
:class:`Program` is the list of operations plus the dtype of every buffer they touch; it holds
no values and no object identities, so equal networks have equal programs, and a compiled
kernel is cached by the program's content.

Values arrive separately as :class:`Bindings` (the objects' arrays, constants, sizes, functions
and growable record sinks). The NumPy target interprets a program; the Cython target compiles
it into one loop. Both read the same operations, so they compute the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: assignment operators a statement may carry
OPERATORS = ("=", "+=", "-=", "*=", "/=")


class TimedArrayIndexError(IndexError):
    """A 2-D TimedArray read at a column it does not have (the same error on every target)."""

    def __init__(self, name: str, ncol: int, column: int, t: float) -> None:
        super().__init__(f"TimedArray {name!r} has {ncol} column(s) but was read at column "
                         f"{column} at t = {t:g} s; check the index expression of {name}(t, ...)")
        self.name, self.ncol, self.column, self.t = name, ncol, column, t


def function_name(key: str) -> str:
    """The model's name of a function key (``o0.I_in`` -> ``I_in``)."""
    return key.partition(".")[2]


@dataclass(frozen=True)
class Ref:
    """How code reaches a per-element name: the buffer ``key``, read at the loop's own element,
    or at ``index[element]`` when ``index`` names an int64 buffer (``post_idx[syn]``)."""

    key: str
    index: str | None = None


@dataclass(frozen=True)
class Code:
    """Statements run for each element of a loop, and where each name comes from.

    ``statements`` are :class:`~lifdsl.equations.statements.Assign` (with their operator);
    random draws come first as ``_draw_k`` statements. Names not listed are ``t``, ``dt``, the
    element index ``element`` (``i`` in a group, minus ``offset`` if given; None where ``i`` is
    an array, as the presynaptic index of a synapse), ``N`` (the int ``size``) and
    temporaries. Integer arrays are read as floating point: model arithmetic is in floats.
    """

    statements: tuple
    arrays: tuple[tuple[str, Ref], ...] = ()
    scalars: tuple[tuple[str, str], ...] = ()        # name -> double key
    functions: tuple[tuple[str, str], ...] = ()      # name -> function key
    dtype: str = "float64"                           # value type of the loop's arithmetic
    size: str = ""                                   # int key: what 'N' means
    offset: str | None = None                        # int key: 'i' counts from here
    element: str | None = "i"                        # the name of the element's own index

    def array_map(self) -> dict[str, Ref]:
        """``arrays`` as a dict."""
        return dict(self.arrays)


@dataclass(frozen=True)
class Update:
    """Run ``code`` for every element of a population (state update, ``run_regularly``);
    with ``period`` (an int key) only in steps where ``step % period == 0``."""

    code: Code
    count: str                         # int key: number of elements
    period: str | None = None


@dataclass(frozen=True)
class Threshold:
    """Evaluate ``code`` (its last statement sets ``_cond``) for every element; the elements
    where it holds go to ``spikes[:n]`` with ``n`` in ``nspikes[0]``; with refractoriness,
    ``lastspike = t`` and ``not_refractory = False`` for them."""

    code: Code
    count: str
    spikes: str                        # int64 buffer (one slot per element)
    nspikes: str                       # int64 buffer of one value
    lastspike: str | None = None
    not_refractory: str | None = None


@dataclass(frozen=True)
class Reset:
    """Run ``code`` for the elements listed in ``spikes[:nspikes[0]]``."""

    code: Code
    spikes: str
    nspikes: str


@dataclass(frozen=True)
class Propagate:
    """For each spiking source element ``s`` (``spikes[:nspikes[0]]``), run ``code`` for the
    elements ``order[indptr[s]] .. order[indptr[s+1]-1]`` of a connectivity (CSR rows, e.g.
    synapses), in order. Names reached through an index (``v_post`` through ``post_idx``) may
    repeat: an ``+=`` through an index adds every contribution. This is the form synaptic
    pathways take.

    With ``ring``, the spikes are those of ``delay`` steps ago: ``spikes`` is then a ring of
    ``depth`` rows (one per step, ``stride`` wide) that a :class:`PushSpikes` fills, and
    ``nspikes`` holds one count per row. With ``buckets`` (per-element delays), ``indptr``
    has ``depth`` blocks of rows, block ``b`` holding the elements of delay ``b`` steps, each
    fed by the spikes of ``b`` steps ago (blocks in order, then spikes in order)."""

    code: Code
    spikes: str
    nspikes: str
    indptr: str                        # int64 buffer, one more than source elements
    order: str | None = None           # int64 buffer: element ids in row order
    ring: bool = False
    delay: str | None = None           # int key: steps
    depth: str | None = None           # int key: rows of the ring
    stride: str | None = None          # int key: room per row
    buckets: bool = False              # indptr has one block of rows per delay 0..depth-1


@dataclass(frozen=True)
class PushSpikes:
    """Copy this step's spikes into row ``step % depth`` of a ring (a pathway with a delay reads
    it ``delay`` steps later; the ring persists across runs)."""

    spikes: str
    nspikes: str
    ring: str
    ring_n: str
    depth: str                         # int key
    stride: str                        # int key


@dataclass(frozen=True)
class EmitSpikes:
    """This step's spikes from a table: ``indices[k]`` spikes in step ``steps[k]`` (sorted), the
    table repeating every ``period`` steps when ``period`` > 0 (a spike generator)."""

    spikes: str
    nspikes: str
    steps: str                         # int64 buffer, sorted
    indices: str                       # int64 buffer
    count: str                         # int key: entries of the table
    period: str                        # int key: 0 for no repetition


@dataclass(frozen=True)
class AddBinomial:
    """``target[lo + k] += weight * B_k`` for k in 0..count-1, each ``B_k`` a binomial(n, p)
    draw, in order (Poisson input from n independent sources without synapses)."""

    target: str                        # float buffer
    lo: str                            # int key
    count: str                         # int key
    n: str                             # int key
    p: str                             # double key
    weight: str                        # double key


@dataclass(frozen=True)
class RecordState:
    """Append one sample per step: ``t`` to ``times[k]`` and, for each recorded name, its
    value at the elements ``indices`` to row ``k`` of its buffer (``k`` = step - first step).

    ``stored`` are (buffer of the recorded values, array key or scalar key, is_scalar);
    expressions are ``code`` statements ``_rec_<name> = ...`` each written to its buffer."""

    times: str
    indices: str                       # int64 buffer of element indices
    nrec: str                          # int key: len(indices)
    stored: tuple[tuple[str, str, bool], ...] = ()
    code: Code | None = None
    outputs: tuple[tuple[str, str], ...] = ()     # (_rec_<name>, record buffer key)


@dataclass(frozen=True)
class RecordSpikes:
    """Count the spikes (or events) of elements ``lo .. lo+size-1`` and, if ``record``, append
    them (index relative to ``lo`` and step) to the growable :class:`SpikeSink` ``sink``.

    With ``code`` (statements ``_rec_<name> = ...`` over the spiking elements), each recorded
    spike's values go to the sink's columns: ``outputs`` pairs ``_rec_<name>`` with the column
    name (its buffer is :func:`sink_column`, float64, beside the sink's index and step)."""

    spikes: str
    nspikes: str
    sink: str
    counts: str                        # int64 buffer of per-element counts
    lo: str
    size: str
    record: str                        # int key: 0 or 1
    code: Code | None = None
    outputs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RecordRate:
    """Append ``t`` and (spikes among ``lo .. lo+size-1``) * ``scale`` to ``times``/``rates``."""

    spikes: str
    nspikes: str
    times: str
    rates: str
    lo: str
    size: str
    scale: str                         # double key: 1 / (size * dt)


@dataclass(frozen=True)
class CallPython:
    """Call the Python function ``function`` (a key of ``Bindings.callbacks``) with ``t``: out
    of the compiled loop (the Cython kernel takes the GIL for it); an exception it raises
    stops the run in that step and reaches the caller; a true result (a stop asked for) ends
    the run after that step."""

    function: str


@dataclass(frozen=True)
class Every:
    """``op`` on a slower clock of the network: only in steps where ``step % period == 0``
    (or, with ``ticks``, where ``ticks[step - first step of the run] >= 0``), and there with
    that clock's own step (``step // period``, or the table's), its ``t`` and ``dt`` (the
    double key ``dt``) and its first step of the run ``step0`` (an int key: records count
    from it)."""

    op: Any
    period: str                        # int key: the clock's dt in steps of the network's
    dt: str                            # double key
    step0: str                         # int key
    #: with clocks that are not multiples of one another: an int64 buffer holding, for each
    #: step of the run (from its first), the clock's own step there or -1 where it does not
    #: tick (``period`` is then unused)
    ticks: str | None = None


Operation = (Update | Threshold | Reset | Propagate | PushSpikes | EmitSpikes | AddBinomial
             | RecordState | RecordSpikes | RecordRate | CallPython | Every)


def unwrapped(operations) -> list:
    """The operations with each :class:`Every` replaced by the operation it holds."""
    return [op.op if isinstance(op, Every) else op for op in operations]


@dataclass(frozen=True)
class Program:
    """Operations in schedule order and the dtype of every buffer they use (no values)."""

    operations: tuple[Operation, ...]
    buffers: tuple[tuple[str, str], ...]          # buffer key -> numpy dtype name
    functions: tuple[tuple[str, int], ...] = ()   # function key -> number of arguments

    def buffer_dtypes(self) -> dict[str, str]:
        """``buffers`` as a dict."""
        return dict(self.buffers)


class SpikeSink:
    """A growable record of (element, step) pairs that both targets append to: ``index`` and
    ``step`` hold ``fill[0]`` entries of room for ``fill[1]``; ``values[name]`` (float64)
    one value per entry for each of ``columns`` (variables recorded at each spike)."""

    def __init__(self, capacity: int = 1024, columns: tuple[str, ...] = ()) -> None:
        capacity = max(1, int(capacity))
        self.index = np.empty(capacity, np.int64)
        self.step = np.empty(capacity, np.int64)
        self.fill = np.array([0, capacity], np.int64)
        self.values = {nm: np.empty(capacity) for nm in columns}

    def room_for(self, extra: int) -> bool:
        """True if ``extra`` more entries fit."""
        return int(self.fill[0]) + extra <= int(self.fill[1])

    def grow(self, extra: int) -> None:
        """Make room for at least ``extra`` more entries (new arrays: rebind after this)."""
        n, cap = (int(x) for x in self.fill)
        if n + extra <= cap:
            return
        new = max(2 * cap, n + 2 * extra)
        for name in ("index", "step"):
            arr = np.empty(new, np.int64)
            arr[:n] = getattr(self, name)[:n]
            setattr(self, name, arr)
        for name, old in self.values.items():
            arr = np.empty(new)
            arr[:n] = old[:n]
            self.values[name] = arr
        self.fill[1] = new

    def take(self) -> tuple[np.ndarray, np.ndarray]:
        """The entries so far (copies), emptying the sink."""
        index, step, _ = self.take_all()
        return index, step

    def take_all(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """The entries so far and their column values (copies), emptying the sink."""
        n = int(self.fill[0])
        out = (self.index[:n].copy(), self.step[:n].copy(),
               {nm: v[:n].copy() for nm, v in self.values.items()})
        self.fill[0] = 0
        return out


@dataclass
class Buffer:
    """An array a simulation object owns and hands to the targets; ``persistent`` ones are
    state that lives across runs (and is stored), the others are records of one run."""

    array: np.ndarray
    persistent: bool = True

    @property
    def dtype(self) -> str:
        """The numpy dtype name of the array ('bool' for booleans)."""
        dt = self.array.dtype
        name = _DTYPE_NAMES.get(dt)
        if name is None:
            name = _DTYPE_NAMES[dt] = "bool" if dt == np.bool_ else dt.name
        return name


_DTYPE_NAMES: dict[np.dtype, str] = {}


@dataclass
class Bindings:
    """The values a program runs on: arrays, doubles, integers, functions, spike sinks."""

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    scalars: dict[str, float] = field(default_factory=dict)
    ints: dict[str, int] = field(default_factory=dict)
    functions: dict[str, Any] = field(default_factory=dict)
    sinks: dict[str, SpikeSink] = field(default_factory=dict)
    callbacks: dict[str, Any] = field(default_factory=dict)
    dt: float = 0.0
    step0: int = 0                     # first step of this run (records count from here)
    rng: np.random.Generator | None = None
    #: set when a callback returned True (a stop was asked for): the step is the run's last
    stop: list = field(default_factory=lambda: [False])


@dataclass
class Part:
    """What one object contributes to a program: its operations (one per scheduled runner, in
    the object's terms), its buffers, constants, sizes, functions and sinks."""

    operations: dict[Any, Operation] = field(default_factory=dict)   # runner -> operation
    buffers: dict[str, Buffer] = field(default_factory=dict)
    scalars: dict[str, float] = field(default_factory=dict)
    ints: dict[str, int] = field(default_factory=dict)
    functions: dict[str, Any] = field(default_factory=dict)
    sinks: dict[str, SpikeSink] = field(default_factory=dict)
    callbacks: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: Part) -> None:
        """Add ``other``'s entries (keys are unique per object, so nothing is overwritten)."""
        self.operations.update(other.operations)
        self.buffers.update(other.buffers)
        self.scalars.update(other.scalars)
        self.ints.update(other.ints)
        self.functions.update(other.functions)
        self.sinks.update(other.sinks)
        self.callbacks.update(other.callbacks)


def assemble(parts: Part, schedule: list, dt: float, step0: int,
             rng: np.random.Generator | None) -> tuple[Program, Bindings]:
    """The program of the scheduled runners (in order) and the bindings it runs on."""
    ops = tuple(parts.operations[r] for r in schedule if r in parts.operations)
    dtypes = {k: b.dtype for k, b in parts.buffers.items()}
    for key, sink in parts.sinks.items():
        dtypes.update(sink_buffers(key, tuple(sink.values)))
    fkeys = tuple(sorted((k, int(getattr(f, "ndim", 1))) for k, f in parts.functions.items()))
    program = Program(ops, tuple(sorted(dtypes.items())), fkeys)
    bindings = Bindings(arrays={k: b.array for k, b in parts.buffers.items()},
                        scalars=dict(parts.scalars), ints=dict(parts.ints),
                        functions=dict(parts.functions), sinks=dict(parts.sinks),
                        callbacks=dict(parts.callbacks), dt=dt,
                        step0=step0, rng=rng)
    for key, sink in parts.sinks.items():
        bind_sink(bindings, key, sink)
    return program, bindings


def key_of(obj: str, name: str, internal: bool = False) -> str:
    """The bindings key of ``name`` owned by object ``obj``: ``obj.name`` for a model name,
    ``obj._name`` for lifdsl's own (model names never start with ``_``, so the two spaces
    cannot meet, and every target keeps them apart in its identifiers too)."""
    return f"{obj}._{name}" if internal and not name.startswith("_") else f"{obj}.{name}"


def bind_sink(bindings: Bindings, key: str, sink: SpikeSink) -> None:
    """Expose a sink's (possibly regrown) arrays as the buffers ``key.index/.step/.fill``."""
    bindings.arrays[f"{key}.index"] = sink.index
    bindings.arrays[f"{key}.step"] = sink.step
    bindings.arrays[f"{key}.fill"] = sink.fill  # (sink keys are lifdsl's own: obj._name)
    for name, values in sink.values.items():
        bindings.arrays[sink_column(key, name)] = values


def sink_column(key: str, name: str) -> str:
    """The buffer key of column ``name`` of the sink ``key``."""
    return f"{key}.value_{name}"


def sink_buffers(key: str, columns: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """The buffer keys and dtypes of a spike sink (and of its value columns)."""
    return (tuple((f"{key}.{f}", "int64") for f in ("index", "step", "fill"))
            + tuple((sink_column(key, nm), "float64") for nm in columns))


__all__ = [
    "OPERATORS", "Bindings", "Buffer", "CallPython", "Code", "Every", "Operation", "Part",
    "Program", "Propagate",
    "PushSpikes", "EmitSpikes", "AddBinomial",
    "RecordRate", "RecordSpikes", "RecordState", "Ref", "Reset", "SpikeSink", "Threshold",
    "TimedArrayIndexError", "function_name",
    "Update", "assemble", "unwrapped", "bind_sink", "key_of", "sink_buffers", "sink_column",
]
