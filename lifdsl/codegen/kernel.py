"""One C kernel per network: the whole time loop, every object's slots inlined in order.

``core`` describes a network as plain data (groups and scheduled operations, all SymPy
statements); :func:`generate_kernel` turns that into the source of one Cython module whose
``run`` function advances the network by many steps without touching Python. Values are not
part of the source: arrays, constants and sizes arrive through three argument vectors described
by the returned :class:`ArgLayout`, so new values or durations never need a recompile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from lifdsl.codegen.c_printer import C_SUPPORT_CODE, CCodePrinter, c_name
from lifdsl.codegen.random_draws import draw_kinds, predraw
from lifdsl.equations.functions import RANDOM_FUNCTIONS
from lifdsl.equations.statements import Assign

CTYPES = {"float64": "double", "float32": "float", "int64": "int64_t", "bool": "unsigned char"}


@dataclass
class GroupSpec:
    """A neuron group as the kernel sees it."""

    key: str                                  # C prefix, unique in the network
    arrays: dict[str, str]                    # per-neuron array name -> numpy dtype name
    scalars: list[str]                        # constants and shared parameters (doubles)
    functions: dict[str, int]                 # TimedArray name -> 1 or 2 (ndim)
    value_dtype: str = "float64"              # dtype of state values (locals use it)


@dataclass
class UpdateOp:
    group: str
    statements: tuple[Assign, ...]
    every: str | None = None          # key of a run_regularly op: runs when step % period == 0


@dataclass
class ThresholdOp:
    group: str
    statements: tuple[Assign, ...]            # ends with _cond = ...
    refractory: bool = False


@dataclass
class ResetOp:
    group: str
    statements: tuple[Assign, ...]


@dataclass
class StateRecordOp:
    key: str
    group: str
    variables: list[tuple[str, sp.Basic | None]]   # (name, expression or None for a stored array)
    offset: int = 0                                 # first neuron of a recorded subgroup
    size: int | None = None                         # its size (None: the whole group)


@dataclass
class SpikeRecordOp:
    key: str
    group: str
    lo: int
    hi: int


@dataclass
class RateRecordOp:
    key: str
    group: str
    lo: int
    hi: int


Op = UpdateOp | ThresholdOp | ResetOp | StateRecordOp | SpikeRecordOp | RateRecordOp


@dataclass
class ArgLayout:
    """What goes where in the kernel's three argument vectors (pointers, doubles, integers)."""

    pointers: list[tuple] = field(default_factory=list)
    doubles: list[tuple] = field(default_factory=list)
    ints: list[tuple] = field(default_factory=list)

    def ptr(self, *spec) -> str:
        if spec not in self.pointers:
            self.pointers.append(spec)
        return f"P[{self.pointers.index(spec)}]"

    def dbl(self, *spec) -> str:
        if spec not in self.doubles:
            self.doubles.append(spec)
        return f"D[{self.doubles.index(spec)}]"

    def int(self, *spec) -> str:
        if spec not in self.ints:
            self.ints.append(spec)
        return f"L[{self.ints.index(spec)}]"


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1

    def __call__(self, text: str) -> None:
        for ln in text.splitlines():
            self.lines.append("    " * self.depth + ln)

    def block(self):
        writer = self

        class _B:
            def __enter__(self_inner):
                writer.depth += 1

            def __exit__(self_inner, *exc):
                writer.depth -= 1
                writer("}")

        return _B()


