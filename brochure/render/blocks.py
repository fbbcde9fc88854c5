"""Content blocks to flowables: a registry from block type to a function returning flowables.

Each builder takes the block and a :class:`BlockContext` (brand, publication, styles of the
panel it lands in, column width) and returns ReportLab flowables. Each is registered with what
it draws (:class:`Draws`: its text's type-scale styles and the boxes they sit on, and the
brand colour roles it paints itself), which the contrast check of ``brochure check`` reads.
Adding a block type is adding one function here, with its declaration, and one model in
``model/publication.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.graphics.shapes import Rect
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from ..model import publication as m
from ..model.base import localize
from ..model.brand import COLOUR_ROLES, NO_BOX, Brand
from ..model.layout import Spacing
from ..text import escape, inline
from .art import canvas_drawing, drawing
from .backend.layout import DecoratedTable, kept_together, set_table_cells, table_cells
from .images import ImageLoader
from .paragraphs import booking_caption, fresh, para
from .qr import QrFlowable
from .styles import StyleSheet
from .tagging import TableHeaders, artifact, said_again, with_spec


@dataclass(frozen=True)
class BlockContext:
    brand: Brand
    publication: m.Publication
    styles: StyleSheet
    spacing: Spacing
    width: float
    images: ImageLoader | None = None
    figure_height: float = math.inf
    """The tallest a figure's drawing may be, in points (the layout's ``figure.max_height``
    of its frame)."""

    @property
    def language(self) -> str:
        return self.publication.language

    @property
    def font(self) -> str:
        """The default font for drawings (they show no text, but must not reference a base font)."""
        return self.styles.fonts.body.regular


Builder = Callable[[object, BlockContext], list[Flowable]]
BUILDERS: dict[str, Builder] = {}


@dataclass(frozen=True)
class Draws:
    """What a block type draws with, declared beside its builder.

    ``text``: (type-scale style, box colour role) of each kind of text it sets, the box None
    when the text sits on its panel's own background; a style may name the block's fields
    (``h{level}``). ``text_when``: a field of the block without which it sets no text (an
    image without a caption). ``paints``: brand colour roles it fills or strokes itself."""

    text: tuple[tuple[str, str | None], ...] = ()
    paints: tuple[str, ...] = ()
    text_when: str | None = None

    def __post_init__(self) -> None:
        named = [box for _, box in self.text if box] + list(self.paints)
        unknown = [name for name in named if name not in COLOUR_ROLES]
        if unknown:
            raise ValueError(f"not colour roles of brochure.model.brand.COLOUR_ROLES: "
                             f"{', '.join(unknown)}")

    def styles(self, block: object) -> list[tuple[str, str | None]]:
        """(style, box) of the text ``block`` sets."""
        if self.text_when and not getattr(block, self.text_when, None):
            return []
        return [(style.format_map(vars(block)), box) for style, box in self.text]


DRAWS: dict[str, Draws] = {}
"""The declaration of every registered block type (brochures' and summaries')."""


def registrar(table: dict[str, Callable]) -> Callable[..., Callable[[Callable], Callable]]:
    """A decorator factory filing each builder in ``table`` under its block type, and its
    declaration (what it draws) in :data:`DRAWS`."""
    def builds(kind: str, draws: Draws | None = None) -> Callable[[Callable], Callable]:
        def register(function: Callable) -> Callable:
            table[kind] = function
            if draws is not None:
                DRAWS[kind] = draws
            return function
        return register
    return builds


builds = registrar(BUILDERS)


def undeclared(kinds: list[str]) -> list[str]:
    """Those of block types ``kinds`` registered without a declaration of what they draw."""
    return [kind for kind in kinds if kind not in DRAWS]


def flowables(block: m.Block, ctx: BlockContext) -> list[Flowable]:
    """The flowables that draw ``block``."""
    return BUILDERS[block.type](block, ctx)


def flat(items: list[Flowable]) -> list[Flowable]:
    """Unwrap KeepTogether, for places that never split content (panels, table cells), where
    KeepTogether cannot be measured."""
    return [f for item in items
            for f in (flat(kept_together(item)) if isinstance(item, KeepTogether) else [item])]


class TaggedTable(DecoratedTable):
    """A table whose backgrounds and rules are artifacts in a tagged document, and whose
    rows split across pages when one is taller than a whole page (a long note in its box):
    a row that fits a page still moves to the next page whole."""

    def decorate(self, draw) -> None:
        artifact(self.canv, lambda c: draw())

    def split(self, available_width, available_height):
        """The table's pieces, split between rows; the header rows the second repeats
        (``repeatRows``) are said again as decoration (the structure has them once)."""
        pieces = super().split(available_width, available_height)
        repeated = self.repeatRows
        if len(pieces) == 2 and isinstance(repeated, int) and repeated:
            rows = table_cells(pieces[1])
            set_table_cells(pieces[1], [[said_again(cell) for cell in row]
                                        for row in rows[:repeated]] + rows[repeated:])
        return pieces


def grid(rows: list[list], widths: list[float], commands: list[tuple], ctx: BlockContext,
         **options) -> RLTable:
    """A table whose cells default to our body font (not ReportLab's Helvetica)."""
    table = TaggedTable(rows, colWidths=widths, hAlign="LEFT", **options)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), ctx.font), *commands]))
    return table


