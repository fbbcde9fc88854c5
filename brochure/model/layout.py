"""Page geometry as data: page size, bleed, panels and folds, type scale, press settings.

A layout is shared by every publication: which of a publication's sections goes in which
panel (a tri-fold's) or page (a booklet's) is the publication's own (its ``placement.yaml``,
:mod:`brochure.model.placement`), set into a copy of the layout by :meth:`Layout.placed`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from .base import Length, Strict

MAX_MEDIA = 14_400.0
"""Largest page side a PDF viewer shows (200 in), bleed and marks included."""
MIN_COLUMN = 72.0
"""Narrowest and shortest text area a layout may leave (1 in)."""


class Measured(Strict):
    """Base of the layout models: every number finite (``.inf`` and ``.nan`` are refused)."""

    model_config = ConfigDict(allow_inf_nan=False)


class PageSize(Measured):
    width: Length = Field(gt=0)
    height: Length = Field(gt=0)


class Panel(Measured):
    """One panel of a side: its width and its look. The publication sections it holds are
    set from the publication's placement (:meth:`Layout.placed`), never in a layout file."""

    name: str = Field(pattern=r"^[a-z0-9-]+$")
    width: Length = Field(gt=0)
    style: str = "plain"
    valign: Literal["top", "middle", "bottom"] = "top"
    sections: list[str] = Field(default_factory=list, description="set from the "
                                "publication's placement")
    foot: list[str] = Field(default_factory=list, description="sections set at the panel's "
                            "foot, after the others, with the free space above them (set from "
                            "the publication's placement)")

    @field_validator("sections", "foot")
    @classmethod
    def _placed_by_publication(cls, names: list[str]) -> list[str]:
        if names:
            raise ValueError("a layout is shared by every publication: which section goes in "
                             "which panel is each publication's, in content/<publication>/"
                             "placement.yaml (layouts: <layout>: <panel>: [sections])")
        return names
    balance: bool | None = Field(None, description="whether brochure check weighs how full "
                                 "the panel is (balance.min_fill); default: every panel but the "
                                 "front and back covers (the first and last in reading order)")

    @property
    def placed(self) -> list[str]:
        """Every section the panel holds, in reading order."""
        return [*self.sections, *self.foot]


class Side(Measured):
    """One printed side of the sheet, panels listed left to right."""

    name: str
    panels: list[Panel] = Field(min_length=1)


class PanelStyle(Measured):
    """Colours of a panel by brand colour name: background, text, headings, rules."""

    background: str | None = None
    text: str = "ink"
    heading: str = "primary"
    accent: str = "accent"
    band: str | None = Field(None, description="a colour band across the panel's top")
    band_height: Length = 0
    art: str | None = Field(None, description="brand art drawn across the panel's foot")
    past_fold: Length = Field(0, ge=0, description="in a print file, how far the panel's "
                              "background and art run past each fold it meets, so that a fold "
                              "a little off its mark shows no white line (drawn after its "
                              "neighbours' backgrounds)")


class TextStyle(Measured):
    """One step of the type scale."""

    font: Literal["body", "heading"] = "body"
    bold: bool = False
    italic: bool = False
    size: float = Field(gt=0, le=200)
    leading: float = Field(gt=0, le=240)
    space_before: float = Field(0, ge=0)
    space_after: float = Field(0, ge=0)
    align: Literal["left", "center", "right"] = "left"
    color: str | None = Field(None, description="brand colour name; default from the panel style")
    background: str | None = Field(
        None, description="brand colour filled behind this text where a block gives it a fill "
                          "of its own (a table's header row); default primary")
    role: Literal["text", "heading", "accent"] = "text"
    keep_with_next: bool = Field(False, description="never end a page with this (headings)")
    tag: Literal["P", "H1", "H2", "H3", "H4", "H5", "H6"] = Field(
        "P", description="structure role in the tagged PDF (headings must not skip levels)")


class Fit(Measured):
    """What to do when a panel's content is taller than the panel."""

    shrink: bool = False
    min_body_size: float = Field(9, gt=0)
    step: float = Field(0.25, gt=0)


class Balance(Measured):
    """How full a panel (a booklet's page) must be: ``brochure check`` measures the built file
    and reports a panel whose tallest empty band leaves less than ``min_fill`` of its frame
    with content (content ending too high, or a hole above a panel's foot)."""

    min_fill: float = Field(0.7, gt=0, le=1, description="least share of a panel's frame "
                            "height its content spans")
    even: Length | None = Field(None, gt=0, description="how far apart the ends of the content "
                                "of panels seen together may be: a tri-fold side's panels, a "
                                "booklet's facing pages (covers and panels with a foot left "
                                "out); default: not weighed")


