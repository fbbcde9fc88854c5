"""Two pages, always: every record the schema accepts gives a summary of exactly two pages, its
text never below 12 pt above the footer. The strategy draws the hard cases on purpose: a
200-character name, a 2,000-character note unbroken or in many short paragraphs, a 500-character
override reason, every condition at once, both languages and every verdict."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle

from brochure.model.summary import SummaryText
from brochure.render.paragraphs import fresh
from brochure.summaries import summarize

from .conftest import PROJECT, examples, read_yaml, run_cli
from .test_candidacy import BASE

CONDITIONS = ["infection", "active_cancer", "pregnant_or_breastfeeding", "inflammatory_arthritis",
              "anticoagulant_or_bleeding", "immunosuppressed", "unstable_knee"]
VERDICTS = ["good", "evaluation_needed", "less_likely", "not_suitable"]
WORD = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzéñü"), min_size=1, max_size=14)

names = st.one_of(st.just("W" * 200), st.just("Ana María " * 20),
                  st.lists(WORD, min_size=1, max_size=12).map(" ".join).map(lambda s: s[:200]))
notes = st.one_of(
    st.none(), st.just("W" * 2000), st.just(("Walk. " * 3 + "\n\n") * 80),
    st.just(("Keep the knee moving every day " * 70)[:2000]),
    st.lists(WORD, min_size=1, max_size=300).map(" ".join).map(lambda s: s[:2000]))
reasons = st.one_of(st.just("R" * 500), st.just(("Because the knee " * 40)[:500]),
                    st.lists(WORD, min_size=1, max_size=60).map(" ".join).map(lambda s: s[:500]))


@st.composite
def records(draw) -> dict:
    record = {**BASE, "name": draw(names), "notes": draw(notes),
              "language": draw(st.sampled_from(["en", "es"])),
              "kl_grade": draw(st.sampled_from([None, 0, 1, 2, 3, 4])),
              "cartilage_grade": draw(st.sampled_from([None, 0, 2, 4])),
              "pain": draw(st.integers(0, 10)), "symptom_months": draw(st.integers(0, 1200)),
              "pt_weeks": draw(st.integers(0, 520)),
              "bmi": draw(st.sampled_from([None, 22.0, 41.5])),
              "conditions": draw(st.sampled_from([[], CONDITIONS, ["infection"]]))}
    if draw(st.booleans()):
        record |= {"override_verdict": draw(st.sampled_from(VERDICTS)),
                   "override_reason": draw(reasons)}
    return record


def _smallest_text_above_footer(pdf: bytes) -> float:
    """The smallest text above the footer, the clinical terms set after plain labels left out
    (those are checked against their own floor, 11 pt)."""
    footer_top = 0.5 * 72 + 0.38 * 72
    smallest = 99.0
    for page in pdfium.PdfDocument(pdf):
        text = page.get_textpage()
        terms = _term_chars(text)
        for i in range(text.count_chars()):
            if text.get_text_range(i, 1).strip() and text.get_charbox(i)[1] > footer_top + 1:
                size = pdfium_c.FPDFText_GetFontSize(text.raw, i)
                assert size >= 10.99, "no text a reader needs below 11 pt"
                if i not in terms:
                    smallest = min(smallest, size)
    return smallest


def _term_chars(text) -> set[int]:
    """Indices of the characters of the words of the content's clinical terms (a label's
    smaller `term`)."""
    found = set()
    for term in TERMS:
        search = text.search(term, match_case=True)
        while (hit := search.get_next()):
            found.update(range(hit[0], hit[0] + hit[1]))
    return found


@settings(max_examples=examples(10), deadline=None, suppress_health_check=list(HealthCheck))
@given(records())
def test_every_record_fits_two_pages_at_12_pt(record):
    pdf = summarize(record).pdf
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    assert _smallest_text_above_footer(pdf) >= 11.99


def test_the_worst_case_fits_two_pages():
    worst = {**BASE, "name": "W" * 200, "notes": ("Walk. " * 3 + "\n\n") * 80,
             "conditions": CONDITIONS, "override_verdict": "evaluation_needed",
             "override_reason": ("Because the knee " * 40)[:500], "language": "es"}
    pdf = summarize(worst).pdf
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(pdf)).pages)


TEXTS = read_yaml((PROJECT / "content/knee-stem-cell/summary.yaml").read_text())["languages"]
TERMS = sorted({word for match in re.finditer(r"^\s*term: (.+)$", (
    PROJECT / "content/knee-stem-cell/summary.yaml").read_text(), flags=re.M)
    for word in match.group(1).split()})
"""Every word of the content's clinical terms (a term may wrap across lines)."""


def _reducible(language: str, name: str) -> dict:
    return next(b for b in TEXTS[language]["blocks"]
                if b["type"] == "reducible" and b["id"] == name)


