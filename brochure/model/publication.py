"""A publication: its metadata, honest-claims statements, and sections of typed content blocks."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, model_validator

from .art import Art
from .base import Strict
from .brand import Colour

LayoutKind = Literal["trifold", "booklet", "summary"]
"""The kinds of document a block may be limited to (a layout's ``kind``; a summary's
``include``)."""


class Shown(Strict):
    """Base of every content block: where it is shown. A tri-fold carries the essentials and a
    booklet the fuller text: ``only: [booklet]`` keeps a block out of the other kinds."""

    only: list[LayoutKind] | None = Field(
        None, min_length=1, description="the kinds of document that show this block (trifold, "
        "booklet, summary); default: every kind")

    def shown_in(self, kind: str) -> bool:
        """Whether a document of ``kind`` shows this block."""
        return self.only is None or kind in self.only


class Heading(Shown):
    type: Literal["heading"]
    text: str = Field(min_length=1)
    level: Literal[1, 2, 3] = 1


class Paragraph(Shown):
    """Plain text; **bold** and *italic* are the only inline emphasis."""

    type: Literal["paragraph"]
    text: str = Field(min_length=1)
    style: Literal["body", "small", "callout"] = "body"


class Bullets(Shown):
    type: Literal["bullets"]
    items: list[str] = Field(min_length=1)


class Checklist(Shown):
    """Questions a reader ticks for themselves."""

    type: Literal["checklist"]
    items: list[str] = Field(min_length=1)


class Table(Shown):
    """A table whose first column names each row."""

    type: Literal["table"]
    columns: list[str] = Field(min_length=2)
    rows: list[list[str]] = Field(min_length=1)
    caption: str | None = None
    column_widths: list[Annotated[float, Field(gt=0, allow_inf_nan=False)]] | None = Field(
        None, description="relative widths, one a column; each at least a twentieth of all")

    @model_validator(mode="after")
    def _shape(self) -> Table:
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"row {i + 1} has {len(row)} cells; "
                                 f"expected {len(self.columns)}, one per column")
        if self.column_widths and len(self.column_widths) != len(self.columns):
            raise ValueError("column_widths needs one number per column")
        if self.column_widths and min(self.column_widths) < sum(self.column_widths) / 20:
            raise ValueError("each of column_widths must be at least a twentieth of their sum, "
                             "or its column has no room for a word")
        return self


class Statement(Shown):
    """One of the publication's honest-claims statements, placed beside the claim it qualifies."""

    type: Literal["statement"]
    ref: str
    box: str = Field("evidence", description="the brand's box style, or 'none' for emphasized "
                     "text without a box (where a box adds nothing)")


class Statements(Shown):
    """Several honest-claims statements in one box (where space is short)."""

    type: Literal["statements"]
    refs: list[str] = Field(min_length=1)
    box: str = Field("evidence", description="the brand's box style, or 'none'")


class Callout(Shown):
    type: Literal["callout"]
    title: str | None = None
    text: str = Field(min_length=1)
    box: str = Field("ask", description="the brand's box style, or 'none'")


class Facts(Shown):
    """The few facts that decide, one short line each, in a box with its title: what a reader
    sees first on opening the brochure. Each fact is also said in full beside the claim it
    qualifies (the publication's statements keep their places)."""

    type: Literal["facts"]
    title: str = Field(min_length=1)
    items: list[str] = Field(min_length=1, max_length=7)
    box: str = Field("ask", description="the brand's box style, or 'none'")


class Figure(Shown):
    type: Literal["figure"]
    art: str
    caption: str | None = None
    width: float = Field(1.0, gt=0, le=1, description="fraction of the column width")


class Image(Shown):
    """A raster image (JPEG or PNG) from the publication's folder."""

    type: Literal["image"]
    path: str = Field(description="relative to the publication's folder; must stay inside it")
    alt: str = Field(min_length=1, description="what the picture shows, for screen readers")
    caption: str | None = None
    width: float = Field(1.0, gt=0, le=1, description="fraction of the column width")


class PhysicianBio(Shown):
    type: Literal["physician"]
    key: str | None = None
    heading: str = "Meet your doctor"


class Cover(Shown):
    """The front cover: logo, title and subtitle (and the brand's tagline, if asked: a cover
    carries one line under its title, so by default the subtitle alone)."""

    type: Literal["cover"]
    tagline: bool = Field(False, description="also show the brand's tagline under the subtitle")


class ContactBlock(Shown):
    """The clinic's address, phone, web and hours."""

    type: Literal["contact"]
    heading: str | None = "Visit or call us"


class QrCode(Shown):
    """A QR code to the booking URL (or another URL), with a line of text."""

    type: Literal["qr"]
    url: str | None = None
    text: str
    size: float = Field(0.45, gt=0, le=1, description="fraction of the column width")
    beside: bool = Field(False, description="the text beside the code (to its right), not "
                         "under it")


class Logo(Shown):
    type: Literal["logo"]
    width: float = Field(0.5, gt=0, le=1)


class Spacer(Shown):
    type: Literal["spacer"]
    height: float = Field(ge=0, le=400)


class Colophon(Shown):
    """Block ``colophon``: the publication's standards lines, drawn from :class:`Standards`."""

    type: Literal["colophon"]
    formats: bool = Field(True, description="also the other-formats line; false where a "
                          "`formats` block says it on a line of its own")


