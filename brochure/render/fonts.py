"""Fonts from ``fontpkg-*`` packages, registered with ReportLab once per process.

Only TrueType files from installed font packages are used (never system folders), so every font
is embedded; the base-14 fonts ReportLab would otherwise reference are never used.
"""

from __future__ import annotations

import contextlib
import hashlib
import unicodedata
import zlib
from dataclasses import dataclass
from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import fontpkg
import fontTools  # type: ignore[import-untyped]  # fontTools ships no types
from reportlab.lib.fonts import addMapping, ps2tt, tt2ps
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, makeToUnicodeCMap

from ..errors import BrochureError, Problem
from ..model.brand import FontChoice, Fonts
from ..output import cache_dir, read_cached, write_atomic
from .backend.fonts import (
    face_name,
    face_name_taken,
    font_data,
    name_every_glyph,
    note_drawn_codes,
    rename_face,
    reuse_subsets,
    write_font_dictionaries,
)

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont as TTFontFile  # type: ignore[import-untyped]


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

    def faces(self) -> tuple[str, str, str, str]:
        return self.regular, self.bold, self.italic, self.bold_italic


@dataclass(frozen=True)
class FontSet:
    body: FontFamily
    heading: FontFamily
    fallbacks: tuple[FontFamily, ...] = ()

    def family(self, role: str) -> FontFamily:
        return self.heading if role == "heading" else self.body


_FALLBACKS: dict[str, tuple[str, ...]] = {}
"""For each registered face, the faces (same weight and slant) tried for characters it lacks."""


_CMAP: dict[str, frozenset[int]] = {}
"""Per registered face, the characters its own character map has (not the private code points
given to its other glyphs, see :func:`_name_every_glyph`)."""


_FILES: dict[str, str] = {}
"""Per registered face, the digest of the font file it is made from (and of how it is
prepared: see :func:`_prepared_file`)."""


def file_digest(face: str) -> str:
    """The digest of the font file a registered face is made from."""
    return _FILES[face]


def coverage(face: str) -> frozenset[int]:
    """The code points a registered face has glyphs for."""
    return _CMAP[face]


@cache
def _characters(codes: frozenset[int]) -> frozenset[str]:
    """The characters of a face's :func:`coverage`."""
    return frozenset(map(chr, codes))


PRIVATE_BASE = 0xF0000
"""Glyph ``g`` of a face without a character of its own (a joined Arabic form, a Devanagari
conjunct, chosen by shaping) is drawn as code point ``PRIVATE_BASE + g`` (Supplementary
Private Use Area-A)."""


def _name_every_glyph(font: TTFont) -> None:
    """Give every glyph without a character a private code point of its own, fixed by its
    glyph number. ReportLab numbers them as shaping first meets them, so the same document
    would be written differently after other documents in the same process."""
    _CMAP[font.fontName] = name_every_glyph(font, PRIVATE_BASE)


class FaceChooser:
    """A chooser for :func:`brochure.text.fallback_runs`: ``choose(char, bold, italic)`` is
    None when the paragraph's font (``face``, made bold or italic as asked) has the character,
    else the face of the first fallback family that has it, in the same weight and slant;
    characters no font has are added to ``missing`` (they would print as empty boxes).
    ``choose.covers(face, char)``: whether a registered face has the character."""

    def __init__(self, face: str, missing: set[str] | None = None) -> None:
        self.face, self.missing = face, missing
        self.family = ps2tt(face)[0]

    def _own(self, bold: bool, italic: bool) -> str:
        return (tt2ps(self.family, 1 if bold else 0, 1 if italic else 0) if bold or italic
                else self.face)

    def has_all(self, text: str, bold: bool = False, italic: bool = False) -> bool:
        """Whether the paragraph's font (in that emphasis) has every character of ``text``
        but its spaces: then none is drawn in another (most text)."""
        return all(char.isspace() for char in set(text).difference(
            _characters(coverage(self._own(bold, italic)))))

    def __call__(self, char: str, bold: bool = False, italic: bool = False) -> str | None:
        own = self._own(bold, italic)
        code = ord(char)
        if code in coverage(own):
            return None
        found = _fallback(code, _script(char), _FALLBACKS.get(own, ()))
        if found is None and self.missing is not None:
            self.missing.add(char)
        return found

    @staticmethod
    def covers(face: str, char: str) -> bool:
        return ord(char) in coverage(face)


def font_for(face: str, missing: set[str] | None = None) -> FaceChooser:
    """The :class:`FaceChooser` for text in ``face``."""
    return FaceChooser(face, missing)


