"""Checks on content and on what it renders to (``brochure check``): reading level per
section, honest claims in every output, body text size, colour contrast, characters no
font can draw, each publication's review date, and panels that open with a stranded box or
sub-heading (:mod:`.layout_checks`). Each failure is a :class:`Problem` at level
'finding' (exit 1), placed in the file that can fix it; a review date coming soon is a
'warning' (the exit code stays 0)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from .errors import Problem
from .layout_checks import stranded_findings
from .model import Brand, Layout, Publication
from .model.art import Label
from .model.base import localize
from .model.layout import BODY_STYLES, SummaryLayout
from .model.publication import branded
from .pages import page_texts
from .project import Loaded, Project
from .readability import as_sentences, reading
from .text import plain, strings_in

MIN_CONTRAST = 4.5
REVIEW_WARNING_DAYS = 90
"""A publication's review date this many days ahead (or fewer) is a warning."""


def content_findings(project: Project) -> list[Problem]:
    """Every finding about the inputs, without rendering."""
    findings: list[Problem] = []
    for name in project.publications:
        for edition in project.editions(name).values():
            findings += review_findings(edition)
            findings += readability_findings(edition, project)
            findings += glyph_findings(edition, project)
            findings += call_findings(edition, project)
    findings += summary_call_findings(project)
    layouts: list[Loaded[Layout] | Loaded[SummaryLayout]] = [
        *project.layouts.values(), *project.summary_layouts.values()]
    for loaded in layouts:
        findings += size_findings(loaded)
    findings += stranded_findings(project)
    for name in project.publications:
        findings += unplaced_findings(project, name)
    for brand in project.brands.values():
        findings += contrast_findings(layouts, brand, project)
        findings += label_findings(brand, brand.model)
    for name in project.publications:
        for edition in project.editions(name).values():
            kit = project.brands.get(edition.model.brand)
            findings += label_findings(edition, kit.model) if kit else []
    return findings


def output_findings(project: Project) -> list[Problem]:
    """Honest-claims findings on every layout of every edition, as rendered."""
    from .build import build_publication

    findings: list[Problem] = []
    for name in project.publications:
        for language, edition in project.editions(name).items():
            for layout in edition.model.layouts:
                pdf = build_publication(project, name, layout, language=language)
                pages = page_texts(pdf)
                findings += claims_findings(edition, project, layout, pages)
                findings += standards_findings(edition, project, layout, pages)
    return findings


# -- placement --------------------------------------------------------------------------------

def unplaced_findings(project: Project, name: str) -> list[Problem]:
    """Each section of the publication that no layout it lists places and no summary of it
    includes, unless its placement lists it as ``unplaced``: a finding at the section (its
    words would be dropped without a word)."""
    loaded, placement = project.publications[name], project.placements.get(name)
    placed = {section for layout in loaded.model.layouts if layout in project.layouts
              for panel in project.layout_for(name, layout).panels() for section in panel.placed}
    placed |= set(placement.model.unplaced) if placement else set()
    summary = project.summaries.get(name)
    if summary is not None:
        placed |= {block.section for text in summary.model.languages.values()
                   for block in _opened_blocks(text.blocks) if block.type == "include"}
    where = f"content/{name}/placement.yaml"
    return [loaded.source.problem(("sections", section), f"section '{section}' is placed in no "
                                  f"layout ({', '.join(loaded.model.layouts)}) and included by "
                                  f"no summary, so no reader sees it: place it in {where}, or "
                                  "list it there under unplaced:", key=True, level="finding")
            for section in loaded.model.sections if section not in placed]


def _opened_blocks(blocks: list) -> list:
    """Every block of a summary text, those in columns and both forms of a reducible one."""
    found = []
    for block in blocks:
        found.append(block)
        if block.type == "columns":
            found += _opened_blocks([b for column in block.columns for b in column])
        elif block.type == "reducible":
            found += _opened_blocks([*block.full, *block.reduced])
    return found


# -- review date ------------------------------------------------------------------------------

