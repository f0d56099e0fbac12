"""Group: what NeuronGroup (and Synapses) share: state variables, string assignment, name
resolution, code of the group's strings in the program's terms, and store/restore."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from lifdsl.codegen import program as P
from lifdsl.codegen.targets import evaluate
from lifdsl.core.base import SimObject, caller_scope
from lifdsl.core.functions import as_function
from lifdsl.core.random import get_rng
from lifdsl.equations import EquationError, Equations, parse_expression
from lifdsl.equations.functions import SPECIAL_NAMES, symbol
from lifdsl.equations.statements import Assign
from lifdsl.units.check import check_assignment, check_quantity
from lifdsl.units.dimensions import DIMENSIONLESS, Dimension
from lifdsl.units.quantity import Quantity
from lifdsl.units.resolve import resolve_constants, resolve_functions

_DTYPES = {"float64": np.float64, "float32": np.float32}
#: how ``: integer`` and ``: boolean`` variables are stored (Brian2's int32 and bool)
TYPE_DTYPES = {"integer": np.dtype(np.int32), "boolean": np.dtype(np.bool_)}


def _storage_dtype(unit: str | None, floating: np.dtype) -> np.dtype:
    """The array dtype of a stored variable with annotation ``unit``: int32 for ``integer``,
    bool for ``boolean``, the group's floating-point type otherwise."""
    return TYPE_DTYPES.get((unit or "").strip(), floating)


def _check_integer_range(name: str, arr: np.ndarray, values) -> None:
    """Values for an integer array (``: integer``) must be finite and within its range (a
    float is truncated toward zero as it is stored, as in Brian2); else an OverflowError."""
    if arr.dtype.kind not in "iu":
        return
    v = np.asarray(values)
    if v.size == 0 or v.dtype.kind == "b":
        return
    info = np.iinfo(arr.dtype)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(v) | (v < info.min) | (v >= info.max + 1) if v.dtype.kind == "f" \
            else (v < info.min) | (v > info.max)
    if np.any(bad):
        first = np.atleast_1d(v)[np.argmax(np.atleast_1d(bad))].item()
        raise OverflowError(f"{name!r} is an integer variable ({arr.dtype}): {first!r} is "
                            f"outside its range {info.min}..{info.max}")


@lru_cache(maxsize=8192)
def names_in(expr: sp.Basic) -> tuple[frozenset[str], frozenset[str]]:
    """Identifiers and called function names of an expression (remembered: SymPy's tree
    walks would otherwise cost most of a warm run() call)."""
    ids = frozenset(s.name for s in expr.free_symbols)
    funcs = frozenset(f.func.__name__ for f in expr.atoms(sp.core.function.AppliedUndef))
    return ids, funcs


@lru_cache(maxsize=8192)
def calls_in(expr: sp.Basic) -> tuple:
    """The function calls in an expression (remembered)."""
    return tuple(expr.atoms(sp.core.function.AppliedUndef))


def _index_auto_vectorised(statements, functions) -> list:
    """Calls of ``auto_vectorise`` Functions get the element index ``i`` as one more argument
    (the implementation's ``_vectorisation_idx``)."""
    auto = {nm for nm, f in functions.items() if getattr(f, "auto_vectorise", False)}
    if not auto:
        return list(statements)
    i = symbol("i")
    out = []
    for st in statements:
        calls = {c: c.func(*c.args, i) for c in calls_in(st.expr) if c.func.__name__ in auto}
        out.append(Assign(st.target, st.expr.xreplace(calls), st.op) if calls else st)
    return out


class _StateIndexing:
    """What both state views share: an index (a string is a condition on the group's names,
    looked up where the user's code called) and a string assigned per element."""

    def _index(self, item):
        # caller_scope(1): the frame of the code that indexed the view (this adds one frame)
        if isinstance(item, str):
            return self._group._element_index(item, caller_scope(1), self._frame)
        return self._group._element_index(item, [])

    def _assign_text(self, item, value: str) -> None:
        idx = np.atleast_1d(np.arange(self.shape[0])[item]) + self._offset
        self._group._assign(self._name, idx, idx.size, value, caller_scope(1), self._frame)