class Formats(Shown):
    """Block ``formats``: the publication's other-formats line (:attr:`Standards.formats`) on
    a line of its own, in bold, where a reader who needs large print or another language
    finds it."""

    type: Literal["formats"]


Block = Annotated[
    Union[Heading, Paragraph, Bullets, Checklist, Table, Statement, Statements, Callout, Figure,
          Image, Facts,
          PhysicianBio, Cover, ContactBlock, QrCode, Logo, Spacer, Colophon, Formats],
    Field(discriminator="type"),
]


class Standards(Strict):
    """Publication standards a reader is owed (NHS Patient Information Forum, IPDAS): where the
    facts come from, when the text was published and will be reviewed, other formats, and the
    clinic's interest. Text may use ``{{ published }}`` and ``{{ review }}`` (the publication's
    ``date`` and ``review_date`` in ``date_format``), ``{{ clinic }}`` (the brand's name) and
    ``{{ phone }}`` (the brand's phone number, as its kit prints it)."""

    sources_label: str = Field(min_length=1, description="e.g. 'Sources:', before the first source")
    sources: list[str] = Field(min_length=1, description="each a short citation, shown one "
                               "after another (separated by '; ', ending with '.')")
    dates: str = Field(min_length=1, description="e.g. 'Published {{ published }}. Next review "
                       "{{ review }}.'")
    date_format: str = Field("{{ month }} {{ year }}",
                             description="template with `month` (a name) and `year`")
    months: list[str] = Field(min_length=12, max_length=12)
    formats: str = Field(min_length=1, description="other formats and languages on request "
                         "(and how to ask: '{{ phone }}')")
    disclosure: str = Field(min_length=1, description="the clinic offers and charges for this")

    def lines(self, published: dt.date, review: dt.date | None, clinic: str,
              phone: str = "") -> list[str]:
        """The lines a reader sees, filled in: the dates, the formats and the disclosure."""
        from ..templates import fill

        context = {"published": self.month_year(published), "clinic": clinic, "phone": phone,
                   "review": self.month_year(review) if review else ""}
        return [fill(text, context) for text in (self.dates, self.formats, self.disclosure)]

    def month_year(self, date: dt.date) -> str:
        from ..templates import fill

        return fill(self.date_format, {"month": self.months[date.month - 1], "year": date.year})


class Claims(Strict):
    """Honest-claims rules: statements every output must show, phrases none may contain."""

    required: list[str] | None = Field(None, description="statement ids; default: all of them")
    banned: list[str] | None = Field(None, description="phrases of this publication's topic "
                                     "no output may contain, beside the project's list for its "
                                     "language (content/claims.yaml)")


class Readability(Strict):
    max_grade: float = Field(8, gt=0, le=20, description="per section, US school grade")


class Publication(Strict):
    """One brochure's content, independent of page size."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    title: str
    subtitle: str
    brand: str
    language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    date: dt.date = Field(description="publication date; also the PDF's creation date")
    review_date: dt.date | None = Field(
        None, description="when the text is next reviewed; `brochure check` fails once it has "
        "passed (and without one), and warns from 90 days before")
    version: str = "1"
    subject: str
    keywords: list[str] = Field(default_factory=list)
    physician: str | None = None
    layouts: list[str] = Field(min_length=1)
    statements: dict[str, str] = Field(default_factory=dict)
    claims: Claims = Claims()
    standards: Standards | None = Field(None, description="sources, dates, formats, disclosure "
                                        "(shown by a `colophon` block)")
    readability: Readability = Readability()
    art: dict[str, Art] = Field(default_factory=dict)
    colors: dict[str, Colour] = Field(
        default_factory=dict, description="the publication's own colours, for its drawings "
        "(an anatomy drawing's parts), the same in every brand; not a brand's colour role. A "
        "translation uses the original's")
    sections: dict[str, list[Block]]

    @model_validator(mode="after")
    def _review_after_publication(self) -> Publication:
        if self.review_date is not None and self.review_date <= self.date:
            raise ValueError(f"review_date {self.review_date} is not after the publication's "
                             f"date {self.date}; expected a later date (often a year later)")
        return self


BRAND_VALUE = re.compile(r"\{\{\s*(clinic|phone)\s*\}\}")
"""What a publication's text may name of the brand kit it is drawn in: ``{{ clinic }}`` (its
name) and ``{{ phone }}`` (its number), filled in by :func:`branded`."""


def branded(pub: Publication, clinic: str, phone: str) -> Publication:
    """``pub`` with ``{{ clinic }}`` and ``{{ phone }}`` in its text filled in for a brand (the
    same object when its text names neither)."""
    values = {"clinic": clinic, "phone": phone}
    filled: Publication = _filled(pub, lambda text: BRAND_VALUE.sub(
        lambda m: values[m.group(1)], text))
    return filled


def _filled(value: Any, fill: Callable[[str], str]) -> Any:
    """``value`` with ``fill`` applied to every string in it; unchanged parts kept as they
    are (a model whose strings are unchanged is the same object)."""
    if isinstance(value, str):
        return fill(value) if "{{" in value else value
    if isinstance(value, list):
        items = [_filled(v, fill) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, dict):
        entries = {k: _filled(v, fill) for k, v in value.items()}
        return value if all(entries[k] is v for k, v in value.items()) else entries
    if isinstance(value, BaseModel):
        changed = {name: new for name in type(value).model_fields
                   if (new := _filled(old := getattr(value, name), fill)) is not old}
        return value.model_copy(update=changed) if changed else value
    return value
