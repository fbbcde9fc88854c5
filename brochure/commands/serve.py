"""``brochure serve``: the physician's web form and JSON API on this machine."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import click

from ..project import load_project


def run_serve(root: Path, host: str, port: int) -> None:
    import uvicorn

    from ..web import create_app

    app = create_app(load_project(root))
    gc.freeze()  # the project and kit live as long as the server: the collector skips them
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    click.echo(f"brochure serving on http://{host}:{port}/ (API docs at /docs; Ctrl+C stops)",
               err=True)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
