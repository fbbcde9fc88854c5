"""``brochure serve``: the physician's web form and JSON API on this machine."""

from __future__ import annotations

import gc
import logging
import sys
from pathlib import Path

import click

from ..errors import internal_error
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


def run_serve(root: Path, host: str, port: int) -> None:
    import uvicorn

    from ..web import create_app

    app = create_app(load_project(root), hosts=hosts_for(host))
    gc.freeze()  # the project and kit live as long as the server: the collector skips them
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(NoExceptionText())
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[handler],
                        force=True)
    click.echo(f"brochure serving on http://{host}:{port}/ (API docs at /docs; Ctrl+C stops)",
               err=True)
    # log_config=None: uvicorn's loggers pass their records to the handler above, filter and all
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning",
                log_config=None)
