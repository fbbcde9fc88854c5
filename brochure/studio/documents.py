"""The studio's documents: which can be shown, and each one's latest view.

A document is a publication in one layout, language and brand kit (:class:`DocKey`), or a
publication's summary (its layout: the summary layout its brand kit names), shown for the
fictional preview record the publication keeps in its own folder (:mod:`.preview`). Its view
(:class:`DocView`) holds the page images of its last good render (PNG, 100 dpi, cached by the
PDF's hash), the rendered document (pages, panels, folds, placed blocks with their source
positions), and what is wrong now: the project's errors (the pages stay, greyed), a block that
does not fit its panel (outlined with its overflow), and ``brochure check``'s findings.

One lock guards the project and every render: ReportLab and PDFium are used by one thread at a
time.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..build import PanelFitError, render_publication
from ..errors import BrochureError, Problem, SourceError
from ..kept import Kept
from ..kinds import SCREEN
from ..pages import page_images
from ..project import Project, load_project
from ..render.rendered import Box, PanelArea, PlacedBlock, RenderedDocument
from ..render.sheets import frame, sheets
from .paths import PathRefused, readable, relative
from .preview import missing, render_preview, summary_layout

PREVIEW_DPI = 100
"""Page images for the preview: a letter page is 1,100 pixels wide."""
MAX_IMAGES = 400
"""Page images kept in memory (a few hundred KB each), the least recently used dropped."""
EXCERPT_LINES = 2
"""Lines shown above and below an error's line."""
MAX_EXCERPT = 30
"""Lines of a block shown at most."""


@dataclass(frozen=True)
class DocKey:
    """A publication in a layout, a language and a brand kit."""

    publication: str
    layout: str
    language: str
    brand: str

    def query(self) -> str:
        """The key as a URL's query string."""
        from urllib.parse import urlencode

        return urlencode({"publication": self.publication, "layout": self.layout,
                          "language": self.language, "brand": self.brand})


@dataclass(frozen=True)
class Excerpt:
    """Lines of a file around a position: (number, text, is the position's line)."""

    path: str
    lines: list[tuple[int, str, bool]]


@dataclass(frozen=True)
class Shown:
    """A problem or finding as the page lists it: its line as ``brochure check`` prints it,
    its file (relative to the project) and position, and where it is pinned on the pages."""

    text: str
    level: str
    path: str | None
    line: int | None
    column: int | None
    excerpt: Excerpt | None = None
    page: int | None = None
    """The page (from 0) it is pinned on, with ``at`` (points from the page's top left)."""
    at: tuple[float, float] | None = None
    number: int = 0
    box: tuple[float, float, float, float] | None = None
    """The block it is pinned on (x, y from the page's top left, width, height), if one."""


@dataclass(frozen=True)
class Overflow:
    """A block that does not fit its panel, on the page of that panel."""

    message: str
    panel: str
    page: int
    area: PanelArea
    excess: float
    block: PlacedBlock | None
    """The block as the last good render placed it (None when it was not placed then)."""
    where: Shown


@dataclass
class DocView:
    """What the page shows of one document."""

    key: DocKey
    version: int = 0
    generation: int = -1
    rendered: RenderedDocument | None = None
    images: list[str] = field(default_factory=list)
    """The page images' hashes, in page order."""
    pdf: bytes = b""
    errors: list[Shown] = field(default_factory=list)
    overflow: Overflow | None = None
    findings: list[Shown] | None = None
    """None while they are being found."""
    booklet: bool = False
    summary: bool = False
    """A publication's summary (no panels, no blocks to click: its wording is edited in
    summary.yaml)."""
    warnings: tuple[Problem, ...] = ()
    """What a summary's render warned of (told among its findings)."""

    @property
    def stale(self) -> bool:
        """Whether the pages shown are an older render (something is wrong now)."""
        return bool(self.errors)

    @property
    def spreads(self) -> list[list[int]]:
        """Page numbers (from 0) as shown side by side: a booklet's spreads in reading order
        (its first and last page alone), a tri-fold's sides one under the other."""
        count = len(self.rendered.pages) if self.rendered else 0
        if not self.booklet or count < 3:
            return [[n] for n in range(count)]
        return [[0], *[[n, n + 1] for n in range(1, count - 1, 2)], [count - 1]]


