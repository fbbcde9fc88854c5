"""Parsed paragraph markup kept for reuse: most of a summary's text (labels, the verdict's words,
its next step, the booking caption) is the same content text for every patient, and parsing
markup into ReportLab fragments is a large share of building a summary's paragraphs.

What is kept is the parse result only (the cleaned text, the fragments, the bullet), never a live
Paragraph: ReportLab marks paragraphs as it wraps, splits and draws them. Every use gets its own
copies of the fragments, so nothing one paragraph does reaches another. Entries are keyed by the
markup and by the style's values (not its identity: a style cloned per summary, like the
verdict's colour, still finds its text), and only content text is kept: a patient's own words
(a name, a note) are parsed fresh every time and never held here (see
:func:`brochure.render.paragraphs.para` and :func:`~brochure.render.paragraphs.fresh`).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from reportlab.lib.styles import ParagraphStyle

from .backend.paragraph import copied, copied_bullet, copied_state, restore_wrap_state


class Parsed(NamedTuple):
    """What parsing a paragraph's markup gave: ReportLab's cleaned text, its fragments and the
    bullet (text, or fragments when the markup had a ``<bullet>``)."""

    text: str
    fragments: list
    bullet: object


class ParseCache:
    """At most ``limit`` parse results, the least recently used dropped first; safe to share
    between threads (the web API renders summaries in a pool)."""

    def __init__(self, limit: int = 4096):
        self.limit = limit
        self.enabled = True
        self._entries: OrderedDict[tuple, Parsed] = OrderedDict()
        self._lock = threading.Lock()

    def key(self, markup: str, style: ParagraphStyle, bullet: str | None) -> tuple | None:
        """What a parse of ``markup`` in ``style`` is kept under (None: not kept)."""
        return _key(markup, style, bullet) if self.enabled else None

    def get(self, markup: str, style: ParagraphStyle, bullet: str | None) -> Parsed | None:
        """Copies of what parsing ``markup`` in ``style`` gave, or None when not kept."""
        key = _key(markup, style, bullet) if self.enabled else None
        if key is None:
            return None
        with self._lock:
            parsed = self._entries.get(key)
            if parsed is None:
                return None
            self._entries.move_to_end(key)
        return Parsed(parsed.text, copied(parsed.fragments), copied_bullet(parsed.bullet))

    def put(self, markup: str, style: ParagraphStyle, bullet: str | None, text: str,
            fragments: list, bullet_text: object) -> None:
        """Keep copies of a parse result (taken before anything wrapped or drew it)."""
        key = _key(markup, style, bullet) if self.enabled else None
        if key is None:
            return
        parsed = Parsed(text, copied(fragments), copied_bullet(bullet_text))
        with self._lock:
            self._entries[key] = parsed
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def texts(self) -> list[str]:
        """The markup of every entry (for tests: what the process holds)."""
        with self._lock:
            return [key[0] for key in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @contextmanager
    def disabled(self) -> Iterator[None]:
        """Every paragraph parsed afresh inside (to compare output with and without reuse)."""
        before, self.enabled = self.enabled, False
        try:
            yield
        finally:
            self.enabled = before


def _key(markup: str, style: ParagraphStyle, bullet: str | None) -> tuple | None:
    """The markup, the bullet and the style's values (as a number shared by every style with
    the same values), or None when the style's values cannot be a key."""
    number = style_number(style)
    return None if number < 0 else (markup, bullet, number)


def style_number(style: ParagraphStyle) -> int:
    """A number shared by every style with the same values (-1 when they cannot be a key)."""
    number = _style_numbers.get(style)
    return _style_number(style) if number is None else number


def _style_number(style: ParagraphStyle) -> int:
    """A number for the style's values, with their types (12 and 12.0, an RGB and a CMYK
    colour are not the same to a PDF); -1 when a value cannot be a key. Styles are not changed
    once made (variants are clones), so a style's values are read once."""
    values = tuple((name, type(value), value) for name, value in style.__dict__.items()
                   if name != "parent")  # the parent's values are copied in already
    with _style_lock:
        try:
            number = _style_values.setdefault(values, len(_style_values))
        except TypeError:
            number = -1
        _style_numbers[style] = number
    return number


_style_values: dict[tuple, int] = {}
_style_numbers: weakref.WeakKeyDictionary[ParagraphStyle, int] = weakref.WeakKeyDictionary()
_style_lock = threading.Lock()


class WrapCache:
    """Content paragraphs' lines, by parse (see :class:`ParseCache`) and width: a paragraph
    parsed from content text and wrapped to a width it was wrapped to before (in another
    document) takes a copy of those lines instead of breaking them again. Copies are made when
    the lines are kept and each time they are used, so what ReportLab does to one paragraph's
    lines (splitting, drawing) never reaches another's."""

    def __init__(self, limit: int = 4096):
        self.limit = limit
        self._entries: OrderedDict[tuple, dict] = OrderedDict()
        self._lock = threading.Lock()

    def restore(self, paragraph, key: tuple, width: float) -> bool:
        """Give ``paragraph`` a copy of the lines kept for ``key`` at ``width``, if any."""
        with self._lock:
            state = self._entries.get((key, width))
            if state is None:
                return False
            self._entries.move_to_end((key, width))
        restore_wrap_state(paragraph, state)
        return True

    def keep(self, key: tuple, width: float, state: dict) -> None:
        """Keep a copy of what wrapping a paragraph to ``width`` set on it (its lines, its
        size, the words ReportLab made of its fragments: whatever ReportLab sets)."""
        state = copied_state(state)
        with self._lock:
            self._entries[key, width] = state
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


PARSED = ParseCache()
"""The process's parse results of content text."""
WRAPPED = WrapCache()
"""The process's lines of content paragraphs, by parse and width."""
