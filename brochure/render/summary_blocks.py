"""Summary-only blocks: the patient line, findings, scale pictures, verdict box, note, signature.

Each builder takes the block and a :class:`SummaryContext` and returns flowables, like the
publication blocks in :mod:`brochure.render.blocks` (which summaries also use).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from reportlab.graphics.shapes import Line
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table
from reportlab.platypus.flowables import CondPageBreak, PageBreak

from ..candidacy import Assessment, ReasonGroup
from ..errors import BrochureError, Problem
from ..model import summary as m
from ..model.base import localize
from ..model.brand import Physician
from ..model.layout import ScaleGeometry, SummaryGeometry
from ..model.patient import PatientRecord
from ..model.publication import Bullets, QrCode
from ..model.rules import Rules
from ..templates import fill, needed
from ..text import escape, inline
from .art import canvas_drawing, drawing
from .blocks import (
    BUILDERS,
    BlockContext,
    Draws,
    boxed,
    flat,
    flowables,
    grid,
    inner_width,
    registrar,
    styled_box,
)
from .paragraphs import booking_caption, fresh, para
from .replay import replay
from .styles import StyleSheet
from .tagging import TableHeaders, TagSpec, with_spec


@dataclass(frozen=True)
class SummaryContext:
    """Everything a summary block may draw on, for one patient."""

    block: BlockContext
    record: PatientRecord
    assessment: Assessment
    rules: Rules
    physician: Physician
    values: dict
    scale: ScaleGeometry
    geometry: SummaryGeometry
    recordings: dict | None = None
    """Where drawings that depend on few values (scales) are recorded, when replaying."""
    note_cut: bool = False
    """The record's note was cut to what fits: the note block ends it with its ``cut`` words."""
    note_from: int = 0
    """The note's paragraphs before this one stand as empty spacers (a layout taken up again
    at this paragraph places none of them; they are not made)."""
    measure: float | None = None
    """The longest line a block's text may take when it spans the page (above the columns)."""
    boxes: dict[str, str] = field(default_factory=dict)
    """The brand's box style the layout names for the summary's own boxes (patient, note)."""
    box_space: float = 0
    """The least space between a box and the text above and below it."""

    def fill(self, template: str) -> str:
        return fill(template, self.values)

    def recorded(self, template: str) -> str | None:
        """``template`` filled, or None when it needs a value the record does not give (one it
        reads without testing it itself: see :func:`brochure.templates.needed`)."""
        if "{" in template and any(self.values.get(name, "") is None
                                   for name in needed(template)):
            return None
        return self.fill(template)

    def finding(self, template: str) -> str:
        """``template`` filled, or the text's words for a value not recorded (never a default
        shown as a finding)."""
        found = self.recorded(template)
        return self.values["not_recorded"] if found is None else found


SummaryBuilder = Callable[[object, SummaryContext], list[Flowable]]
SUMMARY_BUILDERS: dict[str, SummaryBuilder] = {}


summary_builds = registrar(SUMMARY_BUILDERS)


def summary_flowables(block, ctx: SummaryContext) -> list[Flowable]:
    """Flowables for a summary block; publication block types render as in brochures, with
    their text filled from the record first."""
    if block.type in SUMMARY_BUILDERS:
        return SUMMARY_BUILDERS[block.type](block, ctx)
    built = BUILDERS[block.type](_filled(block, ctx), ctx.block)
    if block.type in _BOXED:  # a statement's or callout's box: the summary's room around it
        built = [_spaced(f, ctx) if isinstance(f, Table) else f for f in built]
    return built


_BOXED = {"statement", "statements", "callout"}
"""Publication blocks drawn in one of the brand's boxes (unless their box is 'none')."""


def _filled(block, ctx: SummaryContext):
    """A copy of a text block whose templates are rendered (as plain text again)."""
    if block.type in ("paragraph", "heading", "callout") and "{" in block.text:
        return block.model_copy(update={"text": ctx.fill(block.text)})
    if block.type == "bullets" and any("{" in item for item in block.items):
        return block.model_copy(update={"items": [ctx.fill(item) for item in block.items]})
    return block


