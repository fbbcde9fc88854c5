"""Fitting a summary to its pages: the search finds the same form a plain scan would, in few
trials when its guess is good; a summary that runs over is measured, not rendered, while its
form is chosen, and its PDF is written once; the note is cut to the longest start that fits;
a patient's words parsed during the search are kept for that summary alone."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brochure.candidacy import assess
from brochure.records import to_record
from brochure.render import fitting, summary, summary_fit
from brochure.render.backend.document import BrochureDocument
from brochure.summaries import summarize, summary_kit

from .conftest import PROJECT, examples, read_yaml


def _fits_up_to(answer: int, calls: list[int]):
    """A trial whose forms fit up to ``answer`` (overflow grows by one per step past it)."""
    def trial(n: int) -> float:
        calls.append(n)
        return n - answer - 0.5
    return trial


@pytest.mark.parametrize("low,high", [(0, 0), (0, 1), (0, 9), (2, 13), (1, 7)])
def test_the_longest_fitting_form_is_what_a_scan_finds_whatever_the_guesses(low, high):
    """Every answer (none fits, all fit, any in between), every first guess, and proposals
    that are exact, wild or stuck: the result is the largest fitting n, each trial in range."""
    proposals = [lambda n, over: n - round(over), lambda n, over: n + 17,
                 lambda n, over: low - 5, lambda n, over: n]
    for answer, first, propose in itertools.product(range(low - 1, high + 2),
                                                    range(low - 2, high + 3), proposals):
        calls: list[int] = []
        found = fitting.longest_fitting(fitting.remembered(_fits_up_to(answer, calls)), low,
                                        high, first, propose)
        scan = max((n for n in range(low, high + 1) if n <= answer), default=None)
        assert found == scan, (answer, first)
        assert all(low <= n <= high for n in calls)


def test_a_good_guess_costs_two_trials_and_a_poor_one_few_more():
    calls: list[int] = []
    found = fitting.longest_fitting(_fits_up_to(40, calls), 0, 300, 40,
                                    lambda n, over: n - round(over))
    assert (found, calls) == (40, [40, 41])
    calls.clear()  # off by 30: the overflow's proposal lands on the answer, then its neighbour
    assert fitting.longest_fitting(_fits_up_to(40, calls), 0, 300, 70,
                                   lambda n, over: n - round(over)) == 40
    assert len(calls) <= 3


def test_the_fewest_reductions_are_what_a_scan_finds():
    for needed, first in itertools.product(range(0, 9), range(-1, 10)):
        def trial(taken: int, needed: int = needed) -> float:
            return needed - taken - 0.5  # fits once `needed` are taken
        found = fitting.fewest_fitting(fitting.remembered(trial), 1, 7, first,
                                       lambda n, over: n + round(over + 0.5))
        assert found == (max(needed, 1) if needed <= 7 else None), (needed, first)


def test_the_worst_case_is_written_once_and_its_note_is_the_longest_start_that_fits(monkeypatch):
    record = read_yaml((PROJECT / "content/patients/worst-case.yaml").read_text())
    written, built = [], []
    format_pdf, render = BrochureDocument.format, summary._render

    def counted_format(self):
        written.append(1)
        return format_pdf(self)

    def counted_render(*args, **kwargs):
        built.append(kwargs.get("measure", False))
        return render(*args, **kwargs)
    summarize(record)  # the kit calibrated and the recordings made before counting
    monkeypatch.setattr(BrochureDocument, "format", counted_format)
    monkeypatch.setattr(summary_fit, "_render", counted_render)
    result = summarize(record)
    assert len(written) == 1, "the summary's PDF is written once"
    assert built.count(False) == 1, "its words fill more than a column: only the form chosen " \
        "is rendered, the rest measured"
    assert built.count(True) == 1, "from the note, inside the one rendering: the start " \
        "one longer than the cut guessed from the room left, which runs over (its shortest " \
        "form is not measured: the least heights of its flowables and its whole note are " \
        "more than two pages hold; the cut itself is checked by the rendering)"
    printed = int(result.warnings[-1].split("the first ")[1].split(" of")[0])
    cuts = summary_fit._note_cuts(record["notes"])
    longer = next(cut for cut in cuts if len(cut) > printed)  # the next start, a word longer
    longer_record = to_record({**record, "notes": longer})
    kit = summary_kit()
    rendered = render(kit, longer_record, assess(longer_record, kit.rules), kit.seed("es"),
                      reduced=frozenset(kit.text("es").reductions), note_cut=True, limit=2)
    assert rendered.pages > 2, "a note one word longer runs past the two pages"


def test_a_patients_words_are_kept_for_their_summary_alone():
    """What the search keeps of a patient's note is gone once the summary is made, and never
    in the process's own store of content text."""
    from brochure.render.paragraphs import _ONE_SUMMARY
    from brochure.render.parse_cache import PARSED, WRAPPED

    record = read_yaml((PROJECT / "content/patients/worst-case.yaml").read_text())
    marker = "Zyxwvutsrq"
    record["notes"] = f"{marker} said the knee locks. " + record["notes"][:1900]
    summarize(record)
    assert _ONE_SUMMARY.get() is None
    assert not any(marker in text for text in PARSED.texts())
    assert all(marker not in str(key) for key in WRAPPED._entries)


