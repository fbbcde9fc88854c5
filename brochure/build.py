"""Building publications: the merge of a publication with a layout and its brand, to PDF bytes."""

from __future__ import annotations

from .errors import FitError
from .project import Project
from .render.trifold import PanelOverflow, render_trifold


def build_publication(project: Project, publication: str, layout: str) -> bytes:
    """The named publication rendered in the named layout (screen variant) as PDF bytes.

    Raises :class:`FitError` naming the block, its position in the content file, the panel and
    the overflow in points when content does not fit.
    """
    pub = project.publications[publication]
    brand = project.brands[pub.model.brand].model
    lay = project.layouts[layout]
    try:
        return render_trifold(brand, pub.model, lay.model)
    except PanelOverflow as exc:
        loc = ("sections", exc.section, exc.index) if exc.section else ("sections",)
        raise FitError(pub.source.problem(loc, f"{exc} (layout {lay.source.path})")) from None
