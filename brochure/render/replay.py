"""Drawing the same content into many documents: draw it once, then replay its PDF operators.

Most of a summary is the same for every patient (what the treatment is, the options, risks,
next steps for a verdict). Its drawing operators can be recorded once and copied into later
documents, provided the text inside encodes the same way everywhere. ReportLab numbers each
font's glyphs per document in order of first use; a :class:`FontSeed` gives every document the
same numbering up front (taken from calibration documents), so recorded text stays valid. A
recording is kept only if drawing it added no glyph, font or annotation to the document (but
link annotations made through the tagger, which are recorded and made again where it is
replayed), and only if every glyph it drew is one the seed numbers (a patient's name may add
one, whose code another document gives another character); the output is the same, byte for
byte, with or without recordings.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable

from .backend import fonts as glyphs
from .backend.canvas import annotation_count, current_matrix, document_of, page_operators
from .backend.layout import width_key
from .structure import marks_in
from .wrapping import Wrapper


@dataclass
class FontSeed:
    """For each font (in the order documents first use them), its glyph codes by character."""

    order: list[str] = field(default_factory=list)
    chars: dict[str, list[int]] = field(default_factory=dict)

    def learn(self, doc) -> None:
        """Add the characters a finished calibration document used, keeping first-use order."""
        for name in glyphs.fonts_in_order(doc):
            font = _truetype(name)
            if name not in self.chars:
                self.order.append(name)
                self.chars[name] = []
            known = set(self.chars[name])
            used = sorted((code, char) for char, code in
                          glyphs.glyph_assignments(font, doc).items() if code)
            self.chars[name] += [char for _, char in used if char not in known]

    def apply(self, doc) -> None:
        """Give a new document the seeded numbering and font names, before anything is drawn."""
        for name in self.order:
            glyphs.seed_glyphs(_truetype(name), "".join(map(chr, self.chars[name])), doc)
        doc.seeded_glyphs = {name: glyphs.next_glyph_code(_truetype(name), doc)
                             for name in self.order}


def _truetype(name: str) -> TTFont:
    """The registered TrueType font ``name`` (a seed holds no other kind)."""
    font = pdfmetrics.getFont(name)
    if not isinstance(font, TTFont):
        raise TypeError(f"font {name} is not a TrueType font")
    return font


def _seeded_glyphs_only(doc, drawn: dict[str, int]) -> bool:
    """Whether every glyph a drawing gave each font (``drawn``: the highest code by font, see
    :func:`~.backend.fonts.note_drawn_codes`) is one the seed numbers (a glyph a patient's
    text added, such as the v of a name, has a code that another document gives another
    character, or none)."""
    seeded = getattr(doc, "seeded_glyphs", None)
    if seeded is None:
        return False
    return all(high < seeded.get(name, 0) for name, high in drawn.items())


def _footprint(doc, canvas, tagger) -> tuple:
    """What drawing may add to a document besides operators: glyphs, fonts, annotations
    (those the tagger's links made aside: they are journaled, recorded and made again)."""
    return (glyphs.glyph_codes(doc), len(glyphs.font_resources(doc)),
            annotation_count(canvas) - (len(tagger.links) if tagger else 0))


_SHARED = threading.RLock()
"""Held while a shared inner flowable is wrapped, split or drawn: documents rendered in threads
at once (the web API) use the same inner flowable, and ReportLab keeps the canvas on the
flowable itself while it works (another document's canvas, or none, in a thread's middle)."""


def shared_flowables_lock() -> threading.RLock:
    """The lock held while a shared inner flowable is used (see :data:`_SHARED`): a document
    that copies one takes it too."""
    return _SHARED


class Recorded(Wrapper):
    """Wraps a flowable whose drawing is the same in every document; records and replays it."""

    OWN = frozenset({"inner", "store", "_sizes", "_pieces"})

    def __init__(self, inner: Flowable, store: dict, sizes: dict, pieces: dict):
        """``store`` (recordings by width), ``sizes`` (by width, see
        :func:`~.backend.layout.width_key`) and ``pieces`` (the pieces of its splits, see
        :meth:`kept_pieces`, and measures of it, see :meth:`measure`) are shared by the
        wrappers of one flowable across documents; each document gets a fresh wrapper, since
        platypus leaves marks on the flowables it places."""
        super().__init__(inner)
        self.store, self._sizes = store, sizes
        self._pieces = pieces

    def kept_pieces(self, key: tuple, made: Sequence[Flowable]) -> list[Recorded]:
        """The pieces of a split of the inner flowable that ``key`` names (its width and where
        it splits), recorded and replayed as the whole is: those ``made`` the first time,
        kept for every document after (a static table that goes on in the next column is
        drawn once, not in every summary)."""
        with _SHARED:
            kept = self._pieces.setdefault(key, [(piece, {}, {}, {}) for piece in made])
        return _wrappers(kept)

    def known_pieces(self, key: tuple) -> list[Recorded] | None:
        """The pieces :meth:`kept_pieces` keeps under ``key``, if a document has made them."""
        with _SHARED:
            kept = self._pieces.get(key)
        return None if kept is None else _wrappers(kept)

    def measure(self, key: tuple, make: Callable[[], Any]) -> Any:
        """A measure of the inner flowable (its rows' heights in a width), made once and kept
        with its pieces for every document."""
        with _SHARED:
            if key not in self._pieces:
                self._pieces[key] = make()
            return self._pieces[key]

    def wrap(self, available_width, available_height):
        width = width_key(available_width)  # (two columns' widths differ in their last bits)
        with _SHARED:
            if width not in self._sizes:
                self._sizes[width] = self.inner.wrapOn(self.canv, available_width,
                                                       available_height)
        self.width, self.height = self._sizes[width]
        return self.width, self.height

    def split(self, available_width, available_height):
        with _SHARED:
            return [Shared(piece) for piece in
                    self.inner.splitOn(self.canv, available_width, available_height)]

    def draw(self):
        def draw_inner(canvas):
            self.inner.wrapOn(canvas, self.width, self.height)
            self.inner.drawOn(canvas, 0, 0)
        with _SHARED:
            replay(self.canv, self.store, self.width, draw_inner)


def _wrappers(kept: list[tuple]) -> list[Recorded]:
    """A document's own wrappers of pieces kept for every document."""
    return [Recorded(*piece) for piece in kept]


class Shared(Wrapper):
    """A piece of a shared flowable's split (by platypus, at a frame's end): made afresh for
    each document, but holding the shared flowable's own parts (a table's cells, a list's
    items), on which ReportLab keeps the canvas while it draws them. So it is laid out, split
    and drawn under the shared flowables' lock, and drawn as the piece itself would be (the
    same operators: the wrapper adds none)."""

    def wrap(self, available_width, available_height):
        with _SHARED:
            self.width, self.height = self.inner.wrapOn(self.canv, available_width,
                                                        available_height)
        return self.width, self.height

    def split(self, available_width, available_height):
        with _SHARED:
            return [Shared(piece) for piece in
                    self.inner.splitOn(self.canv, available_width, available_height)]

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802, N803 - ReportLab's names
        with _SHARED:
            self.inner.drawOn(canvas, x, y, _sW)


def replay(canvas, store: dict, key, draw) -> None:
    """``draw(canvas)``, or the operators it wrote last time under ``key`` in ``store``.
    Only drawing that added nothing to the document but operators, marked content and the
    tagger's links is recorded; those are replayed relative to the canvas's current origin
    (where the recording began is where it is replayed). A recording with marks or links is
    made and replayed in tagged documents only (a store is never shared with untagged ones)."""
    tagger = getattr(canvas, "tagger", None)
    recording = store.get(key)
    if recording:
        ops, events = recording
        if events and tagger:
            tagger.replay(canvas, ops, events)
        else:
            page_operators(canvas).extend(ops)
        return
    doc, code = document_of(canvas), page_operators(canvas)
    before, start = _footprint(doc, canvas, tagger), len(code)
    origin = current_matrix(canvas)
    outer = tagger.journal if tagger else None
    if tagger:
        tagger.journal = []
    outer_codes: dict[str, int] | None = getattr(doc, "drawn_codes", None)
    drawn: dict[str, int] = {}
    setattr(doc, "drawn_codes", drawn)  # noqa: B010 - read by the fonts (note_drawn_codes)
    try:
        draw(canvas)
    finally:
        setattr(doc, "drawn_codes", outer_codes)  # noqa: B010
        if outer_codes is not None:  # a replay inside another: the outer one drew these too
            for name, high in drawn.items():
                outer_codes[name] = max(outer_codes.get(name, -1), high)
    journal = tagger.journal if tagger else []
    if tagger:
        tagger.journal = outer if outer is None else [*outer, *journal]
    if key not in store:
        ops = list(code[start:])
        if _footprint(doc, canvas, tagger) != before:
            store[key] = None  # it adds to the document: drawn afresh every time
        elif _seeded_glyphs_only(doc, drawn):
            store[key] = (ops, marks_in(ops, journal, origin))
        # else it drew this document's own glyphs: recorded in a later document