@summary_builds("patient", Draws(text=(("h3", "tint"), ("small", "tint"))))
def _patient(block: m.PatientLine, ctx: SummaryContext) -> list[Flowable]:
    """Who and when: the name and the facts beside it, then the details (birth and visit
    dates); what the record does not give is left out."""
    styles = ctx.block.styles
    beside = [text for template in block.beside_name
              if (text := ctx.recorded(template)) is not None]
    name = f"{escape(block.name_label)}: <b>{escape(ctx.record.name)}</b>" + "".join(
        f" · {escape(text)}" for text in beside)
    details = " · ".join(  # the physician is named once: by the signature
        f"{escape(detail.label)} {escape(value)}" for detail in block.details
        if (value := ctx.recorded(detail.value)) is not None)
    lines: list[Flowable] = [fresh(name, _measured(styles["h3"], ctx))]
    if details:  # the details' line is short by its form: it spans the box
        lines.append(fresh(details, styles["small"]))
    return [_box(lines, ctx, "patient")]


def _box(content: list[Flowable], ctx: SummaryContext, role: str) -> Flowable:
    """Content in the brand's box style that the layout names for ``role`` (default the
    brand's 'ask'), with the layout's space above and below it."""
    name = ctx.boxes.get(role, "ask")
    if name not in ctx.block.brand.boxes:
        raise BrochureError(Problem(
            f"the summary layout's box style '{name}' (for its {role} box) is not one of the "
            f"brand's boxes: {', '.join(ctx.block.brand.boxes)}"))
    return _spaced(styled_box(content, ctx.block, name), ctx)


def _spaced(box: Flowable, ctx: SummaryContext) -> Flowable:
    """A box with at least the layout's box space above and below it."""
    box.spaceBefore = max(getattr(box, "spaceBefore", 0), ctx.box_space)
    box.spaceAfter = max(getattr(box, "spaceAfter", 0), ctx.box_space)
    return box


def _measured(style, ctx: SummaryContext):
    """``style`` kept to the context's measure inside a box that spans the page, so that its
    lines hold no more characters than the body's at that measure (larger or bolder type is
    given room in proportion): the lines end there however wide the box is."""
    if not ctx.measure:
        return style
    body = ctx.block.styles["body"]
    measure = ctx.measure * (stringWidth(_SAMPLE, style.fontName, style.fontSize)
                             / stringWidth(_SAMPLE, body.fontName, body.fontSize))
    extra = inner_width(ctx.block) - measure
    return style.clone(f"{style.name}-measure", rightIndent=style.rightIndent + extra) \
        if extra > 0 else style


_SAMPLE = "the quick brown fox jumps over a lazy dog"
"""Text whose width in two styles compares how many characters a line of each holds."""


@summary_builds("findings", Draws(text=(("h2", None), ("table", None)), paints=("rule",)))
def _findings(block: m.Findings, ctx: SummaryContext) -> list[Flowable]:
    styles = ctx.block.styles
    palette, pad = styles.palette, ctx.block.spacing.table_padding
    labels = ctx.block.width * ctx.geometry.findings_labels
    rows = [[_finding_label(row, styles, labels - 2 * pad),
             para(inline(ctx.finding(row.value)), styles["table"])] for row in block.rows]
    commands = [("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), ctx.block.spacing.rule_width / 2,
                 palette("rule")),
                ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad)]
    width = ctx.block.width
    table = grid(rows, [labels, width - labels], commands, ctx.block)
    with_spec(table, table=TableHeaders(header_column=True))
    heading = [para(escape(block.heading), styles["h2"])] if block.heading else []
    return [KeepTogether([*heading, table])]  # a few rows, read as one: never split


def _finding_label(row: m.Finding, styles, width: float) -> Flowable:
    """The plain label first; the clinical term, if any, after it in the layout's smaller
    `term` style: on the same line where the whole term fits, else on the lines below."""
    label = f"<b>{escape(row.label)}</b>"
    if row.term:
        term, table = styles["term"], styles["table"]
        beside = (stringWidth(f"{row.label} ", styles.fonts.body.bold, table.fontSize)
                  + stringWidth(row.term, term.fontName, term.fontSize)) <= width
        label += (f'{" " if beside else "<br/>"}<font name="{term.fontName}" '
                  f'size="{term.fontSize:g}" color="#{term.textColor.hexval()[2:]}">'
                  f'{escape(row.term)}</font>')
    return para(label, styles["table"])


