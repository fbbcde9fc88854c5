"""Where a publication's sections go: ``content/<publication>/placement.yaml``.

A layout is shared geometry; each publication says, for each layout it lists, which of its
sections each panel (a tri-fold's) or page (a booklet's) holds, by panel name. Sections that no
layout places and no summary includes are a ``brochure check`` finding unless ``unplaced``
lists them.
"""

from __future__ import annotations

from pydantic import Field

from .base import Strict


class PanelContent(Strict):
    """A panel's sections, and those set at its foot with the free space above them."""

    sections: list[str] = Field(default_factory=list)
    foot: list[str] = Field(default_factory=list, description="sections set at the panel's "
                            "foot, after the others (a back panel's standards)")


Panels = dict[str, list[str] | PanelContent]


class Placement(Strict):
    """Which section goes in which panel, for each layout the publication lists."""

    layouts: dict[str, str | Panels] = Field(
        description="by layout name, then panel name: a list of sections, or {sections, "
        "foot}; or the name of another layout here whose panels have the same names (a "
        "tri-fold in another paper size)")
    unplaced: list[str] = Field(default_factory=list, description="sections placed on purpose "
                                "in no layout (and included by no summary)")

    def held(self, layout: str) -> Panels:
        """The placement of ``layout``'s panels (another layout's, when it names one)."""
        found = self.layouts.get(layout, {})
        if isinstance(found, str):
            found = self.layouts.get(found, {})
        return found if isinstance(found, dict) else {}

    def panels(self, layout: str) -> dict[str, tuple[list[str], list[str]]]:
        """Each panel's (sections, foot) in ``layout``."""
        return {name: (held, []) if isinstance(held, list) else (held.sections, held.foot)
                for name, held in self.held(layout).items()}
