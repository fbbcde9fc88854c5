"""Text to ReportLab paragraphs: characters a style's font lacks drawn in a fallback font,
complex scripts shaped (Arabic joined and right to left, Devanagari conjuncts) with their
logical text kept for extraction, parsed markup reused, line breaks remembered per width, the
space at each line break kept where the text had one, and paragraphs that are links."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Spacer
from reportlab.platypus.paraparser import ParaFrag

from ..text import escape, fallback_runs, has_right_to_left, needs_shaping, segment_levels
from .backend import paragraph as lines
from .backend.layout import width_key
from .backend.patches import install, own_shaping
from .fonts import font_for
from .parse_cache import PARSED, WRAPPED, ParseCache, WrapCache, style_number
from .tagging import decoration, link, spec_of, with_spec
from .wrapping import innermost


class Logical(NamedTuple):
    """What a shaped paragraph says, in reading order: its words, the bidirectional embedding
    level of each segment (run of one font) of each word (None when all of it reads left to
    right) and the paragraph's base level; ``first``: the paragraph's first word among them
    (a piece of a split paragraph)."""

    words: tuple[str, ...]
    levels: tuple[tuple[int, ...], ...] | None
    base: int
    first: int = 0


class Para(Paragraph):
    """A Paragraph that remembers its line breaks for the last width it was wrapped to
    (tables and page-fitting wrap the same paragraph several times at one width), and keeps
    a space at the end of each line but the last. A shaped paragraph (``_logical`` set) draws
    each line in display order, with the line's words in reading order as its ActualText."""

    _logical: Logical | None = None
    _parse_key: tuple | None = None  # content text (see :func:`para`): its lines are reused
    _wraps: WrapCache = WRAPPED  # where they are kept (a patient's text: its summary's own)

    _wrapped_at: float | None = None

    def wrap(self, available_width, available_height):
        width = width_key(available_width)  # (two columns' widths differ in their last bits)
        if self._wrapped_at == width and lines.has_lines(self):
            return self.width, self.height  # (a copy's lines forgotten: wrapped again)
        key = self._parse_key
        if key is not None and self._wraps.restore(self, key, width):
            self._wrapped_at = width
            return self.width, self.height
        first = key is not None and self._wrapped_at is None and (
            self._wraps is WRAPPED or _SUMMARY_LINES_KEPT.get())
        before = lines.wrap_snapshot(self) if first else None
        size = super().wrap(available_width, available_height)
        self._wrapped_at = width
        if self._logical is None:
            lines.keep_line_end_spaces(self)
        if before is not None and lines.has_lines(self):
            self._wraps.keep(key, width, lines.set_by_wrap(self, before))
        return size

    def breakLines(self, width):  # noqa: N802 - ReportLab's name
        install()  # (once per process) a word in several fonts: shaped one run at a time
        with own_shaping():
            return super().breakLines(width)

    def split(self, available_width, available_height):
        self.wrap(available_width, available_height)
        kept = lines.line_end_spaces(self, keep=False)  # ReportLab rebuilds the pieces from
        held = lines.held_lines(self)
        try:  # the lines' words: a kept space would widen a line, and a piece gain a line
            pieces = super().split(available_width, available_height)
        finally:  # (a split that fails takes the lines away: the same width finds them)
            lines.hold_lines(self, held)
            lines.line_end_spaces(self, keep=True, where=kept)
        if pieces == [self]:  # all of it fits: the whole, then nothing (as tables expect)
            return [self, Spacer(0, 0)]
        if (len(pieces) == 2 and all(isinstance(p, Para) for p in pieces) and held is not None
                and self._logical is None and not getattr(self.style, "autoLeading", "")):
            lines.give_split_lines(*pieces, self, held)  # (not broken again: the same width)
            for piece in pieces:
                if lines.has_lines(piece):
                    piece._wrapped_at = width_key(available_width)
        logical = self._logical
        if logical is not None and len(pieces) == 2 and all(isinstance(p, Para) for p in pieces):
            pieces[0]._logical = logical
            first = logical.first + lines.word_count(pieces[0], available_width)
            pieces[1]._logical = logical._replace(first=first)
        return pieces

    def draw(self):
        if self._logical is None:
            super().draw()
            return
        lines.draw_in_display_order(self, self._logical, super().draw)


class LinkPara(Para):
    """A paragraph that is a link: the whole paragraph is the clickable area. In a tagged
    document its text and its link annotation belong to one Link element."""

    def draw(self):  # (pieces of a split paragraph have no spec of their own: no links)
        super().draw()
        spec = spec_of(self)
        if spec.link_url:
            link(self.canv, spec.link_path, spec.link_url, (0, 0, self.width, self.height),
                 spec.link_contents)


class _OneSummary(NamedTuple):
    parsed: ParseCache
    wrapped: WrapCache


_ONE_SUMMARY: ContextVar[_OneSummary | None] = ContextVar("one_summary", default=None)


