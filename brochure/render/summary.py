"""The personalized candidacy summary: a flowing portrait document with a brand header band,
a footer with "Page N of M", the confidentiality line and the versions that produced it; one
build of it in a given form (:func:`_render`: rendered, or only measured, or taken up again
where an earlier layout kept its state). Choosing the form that fits its pages is
:mod:`.summary_fit`'s."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from copy import copy
from dataclasses import dataclass, field, replace
from functools import cached_property
from io import BytesIO
from typing import Any, ClassVar, NamedTuple, cast

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
)
from reportlab.platypus import Frame as PlatypusFrame
from reportlab.platypus.doctemplate import ActionFlowable, LayoutError
from reportlab.platypus.flowables import UseUpSpace

from .. import __version__
from ..candidacy import Assessment, group_reasons
from ..kept import Kept
from ..kinds import SUMMARY, OutputKind
from ..model import Brand, Publication
from ..model.base import localize
from ..model.layout import SummaryLayout
from ..model.patient import PatientRecord
from ..model.project import ProjectSettings
from ..model.record import RecordKind
from ..model.rules import Rules
from ..model.summary import BottomLine, SummaryBlock, SummaryText
from ..templates import compiled, fill, needed
from ..text import escape, strings_in
from .archive import READERS_DECLARATION, Declaration
from .art import drawing
from .backend.canvas import document_of
from .backend.layout import (
    UNBOUNDED,
    LayoutState,
    PlacedWhole,
    frame_room,
    frame_size,
    frame_space_left,
    frame_used,
    heights_at_least,
    kept_together,
    layout_state,
    place_whole,
    restore_layout,
    skip_saving,
)
from .backend.layout import FastFrame as Frame
from .backend.paragraph import wrapped_line_count
from .blocks import BlockContext
from .colours import Palette
from .continued import Continuable
from .document import DeferredPages, Metadata, describe
from .fonts import FontSet, file_digest, register_fonts
from .paragraphs import (
    Para,
    fresh,
    heading_again,
    lines_at_least,
)
from .replay import FontSeed, Recorded, replay
from .seed_store import keep_seed, kept_seed, seed_key
from .structure import Tagger
from .styles import StyleSheet, build_styles
from .summary_blocks import (
    SummaryContext,
    next_steps,
    summary_flowables,
)
from .tagging import ListItem, artifact, marked, spec_of, tag_flowables


@dataclass(frozen=True)
class SummaryKit:
    """Everything a summary needs that does not depend on the patient (built once, reused)."""

    brand: Brand
    publication: Publication
    editions: dict[str, Publication]
    """The publication in each language (statements and reused sections come from these)."""
    layout: SummaryLayout
    rules: Rules
    texts: dict[str, SummaryText]
    tagged: bool = True
    """Tagged PDF (PDF/UA structure); off only to measure what tagging costs."""
    settings: ProjectSettings = field(default_factory=ProjectSettings)
    """The project's settings (its record id pattern: what records are checked against)."""
    record: RecordKind | None = None
    """The publication's records: their declared fields (the calibration record's values)."""

    @cached_property
    def fonts(self) -> FontSet:
        return register_fonts(self.brand.fonts)

    @cached_property
    def palette(self) -> Palette:
        return Palette(self.brand, "rgb")

    @cached_property
    def styles(self) -> StyleSheet:
        return build_styles(self.layout.typography, self.layout.colors, self.palette, self.fonts)

    def text(self, language: str) -> SummaryText:
        return self.texts.get(language) or self.texts["en"]

    def language_of(self, text: SummaryText) -> str:
        """The language whose wording ``text`` is."""
        return next((code for code, wording in self.texts.items() if wording is text), "en")

    def edition(self, language: str) -> Publication:
        return self.editions.get(language) or self.publication

    @cached_property
    def running_name_style(self) -> ParagraphStyle:
        """The patient's name in the slim band of later pages: the band's subtitle in the
        heading font, in the paper colour, set flush right."""
        styles = self.styles
        return styles["cover_subtitle"].clone(
            "running-name-right", textColor=self.palette("paper"),
            fontName=styles["h3"].fontName, alignment=TA_RIGHT)

    @cached_property
    def roles(self) -> dict[str, str]:
        """Structure role (P, H1…) of each type-scale style, for tagging."""
        return {name: spec.tag for name, spec in self.layout.typography.items()}

    @cached_property
    def measuring_canvas(self) -> DeferredPages:
        """A canvas blocks are measured on alone (never drawn on, never saved)."""
        canvas = DeferredPages(BytesIO())
        canvas.measuring = True
        return canvas

    @cached_property
    def note_readers(self) -> dict[int, bool]:
        """Whether each block reads the record's note (see :func:`_reads_note`), by the
        block's id, decided once per block."""
        return {}

    def reads_note(self, block: SummaryBlock) -> bool:
        """Whether ``block`` is a note, holds one, or has a template that reads the note."""
        known = self.note_readers
        if id(block) not in known:
            known[id(block)] = _reads_note(block)
        return known[id(block)]

    @cached_property
    def reusable(self) -> dict[int, bool]:
        """Whether each block's flowables can be kept for reuse (by the block's id: blocks
        live as long as the kit), decided once per block."""
        return {}

    @cached_property
    def recordings(self) -> dict:
        """Recorded static flowables by (language, block, variant)."""
        return {}

    @cached_property
    def seeds(self) -> dict[str, FontSeed]:
        return {}

    def prepare(self) -> None:
        """Learn every language's glyph numbering (:meth:`seed`) before the first summary is
        rendered, so that no render has to (a batch prepares its kit before its workers fork,
        and they share it); checking rules alone never does."""
        for language in self.texts:
            self.seed(language)

    def seed(self, language: str) -> FontSeed:
        """The glyph numbering every summary in ``language`` starts with, learnt from one
        calibration summary per verdict (fixed, so output never depends on what ran before).
        A kit made again from the same files (a studio's reload, a project's copy) finds the
        seed learnt before in this process: it depends on nothing but what :attr:`identity`
        digests, and no one changes a seed once learnt."""
        if language not in self.seeds:
            seed = _LEARNT.get((self.identity, language)) or self._kept_or_learnt(language)
            self.seeds[language] = seed
        return self.seeds[language]

    def _kept_or_learnt(self, language: str) -> FontSeed:
        """The seed an earlier run kept on disk (see :mod:`.seed_store`), else learnt now and
        kept; either only when every font it numbers is one of the kit's (whose files its key
        digests)."""
        faces = {face: file_digest(face) for family in (self.fonts.body, self.fonts.heading,
                                                        *self.fonts.fallbacks)
                 for face in family.faces()}
        key = seed_key(self.identity, language, faces.values())
        seed = kept_seed(key)
        if seed is None or not set(seed.order) <= faces.keys():
            seed = self._learn(language)
            if set(seed.order) <= faces.keys():
                keep_seed(key, seed)
        _LEARNT.put((self.identity, language), seed)
        return seed

    def _learn(self, language: str) -> FontSeed:
        seed = FontSeed()
        for verdict in self.rules.verdicts:
            _render(self, _CALIBRATION.model_copy(update={"language": language}),
                    _calibration_assessment(self, verdict.id, language), None, seed)
        return seed

    @cached_property
    def identity(self) -> str:
        """A digest of everything the kit is made of: two kits with the same identity render
        the same bytes for the same record."""
        digest = hashlib.sha256(f"{self.tagged}|{__version__}".encode())
        for part in (self.brand, self.publication, *self.editions.values(), self.layout,
                     self.rules, *self.texts.values(), self.settings):
            digest.update(part.model_dump_json().encode())
        digest.update(repr(sorted(self.editions)).encode() + repr(sorted(self.texts)).encode())
        if self.record is not None:
            digest.update(self.record.spec.model_dump_json().encode())
            digest.update(repr(self.record.verdicts).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class RenderedSummary:
    pdf: bytes
    note_printed: int | None = None
    """How many of the note's characters are printed when it had to be cut to fit (None when
    it is printed whole), so that the physician can be told."""


def render_summary_pdf(kit: SummaryKit, record: PatientRecord, assessment: Assessment,
                       kind: OutputKind = SUMMARY) -> RenderedSummary:
    """The summary for one patient as PDF bytes, declaring what a file of ``kind`` claims
    (a summary, or the start of a packet, encrypted or not), on exactly its pages: rendered
    in full, then,
    while it runs past them, again with the next of the text's declared reductions taken; as
    the last resort, the note cut to what fits (when the text says how a cut note ends).
    When nothing fits, raises :class:`~brochure.errors.RecordFitError` naming the record's
    fields to shorten, or a BrochureError at the layout when even a short record does not fit."""
    from .summary_fit import fitted, unfit  # (it builds on this module)

    rendered = fitted(kit, record, assessment, Declaration.of(kind))
    if rendered is None:
        raise unfit(kit, record, assessment)
    return rendered


_SPILL_TOLERANCE = 0.01
"""How much taller than the room left a flowable must be to be said to spill past it (a frame
takes one within a hair of its room)."""


def _bottom_margin(layout: SummaryLayout) -> float:
    """Where a summary's text ends above the page's foot: the margin, the footer, and the box
    space above the footer's rule (no box, nor line, ends on it)."""
    return layout.margins.bottom + layout.footer.height + layout.box_space


def _frame_height(layout: SummaryLayout, band: float) -> float:
    """The height of a page's text frames below a header band ``band`` tall."""
    return layout.page.height - layout.margins.top - _bottom_margin(layout) - band


def _column_height(layout: SummaryLayout) -> float:
    """The height of a column of a summary's later pages (below the slim band)."""
    return _frame_height(layout, layout.header.later_height)


@dataclass
class _Resume:
    """Where measured layouts of one form of a summary, which differ only from one block on
    (the note, cut or whole), may start: the first such layout (or the rendering) keeps the
    state of its layout just before that block's first flowable
    (:class:`~.backend.layout.LayoutState`); the others build and place only that block and
    those after it, from there (or from one of the block's own flowables, :attr:`start`).
    Nothing before the block may read the note."""

    key: str
    """The placed key of the block the layouts differ from."""
    state: LayoutState | None = None
    overflow: float = 0.0
    room: float = 0.0
    """The build's own measures (see :class:`_SummaryDoc`) when the state was kept."""
    start: int = 0
    """Which of the block's own flowables the layouts start at (all before it the same in
    every layout: the paragraphs a note's longer starts share)."""
    paragraph: int = 0
    """Which of the note's paragraphs that flowable is (those before it are not made)."""

    @classmethod
    def at_note(cls, kit: SummaryKit, text: SummaryText,
                reduced: frozenset[str]) -> _Resume | None:
        """Where layouts with the ``reduced`` blocks shorter may start (the cut note's block),
        or None when the text has no note to cut or a block before it reads the note."""
        placed = _placed(text.blocks, reduced)
        at = next((n for n, (_, b) in enumerate(placed) if b.type == "note" and b.cut), None)
        if at is None or any(kit.reads_note(b) for _, b in placed[:at]):
            return None
        return cls(placed[at][0])

    def mark(self, doc: _SummaryDoc, story: list, firsts: dict[str, list]) -> None:
        """Tell ``doc``, which places the whole ``story``, to keep its state before the
        block, when the block opens a flowable of the story (not glued to what precedes it:
        then the story from there is the block's own and those after it)."""
        flowables = firsts.get(self.key) or [None]
        if any(f is flowables[0] for f in story):
            doc.keep_before = flowables[0]

    def keep(self, doc: _SummaryDoc) -> None:
        """Keep the state ``doc`` kept, when this has none yet."""
        if self.state is None and doc.kept is not None:
            self.state, self.overflow, self.room = doc.kept


def _from_flowable(story: list, first: Flowable) -> list:
    """``story`` from the flowable ``first`` on (one of the story's own, not inside another)."""
    at = next((n for n, flowable in enumerate(story) if flowable is first), None)
    assert at is not None, "a layout taken up again at a flowable inside another"
    return story[at:]


def _reads_note(block: SummaryBlock) -> bool:
    """Whether a block is a note, holds one, or has a template that reads the record's note."""
    dumped = block.model_dump()
    return _holds_note(dumped) or any(
        "notes" in compiled(t)[1] for t in strings_in(dumped) if "{" in t)


def _holds_note(dumped: object) -> bool:
    """Whether a dumped block is, or holds at any depth, a block of type ``note``."""
    if isinstance(dumped, dict):
        return dumped.get("type") == "note" or any(_holds_note(v) for v in dumped.values())
    if isinstance(dumped, list):
        return any(_holds_note(v) for v in dumped)
    return False


@dataclass(frozen=True)
class _Built:
    """One build of a summary: its PDF (none when measured or past its limit), its pages, the
    column height its content took past the page limit and the room left before it (see
    :class:`_SummaryDoc`)."""

    pdf: bytes
    pages: int
    overflow: float = 0.0
    room: float = 0.0


_MEASURED_PAST = 2
"""How many pages past its limit a build goes on measuring (not drawing) how far it runs
over; a layout that needs more is only said to be too long."""


def _render(kit: SummaryKit, record: PatientRecord, assessment: Assessment,
            seed: FontSeed | None, learner: FontSeed | None = None,
            reduced: frozenset[str] = frozenset(), note_cut: bool = False,
            limit: int | None = None, declaration: Declaration = READERS_DECLARATION,
            measure: bool = False, resume: _Resume | None = None,
            at_note: Callable[[_SummaryDoc, list], None] | None = None,
            prepared: tuple[list, dict[str, list]] | None = None,
            stop_when_over: bool = False) -> _Built:
    """Build one summary (with the ``reduced`` blocks in their shorter form, declaring
    ``declaration``) and count its pages; with a seed, static parts are recorded once and
    replayed; a learner (calibration) notes the glyphs the summary used. Past ``limit`` pages
    nothing more is drawn: the build goes on measuring how far it runs over, for a few pages
    (a layout far too small for its text would otherwise make pages without end), and gives
    no bytes. ``measure``: nothing is drawn or written at all (a layout tried for its pages).
    ``resume`` keeps the layout's state before a block, or (measuring) starts from it (see
    :class:`_Resume`); ``at_note`` is called where the state is kept, with the flowables left
    to place, which it may replace. ``prepared``: the story, and its blocks' flowables, when
    already built. ``stop_when_over``: a measured layout stops where it surely runs over (see
    :meth:`_SummaryDoc.surely_spills`)."""
    text = kit.text(record.language)
    buffer = BytesIO()
    doc = _document(kit, text, record, buffer)
    doc.page_limit = limit
    doc.measuring = measure
    doc.at_kept = at_note
    doc.stop_when_over = stop_when_over and measure
    replay = seed is not None or measure
    if resume is not None and resume.state is not None and measure:
        own: dict[str, list] = {}
        story = _summary_story(kit, record, assessment, doc.width, reduced, note_cut, replay,
                               firsts=own, from_key=resume.key, note_from=resume.paragraph)
        story = _from_flowable(story, own[resume.key][resume.start])
        doc.resume_from = resume
    else:
        story, firsts = prepared if prepared is not None else ([], {})
        if prepared is None:
            story = _summary_story(kit, record, assessment, doc.width, reduced, note_cut, replay,
                                   firsts=firsts)
        if resume is not None:
            resume.mark(doc, story, firsts)
    try:
        doc.build(story, canvasmaker=_canvas_maker(kit, text, record, None if measure else seed,
                                                   learner, declaration, measure))
    except _PastLimitError:
        return _Built(b"", doc.page + 1, doc.overflow, doc.room)  # the page it would begin
    except (_StuckError, LayoutError):  # a build without end, or a block no frame holds
        return _Built(b"", max(limit or 0, doc.page) + 1)  # is too long
    finally:
        if resume is not None:
            resume.keep(doc)
    if doc.measuring:
        return _Built(b"", doc.page, doc.overflow, doc.room)
    return _Built(buffer.getvalue(), doc.page, room=doc.room)


def _summary_story(kit: SummaryKit, record: PatientRecord, assessment: Assessment,
                   width: float, reduced: frozenset[str], note_cut: bool, replay: bool,
                   firsts: dict[str, list] | None = None, from_key: str | None = None,
                   built: dict[str, list] | None = None, note_from: int = 0) -> list:
    """The story of one summary in the form ``reduced`` and ``note_cut`` say, its static
    parts replayed when ``replay`` (see :func:`_story`; ``note_from``: see
    :attr:`~.summary_blocks.SummaryContext.note_from`)."""
    text = kit.text(record.language)
    ctx = replace(_context(kit, text, record, assessment, width), note_cut=note_cut,
                  note_from=note_from)
    if replay:
        ctx = replace(ctx, recordings=kit.recordings)
    return _story(kit, ctx, _placed(text.blocks, reduced), replay, firsts, from_key, built)


def _story(kit: SummaryKit, ctx: SummaryContext, placed: list[tuple[str, SummaryBlock]],
           replay: bool, firsts: dict[str, list] | None = None,
           from_key: str | None = None, built: dict[str, list] | None = None) -> list:
    """The blocks' flowables: those up to the layout's column start across the page (their
    text kept to its measure), the rest set in the columns' width after the cut into them;
    each block's own flowables noted in ``firsts`` by its key, when given. From the block
    keyed ``from_key`` on, when given (one in the columns that opens a flowable of the
    story: the rest of the story from there, see :class:`_Resume`). A block's flowables are
    taken from ``built`` when it holds them (built before, and never placed)."""
    columns = kit.layout.columns
    noted = {} if firsts is None else firsts
    made = {} if built is None else built

    def flowables(context: SummaryContext, key: str, block: SummaryBlock) -> list:
        noted[key] = made[key] if key in made else _block_flowables(kit, context, key, block,
                                                                    replay)
        return noted[key]
    if columns is None:
        return _kept([(key, flowables(ctx, key, b)) for key, b in placed])
    # without the block the columns follow, they start at the top (later pages have them)
    start = next((i + 1 for i, (_, b) in enumerate(placed) if b.type == columns.after), 0)
    narrow = replace(ctx, block=replace(ctx.block, width=column_width(kit.layout, ctx.block.width)))
    wide = replace(ctx, measure=columns.measure)
    words = kit.text(ctx.record.language).continued
    again = (lambda heading: heading_again(heading, words)) if words else None
    goes_on = _GoesOn(columns.goes_on, columns.least_rows)

    def kept(context: SummaryContext, blocks: list[tuple[str, SummaryBlock]]) -> list:
        return _kept([(key, flowables(context, key, b)) for key, b in blocks],
                     [b.type in _HEADED_BY_WHAT_PRECEDES for _, b in blocks], again, goes_on)
    if from_key is not None:
        at = next(i for i, (key, _) in enumerate(placed) if key == from_key)
        assert at >= start, "a story taken up again inside the columns"
        return kept(narrow, placed[at:])
    gap = max(kit.styles["h2"].spaceBefore, kit.layout.box_space)
    return [*kept(wide, placed[:start]), _IntoColumns(kit.layout, gap),
            *kept(narrow, placed[start:])]


def _text_width(layout: SummaryLayout) -> float:
    """The width of the page's text area (between its margins)."""
    return layout.page.width - layout.margins.left - layout.margins.right


def column_width(layout: SummaryLayout, width: float) -> float:
    """The width of one of the layout's columns in a text area ``width`` wide."""
    columns = layout.columns
    if columns is None:
        return width
    return (width - columns.gutter * (columns.count - 1)) / columns.count


def _column_frames(layout: SummaryLayout, left: float, bottom: float, width: float,
                   height: float, name: str) -> list[PlatypusFrame]:
    """The layout's columns side by side in a text area (one frame when it has none)."""
    count = layout.columns.count if layout.columns else 1
    gutter = layout.columns.gutter if layout.columns else 0
    each = column_width(layout, width)
    frames: list[PlatypusFrame] = []
    for n in range(count):
        frame = _ColumnFrame(left + n * (each + gutter), bottom, each, height, id=f"{name}{n}",
                             leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        frame.in_columns = layout.columns is not None
        frames.append(frame)
    return frames


class _ColumnFrame(Frame):
    """A frame of a summary's later pages, which knows whether it is one of the layout's
    columns (text already in a column is not cut into columns again)."""

    in_columns: bool = False


class _IntoColumns(ActionFlowable):
    """Where the columns start: the rest of the current frame is cut into the layout's columns
    (a gap below the blocks above), and the text flows on in the first of them."""

    def __init__(self, layout: SummaryLayout, gap: float):
        super().__init__()
        self.layout, self.gap = layout, gap

    def apply(self, doc) -> None:
        frame = doc.frame
        if getattr(frame, "in_columns", False):
            return
        room = frame_room(frame)
        top = room.top - self.gap
        if top - room.bottom < MIN_COLUMN_HEIGHT:  # no room left: the columns start overleaf
            return doc.handle_frameEnd()
        doc.pageTemplate.frames = [frame, *_column_frames(
            self.layout, room.left, room.bottom, room.width, top - room.bottom, "c")]
        doc.handle_frameEnd()

    def wrap(self, available_width, available_height):
        return 0, 0


MIN_COLUMN_HEIGHT = 36
"""Columns shorter than this (half an inch) are not started on the page: the text goes on
overleaf."""


def _placed(blocks: list[SummaryBlock],
            reduced: frozenset[str]) -> list[tuple[str, SummaryBlock]]:
    """The blocks in reading order, each with a key unique to it and its form: a reducible
    block gives way to its full or its shorter blocks."""
    placed: list[tuple[str, SummaryBlock]] = []
    for index, block in enumerate(blocks):
        if block.type != "reducible":
            placed.append((f"b{index}", block))
            continue
        form = "r" if block.id in reduced else "f"
        inner = block.reduced if form == "r" else block.full
        group = "t" if block.together else ""  # a key ending in t: kept together, see _kept
        placed += [(f"b{index}{form}{group}{n}", b) for n, b in enumerate(inner)]
    return placed


class _GoesOn(NamedTuple):
    """When a section may go on in the next column (the layout's ``columns``): the share of
    its height the room left must hold (``goes_on``), the least body rows a data table keeps
    on each side of a break (``least_rows``)."""

    share: float
    least_rows: int


_NEVER_GOES_ON = _GoesOn(1.0, 1)


def _kept(pieces: list[tuple[str, list]], glued: Sequence[bool] = (),
          again: Callable[[Flowable], Flowable] | None = None,
          goes_on: _GoesOn = _NEVER_GOES_ON) -> list:
    """The flowables of each block in order, those of a reducible block that stays together
    (keys ``b<index><form>t<n>``) in one KeepTogether; a block marked in ``glued`` (a box
    without a heading of its own) is kept with the flowable before it, so that no column or
    page opens with it away from the heading it belongs under. With ``again`` (which makes a
    heading said again), a headed section may go on in the next column before any of its
    boxes or between two body rows of a data table with a header row, under its heading said
    again, when the room left is at least ``goes_on.share`` of its height (see
    :mod:`.continued`)."""
    out: list = []
    groups: dict[str, list] = {}
    breaks: set[int] = set()  # the first flowable of each box a section may break before
    for n, (key, flowables) in enumerate(pieces):
        group = key[: key.index("t") + 1] if "t" in key else None
        if group is None and n < len(glued) and glued[n] and out and flowables:
            last = out.pop()
            breaks.add(id(_unnested(flowables)[0]))
            out.append([*(last if isinstance(last, list) else [last]), *flowables])
        elif group is None:
            out += _items_kept(flowables, goes_on.least_rows)
        elif group in groups:
            groups[group] += flowables
        else:
            groups[group] = list(flowables)
            out.append(groups[group])
    kept = _with_next([_together(f) if isinstance(f, list) else f for f in out])
    return [_static_placed_whole(_continuable(f, breaks, again, goes_on) if again else f)
            if isinstance(f, KeepTogether) else f for f in kept]


def _static_placed_whole(keep: KeepTogether) -> KeepTogether:
    """``keep`` placed as one flowable where it fits (:class:`~.backend.layout.PlacedWhole`)
    when it holds recordings only (a static block's flowables, which draw the same whatever
    the room; a section that may go on still goes on where it does not fit)."""
    if all(type(f) is Recorded for f in kept_together(keep)):
        place_whole(keep)
    return keep


def _items_kept(flowables: list, least: int) -> list:
    """``flowables`` (a block's own, not kept together) with each run of a list's items broken
    only where ``least`` items or more stay on each side: its first and last ``least`` items
    each in one group (a list, made one KeepTogether by :func:`_kept`), the whole run in one
    when it is shorter than twice that, so that no column opens or ends with one item of a
    list alone. The paragraph that leads into a list ("What we found in your record:") is kept
    with its first items."""
    out: list = []
    run: list = []
    for flowable in [*flowables, None]:
        if flowable is not None and isinstance(getattr(flowable, "inner", flowable), ListItem):
            run.append(flowable)
            continue
        if len(run) > 1 and least > 1:
            lead = [out.pop()] if out and _is_paragraph(out[-1]) else []
            if len(run) < 2 * least:
                out.append([*lead, *run])
            else:
                out += [[*lead, *run[:least]], *run[least:-least], run[-least:]]
        else:
            out += run
        run = []
        if flowable is not None:
            out.append(flowable)
    return out


def _is_paragraph(flowable: object) -> bool:
    """Whether ``flowable`` is a paragraph of running text (not a list's item)."""
    inner = getattr(flowable, "inner", flowable)
    return isinstance(inner, Paragraph) and not isinstance(inner, ListItem)


def _continuable(keep: KeepTogether, breaks: set[int], again: Callable[[Flowable], Flowable],
                 goes_on: _GoesOn) -> KeepTogether:
    """``keep`` as a :class:`~.continued.Continuable` when it opens with a heading and holds
    a box it may break before or a data table whose header row it may repeat."""
    content = kept_together(keep)
    at = [i for i, flowable in enumerate(content) if id(flowable) in breaks]
    tables = [i for i, flowable in enumerate(content) if i and _goes_on_under_its_header(flowable)]
    if not (at or tables) or not content[0].getKeepWithNext():
        return keep
    return Continuable(content, at, lambda: again(content[0]), goes_on.share, tables,
                       goes_on.least_rows)


def _goes_on_under_its_header(flowable: Flowable) -> bool:
    """A data table with a header row that its pieces repeat (a comparison table)."""
    headers = spec_of(flowable).table  # (a recording answers for the table it records)
    return headers is not None and headers.header_row and bool(getattr(flowable, "repeatRows", 0))


def _with_next(flowables: list) -> list:
    """Each flowable that keeps with the next (a heading) in one KeepTogether with it: the
    frame's own keep-with-next stops at a KeepTogether, and would leave the heading alone at a
    column's foot."""
    out: list = []
    for flowable in flowables:
        if out and not isinstance(out[-1], KeepTogether) and out[-1].getKeepWithNext():
            out.append(_together([out.pop(), flowable]))
        else:
            out.append(flowable)
    return out


def _together(flowables: list) -> KeepTogether:
    """One KeepTogether of ``flowables``, those inside a KeepTogether among them set in it
    one by one: ReportLab's KeepTogether measures one inside it as taller than any frame, and
    would always move the whole to the next frame."""
    return KeepTogether(_unnested(flowables))


def _unnested(flowables: list) -> list:
    """``flowables`` with those KeepTogethers hold in place of each KeepTogether, at any
    depth."""
    return [inner for flowable in flowables for inner in (
        _unnested(kept_together(flowable)) if isinstance(flowable, KeepTogether) else [flowable])]


_HEADED_BY_WHAT_PRECEDES = frozenset({"statement", "statements"})
"""Boxes without a heading of their own, read under the section before them: kept with its
last flowable (see :func:`_kept`)."""


_STATIC = {"heading", "paragraph", "bullets", "checklist", "table", "statement", "statements",
           "callout", "include", "verdict_steps", "columns", "page_break", "disclosure"}


def _is_static(block, also: str | None = None) -> bool:
    """A block that draws the same for every patient (given language and verdict): its
    templates read nothing but the clinic's details and the verdict (a block of type ``also``
    too, when its templates read no more)."""
    if block.type == "columns":
        return all(_is_static(b) for column in block.columns for b in column)
    return (block.type in _STATIC or block.type == also) and all(
        set(compiled(t)[1]) <= CLINIC_VALUES for t in strings_in(block.model_dump()) if "{" in t)


_KEYED_BY: dict[str, tuple[str, ...]] = {"signature": ("physician",),
                                         "bottom_line": ("next_steps",)}
"""Blocks whose builders read the record's fields named here and nothing else of it (the
bottom line reads the verdict and the next steps of the rules that decided it; the signature,
the physician): drawn the same for every patient with those values (given language and
verdict, their templates reading nothing of the record either), their recordings keyed by
those values. A physician is not patient data; nor are the rules' next steps."""


def _keyed_value(ctx: SummaryContext, block: SummaryBlock, name: str) -> Any:
    """The value a kept block's recording is keyed by: the record's field ``name``, or, for
    ``next_steps``, the bottom line's next steps (templates of the rules' data)."""
    if name == "next_steps" and isinstance(block, BottomLine):
        return next_steps(block, ctx)
    return getattr(ctx.record, name)


def _recording_key(kit: SummaryKit, ctx: SummaryContext, key: str,
                   block: SummaryBlock) -> tuple | None:
    """Under what a block's flowables and drawing are kept for reuse (None: built afresh)."""
    known = kit.reusable
    if id(block) not in known:
        known[id(block)] = _is_static(block) or (
            block.type in _KEYED_BY and _is_static(block, block.type))
    if not known[id(block)]:
        return None
    values = tuple(_keyed_value(ctx, block, name) for name in _KEYED_BY.get(block.type, ()))
    return (ctx.record.language, key, ctx.assessment.verdict, *values)


def _block_flowables(kit: SummaryKit, ctx: SummaryContext, key: str, block: SummaryBlock,
                     replay: bool) -> list[Flowable]:
    """A block's flowables, tagged for the structure tree (unless the kit is untagged);
    static ones built once and replayed."""
    def built() -> list[Flowable]:
        flowables = summary_flowables(block, ctx)
        return (tag_flowables(flowables, (), kit.roles, key) if kit.tagged
                else flowables)
    stored = _recording_key(kit, ctx, key, block) if replay else None
    if stored is None:
        return built()
    if stored not in kit.recordings:
        kit.recordings[stored] = [_kept_for_reuse(f) for f in built()]
    return [_reused(kept) for kept in kit.recordings[stored]]


def _kept_for_reuse(flowable: Flowable) -> tuple:
    """A flowable kept for reuse with the stores of its recordings (what a KeepTogether holds
    kept one by one; a page break as it is)."""
    if isinstance(flowable, KeepTogether):
        return (KeepTogether, [_kept_for_reuse(f) for f in kept_together(flowable)])
    if isinstance(flowable, PageBreak):
        return (PageBreak, flowable)
    return (Recorded, (flowable, {}, {}, {}))


def _reused(kept: tuple) -> Flowable:
    """A document's own wrappers of a kept flowable (see :func:`_kept_for_reuse`): platypus
    leaves marks on what it places, so documents rendered at once (in threads) never share a
    placed flowable (a page break's own copy too: ReportLab keeps the canvas on one while a
    KeepTogether measures it)."""
    kind, content = kept
    if kind is KeepTogether:
        return KeepTogether([_reused(k) for k in content])
    if kind is PageBreak:
        return copy(content)
    inner, store, sizes, pieces = content
    return Recorded(inner, store, sizes, pieces)


def _metadata(kit: SummaryKit, text: SummaryText, record: PatientRecord) -> Metadata:
    """Nothing about the patient: the title is the document's kind, the date the content's."""
    return Metadata(title=text.title, author=kit.brand.name, subject=text.subtitle,
                    language=record.language, date=kit.publication.date,
                    keywords=list(kit.edition(record.language).keywords),
                    versions=f"rules {kit.rules.version}, content {kit.publication.version}")


def _document(kit: SummaryKit, text: SummaryText, record: PatientRecord,
              buffer: BytesIO) -> _SummaryDoc:
    layout = kit.layout
    page, margins, header = layout.page, layout.margins, layout.header
    meta = _metadata(kit, text, record)
    doc = _SummaryDoc(
        buffer, pagesize=(page.width, page.height), invariant=1, pageCompression=1,
        leftMargin=margins.left, rightMargin=margins.right, topMargin=margins.top,
        bottomMargin=_bottom_margin(layout), title=meta.title,
        author=meta.author, subject=meta.subject, creator=meta.creator,
        producer=f"brochure {__version__} (ReportLab)", keywords=meta.keywords,
        lang=meta.language, initialFontName=kit.fonts.body.regular)
    first = Frame(doc.leftMargin, doc.bottomMargin, doc.width,
                  _frame_height(layout, header.height),
                  id="first", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    later = _column_frames(layout, doc.leftMargin, doc.bottomMargin, doc.width,
                           _column_height(layout), "later")
    decorate = _Header(kit, text, record.name, _running(kit, text, record))
    doc.addPageTemplates([
        PageTemplate("first", [first], onPage=decorate.first, autoNextPageTemplate="later"),
        PageTemplate("later", later, onPage=decorate.later),
    ])
    return doc


class _PastLimitError(Exception):
    """A summary's build has gone past its page limit."""


class _StuckError(Exception):
    """A summary's build handles one flowable in one frame over and over."""


_MAX_TRIES = 100
"""How often one flowable may be handled in one frame before a build is taken to be stuck (a
placed, split or postponed flowable is handled a few times at most)."""


class _SummaryDoc(BaseDocTemplate):
    """Adds a bookmark for every section heading, so readers can jump between sections, and
    stops a build that runs past ``page_limit`` pages or makes no progress."""

    page_limit: int | None = None
    measuring = False
    """Nothing is drawn or written: from the start (a measured layout), or once the build has
    run past its page limit."""
    overflow = 0.0
    """The column height the content has taken on pages past the limit."""
    room = 0.0
    """The column height left unused on the limit's last page (by a build that ends there:
    how much more it would hold; past it, what blocks kept whole that moved on left behind)."""
    stop_when_over = False
    """A measured layout that stops where it surely runs over (see :meth:`surely_spills`)."""
    keep_before: Flowable | None = None
    """The flowable before which the layout's state is kept (in :attr:`kept`, with the
    overflow and room so far), when it can be."""
    kept: tuple[LayoutState, float, float] | None = None
    at_kept: Callable[[_SummaryDoc, list], None] | None = None
    """Called where the state is kept (or could not be), with the flowables left to place."""
    resume_from: _Resume | None = None
    """A kept state the build starts from (its story begins with the flowable it was kept
    before)."""

    def handle_documentBegin(self):  # noqa: N802 - ReportLab's hook
        super().handle_documentBegin()
        resume = self.resume_from
        if resume is not None and resume.state is not None:
            restore_layout(self, resume.state)
            self.overflow, self.room = resume.overflow, resume.room

    def handle_pageBegin(self):  # noqa: N802 - ReportLab's hook
        limit = self.page_limit
        if limit is not None and self.page >= limit:
            if self.page >= limit + _MEASURED_PAST:
                raise _PastLimitError
            self._measure_from_here()
        super().handle_pageBegin()

    def _measure_from_here(self) -> None:
        """Past the page limit: stop drawing and writing, go on measuring."""
        self.measuring = cast(DeferredPages, self.canv).measuring = True
        skip_saving(self)

    def handle_pageEnd(self):  # noqa: N802 - ReportLab's hook
        limit = self.page_limit
        if limit is not None and self.page > limit:
            self.overflow += sum(frame_used(f) for f in self.pageTemplate.frames)
        elif limit is not None and self.page == limit:  # the frame it ends in, and those after
            frames = self.pageTemplate.frames
            after = frames[frames.index(self.frame):] if self.frame in frames else []
            self.room = sum(frame_space_left(f) for f in after)
        super().handle_pageEnd()

    def handle_flowable(self, flowables: list) -> None:  # ReportLab's hook
        """Stops a build that would never end: ReportLab's keep-together, split in a frame
        too short for its content, puts it back before a no-op, in the same frame, forever
        (a record without a note in a layout whose type is far too large did)."""
        if flowables and flowables[0] is self.keep_before:  # its first time: kept once
            state, self.keep_before = layout_state(self), None
            self.kept = None if state is None else (state, self.overflow, self.room)
            if self.at_kept is not None:
                self.at_kept(self, flowables)
        if self.stop_when_over and flowables and self.surely_spills(flowables[0]):
            raise _PastLimitError
        if flowables:
            key = (id(flowables[0]), self.page, id(getattr(self, "frame", None)))
            self._tries[key] = self._tries.get(key, 0) + 1
            if self._tries[key] > _MAX_TRIES:
                raise _StuckError
        super().handle_flowable(flowables)

    def surely_spills(self, flowable: Flowable) -> bool:
        """Whether ``flowable`` is taller than the room left in the last frame of the last
        page (its least height: spaces around and inside it aside, see
        :func:`~.backend.layout.heights_at_least`): some of it goes past the page limit,
        wherever it splits. (A flowable that says it is taller than any page, to be split,
        is not told.)"""
        frame = getattr(self, "frame", None)
        frames = self.pageTemplate.frames
        if (self.page_limit is None or self.page != self.page_limit or frame is not frames[-1]
                or isinstance(flowable, (ActionFlowable, UseUpSpace))):
            return False  # (a page break uses up the room without running over)
        width, _ = frame_size(frame)
        height = heights_at_least([flowable], self.canv, width)  # (a KeepTogether's content)
        return frame_space_left(frame) + _SPILL_TOLERANCE < height < UNBOUNDED

    OUTLINE_LEVELS: ClassVar[dict[str, int]] = {"h1": 0, "h2": 0}

    def afterFlowable(self, flowable):  # noqa: N802 - ReportLab's hook
        if self.measuring:
            return
        if isinstance(flowable, PlacedWhole):  # (placed whole: its flowables were placed)
            for placed in kept_together(flowable):
                self.afterFlowable(placed)
            return
        level = self.OUTLINE_LEVELS.get(getattr(getattr(flowable, "style", None), "name", ""))
        if level is None:
            return
        key = f"s{len(self._bookmarks)}"
        self._bookmarks.append(key)
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.getPlainText(), key, level)

    def build(self, flowables: list[Flowable], *args: Any, **kwargs: Any) -> None:
        if self.measuring:
            skip_saving(self)
        self._bookmarks: list[str] = []
        self._tries: dict[tuple[int, int, int], int] = {}
        super().build(flowables, *args, **kwargs)


def _context(kit: SummaryKit, text: SummaryText, record: PatientRecord, assessment: Assessment,
             width: float) -> SummaryContext:
    physician = kit.brand.physician(record.physician)
    values = {**_record_values(kit, record), "words": text.words,
              "not_recorded": text.not_recorded, "format_date": _date_formatter(text),
              "physician": physician.model_dump(), **_clinic_values(kit.brand, record.language),
              "verdict": assessment.verdict}
    block = BlockContext(kit.brand, kit.edition(record.language), kit.styles,
                         kit.layout.spacing, width)
    return SummaryContext(block, record, assessment, kit.rules, physician, values,
                          kit.layout.scale, kit.layout.geometry, boxes=kit.layout.boxes,
                          box_space=kit.layout.box_space)


def _clinic_values(brand: Brand, language: str) -> dict[str, str]:
    """What summary templates may say about the clinic (from the brand kit): the same in every
    summary of one language. The phone number never breaks across lines (no-break spaces)."""
    return {"clinic": brand.name, "clinic_phone": brand.contact.phone.replace(" ", "\u00a0"),
            "clinic_hours": localize(brand.contact.hours, language)}


CLINIC_VALUES = frozenset({"clinic", "clinic_phone", "clinic_hours", "verdict"})
"""Template names whose values are the same for every summary of one language and verdict."""


def _running(kit: SummaryKit, text: SummaryText, record: PatientRecord) -> str:
    """What follows the name in the later pages' band (the text's ``running``), or nothing
    (when there is none, or it needs a value the record does not give)."""
    if text.running is None:
        return ""
    values = {**_record_values(kit, record), "format_date": _date_formatter(text)}
    if any(values.get(name, "") is None for name in needed(text.running)):
        return ""
    return fill(text.running, values)


def _date_formatter(text: SummaryText):
    def format_date(date: dt.date) -> str:
        return fill(text.date_format,
                    {"day": date.day, "month": text.months[date.month - 1], "year": date.year})
    return format_date


class _Header:
    """Draws the brand band on each page: tall with the title on the first, slim after, where
    the patient's name and the text's ``running`` identifier (the date of birth, at the band's
    right) identify a page that was separated from page 1."""

    def __init__(self, kit: SummaryKit, text: SummaryText, name: str, running: str = ""):
        self.kit, self.text, self.name, self.running = kit, text, name, running

    def first(self, canvas, doc) -> None:
        if canvas.measuring:
            return
        self._replayed(canvas, self.kit.layout.header.height, True)

    def later(self, canvas, doc) -> None:
        if canvas.measuring:
            return
        height = self.kit.layout.header.later_height
        self._replayed(canvas, height, False)
        artifact(canvas, lambda c: self._name(c, height))  # running header: an artifact

    def _name(self, canvas, height: float) -> None:
        """The patient's name and second identifier, right-aligned in the slim band, the name cut
        with "…" to the width the band leaves beside the running title (it is whole on page 1);
        the identifier is never cut."""
        kit = self.kit
        layout, style = kit.layout, kit.running_name_style
        right = layout.page.width - layout.margins.right
        title = self.text.title  # the logo names the clinic; the band's room goes to the name
        left = (layout.margins.left + self._logo_size(height, False) + layout.header.logo_gap
                + canvas.stringWidth(title, style.fontName, style.fontSize) + 2 * style.fontSize)
        line = _one_line(self.name, style, right - left,
                         f" · {self.running}" if self.running else "")
        _, line_height = line.wrap(right - left, height)
        line.drawOn(canvas, left, layout.page.height - height / 2 - style.fontSize / 3
                    - line_height + style.fontSize)  # on the running title's baseline

    def _replayed(self, canvas, height: float, full: bool) -> None:
        """The band is the same on every summary: drawn once, then replayed."""
        if not getattr(canvas, "replaying", False):
            return self._band(canvas, height, full)
        replay(canvas, self.kit.recordings, ("header", self.text.title, full),
               lambda c: self._band(c, height, full))

    def _band(self, canvas, height: float, full: bool) -> None:
        """The band and logo are decoration, and so is the running title of later pages; on
        the first page the title is the document's top heading (H1) and the clinic's name,
        under it, says who wrote the summary (P)."""
        kit, styles = self.kit, self.kit.styles
        page = kit.layout.page
        x = kit.layout.margins.left + self._logo_size(height, full) + kit.layout.header.logo_gap
        artifact(canvas, lambda c: self._decoration(c, height, full))
        middle, subtitle = page.height - height / 2, styles["cover_subtitle"]
        if full:
            marked(canvas, (("title", "H1", ()),), lambda c: _line(
                c, styles["cover_title"], kit.palette("paper"), x,
                middle + kit.layout.header.title_rise, self.text.title))
            marked(canvas, (("clinic", "P", ()),), lambda c: _line(
                c, subtitle, kit.palette("paper"), x, middle - subtitle.leading, kit.brand.name))
        else:
            artifact(canvas, lambda c: _line(c, subtitle, kit.palette("paper"), x,
                                             middle - subtitle.fontSize / 3,
                                             self.text.title))

    def _logo_size(self, height: float, full: bool) -> float:
        header = self.kit.layout.header
        return header.logo_size if full else height * header.later_logo

    def _decoration(self, canvas, height: float, full: bool) -> None:
        kit = self.kit
        page = kit.layout.page
        canvas.saveState()
        canvas.setFillColor(kit.palette("primary"))
        canvas.rect(0, page.height - height, page.width, height, stroke=0, fill=1)
        rule = kit.layout.header.rule
        canvas.setFillColor(kit.palette("accent"))
        canvas.rect(0, page.height - height - rule, page.width, rule, stroke=0, fill=1)
        size = self._logo_size(height, full)
        logo = drawing(kit.brand.art[kit.brand.logo], size, kit.palette, kit.fonts.body.regular)
        logo.drawOn(canvas, kit.layout.margins.left, page.height - (height + size) / 2)
        canvas.restoreState()


def _one_line(text: str, style: ParagraphStyle, width: float, kept: str = "") -> Para:
    """``text`` and then ``kept`` on one line of ``width`` in ``style`` (any script, through
    the fallback fonts), the end of ``text`` cut and marked "…" where the whole is longer."""
    if (lines_at_least([text + kept], style, width) or 0) <= 1:  # it may hold on one line
        whole = fresh(escape(text + kept), style)
        if wrapped_line_count(whole, width) <= 1:
            return whole  # (wrapped to the width: its lines are kept for the drawing)

    def cut(length: int) -> str:
        return text[:length].rstrip() + "…" + kept

    def line(length: int) -> Para | None:
        if (lines_at_least([cut(length)], style, width) or 0) > 1:  # surely not one line
            return None
        paragraph = fresh(escape(cut(length)), style)
        return paragraph if wrapped_line_count(paragraph, width) <= 1 else None
    low, high = 0, len(text)
    if lines_at_least([cut(high)], style, width) is not None:  # one font: widths tell
        while low < high:  # (what one line holds: its words and the spaces between them)
            middle = (low + high + 1) // 2
            low, high = (middle, high) if stringWidth(
                cut(middle), style.fontName, style.fontSize) <= width else (low, middle - 1)
        found = line(low)
        if found is not None and (low == len(text) or line(low + 1) is None):  # as the lines say
            return found
        low, high = 0, len(text)
    while low < high:  # the longest start that fits with its "…"
        middle = (low + high + 1) // 2
        low, high = (middle, high) if line(middle) is not None else (low, middle - 1)
    return line(low) or fresh(escape(cut(low)), style)


def _line(canvas, style, colour, x: float, y: float, text: str) -> None:
    """One line of text in ``style``'s font, drawn straight on the canvas."""
    canvas.saveState()
    canvas.setFillColor(colour)
    canvas.setFont(style.fontName, style.fontSize)
    canvas.drawString(x, y, text)
    canvas.restoreState()


def _canvas_maker(kit: SummaryKit, text: SummaryText, record: PatientRecord,
                  seed: FontSeed | None, learner: FontSeed | None,
                  declaration: Declaration, measure: bool = False):
    meta = _metadata(kit, text, record)

    def make(*args, **kwargs):
        canvas = DeferredPages(*args, **kwargs)
        canvas.measuring = measure
        canvas.finish_page = lambda c, number, count: artifact(
            c, lambda c2: _footer(kit, text, c2, number, count))
        canvas.tagger = (Tagger(text.title, record.language, declaration)
                         if kit.tagged and not measure else None)
        if seed is not None:
            seed.apply(document_of(canvas))
            canvas.replaying = True

        def before_save(c) -> None:
            if learner is not None:
                learner.learn(document_of(c))
            if c.tagger is not None:
                c.tagger.finish(c)
        canvas.before_save = before_save
        return describe(canvas, meta)
    return make


_LEARNT: Kept[tuple[str, str], FontSeed] = Kept(limit=32)
"""Seeds learnt in this process, by kit identity and language (see :meth:`SummaryKit.seed`)."""

_CALIBRATION = PatientRecord(id="calibration", name="A", date_of_birth=dt.date(1950, 1, 1),
                             visit_date=dt.date(2026, 1, 1))
"""The record the renderer warms up with: the core fields; the publication's own fields take
their declared examples (:func:`_record_values`)."""


def _record_values(kit: SummaryKit, record: PatientRecord) -> dict[str, Any]:
    """The record's values for the summary's templates. A record of the publication has every
    declared field (None where not recorded); the calibration record, the core fields only,
    takes each declared field's example (:attr:`RecordKind.examples`)."""
    return {**(kit.record.examples if kit.record else {}), **record.model_dump()}


def _calibration_assessment(kit: SummaryKit, verdict: str, language: str) -> Assessment:
    label = kit.rules.info(verdict).label
    return Assessment(verdict=verdict, label=label.get(language) or label["en"], fired=(),
                      computed_verdict=verdict, overridden=False, override_reason=None,
                      rules_version=kit.rules.version,
                      groups=group_reasons(kit.rules, (), verdict, None, None, language))


def _footer(kit: SummaryKit, text: SummaryText, canvas, number: int, count: int) -> None:
    """The rule, confidentiality line and versions (the same on every page, replayed), then
    "Page N of M"."""
    if getattr(canvas, "replaying", False):
        replay(canvas, kit.recordings, ("footer", text.confidential),
               lambda c: _footer_fixed(kit, text, c))
    else:
        _footer_fixed(kit, text, canvas)
    layout, style = kit.layout, kit.styles["footer"]
    right = layout.page.width - layout.margins.right
    canvas.saveState()
    canvas.setFillColor(style.textColor)
    canvas.setFont(style.fontName, style.fontSize)
    baseline = layout.margins.bottom + style.leading * layout.footer.baselines[0]
    canvas.drawRightString(right, baseline, fill(text.page_label, {"page": number, "pages": count}))
    canvas.restoreState()


def _footer_context(kit: SummaryKit, text: SummaryText) -> dict:
    """What the footer's line may name: the edition's publication and review dates (as the
    brochure's colophon writes them) and, for a template that still wants them, versions."""
    edition = kit.edition(kit.language_of(text))
    standards = edition.standards

    def dated(day: dt.date | None) -> str:
        return standards.month_year(day) if standards and day else ""

    return {"published": dated(edition.date), "review": dated(edition.review_date),
            "rules": kit.rules.version, "tool": __version__, "content": edition.version}


def _footer_fixed(kit: SummaryKit, text: SummaryText, canvas) -> None:
    layout, style = kit.layout, kit.styles["footer"]
    left, right = layout.margins.left, layout.page.width - layout.margins.right
    y = layout.margins.bottom
    canvas.saveState()
    canvas.setStrokeColor(kit.palette("rule"))
    canvas.setLineWidth(layout.spacing.rule_width / 2)
    canvas.line(left, y + layout.footer.height, right, y + layout.footer.height)
    canvas.setFillColor(style.textColor)
    canvas.setFont(style.fontName, style.fontSize)
    versions = fill(text.versions_label, _footer_context(kit, text))
    first, second = (y + style.leading * line for line in layout.footer.baselines)
    canvas.drawString(left, first, versions)
    canvas.drawString(left, second, " ".join(text.confidential.split()))
    canvas.restoreState()
