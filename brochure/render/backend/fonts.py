"""TrueType fonts inside ReportLab: their glyph maps, the codes a document gives their glyphs,
their subsets and font dictionaries.

Relies on ReportLab 5.x ``TTFont`` and its face: ``face.charToGlyph``, ``glyphToChar``,
``charWidths``, ``hmetrics``, ``numGlyphs``, ``_pdfScale``, ``_ttf_data``, ``name``,
``subfontNameX``, ``filename``, ``getCharWidth``, ``makeSubset``, ``addSubsetObjects``; a
font's per-document ``state`` (``assignments``, ``nextCode``, ``subsets``, ``frozen``),
``splitString``, ``getSubsetInternalName`` and ``addObjects``; ``pdfmetrics._dynFaceNames``;
a document's ``fontMapping`` and ``idToObject``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol, cast

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfdoc import (
    PDFDictionary,
    PDFDocument,
    PDFName,
    PDFObject,
    PDFObjectReference,
    PDFStream,
)
from reportlab.pdfbase.ttfonts import TTFont

from .document import register


class _Face(Protocol):
    """ReportLab 5.x's TrueType face (``TTFontFace``) as this module uses it: the stubs leave
    most of it untyped and declare neither ``glyphToChar`` nor the private attributes.
    ``makeSubset`` and ``addSubsetObjects`` are attributes here: :func:`reuse_subsets`
    replaces them on one face."""

    name: bytes
    subfontNameX: bytes  # noqa: N815 - ReportLab's names
    filename: str
    numGlyphs: int  # noqa: N815
    charToGlyph: dict[int, int]  # noqa: N815
    glyphToChar: dict[int, list[int]]  # noqa: N815
    charWidths: dict[int, float]  # noqa: N815
    hmetrics: list[tuple[int, int]]  # (advance width, left side bearing) of each glyph
    _ttf_data: bytes
    _pdfScale: Callable[[int], float]  # noqa: N815 - font units to thousandths of an em
    makeSubset: Callable[[Sequence[int]], bytes]  # noqa: N815
    addSubsetObjects: Callable[[PDFDocument, str, Sequence[int]],  # noqa: N815
                               PDFObjectReference]

    def getCharWidth(self, code: int) -> float:  # noqa: N802
        """The width of character ``code``."""


def _face(font: TTFont) -> _Face:
    """``font``'s face with the attributes :class:`_Face` lists (every ReportLab 5.x TrueType
    face has them)."""
    return cast(_Face, font.face)


class _State(Protocol):
    """ReportLab 5.x's ``TTFont.State``, a font's glyph codes in one document: ``assignments``
    (character to code) is not in the stubs, ``subsets`` untyped there."""

    assignments: dict[int, int]
    nextCode: int  # noqa: N815 - ReportLab's name
    subsets: list[list[int]]
    frozen: bool | int


def _state(font: TTFont, doc: PDFDocument) -> _State:
    """``font``'s state in ``doc`` (:class:`_State`)."""
    return cast(_State, font.state[doc])


def name_every_glyph(font: TTFont, base: int) -> frozenset[int]:
    """Give every glyph without a character a private code point of its own, ``base`` + its
    glyph number (ReportLab numbers them as shaping first meets them, so the same document
    would be written differently after other documents in the same process). Returns the
    characters the face's own character map has."""
    face = _face(font)
    own = frozenset(face.charToGlyph)
    for glyph in range(face.numGlyphs):
        if glyph not in face.glyphToChar:
            code = base + glyph
            face.charToGlyph[code] = glyph
            face.glyphToChar[glyph] = [code]
            face.charWidths[code] = face._pdfScale(face.hmetrics[glyph][0])
    return own


def face_name_taken(font: TTFont) -> bool:
    """Whether ReportLab already knows a face by this font's face name (``_dynFaceNames``)."""
    return font.face.name in pdfmetrics._dynFaceNames  # type: ignore[attr-defined]


def rename_face(font: TTFont, suffix: bytes) -> None:
    """Add ``suffix`` to the font's face name (an instance of a variable font keeps the default
    instance's name)."""
    face = _face(font)
    face.name = face.name + suffix


def face_name(font: TTFont) -> str:
    """The face's PostScript name as PDF writes it."""
    face = _face(font)
    return (face.name + face.subfontNameX).decode("pdfdoc")


def font_data(font: TTFont) -> bytes:
    """The font file ReportLab read (``face._ttf_data``)."""
    return _face(font)._ttf_data


def reuse_subsets(font: TTFont) -> None:
    """Embed each distinct glyph subset from a cache: building and compressing a subset is
    the costliest part of writing a summary, and most summaries use the same glyphs (the face's
    ``makeSubset`` and ``addSubsetObjects`` replaced, for this font's face only)."""
    face = _face(font)
    make_subset, add_objects = face.makeSubset, face.addSubsetObjects

    @lru_cache(maxsize=256)
    def raw(subset: tuple[int, ...]) -> bytes:
        return make_subset(list(subset))

    @lru_cache(maxsize=256)
    def compressed(subset: tuple[int, ...]) -> bytes:
        return zlib.compress(raw(subset))

    def add_subset_objects(doc: PDFDocument, fontname: str,
                           subset: Sequence[int]) -> PDFObjectReference:
        reference = add_objects(doc, fontname, subset)  # Length1 from the cached raw subset
        stream = cast(PDFStream, doc.idToObject[f"fontFile:{face.filename}({fontname})"])
        stream.content = compressed(tuple(subset))
        stream.dictionary["Filter"] = PDFName("FlateDecode")
        return reference

    face.makeSubset = lambda subset: raw(tuple(subset))
    face.addSubsetObjects = add_subset_objects


