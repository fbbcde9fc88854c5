"""The brochures carry their message and keep their promises to a reader (issue 23, points 8 to
13), read from the built files: the cover says what decides, a key facts box opens the flap and
the booklet's page 2, the comparison compares how sure we are and who pays, every "call us"
gives the number (and ``brochure check`` says where one does not), other formats have a line of
their own, the inside panels end level (a finding when they do not), the knee drawing's parts
read apart with each leader on its part, and the print file's cover runs past its fold."""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from brochure.checks import contrast
from brochure.model.layout import Layout
from brochure.model.placement import Placement

from .conftest import PROJECT, read_yaml, run_cli
from .test_check_layout import _build, _leaflet, _words

INCH = 72.0
MM = INCH / 25.4
KNEE = PROJECT / "content" / "knee-stem-cell"
EDITIONS = {"en": "", "es": "-es"}
PHONE = "(555) 014-2200"


@functools.cache
def _brand() -> dict:
    """The Harbor kit as the knee is drawn in it: the knee's own colours (its drawing's parts)
    beside the kit's."""
    kit = read_yaml((PROJECT / "content" / "brands" / "harbor.yaml").read_text())
    knee = read_yaml((KNEE / "publication.yaml").read_text())
    return {**kit, "colors": {**kit["colors"], **knee["colors"]}}


def _layout(name: str) -> Layout:
    """The shipped layout holding the knee's sections (as the knee's placement says)."""
    layout = Layout.model_validate(read_yaml((PROJECT / "layouts" / f"{name}.yaml")
                                                  .read_text()))
    placement = Placement.model_validate(read_yaml((KNEE / "placement.yaml").read_text()))
    return layout.placed(placement.panels(name))


def _page_text(path: Path, page: int) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return " ".join(document[page - 1].get_textpage().get_text_range().split())
    finally:
        document.close()


def _lines(path: Path, page: int, left: float, right: float) -> list[tuple[float, str]]:
    """The text lines between ``left`` and ``right`` (points from the page's left), top down:
    (the line's top, its words)."""
    rows: dict[float, list[tuple[float, str]]] = {}
    for word, x0, y0, _x1, _y1 in _words(path, page):
        if left <= x0 < right:
            key = next((k for k in rows if abs(k - y0) < 3), y0)
            rows.setdefault(key, []).append((x0, word))
    return [(top, " ".join(w for _, w in sorted(rows[top]))) for top in sorted(rows)]


# -- 8: the message on the cover, key facts first ----------------------------------------------

@pytest.mark.parametrize("language, message", [
    ("en", "not approved by the FDA and not proven to help"),
    ("es", "No está aprobada por la FDA ni se ha probado que ayude")])
@pytest.mark.parametrize("layout", ["trifold-letter", "trifold-a4", "booklet-letter"])
def test_the_cover_says_what_decides(built, layout, language, message):
    path = built / "knee-stem-cell" / f"{layout}{EDITIONS[language]}.pdf"
    width = _layout(layout).sides[0].panels[-1].width
    cover_left = 0.0 if layout.startswith("booklet") else _layout(layout).page.width - width
    cover = " ".join(text for _, text in _lines(path, 1, cover_left, cover_left + width))
    assert message.lower() in cover.lower().replace("\u00a0", " "), cover


@pytest.mark.parametrize("language, title", [("en", "Key facts"), ("es", "Datos clave")])
@pytest.mark.parametrize("layout, page", [("trifold-letter", 1), ("trifold-a4", 1),
                                          ("booklet-letter", 2)])
def test_a_key_facts_box_of_five_one_line_points_opens_the_flap(built, layout, page, language,
                                                                title):
    """The first text of the flap (the tri-fold's fold-in panel; the booklet's page 2) is the
    box's title, then five points of one line each, before the first heading."""
    path = built / "knee-stem-cell" / f"{layout}{EDITIONS[language]}.pdf"
    flap = _layout(layout).sides[0 if page == 1 else 1].panels[0]
    lines = _lines(path, page, 0, flap.width)
    assert lines[0][1] == title, lines[:8]
    points = [text for _, text in lines[1:6]]
    assert all(text.startswith("•") for text in points), lines[:8]
    assert not lines[6][1].startswith("•"), "each point is one line"
    facts = next(b for b in read_yaml((KNEE / f"publication{'.es' * (language == 'es')}"
                                            ".yaml").read_text())["sections"]["candidates"]
                 if b["type"] == "facts")
    assert [text.lstrip("• ").strip() for text in points] == facts["items"]


