"""Sections that go on in the next column under their heading said again.

A summary keeps a section's heading with what it heads, and each box without a heading of its
own with the text before it (so that no column opens with a box away from its heading). A
section with several such boxes can then be taller than the room left in a column, and moving
it whole leaves a hole. :class:`Continuable` keeps it whole when it fits; when it does not, and
the room left is at least the layout's share of its height (``columns.goes_on``), it breaks
before one of its boxes (the last that leaves what fits): that stays, and the rest opens the
next column under the section's heading said again with the text's ``continued`` words (drawn
as a decoration: a screen reader reads the heading once). A box is never parted from its
heading: it goes on under it, said again."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportlab.platypus import Flowable, KeepTogether
from reportlab.platypus.doctemplate import FrameBreak

from .backend.layout import stacked_height

HeadingAgain = Callable[[], Flowable]
"""Makes the heading said again, for the piece that goes on."""


class Continuable(KeepTogether):
    """A KeepTogether of a heading and what it heads that may break before the flowables at
    ``breaks`` (indices into ``flowables``: where its boxes begin), the rest under the heading
    said again."""

    def __init__(self, flowables: list[Flowable], breaks: Sequence[int], again: HeadingAgain,
                 share: float):
        super().__init__(flowables)
        self.breaks, self.again, self.share = sorted(breaks), again, share
        self.content = flowables

    def split(self, available_width, available_height):
        pieces = super().split(available_width, available_height)
        if not pieces or not isinstance(pieces[0], type(FrameBreak)):  # (an instance)
            return pieces  # it fits, or it is taller than a column: as a KeepTogether
        if available_height < stacked_height(self.content, self.canv, available_width) * \
                self.share:
            return pieces  # a small hole: moved whole, rather than said twice
        for at in reversed(self.breaks):  # the most that fits
            head = self.content[:at]
            if stacked_height(head, self.canv, available_width) <= available_height:
                # what fits, placed here (ReportLab places the first piece of a split at once:
                # a KeepTogether never is), then the rest moved on whole with the heading again
                return [*head, KeepTogether([self.again(), *self.content[at:]])]
        return pieces

