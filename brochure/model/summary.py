"""A candidacy summary's content: its text per language, as blocks in reading order.

Besides every publication block, a summary has blocks filled from the patient record and the
assessment (``patient``, ``bottom_line``, ``reasons``, ``findings``, ``scales``, ``note``,
``signature``), one that picks bullets by verdict (``verdict_steps``), and ``include`` to reuse
a publication section.
Text fields of summary blocks are Jinja2 templates over the record's fields (sandboxed); the
record's own strings are only ever inserted as escaped data.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, field_validator, model_validator

from .base import Strict
from .publication import (
    Bullets,
    Callout,
    Checklist,
    Heading,
    Paragraph,
    QrCode,
    Spacer,
    Statement,
    Statements,
    Table,
)
from .rules import REASON_KINDS, ReasonKind


class PatientDetail(Strict):
    """One of the patient line's details: a label and a template ("Born", "{{
    format_date(date_of_birth) }}")."""

    label: str
    value: str = Field(description="template over the record's fields and `format_date`")


class PatientLine(Strict):
    """Who and when: the patient's name after its label, with the record's facts that say
    what they are beside it ("Left arm"), then the details in order (birth and visit dates).
    The physician is named once, by the signature block. A template that needs a field the
    record does not give is left out."""

    type: Literal["patient"]
    name_label: str
    beside_name: list[str] = Field(default_factory=list, description=(
        "templates shown after the name, each after a '·', in the words of `words` (which "
        "say what they are: \"Left arm\")"))
    details: list[PatientDetail] = Field(default_factory=list, description=(
        "the second line, in order: each label, a space and its value"))


class Finding(Strict):
    label: str = Field(description="the plain words a patient uses (\"Arthritis on X-ray\")")
    term: str | None = Field(None, description="the clinical term, after the label in the "
                                               "layout's smaller `term` style")
    value: str = Field(description=(
        "template over the record's fields and `words`; when a field it needs was not "
        "recorded, the row says the text's `not_recorded` instead, unless the template tests "
        "that field itself (`is none`, or as the condition of an `if`)"))


class Findings(Strict):
    """The findings restated in plain words, one row each (under their own heading, or
    without one, following the scale pictures)."""

    type: Literal["findings"]
    heading: str | None = None
    rows: list[Finding] = Field(min_length=1)


class Scale(Strict):
    label: str
    term: str | None = Field(None, description="the clinical term, under the label in the "
                                               "layout's smaller `term` style")
    field: str = Field(description="a declared integer or number field (record.yaml)")
    maximum: int = Field(ge=1, le=10)
    low: str
    high: str
    missing: str = Field(description="shown when the record has no value")
    marker: str | None = Field(None, description=(
        "template; the words over the patient's place on the scale (default: the block's "
        "`you`), for example the grade in plain words"))
    alt: str = Field(description="template; what the picture says, for screen readers")


class Scales(Strict):
    """Where the patient stands on a few numeric fields' scales (a grade from 0 to 4, pain
    from 0 to 10), as pictures (under their own heading, or without one, as the pictures of the
    findings before them)."""

    type: Literal["scales"]
    heading: str | None = None
    you: str = Field(description="the word marking the patient's place on a scale")
    items: list[Scale] = Field(min_length=1)


class BottomLine(Strict):
    """The summary's bottom line, in a box under the patient line: the verdict (icon and
    label), one sentence on what it means for the patient, and the one next step."""

    type: Literal["bottom_line"]
    heading: str
    meaning: dict[str, str] = Field(description=(
        "template per verdict (every one of the rules' verdicts): what it means"))
    next_step_label: str
    next_step: dict[str, str] = Field(description=(
        "template per verdict: the next step where no rule decided the verdict (a physician's "
        "override, or no rule matched); else the deciding rules' own next steps (candidacy.yaml), "
        "most urgent first; may use `clinic_phone`"))