class VariableView(_StateIndexing, np.ndarray):
    """``G.U``: the state array itself (SI floats). Besides numbers, an index may be assigned a
    string evaluated per element, as in Brian2: ``G.U[:10] = 'rand()*U_thr'``. Everything
    derived from it (slices, arithmetic) is a plain NumPy array."""

    def __new__(cls, array: np.ndarray, group: Group, name: str, offset: int = 0,
                frame: tuple[int, int] | None = None):
        obj = array.view(cls)
        obj._group = group
        obj._name = name
        obj._offset = offset
        obj._frame = frame
        return obj

    def __array_finalize__(self, obj) -> None:
        self._group = None

    def __array_wrap__(self, out, context=None, return_scalar=False):
        out = np.asarray(out)
        return out[()] if return_scalar else out

    def __getitem__(self, item):
        if self._group is not None:
            item = self._index(item)
        return self.view(np.ndarray)[item]

    def __setitem__(self, item, value) -> None:
        if self._group is not None:
            item = self._index(item)
            if isinstance(value, str):
                self._assign_text(item, value)
                return
            _check_integer_range(self._name, self, value)
        self.view(np.ndarray)[item] = value

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __str__(self) -> str:
        return str(self.view(np.ndarray))

    def __reduce__(self):
        return self.view(np.ndarray).__reduce__()


class QuantityView(_StateIndexing, Quantity):
    """``G.v`` of a variable with a unit: the state array itself (no copy) with the variable's
    dimension. Reads give Quantities; writes take quantities of that dimension (checked), plain
    SI numbers, or strings evaluated per element; ``G.v_`` is the plain :class:`VariableView`."""

    def __new__(cls, array: np.ndarray, group: Group, name: str, dim, offset: int = 0,
                frame: tuple[int, int] | None = None):
        obj = array.view(cls)
        obj.dim = dim
        obj._group = group
        obj._name = name
        obj._offset = offset
        obj._frame = frame
        return obj

    def __array_finalize__(self, obj) -> None:
        self.dim = getattr(obj, "dim", DIMENSIONLESS)
        self._group = None

    def __getitem__(self, item):
        if self._group is not None:
            item = self._index(item)
        return self.view(Quantity)[item]

    def __setitem__(self, item, value) -> None:
        group = self._group
        if group is None:
            Quantity.__setitem__(self.view(Quantity), item, value)
            return
        item = self._index(item)
        if isinstance(value, str):
            self._assign_text(item, value)
            return
        if isinstance(value, Quantity):
            check_quantity(group.equations, self._name, value)
        self.view(np.ndarray)[item] = np.asarray(value)

    def __reduce__(self):
        return Quantity(self.view(np.ndarray), self.dim).__reduce__()


class Resolved:
    """Names of a group's strings resolved for one run: constants and function objects."""

    def __init__(self, constants: dict[str, float], functions: dict[str, Any],
                 dims: dict[str, Any] | None = None) -> None:
        self.constants = constants
        self.functions = functions
        self.dims = dims or {}  # dimensions of the constants that are Quantities


class _Placeholder:
    """Stands for a function object before names are resolved."""

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim


class Group(SimObject):
    """Elements sharing one model: stored variables (per element or shared), read and written
    as ``G.v``, assigned numbers, arrays or strings evaluated per element."""

    #: names of attributes that are fixed at creation
    _fixed = ("N", "name", "dtype", "equations")

    def __init__(self, N: int, equations: Equations, namespace: dict[str, Any] | None,
                 dtype: str, name: str | None, dt: float | None) -> None:
        super().__init__(name, dt)
        object.__setattr__(self, "_frozen", False)
        self.N = int(N)
        self.equations = equations
        self.namespace = dict(namespace or {})
        self.dtype = np.dtype(_DTYPES[str(dtype)])
        self._arrays: dict[str, np.ndarray] = {}
        #: (linked) variables -> their link (None until linked_var() is assigned): no array
        self._links: dict[str, Any] = {nm: None for nm in equations.param_names
                                       if "linked" in equations[nm].flags}
        for nm in equations.diff_names + equations.param_names:
            if nm in self._links:
                continue
            shape = (1,) if "shared" in equations[nm].flags else (self.N,)
            self._arrays[nm] = np.zeros(shape, dtype=_storage_dtype(equations[nm].unit,
                                                                    self.dtype))
        self._arrays["i"] = np.arange(self.N, dtype=np.int64)
        self._arrays["i"].setflags(write=False)  # the element index is not for changing
        self._t_now = 0.0
        self._dt_now = float(dt) if dt is not None else 0.0

    #: attributes set on every instance (besides the class's own names)
    _instance_names = ("N", "equations", "namespace", "dtype", "name", "active")

    @classmethod
    def _check_names_free(cls, eqs: Equations) -> None:
        """A variable named like an attribute (``spikes``, ``method``, ``active``) could not be
        read back, and setting it would set the attribute: such names are refused."""
        reserved = ({n for n in dir(cls) if not n.startswith("_")}
                    | set(cls._instance_names))
        for line in eqs.lines:
            if line.name in reserved:
                raise EquationError(
                    f"{line.name!r} is the name of a {cls.__name__} attribute; call the variable "
                    f"something else (reserved: {', '.join(sorted(reserved))})",
                    what="equations", lineno=line.lineno, line=line.source,
                    column=max(line.source.find(line.name), 0))

    @staticmethod
    def _check_dtype(dtype) -> str:
        """The group's float type: ``dtype`` as given, or ``prefs.dtype`` where it is None."""
        if dtype is None:
            from lifdsl.core.network import prefs

            return prefs.dtype
        try:
            dtype = np.dtype(dtype).name
        except TypeError:
            pass
        if str(dtype) not in _DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        return str(dtype)

    # -- the public buffer protocol --------------------------------------------------------------
    def buffers(self) -> dict[str, P.Buffer]:
        """The arrays this group owns (state variables, its index, bookkeeping), all persistent:
        targets read and write them in place."""
        return {nm: P.Buffer(a) for nm, a in self._arrays.items()}

    # -- state access -----------------------------------------------------------------------------
    @property
    def variables(self) -> list[str]:
        """Stored variables (differential equations, then parameters)."""
        return self.equations.diff_names + self.equations.param_names

    def __len__(self) -> int:
        return self.N

    def _dimension(self, name: str) -> Dimension | None:
        """The dimension of variable or subexpression ``name`` if it has one (None for
        dimensionless, boolean and integer ones: those read as plain arrays)."""
        dims = self.__dict__.get("_dims")
        if dims is None:
            from lifdsl.units.check import variable_dimensions

            dims = {n: d for n, d in variable_dimensions(self.equations).items()
                    if isinstance(d, Dimension) and d is not DIMENSIONLESS}
            object.__setattr__(self, "_dims", dims)
        return dims.get(name)

    def _view(self, name: str, array: np.ndarray, offset: int = 0, frame=None):
        """``G.<name>``: the array with its dimension (a QuantityView), or plain."""
        dim = self._dimension(name)
        if dim is None:
            return VariableView(array, self, name, offset, frame)
        return QuantityView(array, self, name, dim, offset, frame)

    def _with_dimension(self, name: str, values):
        """A computed value of ``name`` (a subexpression) as a Quantity if it has a unit."""
        dim = self._dimension(name)
        return values if dim is None else Quantity(values, dim)

    def __getattr__(self, name: str):
        links = self.__dict__.get("_links")
        if links and (name in links or (name.endswith("_") and name[:-1] in links)):
            base = name if name in links else name[:-1]
            link = self._link(base)
            scope = caller_scope(0, past="__getattr__") if link.subexpr else ()
            values = np.array(self._link_values(link, scope))   # a copy: not for writing
            return values if base != name else self._with_dimension(name, values)
        arrays = self.__dict__.get("_arrays")
        if arrays is not None:
            if name in arrays:
                return self._view(name, arrays[name])
            if name.endswith("_") and name[:-1] in arrays:   # G.v_: plain SI values
                return VariableView(arrays[name[:-1]], self, name[:-1])
        eqs = self.__dict__.get("equations")
        if eqs is not None and name in eqs.subexpr_names:  # (past Synapses.__getattr__)
            scope = caller_scope(0, past="__getattr__")
            return self._with_dimension(name, self._evaluate(name, slice(None), self.N, scope))
        if eqs is not None and name.endswith("_") and name[:-1] in eqs.subexpr_names:
            return self._evaluate(name[:-1], slice(None), self.N,
                                  caller_scope(0, past="__getattr__"))
        raise AttributeError(
            f"{type(self).__name__} {self.__dict__.get('name', '?')!r} has no attribute or "
            f"state variable {name!r}"
        )

    def __setattr__(self, name: str, value) -> None:
        if not self.__dict__.get("_frozen", False) or name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        links = self.__dict__.get("_links") or {}
        if name in links or (name.endswith("_") and name[:-1] in links):
            self._set_link(name if name in links else name[:-1], value)
            return
        if name.endswith("_") and name not in self._arrays and (
                name[:-1] in self._arrays or name[:-1] in self.equations.subexpr_names):
            name = name[:-1]  # G.v_ = ...: SI values, not checked
            value = value if isinstance(value, str) else np.asarray(value)
        if name in self._arrays or name in self.equations.subexpr_names:
            # only a string needs the caller's names (past Synapses.__setattr__ calling this)
            scope = caller_scope(0, past="__setattr__") if isinstance(value, str) else []
            self._assign(name, slice(None), self.N, value, scope)
            return
        if name in self._fixed:
            raise AttributeError(f"{name!r} of a {type(self).__name__} is fixed when it is "
                                 f"created")
        if name in type(self).__dict__ or name in self.__dict__ or hasattr(type(self), name):
            object.__setattr__(self, name, value)
            return
        raise AttributeError(
            f"{self.name!r} has no state variable {name!r} (variables: "
            f"{', '.join(self.variables)}); declare it in the equations as '{name} : unit'"
        )

    def _maintained(self) -> set[str]:
        """Arrays lifdsl keeps up to date itself (never assigned by users)."""
        return {"i"}

    def _element_index(self, item, namespaces, frame=None):
        """An index of ``G.v[...]`` as NumPy takes it; a string is a condition on the
        elements (of the subgroup ``frame``, whose ``i`` counts from 0), as in Brian2:
        ``G.v['i > 2']`` (Synapses add their own forms)."""
        if not isinstance(item, str):
            return item
        start, stop = frame if frame is not None else (0, self.N)
        keep = self._condition_values(item, slice(start, stop), stop - start, namespaces,
                                      frame)
        return np.flatnonzero(np.broadcast_to(keep, (stop - start,)))

    def _condition_values(self, text: str, idx, n: int, namespaces, frame=None) -> np.ndarray:
        """The truth values of the condition ``text`` for the elements ``idx`` (an index
        string); an EquationError quoting it if it is a number, not a condition."""
        from lifdsl.equations.grammar import _is_condition

        expr = parse_expression(text, what="index")
        if not (_is_condition(expr) or (isinstance(expr, sp.Symbol) and expr.name in
                                        self._boolean_names())):
            raise EquationError(
                f"an index string must be a true/false condition (such as 'i > 2'), but "
                f"{text!r} is a number", what="index", lineno=1, line=text, column=0)
        values = self._run_expression(expr, idx, n, namespaces, f"the index {text!r}", text,
                                      frame)
        return np.asarray(values, dtype=bool)

    def _boolean_names(self) -> set[str]:
        """Stored variables holding true/false values (``: boolean``)."""
        return {ln.name for ln in self.equations.lines if ln.unit == "boolean"}

    def _assign(self, name, idx, n, value, namespaces, frame=None) -> None:
        if name in self.equations.subexpr_names:
            raise AttributeError(
                f"{name!r} is a subexpression of {self.name!r}: it is computed, not stored"
            )
        if name in self._maintained():
            raise AttributeError(f"{name!r} is maintained by lifdsl and cannot be assigned")
        arr = self._arrays[name]
        shared = (arr.shape[0] == 1 and name in self.equations
                  and "shared" in self.equations[name].flags)
        if isinstance(value, str):
            if shared:
                expr = parse_expression(value, what=f"value of {name}")
                per_element = ({s.name for s in self.equations.substituted(expr).free_symbols}
                               & (self._array_names() | {"i"}))
                if per_element:  # (a rand() is fine: one draw for the group)
                    raise EquationError(
                        f"{name!r} is shared (one value for the group): its value cannot "
                        f"depend on the neuron ({', '.join(sorted(per_element))})",
                        what=f"value of {name}", lineno=1, line=value)
            values = self._evaluate_string(value, idx if not shared else slice(None),
                                           1 if shared else n, namespaces, name, frame)
            _check_integer_range(name, arr, values)
            arr[slice(None) if shared else idx] = values
            return
        if value is None or isinstance(value, (complex, np.complexfloating)):
            raise TypeError(f"{name!r} takes real numbers or a string, got {value!r}")
        if isinstance(value, Quantity):
            check_quantity(self.equations, name, value)
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise TypeError(f"{name!r} takes real numbers or a string, got an array of "
                            f"{value.dtype}")
        _check_integer_range(name, arr, value)
        target = arr[slice(None) if shared else idx]
        if value.ndim > 0 and value.shape != target.shape and value.size != 1:
            raise ValueError(
                f"cannot set {name!r} of {n} neuron(s) from an array of shape {value.shape}"
            )
        target[...] = value.reshape(target.shape) if value.size == target.size else value

    def _evaluate_string(self, text: str, idx, n, namespaces, target: str | None = None,
                         frame=None):
        expr = parse_expression(text, what=f"value of {target}" if target else "expression")
        return self._run_expression(expr, idx, n, namespaces, f"the assignment {text!r}", text,
                                    frame, target=target)

    def _evaluate(self, name: str, idx, n, namespaces):
        return np.array(self._run_expression(symbol(name), idx, n, namespaces, name, None))

    def _run_expression(self, expr, idx, n, namespaces, what, line, frame=None, target=None):
        """Evaluate ``expr`` for the elements ``idx`` now: inside a subgroup (``frame`` = its
        start and stop, or a slice ``idx``) ``i`` counts from 0 and ``N`` is the subgroup's
        size, as in Brian2; ``t`` is the current time. A value for ``target`` is checked
        against its dimension."""
        written = expr
        expr = self.equations.substituted(expr)
        resolved = self._resolve_exprs([expr], namespaces, what, line)
        if target is not None:
            check_assignment(self.equations, target, written, resolved.dims,
                             resolved.functions, line or "", what=f"value of {target}")
        if frame is None and isinstance(idx, slice):
            frame = idx.indices(self.N)[:2]
        start, stop = frame if frame is not None else (0, self.N)
        part = P.Part()
        key = "_eval"
        code = self._code([Assign("_value", expr)], resolved, key, part,
                          size=stop - start, offset=start if (start, stop) != (0, self.N)
                          else None)
        bindings = P.Bindings(arrays={k: b.array for k, b in part.buffers.items()},
                              scalars=part.scalars, ints=part.ints, functions=part.functions,
                              dt=self._dt_now, rng=get_rng())
        return evaluate(code, bindings, idx, n, self._t_now)

    @property
    def t(self) -> float:
        """The time of the group's network (seconds) after its last run."""
        return self._t_now

    # -- names ------------------------------------------------------------------------------------
    def _array_names(self) -> set[str]:
        """Per-element arrays (shared variables are single values, read as constants)."""
        return {nm for nm, a in self._arrays.items()
                if not (nm in self.equations.param_names and "shared" in self.equations[nm].flags)}

    def _shared_names(self) -> set[str]:
        return {nm for nm in self.equations.param_names if "shared" in self.equations[nm].flags}

    def _model_names(self) -> set[str]:
        return (set(self._arrays) | set(self.equations.subexpr_names) | set(SPECIAL_NAMES)
                | set(self._links))

    # -- linked variables -------------------------------------------------------------------------
    def _link(self, name: str):
        """The link of the (linked) variable ``name``; a TypeError if none was set."""
        link = self._links[name]
        if link is None:
            raise TypeError(f"the link target of variable {name!r} of {self.name!r} has not been "
                            f"set: link it with {self.name}.{name} = linked_var(group, 'var')")
        return link

    def _fit_link(self, value):
        """A link as this group keeps it: one source value read by every element (a shared
        variable, a source of one element) becomes an index of that element (Brian2's)."""
        if value.scalar or (value.size == 1 and self.N != 1 and value.index is None):
            return value.broadcast(self.N)
        return value

    def _code_link(self, name: str):
        """The link of ``name`` as this program's code reads it (a Synapses gives one source
        value an index per synapse it has now)."""
        return self._link(name)

    def _link_values(self, link, scope=()) -> np.ndarray:
        """A link's current values, one per element of this group."""
        return link.values(scope)

    def _expand_blocks(self, blocks: dict[str, list[Assign]]) -> dict[str, list[Assign]]:
        """Abstract code with linked subexpressions read as their expressions."""
        links = self.__dict__.get("_links") or {}
        if not any(lk is not None and lk.subexpr for lk in links.values()):
            return blocks
        return {k: [Assign(a.target, self._expand_links(a.expr), a.op) for a in stmts]
                for k, stmts in blocks.items()}

    def _expand_links(self, expr: sp.Basic) -> sp.Basic:
        """``expr`` with each linked subexpression replaced by its source's expression, in which
        the source's stored variables are read through links of their own (``_lnk_<name>_<v>``,
        at the link's elements) and names the source's ``namespace=`` gives are its values;
        other names are found as this group's are (Brian2 looks in the source's namespace)."""
        links = self.__dict__.get("_links") or {}
        subs = {}
        for nm, link in list(links.items()):
            if link is None or not link.subexpr or not expr.has(symbol(nm)):
                continue
            src = link.group
            e = src.equations.substituted(symbol(link.name))
            rep = {}
            for v in names_in(e)[0]:
                if v in src._arrays and v not in src._maintained():
                    alias = f"_lnk_{nm}_{v}"
                    if src._arrays[v].shape[0] != src.N or v in src._shared_names():
                        lv = type(link)(src, v, None, 1, 0, scalar=True)
                    else:
                        lv = type(link)(src, v, link.index, link.size, link.start)
                    self._links[alias] = self._fit_link(lv)
                    rep[symbol(v)] = symbol(alias)
                elif v in ("t", "dt"):
                    continue
                elif v in SPECIAL_NAMES or v in src._arrays or v in src._links:
                    raise NotImplementedError(
                        f"{nm!r} links to the subexpression {link.name!r} of {src.name!r}, "
                        f"which reads {v!r}: lifdsl links subexpressions of stored variables, "
                        f"constants, t and dt only")
                elif v in src.namespace:
                    value = src.namespace[v]
                    if isinstance(value, (int, float, np.number, Quantity)) and \
                            np.ndim(value) == 0:
                        rep[symbol(v)] = sp.Float(float(value))
            subs[symbol(nm)] = e.xreplace(rep)
        return expr.xreplace(subs) if subs else expr

    def _linked_ref(self, name: str, key: str, part: P.Part, keys, statements) -> P.Ref:
        """How code reaches the linked variable ``name``: the source's own buffer (under the
        source's key when ``keys`` knows it, so one buffer has one name in a program), read
        at an index buffer where the link has one. Writing it is writing the source; through
        an index that is refused (the targets would differ where indices repeat)."""
        link = self._code_link(name)
        if any(st.target == name for st in statements) and (link.subexpr or
                                                             link.index is not None):
            where = self._locate(name) or ("code", None, None)
            via = (f"the subexpression {link.name!r} of {link.group.name!r}" if link.subexpr
                   else f"{link.name!r} of {link.group.name!r} through an index (index= or a "
                        f"subgroup)")
            raise EquationError(f"{name!r} is linked to {via}: it can be read, not written",
                                what=where[0], lineno=where[1], line=where[2])
        if link.subexpr:   # (code reads its expression instead: see _expand_links)
            raise NotImplementedError(f"{name!r} links to the subexpression {link.name!r} of "
                                      f"{link.group.name!r}, which this code cannot read")
        skey = None
        if keys is not None:
            try:
                skey = keys(link.group)
            except KeyError:   # the source is not in the network: its values as they are
                skey = None
        bkey = P.key_of(skey, link.name) if skey is not None else P.key_of(key, name)
        part.buffers[bkey] = P.Buffer(link.group._arrays[link.name])
        index = None
        if link.index is not None:
            index = f"{key}._link_{name}"
            part.buffers[index] = P.Buffer(link.index)
        return P.Ref(bkey, index)

    def _set_link(self, name: str, value) -> None:
        """``G.v = linked_var(...)``: check size and unit, then link (nothing else is taken)."""
        from lifdsl.core.linked import LinkedVariable
        from lifdsl.units.quantity import DimensionMismatchError

        if not isinstance(value, LinkedVariable):
            raise ValueError(f"cannot set the linked variable {name!r} of {self.name!r} "
                             f"directly: link it to another variable with linked_var()")
        value = self._fit_link(value)
        self._check_link_size(name, value)
        mine, theirs = self._dimension(name), value.group._dimension(value.name)
        if mine != theirs:
            from lifdsl.units.check import show

            raise DimensionMismatchError(
                f"the unit of variable {name!r} ({show(mine or DIMENSIONLESS)}) does not match "
                f"its link target {value.name!r} of {value.group.name!r} "
                f"({show(theirs or DIMENSIONLESS)})")
        old = self._links.get(name)
        if value.subexpr or (old is not None and old.subexpr):
            self._blocks = None   # (abstract code reads a linked subexpression's expression)
            for alias in [a for a in self._links if a.startswith(f"_lnk_{name}_")]:
                del self._links[alias]   # (the old source's variables: _expand_links remakes)
        self._links[name] = value

    def _check_link_size(self, name: str, value) -> None:
        """A link covers every element (an error naming both sizes otherwise)."""
        if value.size != self.N:
            if value.index is not None and value.index.size == value.size and \
                    value.size != value.group.N:
                raise TypeError(f"the index array for linked variable {name!r} has to be a "
                                f"one-dimensional array of length {self.N}, but has shape "
                                f"({value.size},)")
            raise ValueError(
                f"cannot link variable {name!r} to {value.name!r}: the size of the target "
                f"group does not match ({self.N} != {value.size}); give an index array with "
                f"index= to link groups of different sizes")

    def _locate(self, name: str):
        """(what, line number, line) of the first string that uses ``name``, or None."""
        line = self.equations.line_using(name)
        if line is not None:
            return ("equations", line.lineno, line.source)
        for what, text in self._texts():
            if isinstance(text, str):
                for k, ln in enumerate(text.splitlines(), 1):
                    if name in ln:
                        return (what, k, ln)
        return None

    def _texts(self) -> list[tuple[str, str | None]]:
        """The group's strings besides the equations, to point errors at."""
        return []

    def _check_names(self, ids: set[str], what: str, line: str | None) -> None:
        """Refuse names that exist only in other kinds of code (subclasses add theirs)."""
        if "xi" in ids:
            raise EquationError("'xi' is not available here: white noise belongs in "
                                "differential equations", what=what,
                                lineno=1 if line else None, line=line)

    def _resolve(self, ids: set[str], funcs: set[str], namespaces, what: str,
                 line: str | None, targets=frozenset()) -> Resolved:
        """Constants and functions of a run: names not of the model come from ``namespace=``,
        then from ``namespaces`` (run's namespace, the caller's scope), then units."""
        model = self._model_names()
        self._check_names(ids - set(self._arrays), what, line)
        # temporaries of the generated code start with '_' or end in '_new' (users cannot
        # define such names); everything else not in the model is an external constant
        external = {nm for nm in ids if nm not in model and nm not in targets
                    and not nm.startswith("_")}
        nss = [self.namespace, *namespaces]

        def locate(name):
            found = self._locate(name)
            if found is None and line is not None:
                return (what, 1, line)
            return found

        dims: dict[str, Any] = {}
        consts = resolve_constants(external, nss, owner=f"{self.name}", locate=locate,
                                   dims=dims, known=model)
        fobjs = resolve_functions(funcs, nss, owner=f"{self.name}", locate=locate,
                                  convert=as_function)
        return Resolved(consts, fobjs, dims)

    def _resolve_blocks(self, blocks, namespaces, own: set[str]) -> Resolved:
        """Resolution for a run of the group's blocks of statements (targets not in ``own``
        are temporaries, not constants)."""
        ids: set[str] = set()
        funcs: set[str] = set()
        targets: set[str] = set()
        for stmts in blocks.values():
            for st in stmts:
                a, f = names_in(st.expr)
                ids |= a
                funcs |= f
                targets.add(st.target)
        return self._resolve(ids, funcs, namespaces, "model", None, frozenset(targets - own))

    def _resolve_exprs(self, exprs, namespaces, what: str, line: str | None) -> Resolved:
        ids: set[str] = set()
        funcs: set[str] = set()
        for e in exprs:
            a, b = names_in(e)
            ids |= a
            funcs |= b
        resolved = self._resolve(ids, funcs, namespaces, what, line)
        self._check_calls(exprs, resolved.functions, what, line)
        return resolved

    def _check_calls(self, exprs, functions, what: str, line: str | None) -> None:
        """A TimedArray or user function called with the wrong arguments is an error naming
        the line."""
        for e in exprs:
            for call in calls_in(e):
                fname = call.func.__name__
                obj = functions.get(fname)
                want = getattr(obj, "ndim", None)
                where = self._locate(fname) or (what, 1, line or "")
                if want in (0, -1):   # a user Function
                    if len(call.args) != obj.nargs:
                        raise EquationError(
                            f"{fname!r} takes {obj.nargs} argument(s), not {len(call.args)}",
                            what=where[0], lineno=where[1], line=where[2],
                            column=where[2].find(fname) if fname in where[2] else None)
                    continue
                if want == 2 and len(call.args) == 2 and call.args[1] == symbol("i") \
                        and obj.values.shape[1] < self.N:
                    raise EquationError(
                        f"{fname!r} has {obj.values.shape[1]} columns but {fname}(t, i) is "
                        f"read for {self.N} neurons", what=where[0], lineno=where[1],
                        line=where[2], column=where[2].find(fname) if fname in where[2] else None)
                if want is not None and len(call.args) != want:
                    form = f"{fname}(t)" if want == 1 else f"{fname}(t, i)"
                    raise EquationError(
                        f"{fname!r} is a {want}-D TimedArray: call it as {form}, "
                        f"not with {len(call.args)} argument(s)",
                        what=where[0], lineno=where[1], line=where[2],
                        column=where[2].find(fname) if fname in where[2] else None)

    def _placeholder(self, exprs) -> Resolved:
        """Resolution without values: every external name a constant 0.0, every call a
        function with as many arguments as written (enough to show the code's shape)."""
        ids: set[str] = set()
        calls: dict[str, int] = {}
        for e in exprs:
            ids |= {s.name for s in e.free_symbols}
            for c in e.atoms(sp.core.function.AppliedUndef):
                calls[c.func.__name__] = len(c.args)
        external = {nm for nm in ids - self._model_names() if not nm.startswith("_")
                    and not nm.endswith("_new")}
        functions: dict[str, Any] = {}
        for nm, n in calls.items():
            try:   # a function the group's namespace= holds shows as what it is
                found = as_function(self.namespace.get(nm)) if nm in self.namespace else None
            except (TypeError, ValueError):
                found = None
            functions[nm] = found if hasattr(found, "numpy_function") else _Placeholder(n)
        return Resolved({nm: 0.0 for nm in external}, functions)

    # -- code in the program's terms -------------------------------------------------------------
    def _code(self, statements, resolved: Resolved, key: str, part: P.Part, *,
              size: int | None = None, offset: int | None = None,
              extra: dict[str, float] | None = None, const_key: str | None = None,
              keys=None) -> P.Code:
        """``statements`` as program code over this group's elements (keys ``key.<name>``),
        registering the buffers, constants and functions they use in ``part``. Constants are
        keyed under ``const_key`` (default ``key``): a monitor resolves its own."""
        ckey = const_key or key
        statements = _index_auto_vectorised(statements, resolved.functions)
        used: set[str] = set()
        funcs: set[str] = set()
        for st in statements:
            a, f = names_in(st.expr)
            used |= a | {st.target}
            funcs |= f
        arrays = []
        for nm in sorted(used & (self._array_names() | {"i"})):
            bkey = P.key_of(key, nm, internal=nm in self._maintained())
            arrays.append((nm, P.Ref(bkey)))
            part.buffers[bkey] = P.Buffer(self._arrays[nm])
        for nm in sorted(used & set(self._links)):
            arrays.append((nm, self._linked_ref(nm, key, part, keys, statements)))
        scalars = []
        values = {**resolved.constants, **(extra or {})}
        for nm in sorted(used & self._shared_names()):
            scalars.append((nm, f"{key}.{nm}"))
            part.scalars[f"{key}.{nm}"] = float(self._arrays[nm][0])
        for nm in sorted(used & set(values)):
            scalars.append((nm, f"{ckey}.{nm}"))
            part.scalars[f"{ckey}.{nm}"] = values[nm]
        functions = []
        for nm in sorted(funcs):
            functions.append((nm, f"{ckey}.{nm}"))
            part.functions[f"{ckey}.{nm}"] = resolved.functions[nm]
        n = self.N if size is None else size
        size_key = f"{ckey}._N" if (size is not None and size != self.N) else f"{key}._N"
        part.ints[size_key] = n
        offset_key = None
        if offset:
            offset_key = f"{ckey}._offset"
            part.ints[offset_key] = offset
        return P.Code(tuple(statements), tuple(arrays), tuple(scalars), tuple(functions),
                      self.dtype.name, size_key, offset_key)

    # -- store / restore -------------------------------------------------------------------------
    def _get_state(self) -> dict[str, Any]:
        return {"arrays": {k: v.copy() for k, v in self._arrays.items()}}

    def _set_state(self, state: dict[str, Any]) -> None:
        for k, v in state["arrays"].items():
            if k != "i":  # the index never changes (and is read-only)
                self._arrays[k][...] = v
