"""A paragraph's lines and fragments: what ReportLab's Paragraph keeps after wrapping, read and
changed for our paragraphs (:class:`brochure.render.paragraphs.Para`): the space at a line
break kept, shaped lines drawn in display order inside ActualText spans, the wrap state kept
and restored for reuse, and copies of fragments and lines that nothing another paragraph
does can reach.

Relies on ReportLab 5.x ``Paragraph``: ``blPara`` (its lines: ``kind`` 0 with (width, words)
tuples, or ``kind`` 1 with ``lines[i].words`` of fragments), ``frags`` (``ABag`` fragments
with ``text``, ``cbDefn`` and ``clone``), ``breakLines``, named callbacks
(``setNamedCB``), the paragraph's ``__dict__`` (all that wrapping sets) and the fragments'
and lines' ``__dict__``; ``cleanBlockQuotedText`` and ``ParaParser.parse`` making one
fragment of plain text (no tag, no entity) in a copy of the style's own; ``split`` giving
its first piece a ``blPara`` of the lines it holds, and ``_wrapWidths`` (the widths a wrap
broke the lines for); a split piece's fragments (``words`` of one fragment, or lists of
``[width, (fragment, text), …]`` once broken into lines).
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable, Iterator, Sequence
from copy import deepcopy
from itertools import chain
from operator import itemgetter
from typing import Any, Protocol, cast

from reportlab.lib.abag import ABag
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaFrag, ParaParser

from ...text import visual_order
from .canvas import text_operators
from .layout import UNBOUNDED

_UNSET = object()


class _Wrapped(Protocol):
    """A wrapped ReportLab 5.x ``Paragraph``: its lines (``blPara``: a ``ParaLines``, or a
    fragment for an empty paragraph), which the stubs do not declare."""

    blPara: ABag  # noqa: N815 - ReportLab's name


def _wrapped(paragraph: Paragraph) -> _Wrapped:
    """``paragraph`` with its lines (:class:`_Wrapped`), once wrapped."""
    return cast(_Wrapped, paragraph)


class ReadingOrder(Protocol):
    """What a shaped paragraph says in reading order (:class:`brochure.render.paragraphs.Logical`,
    which this package does not import): its words, the embedding level of each segment of
    each word (None when all of it reads left to right), its base level and its first word."""

    @property
    def words(self) -> Sequence[str]: ...

    @property
    def levels(self) -> Sequence[tuple[int, ...]] | None: ...

    @property
    def base(self) -> int: ...

    @property
    def first(self) -> int: ...


def has_lines(paragraph: Paragraph) -> bool:
    """Whether the paragraph holds lines of its own (``blPara``; a split that failed takes
    them away)."""
    return "blPara" in paragraph.__dict__


def forget_lines(paragraph: Paragraph) -> None:
    """Drop the lines a paragraph holds (``blPara``): a copy made of a paragraph another
    document uses breaks (or restores) its own, never changing the other's."""
    paragraph.__dict__.pop("blPara", None)


def held_lines(paragraph: Paragraph) -> ABag | None:
    """The lines the paragraph holds (``blPara``), if any."""
    held: ABag | None = paragraph.__dict__.get("blPara")
    return held


def hold_lines(paragraph: Paragraph, held: ABag | None) -> None:
    """Give the paragraph back the lines it held (ReportLab's split takes them away when
    nothing fits, so that a wrap breaks them again; to the width they were broken for, they
    are the same)."""
    if held is not None and "blPara" not in paragraph.__dict__:
        paragraph.__dict__["blPara"] = held


