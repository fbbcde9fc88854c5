"""The summary leads with its bottom line: a box directly under the patient line with the
verdict, what it means for the patient and the one next step with the clinic's phone number,
ending in the top 40 % of page 1; every shipped example, in both languages, stays exactly two
pages with body text of 12 pt or more.

Positions are measured on the real PDF with ``pdftotext -bbox`` (poppler); the expected words
are read from the content files themselves."""

from __future__ import annotations

import html
import io
import re
import subprocess
import unicodedata
from functools import cache

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pypdf import PdfReader

from brochure.records import read_records
from brochure.summaries import assess, render_summary

from .conftest import PROJECT, read_yaml
from .pdf import text as pdf_text
from .test_two_pages import _term_chars

CONTENT = PROJECT / "content"
TEXTS = read_yaml((CONTENT / "knee-stem-cell/summary.yaml").read_text())["languages"]
RULES = read_yaml((CONTENT / "knee-stem-cell/candidacy.yaml").read_text())
PHONE = read_yaml((CONTENT / "brands/harbor.yaml").read_text())["contact"]["phone"]
LAYOUT = read_yaml((PROJECT / "layouts/summary-letter.yaml").read_text())
BOX_PADDING = float(LAYOUT["spacing"]["box_padding"])
FOOTER_TOP = 72 * (0.5 + 0.38)  # the layout's bottom margin and footer band


def shipped_records() -> list[tuple[str, dict]]:
    """Every shipped example record (YAML files and the clinic day's CSV rows)."""
    found = []
    for path in sorted((CONTENT / "patients").iterdir()):
        for row in read_records(path):
            assert row.record is not None, (path, row.problems)
            found.append((f"{path.stem}:{row.row}", row.record.model_dump()))
    return found


EXAMPLES = shipped_records()


def _words(pdf: bytes, page: int) -> tuple[list[tuple[str, float, float]], float]:
    """(word, top, bottom) on ``page`` (1-based) in reading order, and the page height."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
                         input=pdf, capture_output=True, check=True).stdout.decode()
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))
    words = [("".join(html.unescape(w).split()), float(top), float(bottom))
             for top, bottom, w in re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>',
        out)]
    return words, height


def _find(words, phrase: str, start: int = 0) -> tuple[int, float, float]:
    """Where ``phrase`` is printed (from word ``start`` on): (index after its last word, its
    top, its bottom)."""
    squashed = "".join(phrase.split())
    for first in range(start, len(words)):
        joined, last = "", first
        while last < len(words) and len(joined) < len(squashed):
            joined += words[last][0]
            last += 1
        if joined.startswith(squashed):
            span = words[first:last]
            return last, min(w[1] for w in span), max(w[2] for w in span)
    raise AssertionError(f"{phrase!r} is not printed on the page")


def _plain(template: str) -> str:
    return template.replace("{{ clinic_phone }}", PHONE).replace("**", "")


def _steps(record: dict, language: str) -> list[str]:
    """The next steps a summary gives, read from the rules' data: those of the rules that
    decided the verdict (each once, in the rules' order: the most urgent first), else the
    verdict's own (an override, or no rule decided it)."""
    assessment = assess(record)
    fired = {rule.id for rule in assessment.fired if rule.verdict == assessment.verdict}
    steps = [] if assessment.overridden else [
        rule["next_step"][language] for rule in RULES["rules"] if rule["id"] in fired]
    return list(dict.fromkeys(steps)) or [
        _bottom_line(language)["next_step"][assessment.verdict]]


def _bottom_line(language: str) -> dict:
    return next(b for b in TEXTS[language]["blocks"] if b["type"] == "bottom_line")


@cache
def rendered_example(name: str, language: str) -> bytes:
    """A shipped example's summary in ``language``, rendered once in this test process (the
    summary tests of several files read the same ones)."""
    return render_summary({**dict(EXAMPLES)[name], "language": language})


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], bytes]:
    return {(name, language): rendered_example(name, language)
            for name, _ in EXAMPLES for language in ("en", "es")}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", [name for name, _ in EXAMPLES])
def test_the_bottom_line_box_sits_under_the_patient_line_in_the_top_40_percent(
        rendered, name, language):
    record = {**dict(EXAMPLES)[name], "language": language}
    pdf = rendered[name, language]
    verdict = assess(record).verdict
    label = next(v for v in RULES["verdicts"] if v["id"] == verdict)["label"][language]
    block = _bottom_line(language)
    words, height = _words(pdf, 1)
    after_patient, _, patient_bottom = _find(words, TEXTS[language]["blocks"][0]["name_label"])
    after_heading, heading_top, _ = _find(words, block["heading"], after_patient)
    after_label, label_top, _ = _find(words, label, after_heading)
    after_meaning, meaning_top, _ = _find(words, _plain(block["meaning"][verdict]), after_label)
    step = f'{block["next_step_label"]} {" ".join(map(_plain, _steps(record, language)))}'
    _, step_top, step_bottom = _find(words, step, after_meaning)
    assert patient_bottom < heading_top < label_top < meaning_top < step_top
    _, phone_top, phone_bottom = _find(words, PHONE, after_meaning)
    assert phone_bottom - phone_top < 1.5 * 12, "the phone number is on one line"
    box_bottom = step_bottom + BOX_PADDING
    assert box_bottom <= 0.4 * height, f"the box ends {box_bottom / height:.0%} down page 1"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", [name for name, _ in EXAMPLES])
