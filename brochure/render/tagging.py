"""Tagging flowables: each block's flowables get their structure roles and draw inside
marked-content sequences (decoration as artifacts), for the :class:`~.structure.Tagger` on the
canvas to collect.

Paragraphs take their role from their style; bullet items become L/LI/LBody; data tables
Table/TR/TH/TD with header scopes; pictures with alternative text Figures, other drawings
artifacts; QR codes and link paragraphs Link elements with their annotations.
"""

from __future__ import annotations

from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, TypeVar

from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase.pdfdoc import PDFString
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from .backend.canvas import add_operator
from .backend.layout import kept_together, retype, set_kept_together, set_table_cells, table_cells
from .structure import Path, Step

F = TypeVar("F")
"""Any flowable (or drawing) given a tag spec: :func:`with_spec` returns it as it came."""

# -- what a block builder says about its flowables ------------------------------------------

@dataclass(frozen=True)
class TableHeaders:
    """Which cells of a data table are headers: its first row, its first column."""

    header_row: bool = False
    header_column: bool = False


@dataclass(frozen=True)
class TagSpec:
    """Everything the tagger needs to know about one flowable, set by the block builder that
    made it (``flowable.tag_spec``) and completed by the tagger (``path``, ``kind``,
    ``link_path``). Never changed in place: a changed spec is a new one (see :func:`spec_of`)."""

    kind: type | None = None
    """The :class:`Tagged` class the flowable was marked with (its split pieces get it too)."""
    path: Path | None = None
    """The structure element the flowable's drawing belongs to, once marked."""
    list: bool = False
    """A list item (bullets): consecutive items share one L element."""
    table: TableHeaders | None = None
    """A data table (Table/TR/TH/TD), with its header cells; None: a layout table."""
    rows_as_list: bool = False
    """A table whose rows are list items (a checklist)."""
    alt: str | None = None
    """The alternative text of a picture (a Figure); None: decoration (an artifact)."""
    link_url: str | None = None
    """The address the flowable links to (a QR code, a link paragraph)."""
    link_path: Path | None = None
    """The Link element the link annotation belongs to, once tagged."""
    link_contents: str = ""
    """The link annotation's /Contents (what the link is for)."""
    draws: bool = True
    """False for a flowable that draws nothing (an anchor): never tagged."""


NO_SPEC = TagSpec()


def spec_of(flowable) -> TagSpec:
    """The flowable's tag spec (the default one when its builder set none)."""
    return getattr(flowable, "tag_spec", None) or NO_SPEC


def with_spec(flowable: F, **changes: Any) -> F:
    """``flowable`` with its tag spec changed as ``changes`` say; returns the flowable."""
    # object.__setattr__: ReportLab's shapes (a Drawing) check every attribute set through
    # their own, and know no tag_spec
    object.__setattr__(flowable, "tag_spec", replace(spec_of(flowable), **changes))
    return flowable


# -- flowables ------------------------------------------------------------------------------

def marked(canvas, path: Path, draw) -> None:
    """``draw(canvas)`` as the content of the structure element at ``path``, or as decoration
    when the path's role is 'Artifact'; plain drawing when the document is not tagged."""
    tagger = getattr(canvas, "tagger", None)
    if tagger is None:
        draw(canvas)
        return
    if path[-1][1] == "Artifact":
        add_operator(canvas, "/Artifact BMC")
    else:
        tagger.begin(canvas, path)
    draw(canvas)
    add_operator(canvas, "EMC")


def link(canvas, path: Path | None, url: str, rect, description: str) -> None:
    """A link annotation over ``rect`` (in the current coordinates) with ``description`` as
    its /Contents; in a tagged document, tied into the structure at ``path`` (a Link)."""
    tagger = getattr(canvas, "tagger", None)
    if tagger is not None and path:
        tagger.link(canvas, path, url, rect, description)
    else:
        canvas.linkURL(url, rect, relative=1, thickness=0, Contents=PDFString(description))


_DECORATION: Path = (("decoration", "Artifact", ()),)


def decoration(flowable: Flowable) -> Flowable:
    """``flowable``, drawn as decoration (an artifact) when the document is tagged."""
    return mark(flowable, _DECORATION)