class FigureRule(Measured):
    """Limits on figures (drawn art) in a panel."""

    max_height: float = Field(1.0, gt=0, le=1, description="a figure's drawing is at most this "
                              "share of its panel's frame height; a taller one is scaled down, "
                              "keeping its shape")


class Spacing(Measured):
    """Padding and rules used by block renderers, as lengths."""

    panel_padding: Length = Field(ge=0)
    rule_width: Length = 1
    box_padding: Length = 6
    bullet_indent: Length = 12
    table_padding: Length = 3
    figure_gap: Length = 6
    caption_gap: Length = Field(6, ge=0, description="between a figure's drawing and its caption")
    bar_width: Length = Field(3, ge=0, description="the coloured bar on a box's left edge, and "
                                                   "the thickness of a cover's accent rule")
    checkbox: float = Field(0.8, gt=0, description="a checklist's box, in the item style's ems")
    statement_gap: float = Field(0.4, ge=0, description="space between statements in one box, "
                                                        "in lines")
    cover_logo: float = Field(0.3, gt=0, le=1, description="logo width on a cover, of the column")
    cover_rule: float = Field(0.3, gt=0, le=1, description="accent rule under a cover title")
    cover_gaps: tuple[float, float, float] = Field(
        (1.5, 1, 0.5), description="on a cover, space above the title, above the tagline and "
                                   "below it, in the title's lines")


class Marks(Measured):
    """Crop and fold marks of a print file, drawn in registration colour (on every plate)
    outside the bleed."""

    offset: Length = Field(6, ge=0, description="gap between the bleed edge and each mark")
    length: Length = Field(18, gt=0)
    weight: float = Field(0.25, gt=0, le=2, description="line width in points")
    fold_dash: tuple[float, float] = Field(
        (3, 2), description="fold marks' dash and gap in points (crop marks are solid)")


class Press(Measured):
    """What the print file declares and carries for the print shop (PDF/X-1a:2003)."""

    output_condition: str = Field(description="registered characterization, e.g. FOGRA39")
    output_condition_info: str = ""
    registry: str = "http://www.color.org"
    marks: Marks = Marks()
    min_image_ppi: float = Field(300, gt=0)

    def slug(self, bleed: float) -> float:
        """Space from the trim edge to the media edge: bleed, gap, mark, a little air."""
        return bleed + self.marks.offset + self.marks.length + self.marks.offset


class Folio(Measured):
    """Page numbers (booklets): drawn at the foot of each page, on its outer side."""

    style: str = "small"
    rise: Length = Field(0.3 * 72, ge=0, description="baseline height above the trim")
    skip: list[int] = Field(default_factory=list, description="pages without a number (covers)")


TEXT_STYLE_NAMES = ("cover_title", "cover_subtitle", "cover_tagline", "h1", "h2", "h3", "body",
                    "bullet", "small", "table", "table_head", "callout", "caption", "contact")


class TypeFloor(Measured):
    """The smallest type a layout allows in what it builds (``brochure check`` measures the
    built file)."""

    min_text_size: float = Field(11, gt=0, le=72, description="smallest text a reader needs, "
                                 "anywhere in the built file")
    min_furniture_size: float = Field(10, gt=0, le=72, description="smallest page furniture "
                                      "(page numbers, running headers and footers: text marked "
                                      "as an artifact)")