def review_findings(loaded: Loaded[Publication]) -> list[Problem]:
    """No standards, no review date, or one that has passed (today from
    :func:`brochure.clock.today`): a finding; one within :data:`REVIEW_WARNING_DAYS` days: a
    warning."""
    pub, source = loaded.model, loaded.source
    findings = [] if pub.standards is not None else [Problem(
        "no standards: a publication states its sources, its dates, that other formats and "
        "languages are available, and that the clinic offers and charges for the treatment; "
        "add standards: and a colophon block", source.path, 1, 1, level="finding")]
    return findings + _review_date_findings(loaded)


def _review_date_findings(loaded: Loaded[Publication]) -> list[Problem]:
    from .clock import today

    pub, source = loaded.model, loaded.source
    if pub.review_date is None:
        return [Problem("no review_date: a publication states when its text will next be "
                        "checked; add review_date: YYYY-MM-DD (often a year after its date)",
                        source.path, 1, 1, level="finding")]
    days = (pub.review_date - today()).days
    if days < 0:
        return [source.problem(("review_date",), f"the review date {pub.review_date} has passed "
                               f"({-days} day{'s' * (days != -1)} ago): check the text against "
                               "its sources, then set date and review_date anew",
                               level="finding")]
    if days <= REVIEW_WARNING_DAYS:
        when = "today" if days == 0 else f"in {days} day{'s' * (days != 1)}"
        return [source.problem(("review_date",), f"the review date {pub.review_date} is {when}: "
                               "plan the review (check the text against its sources, then set "
                               "date and review_date anew)", level="warning")]
    return []


# -- readability ------------------------------------------------------------------------------

def block_texts(block, pub: Publication, brand: Brand | None) -> list[str]:
    """The words a block shows a reader."""
    texts = [getattr(block, name, None) for name in ("text", "title", "caption", "heading")]
    texts += list(getattr(block, "items", None) or [])
    if block.type == "table":
        texts += [*block.columns, *(cell for row in block.rows for cell in row)]
    refs = [block.ref] if block.type == "statement" else getattr(block, "refs", [])
    texts += [pub.statements[ref] for ref in refs if block.type in ("statement", "statements")]
    if block.type == "colophon" and pub.standards is not None:
        texts += standards_texts(pub, brand)
    if block.type == "formats" and pub.standards is not None:
        texts.append(standards_texts(pub, brand)[-2])
    if block.type == "physician" and brand is not None:
        texts.append(localize(brand.physician(block.key or pub.physician).bio, pub.language))
    return [plain(t) for t in texts if isinstance(t, str) and t]


def standards_texts(pub: Publication, brand: Brand | None) -> list[str]:
    """The words a ``colophon`` block shows: its sources, dates, formats and disclosure."""
    if pub.standards is None:
        return []
    clinic = brand.name if brand is not None else ""
    phone = brand.contact.phone if brand is not None else ""
    return [*pub.standards.sources,
            *pub.standards.lines(pub.date, pub.review_date, clinic, phone)]


def readability_findings(loaded: Loaded[Publication], project: Project) -> list[Problem]:
    source, brand = loaded.source, project.brands.get(loaded.model.brand)
    pub = _branded(loaded.model, brand)
    limit = pub.readability.max_grade
    findings = []
    for section, blocks in pub.sections.items():
        text = as_sentences([t for b in blocks for t in block_texts(
            b, pub, brand.model if brand else None)])
        result = reading(text, pub.language)
        if result.words and result.grade > limit:
            findings.append(source.problem(
                ("sections", section), f"section '{section}' reads at grade {result.grade:.1f} "
                f"({result.measure}, {result.words} words); the limit is {limit:g}: use shorter "
                "sentences and everyday words", level="finding"))
    return findings


# -- a call with its number ---------------------------------------------------------------------

def call_findings(loaded: Loaded[Publication], project: Project) -> list[Problem]:
    """Every block that asks the reader to call (a word of the project's ``calls`` for the
    publication's language) without the brand's phone number, as its kit prints it, in the
    same block: placed at the block (at the statement, for a box of statements)."""
    brand = project.brands.get(loaded.model.brand)
    pub = _branded(loaded.model, brand)
    words = project.calls.get(pub.language, [])
    if brand is None or not words:
        return []
    phone = brand.model.contact.phone
    pattern = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)",
                         re.IGNORECASE)
    findings = []
    for section, blocks in pub.sections.items():
        for index, block in enumerate(blocks):
            text = " ".join(block_texts(block, pub, brand.model) + _printed_numbers(block, brand))
            found = pattern.search(text)
            if found and phone not in text:
                findings.append(loaded.source.problem(
                    _call_at(block, pub, pattern, section, index),
                    f"'{found.group(0)}' asks the reader to call, but the block does not give "
                    f"the number: add {phone} (the phone number in brand kit "
                    f"'{pub.brand}') to it", level="finding"))
    return findings


