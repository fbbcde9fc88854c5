"""``brochure summary``: one patient's candidacy summary from a record file."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import BrochureError, Problem
from ..output import summary_token, token_key, write_atomic
from ..project import load_project
from ..records import read_records
from ..summaries import summarize


def password_from(variable: str | None) -> str | None:
    """The password held in environment variable ``variable`` (never a command-line value)."""
    if variable is None:
        return None
    password = os.environ.get(variable)
    if not password:
        raise BrochureError(Problem(f"environment variable {variable} is empty or not set; "
                                    "expected the password for the summary"))
    return password


def run_summary(root: Path, record_file: Path, output: Path | None, password_env: str | None,
                with_brochure: bool) -> Path:
    rows = read_records(record_file)
    if len(rows) != 1:
        raise BrochureError(Problem(f"expected one record, found {len(rows)} (use "
                                    "'brochure batch' for several)", record_file))
    if rows[0].problems:
        raise BrochureError(list(rows[0].problems))
    record = rows[0].record
    password = password_from(password_env)
    result = summarize(record, password=password, with_brochure=with_brochure,
                       project=load_project(root))
    for warning in result.warnings:
        click.echo(f"{record_file}: warning: {warning}", err=True)
    pdf = result.pdf
    out = output or root / "output" / "summaries" / "_"
    if output is None:
        out = out.parent / f"{summary_token(record, token_key(out.parent))}.pdf"
    write_atomic(out, pdf)
    click.echo(f"wrote {out}")
    return out
