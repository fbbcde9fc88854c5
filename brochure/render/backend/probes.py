"""What platypus asks of every flowable it places, by attribute names it may not have: the
answers a stand-in for another flowable gives at once, without asking the one it stands for.

A frame and a document template look, for each flowable, for marks that only some flowables
carry (a spacer's space transfer, a zero-size action, a break before it). A stand-in that
delegates every attribute it lacks (:class:`~brochure.render.wrapping.Wrapper`) answers each
such question through ``__getattr__`` and an ``AttributeError`` when the flowable it stands
for lacks the mark too, about a microsecond each, four hundred times a summary.

Relies on ReportLab 5.x platypus reading ``_SPACETRANSFER``, ``_ZEROSIZE`` and ``locChanger``
only with ``getattr(f, name, <false>)`` and ``pageBreakBefore`` and ``frameBreakBefore`` only
as ``hasattr(f, name) and f.name == 1``: a false value answers as absence does.
"""

from __future__ import annotations

from typing import Any

_MARKS = ("_SPACETRANSFER", "_ZEROSIZE", "locChanger", "pageBreakBefore", "frameBreakBefore")
_MISSING = object()


class AnswersMarks:
    """A stand-in's answers to the marks platypus looks for: by default, values it reads as
    the marks' absence; after :meth:`take_marks`, the marks the stood-for flowable carries."""

    _SPACETRANSFER: Any = False
    _ZEROSIZE: Any = False
    locChanger: Any = False  # noqa: N815 - ReportLab's names
    pageBreakBefore: Any = 0  # noqa: N815
    frameBreakBefore: Any = 0  # noqa: N815

    def take_marks(self, flowable: object) -> None:
        """Answer as ``flowable`` does for the marks it carries."""
        for name in _MARKS:
            value = getattr(flowable, name, _MISSING)
            if value is not _MISSING:
                setattr(self, name, value)
