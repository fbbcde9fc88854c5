"""Slow and greedy clients cannot hold ``brochure serve``: a request whose headers do not come
in time is closed, a request past the connection limit gets a clean 503, and running out of file
descriptors is one warning in the log, never an internal error per connection. Each test runs a
real server on a free loopback port, with short limits set through the environment."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from brochure.web.connections import TOO_MANY

from .conftest import PROJECT, ROOT
from .servers import free_port

pytestmark = pytest.mark.process

HALF = b"GET /api/health HT"


@dataclass
class Served:
    """A running ``brochure serve``: its address and the file its log goes to."""

    url: str
    port: int
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def _serving(tmp_path: Path, preexec: Callable[[], None] | None = None,
             **settings: str) -> Iterator[Served]:
    """``brochure serve`` with ``settings`` in its environment, stopped at the end."""
    port, log = free_port(), tmp_path / "serve.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT), **settings)
    with log.open("w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "brochure", "serve", "--port",
                                    str(port)], cwd=PROJECT, env=env, stdout=sink, stderr=sink,
                                   preexec_fn=preexec)
    served = Served(f"http://127.0.0.1:{port}", port, log)
    try:
        _wait_up(served, process)
        yield served
    finally:
        process.terminate()
        process.wait(timeout=20)


def _wait_up(served: Served, process: subprocess.Popen) -> None:
    for _ in range(150):
        if _status(served.url) == 200:
            return
        assert process.poll() is None, served.text()
        time.sleep(0.1)
    raise AssertionError(f"the server did not answer: {served.text()}")


def _status(url: str) -> int | None:
    """The status of GET /api/health, or None when the server cannot be reached."""
    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code
    except OSError:
        return None


def _connect(served: Served, stack: ExitStack, send: bytes = b"") -> socket.socket:
    """A connection to the server, closed when ``stack`` ends, that sends ``send``."""
    sock = stack.enter_context(socket.create_connection(("127.0.0.1", served.port), timeout=5))
    if send:
        sock.sendall(send)
    return sock


def _until_closed(sock: socket.socket) -> bytes:
    """What the server sends until it closes the connection (at most 5 s)."""
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def _clean(log: str) -> None:
    assert "internal error" not in log and "Traceback" not in log, log[-2000:]


def test_a_request_whose_headers_stop_coming_is_closed_after_the_header_timeout(tmp_path):
    with _serving(tmp_path, BROCHURE_HEADER_TIMEOUT="0.5") as served, ExitStack() as stack:
        started = time.monotonic()
        answer = _until_closed(_connect(served, stack, HALF))
        assert time.monotonic() - started < 4
        assert answer.startswith(b"HTTP/1.1 408 "), answer
        silent = _connect(served, stack)  # a connection that sends nothing is closed quietly
        assert _until_closed(silent) == b""
        # kept alive, then the next request's headers stop coming (sent with the first, so
        # that they are there when the deadline starts, however late this process runs)
        kept = _connect(served, stack,
                        b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + HALF)
        answer = _until_closed(kept)
        assert answer.startswith(b"HTTP/1.1 200 ") and b"HTTP/1.1 408 " in answer, answer
        assert _status(served.url) == 200
    _clean(served.text())


def test_past_the_connection_limit_a_request_gets_a_clean_503_then_is_served(tmp_path):
    with _serving(tmp_path, BROCHURE_HEADER_TIMEOUT="3",
                  BROCHURE_MAX_CONNECTIONS="4") as served, ExitStack() as stack:
        # (the server accepts connections in the order they came: these before the request)
        slow = [_connect(served, stack, HALF) for _ in range(10)]
        assert _status(served.url) == 503
        for sock in slow:
            sock.settimeout(15)  # (a loaded machine may be slow to close them)
            _until_closed(sock)  # the header timeout ends them
        assert _status(served.url) == 200
    _clean(served.text())


def _few_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


def test_running_out_of_file_descriptors_is_one_warning_and_the_server_recovers(tmp_path):
    with _serving(tmp_path, _few_descriptors) as served:
        with ExitStack() as stack:
            for _ in range(100):
                _connect(served, stack)
            deadline = time.monotonic() + 30  # asyncio retries its accept once a second
            while TOO_MANY not in served.text():
                assert time.monotonic() < deadline, "the server ran out of descriptors"
                time.sleep(0.1)
            time.sleep(2.5)  # retries, which must not warn again
        assert _served_again(served), "once the connections close, requests are served"
    log = served.text()
    _clean(log)
    assert log.count(TOO_MANY) == 1, log[-2000:]


def _served_again(served: Served) -> bool:
    """Whether GET /api/health answers 200 within 5 s."""
    for _ in range(50):
        if _status(served.url) == 200:
            return True
        time.sleep(0.1)
    return False
