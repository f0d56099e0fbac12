"""The kernel being written: its argument layout, declarations, body, and element loops."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from lifdsl.codegen import pathway
from lifdsl.codegen import program as P
from lifdsl.codegen.cython_target.layout import ArgLayout
from lifdsl.codegen.cython_target.printer import KernelPrinter, Scope
from lifdsl.codegen.random_draws import draw_kinds, predraw
from lifdsl.equations.statements import Assign

CTYPES = {"float64": "double", "float32": "float", "int64": "int64_t", "int32": "int32_t",
          "bool": "unsigned char"}


class Writer:
    """Indented lines of C."""

    def __init__(self, depth: int = 1) -> None:
        self.lines: list[str] = []
        self.depth = depth

    def __call__(self, text: str) -> None:
        for ln in text.splitlines():
            self.lines.append("    " * self.depth + ln)

    def block(self):
        """``with w.block():`` indents the lines inside and closes them with ``}``."""
        writer = self

        class _Block:
            def __enter__(self_inner):
                writer.depth += 1

            def __exit__(self_inner, *exc):
                writer.depth -= 1
                writer("}")

        return _Block()


#: elements per block of a blocked threshold loop (see :meth:`Loop.blockable`)
BLOCK = 256


def cident(key: str) -> str:
    """The C identifier of a bindings key: ``o0.v`` (a model name) -> ``o0_u_v``, ``o0._N``
    (lifdsl's own) -> ``o0__N``. Model names never start with ``_``, so no model name can
    reach an internal identifier, nor the reverse; every other C name of the kernel starts
    with ``_`` or is a fixed word (``step``, ``t``, ``dt``, ``P``, ``D``, ``L``, ``rng``)."""
    obj, _, name = key.partition(".")
    text = f"{obj}_{name}" if name.startswith("_") else f"{obj}_u_{name}"
    return re.sub(r"\W", "_", text)


class Kernel:
    """Arguments, declarations and body of one kernel being generated."""

    def __init__(self, program: P.Program) -> None:
        self.program = program
        self.dtypes = program.buffer_dtypes()
        self.ndims = dict(program.functions)
        self.layout = ArgLayout()
        self.layout.dbl("dt")
        self.layout.int("step0")
        self.decl: list[str] = []      # declarations at the top of the kernel
        self.declared: set[str] = set()
        self.body = Writer(depth=2)
        self.capacity_checks: list[str] = []
        self.n_ops = 0
        self.needs_distributions = False   # NumPy's samplers beyond the normal one
        self.callbacks: list[str] = []     # keys of the Python functions called, by number
        self.py_functions: list[tuple[str, str]] = []  # user functions called back, by number
        #: user functions called on whole arrays: (key, argument buffers, value buffer)
        self.py_vectors: list[tuple[str, tuple[str, ...], str]] = []
        self.step_name = "step"            # the network's step (inside Every: _net_step)

    def _declare(self, cname: str, text: str) -> str:
        if cname not in self.declared:
            self.declared.add(cname)
            self.decl.append(text)
        return cname

    def local(self, cname: str, text: str) -> str:
        """A declaration ``text`` of the kernel's own variable ``cname`` (once)."""
        return self._declare(cname, text)

    def array(self, key: str, const: bool = False) -> str:
        """A restrict pointer to the buffer ``key``."""
        ctype = CTYPES[self.dtypes[key]]
        cname = cident(key)
        q = "const " if const else ""
        return self._declare(
            cname, f"{q}{ctype} *restrict {cname} = ({q}{ctype}*){self.layout.ptr('array', key)};")

    def double(self, key: str) -> str:
        """The double argument ``key``."""
        cname = cident(key)
        return self._declare(cname, f"const double {cname} = {self.layout.dbl('scalar', key)};")

    def integer(self, key: str) -> str:
        """The integer argument ``key``."""
        cname = cident(key)
        return self._declare(cname, f"const int64_t {cname} = {self.layout.int('int', key)};")

    def timed_array(self, key: str) -> tuple[int, str, str, str, str]:
        """(ndim, values, length, columns, 1/dt) of the function ``key``."""
        base = cident(key)
        v, n, ncol, inv = (f"_ta{part}_{base}" for part in ("v", "n", "c", "i"))
        return (
            self.ndims.get(key, 1),
            self._declare(v, f"const double *restrict {v} = "
                             f"(const double*){self.layout.ptr('ta', key)};"),
            self._declare(n, f"const int64_t {n} = {self.layout.int('ta_n', key)};"),
            self._declare(ncol, f"const int64_t {ncol} = {self.layout.int('ta_ncol', key)};"),
            self._declare(inv, f"const double {inv} = {self.layout.dbl('ta_inv', key)};"),
        )

    def python_function(self, key: str, dtype: str) -> int:
        """The number by which the kernel calls the Python function ``key`` back, for loops
        computing in ``dtype`` (it sees one-element arrays of that type, as on NumPy)."""
        if (key, dtype) not in self.py_functions:
            self.py_functions.append((key, dtype))
        return self.py_functions.index((key, dtype))

    def errors(self) -> str:
        """The kernel's error record (int64[3]: set, function number, column)."""
        return self._declare("_err", f"int64_t *restrict _err = (int64_t*)"
                                     f"{self.layout.ptr('errors')};")

    def scratch(self, name: str) -> str:
        """A double buffer of the kernel's own (pre-drawn random numbers)."""
        cname = "_buf_" + name
        return self._declare(
            cname, f"double *restrict {cname} = (double*){self.layout.ptr('scratch', name)};")


@dataclass
class Part:
    """Statements of one part of a loop: 'plain', or 'threshold' (ends with ``_cond``)."""

    kind: str
    statements: tuple[Assign, ...]


class Loop:
    """One loop over elements running parts of code in order for each element.

    Arrays are loaded into locals once per element and stored back at the end; element-free
    expressions are computed once, before the loop; random numbers are drawn into buffers
    before the loop, in the order the NumPy target draws them.
    """

    def __init__(self, k: Kernel, codes: list[P.Code]) -> None:
        self.k = k
        self.arrays: dict[str, P.Ref] = {}
        scalars: dict[str, str] = {}
        functions: dict[str, str] = {}
        for code in codes:
            self.arrays.update(code.arrays)
            scalars.update(code.scalars)
            functions.update(code.functions)
        first = codes[0]
        self.vtype = CTYPES[first.dtype]
        fids = {key: n for n, (key, _) in enumerate(k.program.functions)}
        python = {nm: key for nm, key in functions.items() if k.ndims.get(key) in (0, -1)}
        #: user functions that may be called once on a whole array (stateless ones)
        self.stateless = {nm for nm, key in python.items() if k.ndims.get(key) == 0}
        self.function_keys = dict(python)
        tables = {nm: key for nm, key in functions.items() if nm not in python}
        self.scope = Scope(first.dtype, set(scalars),
                           {nm: k.timed_array(key) for nm, key in tables.items()},
                           {nm: fids[key] for nm, key in tables.items()},
                           k.errors() if functions else "_err",
                           python={nm: k.python_function(key, first.dtype)
                                   for nm, key in python.items()})
        self.names: dict[str, str] = {nm: k.double(key) for nm, key in scalars.items()}
        if first.size:
            # model arithmetic is in floating point on both targets (2**N, i/2, ...)
            self.names["N"] = f"((double){k.integer(first.size)})"
        self.offset = k.integer(first.offset) if first.offset is not None else None
        self.element = first.element
        self.tag = f"op{k.n_ops}"
        self.per_element: set[str] = set(self.arrays) | {first.element or "i"}
        self.hoisted: list[str] = []
        self.printer = KernelPrinter(self.scope, self.names, self.per_element, self.hoisted,
                                     f"_h{k.n_ops}_")
        self.pre: list[str] = []
        self.inner: list[str] = []
        self.used: set[str] = set()
        self.written: set[str] = set()
        self.aliases: dict[str, list[str]] = {}
        # (': integer' state, int32, is read as doubles, as NumPy reads it as float64)
        self.float64 = {nm for nm, ref in self.arrays.items()
                        if k.dtypes.get(ref.key) in ("float64", "int32")}
        self.booleans = {nm for nm, ref in self.arrays.items() if k.dtypes.get(ref.key) == "bool"}
        self.blocked = False                      # a threshold loop in blocks (see blockable)
        self.spiking: list[str] = []              # blocked: the lines for a spiking element
        self.pass_one_written: set[str] | None = None
        self.element_names: dict[str, str] = {}
        self.element_per: set[str] = set()

    def add_array(self, name: str, key: str, written: bool = True) -> None:
        """Make a buffer reachable under ``name`` (used, and written back unless
        ``written`` is False and no statement writes it)."""
        self.arrays[name] = P.Ref(key)
        self.per_element.add(name)
        self.used.add(name)
        if written:
            self.written.add(name)

    def prepare(self, parts: list[Part], on_spike: tuple[Assign, ...] = (),
                reads: set[str] = frozenset()) -> list[Part]:
        """Note what the parts read and write; returns them with random draws leading."""
        parts = [Part(p.kind, tuple(predraw(p.statements))) for p in parts]
        statements = [s for p in parts for s in p.statements] + list(on_spike)
        pathway.check_reads(statements, self.arrays)   # (as the NumPy target refuses them)
        for st in statements:
            self.used |= {x.name for x in st.expr.free_symbols}
            if st.target in self.arrays:
                self.written.add(st.target)
        self.used |= set(reads)
        # names of one buffer (v_post and v; v_pre and v_post onto the source itself) may be
        # one element: a write through one is stored at once and the others are reloaded
        self.aliases = pathway.aliases(self.arrays, self.used | self.written)
        return parts

    def open_element(self, element: str) -> None:
        """Start the body for one element: ``_i`` and the locals of its arrays."""
        k = self.k
        self.inner.append(f"const int64_t _i = {element};")
        el = self.element
        if el is not None and (el in self.used or self.blocked):
            self.names[el] = (f"((double)(_i - {self.offset}))" if self.offset is not None
                              else "((double)_i)")
        self.element_names = dict(self.names)      # (a blocked reset starts from these)
        self.element_per = set(self.per_element)
        for nm in sorted((set(self.arrays) - {el}) & (self.used | self.written)):
            ref = self.arrays[nm]
            lname = f"_v_{nm}"  # prefixed: never a C keyword or an internal name
            where = f"{k.array(ref.index, const=True)}[_i]" if ref.index else "_i"
            ctype = CTYPES[k.dtypes[ref.key]]
            if ctype in ("int64_t", "int32_t"):
                # model arithmetic is in floating point (i*j, 2**i, n/2): a value stored to an
                # integer array is truncated toward zero, as NumPy's cast
                ctype = "double"
            self.inner.append(f"{ctype} {lname} = {k.array(ref.key)}[{where}];")
            self.names[nm] = lname

    def assign(self, st: Assign, out: list[str]) -> None:
        """One statement on the element's locals."""
        st = st.folded()
        # NumPy computes in float64 as soon as a float64 array (lastspike) takes part
        self.printer.in_float = (self.vtype == "float" and not any(
            x.name in self.float64 for x in st.expr.free_symbols))
        text = self.printer.doprint(st.expr)
        if st.target in self.booleans:
            text = f"(({text}) != 0)"   # any nonzero number is true, as NumPy's cast to bool
        if st.target in self.names:
            out.append(f"{self.names[st.target]} = {text};")
        else:
            lname = st.target if st.target.startswith("_") else f"_t_{st.target}"
            # a bare Symbol is a SymPy Boolean too: only comparisons and logic are int
            is_bool = isinstance(st.expr, (sp.core.relational.Relational, sp.And, sp.Or,
                                           sp.Not, sp.logic.boolalg.BooleanAtom))
            out.append(f"{'int' if is_bool else self.vtype} {lname} = {text};")
            self.names[st.target] = lname
        self.per_element.add(st.target)
        if st.target in self.aliases:
            out.append(f"{self._element_of(st.target)} = {self.names[st.target]};")
            for other in self.aliases[st.target]:
                out.append(f"{self.names[other]} = {self._element_of(other)};")

    def _element_of(self, name: str) -> str:
        """The buffer element that array ``name`` of the loop's element is (C lvalue)."""
        ref = self.arrays[name]
        where = f"{self.k.array(ref.index, const=True)}[_i]" if ref.index else "_i"
        return f"{self.k.array(ref.key)}[{where}]"

    def draws(self, pk: int, statements: tuple[Assign, ...], count: str, counter: str) -> None:
        """Buffers of this part's random draws, filled before the loop (``count`` of each)."""
        for name, dist in draw_kinds(statements):
            buf = self.k.scratch(f"{self.tag}_{pk}_{name}")
            fn = ("rng->next_double(rng->state)" if dist == "uniform"
                  else "random_standard_normal(rng)")
            self.pre.append(f"for (int64_t _j = 0; _j < {count}; ++_j) {buf}[_j] = {fn};")
            lname = f"_d{pk}{name}"
            self.inner.append(f"const double {lname} = {buf}[{counter}];")
            self.names[name] = lname
            self.per_element.add(name)

    def vector_calls(self, pk: int, parts: list[Part], count: str) -> None:
        """User function calls of part ``pk`` computed before the loop, one call into Python
        on whole arrays instead of one per element, where that gives the same numbers: a
        stateless function, a float64 loop over every element (``_j`` from 0), arguments
        made of the elements' own arrays (no index, no aliases) that no earlier statement of
        the loop writes, constants, ``t``, ``i`` and ``N``: each argument then holds what
        NumPy's vectorised call sees. A later statement writing one of its names ends the use
        of the precomputed values (:meth:`forget_vectors`)."""
        if self.vtype != "double" or self.aliases:
            return
        plain = {nm for nm, ref in self.arrays.items() if ref.index is None}
        allowed = plain | self.scope.scalars | {"t", "dt", "N", self.element or "i"}
        written = {st.target for p in parts[:pk] for st in p.statements}
        if any(p.kind == "threshold" for p in parts[:pk]):   # (its spikes' refractory stores)
            written |= {"lastspike", "not_refractory"}
        calls = []
        for st in parts[pk].statements:
            for c in sorted(st.folded().expr.atoms(sp.core.function.AppliedUndef), key=str):
                name = c.func.__name__
                names = {s.name for s in c.free_symbols}
                if (name in self.stateless and c not in calls and c not in self.scope.vectors
                        and not any(a.atoms(sp.core.function.AppliedUndef) for a in c.args)
                        and names <= allowed and not names & written
                        and self.printer.depends(c)):
                    calls.append(c)
            written.add(st.target)
        for c in calls:
            n = len(self.k.py_vectors)
            names = {nm: (f"{self.k.array(self.arrays[nm].key)}[_j]"
                          if CTYPES[self.k.dtypes[self.arrays[nm].key]] == "double"
                          else f"((double){self.k.array(self.arrays[nm].key)}[_j])")
                     for nm in plain}
            names.update({nm: self.names[nm] for nm in self.scope.scalars | {"N"}
                          if nm in self.names})
            el = self.element or "i"
            names[el] = (f"((double)(_j - {self.offset}))" if self.offset is not None
                         else "((double)_j)")
            hoisted: list[str] = []
            printer = KernelPrinter(self.scope, names, set(plain) | {el}, hoisted,
                                    f"_h{self.k.n_ops}_v{n}_")
            bufs = tuple(f"{self.tag}_v{n}_a{m}" for m in range(len(c.args)))
            out = f"{self.tag}_v{n}_out"
            texts = [printer.doprint(a) for a in c.args]
            self.pre.extend(hoisted)
            if texts:
                body = " ".join(f"{self.k.scratch(b)}[_j] = {t};"
                                for b, t in zip(bufs, texts, strict=True))
                self.pre.append(f"for (int64_t _j = 0; _j < {count}; ++_j) {{ {body} }}")
            self.k.scratch(out)
            self.scope.checks = True
            self.pre.append(f"if (lifdsl_pyvec({n}, {count}, {self.scope.errors})) "
                            f"return {self.k.step_name};")
            self.k.py_vectors.append((self.function_keys[c.func.__name__], bufs, out))
            self.scope.vectors[c] = f"{self.k.scratch(out)}[_j]"

    def forget_vectors(self, target: str | None = None) -> None:
        """Values computed before the loop no longer hold once ``target`` is written (None:
        none hold from here on, as in a reset after the loop's parts)."""
        for c in [c for c in self.scope.vectors
                  if target is None or target in {s.name for s in c.free_symbols}]:
            del self.scope.vectors[c]

    def blockable(self, parts: list[Part]) -> bool:
        """True if a threshold loop can run in blocks of :data:`BLOCK` elements: a
        branch-free pass (which compilers vectorise) that notes each element's condition,
        then the spiking elements of the block. That gives the fused loop's results when
        the threshold is the last part (nothing after it reads what a spike changes) and
        every array is the element's own (no index, no two names of one buffer), so no
        element reads another's cells."""
        return (bool(parts) and parts[-1].kind == "threshold"
                and all(p.kind == "plain" for p in parts[:-1])
                and not self.aliases
                and all(ref.index is None for ref in self.arrays.values()))

    def run_parts(self, parts: list[Part], count: str, counter: str = "_j",
                  spikes: tuple[str, str] | None = None,
                  refractory: bool = False, blocked: bool = False,
                  whole: bool = False) -> str | None:
        """The statements of every part; a threshold part appends to ``spikes`` (``blocked``:
        it notes the condition in ``_cbuf``, and the spike lines go to :attr:`spiking`).
        Returns the name of the threshold's condition local (or None). ``whole``: the loop
        runs over every element in order (user functions may be called on whole arrays)."""
        cond_name = None
        for pk, part in enumerate(parts):
            self.draws(pk, part.statements, count, counter)
            if whole and counter == "_j":
                self.vector_calls(pk, parts, count)
            for st in part.statements:
                if not st.target.startswith("_draw_"):
                    self.assign(st, self.inner)
                    self.forget_vectors(st.target)
            if part.kind == "threshold" and blocked:
                cond = self.names.pop("_cond")
                # (a condition may be a double: a bare name; nonzero holds, as in the branch)
                self.inner.append(f"_cbuf[_j - _b] = (unsigned char)({cond} != 0);")
                self.inner.append(f"_any |= ({cond} != 0);")
                self.spiking.append(f"{spikes[0]}[_nspk++] = _i;")
                if refractory:
                    for nm, value in (("lastspike", "t"), ("not_refractory", "0")):
                        self.spiking.append(f"{self.k.array(self.arrays[nm].key)}[_i] = {value};")
                # what pass one stores: the arrays its own statements write
                self.pass_one_written = {st.target for p in parts for st in p.statements
                                         if st.target in self.arrays}
                return cond
            if part.kind == "threshold":
                # spikes are rare: lay the loop out for the elements that do not fire
                self.inner.append(f"if (__builtin_expect({self.names['_cond']}, 0)) {{")
                self.inner.append(f"    {spikes[0]}[_nspk++] = _i;")
                if refractory:
                    # stored here, where they change, unless a statement of the loop writes
                    # them (the update's not_refractory = ...): then at the element's end
                    for nm, value in (("lastspike", "t"), ("not_refractory", "0")):
                        self.inner.append(f"    {self.names[nm]} = {value};")
                        if nm not in self.written:
                            self.inner.append(
                                f"    {self.k.array(self.arrays[nm].key)}[_i] = {value};")
                self.inner.append("}")
                cond_name = self.names.pop("_cond")
        return cond_name

    def on_spike_blocked(self, statements: tuple[Assign, ...]) -> None:
        """A fused reset in the blocked layout: for a spiking element, its arrays are loaded
        again (pass one stored them, and the spike lines their refractory state), the
        statements run, and what they write is stored."""
        self.forget_vectors()
        saved, saved_per = dict(self.names), set(self.per_element)  # pass one's, restored
        self.names.clear()
        self.names.update(self.element_names)
        self.per_element.clear()
        self.per_element.update(self.element_per)
        targets = {st.target for st in statements}
        reads = {x.name for st in statements for x in st.expr.free_symbols}
        block: list[str] = []
        el = self.element
        for nm in sorted((set(self.arrays) - {el}) & (targets | reads)):
            ref = self.arrays[nm]
            ctype = CTYPES[self.k.dtypes[ref.key]]
            if ctype in ("int64_t", "int32_t"):
                ctype = "double"
            block.append(f"{ctype} _v_{nm} = {self.k.array(ref.key)}[_i];")
            self.names[nm] = f"_v_{nm}"
        for st in statements:
            self.assign(st, block)
        for nm in sorted(targets & set(self.arrays)):
            block.append(f"{self.k.array(self.arrays[nm].key)}[_i] = {self.names[nm]};")
        self.spiking.extend(block)
        self.names.clear()
        self.names.update(saved)
        self.per_element.clear()
        self.per_element.update(saved_per)

    def on_spike(self, cond_name: str, statements: tuple[Assign, ...]) -> None:
        """Statements for the elements whose condition held (a fused reset)."""
        self.forget_vectors()
        block: list[str] = []
        for st in statements:
            self.assign(st, block)
        self.inner.append(f"if (__builtin_expect({cond_name}, 0)) {{")
        self.inner.extend("    " + ln for ln in block)
        self.inner.append("}")

    def close_element(self) -> None:
        """Store back every array the element's statements wrote."""
        written = self.written if self.pass_one_written is None else self.pass_one_written
        for nm in sorted(written):   # (aliases hold what their elements hold by now)
            self.inner.append(f"{self._element_of(nm)} = {self.names[nm]};")

    def write(self, header: list[str], spikes: tuple[str, str] | None = None,
              footer: tuple[str, ...] = ()) -> None:
        """The loop as one block: draws and hoisted values first, then ``header`` (lines
        ending in ``{`` open a block, others are statements inside the blocks opened so far)
        around the element body; the spike count lives in a register meanwhile."""
        w = self.k.body
        w("{")
        with w.block():
            for ln in self.pre + self.hoisted:
                w(ln)
            if spikes is not None:
                w(f"int64_t _nspk = {spikes[1]}[0];")
            opened = 0
            for ln in header:
                w(ln)
                if ln.endswith("{"):
                    w.depth += 1
                    opened += 1
            for ln in self.inner:
                w(ln)
            for _ in range(opened - 1 if self.blocked else opened):
                w.depth -= 1
                w("}")
            if self.blocked:   # then the block's spiking elements, in order
                w("if (__builtin_expect(_any, 0)) {")
                with w.block():
                    w("LIFDSL_FOR_SET(_cbuf, _e - _b, _m) {")
                    with w.block():
                        w("const int64_t _i = _b + _m;")
                        for ln in self.spiking:
                            w(ln)
                    w("LIFDSL_END_SET")
                w.depth -= 1
                w("}")
            for ln in footer:
                w(ln)
            if spikes is not None:
                w(f"{spikes[1]}[0] = _nspk;")
            if self.scope.checks:  # a TimedArray read out of its columns stops the run here
                w(f"if (__builtin_expect(_err[0], 0)) return {self.k.step_name};")
        self.k.n_ops += 1