def _fallback(code: int, script: str, chain: tuple[str, ...]) -> str | None:
    """The fallback face for a character: a family named for its script (Noto Sans Arabic
    for Arabic letters, Noto Sans Devanagari for Devanagari) if one has it, else the first
    in the chain that has it."""
    covering = [face for face in chain if code in coverage(face)]
    for face in covering:
        if script in face.split("-"):
            return face
    return covering[0] if covering else None


@lru_cache(maxsize=4096)
def _script(char: str) -> str:
    """The script a character's Unicode name starts with ("arabic", "devanagari", "latin")."""
    return unicodedata.name(char, "").split(" ", 1)[0].lower()


def uncovered(text: str, face: str) -> list[str]:
    """Characters of ``text`` that neither ``face`` nor its fallbacks can draw."""
    missing: set[str] = set()
    choose = font_for(face, missing)
    for char in set(text):
        if not char.isspace() and char.isprintable():
            choose(char)
    return sorted(missing)


def missing_faces(fonts: Fonts) -> list[tuple[tuple[str | int, ...], str]]:
    """The first face of each of the brand's families (body, heading, fallbacks) that is not
    installed: where the family is named in the brand kit (the ``fonts`` key for the default
    fallback, which the kit does not name), and why. Faces are looked up in the installed
    fontpkg packages, as registering them would, and never read."""
    declared = "fallback" in fonts.model_fields_set
    choices: list[tuple[tuple[str | int, ...], FontChoice]] = [
        (("fonts", "body", "family"), fonts.body), (("fonts", "heading", "family"), fonts.heading),
        *((("fonts", "fallback", i, "family") if declared else ("fonts",), choice)
          for i, choice in enumerate(fonts.fallback))]
    missing = []
    for where, choice in choices:
        try:
            for weight, style in _face_specs(choice):
                _font_file(choice.family, weight, style)
        except BrochureError as exc:
            default = "" if declared or where != ("fonts",) else \
                "the default fallback (the kit names none): "
            missing.append((where, default + exc.problems[0].message))
    return missing


def _face_specs(choice: FontChoice) -> tuple[tuple[int, str], ...]:
    """The (weight, style) of a family's regular, bold, italic and bold italic faces (an
    upright-only family's italics are its upright faces)."""
    slant = _italic_style(choice.family)
    return ((choice.regular, "normal"), (choice.bold, "normal"), (choice.regular, slant),
            (choice.bold, slant))


@cache
def _font_file(family: str, weight: int, style: str):
    """The installed file of a family's face; a BrochureError saying which package to install
    when there is none."""
    try:
        return fontpkg.select_file(fontpkg.family(family), fontpkg.normalize_weight(weight),
                                   fontpkg.normalize_style(style), True)
    except fontpkg.FontpkgError as exc:
        raise BrochureError(Problem(
            f"font family '{family}' ({weight} {style}) is not installed: {exc}; "
            f"install its fontpkg-* package")) from None


@cache
def _register_face(family: str, weight: int, style: str) -> str:
    chosen = _font_file(family, weight, style)
    name = f"{fontpkg.slugify(family)}-{weight}-{style}"
    axes: dict[str, float] = {"wght": weight} if chosen.variable else {}
    # asciiReadable=False: subsets hold only the glyphs used (not all of ASCII besides)
    _FILES[name], prepared = _prepared_file(chosen.path, axes)
    try:
        font = TTFont(name, prepared, asciiReadable=False)
    except Exception:  # a damaged copy in the cache: prepared again, and the copy replaced
        font = TTFont(name, _prepared_file(chosen.path, axes, cached=False)[1],
                      asciiReadable=False)
    if face_name_taken(font):
        # an instance of a variable font keeps the default instance's name, and ReportLab
        # would take it for that face (bold text drawn regular): name it by its weight
        rename_face(font, f"-{weight}{'Italic' if style == 'italic' else ''}".encode())
    _name_every_glyph(font)
    reuse_subsets(font)
    note_drawn_codes(font)
    _reuse_font_dictionaries(font)
    pdfmetrics.registerFont(font)
    return name


def _reuse_font_dictionaries(font: TTFont) -> None:
    """Write each subset's font dictionary ourselves: named with a tag of its own (ReportLab
    tags the first subset of every face AAAAAA, so a summary and a brochure merged into one
    packet would hold two different AAAAAA+AtkinsonHyperlegible-Regular fonts), and with the
    glyph widths and the compressed ToUnicode map from a cache: seeded summaries use the same
    subsets, and formatting hundreds of widths costs time."""
    name = face_name(font)

    @lru_cache(maxsize=256)
    def to_unicode(base: str, subset: tuple[int, ...]) -> bytes:
        private = _glyph_texts(font) if max(subset) >= PRIVATE_BASE else {}
        return zlib.compress(_to_unicode_cmap(base, subset, private).encode("latin-1"))

    write_font_dictionaries(font, lambda codes: f"{subset_tag(name, codes)}+{name}",
                            to_unicode)