class Layout(TypeFloor):
    """A page layout made of panels: a tri-fold's two sides of three panels, or a booklet's
    pages (one panel each, in reading order), with margins and the type scale."""

    name: str = Field(pattern=r"^[a-z0-9-]+$")
    kind: Literal["trifold", "booklet"]
    description: str = ""
    page: PageSize
    bleed: Length = Field(ge=0)
    safe_margin: Length = Field(ge=0, description="no text within this of a trim edge or fold")
    sides: list[Side] = Field(min_length=1)
    reading_order: list[str] = Field(default_factory=list)
    spacing: Spacing
    typography: dict[str, TextStyle]
    panel_styles: dict[str, PanelStyle] = Field(default_factory=lambda: {"plain": PanelStyle()})
    fit: Fit = Fit()
    press: Press
    folio: Folio | None = None
    min_body_size: float = Field(10.5, gt=0, description="smallest body text this layout allows "
                                 "(brochure check enforces it, shrinking included)")
    balance: Balance = Balance()
    figure: FigureRule = FigureRule()

    @model_validator(mode="after")
    def _consistent(self) -> Layout:
        for side in self.sides:
            total = sum(p.width for p in side.panels)
            if abs(total - self.page.width) > 0.01:
                raise ValueError(f"side '{side.name}': panel widths add up to {total:.2f} pt, "
                                 f"but the page is {self.page.width:.2f} pt wide")
            for panel in side.panels:
                if panel.style not in self.panel_styles:
                    raise ValueError(f"panel '{panel.name}' uses unknown style '{panel.style}'")
        if self.spacing.panel_padding < self.safe_margin:
            raise ValueError("spacing.panel_padding must be at least safe_margin, or text "
                             "would sit inside the safe margin of a fold or trim edge")
        missing = [n for n in TEXT_STYLE_NAMES if n not in self.typography]
        if missing:
            raise ValueError(f"typography lacks styles: {', '.join(missing)}")
        if self.kind == "booklet" and (len(self.sides) % 4 or any(
                len(side.panels) != 1 for side in self.sides)):
            raise ValueError("a saddle-stitched booklet has a multiple of 4 pages, each one "
                             "panel (a publication places content on every one)")
        names = [p.name for s in self.sides for p in s.panels]
        unknown = [n for n in self.reading_order if n not in names]
        if unknown:
            raise ValueError(f"reading_order names unknown panels: {', '.join(unknown)}")
        _within_media(self.page, self.press.slug(self.bleed))
        self._room()
        return self

    def _room(self) -> None:
        """Every panel keeps a text area of at least :data:`MIN_COLUMN` each way."""
        pad = self.spacing.panel_padding
        for panel in self.panels():
            band = self.panel_styles[panel.style].band_height
            _roomy(f"panel '{panel.name}'", panel.width - 2 * pad,
                   self.page.height - 2 * pad - band, "its width and the page's height, less "
                   "panel_padding on each side and any band")

    def panels(self) -> list[Panel]:
        return [p for s in self.sides for p in s.panels]

    def placed(self, placement: Mapping[str, tuple[list[str], list[str]]]) -> Layout:
        """A copy of this layout holding a publication's sections: ``placement`` gives each
        panel's (sections, foot) by panel name (a panel it leaves out holds nothing)."""
        def panel(p: Panel) -> Panel:
            sections, foot = placement.get(p.name, ([], []))
            return p.model_copy(update={"sections": list(sections), "foot": list(foot)})
        sides = [side.model_copy(update={"panels": [panel(p) for p in side.panels]})
                 for side in self.sides]
        return self.model_copy(update={"sides": sides})

    def in_reading_order(self) -> list[str]:
        """Panel names in the order a reader meets them."""
        return self.reading_order or [p.name for p in self.panels()]

    def seen_together(self) -> list[list[Panel]]:
        """The groups of panels a reader sees at once whose content should end at about the
        same height (``balance.even``): each side of a tri-fold, each pair of a booklet's
        facing pages (2|3, 4|5, …); covers and panels with a foot are left out, and a group
        of one is no group."""
        if self.kind == "booklet":
            pages = [side.panels[0] for side in self.sides]
            spreads = [pages[i:i + 2] for i in range(1, len(pages) - 1, 2)]
        else:
            spreads = [side.panels for side in self.sides]
        groups = [[p for p in spread if self.balanced(p) and not p.foot] for spread in spreads]
        return [group for group in groups if len(group) > 1]

    def balanced(self, panel: Panel) -> bool:
        """Whether ``brochure check`` weighs how full ``panel`` is: as its ``balance`` says,
        else every panel but the covers (the first and last in reading order)."""
        if panel.balance is not None:
            return panel.balance
        order = self.in_reading_order()
        return panel.name not in (order[0], order[-1])


class Margins(Measured):
    top: Length = Field(ge=0)
    bottom: Length = Field(ge=0)
    left: Length = Field(ge=0)
    right: Length = Field(ge=0)


class Header(Measured):
    """The brand band across the top: taller on the first page."""

    height: Length = Field(gt=0)
    later_height: Length = Field(gt=0)
    logo_size: Length = Field(gt=0)
    logo_gap: Length = Field(12, ge=0, description="space between the logo and the title")
    rule: Length = Field(3, ge=0, description="height of the accent rule under the band")
    later_logo: float = Field(0.6, gt=0, le=1, description="logo size on later pages, of the "
                              "band's height")
    title_rise: Length = Field(2, description="the first page's title baseline, above the "
                                              "band's middle (the clinic's name sits below)")


class Footer(Measured):
    """The band at the foot of every summary page: a rule on top, two lines of small print."""

    height: Length = Field(gt=0)
    baselines: tuple[float, float] = Field(
        (0.2, 1.3), description="baselines of the footer's first and second line, in leadings "
                                "above the bottom margin")


class ScaleGeometry(Measured):
    """Size of the 0–N scale pictures on a summary."""

    height: Length = Field(gt=0)
    gap: Length = Field(ge=0)
    label_width: Length = Field(gt=0)
    between: Length = Field(9, ge=0, description="space between one scale picture and the next")


