"""``brochure summary``: one patient's candidacy summary from a record file."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import BrochureError, Problem, RefusedError
from ..ledger import held, is_registered_folder
from ..model.patient import PatientRecord
from ..output import (
    PRIVATE_MODE,
    legacy_key_notice,
    patient_token,
    summary_token,
    token_key,
    write_atomic,
)
from ..project import load_project
from ..records import read_records
from ..summaries import DEFAULT_PUBLICATION, check_rows, summarize, summary_kit


def password_from(variable: str | None) -> str | None:
    """The password held in environment variable ``variable`` (never a command-line value)."""
    if variable is None:
        return None
    password = os.environ.get(variable)
    if not password:
        raise BrochureError(Problem(f"environment variable {variable} is empty or not set; "
                                    "expected the password for the summary"))
    from ..passwords import password_problem
    if problem := password_problem(password):
        raise BrochureError(Problem(f"environment variable {variable}: {problem}"))
    return password


def run_summary(root: Path, record_file: Path, output: Path | None, password_env: str | None,
                with_brochure: bool, publication: str = DEFAULT_PUBLICATION) -> Path:
    project = load_project(root)
    rows = check_rows(read_records(record_file), summary_kit(project, publication))
    if len(rows) != 1:
        raise BrochureError(Problem(f"expected one record, found {len(rows)} (use "
                                    "'brochure batch' for several)", record_file))
    if rows[0].problems:
        raise BrochureError(list(rows[0].problems))
    record = rows[0].record
    password = password_from(password_env)
    result = summarize(record, password=password, with_brochure=with_brochure,
                       project=project, publication=publication)
    for warning in result.warnings:
        click.echo(f"{record_file}: warning: {warning}", err=True)
    if output is None or is_registered_folder(output.parent):
        out = _write_registered(record, result.pdf, output, root / "output" / "summaries",
                                publication)
    else:
        out = output
        write_atomic(out, result.pdf, PRIVATE_MODE)
    click.echo(f"wrote {out}")
    return out


def _write_registered(record: PatientRecord, pdf: bytes, output: Path | None, default: Path,
                      publication: str) -> Path:
    """Into a summaries folder (the default one, or any a batch wrote): under its lock, and
    never over a summary written for another patient (RefusedError, exit 1)."""
    folder = output.parent if output else default
    if notice := legacy_key_notice(folder):
        click.echo(notice, err=True)
    key = token_key()
    with held(folder) as ledger:
        name = output.name if output else f"{summary_token(record, key, publication)}.pdf"
        patient = patient_token(record, key)
        if refusal := ledger.refusal(name, patient):
            raise RefusedError(Problem(refusal, folder / name))
        ledger.claim({name: patient})
        write_atomic(folder / name, pdf, PRIVATE_MODE)
    return folder / name
