"""Platypus internals our layouts use: a frame's room, a faster frame copy, a table's cells and
its decoration, KeepTogether's content, a KeepTogether placed whole, a flowable given a class of
its own, a layout's state kept and taken up again (:class:`LayoutState`).

Relies on ReportLab 5.x: ``Frame``'s ``_add``, ``_x1``, ``_y1``, ``_y``, ``_y2``, ``_y1p``,
``_width``, ``_aW``, ``_aH``, ``_height``, ``_topPadding``, ``_bottomPadding``,
``_generated_content`` and its ``__dict__``; ``Table``'s ``_cellvalues``, ``_rowHeights``,
``_frame``, ``_width``, ``_height``, ``_spanCmds``, ``splitInRow``, ``_drawBkgrnd`` and
``_drawLines``;
``KeepTogether``'s ``_content`` and ``split`` (a ``FrameBreak`` first when it moves on whole),
and how a frame sets flowables one under another (``Frame._add``: ``_oASpace``, a flowable's
``frameAction``, ``_ZEROSIZE``, ``_SPACETRANSFER`` and ``drawOn``'s ``_sW``), which
:class:`PlacedWhole` repeats; a document template's ``_doSave``, and for :class:`LayoutState`
its ``page``, ``pageTemplate``, ``pageTemplates`` (their ``frames``), ``frame``, ``_hanging``,
``_pageTopFlowables``, ``_topFlowables``, ``_frameBGs``, ``_lifetimes``, ``_nextFrameIndex``,
``_nextPageTemplateCycle`` and the counters :data:`_COUNTERS` names, and
``handle_documentBegin`` being the build's one step before its loop over the flowables.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, NamedTuple, Protocol, cast

from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, Table
from reportlab.platypus.doctemplate import FrameBreak, NullActionFlowable
from reportlab.rl_config import _FUZZ

_ATOMIC = frozenset({int, float, str, bool, type(None)})


class _FrameInternals(Protocol):
    """ReportLab 5.x's ``Frame``: its edges, padding and room as it keeps them, which the stubs
    do not declare."""

    _x1: float
    _y1: float
    _width: float
    _height: float
    _y: float  # the current position: the top of what is left
    _y2: float  # the top
    _y1p: float  # the bottom, padding taken off
    _aW: float  # noqa: N815 - ReportLab's names
    _aH: float  # noqa: N815
    _topPadding: float  # noqa: N815
    _bottomPadding: float  # noqa: N815


def _frame(frame: Frame) -> _FrameInternals:
    """``frame`` with the attributes :class:`_FrameInternals` lists (every ReportLab 5.x frame
    has them)."""
    return cast(_FrameInternals, frame)


class FastFrame(Frame):
    """A frame deep-copied without the generic deep copy. ReportLab deep-copies the page's
    frame every time it measures a KeepTogether (so that content generated while measuring
    does not reach the real frame), and a summary measures several: the generic copy visits
    each of the frame's two dozen numbers one by one. Numbers and strings are immutable, so
    they are kept as they are (what :func:`copy.deepcopy` returns for them too); anything else
    is deep-copied as before."""

    _generated_content: list[Flowable] | None = None
    """No content generated for the frame (platypus asks every frame for it, twice per flowable
    placed, and a frame without it answers by raising in its ``__getattr__``); content
    generated is kept in the frame's own ``__dict__``, as ReportLab keeps it."""

    def add(self, flowable: Flowable, canv: Any,
            trySplit: bool | int = 0) -> Literal[0, 1]:  # noqa: N803
        """Place ``flowable`` as ReportLab's frame does; on a canvas that is only measuring
        (``measuring`` true) it is placed without being drawn (its ``drawOn`` shadowed by a
        no-op in its ``__dict__`` for the call), so a layout can be tried at a third of the
        cost of drawing it."""
        place: Callable[..., Literal[0, 1]] = Frame._add  # type: ignore[attr-defined]
        if not getattr(canv, "measuring", False):
            return place(self, flowable, canv, trySplit)
        flowable.__dict__["drawOn"] = _not_drawn
        try:
            return place(self, flowable, canv, trySplit)
        finally:
            flowable.__dict__.pop("drawOn", None)

    def __deepcopy__(self, memo: dict[int, object]) -> FastFrame:
        copied = type(self).__new__(type(self))
        memo[id(self)] = copied
        copied.__dict__.update({name: value if type(value) in _ATOMIC else deepcopy(value, memo)
                                for name, value in self.__dict__.items()})
        return copied