def _to_unicode_cmap(base: str, codes: tuple[int, ...], private: dict[int, str]) -> str:
    """ReportLab's ToUnicode map for a subset, with each glyph that has no character of its
    own mapped to the text it stands for, where the font's substitutions tell (the ligature
    لله, a half form क्), else to U+FFFD (the dot of a beh drawn as a dotless beh and a dot:
    PDF/UA-1 and PDF/A-2 ask a map for every glyph; the line's ActualText carries the text)."""
    lines = makeToUnicodeCMap(base, list(codes)).split("\n")
    begin = lines.index(f"{len(codes)} beginbfchar")
    mapped = []
    for index, code in enumerate(codes):
        text = private.get(code - PRIVATE_BASE) if code >= PRIVATE_BASE else chr(code)
        text = text or "\ufffd"
        mapped.append(f"<{index:02X}> <{text.encode('utf-16-be').hex().upper()}>")
    return "\n".join([*lines[:begin], f"{len(mapped)} beginbfchar", *mapped,
                      *lines[begin + 1 + len(codes):]])


@cache
def _glyph_texts(font: TTFont) -> dict[int, str]:
    """For each glyph of ``font`` without a character, the text it stands for, from the
    font's substitutions (GSUB): a form stands for its letter, a ligature for its parts, the
    first glyph of a decomposition for the whole."""
    from fontTools import ttLib  # (a tenth of a second to import: only when a font needs it)

    parsed = ttLib.TTFont(BytesIO(font_data(font)), lazy=True)
    text = {parsed.getGlyphID(name): chr(code) for code, name in parsed.getBestCmap().items()}
    if "GSUB" not in parsed or parsed["GSUB"].table.LookupList is None:
        return {}
    tables = [table.ExtSubTable if lookup.LookupType == 7 else table
              for lookup in parsed["GSUB"].table.LookupList.Lookup for table in lookup.SubTable]
    gid = parsed.getGlyphID
    while True:
        found: dict[int, str] = {}
        for table in tables:
            for out, source in _substitutions(table, gid):
                if out not in text and all(g in text for g in source):
                    found.setdefault(out, "".join(text[g] for g in source))
        if not found:
            return {glyph: value for glyph, value in text.items()}
        text.update(found)


def _substitutions(table, gid):
    """(output glyph, input glyphs) of one GSUB subtable of the simple kinds."""
    kind = getattr(table, "LookupType", None)
    if kind == 1:
        return [(gid(out), [gid(source)]) for source, out in table.mapping.items()]
    if kind == 2:
        return [(gid(outs[0]), [gid(source)]) for source, outs in table.mapping.items() if outs]
    if kind == 3:
        return [(gid(alt), [gid(source)]) for source, alts in table.alternates.items()
                for alt in alts]
    if kind == 4:
        return [(gid(lig.LigGlyph), [gid(first), *map(gid, lig.Component)])
                for first, ligatures in table.ligatures.items() for lig in ligatures]
    return []


