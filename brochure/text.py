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