def _not_drawn(*args: object, **kwargs: object) -> None:
    """What a flowable draws while a layout is only measured: nothing."""


def width_key(width: float) -> float:
    """A width as layouts remember what they measured at it: to a millionth of a point.
    Frames of the same width placed side by side give widths that differ in their last bits
    (237.6 and 237.59999999999997); what was measured at one serves the other (a line or a
    column would have to come within a millionth of a point of the width to differ)."""
    return round(width, 6)


def frame_used(frame: Frame) -> float:
    """How much of a frame's height its content takes so far (from its top, padding taken off,
    down to its current position: ``_y2``, ``_topPadding``, ``_y``)."""
    room = _frame(frame)
    return room._y2 - room._topPadding - room._y


def skip_saving(doc: object) -> None:
    """Make a document template's build end without saving its canvas (``_doSave``): a
    measured layout writes no PDF."""
    doc.__dict__["_doSave"] = 0


class Room(NamedTuple):
    """Where a frame's free space is: its left edge, bottom, width and the top of what is left
    (the frame's current position)."""

    left: float
    bottom: float
    width: float
    top: float


def frame_room(frame: Frame) -> Room:
    """What is left of ``frame`` (``_x1``, ``_y1``, ``_width``, ``_y``)."""
    room = _frame(frame)
    return Room(room._x1, room._y1, room._width, room._y)


def frame_size(frame: Frame) -> tuple[float, float]:
    """The width and height a frame gives its content, padding taken off (``_aW``, ``_aH``)."""
    size = _frame(frame)
    return size._aW, size._aH


def frame_space_left(frame: Frame) -> float:
    """The height still free in a frame that has placed content (``_y`` - ``_y1p``)."""
    room = _frame(frame)
    return room._y - room._y1p


class DecoratedTable(Table):
    """A table whose backgrounds and rules are drawn through :meth:`decorate` (a tagged
    document makes them artifacts), and whose rows split across pages when one is taller than
    a whole frame (a long note in its box): a row that fits a frame still moves to the next
    whole."""

    _measured_in: float | None = None
    """The width the table's sizes were last found in by :meth:`wrap` (None: not since it was
    split, or never)."""

    def decorate(self, draw: Callable[[], None]) -> None:
        """Draw backgrounds or rules (``draw()``); a subclass wraps them."""
        draw()

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """ReportLab's, once per width: a table's sizes (``_calc``: every cell wrapped, rows
        and columns summed) depend on the width alone (cells are wrapped at an unbounded
        height), and platypus wraps a table in a KeepTogether twice, measuring the group and
        then placing it. Not a table with spans: ReportLab stops measuring its rows at the
        height given."""
        if (self._measured_in == width_key(available_width) and not self.splitInRow
                and not getattr(self, "_spanCmds", None)):  # (spans: measured to the height)
            self.availWidth = available_width
            sized = cast(Any, self)  # Table's ``_width`` and ``_height``, once wrapped
            return sized._width, sized._height
        size: tuple[float, float] = super().wrap(available_width, available_height)
        self._measured_in = width_key(available_width)
        return size

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        self._measured_in = None  # a split measures again, in its own way
        pieces = super().split(available_width, available_height)
        if pieces or self.splitInRow or not self._taller_than_its_frame():
            return pieces
        self.splitInRow = 1
        try:
            return super().split(available_width, available_height)
        finally:
            self.splitInRow = 0

    def _taller_than_its_frame(self) -> bool:
        frame: _FrameInternals | None = getattr(self, "_frame", None)  # while being laid out
        if frame is None or not hasattr(self, "_height"):
            return False
        height: float = self._height  # Table's, once wrapped
        return height > frame._height - frame._topPadding - frame._bottomPadding

    def _drawBkgrnd(self) -> None:  # noqa: N802 - ReportLab's names
        self.decorate(lambda: super(DecoratedTable, self)._drawBkgrnd())  # type: ignore[misc]

    def _drawLines(self) -> None:  # noqa: N802
        self.decorate(lambda: super(DecoratedTable, self)._drawLines())  # type: ignore[misc]


