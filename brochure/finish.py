"""Post-processing with pypdf: encryption and merging into a patient packet."""

from __future__ import annotations

import secrets
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions as Allow
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from .model.layout import Layout

PDFX_VERSION = "PDF/X-1a:2003"
LAYOUT_KEY = "/BrochureLayout"
"""Document information entry naming the layout a print file was made for (for preflight)."""

READER_PERMISSIONS = (Allow.PRINT | Allow.PRINT_TO_REPRESENTATION
                      | Allow.EXTRACT_TEXT_AND_GRAPHICS | Allow.EXTRACT)
"""What a patient may do with an encrypted summary: print it and read it aloud (text
extraction for screen readers stays on)."""


def encrypt(pdf: bytes, password: str) -> bytes:
    """AES-256 encryption; the password opens it; the owner password is random and unused."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(24),
                   algorithm="AES-256", permissions_flag=READER_PERMISSIONS)
    return _bytes(writer)


def append(first: bytes, second: bytes) -> bytes:
    """``second`` after ``first``, keeping the first's title, language, viewer preferences and
    bookmarks; the second's bookmarks are added after them."""
    writer = PdfWriter(clone_from=PdfReader(BytesIO(first)))
    writer.append(PdfReader(BytesIO(second)), import_outline=True)
    return _bytes(writer)


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
    return _bytes(writer)


def _bytes(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
