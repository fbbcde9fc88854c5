"""``brochure summary``: one patient's candidacy summary from a record file."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import click

from ..audit import AuditLog, entry, os_user
from ..errors import BrochureError, Problem, RecordFitError, RefusedError
from ..ledger import (
    NAME_CHANGED_WARNING,
    REPLACE_HINT,
    held,
    own_name_problem,
    owner_of,
)
from ..model.patient import PatientRecord
from ..output import (
    PRIVATE_MODE,
    legacy_key_notice,
    summary_token,
    token_key,
    write_atomic,
)
from ..passwords import password_problem, record_inputs
from ..project import load_project
from ..records import RecordRow, read_records
from ..summaries import check_rows, summarize

NOT_SET = ("the environment variable named by --password-env is not set; expected the NAME of "
           "a variable holding the password, not the password itself (for example: "
           "PDF_PASSWORD='…' brochure summary record.yaml --password-env PDF_PASSWORD)")


def password_from(variable: str | None, user_inputs: Iterable[str] = ()) -> str | None:
    """The password held in environment variable ``variable`` (never a command-line value),
    if it follows the rule for the patient whose data are ``user_inputs`` (for a batch: none).
    The variable is named only when it is set: a name that is not set may be the password,
    typed by mistake."""
    if variable is None:
        return None
    password = os.environ.get(variable)
    if password is None:
        raise BrochureError(Problem(NOT_SET))
    if not password:
        raise BrochureError(Problem(f"environment variable {variable} is empty; expected the "
                                    "password for the summary"))
    if problem := password_problem(password, user_inputs):
        raise BrochureError(Problem(f"environment variable {variable}: {problem}"))
    return password


def run_summary(root: Path, record_file: Path, output: Path | None, password_env: str | None,
                with_brochure: bool, publication: str | None = None,
                replace: bool = False, brand: str | None = None) -> Path:
    """One summary from ``record_file``, of the record's publication (its own, else
    ``publication``, else the project's default), in brand kit ``brand`` (default: the
    publication's), whose roster must hold the record's physician."""
    if output is not None:
        check_output(output, (record_file,))
    project = load_project(root)
    if publication is not None and publication not in project.records.kinds:
        raise BrochureError(Problem(f"--publication: '{publication}' has no summaries; "
                                    f"expected one of: {project.records.known}"))
    rows = check_rows(read_records(record_file, project.records.choosing(publication)),
                      project, brand)
    if len(rows) != 1:
        raise BrochureError(Problem(f"expected one record, found {len(rows)} (use "
                                    "'brochure batch' for several)", record_file))
    record = rows[0].record
    if rows[0].problems or record is None:  # a row without a record carries its problems
        raise BrochureError(list(rows[0].problems))
    password = password_from(password_env, record_inputs(record))
    publication = record.publication
    try:
        result = summarize(record, password=password, with_brochure=with_brochure,
                           project=project, brand=brand)
    except RecordFitError as unfit:
        raise BrochureError(_placed(unfit, rows[0])) from None
    for warning in result.warnings:
        click.echo(f"{record_file}: warning: {warning}", err=True)
    with AuditLog(root) as audit:  # first: a log that cannot take the line stops the write
        out = _write_registered(record, result.pdf, output, root / "output" / "summaries",
                                publication, replace)
        audit.append(entry("cli", os_user(), publication, result.assessment.verdict,
                           result.assessment.overridden, password is not None,
                           summary_token(record, token_key(), publication)))
    click.echo(f"wrote {out}")
    return out


def _placed(unfit: RecordFitError, row: RecordRow) -> Problem:
    """A record too wide to set, told at the first field it names."""
    line, column = next((row.positions[f] for f in unfit.fields if f in row.positions),
                        (row.row or None, None))
    return Problem(unfit.problems[0].message, row.path, line, column)


def check_output(output: Path, inputs: tuple[Path, ...]) -> None:
    """Refuse (exit 2) an output named like one of a summaries folder's own files, or that
    is one of the command's inputs."""
    if problem := own_name_problem(output.name):
        raise BrochureError(Problem(problem, output))
    for source in inputs:
        if same_file(source, output):
            raise BrochureError(Problem("this is the command's own input and would be "
                                        "replaced; expected another file to write", output))


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (b need not exist)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def _write_registered(record: PatientRecord, pdf: bytes, output: Path | None, default: Path,
                      publication: str, replace: bool) -> Path:
    """Into the folder of ``output`` (or the default summaries folder), under its lock and its
    register: never over a file written for another patient, or one the register does not
    know, unless ``replace`` (RefusedError, exit 1); a warning when it replaces this patient's
    summary written under another name."""
    folder = output.parent if output else default
    if notice := legacy_key_notice(folder):
        click.echo(notice, err=True)
    key = token_key()
    with held(folder) as ledger:
        name = output.name if output else f"{summary_token(record, key, publication)}.pdf"
        owner = owner_of(record, key)
        if refusal := ledger.refusal(name, owner, replace):
            raise RefusedError(Problem(refusal + REPLACE_HINT, folder / name))
        if ledger.name_changed(name, owner):
            click.echo(str(Problem(NAME_CHANGED_WARNING, folder / name, level="warning")),
                       err=True)
        ledger.claim({name: owner})
        write_atomic(folder / name, pdf, PRIVATE_MODE)
    return folder / name