def give_split_lines(first: Paragraph, second: Paragraph, paragraph: Paragraph,
                     whole: ABag) -> None:
    """The two pieces of a split of ``paragraph``, whose lines are ``whole``, take the lines
    they hold, as breaking them again to the same width would make them (greedy breaking
    from a line's start gives the lines that followed): copies, the first piece's last line
    without the line-end space the whole kept there (it ends the piece); ReportLab gives the
    first piece their count (``blPara.lines``) and breaks both again when they are wrapped.
    Each gets the widths they were broken for (``_wrapWidths``: the later lines' for the
    second, which starts no paragraph) and its size as a wrap would give it (ReportLab's
    split may leave the first a line taller, when it keeps a widow company). The second piece
    of lines of fragments is broken again: each line counts its fragments (``sFW``) from the
    whole's first, which a later split of the piece reads as its own."""
    count = len(_wrapped(first).blPara.lines)
    lines = [_line_copy(line, whole.kind) for line in whole.lines]
    last = lines[count - 1]
    if whole.kind == 0:
        words = last[1]
        if words and words[-1].endswith(" "):
            words[-1] = words[-1][:-1]
    else:
        texts = [n for n, fragment in enumerate(last.words) if text_of(fragment)]
        if texts and last.words[texts[-1]].text.endswith(" "):
            fragment = last.words[texts[-1]]
            last.words[texts[-1]] = fragment.clone(text=fragment.text[:-1])
    widths: list[float] = paragraph.__dict__["_wrapWidths"]
    leading = paragraph.style.leading
    pieces = [(first, lines[:count], widths)]
    if whole.kind == 0:  # (a line of fragments counts them from the whole's first: not the
        pieces.append((second, lines[count:], [widths[-1], widths[-1]]))  # second's own)
    for piece, held, wrap_widths in pieces:
        piece.__dict__["blPara"] = whole.clone(lines=held)
        piece.__dict__["_wrapWidths"] = wrap_widths
        piece.width, piece.height = paragraph.width, len(held) * leading


def _line_copy(line: Any, kind: int) -> Any:
    """A line of either kind that can be changed without touching ``line``: its words list
    copied (and a fragment line's other lists)."""
    if kind == 0:
        width, words = line
        return (width, list(words))
    copy = line.clone()
    copy.words = list(line.words)
    return copy


def wrap_snapshot(paragraph: Paragraph) -> dict[str, object]:
    """The paragraph's state before wrapping (its ``__dict__``)."""
    return dict(paragraph.__dict__)


def set_by_wrap(paragraph: Paragraph, before: dict[str, object]) -> dict[str, object]:
    """What wrapping set on the paragraph since ``before`` (its lines, its size, the words
    ReportLab made of its fragments: whatever ReportLab sets), and its fragments."""
    return {name: value for name, value in paragraph.__dict__.items()
            if name == "frags" or before.get(name, _UNSET) is not value}


def restore_wrap_state(paragraph: Paragraph, state: dict[str, object]) -> None:
    """Give ``paragraph`` a copy of a wrap state kept by :func:`set_by_wrap`."""
    paragraph.__dict__.update(copied_state(state))


def cleaned(markup: str) -> str:
    """``markup``'s text as a paragraph cleans it before parsing: each line's spaces collapsed
    to one, the lines joined by a space (``cleanBlockQuotedText``)."""
    return cleanBlockQuotedText(markup)


def word_fragment(style: ParagraphStyle) -> ParaFrag:
    """The fragment ReportLab's parser makes of a plain word in ``style`` (its font, size,
    colour…); a fragment of other plain text differs from it in its ``text`` alone."""
    _, parsed, _ = ParaParser().parse("x", style)  # type: ignore[no-untyped-call]
    fragment: ParaFrag = parsed[0]
    return fragment


def fragments(paragraph: Paragraph) -> list[ParaFrag]:
    """The paragraph's parsed fragments (``frags``)."""
    return paragraph.frags


def wrapped_line_count(paragraph: Paragraph, width: float) -> int:
    """How many lines the paragraph takes once wrapped to ``width`` (``blPara``), which it
    then keeps for a later wrap to that width."""
    paragraph.wrap(width, UNBOUNDED)
    return len(getattr(_wrapped(paragraph).blPara, "lines", ()))


def word_count(paragraph: Paragraph, width: float) -> int:
    """How many words the paragraph's lines at ``width`` hold."""
    return sum(line_word_count(line) for line in lines_at(paragraph, width))


