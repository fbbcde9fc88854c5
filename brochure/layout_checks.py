"""Checks on how a brochure is laid out, for ``brochure check``.

On a built file (screen or print, read as preflight reads it, :func:`~.preflight.page_contents`):

- **text-size**: text below the layout's ``min_text_size`` (page furniture, text marked as an
  artifact, below ``min_furniture_size``), with its page, its position from the page's top-left
  corner (the trim's, in a print file) and its first words. Summaries are measured too (known
  by their title and page size); their findings never quote their text, which is a patient's;
- **balance**: a panel (a booklet's page) whose content spans less than the layout's
  ``balance.min_fill`` of its text frame: the tallest band of the frame with nothing drawn in
  it (below the last content, above the first, or between two) is measured against the frame.
  The covers (first and last panel in reading order) are left out unless a panel says
  ``balance: true``; any panel may say ``balance: false``;
- **balance** (uneven): panels a reader sees together (a tri-fold side's panels, a booklet's
  facing pages; covers and panels with a ``foot`` aside) whose content ends further apart than
  the layout's ``balance.even``, naming each panel and where its content ends, in inches from
  the page's top.

On the content as a layout places it (no rendering needed):

- **stranded**: a panel whose first block (spacers aside) is a box (``statement``,
  ``statements``, ``callout``) or a heading below level 1: it opens with something that belongs
  under a section heading, and no section heading opens the panel. Content never flows from one
  panel to the next, so the heading it belongs to is on another panel, or nowhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pypdf import PdfReader

from .errors import BrochureError, Problem
from .finish import LAYOUT_KEY
from .kinds import PRINT, SCREEN, OutputKind, kind_of
from .model import Brand, Layout
from .model.layout import SummaryLayout
from .model.publication import Block, Publication
from .pages import pdfium_document
from .preflight import (
    UNREADABLE,
    Finding,
    PageContent,
    TextRun,
    document_info,
    page_contents,
    words_at,
)
from .project import Project
from .render.rendered import PlacedBlock, RenderedDocument
from .render.sheets import Sheet, Slot, frame, reach, sheets

DESCENT, ASCENT = 0.25, 0.8
"""A line of text's extent below and above its baseline, in ems (for where content ends)."""
EDGE = 1.0
"""Points within which an empty band counts as reaching the frame's edge."""


# -- which layout a file was made with -----------------------------------------------------------

def layout_of(path: Path, reader: PdfReader, layouts: dict[str, Layout]) -> Layout | None:
    """The layout a built file was made with: named in a print file's information, else by the
    file's name (``<layout>[-<lang>][-print].pdf``); None when neither says."""
    named = str(document_info(reader).get(LAYOUT_KEY, ""))
    if named in layouts:
        return layouts[named]
    stem = path.stem.removesuffix(PRINT.suffix)
    for name in sorted(layouts, key=len, reverse=True):
        rest = stem.removeprefix(name)
        if rest != stem and (not rest or re.fullmatch(r"-[a-z]{2,3}(-[A-Za-z0-9]+)*", rest)):
            return layouts[name]
    return None


def summary_layout_of(reader: PdfReader, project: Project) -> SummaryLayout | None:
    """The summary layout of a personalized summary: a file titled as one of the project's
    summaries, on the page size of exactly one summary layout; None for any other file."""
    title = str(document_info(reader).get("/Title", ""))
    titles = {text.title for summary in project.summaries.values()
              for text in summary.model.languages.values()}
    if title not in titles:
        return None
    box = reader.pages[0].mediabox
    fitting = [lay.model for lay in project.summary_layouts.values()
               if abs(lay.model.page.width - float(box.width)) < 0.5
               and abs(lay.model.page.height - float(box.height)) < 0.5]
    return fitting[0] if len(fitting) == 1 else None


@dataclass(frozen=True)
class Built:
    """A built file with the layout it was made in and what each page draws."""

    path: Path
    layout: Layout | SummaryLayout
    kind: OutputKind
    """What the file declares itself to be (its boxes, and how its pages are imposed)."""
    pages: list[PageContent]
    brand: Brand | None

    @property
    def sheets(self) -> list[Sheet]:
        """The panels on each page (none for a summary)."""
        return (sheets(self.layout, self.kind.imposed) if isinstance(self.layout, Layout)
                else [])

    @property
    def quoted(self) -> bool:
        """Whether findings may quote the file's text (never a summary's: it is a patient's)."""
        return isinstance(self.layout, Layout)