class _Kernel:
    def __init__(self, groups: dict[str, GroupSpec]) -> None:
        self.groups = groups
        self.layout = ArgLayout()
        self.layout.dbl("dt")
        self.layout.int("rec_step0")
        self.decl: list[str] = []      # declarations at the top of the kernel
        self.declared: set[str] = set()
        self.body = _Writer()
        self.body.depth = 2
        self.capacity_checks: list[str] = []
        self.n_ops = 0

    # -- argument access ---------------------------------------------------------------------
    def _declare(self, cname: str, text: str) -> str:
        if cname not in self.declared:
            self.declared.add(cname)
            self.decl.append(text)
        return cname

    def ptr_arg(self, cname: str, ctype: str, *spec, const: bool = False) -> str:
        """Declare ``cname`` as a restrict pointer to the kernel argument ``spec``."""
        q = "const " if const else ""
        return self._declare(
            cname, f"{q}{ctype} *restrict {cname} = ({q}{ctype}*){self.layout.ptr(*spec)};")

    def dbl_arg(self, cname: str, *spec) -> str:
        """Declare ``cname`` as the double argument ``spec``."""
        return self._declare(cname, f"const double {cname} = {self.layout.dbl(*spec)};")

    def int_arg(self, cname: str, *spec) -> str:
        """Declare ``cname`` as the integer argument ``spec``."""
        return self._declare(cname, f"const int64_t {cname} = {self.layout.int(*spec)};")

    def garray(self, g: GroupSpec, name: str) -> str:
        return self.ptr_arg(f"{g.key}_{c_name(name)}", CTYPES[g.arrays[name]], "array", g.key,
                            name)

    def gscalar(self, g: GroupSpec, name: str) -> str:
        return self.dbl_arg(f"{g.key}_{c_name(name)}", "scalar", g.key, name)

    def gN(self, g: GroupSpec) -> str:
        return self.int_arg(f"{g.key}_N", "N", g.key)

    def spikes(self, g: GroupSpec) -> tuple[str, str]:
        return (self.ptr_arg(f"{g.key}_spk", "int64_t", "spikes", g.key),
                self.ptr_arg(f"{g.key}_nspk", "int64_t", "nspikes", g.key))

    def timed_array(self, g: GroupSpec, fname: str) -> tuple[str, str, str, str]:
        base = f"{g.key}_ta_{fname}"
        return (self.ptr_arg(f"{base}_v", "double", "ta", g.key, fname, const=True),
                self.int_arg(f"{base}_n", "ta_n", g.key, fname),
                self.int_arg(f"{base}_ncol", "ta_ncol", g.key, fname),
                self.dbl_arg(f"{base}_inv", "ta_inv", g.key, fname))

    def scratch(self, spec: tuple) -> str:
        return self.ptr_arg("_buf_" + "_".join(str(s) for s in spec), "double", "scratch", *spec)

    # -- loop blocks -------------------------------------------------------------------------
    def loop(self, g: GroupSpec, parts: list[tuple[str, tuple[Assign, ...]]], *,
             index: tuple[str, str] | None, tag: str, on_spike: tuple[Assign, ...] = (),
             record: list[tuple[str, str]] | None = None, refractory: bool = False,
             offset: str | None = None, size: str | None = None) -> None:
        """Emit one loop over neurons running ``parts`` in order for each neuron.

        ``parts`` are (kind, statements) with kind 'plain' or 'threshold' (statements end in
        ``_cond``; a true ``_cond`` appends the neuron to the spike buffer, marks it refractory
        and runs ``on_spike``). ``index`` = (index array, count) loops over listed neurons only.
        Expressions that do not depend on the neuron are computed once, before the loop.
        """
        w = self.body
        vtype = CTYPES[g.value_dtype]
        arrays = set(g.arrays)
        names: dict[str, str] = {nm: self.gscalar(g, nm) for nm in g.scalars}
        names["N"] = self.gN(g) if size is None else size
        count = index[1] if index else self.gN(g)
        pre: list[str] = []
        per_neuron: set[str] = set(arrays) | {"i"}
        hoisted: list[str] = []
        printer = _KernelPrinter(self, g, names, per_neuron, hoisted, f"_h{self.n_ops}_")
        inner: list[str] = []
        declared: set[str] = set()
        used: set[str] = set()
        written: set[str] = set()
        all_parts = [(kind, tuple(predraw(sts))) for kind, sts in parts]
        for _, sts in all_parts:
            for st in sts:
                used |= {x.name for x in st.expr.free_symbols}
                if st.target in arrays:
                    written.add(st.target)
        for st in on_spike:
            used |= {x.name for x in st.expr.free_symbols}
            if st.target in arrays:
                written.add(st.target)
        if refractory:
            used |= {"lastspike", "not_refractory"}
            written |= {"lastspike", "not_refractory"}
        if record:
            used |= {nm for nm, _ in record if nm in arrays}
        inner.append(f"const int64_t _i = {index[0] + '[_j]' if index else '_j'};")
        if "i" in used:
            names["i"] = f"(_i - {offset})" if offset is not None else "_i"
        for nm in sorted((arrays - {"i"}) & (used | written)):
            ctype = CTYPES[g.arrays[nm]]
            lname = f"_v_{c_name(nm)}"
            inner.append(f"{ctype} {lname} = {self.garray(g, nm)}[_i];")
            names[nm] = lname

        float64_arrays = {nm for nm, dt in g.arrays.items() if dt == "float64"}

        def assign(st: Assign, out: list[str]) -> None:
            # NumPy computes in float64 as soon as a float64 array (lastspike) takes part
            printer._float = (vtype == "float" and not any(
                x.name in float64_arrays for x in st.expr.free_symbols))
            text = printer.doprint(st.expr)
            if st.target in names:
                out.append(f"{names[st.target]} = {text};")
            else:
                lname = (c_name(st.target) if st.target.startswith("_")
                         else f"_t_{c_name(st.target)}")
                # a bare Symbol is a SymPy Boolean too: only comparisons and logic are int
                is_bool = isinstance(st.expr, (sp.core.relational.Relational, sp.And, sp.Or,
                                               sp.Not, sp.logic.boolalg.BooleanAtom))
                out.append(f"{'int' if is_bool else vtype} {lname} = {text};")
                names[st.target] = lname
                declared.add(st.target)
            per_neuron.add(st.target)

        spk = self.spikes(g) if any(kind == "threshold" for kind, _ in parts) else None
        for pk, (kind, sts) in enumerate(all_parts):
            for name, dist in draw_kinds(sts):
                buf = self.scratch((tag, pk, name))
                fn = ("rng->next_double(rng->state)" if dist == "uniform"
                      else "random_standard_normal(rng)")
                pre.append(f"for (int64_t _j = 0; _j < {count}; ++_j) {buf}[_j] = {fn};")
                lname = f"_d{pk}{name}"
                inner.append(f"const double {lname} = {buf}[_j];")
                names[name] = lname
                per_neuron.add(name)
            for st in sts:
                if st.target.startswith("_draw_"):
                    continue
                assign(st, inner)
            if kind == "threshold":
                # spikes are rare: lay the loop out for the neurons that do not fire
                inner.append(f"if (__builtin_expect({names['_cond']}, 0)) {{")
                inner.append(f"    {spk[0]}[_nspk++] = _i;")
                if refractory:
                    inner.append(f"    {names['lastspike']} = t;")
                    inner.append(f"    {names['not_refractory']} = 0;")
                inner.append("}")
                cond_name = names.pop("_cond")
        if on_spike:
            # the reset comes after every other part (the update may follow the threshold)
            block: list[str] = []
            for st in on_spike:
                assign(st, block)
            inner.append(f"if (__builtin_expect({cond_name}, 0)) {{")
            inner.extend("    " + ln for ln in block)
            inner.append("}")
        if record:
            for nm, target in record:
                inner.append(f"{target} = {names[nm]};")
        for nm in sorted(written):
            inner.append(f"{self.garray(g, nm)}[_i] = {names[nm]};")
        # one block per loop: its hoisted values and counters stay local, and the spike
        # count lives in a register during the loop (a store per spike defeats the optimiser)
        w("{")
        with w.block():
            for ln in pre:
                w(ln)
            for ln in hoisted:
                w(ln)
            if spk is not None:
                w(f"int64_t _nspk = {spk[1]}[0];")
            w(f"for (int64_t _j = 0; _j < {count}; ++_j) {{")
            with w.block():
                for ln in inner:
                    w(ln)
            if spk is not None:
                w(f"{spk[1]}[0] = _nspk;")
        self.n_ops += 1


