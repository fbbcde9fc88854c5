"""A publication's summary as the studio shows it: rendered through the library
(:func:`brochure.summaries.summarize`) from the fictional preview record the publication keeps
in its own folder (``content/<publication>/preview-record.yaml``), in the language asked for.

The preview record is read only, and only from there (:func:`.paths.readable`): never a record
of ``content/patients/``. A publication with summaries but no preview record has no summary
shown (:func:`missing`). A summary has no panels or folds: its rendered document is its pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from ..errors import BrochureError, Problem, RecordFitError
from ..model.patient import PatientRecord
from ..project import Project
from ..records import RecordRow, read_records
from ..render.rendered import RenderedDocument
from ..summaries import check_rows, summarize
from .paths import PREVIEW_RECORD, PathRefused, readable

PAGE_LABEL = "Summary"


@dataclass(frozen=True)
class Preview:
    """A summary rendered from the preview record: its PDF, its pages, and what the physician
    would be warned of (characters no font draws, a note cut to fit), placed in the record."""

    pdf: bytes
    rendered: RenderedDocument
    warnings: tuple[Problem, ...]


def record_name(publication: str) -> str:
    """The preview record's file, relative to the project."""
    return f"content/{publication}/{PREVIEW_RECORD}"


def summary_layout(project: Project, root: Path, publication: str,
                   brand: str | None = None) -> str | None:
    """The summary layout the publication's summary is shown in (that of brand kit ``brand``,
    default the publication's), when it has summaries and a preview record; None otherwise."""
    if publication not in project.records.kinds or _record_file(root, publication) is None:
        return None
    kit = project.brands.get(brand or project.publications[publication].model.brand)
    if kit is None or kit.model.summary_layout not in project.summary_layouts:
        return None
    return kit.model.summary_layout


def missing(project: Project, root: Path, publication: str) -> str | None:
    """Why a publication with summaries has none shown (no preview record), else None."""
    if publication not in project.records.kinds or _record_file(root, publication):
        return None
    return (f"{publication} has summaries, but no preview record: add a fictional patient's "
            f"record as {record_name(publication)} to see its summary here")


def render_preview(project: Project, root: Path, publication: str, language: str,
                   brand: str) -> Preview:
    """The publication's summary in ``language`` and brand kit ``brand`` for its preview
    record; a
    :class:`BrochureError` placed in the files to fix (a record that cannot fit its pages: at
    each field to shorten in the preview record)."""
    path = _record_file(root, publication)
    if path is None:
        raise BrochureError(Problem(f"no preview record: expected {record_name(publication)}"))
    row = _row(project, path, publication)
    assert row.record is not None
    record = row.record.model_copy(update={"language": language, "publication": publication})
    try:
        summary = summarize(record, project=project, publication=publication, brand=brand)
    except RecordFitError as unfit:
        raise BrochureError([_at(row, name, unfit.problems[0].message, "error")
                             for name in unfit.fields]) from None
    warnings = [_at(row, _field_of(text), text, "warning") for text in summary.warnings]
    return Preview(summary.pdf, _pages(summary.pdf), tuple(warnings))


def _record_file(root: Path, publication: str) -> Path | None:
    try:
        return readable(root, record_name(publication))
    except PathRefused:
        return None


def _row(project: Project, path: Path, publication: str) -> RecordRow:
    """The one record of the preview file, valid for ``publication``; a BrochureError with
    its problems at their places otherwise."""
    rows = read_records(path, project.records.choosing(publication))
    if len(rows) != 1:
        raise BrochureError(Problem("a preview record file holds one record (a mapping of "
                                    "fields), not a list", path, 1, 1))
    row = check_rows(rows, project)[0]
    if row.problems:
        raise BrochureError(list(row.problems))
    record: PatientRecord | None = row.record
    if record is not None and record.publication and record.publication != publication:
        raise BrochureError(_at(row, "publication", f"a preview record is of the publication "
                                f"whose folder holds it: leave `publication` out or give "
                                f"{publication}", "error"))
    return row


def _at(row: RecordRow, name: str, message: str, level: str) -> Problem:
    """``message`` placed at the record's field ``name`` (at the record when not given)."""
    line, column = row.positions.get(name, (row.row, 1))
    return Problem(message, row.path, line, column, level=level)


def _field_of(warning: str) -> str:
    """The record's field a summary's warning is about ("the record's notes are ...")."""
    return warning.partition("the record's ")[2].partition(" ")[0]


def _pages(pdf: bytes) -> RenderedDocument:
    """The summary's pages (no panels, folds or bleed: a summary is printed on a desk printer)."""
    from pypdf import PdfReader

    document = RenderedDocument()
    for page in PdfReader(BytesIO(pdf)).pages:
        box = page.mediabox
        document.new_page(float(box.width), float(box.height), PAGE_LABEL, [])
    return document
