"""The physician's API: assess a record and render its summary (optionally encrypted, optionally
followed by the publication as a patient packet).

A record is of one publication with summaries: its own ``publication`` field, else the one
named by ``publication=``, else the project's default. The project (content and layouts) is
loaded once (:func:`load_project`, or the default project, ``$BROCHURE_ROOT``) and owns what is
built from it for summaries, each publication's kit and packet brochure
(:meth:`Project.cached`): each summary costs only its own layout and drawing, and two projects
in one process never share a cache.

    >>> project = load_project("path/to/project")
    >>> assess({...}, project=project).verdict
    >>> pdf = render_summary({...}, project=project, publication="my-topic")
"""

from __future__ import annotations

import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from .build import build_publication
from .candidacy import Assessment
from .candidacy import assess as assess_with
from .errors import BrochureError, Problem
from .finish import Appendix, finish
from .kinds import summary_kind
from .model.patient import PatientRecord
from .model.publication import branded
from .project import SUMMARY_FILES, Project, default_project, load_project
from .records import RecordRow, check_ids, check_physicians, to_record, unknown_physician
from .render.fonts import uncovered
from .render.summary import SummaryKit, render_summary_pdf

__all__ = ["Summary", "assess", "default_project", "load_project", "render_summary",
           "summarize", "summary_kit"]


def summary_kit(project: Project | None = None, publication: str | None = None,
                brand: str | None = None) -> SummaryKit:
    """What every summary of ``publication`` (default: the project's default publication)
    shares, in brand kit ``brand`` (default: the publication's), built once and kept by the
    project."""
    project = project or default_project()
    chosen = publication or project.records.default
    if chosen not in project.records.kinds:
        raise BrochureError(Problem(
            f"publication '{chosen}' has no summaries ({', '.join(SUMMARY_FILES)}); expected "
            f"one of: {project.records.known}", project.content_dir(chosen or "")))
    project.require_brand(chosen, brand)
    if brand == project.publications[chosen].model.brand:
        brand = None  # the default brand's kit is one, however it is named
    return project.cached(("kit", chosen, brand), lambda: _kit(project, chosen, brand))


def _kit(project: Project, publication: str, brand_name: str | None = None) -> SummaryKit:
    pub = project.publications[publication].model
    brand = project.kit(publication, brand_name)
    editions = {language: branded(loaded.model, brand.name, brand.contact.phone)
                for language, loaded in project.editions(publication).items()}
    pub = editions.get(pub.language, pub)
    return SummaryKit(brand=brand, publication=pub, editions=editions,
                      layout=project.summary_layouts[brand.summary_layout].model,
                      rules=project.rules[publication].model,
                      texts=project.summaries[publication].model.languages,
                      settings=project.settings, record=project.records.kinds[publication])


def record_of(record: Mapping | PatientRecord, project: Project,
              publication: str | None = None) -> PatientRecord:
    """``record`` validated as a record of its publication (its own ``publication`` field,
    else ``publication``, else the project's default)."""
    if isinstance(record, PatientRecord):
        return record
    return to_record(record, records=project.records.choosing(publication))


def assess(record: Mapping | PatientRecord, *, project: Project | None = None,
           publication: str | None = None, brand: str | None = None) -> Assessment:
    """The verdict, its label and every fired rule with its reason for one record (whose
    physician must be on the roster of ``brand``, default the publication's brand)."""
    project = project or default_project()
    record = record_of(record, project, publication)
    kit = summary_kit(project, record.publication or None, brand)
    check_id(record, kit)
    check_physician(record, kit)
    return assess_with(record, kit.rules)


def roster(kit: SummaryKit) -> list[str]:
    """The keys a record's ``physician`` may take: the brand's physicians."""
    return [physician.key for physician in kit.brand.physicians]


def check_physician(record: PatientRecord, kit: SummaryKit, where: str = "record") -> None:
    """Raise :class:`BrochureError` if the record names a physician who is not on the brand's
    roster (the message names the field and the roster's keys; it is placed at ``where``)."""
    message = unknown_physician(record.physician, roster(kit))
    if message:
        raise BrochureError(Problem(message, where))


def check_id(record: PatientRecord, kit: SummaryKit, where: str = "record") -> None:
    """Raise :class:`BrochureError` if the record's id does not match the project's pattern
    (the message gives the pattern, never the id; it is placed at ``where``)."""
    message = kit.settings.id_problem(record.id)
    if message:
        raise BrochureError(Problem(message, where))


