"""``brochure batch``: summaries for every record in CSV, YAML or JSON files, plus a manifest."""

from __future__ import annotations

import signal
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import click

from ..batch import (
    MANIFEST,
    NOT_RENDERED,
    WRITTEN,
    NotStartedError,
    Options,
    Report,
    is_terminal,
    open_batch,
    read_all,
    unreadable,
)
from ..errors import BrochureError, Problem
from ..ledger import NAME_CHANGED
from ..manifest import refuse_inputs_in_place
from ..output import legacy_key_notice
from ..passwords import personal_problem, record_inputs
from ..project import Project, load_project
from ..records import RecordRow
from ..signals import Stop, interruptible
from .summary import password_from


def run_batch_command(root: Path, files: tuple[Path, ...], out: Path, workers: int,
                      password_env: str | None, with_brochure: bool,
                      publication: str | None = None, stop: Stop | None = None,
                      brand: str | None = None) -> int:
    """Exit code: 0 all written; 1 some rows failed or were refused, or a write failed; 2 no
    input could be read; 128 + the signal's number when interrupted (130 Ctrl-C, 143 SIGTERM).
    The folder is locked and marked before the inputs are read or the project loaded; ``stop``
    is the caller's signal handling (installed here when not given)."""
    with nullcontext(stop) if stop else interruptible() as stop:
        try:
            refuse_inputs_in_place(files, out)
            options = Options(root=str(root), password=password_from(password_env),
                              with_brochure=with_brochure, publication=publication,
                              brand=brand)
            with open_batch(out, stop) as run:
                project = load_project(root)  # once: rows are read, checked and rendered by it
                records = project.records
                if publication is not None and publication not in records.kinds:
                    raise BrochureError(Problem(
                        f"--publication: '{publication}' has no summaries; expected one of: "
                        f"{records.known}"))
                records = records.choosing(publication)
                run.start_workers(options, workers, project)  # (they prepare while rows are read)
                rows = run.take(read_all(files, records))
                rows = run.take(_checked(rows, project, options))
                failed_files = _tell_unreadable(rows, files)
                if notice := legacy_key_notice(out):
                    click.echo(notice, err=True)
                with _progress(len(rows)) as advance:
                    report = run.render(options, advance, project)
        except NotStartedError as exc:
            click.echo(f"interrupted ({signal.Signals(exc.signum).name}) before the batch "
                       f"began: nothing was done, and {out} is as it was", err=True)
            return 128 + exc.signum
    if len(failed_files) == len(files):
        raise BrochureError([p for row in failed_files for p in row.problems])
    return _tell(report, out)


def _checked(rows, project: Project, options: Options):
    """``rows`` checked against the project's id pattern and rosters."""
    from ..summaries import check_rows

    return _password_checked(check_rows(rows, project, options.brand), options.password)


def _password_checked(rows: list[RecordRow], password: str | None) -> list[RecordRow]:
    """``rows``, each record whose own name, id or birth date makes the batch's password easy
    to guess turned into an error row placed at its id (zxcvbn's reasons, never the
    password); the password was found strong without them before the batch began."""
    if password is None:
        return rows
    checked = []
    for row in rows:
        problem = row.record and personal_problem(password, record_inputs(row.record))
        if problem:
            line, column = row.positions.get("id", (row.row, None))
            message = f"not rendered: for this patient, {problem}; choose another password"
            row = replace(row, record=None, problems=(Problem(message, row.path, line, column),))
        checked.append(row)
    return checked


def _tell_unreadable(rows, files: tuple[Path, ...]) -> list:
    """Print the problems of files that could not be read, unless none could (then they are
    the command's error); return their rows."""
    failed_files = unreadable(rows)
    if len(failed_files) < len(files):
        for row in failed_files:
            for problem in row.problems:
                click.echo(str(problem), err=True)
    return failed_files


def _tell(report: Report, out: Path) -> int:
    written, failed, skipped = (report.count(*s) for s in (WRITTEN, ("error",),
                                                           (NOT_RENDERED,)))
    warned = sum(1 for row in report.rows if row["status"] == "ok" and row["message"])
    if warned:
        click.echo(f"{warned} summaries have warnings (characters no font can draw, or a "
                   "note cut to fit its pages); see the manifest", err=True)
    if renamed := report.count(NAME_CHANGED):
        click.echo(f"warning: {renamed} summaries replaced a summary of the same record id and "
                   "birth date written under another name (status 'name changed'): check that "
                   "the id and birth date are that patient's; see the manifest", err=True)
    told = f"{written} summaries written to {out}, {failed} failed"
    told += f", {skipped} not rendered" if skipped else ""
    if report.signal:
        click.echo(f"interrupted ({signal.Signals(report.signal).name}): {told}; see "
                   f"{out / MANIFEST}", err=True)
        return 128 + report.signal
    if report.write_failed:
        click.echo(str(Problem(f"writing failed ({report.write_failed}), so the batch stopped: "
                               f"{told}; every row is listed in {out / MANIFEST}", out)),
                   err=True)
        return 1
    click.echo(f"{told}; see {out / MANIFEST}", err=True)
    return 1 if failed or skipped else 0


def _progress(total: int):
    """A progress bar on a terminal; silence otherwise. It redraws when told of progress (at
    most ten times a second), never from a thread of its own, so that a fork of the batch's
    workers, whenever it comes, never copies a thread in the middle of its work."""
    if not is_terminal():
        return nullcontext(None)
    import time

    from rich.progress import Progress

    class _Bar:
        def __enter__(self):
            self.progress = Progress(transient=True, auto_refresh=False)
            self.progress.start()
            self.task = self.progress.add_task("summaries", total=total)
            self.drawn = 0.0
            return self.advance

        def advance(self, n: int) -> None:
            self.progress.advance(self.task, n)
            if time.monotonic() - self.drawn > 0.1:
                self.progress.refresh()
                self.drawn = time.monotonic()

        def __exit__(self, *exc):
            self.progress.stop()
    return _Bar()
