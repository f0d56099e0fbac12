"""Ctrl-C during a run is honoured at the next step boundary, never inside a step.

While a target runs, SIGINT only records that it came; the runtime looks at the record after
each step (NumPy) or each kernel call (Cython), after the network's time has been set, and
then raises KeyboardInterrupt (or calls the handler that was installed before). So after an
interrupt the state, ``net.t`` and every monitor agree, and ``run()`` continues from there.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator


class Interrupts:
    """SIGINTs received during a run (empty outside the main thread, where none arrive)."""

    def __init__(self) -> None:
        self.count = 0
        self.previous = None

    def pending(self) -> bool:
        """True if Ctrl-C came since the run started."""
        return self.count > 0

    def deliver(self) -> None:
        """Act on a received Ctrl-C as the handler before the run would have."""
        self.count = 0
        prev = self.previous
        if callable(prev) and prev is not signal.default_int_handler:
            prev(signal.SIGINT, None)
            return
        if prev != signal.SIG_IGN:
            raise KeyboardInterrupt


@contextlib.contextmanager
def deferred() -> Iterator[Interrupts]:
    """Within the block, Ctrl-C is recorded instead of raised (main thread only)."""
    record = Interrupts()
    if threading.current_thread() is not threading.main_thread():
        yield record
        return

    def handler(signum, frame) -> None:
        record.count += 1

    try:
        record.previous = signal.signal(signal.SIGINT, handler)
    except (ValueError, OSError):  # no signals here (embedded interpreter)
        yield record
        return
    try:
        yield record
    finally:
        signal.signal(signal.SIGINT, record.previous)
