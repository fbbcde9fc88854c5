"""Fitting one summary to its pages: the fewest of its text's reductions taken, else all of
them and the longest start of the patient's note that fits, found by measured layouts
(:mod:`.fitting` proposes each trial from the last one's overflow) or, for a record whose
own words surely run past its pages, inside the one rendering: where its layout reaches the
note, the cut is guessed from the room left on the page, the rendering goes on with it, and
the next longer start is measured from the guess's last paragraph (see
:meth:`_Fitting._rendered_with_note_fitted`). Also what a record that fits in no form is
told: the fields to shorten."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import replace
from functools import cached_property
from typing import NamedTuple

from reportlab.lib.styles import ParagraphStyle

from ..candidacy import Assessment
from ..errors import BrochureError, Problem, RecordFitError
from ..kinds import SUMMARY
from ..model.patient import PatientRecord
from ..model.summary import Note, SummaryBlock, SummaryText
from ..text import escape
from .archive import Declaration
from .backend.layout import (
    heights_at_least,
    page_of,
    space_on_page,
    stacked_height,
    width_key,
)
from .fitting import fewest_fitting, longest_fitting, remembered
from .paragraphs import fresh, lines_each_at_least, one_summary, summary_lines_not_kept
from .replay import FontSeed
from .summary import (
    RenderedSummary,
    SummaryKit,
    _block_flowables,
    _Built,
    _column_height,
    _context,
    _frame_height,
    _from_flowable,
    _IntoColumns,
    _placed,
    _render,
    _Resume,
    _summary_story,
    _SummaryDoc,
    _text_width,
    column_width,
)
from .summary_blocks import SummaryContext, note_paragraphs, note_style


def fitted(kit: SummaryKit, record: PatientRecord, assessment: Assessment,
            declaration: Declaration) -> RenderedSummary | None:
    """The summary on its pages, with as few reductions as it takes and the note cut as the
    last resort; None when even that runs past them. Most records fit at once; for the others
    the layout is measured (not drawn) to choose the form, which is then rendered once."""
    seed, text = kit.seed(record.language), kit.text(record.language)
    long = _may_fill_a_column(kit, record, assessment)
    fitting = _Fitting(kit, record, assessment, seed, declaration)
    # the patient's words parsed and wrapped once for every trial: from the start when the
    # record is long, else from its first trial (most records fit at once, and need none)
    with one_summary() if long else nullcontext():
        if long and fitting.surely_runs_over():  # not rendered in full: measured from the start
            return fitting.search(None)
        first = _render(kit, record, assessment, seed, limit=text.pages, declaration=declaration)
        if first.pages <= text.pages:
            return RenderedSummary(first.pdf)
        if long:
            return fitting.search(first.overflow)
    with one_summary():
        return fitting.search(first.overflow)


def _may_fill_a_column(kit: SummaryKit, record: PatientRecord, assessment: Assessment) -> bool:
    """Whether the record's own words (its note, the override reason) have at least as many
    characters as a column has lines of body text: fewer (a line holds one at least) cannot
    fill one, and are not measured (see :meth:`_Fitting.surely_runs_over`)."""
    characters = len(record.notes or "") + len(assessment.override_reason or "")
    return characters >= _column_height(kit.layout) / kit.styles["body"].leading


class _Fitting:
    """The search for the form of one summary that fits its pages (see :func:`fitted`): the
    fewest of the text's reductions taken in order, else all of them and the longest start of
    the note (ended at a space where one is near). Each trial is a measured layout; how far a
    trial ran over, set against what each reduction saves or what a character of the note is
    worth, proposes the next (see :mod:`.fitting`). Taking more never makes a summary longer,
    nor does a shorter note. The layouts with every reduction taken differ only from the note
    on: the first keeps its state there, and the others start from it (see :class:`_Resume`)."""

    def __init__(self, kit: SummaryKit, record: PatientRecord, assessment: Assessment,
                 seed: FontSeed | None, declaration: Declaration):
        self.kit, self.record, self.assessment = kit, record, assessment
        self.seed, self.declaration = seed, declaration
        self.text = kit.text(record.language)
        self.reductions = self.text.reductions
        self.note_heights: dict[tuple[str | None, tuple[str, ...]], float] = {}
        self.least_lines: dict[tuple[str, str, float], int] = {}
        self.floors: dict[tuple[str, bool], float | None] = {}
        self.settings: dict[bool, list[tuple[Note, ParagraphStyle, float]]] = {}
        self.unmeasured: str | None = None
        """A start of the note taken without being measured, for its rendering to check."""

    @cached_property
    def resume(self) -> _Resume | None:
        """Where the layouts of the shortest form start, after the first."""
        return _Resume.at_note(self.kit, self.text, self._reduced(len(self.reductions)))

    def surely_runs_over(self) -> bool:
        """Whether the record's own words alone (its note in its shortest form, and the
        physician's override reason), set in a column, are taller than a column of a later
        page: with all else a summary holds, its full form cannot fit, and is not rendered in
        full first. A wrong guess costs a measured layout, never a different summary."""
        kit = self.kit
        column = _column_height(kit.layout)
        floor = self._note_floor(self.record.notes or "", cut_only=False)
        if floor is not None and floor > column:  # its least height tells
            return True
        reason = 0.0
        if self.assessment.override_reason:
            width = column_width(kit.layout, _text_width(kit.layout))
            reason = stacked_height([fresh(escape(self.assessment.override_reason),
                                           kit.styles["body"])], kit.measuring_canvas, width)
        if floor is not None and floor + reason > column:
            return True
        return self._note_height(cut_only=False) + reason > column

    def search(self, overflow: float | None) -> RenderedSummary | None:
        """The summary in the first form that fits, given how far its full form ran over (None:
        not rendered, said to run over by :meth:`surely_runs_over`). Its shortest form is
        measured first when the full form was not: when that runs over, so does every form with
        the note whole, and the note is cut at once."""
        count, trial = len(self.reductions), self.trial
        if overflow is None:
            prepared = self._story_cut_at_note()
            if prepared is not None:  # rendered once, the note cut inside the rendering
                fitted = self._rendered_with_note_fitted(prepared)
                if not isinstance(fitted, _NotRendered):
                    return fitted
            shortest = trial(count)
            if shortest > 0:
                fitted = self._rendered_with_note_fitted()
                return None if isinstance(fitted, _NotRendered) else fitted
            known_over, overflow, start = -1, shortest, count  # none known to run over
        else:
            known_over, start = 0, 0
        savings = self._savings()

        def propose(taken: int, over: float) -> int:
            """Take further reductions until what they save covers the overflow; give back
            those whose saving the room left would hold."""
            while over > 0 and taken < count:
                over, taken = over - savings[taken], taken + 1
            while over < 0 and taken > known_over + 1 and savings[taken - 1] <= -over:
                over, taken = over + savings[taken - 1], taken - 1
            return taken

        taken = fewest_fitting(trial, known_over + 1, count, propose(start, overflow), propose)
        if taken is not None:
            return self._rendered(taken, None)
        fitted = self._rendered_with_note_fitted()
        return None if isinstance(fitted, _NotRendered) else fitted

    @cached_property
    def trial(self) -> Callable[[int], float]:
        """The overflow of the form with ``taken`` reductions and the note whole, measured
        once each."""
        return remembered(lambda taken: self._overflow(taken, None))

    def _story_cut_at_note(self) -> tuple[list, dict[str, list]] | None:
        """The shortest form's story, its note cut to nothing (the rendering replaces all from
        the note on, see :meth:`_rendered_with_note_fitted`), when the whole note surely runs
        past its pages: its flowables' least heights but the note's (see
        :func:`~.backend.layout.heights_at_least`), and the note's words' (see
        :meth:`_note_floor`), are more than its pages hold, the columns' share counted
        column by column. None when the whole note may fit, or its note cannot be cut in the
        rendering."""
        kit, layout, resume = self.kit, self.kit.layout, self.resume
        note = self._note_floor(self.record.notes or "", cut_only=False)
        wide = _text_width(layout)
        narrow = column_width(layout, wide)
        if resume is None or note is None or layout.columns is None or any(
                _block_width(kit, self.record.language, key, wide) != narrow
                for key, _ in self._note_blocks(cut_only=False)):
            return None
        story, firsts = self._shortest_story("", wide, replay=self.seed is not None)
        leaving = {id(f) for key, _ in self._note_blocks(cut_only=False)
                   for f in firsts.get(key, ())}
        at = next((n for n, f in enumerate(story) if isinstance(f, _IntoColumns)), len(story))
        canvas = kit.measuring_canvas
        with summary_lines_not_kept():  # (the rendering places these very paragraphs)
            above = heights_at_least(story[:at], canvas, wide, leaving)
            in_columns = heights_at_least(story[at:], canvas, narrow, leaving) + note
        columns = in_columns / layout.columns.count
        pages = (_frame_height(layout, layout.header.height)
                 + (self.text.pages - 1) * _column_height(layout))
        return (story, firsts) if above + columns > pages else None

    def _rendered_with_note_fitted(self, prepared: tuple[list, dict[str, list]] | None = None
                                   ) -> RenderedSummary | _NotRendered | None:
        """The shortest form rendered once, its note's cut chosen inside the rendering: when
        the layout reaches the note, its state is kept, the note's forms are measured from
        there (the whole note first when it may fit, then its starts, see
        :meth:`_longest_cut`), and the rendering goes on with the one found; from the story
        ``prepared`` when given (see :meth:`_story_cut_at_note`). :data:`_NOT_RENDERED`
        (nothing rendered) when the whole note fits that form, or the layout cannot be taken
        up at the note; None when no start of it fits."""
        taken, resume = len(self.reductions), self.resume
        if resume is None or not self.record.notes:
            return _NOT_RENDERED if self.trial(taken) <= 0 else self._cut_note(
                self.trial(taken))
        cutting = _CutInRendering(self, resume, prepared)
        try:
            with summary_lines_not_kept():  # (the last layout: no paragraph is wrapped again)
                built = _render(self.kit, self.record, self.assessment, self.seed,
                                reduced=self._reduced(taken), limit=self.text.pages,
                                declaration=self.declaration, resume=resume,
                                at_note=cutting.at_note, prepared=prepared)
        except _WholeNoteFitsError:
            return _NOT_RENDERED
        except _NoCutFitsError:
            return None
        if cutting.cut is None:  # the note was never reached where the state could be kept
            return _NOT_RENDERED if prepared is not None or built.pages <= self.text.pages \
                else self._cut_note(self.trial(taken))
        if (built.pages > self.text.pages and self.unmeasured == cutting.cut) or \
                cutting.pending is not None:  # a guess too long, or its next start unmeasured
            return self._cut_note(cutting.overflow, cutting.available)  # (measured this time)
        return _checked(built, self.text.pages, len(cutting.cut))

    def _last_paragraph(self, note: list, cut: str) -> int | None:
        """Which of the cut note block's own flowables ``note``, its note cut to ``cut``, is
        the last paragraph of the note's words (the ending follows it); None when the block
        sets no paragraph apart (all in one box, or none)."""
        blocks = self._note_blocks(cut_only=True)
        if len(blocks) != 1 or blocks[0][1].box:
            return None
        block = blocks[0][1]
        count = len(note_paragraphs(block, cut))
        last = len(note) - 2  # (a cut note ends with its ending, after its last paragraph)
        return last if count and last - count + 1 >= 0 else None

    def _shortest_story(self, notes: str, width: float, replay: bool = True,
                        from_key: str | None = None, built: dict[str, list] | None = None
                        ) -> tuple[list, dict[str, list]]:
        """The shortest form's story (from block ``from_key`` on, when given), its note cut to
        ``notes``, for a rendering ``width`` wide; and each block's own flowables, by key
        (``built``: those already made, taken as they are)."""
        firsts: dict[str, list] = {}
        story = _summary_story(self.kit, self._with_notes(notes), self.assessment, width,
                               self._reduced(len(self.reductions)), note_cut=True,
                               replay=replay, firsts=firsts, from_key=from_key, built=built)
        return story, firsts

    def _with_notes(self, notes: str | None) -> PatientRecord:
        """The record with its note cut to ``notes`` (None: as it is)."""
        return self.record if notes is None else self.record.model_copy(update={"notes": notes})

    def _reduced(self, taken: int) -> frozenset[str]:
        return frozenset(self.reductions[:taken])

    def _overflow(self, taken: int, notes: str | None, resume: _Resume | None = None,
                  only_whether: bool = False) -> float:
        """How far the summary runs over its pages (at most 0: it fits) with the first
        ``taken`` reductions and the note cut to ``notes`` (None: whole), by a measured
        layout (from ``resume`` when given, else from the note once its state is kept).
        ``only_whether``: a layout that runs over stops at the first flowable its last page
        surely cannot hold, and says only that it runs over (:data:`_SOME_OVERFLOW`)."""
        record = self._with_notes(notes)
        if resume is None and taken == len(self.reductions):
            resume = self.resume
        built = _render(self.kit, record, self.assessment, None, reduced=self._reduced(taken),
                        note_cut=notes is not None, limit=self.text.pages, measure=True,
                        resume=resume, stop_when_over=only_whether)
        if built.pages > self.text.pages:
            return max(built.overflow - built.room, _SOME_OVERFLOW)
        return -built.room

    def _rendered(self, taken: int, notes: str | None) -> RenderedSummary:
        """The summary in the form found, rendered (and checked to fit, as a measure said)."""
        record = self._with_notes(notes)
        built = _render(self.kit, record, self.assessment, self.seed,
                        reduced=self._reduced(taken), note_cut=notes is not None,
                        limit=self.text.pages, declaration=self.declaration)
        return _checked(built, self.text.pages, None if notes is None else len(notes))

    def _savings(self) -> list[float]:
        """How much height each reduction in turn saves (its blocks' full form against their
        shorter one, each measured alone)."""
        ctx = self._context(note_cut=False)
        full = _placed(self.text.blocks, frozenset())
        short = _placed(self.text.blocks, self._reduced(len(self.reductions)))
        return [_height(self.kit, ctx, _of(full, name, self.text)) -
                _height(self.kit, ctx, _of(short, name, self.text)) for name in self.reductions]

    def _context(self, note_cut: bool, notes: str | None = None) -> SummaryContext:
        """The summary's context (the note cut to ``notes`` when given)."""
        kit, record = self.kit, self._with_notes(notes)
        ctx = _context(kit, self.text, record, self.assessment, _text_width(kit.layout))
        return replace(ctx, note_cut=note_cut, recordings=kit.recordings)

    def _note_blocks(self, cut_only: bool) -> list[tuple[str, Note]]:
        """The note's blocks in the shortest form: every one when not ``cut_only``, else
        those that may be cut."""
        return [(name, b) for name, b in _placed(self.text.blocks, self._reduced(len(
            self.reductions))) if isinstance(b, Note) and (b.cut or not cut_only)]

    def _note_floor(self, notes: str, cut_only: bool) -> float | None:
        """The least height the note's paragraphs take with the note cut to ``notes`` (their
        lines at the least, see :func:`~.paragraphs.lines_at_least`; no heading, no space
        between them), found without breaking them into lines; None when that cannot be
        known."""
        if (notes, cut_only) not in self.floors:
            self.floors[notes, cut_only] = self._least_note_height(notes, cut_only)
        return self.floors[notes, cut_only]

    def _least_note_height(self, notes: str, cut_only: bool) -> float | None:
        """:meth:`_note_floor`, found."""
        total = 0.0
        for block, style, width in self._note_settings(cut_only):
            paragraphs = note_paragraphs(block, notes)  # each known once (cuts share them)
            new = [p for p in paragraphs if (p, style.name, width) not in self.least_lines]
            counts = lines_each_at_least(new, style, width) if new else []
            if counts is None:
                return None
            self.least_lines.update(
                ((p, style.name, width), n) for p, n in zip(new, counts, strict=True))
            total += style.leading * sum(self.least_lines[p, style.name, width]
                                         for p in paragraphs)
        return total

    def _note_settings(self, cut_only: bool) -> list[tuple[Note, ParagraphStyle, float]]:
        """Each note block of :meth:`_note_blocks`, with the style and width it sets its
        paragraphs in."""
        if cut_only not in self.settings:
            kit = self.kit
            self.settings[cut_only] = [
                (block, note_style(block, kit.styles),
                 _block_width(kit, self.record.language, key, _text_width(kit.layout)))
                for key, block in self._note_blocks(cut_only)]
        return self.settings[cut_only]

    def _room_for_note(self, doc: _SummaryDoc, resume: _Resume,
                       rest: tuple[list, dict[str, list]] | None = None) -> float | None:
        """Where the layout of the shortest form has reached its note (kept in ``resume``) on
        its last page: the height the note's words may take, estimated as the room left on
        the page less what the note's heading and ending and everything after it take set
        one under the other, when the whole note surely runs over (its least height and the
        least height of all after it are more than the room left); None when it may fit (or
        cannot be told from here). ``rest``: the story from the note on with the note cut to
        nothing, and its blocks' flowables, when the rendering has it."""
        kit, state = self.kit, resume.state
        whole = self._note_floor(self.record.notes or "", cut_only=True)
        if state is None or whole is None or page_of(state) != self.text.pages:
            return None
        spaces = space_on_page(state)
        width = _block_width(kit, self.record.language, resume.key, _text_width(kit.layout))
        if any(width_key(frame_width) != width_key(width) for frame_width, _ in spaces):
            return None
        after, firsts = rest if rest is not None else self._shortest_story(
            "", doc.width, from_key=resume.key)
        room = sum(height for _, height in spaces)
        note_own = {id(f) for f in firsts.get(resume.key, ())}
        canvas = kit.measuring_canvas
        if whole + heights_at_least(after, canvas, width, leaving=note_own) <= room:
            return None
        return room - stacked_height(after, canvas, width)

    def _note_height(self, notes: str | None = None, cut_only: bool = True) -> float:
        """The height of the note's block in the shortest form, set alone in its column, with
        the note cut to ``notes`` (None: whole); every note block when not ``cut_only``,
        else those that may be cut. Measured once each (a long note's wrapping is most of
        it)."""
        note = self._note_blocks(cut_only)
        key = (notes, tuple(name for name, _ in note))
        if key not in self.note_heights:
            context = self._context(notes is not None, notes)
            self.note_heights[key] = _height(self.kit, context, note)
        return self.note_heights[key]

    def _cut_note(self, overflow: float, available: float | None = None
                  ) -> RenderedSummary | None:
        """All reductions taken and the note cut: its longest start that fits (see
        :meth:`_longest_cut`), rendered. A character of the note is taken to be worth the
        note's height over its length, which makes the estimate fall short (the heading
        counts in that height, and a cut's last line is seldom full): the first start at least
        as long as the estimate is tried first."""
        cut = self._longest_cut(overflow, available)
        return None if cut is None else self._rendered(len(self.reductions), cut)

    def _longest_cut(self, overflow: float, available: float | None = None,
                     checked: bool = False) -> str | None:
        """The longest start of the note that fits the shortest form (see :meth:`_cut_plan`;
        None when none fits). ``checked``: the rendering that follows tells whether the start
        found fits, so the first start is taken without being measured when the next longer
        runs over (noted in :attr:`unmeasured`)."""
        plan = self._cut_plan(overflow, available)
        if plan is None:
            return None
        cuts, first = plan.cuts, plan.first
        trial = remembered(lambda i: self._overflow(len(self.reductions), cuts[i]))
        if checked and (first == len(cuts) - 1 or trial(first + 1) > 0):
            self.unmeasured = cuts[first]
            return cuts[first]
        if checked:  # the next longer fits: so does the first, and the search starts there
            first += 1
        longest = longest_fitting(trial, 0, len(cuts) - 1, first, plan.propose)
        return None if longest is None else cuts[longest]

    def _cut_plan(self, overflow: float, available: float | None = None) -> _CutPlan | None:
        """The starts of the note a cut may keep, and the first to try, in the shortest form
        whose whole note ran over by ``overflow`` (see :meth:`_cut_note`), or (``available``
        given, the whole not measured) whose words may take about ``available`` in height:
        the shortest start whose least height (see :meth:`_note_floor`) reaches it. None when
        the note cannot be cut."""
        notes = self.record.notes
        if not notes or not self._note_blocks(cut_only=True):
            return None
        cuts = _note_cuts(notes)
        lengths = [len(cut) for cut in cuts]
        if available is None:
            whole = self._note_height()
            ending = self._note_height("")  # the cut's words alone
            per_character = max(whole, 1.0) / len(notes)
            first = bisect_left(lengths, (whole - ending - overflow) / per_character)
        else:
            def floor(index: int) -> float:
                return self._note_floor(cuts[index], cut_only=True) or 0.0
            per_character = max(floor(len(cuts) - 1), 1.0) / len(notes)
            first = bisect_left(range(len(cuts)), available, key=floor)

        def propose(index: int, over: float) -> int:
            return bisect_right(lengths, lengths[index] - over / per_character) - 1
        return _CutPlan(cuts, min(first, len(cuts) - 1), propose)


