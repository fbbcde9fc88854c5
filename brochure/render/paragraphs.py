"""Text to ReportLab paragraphs: characters a style's font lacks drawn in a fallback font,
complex scripts shaped (Arabic joined and right to left, Devanagari conjuncts) with their
logical text kept for extraction, parsed markup reused, line breaks remembered per width, the
space at each line break kept where the text had one, and paragraphs that are links."""

from __future__ import annotations

import copy
import html
import re
from typing import NamedTuple

from reportlab.lib.abag import ABag
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import makeShapedFragWord
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus import paragraph as _rl_paragraph

from ..text import (
    escape,
    fallback_runs,
    has_right_to_left,
    needs_shaping,
    segment_levels,
    visual_order,
)
from . import speed  # noqa: F401 - faster frame copies, page streams compressed at level 3
from .fonts import font_for
from .parse_cache import PARSED, WRAPPED
from .tagging import link, spec_of, with_spec


class Logical(NamedTuple):
    """What a shaped paragraph says, in reading order: its words, the bidirectional embedding
    level of each segment (run of one font) of each word (None when all of it reads left to
    right) and the paragraph's base level; ``first``: the paragraph's first word among them
    (a piece of a split paragraph)."""

    words: tuple[str, ...]
    levels: tuple[tuple[int, ...], ...] | None
    base: int
    first: int = 0


_UNSET = object()


class Para(Paragraph):
    """A Paragraph that remembers its line breaks for the last width it was wrapped to
    (tables and page-fitting wrap the same paragraph several times at one width), and keeps
    a space at the end of each line but the last. A shaped paragraph (``_logical`` set) draws
    each line in display order, with the line's words in reading order as its ActualText."""

    _logical: Logical | None = None
    _parse_key: tuple | None = None  # content text (see :func:`para`): its lines are reused

    def wrap(self, available_width, available_height):
        if getattr(self, "_wrapped_at", None) == available_width and "blPara" in self.__dict__:
            return self.width, self.height  # (a split that failed takes blPara away)
        key = self._parse_key
        if key is not None and WRAPPED.restore(self, key, available_width):
            self._wrapped_at = available_width
            return self.width, self.height
        first = key is not None and "_wrapped_at" not in self.__dict__  # all it sets is new
        before = dict(self.__dict__) if first else None
        size = super().wrap(available_width, available_height)
        self._wrapped_at = available_width
        if self._logical is None:
            _keep_line_end_spaces(self)
        if before is not None and "blPara" in self.__dict__:
            WRAPPED.keep(key, available_width, {  # what wrapping set (and the fragments)
                name: value for name, value in self.__dict__.items()
                if name == "frags" or before.get(name, _UNSET) is not value})
        return size

    def split(self, available_width, available_height):
        self.wrap(available_width, available_height)
        kept = _line_end_spaces(self, keep=False)  # ReportLab rebuilds the pieces from the
        try:  # lines' words: a kept space would widen a line, and a piece gain a line
            pieces = super().split(available_width, available_height)
        finally:
            _line_end_spaces(self, keep=True, where=kept)
        if pieces == [self]:  # all of it fits: the whole, then nothing (as tables expect)
            return [self, Spacer(0, 0)]
        logical = self._logical
        if logical is not None and len(pieces) == 2 and all(isinstance(p, Para) for p in pieces):
            pieces[0]._logical = logical
            first = logical.first + sum(_line_word_count(line)
                                        for line in _lines(pieces[0], available_width))
            pieces[1]._logical = logical._replace(first=first)
        return pieces

    def draw(self):
        logical, lines = self._logical, getattr(self, "blPara", None)
        if logical is None or lines is None or lines.kind != 1:
            super().draw()
            return
        self.canv.setNamedCB(_ACTUAL_TEXT, _actual_text)
        drawn = copy.copy(lines)
        drawn.lines = _display_lines(lines.lines, logical)
        self.blPara = drawn
        try:
            super().draw()
        finally:
            self.blPara = lines


