"""A summary a clinician would stand behind (issue 23, points 1-7, 9 and 10 on the summary): a
favourable verdict is no approval; every summary carries its publication's disclosure and
sources; a favourable verdict shows why in the patient's own numbers; no column or page opens
with a block whose heading is elsewhere; page 2 is used and carries a second identifier; the
summary's own quotation marks are typographic and a shortened note ends at a sentence or an
item; the comparison table's header is dark text on a light band; every "call us" in
summary.yaml has the number.

Everything is read from the real PDFs (pypdfium2: characters, their fonts, colours and boxes)
and the expected words from the content files."""

from __future__ import annotations

import ctypes
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import HealthCheck, given, settings
from pypdf import PdfReader

from brochure.render import summary_fit
from brochure.summaries import assess, render_summary, summarize

from .conftest import PROJECT, edit_once, examples, read_yaml, run_cli
from .pdf import find_text, mark_names
from .pdf import text as pdf_text
from .pdf import texts as pdf_texts
from .test_summary_bottom_line import EXAMPLES as SHIPPED_EXAMPLES
from .test_summary_bottom_line import rendered_example
from .test_two_pages import records

CONTENT = PROJECT / "content"
RULES = read_yaml((CONTENT / "knee-stem-cell/candidacy.yaml").read_text())
TEXTS = read_yaml((CONTENT / "knee-stem-cell/summary.yaml").read_text())["languages"]
PUBLICATIONS = {"en": read_yaml((CONTENT / "knee-stem-cell/publication.yaml").read_text()),
                "es": read_yaml((CONTENT / "knee-stem-cell/publication.es.yaml")
                                     .read_text())}
BRAND = read_yaml((CONTENT / "brands/harbor.yaml").read_text())
LAYOUT = read_yaml((PROJECT / "layouts/summary-letter.yaml").read_text())
INCH = 72.0
EXAMPLES = [(name, record) for name, record in SHIPPED_EXAMPLES
            if record.get("publication") in (None, "knee-stem-cell")]
"""The knee publication's shipped examples (the expected words are read from its files)."""
HEADING_FONTS = {"".join(read_yaml(path.read_text())["fonts"]["heading"]["family"].split())
                 for path in (CONTENT / "brands").glob("*.yaml")}
"""The brands' heading families, as a PDF names their fonts ("ZillaSlab")."""


def _inches(value: str) -> float:
    return float(value.removesuffix("in")) * INCH


MARGIN = _inches(LAYOUT["margins"]["left"])
GUTTER = _inches(LAYOUT["columns"]["gutter"])
COLUMN = (8.5 * INCH - 2 * MARGIN - GUTTER) / 2


def _pdf(name: str, language: str) -> bytes:
    return rendered_example(name, language)


def _text(pdf: bytes) -> str:
    return pdf_text(pdf)