@builds("heading", Draws(text=(("h{level}", None),)))
def _heading(block: m.Heading, ctx: BlockContext) -> list[Flowable]:
    return [para(inline(block.text), ctx.styles[f"h{block.level}"])]


@builds("paragraph", Draws(text=(("{style}", None),)))
def _paragraph(block: m.Paragraph, ctx: BlockContext) -> list[Flowable]:
    return [para(inline(block.text), ctx.styles[block.style])]


_BULLET_STYLES: dict[tuple, tuple[ParagraphStyle, ParagraphStyle]] = {}


def _bullet_style(style: ParagraphStyle, indent: float, colour) -> ParagraphStyle:
    """``style`` with a hanging bullet in ``colour`` (one object per combination, so parsed
    paragraphs are reused)."""
    key = (id(style), indent, repr(colour))
    if key not in _BULLET_STYLES:
        _BULLET_STYLES[key] = (style, style.clone(f"{style.name}-item", leftIndent=indent,
                                                  bulletIndent=0, bulletColor=colour,
                                                  bulletFontSize=style.fontSize))
    return _BULLET_STYLES[key][1]


@builds("bullets", Draws(text=(("bullet", None),)))
def _bullets(block: m.Bullets, ctx: BlockContext) -> list[Flowable]:
    """One paragraph per item with a hanging bullet (tagged as a list: L, LI, LBody)."""
    bullet = ctx.styles["bullet"]
    style = _bullet_style(bullet, ctx.spacing.bullet_indent,
                          ctx.styles.text_colour("accent", bullet.fontSize))
    return [with_spec(para(inline(text), style, bullet="•"), list=True)
            for text in block.items]


@builds("checklist", Draws(text=(("bullet", None),)))
def _checklist(block: m.Checklist, ctx: BlockContext) -> list[Flowable]:
    style = ctx.styles["bullet"]
    side = style.fontSize * ctx.spacing.checkbox
    edge = ctx.styles.colour("heading")
    # types-reportlab's Rect refuses every keyword (its **kw lacks Unpack)
    outline = Rect(0, 0, side, side, fillColor=None, strokeColor=edge, strokeWidth=1)  # type: ignore[arg-type]
    box = canvas_drawing(side, side, ctx.font, outline)
    indent = ctx.spacing.bullet_indent + side * 0.5
    rows = [[box, para(inline(text), style)] for text in block.items]
    table = grid(rows, [indent, ctx.width - indent], [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (0, -1), (style.leading - side) / 2 + 1),
        ("TOPPADDING", (1, 0), (1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), style.spaceAfter),
    ], ctx)
    return [with_spec(table, rows_as_list=True)]


def inner_width(ctx: BlockContext) -> float:
    """The width left for content inside :func:`boxed`."""
    return ctx.width - 2 * ctx.spacing.box_padding - ctx.spacing.bar_width / 2