def _lines(paragraph: Paragraph, width: float) -> list:
    if getattr(paragraph, "blPara", None) is None:
        paragraph.wrap(width, 1e9)
    return paragraph.blPara.lines


def _line_text(line) -> str:
    return "".join(_text_of(f) for f in line.words)


def _line_word_count(line) -> int:
    return len(_words(_line_text(line)))


_ACTUAL_TEXT = "brochure-actual-text"


def _actual_text(canvas, kind: str, label: str | None) -> None:
    """Opens (``label``: the text) or closes a span whose ActualText is the line's words in
    reading order: what text extraction and screen readers get instead of shaped glyphs
    (Arabic drawn right to left in positional forms, Devanagari conjuncts)."""
    code = canvas._curr_tx_info["tx"]._code
    if label is None:
        code.append("EMC")
    else:
        hex_text = ("\ufeff" + label).encode("utf-16-be").hex().upper()
        code.append(f"/Span <</ActualText <{hex_text}>>> BDC")


def _display_lines(lines: list, logical: Logical) -> list:
    """Each line as drawn: words in display order, between the marks of its ActualText.
    Lines that do not retrace the logical words (never expected) are drawn as they are."""
    shown, index = [], logical.first
    for number, line in enumerate(lines):
        count = _line_word_count(line)
        words = logical.words[index:index + count]
        if len(words) != count or not line.words:
            return lines
        text = " ".join(words) + (" " if number < len(lines) - 1 else "")
        levels = logical.levels[index:index + count] if logical.levels else None
        copied = copy.copy(line)
        ordered = _reordered(line.words, levels, logical.base) if levels else line.words
        copied.words = [_marker(line.words[0], text), *ordered, _marker(line.words[0], None)]
        shown.append(copied)
        index += count
    return shown


def _marker(frag, label: str | None):
    return frag.clone(text="", cbDefn=ABag(kind="onDraw", name=_ACTUAL_TEXT, label=label,
                                           width=0))


_SPACE_RUNS = re.compile(r"( +)")


def _reordered(frags: list, levels: tuple[tuple[int, ...], ...], base: int) -> list:
    """A line's fragments in display order: rule L2 of the bidirectional algorithm applied to
    its units, each segment of a word (a run of one font, shaped in its own direction already)
    and each run of spaces, which takes the lower level of the units beside it (the
    paragraph's at the ends of the line). A word whose fragments do not match its segments
    (emphasis inside it) moves as one unit."""
    units: list[list] = []  # each unit: its fragments, in logical order
    unit_levels: list[int] = []
    segments_of = iter(levels)
    for kind, parts in _line_words(frags):
        if kind == "space":
            units.append(parts)
            unit_levels.append(-1)
            continue
        segments = next(segments_of, ())
        if len(parts) == len(segments):
            units += [[part] for part in parts]
            unit_levels += segments
        else:
            units.append(parts)
            unit_levels.append(max(segments, default=base))
    for i, level in enumerate(unit_levels):
        if level < 0:
            inside = 0 < i < len(units) - 1
            unit_levels[i] = min(unit_levels[i - 1], unit_levels[i + 1]) if inside else base
    ordered = []
    for i in visual_order(unit_levels):
        ordered += reversed(units[i]) if unit_levels[i] % 2 else units[i]
    return ordered


def _line_words(frags: list) -> list[tuple[str, list]]:
    """("word", its pieces) and ("space", [piece]) in order, a piece per fragment."""
    found: list[tuple[str, list]] = []
    for frag, position, piece in _pieces(frags):
        part = frag.clone(text=frag.text[position:position + len(piece)]) if piece else frag
        if piece[:1] == " ":
            found.append(("space", [part]))
        elif found and found[-1][0] == "word":
            found[-1][1].append(part)
        else:
            found.append(("word", [part]))
    return found