def file_findings(path: Path, project: Project) -> list[Finding]:
    """Text size and balance findings on one built brochure, text size on a summary (nothing
    for other PDFs, or encrypted ones)."""
    layouts = {lay.model.name: lay.model for lay in project.layouts.values()}
    reader = PdfReader(path)
    kind = kind_of(reader) or SCREEN  # a file declaring nothing is measured at its trim
    if kind.encrypted or not reader.pages:
        return []
    layout = layout_of(path, reader, layouts) or summary_layout_of(reader, project)
    if layout is None:
        return []
    if isinstance(layout, Layout):
        layout = _placed(reader, layout, project)
    try:
        pages = page_contents(reader)
    except UNREADABLE:
        return []  # preflight and accessibility say so
    built = Built(path, layout, kind, pages, _brand(reader, project))
    placed = built.sheets and len(built.sheets) == len(pages)
    return size_findings(built) + (balance_findings(built) + even_findings(built)
                                   if placed else [])


def _placed(reader: PdfReader, layout: Layout, project: Project) -> Layout:
    """``layout`` holding the sections of the publication whose title the file gives (what
    panels hold a foot), as that publication places them; as it is when no edition has the
    title."""
    title = str(document_info(reader).get("/Title", ""))
    for name in project.publications:
        if layout.name in project.publications[name].model.layouts and any(
                edition.model.title == title for edition in project.editions(name).values()):
            return project.layout_for(name, layout.name)
    return layout


def _brand(reader: PdfReader, project: Project) -> Brand | None:
    """The brand kit whose name the file gives as its author (for art at a panel's foot)."""
    author = str(document_info(reader).get("/Author", ""))
    return next((b.model for b in project.brands.values() if b.model.name == author), None)


# -- text size -----------------------------------------------------------------------------------

def size_findings(built: Built) -> list[Finding]:
    """One finding per page and size of text below its minimum, naming the first such run."""
    layout = built.layout
    findings = []
    for page in built.pages:
        small: dict[tuple[float, bool], list[TextRun]] = {}
        for run in page.texts:
            least = layout.min_furniture_size if run.artifact else layout.min_text_size
            if run.size < least - 0.05:
                small.setdefault((round(run.size, 1), run.artifact), []).append(run)
        if small:
            findings += _size_findings(built, page, small)
    return findings


def _size_findings(built: Built, page: PageContent,
                   small: dict[tuple[float, bool], list[TextRun]]) -> list[Finding]:
    layout = built.layout
    quotes = _first_words(built, page, [runs[0] for runs in small.values()])
    findings = []
    for ((size, furniture), runs), words in zip(small.items(), quotes, strict=True):
        first = runs[0]
        more = f" (and {len(runs) - 1} more like it)" if len(runs) > 1 else ""
        what = "page furniture" if furniture else "text"
        key = "min_furniture_size" if furniture else "min_text_size"
        least = layout.min_furniture_size if furniture else layout.min_text_size
        panel = _panel_at(built, page, first.origin[0])
        inside = f" in panel '{panel.panel.name}'" if panel else ""
        findings.append(Finding(
            built.path, page.number, "text-size",
            f"{what} at {size:g} pt{words} at {_position(page, first.origin)}{inside}{more}",
            f"below this layout's minimum of {least:g} pt ({key} in layout {layout.name})",
            at=(first.origin[0] - page.trim[0], first.origin[1] - page.trim[1])))
    return findings


def _first_words(built: Built, page: PageContent, runs: list[TextRun]) -> list[str]:
    """Each run's first words, quoted, as a finding shows them: nothing for a summary (its
    text is a patient's), or when the page's text cannot be read."""
    import pypdfium2 as pdfium

    if not built.quoted:
        return [""] * len(runs)
    try:
        with pdfium_document(built.path) as document:
            textpage = document[page.number - 1].get_textpage()
            return [f" '{words_at(textpage, *run.origin, run.size, most=30)}'" for run in runs]
    except pdfium.PdfiumError:
        return [""] * len(runs)


