"""Fonts from ``fontpkg-*`` packages, registered with ReportLab once per process.

Only TrueType files from installed font packages are used (never system folders), so every font
is embedded; the base-14 fonts ReportLab would otherwise reference are never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path

import fontpkg
import fontTools
from fontTools import subset, ttLib
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFName
from reportlab.pdfbase.ttfonts import TTFont

from ..errors import BrochureError, Problem
from ..model.brand import FontChoice, Fonts
from ..output import write_atomic


@dataclass(frozen=True)
class FontFamily:
    """ReportLab names of one family's four faces."""

    regular: str
    bold: str
    italic: str
    bold_italic: str

    def face(self, bold: bool = False, italic: bool = False) -> str:
        if bold:
            return self.bold_italic if italic else self.bold
        return self.italic if italic else self.regular


@dataclass(frozen=True)
class FontSet:
    body: FontFamily
    heading: FontFamily

    def family(self, role: str) -> FontFamily:
        return self.heading if role == "heading" else self.body


@cache
def _register_face(family: str, weight: int, style: str) -> str:
    try:
        path = fontpkg.path(family, weight=weight, style=style, nearest=True)
    except fontpkg.FontpkgError as exc:
        raise BrochureError(Problem(
            f"font family '{family}' ({weight} {style}) is not installed: {exc}; "
            f"install its fontpkg-* package")) from None
    name = f"{fontpkg.slugify(family)}-{weight}-{style}"
    # asciiReadable=False: subsets hold only the glyphs used (not all of ASCII besides)
    font = TTFont(name, _without_hinting(path), asciiReadable=False)
    _reuse_subsets(font.face)
    pdfmetrics.registerFont(font)
    return name


def _reuse_subsets(face) -> None:
    """Embed each distinct glyph subset from a cache: building and compressing a subset is
    the costliest part of writing a summary, and most summaries use the same glyphs."""
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


def _without_hinting(path) -> BytesIO:
    """The font with its hinting removed (instructions, fpgm, prep, cvt): PDF viewers and
    printers rasterise at high resolution without it, and every embedded subset is about a
    third smaller and quicker to write. Kept in a cache folder, since it takes a while."""
    original = Path(path).read_bytes()
    digest = hashlib.sha256(original + fontTools.version.encode()).hexdigest()[:24]
    cached = _cache_dir() / f"{digest}.ttf"
    if cached.exists():
        return BytesIO(cached.read_bytes())
    stripped = _strip(BytesIO(original))
    with contextlib.suppress(OSError):  # a read-only home still renders, only slower to start
        write_atomic(cached, stripped)
    return BytesIO(stripped)


def _cache_dir() -> Path:
    root = os.environ.get("BROCHURE_CACHE") or os.environ.get("XDG_CACHE_HOME")
    base = Path(root) if root else Path.home() / ".cache"
    return (base if os.environ.get("BROCHURE_CACHE") else base / "brochure") / "fonts"


def _strip(source: BytesIO) -> bytes:
    font = ttLib.TTFont(source, lazy=False, recalcTimestamp=False)
    options = subset.Options()
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=font.getGlyphOrder())
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@cache
def register_family(choice: FontChoice) -> FontFamily:
    """Register a family's regular, bold, italic and bold italic faces; <b>/<i> map to them."""
    family = FontFamily(
        regular=_register_face(choice.family, choice.regular, "normal"),
        bold=_register_face(choice.family, choice.bold, "normal"),
        italic=_register_face(choice.family, choice.regular, "italic"),
        bold_italic=_register_face(choice.family, choice.bold, "italic"),
    )
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(family.regular, bold, italic, family.face(bool(bold), bool(italic)))
    return family


def register_fonts(fonts: Fonts) -> FontSet:
    """The brand's body and heading families, registered and ready to use."""
    return FontSet(body=register_family(fonts.body), heading=register_family(fonts.heading))