# -- 9: a comparison of what decides ----------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "es"])
def test_the_comparison_gives_how_sure_and_who_pays(built, language):
    words = {"en": ("How sure we are that it helps", "Insurance usually pays", "Who usually pays",
                    "Not proven", "Each option gets equal weight"),
             "es": ("¿Está probado que ayuda?", "El seguro suele pagar", "Quién suele pagar",
                    "No probado", "el mismo peso")}[language]
    sure, pays_line, pays_column, unproven, dropped = words
    suffix = EDITIONS[language]
    trifold = _page_text(built / "knee-stem-cell" / f"trifold-letter{suffix}.pdf", 2)
    booklet = _page_text(built / "knee-stem-cell" / f"booklet-letter{suffix}.pdf", 4)
    for text in (trifold, booklet):
        assert sure in text and unproven in text and dropped not in text
    assert pays_line in trifold
    assert pays_column in booklet


# -- 10: every call has the number ---------------------------------------------------------------

@pytest.mark.parametrize("layout, pages, phrase", [
    ("trifold-letter", (1,), "Call us at (555) 014-2200 to book one"),
    ("booklet-letter", (2, 6), PHONE)])
def test_every_call_us_in_the_brochures_has_the_number(built, layout, pages, phrase):
    for page in pages:
        text = _page_text(built / "knee-stem-cell" / f"{layout}.pdf", page)
        for found in re.finditer(r"[Cc]all us", text):
            assert PHONE in text[found.start():found.start() + 120], text
        assert phrase in text


def _shipped(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    for folder in ("content", "layouts"):
        shutil.copytree(PROJECT / folder, root / folder)
    return root


@pytest.mark.parametrize("edition, old, new, call", [
    ("publication.yaml", "Call us at once at {{ phone }} if", "Call us at once if",
     "Call us"),
    ("publication.es.yaml", "Llámenos enseguida al {{ phone }} si", "Llámenos enseguida si",
     "Llámenos")])
def test_a_call_without_the_number_is_a_finding_at_its_block(tmp_path, edition, old, new, call):
    root = _shipped(tmp_path)
    path = root / "content" / "knee-stem-cell" / edition
    text = path.read_text()
    assert old in text.replace("\n        ", " ")
    path.write_text(re.sub(r"\s+".join(map(re.escape, old.split())), new, text))
    result = run_cli("check", "--out", str(tmp_path / "none"), cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    source = path.read_text().splitlines()
    line = next(n for n, t in enumerate(source, 1) if new.split()[0] in t
                and "type: paragraph" in source[n - 3])
    assert (f"content/knee-stem-cell/{edition}:{line - 2}:7: finding: '{call}' asks the reader "
            f"to call, but the block does not give the number: add {PHONE} (the phone number "
            "in brand kit 'harbor') to it") in result.stderr, result.stderr


def test_a_statement_asking_to_call_is_placed_at_the_statement(tmp_path):
    root = _shipped(tmp_path)
    path = root / "content" / "knee-stem-cell" / "publication.yaml"
    path.write_text(path.read_text().replace("Call us at {{ phone }} to\n    book one.",
                                             "Call us to\n    book one."))
    result = run_cli("check", "--out", str(tmp_path / "none"), cwd=root)
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1)
                if t.startswith("  evaluation-first:"))
    assert re.search(rf"publication\.yaml:{line}:\d+: finding: 'Call us' asks the reader to "
                     "call", result.stderr), result.stderr


def test_a_question_naming_a_call_is_no_instruction(built):
    """'Who do I call…?' is a question a reader asks us: the shipped brochures have no
    call finding although they hold it."""
    assert "Who do I call" in _page_text(built / "knee-stem-cell" / "booklet-letter.pdf", 7)
    result = run_cli("check", "--out", str(built))
    assert "asks the reader to call" not in result.stderr, result.stderr


# -- 11: other formats, said plainly ---------------------------------------------------------

def _style_of(path: Path, page: int, words: str) -> tuple[float, int]:
    """(size in points, font weight) of the first letter of ``words`` on a page."""
    document = pdfium.PdfDocument(str(path))
    try:
        textpage = document[page - 1].get_textpage()
        found = textpage.search(words).get_next()
        assert found, words
        index = found[0]
        return (raw.FPDFText_GetFontSize(textpage.raw, index),
                raw.FPDFText_GetFontWeight(textpage.raw, index))
    finally:
        document.close()


