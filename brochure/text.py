"""Text going into ReportLab paragraph markup: escaping, and the little inline emphasis allowed.

Everything a user writes is escaped first, so ``<``, ``&`` and tags are printed as text and never
read as markup; only ``**bold**`` and ``*italic*`` from trusted content become tags afterwards.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape as _escape

_SHIELD = "\ue000"  # stands in for '*' inside inserted values, so data never becomes emphasis
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")


def escape(text: str) -> str:
    """Make ``text`` safe for paragraph markup: every character is printed as written."""
    return _escape(str(text), {'"': "&quot;"})


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


def fallback_runs(markup: str, font_for) -> str:
    """Wrap runs of characters that need another font in ``<font name=…>`` tags.

    ``font_for(char)`` names the font for a character, or returns None when the paragraph's
    own font has it. Tags and entities are left as they are."""
    parts = []
    for token in _MARKUP_TOKEN.split(markup):
        if not token or token.startswith("<") or (token.startswith("&") and token.endswith(";")):
            parts.append(token)
            continue
        parts += _runs(token, font_for)
    return "".join(parts)


def _runs(text: str, font_for) -> list[str]:
    out, current, run = [], None, []
    for char in text:
        font = font_for(char) if not char.isspace() else current
        if font != current and run:
            out.append(_wrapped("".join(run), current))
            run = []
        current = font
        run.append(char)
    if run:
        out.append(_wrapped("".join(run), current))
    return out


def _wrapped(text: str, font: str | None) -> str:
    return text if font is None else f'<font name="{font}">{text}</font>'
