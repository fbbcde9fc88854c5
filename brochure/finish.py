"""Finishing with pypdf: the steps an output kind names after rendering (:mod:`brochure.kinds`),
all in one parse: the rendered file is read once, every step works on the same writer, and the
result is written once.

- ``append-brochure``: the publication after the summary, as one patient packet, keeping the
  summary's title, language, XMP packet and output intent and one structure tree;
- ``encrypt``: AES-256, the password opens it (declared as PDF 1.7 with Adobe's extension,
  so PDF/UA-1 still applies).

What a file claims is written while it is rendered, for its kind (an encrypted file never
claims PDF/A; a print file is declared PDF/X-1a as it is drawn): nothing here adds or strips a
claim. The brochure of a packet is parsed once per thread and reused (:class:`Appendix`).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from io import BytesIO
from typing import TYPE_CHECKING, Protocol

from .kinds import OutputKind
from .render.archive import LAYOUT_KEY as _LAYOUT_ENTRY

if TYPE_CHECKING:  # pypdf loads when a file is finished (most files are not: a summary)
    from pypdf import PdfReader, PdfWriter
    from pypdf.constants import UserAccessPermissions
    from pypdf.generic import PdfObject

LAYOUT_KEY = f"/{_LAYOUT_ENTRY}"
"""Document information entry naming the layout a print file was made for (for preflight)."""

EXTENSION_LEVELS = {5: 3, 6: 8}
"""Adobe's extension level of PDF 1.7 for each revision of the standard security handler's
AES-256: level 3 defined revision 5 (since withdrawn), level 8 revision 6, which pypdf
writes."""


@dataclass
class Appendix:
    """A finished file appended after a summary (the brochure of a patient packet), parsed at
    most once per thread that appends it (a pypdf reader is not safe to share between
    threads)."""

    pdf: bytes
    _readers: threading.local = field(default_factory=threading.local, repr=False)

    def reader(self) -> PdfReader:
        reader = getattr(self._readers, "reader", None)
        if reader is None:
            from pypdf import PdfReader

            reader = self._readers.reader = PdfReader(BytesIO(self.pdf))
        return reader


def finish(pdf: bytes, kind: OutputKind, *, appendix: Appendix | None = None,
           password: str | None = None) -> bytes:
    """``pdf`` (rendered as a file of ``kind``) with the kind's finishing steps done in one
    parse: read once and written once, or returned as it is when the kind has none."""
    steps = [step for step in kind.steps if step in FINISHING]
    if not steps:
        return pdf
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf)))
    for step in steps:
        FINISHING[step](writer, appendix=appendix, password=password)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


class Step(Protocol):
    """A finishing step: works on the one writer, given what any step may need."""

    def __call__(self, writer: PdfWriter, *, appendix: Appendix | None,
                 password: str | None) -> None: ...


def _append(writer: PdfWriter, *, appendix: Appendix | None, **_: object) -> None:
    """The appendix after the pages so far, keeping the first document's title, language,
    viewer preferences and bookmarks (the appendix's are added after them) and one structure
    tree: the appendix's tree becomes a Part of the first's Document (pypdf's page appending
    alone would drop it)."""
    if appendix is None:
        raise ValueError("appending a brochure needs the brochure")
    reader = appendix.reader()
    pages_before = len(writer.pages)
    writer.append(reader, import_outline=True)
    _merge_structure(writer, reader, pages_before)


def _encrypt(writer: PdfWriter, *, password: str | None, **_: object) -> None:
    """AES-256 encryption; the password opens it; the owner password is random and unused."""
    if not password:
        raise ValueError("encrypting needs a password")
    writer.encrypt(user_password=password, owner_password=secrets.token_urlsafe(24),
                   algorithm="AES-256", permissions_flag=reader_permissions())
    _declare_aes_256(writer)


def reader_permissions() -> UserAccessPermissions:
    """What a patient may do with an encrypted summary: print it and read it aloud (text
    extraction for screen readers stays on)."""
    from pypdf.constants import UserAccessPermissions as Allow

    return (Allow.PRINT | Allow.PRINT_TO_REPRESENTATION | Allow.EXTRACT_TEXT_AND_GRAPHICS
            | Allow.EXTRACT)


FINISHING: dict[str, Step] = {"append-brochure": _append, "encrypt": _encrypt}
"""The finishing step of each name a kind may list, run on the one writer (``rasterize`` is
the PNG writer's own, :mod:`brochure.pages`)."""


def _declare_aes_256(writer: PdfWriter) -> None:
    """PDF 1.7 with Adobe's extension for AES-256, not PDF 2.0 (where it is standard), so that
    PDF/UA-1, which is built on PDF 1.7, still applies to the file."""
    from pypdf.generic import DictionaryObject, NameObject, NumberObject

    encryption = writer._encryption
    if encryption is None:
        raise ValueError("declaring AES-256 needs the file encrypted first")
    level = EXTENSION_LEVELS[int(encryption.R)]
    writer.pdf_header = "%PDF-1.7"
    writer._root_object[NameObject("/Extensions")] = DictionaryObject({
        NameObject("/ADBE"): DictionaryObject({
            NameObject("/BaseVersion"): NameObject("/1.7"),
            NameObject("/ExtensionLevel"): NumberObject(level)})})


def _merge_structure(writer: PdfWriter, reader: PdfReader, first_page: int) -> None:
    from pypdf.generic import NameObject, NumberObject

    tree = writer._root_object.get("/StructTreeRoot")
    other = reader.root_object.get("/StructTreeRoot")
    if tree is None or other is None:
        return
    tree, other = tree.get_object(), other.get_object()
    offset = int(tree.get("/ParentTreeNextKey", 0))
    part = other["/K"][0].get_object()
    # without its old root (/P at the top level only): the reader is left unchanged
    cloned = part.clone(writer, ignore_fields=(1, "/P"))
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
                offset + _integer(source["/StructParents"]))
            page[NameObject("/Tabs")] = NameObject("/S")
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            if "/StructParent" in annotation:
                annotation[NameObject("/StructParent")] = NumberObject(
                    offset + int(annotation["/StructParent"]))
    tree[NameObject("/ParentTreeNextKey")] = NumberObject(
        offset + int(other.get("/ParentTreeNextKey", 0)))


def _integer(value: PdfObject) -> int:
    """A number entry's value (an integer in a file we made; anything else is damage)."""
    if not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, found {type(value).__name__}")
    return int(value)
