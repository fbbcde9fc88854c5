"""Reading the summary: short lines, a bold name that stays bold in any script, and few box
styles with room around each box. Everything is measured on the real PDF: lines and positions
with poppler's ``pdftotext -bbox-layout``, fonts with pypdf, boxes from the page's drawing."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from pypdf import PdfReader

from brochure.candidacy import assess
from brochure.project import load_project
from brochure.records import to_record
from brochure.render.summary import render_summary_pdf
from brochure.summaries import summary_kit

from .conftest import PROJECT, examples, read_yaml
from .test_two_pages import records

LONGEST_LINE = 75
"""Characters a line of the summary's text may hold at most (older readers lose their place
on longer lines)."""
PATIENTS = sorted((PROJECT / "content/patients").glob("*.yaml"))
GOOD = PROJECT / "content/patients/good-candidate.yaml"
PAPERS = ("summary-letter", "summary-a4")


@cache
def _kit(paper: str):
    """The summary kit on one paper size (the brand picks Letter; A4 is the same kit with the
    A4 layout)."""
    kit = summary_kit()
    if paper == kit.layout.name:
        return kit
    return dataclasses.replace(kit, layout=load_project(PROJECT).summary_layouts[paper].model)


def _render(record: dict, paper: str = "summary-letter") -> bytes:
    kit = _kit(paper)
    shaped = to_record(record)
    return render_summary_pdf(kit, shaped, assess(shaped, kit.rules)).pdf


@cache
def _shipped(path: Path, language: str, paper: str) -> bytes:
    """A shipped record's summary (rendered once for this file's tests)."""
    return _render({**read_yaml(path.read_text()), "language": language}, paper)


def _layout(paper: str) -> dict:
    return read_yaml((PROJECT / f"layouts/{paper}.yaml").read_text())


def _inches(value) -> float:
    text = str(value)
    return float(text[:-2]) * 72 if text.endswith("in") else (
        float(text[:-2]) * 72 / 25.4 if text.endswith("mm") else float(text))


def text_lines(pdf: bytes) -> list[tuple[int, float, float, float, str]]:
    """Every line of text as a reader meets it: (page, left, top, bottom, text). pdftotext's
    lines are cut where words stand further apart than the line is high: that is a column's
    gutter or a table's cell edge, and the text on either side is read as its own line."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", "-", "-"], input=pdf,
                         capture_output=True, check=True).stdout.decode()
    found = []
    for number, page in enumerate(xml.split("<page ")[1:], 1):
        for line in re.findall(r"<line[^>]*>(.*?)</line>", page, flags=re.S):
            run: list[tuple[float, float, float, float, str]] = []
            for word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                                   r'yMax="([\d.]+)">([^<]*)</word>', line):
                left, top, right, bottom = map(float, word[:4])
                if run and left - run[-1][2] > bottom - top:
                    found.append(_joined(number, run))
                    run = []
                run.append((left, top, right, bottom, html.unescape(word[4])))
            if run:
                found.append(_joined(number, run))
    return found


def _joined(page: int, run: list) -> tuple[int, float, float, float, str]:
    return (page, run[0][0], min(w[1] for w in run), max(w[3] for w in run),
            " ".join(w[4] for w in run))


def body_lines(pdf: bytes, paper: str) -> list[tuple[int, float, float, float, str]]:
    """The lines between the header band and the footer rule: the page furniture (title band,
    running name, confidentiality line, leaflet code, page number) is left out; table cells
    are not: each cell's line counts as a line."""
    layout = _layout(paper)
    height = _inches(layout["page"]["height"])
    footer_top = height - _inches(layout["margins"]["bottom"]) - _inches(
        layout["footer"]["height"])
    header = {1: _inches(layout["header"]["height"]), 2: _inches(layout["header"]["later_height"])}
    return [line for line in text_lines(pdf)
            if header.get(line[0], 0) < line[2] and line[3] < footer_top]


def _longest(pdf: bytes, paper: str) -> tuple[int, str]:
    return max((len(text), text) for *_, text in body_lines(pdf, paper))


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("path", PATIENTS, ids=[p.stem for p in PATIENTS])
def test_no_line_of_a_shipped_summary_holds_more_than_75_characters(path: Path, language, paper):
    """Every verdict, the override and the worst case, in both languages, on both papers."""
    length, text = _longest(_shipped(path, language, paper), paper)
    assert length <= LONGEST_LINE, f"{length} characters: {text!r}"
    assert length >= 40, "the measure found the text's lines"