def _rgb(hexa: str) -> tuple[int, int, int]:
    return tuple(int(hexa[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _char_colour(textpage, index: int) -> tuple[int, int, int]:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    pdfium_c.FPDFText_GetFillColor(textpage.raw, index, *(ctypes.byref(c) for c in (r, g, b, a)))
    return r.value, g.value, b.value


def _font(textpage, index: int) -> tuple[str, int]:
    """The character's font name and weight."""
    buffer = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, buffer, 256, ctypes.byref(flags))
    return buffer.value.decode(errors="replace"), pdfium_c.FPDFText_GetFontWeight(textpage.raw,
                                                                                  index)


def _found(pdf: bytes, page: int, needle: str):
    """(textpage, first index) of ``needle`` on ``page`` (0-based), or None."""
    document = pdfium.PdfDocument(pdf)
    textpage = document[page].get_textpage()
    hit = textpage.search(needle, match_case=True).get_next()
    return (document, textpage, hit[0]) if hit else None


def _verdict(verdict_id: str) -> dict:
    return next(v for v in RULES["verdicts"] if v["id"] == verdict_id)


# -- 1: a favourable verdict is not an approval ---------------------------------------------------

def test_the_favourable_verdict_is_a_neutral_brand_colour_with_an_information_mark():
    favourable = [v for v in RULES["verdicts"] if v.get("favourable")]
    assert len(favourable) == 1
    good = favourable[0]
    assert good["tone"] in BRAND["colors"] and not good["tone"].startswith("verdict")
    assert good["icon"] == "icon-info" and "check" not in good["icon"]
    art = BRAND["art"][good["icon"]]
    assert "information" in art["alt"]["en"] and "polyline" not in str(art["shapes"])
    assert good["label"] == {"en": "Could be an option to discuss with your doctor",
                             "es": "Podría ser una opción para hablar con su médico"}
    for language, name in (("en", "good-candidate:1"), ("es", "good-candidate-es:1")):
        _document, textpage, index = _found(_pdf(name, language), 0, good["label"][language])
        colour = _char_colour(textpage, index)
        assert colour == _rgb(BRAND["colors"][good["tone"]]["rgb"]), colour
        assert colour != _rgb(BRAND["colors"]["verdict-good"]["rgb"]), "never approval green"


def test_no_spanish_label_has_a_grammatical_gender_for_the_patient():
    for verdict in RULES["verdicts"]:
        words = verdict["label"]["es"].lower().split()
        assert not {"candidato", "candidata", "adecuado"} & set(words), words  # "una opción
        # adecuada" agrees with the option, not with the patient


# -- 2: disclosure and sources on every summary ---------------------------------------------------

def _disclosure(language: str) -> str:
    text = PUBLICATIONS[language]["standards"]["disclosure"]
    return text.replace("{{ clinic }}", BRAND["name"])


@pytest.mark.parametrize("name", [name for name, _ in EXAMPLES])
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_summary_carries_the_disclosure_and_its_sources(name, language):
    text = _text(_pdf(name, language))
    standards = PUBLICATIONS[language]["standards"]
    assert _disclosure(language) in text
    assert standards["sources_label"] in text
    for source in standards["sources"]:
        assert source in text, source


def test_every_verdict_is_shipped_in_spanish_as_in_english():
    verdicts = {(assess(record).verdict, record["language"]) for _, record in EXAMPLES}
    for verdict in (v["id"] for v in RULES["verdicts"]):
        assert {(verdict, "en"), (verdict, "es")} <= verdicts, verdict


# -- 3: the QR's call to action is per verdict ----------------------------------------------------

@pytest.mark.parametrize("name", ["good-candidate:1", "not-suitable:1", "less-likely-es:1"])
def test_the_booking_code_says_what_the_visit_is_for_after_this_verdict(name):
    record = dict(EXAMPLES)[name]
    signature = next(b for b in TEXTS[record["language"]]["blocks"]
                     if b.get("id") == "signature")["full"][0]
    text = _text(_pdf(name, record["language"]))
    own = signature["qr_text"][assess(record).verdict]
    assert own in text
    assert all(other not in text for other in signature["qr_text"].values() if other != own)
    assert "Scan to book your visit" not in text


# -- 4: a favourable verdict shows why, in the patient's own numbers -------------------------------

@pytest.mark.parametrize("name, language, expected", [
    ("good-candidate:1", "en", ["What we found in your record:",
                                "Arthritis on your X-ray: grade 3 of 4", "Pain: 6 of 10",
                                "Pain for 14 months",
                                "10 weeks of physical therapy", "An injection did not help"]),
    ("good-candidate-es:1", "es", ["Lo que vimos en su historial:",
                                   "Artritis en su radiografía: grado 2 de 4", "Dolor: 5 de 10",
                                   "Dolor desde hace 20 meses", "12 semanas de fisioterapia"])])
def test_a_favourable_summary_lists_the_values_it_met(name, language, expected):
    text = _text(_pdf(name, language))
    reason = next(r for r in RULES["rules"] if r["id"] == "G1")["reason"][language]
    under = text[text.index(reason):]
    for phrase in expected:
        assert phrase in under, phrase
    assert ("injection did not help" in text) == (language == "en")  # only when recorded


def test_a_verdict_that_is_not_favourable_lists_no_values():
    text = _text(_pdf("not-suitable:1", "en"))
    assert "What we found in your record:" not in text and "Pain: 6 of 10" not in text


# -- 5: headings stay with what they head ---------------------------------------------------------

def _lines(pdf: bytes, page: int):
    """Per column (0 left, 1 right) the text lines of a page, top first: (top, chars), each
    char (text, left, font, weight)."""
    document = pdfium.PdfDocument(pdf)
    textpage = document[page].get_textpage()
    columns: list[dict[float, list]] = [{}, {}]
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if not char.strip():
            continue
        left, bottom, _right, _top = textpage.get_charbox(i)
        column = 0 if left < MARGIN + COLUMN + GUTTER / 2 else 1
        row = columns[column].setdefault(round(bottom / 3) * 3, [])
        row.append((char, left, *_font(textpage, i)))
    return [sorted(c.items(), reverse=True) for c in columns]


def _column_tops(pdf: bytes, language: str, texts: dict | None = None
                 ) -> list[tuple[int, int, list]]:
    """(page, column, first line) of every column of the columned part of the summary (of the
    publication whose summary wording is ``texts``, the knee's by default)."""
    first = (texts or TEXTS)[language]["blocks"][2]["full"][0]["heading"]  # first in columns
    found = _found(pdf, 0, first)
    assert found is not None, first
    _, textpage, index = found
    start = textpage.get_charbox(index)[3] + 2
    tops = []
    footer = 0.5 * INCH + 0.38 * INCH
    for page in (0, 1):
        for column, lines in enumerate(_lines(pdf, page)):
            body = [chars for top, chars in lines
                    if top > footer and (page or top <= start) and
                    (page == 0 or top < 11 * INCH - _inches(LAYOUT["header"]["later_height"]))]
            if body:
                tops.append((page, column, body[0]))
    return tops


def _opens_well(chars: list, column: int) -> bool:
    """A column may open with a heading, or with text that flows on from the column before
    (a paragraph or a list's item, flush with the column or after its bullet), or with a
    paragraph led by its own bold words ending in ':'; never inside a box, a table's row or a
    scale (a box's text stands in from the column's edge; a row or a scale opens with bold
    words that are no lead)."""
    chars = sorted(chars, key=lambda c: c[1])
    text, left, font, weight = chars[0]
    edge = MARGIN + column * (COLUMN + GUTTER)
    if any(family in font for family in HEADING_FONTS):
        return True
    if text in "•·–-":
        return True
    if left - edge > 6:  # inside a box: only one led by its own bold words
        return weight >= 600
    if left - edge > 2:  # a table's cell
        return False
    if weight >= 600:
        line = "".join(c[0] for c in chars if c[3] >= 600)
        return ":" in line
    return True


def _assert_columns_open_well(pdf: bytes, language: str, texts: dict | None = None) -> None:
    for page, column, chars in _column_tops(pdf, language, texts):
        line = "".join(c[0] for c in sorted(chars, key=lambda c: c[1]))
        assert _opens_well(chars, column), (page + 1, ["left", "right"][column], line)


@pytest.mark.parametrize("name", [name for name, _ in EXAMPLES])
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_column_of_a_shipped_summary_opens_away_from_its_heading(name, language):
    _assert_columns_open_well(_pdf(name, language), language)


SECOND = CONTENT / "prp-tennis-elbow"


@pytest.mark.parametrize("path", sorted((SECOND / "patients").glob("*.yaml")), ids=lambda p: p.stem)
def test_no_column_of_the_second_publications_summaries_opens_away_from_its_heading(path):
    record = read_yaml(path.read_text())
    texts = read_yaml((SECOND / "summary.yaml").read_text())["languages"]
    _assert_columns_open_well(render_summary(record), record.get("language", "en"), texts)


@pytest.mark.parametrize("path", sorted((SECOND / "patients").glob("*.yaml")), ids=lambda p: p.stem)
def test_a_tables_caption_stays_on_the_page_of_its_last_row(path):
    """The comparison table's line under it ("Insurance usually pays…") is never carried to
    the next page alone (PRP's less-likely summary opened page 2 with it)."""
    record = read_yaml(path.read_text())
    language = record.get("language", "en")
    edition = "publication.es.yaml" if language == "es" else "publication.yaml"
    table = next(b for b in read_yaml((SECOND / edition).read_text())["sections"]["options"]
                 if b["type"] == "table")
    pages = pdf_texts(render_summary(record))
    caption, last_row = table["caption"], " ".join(table["rows"][-1])
    shown = [n for n, text in enumerate(pages) if caption in text]
    if shown:  # (a long record gives the table up)
        assert last_row.split()[0] in pages[shown[0]].split(caption)[0], (path.stem, shown)


@settings(max_examples=examples(6), deadline=None, suppress_health_check=list(HealthCheck))
@given(records())
def test_no_column_of_any_summary_opens_away_from_its_heading(record):
    _assert_columns_open_well(summarize(record).pdf, record["language"])


def test_a_section_that_goes_on_opens_the_next_column_with_its_heading_said_again():
    """A section too tall for the room a column has left, and able to break before a later
    box, leaves what fits and goes on in the next column under its heading said again with
    the text's ``continued`` words, drawn as a decoration (an artifact: the structure has the
    heading once). The Spanish favourable summary does so (its page 1 would otherwise end
    with an empty half column)."""
    text = TEXTS["es"]
    words = text["continued"]
    heading = next(b for b in text["blocks"] if b.get("id") == "explainer")["full"][0]["text"]
    pdf = _pdf("good-candidate:1", "es")
    page_one, page_two = pdf_texts(pdf)[:2]
    assert heading in page_one and f"{heading} {words}" not in page_one
    assert page_two.startswith(f"{heading} {words}") or \
        f"{heading} {words}" in page_two.split("Cómo se compara")[0], page_two[:200]
    document = pdfium.PdfDocument(pdf)
    textpage = document[1].get_textpage()
    marks = []
    for obj in document[1].get_objects(max_depth=4):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        left, bottom, right, top = obj.get_bounds()
        if words.strip("()") in textpage.get_text_bounded(left, bottom, right, top):
            marks.append(mark_names(obj))
    document.close()
    assert marks and all("Artifact" in names for names in marks), marks


def test_a_layout_whose_sections_never_go_on_moves_them_whole(project):
    """``columns.goes_on: 1`` in the summary layout: the section moves on whole, no heading
    is said again (the share is the layout's, not the code's)."""
    from brochure.project import load_project

    edit_once(project, "layouts/summary-letter.yaml", "goes_on: 0.5", "goes_on: 1")
    record = {**dict(EXAMPLES)["good-candidate:1"], "language": "es"}
    words = TEXTS["es"]["continued"]
    assert words in pdf_text(_pdf("good-candidate:1", "es"))
    assert words not in pdf_text(render_summary(record, project=load_project(project)))


def test_a_box_that_would_open_a_column_is_caught():
    """The check itself: a box's first line, standing in from the column's edge, fails."""
    box_line = [("N", MARGIN + 9, "AtkinsonHyperlegible-Regular", 400)]  # an evidence box
    row_line = [("C", MARGIN + 2.5, "AtkinsonHyperlegible-Bold", 700)]
    assert not _opens_well(box_line, 0) and not _opens_well(row_line, 0)


# -- 6: page 2 used, and identified ----------------------------------------------------------------

@pytest.mark.parametrize("name, language, born", [
    ("good-candidate:1", "en", "Born 6/14/1952"), ("good-candidate-es:1", "es", "Nac. 9/2/1955"),
    ("worst-case:1", "es", "Nac. 14/3/1958")])
def test_page_two_carries_the_date_of_birth_with_the_name(name, language, born):
    pdf = _pdf(name, language)
    band = 11 * INCH - _inches(LAYOUT["header"]["later_height"])
    found = _found(pdf, 1, born)
    assert found is not None, born
    _, textpage, index = found
    assert textpage.get_charbox(index)[1] > band, "in page 2's band"
    first = dict(EXAMPLES)[name]["name"].split()[0]
    assert _found(pdf, 1, first[:1]) is not None


@pytest.mark.parametrize("name, language", [("good-candidate:1", "en"), ("not-suitable:1", "en"),
                                            ("less-likely-es:1", "es")])
def test_an_ordinary_summary_gives_its_questions_to_bring(name, language):
    record = dict(EXAMPLES)[name]
    block = next(b for b in TEXTS[language]["blocks"] if b.get("id") == "questions")["full"][0]
    text = _text(_pdf(name, language))
    assert block["heading"] in text
    for question in block["items"][assess(record).verdict]:
        assert question in text, question


def test_questions_are_the_first_thing_a_long_record_gives_up():
    for language in ("en", "es"):
        assert TEXTS[language]["reductions"][0] == "questions"


def test_the_signature_line_is_3_inches_or_more_with_a_date_line():
    pdf = _pdf("good-candidate:1", "en")
    document = pdfium.PdfDocument(pdf)
    widths = []
    for obj in document[1].get_objects(max_depth=4):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            left, bottom, right, top = obj.get_bounds()
            if top - bottom < 2 and right - left > 2 * INCH:
                widths.append(right - left)
    assert len([w for w in widths if w >= 3 * INCH - 1]) >= 2, widths
    text = _text(pdf)
    assert "Signature" in text and "Date" in text


@pytest.mark.parametrize("language, label", [("en", "Signature"), ("es", "Firma")])
def test_the_physicians_name_is_printed_under_the_line_it_signs(language, label, tmp_path):
    """Under the signature line, the name of who signs it, as a form prints it; the line
    is the first long rule above that name."""
    record = dict(EXAMPLES)["good-candidate:1"]
    roster = read_yaml((CONTENT / "brands/harbor.yaml").read_text())["physicians"]
    doctor = next(d for d in roster if d["key"] == record["physician"])
    printed = f"{doctor['honorific'][language]} {doctor['name']} · {label}"
    path = tmp_path / "summary.pdf"
    path.write_bytes(_pdf("good-candidate:1", language))
    found = find_text(path, 1, printed)
    assert found is not None, printed
    document = pdfium.PdfDocument(str(path))
    rules = [obj.get_bounds() for obj in document[1].get_objects(max_depth=4)
             if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH]
    lines = [b for b in rules if b[3] - b[1] < 2 and b[2] - b[0] > 2 * INCH and b[1] > found.top]
    document.close()
    line = min(lines, key=lambda b: b[1])  # the nearest long rule above the name
    assert line[1] - found.top < 8, (line, found)  # the name sits right under it


# -- 7: quotation marks and a shortened note ------------------------------------------------------

@pytest.mark.parametrize("name", [name for name, _ in EXAMPLES])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_summarys_own_quotation_marks_are_typographic(name, language):
    assert '"' not in _text(_pdf(name, language))


def test_the_leaflets_title_is_quoted_per_language():
    comparison = {language: next(b for b in TEXTS[language]["blocks"]
                                 if b.get("id") == "comparison")["reduced"][0]["text"]
                  for language in ("en", "es")}
    assert "“Stem cell therapy for knee pain”" in comparison["en"]
    assert "«Células madre y dolor de rodilla»" in comparison["es"]


def test_a_shortened_note_is_cut_only_at_the_end_of_a_sentence_or_an_item():
    note = ("1. Walk ten minutes in the morning.\n\n2. Use ice if the knee swells\n\n"
            "3. Call us if you have a fever. Bring your list!")
    cuts = summary_fit._note_cuts(note)
    assert cuts == ["", "1. Walk ten minutes in the morning.",
                    "1. Walk ten minutes in the morning.\n\n2. Use ice if the knee swells",
                    "1. Walk ten minutes in the morning.\n\n2. Use ice if the knee swells\n\n"
                    "3. Call us if you have a fever."]


@pytest.mark.parametrize("reason", [None, "Hay que revisar la infección primero."])
def test_the_worst_case_keeps_its_note_as_a_list_cut_at_an_items_end(reason):
    """The shipped worst case, and with a short override reason (more of its note fits)."""
    record = read_yaml((CONTENT / "patients/worst-case.yaml").read_text())
    record["override_reason"] = reason or record["override_reason"]
    result = summarize(record)
    printed = int(result.warnings[-1].split("the first ")[1].split(" of")[0])
    kept = record["notes"][:printed]
    assert kept.rstrip().endswith(".") and kept in summary_fit._note_cuts(record["notes"])
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(result.pdf)).pages)
    items = re.findall(r"^(\d+)\. ", text, flags=re.M)
    assert items == [str(n) for n in range(1, len(items) + 1)] and items, items
    assert reason is None or len(items) >= 3, "each item starts its own line"
    assert not re.search(r"· \d+\. ", text), "no items run on into one paragraph"


