"""Edges of the server and the commands around it, as a user or a prober meets them: odd
paths, methods and query strings answered by a clean 4xx with one access line in the real
server's log; a record too wide to set named by its field (422, exit 2, an error row), not
blamed on the layout; a busy port; ``check`` on an encrypted summary; a size over a limit told
precisely; what a killed batch leaves, as the README says."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from .conftest import ROOT

MARKER = "QZX-EDGE-5150"


# --- a real server ----------------------------------------------------------------------------

SENTINEL = "GET /static/favicon.svg 200"
"""The access line of the request sent after each probe: what comes before it is the probe's."""


@dataclass
class Served:
    """A ``brochure serve`` process, its port and its log (stderr, read as it grows)."""

    process: subprocess.Popen
    port: int
    log: IO[str]
    seen: int = field(default=0)

    def exchange(self, request: bytes) -> tuple[str, list[str]]:
        """Send one raw HTTP request; its status line, and the log lines it caused (those
        before the access line of a request for the favicon sent after it)."""
        status = self._send(request)
        return status, self.settle()

    def settle(self) -> list[str]:
        """Request the favicon and wait for its access line: the lines before it, from where
        the last wait ended."""
        self._send(b"GET /static/favicon.svg HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Connection: close\r\n\r\n")
        for _ in range(100):
            self.log.seek(0)
            lines = self.log.read().splitlines()[self.seen:]
            if SENTINEL in lines:
                self.seen += lines.index(SENTINEL) + 1
                return lines[:lines.index(SENTINEL)]
            time.sleep(0.05)
        raise AssertionError(f"no access line for the favicon: {lines}")

    def _send(self, request: bytes) -> str:
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(request)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        return answer.split(b"\r\n", 1)[0].decode("latin-1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_env(config: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(config),
                BROCHURE_TODAY="2026-11-29")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served")
    port = free_port()
    with (folder / "stderr.log").open("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "brochure", "serve", "--port", str(port)], cwd=ROOT,
            env=serve_env(folder), stdout=subprocess.DEVNULL, stderr=log)
        try:
            _wait_until_up(process, port)
            server = Served(process, port, log)
            server.settle()  # past the start-up lines
            yield server
        finally:
            process.terminate()
            process.wait(timeout=20)


def _wait_until_up(process: subprocess.Popen, port: int) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1)
            return
        except OSError:
            assert process.poll() is None, "the server stopped while starting"
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def request(target: bytes, method: bytes = b"GET") -> bytes:
    return (method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"\r\n")


ODD_TARGETS = [
    b"/static/%00", b"/static/" + b"a" * 300, b"/static/style.css%00", b"/swagger/%00",
    b"/swagger/" + b"a" * 300, b"/static/" + b"a/" * 3000, b"/static/..%2f..%2f__init__.py",
    b"/static/%2e%2e/__init__.py", b"/static/" + b"%2e%2e%2f" * 50 + b"etc/passwd",
    b"/static/%ff", b"/static/%ed%a0%80", b"/static/a%5cb", b"/static/..%5c__init__.py",
    b"/static/%2fetc%2fpasswd", b"/static//etc/passwd", b"/%00", b"/" + b"a" * 5000,
    b"/static/" + b"a" * 100_000, b"/static/%00?" + b"a" * 3000, b"*",
    b"http://elsewhere/static/%00",
]


@pytest.mark.parametrize("target", ODD_TARGETS, ids=lambda t: t[:40].decode())
def test_an_odd_path_is_a_4xx_with_one_access_line_and_nothing_else(served, target):
    status, lines = served.exchange(request(target))
    code = int(status.split()[1])
    assert 400 <= code < 500, status
    assert len(lines) == 1 and lines[0].startswith("GET ") and lines[0].endswith(f" {code}"), \
        lines


@pytest.mark.parametrize(("target", "line"), [
    (b"/static/style.css?%00", "GET /static/style.css 200"), (b"/?a=%ff%00", "GET / 200"),
    (b"/api/health?" + b"a" * 5000, "GET /api/health 200")])
def test_an_odd_query_string_leaves_the_answer_and_its_access_line_alone(served, target, line):
    status, lines = served.exchange(request(target))
    assert status.split()[1] == "200" and lines == [line]


@pytest.mark.parametrize("method", [b"HEAD", b"BREW", b"PROPFIND", b"TRACE", b"OPTIONS",
                                    b"DELETE", b"get"])
def test_an_odd_method_on_an_odd_path_is_a_4xx_with_one_access_line(served, method):
    status, lines = served.exchange(request(b"/static/%00", method))
    code = int(status.split()[1])
    assert 400 <= code < 500, status
    assert len(lines) == 1 and lines[0].endswith(f"(another path) {code}"), lines


@pytest.mark.parametrize("target", [b"/static/\xff", b"/static/a b", b"/static/a\x00b"])
def test_a_request_line_the_server_cannot_parse_is_a_400_told_in_one_line(served, target):
    """Bytes no URL may hold never reach the application: uvicorn answers 400 and says so in
    one line (of its own), with nothing of the request in it."""
    status, lines = served.exchange(request(target))
    assert status.split()[1] == "400"
    assert lines == ["Invalid HTTP request received."]


def test_a_symlink_in_a_static_folder_is_a_404_with_one_access_line(tmp_path, caplog):
    """A link out of the folder, a link to itself (a loop) and a path through that loop."""
    import logging

    from fastapi.testclient import TestClient
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount

    from brochure.web.files import Files
    from brochure.web.guard import Guard

    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text(MARKER)
    (static / "out.txt").symlink_to(tmp_path / "secret.txt")
    (static / "loop").symlink_to(static / "loop")
    app = Starlette(routes=[Mount("/static", Files(directory=static))],
                    middleware=[Middleware(Guard)])
    client = TestClient(app, raise_server_exceptions=False)
    for path in ("/static/out.txt", "/static/loop", "/static/loop/x"):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="brochure.web"):
            response = client.get(path)
        lines = [r.getMessage() for r in caplog.records]
        assert response.status_code == 404 and MARKER not in response.text, path
        assert lines == ["GET (another path) 404"], (path, lines)
