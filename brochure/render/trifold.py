"""A tri-fold brochure: each side a page, each panel a frame filled with its sections' blocks.

Content never flows from one panel to the next: a panel whose blocks are taller than the panel
raises :class:`PanelOverflow` (or shrinks its type, down to the layout's stated minimum).
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from reportlab.platypus import Flowable, Frame, Spacer

from ..model import Brand, Layout, Panel, Publication
from .art import drawing
from .blocks import BlockContext, flat, flowables
from .colours import Palette
from .document import Metadata, new_canvas
from .fonts import FontSet, register_fonts
from .styles import StyleSheet, build_styles


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


@dataclass(frozen=True)
class Job:
    brand: Brand
    publication: Publication
    layout: Layout
    fonts: FontSet
    palette: Palette


def render_trifold(brand: Brand, publication: Publication, layout: Layout) -> bytes:
    """The publication in a tri-fold layout, as PDF bytes (screen variant, RGB)."""
    fonts = register_fonts(brand.fonts)
    job = Job(brand, publication, layout, fonts, Palette(brand, "rgb"))
    buffer = BytesIO()
    canvas = new_canvas(buffer, (layout.page.width, layout.page.height), _metadata(job),
                        fonts.body.regular)
    for side in layout.sides:
        x = 0.0
        for panel in side.panels:
            _draw_panel(canvas, job, panel, x)
            x += panel.width
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _metadata(job: Job) -> Metadata:
    pub = job.publication
    return Metadata(title=pub.title, author=job.brand.name, subject=pub.subject,
                    language=pub.language, date=pub.date, keywords=pub.keywords)


def _draw_panel(canvas, job: Job, panel: Panel, x: float) -> None:
    layout = job.layout
    style = layout.panel_styles[panel.style]
    height = layout.page.height
    if style.background:
        canvas.setFillColor(job.palette(style.background))
        canvas.rect(x, 0, panel.width, height, stroke=0, fill=1)
    if style.band and style.band_height:
        canvas.setFillColor(job.palette(style.band))
        canvas.rect(x, height - style.band_height, panel.width, style.band_height, stroke=0, fill=1)
    foot = _draw_art(canvas, job, style.art, x, panel.width)
    pad = layout.spacing.panel_padding
    frame = Frame(x + pad, pad + foot, panel.width - 2 * pad,
                  height - 2 * pad - style.band_height - foot,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                  id=panel.name)
    items = _fitted(canvas, job, panel, frame._aW, frame._aH)
    leftover = frame.addFromList([p.flowable for p in items], canvas) or []
    if leftover:  # pragma: no cover - measuring agrees with Frame; kept as a guard
        last = items[-1]
        raise PanelOverflow(panel.name, last.section, last.index, last.kind, 0, frame._aH)


def _draw_art(canvas, job: Job, key: str | None, x: float, width: float) -> float:
    """Draw brand art across a panel's foot; return the height it takes."""
    if key is None:
        return 0.0
    art = drawing(job.brand.art[key], width, job.palette, job.fonts.body.regular)
    art.drawOn(canvas, x, 0)
    return art.height


def _fitted(canvas, job: Job, panel: Panel, width: float, height: float) -> list[Placed]:
    """The panel's flowables at the largest type scale that fits (1.0 unless shrinking)."""
    fit, body = job.layout.fit, job.layout.typography["body"]
    scale = 1.0
    while True:
        styles = build_styles(job.layout.typography, job.layout.panel_styles[panel.style],
                              job.palette, job.fonts, scale)
        items = _placed(job, panel, styles, width)
        overflow = _overflow(canvas, items, width, height, panel.name)
        if overflow is None:
            return _aligned(canvas, items, panel, width, height)
        next_scale = scale - fit.step / body.size
        if not fit.shrink or body.size * next_scale < fit.min_body_size - 1e-9:
            raise overflow
        scale = next_scale


def _placed(job: Job, panel: Panel, styles: StyleSheet, width: float) -> list[Placed]:
    ctx = BlockContext(job.brand, job.publication, styles, job.layout.spacing, width)
    return [Placed(f, section, i, block.type)
            for section in panel.sections
            for i, block in enumerate(job.publication.sections[section])
            for f in flat(flowables(block, ctx))]


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
    if panel.valign == "top" or not items:
        return items
    free = height - _heights(canvas, items, width)[-1]
    gap = free / 2 if panel.valign == "middle" else free
    return [Placed(Spacer(1, gap), "", 0, "spacer"), *items]
