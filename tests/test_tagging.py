"""Tagged PDFs (PDF/UA-1 structure), read back as poppler and a screen reader would."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, NameObject

from brochure.checks import block_texts
from brochure.model import Layout, Publication
from brochure.model.base import validate
from brochure.model.brand import Brand
from brochure.model.placement import Placement
from brochure.model.publication import branded
from brochure.source import load
from brochure.summaries import render_summary
from brochure.text import plain

from .conftest import PROJECT, run_cli
from .test_candidacy import BASE

LAYOUTS = ["trifold-letter", "trifold-a4", "booklet-letter"]
SUMMARY_ORDER = {
    "en": ["Your knee treatment summary", "Harbor Knee & Joint Center", "Prepared for",
           "What this means for you", "What we found", "What led to this",
           "A note from your doctor", "What this treatment is",
           "How it compares", "Risks and costs", "Get care the same day", "What you can do now",
           "This summary is not a diagnosis", "Direct line"],
    "es": ["Resumen del tratamiento de su rodilla", "Harbor Knee & Joint Center",
           "Preparado para", "Lo que esto significa para usted", "Lo que encontramos",
           "Lo que llevó a este resultado", "Una nota de su médico", "Cómo se compara",
           "Riesgos y costos", "Línea directa"],
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def struct_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    return _squash("".join(re.findall(r'^\s+"(.*)"$', out, re.MULTILINE)))


def _in_order(text: str, pieces: list[str]) -> None:
    position = 0
    for piece in pieces:
        found = text.find(_squash(piece), position)
        assert found >= 0, f"{piece!r} missing or out of order"
        position = found + 1


def _structure_checks(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 - a PDF boolean
    assert b"<pdfuaid:part>1</pdfuaid:part>" in root["/Metadata"].get_object().get_data()
    assert root["/Lang"] and reader.metadata.title
    for page in reader.pages:  # every text-showing operator is inside marked content
        depth = 0
        for _, op in ContentStream(page.get_contents(), reader).operations:
            depth += {b"BDC": 1, b"BMC": 1, b"EMC": -1}.get(op, 0)
            if op in (b"Tj", b"TJ", b"'", b'"'):
                assert depth > 0, "text outside marked content"
        assert page["/Tabs"] == "/S" and "/StructParents" in page
    figures, headings = 0, []
    for element in _walk(root["/StructTreeRoot"].get_object()):
        role = element["/S"]
        if role == "/Figure":
            figures += 1
            assert element.get("/Alt"), "every figure has alternative text"
        if re.fullmatch(r"/H\d", role):
            headings.append(int(role[2]))
    assert figures >= 2
    previous = 0
    for level in headings:
        assert level <= previous + 1, headings
        previous = level


def _walk(node):
    kids = node.get("/K")
    kids = kids if isinstance(kids, list) else [kids] if kids is not None else []
    for kid in kids:
        kid = kid.get_object()
        if hasattr(kid, "get") and "/S" in kid:
            yield kid
            yield from _walk(kid)


@pytest.mark.parametrize("language", ["en", "es"])
def test_summaries_are_tagged_in_reading_order(language, tmp_path):
    pdf = render_summary({**BASE, "language": language, "notes": "Walk every day."})
    _structure_checks(pdf)
    text = struct_text(pdf, tmp_path)
    _in_order(text, SUMMARY_ORDER[language])
    assert "Page1of2" not in text and "Confidential" not in text, "footers are artifacts"
    assert "Center·" not in text, "so is the running header of page 2"


@pytest.mark.parametrize("name", LAYOUTS)
def test_brochures_are_tagged_in_the_panels_reading_order(built, name, tmp_path):
    pdf = (built / "knee-stem-cell" / f"{name}.pdf").read_bytes()
    _structure_checks(pdf)
    layout = validate(load(PROJECT / "layouts" / f"{name}.yaml"), Layout)
    placement = validate(load(PROJECT / "content/knee-stem-cell/placement.yaml"), Placement)
    layout, pub = layout.placed(placement.panels(name)), _knee()
    panels = {p.name: p for p in layout.panels()}
    pieces = [t[:25] for panel in layout.reading_order
              for section in panels[panel].sections for block in pub.sections[section]
              if block.shown_in(layout.kind)
              for t in block_texts(block, pub, None)[:1] if block.type not in ("table",)]
    assert len(pieces) > 15
    _in_order(struct_text(pdf, tmp_path), [plain(p) for p in pieces])


def _knee() -> Publication:
    """The knee's publication as its brand kit prints it (the kit's phone number filled in)."""
    pub = validate(load(PROJECT / "content/knee-stem-cell/publication.yaml"), Publication)
    kit = validate(load(PROJECT / "content/brands/harbor.yaml"), Brand)
    return branded(pub, kit.name, kit.contact.phone)


def test_words_stay_apart_where_lines_break(built, tmp_path):
    """Tagged PDF readers take word breaks from the text, not from glyph positions, so a
    wrapped line keeps the space it broke at: every paragraph of the narrow tri-fold reads
    word for word in its structure."""
    path = tmp_path / "doc.pdf"
    path.write_bytes((built / "knee-stem-cell" / "trifold-letter.pdf").read_bytes())
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    spoken = " ".join(" ".join(re.findall(r'^\s+"(.*)"$', out, re.MULTILINE)).split())
    pub = _knee()
    paragraphs = [" ".join(plain(text).split()) for blocks in pub.sections.values()
                  for block in blocks
                  if block.type in ("paragraph", "statement", "statements")
                  and block.shown_in("trifold")
                  for text in block_texts(block, pub, None)]
    assert sum(len(p) > 80 for p in paragraphs) >= 5, "long paragraphs wrap in a tri-fold"
    for paragraph in paragraphs:
        assert paragraph in spoken


def test_tables_have_header_cells_with_scope_and_lists_are_lists(built):
    reader = PdfReader(built / "knee-stem-cell" / "trifold-letter.pdf")
    elements = list(_walk(reader.trailer["/Root"]["/StructTreeRoot"].get_object()))
    roles = [e["/S"] for e in elements]
    assert {"/Table", "/TR", "/TH", "/TD", "/L", "/LI", "/LBody", "/Link"} <= set(roles)
    scopes = {e["/A"]["/Scope"] for e in elements if e["/S"] == "/TH"}
    assert scopes == {"/Column", "/Row"}


@pytest.mark.parametrize("source", ["brochure", "summary"])
def test_the_booking_link_and_its_qr_code_are_annotations_in_the_tree(built, source):
    """Both the printed address and the QR code are links; each annotation has /Contents and
    belongs to a Link element, the address's together with its text."""
    pdf = ((built / "knee-stem-cell" / "trifold-letter.pdf").read_bytes() if source == "brochure"
           else render_summary(BASE))
    reader = PdfReader(io.BytesIO(pdf))
    nums = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    owners = dict(zip(nums[::2], nums[1::2], strict=True))
    links = [a.get_object() for page in reader.pages for a in page.get("/Annots") or []
             if a.get_object()["/A"]["/URI"] == "https://harborknee.example/book"]
    assert len(links) == 2
    for link in links:
        assert "https://harborknee.example/book" in link["/Contents"]
        owner = owners[link["/StructParent"]].get_object()
        assert owner["/S"] == "/Link"
        kinds = [k.get_object().get("/Type") if hasattr(k.get_object(), "get") else "MCID"
                 for k in owner["/K"]]
        assert "/OBJR" in kinds
        if link["/Contents"].startswith("QR code"):
            assert owner["/K"][0].get_object()["/S"] == "/Figure"
        else:
            assert "MCID" in kinds, "the address's text is inside its Link"