class ReasonHeading(Strict):
    """The heading of one group of reasons, and an optional lead-in (``doctors_view``: before
    the override's reason; ``rules_found``: before the rules' own verdict)."""

    kind: ReasonKind
    heading: str
    lead: str | None = None


class Reasons(Strict):
    """The reasons, grouped by how they bear on the verdict, in the order ``groups`` lists
    them; a group without reasons is left out (see :func:`brochure.candidacy.group_reasons`)."""

    type: Literal["reasons"]
    groups: list[ReasonHeading] = Field(description="every kind once, in reading order")
    no_reasons: str = Field(description="shown when no rule matched")
    met_lead: str | None = Field(None, description=(
        "before what a favourable verdict rests on, in the patient's own values (the rules' "
        "`met` and `cleared`), listed under its reasons"))

    @field_validator("groups")
    @classmethod
    def _every_kind_once(cls, groups: list[ReasonHeading]) -> list[ReasonHeading]:
        kinds = [g.kind for g in groups]
        if sorted(kinds) != sorted(REASON_KINDS):
            raise ValueError(f"list each kind of reasons once: {', '.join(REASON_KINDS)}")
        return groups

    def heading(self, kind: str) -> ReasonHeading:
        return next(g for g in self.groups if g.kind == kind)

    def order(self, kind: str) -> int:
        kinds: list[str] = [g.kind for g in self.groups]
        return kinds.index(kind)


class Note(Strict):
    """The physician's own words to the patient (printed as written, never a template): each
    paragraph of the note its own paragraph, or, with ``join``, every paragraph run on into one
    (every word kept; the ``join`` mark, spaced, stands where a paragraph ended), for a note of
    many short lines."""

    type: Literal["note"]
    heading: str
    join: str | None = Field(None, min_length=1, description=(
        "run the note's paragraphs on, with this mark (and a space either side) between them"))
    compact: bool = Field(False, description=(
        "each paragraph on its own lines without the space between paragraphs: a numbered "
        "list stays a list, in less room"))
    box: bool = Field(True, description=(
        "in a box kept whole; without, the note flows on across a page under its heading"))
    cut: str | None = Field(None, description=(
        "template: the words that end the note when, as the summary's last resort, it is cut to "
        "what fits its pages; say where the whole note is"))


class Signature(Strict):
    """The physician's name, credentials and direct line, a line to sign, and the booking QR."""

    type: Literal["signature"]
    heading: str
    phone_label: str
    line_label: str
    date_label: str | None = Field(None, description="a line to write the date on, after this")
    qr: bool = Field(True, description=(
        "the booking code and its call to action beside the signature (a long summary's "
        "shorter form may leave them out: the number to call is in the bottom line)"))
    qr_text: str | dict[str, str] = Field("", description=(
        "the booking code's call to action: one text, or one per verdict (what the visit is "
        "for after each)"))

    def qr_for(self, verdict: str) -> str:
        """The call to action after ``verdict``."""
        return self.qr_text if isinstance(self.qr_text, str) else self.qr_text[verdict]


class Disclosure(Strict):
    """The publication's disclosure (the clinic offers the treatment and charges for it) and a
    short line of its sources, from its ``standards``."""

    type: Literal["disclosure"]


class Include(Strict):
    """A section of the publication, reused as it is."""

    type: Literal["include"]
    section: str
    skip_heading: bool = False
    only: list[str] | None = Field(None, description="keep only blocks of these types")
    shown_as: Literal["trifold", "booklet", "summary"] = Field(
        "summary", description="the kind of document whose blocks of the section are shown "
        "(a summary in narrow columns may take a tri-fold's brief table)")


class VerdictSteps(Strict):
    """Bullets that depend on the verdict (next steps)."""

    type: Literal["verdict_steps"]
    heading: str
    items: dict[str, list[str]] = Field(description="bullets per verdict (of the rules')")


class PageBreak(Strict):
    type: Literal["page_break"]


