"""How many connections ``brochure serve`` holds, and for how long: slow clients cannot hold it.

uvicorn bounds the requests it serves at once (``limit_concurrency``: past it, a 503) and how
long a kept-alive connection may sit idle (``timeout_keep_alive``), but it gives a client all the
time it likes to send a request's headers, so a client that sends half a request line and then
nothing holds a connection, and a file descriptor, for ever. :class:`HeaderTimeoutProtocol` is
uvicorn's own h11 protocol with a deadline for the headers: a connection whose request headers
are not complete :data:`HEADER_TIMEOUT` seconds after it opened (or after its previous response)
is closed. Behind a proxy the proxy should enforce such a deadline too (see the README).

When the process runs out of file descriptors anyway, asyncio's accept loop would log the failed
``accept()`` with its exception once per waiting connection (uvicorn's backlog: 2,048), and
again every second, as internal errors. :class:`SheddingSocket` is the listening socket that
refuses new connections instead (with a descriptor kept spare for the purpose: accept, close),
and the server says so once, as a warning in plain words; :class:`OutOfDescriptors` tells
asyncio's own report the same way should the spare descriptor be lost.

The tests set short limits through ``BROCHURE_HEADER_TIMEOUT`` and ``BROCHURE_MAX_CONNECTIONS``.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0
"""Seconds a client has to send a request's headers, from the moment its connection opens (or
its previous response ends)."""
KEEP_ALIVE = 5.0
"""Seconds a kept-alive connection may sit idle between requests."""
MAX_CONNECTIONS = 200
"""Connections and requests at once: past it a request is answered 503 (uvicorn's limit)."""
REQUEST_HEAD_BYTES = 128 * 1024
"""How much of a request's line and headers may have come while they are not complete yet
(h11's limit; its default, 16 KiB, refused a 100 kB request line that came in pieces and served
one that came in one read: which one a client got depended on timing). At most this much is
held for each of :data:`MAX_CONNECTIONS` connections."""
TOO_MANY = ("too many open connections (this process is out of file descriptors): new ones "
            "are refused until some close")
WARN_AGAIN_AFTER = 600.0
"""Seconds before running out of file descriptors is told again."""
OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE)
_SLOW = b"the request's headers came too slowly"
TIMED_OUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
             b"x-content-type-options: nosniff\r\nconnection: close\r\n"
             b"content-length: %d\r\n\r\n%s" % (len(_SLOW), _SLOW))


def header_timeout() -> float:
    """The headers' deadline in seconds: ``BROCHURE_HEADER_TIMEOUT`` when set, else
    :data:`HEADER_TIMEOUT`."""
    return _setting("BROCHURE_HEADER_TIMEOUT", HEADER_TIMEOUT)


def uvicorn_limits() -> dict[str, Any]:
    """The settings to give ``uvicorn.Config``: our protocol, the concurrency limit
    (``BROCHURE_MAX_CONNECTIONS`` when set), the idle keep-alive and the size of a request's
    line and headers."""
    return {"http": HeaderTimeoutProtocol, "timeout_keep_alive": KEEP_ALIVE,
            "limit_concurrency": int(_setting("BROCHURE_MAX_CONNECTIONS", MAX_CONNECTIONS)),
            "h11_max_incomplete_event_size": REQUEST_HEAD_BYTES}


def _setting(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers do not arrive in
    time (with a 408 when part of a request came; silently when nothing did)."""

    header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        """After uvicorn's: a request under way has its headers; a connection kept alive
        for the next request (its previous one complete) has a new deadline."""
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._headers_arrived()
        elif self.header_deadline is None and not self.transport.is_closing():
            self._await_headers()

    def _await_headers(self) -> None:
        self._headers_arrived()
        self.header_deadline = self.loop.call_later(header_timeout(), self._too_slow)

    def _headers_arrived(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None

    def _too_slow(self) -> None:
        self.header_deadline = None
        if self.transport.is_closing():
            return
        if self.conn.trailing_data[0]:  # part of a request came: say why it ends
            self.transport.write(TIMED_OUT)
        self.transport.close()


class Seldom:
    """Whether a warning is due: the first time, then once :data:`WARN_AGAIN_AFTER` seconds
    have passed since it was last told."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.told: float | None = None

    def due(self) -> bool:
        now = self.clock()
        if self.told is not None and now - self.told < WARN_AGAIN_AFTER:
            return False
        self.told = now
        return True


OUT_OF_DESCRIPTORS_TOLD = Seldom()
"""The one rate for :data:`TOO_MANY`, however it is found."""


class SheddingSocket(socket.socket):
    """A listening socket that, when the process is out of file descriptors, refuses the next
    waiting connection (it closes its spare descriptor, accepts, closes the connection, opens
    the spare again) and tells asyncio the accept was aborted, so that its accept loop neither
    logs an error per connection nor spins."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spare: int | None = _spare()

    @classmethod
    def adopt(cls, listening: socket.socket) -> SheddingSocket:
        """The same listening socket (its descriptor taken over) as a shedding one."""
        return cls(listening.family, listening.type, listening.proto,
                   fileno=listening.detach())

    def accept(self) -> tuple[socket.socket, Any]:
        try:
            return super().accept()
        except OSError as exc:
            if exc.errno not in OUT_OF_DESCRIPTORS or self.spare is None:
                raise
            self._refuse_one(self.spare)
            raise ConnectionAbortedError(exc.errno, "refused: out of file descriptors") from None

    def _refuse_one(self, spare: int) -> None:
        os.close(spare)
        try:
            super().accept()[0].close()
        except OSError:
            pass  # the descriptor went elsewhere: the connection waits for the next try
        finally:
            self.spare = _spare()
        if OUT_OF_DESCRIPTORS_TOLD.due():
            logging.getLogger("brochure.web").warning(TOO_MANY)

    def close(self) -> None:
        if self.spare is not None:
            os.close(self.spare)
            self.spare = None
        super().close()


def _spare() -> int | None:
    """A descriptor held in reserve (on /dev/null), or None when none is left."""
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


class OutOfDescriptors(logging.Filter):
    """asyncio's "socket.accept() out of system resource" (EMFILE or ENFILE), logged with its
    exception for each waiting connection and each retry: told as :data:`TOO_MANY`, a warning,
    at the rate of :data:`OUT_OF_DESCRIPTORS_TOLD`, and otherwise dropped. Add it before
    :class:`~brochure.commands.serve.NoExceptionText`."""

    def __init__(self, seldom: Seldom = OUT_OF_DESCRIPTORS_TOLD) -> None:
        super().__init__()
        self.seldom = seldom

    def filter(self, record: logging.LogRecord) -> bool:
        if not _out_of_descriptors(record):
            return True
        if not self.seldom.due():
            return False
        _as_warning(record, TOO_MANY)
        return True


def _out_of_descriptors(record: logging.LogRecord) -> bool:
    exc = record.exc_info[1] if record.exc_info else None
    return (record.name == "asyncio" and isinstance(exc, OSError)
            and exc.errno in OUT_OF_DESCRIPTORS)


def _as_warning(record: logging.LogRecord, message: str) -> None:
    record.msg, record.args = message, None
    record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
    record.exc_info = record.exc_text = record.stack_info = None