def check_rows(rows: list[RecordRow], project: Project,
               brand: str | None = None) -> list[RecordRow]:
    """Rows read from files (:func:`brochure.records.read_records`), each whose id does not
    match the project's pattern, or whose physician is not on the roster of the brand its
    summary is drawn in (``brand``, else its publication's), turned into an error row placed
    at that value."""
    checked = check_ids(rows, project.settings)
    return [check_physicians([row], roster(summary_kit(project, row.record.publication,
                                                       brand)))[0]
            if row.record else row for row in checked]


class MissingGlyphWarning(UserWarning):
    """A character of the record that no available font can draw (it prints as a box)."""


class NoteCutWarning(UserWarning):
    """The record's note did not fit the summary's pages and only its start is printed."""


@dataclass(frozen=True)
class Summary:
    pdf: bytes
    assessment: Assessment
    missing_glyphs: tuple[str, ...] = ()
    note_cut: tuple[str, ...] = ()

    @property
    def warnings(self) -> tuple[str, ...]:
        """Everything the physician should know before handing the summary over."""
        return self.missing_glyphs + self.note_cut


def render_summary(record: Mapping | PatientRecord, *, password: str | None = None,
                   with_brochure: bool = False, project: Project | None = None,
                   publication: str | None = None, brand: str | None = None) -> bytes:
    """The patient's candidacy summary as PDF bytes (AES-256 encrypted if ``password``;
    followed by the publication, as one patient packet, if ``with_brochure``). Characters no
    font can draw are reported as :class:`MissingGlyphWarning`, a note cut to fit as
    :class:`NoteCutWarning`."""
    result = summarize(record, password=password, with_brochure=with_brochure, project=project,
                       publication=publication, brand=brand)
    for message in result.missing_glyphs:
        warnings.warn(message, MissingGlyphWarning, stacklevel=2)
    for message in result.note_cut:
        warnings.warn(message, NoteCutWarning, stacklevel=2)
    return result.pdf


def summarize(record: Mapping | PatientRecord, *, password: str | None = None,
              with_brochure: bool = False, project: Project | None = None,
              publication: str | None = None, brand: str | None = None) -> Summary:
    """The summary's PDF bytes, the assessment it shows, and warnings: characters no available
    font can draw (named by code point, never with the text around them), and a note cut to
    fit the pages (by its length only). In brand kit ``brand`` (default: the publication's),
    whose roster must hold the record's physician."""
    project = project or default_project()
    record = record_of(record, project, publication)
    kit = summary_kit(project, record.publication or None, brand)
    check_id(record, kit)
    check_physician(record, kit)
    assessment = assess_with(record, kit.rules)
    kit.prepare()  # once per kit: calibration, before the first render (never inside one)
    kind = summary_kind(encrypted=bool(password), with_brochure=with_brochure)
    rendered = render_summary_pdf(kit, record, assessment, kind)
    appendix = _brochure(project, kit.publication.id, record.language, brand) \
        if with_brochure else None
    pdf = finish(rendered.pdf, kind, appendix=appendix, password=password)
    return Summary(pdf, assessment, glyph_warnings(record, kit),
                   _cut_warning(record, rendered.note_printed))


def _cut_warning(record: PatientRecord, printed: int | None) -> tuple[str, ...]:
    """What the physician must know when the note did not fit: how much of it is printed."""
    if printed is None:
        return ()
    return (f"the record's notes are too long to print whole with the rest of this record: "
            f"the first {printed} of {len(record.notes or '')} characters are printed, then a "
            "line saying the rest is in the patient's record; shorten the note to print it "
            "whole",)


def glyph_warnings(record: PatientRecord, kit: SummaryKit) -> tuple[str, ...]:
    """A warning for each character of the record's printed text that no available font can
    draw, named by its code point (never with the text around it)."""
    face = kit.fonts.body.regular
    found = []
    for field in ("name", "notes", "override_reason"):
        for char in uncovered(getattr(record, field) or "", face):
            name = unicodedata.name(char, "unnamed character")
            found.append(f"the record's {field} has U+{ord(char):04X} {name}, which no "
                         "available font can draw; it will print as an empty box")
    return tuple(found)


def _brochure(project: Project, publication: str, language: str,
              brand: str | None = None) -> Appendix:
    """The publication in the patient's language (the screen file; the booklet when the
    publication has one, since it reads in page order) for the patient's packet, built and
    parsed once (kept by the project)."""
    edition = project.edition(publication, language).model
    layout = next((name for name in edition.layouts if project.layouts[name].model.kind ==
                   "booklet"), edition.layouts[0])
    brand = None if brand == project.publications[publication].model.brand else brand
    return project.cached(("brochure", publication, layout, edition.language, brand),
                          lambda: Appendix(build_publication(
                              project, publication, layout, language=edition.language,
                              brand=brand)))
