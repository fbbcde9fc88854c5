"""The rendered document: what a render placed where, returned beside the PDF's bytes.

Rendering a publication (:func:`brochure.build.render_publication`) can record, for every page,
its size, its panels (with their text frames) and its folds, and for every block it placed, its
page, its box in points, its panel and its source position (file, line, column and where the
block ends in the YAML). The studio's overlays, its findings pinned on the page and its
click-to-edit all read it. Boxes are in points from the lower-left corner of the page's trim
(the screen file's page), as PDF measures them.

The recorder only measures (``wrap``, as the panel's frame stacks flowables): what is drawn, and
so the PDF's bytes, is the same with it or without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Box:
    """A rectangle in points: ``x``, ``y`` its lower-left corner from the trim's lower left."""

    x: float
    y: float
    width: float
    height: float

    def union(self, other: Box) -> Box:
        """The smallest box holding both."""
        left, bottom = min(self.x, other.x), min(self.y, other.y)
        right = max(self.x + self.width, other.x + other.width)
        top = max(self.y + self.height, other.y + other.height)
        return Box(left, bottom, right - left, top - bottom)


@dataclass(frozen=True)
class SourceSpan:
    """Where a value is written: its file, and its first and last line and column (1-based;
    the end is the character after the value)."""

    path: str
    line: int
    column: int
    end_line: int | None = None
    end_column: int | None = None


@dataclass(frozen=True)
class PanelArea:
    """A panel as placed on a page: its left edge and width, and its text frame."""

    name: str
    x: float
    width: float
    frame: Box


@dataclass
class RenderedPage:
    """One page of the document: trim size, the name a viewer shows, panels and folds."""

    width: float
    height: float
    label: str
    panels: list[PanelArea] = field(default_factory=list)
    folds: list[float] = field(default_factory=list)
    """Fold positions, in points from the left trim edge."""


@dataclass(frozen=True)
class PlacedBlock:
    """A content block as placed: page (from 0), box, panel, and where it came from."""

    page: int
    box: Box
    panel: str
    section: str
    index: int
    kind: str
    source: SourceSpan | None = None

    @property
    def loc(self) -> tuple[str, str, int]:
        """The block's place in its publication file (``("sections", section, index)``)."""
        return ("sections", self.section, self.index)


@dataclass
class RenderedDocument:
    """Pages and placed blocks of one render, and the layout facts the overlays draw."""

    bleed: float = 0.0
    safe_margin: float = 0.0
    pages: list[RenderedPage] = field(default_factory=list)
    blocks: list[PlacedBlock] = field(default_factory=list)

    def new_page(self, width: float, height: float, label: str, folds: list[float]) -> None:
        """A page begins (the panels drawn next are on it)."""
        self.pages.append(RenderedPage(width, height, label, folds=list(folds)))

    def place(self, canvas: Any, panel: str, x: float, width: float, frame: Box,
              items: list[Any]) -> None:
        """Record a panel and its blocks, stacked from the frame's top as the frame stacks
        them. ``items`` are the panel's placed flowables (``flowable``, ``section``,
        ``index``, ``kind``); those of no section (spacers) take room but are no block."""
        page = len(self.pages) - 1
        self.pages[page].panels.append(PanelArea(panel, x, width, frame))
        boxes: dict[tuple[str, int], tuple[str, Box]] = {}
        for item, (top, bottom) in zip(items, _stacked(canvas, items, frame.width),
                                       strict=True):
            if not item.section:
                continue
            box = Box(frame.x, frame.y + frame.height - bottom, frame.width, bottom - top)
            key = (item.section, item.index)
            boxes[key] = (item.kind, boxes[key][1].union(box) if key in boxes else box)
        self.blocks += [PlacedBlock(page, box, panel, section, index, kind)
                        for (section, index), (kind, box) in boxes.items()]

    def located(self, where: Any) -> RenderedDocument:
        """The same document with each block's source position, from ``where(loc)``: a
        :class:`SourceSpan` or None."""
        blocks = [PlacedBlock(b.page, b.box, b.panel, b.section, b.index, b.kind, where(b.loc))
                  for b in self.blocks]
        return RenderedDocument(self.bleed, self.safe_margin, self.pages, blocks)


def _stacked(canvas: Any, items: list[Any], width: float) -> list[tuple[float, float]]:
    """Where each flowable's top and bottom land, measured down from the frame's top: each
    after the one before, its space before counted except at the top (as a frame places)."""
    spans, y = [], 0.0
    for n, item in enumerate(items):
        flowable = item.flowable
        _, height = flowable.wrapOn(canvas, width, 1e6)
        top = y + (flowable.getSpaceBefore() if n else 0)
        spans.append((top, top + height))
        y = top + height + flowable.getSpaceAfter()
    return spans