@settings(max_examples=examples(6), deadline=None, suppress_health_check=list(HealthCheck))
@given(records())
def test_no_line_of_any_summary_holds_more_than_75_characters(record):
    """The two-page strategy's records (long names, notes and reasons, every verdict, both
    languages) keep the measure too, on both papers. A line of one unbroken "word" (200 W's)
    is cut by the width, not the measure; its letters are wide, so it stays short too."""
    for paper in PAPERS:
        length, text = _longest(_render(record, paper), paper)
        assert length <= LONGEST_LINE, f"{paper}: {length} characters: {text!r}"


# -- a fallback font keeps the weight and slant of the text around it ---------------------------

VIETNAMESE = "Nguyễn Thị Mai"
"""A name with letters the body font (Atkinson Hyperlegible) lacks: ễ and ị come from the
fallback family (Noto Sans)."""


def _fonts_of(pdf: bytes, page: int, needle: str) -> list[tuple[str, str]]:
    """(character, font name without its subset tag) for each character where ``needle`` is
    first printed on ``page`` (0-based), as pdfium reads the page's text runs."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(pdf)
    try:
        text = document[page].get_textpage()
        hit = text.search(needle, match_case=True).get_next()
        assert hit, f"{needle!r} is not printed on page {page + 1}"
        found = []
        for i in range(hit[0], hit[0] + hit[1]):
            buffer = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            pdfium_c.FPDFText_GetFontInfo(text.raw, i, buffer, 256, ctypes.byref(flags))
            found.append((text.get_text_range(i, 1), buffer.value.decode().split("+")[-1]))
        return [(char, font) for char, font in found if char.strip()]
    finally:
        document.close()


def test_the_body_font_really_lacks_the_names_letters():
    from brochure.render.fonts import coverage
    fonts = summary_kit().fonts
    for face in (fonts.body.regular, fonts.body.bold):
        assert {ord("ễ"), ord("ị")} - coverage(face) == {ord("ễ"), ord("ị")}


def test_a_bold_name_keeps_its_weight_in_the_fallback_font():
    """The patient line sets the name in bold, and page 2's running header in the bold
    heading style: the letters drawn from the fallback font are its bold face too."""
    record = {**read_yaml((PROJECT / "content/patients/good-candidate.yaml").read_text()),
              "name": VIETNAMESE}
    pdf = _render(record)
    for page in (0, 1):
        runs = _fonts_of(pdf, page, VIETNAMESE)
        assert {font for c, font in runs if c in "ễị"} == {"NotoSans-Bold"}, runs
        assert {font for c, font in runs if c not in "ễị"} == {"AtkinsonHyperlegible-Bold"}


@pytest.mark.parametrize("markup, face", [
    ("ễ", "NotoSans-Regular"), ("<b>ễ</b>", "NotoSans-Bold"), ("<i>ễ</i>", "NotoSans-Italic"),
    ("<b><i>ễ</i></b>", "NotoSans-BoldItalic")])
def test_a_fallback_letter_takes_the_weight_and_slant_of_its_emphasis(tmp_path, markup, face):
    from io import BytesIO

    from reportlab.platypus import SimpleDocTemplate

    from brochure.render.paragraphs import fresh

    kit = summary_kit()
    out = BytesIO()
    SimpleDocTemplate(out, invariant=1).build([fresh(f"A{markup}", kit.styles["body"])])
    assert [font for char, font in _fonts_of(out.getvalue(), 0, "Aễ") if char == "ễ"] == [face]


# -- few box styles, with room around every box ---------------------------------------------------

def _rgb(raw, obj, getter) -> tuple[int, int, int]:
    import ctypes
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    getter(obj, r, g, b, a)
    return r.value, g.value, b.value


def boxes_on(pdf: bytes) -> list[dict]:
    """Every box on every page, as drawn: a filled rectangle with a bar down its left edge.
    Each has its page, bounds (PDF points, y up), fill and bar colour, whether it is outlined,
    the colour most of its text is in, its text, and the gaps (points) to the nearest text
    above and below it in its column, and to the footer's rule."""
    import ctypes
    from collections import Counter

    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    found = []
    document = pdfium.PdfDocument(pdf)
    try:
        for number, page in enumerate(document):
            fills, strokes = [], []
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
                fill, stroke = ctypes.c_int(), ctypes.c_int()
                pdfium_c.FPDFPath_GetDrawMode(obj.raw, fill, stroke)
                bounds = obj.get_bounds()
                if fill.value:
                    fills.append((bounds, _rgb(pdfium, obj.raw, pdfium_c.FPDFPageObj_GetFillColor)))
                if stroke.value:
                    strokes.append((bounds, _rgb(pdfium, obj.raw,
                                                 pdfium_c.FPDFPageObj_GetStrokeColor)))
            text = page.get_textpage()
            chars = []
            for i in range(text.count_chars()):
                char = text.get_text_range(i, 1)
                if char.strip():
                    colour = [ctypes.c_uint() for _ in range(4)]
                    pdfium_c.FPDFText_GetFillColor(text.raw, i, *colour)
                    chars.append((char, text.get_charbox(i),
                                  tuple(c.value for c in colour[:3])))
            for (left, bottom, right, top), colour in fills:
                if right - left < 100 or top - bottom < 12:
                    continue
                bars = [c for (l2, b2, r2, t2), c in strokes if r2 - l2 < 8 and
                        abs((l2 + r2) / 2 - left) < 3 and b2 < top and t2 > bottom]
                if not bars:
                    continue  # a table's row, the header band: no box
                outlined = all(any(abs(l2 - left) < 3 and abs(r2 - right) < 3
                                   and abs((b2 + t2) / 2 - y) < 2
                                   for (l2, b2, r2, t2), _ in strokes) for y in (top, bottom))
                inside = [(c, col) for c, (x0, y0, x1, y1), col in chars
                          if left <= (x0 + x1) / 2 <= right and bottom <= (y0 + y1) / 2 <= top]
                column = [(y0, y1) for c, (x0, y0, x1, y1), col in chars
                          if x1 > left and x0 < right and not (bottom <= (y0 + y1) / 2 <= top)]
                above = [y0 - top for y0, y1 in column if y0 >= top - 1]
                below = [bottom - y1 for y0, y1 in column if y1 <= bottom + 1]
                found.append({
                    "page": number + 1, "bounds": (left, bottom, right, top), "fill": colour,
                    "bar": bars[0], "outlined": outlined,
                    "text_colour": Counter(col for _, col in inside).most_common(1)[0][0]
                    if inside else None,
                    "text": "".join(c for c, _ in inside),
                    "above": min(above, default=None), "below": min(below, default=None)})
    finally:
        document.close()
    return found


