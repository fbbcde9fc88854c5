"""Platypus internals our layouts use: a frame's room, a faster frame copy, a table's cells and
its decoration, KeepTogether's content, a flowable given a class of its own.

Relies on ReportLab 5.x: ``Frame``'s ``_x1``, ``_y1``, ``_y``, ``_y1p``, ``_width``, ``_aW``,
``_aH``, ``_height``, ``_topPadding``, ``_bottomPadding`` and its ``__dict__``; ``Table``'s
``_cellvalues``, ``_frame``, ``_height``, ``splitInRow``, ``_drawBkgrnd`` and ``_drawLines``;
``KeepTogether``'s ``_content``.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from typing import NamedTuple

from reportlab.platypus import Flowable, Frame, KeepTogether, Table

_ATOMIC = frozenset({int, float, str, bool, type(None)})


class FastFrame(Frame):
    """A frame deep-copied without the generic deep copy. ReportLab deep-copies the page's
    frame every time it measures a KeepTogether (so that content generated while measuring
    does not reach the real frame), and a summary measures several: the generic copy visits
    each of the frame's two dozen numbers one by one. Numbers and strings are immutable, so
    they are kept as they are (what :func:`copy.deepcopy` returns for them too); anything else
    is deep-copied as before."""

    def __deepcopy__(self, memo: dict) -> FastFrame:
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied
        copied.__dict__.update({name: value if type(value) in _ATOMIC else deepcopy(value, memo)
                                for name, value in self.__dict__.items()})
        return copied


class Room(NamedTuple):
    """Where a frame's free space is: its left edge, bottom, width and the top of what is left
    (the frame's current position)."""

    left: float
    bottom: float
    width: float
    top: float


def frame_room(frame: Frame) -> Room:
    """What is left of ``frame`` (``_x1``, ``_y1``, ``_width``, ``_y``)."""
    return Room(frame._x1, frame._y1, frame._width, frame._y)


def frame_size(frame: Frame) -> tuple[float, float]:
    """The width and height a frame gives its content, padding taken off (``_aW``, ``_aH``)."""
    return frame._aW, frame._aH


def frame_space_left(frame: Frame) -> float:
    """The height still free in a frame that has placed content (``_y`` - ``_y1p``)."""
    return frame._y - frame._y1p


class DecoratedTable(Table):
    """A table whose backgrounds and rules are drawn through :meth:`decorate` (a tagged
    document makes them artifacts), and whose rows split across pages when one is taller than
    a whole frame (a long note in its box): a row that fits a frame still moves to the next
    whole."""

    def decorate(self, draw: Callable[[], None]) -> None:
        """Draw backgrounds or rules (``draw()``); a subclass wraps them."""
        draw()

    def split(self, available_width, available_height):
        pieces = super().split(available_width, available_height)
        if pieces or self.splitInRow or not self._taller_than_its_frame():
            return pieces
        self.splitInRow = 1
        try:
            return super().split(available_width, available_height)
        finally:
            self.splitInRow = 0

    def _taller_than_its_frame(self) -> bool:
        frame = getattr(self, "_frame", None)
        if frame is None or not hasattr(self, "_height"):
            return False
        return self._height > frame._height - frame._topPadding - frame._bottomPadding

    def _drawBkgrnd(self):  # noqa: N802 - ReportLab's names
        self.decorate(lambda: super(DecoratedTable, self)._drawBkgrnd())

    def _drawLines(self):  # noqa: N802
        self.decorate(lambda: super(DecoratedTable, self)._drawLines())


def table_cells(table: Table) -> list[list]:
    """A table's cells, row by row (``_cellvalues``)."""
    return table._cellvalues


def set_table_cells(table: Table, rows: list[list]) -> None:
    """Replace a table's cells (same shape) before it is wrapped (``_cellvalues``)."""
    table._cellvalues = rows


def kept_together(keep: KeepTogether) -> list[Flowable]:
    """The flowables a KeepTogether holds (``_content``)."""
    return keep._content


def set_kept_together(keep: KeepTogether, flowables: list[Flowable]) -> None:
    """Replace what a KeepTogether holds (``_content``)."""
    keep._content = flowables


def retype(flowable: Flowable, kind: type) -> None:
    """Give ``flowable`` the class ``kind`` (a subclass of its own class that adds behaviour
    and no state). ``object.__setattr__``: ReportLab's shapes check every attribute set
    through their own."""
    object.__setattr__(flowable, "__class__", kind)
