"""The shipped brochures as an older reader meets them: type read from the real PDFs (body at
least 12 pt and one size per layout, nothing a reader needs below 11 pt, page numbers at least
10 pt, nothing shrunk), what a tri-fold keeps and a booklet adds (``only:`` by kind of
document), and both languages carrying the same blocks."""

from __future__ import annotations

import ctypes
import functools
import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from brochure.checks import block_texts
from brochure.model import Layout, Publication
from brochure.model.base import validate
from brochure.model.publication import branded
from brochure.project import Project, load_project
from brochure.source import load
from brochure.text import plain

from .conftest import PROJECT, run_cli
from .conftest import edit_once as _edit
from .pdf import text as pdf_text

LAYOUTS = ["trifold-letter", "trifold-a4", "booklet-letter"]
LANGUAGES = {"en": "publication.yaml", "es": "publication.es.yaml"}
RUNNING = ("paragraph", "bullets", "checklist", "statement", "statements")
"""Blocks set in the body size: paragraphs, lists, and the statements' boxes."""
READER_MINIMUM = 11.0
FURNITURE_MINIMUM = 10.0


def _layout(name: str) -> Layout:
    """The layout holding the knee's sections, as the knee's placement says."""
    return _knee().layout_for("knee-stem-cell", name)


def _publication(language: str) -> Publication:
    """The knee in ``language``, as its brand kit prints it (the kit's number filled in)."""
    pub = validate(load(PROJECT / "content" / "knee-stem-cell" / LANGUAGES[language]), Publication)
    kit = _knee().kit("knee-stem-cell")
    return branded(pub, kit.name, kit.contact.phone)


@functools.cache
def _knee() -> Project:
    return load_project(PROJECT)


def _pdf(built: Path, layout: str, language: str) -> Path:
    suffix = "" if language == "en" else f"-{language}"
    return built / "knee-stem-cell" / f"{layout}{suffix}.pdf"


def _placed(layout: Layout, pub: Publication):
    """(section, block) of every block the layout shows, in its panels' order."""
    for panel in layout.panels():
        for section in panel.placed:
            for block in pub.sections[section]:
                if block.shown_in(layout.kind):
                    yield section, block


def _chars(path: Path) -> list[tuple[int, str, float, float]]:
    """(page, character, font size, top from the page's top) of every visible character."""
    document = pdfium.PdfDocument(str(path))
    found = []
    try:
        for number, page in enumerate(document):
            text, height = page.get_textpage(), page.get_height()
            for i in range(text.count_chars()):
                char = text.get_text_range(i, 1)
                if char.strip():
                    size = raw.FPDFText_GetFontSize(text, i)
                    found.append((number, char, round(size, 2), height - text.get_charbox(i)[3]))
    finally:
        document.close()
    return found


def _sizes_of(path: Path, needle: str) -> list[float]:
    """The font sizes of the first occurrence of ``needle`` in the document."""
    document = pdfium.PdfDocument(str(path))
    try:
        for page in document:
            text = page.get_textpage()
            found = text.search(needle, match_case=True).get_next()
            if found:
                start, count = found
                return [round(raw.FPDFText_GetFontSize(text, i), 2)
                        for i in range(start, start + count)
                        if text.get_text_range(i, 1).strip()]
    finally:
        document.close()
    return []


def _opening(text: str, words: int = 4) -> str:
    return " ".join(plain(text).split()[:words])


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", LAYOUTS)
def test_nothing_a_reader_needs_is_below_11_pt(built, name, language):
    """Tables, captions, boxes, contact details and the colophon included; page numbers (the
    only furniture) at least 10 pt, and only at the page's foot."""
    layout = _layout(name)
    small = [(page, char, size, top) for page, char, size, top in _chars(_pdf(built, name,
                                                                              language))
             if size < READER_MINIMUM - 0.01]
    furniture = layout.page.height - layout.spacing.panel_padding
    assert all(char.isdigit() and top > furniture and size >= FURNITURE_MINIMUM
               for _, char, size, top in small), small[:5]


@pytest.mark.parametrize("name", LAYOUTS)
def test_each_layout_states_one_body_size_of_at_least_12_pt_and_never_shrinks(name):
    layout = _layout(name)
    sizes = {style: layout.typography[style].size for style in ("body", "bullet", "callout")}
    assert set(sizes.values()) == {layout.typography["body"].size}, sizes
    assert layout.typography["body"].size >= 12
    assert layout.min_body_size >= 12
    assert layout.fit.shrink is False


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", LAYOUTS)
def test_every_running_text_is_set_at_the_layouts_body_size(built, name, language):
    """Each paragraph, list item and statement opens at the stated body size: nothing was
    shrunk to fit, and no block has a size of its own."""
    layout, pub = _layout(name), _publication(language)
    path, body = _pdf(built, name, language), layout.typography["body"].size
    checked = 0
    for _, block in _placed(layout, pub):
        if block.type not in RUNNING:
            continue
        for text in block_texts(block, pub, None):
            sizes = _sizes_of(path, _opening(text))
            assert sizes, f"{_opening(text)!r} not found in {path.name}"
            assert set(sizes) == {body}, (_opening(text), sizes)
            checked += 1
    assert checked >= 15


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["trifold-letter", "trifold-a4"])
def test_the_trifold_carries_every_required_statement(built, name, language):
    pub = _publication(language)
    text = pdf_text(_pdf(built, name, language))
    for ref, statement in pub.statements.items():
        assert " ".join(plain(statement).split()) in text, ref