def _look(box: dict) -> tuple:
    return box["fill"], box["bar"], box["outlined"], box["text_colour"]


@cache
def _next_step_label(language: str) -> str:
    texts = read_yaml((PROJECT / "content/knee-stem-cell/summary.yaml").read_text())
    label = next(b for b in texts["languages"][language]["blocks"]
                 if b["type"] == "bottom_line")["next_step_label"]
    return "".join(label.split())


def _verdict_box(box: dict, language: str) -> bool:
    """The bottom line's box (the verdict's look): it holds the next step."""
    return _next_step_label(language) in box["text"]


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("path", PATIENTS, ids=[p.stem for p in PATIENTS])
def test_besides_the_bottom_line_two_box_styles_with_room_around_each_box(path, language, paper):
    layout = _layout(paper)
    space = float(layout["box_space"])
    footer_rule = _inches(layout["margins"]["bottom"]) + _inches(layout["footer"]["height"])
    boxes = boxes_on(_shipped(path, language, paper))
    others = [box for box in boxes if not _verdict_box(box, language)]
    assert len(others) == len(boxes) - 1, "the bottom line's box is found"
    assert len({_look(box) for box in others}) <= 2, {_look(box) for box in others}
    for box in boxes:
        where = f"page {box['page']}, box {box['text'][:30]!r}"
        for side in ("above", "below"):
            if box[side] is not None:
                assert box[side] >= space - 0.5, f"{where}: {box[side]:.1f} pt to the text {side}"
        assert box["bounds"][1] - footer_rule >= space - 0.5, f"{where}: at the footer's rule"


def test_the_summary_boxes_take_the_brands_box_styles_by_name():
    """The layout names the brand's box style of the summary's own boxes; a name the brand
    does not have is an error that says which names it has (never a KeyError)."""
    from brochure.errors import BrochureError

    kit = summary_kit()
    assert set(kit.layout.boxes.values()) <= set(kit.brand.boxes)
    layout = kit.layout.model_copy(update={"boxes": {**kit.layout.boxes, "patient": "nope"}})
    broken = dataclasses.replace(kit, layout=layout)
    record = to_record(read_yaml(GOOD.read_text()))
    with pytest.raises(BrochureError, match=r"'nope'.*not one of the brand's boxes: evidence"):
        render_summary_pdf(broken, record, assess(record, kit.rules))


def test_columns_after_a_block_the_summary_lacks_start_at_the_top():
    """A layout whose columns follow a block type the text does not have sets every block in
    the columns (later pages are columns): two pages, no line past the measure."""
    kit = summary_kit()
    columns = kit.layout.columns.model_copy(update={"after": "no_such_block"})
    layout = kit.layout.model_copy(update={"columns": columns})
    odd = dataclasses.replace(kit, layout=layout)
    record = to_record(read_yaml(GOOD.read_text()))
    pdf = render_summary_pdf(odd, record, assess(record, kit.rules)).pdf
    assert _longest(pdf, "summary-letter")[0] <= LONGEST_LINE
    assert len(PdfReader(BytesIO(pdf)).pages) == 2
