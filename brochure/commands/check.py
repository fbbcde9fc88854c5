"""``brochure check``: validate every input file; preflight print files like a print shop.

Each built file is checked as the kind it declares itself to be (:func:`brochure.kinds.kind_of`),
never as its name suggests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from ..errors import BrochureError, Problem
from ..kinds import OutputKind
from ..project import load_project

Kinds = dict[Path, "OutputKind | None"]


def run_check(root: Path, files: tuple[Path, ...], out: Path) -> int:
    """0 when everything is clean, 1 when a print file has findings. Invalid input files raise
    (exit 2) before this returns."""
    project = load_project(root)
    click.echo(f"ok: {len(project.publications)} publication(s), {len(project.layouts)} "
               f"layout(s), {len(project.brands)} brand kit(s) are valid")
    if files:
        _readable(list(files))
        kinds = _kinds(list(files))
        readable = _unencrypted(kinds)
        return max(_preflight(readable, kinds, _layouts(project)),
                   _laid_out(readable, project), _accessibility(readable))
    found = _content(project)
    built = sorted(out.glob("*/*.pdf"))
    _readable(built)
    kinds = _kinds(built)
    readable = _unencrypted(kinds)
    printed = [path for path in readable if _for_press(kinds[path])]
    return max(found, _preflight(printed, kinds, _layouts(project)),
               _laid_out(readable, project), _accessibility(readable))


def _kinds(paths: list[Path]) -> Kinds:
    """What each file declares itself to be (None: nothing of ours)."""
    from pypdf import PdfReader

    from ..kinds import kind_of

    return {path: kind_of(PdfReader(path)) for path in paths}


def _unencrypted(kinds: Kinds) -> list[Path]:
    """The files that can be read without a password. Each other one is told as not checked
    (exit code unchanged): an encrypted file is a summary or packet made with a password,
    which is no fault (a print file never is)."""
    readable = []
    for path, kind in kinds.items():
        if kind is None or not kind.encrypted:
            readable.append(path)
        else:
            click.echo(f"{path}: encrypted, as a summary made with a password is: not checked "
                       "(nothing in it can be read without its password)")
    return readable


def _for_press(kind: OutputKind | None) -> bool:
    from ..preflight import for_press

    return for_press(kind)


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
    from ..layout_checks import file_findings, located

    findings = located([f for path in paths for f in file_findings(path, project)], project)
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


def _preflight(paths: list[Path], kinds: Kinds, layouts: dict) -> int:
    from ..preflight import for_press, preflight, readers_standards

    findings = []
    for path in paths:
        kind = kinds[path]
        if kind is not None and not for_press(kind):
            click.echo(f"{path}: {kind.what} ({', '.join(readers_standards(kind))}), not for "
                       f"print: print preflight not applied (a print file is built with "
                       f"--print)")
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