def draw_in_display_order(paragraph: Paragraph, logical: ReadingOrder,
                          draw: Callable[[], None]) -> None:
    """``draw()`` the paragraph with each of its lines in display order, between the marks of
    an ActualText span holding the line's words in reading order (``logical``: a shaped
    paragraph's words, levels and base level, see
    :class:`brochure.render.paragraphs.Logical`). Lines ReportLab keeps as plain words (not
    fragments) are drawn as they are."""
    lines = getattr(paragraph, "blPara", None)
    if lines is None or lines.kind != 1:
        draw()
        return
    paragraph.canv.setNamedCB(ACTUAL_TEXT, _actual_text)
    drawn = copy.copy(lines)
    drawn.lines = display_lines(lines.lines, logical)
    wrapped = _wrapped(paragraph)
    wrapped.blPara = drawn
    try:
        draw()
    finally:
        wrapped.blPara = lines


def lines_at(paragraph: Paragraph, width: float) -> list[Any]:
    """The paragraph's lines (wrapped to ``width`` first if it has none): ``(width, words)``
    tuples (``kind`` 0) or ``FragLine`` objects with ``words`` of fragments (``kind`` 1)."""
    if getattr(paragraph, "blPara", None) is None:
        paragraph.wrap(width, 1e9)
    lines: list[Any] = _wrapped(paragraph).blPara.lines
    return lines


def _line_text(line: ABag) -> str:
    return "".join(text_of(f) for f in line.words)


def line_word_count(line: ABag) -> int:
    """How many words a line (of fragments) holds."""
    return len(words(_line_text(line)))


ACTUAL_TEXT = "brochure-actual-text"


def _actual_text(canvas: Canvas, kind: str | None, label: str | None) -> None:
    """Opens (``label``: the text) or closes a span whose ActualText is the line's words in
    reading order: what text extraction and screen readers get instead of shaped glyphs
    (Arabic drawn right to left in positional forms, Devanagari conjuncts)."""
    code = text_operators(canvas)
    if label is None:
        code.append("EMC")
    else:
        hex_text = ("\ufeff" + label).encode("utf-16-be").hex().upper()
        code.append(f"/Span <</ActualText <{hex_text}>>> BDC")


def display_lines(lines: list[ABag], logical: ReadingOrder) -> list[ABag]:
    """Each line (of fragments) as drawn: words in display order, between the marks of its
    ActualText. Lines that do not retrace the logical words (never expected) are drawn as they
    are."""
    shown: list[ABag] = []
    index = logical.first
    for number, line in enumerate(lines):
        count = line_word_count(line)
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


def _marker(frag: ABag, label: str | None) -> ABag:
    return frag.clone(text="", cbDefn=ABag(kind="onDraw", name=ACTUAL_TEXT, label=label,
                                           width=0))


_SPACE_RUNS = re.compile(r"( +)")


def _reordered(frags: list[ABag], levels: Sequence[tuple[int, ...]], base: int) -> list[ABag]:
    """A line's fragments in display order: rule L2 of the bidirectional algorithm applied to
    its units, each segment of a word (a run of one font, shaped in its own direction already)
    and each run of spaces, which takes the lower level of the units beside it (the
    paragraph's at the ends of the line). A word whose fragments do not match its segments
    (emphasis inside it) moves as one unit."""
    units: list[list[ABag]] = []  # each unit: its fragments, in logical order
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
    ordered: list[ABag] = []
    for i in visual_order(unit_levels):
        ordered += reversed(units[i]) if unit_levels[i] % 2 else units[i]
    return ordered


def _line_words(frags: list[ABag]) -> list[tuple[str, list[ABag]]]:
    """("word", its pieces) and ("space", [piece]) in order, a piece per fragment."""
    found: list[tuple[str, list[ABag]]] = []
    for frag, position, piece in _pieces(frags):
        part = frag.clone(text=frag.text[position:position + len(piece)]) if piece else frag
        if piece[:1] == " ":
            found.append(("space", [part]))
        elif found and found[-1][0] == "word":
            found[-1][1].append(part)
        else:
            found.append(("word", [part]))
    return found


