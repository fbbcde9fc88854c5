"""Output kinds, declared once (issue 19, item 3): every kind of file claims exactly the
standards the table gives it, from the start; finishing reads and writes a file at most once;
the checks take a file's kind from what it declares, never from its name."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from pypdf import PdfReader

from brochure import finish
from brochure.build import build_publication
from brochure.kinds import (
    ENCRYPTED_PACKET,
    ENCRYPTED_SUMMARY,
    KINDS,
    PACKET,
    PDF_A_2A,
    PDF_UA_1,
    PDF_X_1A,
    PNG_PAGES,
    PRINT,
    SCREEN,
    SUMMARY,
    OutputKind,
    declared_standards,
    kind_of,
    summary_kind,
)
from brochure.pages import page_images
from brochure.project import load_project
from brochure.summaries import summarize

from .conftest import PROJECT, ROOT, run_cli

PASSWORD = "a long enough password"
RECORD = {"id": "K-1001", "name": "Ada Example", "date_of_birth": "1956-04-02",
          "visit_date": "2026-11-02", "knee": "left", "kl_grade": 2, "pain": 6,
          "symptom_months": 14, "pt_weeks": 8, "bmi": 27.0}


@pytest.fixture(scope="module")
def project():
    return load_project(PROJECT)


def _make(kind: OutputKind, project) -> bytes:
    """A file of ``kind``, made the way the commands make it."""
    if kind in (SCREEN, PRINT):
        return build_publication(project, "knee-stem-cell", "trifold-letter", kind)
    if kind is PNG_PAGES:
        return page_images(_make(KINDS[PNG_PAGES.source], project), dpi=36)[0]
    encrypted = kind.encrypted
    with_brochure = "append-brochure" in kind.steps
    assert summary_kind(encrypted, with_brochure) is kind
    return summarize(RECORD, password=PASSWORD if encrypted else None,
                     with_brochure=with_brochure, project=project).pdf


def _reader(pdf: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(pdf))
    if reader.is_encrypted:
        reader.decrypt(PASSWORD)
    return reader


def test_the_table_names_every_kind_once():
    assert list(KINDS) == ["screen-brochure", "print-brochure", "summary", "packet",
                           "encrypted-summary", "encrypted-packet", "png-pages"]
    assert PRINT.colour == "cmyk" and PRINT.boxes and PRINT.marks and not PRINT.links
    assert all(kind.colour == "rgb" and not kind.boxes and not kind.marks
               for kind in KINDS.values() if kind is not PRINT)
    assert PRINT.standards == {PDF_X_1A}
    assert SCREEN.standards == SUMMARY.standards == PACKET.standards == {PDF_UA_1, PDF_A_2A}
    assert ENCRYPTED_SUMMARY.standards == ENCRYPTED_PACKET.standards == {PDF_UA_1}
    assert not PNG_PAGES.standards


@pytest.mark.parametrize("name", list(KINDS))
def test_a_files_declared_standards_match_its_kind(project, name):
    kind = KINDS[name]
    data = _make(kind, project)
    if kind.extension == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and b"tEXt" not in data
        return
    reader = _reader(data)
    assert declared_standards(reader) == kind.standards
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert (b"pdfaid:part" in xmp) == (PDF_A_2A in kind.standards)
    assert (b"pdfuaid:part" in xmp) == (PDF_UA_1 in kind.standards)
    intents = [i.get_object()["/S"] for i in reader.trailer["/Root"]["/OutputIntents"]]
    assert intents == (["/GTS_PDFX"] if kind.for_press else ["/GTS_PDFA1"])
    assert kind_of(PdfReader(io.BytesIO(data))).standards == kind.standards


@pytest.mark.parametrize("name", ["screen-brochure", "print-brochure"])
def test_boxes_marks_and_links_are_the_kinds(project, name):
    kind = KINDS[name]
    reader = _reader(_make(kind, project))
    pages = reader.pages
    assert all(("/TrimBox" in page and "/BleedBox" in page) == kind.boxes for page in pages)
    links = [a for page in pages for a in page.get("/Annots", [])
             if a.get_object()["/Subtype"] == "/Link"]
    assert bool(links) == kind.links
    assert all(("/Tabs" in page) == kind.links for page in pages)  # a PDF/X-1a file has none
    assert reader.pdf_header == ("%PDF-1.3" if kind.for_press else "%PDF-1.5")


@pytest.fixture
def parses(monkeypatch):
    """How many times pypdf reads a file and writes one."""
    counts = {"read": 0, "write": 0}
    read, write = pypdf.PdfReader.__init__, pypdf.PdfWriter.write

    def counted_read(self, *args, **kwargs):
        counts["read"] += 1
        return read(self, *args, **kwargs)

    def counted_write(self, *args, **kwargs):
        counts["write"] += 1
        return write(self, *args, **kwargs)
    monkeypatch.setattr(pypdf.PdfReader, "__init__", counted_read)
    monkeypatch.setattr(pypdf.PdfWriter, "write", counted_write)
    return counts


@pytest.mark.parametrize("name, reads", [("print-brochure", 0), ("summary", 0),
                                         ("encrypted-summary", 1), ("packet", 1),
                                         ("encrypted-packet", 1)])
def test_finishing_reads_and_writes_a_file_at_most_once(project, parses, name, reads):
    """After rendering, a file is read at most once and written at most once, however many
    steps finish it: an encrypted packet is merged and encrypted in one writer. (The brochure
    a packet appends is parsed once per thread, by the first packet, made here beforehand.)"""
    kind = KINDS[name]
    _make(kind, project)
    parses.update(read=0, write=0)
    _make(kind, project)
    assert parses == {"read": reads, "write": reads}


def test_an_encrypted_packet_is_the_summary_and_the_brochure(project):
    packet = _reader(_make(ENCRYPTED_PACKET, project))
    summary = _reader(_make(SUMMARY, project))
    brochure = PdfReader(io.BytesIO(build_publication(project, "knee-stem-cell",
                                                      "booklet-letter")))
    assert len(packet.pages) == len(summary.pages) + len(brochure.pages)
    tree = packet.trailer["/Root"]["/StructTreeRoot"]
    assert [kid.get_object()["/S"] for kid in tree["/K"][0]["/K"]][-1] == "/Part"


def test_appending_leaves_the_shared_brochure_unchanged(project):
    """The brochure is parsed once and appended to every packet: appending must not change
    it, so every packet is the same."""
    first = _make(PACKET, project)
    assert _make(PACKET, project) == first
    appendix = finish.Appendix(build_publication(project, "knee-stem-cell", "booklet-letter"))
    part = appendix.reader().trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object()
    finish.finish(_make(SUMMARY, project), PACKET, appendix=appendix)
    assert "/P" in part


def test_check_takes_the_kind_from_what_a_file_declares_not_its_name(project, tmp_path):
    """A print file named like a screen file is preflighted; a screen file named like a print
    file is not."""
    screen = tmp_path / "trifold-letter-print.pdf"
    screen.write_bytes(_make(SCREEN, project))
    printed = tmp_path / "trifold-letter.pdf"
    printed.write_bytes(_make(PRINT, project))
    result = run_cli("check", str(screen), str(printed))
    assert f"{screen}: a screen file (PDF/UA, PDF/A), not for print" in result.stdout
    assert f"{printed}: ok" in result.stdout, result.stdout + result.stderr


def test_check_of_an_output_folder_preflights_print_files_by_their_declaration(project,
                                                                              tmp_path):
    folder = tmp_path / "out" / "knee-stem-cell"
    folder.mkdir(parents=True)
    (folder / "renamed.pdf").write_bytes(_make(PRINT, project))
    result = run_cli("check", "--out", str(tmp_path / "out"))
    assert f"{folder / 'renamed.pdf'}: ok" in result.stdout, result.stdout + result.stderr


def test_kind_of_an_undeclared_file_is_none(project):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_make(SCREEN, project))))
    del writer.root_object["/Metadata"]
    del writer.root_object["/OutputIntents"]
    out = io.BytesIO()
    writer.write(out)
    assert kind_of(PdfReader(io.BytesIO(out.getvalue()))) is None


def test_no_claim_is_stripped_after_rendering():
    """Claims are written once, for the kind: nothing in the code takes one back out."""
    source = "\n".join(path.read_text() for path in (Path(finish.__file__),
                                                      ROOT / "brochure" / "render" /
                                                      "archive.py"))
    assert "without_claims" not in source and "_drop_claims" not in source