def _branded(pub: Publication, brand: Loaded[Brand] | None) -> Publication:
    """``pub`` as its brand kit prints it (``{{ phone }}`` and ``{{ clinic }}`` filled in)."""
    if brand is None:
        return pub
    return branded(pub, brand.model.name, brand.model.contact.phone)


def summary_call_findings(project: Project) -> list[Problem]:
    """Every text of a summary (summary.yaml) that asks the reader to call without the
    number: the brand's, as its kit prints it, or ``{{ clinic_phone }}``, in the same block (in
    the same verdict's text, for a text given per verdict); placed at the block."""
    findings = []
    for name, loaded in project.summaries.items():
        brand = project.brands.get(project.publications[name].model.brand) \
            if name in project.publications else None
        if brand is None:
            continue
        phone = brand.model.contact.phone
        for language, text in loaded.model.languages.items():
            pattern = _call_pattern(project.calls.get(language, []))
            for loc, words in _summary_texts(text.blocks, ("languages", language, "blocks")):
                found = pattern.search(words) if pattern else None
                if found and phone not in words and "clinic_phone" not in words:
                    findings.append(loaded.source.problem(
                        loc, f"'{found.group(0)}' asks the reader to call, but the block does "
                        f"not give the number: add {{{{ clinic_phone }}}} (the number in brand "
                        f"kit '{brand.model.name}') to it", level="finding"))
    return findings


def _call_pattern(words: list[str]) -> re.Pattern | None:
    """The words that mean "call" in one language, as whole words, any case."""
    if not words:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(map(re.escape, words)) + r")(?!\w)",
                      re.IGNORECASE)


_PER_VERDICT = {"bottom_line": ("meaning", "next_step"), "verdict_steps": ("items",),
                "signature": ("qr_text",)}
"""Summary blocks with a text per verdict: each verdict's text is read on its own."""


def _summary_texts(blocks: list, loc: tuple) -> Iterator[tuple[tuple, str]]:
    """(position, words) of each summary block, or of each verdict's text of a block that has
    one per verdict; the blocks inside columns and reducible blocks one by one."""
    for index, block in enumerate(blocks):
        here = (*loc, index)
        if block.type == "reducible":
            yield from _summary_texts(block.full, (*here, "full"))
            yield from _summary_texts(block.reduced, (*here, "reduced"))
        elif block.type == "columns":
            for n, column in enumerate(block.columns):
                yield from _summary_texts(column, (*here, "columns", n))
        elif block.type in _PER_VERDICT:
            for attr in _PER_VERDICT[block.type]:
                texts = getattr(block, attr)
                for verdict, value in (texts.items() if isinstance(texts, dict) else []):
                    yield (*here, attr, verdict), " ".join(strings_in(value))
        else:
            yield here, " ".join(strings_in(block.model_dump()))




def _printed_numbers(block, brand: Loaded[Brand]) -> list[str]:
    """The phone number a block prints beside its text (a contact block's)."""
    return [brand.model.contact.phone] if block.type == "contact" else []


def _call_at(block, pub: Publication, pattern: re.Pattern, section: str, index: int) -> tuple:
    """Where to fix a call without a number: the statement that asks (for a statement box),
    else the block."""
    refs = [block.ref] if block.type == "statement" else getattr(block, "refs", [])
    asking = [ref for ref in refs if pattern.search(pub.statements.get(ref, ""))]
    return ("statements", asking[0]) if asking else ("sections", section, index)


# -- glyphs -----------------------------------------------------------------------------------