def _position(page: PageContent, origin: tuple[float, float]) -> str:
    """Where a point is as a reader measures it: from the top-left corner of the (trimmed)
    page, in inches."""
    x, y = origin[0] - page.trim[0], page.trim[3] - origin[1]
    return f"({x / 72:.2f} in, {y / 72:.2f} in) from the top-left"


def _panel_at(built: Built, page: PageContent, x: float) -> Slot | None:
    if not built.sheets or len(built.sheets) != len(built.pages):
        return None
    left = x - page.trim[0]
    return next((slot for slot in built.sheets[page.number - 1].slots
                 if slot.x - EDGE <= left < slot.x + slot.panel.width), None)


# -- balance -------------------------------------------------------------------------------------

def balance_findings(built: Built) -> list[Finding]:
    """Panels whose content spans less of their frame than ``balance.min_fill``."""
    layout = built.layout
    if not isinstance(layout, Layout):
        return []  # a summary has no panels
    findings = []
    for page, sheet in zip(built.pages, built.sheets, strict=True):
        for slot in sheet.slots:
            if not layout.balanced(slot.panel):
                continue
            finding = _balance(built, layout, page, slot)
            if finding is not None:
                findings.append(finding)
    return findings


def _spans(built: Built, layout: Layout, page: PageContent,
           slot: Slot) -> tuple[list[tuple[float, float]], float, float]:
    """(bottom, top) of what is drawn in a panel's text frame, clipped to it, with the frame's
    bottom and top (in the page's coordinates)."""
    left, bottom, width, height = frame(layout, slot, _foot(built, layout, slot))
    left, bottom = left + page.trim[0], bottom + page.trim[1]
    top = bottom + height
    spans = [(max(low, bottom), min(high, top))
             for low, high in _extents(page, left - EDGE, left + width + EDGE)
             if high > bottom and low < top]
    return spans, bottom, top


def _balance(built: Built, layout: Layout, page: PageContent, slot: Slot) -> Finding | None:
    spans, bottom, top = _spans(built, layout, page, slot)
    height = top - bottom
    upper, lower = _widest_gap(spans, bottom, top)
    fill = 1 - (upper - lower) / height
    least = layout.balance.min_fill
    if fill >= least - 1e-9:
        return None
    return Finding(built.path, page.number, "balance", f"panel '{slot.panel.name}'",
                   f"{_gap_words(upper, lower, bottom, top, spans)}; this layout asks for at "
                   f"least {_percent(least)} (balance: min_fill in layout {layout.name}): give "
                   "the panel more content, move a section here, or say balance: false on a "
                   "panel left part-empty on purpose")


def even_findings(built: Built) -> list[Finding]:
    """Panels seen together whose content ends further apart than ``balance.even``: one
    finding per group, on the page of the panel that ends highest."""
    layout = built.layout
    if not isinstance(layout, Layout) or layout.balance.even is None:
        return []
    ends = _ends(built, layout)
    findings = []
    for group in layout.seen_together():
        found = [(ends[p.name], p.name) for p in group if p.name in ends]
        if len(found) < 2:
            continue
        (high, page, _), _ = min(found)
        (low, _, _), _ = max(found)
        if low - high > layout.balance.even + 1e-6:
            findings.append(_uneven(built, layout, page, found))
    return findings


def _ends(built: Built, layout: Layout) -> dict[str, tuple[float, int, float]]:
    """Where each panel's content ends, in points from the page's top (trim), with the page
    it is on and its frame's height (panels with nothing drawn left out)."""
    ends = {}
    for page, sheet in zip(built.pages, built.sheets, strict=True):
        for slot in sheet.slots:
            spans, bottom, top = _spans(built, layout, page, slot)
            if spans:
                lowest = min(low for low, _ in spans)
                ends[slot.panel.name] = (page.trim[3] - lowest, page.number, top - bottom)
    return ends