class SummaryGeometry(Measured):
    """Proportions of the summary's patient-specific blocks."""

    findings_labels: float = Field(0.42, gt=0, lt=1, description="label column, of the width")
    verdict_icon: float = Field(1.6, gt=0, description="icon size, in the verdict style's ems")
    signature_line: float = Field(0.3, gt=0, le=1, description="line to sign on, of the width")
    signature_space: float = Field(1.5, gt=0, description="room above the line to sign on, in "
                                                         "contact-style lines")
    date_space: float = Field(1.0, gt=0, description="room above the date line, in "
                                                    "contact-style lines (a date is short)")
    qr_lines: float = Field(4.5, gt=0, description="booking QR side, in contact-style lines")
    qr_caption: float = Field(0.41, gt=0, lt=1, description="QR caption column, of the width")


class SummaryColumns(Measured):
    """The summary's running text in columns below its opening blocks, so that no line runs
    past a comfortable measure (about 75 characters); above them, text keeps to ``measure``."""

    count: int = Field(2, ge=1, le=4)
    gutter: Length = Field(18, ge=0, description="space between two columns")
    after: str = Field("bottom_line", description="the block type after which the columns "
                                                  "start (the blocks before it span the page)")
    measure: Length = Field(gt=0, description="longest line of the text above the columns")
    goes_on: float = Field(0.5, ge=0, le=1, description=(
        "a section with boxes that does not fit the room left in a column goes on in the next "
        "one, under its heading said again, when that room is at least this share of its "
        "height (else it moves on whole; 1: never)"))
    least_rows: int = Field(2, ge=1, description=(
        "a data table that goes on in the next column (its header row said again) keeps at "
        "least this many of its body rows on each side of the break, and a list as many of "
        "its items (a shorter list moves whole, with the line that leads into it)"))


SUMMARY_STYLE_NAMES = (*TEXT_STYLE_NAMES, "verdict", "footer")
BODY_STYLES = ("body", "bullet", "table", "callout")
"""The styles that carry running text: never below a layout's ``min_body_size``."""


class SummaryLayout(TypeFloor):
    """A portrait page for the personalized summary: margins, header and footer, type scale."""

    name: str = Field(pattern=r"^[a-z0-9-]+$")
    kind: Literal["summary"]
    description: str = ""
    page: PageSize
    margins: Margins
    header: Header
    footer: Footer
    min_body_size: float = Field(12, gt=0, description="smallest body text allowed")
    spacing: Spacing
    colors: PanelStyle = PanelStyle()
    scale: ScaleGeometry
    geometry: SummaryGeometry = SummaryGeometry()
    typography: dict[str, TextStyle]
    columns: SummaryColumns | None = Field(None, description="running text in columns")
    boxes: dict[str, str] = Field(default_factory=dict, description=(
        "the brand's box style (by name) of each of the summary's own boxes: patient, note"))
    box_space: Length = Field(0, ge=0, description="least space between a box and its "
                                                   "neighbours above and below")

    @field_validator("columns")
    @classmethod
    def _columns_fit(cls, columns: SummaryColumns | None,
                     info: ValidationInfo) -> SummaryColumns | None:
        """Each column at least as wide as any text area must be (placed at ``columns``)."""
        page, margins = info.data.get("page"), info.data.get("margins")
        if columns and page and margins:
            width = page.width - margins.left - margins.right
            count, gutter = columns.count, columns.gutter
            each = (width - (count - 1) * gutter) / count
            if each < MIN_COLUMN <= width:  # (a page too narrow for any text: said below)
                raise ValueError(f"each of {count} columns would be {each:.1f} pt wide "
                                 f"({gutter:.1f} pt gutters in a {width:.1f} pt text width); "
                                 f"at least {MIN_COLUMN:.0f} pt (1 in) is needed: fewer columns "
                                 f"or a narrower gutter")
        return columns

    @model_validator(mode="after")
    def _consistent(self) -> SummaryLayout:
        missing = [n for n in SUMMARY_STYLE_NAMES if n not in self.typography]
        if missing:
            raise ValueError(f"typography lacks styles: {', '.join(missing)}")
        _within_media(self.page, 0)
        margins = self.margins
        _roomy("the page", self.page.width - margins.left - margins.right,
               self.page.height - margins.top - margins.bottom - self.header.height -
               self.footer.height, "its size less the margins, header and footer")
        return self


def _within_media(page: PageSize, slug: float) -> None:
    for side, size in (("width", page.width), ("height", page.height)):
        if size + 2 * slug > MAX_MEDIA:
            raise ValueError(f"the page's {side} (with any bleed and marks) is "
                             f"{size + 2 * slug:.0f} pt; a PDF page may be at most "
                             f"{MAX_MEDIA:.0f} pt (200 in)")


def _roomy(what: str, width: float, height: float, measured: str) -> None:
    if min(width, height) < MIN_COLUMN:
        raise ValueError(f"{what} leaves a text area of {width:.1f} x {height:.1f} pt "
                         f"({measured}); at least {MIN_COLUMN:.0f} pt (1 in) each way is needed")
