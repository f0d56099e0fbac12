"""What a kernel's argument vectors hold, and the emitter's switches: the little that a run
needs from the code generator when the kernel's source comes from the disk memo (so that a
fresh process's first run does not import the emitter, the printers and their SymPy code)."""

from __future__ import annotations

from dataclasses import dataclass, field

#: threshold loops in blocks (a vectorisable pass, then the spiking elements) where they
#: can be (see ``Loop.blockable``); False gives the one-pass loop (for comparisons)
BLOCKED = True


@dataclass
class ArgLayout:
    """What goes where in the kernel's three argument vectors: each entry is a spec
    ``(kind, key)`` that the runtime looks up in the bindings (see ``runtime.ARGUMENTS``)."""

    pointers: list[tuple] = field(default_factory=list)
    doubles: list[tuple] = field(default_factory=list)
    ints: list[tuple] = field(default_factory=list)
    callbacks: list[str] = field(default_factory=list)   # Python functions called, by number
    #: user functions the loops call back, by number: (function key, the loop's value dtype)
    py_functions: list[tuple[str, str]] = field(default_factory=list)
    #: user functions called once per loop on whole arrays, by number: (function key, the
    #: scratch buffers of its arguments, the scratch buffer of its values)
    py_vectors: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)

    @staticmethod
    def _slot(table: list[tuple], spec: tuple, vector: str) -> str:
        if spec not in table:
            table.append(spec)
        return f"{vector}[{table.index(spec)}]"

    def ptr(self, *spec) -> str:
        return self._slot(self.pointers, spec, "P")

    def dbl(self, *spec) -> str:
        return self._slot(self.doubles, spec, "D")

    def int(self, *spec) -> str:
        return self._slot(self.ints, spec, "L")