def _pieces(frags: list):
    """(fragment, offset, piece) for each word and each run of spaces in ``frags`` (a
    fragment without text, a picture, is one piece of the word it stands in)."""
    for frag in frags:
        text = _text_of(frag)
        if not text:
            yield frag, 0, ""
            continue
        position = 0
        for piece in _SPACE_RUNS.split(text):
            if piece:
                yield frag, position, piece
                position += len(piece)


def _keep_line_end_spaces(paragraph: Paragraph) -> None:
    """ReportLab drops the space where it breaks a line; without it, text extraction, reflow
    and screen readers that follow the text (as Tagged PDF asks them to) read the last word
    of a line and the first of the next as one. The space goes back where the text had one:
    not inside a long word split across lines, nor between characters of a script written
    without spaces. It is drawn after the line's last glyph, so nothing moves on the page."""
    lines = paragraph.blPara
    if len(lines.lines) < 2:  # most paragraphs: one line, nothing to do
        return
    tokens = _words(_plain_text(paragraph))
    token = offset = 0
    for line in lines.lines[:-1]:
        if lines.kind == 0:  # ReportLab's own words: split at spaces already
            pieces = words = line[1]
        else:
            pieces = [f for f in line.words if _text_of(f)]
            words = [word for f in pieces for word in _words(_text_of(f))]
        for word in words:
            if token >= len(tokens) or not tokens[token].startswith(word, offset):
                return  # the lines do not retrace the text: leave them as they are
            offset += len(word)
            if offset == len(tokens[token]):
                token, offset = token + 1, 0
        if pieces and offset == 0:  # the line ended where the text had a space
            if lines.kind == 0:
                pieces[-1] += " "
            else:
                pieces[-1].text += " "


def _line_end_spaces(paragraph: Paragraph, keep: bool, where: list | None = None) -> list:
    """Take the spaces :func:`_keep_line_end_spaces` kept off the ends of the lines (returning
    where they were), or put them back ``where`` they were."""
    lines = getattr(paragraph, "blPara", None)
    if lines is None:
        return []
    if keep:
        for line in where or []:
            if lines.kind == 0:
                line[1][-1] += " "
            else:
                [f for f in line.words if _text_of(f)][-1].text += " "
        return []
    taken = []
    for line in lines.lines[:-1]:
        pieces = line[1] if lines.kind == 0 else [f for f in line.words if _text_of(f)]
        last = pieces[-1] if pieces else None
        text = last if lines.kind == 0 else getattr(last, "text", None)
        if isinstance(text, str) and text.endswith(" "):
            if lines.kind == 0:
                pieces[-1] = text[:-1]
            else:
                last.text = text[:-1]
            taken.append(line)
    return taken


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # not the no-break space: it joins words


def _plain_text(paragraph: Paragraph) -> str:
    """The paragraph's text as read: its markup without tags, or (a piece of a paragraph
    split across pages, made from fragments) its fragments' text."""
    if isinstance(paragraph.text, str):
        return html.unescape(_TAG.sub("", _BREAK.sub(" ", paragraph.text)))
    return "".join(_text_of(f) for f in paragraph.frags)


def _words(text: str) -> list[str]:
    return [word for word in _SPACES.split(text) if word]


def _text_of(fragment) -> str:
    text = getattr(fragment, "text", None)
    return text if isinstance(text, str) and not getattr(fragment, "cbDefn", None) else ""


class LinkPara(Para):
    """A paragraph that is a link: the whole paragraph is the clickable area. In a tagged
    document its text and its link annotation belong to one Link element."""

    def draw(self):  # (pieces of a split paragraph have no spec of their own: no links)
        super().draw()
        spec = spec_of(self)
        if spec.link_url:
            link(self.canv, spec.link_path, spec.link_url, (0, 0, self.width, self.height),
                 spec.link_contents)


