"""veraPDF (issue 13): every file a reader gets passes PDF/UA-1 with zero failed rules; what is
archived (screen brochures, unencrypted summaries, packets) passes PDF/A-2a as well; print
files' structure trees are not broken. One veraPDF run covers every file (the JVM starts
slowly). Files broken on purpose fail, so the validation cannot pass vacuously.

Without veraPDF (no Java, Maven or network) these tests are skipped, saying how to enable
them; under CI=true they fail instead."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from brochure.summaries import summarize
from brochure.validate import Report, command, validate

from .conftest import PROJECT, ROOT, read_yaml, run_cli
from .pdf import every_object_bytes

pytestmark = pytest.mark.jvm

PATIENTS = PROJECT / "content" / "patients"
VERDICTS = {"good": "good-candidate", "evaluation_needed": "evaluation-needed",
            "less_likely": "less-likely", "not_suitable": "not-suitable"}
LAYOUTS = ["trifold-letter", "trifold-a4", "booklet-letter"]
SCREEN = [f"{layout}{suffix}.pdf" for layout in LAYOUTS for suffix in ("", "-es")]
PRINT = [name.replace(".pdf", "-print.pdf") for name in SCREEN]
UA, PDFA = "PDF/UA-1", "PDF/A-2A"
PASSWORD = "correct horse battery"
ENABLE = "veraPDF not available: run tools/verapdf/fetch (needs Java 17 and Maven) to enable"


def _available() -> None:
    if command() is None:
        fetch = subprocess.run([str(ROOT / "tools" / "verapdf" / "fetch")],
                               capture_output=True, text=True, check=False)
        if os.environ.get("CI") == "true":
            assert command() is not None, f"CI=true and veraPDF unavailable: {fetch.stderr}"
        if command() is None:
            pytest.skip(ENABLE)


def _record(patient: str, **changes) -> dict:
    return {**read_yaml((PATIENTS / f"{patient}.yaml").read_text("utf-8")), **changes}


def _broken(source: Path, target: Path, change) -> Path:
    writer = PdfWriter(clone_from=PdfReader(source))
    change(writer)
    writer.write(target)
    return target


def _without_figure_alt(writer: PdfWriter) -> None:
    """The first Figure element loses its alternative text."""
    stack = [writer._root_object["/StructTreeRoot"]]
    while stack:
        element = stack.pop().get_object()
        if element.get("/S") == "/Figure" and "/Alt" in element:
            del element[NameObject("/Alt")]
            return
        kids = element.get("/K")
        stack += [k for k in (kids if isinstance(kids, list) else [kids])
                  if hasattr(k, "get_object") and hasattr(k.get_object(), "get")]
    raise AssertionError("no Figure with /Alt to break")


def _without_pdfaid(writer: PdfWriter) -> None:
    """The XMP metadata no longer declares PDF/A-2a (neither part nor conformance)."""
    metadata = writer._root_object["/Metadata"].get_object()
    data = metadata.get_data()
    for element in (b"<pdfaid:part>2</pdfaid:part>", b"<pdfaid:conformance>A</pdfaid:conformance>"):
        assert element in data
        data = data.replace(element, b"")
    metadata.set_data(data)


def _without_output_intent(writer: PdfWriter) -> None:
    """The sRGB output intent that gives the file's device RGB its meaning is gone."""
    del writer._root_object[NameObject("/OutputIntents")]