def boxed(content: list[Flowable], ctx: BlockContext, background: str, bar: str | None,
          frame: str | None = None) -> Flowable:
    """Content in a tinted box with a coloured bar on its left edge (and an outline)."""
    pad = ctx.spacing.box_padding
    outline = [("BOX", (0, 0), (-1, -1), ctx.spacing.rule_width, ctx.styles.palette(frame))]
    edge = [("LINEBEFORE", (0, 0), (0, -1), ctx.spacing.bar_width, ctx.styles.palette(bar))]
    table = grid([[content]], [ctx.width], [*(outline if frame else []), *(edge if bar else []),
        ("BACKGROUND", (0, 0), (-1, -1), ctx.styles.palette(background)),
        ("LEFTPADDING", (0, 0), (-1, -1), pad + ctx.spacing.bar_width / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ], ctx)
    table.spaceAfter = ctx.styles["body"].spaceAfter
    return table


def styled_box(content: list[Flowable], ctx: BlockContext, name: str) -> Flowable:
    """Content in the brand's box style ``name``, with the body's paragraph spacing above and
    below it (never touching the text around it)."""
    style = ctx.brand.boxes[name]
    box = boxed(content, ctx, style.fill, style.bar, frame=style.border)
    box.spaceBefore = box.spaceAfter = ctx.styles["body"].spaceAfter
    return box


def _box_text(ctx: BlockContext, box: str) -> ParagraphStyle:
    """The style of text in box style ``box`` (the callout style; emphasized body text when
    there is no box), in the box's text colour if it names one."""
    if box == NO_BOX:
        style = ctx.styles["body"]
        return style.clone(f"{style.name}-statement", fontName=ctx.styles.fonts.body.bold)
    style, colour = ctx.styles["callout"], ctx.brand.boxes[box].text
    if colour is None:
        return style
    return style.clone(f"{style.name}-{box}",
                       textColor=ctx.styles.palette.text(colour, style.fontSize))


def _in_box(paragraphs: list[Flowable], ctx: BlockContext, box: str) -> list[Flowable]:
    """Paragraphs in box style ``box``, or as they are when there is no box."""
    return paragraphs if box == NO_BOX else [styled_box(paragraphs, ctx, box)]


@builds("statement", Draws(text=(("callout", "sand"),)))
def _statement(block: m.Statement, ctx: BlockContext) -> list[Flowable]:
    text = ctx.publication.statements[block.ref]
    return _in_box([para(inline(text), _box_text(ctx, block.box))], ctx, block.box)


@builds("statements", Draws(text=(("callout", "sand"),)))
def _statements(block: m.Statements, ctx: BlockContext) -> list[Flowable]:
    style = _box_text(ctx, block.box)
    paragraphs: list[Flowable] = [para(inline(ctx.publication.statements[ref]), style)
                                  for ref in block.refs]
    for paragraph in paragraphs[:-1]:
        paragraph.spaceAfter = style.leading * ctx.spacing.statement_gap
    return _in_box(paragraphs, ctx, block.box)


@builds("callout", Draws(text=(("callout", "tint"), ("h3", "tint"))))
def _callout(block: m.Callout, ctx: BlockContext) -> list[Flowable]:
    content: list[Flowable] = [para(inline(block.title), ctx.styles["h3"])] if block.title else []
    content.append(para(inline(block.text), _box_text(ctx, block.box)))
    return _in_box(content, ctx, block.box)


@builds("facts", Draws(text=(("h3", "paper"), ("callout", "paper"))))
def _facts(block: m.Facts, ctx: BlockContext) -> list[Flowable]:
    """The key facts: a bold title over short bulleted lines, in the block's box style."""
    bullet = _box_text(ctx, block.box)
    style = _bullet_style(bullet, ctx.spacing.bullet_indent,
                          ctx.styles.text_colour("accent", bullet.fontSize))
    content: list[Flowable] = [para(inline(block.title), ctx.styles["h3"])]
    content += [with_spec(para(inline(text), style, bullet="•"), list=True)
                for text in block.items]
    return _in_box(content, ctx, block.box)


@builds("table", Draws(text=(("table", None), ("table", "tint"), ("table_head", "primary")),
                paints=("rule", "tint", "primary")))
def _table(block: m.Table, ctx: BlockContext) -> list[Flowable]:
    head, cell = ctx.styles["table_head"], ctx.styles["table"]
    rows = [[para(inline(text), head) for text in block.columns]]
    rows += [[para(f"<b>{inline(text)}</b>" if i == 0 else inline(text), cell)
              for i, text in enumerate(row)] for row in block.rows]
    weights = block.column_widths or [1.0] * len(block.columns)
    widths = [ctx.width * w / sum(weights) for w in weights]
    pad, palette = ctx.spacing.table_padding, ctx.styles.palette
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), ctx.styles.background("table_head", "primary")),
        ("LINEBELOW", (0, 1), (-1, -1), ctx.spacing.rule_width / 2, palette("rule")),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ]
    commands += [("BACKGROUND", (0, r), (-1, r), palette("tint"))
                 for r in range(2, len(rows), 2)]
    table = grid(rows, widths, commands, ctx, repeatRows=1)
    with_spec(table, table=TableHeaders(header_row=True, header_column=True))
    table.spaceAfter = ctx.styles["body"].spaceAfter
    if not block.caption:
        return [table]
    # the caption stays with its table: a column or page never opens with it alone
    return [KeepTogether([table, para(inline(block.caption), ctx.styles["caption"])])]