class _KernelPrinter(CCodePrinter):
    """The C printer with the kernel's names, TimedArray lookups and hoisting.

    Names and lookups are applied while printing, never by rewriting the SymPy tree, so the
    printed order of operations is the one the NumPy printer uses (same rounding).
    """

    def __init__(self, kernel: _Kernel, g: GroupSpec, names: dict[str, str],
                 per_neuron: set[str], hoisted: list[str], prefix: str) -> None:
        super().__init__()
        self._kernel = kernel
        self._g = g
        self._names = names
        self._per_neuron = per_neuron
        self._hoisted = hoisted
        self._hoist_names: dict[sp.Basic, str] = {}
        self._prefix = prefix
        self._parents: list[sp.Basic] = []
        # float32 groups compute per-neuron arithmetic in float, as NumPy does with float32
        # arrays and Python scalars; neuron-independent values are computed in double first
        self._float = g.value_dtype == "float32"
        self._hoist_depth = 0

    def _cast(self, text: str) -> str:
        return f"((float){text})" if self._float and self._hoist_depth == 0 else text

    def _depends(self, expr: sp.Basic) -> bool:
        if any(x.name in self._per_neuron for x in expr.free_symbols):
            return True
        return any(self._g.functions.get(c.func.__name__) == 2
                   for c in expr.atoms(sp.core.function.AppliedUndef))

    def _print(self, expr, **kwargs) -> str:
        parent = self._parents[-1] if self._parents else None
        hoistable = isinstance(expr, (sp.Function, sp.Add)) or (
            isinstance(expr, (sp.Mul, sp.Pow)) and not isinstance(parent, sp.Mul))
        if (hoistable and isinstance(expr, sp.Basic) and not expr.is_Atom
                and not isinstance(expr, (sp.logic.boolalg.Boolean,))
                and not self._depends(expr)):
            name = self._hoist_names.get(expr)
            if name is None:
                self._parents.append(None)
                self._hoist_depth += 1
                try:
                    text = super()._print(expr, **kwargs)
                finally:
                    self._parents.pop()
                    self._hoist_depth -= 1
                name = f"{self._prefix}{len(self._hoisted)}"  # after the inner ones
                self._hoisted.append(f"const double {name} = {text};")
                self._hoist_names[expr] = name
            return self._cast(name)
        self._parents.append(expr if isinstance(expr, sp.Basic) else None)
        try:
            return super()._print(expr, **kwargs)
        finally:
            self._parents.pop()

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        text = self._names.get(expr.name, c_name(expr.name))
        if expr.name in self._g.scalars or expr.name in ("t", "dt"):
            return self._cast(text)
        return text

    def _print_Float(self, expr: sp.Float) -> str:
        return self._cast(super()._print_Float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return self._cast(super()._print_Rational(expr))

    def _print_AppliedUndef(self, expr) -> str:
        fname = expr.func.__name__
        if fname not in self._g.functions:
            raise ValueError(f"no C implementation for the function {fname!r}")
        v, n, ncol, inv = self._kernel.timed_array(self._g, fname)
        self._hoist_depth += 1  # times and indices stay double: they pick the sample
        try:
            args = ", ".join(self._print(a) for a in expr.args)
        finally:
            self._hoist_depth -= 1
        if self._g.functions[fname] == 2:
            return self._cast(f"lifdsl_ta2({v}, {n}, {ncol}, {inv}, {args})")
        return self._cast(f"lifdsl_ta1({v}, {n}, {inv}, {args})")


def _reads_writes(op: Op) -> tuple[set[str], set[str]]:
    if isinstance(op, (UpdateOp, ResetOp, ThresholdOp)):
        r: set[str] = set()
        w: set[str] = set()
        for st in op.statements:
            r |= {s.name for s in st.expr.free_symbols}
            w.add(st.target)
        if isinstance(op, ThresholdOp):
            w |= {"_spikes"} | ({"lastspike", "not_refractory"} if op.refractory else set())
        if isinstance(op, ResetOp):
            r.add("_spikes")
        return r, w
    if isinstance(op, StateRecordOp):
        r = set()
        for nm, e in op.variables:
            r |= {s.name for s in e.free_symbols} if e is not None else {nm}
        return r, set()
    return {"_spikes"}, set()


def _has_draws(op: Op) -> bool:
    if isinstance(op, StateRecordOp):
        return any(e is not None and e.atoms(*RANDOM_FUNCTIONS) for _, e in op.variables)
    sts = getattr(op, "statements", ())
    return any(st.expr.atoms(*RANDOM_FUNCTIONS) for st in sts)


def _fusion_plan(ops: list[Op]) -> list[tuple[str, list[Op]]]:
    """Group adjacent operations of one group into fused passes where that changes nothing:
    update+threshold(+reset), or threshold+update(+reset), moving only operations that commute
    (spike/rate recorders run after the pass, state recorders that read what the threshold
    does not write run before it)."""
    plan: list[tuple[str, list[Op]]] = []
    i = 0
    while i < len(ops):
        op = ops[i]
        if isinstance(op, (UpdateOp, ThresholdOp)) and getattr(op, "every", None) is None:
            g = op.group
            chain = [op]
            before: list[Op] = []
            after: list[Op] = []
            j = i + 1
            want: list[type] = [ThresholdOp] if isinstance(op, UpdateOp) else [UpdateOp]
            want.append(ResetOp)
            while j < len(ops) and want:
                nxt = ops[j]
                if isinstance(nxt, want[0]) and nxt.group == g \
                        and getattr(nxt, "every", None) is None:
                    if isinstance(nxt, ResetOp) and _has_draws(nxt):
                        break
                    chain.append(nxt)
                    want.pop(0)
                    j += 1
                    continue
                if isinstance(nxt, (SpikeRecordOp, RateRecordOp)) and nxt.group == g \
                        and any(isinstance(c, ThresholdOp) for c in chain):
                    after.append(nxt)
                    j += 1
                    continue
                if isinstance(nxt, StateRecordOp) and nxt.group == g \
                        and len(chain) == 1 and isinstance(op, ThresholdOp) \
                        and not (_reads_writes(nxt)[0] & _reads_writes(op)[1]) \
                        and not (_has_draws(nxt) and _has_draws(op)):
                    before.append(nxt)
                    j += 1
                    continue
                break
            if len(chain) > 1:
                plan.extend(("single", [b]) for b in before)
                plan.append(("fused", chain))
                plan.extend(("single", [a]) for a in after)
                i = j
                continue
        plan.append(("single", [op]))
        i += 1
    return plan


def generate_kernel(groups: list[GroupSpec], ops: list[Op]) -> tuple[str, ArgLayout]:
    """Cython source of a module with ``run(P, D, L, capsule, step0, n_steps) -> step``."""
    gmap = {g.key: g for g in groups}
    k = _Kernel(gmap)
    w = k.body
    for kind, chain in _fusion_plan(ops):
        first = chain[0]
        g = gmap[first.group] if hasattr(first, "group") else None
        w(f"/* {kind}: {', '.join(type(c).__name__ for c in chain)} of {first.group} */")
        if kind == "fused":
            parts = []
            on_spike: tuple[Assign, ...] = ()
            refractory = False
            for c in chain:
                if isinstance(c, UpdateOp):
                    parts.append(("plain", c.statements))
                elif isinstance(c, ThresholdOp):
                    parts.append(("threshold", c.statements))
                    refractory = c.refractory
                else:
                    on_spike = c.statements
            if any(p[0] == "threshold" for p in parts):
                _, cnt = k.spikes(g)
                w(f"{cnt}[0] = 0;")
            k.loop(g, parts, index=None, tag=f"op{k.n_ops}", on_spike=on_spike,
                   refractory=refractory)
            continue
        op = first
        if isinstance(op, UpdateOp) and op.every is not None:
            period = k.int_arg(f"{op.every}_period", "period", op.every)
            w(f"if (step % {period} == 0) {{")
            with w.block():
                k.loop(g, [("plain", op.statements)], index=None, tag=f"op{k.n_ops}")
        elif isinstance(op, UpdateOp):
            k.loop(g, [("plain", op.statements)], index=None, tag=f"op{k.n_ops}")
        elif isinstance(op, ThresholdOp):
            _, cnt = k.spikes(g)
            w(f"{cnt}[0] = 0;")
            k.loop(g, [("threshold", op.statements)], index=None, tag=f"op{k.n_ops}",
                   refractory=op.refractory)
        elif isinstance(op, ResetOp):
            buf, cnt = k.spikes(g)
            k.loop(g, [("plain", op.statements)], index=(buf, f"{cnt}[0]"),
                   tag=f"op{k.n_ops}")
        elif isinstance(op, StateRecordOp):
            _state_record(k, g, op)
        elif isinstance(op, SpikeRecordOp):
            _spike_record(k, g, op)
        elif isinstance(op, RateRecordOp):
            _rate_record(k, g, op)
    return _module_source(k), k.layout


def _state_record(k: _Kernel, g: GroupSpec, op: StateRecordOp) -> None:
    w = k.body
    tbuf = k.ptr_arg(f"{op.key}_t", "double", "rec_t", op.key)
    idx = k.ptr_arg(f"{op.key}_idx", "int64_t", "rec_idx", op.key, const=True)
    nrec = k.int_arg(f"{op.key}_nrec", "nrec", op.key)
    w(f"{tbuf}[_k] = t;")
    plain = []
    exprs = []
    for nm, e in op.variables:
        if e is None:  # a stored variable (per neuron, or shared: the group's dtype)
            ctype = CTYPES[g.arrays[nm]] if nm in g.arrays else CTYPES[g.value_dtype]
        else:
            ctype = "double"
        buf = k.ptr_arg(f"{op.key}_r_{nm}", ctype, "rec", op.key, nm)
        if e is None and nm in g.arrays:
            plain.append((nm, buf))
        elif e is None:
            value = k.gscalar(g, nm)
            w(f"for (int64_t _j = 0; _j < {nrec}; ++_j) {buf}[_k*{nrec} + _j] = {value};")
        else:
            exprs.append((nm, e, buf))
    if plain:
        w(f"for (int64_t _j = 0; _j < {nrec}; ++_j) {{")
        with w.block():
            w(f"const int64_t _i = {idx}[_j];")
            for nm, buf in plain:
                w(f"{buf}[_k*{nrec} + _j] = {k.garray(g, nm)}[_i];")
    if exprs:
        sts = tuple(Assign(f"_rec_{nm}", e) for nm, e, _ in exprs)
        rec = [(f"_rec_{nm}", f"{buf}[_k*{nrec} + _j]") for nm, _, buf in exprs]
        sub = op.offset or op.size is not None
        k.loop(g, [("plain", sts)], index=(idx, nrec), tag=f"op{k.n_ops}", record=rec,
               offset=k.int_arg(f"{op.key}_lo", "lo", op.key) if sub else None,
               size=k.int_arg(f"{op.key}_size", "size", op.key) if sub else None)


def _spike_record(k: _Kernel, g: GroupSpec, op: SpikeRecordOp) -> None:
    w = k.body
    buf, cnt = k.spikes(g)
    mi = k.ptr_arg(f"{op.key}_i", "int64_t", "smon_i", op.key)
    ms = k.ptr_arg(f"{op.key}_s", "int64_t", "smon_step", op.key)
    mc = k.ptr_arg(f"{op.key}_c", "int64_t", "smon_count", op.key)
    mn = k.ptr_arg(f"{op.key}_n", "int64_t", "smon_n", op.key)
    rec = k.int_arg(f"{op.key}_rec", "smon_record", op.key)
    lo = k.int_arg(f"{op.key}_lo", "lo", op.key)
    size = k.int_arg(f"{op.key}_size", "size", op.key)
    k.capacity_checks.append(f"if ({mn}[0] + {size} > {mn}[1]) return step;")
    w("{")
    with w.block():
        w(f"int64_t _n = {mn}[0];")
        w(f"const int64_t _nspk = {cnt}[0];")
        w("for (int64_t _j = 0; _j < _nspk; ++_j) {")
        with w.block():
            w(f"const int64_t _s = {buf}[_j] - {lo};")
            w(f"if ((uint64_t)_s >= (uint64_t){size}) continue;")
            w(f"{mc}[_s]++;")
            w(f"if ({rec}) {{ {mi}[_n] = _s; {ms}[_n] = step; _n++; }}")
        w(f"{mn}[0] = _n;")


def _rate_record(k: _Kernel, g: GroupSpec, op: RateRecordOp) -> None:
    w = k.body
    buf, cnt = k.spikes(g)
    rt = k.ptr_arg(f"{op.key}_t", "double", "rate_t", op.key)
    rr = k.ptr_arg(f"{op.key}_r", "double", "rate", op.key)
    sc = k.dbl_arg(f"{op.key}_scale", "rate_scale", op.key)
    lo = k.int_arg(f"{op.key}_lo", "lo", op.key)
    size = k.int_arg(f"{op.key}_size", "size", op.key)
    w("{")
    with w.block():
        w("int64_t _c = 0;")
        w(f"for (int64_t _j = 0; _j < {cnt}[0]; ++_j)")
        w(f"    _c += ({buf}[_j] >= {lo} && {buf}[_j] < {lo} + {size});")
        w(f"{rt}[_k] = t;")
        w(f"{rr}[_k] = _c * {sc};")


_PYX_HEAD = '''# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
# cython: initializedcheck=False
# Generated by lifdsl: one kernel for the whole time loop of a network.
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdint cimport int64_t, uintptr_t

cdef extern from *:
    """
#include <math.h>
#include <stdint.h>
#include "numpy/random/bitgen.h"
double random_standard_normal(bitgen_t *bitgen_state);
'''

_PYX_TAIL = '''    """
    ctypedef struct bitgen_t:
        pass
    int64_t lifdsl_kernel(void **P, const double *D, const int64_t *L, bitgen_t *rng,
                          int64_t step0, int64_t n_steps) nogil


def run(uintptr_t P, uintptr_t D, uintptr_t L, object capsule, int64_t step0, int64_t n_steps):
    """Advance n_steps steps from step0; returns the step reached (earlier if a spike buffer
    needs to grow). P, D, L are the addresses of the pointer, double and integer arguments."""
    cdef bitgen_t *rng = <bitgen_t*> PyCapsule_GetPointer(capsule, "BitGenerator")
    cdef int64_t r
    with nogil:
        r = lifdsl_kernel(<void**> P, <const double*> D, <const int64_t*> L, rng, step0,
                          n_steps)
    return r
'''


def _module_source(k: _Kernel) -> str:
    c: list[str] = []
    c.append(C_SUPPORT_CODE)
    c.append("static int64_t lifdsl_kernel(void **P, const double *D, const int64_t *L, "
             "bitgen_t *rng, int64_t step0, int64_t n_steps)")
    c.append("{")
    c.append("    (void)rng;")
    c.append("    const double dt = D[0];")
    c.append("    const int64_t rec_step0 = L[0];")
    c.extend("    " + d for d in k.decl)
    c.append("    for (int64_t step = step0; step < step0 + n_steps; ++step) {")
    c.append("        const double t = step * dt;")
    c.append("        const int64_t _k = step - rec_step0;")
    c.append("        (void)t; (void)_k;")
    c.extend("        " + chk for chk in k.capacity_checks)
    c.extend(k.body.lines)
    c.append("    }")
    c.append("    return step0 + n_steps;")
    c.append("}")
    ctext = "\n".join(c).replace('"""', "'''")
    ctext = "\n".join(("" if not ln.strip() else ln) for ln in ctext.splitlines())
    return _PYX_HEAD + ctext + "\n" + _PYX_TAIL
