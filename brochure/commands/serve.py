"""``brochure serve``: the physician's web form and JSON API on this machine."""

from __future__ import annotations

import errno
import gc
import logging
import socket
import sys
from pathlib import Path

import click

from ..errors import BrochureError, Problem, internal_error
from ..network import NetworkOptions, Plan, network_plan
from ..project import load_project

LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")


class NoExceptionText(logging.Filter):
    """Any log record that carries an exception (uvicorn's "Exception in ASGI application",
    asyncio's "Task exception was never retrieved", h11's protocol errors) is told as
    :func:`~brochure.errors.internal_error` says: type, place and error id, without the
    exception's message or traceback, which may quote a patient's record. The web app ends its
    own errors before this; the filter is for what happens outside it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.name}: {internal_error(record.exc_info[1])}"
            record.args = None
            record.exc_info = record.exc_text = record.stack_info = None
        return True


def hosts_for(host: str) -> tuple[str, ...] | None:
    """The host names the server answers to: its address and the loopback names (a page under
    any other name, as in DNS rebinding, is refused); None when it listens on every address."""
    return None if host in WILDCARDS else (host, *LOOPBACK)


def run_serve(root: Path, host: str, port: int, network: NetworkOptions | None = None,
              publication: str | None = None) -> None:
    import uvicorn

    from ..web import create_app
    from ..web.connections import OutOfDescriptors, SheddingSocket, uvicorn_limits

    plan = network_plan(root, host, network or NetworkOptions())  # an unsafe start: exit 2
    listening = bind(host, port)  # before the project loads: a busy port is told at once
    project = load_project(root)
    if publication is not None and publication not in project.records.kinds:
        raise BrochureError(Problem(f"--publication: '{publication}' has no summaries; "
                                    f"expected one of: {project.records.known}"))
    app = create_app(project, hosts=plan.hosts if plan else hosts_for(host),
                     security=plan.security if plan else None, publication=publication)
    gc.freeze()  # the project and kit live as long as the server: the collector skips them
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(OutOfDescriptors())  # before: it tells EMFILE once, not as an error
    handler.addFilter(NoExceptionText())
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[handler],
                        force=True)
    scheme = "https" if plan and plan.tls else "http"
    click.echo(f"brochure serving on {scheme}://{host}:{port}/ (API docs at /docs; Ctrl+C stops)",
               err=True)
    # log_config=None: uvicorn's loggers pass their records to the handler above, filter and all
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning",
                            log_config=None, **uvicorn_limits(), **network_config(plan))
    server = uvicorn.Server(config)
    # our socket (no second bind, so no race for the port), refusing connections it has no
    # file descriptor for
    server.run(sockets=[SheddingSocket.adopt(listening)])
    if not server.started:
        sys.exit(3)  # as uvicorn.run: the application did not start (its log says why)


def network_config(plan: Plan | None) -> dict:
    """uvicorn's settings for the network mode: the TLS files, and no proxy headers at its
    level (behind a proxy the application believes them from the proxy only, inside its
    log-in gate, which must see the real peer: :func:`brochure.web.auth.protect`)."""
    if plan is None:
        return {}
    tls = {"ssl_certfile": plan.tls[0], "ssl_keyfile": plan.tls[1]} if plan.tls else {}
    return {"proxy_headers": False, **tls}


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port``, as uvicorn would bind it; a port in use or an
    address this machine does not have is the user's error (exit 2), in the tool's words."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as exc:
        listening.close()
        raise BrochureError(Problem(_bind_problem(host, port, exc))) from None
    return listening


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is already in use; expected a free port (choose "
                "another with --port)")
    if exc.errno == errno.EACCES:
        return (f"port {port} on {host} needs privileges this user does not have; expected "
                "a port above 1023 (choose another with --port)")
    return (f"cannot listen on {host} port {port}: {exc.strerror or 'unknown reason'}; "
            "expected an address of this machine (--host) and a free port (--port)")
