"""Which operations of a program the kernel may fuse into one pass over memory."""

from __future__ import annotations

from lifdsl.codegen import program as P
from lifdsl.equations.functions import RANDOM_FUNCTIONS


def _code_keys(code: P.Code | None) -> tuple[set[str], set[str]]:
    """Buffer keys the code reads and writes."""
    if code is None:
        return set(), set()
    refs = code.array_map()
    reads: set[str] = set()
    writes: set[str] = set()
    for st in code.statements:
        for s in st.expr.free_symbols:
            if s.name in refs:
                reads.add(refs[s.name].key)
                if refs[s.name].index:
                    reads.add(refs[s.name].index)
        if st.target in refs:
            writes.add(refs[st.target].key)
    return reads, writes


def reads_writes(op: P.Operation) -> tuple[set[str], set[str]]:
    """The buffer keys an operation reads and writes."""
    if isinstance(op, P.Every):
        return reads_writes(op.op)
    reads, writes = _code_keys(getattr(op, "code", None))
    if isinstance(op, P.Threshold):
        writes |= {op.spikes, op.nspikes} | {k for k in (op.lastspike, op.not_refractory) if k}
    elif isinstance(op, (P.Reset, P.Propagate, P.RecordSpikes, P.RecordRate)):
        reads |= {op.spikes, op.nspikes}
    elif isinstance(op, P.EmitSpikes):
        writes |= {op.spikes, op.nspikes}
    elif isinstance(op, P.PushSpikes):
        reads |= {op.spikes, op.nspikes}
        writes |= {op.ring, op.ring_n}
    if isinstance(op, P.RecordState):
        reads |= {key for _, key, scalar in op.stored if not scalar}
    return reads, writes


def has_draws(op: P.Operation) -> bool:
    """True if the operation consumes random numbers."""
    if isinstance(op, P.Every):
        return has_draws(op.op)
    code = getattr(op, "code", None)
    return code is not None and any(st.expr.atoms(*RANDOM_FUNCTIONS) for st in code.statements)


def _plain(op: P.Operation) -> bool:
    return isinstance(op, P.Update) and op.period is None


def fusion_plan(ops: list[P.Operation]) -> list[tuple[str, list[P.Operation]]]:
    """Adjacent operations of one population as fused passes where that changes nothing:
    update+threshold(+reset), or threshold+update(+reset), moving only operations that commute
    (spike/rate recorders run after the pass; a state recorder right after a lone threshold
    runs before it when it reads nothing the threshold writes and they do not both draw)."""
    plan: list[tuple[str, list[P.Operation]]] = []
    i = 0
    while i < len(ops):
        op = ops[i]
        if _plain(op) or isinstance(op, P.Threshold):
            chain = [op]
            before: list[P.Operation] = []
            after: list[P.Operation] = []
            j = i + 1
            want: list[type] = [P.Threshold] if isinstance(op, P.Update) else [P.Update]
            want.append(P.Reset)
            thr = op if isinstance(op, P.Threshold) else None
            while j < len(ops) and want:
                nxt = ops[j]
                if isinstance(nxt, want[0]) and _joins(chain, nxt, thr):
                    if isinstance(nxt, P.Reset) and has_draws(nxt):
                        break
                    chain.append(nxt)
                    thr = nxt if isinstance(nxt, P.Threshold) else thr
                    want.pop(0)
                    j += 1
                    continue
                # (a recorder of values at spikes reads them before the reset: it stays put)
                if isinstance(nxt, (P.RecordSpikes, P.RecordRate)) and thr is not None \
                        and nxt.spikes == thr.spikes and getattr(nxt, "code", None) is None:
                    after.append(nxt)
                    j += 1
                    continue
                if isinstance(nxt, P.RecordState) and len(chain) == 1 and thr is op \
                        and not (reads_writes(nxt)[0] & reads_writes(op)[1]) \
                        and not (has_draws(nxt) and has_draws(op)):
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


def _joins(chain: list[P.Operation], nxt: P.Operation, thr: P.Threshold | None) -> bool:
    """``nxt`` works on the population of ``chain`` (and a reset on its threshold's spikes)."""
    count = next(op.count for op in chain if not isinstance(op, P.Reset))
    if isinstance(nxt, P.Reset):
        return thr is not None and nxt.spikes == thr.spikes
    if isinstance(nxt, P.Update) and not _plain(nxt):
        return False
    if nxt.count != count or nxt.code.dtype != chain[0].code.dtype:
        return False
    # the same population: its spikes are the threshold's
    owner = thr.spikes.rpartition(".")[0] if thr is not None else None
    mine = nxt.spikes.rpartition(".")[0] if isinstance(nxt, P.Threshold) else None
    keys = {ref.key.rpartition(".")[0] for _, ref in nxt.code.arrays}
    keys |= {ref.key.rpartition(".")[0] for op in chain for _, ref in op.code.arrays}
    return (owner is None or owner in keys | {mine}) and len(keys) <= 1
