"""Content blocks to flowables: a registry from block type to a function returning flowables.

Each builder takes the block and a :class:`BlockContext` (brand, publication, styles of the
panel it lands in, column width) and returns ReportLab flowables. Adding a block type is adding
one function here and one model in ``model/publication.py``.
"""

from __future__ import annotations

import html
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.graphics.shapes import Rect
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from ..model import publication as m
from ..model.base import localize
from ..model.brand import Brand
from ..model.layout import Spacing
from ..text import escape, fallback_runs, inline
from .art import canvas_drawing, drawing
from .fonts import font_for
from .images import ImageLoader
from .qr import QrFlowable
from .styles import StyleSheet
from .tagging import artifact


@dataclass(frozen=True)
class BlockContext:
    brand: Brand
    publication: m.Publication
    styles: StyleSheet
    spacing: Spacing
    width: float
    images: ImageLoader | None = None

    @property
    def language(self) -> str:
        return self.publication.language

    @property
    def font(self) -> str:
        """The default font for drawings (they show no text, but must not reference a base font)."""
        return self.styles.fonts.body.regular


Builder = Callable[[object, BlockContext], list[Flowable]]
BUILDERS: dict[str, Builder] = {}


def builds(kind: str) -> Callable[[Builder], Builder]:
    def register(function: Builder) -> Builder:
        BUILDERS[kind] = function
        return function
    return register


def flowables(block: m.Block, ctx: BlockContext) -> list[Flowable]:
    """The flowables that draw ``block``."""
    return BUILDERS[block.type](block, ctx)


_PARSED: OrderedDict[tuple[str, int], tuple[ParagraphStyle, list]] = OrderedDict()
_PARSED_LIMIT = 4096


class Para(Paragraph):
    """A Paragraph that remembers its line breaks for the last width it was wrapped to
    (tables and page-fitting wrap the same paragraph several times at one width), and keeps
    a space at the end of each line but the last."""

    def wrap(self, available_width, available_height):
        if getattr(self, "_wrapped_at", None) == available_width:
            return self.width, self.height
        size = super().wrap(available_width, available_height)
        self._wrapped_at = available_width
        _keep_line_end_spaces(self)
        return size


def _keep_line_end_spaces(paragraph: Paragraph) -> None:
    """ReportLab drops the space where it breaks a line; without it, text extraction, reflow
    and screen readers that follow the text (as Tagged PDF asks them to) read the last word
    of a line and the first of the next as one. The space goes back where the text had one:
    not inside a long word split across lines, nor between characters of a script written
    without spaces. It is drawn after the line's last glyph, so nothing moves on the page."""
    lines = paragraph.blPara
    tokens = _words(html.unescape(_TAG.sub("", _BREAK.sub(" ", paragraph.text))))
    token = offset = 0
    for line in lines.lines[:-1]:
        pieces = line[1] if lines.kind == 0 else [f for f in line.words if _text_of(f)]
        for piece in pieces:
            for word in _words(piece if lines.kind == 0 else _text_of(piece)):
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


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # not the no-break space: it joins words


def _words(text: str) -> list[str]:
    return [word for word in _SPACES.split(text) if word]


def _text_of(fragment) -> str:
    text = getattr(fragment, "text", None)
    return text if isinstance(text, str) and not getattr(fragment, "cbDefn", None) else ""


class LinkPara(Para):
    """A paragraph that is a link: the whole paragraph is the clickable area. In a tagged
    document its text and its link annotation belong to one Link element."""

    _link_url: str | None = None  # pieces of a split paragraph are not links
    _link_contents = ""
    _link_path = None

    def draw(self):
        super().draw()
        if not self._link_url:
            return
        canvas, rect = self.canv, (0, 0, self.width, self.height)
        tagger = getattr(canvas, "tagger", None)
        if tagger is not None and self._link_path:
            tagger.link(canvas, self._link_path, self._link_url, rect, self._link_contents)
        else:
            canvas.linkURL(self._link_url, rect, relative=1, thickness=0)


def fresh(markup: str, style: ParagraphStyle, bullet: str | None = None,
          kind: type[Para] = Para) -> Paragraph:
    """A Paragraph of markup, with characters the style's font lacks drawn in a fallback
    font (a patient's name in any script)."""
    if not markup.isascii():
        markup = fallback_runs(markup, font_for(style.fontName))
    return kind(markup, style, bulletText=bullet)


def booking_caption(text: str, url: str, style: ParagraphStyle) -> Paragraph:
    """The caption beside a QR code: what the code is for and its address, itself a link
    (for readers on a screen, and for screen readers, which cannot scan a code)."""
    caption = fresh(f"<b>{escape(text)}</b><br/>{escape(url)}", style, kind=LinkPara)
    caption._link_url, caption._link_contents = url, f"{text}: {url}"
    return caption


