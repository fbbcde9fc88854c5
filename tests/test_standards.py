"""Publication standards (issue 12, item 10): every brochure, in every layout and language,
states its sources, its publication and review dates, that other formats and languages are
available, and that the clinic offers and charges for the treatment; `brochure check` fails a
publication without a review date or past it, and warns from 90 days before."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import PROJECT, read_yaml, run_cli

PUBLICATION = PROJECT / "content" / "knee-stem-cell"
LAYOUTS = ["trifold-letter", "trifold-a4", "booklet-letter"]

FACTS = {
    "en": {
        "sources: the ACR / Arthritis Foundation guideline of 2019": [
            "Sources:", "Arthritis Foundation guideline, 2019"],
        "sources: the FDA's consumer warning on stem cell products": [
            "FDA consumer warning on stem cell products"],
        "publication date": ["Published November 2026."],
        "review date": ["Next review November 2027."],
        "other formats and languages": [
            "Large print, audio and other languages on request: call (555) 014-2200."],
        "disclosure": ["Harbor Knee & Joint Center offers this treatment and charges for it."],
    },
    "es": {
        "sources: the ACR / Arthritis Foundation guideline of 2019": [
            "Fuentes:", "ACR/Arthritis Foundation, 2019"],
        "sources: the FDA's consumer warning on stem cell products": [
            "aviso de la FDA sobre células madre"],
        "publication date": ["Publicado: noviembre de 2026."],
        "review date": ["Próxima revisión: noviembre de 2027."],
        "other formats and languages": [
            "letra grande, en audio o en otro idioma: llame al (555) 014-2200."],
        "disclosure": ["Harbor Knee & Joint Center ofrece este tratamiento y cobra por él."],
    },
}
"""What a reader must find, written out here (not taken from the content files)."""

BACK = {"trifold-letter": (1,), "trifold-a4": (1,), "booklet-letter": (7, 8)}
"""The pages holding the back panel (tri-fold outside), or the booklet's inside back page and
its back cover (other formats, on a line of their own)."""


def _text(pdf: Path, page: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_brochure_states_its_sources_dates_formats_and_disclosure(built, layout,
                                                                         language):
    suffix = "" if language == "en" else f"-{language}"
    text = " ".join(_text(built / "knee-stem-cell" / f"{layout}{suffix}.pdf", page)
                    for page in BACK[layout])
    for fact, phrases in FACTS[language].items():
        for phrase in phrases:
            assert phrase in text, f"{layout} ({language}): {fact}: '{phrase}' not on its page"


def _size_of(pdf: Path, page: int, needle: str) -> float:
    """The font size the text starting with ``needle`` is drawn at."""
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.startswith(needle):
            sizes.append(size * tm[3] * cm[3])

    PdfReader(pdf).pages[page - 1].extract_text(visitor_text=visit)
    assert sizes, f"'{needle}' not found in {pdf.name}"
    return sizes[0]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("layout", ["trifold-letter", "trifold-a4"])
def test_the_back_panel_holds_them_at_full_size(built, layout, language):
    """Room was made by short wording, not by shrinking the panel's type."""
    suffix = "" if language == "en" else f"-{language}"
    stated = read_yaml((PROJECT / "layouts" / f"{layout}.yaml").read_text())["typography"]
    pdf = built / "knee-stem-cell" / f"{layout}{suffix}.pdf"
    label = FACTS[language]["sources: the ACR / Arthritis Foundation guideline of 2019"][0]
    assert _size_of(pdf, 1, label) == pytest.approx(stated["small"]["size"], abs=0.01)
    doctor = "Dr. Marlow" if language == "en" else "La Dra. Marlow"
    assert _size_of(pdf, 1, doctor) == pytest.approx(stated["body"]["size"], abs=0.01)


def test_the_booklet_sets_them_at_the_foot_of_its_inside_back_page(built):
    reader = PdfReader(built / "knee-stem-cell" / "booklet-letter.pdf")
    page = reader.pages[6]
    heights = {}

    def visit(text, cm, tm, font, size):
        for needle in ("Sources:", "How do you check whether it worked?"):
            if text.startswith(needle):
                heights[needle] = tm[5] * cm[3] + cm[5]

    page.extract_text(visitor_text=visit)
    tall = float(page.mediabox.height)
    assert heights["Sources:"] < tall / 4, "the standards are not at the page's foot"
    assert heights["How do you check whether it worked?"] - heights["Sources:"] > tall / 4


@pytest.mark.parametrize("name", ["publication.yaml", "publication.es.yaml"])
def test_shipped_review_date_is_at_least_a_year_after_publication(name):
    data = read_yaml((PUBLICATION / name).read_text())
    published, review = data["date"], data["review_date"]
    assert isinstance(review, dt.date)
    assert review >= published.replace(year=published.year + 1)


# -- brochure check ---------------------------------------------------------------------------

def _line_of(path: Path, text: str) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(text))


def _check(project: Path, today: str, monkeypatch) -> subprocess.CompletedProcess:
    monkeypatch.setenv("BROCHURE_TODAY", today)
    result = run_cli("check", cwd=project)
    assert "Traceback" not in result.stderr
    return result


def _findings(result, level: str) -> list[str]:
    """The check's lines at ``level`` about review dates."""
    return [line for line in result.stderr.splitlines()
            if f": {level}: " in line and "review" in line]


