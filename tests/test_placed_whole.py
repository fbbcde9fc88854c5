"""A KeepTogether of static flowables is placed as one flowable where it fits
(``backend.layout.PlacedWhole``): every character lands where platypus, placing each flowable
on its own, puts it; one that does not fit moves on, or splits, as a KeepTogether does; and a
summary's section headings stay in its outline."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)

from brochure.render.backend.layout import PlacedWhole, place_whole
from brochure.summaries import render_summary

from .pdf import char_boxes
from .test_candidacy import BASE

_HEADING = ParagraphStyle("h", fontName="Helvetica-Bold", fontSize=14, leading=17,
                          spaceBefore=10, spaceAfter=4)
_BODY = ParagraphStyle("b", fontName="Helvetica", fontSize=10, leading=13, spaceBefore=3,
                       spaceAfter=6)
_WORDS = "Keep walking every day, a little further each week, and rest the knee when it aches. "


def _section(n: int) -> KeepTogether:
    table = Table([["Option", "Cost"], [f"Rest {n}", "none"], ["Brace", "some"]],
                  hAlign="LEFT")
    return KeepTogether([Paragraph(f"Section {n}", _HEADING), Paragraph(_WORDS * 2, _BODY),
                         table, Paragraph(_WORDS, _BODY)])


def _layout(filler_lines: int, sections: int, whole: bool, tmp_path: Path) -> tuple[list, list]:
    """A two-column document: a paragraph of ``filler_lines`` lines, then ``sections``
    KeepTogethers (placed whole, or not); every character's page and box, and the
    KeepTogethers."""
    keeps = [_section(n) for n in range(sections)]
    if whole:
        for keep in keeps:
            place_whole(keep)
    doc = BaseDocTemplate(str(tmp_path / f"doc{whole}.pdf"), pagesize=(400, 300),
                          invariant=1)
    frames = [Frame(20, 20, 170, 260, id="left"), Frame(210, 20, 170, 260, id="right")]
    doc.addPageTemplates([PageTemplate(frames=frames)])
    story = [Paragraph("<br/>".join(["A line above."] * filler_lines), _BODY) if filler_lines
             else Spacer(1, 1), *keeps]
    doc.build(story)
    path = Path(doc.filename)
    pages = len(PdfReader(path).pages)
    boxes = [(page, char, tuple(round(v, 2) for v in vars(box).values()))
             for page in range(pages) for char, box in char_boxes(path, page)]
    return boxes, keeps


@pytest.mark.parametrize("filler_lines, sections", [
    (0, 2),  # at the top of the frame, then one under another (spaces merged)
    (12, 3),  # the second moved on to the next column, the third on the next page
    (3, 1),  # under a paragraph whose space after meets the heading's space before
])
def test_a_keep_together_placed_whole_puts_every_character_where_platypus_does(
        filler_lines, sections, tmp_path):
    apart, _ = _layout(filler_lines, sections, whole=False, tmp_path=tmp_path)
    together, keeps = _layout(filler_lines, sections, whole=True, tmp_path=tmp_path)
    assert together == apart
    assert all(isinstance(keep, PlacedWhole) for keep in keeps)
    assert any(keep._whole is not None for keep in keeps), "none was placed whole"


def test_one_moved_on_that_does_not_fit_the_next_column_either_goes_on_there(tmp_path):
    """Moved on from the foot of one column to a shorter one (the next after it taller), a
    KeepTogether's flowables start in that shorter column and go on into the next; placed
    whole, it must not move on a second time and leave the column empty."""
    def placed(whole: bool) -> list:
        keep = KeepTogether([Paragraph(f"Part {n}. " + _WORDS, _BODY) for n in range(4)])
        if whole:
            place_whole(keep)
        doc = BaseDocTemplate(str(tmp_path / f"moved{whole}.pdf"), pagesize=(400, 600),
                              invariant=1)
        doc.addPageTemplates([PageTemplate(frames=[
            Frame(20, 380, 170, 200, id="first"), Frame(210, 480, 170, 100, id="short"),
            Frame(210, 20, 170, 440, id="tall")])])
        doc.build([Paragraph("<br/>".join(["A line above."] * 9), _BODY), keep])
        path = Path(doc.filename)
        return [(p, c, tuple(round(v, 2) for v in vars(b).values()))
                for p in range(len(PdfReader(path).pages)) for c, b in char_boxes(path, p)]
    apart = placed(False)
    assert placed(True) == apart
    part_one = next(box for _, char, box in apart if char == "P")
    assert 480 <= part_one[1] <= 580, "the flowables start in the short column"


def test_one_taller_than_a_column_is_split_as_a_keep_together_splits(tmp_path):
    """A section taller than a column cannot be placed whole: its flowables go on as they
    would."""
    def tall(whole: bool) -> list:
        keep = KeepTogether([Paragraph(f"Part {n}. " + _WORDS * 3, _BODY) for n in range(6)])
        if whole:
            place_whole(keep)
        doc = BaseDocTemplate(str(tmp_path / f"tall{whole}.pdf"), pagesize=(400, 300),
                              invariant=1)
        doc.addPageTemplates([PageTemplate(frames=[Frame(20, 20, 170, 260)])])
        doc.build([keep])
        path = Path(doc.filename)
        return [(p, c, tuple(round(v, 2) for v in vars(b).values()))
                for p in range(len(PdfReader(path).pages)) for c, b in char_boxes(path, p)]
    assert tall(True) == tall(False)
    assert len({page for page, _, _ in tall(True)}) > 1


def test_a_summarys_outline_names_every_section_heading(tmp_path):
    """The sections placed whole keep their bookmarks: the outline lists the summary's
    headings (its H2 elements) in order."""
    pdf = render_summary({**BASE, "notes": "Walk every day."})
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    structure = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                               text=True, check=True).stdout
    headings = re.findall(r'^\s+H2 \(block\)\n\s+"(.*)"$', structure, re.MULTILINE)
    outline = [item.title for item in PdfReader(io.BytesIO(pdf)).outline
               if not isinstance(item, list)]
    assert len(headings) >= 8
    assert outline == headings
