"""Content a panel's frame does not take is an error naming its block and panel, never dropped:
measuring decides what fits, and when a flowable then asks the frame for more room than it
measured (here, one built to do so), the build stops instead of losing it."""

from __future__ import annotations

import pytest
from reportlab.platypus import Flowable

from brochure import FitError, build_publication
from brochure.project import load_project
from brochure.render import panels

from .conftest import PROJECT


class _Grows(Flowable):
    """Measures as its inner flowable; asks for a page's height when the frame places it."""

    def __init__(self, inner: Flowable):
        super().__init__()
        self.inner, self.measured = inner, 0

    def wrap(self, width, height):
        self.measured += 1
        w, h = self.inner.wrap(width, height)
        return (w, h) if self.measured == 1 else (w, 10_000)

    def draw(self):
        self.inner.drawOn(self.canv, 0, 0)


def test_a_block_the_frame_leaves_over_is_an_error_naming_it_and_its_panel(monkeypatch):
    real = panels._placed

    def growing_last(job, panel, styles, width, height):
        items = real(job, panel, styles, width, height)
        if panel.name == "inside-left" and items:
            last = items[-1]
            items[-1] = panels.Placed(_Grows(last.flowable), last.section, last.index,
                                      last.kind, last.title)
        return items
    monkeypatch.setattr(panels, "_placed", growing_last)
    project = load_project(PROJECT)
    with pytest.raises(FitError) as raised:
        build_publication(project, "knee-stem-cell", "trifold-letter")
    message = str(raised.value)
    assert "does not fit panel 'inside-left'" in message and "of section '" in message
    assert "publication.yaml:" in message
