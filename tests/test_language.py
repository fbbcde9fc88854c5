"""Patient-grade text: every script renders, the Spanish edition, reading level, honest claims,
contrast and size checks, and accessible basics (bookmarks, labels, reading order)."""

from __future__ import annotations

import io
import re

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import ContentStream

from brochure.render.fonts import coverage
from brochure.summaries import render_summary

from .conftest import PROJECT, run_cli
from .conftest import edit_once as _edit
from .pdf import text as pdf_text
from .test_candidacy import BASE

NAMES = ["Nguyễn Thị Minh Khai", "Łukasz Żółkiewski", "Σοφία Παπαδοπούλου", "Ольга Смирнова"]
PUBLICATION = "content/knee-stem-cell/publication.yaml"


def _text(pdf: bytes) -> str:
    return pdf_text(pdf)


def _codes_by_font(reader: PdfReader) -> dict[str, set[int]]:
    """The character codes each font (by base font name) is asked to show."""
    used: dict[str, set[int]] = {}
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        current = None
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"Tf":
                current = str(fonts[operands[0]].get_object()["/BaseFont"])
            elif op in (b"Tj", b"TJ") and current:
                strings = operands[0] if op == b"TJ" else [operands[0]]
                for piece in strings:
                    data = getattr(piece, "original_bytes", piece)
                    if isinstance(data, bytes):
                        used.setdefault(current, set()).update(data)
    return used


def _embedded(reader: PdfReader) -> dict[str, TTFont]:
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            data = font["/FontDescriptor"].get_object()["/FontFile2"].get_object().get_data()
            found[str(font["/BaseFont"])] = TTFont(io.BytesIO(data))
    return found


@pytest.mark.parametrize("name", NAMES)
def test_names_in_any_latin_greek_or_cyrillic_script_render_exactly(name, recwarn):
    pdf = render_summary({**BASE, "name": name})
    assert f"Prepared for: {name}" in _text(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    fonts = _embedded(reader)
    for base, codes in _codes_by_font(reader).items():
        cmap = fonts[base]["cmap"].tables[0].cmap  # the subset's code → glyph table
        notdef = {".notdef", cmap.get(0)}  # code 0 is where ReportLab puts a missing glyph
        for code in codes:
            assert code != 0 and cmap.get(code, ".notdef") not in notdef, (name, base, code)
    needs_fallback = any(ord(c) not in coverage("atkinson-hyperlegible-700-normal")
                         for c in name if not c.isspace())
    assert any("noto" in b.lower() for b in fonts) == needs_fallback
    assert not [w for w in recwarn if "no available font" in str(w.message)]


def test_a_script_no_font_covers_is_reported_by_name_and_code_point(tmp_path):
    record = (PROJECT / "content/patients/good-candidate.yaml").read_text().replace(
        "name: Margaret Ellison", "name: བཀྲ་ཤིས")
    path = tmp_path / "tibetan.yaml"
    path.write_text(record)
    result = run_cli("summary", str(path), "-o", str(tmp_path / "t.pdf"))
    assert result.returncode == 0
    assert "warning: the record's name has U+0F56 TIBETAN LETTER BA, which no available font " \
           "can draw" in result.stderr
    assert (tmp_path / "t.pdf").exists()


def test_spanish_brochure_and_summary_exist_in_spanish(built):
    for name in ("trifold-letter", "trifold-a4", "booklet-letter"):
        reader = PdfReader(built / "knee-stem-cell" / f"{name}-es.pdf")
        assert reader.trailer["/Root"]["/Lang"] == "es"
        assert "¿Es adecuada para usted?" in " ".join(reader.pages[0].extract_text().split()) \
            or "¿Es adecuada para usted?" in reader.pages[1].extract_text()
    pdf = render_summary({**BASE, "language": "es"})
    reader = PdfReader(io.BytesIO(pdf))
    text = _text(pdf)
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert reader.metadata.title == "Resumen del tratamiento de su rodilla"
    assert "Nació el 5 de mayo de 1955" in text and "Visita 2 de noviembre de 2026" in text
    assert "Podría ser una opción para hablar con su médico" in text
    assert "Tiene artritis leve o moderada" in text
    assert "La FDA no ha aprobado" in text and "Página 1 de 2" in text
    assert "Dra. Inés Marlow" in text


def test_build_lang_writes_only_that_edition(tmp_path):
    result = run_cli("build", "--lang", "es", "--layout", "trifold-letter", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "knee-stem-cell").glob("*.pdf"))
    assert names == ["trifold-letter-es-print.pdf", "trifold-letter-es.pdf"]
    assert run_cli("build", "--lang", "fr", "--out", str(tmp_path)).returncode == 2


