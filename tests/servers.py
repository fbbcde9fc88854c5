"""A ``brochure`` command that listens (``serve``, ``studio``), started for a test, a benchmark
or a tool: on a free port of 127.0.0.1, and waited for until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(process: subprocess.Popen, url: str, seconds: float = 30) -> None:
    """Wait until ``url`` answers; raise (with the process's stderr when it kept it) when the
    process exits first or ``seconds`` pass."""
    for _ in range(int(seconds * 10)):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if process.poll() is not None:
                told = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"{process.args[:4]} exited: {told}") from None
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"{process.args[:4]} did not answer at {url}")


def started(command: list[str], cwd: Path, ready: str = "/api/health",
            **popen) -> tuple[subprocess.Popen, str]:
    """``python -m brochure COMMAND --port P`` in ``cwd`` (this checkout's package), once
    ``ready`` answers: the process and its address. Its output is kept in pipes (text)
    unless ``popen`` says otherwise."""
    port = free_port()
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    process = subprocess.Popen([sys.executable, "-m", "brochure", *command, "--port", str(port)],
                               cwd=cwd, env=dict(os.environ, PYTHONPATH=str(ROOT)), **options)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(process, f"{url}{ready}")
    return process, url


def send_raw(port: int, request: bytes, size: int | None = None) -> str:
    """Send raw HTTP ``request`` to 127.0.0.1:``port`` (``size`` bytes at a time, a moment
    apart, so that the server takes it in several reads, when given); the answer's status
    line, once the server has closed the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        step = size or len(request)
        for start in range(0, len(request), step):
            if start:
                time.sleep(0.05)
            connection.sendall(request[start:start + step])
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode("latin-1")
