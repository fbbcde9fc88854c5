"""The shipped tri-folds as a print shop and a reader see them: size, panels, fonts, metadata."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from brochure.model import Layout, Publication
from brochure.model.base import validate
from brochure.model.placement import Placement
from brochure.source import load
from brochure.text import plain

from .conftest import PROJECT, run_cli
from .pdf import char_boxes, every_object_bytes, find_text, fonts, is_embedded

LAYOUTS = {"trifold-letter": (792, 612), "trifold-a4": (842, 595)}


def _layout(name: str) -> Layout:
    """The layout holding the knee's sections, as the knee's placement says."""
    layout = validate(load(PROJECT / "layouts" / f"{name}.yaml"), Layout)
    placement = validate(load(PROJECT / "content/knee-stem-cell/placement.yaml"), Placement)
    return layout.placed(placement.panels(name))


def _publication() -> Publication:
    return validate(load(PROJECT / "content/knee-stem-cell/publication.yaml"), Publication)


def _panel_columns(layout: Layout):
    """(side index, panel, left, right) of each panel's text column in page coordinates."""
    pad = layout.spacing.panel_padding
    for index, side in enumerate(layout.sides):
        x = 0.0
        for panel in side.panels:
            yield index, panel, x + pad, x + panel.width - pad
            x += panel.width


@pytest.mark.parametrize("name", LAYOUTS)
def test_two_landscape_pages_of_the_layout_size(built, name):
    reader = PdfReader(built / "knee-stem-cell" / f"{name}.pdf")
    assert len(reader.pages) == 2
    for page in reader.pages:
        size = (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        assert size == LAYOUTS[name]


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_heading_lies_in_its_own_panel_column(built, name):
    layout, pub = _layout(name), _publication()
    path = built / "knee-stem-cell" / f"{name}.pdf"
    checked = 0
    for side, panel, left, right in _panel_columns(layout):
        for section in panel.sections:
            for block in pub.sections[section]:
                if block.type not in ("heading", "paragraph") or not block.shown_in(layout.kind):
                    continue
                words = " ".join(plain(block.text).split()[:3])
                box = find_text(path, side, words)
                assert box is not None, f"{words!r} not found on page {side + 1}"
                assert left - 0.5 <= box.left and box.right <= right + 0.5, (panel.name, words)
                checked += 1
    assert checked >= 10


@pytest.mark.parametrize("name", LAYOUTS)
def test_no_text_within_the_safe_margin_of_a_fold_or_trim(built, name):
    layout = _layout(name)
    margin = layout.safe_margin
    path = built / "knee-stem-cell" / f"{name}.pdf"
    for side_index, side in enumerate(layout.sides):
        edges, x = [0.0], 0.0
        for panel in side.panels:
            x += panel.width
            edges.append(x)
        chars = char_boxes(path, side_index)
        assert len(chars) > 300
        for char, box in chars:
            assert box.bottom >= margin and box.top <= layout.page.height - margin, char
            for edge in edges:
                assert box.right <= edge - margin or box.left >= edge + margin, (char, edge)


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_font_is_embedded_and_no_base_font_is_referenced(built, name):
    path = built / "knee-stem-cell" / f"{name}.pdf"
    used = fonts(path)
    assert used, "the brochure uses fonts"
    assert all(is_embedded(font) for font in used)
    names = {str(font.get("/BaseFont")) for font in used}
    assert any("Atkinson" in n for n in names) and any("Zilla" in n for n in names)
    objects = every_object_bytes(path)
    assert b"/Helvetica" not in objects and b"/Times-Roman" not in objects


def test_two_builds_are_byte_identical(built, tmp_path):
    result = run_cli("build", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in LAYOUTS:
        first = (built / "knee-stem-cell" / f"{name}.pdf").read_bytes()
        assert (tmp_path / "knee-stem-cell" / f"{name}.pdf").read_bytes() == first


@pytest.mark.parametrize("name", LAYOUTS)
def test_metadata_names_the_document_and_clinic(built, name):
    reader = PdfReader(built / "knee-stem-cell" / f"{name}.pdf")
    info = reader.metadata
    assert info.title == "Stem cell therapy for knee pain"
    assert info.author == "Harbor Knee & Joint Center"
    assert "stem cell" in info.subject and "knee" in info.subject
    assert "osteoarthritis" in info["/Keywords"]
    assert info["/CreationDate"].startswith("D:20261101")
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712 - a PDF boolean
    for value in (info.title, info.author, info.subject):
        assert value.lower() not in ("untitled", "anonymous", "")


def test_honest_claims_and_call_to_action_are_printed(built):
    text = " ".join(PdfReader(built / "knee-stem-cell/trifold-letter.pdf").pages[1]
                    .extract_text().split())
    assert "No stem cell treatment is approved by the FDA" in text
    outside = " ".join(PdfReader(built / "knee-stem-cell/trifold-letter.pdf").pages[0]
                       .extract_text().split())
    assert "harborknee.example/book" in outside  # as typed; the code links the full URL
    assert "second opinion" in outside


def test_booking_qr_code_is_a_link_to_the_booking_url(built):
    page = PdfReader(built / "knee-stem-cell/trifold-letter.pdf").pages[0]
    uris = [a.get_object()["/A"]["/URI"] for a in page.get("/Annots", [])]
    assert "https://harborknee.example/book" in uris


def test_a_new_trifold_size_is_only_a_new_layout_file(project):
    """A tabloid tri-fold (17 x 11 in), made by copying a layout and changing its sizes; the
    publication places its sections as in the Letter tri-fold (the panels' names are the
    same)."""
    letter = (project / "layouts/trifold-letter.yaml").read_text()
    for old, new in [("name: trifold-letter", "name: trifold-tabloid"),
                     ("page: {width: 11in, height: 8.5in}", "page: {width: 17in, height: 11in}"),
                     ("width: 3.625in", "width: 5.625in"), ("width: 3.6875in", "width: 5.6875in")]:
        letter = letter.replace(old, new)
    tabloid = letter
    (project / "layouts/trifold-tabloid.yaml").write_text(tabloid)
    publication = project / "content/knee-stem-cell/publication.yaml"
    publication.write_text(publication.read_text().replace("layouts: [",
                                                           "layouts: [trifold-tabloid, "))
    placement = project / "content/knee-stem-cell/placement.yaml"
    placement.write_text(placement.read_text() + "  trifold-tabloid: trifold-letter\n")
    out = project / "out"
    result = run_cli("build", "--layout", "trifold-tabloid", "--out", str(out), cwd=project)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(project / "out/knee-stem-cell/trifold-tabloid.pdf")
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in reader.pages]
    assert sizes == [(1224, 792), (1224, 792)]
    assert not (project / "out/knee-stem-cell/trifold-letter.pdf").exists()