def para(markup: str, style: ParagraphStyle, bullet: str | None = None) -> Paragraph:
    """Like :func:`fresh`, for content text (never a patient's own words): parsed once per
    process, so the same text in the same style reuses the parsed fragments."""
    key = (markup, id(style), bullet)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] is style:
        _PARSED.move_to_end(key)
        return Para(markup, style, bulletText=bullet, frags=hit[1])
    paragraph = fresh(markup, style, bullet)
    _PARSED[key] = (style, paragraph.frags)
    if len(_PARSED) > _PARSED_LIMIT:
        _PARSED.popitem(last=False)
    return paragraph


def flat(items: list[Flowable]) -> list[Flowable]:
    """Unwrap KeepTogether, for places that never split content (panels, table cells), where
    KeepTogether cannot be measured."""
    return [f for item in items
            for f in (flat(item._content) if isinstance(item, KeepTogether) else [item])]


class TaggedTable(RLTable):
    """A table whose backgrounds and rules are artifacts in a tagged document."""

    def _drawBkgrnd(self):  # noqa: N802 - ReportLab's names
        artifact(self.canv, lambda c: super(TaggedTable, self)._drawBkgrnd())

    def _drawLines(self):  # noqa: N802
        artifact(self.canv, lambda c: super(TaggedTable, self)._drawLines())


def grid(rows: list[list], widths: list[float], commands: list[tuple], ctx: BlockContext,
         **options) -> RLTable:
    """A table whose cells default to our body font (not ReportLab's Helvetica)."""
    table = TaggedTable(rows, colWidths=widths, hAlign="LEFT", **options)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), ctx.font), *commands]))
    return table


@builds("heading")
def _heading(block: m.Heading, ctx: BlockContext) -> list[Flowable]:
    return [para(inline(block.text), ctx.styles[f"h{block.level}"])]


@builds("paragraph")
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


@builds("bullets")
def _bullets(block: m.Bullets, ctx: BlockContext) -> list[Flowable]:
    """One paragraph per item with a hanging bullet (tagged as a list: L, LI, LBody)."""
    style = _bullet_style(ctx.styles["bullet"], ctx.spacing.bullet_indent,
                          ctx.styles.colour("accent"))
    items = [para(inline(text), style, bullet="•") for text in block.items]
    for item in items:
        item._tag_list = True
    return items


@builds("checklist")
def _checklist(block: m.Checklist, ctx: BlockContext) -> list[Flowable]:
    style = ctx.styles["bullet"]
    side = style.fontSize * ctx.spacing.checkbox
    box = canvas_drawing(side, side, ctx.font,
                         Rect(0, 0, side, side, fillColor=None,
                              strokeColor=ctx.styles.colour("heading"), strokeWidth=1))
    indent = ctx.spacing.bullet_indent + side * 0.5
    rows = [[box, para(inline(text), style)] for text in block.items]
    table = grid(rows, [indent, ctx.width - indent], [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (0, -1), (style.leading - side) / 2 + 1),
        ("TOPPADDING", (1, 0), (1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), style.spaceAfter),
    ], ctx)
    table._tag_rows_as_list = True
    return [table]


def inner_width(ctx: BlockContext) -> float:
    """The width left for content inside :func:`boxed`."""
    return ctx.width - 2 * ctx.spacing.box_padding - ctx.spacing.bar_width / 2


def boxed(content: list[Flowable], ctx: BlockContext, background: str, bar: str,
          frame: str | None = None) -> Flowable:
    """Content in a tinted box with a coloured bar on its left edge (and an outline)."""
    pad = ctx.spacing.box_padding
    outline = [("BOX", (0, 0), (-1, -1), ctx.spacing.rule_width, ctx.styles.palette(frame))]
    table = grid([[content]], [ctx.width], [*(outline if frame else []),
        ("BACKGROUND", (0, 0), (-1, -1), ctx.styles.palette(background)),
        ("LINEBEFORE", (0, 0), (0, -1), ctx.spacing.bar_width, ctx.styles.palette(bar)),
        ("LEFTPADDING", (0, 0), (-1, -1), pad + ctx.spacing.bar_width / 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ], ctx)
    table.spaceAfter = ctx.styles["body"].spaceAfter
    return table


@builds("statement")
def _statement(block: m.Statement, ctx: BlockContext) -> list[Flowable]:
    text = ctx.publication.statements[block.ref]
    return [boxed([para(inline(text), ctx.styles["callout"])], ctx, "sand", "accent")]


@builds("statements")
def _statements(block: m.Statements, ctx: BlockContext) -> list[Flowable]:
    style = ctx.styles["callout"]
    paragraphs = [para(inline(ctx.publication.statements[ref]), style) for ref in block.refs]
    for paragraph in paragraphs[:-1]:
        paragraph.spaceAfter = style.leading * ctx.spacing.statement_gap
    return [boxed(paragraphs, ctx, "sand", "accent")]


@builds("callout")
def _callout(block: m.Callout, ctx: BlockContext) -> list[Flowable]:
    content = [para(inline(block.title), ctx.styles["h3"])] if block.title else []
    content.append(para(inline(block.text), ctx.styles["callout"]))
    return [boxed(content, ctx, "tint", "primary")]


@builds("table")
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
        ("BACKGROUND", (0, 0), (-1, 0), palette("primary")),
        ("LINEBELOW", (0, 1), (-1, -1), ctx.spacing.rule_width / 2, palette("rule")),
        ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
    ]
    commands += [("BACKGROUND", (0, r), (-1, r), palette("tint"))
                 for r in range(2, len(rows), 2)]
    table = grid(rows, widths, commands, ctx, repeatRows=1)
    table._tag_table = {"header_row": True, "header_column": True}
    table.spaceAfter = ctx.styles["body"].spaceAfter
    parts: list[Flowable] = [table]
    if block.caption:
        parts.append(para(inline(block.caption), ctx.styles["caption"]))
    return parts