@contextmanager
def one_summary() -> Iterator[None]:
    """Within it, the text of :func:`fresh` paragraphs (a patient's own words) is parsed and
    wrapped once for every layout of one summary (fitting a long record to its pages tries
    several). What is kept belongs to this scope alone (its context: a thread of its own has
    its own) and is dropped when it ends: no patient's words outlive their summary, nor reach
    another's."""
    token = _ONE_SUMMARY.set(_OneSummary(ParseCache(limit=1024), WrapCache(limit=1024)))
    try:
        yield
    finally:
        _ONE_SUMMARY.reset(token)


@contextmanager
def summary_lines_not_kept() -> Iterator[None]:
    """Within it, paragraphs of a patient's words wrapped in the open :func:`one_summary`
    scope keep no copy of their lines: the layout that wraps them is the one that places
    these very paragraphs, and no other wraps their text again (a copy would be made for
    nothing). Content paragraphs keep theirs in the process's store as ever."""
    token = _SUMMARY_LINES_KEPT.set(False)
    try:
        yield
    finally:
        _SUMMARY_LINES_KEPT.reset(token)


_SUMMARY_LINES_KEPT: ContextVar[bool] = ContextVar("summary_lines_kept", default=True)
"""Whether a patient's paragraphs keep their lines in their summary's store (see
:func:`summary_lines_not_kept`): a scope of its own, like the store, in each thread."""


def fresh(markup: str, style: ParagraphStyle, bullet: str | None = None,
          kind: type[Para] = Para) -> Para:
    """A Paragraph of markup, with characters the style's font lacks drawn in a fallback
    font (a patient's name in any script), shaped where the script needs it; parsed once per
    :func:`one_summary` scope when one is open."""
    scope = _ONE_SUMMARY.get()
    if scope is None:
        return _fresh(markup, style, bullet, kind)
    return _kept_in(scope.parsed, scope.wrapped, markup, style, bullet, kind, _fresh)


def _kept_in(parsed: ParseCache, wrapped: WrapCache, markup: str, style: ParagraphStyle,
             bullet: str | None, kind: type[Para], parse: Any) -> Para:
    """A paragraph of ``markup`` from a copy of its parse kept in ``parsed`` (else parsed by
    ``parse`` and kept there), its lines kept in ``wrapped``. Text that needs shaping, or
    markup that changes its style (``<para>``), is parsed each time and not kept."""
    hit = parsed.get(markup, style, bullet)
    if hit is not None:
        # the bullet may be fragments (a <bullet> in the markup): ReportLab takes those too
        paragraph = kind(hit.text, style, bulletText=hit.bullet,  # type: ignore[arg-type]
                         frags=hit.fragments)
    else:
        paragraph = parse(markup, style, bullet, kind)
        if paragraph._logical is not None or paragraph.style is not style:
            return paragraph
        parsed.put(markup, style, bullet, paragraph.text, lines.fragments(paragraph),
                   paragraph.bulletText)
    paragraph._parse_key = parsed.key(markup, style, bullet)
    paragraph._wraps = wrapped
    return paragraph


def _fresh(markup: str, style: ParagraphStyle, bullet: str | None = None,
           kind: type[Para] = Para) -> Para:
    if markup.isascii():  # most text: nothing to look up
        return _unmarked(markup, style, bullet, kind) or kind(markup, style, bulletText=bullet)
    markup = fallback_runs(markup, font_for(style.fontName))
    plain = html.unescape(_TAG.sub("", _BREAK.sub(" ", markup)))
    if not needs_shaping(plain):
        return _unmarked(markup, style, bullet, kind) or kind(markup, style, bulletText=bullet)
    words = tuple(lines.words(plain))
    base, levels = 0, None
    if has_right_to_left(plain):
        segments = _segments(markup)
        if tuple("".join(word) for word in segments) != words:  # never expected
            segments = [[word] for word in words]
        base, levels = segment_levels(segments)
    paragraph = kind(markup, _shaping(style, base), bulletText=bullet)
    paragraph._logical = Logical(words, tuple(levels) if levels else None, base)
    return paragraph


def _unmarked(markup: str, style: ParagraphStyle, bullet: str | None,
              kind: type[Para]) -> Para | None:
    """A paragraph of ``markup`` that holds no tag and no entity (most of a patient's words),
    made as ReportLab's parser makes it without running the parser: its text cleaned as
    ReportLab cleans it, in one fragment of the style's own (see :func:`_style_fragment`).
    None for any other markup, or while parses are not reused (``PARSED.disabled()``: every
    paragraph parsed afresh, to compare)."""
    if "<" in markup or "&" in markup or not PARSED.enabled or \
            getattr(style, "textTransform", None):  # (ReportLab's parser transforms the text)
        return None
    text = lines.cleaned(markup)
    fragment = _style_fragment(style) if text else None
    if fragment is None:
        return None
    fragment = lines.copied([fragment])[0]  # (its lists its own too: nothing shared)
    fragment.text = text
    return kind(text, style, bulletText=bullet, frags=[fragment])


