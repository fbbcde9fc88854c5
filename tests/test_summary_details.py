"""Reading details of the summary, measured on the real PDF: the patient named on page 2's
running header, scale borders a reader can see (3:1 on the page), a missing X-ray grade that
reads as no grade, clinical terms after plain labels in smaller type, one size per heading level.

Expected values come from the content, brand kit and layout files, never from the renderer."""

from __future__ import annotations

import ctypes
import re
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader

from brochure.summaries import render_summary

from .conftest import PROJECT, read_yaml
from .pdf import find_text

CONTENT = PROJECT / "content"
BRAND = read_yaml((CONTENT / "brands/harbor.yaml").read_text())
LAYOUT = read_yaml((PROJECT / "layouts/summary-letter.yaml").read_text())
TEXTS = read_yaml((CONTENT / "knee-stem-cell/summary.yaml").read_text())["languages"]


def _inches(value: str) -> float:
    return float(value.removesuffix("in")) * 72


def _record(name: str, **changes) -> dict:
    record = read_yaml((CONTENT / "patients" / f"{name}.yaml").read_text())
    return {**record, **changes}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("details")
    made = {}
    for key, record in {"xray-en": _record("needs-xray"),
                        "xray-es": _record("needs-xray", language="es"),
                        "good-en": _record("good-candidate"),
                        "nguyen": _record("less-likely")}.items():
        made[key] = folder / f"{key}.pdf"
        made[key].write_bytes(render_summary(record))
    return made


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _luminance(rgb: tuple[float, float, float]) -> float:
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
              for c in (v / 255 for v in rgb)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b) -> float:
    low, high = sorted((_luminance(a), _luminance(b)))
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("key,name", [("xray-en", "Walter Brandt"), ("xray-es", "Walter Brandt"),
                                      ("nguyen", "Nguyễn Thị Lan")])
def test_page_two_names_the_patient_in_its_running_header(pdfs, key, name):
    path = pdfs[key]
    height = float(PdfReader(path).pages[1].mediabox.height)
    band = _inches(LAYOUT["header"]["later_height"])
    found = find_text(path, 1, name)
    assert found is not None, "page 2 does not name the patient"
    assert found.bottom > height - band, "the name is not in page 2's header band"
    info = PdfReader(path).metadata
    assert all(name not in str(value) for value in info.values())


def test_the_running_name_is_an_artifact(pdfs):
    """Page headers are artifacts: the name on page 2 is marked /Artifact in the content
    stream (the text drawn after the band's artifact begins and before it ends)."""
    content = PdfReader(pdfs["xray-en"]).pages[1].get_contents().get_data().decode("latin1")
    artifacts = re.findall(r"/Artifact\b.*?EMC", content, flags=re.S)
    tagged = re.sub(r"/Artifact\b.*?EMC", "", content, flags=re.S)
    assert len(artifacts) >= 3  # band, running title, running name (and the footer)
    # the name is the only text drawn in the header band: every Tm above the band's foot is
    # inside an artifact
    height = float(PdfReader(pdfs["xray-en"]).pages[1].mediabox.height)
    band = height - _inches(LAYOUT["header"]["later_height"])
    tops = [float(y) for y in re.findall(r"BT 1 0 0 1 [\d.]+ ([\d.]+) Tm", tagged)]
    assert tops and all(y < band for y in tops)


def _stroked_round_boxes(path: Path) -> list[tuple[float, float, float]]:
    """The stroke colour of every rounded box (curved path filled and stroked) on page 1."""
    content = PdfReader(path).pages[0].get_contents().get_data().decode("latin1")
    colours = []
    for match in re.finditer(r"([\d.]+) ([\d.]+) ([\d.]+) RG\s+n\s+((?:[^\n]*\n){1,12}?)B\*",
                             content):
        if " c\n" in match.group(4):
            colours.append(tuple(float(v) * 255 for v in match.group(1, 2, 3)))
    return colours


def test_unselected_scale_cells_have_3_to_1_borders(pdfs):
    paper = _rgb(BRAND["colors"]["paper"]["rgb"])
    track = _rgb(BRAND["colors"]["scale-track"]["rgb"])
    colours = _stroked_round_boxes(pdfs["good-en"])
    boxes = sum(item["maximum"] + 1 for block in TEXTS["en"]["blocks"]
                if block.get("id") == "scales" for item in block["full"][0]["items"])
    assert len(colours) >= boxes - 2  # every cell but the two chosen ones
    worst = min(min(_contrast(c, paper), _contrast(c, track)) for c in colours)
    assert worst >= 3.0, f"scale cell border contrast {worst:.2f}:1"


