"""Reading the PDFs we write, as a print shop or a reader would: boxes, text, fonts, metadata."""

from __future__ import annotations

import ctypes
import io
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, IndirectObject, StreamObject


@dataclass(frozen=True)
class Box:
    left: float
    bottom: float
    right: float
    top: float


def char_boxes(path: Path, page_number: int) -> list[tuple[str, Box]]:
    """Every visible character on a page with its box, in PDF points (origin bottom left)."""
    document = pdfium.PdfDocument(str(path))
    try:
        text = document[page_number].get_textpage()
        chars = []
        for i in range(text.count_chars()):
            char = text.get_text_range(i, 1)
            if char.strip():
                chars.append((char, Box(*text.get_charbox(i))))
        return chars
    finally:
        document.close()


def find_text(path: Path, page_number: int, needle: str) -> Box | None:
    """The bounding box of the first occurrence of ``needle`` on a page, or None."""
    document = pdfium.PdfDocument(str(path))
    try:
        text = document[page_number].get_textpage()
        found = text.search(needle, match_case=True).get_next()
        if not found:
            return None
        start, count = found
        boxes = [Box(*text.get_charbox(i)) for i in range(start, start + count)
                 if text.get_text_range(i, 1).strip()]
        return Box(min(b.left for b in boxes), min(b.bottom for b in boxes),
                   max(b.right for b in boxes), max(b.top for b in boxes))
    finally:
        document.close()


def page_text(path: Path) -> list[str]:
    """Each page's text as PDFium reads it, line ends as \\n."""
    return [page.replace("\r\n", "\n") for page in _raw_texts(path)]


def texts(pdf: bytes | Path | io.BytesIO) -> list[str]:
    """Each page's text with whitespace made single spaces (PDFium: about ten times faster
    than pypdf's extract_text, and the same words on every file we write)."""
    return [" ".join(page.split()) for page in _raw_texts(pdf)]


def text(pdf: bytes | Path | io.BytesIO) -> str:
    """The whole document's text, whitespace made single spaces."""
    return " ".join(texts(pdf))


def _raw_texts(pdf: bytes | Path | io.BytesIO) -> list[str]:
    source = pdf.getvalue() if isinstance(pdf, io.BytesIO) else pdf
    document = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def every_object_bytes(pdf: bytes | Path) -> bytes:
    """The file's bytes with every stream's data decoded in place: what its objects hold, as a
    check on raw bytes (``b"/Helvetica" not in ...``) means it. The objects packed in an object
    stream (PDF 1.5, which our files for readers use) read as written, and page content, fonts'
    ToUnicode maps and XMP as decoded; a stream our reader cannot decode (an image's DCT) is
    left as it is, and so is an encrypted file (what can be read without its password)."""
    raw = pdf if isinstance(pdf, bytes) else pdf.read_bytes()
    reader = PdfReader(io.BytesIO(raw))
    if reader.is_encrypted:
        return raw
    spliced: dict[int, tuple[int, bytes]] = {}
    for generation, offsets in reader.xref.items():
        for number, offset in offsets.items():
            obj = reader.get_object(IndirectObject(number, generation, reader))
            if isinstance(obj, StreamObject) and obj._data and obj.get("/Type") != "/XRef":
                at = raw.index(obj._data, raw.index(b"stream", offset))
                spliced[at] = (len(obj._data), _decoded(obj))
    out, last = [], 0
    for at in sorted(spliced):
        length, data = spliced[at]
        out += [raw[last:at], data]
        last = at + length
    return b"".join([*out, raw[last:]])


def _decoded(stream: StreamObject) -> bytes:
    """A stream's data, decoded if pypdf can (else as it is in the file)."""
    try:
        return stream.get_data()
    except (NotImplementedError, PdfReadError):  # a filter pypdf does not decode
        return stream._data


def mark_names(obj) -> list[str]:
    """The marked-content tags a PDFium page object is drawn in ("Artifact", "P", "Figure")."""
    names = []
    for i in range(pdfium_c.FPDFPageObj_CountMarks(obj.raw)):
        mark = pdfium_c.FPDFPageObj_GetMark(obj.raw, i)
        size, buffer = ctypes.c_ulong(), (ctypes.c_ushort * 128)()
        pdfium_c.FPDFPageObjMark_GetName(mark, buffer, 256, ctypes.byref(size))
        names.append(bytes(buffer)[:size.value].decode("utf-16-le").rstrip("\x00"))
    return names


def fonts(path: Path) -> list[DictionaryObject]:
    """Every font dictionary any page uses (descendant fonts of composite fonts included)."""
    found = []
    for page in PdfReader(path).pages:
        resources = page.get("/Resources", {})
        for ref in resources.get("/Font", {}).values():
            font = _resolve(ref)
            found.append(font)
            found += [_resolve(d) for d in font.get("/DescendantFonts", [])]
    return found


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def is_embedded(font: DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type0":
        return all(is_embedded(_resolve(d)) for d in font["/DescendantFonts"])
    descriptor = _resolve(font.get("/FontDescriptor"))
    if descriptor is None:
        return font.get("/Subtype") == "/Type3"
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
