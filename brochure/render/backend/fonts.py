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
from collections.abc import Callable
from functools import lru_cache

from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFName, PDFObject
from reportlab.pdfbase.ttfonts import TTFont


def name_every_glyph(font: TTFont, base: int) -> frozenset[int]:
    """Give every glyph without a character a private code point of its own, ``base`` + its
    glyph number (ReportLab numbers them as shaping first meets them, so the same document
    would be written differently after other documents in the same process). Returns the
    characters the face's own character map has."""
    face = font.face
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
    return font.face.name in pdfmetrics._dynFaceNames


def rename_face(font: TTFont, suffix: bytes) -> None:
    """Add ``suffix`` to the font's face name (an instance of a variable font keeps the default
    instance's name)."""
    font.face.name = font.face.name + suffix


def face_name(font: TTFont) -> str:
    """The face's PostScript name as PDF writes it."""
    face = font.face
    return (face.name + face.subfontNameX).decode("pdfdoc")


def font_data(font: TTFont) -> bytes:
    """The font file ReportLab read (``face._ttf_data``)."""
    return font.face._ttf_data


def reuse_subsets(font: TTFont) -> None:
    """Embed each distinct glyph subset from a cache: building and compressing a subset is
    the costliest part of writing a summary, and most summaries use the same glyphs (the face's
    ``makeSubset`` and ``addSubsetObjects`` replaced, for this font's face only)."""
    face = font.face
    make_subset, add_objects = face.makeSubset, face.addSubsetObjects

    @lru_cache(maxsize=256)
    def raw(subset: tuple[int, ...]) -> bytes:
        return make_subset(list(subset))

    @lru_cache(maxsize=256)
    def compressed(subset: tuple[int, ...]) -> bytes:
        return zlib.compress(raw(subset))

    def add_subset_objects(doc, fontname, subset):
        reference = add_objects(doc, fontname, subset)  # Length1 from the cached raw subset
        stream = doc.idToObject[f"fontFile:{face.filename}({fontname})"]
        stream.content = compressed(tuple(subset))
        stream.dictionary["Filter"] = PDFName("FlateDecode")
        return reference

    face.makeSubset = lambda subset: raw(tuple(subset))
    face.addSubsetObjects = add_subset_objects


class Formatted(PDFObject):
    """Bytes formatted once and written as they are into every document."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document) -> bytes:
        return self.data


def write_font_dictionaries(font: TTFont, base_name: Callable[[tuple[int, ...]], str],
                            to_unicode: Callable[[str, tuple[int, ...]], bytes]) -> None:
    """Write each subset's font dictionary ourselves (the font's ``addObjects`` replaced):
    its BaseFont is ``base_name(codes)``, its compressed ToUnicode map
    ``to_unicode(base, codes)``, its widths formatted once per subset."""
    face = font.face

    @lru_cache(maxsize=256)
    def widths(subset: tuple[int, ...]) -> Formatted:
        numbers = " ".join(str(face.getCharWidth(code)) for code in subset)
        return Formatted(f"[ {numbers} ]".encode())

    def add(doc):
        state = font.state.get(doc)
        if state is None:
            return
        state.frozen = 1
        for number, chars in enumerate(state.subsets):
            codes = tuple(chars)
            internal = font.getSubsetInternalName(number, doc)[1:]
            base = base_name(codes)
            cmap = pdfdoc.PDFStream(content=to_unicode(base, codes))
            cmap.dictionary["Filter"] = PDFName("FlateDecode")
            entry = pdfdoc.PDFTrueTypeFont()
            entry.__Comment__ = f"Font {font.fontName} subset {number}"
            entry.Name, entry.BaseFont = internal, base
            entry.FirstChar, entry.LastChar = 0, len(codes) - 1
            entry.Widths = widths(codes)
            entry.ToUnicode = doc.Reference(cmap, f"toUnicodeCMap:{base}")
            entry.FontDescriptor = face.addSubsetObjects(doc, base, chars)
            doc.Reference(entry, internal)
            doc.idToObject["BasicFonts"].dict[internal] = entry
        del font.state[doc]
    font.addObjects = add


# -- the codes a document gives each font's glyphs --------------------------------------------

def fonts_in_order(doc) -> list[str]:
    """TrueType fonts of ``doc`` in the order it named them (F1, F2, …; ``fontMapping``)."""
    names = sorted(doc.fontMapping.items(), key=lambda item: int(item[1][2:].split("+")[0]))
    return [name for name, _ in names if isinstance(pdfmetrics.getFont(name), TTFont)]


def font_resources(doc) -> dict[str, str]:
    """Each font the document uses, by name, with its resource name (``/F1``; ``fontMapping``)."""
    return doc.fontMapping


def glyph_assignments(font: TTFont, doc) -> dict[str, int]:
    """The code ``doc`` gave each character of ``font`` (``state[doc].assignments``)."""
    return font.state[doc].assignments


def next_glyph_code(font: TTFont, doc) -> int:
    """The code ``doc`` will give the next new character of ``font`` (``nextCode``)."""
    return font.state[doc].nextCode


def seed_glyphs(font: TTFont, text: str, doc) -> None:
    """Give ``text``'s characters their codes in ``doc``, in order, and name the font's first
    subset, before anything is drawn (``splitString``, ``getSubsetInternalName``)."""
    font.splitString(text, doc)
    font.getSubsetInternalName(0, doc)


def glyph_codes(doc) -> tuple[int, ...]:
    """How many codes each TrueType font of ``doc`` has given so far."""
    return tuple(font.state[doc].nextCode for font in map(pdfmetrics.getFont, doc.fontMapping)
                 if isinstance(font, TTFont) and doc in font.state)
