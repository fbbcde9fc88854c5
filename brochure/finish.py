"""Post-processing with pypdf: encryption and merging into a patient packet (both keep one
XMP packet and one output intent: the first document's), and a print file's PDF/X-1a
declaration."""

from __future__ import annotations

import secrets
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions as Allow
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from .model.layout import Layout
from .render.archive import without_claims

PDFX_VERSION = "PDF/X-1a:2003"
PDFX_HEADER = "%PDF-1.3"
"""The header a print file keeps for PDF/X-1a:2003 (keys of later versions, such as the
tagged pages' /Tabs, are ignored by a PDF 1.3 reader)."""
LAYOUT_KEY = "/BrochureLayout"
"""Document information entry naming the layout a print file was made for (for preflight)."""

READER_PERMISSIONS = (Allow.PRINT | Allow.PRINT_TO_REPRESENTATION
                      | Allow.EXTRACT_TEXT_AND_GRAPHICS | Allow.EXTRACT)
"""What a patient may do with an encrypted summary: print it and read it aloud (text
extraction for screen readers stays on)."""


def encrypt(pdf: bytes, password: str) -> bytes:
    """AES-256 encryption; the password opens it; the owner password is random and unused.
    The file stays PDF/UA-1 but no longer declares PDF/A-2, which forbids encryption."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    _drop_claims(writer, "pdfa")
    writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(24),
                   algorithm="AES-256", permissions_flag=READER_PERMISSIONS)
    _declare_aes_256(writer)
    return _bytes(writer)


EXTENSION_LEVELS = {5: 3, 6: 8}
"""Adobe's extension level of PDF 1.7 for each revision of the standard security handler's
AES-256: level 3 defined revision 5 (since withdrawn), level 8 revision 6, which pypdf
writes."""


def _declare_aes_256(writer: PdfWriter) -> None:
    """PDF 1.7 with Adobe's extension for AES-256, not PDF 2.0 (where it is standard), so that
    PDF/UA-1, which is built on PDF 1.7, still applies to the file."""
    level = EXTENSION_LEVELS[int(writer._encryption.R)]
    writer.pdf_header = "%PDF-1.7"
    writer._root_object[NameObject("/Extensions")] = DictionaryObject({
        NameObject("/ADBE"): DictionaryObject({
            NameObject("/BaseVersion"): NameObject("/1.7"),
            NameObject("/ExtensionLevel"): NumberObject(level)})})


def append(first: bytes, second: bytes) -> bytes:
    """``second`` after ``first``, keeping the first's title, language, viewer preferences and
    bookmarks (the second's are added after them) and one structure tree: the second
    document's tree becomes a Part of the first's Document (pypdf's page appending alone
    would drop it)."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(first)))
    reader = PdfReader(BytesIO(second))
    pages_before = len(writer.pages)
    writer.append(reader, import_outline=True)
    _merge_structure(writer, reader, pages_before)
    return _bytes(writer)


def _merge_structure(writer: PdfWriter, reader: PdfReader, first_page: int) -> None:
    tree = writer._root_object.get("/StructTreeRoot")
    other = reader.trailer["/Root"].get("/StructTreeRoot")
    if tree is None or other is None:
        return
    tree, other = tree.get_object(), other.get_object()
    offset = int(tree.get("/ParentTreeNextKey", 0))
    part = other["/K"][0].get_object()
    del part[NameObject("/P")]  # cloned without its old root
    cloned = part.clone(writer)
    document = tree["/K"][0].get_object()
    cloned[NameObject("/S")] = NameObject("/Part")
    cloned[NameObject("/P")] = tree["/K"][0]
    document["/K"].append(writer._add_object(cloned) if not hasattr(cloned, "indirect_reference")
                          or cloned.indirect_reference is None else cloned.indirect_reference)
    numbers = tree["/ParentTree"].get_object()["/Nums"]
    other_numbers = other["/ParentTree"].get_object()["/Nums"]
    for key, value in zip(other_numbers[::2], other_numbers[1::2], strict=True):
        numbers += [NumberObject(offset + int(key)), value.clone(writer)]
    for page, source in zip(writer.pages[first_page:], reader.pages, strict=True):
        if "/StructParents" in source:  # pypdf's append does not carry it over
            page[NameObject("/StructParents")] = NumberObject(
                offset + int(source["/StructParents"]))
            page[NameObject("/Tabs")] = NameObject("/S")
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if "/StructParent" in annotation:
                annotation[NameObject("/StructParent")] = NumberObject(
                    offset + int(annotation["/StructParent"]))
    tree[NameObject("/ParentTreeNextKey")] = NumberObject(
        offset + int(other.get("/ParentTreeNextKey", 0)))


def declare_pdfx(pdf: bytes, layout: Layout) -> bytes:
    """Identify a print file as PDF/X-1a:2003 for the layout's printing condition: the version
    and trapping keys, and an output intent naming a registered characterization."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    press = layout.press
    writer.add_metadata({"/GTS_PDFXVersion": PDFX_VERSION, "/Trapped": NameObject("/False"),
                         LAYOUT_KEY: layout.name})
    intent = DictionaryObject({
        NameObject("/Type"): NameObject("/OutputIntent"),
        NameObject("/S"): NameObject("/GTS_PDFX"),
        NameObject("/OutputConditionIdentifier"): TextStringObject(press.output_condition),
        NameObject("/OutputCondition"): TextStringObject(press.output_condition_info
                                                         or press.output_condition),
        NameObject("/RegistryName"): TextStringObject(press.registry),
        NameObject("/Info"): TextStringObject(press.output_condition_info
                                              or press.output_condition),
    })
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([intent])
    writer.pdf_header = PDFX_HEADER
    _for_the_press(writer)
    return _bytes(writer)


def _for_the_press(writer: PdfWriter) -> None:
    """A print file is PDF/X-1a:2003 only. It keeps its structure tree (a shop's tools read
    text in order from it) but declares neither PDF/A (its colour is the press's CMYK) nor
    PDF/UA (a PDF 1.3 file for a press, not for a reader); its pages lose /Tabs (a PDF 1.5
    key, only needed for annotations) and their link annotations (PDF/X allows no annotation
    inside the bleed box, and paper has no links): the text stays tagged as a Link."""
    _drop_claims(writer, "pdfa", "pdfua")
    removed = set()
    for page in writer.pages:
        if "/Tabs" in page:
            del page[NameObject("/Tabs")]
        annotations = [a for a in page.get("/Annots", []) or []
                       if a.get_object().get("/Subtype") != "/Link"]
        removed |= {int(a.get_object()["/StructParent"]) for a in page.get("/Annots", []) or []
                    if a.get_object().get("/Subtype") == "/Link" and "/StructParent" in
                    a.get_object()}
        if "/Annots" in page:
            if annotations:
                page[NameObject("/Annots")] = ArrayObject(annotations)
            else:
                del page[NameObject("/Annots")]
    tree = writer._root_object.get("/StructTreeRoot")
    if tree is not None and removed:
        _drop_object_references(tree.get_object(), removed)


def _drop_object_references(tree: DictionaryObject, numbers: set[int]) -> None:
    """Take the removed annotations out of the structure tree: the elements' object
    references and the parent tree's entries."""
    parents = tree["/ParentTree"].get_object()["/Nums"]
    kept = [(key, value) for key, value in zip(parents[::2], parents[1::2], strict=True)
            if int(key) not in numbers]
    parents[:] = [item for pair in kept for item in pair]
    stack = [tree]
    while stack:
        element = stack.pop().get_object()
        kids = element.get("/K")
        if not isinstance(kids, list):
            kids = [kids] if kids is not None else []
        if any(_is_objr(kid) for kid in kids):
            element[NameObject("/K")] = ArrayObject([k for k in kids if not _is_objr(k)])
        stack += [k for k in kids if isinstance(k.get_object(), DictionaryObject)
                  and not _is_objr(k) and "/S" in k.get_object()]


def _is_objr(kid) -> bool:
    kid = kid.get_object()
    return isinstance(kid, DictionaryObject) and kid.get("/Type") == "/OBJR"


def _drop_claims(writer: PdfWriter, *claims: str) -> None:
    metadata = writer._root_object.get("/Metadata")
    if metadata is not None:
        stream = metadata.get_object()
        stream.set_data(without_claims(stream.get_data(), *claims))


def _bytes(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
