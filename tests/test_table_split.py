"""A data table that does not fit the room left in a column goes on in the next one, between
two of its rows, when that room is at least the layout's share of its section
(``columns.goes_on``): under its section's heading said again and its header row said again,
both drawn as decoration (the structure has them once), with at least ``columns.least_rows``
body rows on each side, and its caption kept with its last row.

PRP's less-likely summary left about 2.5 inches empty at the foot of page 1's right column
before: "How it compares" moved to page 2 whole."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader

from brochure.render import continued
from brochure.render.backend.layout import table_cells
from brochure.render.blocks import TaggedTable
from brochure.summaries import render_summary

from .conftest import PROJECT, edit_once, read_yaml
from .pdf import mark_names
from .pdf import texts as pdf_texts
from .test_tagging import _walk, struct_text

PRP = PROJECT / "content/prp-tennis-elbow"
TEXT = read_yaml((PRP / "summary.yaml").read_text())["languages"]["en"]
TABLE = next(b for b in read_yaml((PRP / "publication.yaml").read_text())["sections"]["options"]
             if b["type"] == "table")
HEADING = "How it compares"
AGAIN = f"{HEADING} {TEXT['continued']}"


def _record() -> dict:
    return read_yaml((PRP / "patients/less-likely.yaml").read_text())


def _opens(page: str, words: str) -> bool:
    """Whether ``page`` (after page 2's running band: the title, the patient's name and date
    of birth) opens with ``words``."""
    return re.fullmatch(r"[^·]+·\s*\S+\s+[\d/.]+ ", page.split(words, 1)[0]) is not None


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_summary(_record())


def _text_objects(pdf: bytes, page: int, word: str) -> list[tuple[list[str], float]]:
    """The marks and left edge of each text object on ``page`` whose text holds ``word``."""
    document = pdfium.PdfDocument(pdf)
    try:
        textpage = document[page].get_textpage()
        found = []
        for obj in document[page].get_objects(max_depth=4):
            if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
                continue
            left, bottom, right, top = obj.get_bounds()
            if word in textpage.get_text_bounded(left, bottom, right, top):
                found.append((mark_names(obj), left))
        return found
    finally:
        document.close()


def test_the_table_starts_at_the_foot_of_page_one_and_goes_on_overleaf(pdf):
    one, two = pdf_texts(pdf)[:2]
    rows = [row[0] for row in TABLE["rows"]]
    assert HEADING in one and AGAIN not in one
    before = one.split(HEADING, 1)[1]
    assert TABLE["columns"][0] in before
    shown = [row for row in rows if row in before]
    assert shown == rows[:len(shown)] and 2 <= len(shown) <= len(rows) - 2, shown
    assert TABLE["caption"] not in one
    assert _opens(two, f"{AGAIN} {TABLE['columns'][0]}"), two[:120]
    rest = two.split(TABLE["caption"], 1)[0]
    assert all(row in rest for row in rows[len(shown):]), rest
    assert not any(row in rest for row in shown), "no row is said twice"


def test_the_header_and_heading_said_again_are_artifacts(pdf):
    page_one = _text_objects(pdf, 0, TABLE["columns"][0])
    assert page_one and not any("Artifact" in marks for marks, _ in page_one), page_one
    page_two = _text_objects(pdf, 1, TABLE["columns"][0])
    assert page_two and all("Artifact" in marks for marks, _ in page_two), page_two
    again = _text_objects(pdf, 1, TEXT["continued"].strip("()"))
    assert again and all("Artifact" in marks for marks, _ in again), again


def test_the_structure_has_the_table_once_with_one_header_row(pdf, tmp_path):
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"].get_object()
    tables = [e for e in _walk(root) if e["/S"] == "/Table"]
    comparison = [t for t in tables if len([e for e in _walk(t) if e["/S"] == "/TR"]) ==
                  len(TABLE["rows"]) + 1]
    assert len(comparison) == 1, "one Table element, every row once"
    rows = [e for e in _walk(comparison[0]) if e["/S"] == "/TR"]
    header_rows = [row for row in rows
                   if all(cell["/S"] == "/TH" for cell in _walk(row) if "/S" in cell)]
    assert header_rows == rows[:1]
    spoken = struct_text(pdf, tmp_path)
    assert spoken.count(TABLE["columns"][1].replace(" ", "")) == 1
    assert spoken.count(HEADING.replace(" ", "")) == 1


def test_the_caption_stays_with_the_last_row(pdf):
    pages = pdf_texts(pdf)
    on = [n for n, text in enumerate(pages) if TABLE["caption"] in text]
    assert len(on) == 1 and TABLE["rows"][-1][0] in pages[on[0]].split(TABLE["caption"])[0]


def test_a_table_keeps_the_layouts_least_rows_on_each_side(project):
    """``columns.least_rows`` larger than half the table's rows: no split leaves enough on
    both sides, and the section moves on whole, as before (the least is the layout's)."""
    from brochure.project import load_project

    rows = len(TABLE["rows"])
    edit_once(project, "layouts/summary-letter.yaml", "least_rows: 2", f"least_rows: {rows}")
    one, two = pdf_texts(render_summary(_record(), project=load_project(project)))[:2]
    assert HEADING not in one and AGAIN not in two
    assert _opens(two, f"{HEADING} {TABLE['columns'][0]}"), two[:120]


def test_a_static_tables_pieces_are_drawn_once_then_replayed(monkeypatch):
    """The comparison table is the same in every summary: the pieces of its split are
    recorded like the whole table, so a later summary that splits it where an earlier one did
    replays them (drawing them afresh cost every such summary about a tenth of its time), and
    finds where it splits from the rows' heights kept with them (copying and splitting the
    table again cost a further 3 %)."""
    first = render_summary(_record())
    drawn: list[str] = []
    original = TaggedTable.draw

    def noted(table):
        drawn.append(_cell_text(table_cells(table)[0][0]))
        return original(table)
    monkeypatch.setattr(TaggedTable, "draw", noted)
    copies: list[object] = []
    own = continued._own
    monkeypatch.setattr(continued, "_own", lambda table: copies.append(table) or own(table))
    again = render_summary(_record())
    assert again == first
    assert TABLE["columns"][0] not in drawn, drawn
    assert not copies  # nor copied and split again: where it splits is known


def _cell_text(cell) -> str:
    """A table cell's text (a paragraph, a list of them, or plain text)."""
    items = cell if isinstance(cell, (list, tuple)) else [cell]
    return " ".join(getattr(item, "getPlainText", lambda i=item: str(i))() for item in items)


def test_a_table_is_measured_once_per_width(monkeypatch):
    """A table's sizes depend on the width alone: measured when its KeepTogether is measured,
    they are not measured again when it is placed (each measure wraps every cell); a split,
    or another width, measures again."""
    from reportlab.platypus import Paragraph, Table
    from reportlab.platypus.tables import Table as PlatypusTable

    from brochure.render.blocks import TaggedTable as Made

    calls: list[float] = []
    original = PlatypusTable._calc

    def counted(table, width, height):
        calls.append(width)
        return original(table, width, height)
    monkeypatch.setattr(PlatypusTable, "_calc", counted)
    table = Made([[Paragraph(f"row {n}"), Paragraph("a value")] for n in range(6)],
                 colWidths=[100, 100])
    assert isinstance(table, Table)
    first = table.wrap(200, 500)
    assert table.wrap(200, 300) == first and calls == [200]
    table.wrap(180, 300)
    assert calls == [200, 180]
    table.split(180, 40)
    table.wrap(180, 300)
    assert calls == [200, 180, 180, 180]
