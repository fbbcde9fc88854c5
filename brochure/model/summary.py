"""A candidacy summary's content: its text per language, as blocks in reading order.

Besides every publication block, a summary has blocks filled from the patient record and the
assessment (``patient``, ``findings``, ``scales``, ``verdict``, ``note``, ``signature``), one that
picks bullets by verdict (``verdict_steps``), and ``include`` to reuse a publication section.
Text fields of summary blocks are Jinja2 templates over the record's fields (sandboxed); the
record's own strings are only ever inserted as escaped data.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from .base import Strict
from .patient import Verdict
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


class PatientLine(Strict):
    """Who, when and with whom: the patient's name, birth date, visit date and physician."""

    type: Literal["patient"]
    labels: dict[str, str] = Field(description="name, born, visit, physician, knee")


class Finding(Strict):
    label: str
    value: str = Field(description="template over the record's fields and `words`")


class Findings(Strict):
    """The findings restated in plain words, one row each."""

    type: Literal["findings"]
    heading: str
    rows: list[Finding] = Field(min_length=1)


class Scale(Strict):
    label: str
    field: Literal["kl_grade", "cartilage_grade", "pain"]
    maximum: int = Field(ge=1, le=10)
    low: str
    high: str
    missing: str = Field(description="shown when the record has no value")
    alt: str = Field(description="template; what the picture says, for screen readers")


class Scales(Strict):
    """Where the knee stands on 0–4 and the pain on 0–10, as pictures."""

    type: Literal["scales"]
    heading: str
    you: str = Field(description="the word marking the patient's place on a scale")
    items: list[Scale] = Field(min_length=1)


class VerdictBox(Strict):
    """The verdict's label in a box, with every reason and any physician override."""

    type: Literal["verdict"]
    heading: str
    reasons_heading: str
    no_reasons: str
    override: str = Field(description="template; shown when the physician overrode the rules")


class Note(Strict):
    """The physician's own words to the patient (printed as written, never a template)."""

    type: Literal["note"]
    heading: str


class Signature(Strict):
    """The physician's name, credentials and direct line, a line to sign, and the booking QR."""

    type: Literal["signature"]
    heading: str
    phone_label: str
    line_label: str
    qr_text: str


class Include(Strict):
    """A section of the publication, reused as it is."""

    type: Literal["include"]
    section: str
    skip_heading: bool = False
    only: list[str] | None = Field(None, description="keep only blocks of these types")


class VerdictSteps(Strict):
    """Bullets that depend on the verdict (next steps)."""

    type: Literal["verdict_steps"]
    heading: str
    items: dict[Verdict, list[str]]


class PageBreak(Strict):
    type: Literal["page_break"]


class Columns(Strict):
    """Blocks side by side: each inner list is one column, left to right."""

    type: Literal["columns"]
    columns: list[list[SummaryBlock]] = Field(min_length=2, max_length=3)


SummaryBlock = Annotated[
    Union[Heading, Paragraph, Bullets, Checklist, Table, Statement, Statements, Callout, QrCode,
          Spacer,
          PatientLine, Findings, Scales, VerdictBox, Note, Signature, Include, VerdictSteps,
          PageBreak, Columns],
    Field(discriminator="type"),
]
Columns.model_rebuild()


class SummaryText(Strict):
    """Everything a summary says in one language."""

    title: str
    subtitle: str
    confidential: str
    page_label: str = Field(description="template with `page` and `pages`")
    versions_label: str = Field(description="template with `rules`, `content` and `tool`, the "
                                "versions that produced the summary")
    date_format: str = Field(description="template with `day`, `month` (a name) and `year`")
    months: list[str] = Field(min_length=12, max_length=12)
    words: dict[str, list[str] | dict[str, str]] = Field(
        default_factory=dict, description="word lists the templates may index")
    blocks: list[SummaryBlock] = Field(min_length=1)


class SummaryContent(Strict):
    """The summary in each language it is written in (``en`` is required)."""

    languages: dict[str, SummaryText]