def test_the_patient_packet_keeps_one_tree(tmp_path):
    pdf = render_summary(BASE, with_brochure=True)
    _structure_checks(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    document = reader.trailer["/Root"]["/StructTreeRoot"]["/K"][0].get_object()
    parts = [k.get_object() for k in document["/K"] if k.get_object()["/S"] == "/Part"]
    assert len(parts) == 1
    numbers = [p["/StructParents"] for p in reader.pages]
    assert len(set(numbers)) == len(numbers), "page structure numbers do not collide"
    text = struct_text(pdf, tmp_path)
    _in_order(text, ["Your knee treatment summary", "Direct line", "Stem cell therapy",
                     "Is it right for you?", "Visit or call us"])


def test_encryption_keeps_the_tree_and_screen_reader_access():
    pdf = render_summary(BASE, password="pw")
    reader = PdfReader(io.BytesIO(pdf))
    reader.decrypt("pw")
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert int(reader.trailer["/Encrypt"]["/P"]) & (1 << 9)


def _broken(built, tmp_path, change) -> list[str]:
    writer = PdfWriter(clone_from=PdfReader(built / "knee-stem-cell" / "trifold-letter.pdf"))
    change(writer)
    path = tmp_path / "broken.pdf"
    writer.write(path)
    result = run_cli("check", str(path))
    assert result.returncode == 1
    return [line for line in result.stderr.splitlines() if ": accessibility: " in line]


def _first(writer, role):
    root = writer._root_object["/StructTreeRoot"].get_object()
    return next(e for e in _walk(root) if e["/S"] == role)


def test_check_reports_a_figure_without_alt_text(built, tmp_path):
    found = _broken(built, tmp_path, lambda w: _first(w, "/Figure").pop("/Alt"))
    assert any("Figure: no alternative text" in f and ": page 1:" in f for f in found), found


def test_check_reports_a_skipped_heading_level(built, tmp_path):
    def skip(writer):
        _first(writer, "/H2")[NameObject("/S")] = NameObject("/H3")
    found = _broken(built, tmp_path, skip)
    assert any("heading H3: skips a level (the previous heading was H1)" in f for f in found)


def test_check_reports_a_table_without_header_cells_and_an_empty_heading(built, tmp_path):
    def damage(writer):
        root = writer._root_object["/StructTreeRoot"].get_object()
        table = next(e for e in _walk(root) if e["/S"] == "/Table")
        for cell in _walk(table):
            if cell["/S"] == "/TH":
                cell[NameObject("/S")] = NameObject("/TD")
        _first(writer, "/H2").pop("/K")
    found = _broken(built, tmp_path, damage)
    assert any("Table: no header cells (TH)" in f for f in found), found
    assert any("heading H2: is empty" in f for f in found), found


def test_check_reports_a_link_without_description_or_place_in_the_tree(built, tmp_path):
    def detach(writer):
        for annotation in writer.pages[0]["/Annots"]:
            annotation = annotation.get_object()
            annotation.pop("/Contents")
            annotation.pop("/StructParent")
    found = _broken(built, tmp_path, detach)
    described = [f for f in found if "link to https://harborknee.example/book" in f]
    assert sum("no description (/Contents)" in f for f in described) == 2, found
    assert sum("not in the structure tree" in f for f in described) == 2, found
    assert all(": page 1:" in f for f in described)


def test_check_reports_missing_language_and_untagged_text(built, tmp_path):
    def strip(writer):
        del writer._root_object["/Lang"]
        del writer._root_object["/StructTreeRoot"]
        stream = writer.pages[0]["/Contents"].get_object()
        stream.set_data(re.sub(rb"/\w+ <</MCID \d+>> BDC|/Artifact BMC|\bEMC\b", b"",
                               stream.get_data()))
    found = _broken(built, tmp_path, strip)
    text = "\n".join(found)
    assert "/Lang: no document language" in text and "not tagged" in text
    assert re.search(r"page 1: accessibility: content stream: \d+ text-showing operator",
                     text), text


def _tagged_pdf(flowable, **page) -> bytes:
    """A one-flowable document, tagged as the tool tags its own (``page``: the doc template's
    page size and margins)."""
    from reportlab.platypus import SimpleDocTemplate

    from brochure.render.document import DeferredPages
    from brochure.render.structure import Tagger
    from brochure.render.tagging import tag_flowables

    def tagged_canvas(*args, **kwargs):
        canvas = DeferredPages(*args, **kwargs)
        canvas.tagger = Tagger("Test", "en")
        canvas.before_save = lambda c: c.tagger.finish(c)
        return canvas

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, **page).build(tag_flowables([flowable], (), {}, "b0"),
                                            canvasmaker=tagged_canvas)
    return buffer.getvalue()