# -- 9: the comparison table's header --------------------------------------------------------------

def test_the_comparison_tables_header_is_dark_text_on_a_light_band():
    pdf = _pdf("not-suitable:1", "en")
    header = PUBLICATIONS["en"]["sections"]["options"]
    first = next(b for b in header if b.get("type") == "table")["columns"][0]
    found = _found(pdf, 1, first)
    assert found is not None
    _, textpage, index = found
    r, g, b = _char_colour(textpage, index)
    assert max(r, g, b) < 0x60, "dark text"
    assert LAYOUT["typography"]["table_head"]["background"] == "rule"
    assert sum(_rgb(BRAND["colors"]["rule"]["rgb"])) > 3 * 0xb0, "a light band"


# -- 10: every call in summary.yaml has the number -------------------------------------------------

def test_a_summary_call_without_the_number_is_a_finding_at_its_block(project):
    path = project / "content/knee-stem-cell/summary.yaml"
    text = path.read_text()
    old = "- Call us at **{{ clinic_phone }}** if you have questions about other options."
    assert old in text
    path.write_text(text.replace(old, "- Call us if you have questions about other options."))
    line = text[:text.index(old)].count("\n") + 1
    result = run_cli("check", "--root", str(project))
    assert "asks the reader to call" in result.stderr, result.stderr
    found = re.search(r"content/knee-stem-cell/summary\.yaml:(\d+):\d+: finding: 'Call us' "
                      r"asks the reader to call", result.stderr)
    assert found and abs(int(found.group(1)) - line) <= 12, (line, result.stderr)


def test_the_shipped_summary_has_no_call_without_the_number():
    result = run_cli("check")
    assert "summary.yaml" not in result.stderr or "asks the reader to call" not in "".join(
        line for line in result.stderr.splitlines() if "summary.yaml" in line)
