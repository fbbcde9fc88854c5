"""``brochure check``: validate every input file; preflight print files like a print shop."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from ..errors import BrochureError, Problem
from ..project import load_project


def run_check(root: Path, files: tuple[Path, ...], out: Path) -> int:
    """0 when everything is clean, 1 when a print file has findings. Invalid input files raise
    (exit 2) before this returns."""
    project = load_project(root)
    click.echo(f"ok: {len(project.publications)} publication(s), {len(project.layouts)} "
               f"layout(s), {len(project.brands)} brand kit(s) are valid")
    if files:
        _readable(list(files))
        readable = _unencrypted(list(files))
        printed = [path for path in files if path in readable or _is_print_file(path)]
        return max(_preflight(printed, _layouts(project)), _laid_out(readable, project),
                   _accessibility(readable))
    found = _content(project)
    built = sorted(out.glob("*/*.pdf"))
    _readable(built)
    readable = _unencrypted(built)
    return max(found, _preflight(sorted(out.glob("*/*-print.pdf")), _layouts(project)),
               _laid_out(readable, project), _accessibility(readable))


def _unencrypted(paths: list[Path]) -> list[Path]:
    """The files that can be read without a password. Each other one is told as not checked
    (exit code unchanged): an encrypted file is a summary made with a password, which is no
    fault; only a print file (``-print.pdf``) must never be, as its preflight says."""
    from pypdf import PdfReader

    readable = []
    for path in paths:
        if not PdfReader(path).is_encrypted:
            readable.append(path)
        elif not _is_print_file(path):
            click.echo(f"{path}: encrypted, as a summary made with a password is: not checked "
                       "(nothing in it can be read without its password)")
    return readable


def _is_print_file(path: Path) -> bool:
    return path.name.endswith("-print.pdf")


def _readable(paths: list[Path]) -> None:
    """Every named file must be a PDF that can be read; all that cannot are reported at once."""
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the problem below says it once
    problems = []
    for path in paths:
        if not path.is_file():
            problems.append(Problem("no such PDF file", path))
            continue
        try:
            PdfReader(path)
        except (PdfReadError, OSError, ValueError) as exc:
            problems.append(Problem(f"not a readable PDF file ({exc}); expected a PDF such as "
                                    f"`brochure build` writes", path))
    if problems:
        raise BrochureError(problems)


def _accessibility(paths: list[Path]) -> int:
    """Tagged structure, alternative text, heading levels, language and title of every PDF."""
    from ..accessibility import accessibility

    findings = [f for path in paths for f in accessibility(path)]
    for finding in findings:
        click.echo(str(finding), err=True)
    click.echo(f"accessibility: {len(paths)} file(s), "
               f"{'ok' if not findings else f'{len(findings)} finding(s)'}")
    return 1 if findings else 0


def _laid_out(paths: list[Path], project) -> int:
    """Type sizes and balance of every built brochure among ``paths`` (other PDFs, such as
    summaries, are left to their own checks)."""
    from ..layout_checks import file_findings

    findings = [f for path in paths for f in file_findings(path, project)]
    for finding in findings:
        click.echo(str(finding), err=True)
    click.echo(f"type and balance: {'ok' if not findings else f'{len(findings)} finding(s)'}")
    return 1 if findings else 0


def _layouts(project) -> dict:
    return {lay.model.name: lay.model for lay in project.layouts.values()}


def _content(project) -> int:
    """Review dates, reading level, body size, contrast, glyphs and honest claims of every
    edition; warnings are shown but leave the exit code at 0."""
    from ..checks import content_findings, output_findings

    found = content_findings(project) + output_findings(project)
    for finding in found:
        click.echo(str(finding), err=True)
    findings = [f for f in found if f.level != "warning"]
    warnings = len(found) - len(findings)
    noted = f" ({warnings} warning(s))" if warnings else ""
    click.echo(f"content: ok{noted}" if not findings else
               f"content: {len(findings)} finding(s){noted}")
    return 1 if findings else 0


def _preflight(paths: list[Path], layouts: dict) -> int:
    from ..preflight import preflight, screen_standards

    findings = []
    for path in paths:
        if standards := screen_standards(path):
            click.echo(f"{path}: a screen file ({', '.join(standards)}), not for print: print "
                       f"preflight not applied (a print file is built with --print)")
            continue
        found = preflight(path, layouts)
        findings += found
        click.echo(f"{path}: {'ok' if not found else f'{len(found)} finding(s)'}")
    for finding in findings:
        click.echo(str(finding), err=True)
    return 1 if findings else 0


def run_validate(files: tuple[Path, ...], out: Path) -> int:
    """``--validate``: veraPDF on FILES (default: every PDF in OUT), each against the
    standards it declares (PDF/UA-1 when it declares none); failed rules are findings
    (exit 1), as is veraPDF being unavailable, which says how to get it."""
    from ..validate import HOW_TO_GET, VERSION, UnavailableError, validate

    paths = list(files) or sorted(out.glob("*/*.pdf"))
    try:
        reports = validate(paths)
    except UnavailableError as exc:
        click.echo(f"validate: {exc}", err=True)
        return 1
    except (OSError, subprocess.SubprocessError):
        click.echo(f"validate: veraPDF did not run; {HOW_TO_GET}", err=True)
        return 1
    findings = [f for report in reports.values() for f in report.findings]
    for report in reports.values():
        standards = ", ".join(report.profiles) or report.note or "not validated"
        verdict = "ok" if report.profiles and not report.findings else \
            f"{len(report.findings)} finding(s)" if report.findings else "skipped"
        click.echo(f"{report.path}: {standards}: {verdict}")
    for finding in findings:
        click.echo(str(finding), err=True)
    click.echo(f"validate (veraPDF {VERSION}): {len(paths)} file(s), "
               f"{'ok' if not findings else f'{len(findings)} finding(s)'}")
    return 1 if findings else 0