class _TableInternals(Protocol):
    """ReportLab 5.x's ``Table``: its cells (``_cellvalues``: text, flowables, lists of
    flowables), which the stubs do not declare."""

    _cellvalues: list[list[Any]]


class _KeepTogetherInternals(Protocol):
    """ReportLab 5.x's ``KeepTogether``: what it holds (``_content``), which the stubs do not
    declare."""

    _content: list[Flowable]


def table_cells(table: Flowable) -> list[list[Any]]:
    """A table's cells, row by row (``_cellvalues``; a wrapper answers for the table it
    wraps)."""
    return cast(_TableInternals, table)._cellvalues


def set_table_cells(table: Table, rows: list[list[Any]]) -> None:
    """Replace a table's cells (same shape) before it is wrapped (``_cellvalues``)."""
    cast(_TableInternals, table)._cellvalues = rows


def row_heights(table: Flowable, canvas: Any, width: float) -> list[float]:
    """The height of each of a table's rows, set in ``width`` (``_rowHeights``, once
    wrapped)."""
    table.wrapOn(canvas, width, UNBOUNDED)
    heights: list[float] = getattr(table, "_rowHeights")  # noqa: B009 - ReportLab's, once wrapped
    return list(heights)


def stacked_height(flowables: list[Flowable], canvas: Any, width: float) -> float:
    """The height of ``flowables`` set one under the other in ``width``, their spaces before
    and after counted in full (what a KeepTogether holds counted as its flowables)."""
    total = 0.0
    for flowable in flowables:
        if isinstance(flowable, KeepTogether):
            total += stacked_height(kept_together(flowable), canvas, width)
            continue
        _, height = flowable.wrapOn(canvas, width, UNBOUNDED)
        total += height + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def heights_at_least(flowables: list[Flowable], canvas: Any, width: float,
                     leaving: set[int] = frozenset()) -> float:  # type: ignore[assignment]
    """The least height ``flowables`` take in frames ``width`` wide (what KeepTogethers hold
    counted one by one), those whose ``id`` is in ``leaving`` left out: each one's own height
    (its pieces, split between frames, take as much at least), no space around it."""
    total = 0.0
    for flowable in flowables:
        if id(flowable) in leaving:
            continue
        if isinstance(flowable, KeepTogether):
            total += heights_at_least(kept_together(flowable), canvas, width, leaving)
            continue
        total += flowable.wrapOn(canvas, width, UNBOUNDED)[1]
    return total


UNBOUNDED = 1e6
"""A height no flowable reaches: what a flowable is measured in when only its width matters."""