def _pieces(frags: list[ABag]) -> Iterator[tuple[ABag, int, str]]:
    """(fragment, offset, piece) for each word and each run of spaces in ``frags`` (a
    fragment without text, a picture, is one piece of the word it stands in)."""
    for frag in frags:
        text = text_of(frag)
        if not text:
            yield frag, 0, ""
            continue
        position = 0
        for piece in _SPACE_RUNS.split(text):
            if piece:
                yield frag, position, piece
                position += len(piece)


def keep_line_end_spaces(paragraph: Paragraph) -> None:
    """ReportLab drops the space where it breaks a line; without it, text extraction, reflow
    and screen readers that follow the text (as Tagged PDF asks them to) read the last word
    of a line and the first of the next as one. The space goes back where the text had one:
    not inside a long word split across lines, nor between characters of a script written
    without spaces. It is drawn after the line's last glyph, so nothing moves on the page."""
    lines = _wrapped(paragraph).blPara
    if len(lines.lines) < 2:  # most paragraphs: one line, nothing to do
        return
    tokens = words(plain_text(paragraph))
    token = offset = 0
    for line in lines.lines[:-1]:
        if lines.kind == 0:  # ReportLab's own words: split at spaces already
            pieces = in_line = line[1]
        else:
            pieces = [f for f in line.words if text_of(f)]
            in_line = [word for f in pieces for word in words(text_of(f))]
        for word in in_line:
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


def line_end_spaces(paragraph: Paragraph, keep: bool,
                    where: list[Any] | None = None) -> list[Any]:
    """Take the spaces :func:`keep_line_end_spaces` kept off the ends of the lines (returning
    where they were), or put them back ``where`` they were."""
    lines = getattr(paragraph, "blPara", None)
    if lines is None:
        return []
    if keep:
        for line in where or []:
            if lines.kind == 0:
                line[1][-1] += " "
            else:
                [f for f in line.words if text_of(f)][-1].text += " "
        return []
    taken: list[Any] = []  # lines of either kind (see lines_at)
    for line in lines.lines[:-1]:
        pieces = line[1] if lines.kind == 0 else [f for f in line.words if text_of(f)]
        last = pieces[-1] if pieces else None
        text = last if lines.kind == 0 else getattr(last, "text", None)
        if isinstance(text, str) and text.endswith(" "):
            if lines.kind == 0:
                pieces[-1] = text[:-1]
            else:
                pieces[-1].text = text[:-1]  # (``last``)
            taken.append(line)
    return taken


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # not the no-break space: it joins words


def plain_text(paragraph: Paragraph) -> str:
    """The paragraph's text as read: its markup without tags, or (a piece of a paragraph
    split across pages, made from fragments) its fragments' text: a piece of plain words
    holds them in one fragment (``words``), and once broken into lines a piece of several
    fragments holds words of fragments (``[width, (fragment, text), …]``), a space after
    each."""
    if isinstance(paragraph.text, str):
        return html.unescape(_TAG.sub("", _BREAK.sub(" ", paragraph.text)))
    return "".join(_piece_text(f) for f in paragraph.frags)


def _piece_text(fragment: object) -> str:
    """What a fragment of a piece of a split paragraph says (see :func:`plain_text`)."""
    if isinstance(fragment, list):  # a word of fragments: its width, then its parts
        return "".join(text_of(part[0]) and part[1] for part in fragment[1:]
                       if isinstance(part, tuple)) + " "
    held = getattr(fragment, "words", None)
    if getattr(fragment, "text", None) is None and isinstance(held, list):
        return " ".join(word for word in held if isinstance(word, str))
    return text_of(fragment)


def words(text: str) -> list[str]:
    """The words of ``text``, split at spaces (not the no-break space)."""
    return [word for word in _SPACES.split(text) if word]


def text_of(fragment: object) -> str:
    """A fragment's text ("" for a callback or a picture)."""
    text = getattr(fragment, "text", None)
    return text if isinstance(text, str) and not getattr(fragment, "cbDefn", None) else ""