def _worst_case():
    kit = summary_kit()
    record = to_record(read_yaml((PROJECT / "content/patients/worst-case.yaml").read_text()))
    return kit, record, assess(record, kit.rules)


def test_a_layout_started_at_the_note_measures_as_one_laid_out_from_the_start():
    """The layouts of the shortest form keep their state before the note, and those after
    the first start there: for cuts of every length, the same pages, overflow and room."""
    kit, record, assessment = _worst_case()
    text = kit.text(record.language)
    reduced = frozenset(text.reductions)
    resume = summary._Resume.at_note(kit, text, reduced)
    assert resume is not None
    summary._render(kit, record, assessment, None, reduced=reduced, limit=text.pages,
                    measure=True, resume=resume)
    assert resume.state is not None, "the state before the note is kept"
    cuts = summary_fit._note_cuts(record.notes)
    for cut in cuts:
        cut_record = record.model_copy(update={"notes": cut})
        started, whole = (summary._render(kit, cut_record, assessment, None, reduced=reduced,
                                          note_cut=True, limit=text.pages, measure=True,
                                          resume=given) for given in (resume, None))
        assert (started.pages, started.overflow, started.room) == \
            (whole.pages, whole.overflow, whole.room), len(cut)


def _plain_form(kit, record, assessment) -> tuple[int, str | None]:
    """The form a plain search finds, every trial laid out from the start: the fewest
    reductions (a scan), else all and the longest note cut (a bisection)."""
    text = kit.text(record.language)
    reductions = text.reductions

    def fits(taken: int, notes: str | None) -> bool:
        cut = record if notes is None else record.model_copy(update={"notes": notes})
        built = summary._render(kit, cut, assessment, None,
                                reduced=frozenset(reductions[:taken]), note_cut=notes is not None,
                                limit=text.pages, measure=True)
        return built.pages <= text.pages
    taken = next((n for n in range(len(reductions) + 1) if fits(n, None)), None)
    if taken is not None:
        return taken, None
    cuts = summary_fit._note_cuts(record.notes)
    low, high = 0, len(cuts) - 1  # cuts[low] fits (checked below), the longest that does
    assert fits(len(reductions), cuts[0])
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(len(reductions), cuts[middle]) else (low, middle - 1)
    return len(reductions), cuts[low]


@pytest.mark.parametrize("notes", [2000, 1400, 700, 300])
def test_the_summary_is_the_form_a_plain_search_finds(notes):
    """Records measured from the start (words that fill a column) or rendered first: the bytes
    of the form a plain search finds, laid out from the start every time."""
    from brochure.render.archive import Declaration

    kit, record, assessment = _worst_case()
    if notes < 2000:  # an ordinary record (English, no override) with a long note
        plain = to_record({"id": "B-000001", "name": "Ana Okafor", "date_of_birth": "1950-03-12",
                           "visit_date": "2026-11-02", "knee": "left", "kl_grade": 3, "pain": 6,
                           "symptom_months": 12, "pt_weeks": 8, "bmi": 31.0,
                           "notes": record.notes[:notes]})
        record, assessment = plain, assess(plain, kit.rules)
    text = kit.text(record.language)
    taken, notes_kept = _plain_form(kit, record, assessment)
    cut = record if notes_kept is None else record.model_copy(update={"notes": notes_kept})
    expected = summary._render(kit, cut, assessment, kit.seed(record.language),
                               reduced=frozenset(text.reductions[:taken]),
                               note_cut=notes_kept is not None, limit=text.pages,
                               declaration=Declaration.of(summary.SUMMARY))
    found = summary.render_summary_pdf(kit, record, assessment)
    assert found.pdf == expected.pdf
    assert found.note_printed == (None if notes_kept is None else len(notes_kept))


def test_only_a_record_whose_words_fill_a_column_is_measured_before_it_is_rendered():
    """The worst case's note and override reason fill more than a column; a short note, or
    a few lines of one, do not."""
    kit, record, assessment = _worst_case()
    assert summary_fit._Fitting(kit, record, assessment, None, None).surely_runs_over()
    plain = replace(assessment, override_reason=None)
    for notes in ("Keep walking every day.", record.notes[:300]):
        short = record.model_copy(update={"notes": notes})
        assert not summary_fit._Fitting(kit, short, plain, None, None).surely_runs_over()
    assert not summary_fit._may_fill_a_column(kit, short.model_copy(update={
        "notes": "Keep walking every day."}), plain), "a few words are not even measured"


