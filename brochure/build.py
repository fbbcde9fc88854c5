"""Building publications: the merge of a publication with a layout and its brand, to PDF bytes."""

from __future__ import annotations

from .errors import FitError
from .finish import declare_pdfx
from .project import Project
from .render.images import ImageLoader
from .render.panels import PanelOverflow, render_panels
from .render.sheets import Variant


def build_publication(project: Project, publication: str, layout: str,
                      variant: Variant = "screen", language: str | None = None) -> bytes:
    """The named publication rendered in the named layout as PDF bytes: the ``screen``
    variant, or the ``print`` variant declared as PDF/X-1a for the print shop.

    Raises :class:`FitError` naming the block, its position in the content file, the panel and
    the overflow in points when content does not fit.
    """
    pub = (project.edition(publication, language) if language
           else project.publications[publication])
    brand = project.brands[pub.model.brand].model
    lay = project.layouts[layout]
    images = ImageLoader(project.content_dir(publication))
    try:
        pdf = render_panels(brand, pub.model, lay.model, images, variant)
    except PanelOverflow as exc:
        loc = ("sections", exc.section, exc.index) if exc.section else ("sections",)
        raise FitError(pub.source.problem(loc, f"{exc} (layout {lay.source.path})")) from None
    return declare_pdfx(pdf, lay.model) if variant == "print" else pdf
