"""``brochure studio``: live previews and text editing for marketing staff, on this machine."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

Decorator = Callable[[Any], Any]
HOST = "127.0.0.1"
DEFAULT_PORT = 8766
SHUTDOWN_SECONDS = 1
"""How long open pages (their event streams) may keep the server from stopping."""


def run_studio(root: Path, port: int) -> None:
    """Serve the studio on 127.0.0.1:``port`` until Ctrl+C, watching the project's files."""
    import uvicorn

    from ..studio import create_studio
    from ..studio.events import start
    from ..web.connections import REQUEST_HEAD_BYTES
    from .serve import NoExceptionText, bind  # (it loads the renderer: not at start-up)

    listening = bind(HOST, port)  # a busy port is told before the project loads
    app = create_studio(root)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(NoExceptionText())
    logging.basicConfig(level=logging.INFO, format="%(message)s", handlers=[handler],
                        force=True)
    logging.getLogger("brochure.web").setLevel(logging.WARNING)  # no line per page image
    thread, stop = start(app.state.studio.hub)
    click.echo(f"brochure studio on http://{HOST}:{port}/ (open it in a browser; Ctrl+C "
               "stops)", err=True)
    config = uvicorn.Config(app, access_log=False, log_level="warning", log_config=None,
                            timeout_graceful_shutdown=SHUTDOWN_SECONDS,
                            h11_max_incomplete_event_size=REQUEST_HEAD_BYTES)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[listening])
    finally:
        stop.set()
        thread.join(timeout=SHUTDOWN_SECONDS * 5)
    if not server.started:
        sys.exit(3)


def studio_command(command_class: type[click.Command], reports_errors: Decorator,
                   root_option: Decorator) -> click.Command:
    """The ``studio`` command, built with the command line's own command class, error
    reporting and ``--root`` option."""

    @click.command(cls=command_class)
    @click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT,
                  show_default=True, help="Port on 127.0.0.1 (this machine only).")
    @root_option
    @reports_errors
    def studio(port: int, root: Path) -> None:
        """Preview and edit publications in a browser: pages as they will print, live as
        files are saved, with errors and brochure check's findings drawn on the page, and
        text edited in the page saved back into the YAML (on 127.0.0.1 only)."""
        run_studio(root, port)

    return studio
