"""Sections that go on in the next column under their heading said again.

A summary keeps a section's heading with what it heads, and each box without a heading of its
own with the text before it (so that no column opens with a box away from its heading). A
section with several such boxes, or with a data table, can then be taller than the room left in
a column, and moving it whole leaves a hole. :class:`Continuable` keeps it whole when it fits;
when it does not, and the room left is at least the layout's share of its height
(``columns.goes_on``), it breaks before one of its boxes or between two rows of a data table
(the last place that leaves what fits): that stays, and the rest opens the next column under
the section's heading said again with the text's ``continued`` words (drawn as a decoration: a
screen reader reads the heading once). A box is never parted from its heading: it goes on under
it, said again. A table goes on under its header row said again (decoration too, see
:class:`~.blocks.TaggedTable`), keeps at least ``columns.least_rows`` of its body rows on each
side, and keeps what follows it in the section (its caption) with its last row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from copy import copy

from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table

from .backend.layout import (
    is_frame_break,
    row_heights,
    set_table_cells,
    stacked_height,
    table_cells,
)
from .backend.paragraph import forget_lines
from .replay import Recorded, shared_flowables_lock
from .tagging import cell_copy
from .wrapping import innermost

HeadingAgain = Callable[[], Flowable]
"""Makes the heading said again, for the piece that goes on."""


class Continuable(KeepTogether):
    """A KeepTogether of a heading and what it heads that may break before the flowables at
    ``breaks`` (indices into ``flowables``: where its boxes begin) or between the body rows of
    the data tables at ``tables`` (indices too: tables whose header row is repeated where they
    go on), the rest under the heading said again; a table keeps ``least_rows`` body rows on
    each side."""

    def __init__(self, flowables: list[Flowable], breaks: Sequence[int], again: HeadingAgain,
                 share: float, tables: Sequence[int], least_rows: int):
        super().__init__(flowables)
        self.breaks, self.again, self.share = sorted(breaks), again, share
        self.tables, self.least_rows = frozenset(tables), least_rows
        self.content = flowables

    def split(self, available_width, available_height):
        pieces = super().split(available_width, available_height)
        if not pieces or not is_frame_break(pieces[0]):
            return pieces  # it fits, or it is taller than a column: as a KeepTogether
        if available_height < stacked_height(self.content, self.canv, available_width) * \
                self.share:
            return pieces  # a small hole: moved whole, rather than said twice
        for at in reversed(range(1, len(self.content))):  # the most that fits
            if at in self.tables:
                parted = self._table_parted(at, available_width, available_height)
                if parted is not None:
                    first, rest = parted
                    return [*self.content[:at], first,
                            KeepTogether([self.again(), rest, *self.content[at + 1:]])]
            head = self.content[:at]
            if at in self.breaks and \
                    stacked_height(head, self.canv, available_width) <= available_height:
                # what fits, placed here (ReportLab places the first piece of a split at once:
                # a KeepTogether never is), then the rest moved on whole with the heading again
                return [*head, KeepTogether([self.again(), *self.content[at:]])]
        return pieces

    def _table_parted(self, at: int, width: float,
                      height: float) -> tuple[Flowable, Flowable] | None:
        """The table at ``at`` split between two body rows so that what comes before it and
        its first piece fit ``height``, each piece with ``least_rows`` body rows or more (as
        many in the first as fit); None when no such split is."""
        source, before = self.content[at], self.content[:at]
        room = height - stacked_height(before, self.canv, width) - source.getSpaceBefore()
        parted = self._known_parts(source, width, room) or self._split(source, width, room)
        if parted is None or stacked_height([*before, parted[0]], self.canv, width) > height:
            return None
        return parted

    def _split(self, source: Flowable, width: float,
               room: float) -> tuple[Flowable, Flowable] | None:
        """The table split into ``room`` on a copy of its own (see :func:`_own`); a static
        table's pieces kept for the documents after (see :meth:`_known_parts`)."""
        table = _own(source)
        # the most rows that fit (the whole table, when it fits but not with what follows it)
        pieces = table.splitOn(self.canv, width, room)
        if not pieces:
            return None
        header: int = table.repeatRows
        shown = len(table_cells(pieces[0])) - header
        kept = self._rows_kept(shown, len(table_cells(table)) - header)
        if kept is None:
            return None
        if kept < shown:  # fewer rows, so that enough go on: split again, inside the next row
            heights = row_heights(pieces[0], self.canv, width)  # (just laid out in ``width``)
            pieces = table.splitOn(self.canv, width, sum(heights[:header + kept]) +
                                   heights[header + kept] / 2)
        if len(pieces) != 2:
            return None
        if isinstance(source, Recorded):  # a static table: its pieces drawn once, replayed
            first, rest = source.kept_pieces(("pieces", width, header + kept), pieces)
            return first, rest
        return pieces[0], pieces[1]

    def _known_parts(self, source: Flowable, width: float,
                     room: float) -> tuple[Flowable, Flowable] | None:
        """The pieces a static table's split into ``room`` gives, when an earlier document
        made them: as many rows as fit ``room`` (ReportLab's table splits after the last row
        whose foot is within it), at most as many as leave ``least_rows`` body rows to go on;
        None when not made yet, or when the table is not a static one."""
        if not isinstance(source, Recorded):
            return None
        table = _table_of(source)
        heights: list[float] = source.measure(  # under the recording's lock: the shared table
            ("heights", width), lambda: row_heights(table, self.canv, width))
        fitting, reached = 0, 0.0
        for height in heights:
            if reached + height > room:
                break
            fitting, reached = fitting + 1, reached + height
        header: int = table.repeatRows
        kept = self._rows_kept(fitting - header, len(heights) - header)
        pieces = None if kept is None else source.known_pieces(("pieces", width, header + kept))
        return None if pieces is None else (pieces[0], pieces[1])

    def _rows_kept(self, shown: int, rows: int) -> int | None:
        """How many of a table's ``rows`` body rows stay before the break when ``shown`` fit:
        as many as fit, leaving ``least_rows`` to go on; None when fewer than ``least_rows``
        would stay."""
        kept = min(shown, rows - self.least_rows)
        return None if kept < self.least_rows else kept


def _table_of(table: Flowable) -> Table:
    """The table a recording wraps (the table itself, when none does)."""
    table = innermost(table)
    if not isinstance(table, Table):
        raise TypeError(f"not a table: {type(table).__name__}")
    return table


def _own(table: Flowable) -> Table:
    """A copy of a data table (of the table a recording wraps), its cells copied too, to be
    split: a recorded table is shared by the documents rendered at once in threads (the web
    API), and a split edits its table and its paragraphs' lines. The table itself stays as it
    is, for where it is placed whole; the pieces of a recorded table's split are then kept,
    recorded, for every document (see :meth:`~.replay.Recorded.kept_pieces`). The copy is
    made under the shared lock (another document may be using the table), and its paragraphs
    hold no lines of the shared ones."""
    table = _table_of(table)
    with shared_flowables_lock():
        mine = copy(table)
        rows = [[cell_copy(cell) for cell in row] for row in table_cells(table)]
    for row in rows:
        for cell in row:
            for item in cell if isinstance(cell, list) else [cell]:
                if isinstance(item, Paragraph):
                    forget_lines(item)
    set_table_cells(mine, rows)
    return mine
