"""Publications laid out in panels: a tri-fold (each side a page, each panel a frame) or a
booklet (each page one panel), in an output kind's colour, with its boxes and marks and
declaring what it claims (:mod:`brochure.kinds`: the screen file is RGB at trim size, the print
file CMYK with bleed, marks and boxes, booklets imposed).

Content never flows from one panel to the next: a panel whose blocks are taller than the panel
raises :class:`PanelOverflow` (or shrinks its type, down to the layout's stated minimum).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from reportlab.lib.colors import CMYKColorSep
from reportlab.platypus import Flowable, Frame, Spacer

from ..kinds import SCREEN, OutputKind
from ..model import Brand, Layout, Panel, Publication
from ..model.layout import Folio
from ..text import plain
from .archive import Declaration
from .art import drawing
from .backend.canvas import colours_unchecked
from .backend.layout import frame_size, frame_space_left
from .blocks import BlockContext, flat, flowables
from .colours import Palette
from .document import Metadata, new_canvas
from .fonts import FontSet, register_fonts
from .images import ImageLoader
from .rendered import Box, RenderedDocument
from .sheets import Sheet, Slot, reach, sheets
from .sheets import frame as text_frame
from .structure import Tagger
from .styles import StyleSheet, build_styles
from .tagging import TagSpec, artifact, tag_flowables

# registration colour: the marks print on every separation (plate), so the press can align
# and trim each one; a Separation space named All is what PDF reserves for this
MARK_COLOUR = CMYKColorSep(1, 1, 1, 1, spotName="All")


class PanelOverflow(Exception):  # noqa: N818 - reads as what happened
    """A block does not fit its panel (turned into a positioned FitError by the caller)."""

    def __init__(self, panel: str, section: str, index: int, kind: str, excess: float,
                 available: float):
        self.panel, self.section, self.index, self.kind = panel, section, index, kind
        self.excess, self.available = excess, available
        super().__init__(f"block {index + 1} ({kind}) of section '{section}' does not fit panel "
                         f"'{panel}': {excess:.1f} pt too tall for the {available:.1f} pt there")


@dataclass(frozen=True)
class Placed:
    """A flowable and the block it came from (to name it in a fit error)."""

    flowable: Flowable
    section: str
    index: int
    kind: str
    title: str = ""


@dataclass(frozen=True)
class Job:
    brand: Brand
    publication: Publication
    layout: Layout
    fonts: FontSet
    palette: Palette
    images: ImageLoader
    kind: OutputKind
    styles: dict = field(default_factory=dict, compare=False)
    rendered: RenderedDocument | None = field(default=None, compare=False)
    """Where the panels and blocks placed are recorded, when asked (the studio)."""

    @property
    def bleed(self) -> float:
        return self.layout.bleed if self.kind.boxes else 0.0

    @property
    def slug(self) -> float:
        """Distance from the media edge to the trim edge (room for bleed and marks)."""
        return self.layout.press.slug(self.layout.bleed) if self.kind.boxes else 0.0


def render_panels(brand: Brand, publication: Publication, layout: Layout, images: ImageLoader,
                  kind: OutputKind = SCREEN, rendered: RenderedDocument | None = None) -> bytes:
    """The publication in a panel layout as a finished PDF file of ``kind``: the screen file
    is RGB at trim size in reading order; the print file CMYK with bleed, crop and fold marks
    and trim/bleed boxes (booklets imposed for saddle stitching), declared PDF/X-1a. Pages,
    panels and blocks placed are recorded in ``rendered`` when given."""
    fonts = register_fonts(brand.fonts)
    palette = Palette(brand, kind.colour)
    job = Job(brand, publication, layout, fonts, palette, images, kind, rendered=rendered)
    buffer = BytesIO()
    laid_out = sheets(layout, kind.imposed)
    canvas = new_canvas(buffer, _media(job, laid_out[0]), _metadata(job), fonts.body.regular,
                        **_print_options(job, laid_out[0]))
    tagger = Tagger(publication.title, publication.language,
                    Declaration.of(kind, layout.press, layout.name))
    # read back by getattr (tagging.marked): ReportLab's Canvas declares no tagger
    canvas.tagger = tagger  # type: ignore[attr-defined]
    marks: list[Bookmark] = []
    for number, sheet in enumerate(laid_out):
        canvas.addPageLabel(number, prefix=sheet.label)
        if rendered is not None:
            rendered.new_page(sheet.width, layout.page.height, sheet.label, sheet.folds)
        marks += _draw_sheet(canvas, job, sheet)
        canvas.showPage()
    _outline(canvas, layout, marks)
    tagger.finish(canvas, [_panel_step(n)[0] for n in _reading_order(layout)])
    canvas.save()
    return buffer.getvalue()


@dataclass(frozen=True)
class Bookmark:
    panel: str
    key: str
    title: str


class Anchor(Flowable):
    """Marks where a heading starts, for a bookmark (drawn nothing, takes no room)."""

    tag_spec = TagSpec(draws=False)

    def __init__(self, panel: str, title: str, found: list[Bookmark]):
        super().__init__()
        self.panel, self.title, self.found = panel, title, found
        self.width = self.height = 0

    def draw(self):
        key = f"{self.panel}-{len(self.found)}"
        self.canv.bookmarkHorizontal(key, 0, 0)
        self.found.append(Bookmark(self.panel, key, self.title))


def _outline(canvas, layout: Layout, marks: list[Bookmark]) -> None:
    """Bookmarks for every section heading, in the layout's reading order (a tri-fold's
    panels are not read in page order)."""
    order = {name: i for i, name in enumerate(_reading_order(layout))}
    for mark in sorted(marks, key=lambda m: order.get(m.panel, len(order))):
        canvas.addOutlineEntry(mark.title, mark.key, 0)


def _reading_order(layout: Layout) -> list[str]:
    return layout.in_reading_order()


def _media(job: Job, sheet: Sheet) -> tuple[float, float]:
    return sheet.width + 2 * job.slug, job.layout.page.height + 2 * job.slug


def _print_options(job: Job, sheet: Sheet) -> dict:
    colour = {"enforceColorSpace": "cmyk"} if job.kind.colour == "cmyk" else {}
    if not job.kind.boxes:
        return colour
    slug, bleed, height = job.slug, job.bleed, job.layout.page.height
    trim = (slug, slug, slug + sheet.width, slug + height)
    bleed_box = (trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed)
    return {"trimBox": trim, "bleedBox": bleed_box, **colour}


def _metadata(job: Job) -> Metadata:
    pub = job.publication
    return Metadata(title=pub.title, author=job.brand.name, subject=pub.subject,
                    language=pub.language, date=pub.date, keywords=pub.keywords)


def _draw_sheet(canvas, job: Job, sheet: Sheet) -> list[Bookmark]:
    """Draw a sheet's panels in reading order (so text is extracted in that order)."""
    if job.kind.marks:
        artifact(canvas, lambda c: _draw_marks(c, job, sheet))
    canvas.saveState()
    canvas.translate(job.slug, job.slug)
    order = {name: i for i, name in enumerate(_reading_order(job.layout))}
    styles = job.layout.panel_styles
    # backgrounds first, those running past a fold last (over their neighbours'); then the
    # text, in reading order
    feet = {slot.panel.name: _decorate(canvas, job, slot)
            for slot in sorted(sheet.slots, key=lambda s: styles[s.panel.style].past_fold > 0)}
    marks: list[Bookmark] = []
    for slot in sorted(sheet.slots, key=lambda s: order.get(s.panel.name, len(order))):
        marks += _draw_panel(canvas, job, slot, feet[slot.panel.name])
    canvas.restoreState()
    return marks