def cell_copy(cell: Any) -> Any:
    """A copy of a table cell's content (its flowables copied one by one, tagged as they
    were): a cell drawn by one document alone. Plain text stays as it is."""
    items = cell if isinstance(cell, (list, tuple)) else [cell]
    copies = [copy(item) if isinstance(item, Flowable) else item for item in items]
    return copies if isinstance(cell, (list, tuple)) else copies[0]


def said_again(cell: Any) -> Any:
    """A table cell's content said again (a data table's header row repeated where the table
    goes on in the next column or page): copies drawn as decoration, so that the structure
    has the header cells once. Plain text (drawn by the table itself) stays as it is."""
    copied = cell_copy(cell)
    for item in copied if isinstance(copied, list) else [copied]:
        if isinstance(item, Flowable):
            decoration(item)
    return copied


def artifact(canvas, draw) -> None:
    """``draw(canvas)`` as decoration: an artifact when the document is tagged."""
    marked(canvas, _DECORATION, draw)


class Tagged:
    """Mixed into a flowable's own class by :func:`mark`: its drawing belongs to the structure
    element at its spec's ``path`` (or is an artifact when the path's role is 'Artifact').

    The flowable itself is tagged, not wrapped: platypus asks a summary's flowables for their
    size and spacing hundreds of times, and a wrapper in between would answer each time."""

    tag_spec: TagSpec

    def draw(self):
        marked(self.canv, self.tag_spec.path, lambda canvas: super(Tagged, self).draw())

    def split(self, available_width, available_height):
        spec = self.tag_spec
        return [mark(piece, spec.path, spec.kind or Tagged)
                for piece in super().split(available_width, available_height)]


def mark(flowable: Flowable, path: Path, kind: type[Tagged] = Tagged) -> Flowable:
    """``flowable``, drawing from now on as the structure element at ``path``."""
    if not isinstance(flowable, kind):
        # a class is hashable; mypy takes type[X] for not (python/mypy#11470)
        retype(flowable, _tagged_class(type(flowable), kind))  # type: ignore[arg-type]
    return with_spec(flowable, path=path, kind=kind)


@cache
def _tagged_class(base: type, kind: type[Tagged]) -> type:
    return type(f"{kind.__name__}{base.__name__}", (kind, base), {})


# -- giving flowables their structure -------------------------------------------------------

def tag_flowables(flowables: list, base: Path, roles: Mapping[str, str], prefix: str) -> list:
    """Mark ``flowables`` (one block's, in place) so that their drawing is tagged under
    ``base``.

    Paragraphs take their role from their style (``roles``: style name → H1…H6, P); bullet
    items (spec ``list``) become L/LI/LBody; data tables (spec ``table``) Table/TR/TH/TD with
    header scopes; drawings with an ``alt`` Figures, other drawings artifacts; QR codes a
    Link holding a Figure and the link annotation; layout tables and KeepTogether are opened up
    so their contents are tagged one by one."""
    return _sequence(flowables, base, roles, _Counter(prefix))


def _sequence(flowables: list, base: Path, roles: Mapping[str, str], counter) -> list:
    """Flowables in order; consecutive list items share one L element."""
    out, current_list = [], None
    for flowable in flowables:
        if spec_of(flowable).list:
            current_list = current_list or _step(counter, "L")
            out.append(_list_item(flowable, (*base, current_list), counter))
        else:
            current_list = None
            out.append(_tag(flowable, base, roles, counter) if hasattr(flowable, "wrap")
                       else flowable)
    return out


class _Counter:
    """Keys for sibling elements: unique within one block (the prefix), stable across
    documents."""

    def __init__(self, prefix: str):
        self.prefix, self.count = prefix, 0

    def __next__(self) -> str:
        self.count += 1
        return f"{self.prefix}.{self.count}"


def _step(counter: _Counter, role: str, **attrs) -> Step:
    return (f"{next(counter)}{role}", role, tuple(sorted(attrs.items())) if attrs else ())


def _list_item(flowable, list_path: Path, counter: _Counter):
    item = (*list_path, _step(counter, "LI"))
    return mark(flowable, (*item, _step(counter, "LBody")), ListItem)