def _uneven(built: Built, layout: Layout, page: int,
            found: list[tuple[tuple[float, int, float], str]]) -> Finding:
    where = ", ".join(f"'{name}' at {end / 72:.2f} in" for (end, _, _), name in found)
    spread = (max(found)[0][0] - min(found)[0][0]) / 72
    even = (layout.balance.even or 0) / 72
    return Finding(built.path, page, "balance", "panels seen together",
                   f"their content ends at different heights ({where} from the page's top, "
                   f"{spread:.2f} in apart); this layout asks for at most {even:.2f} in "
                   f"(balance: even in layout {layout.name}): move a block from the panel "
                   "that ends lowest to one that ends higher, or add to the shorter ones")


def _foot(built: Built, layout: Layout, slot: Slot) -> float:
    """The height above the trim of the brand art across a panel's foot (as the renderer
    draws it: scaled to the panel's width, into the bleed on the sheet's outer edges)."""
    key = layout.panel_styles[slot.panel.style].art
    if key is None or built.brand is None or key not in built.brand.art:
        return 0.0
    art = built.brand.art[key]
    bleed = layout.bleed if built.kind.boxes else 0.0
    width = slot.panel.width + sum(reach(layout, slot, built.kind.boxes))
    return art.height * width / art.width - bleed


def _extents(page: PageContent, left: float, right: float) -> Iterator[tuple[float, float]]:
    """(bottom, top) of each thing a reader sees that starts between ``left`` and ``right``:
    text lines by their baseline and size, other drawing by its box, and the fill behind text
    (a box's, a table row's) when it lies within the column (a panel's own fill reaches past
    it, to the trim)."""
    texts = [run for run in page.texts
             if not run.artifact and left <= run.origin[0] <= right and run.size > 0]
    for run in texts:
        yield run.origin[1] - DESCENT * run.size, run.origin[1] + ASCENT * run.size
    for x0, y0, x1, y1 in page.drawn:
        if left <= (x0 + x1) / 2 <= right:
            yield y0, y1
    for x0, y0, x1, y1 in page.backdrops:
        if left <= x0 and x1 <= right and any(
                x0 <= run.origin[0] <= x1 and y0 <= run.origin[1] <= y1 for run in texts):
            yield y0, y1


def _widest_gap(spans: list[tuple[float, float]], bottom: float,
                top: float) -> tuple[float, float]:
    """(upper, lower) edge of the tallest band between ``bottom`` and ``top`` that no span
    covers."""
    best, reached = (top, bottom) if not spans else (top, top), top
    for low, high in sorted(spans, key=lambda span: -span[1]):
        if high < reached and reached - high > best[0] - best[1]:
            best = (reached, high)
        reached = min(reached, low)
    if spans and reached - bottom > best[0] - best[1]:
        best = (reached, bottom)
    return best


def _gap_words(upper: float, lower: float, bottom: float, top: float,
               spans: list) -> str:
    """The tallest empty band in words, as shares of the frame from its top."""
    height = top - bottom
    start, end = (top - upper) / height, (top - lower) / height
    spanned = _percent(1 - (end - start))
    if not spans:
        return "it has no content"
    if lower - bottom <= EDGE:
        return f"its content ends at {_percent(start)} of its frame"
    if top - upper <= EDGE:
        return f"its content starts {_percent(end)} of the way down its frame (it spans {spanned})"
    return (f"it is empty from {_percent(start)} to {_percent(end)} of the way down its frame "
            f"(its content spans {spanned})")


def _percent(share: float) -> str:
    """A share in whole per cent, rounded down (69.6 % is not yet 70 %)."""
    return f"{math.floor(share * 100 + 1e-9):.0f} %"


# -- stranded boxes and headings -----------------------------------------------------------------

BOXES = ("statement", "statements", "callout")
"""Block types drawn as a box."""
PASSED_OVER = ("spacer", "page_break")


def stranded_findings(project: Project) -> list[Problem]:
    """Every panel, in every layout each edition is placed in, that opens with a box or a
    heading below level 1 (see the module's docstring), placed at that block."""
    findings = []
    for name in project.publications:
        for edition in project.editions(name).values():
            pub = edition.model
            for layout_name in pub.layouts:
                if layout_name not in project.layouts:
                    continue
                layout = project.layout_for(name, layout_name)
                for number, side in enumerate(layout.sides, start=1):
                    for panel in side.panels:
                        found = _opening(pub, panel.placed, layout.kind)
                        if found is not None and _stranded(found[2]):
                            findings.append(_stranded_problem(edition, layout, number,
                                                              side.name, panel.name, found))
    return findings