@pytest.mark.parametrize("layout, page, words", [
    ("trifold-letter", 1, "Large print, audio and other languages on request: call "
                          "(555) 014-2200."),
    ("trifold-a4", 1, "Large print, audio and other languages on request: call (555) 014-2200."),
    ("booklet-letter", 8, "Large print, audio and other languages on request: call "
                          "(555) 014-2200."),
    ("booklet-letter-es", 8, "Pídalo en letra grande, en audio o en otro idioma: llame al "
                             "(555) 014-2200.")])
def test_other_formats_have_a_bold_line_of_their_own_with_the_number(built, layout, page, words):
    path = built / "knee-stem-cell" / f"{layout}.pdf"
    text = _page_text(path, page)
    assert words in text
    assert text.count(words.split(":")[0]) == 1, "said once, not again in the small print"
    size, weight = _style_of(path, page, words.split(",")[0])
    assert size >= 12 - 0.01 and weight >= 700


# -- 12: balance ------------------------------------------------------------------------------

def test_panels_seen_together_that_end_apart_are_a_finding(tmp_path):
    """Pages 2 and 3 of a leaflet face each other: a short page 3 beside a full page 2 is a
    finding naming both, where each ends, and the layout's limit."""
    root = _leaflet(tmp_path / "uneven", costs=12,
                    top="balance: {min_fill: 0.2, even: 0.5in}")
    pdf = _build(root)
    screen = root / "output" / "leaflet" / "leaflet.pdf"
    result = run_cli("check", str(screen), str(pdf), cwd=root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    uneven = [line for line in result.stderr.splitlines() if "panels seen together" in line]
    assert len(uneven) == 2, result.stderr  # the screen file and the print file
    found = re.search(r"'facts' at ([\d.]+) in, 'costs' at ([\d.]+) in from the page's top, "
                      r"([\d.]+) in apart\); this layout asks for at most 0\.50 in \(balance: "
                      r"even in layout leaflet\)", uneven[0])
    assert found, uneven
    facts, costs, apart = map(float, found.groups())
    lowest = max(w[4] for w in _words(screen, 3) if w[4] < 8.5 * INCH - 0.5 * INCH)
    assert costs == pytest.approx(lowest / INCH, abs=0.1)
    assert apart == pytest.approx(facts - costs, abs=0.011) and apart > 0.5


def test_panels_that_end_within_the_stated_distance_pass(tmp_path):
    root = _leaflet(tmp_path / "even", costs=12, top="balance: {min_fill: 0.2, even: 8in}")
    result = run_cli("check", str(_build(root)), cwd=root)
    assert result.returncode == 0, result.stderr


def test_the_shipped_layouts_ask_for_even_panels_and_fuller_ones():
    for name in ("trifold-letter", "trifold-a4", "booklet-letter"):
        layout = _layout(name)
        assert layout.balance.min_fill == 0.85
        assert layout.balance.even == pytest.approx(0.5 * INCH)
    groups = [[p.name for p in group] for group in _layout("trifold-letter").seen_together()]
    assert groups == [["inside-left", "inside-middle", "inside-right"]]
    groups = [[p.name for p in group] for group in _layout("booklet-letter").seen_together()]
    assert groups == [["right-for-you", "what-it-is"], ["compare", "the-day"]]


def test_the_knee_drawings_labelled_parts_read_apart():
    colours = _brand()["colors"]
    assert contrast(colours["cartilage"]["rgb"], colours["meniscus"]["rgb"]) >= 3


@pytest.mark.parametrize("edition", ["publication.yaml", "publication.es.yaml"])
def test_each_leader_of_the_knee_drawing_ends_on_its_part(tmp_path, edition):
    """The drawing rendered alone: just past the end of each leader (beyond the line's own
    ink) is the colour of the part the label names."""
    from reportlab.pdfgen.canvas import Canvas

    from brochure.model.art import Art, Label
    from brochure.model.brand import Brand
    from brochure.render.art import drawing
    from brochure.render.colours import Palette
    from brochure.render.fonts import register_fonts

    publication = read_yaml((KNEE / edition).read_text())
    art = Art.model_validate(publication["art"]["knee"])
    brand = Brand.model_validate(_brand())
    fonts = register_fonts(brand.fonts)
    scale = 4.0
    picture = drawing(art, art.width * scale, Palette(brand, "rgb"), fonts.body.regular,
                      bold=fonts.body.bold)
    path = tmp_path / "knee.pdf"
    canvas = Canvas(str(path), pagesize=(picture.width, picture.height))
    picture.drawOn(canvas, 0, 0)
    canvas.save()
    document = pdfium.PdfDocument(str(path))
    image = document[0].render(scale=1).to_pil().convert("RGB")
    document.close()
    parts = {"Thigh bone": "bone", "Shin bone": "bone", "Meniscus": "meniscus",
             "Cartilage": "cartilage", "Fémur": "bone", "Tibia": "bone", "Menisco": "meniscus",
             "Cartílago": "cartilage"}
    labels = [shape for shape in art.shapes if isinstance(shape, Label) and shape.leader]
    assert len(labels) == 4
    for label in labels:
        x1, y1, x2, y2 = label.leader
        step = 1.5 / max(abs(x2 - x1), abs(y2 - y1))  # 1.5 view-box units past the end
        x, y = x2 + (x2 - x1) * step, y2 + (y2 - y1) * step
        pixel = image.getpixel((round(x * image.width / art.width),
                                round(y * image.height / art.height)))
        wanted = _brand()["colors"][parts[str(label.text)]]["rgb"]
        assert _close(pixel, wanted), (label.text, pixel, wanted)
        others = {name for name in parts.values() if name != parts[str(label.text)]}
        for dx, dy in ((0, -3), (0, 3), (-3, 0), (3, 0), (-3, -3), (3, -3), (-3, 3), (3, 3)):
            near = image.getpixel((round((x2 + dx) * image.width / art.width),
                                   round((y2 + dy) * image.height / art.height)))
            assert not any(_close(near, _brand()["colors"][name]["rgb"]) for name in others), \
                (label.text, "ends next to another part", dx, dy, near)


def _close(pixel: tuple[int, int, int], hex_colour: str) -> bool:
    wanted = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return all(abs(a - b) <= 12 for a, b in zip(pixel, wanted, strict=True))


# -- 13: print ------------------------------------------------------------------------------------

def _pixel(path: Path, page: int, x: float, y: float, dpi: int = 150) -> tuple[int, int, int]:
    """The colour at (x, y) points from the page's top-left (the media box)."""
    document = pdfium.PdfDocument(str(path))
    try:
        image = document[page - 1].render(scale=dpi / INCH).to_pil().convert("RGB")
    finally:
        document.close()
    return image.getpixel((round(x * dpi / INCH), round(y * dpi / INCH)))


@pytest.mark.parametrize("layout", ["trifold-letter", "trifold-a4"])
def test_the_covers_colour_runs_past_its_fold_in_print_only(built, layout):
    from pypdf import PdfReader

    shape = _layout(layout)
    fold = shape.page.width - shape.sides[0].panels[-1].width
    printed = built / "knee-stem-cell" / f"{layout}-print.pdf"
    sheet = PdfReader(printed).pages[0]
    left = float(sheet.trimbox.left)
    top = float(sheet.mediabox.top) - float(sheet.trimbox.top)
    middle = top + shape.page.height / 2
    teal = _brand()["colors"]["primary"]["rgb"]
    inside = _pixel(printed, 1, left + fold - 1.0 * MM, middle)
    beyond = _pixel(printed, 1, left + fold - 2.5 * MM, middle)
    screen = _pixel(built / "knee-stem-cell" / f"{layout}.pdf", 1, fold - 1.0 * MM,
                    shape.page.height / 2)
    assert _close(inside, teal) or sum(inside) < 3 * 120, inside  # CMYK shown as RGB: dark
    assert min(beyond) > 240 and min(screen) > 240, (beyond, screen)


def _qr_sides(path: Path) -> list[float]:
    """The side, in inches, of every QR code's modules (its quiet zone aside): paths of many
    segments whose bounds are square."""
    document = pdfium.PdfDocument(str(path))
    try:
        sides = []
        for page in document:
            for obj in page.get_objects(max_depth=8):
                if obj.type != raw.FPDF_PAGEOBJ_PATH:
                    continue
                if raw.FPDFPath_CountSegments(obj.raw) < 200:
                    continue
                left, bottom, right, top = obj.get_bounds()
                if abs((right - left) - (top - bottom)) < 2:
                    sides.append((right - left) / INCH)
        return sides
    finally:
        document.close()


@pytest.mark.parametrize("name", ["trifold-letter", "trifold-a4", "booklet-letter",
                                  "trifold-letter-es", "trifold-letter-print"])
def test_qr_codes_are_at_least_0_8_in_wide_without_their_quiet_zone(built, name):
    sides = _qr_sides(built / "knee-stem-cell" / f"{name}.pdf")
    assert len(sides) == 1, sides
    assert sides[0] >= 0.8, sides