class ScaleBar(Flowable):
    """A row of numbered boxes 0…maximum with the patient's box filled and marked."""

    def __init__(self, item: m.Scale, value: float | None, ctx: SummaryContext, you: str):
        super().__init__()
        self.item, self.value = item, value
        self.you = ctx.fill(item.marker) if item.marker and value is not None else you
        self.recordings = ctx.recordings
        self.geometry, self.styles = ctx.scale, ctx.block.styles
        alt = ctx.recorded(item.alt)  # what a screen reader says
        self.alt = item.missing if alt is None else alt
        self.tag_spec = TagSpec(alt=self.alt)
        small = self.styles["small"]
        self.text_size, self.font = small.fontSize, small.fontName
        self.body_height = self.geometry.height + 2.2 * self.text_size + self.geometry.gap * 2
        self.height, self.stacked = self.body_height, False

    def wrap(self, available_width, available_height):
        """Beside its label where the boxes have room (each at least two figures wide), under
        it in a narrow column."""
        self.width = available_width
        boxes = self.item.maximum + 1
        self.stacked = (self.width - self.geometry.label_width) / boxes < 2 * self.text_size
        self.height = self.body_height + (self._head_height() if self.stacked else 0)
        return self.width, self.height

    def _head_height(self) -> float:
        """The label's line and the clinical term's, over the boxes of a stacked scale."""
        term = self._term(self.width)
        return self.styles["h3"].leading + (term.wrap(self.width, 1e6)[1] if term else 0)

    def draw(self):
        if self.recordings is None:
            return self._draw(self.canv)
        key = ("scale", self.item.field, self.item.label, self.value, self.you, self.width)
        replay(self.canv, self.recordings, key, self._draw)

    def _draw(self, canvas):
        g, styles = self.geometry, self.styles
        palette = styles.palette
        boxes = self.item.maximum + 1
        left = 0 if self.stacked else g.label_width
        step = (self.width - left) / boxes
        base = 1.1 * self.text_size + g.gap
        if self.stacked:
            self._label(canvas, self.height - styles["h3"].fontSize, self.width)
        else:
            term = self._term(left - g.gap)
            _, term_height = term.wrap(left - g.gap, self.height) if term else (0, 0)
            self._label(canvas, base + g.height / 2 - self.text_size / 3 + term_height / 2,
                        left - g.gap)
        for n in range(boxes):
            chosen = n == self.value
            canvas.setFillColor(palette("primary") if chosen else palette("scale-track"))
            canvas.setStrokeColor(palette("scale-edge"))  # 3:1 on the page (WCAG 1.4.11)
            canvas.roundRect(left + n * step + g.gap / 2, base, step - g.gap, g.height, 3,
                             stroke=0 if chosen else 1, fill=1)
            canvas.setFillColor(palette("paper") if chosen else styles.colour("text"))
            canvas.setFont(self.font, self.text_size)
            canvas.drawCentredString(left + (n + 0.5) * step, base + g.height / 2 -
                                     self.text_size / 3, str(n))
        self._ends(canvas, left, step, boxes)

    def _label(self, canvas, baseline: float, width: float) -> None:
        """The plain label, and under it the clinical term, smaller."""
        canvas.setFillColor(self.styles.colour("text"))
        canvas.setFont(self.styles["h3"].fontName, self.styles["h3"].fontSize)
        canvas.drawString(0, baseline, self.item.label)
        term = self._term(width)
        if term:
            _, term_height = term.wrap(width, self.height)
            term.drawOn(canvas, 0, baseline - self.text_size / 3 - term_height)

    def _term(self, width: float) -> Flowable | None:
        if not self.item.term:
            return None
        return para(escape(self.item.term), self.styles["term"])

    def _ends(self, canvas, left, step, boxes):
        canvas.setFillColor(self.styles["caption"].textColor)
        canvas.setFont(self.font, self.text_size)
        canvas.drawString(left + self.geometry.gap / 2, 0, self.item.low)
        canvas.drawRightString(left + boxes * step - self.geometry.gap / 2, 0, self.item.high)
        if self.value is None:
            return self._missing(canvas, left, boxes * step)
        label, x = self.you, left + (self.value + 0.5) * step
        font = self.styles["h3"].fontName
        half = canvas.stringWidth(label, font, self.text_size) / 2
        x = min(max(x, left + half), left + boxes * step - half)  # never past the scale's ends
        canvas.setFillColor(self.styles.palette("primary"))
        canvas.setFont(font, self.text_size)
        canvas.drawCentredString(x, self.body_height - self.text_size, label)

    def _missing(self, canvas, left: float, width: float) -> None:
        """No value: no box is chosen and the words say so in the caption's quiet style, set
        in a rule across the whole scale, so that they point at no one box."""
        caption, y = self.styles["caption"], self.body_height - self.text_size
        label = self.item.missing
        half = canvas.stringWidth(label, caption.fontName, self.text_size) / 2 + self.geometry.gap
        middle = left + width / 2
        canvas.setFillColor(caption.textColor)
        canvas.setFont(caption.fontName, self.text_size)
        canvas.drawCentredString(middle, y, label)
        canvas.setStrokeColor(caption.textColor)
        canvas.setLineWidth(self.geometry.gap / 6)
        rule = y + self.text_size / 3
        inset = self.geometry.gap / 2
        canvas.line(left + inset, rule, middle - half, rule)
        canvas.line(middle + half, rule, left + width - inset, rule)