def _draw_marks(canvas, job: Job, sheet: Sheet) -> None:
    """Crop marks at the trim corners and fold marks at the folds, all outside the bleed."""
    marks, slug, bleed = job.layout.press.marks, job.slug, job.bleed
    left, bottom = slug, slug
    right, top = slug + sheet.width, slug + job.layout.page.height
    near, far = bleed + marks.offset, bleed + marks.offset + marks.length
    canvas.saveState()
    # the canvas turns every colour into plain CMYK (a spot would become 400 % process ink):
    # the registration colour is set past that guard, for the marks alone
    with colours_unchecked(canvas):
        canvas.setStrokeColor(MARK_COLOUR)
    canvas.setLineWidth(marks.weight)
    for x, sign_x in ((left, -1), (right, 1)):
        for y, sign_y in ((bottom, -1), (top, 1)):
            canvas.line(x + sign_x * near, y, x + sign_x * far, y)
            canvas.line(x, y + sign_y * near, x, y + sign_y * far)
    canvas.setDash(*marks.fold_dash)
    for fold in sheet.folds:
        canvas.line(left + fold, top + near, left + fold, top + far)
        canvas.line(left + fold, bottom - near, left + fold, bottom - far)
    canvas.restoreState()


def _decorate(canvas, job: Job, slot: Slot) -> float:
    """A panel's background, band and foot art (into the bleed and past its folds, in print);
    return the height the art takes above the trim."""
    layout, panel, x = job.layout, slot.panel, slot.x
    style = layout.panel_styles[panel.style]
    height, bleed = layout.page.height, job.bleed
    grow_left, grow_right = reach(layout, slot, job.kind.boxes)
    def decoration(canvas) -> None:
        if style.background:
            canvas.setFillColor(job.palette(style.background))
            canvas.rect(x - grow_left, -bleed, panel.width + grow_left + grow_right,
                        height + 2 * bleed, stroke=0, fill=1)
        if style.band and style.band_height:
            canvas.setFillColor(job.palette(style.band))
            canvas.rect(x - grow_left, height - style.band_height,
                        panel.width + grow_left + grow_right, style.band_height + bleed,
                        stroke=0, fill=1)
    artifact(canvas, decoration)
    return _draw_art(canvas, job, style.art, x - grow_left, panel.width + grow_left + grow_right)