class _CutInRendering:
    """The note's cut chosen inside the rendering of the shortest form (see
    :meth:`_Fitting._rendered_with_note_fitted`): :meth:`at_note` is called where the layout
    reaches the note, :meth:`at_last_paragraph` where it reaches the guessed start's last
    paragraph; each replaces the flowables left to place."""

    def __init__(self, fitting: _Fitting, resume: _Resume,
                 prepared: tuple[list, dict[str, list]] | None):
        self.fitting, self.resume, self.prepared = fitting, resume, prepared
        self.taken = len(fitting.reductions)
        self.cut: str | None = None
        """The start of the note the rendering goes on with (None: not yet chosen)."""
        self.overflow: float = 0.0
        self.available: float | None = None
        """The note's measures the start was chosen by (see :meth:`_Fitting._cut_plan`)."""
        self.pending: tuple[_CutPlan, int] | None = None
        """The plan of a start taken unmeasured, and its last paragraph's place among the
        note block's flowables, until the next longer start is measured there."""
        self.unplaced = None if prepared is None else {  # (only wrapped: the story's own)
            key: prepared[1][key] for key, block in _placed(fitting.text.blocks, fitting._reduced(
                self.taken)) if key in prepared[1] and not fitting.kit.reads_note(block)}

    def story_from(self, doc: _SummaryDoc, cut: str, start: int = 0) -> tuple[list, list]:
        """The story from the note on (from its ``start``-th own flowable), the note cut to
        ``cut``, for the rendering, and the note block's own flowables."""
        story, own = self.fitting._shortest_story(cut, doc.width, from_key=self.resume.key,
                                                  built=self.unplaced)
        note = own[self.resume.key]
        return (_from_flowable(story, note[start]) if start else story), note

    def at_note(self, doc: _SummaryDoc, flowables: list) -> None:
        """Keep the layout's state; guess the start from the room left (the whole note
        measured first when it may fit) and go on with it, its next longer start measured
        further on; or, where that cannot be, with the longest start measured from here."""
        fitting, resume = self.fitting, self.resume
        if doc.kept is None:  # no state to take up: the rendering goes on, and the cut is
            return  # found by measured layouts (see _rendered_with_note_fitted)
        resume.state, resume.overflow, resume.room = doc.kept
        rest = None if self.prepared is None else (list(flowables), self.prepared[1])
        self.available = fitting._room_for_note(doc, resume, rest)
        if self.available is None:  # the whole note may fit: measured
            self.overflow = fitting.trial(self.taken)
            if self.overflow <= 0:
                raise _WholeNoteFitsError
        plan = fitting._cut_plan(self.overflow, self.available)
        if plan is None:
            raise _NoCutFitsError
        # the first start taken unmeasured (the rendering checks it fits); whether the next
        # longer runs over is measured from the first start's last paragraph on (those
        # before it are every longer start's too: the rendering places them)
        cut = plan.cuts[plan.first]
        story, note = self.story_from(doc, cut)
        last = fitting._last_paragraph(note, cut)
        if plan.first == len(plan.cuts) - 1 or last is None or not any(
                flowable is note[last] for flowable in story):  # measured from the note
            found = fitting._longest_cut(self.overflow, self.available, checked=True)
            if found is None:
                raise _NoCutFitsError
            cut = found
            story, _ = self.story_from(doc, cut)
        else:
            fitting.unmeasured = cut
            self.pending = (plan, last)
            doc.keep_before, doc.at_kept = note[last], self.at_last_paragraph
        self.cut = cut
        flowables[:] = story

    def at_last_paragraph(self, doc: _SummaryDoc, flowables: list) -> None:
        """Measure whether the next longer start runs over, from here; when it fits, go on
        with the longest start that does (every one shares the paragraphs placed)."""
        assert self.pending is not None
        fitting, (plan, start) = self.fitting, self.pending
        self.pending = None
        kept, block = doc.kept, fitting._note_blocks(cut_only=True)[0][1]
        shared = self.resume if kept is None else replace(
            self.resume, state=kept[0], overflow=kept[1], room=kept[2], start=start,
            paragraph=len(note_paragraphs(block, plan.cuts[plan.first])) - 1)
        good = plan.first
        over = fitting._overflow(self.taken, plan.cuts[good + 1], shared, only_whether=True)
        if over > 0:
            return
        measured = {good + 1: over}  # (it fits: measured in full)
        trial = remembered(lambda i: measured[i] if i in measured else fitting._overflow(
            self.taken, plan.cuts[i], shared))
        longest = longest_fitting(trial, good + 1, len(plan.cuts) - 1, good + 1, plan.propose)
        self.cut = plan.cuts[good + 1 if longest is None else longest]
        fitting.unmeasured = None
        flowables[:], _ = self.story_from(doc, self.cut, start)


