"""``brochure check``: load and validate every input file; report every problem at once."""

from __future__ import annotations

from pathlib import Path

import click

from ..project import load_project


def run_check(root: Path) -> int:
    """0 when every file is valid. Invalid files raise (exit 2) before this returns."""
    project = load_project(root)
    click.echo(f"ok: {len(project.publications)} publication(s), {len(project.layouts)} "
               f"layout(s), {len(project.brands)} brand kit(s) are valid")
    return 0
