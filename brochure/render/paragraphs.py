"""Text to ReportLab paragraphs: characters a style's font lacks drawn in a fallback font,
parsed markup reused, line breaks remembered per width, the space at each line break kept where
the text had one, and paragraphs that are links."""

from __future__ import annotations

import html
import re
from collections import OrderedDict
from contextlib import suppress

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from ..text import escape, fallback_runs
from .fonts import font_for
from .tagging import link

_PARSED: OrderedDict[tuple[str, int], tuple[ParagraphStyle, list]] = OrderedDict()
_PARSED_LIMIT = 4096


class Para(Paragraph):
    """A Paragraph that remembers its line breaks for the last width it was wrapped to
    (tables and page-fitting wrap the same paragraph several times at one width), and keeps
    a space at the end of each line but the last."""

    def wrap(self, available_width, available_height):
        if getattr(self, "_wrapped_at", None) == available_width:
            return self.width, self.height
        size = super().wrap(available_width, available_height)
        self._wrapped_at = available_width
        _keep_line_end_spaces(self)
        return size


def _keep_line_end_spaces(paragraph: Paragraph) -> None:
    """ReportLab drops the space where it breaks a line; without it, text extraction, reflow
    and screen readers that follow the text (as Tagged PDF asks them to) read the last word
    of a line and the first of the next as one. The space goes back where the text had one:
    not inside a long word split across lines, nor between characters of a script written
    without spaces. It is drawn after the line's last glyph, so nothing moves on the page."""
    lines = paragraph.blPara
    if len(lines.lines) < 2:  # most paragraphs: one line, nothing to do
        return
    tokens = _words(html.unescape(_TAG.sub("", _BREAK.sub(" ", paragraph.text))))
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


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # not the no-break space: it joins words


def _words(text: str) -> list[str]:
    return [word for word in _SPACES.split(text) if word]


def _text_of(fragment) -> str:
    text = getattr(fragment, "text", None)
    return text if isinstance(text, str) and not getattr(fragment, "cbDefn", None) else ""


class LinkPara(Para):
    """A paragraph that is a link: the whole paragraph is the clickable area. In a tagged
    document its text and its link annotation belong to one Link element."""

    _link_url: str | None = None  # pieces of a split paragraph are not links
    _link_contents = ""
    _link_path = None

    def draw(self):
        super().draw()
        if self._link_url:
            link(self.canv, self._link_path, self._link_url, (0, 0, self.width, self.height),
                 self._link_contents)


def fresh(markup: str, style: ParagraphStyle, bullet: str | None = None,
          kind: type[Para] = Para) -> Paragraph:
    """A Paragraph of markup, with characters the style's font lacks drawn in a fallback
    font (a patient's name in any script)."""
    if not markup.isascii():
        markup = fallback_runs(markup, font_for(style.fontName))
    return kind(markup, style, bulletText=bullet)


def booking_caption(text: str, url: str, style: ParagraphStyle) -> Paragraph:
    """The caption beside a QR code: what the code is for and its address, itself a link
    (for readers on a screen, and for screen readers, which cannot scan a code)."""
    caption = fresh(f"<b>{escape(text)}</b><br/>{escape(url)}", style, kind=LinkPara)
    caption._link_url, caption._link_contents = url, f"{text}: {url}"
    return caption


def para(markup: str, style: ParagraphStyle, bullet: str | None = None) -> Paragraph:
    """Like :func:`fresh`, for content text (never a patient's own words): parsed once per
    process, so the same text in the same style reuses the parsed fragments."""
    key = (markup, id(style), bullet)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] is style:
        with suppress(KeyError):  # another thread (the web API renders in a pool) evicted it
            _PARSED.move_to_end(key)
        return Para(markup, style, bulletText=bullet, frags=hit[1])
    paragraph = fresh(markup, style, bullet)
    _PARSED[key] = (style, paragraph.frags)
    if len(_PARSED) > _PARSED_LIMIT:
        _PARSED.popitem(last=False)
    return paragraph
