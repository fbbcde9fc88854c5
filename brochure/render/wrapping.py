"""A flowable that stands in for another: platypus asks the wrapper, the wrapped one answers."""

from __future__ import annotations

from reportlab.platypus import Flowable

from .backend.probes import AnswersMarks


class Wrapper(AnswersMarks, Flowable):
    """Delegates spacing, keep-with-next and any other attribute to ``inner``. The marks
    platypus looks for on every flowable it places are answered by the wrapper itself: the
    inner flowable's, or a value that means their absence (see :mod:`.backend.probes`)."""

    OWN = frozenset({"inner"})

    def __init__(self, inner: Flowable):
        super().__init__()
        self.inner = inner
        self.hAlign = getattr(inner, "hAlign", "LEFT")
        self.take_marks(inner)

    def __getattr__(self, name):
        if name in type(self).OWN:
            raise AttributeError(name)
        return getattr(self.inner, name)

    def getSpaceBefore(self):  # noqa: N802 - ReportLab's names
        return self.inner.getSpaceBefore()

    def getSpaceAfter(self):  # noqa: N802
        return self.inner.getSpaceAfter()

    def getKeepWithNext(self):  # noqa: N802
        return self.inner.getKeepWithNext()


def innermost(flowable: Flowable) -> Flowable:
    """The flowable the wrappers around ``flowable`` wrap (itself, when none does)."""
    while isinstance(flowable, Wrapper):
        flowable = flowable.inner
    return flowable
