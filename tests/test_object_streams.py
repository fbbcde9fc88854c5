"""Files for readers (summaries, screen brochures: PDF 1.5, PDF/A-2a and PDF/UA-1) keep their
small objects in a compressed object stream and end with a cross-reference stream; print files
(PDF/X-1a, PDF 1.3, which has neither) keep the classic cross-reference table, and so does a
document ReportLab encrypts. Sizes are the benchmark's business (``benchmarks/bench_summary.py``),
not a test's."""

from __future__ import annotations

import io
import re
import zlib

import pytest
from pypdf import PdfReader
from pypdf.generic import StreamObject

from brochure.build import build_publication
from brochure.kinds import PRINT, SCREEN
from brochure.project import load_project
from brochure.render.backend.canvas import BrochureCanvas, document_of
from brochure.render.backend.document import object_number, register, require_version
from brochure.summaries import render_summary

from .conftest import PROJECT
from .pdf import every_object_bytes
from .test_candidacy import BASE

_STARTXREF = re.compile(rb"startxref\n(\d+)\n%%EOF\n\Z")


@pytest.fixture(scope="module")
def summary() -> bytes:
    return render_summary(BASE)


@pytest.fixture(scope="module")
def project():
    return load_project(PROJECT)


def _xref_stream(pdf: bytes) -> bytes:
    """The object ``startxref`` points at."""
    found = _STARTXREF.search(pdf)
    assert found, pdf[-200:]
    return pdf[int(found.group(1)):]


def _assert_packed(pdf: bytes) -> None:
    """Small objects in an object stream, a cross-reference stream at the end, no classic
    table or trailer; every entry of the stream points at its object."""
    assert pdf.startswith(b"%PDF-1.5\n")
    assert b"/Type/ObjStm" in pdf and b"\nxref\n" not in pdf and b"\ntrailer\n" not in pdf
    ending = _xref_stream(pdf)
    assert re.match(rb"\d+ 0 obj\n<</Type/XRef/Size \d+/W\[1 \d 2\]/Root \d+ 0 R"
                    rb"/Info \d+ 0 R/ID \[<[0-9a-f]{32}><[0-9a-f]{32}>\]", ending), ending[:200]
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.xref_objStm) > len(reader.xref[0])  # most objects are packed
    for number, offset in reader.xref[0].items():
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number), number
    for number in reader.xref_objStm:
        assert not isinstance(reader.get_object(number), StreamObject)
    info = reader.trailer.raw_get("/Info").idnum
    assert info in reader.xref[0] and info not in reader.xref_objStm


def test_a_summary_packs_its_small_objects_and_ends_with_a_cross_reference_stream(summary):
    _assert_packed(summary)
    reader = PdfReader(io.BytesIO(summary))
    assert reader.root_object["/StructTreeRoot"].indirect_reference.idnum in reader.xref_objStm
    for page in reader.pages:  # streams stay outside, as they were
        assert page.raw_get("/Contents").idnum in reader.xref[0]
        assert page.indirect_reference.idnum in reader.xref_objStm


def test_the_object_stream_is_compressed_at_our_documents_level(summary):
    from brochure.render.backend.document import PAGE_COMPRESSION
    found = re.search(rb"<</Type/ObjStm/N \d+/First \d+/Filter/FlateDecode/Length (\d+)>>"
                      rb"\nstream\n", summary)
    assert found
    raw = summary[found.end():found.end() + int(found.group(1))]
    assert summary[found.end() + len(raw):].startswith(b"\nendstream\nendobj\n")
    data = zlib.decompress(raw)
    assert raw == zlib.compress(data, PAGE_COMPRESSION)
    assert b"/StructTreeRoot" in data and b" obj" not in data


def test_a_summary_is_written_the_same_twice(summary):
    assert render_summary(BASE) == summary


def test_a_screen_brochure_packs_and_a_print_file_does_not(project):
    _assert_packed(build_publication(project, "prp-tennis-elbow", "booklet-letter", SCREEN))
    printed = build_publication(project, "prp-tennis-elbow", "booklet-letter", PRINT)
    assert printed.startswith(b"%PDF-1.3\n")
    assert b"/ObjStm" not in printed and b"/XRef" not in printed
    assert re.search(rb"\nxref\n0 \d+\n0000000000 65535 f \n", printed)
    assert b"\ntrailer\n" in printed


def _plain_page(**canvas_options) -> bytes:
    """A one-page PDF 1.5 document of ours naming a base font (Helvetica)."""
    out = io.BytesIO()
    canvas = BrochureCanvas(out, invariant=1, pageCompression=1, **canvas_options)
    require_version(document_of(canvas), (1, 5))
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 720, "Plainly written")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_a_document_reportlab_encrypts_keeps_the_classic_table():
    pdf = _plain_page(encrypt="a password")
    assert b"/ObjStm" not in pdf and b"\nxref\n" in pdf and b"/Encrypt " in pdf


def test_what_an_object_stream_hides_from_raw_bytes_every_object_bytes_reads():
    """The checks on raw bytes read :func:`every_object_bytes`: a name packed in an object
    stream, and text in a compressed page, are found there and not in the file's bytes."""
    pdf = _plain_page()
    assert b"/ObjStm" in pdf
    assert b"/Helvetica" not in pdf and b"Plainly written" not in pdf
    objects = every_object_bytes(pdf)
    assert b"/BaseFont /Helvetica" in objects and b"(Plainly written) Tj" in objects
    assert objects.count(b"/Type/ObjStm") == 1


def test_an_object_stream_of_more_objects_than_two_bytes_count_is_indexed_rightly():
    """A cross-reference entry gives a packed object's index in its stream; past 65,535
    objects the index needs a third byte (before, it was written into two and spilled into
    the stream's number: objects read as other objects, or not at all)."""
    out = io.BytesIO()
    canvas = BrochureCanvas(out, invariant=1, pageCompression=1)
    document = document_of(canvas)
    require_version(document, (1, 5))
    many = 70_000
    for i in range(many):
        register(document, b"<</Kept %d>>" % i, f"Kept{i}")
    canvas.drawString(72, 720, "Many objects")
    canvas.showPage()
    canvas.save()
    pdf = out.getvalue()
    assert re.search(rb"/W\[1 \d 3\]", _xref_stream(pdf)[:200])
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    for i in (0, 65_535, 65_536, many - 1):
        assert reader.get_object(object_number(document, f"Kept{i}"))["/Kept"] == i