@summary_builds("scales", Draws(
    text=(("h2", None), ("h3", None), ("small", None), ("caption", None)),
    paints=("primary", "scale-track", "scale-edge", "paper")))
def _scales(block: m.Scales, ctx: SummaryContext) -> list[Flowable]:
    gap = ctx.scale.between
    opening = (para(escape(block.heading), ctx.block.styles["h2"]) if block.heading
               else Spacer(1, gap))  # without a heading: the pictures of the findings above
    bars = [ScaleBar(item, ctx.values.get(item.field), ctx, block.you)
            for item in block.items]
    return [KeepTogether([opening, *[f for bar in bars for f in (bar, Spacer(1, gap))]])]


@summary_builds("bottom_line", Draws(text=(("h2", None), ("body", None))))
def _bottom_line(block: m.BottomLine, ctx: SummaryContext) -> list[Flowable]:
    """The bottom line in the verdict's box: icon and label, what the verdict means for this
    patient, and the one next step (with the clinic's phone number)."""
    styles, verdict = ctx.block.styles, _verdict(ctx)
    info = ctx.rules.info(verdict)
    step = " ".join(inline(ctx.fill(template)) for template in next_steps(block, ctx))
    next_step = f"<b>{escape(block.next_step_label)}</b> {step}"
    content: list[Flowable] = [
        _verdict_head(ctx), Spacer(1, ctx.block.spacing.box_padding),
        para(inline(ctx.fill(block.meaning[verdict])), _measured(styles["body"], ctx)),
        para(next_step, _measured(styles["body"], ctx))]
    box = _spaced(boxed(content, ctx.block, "paper", info.tone, frame=info.tone), ctx)
    return [KeepTogether([para(escape(block.heading), styles["h2"]), box])]


def next_steps(block: m.BottomLine, ctx: SummaryContext) -> tuple[str, ...]:
    """The next steps (templates) of what led to the verdict: the deciding rules' own, each
    once, most urgent (first listed) first; the verdict's own where no rule decided it (an
    override, no rule matched, or only values not recorded)."""
    assessment = ctx.assessment
    steps = [] if assessment.overridden else [
        rule.next_step for rule in assessment.fired
        if rule.verdict == assessment.verdict and rule.next_step]
    return tuple(dict.fromkeys(steps)) or (block.next_step[_verdict(ctx)],)


def _verdict(ctx: SummaryContext) -> str:
    """The assessment's verdict, one of the rules' verdicts (every text keyed by verdict has
    one for each: checked when the project loads)."""
    return ctx.assessment.verdict


