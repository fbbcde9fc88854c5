"""Building publications: the merge of a publication with a layout and its brand, to PDF bytes."""

from __future__ import annotations

from .errors import FitError, SourceError
from .kinds import SCREEN, OutputKind
from .model import Publication
from .project import Loaded, Project
from .render.images import ImageError, ImageLoader
from .render.panels import PanelOverflow, render_panels


def build_publication(project: Project, publication: str, layout: str,
                      kind: OutputKind = SCREEN, language: str | None = None) -> bytes:
    """The named publication rendered in the named layout as PDF bytes of ``kind``
    (:mod:`brochure.kinds`): the screen file, or the print file (PDF/X-1a, for the print
    shop), finished as it is rendered.

    Raises :class:`FitError` naming the block, its position in the content file, the panel and
    the overflow in points when content does not fit, and :class:`SourceError` at the image
    block of an image file that turns out not to decode.
    """
    pub = (project.edition(publication, language) if language
           else project.publications[publication])
    brand = project.brands[pub.model.brand].model
    lay = project.layouts[layout]
    images = ImageLoader(project.content_dir(publication))
    try:
        return render_panels(brand, pub.model, lay.model, images, kind)
    except PanelOverflow as exc:
        loc = ("sections", exc.section, exc.index) if exc.section else ("sections",)
        raise FitError(pub.source.problem(loc, f"{exc} (layout {lay.source.path})")) from None
    except ImageError as exc:
        raise SourceError(pub.source.problem(_image_block(pub, exc.relative), str(exc))) \
            from None


def _image_block(pub: Loaded[Publication], relative: str) -> tuple:
    """Where the content names the image ``relative`` (its first image block's ``path``)."""
    for section, blocks in pub.model.sections.items():
        for i, block in enumerate(blocks):
            if block.type == "image" and block.path == relative:
                return ("sections", section, i, "path")
    return ("sections",)
