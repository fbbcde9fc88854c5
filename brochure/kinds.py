"""Output kinds, declared once: what each file ``brochure`` makes is, and what it claims.

A kind states its colour mode, its boxes and marks, the standards it claims and the steps that
finish it after rendering. Renderers take their facts from it (colour, bleed, marks, what to
declare), the finishing steps run in one pass over the rendered file (:mod:`brochure.finish`),
and the checks read a file's kind back from what it declares (:func:`kind_of`), never from its
name or its page boxes.

A file claims only what its kind meets, from the start: the XMP metadata and the output intent
are written once, while the file is rendered (:mod:`brochure.render.archive`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

ColourMode = Literal["rgb", "cmyk"]
Step = Literal["append-brochure", "encrypt", "rasterize"]
"""Finishing steps, in the order they run: the publication appended after a summary (a
patient packet), AES-256 encryption, and pages drawn as PNG images."""

PDF_UA_1 = "PDF/UA-1"
PDF_A_2A = "PDF/A-2a"
PDF_X_1A = "PDF/X-1a:2003"
READERS = frozenset({PDF_UA_1, PDF_A_2A})
"""What a file made for readers claims: accessible (PDF/UA-1) and fit to archive (PDF/A-2a)."""


@dataclass(frozen=True)
class OutputKind:
    """One kind of output file and everything that follows from it."""

    name: str
    what: str
    """The kind in a few words, for messages."""
    colour: ColourMode
    """The colour every drawing, text and image of the file is in."""
    boxes: bool = False
    """Trim and bleed boxes, with the page grown by the bleed and the press's slug."""
    marks: bool = False
    """Crop marks at the trim corners and fold marks at the folds."""
    imposed: bool = False
    """Booklet pages in saddle-stitch order, two to a sheet."""
    links: bool = True
    """Link annotations (paper has none, and PDF/X allows none inside the bleed box)."""
    standards: frozenset[str] = READERS
    """The standards the file claims, and meets."""
    steps: tuple[Step, ...] = ()
    """What is done to the rendered file, in one parse (:mod:`brochure.finish`)."""
    suffix: str = ""
    """What the kind adds to a file's name (``-print``)."""
    extension: str = "pdf"
    source: str | None = None
    """The kind of file this one is made from, when it is not rendered itself."""

    def made_from(self) -> OutputKind:
        """The kind of file this one is made from: itself when it is rendered."""
        return KINDS[self.source] if self.source is not None else self

    @property
    def encrypted(self) -> bool:
        return "encrypt" in self.steps

    @property
    def for_press(self) -> bool:
        """A PDF/X file for a print shop (preflighted as a print shop would)."""
        return PDF_X_1A in self.standards


SCREEN = OutputKind("screen-brochure", "a screen file", "rgb")
PRINT = OutputKind("print-brochure", "a print file", "cmyk", boxes=True, marks=True,
                   imposed=True, links=False, standards=frozenset({PDF_X_1A}), suffix="-print")
SUMMARY = OutputKind("summary", "a patient's summary", "rgb")
PACKET = OutputKind("packet", "a patient packet", "rgb", steps=("append-brochure",))
ENCRYPTED_SUMMARY = OutputKind("encrypted-summary", "an encrypted summary", "rgb",
                               standards=frozenset({PDF_UA_1}), steps=("encrypt",))
"""PDF/A forbids encryption: an encrypted file claims PDF/UA-1 alone."""
ENCRYPTED_PACKET = OutputKind("encrypted-packet", "an encrypted patient packet", "rgb",
                              standards=frozenset({PDF_UA_1}),
                              steps=("append-brochure", "encrypt"))
PNG_PAGES = OutputKind("png-pages", "page images", "rgb", standards=frozenset(),
                       steps=("rasterize",), extension="png", source=SCREEN.name)
"""Drawn from the screen file (:func:`brochure.pages.page_images`)."""

KINDS: dict[str, OutputKind] = {kind.name: kind for kind in (
    SCREEN, PRINT, SUMMARY, PACKET, ENCRYPTED_SUMMARY, ENCRYPTED_PACKET, PNG_PAGES)}
"""Every output kind by name, in the order :func:`kind_of` prefers them."""


def brochure_kind(for_print: bool) -> OutputKind:
    """The kind of a built brochure: the print file, or the screen file."""
    return PRINT if for_print else SCREEN


def summary_kind(encrypted: bool, with_brochure: bool) -> OutputKind:
    """The kind of a patient's file: summary or packet, encrypted or not."""
    steps = (("append-brochure",) if with_brochure else ()) + (("encrypt",) if encrypted
                                                              else ())
    return next(kind for kind in (SUMMARY, PACKET, ENCRYPTED_SUMMARY, ENCRYPTED_PACKET)
                if kind.steps == steps)


def kind_of(reader: PdfReader) -> OutputKind | None:
    """The kind a PDF declares itself to be: encrypted (its declarations are locked with it:
    an encrypted summary or packet, told apart only with the password), PDF/X (an output
    intent of subtype GTS_PDFX, or the PDF/X version in its information: a print file), or
    the standards its XMP metadata claims (a file for readers: screen brochure, summary and
    packet claim alike, and the first is returned). None when it declares nothing of ours."""
    if reader.is_encrypted:
        return ENCRYPTED_SUMMARY
    declared = declared_standards(reader)
    for kind in KINDS.values():
        if kind.standards and kind.standards == declared:
            return kind
    return None


def declared_standards(reader: PdfReader) -> frozenset[str]:
    """The standards an unencrypted PDF declares: PDF/X by its output intent or document
    information, PDF/UA and PDF/A by its XMP metadata."""
    root = cast("DictionaryObject", reader.trailer["/Root"])  # a dictionary, its reference resolved
    intents = root.get("/OutputIntents") or []
    subtypes = {str(intent.get_object().get("/S", "")) for intent in intents}
    info: Mapping[str, Any] = reader.metadata or {}
    found = set()
    if "/GTS_PDFX" in subtypes or str(info.get("/GTS_PDFXVersion", "")).startswith("PDF/X-1a"):
        found.add(PDF_X_1A)
    metadata = root.get("/Metadata")
    xmp = metadata.get_object().get_data() if metadata is not None else b""
    if b"<pdfuaid:part>1</pdfuaid:part>" in xmp:
        found.add(PDF_UA_1)
    if b"<pdfaid:part>2</pdfaid:part>" in xmp and b"<pdfaid:conformance>A" in xmp:
        found.add(PDF_A_2A)
    return frozenset(found)