def test_every_shipped_example_is_two_pages_with_body_text_of_12_pt_or_more(
        rendered, name, language):
    pdf = rendered[name, language]
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    for page in pdfium.PdfDocument(pdf):
        text = page.get_textpage()
        terms = _term_chars(text)  # a clinical term after its plain label: 11 pt at least
        for i in range(text.count_chars()):
            if text.get_text_range(i, 1).strip() and text.get_charbox(i)[1] > FOOTER_TOP + 1:
                size = pdfium_c.FPDFText_GetFontSize(text.raw, i)
                least = 10.99 if i in terms else 11.99
                assert size >= least, (text.get_text_range(max(0, i - 10), 20), size)


def test_the_same_day_warning_gives_the_clinic_phone(rendered):
    for language, heading in (("en", "Get care the same day if"),
                              ("es", "Busque atención el mismo día si")):
        words, _ = _words(rendered[EXAMPLES[0][0], language], 2)
        after, _, _ = _find(words, heading)
        _find(words, PHONE, after)


@pytest.mark.parametrize("months, en, es", [
    (23, "23 months", "23 meses"), (24, "2 years", "2 años"), (60, "5 years", "5 años"),
    (30, "2 years and 6 months", "2 años y 6 meses"), (1, "1 month", "1 mes")])
def test_durations_of_24_months_or_more_are_in_years(months, en, es):
    for language, expected in (("en", en), ("es", es)):
        pdf = render_summary({**EXAMPLES[0][1], "symptom_months": months, "language": language})
        words, _ = _words(pdf, 1)
        row = [inner for b in TEXTS[language]["blocks"]
               for inner in (b["full"] if b["type"] == "reducible" else [b])]
        label = next(r["label"] for b in row if b["type"] == "findings" for r in b["rows"]
                     if "symptom_months" in r["value"])
        after, _, _ = _find(words, label)
        _find(words, expected, after)


def test_knee_and_physician_are_said_once(rendered):
    text = unicodedata.normalize("NFC", pdf_text(rendered["good-candidate:1", "en"]))
    assert "Knee: Right knee" not in text and "Right knee" in text
    assert text.count("Marlow") == 1 and "Dr. Inés Marlow" in text
    assert "MD," not in text and "Marlow, MD" not in text


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", [name for name, record in EXAMPLES
                                  if record.get("publication") in (None, "knee-stem-cell")])
def test_a_verdict_the_rules_decided_gives_its_deciding_rules_own_next_step(
        rendered, name, language):
    """A pregnant patient is not told to get "the problem below" treated: the next step is
    the deciding rule's own, and those words are nowhere."""
    record = {**dict(EXAMPLES)[name], "language": language}
    text = pdf_text(rendered[name, language])
    assert "problem below" not in text and "problema de abajo" not in text
    words, _ = _words(rendered[name, language], 1)
    for step in _steps(record, language):
        _find(words, _plain(step))


@pytest.mark.parametrize("conditions, rule", [
    (["pregnant_or_breastfeeding"], "NS3"), (["inflammatory_arthritis"], "NS4"),
    (["infection"], "NS1"), (["active_cancer", "infection"], "NS1")])
def test_each_not_suitable_reason_gives_its_own_next_step(conditions, rule):
    """The most urgent deciding rule's step comes first, each in both languages."""
    for language in ("en", "es"):
        record = {**EXAMPLES[0][1], "conditions": conditions, "language": language,
                  "override_verdict": None, "override_reason": None}
        pdf = render_summary(record)
        words, _ = _words(pdf, 1)
        label = _bottom_line(language)["next_step_label"]
        own = next(r for r in RULES["rules"] if r["id"] == rule)["next_step"][language]
        after, _, _ = _find(words, label)
        _find(words, _plain(own), after)


def test_a_rule_that_can_decide_a_verdict_needs_a_next_step(project):
    path = project / "content/knee-stem-cell/candidacy.yaml"
    text = path.read_text()
    start = text.index("  - id: NS3")
    end = text.index("  - id: NS4")
    cut = text[start:end].split("    next_step:")[0]
    path.write_text(text[:start] + cut + text[end:])
    from .conftest import run_cli
    result = run_cli("check", "--root", str(project))
    line = text[:start].count("\n") + 1
    assert result.returncode == 2, result.stderr
    assert f"candidacy.yaml:{line}:" in result.stderr and "rule NS3" in result.stderr
    assert "no next step" in result.stderr