@pytest.fixture(scope="session")
def files(built, tmp_path_factory) -> dict[str, Path]:
    """Every file to validate, by a short name: the shipped screen and print brochures, a
    summary of each verdict in each language, the packet in each language, a summary with an
    Arabic and a Devanagari name, and files broken on purpose."""
    out = tmp_path_factory.mktemp("verapdf")
    found = {f"brochure/{name}": built / "knee-stem-cell" / name for name in SCREEN + PRINT}
    for verdict, patient in VERDICTS.items():
        for language in ("en", "es"):
            result = summarize(_record(patient, language=language))
            assert result.assessment.verdict == verdict
            found[f"summary/{verdict}-{language}"] = out / f"summary-{verdict}-{language}.pdf"
            found[f"summary/{verdict}-{language}"].write_bytes(result.pdf)
    for language in ("en", "es"):
        packet = summarize(_record("good-candidate", language=language), with_brochure=True)
        found[f"packet/{language}"] = out / f"packet-{language}.pdf"
        found[f"packet/{language}"].write_bytes(packet.pdf)
    scripts = summarize(_record("good-candidate", name="محمد عبد الله अनुराधा शर्मा"))
    assert scripts.warnings == ()
    found["summary/scripts"] = out / "summary-scripts.pdf"
    found["summary/scripts"].write_bytes(scripts.pdf)
    encrypted = out / "encrypted.pdf"
    encrypted.write_bytes(summarize(_record("good-candidate"), password=PASSWORD).pdf)
    found["summary/encrypted"] = _decrypted(encrypted, out / "decrypted.pdf")
    good = found["summary/good-en"]
    found["broken/figure-without-alt"] = _broken(good, out / "no-alt.pdf", _without_figure_alt)
    found["broken/no-output-intent"] = _broken(good, out / "no-intent.pdf",
                                               _without_output_intent)
    found["broken/no-pdfaid"] = _broken(good, out / "no-pdfaid.pdf", _without_pdfaid)
    return found


def _decrypted(source: Path, target: Path) -> Path:
    """An encrypted summary's content as it is, without the encryption: veraPDF 1.28 misreads
    AES-256 (revision 6) encrypted strings and metadata, so it validates this copy."""
    reader = PdfReader(source)
    assert reader.decrypt(PASSWORD)
    PdfWriter(clone_from=reader).write(target)
    return target


@pytest.fixture(scope="session")
def reports(files) -> dict[str, Report]:
    """veraPDF's verdict on every file, from one run."""
    _available()
    declared = {name: path for name, path in files.items() if name != "broken/no-pdfaid"}
    by_path = validate(list(declared.values()))
    by_path |= validate([files["broken/no-pdfaid"]], flavour="2a")
    return {name: by_path[path] for name, path in files.items()}


def _failures(report: Report) -> list[str]:
    return [str(finding) for finding in report.findings]


def _readers_files() -> list[str]:
    summaries = [f"summary/{v}-{lang}" for v in VERDICTS for lang in ("en", "es")]
    return ([f"brochure/{name}" for name in SCREEN] + summaries
            + ["packet/en", "packet/es", "summary/scripts", "summary/encrypted"])


def _archived_files() -> list[str]:
    return [name for name in _readers_files() if name != "summary/encrypted"]


@pytest.mark.parametrize("name", _readers_files())
def test_every_file_a_reader_gets_passes_pdf_ua_1(reports, name):
    report = reports[name]
    assert UA in report.profiles, f"{name} was not validated as PDF/UA-1: {report.profiles}"
    assert not report.findings, "\n".join(_failures(report))


@pytest.mark.parametrize("name", _archived_files())
def test_what_is_archived_passes_pdf_a_2a(reports, name):
    report = reports[name]
    assert PDFA in report.profiles, f"{name} was not validated as PDF/A-2a: {report.profiles}"
    assert not report.findings, "\n".join(_failures(report))


def test_an_encrypted_summary_does_not_declare_pdf_a(reports, files):
    """PDF/A forbids encryption: the encrypted summary declares PDF/UA-1 only."""
    assert reports["summary/encrypted"].profiles == (UA,)
    metadata = PdfReader(files["summary/encrypted"]).trailer["/Root"]["/Metadata"]
    assert b"pdfaid:part" not in metadata.get_object().get_data()


@pytest.mark.parametrize("name", PRINT)
def test_print_files_structure_trees_are_not_broken(reports, name):
    """A print file need not be PDF/UA; the structure tree it carries is validated as PDF/UA-1
    (veraPDF's checks of a tree's roles, nesting and marked content) and passes."""
    report = reports[f"brochure/{name}"]
    assert report.profiles, f"{name} was not validated"
    assert not report.findings, "\n".join(_failures(report))


def test_print_files_are_pdf_x_only(files, name="brochure/trifold-letter-print.pdf"):
    """A print file declares neither PDF/A nor PDF/UA, and has no annotation (PDF/X allows
    none inside the bleed box) and no /Tabs (a PDF 1.5 key in a PDF 1.3 file)."""
    reader = PdfReader(files[name])
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" not in xmp and b"pdfuaid:part" not in xmp
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-1a:2003"
    for page in reader.pages:
        assert "/Annots" not in page and "/Tabs" not in page


