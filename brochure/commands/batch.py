"""``brochure batch``: summaries for every record in CSV, YAML or JSON files, plus a manifest."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click

from ..batch import Options, is_terminal, read_all, run_batch
from .summary import password_from


def run_batch_command(root: Path, files: tuple[Path, ...], out: Path, workers: int,
                      password_env: str | None, with_brochure: bool) -> int:
    options = Options(root=str(root), password=password_from(password_env),
                      with_brochure=with_brochure)
    rows = read_all(files)
    with _progress(len(rows)) as advance:
        manifest = run_batch(rows, out, options, workers, advance)
    failed = sum(1 for row in manifest if row["status"] == "error")
    warned = sum(1 for row in manifest if row["status"] == "ok" and row["message"])
    if warned:
        click.echo(f"{warned} summaries have characters no font can draw; see the manifest",
                   err=True)
    click.echo(f"{len(manifest) - failed} summaries written to {out}, {failed} failed; "
               f"see {out / 'manifest.csv'}", err=True)
    return 1 if failed else 0


def _progress(total: int):
    """A progress bar on a terminal; silence otherwise."""
    if not is_terminal():
        return nullcontext(None)
    from rich.progress import Progress

    class _Bar:
        def __enter__(self):
            self.progress = Progress(transient=True)
            self.progress.start()
            self.task = self.progress.add_task("summaries", total=total)
            return lambda n: self.progress.advance(self.task, n)

        def __exit__(self, *exc):
            self.progress.stop()
    return _Bar()