@builds("figure", Draws(text=(("caption", None),), text_when="caption"))
def _figure(block: m.Figure, ctx: BlockContext) -> list[Flowable]:
    art = ctx.publication.art.get(block.art) or ctx.brand.art[block.art]
    width = min(ctx.width * block.width, ctx.figure_height * art.width / art.height)
    picture = drawing(art, width, ctx.styles.palette, ctx.font, ctx.language,
                      bold=ctx.styles.fonts.body.bold)
    picture.hAlign = "CENTER"
    parts: list[Flowable] = [Spacer(1, ctx.spacing.figure_gap), picture]
    if block.caption:
        parts += [Spacer(1, ctx.spacing.caption_gap),
                  para(inline(block.caption), ctx.styles["caption"])]
    return [KeepTogether(parts)]


class RasterImage(Flowable):
    """A raster image scaled to a width, keeping its aspect ratio."""

    def __init__(self, reader, pixels: tuple[int, int], width: float):
        super().__init__()
        self.reader, self.width = reader, width
        self.height = width * pixels[1] / pixels[0]

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height)


@builds("image", Draws(text=(("caption", None),), text_when="caption"))
def _image(block: m.Image, ctx: BlockContext) -> list[Flowable]:
    if ctx.images is None:  # a summary's: the project check refuses images in one
        raise ValueError(f"no images to draw {block.path} from")
    reader, pixels = ctx.images(block.path, ctx.styles.palette.mode)
    picture = RasterImage(reader, pixels, ctx.width * block.width)
    with_spec(picture, alt=block.alt)
    picture.hAlign = "CENTER"
    parts: list[Flowable] = [picture]
    if block.caption:
        parts.append(para(inline(block.caption), ctx.styles["caption"]))
    return [KeepTogether(parts)]


@builds("logo", Draws())
def _logo(block: m.Logo, ctx: BlockContext) -> list[Flowable]:
    logo = ctx.brand.art[ctx.brand.logo]
    picture = drawing(logo, ctx.width * block.width, ctx.styles.palette, ctx.font,
                      ctx.language)
    picture.hAlign = "LEFT"
    return [picture]


@builds("cover", Draws(text=(("h3", None), ("cover_brand", None), ("cover_title", None),
                      ("cover_subtitle", None), ("cover_tagline", None))))
def _cover(block: m.Cover, ctx: BlockContext) -> list[Flowable]:
    pub, brand, styles = ctx.publication, ctx.brand, ctx.styles
    above_title, above_tagline, below = (styles["cover_title"].leading * gap
                                         for gap in ctx.spacing.cover_gaps)
    logo = drawing(brand.art[brand.logo], ctx.width * ctx.spacing.cover_logo, styles.palette,
                   ctx.font, ctx.language)
    logo.hAlign = "LEFT"
    tagline = [Spacer(1, above_tagline),
               fresh(escape(localize(brand.tagline, pub.language)), styles["cover_tagline"])]
    return [
        logo,
        Spacer(1, ctx.spacing.figure_gap),
        fresh(escape(brand.name), styles.styles.get("cover_brand") or styles["h3"]),
        Spacer(1, above_title),
        fresh(escape(pub.title), styles["cover_title"]),
        _rule(ctx, ctx.width * ctx.spacing.cover_rule),
        fresh(escape(pub.subtitle), styles["cover_subtitle"]),
        *(tagline if block.tagline else []),
        Spacer(1, below),
    ]