class PlacedWhole(KeepTogether):
    """A KeepTogether of flowables that draw the same whatever the room (recordings of static
    blocks), placed as one flowable when it fits where it stands: its flowables are set one
    under the other as a frame sets them (the space between two is the larger of the one's
    space after and the other's space before) and drawn there, each as the frame would draw
    it. Platypus places each flowable of a KeepTogether on its own, at some 25 µs apiece.
    When it does not fit, or holds a flowable a frame treats otherwise (one of no height, one
    that passes its space on, a frame action), it is the KeepTogether it is: split into its
    flowables, or moved on whole."""

    _whole: list[_Placed] | None = None
    _moved = False
    """Moved on whole to the next frame once (then its flowables go on one by one there, as
    a KeepTogether's do, when it does not fit whole)."""

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:  # noqa: N803 - ReportLab's
        placed = self._placed(aW)
        if placed is None or placed[-1].foot > aH:
            self._whole = None
            return (aW, _SPLIT_ME) if self._moved else super().wrap(aW, aH)
        self._whole = placed
        return aW, placed[-1].foot

    def split(self, aW: float, aH: float) -> list[Flowable]:  # noqa: N803 - ReportLab's
        """As a KeepTogether splits, but for one moved on whole to the next frame: moved on
        as itself, to be placed whole there if it fits (a KeepTogether moves on its
        flowables); where it then does not fit, its flowables go on one by one."""
        content = kept_together(self)
        if self._moved:
            return [NullActionFlowable(), *content]
        pieces: list[Flowable] = super().split(aW, aH)
        if len(pieces) == len(content) + 1 and is_frame_break(pieces[0]) and \
                all(a is b for a, b in zip(pieces[1:], content, strict=True)):
            self._moved = True
            return [pieces[0], self]
        return pieces

    def _placed(self, width: float) -> list[_Placed] | None:
        """Where each flowable stands, set in ``width`` under the top of the first; None when a
        frame would set one otherwise (then the KeepTogether's own way is taken)."""
        frame = getattr(self, "_frame", None)
        if frame is None or not getattr(frame, "_oASpace", 0):
            return None
        placed: list[_Placed] = []
        foot, after = 0.0, 0.0
        for flowable in kept_together(self):
            if getattr(flowable, "frameAction", None) or getattr(flowable, "_ZEROSIZE", False) \
                    or getattr(flowable, "_SPACETRANSFER", False):
                return None
            used_width, height = flowable.wrapOn(self.canv, width, UNBOUNDED)
            if height <= _FUZZ:  # (ReportLab's tolerance: a frame takes it for no height)
                return None
            top = foot + (max(flowable.getSpaceBefore(), after) if placed else 0.0)
            foot = top + height
            placed.append(_Placed(foot, width - used_width))
            after = flowable.getSpaceAfter()
        return placed

    def drawOn(self, canvas: Any, x: float, y: float,  # noqa: N802 - ReportLab's names
               _sW: float = 0) -> None:  # noqa: N803
        """Each flowable where a frame would draw it (``y``: the foot of the whole)."""
        placed = self._whole
        if placed is None:
            raise RuntimeError("a KeepTogether drawn whole that was not measured whole")
        top = y + placed[-1].foot
        for flowable, place in zip(kept_together(self), placed, strict=True):
            # (ReportLab's drawOn takes the width left, ``_sW``, which the stubs omit)
            cast(Any, flowable).drawOn(canvas, x, top - place.foot, place.room)


def place_whole(keep: KeepTogether) -> None:
    """Have ``keep`` (a KeepTogether, or a kind of one with a split of its own) placed as one
    flowable where it fits (see :class:`PlacedWhole`)."""
    # a class is hashable; mypy takes type[X] for not (python/mypy#11470)
    retype(keep, _placed_whole_kind(type(keep)))  # type: ignore[arg-type]


@cache
def _placed_whole_kind(kind: type[KeepTogether]) -> type[KeepTogether]:
    if issubclass(kind, PlacedWhole):
        return kind
    if kind is KeepTogether:
        return PlacedWhole
    return type(f"PlacedWhole{kind.__name__}", (PlacedWhole, kind), {})


class _Placed(NamedTuple):
    """Where a flowable of a :class:`PlacedWhole` stands: its foot below the top of the
    first, and the width it leaves (what a frame gives its ``drawOn`` to align it)."""

    foot: float
    room: float


def is_frame_break(flowable: Flowable) -> bool:
    """Whether ``flowable`` is ReportLab's frame break (``FrameBreak`` is an instance of its
    class)."""
    return isinstance(flowable, type(FrameBreak))


_SPLIT_ME = 0xFFFFFF
"""The height a KeepTogether says it has, taller than any frame, to be split (ReportLab's)."""


def kept_together(keep: KeepTogether) -> list[Flowable]:
    """The flowables a KeepTogether holds (``_content``)."""
    return cast(_KeepTogetherInternals, keep)._content


def set_kept_together(keep: KeepTogether, flowables: list[Flowable]) -> None:
    """Replace what a KeepTogether holds (``_content``)."""
    cast(_KeepTogetherInternals, keep)._content = flowables


def retype(flowable: Flowable, kind: type[Flowable]) -> None:
    """Give ``flowable`` the class ``kind`` (a subclass of its own class that adds behaviour,
    and at most state of its own that it sets itself). ``object.__setattr__``: ReportLab's
    shapes check every attribute set through their own."""
    object.__setattr__(flowable, "__class__", kind)