def glyph_findings(loaded: Loaded[Publication], project: Project) -> list[Problem]:
    from .render.fonts import register_fonts, uncovered

    pub, source = loaded.model, loaded.source
    brand = project.brands.get(pub.brand)
    if brand is None:
        return []
    face = register_fonts(brand.model.fonts).body.regular
    findings = []
    for section, blocks in pub.sections.items():
        for i, block in enumerate(blocks):
            for char in uncovered(" ".join(block_texts(block, pub, brand.model)), face):
                findings.append(source.problem(
                    ("sections", section, i), f"U+{ord(char):04X} "
                    f"{unicodedata.name(char, 'unnamed character')} is in no available font; "
                    "it would print as an empty box", level="finding"))
    return findings + _label_glyph_findings(loaded, register_fonts(brand.model.fonts).body.bold)


def _label_glyph_findings(loaded: Loaded[Publication], face: str) -> list[Problem]:
    """Labels in the publication's drawings are set in the body font alone (no fallback):
    a character it lacks is a finding at the label."""
    from .render.fonts import font_for

    nowhere: set[str] = set()
    choose = font_for(face, nowhere)
    findings = []
    for key, art in loaded.model.art.items():
        for index, shape in enumerate(art.shapes):
            if not isinstance(shape, Label):
                continue
            text = localize(shape.text, loaded.model.language)
            lacking = {c for c in text if not c.isspace() and (choose(c) or c in nowhere)}
            for char in sorted(lacking):
                findings.append(loaded.source.problem(
                    ("art", key, "shapes", index, "text"), f"U+{ord(char):04X} "
                    f"{unicodedata.name(char, 'unnamed character')} is not in the body font, "
                    "which sets a drawing's labels; it would print as an empty box",
                    level="finding"))
    return findings


# -- body size --------------------------------------------------------------------------------

def size_findings(loaded: Loaded[Layout] | Loaded[SummaryLayout]) -> list[Problem]:
    layout, source = loaded.model, loaded.source
    least = layout.min_body_size
    findings = [source.problem(("typography", name, "size"),
                               f"style '{name}' is {layout.typography[name].size:g} pt; body text "
                               f"in this layout is at least {least:g} pt (min_body_size)",
                               level="finding")
                for name in BODY_STYLES if layout.typography[name].size < least - 1e-9]
    fit = getattr(layout, "fit", None)
    if fit is not None and fit.shrink and fit.min_body_size < least - 1e-9:
        findings.append(source.problem(("fit", "min_body_size"),
                                       f"shrinking may reach {fit.min_body_size:g} pt, below the "
                                       f"layout's min_body_size of {least:g} pt",
                                       level="finding"))
    return findings


# -- contrast ---------------------------------------------------------------------------------

def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two hex colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_findings(layouts: list[Loaded[Layout] | Loaded[SummaryLayout]], brand: Loaded[Brand],
                      project: Project) -> list[Problem]:
    """Text colours on their backgrounds, as the layouts use the brand's colours: one finding
    for each pair of brand colours below :data:`MIN_CONTRAST`, placed at the brand's line of the
    colour most likely changed (see :func:`_blamed`), naming where the layouts use the pair."""
    uses: dict[tuple[str, str], list[str]] = {}
    for loaded in layouts:
        for where, loc, text, background in _pairs_of(loaded.model, project):
            line, column = loaded.source.where(loc)
            used = f"{where} ({loaded.source.path}:{line}:{column})"
            if used not in uses.setdefault((text, background), []):
                uses[(text, background)].append(used)
    colours = brand.model.colors
    failing = {pair: contrast(colours[pair[0]].rgb, colours[pair[1]].rgb)
               for pair in uses if pair[0] in colours and pair[1] in colours}
    failing = {pair: ratio for pair, ratio in failing.items() if ratio < MIN_CONTRAST - 1e-9}
    return [_contrast_finding(brand, pair, ratio, uses[pair], _blamed(pair, failing, colours))
            for pair, ratio in failing.items()]


def label_findings(loaded: Loaded, brand: Brand) -> list[Problem]:
    """Labels in drawings (a brand's or a publication's ``art``) whose text colour has less
    than :data:`MIN_CONTRAST` on the colour they say is behind them, placed at the label."""
    findings = []
    for key, art in loaded.model.art.items():
        for index, label in enumerate(art.shapes):
            if not isinstance(label, Label):
                continue
            text, behind = brand.colors.get(label.color), brand.colors.get(label.background)
            if text is None or behind is None:
                continue  # an unknown colour is an error found when loading
            ratio = contrast(text.rgb, behind.rgb)
            if ratio < MIN_CONTRAST - 1e-9:
                findings.append(loaded.source.problem(
                    ("art", key, "shapes", index, "color"),
                    f"label text '{label.color}' on '{label.background}' has a contrast of "
                    f"{ratio:.2f}:1; at least {MIN_CONTRAST}:1 is needed: choose a darker "
                    "text colour (or a lighter one behind it)", level="finding"))
    return findings