class Workspace:
    """The project under ``root`` and the latest view of each document shown."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.lock = threading.RLock()
        self.project: Project | None = None
        self.problems: list[Problem] = []
        self.generation = 0
        self.counter = 0
        self.views: dict[DocKey, DocView] = {}
        self.images: Kept[str, bytes] = Kept(limit=MAX_IMAGES)
        self._pages: dict[str, list[str]] = {}
        self.reload()

    # -- the project ---------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the project again; on errors keep the last good one (its pages stay)."""
        with self.lock:
            self.generation += 1
            try:
                self.project = load_project(self.root)
                self.problems = []
            except SourceError as exc:
                self.problems = exc.problems

    def choices(self, brand: str | None = None) -> dict[str, list[str]]:
        """Publications, brand kits, and each publication's layouts (its summary's layout
        in brand kit ``brand``, default the publication's, last, when it has one to show)
        and languages."""
        project = self.project
        if project is None:
            return {"publications": [], "brands": []}
        found: dict[str, list[str]] = {"publications": sorted(project.publications),
                                       "brands": sorted(project.brands)}
        for name in project.publications:
            editions = project.editions(name)
            found[f"layouts:{name}"] = [lay for lay in project.publications[name].model.layouts
                                        if lay in project.layouts]
            summary = summary_layout(project, self.root, name,
                                     brand if brand in project.brands else None)
            found[f"layouts:{name}"] += [summary] if summary else []
            found[f"summary:{name}"] = [summary] if summary else []
            found[f"languages:{name}"] = list(editions)
        return found

    def key(self, publication: str | None = None, layout: str | None = None,
            language: str | None = None, brand: str | None = None) -> DocKey | None:
        """The document asked for, each part not given (or not known) its default; None when
        there is no publication at all."""
        choices, project = self.choices(), self.project
        if project is None or not choices["publications"]:
            return None
        default = getattr(project.settings, "default_publication", None)
        pub = _pick(publication, choices["publications"], default)
        model = project.publications[pub].model
        kit = _pick(brand, choices["brands"], model.brand)
        choices = self.choices(kit)
        if layout in project.summary_layouts and choices[f"summary:{pub}"]:
            layout = choices[f"summary:{pub}"][0]  # the summary, in this brand kit's layout
        lay = _pick(layout, choices[f"layouts:{pub}"] or list(project.layouts), None)
        lang = _pick(language, choices[f"languages:{pub}"], model.language)
        return DocKey(pub, lay, lang, kit)

    def missing_summary(self, publication: str) -> str | None:
        """Why the publication's summary is not offered (it has no preview record), or None."""
        project = self.project
        if project is None or publication not in project.publications:
            return None
        return missing(project, self.root, publication)

    # -- views ---------------------------------------------------------------------------------

    def view(self, key: DocKey) -> DocView:
        """The document's view, rendered now unless it is current (a current view is given
        without waiting for the renders and checks under way)."""
        view = self.views.get(key)
        if view is not None and view.generation == self.generation:
            return view
        with self.lock:
            view = self.views.get(key)
            if view is None or view.generation != self.generation:
                view = self._render(key, view)
            return view

    def render(self, key: DocKey) -> DocView:
        """Render the document again (and its findings after): its new view."""
        with self.lock:
            view = self._render(key, self.views.get(key))
            return self.with_findings(key) if not view.errors else view

    def with_findings(self, key: DocKey) -> DocView:
        """The document's view with ``brochure check``'s findings on it."""
        from .findings import findings

        with self.lock:
            view = self.view(key)
            if view.findings is None and self.project is not None and not view.errors:
                found = findings(self.project, self.root, key, view)
                view = self._store(replace(view, findings=found))
            return view

    def image(self, digest: str) -> bytes | None:
        return self.images.get(digest)

    def _store(self, view: DocView) -> DocView:
        self.counter += 1
        view = replace(view, version=self.counter, generation=self.generation)
        self.views[view.key] = view
        return view

    def _render(self, key: DocKey, old: DocView | None) -> DocView:
        last = old or DocView(key)
        project = self.project
        if self.problems or project is None:
            return self._store(replace(last, errors=[self.shown(p) for p in self.problems],
                                       overflow=None, findings=None))
        unknown = _unknown(project, key)
        if unknown:
            return self._store(replace(last, errors=[Shown(unknown, "error", None, None, None)],
                                       overflow=None, findings=None))
        if key.layout in project.summary_layouts:
            return self._render_summary(project, key, last)
        booklet = project.layouts[key.layout].model.kind == "booklet"
        try:
            pdf, rendered = render_publication(project, key.publication, key.layout, SCREEN,
                                               key.language, key.brand)
        except PanelFitError as exc:
            overflow = self._overflow(project, key, last, exc)
            return self._store(replace(last, errors=[overflow.where], overflow=overflow,
                                       findings=None, booklet=booklet,
                                       rendered=last.rendered or _geometry(project, key)))
        except BrochureError as exc:
            return self._store(replace(last, errors=[self.shown(p) for p in exc.problems],
                                       overflow=None, findings=None))
        return self._store(DocView(key, rendered=rendered, images=self._images(pdf), pdf=pdf,
                                   booklet=booklet))

    def _render_summary(self, project: Project, key: DocKey, last: DocView) -> DocView:
        """The summary for the preview record; on errors the last good pages, greyed."""
        try:
            preview = render_preview(project, self.root, key.publication, key.language,
                                     key.brand)
        except BrochureError as exc:
            return self._store(replace(last, errors=[self.shown(p) for p in exc.problems],
                                       overflow=None, findings=None, summary=True))
        return self._store(DocView(key, rendered=preview.rendered, pdf=preview.pdf,
                                   images=self._images(preview.pdf), summary=True,
                                   warnings=preview.warnings))

    def _images(self, pdf: bytes) -> list[str]:
        """The hashes of ``pdf``'s page images, drawn unless that PDF was drawn before."""
        digest = hashlib.sha256(pdf).hexdigest()
        known = self._pages.get(digest)
        if known is not None and all(h in self.images for h in known):
            return known
        hashes = []
        for png in page_images(pdf, PREVIEW_DPI):
            image = hashlib.sha256(png).hexdigest()
            self.images.put(image, png)
            hashes.append(image)
        self._pages[digest] = hashes
        return hashes

    def _overflow(self, project: Project, key: DocKey, last: DocView,
                  exc: PanelFitError) -> Overflow:
        over = exc.overflow
        rendered = last.rendered or _geometry(project, key)
        page, area = next(((n, a) for n, p in enumerate(rendered.pages) for a in p.panels
                            if a.name == over.panel), (0, PanelArea(over.panel, 0, 0,
                                                                    Box(0, 0, 0, 0))))
        block = next((b for b in rendered.blocks
                      if (b.section, b.index) == (over.section, over.index)), None)
        return Overflow(str(over), over.panel, page, area, over.excess, block,
                        self.shown(exc.problems[0]))

    def shown(self, problem: Problem, number: int = 0) -> Shown:
        return shown(self.root, problem, number)