@builds("figure")
def _figure(block: m.Figure, ctx: BlockContext) -> list[Flowable]:
    art = ctx.publication.art.get(block.art) or ctx.brand.art[block.art]
    picture = drawing(art, ctx.width * block.width, ctx.styles.palette, ctx.font, ctx.language)
    picture.hAlign = "CENTER"
    parts: list[Flowable] = [Spacer(1, ctx.spacing.figure_gap), picture]
    if block.caption:
        parts.append(para(inline(block.caption), ctx.styles["caption"]))
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


@builds("image")
def _image(block: m.Image, ctx: BlockContext) -> list[Flowable]:
    reader, pixels = ctx.images(block.path, ctx.styles.palette.mode)
    picture = RasterImage(reader, pixels, ctx.width * block.width)
    picture._tag_alt = block.alt
    picture.hAlign = "CENTER"
    parts: list[Flowable] = [picture]
    if block.caption:
        parts.append(para(inline(block.caption), ctx.styles["caption"]))
    return [KeepTogether(parts)]


@builds("logo")
def _logo(block: m.Logo, ctx: BlockContext) -> list[Flowable]:
    logo = ctx.brand.art[ctx.brand.logo]
    picture = drawing(logo, ctx.width * block.width, ctx.styles.palette, ctx.font,
                      ctx.language)
    picture.hAlign = "LEFT"
    return [picture]


@builds("cover")
def _cover(block: m.Cover, ctx: BlockContext) -> list[Flowable]:
    pub, brand, styles = ctx.publication, ctx.brand, ctx.styles
    above_title, above_tagline, below = (styles["cover_title"].leading * gap
                                         for gap in ctx.spacing.cover_gaps)
    logo = drawing(brand.art[brand.logo], ctx.width * ctx.spacing.cover_logo, styles.palette,
                   ctx.font, ctx.language)
    logo.hAlign = "LEFT"
    return [
        logo,
        Spacer(1, ctx.spacing.figure_gap),
        fresh(escape(brand.name), styles["h3"]),
        Spacer(1, above_title),
        fresh(escape(pub.title), styles["cover_title"]),
        _rule(ctx, ctx.width * ctx.spacing.cover_rule),
        fresh(escape(pub.subtitle), styles["cover_subtitle"]),
        Spacer(1, above_tagline),
        fresh(escape(localize(brand.tagline, pub.language)), styles["cover_tagline"]),
        Spacer(1, below),
    ]


def _rule(ctx: BlockContext, length: float) -> Flowable:
    thickness = ctx.spacing.bar_width
    gap = ctx.spacing.box_padding
    rule = canvas_drawing(length, thickness + 2 * gap, ctx.font,
                          Rect(0, gap, length, thickness, fillColor=ctx.styles.colour("accent"),
                               strokeColor=None, strokeWidth=0))
    rule.hAlign = "LEFT"
    return rule


@builds("physician")
def _physician(block: m.PhysicianBio, ctx: BlockContext) -> list[Flowable]:
    doctor = ctx.brand.physician(block.key or ctx.publication.physician)
    styles, language = ctx.styles, ctx.publication.language
    return [
        para(escape(block.heading), styles["h1"]),
        fresh(escape(f"{doctor.display_name(language)}, {doctor.credentials}"), styles["h3"]),
        fresh(escape(localize(doctor.title, language)), styles["small"]),
        para(escape(localize(doctor.bio, language)), styles["body"]),
    ]


@builds("contact")
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


@builds("qr")
def _qr(block: m.QrCode, ctx: BlockContext) -> list[Flowable]:
    url = block.url or str(ctx.brand.contact.booking_url)
    code = QrFlowable(url, ctx.width * block.size, ctx.styles.colour("text"), label=block.text,
                      name=localize(ctx.brand.qr_code_name, ctx.language))
    code.hAlign = "LEFT"
    return [KeepTogether([code, Spacer(1, ctx.spacing.box_padding),
                          booking_caption(block.text, url, ctx.styles["small"])])]


@builds("spacer")
def _spacer(block: m.Spacer, ctx: BlockContext) -> list[Flowable]:
    return [Spacer(1, block.height * ctx.styles.scale)]