def test_a_figure_without_alternative_text_fails(reports):
    rules = {f.rule for f in reports["broken/figure-without-alt"].findings}
    assert "PDF/UA-1 7.3-1" in rules


def test_a_file_without_its_output_intent_fails_pdf_a(reports):
    rules = {f.rule for f in reports["broken/no-output-intent"].findings}
    assert "PDF/A-2A 6.2.4.3-2" in rules  # device RGB without an RGB output intent


def test_a_file_that_does_not_declare_pdf_a_fails_pdf_a_2a(reports):
    """Validated as PDF/A-2a by name (veraPDF would otherwise pick the profiles the file
    declares: PDF/UA-1 only)."""
    rules = {f.rule for f in reports["broken/no-pdfaid"].findings}
    assert "PDF/A-2A 6.6.4-1" in rules  # the PDF/A identification is missing


@pytest.mark.process
def test_the_srgb_profile_is_the_same_bytes_in_every_process():
    """The ICC profile littleCMS makes carries the time it was made; ours a fixed date, so
    files stay byte-identical from run to run."""
    code = "import sys; from brochure.render.archive import srgb_profile; " \
           "sys.stdout.buffer.write(srgb_profile())"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, check=True,
                           cwd=PROJECT).stdout for _ in range(2)]
    assert runs[0] == runs[1] and runs[0][36:40] == b"acsp"
    assert struct.unpack(">6H", runs[0][24:36]) == (2000, 1, 1, 0, 0, 0)  # not today's time


def test_a_packet_has_one_xmp_packet_and_one_output_intent(files):
    """The brochure merged after the summary brings neither its XMP nor its output intent."""
    data = every_object_bytes(files["packet/en"])
    assert data.count(b"<?xpacket begin") == 1
    assert data.count(b"/GTS_PDFA1") == 1
    assert len(PdfReader(files["packet/en"]).trailer["/Root"]["/OutputIntents"]) == 1


def _validate_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "PDF/UA-1" in line or "PDF/A-2A" in line]


def test_check_validate_reports_failed_rules_as_findings(reports, files):
    shipped, broken = files["summary/good-en"], files["broken/figure-without-alt"]
    result = run_cli("check", "--validate", str(shipped), str(broken))
    assert result.returncode == 1
    assert f"{shipped}: PDF/A-2A, PDF/UA-1: ok" in result.stdout
    assert f"{broken}: PDF/A-2A, PDF/UA-1: 1 finding(s)" in result.stdout
    assert _validate_lines(result.stderr) == [
        f"{broken}: PDF/UA-1 7.3-1: Figure tags shall include an alternative representation or "
        "replacement text that represents the contents marked with the Figure tag as noted in "
        "ISO 32000-1:2008, 14.7.2, Table 323"]
    assert "validate (veraPDF 1.28.2): 2 file(s), 1 finding(s)" in result.stdout


@pytest.mark.process
def test_check_validate_without_verapdf_says_how_to_get_it(built, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), PATH=str(tmp_path),
               BROCHURE_VERAPDF_HOME=str(tmp_path / "none"))
    result = subprocess.run([sys.executable, "-m", "brochure", "check", "--validate",
                             str(built / "knee-stem-cell" / "trifold-letter.pdf")], cwd=PROJECT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "validate: veraPDF is not available: run `tools/verapdf/fetch`" in result.stderr
    assert "Traceback" not in result.stderr


_AFTER = """
import sys, yaml
from brochure.summaries import summarize
record = {**yaml.safe_load(open(sys.argv[1], encoding="utf-8")), "language": "es"}
for name in sys.argv[2:]:
    summarize({**record, "name": name})
sys.stdout.buffer.write(summarize(record).pdf)
"""


@pytest.mark.process
def test_a_summary_is_the_same_whatever_patient_came_before():
    """Found by veraPDF (a glyph its font lacks): a part of the summary recorded once and
    replayed kept the glyph codes a previous patient's name had added to that document, so the
    next patient's "grave" printed as "grabe"."""
    def render(*before: str) -> bytes:
        return subprocess.run([sys.executable, "-c", _AFTER, str(PATIENTS / "less-likely.yaml"),
                               *before], cwd=PROJECT, capture_output=True, check=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}).stdout
    assert render("Silvia Vázquez Vivar") == render()