def _opening(pub: Publication, sections: list[str],
             kind: str) -> tuple[str, int, Block] | None:
    """(section, index, block) of the first block a panel of a ``kind`` layout shows,
    spacers aside."""
    for section in sections:
        for index, block in enumerate(pub.sections.get(section, [])):
            if block.shown_in(kind) and block.type not in PASSED_OVER:
                return section, index, block
    return None


def _stranded(block: Block) -> bool:
    return block.type in BOXES or (block.type == "heading" and block.level > 1)


def _stranded_problem(edition, layout: Layout, number: int, side: str, panel: str,
                      found: tuple[str, int, Block]) -> Problem:
    section, index, block = found
    what = (f"a level-{block.level} heading" if block.type == "heading"
            else f"a {block.type} box")
    page = f"page {number}" if layout.kind == "booklet" else f"the {side} side"
    return edition.source.problem(
        ("sections", section, index),
        f"layout {layout.name}, {page}, panel '{panel}' opens with {what} (block {index + 1} of "
        f"section '{section}') and no section heading: a panel starts with a level-1 heading "
        "(or a block with its own, such as physician or contact); put the heading this block "
        "belongs under before it, or place its section after one", level="finding")


# -- where a finding's text is written ------------------------------------------------------------

def located(findings: list[Finding], project: Project) -> list[Finding]:
    """Each finding about a point of a built brochure, with where the block drawn at that
    point is written (its file, line and column, and the block). The file is rendered again,
    with its rendered document, in the publication, layout, language, brand and kind its name
    says; only when that gives the file's very bytes (it was built from the content as it is
    now) is a position added: a stale file's blocks may have moved."""
    documents: dict[Path, RenderedDocument | None] = {}
    placed = []
    for finding in findings:
        if finding.at is not None and finding.page is not None:
            if finding.path not in documents:
                documents[finding.path] = _rendered_again(finding.path, project)
            block = _block_at(documents[finding.path], finding.page - 1, finding.at)
            if block is not None and block.source is not None:
                written = block.source
                finding = replace(finding, written=f"{written.path}:{written.line}:"
                                  f"{written.column}, section '{block.section}' block "
                                  f"{block.index + 1} ({block.kind})")
        placed.append(finding)
    return placed


def _rendered_again(path: Path, project: Project) -> RenderedDocument | None:
    """The rendered document of the built brochure at ``path`` (None: no publication's output
    has its name, or rendering it again does not give its bytes)."""
    from .build import render_publication

    for job in _jobs_named(path, project):
        try:
            pdf, rendered = render_publication(project, *job)
        except BrochureError:  # the content no longer builds: `brochure build` says why
            return None
        return rendered if pdf == path.read_bytes() else None
    return None


def _jobs_named(path: Path, project: Project) -> Iterator[tuple]:
    """(publication, layout, kind, language, brand) of each output whose name ``path`` ends
    with (see :func:`brochure.output.publication_path`)."""
    from .output import publication_path

    for name, loaded in project.publications.items():
        brands = [None, *(b for b in project.brands if b != loaded.model.brand)]
        for language in project.editions(name):
            for layout in loaded.model.layouts:
                for kind in (SCREEN, PRINT):
                    for brand in brands:
                        named = publication_path(Path(), name, layout, language, kind, brand)
                        if path.parts[-len(named.parts):] == named.parts:
                            yield name, layout, kind, language, brand


def _block_at(rendered: RenderedDocument | None, page: int,
              point: tuple[float, float]) -> PlacedBlock | None:
    """The block whose box holds ``point`` on ``page`` (from 0)."""
    if rendered is None:
        return None
    x, y = point
    return next((b for b in rendered.blocks if b.page == page and
                 b.box.x - 1 <= x <= b.box.x + b.box.width + 1 and
                 b.box.y - 1 <= y <= b.box.y + b.box.height + 1), None)