def _verdict_head(ctx: SummaryContext) -> Flowable:
    """The verdict's icon (decoration: the label says the same) beside its label."""
    styles = ctx.block.styles
    info = ctx.rules.info(ctx.assessment.verdict)
    label_style = styles["verdict"].clone("verdict-tone", textColor=styles.palette(info.tone))
    icon_size = styles["verdict"].fontSize * ctx.geometry.verdict_icon
    icon = drawing(ctx.block.brand.art[info.icon], icon_size, styles.palette, ctx.block.font)
    with_spec(icon, alt=None)  # the label beside it says the same: decoration for a reader
    icon_column = icon.width + ctx.block.spacing.box_padding
    return grid([[icon, para(escape(ctx.assessment.label), label_style)]],
                [icon_column, inner_width(ctx.block) - icon_column], [
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)],
                ctx.block)


@summary_builds("reasons", Draws(text=(("h2", None), ("body", None), ("bullet", None))))
def _reasons(block: m.Reasons, ctx: SummaryContext) -> list[Flowable]:
    """Each group of reasons under its own heading, in the order the block lists them; a
    heading starts a page unless its first lines fit under it, and a long group flows on
    across the page between its lines and bullets (it is no box)."""
    groups = sorted(ctx.assessment.groups, key=lambda g: block.order(g.kind))
    styles = ctx.block.styles
    return [f for g in groups for f in (
        *_opening(para(escape(block.heading(g.kind).heading), styles["h2"]),
                  styles["body"].leading * _OPENING_LINES),
        *_group(block, g, ctx))]


def _group(block: m.Reasons, group: ReasonGroup, ctx: SummaryContext) -> list[Flowable]:
    """A group's content: the physician's verdict and reason, or the rules' verdict as the
    starting point of an override, then the reasons as bullets."""
    styles, lead = ctx.block.styles, block.heading(group.kind).lead
    if group.kind == "doctors_view":
        text = " ".join(part for part in (f"<b>{escape(group.label or '')}.</b>",
                                          inline(ctx.fill(lead or "")),
                                          escape(" ".join(group.reasons))) if part)
        return [fresh(text, styles["body"])]
    opening = []
    if group.kind == "rules_found":
        opening = [para(f"{inline(ctx.fill(lead or ''))} <b>{escape(group.label or '')}</b>",
                        styles["body"])]
    if not group.reasons:
        return [*opening, para(escape(block.no_reasons), styles["body"])]
    return [*opening, *flowables(Bullets(type="bullets", items=list(group.reasons)), ctx.block),
            *_met(block, group, ctx)]


def _met(block: m.Reasons, group: ReasonGroup, ctx: SummaryContext) -> list[Flowable]:
    """Under the reasons of a favourable verdict the rules reached: what it rests on, in the
    patient's own values (each template that needs a value not recorded, or says nothing,
    left out)."""
    if group.kind not in ("led_to_this", "rules_found") or group.verdict is None or \
            not ctx.rules.favourable(group.verdict):
        return []
    found = [text for template in ctx.assessment.met
             if (text := ctx.recorded(template)) is not None and text.strip()]
    if not found:
        return []
    lead = [para(escape(block.met_lead), ctx.block.styles["body"])] if block.met_lead else []
    return [*lead, *flowables(Bullets(type="bullets", items=found), ctx.block)]


@summary_builds("note", Draws(text=(("h2", None), ("body", "sand"))))
def _note(block: m.Note, ctx: SummaryContext) -> list[Flowable]:
    if not ctx.record.notes and not ctx.note_cut:
        return []
    styles = ctx.block.styles
    texts = [escape(part) for part in note_paragraphs(block, ctx.record.notes or "")]
    if ctx.note_cut and block.cut:  # cut at a sentence's or an item's end: the ending follows
        texts.append(inline(ctx.fill(block.cut)))
    style = note_style(block, styles)
    paragraphs: list[Flowable] = [fresh(text, style) if n >= ctx.note_from else Spacer(0, 0)
                                  for n, text in enumerate(texts)]
    heading = para(escape(block.heading), styles["h2"])
    if block.box:
        return [KeepTogether([heading, _box(paragraphs, ctx, "note")])]
    return [*_opening(heading, styles["body"].leading * _OPENING_LINES), *paragraphs]