def _contrast_finding(brand: Loaded[Brand], pair: tuple[str, str], ratio: float,
                      used: list[str], blamed: str) -> Problem:
    text, background = pair
    other = background if blamed == text else text
    other_line, _ = brand.source.where(("colors", other, "rgb"))
    shown = "; ".join(used[:3]) + (f"; and {len(used) - 3} more" if len(used) > 3 else "")
    return brand.source.problem(
        ("colors", blamed, "rgb"),
        f"'{text}' on '{background}' has a contrast of {ratio:.2f}:1; at least {MIN_CONTRAST}:1 "
        f"is needed: change colour '{blamed}' (here) or '{other}' (line {other_line}), or the "
        f"layout's choice of colours; used by {shown}", level="finding")


def _blamed(pair: tuple[str, str], failing: dict, colours: dict) -> str:
    """Of a pair of colours, the one most likely changed: the one in more failing pairs (a paper
    made grey fails under every text colour), else the one further from its extreme (the lighter
    from white, the darker from black)."""
    count = {name: sum(name in other for other in failing) for name in pair}
    if count[pair[0]] != count[pair[1]]:
        return max(pair, key=count.__getitem__)
    light, dark = sorted(pair, key=lambda n: _luminance(colours[n].rgb), reverse=True)
    from_white = contrast(colours[light].rgb, "#ffffff")
    from_black = contrast(colours[dark].rgb, "#000000")
    return light if from_white > from_black else dark


def _pairs_of(layout, project: Project) -> Iterator[tuple[str, tuple, str, str]]:
    """(where, position in the layout, text colour, background) of all text the layout shows."""
    placed = (_summary_blocks(layout, project) if isinstance(layout, SummaryLayout)
              else _panel_blocks(layout, project))
    yield from _colour_pairs(layout, placed)
    yield from _fixed_pairs(layout, project)


def _styles_of(block) -> list[tuple[str, str | None]]:
    """(style, box) of the text ``block`` sets, as its block type declares beside its builder
    (:class:`brochure.render.blocks.Draws`)."""
    from .render import summary_blocks  # noqa: F401  (registers the summary's block types)
    from .render.blocks import DRAWS

    declared = DRAWS.get(block.type)
    return declared.styles(block) if declared else []


def _colour_pairs(layout, blocks_by_panel) -> Iterator[tuple[str, tuple, str, str]]:
    """(where, position, text colour, background) for the text each panel really shows."""
    for panel_name, panel, blocks in blocks_by_panel:
        background = panel.background or "paper"
        for block in blocks:
            for style, box in _styles_of(block):
                if style not in layout.typography:  # an optional style (cover_brand)
                    continue
                spec = layout.typography[style]
                box = (spec.background or box) if box else None  # a style's own fill
                yield (f"style '{style}' ({block.type}) in '{panel_name}'" +
                       (f" on a {box} box" if box else ""), ("typography", style),
                       spec.color or getattr(panel, spec.role), box or background)


def _panel_blocks(layout, project: Project):
    """(panel name, panel style, blocks placed there) for a panel layout, every edition, as
    each publication places its sections."""
    for s, side in enumerate(layout.sides):
        for p, panel in enumerate(side.panels):
            blocks = [b for name in project.publications
                      for edition in project.editions(name).values()
                      if layout.name in edition.model.layouts
                      for section in project.layout_for(name, layout.name).sides[s].panels[p].placed
                      for b in edition.model.sections.get(section, [])]
            yield panel.name, layout.panel_styles[panel.style], blocks


def _summary_blocks(layout, project: Project):
    """The summary page: its blocks (included sections and columns opened up)."""
    blocks = []
    for name, summary in project.summaries.items():
        pub = project.publications.get(name)
        for text in summary.model.languages.values():
            blocks += _opened(text.blocks, pub.model if pub else None)
    yield "page", layout.colors, blocks