_COUNTERS = ("page", "_curPageFlowableCount", "_emptyPages", "_leftExtraIndent",
             "_rightExtraIndent", "_nextPageTemplateIndex")
"""A document template's numbers that a layout moves on (the page, what the current page holds,
the indents, the template the next page takes), kept as they are."""

_PENDING = ("_hanging", "_pageTopFlowables", "_topFlowables", "_frameBGs", "_lifetimes")
"""What a document template holds back for later (postponed actions, flowables for the top
of the next frame or page, frame backgrounds, variables' lifetimes): a layout is kept only
between two flowables where all of it is empty."""

_CHOSEN = ("_nextFrameIndex", "_nextPageTemplateCycle")
"""A frame chosen for next, a cycle of page templates: a layout is not kept while either is
set."""


@dataclass(frozen=True)
class LayoutState:
    """Where a document template's layout stood just before one of its flowables was placed:
    the page, the page template in use and every template's frames as they were (the current
    frame's position, columns a flowable cut a frame into), and the counters
    :data:`_COUNTERS` names. A build of another document from the same page templates that
    is given :func:`restore_layout` at its beginning places its flowables from there, as
    the first build placed what followed (nothing is drawn before it: only for layouts that
    are measured, not drawn)."""

    counters: dict[str, Any]
    template: int
    """The index of the page template in use."""
    frames: list[list[Frame]]
    """Each page template's frames, copies kept untouched."""
    frame: int
    """The index of the current frame in its template's frames."""


def layout_state(doc: BaseDocTemplate) -> LayoutState | None:
    """The state of ``doc``'s layout, between two flowables (see :class:`LayoutState`); None
    when the template holds something back for later, or has a next frame or a cycle of
    templates chosen, which a state does not keep."""
    state = doc.__dict__
    if any(state.get(name) for name in _PENDING) or any(name in state for name in _CHOSEN):
        return None
    frames = doc.pageTemplate.frames
    frame = getattr(doc, "frame", None)
    if not any(f is frame for f in frames):
        return None
    return LayoutState({name: state[name] for name in _COUNTERS if name in state},
                       next(i for i, t in enumerate(doc.pageTemplates) if t is doc.pageTemplate),
                       _copied([t.frames for t in doc.pageTemplates]),
                       next(i for i, f in enumerate(frames) if f is frame))


def restore_layout(doc: BaseDocTemplate, state: LayoutState) -> None:
    """Put ``doc``, whose build has just begun (from its ``handle_documentBegin``: its first
    page not yet begun), where ``state`` says: its page templates' frames copies of those kept,
    the template and frame in use, the counters; nothing pending. ``doc`` has as many page
    templates as the document the state was taken from, made alike."""
    for template, frames in zip(doc.pageTemplates, _copied(state.frames), strict=True):
        template.frames = frames
    doc.pageTemplate = doc.pageTemplates[state.template]
    doc.frame = doc.pageTemplate.frames[state.frame]
    for name in _COUNTERS:
        if name in state.counters:
            setattr(doc, name, state.counters[name])
        elif name in doc.__dict__:
            delattr(doc, name)
    internals = cast(Any, doc)
    internals._hanging, internals._pageTopFlowables, internals._topFlowables = [], [], []


def page_of(state: LayoutState) -> int:
    """The page a state was kept on."""
    page: int = state.counters["page"]
    return page


def space_on_page(state: LayoutState) -> list[tuple[float, float]]:
    """The width and free height of the state's current frame and of each frame after it on
    the page (nothing can be placed on the page from there but in these)."""
    frames = state.frames[state.template][state.frame:]
    return [(frame_size(frame)[0], frame_space_left(frame) if n == 0 else frame_size(frame)[1])
            for n, frame in enumerate(frames)]


def _copied(frames: list[list[Frame]]) -> list[list[Frame]]:
    """Copies of each template's frames (one copy of a frame two templates share)."""
    memo: dict[int, object] = {}
    return [[deepcopy(frame, memo) for frame in template] for template in frames]
