"""Stopping a batch on request: SIGINT and SIGTERM only ask it to stop, from the moment the
command starts (before the heavy imports and the project load), so that a signal at any time
ends in either "nothing was done" or a completed manifest. Light on purpose: imported first."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class NotStartedError(Exception):
    """A signal came before the batch took its folder: nothing was done."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@dataclass
class Stop:
    """Why the batch should stop: a signal, or a write the system refused."""

    signum: int | None = None
    write_failed: str | None = None
    handled: tuple[int, ...] = field(default=(signal.SIGINT, signal.SIGTERM))

    @property
    def requested(self) -> bool:
        return bool(self.signum or self.write_failed)


@contextmanager
def interruptible() -> Iterator[Stop]:
    """While the batch runs, SIGINT and SIGTERM only ask it to stop: the current file is put in
    place and listed, the rest marked, and the manifest completed before it ends."""
    stop = Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def ask(signum, frame):
        stop.signum = signum
    previous = {s: signal.signal(s, ask) for s in stop.handled}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
