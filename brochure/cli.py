"""The command line: a thin layer over the library. Heavy modules load inside the commands.

Exit codes: 0 success; 1 some work failed or checks found problems; 2 bad input or usage.
A user's mistake prints ``path:line:col: error: …`` lines, never a traceback.
"""

from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click

from . import __version__
from .errors import BrochureError


def _reports_errors(command):
    """Print a BrochureError's problems and exit with its code instead of a traceback."""
    @wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except BrochureError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            sys.exit(exc.exit_code)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="brochure")
def main() -> None:
    """Render branded brochures and patient candidacy summaries from YAML content."""


@main.command()
@click.argument("publications", nargs=-1)
@click.option("--layout", "layouts", multiple=True, metavar="NAME",
              help="Only this layout (repeatable). Default: every layout the publication lists.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("output"),
              show_default=True, help="Folder to write into.")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Project folder (content/, layouts/).")
@_reports_errors
def build(publications: tuple[str, ...], layouts: tuple[str, ...], out: Path, root: Path) -> None:
    """Render PUBLICATIONS (default: all) in each of their layouts."""
    from .commands.build import run_build

    run_build(root, publications, layouts, out)


@main.command()
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Project folder (content/, layouts/).")
@_reports_errors
def check(root: Path) -> None:
    """Validate every content, layout and brand file; report every problem."""
    from .commands.check import run_check

    sys.exit(run_check(root))