def fresh(markup: str, style: ParagraphStyle, bullet: str | None = None,
          kind: type[Para] = Para) -> Paragraph:
    """A Paragraph of markup, with characters the style's font lacks drawn in a fallback
    font (a patient's name in any script), shaped where the script needs it."""
    if markup.isascii():  # most text: nothing to look up
        return kind(markup, style, bulletText=bullet)
    markup = fallback_runs(markup, font_for(style.fontName))
    plain = html.unescape(_TAG.sub("", _BREAK.sub(" ", markup)))
    if not needs_shaping(plain):
        return kind(markup, style, bulletText=bullet)
    words = tuple(_words(plain))
    base, levels = 0, None
    if has_right_to_left(plain):
        segments = _segments(markup)
        if tuple("".join(word) for word in segments) != words:  # never expected
            segments = [[word] for word in words]
        base, levels = segment_levels(segments)
    paragraph = kind(markup, _shaping(style, base), bulletText=bullet)
    paragraph._logical = Logical(words, tuple(levels) if levels else None, base)
    return paragraph


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
        changes = {"alignment": TA_RIGHT} if base and style.alignment == TA_LEFT else {}
        hit = _SHAPING[key] = (style, style.clone(style.name, shaping=1, **changes))
    return hit[1]


def _shape_by_font(word, _shape=_rl_paragraph.shapeFragWord):
    """ReportLab shapes a word with its first fragment's font; a word whose fragments use
    several fonts (Arabic letters, then a full stop from the body font) is shaped one font
    run at a time, each with its own font."""
    frags = word[1:]
    if len({getattr(f, "fontName", None) for f, _ in frags}) < 2 \
            or any(hasattr(f, "cbDefn") for f, _ in frags):
        return _shape(word)
    shaped = makeShapedFragWord(word)([0])
    start = 0
    for end in range(1, len(frags) + 1):
        if end == len(frags) or frags[end][0].fontName != frags[start][0].fontName:
            run = frags[start:end]
            width = sum(stringWidth(text, f.fontName, f.fontSize) for f, text in run)
            part = _shape(type(word)([width, *run]))
            shaped[0] += part[0]
            shaped.extend(part[1:])
            start = end
    return shaped


_rl_paragraph.shapeFragWord = _shape_by_font


def _set_rise(self, rise) -> None:
    """ReportLab's ``setRise``, also when it opens a shaped run's operators (a mark raised on
    the run's first glyph, the subset unchanged): ReportLab looks at the operator before it,
    and there is none yet."""
    if not self._code:
        self._rise = rise
        self._y -= rise
        self._code.append(f"{fp_str(rise)} Ts")
    else:
        _rl_set_rise(self, rise)


_rl_set_rise = PDFTextObject.setRise
PDFTextObject.setRise = _set_rise


def booking_caption(text: str, url: str, style: ParagraphStyle) -> Paragraph:
    """The caption beside a QR code: what the code is for and its address, itself a link
    (for readers on a screen, and for screen readers, which cannot scan a code)."""
    caption = para(f"<b>{escape(text)}</b><br/>{escape(url)}", style, kind=LinkPara)
    return with_spec(caption, link_url=url, link_contents=f"{text}: {url}")


def para(markup: str, style: ParagraphStyle, bullet: str | None = None,
         kind: type[Para] = Para) -> Paragraph:
    """Like :func:`fresh`, for content text (never a patient's own words): parsed once per
    process, so the same text in the same style (by its values) reuses a copy of the parsed
    fragments; the paragraph is the same as a freshly parsed one. Text that needs shaping, or
    markup that changes its style (``<para>``), is parsed each time."""
    hit = PARSED.get(markup, style, bullet)
    if hit is not None:
        paragraph = kind(hit.text, style, bulletText=hit.bullet, frags=hit.frags)
        paragraph._parse_key = PARSED.key(markup, style, bullet)
        return paragraph
    paragraph = fresh(markup, style, bullet, kind)
    if paragraph._logical is None and paragraph.style is style:
        PARSED.put(markup, style, bullet, paragraph.text, paragraph.frags, paragraph.bulletText)
        paragraph._parse_key = PARSED.key(markup, style, bullet)
    return paragraph
