"""Figures that explain and a cover that speaks to its reader (issue 12, items 7 and 8):
the knee drawing's parts are named by labels that are real text (extractable, at least 11 pt,
read aloud through the figure's alternative text); its caption keeps the layout's gap below
the drawing; the cover carries one line under its title, a drawing of a person walking, and a
Spanish title that never leaves "rodilla" alone on its last line. Measured on the built PDFs."""

from __future__ import annotations

import ctypes
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest
from pypdf import PdfReader

from brochure.checks import contrast

from .conftest import PROJECT, read_yaml, run_cli
from .pdf import mark_names

LAYOUTS = ["trifold-letter", "trifold-a4", "booklet-letter"]
LABELS = {"en": ["Thigh bone", "Shin bone", "Cartilage", "Meniscus"],
          "es": ["Fémur", "Tibia", "Cartílago", "Menisco"]}
CAPTIONS = {"en": "A right knee from the front", "es": "Rodilla derecha, de frente"}
PUBLICATION = "content/knee-stem-cell/publication.yaml"
MIN_LABEL_SIZE = 11.0


def _pdf(built: Path, layout: str, language: str, variant: str = "") -> Path:
    suffix = "" if language == "en" else f"-{language}"
    return built / "knee-stem-cell" / f"{layout}{suffix}{variant}.pdf"


def _layout(name: str) -> dict:
    return read_yaml((PROJECT / "layouts" / f"{name}.yaml").read_text())


def _page_with(path: Path, needle: str) -> int:
    """The 0-based number of the first page whose text (pdftotext) holds ``needle``."""
    pages = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, text=True).stdout.splitlines()
        if line.startswith("Pages:")))
    for number in range(1, pages + 1):
        if needle in _pdftotext(path, number):
            return number - 1
    raise AssertionError(f"{needle!r} is on no page of {path.name}")


