"""The patient's summary as written: pages, text, verdict, privacy, encryption, determinism."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from brochure import BrochureError
from brochure.summaries import assess, render_summary, summarize

from .conftest import PROJECT, examples, run_cli
from .pdf import every_object_bytes, fonts, is_embedded
from .test_candidacy import BASE
from .test_two_pages import _term_chars


def _text(pdf: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture(scope="module")
def good_pdf() -> bytes:
    return render_summary({**BASE, "notes": "Walk every day.\n\nBring your brace."})


def test_a_good_candidate_gets_two_letter_pages(good_pdf):
    reader = PdfReader(io.BytesIO(good_pdf))
    assert len(reader.pages) == 2
    assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (612, 792)
               for p in reader.pages)


def test_the_summary_says_what_a_patient_needs(good_pdf):
    text = _text(good_pdf)
    for expected in [
        "Prepared for: Test Patient", "Born May 5, 1955", "Visit November 2, 2026",
        "Your doctor", "Dr. Inés Marlow · Signature", "You: moderate arthritis", "You: moderate",
        "Could be an option to discuss with your doctor",
        "You have mild to moderate arthritis with some cartilage left.",
        "Walk every day.", "Bring your brace.",
        "No stem cell treatment is approved by the FDA", "American College of Rheumatology",
        "not proven to grow back cartilage", "Insurance does not usually pay",
        "Physical therapy", "Knee replacement", "second opinion",
        "This summary is not a diagnosis or a promise of results.",
        "Direct line: (555) 014-2210", "https://harborknee.example/book",
        "Page 1 of 2", "Page 2 of 2", "Next review November 2027", "Confidential",
        "Get care the same day if",
    ]:
        assert expected in text, expected


def test_body_text_is_at_least_12_pt_above_the_footer(good_pdf):
    document = pdfium.PdfDocument(good_pdf)
    footer_top = 0.5 * 72 + 0.38 * 72
    checked = 0
    for page in document:
        text = page.get_textpage()
        terms = _term_chars(text)  # a clinical term after its plain label: 11 pt at least
        for i in range(text.count_chars()):
            if not text.get_text_range(i, 1).strip():
                continue
            bottom = text.get_charbox(i)[1]
            if bottom > footer_top + 1:
                size = pdfium_c.FPDFText_GetFontSize(text.raw, i)
                least = 10.99 if i in terms else 11.99
                assert size >= least, (text.get_text_range(max(0, i - 10), 20), size)
                checked += 1
    assert checked > 1500


def test_fonts_embedded_and_no_base_font(good_pdf, tmp_path):
    path = tmp_path / "s.pdf"
    path.write_bytes(good_pdf)
    assert all(is_embedded(f) for f in fonts(path))
    assert b"/Helvetica" not in every_object_bytes(good_pdf)


@pytest.mark.parametrize("name", ["O'Brien <b>&amp; Sons</b>", "{{ 7*7 }} {% if 1 %}x{% endif %}",
                                  "**Bold** *it* <img src=x/>", "<a href=\"javascript:alert(1)\">"])
def test_names_and_notes_print_literally(name):
    pdf = render_summary({**BASE, "name": name, "notes": f"Note: {name}"})
    text = _text(pdf)
    assert f"Prepared for: {name}" in text
    assert f"Note: {name}" in text
    assert "49" not in text.replace("2026", "")
    objects = every_object_bytes(pdf)
    assert b"/JavaScript" not in objects and b"/URI (javascript" not in objects


def test_nothing_about_the_patient_is_in_the_metadata(good_pdf):
    raw = good_pdf
    reader = PdfReader(io.BytesIO(raw))
    info = " ".join(str(v) for v in reader.metadata.values())
    for secret in ("Test Patient", "T-1", "1955", "2026-11-02"):
        assert secret not in info
    assert reader.metadata.title == "Your knee treatment summary"
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_the_footer_names_the_leaflet_and_its_review_the_metadata_its_versions(good_pdf):
    """A patient reads a leaflet code and dates (as on an NHS leaflet), not software versions;
    whoever files the document finds the versions in its metadata."""
    reader = PdfReader(io.BytesIO(good_pdf))
    for page in reader.pages:
        assert ("Leaflet HK-SC-S1 · Published November 2026 · Next review November 2027"
                in page.extract_text())
        assert "Rules " not in page.extract_text() and "brochure 0" not in page.extract_text()
    assert reader.metadata["/Creator"] == "brochure 0.1.0 (rules 2026.11-1, content 1)"
    spanish = PdfReader(io.BytesIO(render_summary({**BASE, "language": "es"})))
    assert "Próxima revisión: noviembre de 2027" in spanish.pages[1].extract_text()


def test_the_same_record_gives_identical_bytes(good_pdf):
    assert render_summary({**BASE, "notes": "Walk every day.\n\nBring your brace."}) == good_pdf


def test_an_override_is_shown_with_its_reason():
    pdf = render_summary({**BASE, "pain": 2, "override_verdict": "good",
                          "override_reason": "Pain stops her from gardening."})
    text = _text(pdf)
    assert "Could be an option to discuss with your doctor" in text
    assert "Your doctor changed this result after looking at your case: Pain stops her from " \
           "gardening." in text
    assert "Your pain is mild." in text


def test_encrypted_summary_needs_its_password():
    pdf = render_summary(BASE, password="s3cret-Pass")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    assert reader.trailer["/Encrypt"]["/V"] == 5  # AES-256
    assert b"Test Patient" not in every_object_bytes(pdf)
    with pytest.raises(Exception):  # noqa: B017 - any failure to read is the point
        reader.pages[0].extract_text()
    wrong = PdfReader(io.BytesIO(pdf))
    assert not wrong.decrypt("wrong")
    assert "Test Patient" in _text(pdf, password="s3cret-Pass")
    permissions = int(reader.trailer["/Encrypt"]["/P"])
    assert permissions & (1 << 9), "extraction for accessibility stays allowed"


def test_patient_packet_appends_the_brochure_keeping_title_language_bookmarks():
    summary = render_summary(BASE)
    packet = render_summary(BASE, with_brochure=True)
    reader, alone = PdfReader(io.BytesIO(packet)), PdfReader(io.BytesIO(summary))
    assert len(reader.pages) == len(alone.pages) + 8, "the booklet, which reads in page order"
    assert reader.metadata.title == "Your knee treatment summary"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[: len(alone.outline)] == [o.title for o in alone.outline]
    assert "What we found, in plain words" in titles
    assert "Is it right for you?" in reader.pages[len(alone.pages) + 1].extract_text()


def test_summary_command_writes_a_token_named_file_and_never_prints_patient_data(tmp_path,
                                                                                project):
    record = PROJECT / "content/patients/not-suitable.yaml"
    result = run_cli("summary", str(record), "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 0, result.stderr
    assert "O'Brien" in _text((tmp_path / "x.pdf").read_bytes())
    result = run_cli("summary", str(record), "--root", str(project))  # not the repository's
    written = re.search(r"wrote (\S+)", result.stdout).group(1)
    assert re.fullmatch(rf"{project}/output/summaries/s-[0-9a-f]{{16}}\.pdf", written)
    assert "O'Brien" not in result.stdout + result.stderr and "HK-10577" not in written


def test_summary_password_comes_from_the_environment_only(tmp_path):
    record = str(PROJECT / "content/patients/good-candidate.yaml")
    missing = run_cli("summary", record, "-o", str(tmp_path / "a.pdf"), "--password-env", "NOPE")
    assert missing.returncode == 2 and "named by --password-env is not set" in missing.stderr
    assert "NOPE" not in missing.stderr, "a name not set may be the password, mistyped"
    assert run_cli("summary", record, "--password", "x").returncode == 2


def test_summary_command_reports_a_bad_record_with_position(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((PROJECT / "content/patients/good-candidate.yaml").read_text()
                   .replace("pain: 6", "pain: 60"))
    result = run_cli("summary", str(bad), "-o", str(tmp_path / "b.pdf"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.search(r"bad\.yaml:\d+:7: error: invalid value for 'pain'", result.stderr)
    told = result.stderr.replace(str(tmp_path), "")  # its folder's name may hold a 60
    assert "60" not in told, "the value given is patient data and is not echoed"
    assert not (tmp_path / "b.pdf").exists()


_names = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80)
_records = st.fixed_dictionaries({
    **{k: st.just(v) for k, v in BASE.items()},
    "name": _names,
    "pain": st.one_of(st.integers(-5, 15), st.just("7"), st.just("")),
    "kl_grade": st.one_of(st.none(), st.integers(-1, 6), st.just("")),
    "bmi": st.one_of(st.none(), st.floats(allow_nan=True), st.just("abc")),
    "symptom_months": st.one_of(st.integers(-1, 10**7), st.just(None)),
    "notes": st.one_of(st.none(), st.text(max_size=400)),
    "conditions": st.one_of(st.just("infection;unstable_knee"),
                            st.lists(st.sampled_from(["infection", "immunosuppressed", "x"]))),
})


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_records)
def test_any_record_gives_a_pdf_or_a_clear_error(record):
    try:
        result = summarize(record)
    except BrochureError as exc:
        assert exc.problems and all(": error: " in str(p) for p in exc.problems)
        return
    pdf = result.pdf
    assert pdf.startswith(b"%PDF") and len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    assert all(re.search(r"U\+[0-9A-F]{4,6} ", w) for w in result.warnings), result.warnings
    assert assess(record).verdict in {"good", "evaluation_needed", "less_likely", "not_suitable"}


def test_output_does_not_depend_on_what_was_rendered_before():
    from brochure.project import load_project
    fresh = render_summary(BASE, project=load_project(PROJECT))
    busy = load_project(PROJECT)
    for i, verdict_change in enumerate([{"pain": 1}, {"kl_grade": 4}, {"conditions": ["infection"]},
                                        {"kl_grade": None}, {"name": "Ünïcödé Ñame"}] * 3):
        render_summary({**BASE, **verdict_change, "id": f"X-{i}"}, project=busy)
    assert render_summary(BASE, project=busy) == fresh


def test_summaries_rendered_in_parallel_threads_equal_those_rendered_one_by_one():
    """The JSON API renders in a thread pool: shared caches and replayed drawing must not mix
    one patient's document into another's."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    records = [{**BASE, "id": f"T-{i}", "name": f"Patient {i}", "pain": i % 11,
                "kl_grade": i % 5, "notes": "Walk." if i % 2 else None} for i in range(24)]
    records += [{**r, "language": "es"} for r in records[:8]]  # tables split across columns
    expected = [render_summary(r) for r in records]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, to give races their chance
    try:
        for _ in range(3):
            with ThreadPoolExecutor(6) as pool:
                results = list(pool.map(render_summary, records * 2))
            assert results == expected * 2
    finally:
        sys.setswitchinterval(interval)