def note_drawn_codes(font: TTFont) -> None:
    """Have the font note, in a document whose ``drawn_codes`` is a dict, the highest glyph
    code each drawing gives it (the font's ``splitString`` wrapped, for this font only): what
    tells whether drawn operators hold only glyphs every document numbers alike."""
    split = font.splitString

    def noted(text: str, doc: object, encoding: str = "utf-8") -> list[tuple[int, bytes]]:
        chunks = split(text, doc, encoding)
        drawn = getattr(doc, "drawn_codes", None)
        if drawn is not None:
            high = max(((subset << 8) | max(chunk) for subset, chunk in chunks if chunk),
                       default=-1)
            drawn[font.fontName] = max(drawn.get(font.fontName, -1), high)
        return chunks
    font.splitString = noted  # type: ignore[method-assign]


class _FontEntries(Protocol):
    """The entries of ReportLab's ``PDFTrueTypeFont`` (its attributes) that
    :func:`write_font_dictionaries` sets; the stubs declare none of them."""

    __Comment__: str
    Name: str
    BaseFont: str
    FirstChar: int
    LastChar: int
    Widths: PDFObject
    ToUnicode: PDFObjectReference
    FontDescriptor: PDFObjectReference


class Formatted(PDFObject):
    """Bytes formatted once and written as they are into every document."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def format(self, document: PDFDocument) -> bytes:
        return self.data


def write_font_dictionaries(font: TTFont, base_name: Callable[[tuple[int, ...]], str],
                            to_unicode: Callable[[str, tuple[int, ...]], bytes]) -> None:
    """Write each subset's font dictionary ourselves (the font's ``addObjects`` replaced):
    its BaseFont is ``base_name(codes)``, its compressed ToUnicode map
    ``to_unicode(base, codes)``, its widths formatted once per subset."""
    face = _face(font)

    @lru_cache(maxsize=256)
    def widths(subset: tuple[int, ...]) -> Formatted:
        numbers = " ".join(str(face.getCharWidth(code)) for code in subset)
        return Formatted(f"[ {numbers} ]".encode())

    def add(doc: PDFDocument) -> None:
        state = cast("_State | None", font.state.get(doc))
        if state is None:
            return
        state.frozen = 1
        for number, chars in enumerate(state.subsets):
            codes = tuple(chars)
            internal = font.getSubsetInternalName(number, doc)[1:]
            base = base_name(codes)
            cmap = pdfdoc.PDFStream(content=to_unicode(base, codes))
            cmap.dictionary["Filter"] = PDFName("FlateDecode")
            font_object = pdfdoc.PDFTrueTypeFont()
            entry = cast(_FontEntries, font_object)
            entry.__Comment__ = f"Font {font.fontName} subset {number}"
            entry.Name, entry.BaseFont = internal, base
            entry.FirstChar, entry.LastChar = 0, len(codes) - 1
            entry.Widths = widths(codes)
            entry.ToUnicode = register(doc, cmap, f"toUnicodeCMap:{base}")
            entry.FontDescriptor = face.addSubsetObjects(doc, base, chars)
            register(doc, font_object, internal)
            cast(PDFDictionary, doc.idToObject["BasicFonts"]).dict[internal] = font_object
        del font.state[doc]
    font.addObjects = add  # type: ignore[method-assign]  # for this font only


# -- the codes a document gives each font's glyphs --------------------------------------------

def fonts_in_order(doc: PDFDocument) -> list[str]:
    """TrueType fonts of ``doc`` in the order it named them (F1, F2, …; ``fontMapping``)."""
    names = sorted(doc.fontMapping.items(), key=lambda item: int(item[1][2:].split("+")[0]))
    return [name for name, _ in names if isinstance(pdfmetrics.getFont(name), TTFont)]


def font_resources(doc: PDFDocument) -> dict[str, str]:
    """Each font the document uses, by name, with its resource name (``/F1``; ``fontMapping``)."""
    return doc.fontMapping


def glyph_assignments(font: TTFont, doc: PDFDocument) -> dict[int, int]:
    """The code ``doc`` gave each character (code point) of ``font``
    (``state[doc].assignments``)."""
    return _state(font, doc).assignments


def next_glyph_code(font: TTFont, doc: PDFDocument) -> int:
    """The code ``doc`` will give the next new character of ``font`` (``nextCode``)."""
    return font.state[doc].nextCode


def seed_glyphs(font: TTFont, text: str, doc: PDFDocument) -> None:
    """Give ``text``'s characters their codes in ``doc``, in order, and name the font's first
    subset, before anything is drawn (``splitString``, ``getSubsetInternalName``)."""
    font.splitString(text, doc)
    font.getSubsetInternalName(0, doc)


def glyph_codes(doc: PDFDocument) -> tuple[int, ...]:
    """How many codes each TrueType font of ``doc`` has given so far."""
    return tuple(font.state[doc].nextCode for font in map(pdfmetrics.getFont, doc.fontMapping)
                 if isinstance(font, TTFont) and doc in font.state)