class ListItem(Tagged):
    """A list item paragraph: its text is the item's body (LBody); its bullet is decoration
    (an artifact), so a screen reader announces a list item, not the word "bullet".

    ReportLab draws a paragraph's bullet first, in a text object of its own: once it is drawn
    (our canvas's ``after_text``), the artifact closes and the body opens."""

    def draw(self):
        canvas = self.canv
        tagger = getattr(canvas, "tagger", None)
        if tagger is None or not getattr(self, "bulletText", None):
            return super().draw()
        add_operator(canvas, "/Artifact BMC")
        canvas.after_text = self._open_body
        try:
            super(Tagged, self).draw()  # the paragraph's own drawing
        finally:
            canvas.after_text = None
        add_operator(canvas, "EMC")

    def _open_body(self, canvas) -> None:
        """After the bullet: its artifact closed, the item's body opened."""
        add_operator(canvas, "EMC")
        canvas.tagger.begin(canvas, self.tag_spec.path)


def _tag(flowable, base: Path, roles: Mapping[str, str], counter):
    if isinstance(flowable, Tagged):
        return flowable
    spec = spec_of(flowable)
    if isinstance(flowable, Paragraph):  # most flowables: first
        paragraph = (*base, _step(counter, roles.get(flowable.style.name, "P")))
        if spec.link_url:  # a paragraph that is a link: P > Link
            link_path = (*paragraph, _step(counter, "Link"))
            return mark(with_spec(flowable, link_path=link_path), link_path)
        return mark(flowable, paragraph)
    if isinstance(flowable, KeepTogether):
        set_kept_together(flowable, _sequence(kept_together(flowable), base, roles, counter))
        return flowable
    if isinstance(flowable, Spacer) or not spec.draws:
        return flowable
    if spec.link_url:
        link = (*base, _step(counter, "Link"))
        with_spec(flowable, link_path=link)
        return mark(flowable, (*link, _step(counter, "Figure", Alt=spec.alt)))
    if spec.alt:
        return mark(flowable, (*base, _step(counter, "Figure", Alt=spec.alt)))
    if isinstance(flowable, Drawing):
        return mark(flowable, (*base, _step(counter, "Artifact")))
    if isinstance(flowable, Table):
        return _tag_table(flowable, base, roles, counter)
    return mark(flowable, (*base, _step(counter, "Figure", Alt=getattr(
        flowable, "alt", "") or "Figure")))


def _tag_table(table, base: Path, roles: Mapping[str, str], counter):
    spec = spec_of(table)
    if spec.rows_as_list:  # a checklist: each row an item
        list_path = (*base, _step(counter, "L"))
        set_table_cells(table, [_list_row(row, list_path, roles, counter)
                                for row in table_cells(table)])
        return table
    headers = spec.table
    if headers is None:  # a layout table: its cells are tagged in place, in reading order
        set_table_cells(table, [[_tag_cell(cell, base, roles, counter) for cell in row]
                                for row in table_cells(table)])
        return table
    path = (*base, _step(counter, "Table"))
    rows = []
    for r, row in enumerate(table_cells(table)):
        row_path = (*path, _step(counter, "TR"))
        cells = []
        for c, cell in enumerate(row):
            header = (r == 0 and headers.header_row) or (c == 0 and headers.header_column)
            scope = ({"Scope": "Column"} if r == 0 and headers.header_row
                     else {"Scope": "Row"} if header else {})
            cell_path = (*row_path, _step(counter, "TH" if header else "TD", **scope))
            cells.append(_tag_cell(cell, cell_path, roles, counter, own=True))
        rows.append(cells)
    set_table_cells(table, rows)
    return table


def _list_row(row, list_path: Path, roles: Mapping[str, str], counter) -> list:
    body = (*list_path, _step(counter, "LI"), _step(counter, "LBody"))
    return [_tag_cell(cell, body, roles, counter, own=True) for cell in row]


def _tag_cell(cell, base: Path, roles: Mapping[str, str], counter, own: bool = False):
    """A table cell's content tagged; in a data table each paragraph is part of the cell."""
    items = cell if isinstance(cell, (list, tuple)) else [cell]
    if own:
        tagged = [mark(item, base) if isinstance(item, Paragraph) and not spec_of(item).list
                  else item for item in items]
        tagged = _sequence(tagged, base, roles, counter) if any(
            not isinstance(t, Tagged) for t in tagged) else tagged
    else:
        tagged = _sequence(list(items), base, roles, counter)
    return tagged if isinstance(cell, (list, tuple)) else tagged[0]