def _rule(ctx: BlockContext, length: float) -> Flowable:
    thickness = ctx.spacing.bar_width
    gap = ctx.spacing.box_padding
    fill = ctx.styles.colour("accent")
    # types-reportlab's Rect refuses every keyword (its **kw lacks Unpack)
    bar = Rect(0, gap, length, thickness, fillColor=fill, strokeColor=None, strokeWidth=0)  # type: ignore[arg-type]
    rule = canvas_drawing(length, thickness + 2 * gap, ctx.font, bar)
    rule.hAlign = "LEFT"
    return rule


@builds("physician", Draws(text=(("h1", None), ("h3", None), ("small", None), ("body", None))))
def _physician(block: m.PhysicianBio, ctx: BlockContext) -> list[Flowable]:
    doctor = ctx.brand.physician(block.key or ctx.publication.physician)
    styles, language = ctx.styles, ctx.publication.language
    return [
        para(escape(block.heading), styles["h1"]),
        fresh(escape(f"{doctor.display_name(language)}, {doctor.credentials}"), styles["h3"]),
        fresh(escape(localize(doctor.title, language)), styles["small"]),
        para(escape(localize(doctor.bio, language)), styles["body"]),
    ]


@builds("contact", Draws(text=(("h2", None), ("contact", None))))
def _contact(block: m.ContactBlock, ctx: BlockContext) -> list[Flowable]:
    contact, styles = ctx.brand.contact, ctx.styles
    lines = [f"<b>{escape(ctx.brand.name)}</b>", *map(escape, contact.address),
             f"<b>{escape(contact.phone)}</b>", escape(contact.web)]
    if contact.hours:
        lines.append(escape(localize(contact.hours, ctx.publication.language)))
    parts: list[Flowable] = []
    if block.heading:
        parts.append(fresh(escape(block.heading), styles["h2"]))
    parts.append(para("<br/>".join(lines), styles["contact"]))
    return parts


@builds("qr", Draws(text=(("small", None),)))
def _qr(block: m.QrCode, ctx: BlockContext) -> list[Flowable]:
    url = block.url or str(ctx.brand.contact.booking_url)
    code = QrFlowable(url, ctx.width * block.size, ctx.styles.colour("text"), label=block.text,
                      name=localize(ctx.brand.qr_code_name, ctx.language))
    code.hAlign = "LEFT"
    gap = ctx.spacing.box_padding
    if block.beside:  # a narrow column: the address as typed, without its scheme
        caption = booking_caption(block.text, url, ctx.styles["small"],
                                  url.split("://", 1)[-1])
        side = code.size + 2 * gap
        table = grid([[code, caption]], [side, ctx.width - side], [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)], ctx)
        table.spaceAfter = ctx.styles["small"].spaceAfter
        return [table]
    caption = booking_caption(block.text, url, ctx.styles["small"])
    return [KeepTogether([code, Spacer(1, gap), caption])]


@builds("spacer", Draws())
def _spacer(block: m.Spacer, ctx: BlockContext) -> list[Flowable]:
    return [Spacer(1, block.height * ctx.styles.scale)]


@builds("colophon", Draws(text=(("small", None),)))
def _colophon(block: m.Colophon, ctx: BlockContext) -> list[Flowable]:
    """The publication's standards as one paragraph of small type: sources (one after
    another), then the dates, other formats and the disclosure, each a sentence."""
    standards = ctx.publication.standards
    if standards is None:
        return []
    sources = "; ".join(inline(source) for source in standards.sources)
    dates, formats, disclosure = _standards_lines(ctx)
    lines = [f"<b>{escape(standards.sources_label)}</b> {sources}.", inline(dates),
             *([inline(formats)] if block.formats else []), inline(disclosure)]
    return [para(" ".join(lines), ctx.styles["small"])]


def _standards_lines(ctx: BlockContext) -> list[str]:
    """The publication's dates, formats and disclosure lines, filled in for the brand."""
    pub = ctx.publication
    if pub.standards is None:
        return []
    return pub.standards.lines(pub.date, pub.review_date, ctx.brand.name,
                               ctx.brand.contact.phone)


@builds("formats", Draws(text=(("h3", None),)))
def _formats(block: m.Formats, ctx: BlockContext) -> list[Flowable]:
    """The other-formats line on its own, in bold (the h3 style)."""
    lines = _standards_lines(ctx)
    return [para(inline(lines[1]), ctx.styles["h3"])] if lines else []
