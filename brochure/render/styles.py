"""Paragraph styles built from a layout's type scale, the brand's fonts and a panel's colours."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from ..model.layout import PanelStyle, TextStyle
from .colours import Palette
from .fonts import FontSet

_ALIGN: dict[str, Literal[0, 1, 2]] = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}


@dataclass(frozen=True)
class StyleSheet:
    """Paragraph styles by type-scale name, plus the colours of the panel they are for."""

    styles: dict[str, ParagraphStyle]
    panel: PanelStyle
    palette: Palette
    fonts: FontSet
    scale: float = 1.0
    backgrounds: dict[str, str | None] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ParagraphStyle:
        return self.styles[name]

    def background(self, name: str, default: str):
        """The fill behind text of style ``name`` (a table's header row), as the layout says."""
        return self.palette(self.backgrounds.get(name) or default)

    def colour(self, role: str):
        """The panel's colour for a role: text, heading, accent or background."""
        return self.palette(getattr(self.panel, role))

    def text_colour(self, role: str, size: float):
        """The panel's colour for a role, for text (glyphs such as bullets) of ``size`` points:
        in print, small text in a mix of inks takes the colour's print colour."""
        return self.palette.text(getattr(self.panel, role), size)


def build_styles(typography: dict[str, TextStyle], panel: PanelStyle, palette: Palette,
                 fonts: FontSet, scale: float = 1.0) -> StyleSheet:
    """Every style of the type scale, sized by ``scale`` (used when a layout allows shrinking)."""
    styles = {name: _style(name, spec, panel, palette, fonts, scale)
              for name, spec in typography.items()}
    backgrounds = {name: spec.background for name, spec in typography.items()}
    return StyleSheet(styles, panel, palette, fonts, scale, backgrounds)


def _style(name: str, spec: TextStyle, panel: PanelStyle, palette: Palette, fonts: FontSet,
           scale: float) -> ParagraphStyle:
    colour_name = spec.color or getattr(panel, spec.role)
    return ParagraphStyle(
        name,
        fontName=fonts.family(spec.font).face(spec.bold, spec.italic),
        fontSize=spec.size * scale,
        leading=spec.leading * scale,
        spaceBefore=spec.space_before * scale,
        spaceAfter=spec.space_after * scale,
        alignment=_ALIGN[spec.align],
        # None for a colour named "none" (as ReportLab has been given it; stubs: Color only)
        textColor=palette.text(colour_name, spec.size * scale),  # type: ignore[arg-type]
        bulletFontName=fonts.body.regular,
        keepWithNext=int(spec.keep_with_next),
        allowWidows=0,
        allowOrphans=0,
    )