def _char_styles(path: Path, page: int, needle: str) -> list[tuple[float, int, tuple]]:
    """(size, weight, fill rgb) of each character of ``needle`` on ``page`` (0-based)."""
    document = pdfium.PdfDocument(str(path))
    try:
        text = document[page].get_textpage()
        found = text.search(needle, match_case=True).get_next()
        assert found, needle
        start, count = found
        styles = []
        for i in range(start, start + count):
            if not text.get_text_range(i, 1).strip():
                continue
            r, g, b, a = (ctypes.c_uint() for _ in range(4))
            pdfium_c.FPDFText_GetFillColor(text, i, r, g, b, a)
            styles.append((round(pdfium_c.FPDFText_GetFontSize(text, i), 1),
                           pdfium_c.FPDFText_GetFontWeight(text, i), (r.value, g.value, b.value)))
        return styles
    finally:
        document.close()


@pytest.mark.parametrize("key,language", [("xray-en", "en"), ("xray-es", "es")])
def test_a_missing_xray_grade_is_an_empty_state_not_a_marker(pdfs, key, language):
    scales = next(b for b in TEXTS[language]["blocks"] if b.get("id") == "scales")
    xray, pain = scales["full"][0]["items"]
    marker = _char_styles(pdfs[key], 0, xray["missing"])
    you = _char_styles(pdfs[key], 0, pain["marker"].split("{{")[0].strip())  # "You: severe"
    muted, primary = _rgb(BRAND["colors"]["muted"]["rgb"]), _rgb(BRAND["colors"]["primary"]["rgb"])
    assert {colour for _, _, colour in marker} == {muted}
    assert {colour for _, _, colour in you} == {primary}
    assert max(w for _, w, _ in marker) < min(w for _, w, _ in you)  # not the marker's bold


def _findings_row(language: str, field: str) -> dict:
    """The findings row (or scale item) whose label carries a clinical term."""
    blocks = [inner for b in TEXTS[language]["blocks"]
              for inner in (b["full"] if b.get("type") == "reducible" else [b])]
    rows = [row for b in blocks if b.get("type") == "findings" for row in b["rows"]]
    return next(row for row in rows if row.get("term") and field in row["value"])


@pytest.mark.parametrize("key,language", [("good-en", "en"), ("xray-es", "es")])
def test_clinical_terms_follow_plain_labels_in_smaller_type(pdfs, key, language):
    row = _findings_row(language, "cartilage_grade")
    label = find_text(pdfs[key], 0, row["label"])
    term = find_text(pdfs[key], 0, row["term"])
    assert label is not None and term is not None
    same_line = abs(term.bottom - label.bottom) < 3 and term.left > label.right
    assert same_line or term.top <= label.bottom + 1  # after the label, in reading order
    body = float(LAYOUT["typography"]["table"]["size"])
    sizes = {size for size, _, _ in _char_styles(pdfs[key], 0, row["term"])}
    assert all(11 <= size < body for size in sizes), sizes
    assert {size for size, _, _ in _char_styles(pdfs[key], 0, row["label"])} == {body}
    scales = next(b for b in TEXTS[language]["blocks"] if b.get("id") == "scales")
    xray = scales["full"][0]["items"][0]
    found = find_text(pdfs[key], 0, xray["term"].split()[-1])  # "Kellgren–Lawrence"
    assert found is not None and found.top <= find_text(pdfs[key], 0, xray["label"]).bottom + 1


def _headings(blocks) -> list[str]:
    found = []
    for block in blocks:
        if isinstance(block, dict):
            if block.get("type") in ("heading", "scales", "bottom_line", "note", "verdict_steps",
                                     "findings") and (block.get("heading") or block.get("text")):
                found.append(block.get("heading") or block["text"])
            for value in block.values():
                if isinstance(value, list):
                    found += _headings(value)
    return found


@pytest.mark.parametrize("key,language", [("good-en", "en"), ("xray-es", "es")])
def test_one_heading_size_across_pages(pdfs, key, language):
    """Every section heading of the summary (all one level, H2) is set in one size, on both
    pages."""
    sizes, pages = {}, set()
    for heading in dict.fromkeys(_headings(TEXTS[language]["blocks"])):
        for page in (0, 1):
            if find_text(pdfs[key], page, heading) is not None:
                sizes[heading] = {s for s, _, _ in _char_styles(pdfs[key], page, heading)}
                pages.add(page)
                break
    assert pages == {0, 1} and len(sizes) >= 4, sizes
    assert len(set().union(*sizes.values())) == 1, sizes