def note_paragraphs(block: m.Note, notes: str) -> list[str]:
    """The paragraphs a note block sets ``notes`` in (plain text, unescaped): one per
    paragraph of the note, or all joined in one."""
    parts = [part.strip() for part in notes.split("\n\n") if part.strip()]
    return [f" {block.join} ".join(parts)] if block.join is not None else parts


def note_style(block: m.Note, styles: StyleSheet) -> ParagraphStyle:
    """The style a note block sets its paragraphs in (its compact form made once per body
    style: a style made afresh is read again by every cache keyed by its values)."""
    style = styles["body"]
    if not block.compact:
        return style
    compact = _COMPACT.get(style)
    if compact is None:
        compact = _COMPACT[style] = style.clone("note-compact", spaceAfter=0)
    return compact


_COMPACT: weakref.WeakKeyDictionary[ParagraphStyle, ParagraphStyle] = weakref.WeakKeyDictionary()


_OPENING_LINES = 2
"""A heading over text that flows on across a page starts a new page unless this many lines
of the text fit under it (a heading is never left alone at a page's foot)."""


def _opening(heading: Flowable, lines_height: float) -> list[Flowable]:
    """A heading followed by text that may flow on across a page: it starts a new page unless
    it and the first lines of the text fit (keep-with-next would move the whole text). The
    break carries the heading's space before it, so that space still overlaps the space after
    the block above, as the frame overlaps them for any two neighbours."""
    heading.keepWithNext = False
    _, height = heading.wrap(1e6, 1e6)
    opening = CondPageBreak(height + lines_height)
    opening.spaceBefore, heading.spaceBefore = heading.getSpaceBefore(), 0
    return [opening, heading]


@summary_builds("reducible", Draws())  # its forms' blocks declare their own
def _reducible(block: m.Reducible, ctx: SummaryContext) -> list[Flowable]:
    """A reducible block inside another (the summary takes shorter forms only at its top
    level): its full form."""
    return [f for b in block.full for f in summary_flowables(b, ctx)]


@summary_builds("signature", Draws(text=(("contact", None), ("small", None))))
def _signature(block: m.Signature, ctx: SummaryContext) -> list[Flowable]:
    """Signature details, then the booking link and its QR code, side by side."""
    styles, doctor = ctx.block.styles, ctx.physician
    language = ctx.record.language
    details = [escape(localize(doctor.title, language)),
               f"{escape(block.phone_label)}: <b>{escape(doctor.direct_phone)}</b>"]
    url = str(ctx.block.brand.contact.booking_url)
    side = styles["contact"].leading * ctx.geometry.qr_lines
    text_width = ctx.block.width * ctx.geometry.qr_caption
    stacked = ctx.block.width - text_width - side < text_width  # a narrow column: QR below
    line_width = ctx.block.width * ctx.geometry.signature_line
    if not stacked:  # within the details' cell
        line_width = min(line_width, ctx.block.width - text_width - side)
    printed = f"<b>{escape(_signed_name(doctor, language))}</b> · {escape(block.line_label)}"
    signed = [para(f"<b>{escape(block.heading)}</b>", styles["contact"]),
              _signing_line(ctx, line_width),  # the name printed under the line it signs
              para(printed, styles["contact"]), para("<br/>".join(details), styles["contact"])]
    if block.date_label:  # a date line under the signature, as long as it
        signed += [_signing_line(ctx, line_width, ctx.geometry.date_space),
                   para(escape(block.date_label), styles["small"])]
    if not block.qr:
        return [_stacked(signed, ctx)]
    qr_text = block.qr_for(_verdict(ctx))
    caption = booking_caption(qr_text, url, styles["small"])
    code = flat(flowables(QrCode(type="qr", text=qr_text, size=1.0),
                          replace(ctx.block, width=side)))[0]
    if stacked:
        return [_stacked_signature(signed, caption, code, ctx)]
    widths = [ctx.block.width - text_width - side, text_width, side]
    table = grid([[signed, caption, code]], widths, [
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (1, 0), (1, 0), ctx.block.spacing.box_padding),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)], ctx.block)
    table.spaceBefore = styles["h2"].spaceBefore
    return [table]


def _stacked(flowables: list[Flowable], ctx: SummaryContext) -> Flowable:
    """Flowables kept together, with a heading's room above them."""
    above = Spacer(1, 0)
    above.spaceBefore = ctx.block.styles["h2"].spaceBefore
    return KeepTogether([above, *flowables])