def shown(root: Path, problem: Problem, number: int = 0) -> Shown:
    """``problem`` with its file relative to the project and the lines around it."""
    path = relative(root, problem.path) if problem.path else None
    told = replace(problem, path=path) if path else problem
    return Shown(str(told), problem.level, path, problem.line, problem.column,
                 excerpt(root, path, problem.line), number=number)


def excerpt(root: Path, path: str | None, line: int | None,
            last: int | None = None) -> Excerpt | None:
    """Lines ``line`` to ``last`` (marked; ``last`` at most :data:`MAX_EXCERPT` lines on) of
    a file the studio may read, with a few lines around them (no other file is opened)."""
    if path is None or line is None:
        return None
    last = min(max(last or line, line), line + MAX_EXCERPT)
    try:
        text = readable(root, path).read_text(encoding="utf-8-sig")
    except (PathRefused, OSError, UnicodeDecodeError):
        return None
    lines = text.splitlines()
    first, end = max(1, line - EXCERPT_LINES), min(len(lines), last + EXCERPT_LINES)
    return Excerpt(path, [(n, lines[n - 1], line <= n <= last) for n in range(first, end + 1)])


def _pick(wanted: str | None, known: list[str], default: str | None) -> str:
    if wanted in known:
        return wanted
    return default if default in known else known[0]


def _unknown(project: Project, key: DocKey) -> str | None:
    """Why the document cannot be rendered as named (after the project changed), or None."""
    if key.publication not in project.publications:
        return f"publication '{key.publication}' is no longer in the project"
    if key.layout not in project.layouts and \
            summary_layout(project, project.root, key.publication, key.brand) != key.layout:
        return f"layout '{key.layout}' is no longer in the project (or not this summary's)"
    if key.brand not in project.brands:
        return f"brand kit '{key.brand}' is no longer in the project"
    return None


def _geometry(project: Project, key: DocKey) -> RenderedDocument:
    """The layout's pages and panels without content (for an overflow before any render)."""
    layout = project.layouts[key.layout].model
    document = RenderedDocument(layout.bleed, layout.safe_margin)
    for sheet in sheets(layout):
        document.new_page(sheet.width, layout.page.height, sheet.label, sheet.folds)
        document.pages[-1].panels += [PanelArea(slot.panel.name, slot.x, slot.panel.width,
                                                Box(*frame(layout, slot, 0.0)))
                                      for slot in sheet.slots]
    return document