class Columns(Strict):
    """Blocks side by side: each inner list is one column, left to right."""

    type: Literal["columns"]
    columns: list[list[SummaryBlock]] = Field(min_length=2, max_length=3)


class Reducible(Strict):
    """Blocks with a shorter form, which the summary takes when it would otherwise run past its
    pages (see ``SummaryText.reductions`` for the order in which shorter forms are taken)."""

    type: Literal["reducible"]
    id: str = Field(description=(
        "named in the summary's `reductions`; blocks that share an id take their shorter forms "
        "together"))
    full: list[SummaryBlock] = Field(min_length=1)
    reduced: list[SummaryBlock] = Field(default_factory=list, description=(
        "the shorter form; say what was left out and where to find it (empty: left out)"))
    together: bool = Field(False, description=(
        "its blocks (in either form) are never split between columns or pages, as a warning "
        "and the phone number to call are read as one"))


SummaryBlock = Annotated[
    Union[Heading, Paragraph, Bullets, Checklist, Table, Statement, Statements, Callout, QrCode,
          Spacer,
          PatientLine, Findings, Scales, BottomLine, Reasons, Note, Signature, Disclosure,
          Include,
          VerdictSteps,
          PageBreak, Columns, Reducible],
    Field(discriminator="type"),
]
Columns.model_rebuild()
Reducible.model_rebuild()


class SummaryText(Strict):
    """Everything a summary says in one language."""

    title: str
    subtitle: str
    confidential: str
    page_label: str = Field(description="template with `page` and `pages`")
    running: str | None = Field(None, description=(
        "template: what follows the patient's name in the band of the later pages (\"Born "
        "{{ format_date(date_of_birth) }}\"), so that each page carries two identifiers"))
    versions_label: str = Field(description="template with `rules`, `content` and `tool`, the "
                                "versions that produced the summary")
    date_format: str = Field(description="template with `day`, `month` (a name) and `year`")
    months: list[str] = Field(min_length=12, max_length=12)
    words: dict[str, list[str] | dict[str, str]] = Field(
        default_factory=dict, description="word lists the templates may index")
    not_recorded: str = Field(description=(
        "what a finding says of a value the record does not give (\"Not recorded\"); "
        "templates may use it as `not_recorded`"))
    blocks: list[SummaryBlock] = Field(min_length=1)
    pages: int = Field(2, ge=1, description="the summary's length, in pages")
    continued: str | None = Field(None, description=(
        "what follows a section's heading said again where the section goes on in the next "
        "column (\"(continued)\"); without it, a section is moved whole"))
    reductions: list[str] = Field(default_factory=list, description=(
        "ids of `reducible` blocks, in the order they take their shorter form while a summary "
        "would run past `pages`: the first a summary gives up first"))

    @model_validator(mode="after")
    def _reductions_named(self) -> SummaryText:
        ids = {b.id for b in self.blocks if b.type == "reducible"}
        if len(set(self.reductions)) != len(self.reductions) or ids != set(self.reductions):
            raise ValueError("`reductions` lists the id of every top-level `reducible` block once "
                             f"(ids: {', '.join(sorted(ids)) or 'none'})")
        return self

    def reasons_block(self) -> Reasons | None:
        """The block that shows the reasons (its headings name the groups), if any."""
        return next((b for b in _all_blocks(self.blocks) if isinstance(b, Reasons)), None)


def _all_blocks(blocks: list[SummaryBlock]) -> list[SummaryBlock]:
    return [inner for block in blocks for inner in _inner(block)]


def _inner(block: SummaryBlock) -> list[SummaryBlock]:
    """A block, or the blocks inside it (columns, and both forms of a reducible block)."""
    if isinstance(block, Columns):
        return _all_blocks([b for c in block.columns for b in c])
    if isinstance(block, Reducible):
        return _all_blocks([*block.full, *block.reduced])
    return [block]


class SummaryContent(Strict):
    """The summary in each language it is written in (``en`` is required)."""

    languages: dict[str, SummaryText]