def copied(frags: list[ParaFrag]) -> list[ParaFrag]:
    """Fragments that can be marked without touching ``frags``: each fragment copied, and each
    list it holds (links, underlines) copied once, shared where the originals shared it."""
    lists: dict[int, list[object]] = {}
    out: list[ParaFrag] = []
    for frag in frags:
        copy = frag.clone()
        for name, value in copy.__dict__.items():
            if type(value) is list:
                copy.__dict__[name] = lists.setdefault(id(value), list(value))
        out.append(copy)
    return out


def copied_bullet(bullet: object) -> object:
    """A copy of a paragraph's bullet: text as it is, fragments copied."""
    return copied(bullet) if isinstance(bullet, list) else bullet


def copied_state(state: dict[str, object]) -> dict[str, object]:
    """A copy of a paragraph's wrap state: every fragment, line and list in it copied (shared
    where the originals shared them), text, numbers, colours and fonts kept (ReportLab never
    changes them). Lines of plain words (``kind`` 0, most short paragraphs: tuples of a width
    and a list of ``str``) are copied without the generic walk."""
    lines = state.get("blPara")
    if isinstance(lines, ABag) and getattr(lines, "kind", None) == 0 and _plain(lines):
        return _copied_plain(state, lines)
    memo: dict[int, object] = {}
    return {name: _copied_part(value, memo) for name, value in state.items()}


def _plain(lines: ABag) -> bool:
    """Whether every line is a (width, words) pair of plain strings (no word of a class of its
    own, which splitting may change: a hyphenated part). (Types gathered in C: most short
    paragraphs' state is copied for every summary.)"""
    held = lines.lines
    if not _TUPLES.issuperset(map(type, held)) or not _PAIRS.issuperset(map(len, held)):
        return False
    words = list(map(_SECOND, held))
    return _LISTS.issuperset(map(type, words)) and _STRINGS.issuperset(
        map(type, chain.from_iterable(words)))


_TUPLES, _LISTS, _STRINGS = frozenset({tuple}), frozenset({list}), frozenset({str})
_PAIRS = frozenset({2})
_SECOND = itemgetter(1)


def _copied_plain(state: dict[str, object], lines: ABag) -> dict[str, object]:
    """:func:`copied_state` of a paragraph whose lines are plain words: the lines' holder and
    its lists copied, the fragments copied (:func:`copied`), every other list copied."""
    holder = lines.clone()
    for name, value in holder.__dict__.items():
        if type(value) is list:
            holder.__dict__[name] = list(value)
    holder.lines = [(width, list(words)) for width, words in lines.lines]
    copy: dict[str, object] = {}
    for name, value in state.items():
        if value is lines:
            copy[name] = holder
        elif name == "frags" and type(value) is list:
            copy[name] = copied(value)
        else:
            copy[name] = list(value) if type(value) is list else value
    return copy


def _copied_part(value: object, memo: dict[int, object]) -> object:
    kind = type(value)
    if kind in _SHARED:
        return value
    found = memo.get(id(value))
    if found is not None:
        return found
    shared, part = _SHARED, _copied_part
    if isinstance(value, ABag):  # fragments, lines, the lines' holder
        copy = kind.__new__(kind)
        memo[id(value)] = copy
        copy.__dict__.update({n: v if type(v) in shared else part(v, memo)
                              for n, v in value.__dict__.items()})
    elif isinstance(value, list):  # lists, and ReportLab's words (lists of a class of their own)
        # (cast: ``kind``, a type to mypy, is value's own class of list)
        copy = [] if kind is list else cast("list[object]", kind.__new__(kind))
        memo[id(value)] = copy
        copy.extend([v if type(v) in shared else part(v, memo) for v in value])
        if kind is not list and hasattr(value, "__dict__"):
            copy.__dict__.update({n: part(v, memo) for n, v in value.__dict__.items()})
    elif kind is tuple:
        items = cast("tuple[object, ...]", value)  # (``kind`` is tuple)
        copy = tuple([v if type(v) in shared else part(v, memo) for v in items])
        memo[id(value)] = copy
    elif isinstance(value, (tuple, dict, set)):  # never seen in lines: copied the slow way
        copy = deepcopy(value, memo)
    else:  # text (also ReportLab's str kinds), colours, fonts, callables
        return value
    return copy


_SHARED = frozenset({int, float, str, bool, type(None)})