def _checked(built: _Built, pages: int, printed: int | None) -> RenderedSummary:
    """A rendering of the form a search found, checked to fit its ``pages`` (as measured);
    ``printed``: how many of the note's characters it prints, when it was cut."""
    if built.pages > pages:
        raise AssertionError("a summary that measured to fit its pages ran over them")
    return RenderedSummary(built.pdf, printed)


class _CutPlan(NamedTuple):
    """The starts of a note a cut may keep (shortest first), the one to try first, and what
    proposes the next after one ran over by an overflow (see :mod:`.fitting`)."""

    cuts: list[str]
    first: int
    propose: Callable[[int, float], int]


class _WholeNoteFitsError(Exception):
    """A rendering that fits its note at the note gives up: the whole note fits the shortest
    form."""


class _NoCutFitsError(Exception):
    """No start of the note fits the shortest form."""


class _NotRendered:
    """What :meth:`_Fitting._rendered_with_note_fitted` gives when it rendered nothing (the
    whole note fits the shortest form, or the note could not be cut in the rendering)."""


_NOT_RENDERED = _NotRendered()


_SOME_OVERFLOW = 1.0
"""The least overflow a layout that runs over is said to have: what it took past its pages
less the room it left before them, which can be nothing when a block kept whole moved on."""


def _note_cuts(notes: str) -> list[str]:
    """The starts of the note a cut may keep, shortest first: none of it, then each start that
    ends at the end of a sentence or of an item (a paragraph, a numbered line), never in the
    middle of one. A note with no such end before its last (words without a full stop) is cut
    at a space instead (:func:`_word_cuts`)."""
    ends = {0}
    for found in _SENTENCE_END.finditer(notes):
        line = notes[notes.rfind("\n", 0, found.start()) + 1:found.end()]
        if not _ITEM_NUMBER.fullmatch(line):  # "3." opening an item ends nothing
            ends.add(found.end())
    ends.update(len(notes[:found.start()].rstrip()) for found in re.finditer("\n", notes))
    whole = len(notes.rstrip())
    cuts = sorted({notes[:end].rstrip() for end in ends if end < whole}, key=len)
    return cuts if len(cuts) > 1 else _word_cuts(notes)