def _pdftotext(path: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def _chars(path: Path, page: int) -> list[tuple[str, float, tuple[float, float, float, float]]]:
    """(character, font size, box) of every character pdfium finds on a page."""
    document = pdfium.PdfDocument(str(path))
    try:
        text = document[page].get_textpage()
        return [(text.get_text_range(i, 1), raw.FPDFText_GetFontSize(text.raw, i),
                 text.get_charbox(i)) for i in range(text.count_chars())]
    finally:
        document.close()


def _runs(chars, needle: str):
    """Each place ``needle`` is spelled out in ``chars``: its characters."""
    text = "".join(c for c, _, _ in chars)
    start = text.find(needle)
    while start >= 0:
        yield chars[start:start + len(needle)]
        start = text.find(needle, start + 1)


def _bounds(obj) -> tuple[float, float, float, float]:
    values = [ctypes.c_float() for _ in range(4)]
    raw.FPDFPageObj_GetBounds(obj.raw, *(ctypes.byref(v) for v in values))
    return tuple(v.value for v in values)


def _figure_paths(path: Path, page: int) -> list[tuple[float, float, float, float]]:
    """Bounds of every path drawn as part of a Figure (tagged content) on a page."""
    document = pdfium.PdfDocument(str(path))
    try:
        return [_bounds(obj) for obj in document[page].get_objects()
                if obj.type == raw.FPDF_PAGEOBJ_PATH and "Figure" in mark_names(obj)]
    finally:
        document.close()


# -- item 7: the knee figure ----------------------------------------------------------------

@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_knee_parts_are_labelled_in_text_of_at_least_11_pt(built, layout, language):
    pdf = _pdf(built, layout, language)
    page = _page_with(pdf, CAPTIONS[language])
    text = _pdftotext(pdf, page + 1)
    chars = _chars(pdf, page)
    paths = _figure_paths(pdf, page)
    bottom, top = min(b[1] for b in paths), max(b[3] for b in paths)
    for label in LABELS[language]:
        assert label in text, f"{label!r} is not text on the figure's page"
        inside = [run for run in _runs(chars, label)
                  if all(bottom <= (box[1] + box[3]) / 2 <= top for c, _, box in run
                         if c.strip())]
        assert len(inside) == 1, f"{label!r} is set once in the drawing"
        sizes = [size for c, size, _ in inside[0] if c.strip()]
        assert min(sizes) >= MIN_LABEL_SIZE, (label, min(sizes))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_caption_keeps_the_layouts_gap_below_the_drawing(built, layout, language):
    pdf = _pdf(built, layout, language)
    page = _page_with(pdf, CAPTIONS[language])
    chars = _chars(pdf, page)
    caption = next(_runs(chars, CAPTIONS[language]))
    caption_top = max(box[3] for c, _, box in caption if c.strip())
    left = min(box[0] for c, _, box in caption if c.strip())
    right = max(box[2] for c, _, box in caption if c.strip())
    drawn = [b for b in _figure_paths(pdf, page) if b[2] > left and b[0] < right]
    assert drawn, "the figure's paths are tagged as a Figure"
    drawing_bottom = min(b[1] for b in drawn)
    gap = _layout(layout)["spacing"]["caption_gap"]
    assert gap >= 4, "the layout asks for a real gap"
    assert caption_top <= drawing_bottom - gap, (
        f"{drawing_bottom - caption_top:.1f} pt between drawing and caption; "
        f"the layout asks for {gap}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_figures_alternative_text_names_every_label(built, language):
    """A screen reader reads the Figure's Alt, not the words placed in the picture: the
    labels' names are in it, in the edition's language."""
    pdf = _pdf(built, "trifold-letter", language)
    root = PdfReader(pdf).trailer["/Root"]["/StructTreeRoot"].get_object()
    alts = [str(e["/Alt"]) for e in _walk(root) if e.get("/S") == "/Figure" and "/Alt" in e]
    knee = [alt for alt in alts if LABELS[language][0].casefold() in alt.casefold()]
    assert knee, alts
    for label in LABELS[language]:
        assert label.casefold() in knee[0].casefold(), label


def _walk(element):
    element = element.get_object()
    yield element
    kids = element.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if hasattr(kid, "get") and kid.get("/S") is not None:
            yield from _walk(kid)


def test_labels_print_in_solid_black(built):
    """Small text in a print file is one solid ink: the labels (12 pt, in the kit's dark
    teal, a four-ink mix) print in 100 % K."""
    pdf = _pdf(built, "trifold-letter", "en", "-print")
    reader = PdfReader(pdf)
    page = reader.pages[_page_with(pdf, CAPTIONS["en"])]
    fill: list[tuple[float, ...]] = [()]
    shown: list[tuple[str, tuple[float, ...]]] = []

    def before(operator, operands, cm, tm):
        if operator == b"k":
            fill[0] = tuple(float(v) for v in operands)

    def on_text(text, cm, tm, font, size):
        if text.strip():
            shown.append((text, fill[0]))

    page.extract_text(visitor_operand_before=before, visitor_text=on_text)
    for label in LABELS["en"]:
        colours = {colour for text, colour in shown if label in text}
        assert colours == {(0.0, 0.0, 0.0, 1.0)}, (label, colours)


def test_shipped_labels_meet_text_contrast_on_what_they_sit_on():
    brand = read_yaml((PROJECT / "content/brands/harbor.yaml").read_text())
    colours = brand["colors"]
    for name in ("publication.yaml", "publication.es.yaml"):
        art = read_yaml((PROJECT / "content/knee-stem-cell" / name).read_text())["art"]
        labels = [s for a in art.values() for s in a["shapes"] if s["type"] == "label"]
        assert len(labels) == 4
        for label in labels:
            assert label["size"] >= MIN_LABEL_SIZE
            ratio = contrast(colours[label["color"]]["rgb"], colours[label["background"]]["rgb"])
            assert ratio >= 4.5, (label["text"], ratio)


def test_art_whose_alternative_text_misses_a_label_is_a_positioned_error(project):
    path = project / PUBLICATION
    text = path.read_text()
    path.write_text(text.replace("Labels: thigh bone, shin bone, meniscus,\n      cartilage.",
                                 "Labels: the bones.", 1).replace(
        "Labelled drawing of a right knee seen from the front. The thigh bone",
        "Labelled drawing of a right knee seen from the front. The upper bone", 1))
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    line = text[: text.index("  knee:\n")].count("\n") + 2
    assert f"{PUBLICATION}:{line}:" in result.stderr, result.stderr
    assert "must name every label; it does not mention 'Thigh bone'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_label_in_a_colour_the_brand_lacks_is_a_positioned_error(project):
    path = project / PUBLICATION
    text = path.read_text()
    old = "text: Meniscus, x: 188, y: 112, leader: [184, 108, 164, 108], bold: true, size: 12, " \
          "color: deep"
    assert old in text
    path.write_text(text.replace(old, old.replace("color: deep", "color: deeep"), 1))
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    line = text[: text.index(old)].count("\n") + 1
    assert f"{PUBLICATION}:{line}:" in result.stderr, result.stderr
    assert "unknown colour 'deeep'; did you mean 'deep'?" in result.stderr, result.stderr


def test_a_label_without_contrast_on_its_background_is_a_finding(project):
    path = project / PUBLICATION
    text = path.read_text()
    old = "text: Shin bone, x: 156, y: 190, leader: [152, 186, 134, 186], bold: true, size: 12, " \
          "color: deep"
    assert old in text
    path.write_text(text.replace(old, old.replace("color: deep", "color: rule"), 1))
    result = run_cli("check", cwd=project)
    assert result.returncode == 1, result.stderr
    line = text[: text.index(old)].count("\n") + 1
    assert f"{PUBLICATION}:{line}:" in result.stderr, result.stderr
    assert "label text 'rule' on 'tint' has a contrast of 1.24:1; at least 4.5:1" \
        in result.stderr, result.stderr


def test_a_label_character_the_body_font_lacks_is_a_finding(project):
    """Labels are set in the body font alone: a character only a fallback font has (Vietnamese
    ễ here, which Noto Sans draws in paragraphs) would be an empty box in a drawing."""
    path = project / PUBLICATION
    text = path.read_text()
    old = "text: Meniscus, x: 188"
    assert old in text
    path.write_text(text.replace(old, "text: Meniscus ễ, x: 184", 1).replace(
        "meniscus, a cushion,", "meniscus ễ, a cushion,", 1))
    result = run_cli("check", cwd=project)
    line = text[: text.index(old)].count("\n") + 1
    assert result.returncode == 1, result.stderr
    assert f"{PUBLICATION}:{line}:" in result.stderr, result.stderr
    assert "U+1EC5 LATIN SMALL LETTER E WITH CIRCUMFLEX AND TILDE is not in the body font" \
        in result.stderr, result.stderr


# -- item 8: the cover ------------------------------------------------------------------------

def _cover_page(layout: str) -> int:
    """The page holding the front cover: a tri-fold's outside (page 1), a booklet's page 1."""
    return 0


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_cover_carries_one_line_under_its_title(built, layout, language):
    pdf = _pdf(built, layout, language)
    name = "publication.yaml" if language == "en" else f"publication.{language}.yaml"
    publication = read_yaml((PROJECT / "content/knee-stem-cell" / name).read_text())
    tagline = read_yaml((PROJECT / "content/brands/harbor.yaml").read_text())["tagline"]
    text = " ".join(_pdftotext(pdf, _cover_page(layout) + 1).split())
    assert text.count(" ".join(publication["subtitle"].split())) == 1, text
    assert tagline[language] not in text, "the brand's tagline is a second line: one is enough"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_spanish_title_never_breaks_before_rodilla_alone(built, layout):
    pdf = _pdf(built, layout, "es")
    size = _layout(layout)["typography"]["cover_title"]["size"]
    chars = [(c, box) for c, s, box in _chars(pdf, _cover_page(layout))
             if abs(s - size) < 0.01]
    lines: list[list[str]] = []
    last_bottom = None
    for char, box in chars:
        if char in "\r\n":
            continue
        if last_bottom is None or (abs(box[1] - last_bottom) > size / 2 and char.strip()):
            lines.append([])
        if char.strip():
            last_bottom = box[1]
        lines[-1].append(char)
    words = [" ".join("".join(line).replace("\xa0", " ").split()) for line in lines]
    assert " ".join(words) == "Células madre y dolor de rodilla", words
    assert len(words) >= 2, words
    assert words[-1] != "rodilla", f"the title breaks before 'rodilla' alone: {words}"
    assert not any(line.endswith((" de", " y")) for line in words[:-1]), words


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_cover_shows_a_drawing_not_a_photograph(built, layout):
    """The cover's picture is vector art (a person walking), with alternative text in the
    edition's language; no raster image is placed on the cover page."""
    for language, words in (("en", "older woman"), ("es", "mujer mayor")):
        pdf = _pdf(built, layout, language)
        reader = PdfReader(pdf)
        root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
        alts = [str(e["/Alt"]) for e in _walk(root) if e.get("/S") == "/Figure" and "/Alt" in e]
        assert any(words in alt for alt in alts), alts
        resources = reader.pages[_cover_page(layout)]["/Resources"]
        images = [x for x in (resources.get("/XObject") or {}).values()
                  if x.get_object()["/Subtype"] == "/Image"]
        assert not images, "the water texture (a photograph) is gone from the cover"