@lru_cache(maxsize=1024)
def subset_tag(face_name: str, codes: tuple[int, ...]) -> str:
    """Six capital letters that name one subset of one face (PDF 32000-1, 9.6.4): drawn from
    the face's name and the characters the subset holds, so the same subset is always named
    alike (byte-identical rebuilds) and two different subsets, even of one face in documents
    merged later, practically never are."""
    digest = hashlib.sha256(f"{face_name}:{codes}".encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


def _prepared_file(path, axes: dict[str, float], cached: bool = True) -> tuple[str, BytesIO]:
    """The font ready to embed: a static instance at ``axes`` if it is a variable font
    (ReportLab draws only static outlines), without hinting (instructions, fpgm, prep, cvt;
    PDF viewers and printers rasterise at high resolution without it, and every embedded
    subset is about a third smaller and quicker to write), kept in a cache folder; and the
    digest it is kept under (of the original file and of how it is prepared)."""
    original = Path(path).read_bytes()
    key = (original + fontTools.version.encode() + repr(sorted(axes.items())).encode()
           + _PREPARATION)
    digest = hashlib.sha256(key).hexdigest()[:24]
    kept = _from_cache(f"{digest}.ttf") if cached else None
    if kept is not None:
        return digest, BytesIO(kept)
    stripped = _strip(BytesIO(original), axes)
    _to_cache(f"{digest}.ttf", stripped)
    return digest, BytesIO(stripped)


_PREPARATION = b"instances named 2"
"""Changes with how :func:`_strip` prepares a font, so that older copies in the cache are
not taken for the new ones."""


MAX_PREPARED_FONT_BYTES = 64 * 1024 * 1024
"""A prepared font larger than this in the cache is not one of ours: it is prepared again."""


def _from_cache(name: str) -> bytes | None:
    """A prepared font from the cache folder; None when it is not there or the cache cannot
    be read (not a folder, no permission, not a regular file): it is prepared again."""
    return read_cached(cache_dir("fonts") / name, MAX_PREPARED_FONT_BYTES)


def _to_cache(name: str, data: bytes) -> None:
    """Keep a prepared font for the next run, where the cache folder can be written; a cache
    that cannot (a read-only home, a file where the folder should be) only makes the next
    start slower."""
    with contextlib.suppress(OSError, BrochureError):
        write_atomic(cache_dir("fonts") / name, data)


def _strip(source: BytesIO, axes: dict[str, float]) -> bytes:
    from fontTools import subset, ttLib  # (only when a font is not in the cache yet)
    from fontTools.varLib import instancer  # type: ignore[import-untyped]

    font = ttLib.TTFont(source, lazy=False, recalcTimestamp=False)
    if axes and "fvar" in font:
        defaults = {a.axisTag: a.defaultValue for a in font["fvar"].axes}
        location = {**defaults, **axes}
        named = _instance_name(font, location)
        font = instancer.instantiateVariableFont(font, location, inplace=True,
                                                 updateFontNames=False)
        for record in font["name"].names if named else ():
            if record.nameID == 6:  # "NotoSans-Bold": readers and checkers see its weight
                record.string = named
    options = subset.Options()
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    options.drop_tables = [*options.drop_tables, "meta"]  # dropped anyway, without a word
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=font.getGlyphOrder())
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def _instance_name(font: TTFontFile, location: dict[str, float]) -> str | None:
    """The PostScript name of a variable font's named instance at ``location`` ("NotoSans-Bold",
    "NotoSans-BoldItalic"): its own, or the font's name prefix and the instance's style as
    OpenType derives one; None when no named instance stands there (the face is then named
    by its weight when it is registered)."""
    names = font["name"]
    for instance in font["fvar"].instances:
        if instance.coordinates != location:
            continue
        if instance.postscriptNameID != 0xFFFF:
            return names.getDebugName(instance.postscriptNameID)
        prefix = names.getDebugName(25) or (names.getDebugName(6) or "").split("-")[0]
        style = "".join((names.getDebugName(instance.subfamilyNameID) or "").split())
        return f"{prefix}-{style}" if prefix and style else None
    return None


def _italic_style(family: str) -> str:
    """"italic", or "normal" for a family drawn upright only (Arabic, Devanagari: scripts
    without italics, whose text inside <i> is set upright)."""
    try:
        styles = fontpkg.family(family).styles
    except fontpkg.FontpkgError:
        return "italic"  # reported with the family's name when its faces are registered
    return "italic" if "italic" in styles or "normal" not in styles else "normal"


@cache
def register_family(choice: FontChoice) -> FontFamily:
    """Register a family's regular, bold, italic and bold italic faces; <b>/<i> map to them."""
    family = FontFamily(*(_register_face(choice.family, weight, style)
                          for weight, style in _face_specs(choice)))
    for bold in (0, 1):
        for italic in (1, 0):  # upright last: an upright-only family's faces read as upright
            addMapping(family.regular, bold, italic, family.face(bool(bold), bool(italic)))
    return family


def measuring_faces(choice: FontChoice) -> tuple[str, str]:
    """A family's regular and bold faces, registered: text measured in them is never drawn,
    so the family's other faces, its fallbacks and its <b>/<i> mapping are left for
    :func:`register_family` (each font file is read when first needed)."""
    return (_register_face(choice.family, choice.regular, "normal"),
            _register_face(choice.family, choice.bold, "normal"))


def register_fonts(fonts: Fonts) -> FontSet:
    """The brand's body and heading families and their fallbacks, registered and ready."""
    fallbacks = tuple(register_family(choice) for choice in fonts.fallback)
    body, heading = register_family(fonts.body), register_family(fonts.heading)
    for family in (body, heading):
        for bold in (False, True):
            for italic in (False, True):
                _FALLBACKS[family.face(bold, italic)] = tuple(f.face(bold, italic)
                                                              for f in fallbacks)
    return FontSet(body=body, heading=heading, fallbacks=fallbacks)