def _style_fragment(style: ParagraphStyle) -> ParaFrag | None:
    """The fragment ReportLab's parser makes of a plain word in ``style`` (its font, size,
    colour, rise…), parsed once per style's values; None when the style's values cannot be a
    key."""
    number = style_number(style)
    if number < 0:
        return None
    fragment = _STYLE_FRAGMENTS.get(number)
    if fragment is None:
        fragment = _STYLE_FRAGMENTS.setdefault(number, lines.word_fragment(style))
    return fragment


_STYLE_FRAGMENTS: dict[int, ParaFrag] = {}


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>")
_TAGS = re.compile(r"(<[^>]*>)")
_SPACE_SPLIT = re.compile(r"([ \t\n\r\f\v]+)")


def _segments(markup: str) -> list[list[str]]:
    """The words of ``markup`` as read, each as its segments: the text between tags (so a
    font run is a segment of its own, as ReportLab makes it a fragment of its own)."""
    words: list[list[str]] = []
    in_word = False
    for token in _TAGS.split(markup):
        if token.startswith("<"):
            in_word = in_word and not _BREAK.fullmatch(token)
            continue
        for i, part in enumerate(_SPACE_SPLIT.split(html.unescape(token))):
            if i % 2:  # spaces
                in_word = False
            elif part and in_word and i == 0:  # the word goes on after a tag
                words[-1].append(part)
            elif part:
                words.append([part])
                in_word = True
    return words


_SHAPING: dict[tuple[int, int], tuple[ParagraphStyle, ParagraphStyle]] = {}


def _shaping(style: ParagraphStyle, base: int) -> ParagraphStyle:
    """``style`` (same name: same structure role) with shaping on; a paragraph that reads
    right to left is set flush right where ``style`` sets it flush left."""
    key = (id(style), base)
    hit = _SHAPING.get(key)
    if hit is None or hit[0] is not style:
        changes: dict[str, Any] = ({"alignment": TA_RIGHT} if base and style.alignment == TA_LEFT
                                   else {})
        hit = _SHAPING[key] = (style, style.clone(style.name, shaping=1, **changes))
    return hit[1]


def booking_caption(text: str, url: str, style: ParagraphStyle, shown: str | None = None) -> Para:
    """The caption beside a QR code: what the code is for and its address, itself a link
    (for readers on a screen, and for screen readers, which cannot scan a code); ``shown``
    is the address as printed, when not the whole URL."""
    shown = url if shown is None else shown
    caption = para(f"<b>{escape(text)}</b><br/>{escape(shown)}", style, kind=LinkPara)
    return with_spec(caption, link_url=url, link_contents=f"{text}: {url}")


def para(markup: str, style: ParagraphStyle, bullet: str | None = None,
         kind: type[Para] = Para) -> Para:
    """Like :func:`fresh`, for content text (never a patient's own words): parsed once per
    process, so the same text in the same style (by its values) reuses a copy of the parsed
    fragments; the paragraph is the same as a freshly parsed one. Text that needs shaping, or
    markup that changes its style (``<para>``), is parsed each time."""
    return _kept_in(PARSED, WRAPPED, markup, style, bullet, kind, _fresh)


def heading_again(heading: Flowable, words: str) -> Flowable:
    """``heading`` (a paragraph) said again where its section goes on, followed by ``words``
    ("(continued)"), in its style, drawn as a decoration (the structure has it once)."""
    heading = innermost(heading)  # (a recording replayed: the paragraph it records)
    if not isinstance(heading, Paragraph):
        return Spacer(0, 0)
    return decoration(para(escape(f"{heading.getPlainText()} {words}"), heading.style))


def lines_at_least(texts: list[str], style: ParagraphStyle, width: float) -> int | None:
    """How many lines plain ``texts`` (paragraphs of words, unescaped) take at the least, set
    in ``style`` in ``width``, found from their words' widths without breaking them into lines:
    a line holds at most ``width`` of words and the spaces between them, so a paragraph takes
    at least its words' width (spaces at line ends counted too) over ``width`` and a space.
    None when a character is drawn in another font or shaped (its width is not the style's
    font's)."""
    each = lines_each_at_least(texts, style, width)
    return None if each is None else sum(each)


def lines_each_at_least(texts: list[str], style: ParagraphStyle, width: float
                        ) -> list[int] | None:
    """:func:`lines_at_least` of each of ``texts`` (what they all hold checked at once)."""
    whole = " ".join(texts)
    font, size = style.fontName, style.fontSize
    if not font_for(font).has_all(whole) or needs_shaping(whole) or _OTHER_SPACE.search(whole):
        return None
    space = stringWidth(" ", font, size)
    counts = []
    for text in texts:
        words = " ".join(text.split())
        counts.append(max(1, math.ceil(stringWidth(words, font, size) / (width + space)))
                      if words else 0)
    return counts


_OTHER_SPACE = re.compile(r"[^\S \t\n\r\f\v]")
"""A space other than ASCII's (a no-break space): ReportLab does not break a line at it."""