_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíñóúüABCÑ.,;:¿?¡!'()0123456789-",
                 min_size=1, max_size=30)


@given(paragraphs=st.lists(st.lists(_WORDS, min_size=1, max_size=60).map(" ".join),
                           min_size=1, max_size=4),
       width=st.floats(min_value=60, max_value=400))
@settings(max_examples=examples(150))
def test_the_least_lines_of_a_note_are_never_more_than_reportlab_breaks_it_into(paragraphs,
                                                                                width):
    """What lets a long note be cut inside the one rendering: the least lines found from the
    words' widths never exceed the lines ReportLab's own line breaking makes (else a note
    that fits would be said to run over)."""
    from brochure.render.paragraphs import fresh, lines_at_least
    from brochure.text import escape

    style = summary_kit().styles["body"]
    least = lines_at_least(paragraphs, style, width)
    assert least is not None, "every character is the body font's own"
    broken = sum(len(fresh(escape(text), style).breakLines([width]).lines)  # ReportLab's own
                 for text in paragraphs)
    assert least <= broken
    assert least >= len(paragraphs)


def test_the_least_lines_are_not_told_for_a_note_in_another_script():
    from brochure.render.paragraphs import lines_at_least

    style = summary_kit().styles["body"]
    assert lines_at_least(["Camine diez minutos."], style, 200) == 1
    assert lines_at_least(["नमस्ते, घुटने का दर्द"], style, 200) is None  # shaped, another font
    assert lines_at_least(["diez\u00a0minutos"], style, 200) is None  # no break at a no-break space


@pytest.mark.parametrize("guess", ["too long", "too short", "a few lines short"])
def test_a_wrong_first_guess_of_the_cut_costs_time_never_a_different_summary(monkeypatch,
                                                                             guess):
    """The note's cut is guessed where the rendering reaches the note; the rendering itself
    checks a guess taken unmeasured, and the next longer start is measured from the guess's
    last paragraph. A guess too long (every start said to fit: the rendering runs over and
    the cut is searched again, measured), too short (nothing said to fit) or a few lines short
    (the longer starts measured from that paragraph, the rendering going on with the one
    found) gives the very bytes the guess from the room left gives."""
    record = read_yaml((PROJECT / "content/patients/worst-case.yaml").read_text())
    expected = summarize(record)
    room_for_note = summary_fit._Fitting._room_for_note

    def guessed(self, *args, **kwargs):
        found = room_for_note(self, *args, **kwargs)
        if found is None:
            return None
        return {"too long": 1e6, "too short": 0.0}.get(guess, found - 60)
    monkeypatch.setattr(summary_fit._Fitting, "_room_for_note", guessed)
    rendered: list[bool] = []
    render = summary._render
    monkeypatch.setattr(summary_fit, "_render", lambda *args, **kwargs: rendered.append(
        kwargs.get("measure", False)) or render(*args, **kwargs))
    result = summarize(record)
    assert result.pdf == expected.pdf and result.warnings == expected.warnings
    assert rendered.count(False) == (2 if guess == "too long" else 1)


def test_a_note_is_cut_by_measuring_when_the_layout_cannot_be_kept_at_it(monkeypatch):
    """Where the layout's state cannot be kept at the note (a layout with a frame chosen
    ahead, or a flowable held back), the cut is found by measured layouts instead: the same
    summary. Before, the rendering gave up as if the whole note fitted, and the record was
    refused as too long to print."""
    record = read_yaml((PROJECT / "content/patients/worst-case.yaml").read_text())
    expected = summarize(record)
    monkeypatch.setattr(summary, "layout_state", lambda doc: None)
    result = summarize(record)
    assert result.pdf == expected.pdf and result.warnings == expected.warnings


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_layout_stopped_where_it_surely_runs_over_says_so_only_when_it_does(language):
    """A measured layout asked only whether it fits stops at the first flowable its last page
    surely cannot hold; for every start of the note (from the note on), it says "runs over"
    exactly when the whole layout does."""
    kit = summary_kit()
    record = to_record({**read_yaml((PROJECT / "content/patients/worst-case.yaml").read_text()),
                        "language": language})
    fitting = summary_fit._Fitting(kit, record, assess(record, kit.rules), None, None)
    taken = len(fitting.reductions)
    fitting.trial(taken)  # (keeps the layout's state before the note)
    assert fitting.resume is not None and fitting.resume.state is not None
    outcomes = set()
    for cut in summary_fit._note_cuts(record.notes):
        whole = fitting._overflow(taken, cut)
        stopped = fitting._overflow(taken, cut, only_whether=True)
        assert (stopped > 0) == (whole > 0), len(cut)
        outcomes.add(whole > 0)
    assert outcomes == {True, False}, "starts that fit and starts that run over"