_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s|$)")
"""The end of a sentence: its mark, and any closing quote or bracket after it."""
_ITEM_NUMBER = re.compile(r"\s*\d{1,3}[.)]")
"""A line so far that is only an item's number ("12."): its full stop ends no sentence."""


def _word_cuts(notes: str) -> list[str]:
    """Every distinct start of the note, shortest first: for each length short of the whole,
    its first characters ended at their last space when that is within :data:`_WORD_REACH` of
    the end (a word is never cut in two unless it is very long), trailing spaces dropped."""
    ends, last_space = [], -1
    for length in range(len(notes)):
        if length and notes[length - 1] in " \n":
            last_space = length - 1
        end = last_space if last_space > length - _WORD_REACH else length
        if end < 0:  # no space yet: the slice to it (-1) drops the start's last character
            end = max(length - 1, 0)
        while end > 0 and notes[end - 1].isspace():
            end -= 1
        ends.append(end)
    return [notes[:end] for end in sorted(set(ends))]


def _of(placed: list[tuple[str, SummaryBlock]], reduction: str, text: SummaryText
        ) -> list[tuple[str, SummaryBlock]]:
    """The placed blocks that belong to the top-level reducible blocks named ``reduction``."""
    indices = {i for i, b in enumerate(text.blocks)
               if b.type == "reducible" and b.id == reduction}
    return [(key, b) for key, b in placed if _top_index(key) in indices]