def _draw_panel(canvas, job: Job, slot: Slot, foot: float) -> list[Bookmark]:
    layout, panel = job.layout, slot.panel
    frame = Frame(*text_frame(layout, slot, foot),
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                  id=panel.name)
    items = _fitted(canvas, job, panel, *frame_size(frame))
    if job.rendered is not None:
        job.rendered.place(canvas, panel.name, slot.x, panel.width,
                           Box(*text_frame(layout, slot, foot)), items)
    marks: list[Bookmark] = []
    story = [f for p in items for f in _anchored(p, panel.name, marks)]
    frame.addFromList(story, canvas)  # draws what fits, taking it off the front of story
    left = [f for f in story if not isinstance(f, Anchor)]  # an anchor takes no room
    if left:  # measuring said it fits and the frame disagrees: never drop it silently
        raise _left_over(canvas, frame, left[0], items, panel.name)
    folio, number = layout.folio, slot.folio
    if number is not None and folio and number not in folio.skip:
        artifact(canvas, lambda c: _draw_folio(c, job, slot, folio, number))
    return marks


def _left_over(canvas, frame: Frame, first: Flowable, items: list[Placed],
               panel: str) -> PanelOverflow:
    """The block of the first flowable a frame left over, with how much it lacked."""
    placed = next(p for p in items if p.flowable is first)
    room = frame_space_left(frame)
    width, height = frame_size(frame)
    _, needed = first.wrapOn(canvas, width, height)
    return PanelOverflow(panel, placed.section, placed.index, placed.kind,
                         max(0.0, needed - room), height)


def _anchored(placed: Placed, panel: str, marks: list[Bookmark]) -> list[Flowable]:
    """A heading's flowable with an anchor before it, so the heading gets a bookmark."""
    if placed.title:
        return [Anchor(panel, placed.title, marks), placed.flowable]
    return [placed.flowable]


def _draw_folio(canvas, job: Job, slot: Slot, folio: Folio, number: int) -> None:
    """The page number at the foot of the page, on its outer side (right on odd pages)."""
    style = _panel_styles(job, slot.panel.style)[folio.style]
    pad = job.layout.spacing.panel_padding
    canvas.saveState()
    canvas.setFillColor(style.textColor)
    canvas.setFont(style.fontName, style.fontSize)
    if number % 2:
        canvas.drawRightString(slot.x + slot.panel.width - pad, folio.rise, str(number))
    else:
        canvas.drawString(slot.x + pad, folio.rise, str(number))
    canvas.restoreState()


def _draw_art(canvas, job: Job, key: str | None, x: float, width: float) -> float:
    """Draw brand art across a panel's foot (into the bleed, in print); return the height it
    takes above the trim."""
    if key is None:
        return 0.0
    art = drawing(job.brand.art[key], width, job.palette, job.fonts.body.regular)
    artifact(canvas, lambda c: art.drawOn(c, x, -job.bleed))
    return art.height - job.bleed


