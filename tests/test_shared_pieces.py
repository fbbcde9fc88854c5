"""Static flowables are shared by every document rendered in the process (threads of the web
API among them). ReportLab keeps the canvas on a flowable while it draws it, so a shared one
is only ever laid out, split and drawn under the shared flowables' lock: the pieces of its
split too, which hold its parts (a table's cells). What needs no lock is each document's own
(a page break kept with a block)."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Table

from brochure.render.replay import Recorded, shared_flowables_lock


class _Probe(Flowable):
    """A table cell that notes, each time it is drawn, whether the drawing thread holds the
    shared flowables' lock; it draws a box."""

    def __init__(self, seen: list[bool]):
        super().__init__()
        self.seen = seen

    def wrap(self, available_width, available_height):
        return 40, 20

    def draw(self):
        self.seen.append(shared_flowables_lock()._is_owned())  # type: ignore[attr-defined]
        self.canv.rect(0, 0, 40, 20)


def _pieces_drawn(seen: list[bool], shared: bool) -> bytes:
    """A six-row table split into 70 points (as platypus splits one at a frame's end), wrapped
    as a shared flowable or not, its pieces drawn one under the other; the PDF."""
    table = Table([[_Probe(seen)] for _ in range(6)], rowHeights=[20] * 6)
    flowable = Recorded(table, {}, {}, {}) if shared else table
    out = io.BytesIO()
    canvas = Canvas(out, invariant=1)
    pieces = flowable.splitOn(canvas, 200, 70)
    assert len(pieces) == 2
    y = 700.0
    for piece in pieces:
        _, height = piece.wrapOn(canvas, 200, 700)
        piece.drawOn(canvas, 72, y - height)
        y -= height + 10
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_the_pieces_of_a_shared_tables_split_draw_its_cells_under_the_lock():
    """Before, the pieces were the table's own split: its cells, shared with every document,
    were drawn outside the lock (two threads could swap each other's canvas on a cell)."""
    seen: list[bool] = []
    _pieces_drawn(seen, shared=True)
    assert seen == [True] * 6


def test_a_shared_tables_pieces_draw_what_the_tables_own_pieces_draw():
    """The lock's wrapper adds no operator: the same file, byte for byte."""
    assert _pieces_drawn([], shared=True) == _pieces_drawn([], shared=False)


def test_each_document_gets_its_own_page_break_of_a_kept_block():
    """A page break kept with a static block's flowables is copied for each document, as the
    other flowables are wrapped afresh: ReportLab sets the canvas on a page break while a
    KeepTogether measures it (before, every document placed the one kept page break)."""
    from reportlab.platypus import KeepTogether, PageBreak, Paragraph

    from brochure.render.summary import _kept_for_reuse, _reused

    kept = _kept_for_reuse(KeepTogether([Paragraph("Static"), PageBreak("later")]))
    first, second = (_reused(kept) for _ in range(2))
    breaks = [f for document in (first, second) for f in document._content
              if isinstance(f, PageBreak)]
    assert len(breaks) == 2 and breaks[0] is not breaks[1]
    assert [b.nextTemplate for b in breaks] == ["later", "later"]