def _opened(blocks, pub) -> list:
    opened = []
    for block in blocks:
        if block.type == "columns":
            opened += _opened([b for column in block.columns for b in column], pub)
        elif block.type == "reducible":
            opened += _opened([*block.full, *block.reduced], pub)
        elif block.type == "include" and pub is not None:
            opened += pub.sections.get(block.section, [])
        else:
            opened.append(block)
    return opened


def _fixed_pairs(layout, project: Project) -> Iterator[tuple[str, tuple, str, str]]:
    """Text drawn outside blocks: a summary's header band, footer and verdict labels; a
    booklet's page numbers."""
    if isinstance(layout, SummaryLayout):
        for style in ("cover_title", "cover_subtitle"):
            yield (f"style '{style}' in the header band", ("typography", style),
                   layout.typography[style].color or "paper", "primary")
        yield ("style 'footer'", ("typography", "footer"),
               layout.typography["footer"].color or layout.colors.text, "paper")
        for rules in project.rules.values():
            for verdict in rules.model.verdicts:
                yield (f"verdict '{verdict.id}' label", ("typography", "verdict"),
                       verdict.tone, "paper")
    elif layout.folio:
        spec = layout.typography[layout.folio.style]
        for number, side in enumerate(layout.sides, start=1):
            for panel in side.panels if number not in layout.folio.skip else ():
                style = layout.panel_styles[panel.style]
                yield (f"page number in '{panel.name}'", ("folio",),
                       spec.color or style.text, style.background or "paper")


# -- honest claims ----------------------------------------------------------------------------

def claims_findings(loaded: Loaded[Publication], project: Project, layout: str,
                    pages: list[str]) -> list[Problem]:
    source = loaded.source
    pub = _branded(loaded.model, project.brands.get(loaded.model.brand))
    whole = " ".join(pages)
    required = pub.claims.required if pub.claims.required is not None else list(pub.statements)
    findings = []
    for i, ref in enumerate(required):
        text = " ".join(plain(pub.statements.get(ref, "")).split())
        if text and text not in whole:
            loc = ("claims", "required", i) if pub.claims.required is not None else \
                ("statements", ref)
            findings.append(source.problem(loc, f"layout {layout}: the required statement "
                                           f"'{ref}' is not in the output", level="finding"))
    for phrase in banned_phrases(pub, project):
        pattern = re.compile(rf"(?<!\w){re.escape(phrase)}(?!\w)", re.IGNORECASE)
        for number, text in enumerate(pages, start=1):
            match = pattern.search(text)
            if match:
                context = text[max(0, match.start() - 30):match.end() + 30]
                findings.append(source.problem(
                    _where_written(pub, pattern), f"layout {layout}, page {number}: banned "
                    f"phrase '{phrase}' in '…{context}…'", level="finding"))
    return findings


def standards_findings(loaded: Loaded[Publication], project: Project, layout: str,
                       pages: list[str]) -> list[Problem]:
    """The publication's standards (sources, dates, formats, disclosure) must be in every
    output: a layout that does not place the colophon's section leaves the reader without them."""
    pub, source = loaded.model, loaded.source
    if pub.standards is None:
        return []  # review_findings reports it once
    brand = project.brands.get(pub.brand)
    whole = " ".join(pages)
    missing = [text for text in standards_texts(pub, brand.model if brand else None)
               if " ".join(plain(text).split()) not in whole]
    return [source.problem(("standards",), f"layout {layout}: the standards are not all in the "
                           f"output (missing '{missing[0]}'); place the section holding the "
                           "colophon block in the layout (a back panel's foot is usual)",
                           key=True, level="finding")] if missing else []


def banned_phrases(pub: Publication, project: Project) -> list[str]:
    """The project's phrases for the publication's language, and the publication's own."""
    return [*project.banned.get(pub.language, []), *(pub.claims.banned or [])]


def _where_written(pub: Publication, pattern: re.Pattern) -> tuple:
    """The block (or statement) whose text holds the phrase, for the finding's position."""
    for ref, text in pub.statements.items():
        if pattern.search(text):
            return ("statements", ref)
    for section, blocks in pub.sections.items():
        for i, block in enumerate(blocks):
            if any(pattern.search(t) for t in block_texts(block, pub, None)):
                return ("sections", section, i)
    return ()