def _panel_styles(job: Job, name: str, scale: float = 1.0) -> StyleSheet:
    """The type scale in a panel style's colours, built once per render and scale."""
    key = (name, scale)
    if key not in job.styles:
        job.styles[key] = build_styles(job.layout.typography, job.layout.panel_styles[name],
                                       job.palette, job.fonts, scale)
    return job.styles[key]


def _fitted(canvas, job: Job, panel: Panel, width: float, height: float) -> list[Placed]:
    """The panel's flowables at the largest type scale that fits (1.0 unless shrinking)."""
    fit, body = job.layout.fit, job.layout.typography["body"]
    scale = 1.0
    while True:
        styles = _panel_styles(job, panel.style, scale)
        items = _placed(job, panel, styles, width, height)
        overflow = _overflow(canvas, items, width, height, panel.name)
        if overflow is None:
            return _aligned(canvas, items, panel, width, height)
        next_scale = scale - fit.step / body.size
        if not fit.shrink or body.size * next_scale < fit.min_body_size - 1e-9:
            raise overflow
        scale = next_scale


def _placed(job: Job, panel: Panel, styles: StyleSheet, width: float,
            height: float) -> list[Placed]:
    ctx = BlockContext(job.brand, job.publication, styles, job.layout.spacing, width,
                       job.images, height * job.layout.figure.max_height)
    roles = {name: spec.tag for name, spec in job.layout.typography.items()}
    base = (_panel_step(panel.name),)
    return [Placed(f, section, i, block.type, _bookmark_title(block, job.publication) if n == 0
                   else "")
            for section in panel.placed
            for i, block in enumerate(job.publication.sections[section])
            if block.shown_in(job.layout.kind)
            for n, f in enumerate(tag_flowables(flat(flowables(block, ctx)), base, roles,
                                                f"{section}.{i}"))]


def _panel_step(name: str) -> tuple[str, str, tuple]:
    """The structure element of a panel: a section, put in reading order at the end."""
    return (f"panel:{name}", "Sect", ())


def _bookmark_title(block, pub: Publication) -> str:
    """The bookmark a block starts, if it starts a section: top headings, the doctor's
    profile, the contact details, the cover."""
    if block.type == "heading":
        return plain(block.text) if block.level == 1 else ""
    if block.type in ("physician", "contact"):
        return block.heading or ""
    return pub.title if block.type == "cover" else ""


def _heights(canvas, items: list[Placed], width: float) -> list[float]:
    """Where each flowable's bottom lands, measured from the frame's top, as Frame stacks them."""
    bottoms, y = [], 0.0
    for n, item in enumerate(items):
        f = item.flowable
        _, h = f.wrapOn(canvas, width, 1e6)
        y += (f.getSpaceBefore() if n else 0) + h
        bottoms.append(y)
        y += f.getSpaceAfter()
    return bottoms


def _overflow(canvas, items: list[Placed], width: float, height: float,
              panel: str) -> PanelOverflow | None:
    bottoms = _heights(canvas, items, width)
    for item, bottom in zip(items, bottoms, strict=False):
        if bottom > height + 1e-6:
            return PanelOverflow(panel, item.section, item.index, item.kind, bottoms[-1] - height,
                            height)
    return None


def _aligned(canvas, items: list[Placed], panel: Panel, width: float,
             height: float) -> list[Placed]:
    """``items`` with the panel's free space where the layout puts it: above the first of its
    ``foot`` sections when it has them, else as ``valign`` says."""
    if not items or (panel.valign == "top" and not panel.foot):
        return items
    free = height - _heights(canvas, items, width)[-1]
    at = next((n for n, item in enumerate(items) if item.section in panel.foot), None)
    if at is None and panel.valign == "top":  # foot sections with nothing in them
        return items
    if at:
        return [*items[:at], Placed(Spacer(1, free), "", 0, "spacer"), *items[at:]]
    # the spacer goes first, so the first item's space before now counts in the frame
    room = free - items[0].flowable.getSpaceBefore()
    gap = min(free / 2, room) if panel.valign == "middle" and at is None else room
    return [Placed(Spacer(1, max(0.0, gap)), "", 0, "spacer"), *items]