def test_check_fails_a_publication_without_a_review_date(project, monkeypatch):
    path = project / "content" / "knee-stem-cell" / "publication.yaml"
    path.write_text(re.sub(r"(?m)^review_date: .*\n", "", path.read_text()))
    result = _check(project, "2026-11-29", monkeypatch)
    assert result.returncode == 1, result.stderr
    assert _findings(result, "finding") == [
        "content/knee-stem-cell/publication.yaml:1:1: finding: no review_date: a publication "
        "states when its text will next be checked; add review_date: YYYY-MM-DD (often a year "
        "after its date)"]


@pytest.mark.parametrize("today, days", [("2027-11-02", 1), ("2029-01-01", 427)])
def test_check_fails_a_review_date_that_has_passed(project, monkeypatch, today, days):
    result = _check(project, today, monkeypatch)
    assert result.returncode == 1, result.stderr
    found = [f for f in _findings(result, "finding") if "knee-stem-cell" in f]
    for name in ("publication.yaml", "publication.es.yaml"):
        line = _line_of(project / "content" / "knee-stem-cell" / name, "review_date:")
        assert (f"content/knee-stem-cell/{name}:{line}:14: finding: the review date 2027-11-01 "
                f"has passed ({days} day{'s' * (days != 1)} ago)") in "\n".join(found)
    assert len(found) == 2, found


@pytest.mark.parametrize("today, days", [("2027-08-03", 90), ("2027-10-31", 1),
                                         ("2027-11-01", 0)])
def test_check_warns_from_90_days_before_without_failing(project, monkeypatch, today, days):
    result = _check(project, today, monkeypatch)
    assert result.returncode == 0, result.stderr
    assert _findings(result, "finding") == []
    warnings = _findings(result, "warning")
    when = "today" if days == 0 else f"in {days} day{'s' * (days != 1)}"
    for name in ("publication.yaml", "publication.es.yaml"):
        line = _line_of(project / "content" / "knee-stem-cell" / name, "review_date:")
        assert (f"content/knee-stem-cell/{name}:{line}:14: warning: the review date 2027-11-01 "
                f"is {when}: plan the review") in "\n".join(warnings)
    assert len([w for w in warnings if "knee-stem-cell" in w]) == 2
    assert f"content: ok ({len(warnings)} warning(s))" in result.stdout


def test_check_is_quiet_91_days_before(project, monkeypatch):
    result = _check(project, "2027-08-02", monkeypatch)
    assert result.returncode == 0, result.stderr
    assert "review" not in result.stderr
    assert "content: ok\n" in result.stdout


def test_a_review_date_before_the_publication_date_is_an_input_error(project):
    path = project / "content" / "knee-stem-cell" / "publication.yaml"
    path.write_text(path.read_text().replace("review_date: 2027-11-01", "review_date: 2026-10-01"))
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    assert "review_date 2026-10-01 is not after the publication's date 2026-11-01" in \
        result.stderr
    assert "Traceback" not in result.stderr


def test_check_fails_a_layout_that_does_not_place_the_standards(project):
    placement = project / "content" / "knee-stem-cell" / "placement.yaml"
    text = placement.read_text()
    letter = re.search(r"(?ms)^  trifold-letter:\n(.*?)(?=^  \S)", text)
    assert letter and letter.group(1).count(", foot: [standards]") == 1
    a4 = letter.group(1).replace("{sections: [physician, back], foot: [standards]}",
                                 "[physician, back]")
    placement.write_text(re.sub(r"(?m)^  trifold-a4: .*$", lambda _: "  trifold-a4:\n" + a4,
                                text))
    result = run_cli("check", cwd=project)
    assert result.returncode == 1, result.stderr
    found = [line for line in result.stderr.splitlines() if "standards are not" in line]
    for name in ("publication.yaml", "publication.es.yaml"):
        line = _line_of(project / "content" / "knee-stem-cell" / name, "standards:")
        assert any(f.startswith(f"content/knee-stem-cell/{name}:{line}:") and
                   ": finding: layout trifold-a4: the standards are not all in the output" in f
                   for f in found), found
    assert len(found) == 2, found


def test_check_fails_a_publication_without_standards(project):
    for name in ("publication.yaml", "publication.es.yaml"):
        path = project / "content" / "knee-stem-cell" / name
        text = path.read_text()
        start, end = text.index("\nstandards:\n"), text.index("\nstatements:\n")
        text = text[:start] + text[end:]
        colophon = "\n  standards:\n    - type: colophon\n      formats: false\n"
        path.write_text(text.replace(colophon, "\n  standards: []\n"))
    result = run_cli("check", cwd=project)
    assert result.returncode == 1, result.stderr
    found = [line for line in result.stderr.splitlines() if ": finding: no standards" in line]
    assert [f.split(": finding")[0] for f in found] == [
        "content/knee-stem-cell/publication.yaml:1:1",
        "content/knee-stem-cell/publication.es.yaml:1:1"], result.stderr


def test_a_colophon_without_standards_and_a_translation_without_them_are_input_errors(project):
    path = project / "content" / "knee-stem-cell" / "publication.es.yaml"
    text = path.read_text()
    start, end = text.index("\nstandards:\n"), text.index("\nstatements:\n")
    path.write_text(text[:start] + text[end:])
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    line = _line_of(path, "    - type: colophon")
    assert (f"publication.es.yaml:{line}:7: error: a colophon block shows the publication's "
            "standards, but it has none") in result.stderr
    assert "standards missing from this translation" in result.stderr
