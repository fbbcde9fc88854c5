"""What every request and response of ``brochure serve`` passes through, outermost: the Host
check, the 64 KB body limit, the security headers, the access log (method, path, status) and
the last word on any unexpected error (type, place and error id; never its message).

A plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``: it counts the body as it
arrives (a chunked upload stops at 64 KB instead of being read whole), and it ends every
exception here, so that neither Starlette's ``ServerErrorMiddleware`` nor uvicorn ever logs a
traceback (whose message may quote a patient's record).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import internal_error
from ..network import host_name

MAX_BODY = 64 * 1024
log = logging.getLogger("brochure.web")

POLICY = ("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; "
          "object-src 'none'")
DOCS_POLICY = POLICY + "; img-src 'self' data:"
"""Swagger UI draws a few icons from data: URLs; its start-up script is a file of ours
(/static/docs.js), so no inline script or style is allowed anywhere."""


def security_headers(path: str) -> dict[str, str]:
    """The headers every response carries (the API documentation page its own policy)."""
    return {"Content-Security-Policy": DOCS_POLICY if path == "/docs" else POLICY,
            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY", "Cache-Control": "no-store"}


class Guard:
    """Wraps the application; ``hosts`` are the names the server answers to (None: any)."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str] | None = None) -> None:
        self.app = app
        self.hosts = None if hosts is None else {h.lower().strip("[]") for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent: dict[str, int] = {}

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                MutableHeaders(scope=message).update(security_headers(scope["path"]))
            await send(message)

        try:
            await self._serve(scope, receive, send_secured)
        except Exception as exc:  # the one place every fault ends, told safely
            line = internal_error(exc)
            log.error("%s %s: %s", _logged_method(scope), _logged_path(scope), line)
            if "status" not in sent:
                await _failure(scope, line)(scope, receive, send_secured)
        log.info("%s %s %s", _logged_method(scope), _logged_path(scope),
                 sent.get("status", "-"))

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        if self.hosts is not None and _hostname(request.headers.get("host", "")) not in \
                self.hosts:
            response: Response = PlainTextResponse(
                "unknown host: this server answers to " + ", ".join(sorted(self.hosts)), 400)
            await response(scope, receive, send)
            return
        body = await _bounded_body(scope, receive)
        if body is None:
            await JSONResponse({"detail": f"request body over {MAX_BODY // 1024} KB"},
                               status_code=413)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}


def _logged_method(scope: Scope) -> str:
    return scope["method"] if scope["method"] in METHODS else "(another method)"


def _logged_path(scope: Scope) -> str:
    """The path, if it is one of the application's routes or one of its static files; any
    other path is a client's text (an integration may put a record number in a URL), so the
    log shows only that it was another path."""
    path = scope["path"]
    for route in getattr(scope.get("app"), "routes", ()):
        if getattr(route, "path", None) == path:
            return path
        directory = getattr(getattr(route, "app", None), "directory", None)
        if directory and path.startswith(f"{route.path}/") and \
                _is_file_in(Path(directory), path[len(route.path) + 1:]):
            return path
    return "(another path)"


def _is_file_in(folder: Path, name: str) -> bool:
    """Whether ``name`` (a client's text) is a file inside ``folder``; a name the file system
    cannot take (a NUL, a name too long, a symlink loop) is none."""
    try:
        target = (folder / name).resolve()
        return target.is_relative_to(folder.resolve()) and target.is_file()
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop, Python < 3.13
        return False


def _hostname(host: str) -> str | None:
    """``localhost`` of ``LocalHost:8000``, ``::1`` of ``[::1]:8000``; None unless the header
    is exactly a host and an optional port (``localhost:8765@evil`` and ``localhost:8765,
    evil.example`` are refused, not read as ``localhost``)."""
    return host_name(host)


async def _bounded_body(scope: Scope, receive: Receive) -> bytes | None:
    """The request body, or None once it is over 64 KB (by its declared length, before reading,
    or by what arrives)."""
    length = dict(scope["headers"]).get(b"content-length", b"")
    if length.isdigit() and int(length) > MAX_BODY:
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks)  # the client left; the app sees an empty body
        size += len(message.get("body", b""))
        if size > MAX_BODY:
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the body already read, then waits for the client to leave."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()
    return replayed


def _failure(scope: Scope, line: str) -> Response:
    """500: the API's as JSON, the form's as a page; either says only ``line``."""
    if scope["path"].startswith("/api/") or scope["path"] == "/openapi.json":
        return JSONResponse({"detail": line}, status_code=500)
    from html import escape
    return HTMLResponse(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Internal error"
        "</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main>"
        f"<h1>Something went wrong</h1><p id=\"internal-error\">{escape(line)}</p>"
        "<p>Nothing you entered was stored. Go back to keep what you typed.</p>"
        "</main></body></html>", status_code=500)
