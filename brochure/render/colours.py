"""Brand colours as ReportLab colours: RGB for screen files, CMYK for print files.

Print rule for text (what a press prints sharp): text under :data:`SOLID_TEXT_BELOW` points is
paper white, 100 % K or one process ink at 100 %, never a screen or a mix of plates (the dots of
a screen and plates out of register make small letters ragged); a brand colour that is a mix
prints small text in its ``print_text`` (or the kit's). White text under
:data:`REVERSED_TEXT_MIN` points is not reversed out of a mix of inks (the layouts set such
text dark on light). ``brochure check`` reports both faults (:mod:`brochure.preflight`).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import CMYKColor, Color, HexColor

from ..kinds import ColourMode
from ..model.brand import CMYK, Brand, is_solid

SOLID_TEXT_BELOW = 14.0
"""Text smaller than this (in points) prints in one solid ink (or paper white) in print files."""
REVERSED_TEXT_MIN = 12.0
"""White text smaller than this (in points) must not be reversed out of a mix of inks."""


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
            return _cmyk(colour.cmyk)
        return HexColor(colour.rgb)

    def text(self, name: str | None, size: float) -> Color | None:
        """The colour of ``size``-point text in brand colour ``name``: in print, small text in a
        mix of inks takes the colour's ``print_text`` (or the kit's); otherwise ``self(name)``."""
        if name is None or name == "none" or self.mode != "cmyk" or size >= SOLID_TEXT_BELOW:
            return self(name)
        colour = self.brand.colors[name]
        if is_solid(colour.cmyk):
            return _cmyk(colour.cmyk)
        return _cmyk(colour.print_text or self.brand.print_text)


def _cmyk(cmyk: CMYK) -> CMYKColor:
    c, m, y, k = (v / 100 for v in cmyk)
    return CMYKColor(c, m, y, k)
