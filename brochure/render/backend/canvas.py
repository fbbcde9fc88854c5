"""Our canvas, and what the tagger, the replayer and the page decorations do to a canvas:
add operators to the page, read the page number and the last annotation, reach the document.

Relies on ReportLab 5.x ``Canvas``: ``_doc`` (its PDFDocument), ``_code`` (the page's
operators), ``_pageNumber``, ``_annotationrefs``, ``_currentMatrix`` (the current
transformation), ``_enforceColorSpace``, ``_startPage``, ``_curr_tx_info`` (the text object a
named callback runs in), ``STATE_ATTRIBUTES``, ``state_stack`` and ``_extgstate`` (what
``saveState`` keeps) and the canvas's ``__dict__`` (a page's state, kept by
:class:`DeferredPages`); ``PDFTextObject``'s ``_code``, ``_rise`` and ``_y``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol, cast

from reportlab.lib.colors import Color
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase.pdfdoc import PDFDocument, PDFObjectReference
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

from .document import BrochureDocument


class _TextInternals(Protocol):
    """ReportLab 5.x's ``PDFTextObject``: its operators so far (``_code``), which the stubs do
    not declare."""

    _code: list[str]


class _CanvasInternals(Protocol):
    """What of ReportLab 5.x's ``Canvas`` this module uses that its stubs do not declare (they
    declare no private attribute)."""

    _doc: PDFDocument
    _code: list[str]
    _pageNumber: int  # noqa: N815 - ReportLab's names
    _annotationrefs: list[PDFObjectReference]
    _currentMatrix: tuple[float, float, float, float, float, float]  # noqa: N815
    _enforceColorSpace: Callable[[Color], Color] | None  # noqa: N815
    _curr_tx_info: dict[str, Any]  # while a named callback runs: its tx, cur_x, cur_y…

    def _startPage(self) -> None:  # noqa: N802
        """Begin a new page: a fresh page state."""


def _internals(canvas: Canvas) -> _CanvasInternals:
    """``canvas`` with the attributes :class:`_CanvasInternals` lists (every ReportLab 5.x
    canvas has them)."""
    return cast(_CanvasInternals, canvas)


class RisingText(PDFTextObject):
    """A text object whose ``setRise`` also works when it opens the object's operators (a
    shaped run's mark raised on its first glyph): ReportLab's looks at the operator before it,
    and there is none yet."""

    # ReportLab's own (set by PDFTextObject), which the stubs do not declare
    _code: list[str]
    _rise: float
    _y: float

    def setRise(self, rise: float) -> None:  # noqa: N802 - ReportLab's name
        if not self._code:
            self._rise = rise
            self._y -= rise
            self._code.append(f"{fp_str(rise)} Ts")
        else:
            super().setRise(rise)


class BrochureCanvas(Canvas):
    """The canvas of every document brochure makes: its document writes as
    :class:`~.document.BrochureDocument` says, its text objects are :class:`RisingText`, and
    ``after_text(canvas)``, when set, runs once after the next text object is drawn (a list
    item's bullet: its artifact closes there and the item's body opens)."""

    after_text: Callable[[Canvas], None] | None = None
    measuring = False
    """Only measuring a layout: frames place flowables without drawing them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # Canvas's parameters
        super().__init__(*args, **kwargs)
        # the document ReportLab's canvas made, writing our way (no state of its own to add)
        _internals(self)._doc.__class__ = BrochureDocument

    def beginText(self, x: float = 0, y: float = 0,  # noqa: N802 - ReportLab's name
                  direction: Literal["LTR", "RTL"] | None = None) -> RisingText:
        return RisingText(self, x, y, direction=direction)

    def drawText(self, aTextObject: PDFTextObject) -> None:  # noqa: N802, N803 - ReportLab's
        super().drawText(aTextObject)
        hook = self.after_text
        if hook is not None:
            self.after_text = None
            hook(self)


class DeferredPages(BrochureCanvas):
    """A canvas that finishes every page at save time, when the page count is known, by
    calling ``self.finish_page(canvas, page_number, page_count)`` on each (and
    ``self.before_save(canvas)`` once, while the document's font usage is still known).

    Relies on the canvas's ``__dict__`` holding a page's whole state, and on ``_startPage``."""

    finish_page: Callable[[DeferredPages, int, int], None] | None = None
    before_save: Callable[[DeferredPages], None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # Canvas's parameters
        super().__init__(*args, **kwargs)
        self._pending: list[dict[str, Any]] = []  # each page's state: the canvas's __dict__

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pending.append(dict(self.__dict__))
        _internals(self)._startPage()

    def save(self) -> None:
        count = len(self._pending)
        for number, state in enumerate(self._pending, start=1):
            self.__dict__.update(state)
            if self.finish_page:
                self.finish_page(self, number, count)
            super().showPage()
        self._pending.clear()  # the snapshots are spent; drop what they hold
        if self.before_save:
            self.before_save(self)
        super().save()


def document_of(canvas: Canvas) -> PDFDocument:
    """The canvas's PDF document (``_doc``)."""
    return _internals(canvas)._doc


def page_operators(canvas: Canvas) -> list[str]:
    """The current page's operators so far (``_code``, the live list)."""
    return _internals(canvas)._code


def add_operator(canvas: Canvas, operator: str) -> None:
    """Add a raw operator to the current page (marked content: ``BDC``, ``BMC``, ``EMC``)."""
    _internals(canvas)._code.append(operator)


def page_index(canvas: Canvas) -> int:
    """The current page's index, from 0 (``_pageNumber`` - 1)."""
    return _internals(canvas)._pageNumber - 1


def last_annotation(canvas: Canvas) -> PDFObjectReference:
    """The reference of the annotation added last on this page (``_annotationrefs``)."""
    return _internals(canvas)._annotationrefs[-1]


def annotation_count(canvas: Canvas) -> int:
    """How many annotations the current page has (``_annotationrefs``)."""
    return len(getattr(canvas, "_annotationrefs", ()))


def current_matrix(canvas: Canvas) -> tuple[float, float, float, float, float, float]:
    """The canvas's current transformation matrix (a, b, c, d, e, f), from its default user
    space (``_currentMatrix``, which ReportLab keeps as it tracks ``transform`` and
    ``restoreState``, and which ``linkURL(..., relative=1)`` maps a rectangle through)."""
    return _internals(canvas)._currentMatrix


def text_operators(canvas: Canvas) -> list[str]:
    """The operators of the text object a named callback is running in (``_curr_tx_info``)."""
    text: _TextInternals = _internals(canvas)._curr_tx_info["tx"]
    return text._code


@contextmanager
def colours_unchecked(canvas: Canvas) -> Iterator[None]:
    """Colours set inside are not turned into the canvas's enforced colour space
    (``_enforceColorSpace``): a registration colour stays a Separation."""
    internals = _internals(canvas)
    enforce, internals._enforceColorSpace = internals._enforceColorSpace, None
    try:
        yield
    finally:
        internals._enforceColorSpace = enforce