_TOP = re.compile(r"b(\d+)")


def _top_index(key: str) -> int:
    """The index in the text's blocks of the top-level block a placed block's key names."""
    found = _TOP.match(key)
    assert found is not None, key
    return int(found.group(1))


def _height(kit: SummaryKit, ctx: SummaryContext,
            placed: Sequence[tuple[str, SummaryBlock]]) -> float:
    """The height some placed blocks take, set one after the other alone (in a column's width
    when they come after the columns start, as in :func:`_story`)."""
    total = 0.0
    for key, block in placed:
        context, width = ctx, _block_width(kit, ctx.record.language, key, ctx.block.width)
        if width != ctx.block.width:
            context = replace(ctx, block=replace(ctx.block, width=width))
        total += stacked_height(_block_flowables(kit, context, key, block, True),
                                kit.measuring_canvas, width)
    return total


def _block_width(kit: SummaryKit, language: str, key: str, width: float) -> float:
    """The width a placed block is set in: a column's when it comes after the columns start
    (see :func:`_story`), else ``width``."""
    if _top_index(key) >= _columns_start(kit, language):
        return column_width(kit.layout, width)
    return width


def _columns_start(kit: SummaryKit, language: str) -> int:
    """The index of the first top-level block set in columns (past the last when none is)."""
    columns, blocks = kit.layout.columns, kit.text(language).blocks
    if columns is None:
        return len(blocks)
    return next((i + 1 for i, b in enumerate(blocks) if b.type == columns.after), 0)


