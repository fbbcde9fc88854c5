"""Brand colours as ReportLab colours: RGB for screen files, CMYK for print files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from reportlab.lib.colors import CMYKColor, Color, HexColor

from ..model.brand import Brand

ColourMode = Literal["rgb", "cmyk"]


@dataclass(frozen=True)
class Palette:
    """Looks up brand colours by name in one colour mode."""

    brand: Brand
    mode: ColourMode = "rgb"

    def __call__(self, name: str | None) -> Color | None:
        if name is None or name == "none":
            return None
        colour = self.brand.colors[name]
        if self.mode == "cmyk":
            c, m, y, k = (v / 100 for v in colour.cmyk)
            return CMYKColor(c, m, y, k)
        return HexColor(colour.rgb)
