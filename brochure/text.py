"""Text going into ReportLab paragraph markup: escaping, and the little inline emphasis allowed.

Everything a user writes is escaped first, so ``<``, ``&`` and tags are printed as text and never
read as markup; only ``**bold**`` and ``*italic*`` from trusted content become tags afterwards.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from bidi import algorithm as _bidi

_SHIELD = "\ue000"  # stands in for '*' inside inserted values, so data never becomes emphasis
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def strings_in(value: object) -> list[str]:
    """Every string inside a value read from YAML or a model's dump (dicts, lists, text)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for v in value for s in strings_in(v)] if isinstance(value, list) else []


_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_MARKUP_AND_QUOTES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def escape(text: str, quotes: bool = True) -> str:
    """Make ``text`` safe for paragraph markup (``quotes``: inside an attribute's quotes too;
    without, for XML text): every character is printed as written. (As xml.sax.saxutils
    escapes, in one pass, without importing what it imports: urllib, http, ssl.)"""
    return str(text).translate(_MARKUP_AND_QUOTES if quotes else _MARKUP)


def inline(text: str) -> str:
    """Escape ``text``, then turn ``**bold**`` and ``*italic*`` into markup (asterisks that
    came from inserted values, see :func:`shield`, stay literal)."""
    marked = _BOLD.sub(r"<b>\1</b>", escape(text))
    return _ITALIC.sub(r"<i>\1</i>", marked).replace(_SHIELD, "*")


def shield(value: object) -> str:
    """Jinja2 ``finalize`` hook: an inserted value's asterisks never form emphasis."""
    return "" if value is None else str(value).replace("*", _SHIELD)


def plain(text: str) -> str:
    """``text`` without emphasis markers, as a reader (or a text extractor) sees it."""
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))



_MARKUP_TOKEN = re.compile(r"(<[^>]*>|&#?\w+;)")
_EMPHASIS = re.compile(r"<(/?)(b|i|strong|em)\s*>", re.IGNORECASE)


FontFor = Callable[[str, bool, bool], str | None]
"""The font for a character inside bold and italic emphasis, or None for the paragraph's own."""


def fallback_runs(markup: str, font_for: FontFor) -> str:
    """Wrap runs of characters that need another font in ``<font name=…>`` tags.

    ``font_for(char, bold, italic)`` names the font for a character inside that much emphasis
    (so a fallback run inside ``<b>`` is drawn bold), or returns None when the paragraph's own
    font has it. Tags and entities are left as they are."""
    parts, emphasis = [], {"b": 0, "i": 0}
    has_all = getattr(font_for, "has_all", None)  # a quick answer for text it all has
    for token in _MARKUP_TOKEN.split(markup):
        if token.startswith("<"):
            _count_emphasis(token, emphasis)
            parts.append(token)
        elif token.startswith("&") and token.endswith(";"):
            parts.append(token)
        elif token:
            bold, italic = emphasis["b"] > 0, emphasis["i"] > 0
            if has_all is not None and has_all(token, bold, italic):
                parts.append(token)
                continue
            parts += _runs(token, _in_emphasis(font_for, bold, italic),
                           getattr(font_for, "covers", None))
    return "".join(parts)


def _in_emphasis(font_for: FontFor, bold: bool, italic: bool) -> Callable[[str], str | None]:
    """``font_for`` for the characters inside that much emphasis."""
    return lambda char: font_for(char, bold, italic)


def _count_emphasis(tag: str, emphasis: dict[str, int]) -> None:
    found = _EMPHASIS.fullmatch(tag)
    if found:
        kind = "b" if found[2].lower() in ("b", "strong") else "i"
        emphasis[kind] += -1 if found[1] else 1


def _runs(text: str, font_for: Callable[[str], str | None],
          covers: Callable[[str, str], bool] | None = None) -> list[str]:
    """Runs of one font each. Spaces stay in the run they follow; so do combining marks and
    joiners, where the run's fallback font has them (a mark shapes with its letter)."""
    out: list[str] = []
    current: str | None = None
    run: list[str] = []
    for char in text:
        if char.isspace() or (current is not None and covers is not None
                              and unicodedata.category(char) in _MARKS
                              and covers(current, char)):
            font = current
        else:
            font = font_for(char)
        if font != current and run:
            out.append(_wrapped("".join(run), current))
            run = []
        current = font
        run.append(char)
    if run:
        out.append(_wrapped("".join(run), current))
    return out


_MARKS = frozenset(("Mn", "Mc", "Me", "Cf"))


def _wrapped(text: str, font: str | None) -> str:
    return text if font is None else f'<font name="{font}">{text}</font>'


# -- text that needs shaping, and its direction --------------------------------------------

_JOINERS = frozenset("\u200c\u200d")


def needs_shaping(text: str) -> bool:
    """Whether glyphs of ``text`` must be chosen in context (a shaping engine, not one glyph
    per character): right-to-left letters (Arabic joins), combining marks (Devanagari vowel
    signs and virama, accents typed as separate marks) and joiners. Plain Latin text is not."""
    if text.isascii():
        return False
    for char in text:
        if char < "\u0300":
            continue
        if unicodedata.bidirectional(char) in ("R", "AL") or char in _JOINERS \
                or unicodedata.category(char) in ("Mn", "Mc", "Me"):
            return True
    return False


def has_right_to_left(text: str) -> bool:
    """Whether ``text`` has right-to-left letters (Arabic, Hebrew…)."""
    return not text.isascii() and any(unicodedata.bidirectional(char) in ("R", "AL")
                                      for char in text)


def segment_levels(words: list[list[str]]) -> tuple[int, list[tuple[int, ...]]]:
    """The paragraph's base level (0: left to right, 1: right to left, from its first strong
    letter) and the embedding level of each segment of each word under the Unicode
    bidirectional algorithm (its highest), for ``words`` written in logical order with one
    space between them, each given as its segments (runs of one font)."""
    storage = _bidi.get_empty_storage()
    text = " ".join("".join(segments) for segments in words)
    storage["base_level"] = base = _bidi.get_base_level(text)
    storage["base_dir"] = ("L", "R")[base]
    try:
        _bidi.get_embedding_levels(text, storage, False, False)
        for step in (_bidi.explicit_embed_and_overrides, _bidi.resolve_weak_types,
                     _bidi.resolve_neutral_types, _bidi.resolve_implicit_levels):
            step(storage, False)
        levels = [char["level"] for char in storage["chars"]]
    except AssertionError:  # python-bidi refuses some character types (U+FE70 beside U+18CD6)
        levels = _strong_levels(text, base)
    found, start = [], 0
    for segments in words:
        word = []
        for segment in segments:
            word.append(max(levels[start:start + len(segment)], default=base))
            start += len(segment)
        found.append(tuple(word))
        start += 1
    return base, found


def _strong_levels(text: str, base: int) -> list[int]:
    """A level per character from its own direction alone (right-to-left letters 1, others the
    base level, or 2 inside a right-to-left paragraph): the fallback where the full algorithm
    cannot run, so that a name never stops a summary."""
    left = 0 if base == 0 else 2
    return [1 if unicodedata.bidirectional(char) in ("R", "AL") else left for char in text]


def visual_order(levels: list[int]) -> list[int]:
    """Indices of items in display order, from their embedding levels (rule L2 of the
    bidirectional algorithm: from the highest level down to the lowest odd one, reverse every
    run of items at that level or higher)."""
    order = list(range(len(levels)))
    if not levels:
        return order
    lowest_odd = min(level for level in levels) | 1
    for level in range(max(levels), lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = reversed(order[i:j])
            i = j
    return order