_OWN_TEXT = ("name", "override_reason", "notes")
"""The record's fields of free text, which a summary prints as given (the note cut to fit)."""


def unfit(kit: SummaryKit, record: PatientRecord, assessment: Assessment) -> BrochureError:
    """Why no summary fits its pages: the record's fields whose text takes the room (see
    :func:`_fields_to_blame`), or the layout, when a record with all of them short does not fit
    either."""
    pages = kit.text(record.language).pages
    given = tuple(name for name in _OWN_TEXT if getattr(record, name))
    if not given or not _fits_with_short(kit, record, assessment, given):
        return BrochureError(Problem(
            f"this layout cannot hold a summary in its {pages} pages, even with every "
            f"shorter form summary.yaml declares taken: its type, spacing and margins leave "
            f"too little room; expected sizes near the shipped layout's",
            f"layouts/{kit.layout.name}.yaml"))
    return _fields_to_blame(kit, record, assessment, given, pages)


def _fields_to_blame(kit: SummaryKit, record: PatientRecord, assessment: Assessment,
                     given: tuple[str, ...], pages: int) -> RecordFitError:
    """The fields printed whole (name, override reason) whose shortening alone lets the
    summary fit, the note cut as usual; else those fields together; else every field given,
    the note too."""
    whole = tuple(name for name in given if name != "notes")
    alone = tuple(name for name in whole if _fits_with_short(kit, record, assessment, (name,)))
    if alone:
        return _record_fit_error(alone, pages, "shorten it" if len(alone) == 1 else
                                 "shorten one of them")
    if whole and _fits_with_short(kit, record, assessment, whole):
        return _record_fit_error(whole, pages, "shorten them")
    return _record_fit_error(given, pages, "shorten them")