def _words(path: Path) -> int:
    return len(pdf_text(path).split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_booklet_carries_what_the_trifold_does_and_more(built, language):
    """Every block a tri-fold shows is in the booklet too, except a tri-fold's brief forms
    (``only: [trifold]``), whose fuller forms the booklet shows instead; the booklet adds
    blocks of its own and has far more words."""
    pub, trifold, booklet = _publication(language), _layout("trifold-letter"), \
        _layout("booklet-letter")
    in_booklet = [block for _, block in _placed(booklet, pub)]
    brief = []
    for _, block in _placed(trifold, pub):
        if block.only == ["trifold"]:
            brief.append(block)
            continue
        assert block in in_booklet, block
    fuller = {block.type for block in in_booklet if block.only and "trifold" not in block.only}
    assert {block.type for block in brief} <= fuller | {"figure"}
    assert len([b for b in in_booklet if b.only == ["booklet"]]) >= 8
    assert _words(_pdf(built, "booklet-letter", language)) > \
        1.25 * _words(_pdf(built, "trifold-letter", language))  # the tri-fold's panels are full


def _shape(block) -> tuple:
    """What a block is, without its words: type, where it shows, and what it refers to."""
    data = block.model_dump(exclude_none=True)
    words = ("text", "items", "rows", "columns", "caption", "heading", "title")
    return tuple(sorted((key, str(value)) for key, value in data.items() if key not in words))


def test_both_languages_have_the_same_blocks_in_the_same_places():
    english, spanish = _publication("en"), _publication("es")
    assert list(english.sections) == list(spanish.sections)
    for section, blocks in english.sections.items():
        assert [_shape(b) for b in blocks] == [_shape(b) for b in spanish.sections[section]], \
            section
    assert set(english.statements) == set(spanish.statements)


# -- the mechanism: only: [kind] ---------------------------------------------------------------



PUBLICATION = "content/knee-stem-cell/publication.yaml"
MARK = "Zebra crossings are striped."


def _pages(path: Path) -> str:
    return pdf_text(path)


def test_a_block_only_for_the_booklet_stays_out_of_the_trifold_and_the_summary(project,
                                                                                tmp_path):
    _edit(project, PUBLICATION, "  risks:\n    - type: heading\n      text: Risks and costs\n",
          "  risks:\n    - type: heading\n      text: Risks and costs\n"
          f"    - type: bullets\n      only: [booklet]\n      items: [{MARK}]\n")
    out = tmp_path / "out"
    result = run_cli("build", "knee-stem-cell", "--lang", "en", "--root", str(project),
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert MARK in _pages(out / "knee-stem-cell" / "booklet-letter.pdf")
    assert MARK not in _pages(out / "knee-stem-cell" / "trifold-letter.pdf")
    summary = tmp_path / "summary.pdf"
    result = run_cli("summary", str(project / "content/patients/good-candidate.yaml"),
                     "--root", str(project), "--output", str(summary))
    assert result.returncode == 0, result.stderr
    text = _pages(summary)
    assert "Risks and costs" in text and MARK not in text


def test_an_unknown_kind_is_a_positioned_error(project):
    line = _edit(project, PUBLICATION, "    - type: statements\n      refs: [harvest-risks",
                 "    - type: statements\n      only: [pamphlet]\n      refs: [harvest-risks")
    result = run_cli("check", "--out", str(project / "none"), cwd=project)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.search(rf"{PUBLICATION}:{line + 1}:\d+: error: .*only.*'trifold', 'booklet' or "
                     r"'summary'", result.stderr), result.stderr


def test_shrinking_still_works_for_a_layout_that_opts_in(project, tmp_path):
    """The shipped layouts never shrink; a user's layout may still ask for it."""
    sentence = "Researchers think the cells may calm swelling."
    _edit(project, PUBLICATION, f"        {sentence}", "        " + " ".join([sentence] * 10))
    out = tmp_path / "out"
    build = ("build", "knee-stem-cell", "--lang", "en", "--layout", "trifold-letter", "--root",
             str(project), "--out", str(out))
    refused = run_cli(*build)
    assert refused.returncode == 2 and "does not fit panel 'inside-left'" in refused.stderr
    _edit(project, "layouts/trifold-letter.yaml", "  shrink: false",
          "  shrink: true\n  min_body_size: 9\n  step: 0.25")
    result = run_cli(*build)
    assert result.returncode == 0, result.stderr
    sizes = _sizes_of(out / "knee-stem-cell" / "trifold-letter.pdf", "Researchers think")
    assert sizes and 9 <= max(sizes) < 12
    assert set(_sizes_of(out / "knee-stem-cell" / "trifold-letter.pdf",
                         "Studies so far are small")) == {12.0}, "only the crowded panel shrinks"



# -- boxes: few styles, kept apart from the text around them ---------------------------------

BOX_FILLS = {(250, 243, 227): "evidence", (255, 255, 255): "ask"}
"""The fills of Harbor's two box styles (sand, paper), as pdfium reads them in RGB."""
BOX_GAP = 7.5
"""The least clear room between a box and the ink of the text above or below it (a paragraph's
spacing and the line's own air; boxes set 3 pt after a list's last line had 6.4 pt)."""


def _rects(path: Path) -> list[tuple[int, tuple, tuple]]:
    """(page, fill RGB, (left, bottom, right, top)) of every filled path wider than 100 pt
    and taller than 20 pt: panel backgrounds, table rows and boxes."""
    document = pdfium.PdfDocument(str(path))
    found = []
    try:
        for number, page in enumerate(document):
            for obj in page.get_objects(max_depth=5):
                if obj.type != raw.FPDF_PAGEOBJ_PATH:
                    continue
                rgba = [ctypes.c_uint() for _ in range(4)]
                raw.FPDFPageObj_GetFillColor(obj.raw, *map(ctypes.byref, rgba))
                left, bottom, right, top = obj.get_bounds()
                if right - left > 100 and top - bottom > 20:
                    found.append((number, tuple(c.value for c in rgba[:3]),
                                  (left, bottom, right, top)))
    finally:
        document.close()
    return found


def _boxes(path: Path) -> list[tuple[int, str, tuple]]:
    return [(page, BOX_FILLS[fill], rect) for page, fill, rect in _rects(path)
            if fill in BOX_FILLS]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", LAYOUTS)
def test_a_brochure_has_few_boxes_of_at_most_two_styles(built, name, language):
    boxes = _boxes(_pdf(built, name, language))
    assert 1 <= len({style for _, style, _ in boxes}) <= 2
    assert len(boxes) <= 5, boxes  # the key facts, the ask box, three of evidence at most


def _glyphs(path: Path, page_number: int) -> list[tuple[float, float, float, float]]:
    document = pdfium.PdfDocument(str(path))
    try:
        text = document[page_number].get_textpage()
        return [text.get_charbox(i) for i in range(text.count_chars())
                if text.get_text_range(i, 1).strip()]
    finally:
        document.close()


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", LAYOUTS)
def test_every_box_keeps_room_from_the_text_above_and_below(built, name, language):
    path = _pdf(built, name, language)
    for page, style, (left, bottom, right, top) in _boxes(path):
        column = [g for g in _glyphs(path, page) if g[0] < right and g[2] > left]
        above = [g[1] - top for g in column if g[1] >= top - 1]
        below = [bottom - g[3] for g in column if g[3] <= bottom + 1]
        gaps = [min(gap) for gap in (above, below) if gap]
        assert gaps and min(gaps) >= BOX_GAP, (page + 1, style, gaps)


def _build(project: Path, out: Path) -> Path:
    result = run_cli("build", "knee-stem-cell", "--lang", "en", "--layout", "trifold-letter",
                     "--root", str(project), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out / "knee-stem-cell" / "trifold-letter.pdf"


def test_a_box_style_is_the_brand_kits_data(project, tmp_path):
    _edit(project, "content/brands/harbor.yaml", "evidence: {fill: sand, bar: accent}",
          "evidence: {fill: rule, bar: accent}")
    fills = {fill for _, fill, _ in _rects(_build(project, tmp_path / "out"))}
    assert (250, 243, 227) not in fills and (201, 221, 224) in fills


def test_a_statement_without_a_box_is_set_in_bold_body_text(project, tmp_path):
    _edit(project, PUBLICATION, "refs: [not-fda-approved, not-proven]\n",
          "refs: [not-fda-approved, not-proven]\n      box: none\n")
    path = _build(project, tmp_path / "out")
    assert len(_boxes(path)) == 4  # the key facts, the ask box, two of evidence
    document = pdfium.PdfDocument(str(path))
    try:
        text = document[1].get_textpage()
        start, _ = text.search("No stem cell treatment", match_case=True).get_next()
        name = ctypes.create_string_buffer(128)
        raw.FPDFText_GetFontInfo(text, start, name, 128, None)
        assert b"Bold" in name.value, name.value
        assert round(raw.FPDFText_GetFontSize(text, start), 2) == 12
    finally:
        document.close()


def test_an_unknown_box_style_is_a_positioned_error(project):
    line = _edit(project, PUBLICATION, "refs: [not-fda-approved, not-proven]\n",
                 "refs: [not-fda-approved, not-proven]\n      box: evidense\n")
    result = run_cli("check", "--out", str(project / "none"), cwd=project)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.search(rf"{PUBLICATION}:{line + 1}:\d+: error: unknown box style 'evidense'; "
                     r"did you mean 'evidence'\?", result.stderr), result.stderr