def _signing_line(ctx: SummaryContext, width: float, room: float | None = None) -> Flowable:
    """A line to write on, with the room above it to write (the layout's signature space, or
    ``room`` lines; drawn, not typed: a screen reader skips it, an artifact)."""
    styles = ctx.block.styles
    lines = ctx.geometry.signature_space if room is None else room
    line = canvas_drawing(width, styles["contact"].leading * lines,
                          ctx.block.font,
                          Line(0, 1, width, 1, strokeColor=styles.colour("text"),
                               strokeWidth=ctx.block.spacing.rule_width / 2))
    line.hAlign = "LEFT"
    return line


@summary_builds("disclosure", Draws(text=(("small", None),)))
def _disclosure(block: m.Disclosure, ctx: SummaryContext) -> list[Flowable]:
    """The publication's disclosure, then its sources on one line, in the small style."""
    pub, brand = ctx.block.publication, ctx.block.brand
    standards = pub.standards
    if standards is None:
        return []
    disclosure = standards.lines(pub.date, pub.review_date, brand.name, brand.contact.phone)[2]
    sources = "; ".join(inline(source) for source in standards.sources)
    text = f"{inline(disclosure)} <b>{escape(standards.sources_label)}</b> {sources}."
    return [para(text, ctx.block.styles["small"])]


def _stacked_signature(signed: list[Flowable], caption: Flowable, code: Flowable,
                       ctx: SummaryContext) -> Flowable:
    """In a narrow column: the signature details, then the booking caption (its address on
    one line) and the QR code under it, kept together."""
    above = Spacer(1, 0)
    above.spaceBefore = ctx.block.styles["h2"].spaceBefore
    code.hAlign = "LEFT"
    gap = ctx.block.spacing.box_padding
    return KeepTogether([above, *signed, Spacer(1, gap), caption, Spacer(1, gap), code])


def _signed_name(doctor: Physician, language: str) -> str:
    """The name as the patient addresses the physician, "Dr. Ana Ruiz" (the honorific says
    it; "Dr. Ana Ruiz, MD" would say it twice), or "Ana Ruiz, NP" without one."""
    if localize(doctor.honorific, language):
        return doctor.display_name(language)
    return f"{doctor.name}, {doctor.credentials}"


@summary_builds("include", Draws())  # the included blocks declare their own
def _include(block: m.Include, ctx: SummaryContext) -> list[Flowable]:
    blocks = [b for b in ctx.block.publication.sections[block.section]
              if b.shown_in(block.shown_as)]
    if block.skip_heading and blocks and blocks[0].type == "heading":
        blocks = blocks[1:]
    if block.only is not None:
        blocks = [b for b in blocks if b.type in block.only]
    return [f for b in blocks for f in flowables(b, ctx.block)]


@summary_builds("verdict_steps", Draws(text=(("h1", None), ("bullet", None))))
def _verdict_steps(block: m.VerdictSteps, ctx: SummaryContext) -> list[Flowable]:
    items = [ctx.fill(item) for item in block.items.get(_verdict(ctx), [])]
    if not items:
        return []
    return [para(escape(block.heading), ctx.block.styles["h1"]),
            *flowables(Bullets(type="bullets", items=items), ctx.block)]


@summary_builds("columns", Draws())  # its blocks declare their own
def _columns(block: m.Columns, ctx: SummaryContext) -> list[Flowable]:
    gutter = ctx.block.spacing.box_padding * 2
    width = (ctx.block.width - gutter * (len(block.columns) - 1)) / len(block.columns)
    inner = replace(ctx, block=replace(ctx.block, width=width))
    cells = [flat([f for b in column for f in summary_flowables(b, inner)])
             for column in block.columns]
    widths = [width + (gutter if i < len(cells) - 1 else 0) for i in range(len(cells))]
    return [grid([cells], widths, [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), gutter),
        ("RIGHTPADDING", (-1, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)],
        ctx.block)]


@summary_builds("page_break", Draws())
def _page_break(block: m.PageBreak, ctx: SummaryContext) -> list[Flowable]:
    return [PageBreak()]