def _record_fit_error(fields: tuple[str, ...], pages: int, hint: str) -> RecordFitError:
    """The error naming the fields to shorten, and how many of them (``hint``)."""
    if len(fields) == 1:
        verb = "take" if fields[0] == "notes" else "takes"
        return RecordFitError(fields, (
            f"the record's {fields[0]} {verb} too much room to set in the summary's {pages} "
            f"pages with the rest of the record, even with every shorter form taken; {hint}"))
    named = ", ".join(fields[:-1]) + f" and {fields[-1]}"
    return RecordFitError(fields, (
        f"the record's {named} take too much room together to set in the summary's {pages} "
        f"pages, even with every shorter form taken; {hint}"))


def _fits_with_short(kit: SummaryKit, record: PatientRecord, assessment: Assessment,
                     fields: tuple[str, ...]) -> bool:
    """Whether the summary fits its pages with ``fields`` of the record one character long
    (the note left out)."""
    short = {name: None if name == "notes" else "A" for name in fields}
    record = record.model_copy(update=short)
    if "override_reason" in fields:
        assessment = replace(assessment, override_reason="A", groups=tuple(
            replace(g, reasons=("A",)) if g.kind == "doctors_view" and g.reasons else g
            for g in assessment.groups))
    return fitted(kit, record, assessment, Declaration.of(SUMMARY)) is not None


_WORD_REACH = 30
"""How far back a cut note looks for a space to end at."""