def test_a_paragraph_split_across_pages_stays_one_element(tmp_path):
    """A tagged flowable that platypus splits keeps its element: one P, marked on each page."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    words = " ".join(f"word{i}" for i in range(700))
    pdf = _tagged_pdf(Paragraph(words, ParagraphStyle("body", fontSize=12, leading=15)),
                      pagesize=(300, 300))
    reader = PdfReader(io.BytesIO(pdf))
    elements = list(_walk(reader.trailer["/Root"]["/StructTreeRoot"].get_object()))
    assert len(reader.pages) >= 3
    assert [e["/S"] for e in elements] == ["/Document", "/P"]
    assert len(elements[1]["/K"]) == len(reader.pages), "one marked sequence per page"
    assert _squash(words) in struct_text(pdf, tmp_path)


def _alts(pdf: bytes) -> list[str]:
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/StructTreeRoot"].get_object()
    return [str(e["/Alt"]) for e in _walk(root) if e["/S"] == "/Figure"]


def test_alternative_text_is_in_the_documents_language(built):
    """A Spanish reader hears Spanish: the brand's pictures and the QR code's name are
    localized like the rest of the text."""
    from brochure.model import Brand

    brand = validate(load(PROJECT / "content/brands/harbor.yaml"), Brand)
    english = {art.alt["en"] for art in brand.art.values() if isinstance(art.alt, dict)}
    assert len(english) >= 5
    spanish = [render_summary({**BASE, "language": "es"}),
               (built / "knee-stem-cell" / "trifold-letter-es.pdf").read_bytes()]
    for pdf in spanish:
        alts = _alts(pdf)
        assert alts and not english & set(alts), alts
        assert not any(alt.startswith("QR code") for alt in alts), alts
        assert any(alt.startswith("Código QR") for alt in alts), alts


@pytest.mark.parametrize("markup, spoken", [
    ("Visit https://harborknee.example/book/a/long/path/that/cannot/fit/on/one/line today",
     "Visit https://harborknee.example/book/a/long/path/that/cannot/fit/on/one/line today"),
    ("A doctor <b>takes cells</b> from your own hip or <i>belly</i>fat, then injects them",
     "A doctor takes cells from your own hip or bellyfat, then injects them"),
    ("Dr. Inés Marlow, MD,<br/>Physical medicine<br/>Line: <b>(555) 014-2210</b>",
     "Dr. Inés Marlow, MD, Physical medicine Line: (555) 014-2210"),
    ("Pain for 10&nbsp;weeks &amp; more, in a sentence long enough to wrap twice over",
     "Pain for 10 weeks & more, in a sentence long enough to wrap twice over"),  # poppler: a
    # no-break space reads as a space
])
def test_a_line_break_reads_as_a_space_only_where_the_text_had_one(markup, spoken, tmp_path):
    """Not inside a long word split over two lines, nor where emphasis joins two words."""
    from reportlab.lib.styles import ParagraphStyle

    from brochure.render.paragraphs import Para

    paragraph = Para(markup, ParagraphStyle("body", fontSize=10, leading=12, splitLongWords=1))
    pdf = _tagged_pdf(paragraph, pagesize=(160, 300), leftMargin=10, rightMargin=10)
    assert len(paragraph.blPara.lines) >= 3, "the text wraps"
    path = tmp_path / "breaks.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    assert re.findall(r'^\s+"(.*)"$', out, re.MULTILINE) == [spoken]


@pytest.mark.parametrize("markup", [
    " ".join(f"word{i}" for i in range(90)),
    "<b>Next step:</b> " + " ".join(f"word{i}" for i in range(90)),
])
def test_a_paragraph_split_across_pages_reads_with_a_space_at_every_line_break(markup,
                                                                              tmp_path):
    """The pieces of a paragraph split across pages (plain words, and words in two fonts)
    keep the space at each line break as the whole does: no two words read as one."""
    from reportlab.lib.styles import ParagraphStyle

    from brochure.render.paragraphs import Para

    paragraph = Para(markup, ParagraphStyle("body", fontSize=10, leading=12))
    pdf = _tagged_pdf(paragraph, pagesize=(160, 140), leftMargin=10, rightMargin=10,
                      topMargin=10, bottomMargin=10)
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 3, "the paragraph is split"
    path = tmp_path / "split.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                         text=True, check=True).stdout
    spoken = " ".join(re.findall(r'^\s+"(.*)"$', out, re.MULTILINE))
    expected = re.sub(r"<[^>]*>", "", markup)
    assert spoken.split() == expected.split()


def test_scripts_without_spaces_get_none_at_line_ends():
    from reportlab.lib.styles import ParagraphStyle

    from brochure.render.paragraphs import Para

    text = ("医生从您自己的髋骨或腹部脂肪中提取细胞，浓缩后注射到您的膝盖中。"
            "研究人员认为这些细胞可能会缓解肿胀。")
    paragraph = Para(text, ParagraphStyle("body", fontSize=10))
    paragraph.wrap(120, 1000)
    lines = paragraph.blPara.lines
    assert len(lines) >= 3
    assert "".join(word for _, words in lines for word in words) == text


def test_structure_objects_are_written_exactly_as_reportlab_would():
    """Our document's shortcut for objects registered as bytes (the structure elements) gives
    ReportLab's own bytes (header, content, end of line, endobj), and leaves other objects to
    ReportLab."""
    from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFIndirectObject

    from brochure.render.backend.document import BrochureDocument

    document = BrochureDocument()
    for content in (b"<</S/P/K[0]>>", b"<</S/P>>\n"):
        document.Reference(content, f"E{len(content)}")
        indirect = PDFIndirectObject(f"E{len(content)}", content)
        assert document.write_object(f"E{len(content)}", content) == indirect.format(document)
    other = PDFDictionary({"Type": "/Test"})
    document.Reference(other, "D")
    assert document.write_object("D", other) == PDFIndirectObject("D", other).format(document)