def _words_of(block: dict) -> str:
    """A paragraph's text as read (its bold marks and template left out)."""
    return " ".join(block["text"].replace("**", "").split()).split("{{")[0].strip()


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_ordinary_record_keeps_every_full_form(language):
    """Most summaries take the first pass: nothing is shortened."""
    pdf = summarize({**BASE, "notes": "Bring your X-ray.", "language": language}).pdf
    text = _text(pdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    for name in ("comparison", "risks", "steps"):
        shorter = next(b for b in _reducible(language, name)["reduced"] if b["type"] == "paragraph")
        assert _words_of(shorter)[:40] not in text, name


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_long_record_takes_the_first_reductions_in_their_order(language):
    """Every condition at once, a long reason and a short note run past two pages in full:
    the comparison table gives way to its one-line pointer first, and the same-day bullets (a
    later reduction) stay."""
    record = {**BASE, "conditions": CONDITIONS, "language": language, "bmi": 41.5,
              "override_verdict": "evaluation_needed",
              "override_reason": ("Because the knee " * 40)[:500],
              "notes": ("Keep the knee moving every day. " * 10)[:100]}
    pdf = summarize(record).pdf
    text = _text(pdf)
    pointer = _words_of(_reducible(language, "comparison")["reduced"][0])
    same_day = next(b for b in _reducible(language, "steps")["full"]
                    if b["type"] == "bullets")["items"][0]
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    assert pointer[:40] in text and same_day in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_note_is_cut_only_as_the_last_resort_and_says_where_the_rest_is(language):
    """The longest name, an unbroken 2,000-character note and a 500-character reason cannot
    all be shown in two pages at 12 pt: the note is cut, and says so, with the clinic's phone;
    a 2,000-character note in words, with an ordinary record, is shown whole."""
    note = _reducible(language, "note")["reduced"][0]
    ending = " ".join(note["cut"].replace("**", "").split()).split("{{")[0].strip()
    worst = {**BASE, "name": "W" * 200, "notes": "W" * 2000, "conditions": CONDITIONS,
             "override_verdict": "good", "override_reason": "R" * 500, "language": language}
    pdf = summarize(worst).pdf
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    assert ending in _text(pdf)
    words = ("Keep the knee moving every day. " * 70)[:2000]
    fits = summarize({**BASE, "notes": words, "language": language}).pdf
    # every sentence printed (one may run on across a page, the footer between its words)
    assert ending not in _text(fits) and _text(fits).count("moving") == words.count("moving")


def test_the_shipped_worst_case_is_the_longest_record_and_fits_two_pages():
    record = read_yaml((PROJECT / "content/patients/worst-case.yaml").read_text())
    assert (len(record["name"]), len(record["notes"]), len(record["override_reason"])) == (
        200, 2000, 500)
    assert sorted(record["conditions"]) == sorted(CONDITIONS)
    for language in ("en", "es"):
        pdf = summarize({**record, "language": language}).pdf
        assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
        assert _smallest_text_above_footer(pdf) >= 11.99


def test_reductions_must_name_every_reducible_block():
    text = {**TEXTS["en"], "reductions": ["comparison"]}
    with pytest.raises(ValidationError, match="reductions"):
        SummaryText.model_validate(text)


@pytest.mark.parametrize("height", [290.0, 298.0, 400.0])
def test_a_paragraph_split_at_a_page_foot_fits_the_space_it_was_split_for(height):
    """A note that flows on across a page is split at the page's foot: the first piece must fit
    there (the spaces kept at line ends once widened its lines and gained it a line, and the
    summary stopped with a LayoutError)."""
    style = ParagraphStyle("body", fontName="Helvetica", fontSize=12, leading=15.5)
    paragraph = fresh(("Keep the knee moving every day " * 70)[:2000], style)
    first, rest = paragraph.split(497, height)
    assert first.wrap(497, height)[1] <= height
    assert first.wrap(497, height)[1] + rest.wrap(497, 1e6)[1] == paragraph.wrap(497, 1e6)[1]


def test_both_languages_take_the_same_reductions_in_the_same_order():
    """A Spanish summary is shortened as its English one is, with a shorter text for each."""
    assert TEXTS["en"]["reductions"] == TEXTS["es"]["reductions"]
    for name in TEXTS["en"]["reductions"]:
        forms = [[(len(b["full"]), len(b.get("reduced", []))) for b in TEXTS[language]["blocks"]
                  if b["type"] == "reducible" and b["id"] == name] for language in ("en", "es")]
        assert forms[0] == forms[1], name


def test_the_physician_is_told_when_a_note_is_cut_by_its_length_only(tmp_path):
    """A cut note is the last resort: the command says so (never quoting the note), so the
    physician can shorten it; a note printed whole gives no such warning."""
    long_note = ("Walk every day and keep the brace on " * 60)[:2000]
    record = {**BASE, "name": "W" * 200, "notes": long_note, "conditions": CONDITIONS,
              "override_verdict": "evaluation_needed", "override_reason": "R" * 500}
    warnings = summarize(record).warnings
    assert len(warnings) == 1 and "notes are too long to print whole" in warnings[0]
    assert "of 2000 characters are printed" in warnings[0] and "brace" not in warnings[0]
    assert summarize({**BASE, "notes": "Walk every day."}).warnings == ()
    result = run_cli("summary", str(PROJECT / "content/patients/worst-case.yaml"), "-o",
                     str(tmp_path / "w.pdf"))
    assert result.returncode == 0
    assert "warning: the record's notes are too long to print whole" in result.stderr


def test_the_python_api_warns_of_a_cut_note_as_such():
    from brochure.summaries import MissingGlyphWarning, NoteCutWarning, render_summary
    long_note = ("Walk every day and keep the brace on " * 60)[:2000]
    record = {**BASE, "name": "W" * 200, "notes": long_note, "conditions": CONDITIONS,
              "override_verdict": "evaluation_needed", "override_reason": "R" * 500}
    with pytest.warns(NoteCutWarning) as caught:
        render_summary(record)
    assert not any(issubclass(w.category, MissingGlyphWarning) for w in caught)