def test_shipped_content_passes_every_check(tmp_path):
    # an empty output folder of its own (a /nonexistent left on a machine once held a stale
    # brochure, which check rightly measured)
    result = run_cli("check", "--out", str(tmp_path / "none"))
    assert result.returncode == 0, result.stderr
    assert "content: ok" in result.stdout


def _findings(project) -> list[str]:
    result = run_cli("check", cwd=project)
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if ": finding: " in line]




def test_readability_check_names_the_section_and_its_grade(project):
    # one hard sentence for an easy one, short enough to keep fitting its tri-fold panel
    _edit(project, PUBLICATION, "Studies so far are small, and the results are mixed.",
          "Investigational regenerative interventions demonstrate heterogeneous methodological "
          "characteristics.")
    _edit(project, PUBLICATION, "Exercise and physical therapy come first for most people.",
          "Investigational regenerative interventions demonstrate heterogeneous methodological "
          "characteristics.")
    findings = _findings(project)
    assert any(re.search(rf"{PUBLICATION}:\d+:\d+: finding: section 'research' reads at grade "
                         r"\d+\.\d \(Flesch–Kincaid grade", f) for f in findings), findings


def test_spanish_readability_is_checked_with_its_own_measure(project):
    spanish = "content/knee-stem-cell/publication.es.yaml"  # short: the panels are full
    _edit(project, spanish, "Los estudios hasta ahora son pequeños, con resultados mixtos.",
          "Intervenciones regenerativas experimentales: metodologías heterogéneas.")
    _edit(project, spanish, "El ejercicio y la fisioterapia van primero: cuestan menos y "
          "tienen pocos riesgos.", "Intervenciones terapéuticas convencionales: fisioterapia, "
          "ejercicio.")
    findings = _findings(project)
    assert any("publication.es.yaml" in f and "section 'research'" in f and
               "Fernández-Huerta" in f for f in findings), findings


def test_a_missing_required_statement_is_caught_in_each_layout(project):
    _edit(project, PUBLICATION, "refs: [harvest-risks, cost]", "refs: [harvest-risks]")
    findings = _findings(project)
    layouts = {m.group(1) for f in findings
               if (m := re.search(r"layout (\S+): the required statement 'cost' is not in", f))}
    assert layouts == {"trifold-letter", "trifold-a4", "booklet-letter"}


def test_a_banned_phrase_is_caught_with_page_and_place(project):
    line = _edit(project, PUBLICATION, "      text: What the research says",
                 "      text: What the research says about a miracle")
    findings = _findings(project)
    hits = [f for f in findings if "banned phrase 'miracle'" in f]
    assert len(hits) == 3 and all(f.startswith(f"{PUBLICATION}:") for f in hits), findings
    assert any("layout trifold-letter, page 2" in f for f in hits)
    assert all(f.startswith(f"{PUBLICATION}:{line - 1}:7:") for f in hits), (line, hits)


def test_low_contrast_is_caught(project):
    _edit(project, "content/brands/harbor.yaml", 'rgb: "#595959"}   # secondary text',
          'rgb: "#b0b0b0"}')
    findings = _findings(project)
    assert any("'muted' on 'paper' has a contrast of 2." in f for f in findings), findings


def test_body_text_below_the_layout_minimum_is_caught(project):
    _edit(project, "layouts/summary-letter.yaml", "body:           {size: 12,",
          "body:           {size: 11,")
    findings = _findings(project)
    assert any(f.startswith("layouts/summary-letter.yaml:") and "style 'body' is 11 pt" in f
               for f in findings), findings


def test_a_character_no_font_has_is_a_finding(project):
    _edit(project, PUBLICATION, "Studies so far are small", "Studies ༀ so far are small")
    findings = _findings(project)
    assert any("U+0F00 TIBETAN SYLLABLE OM is in no available font" in f for f in findings)


def test_brochures_have_bookmarks_labels_and_reading_order(built):
    reader = PdfReader(built / "knee-stem-cell" / "trifold-letter.pdf")
    titles = [o.title for o in reader.outline]
    assert titles == ["Stem cell therapy for knee pain", "Is it right for you?",
                      "What is stem cell therapy?", "How it compares", "What the research says",
                      "What happens on the day", "Risks and costs", "Meet your doctor",
                      "Visit or call us"]
    assert reader.page_labels == ["Outside", "Inside"]
    first = " ".join(reader.pages[0].extract_text().split())
    assert first.index("Stem cell therapy") < first.index("Is it right for you?") < \
        first.index("Meet your doctor")
    booklet = PdfReader(built / "knee-stem-cell" / "booklet-letter.pdf")
    assert booklet.page_labels == [str(n) for n in range(1, 9)]
    assert booklet.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"]
