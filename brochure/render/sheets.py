"""Where panels land on printed sheets: screen pages, print sheets, and booklet imposition.

A *sheet* is one PDF page: for a tri-fold, one side with its three panels; for a booklet on
screen, one page; for a booklet in print, two pages side by side in saddle-stitch order
(8 pages: 8|1, 2|7, 6|3, 4|5), folded at the middle.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.layout import Layout, Panel


@dataclass(frozen=True)
class Slot:
    """A panel at ``x`` (from the sheet's left trim edge) and, for booklets, its page number."""

    panel: Panel
    x: float
    folio: int | None
    outer_left: bool
    outer_right: bool


@dataclass(frozen=True)
class Sheet:
    slots: tuple[Slot, ...]
    width: float
    label: str = ""
    """The page label a viewer shows: the side's name, or the booklet page numbers."""

    @property
    def folds(self) -> list[float]:
        """Positions of the folds between panels, from the left trim edge."""
        return [slot.x for slot in self.slots[1:]]


def sheets(layout: Layout, imposed: bool = False) -> list[Sheet]:
    """The sheets of a layout in file order: a booklet's pages two to a sheet in saddle-stitch
    order when ``imposed`` (its output kind says so: the print file)."""
    numbered = layout.kind == "booklet"
    pages = [[(p, i + 1 if numbered else None) for p in side.panels]
             for i, side in enumerate(layout.sides)]
    if numbered and imposed:
        return [_sheet(pages[a - 1] + pages[b - 1], f"{a}|{b}")
                for a, b in saddle_stitch(len(pages))]
    labels = [str(i + 1) if numbered else side.name.capitalize()
              for i, side in enumerate(layout.sides)]
    return [_sheet(row, label) for row, label in zip(pages, labels, strict=True)]


def frame(layout: Layout, slot: Slot, foot: float) -> tuple[float, float, float, float]:
    """A panel's text frame on its sheet as (x, y, width, height) from the sheet's lower-left
    trim corner: inside the panel padding, below the panel style's band, above the art drawn
    across its foot (``foot`` points high above the trim)."""
    pad = layout.spacing.panel_padding
    band = layout.panel_styles[slot.panel.style].band_height
    return (slot.x + pad, pad + foot, slot.panel.width - 2 * pad,
            layout.page.height - 2 * pad - band - foot)


def reach(layout: Layout, slot: Slot, printed: bool) -> tuple[float, float]:
    """How far a panel's background and foot art run past its left and right edges: in a print
    file, into the bleed on the sheet's outer edges and past a fold by the panel style's
    ``past_fold``; nowhere on screen."""
    if not printed:
        return 0.0, 0.0
    past = layout.panel_styles[slot.panel.style].past_fold
    return (layout.bleed if slot.outer_left else past,
            layout.bleed if slot.outer_right else past)


def saddle_stitch(count: int) -> list[tuple[int, int]]:
    """Page pairs (left, right) of each sheet side, outside then inside, sheet by sheet."""
    order = []
    for sheet in range(count // 4):
        outer, inner = count - 2 * sheet, 2 * sheet + 1
        order += [(outer, inner), (inner + 1, outer - 1)]
    return order


def _sheet(row: list[tuple[Panel, int | None]], label: str) -> Sheet:
    slots, x = [], 0.0
    for index, (panel, folio) in enumerate(row):
        slots.append(Slot(panel, x, folio, index == 0, index == len(row) - 1))
        x += panel.width
    return Sheet(tuple(slots), x, label)
