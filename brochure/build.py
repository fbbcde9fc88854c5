"""Building publications: the merge of a publication with a layout and its brand, to PDF bytes."""

from __future__ import annotations

from .errors import FitError, Problem, SourceError
from .kinds import SCREEN, OutputKind
from .model import Publication
from .model.publication import branded
from .project import Loaded, Project
from .render.images import ImageError, ImageLoader
from .render.panels import PanelOverflow, render_panels
from .render.rendered import RenderedDocument, SourceSpan
from .source import Loc, Source


def build_publication(project: Project, publication: str, layout: str,
                      kind: OutputKind = SCREEN, language: str | None = None,
                      brand: str | None = None) -> bytes:
    """The named publication rendered in the named layout as PDF bytes of ``kind``
    (:mod:`brochure.kinds`): the screen file, or the print file (PDF/X-1a, for the print
    shop), finished as it is rendered; in brand kit ``brand`` when given (checked first:
    :meth:`Project.require_brand`), else the publication's own.

    Raises :class:`FitError` naming the block, its position in the content file, the panel and
    the overflow in points when content does not fit, and :class:`SourceError` at the image
    block of an image file that turns out not to decode.
    """
    project.require_brand(publication, brand)
    return _render(project, publication, layout, kind, language, brand, None)


def render_publication(project: Project, publication: str, layout: str,
                       kind: OutputKind = SCREEN, language: str | None = None,
                       brand: str | None = None) -> tuple[bytes, RenderedDocument]:
    """As :func:`build_publication` (in the brand kit ``brand`` when given, else the
    publication's own), and the rendered document beside the bytes: its pages, panels and
    folds, and each block placed with its box and its source position."""
    rendered = RenderedDocument()
    pdf = _render(project, publication, layout, kind, language, brand, rendered)
    pub = (project.edition(publication, language) if language
           else project.publications[publication])
    lay = project.layouts[layout].model
    rendered.bleed, rendered.safe_margin = lay.bleed, lay.safe_margin
    return pdf, rendered.located(lambda loc: span(pub.source, loc))


def span(source: Source, loc: Loc) -> SourceSpan | None:
    """Where the value at ``loc`` is written in ``source`` (None when it is not)."""
    if loc not in source.positions:
        return None
    line, column = source.positions[loc]
    end_line, end_column = source.ends.get(loc, (None, None))
    return SourceSpan(str(source.path), line, column, end_line, end_column)


def _render(project: Project, publication: str, layout: str, kind: OutputKind,
            language: str | None, brand_name: str | None,
            rendered: RenderedDocument | None) -> bytes:
    pub = (project.edition(publication, language) if language
           else project.publications[publication])
    brand = project.kit(publication, brand_name)
    lay = project.layouts[layout]
    images = ImageLoader(project.content_dir(publication))
    try:
        return render_panels(brand, branded(pub.model, brand.name, brand.contact.phone),
                             project.layout_for(publication, layout), images, kind, rendered)
    except PanelOverflow as exc:
        loc = ("sections", exc.section, exc.index) if exc.section else ("sections",)
        raise PanelFitError(pub.source.problem(loc, f"{exc} (layout {lay.source.path})"),
                            exc) from None
    except ImageError as exc:
        raise SourceError(pub.source.problem(_image_block(pub, exc.relative), str(exc))) \
            from None


class PanelFitError(FitError):
    """A block that does not fit its panel: the positioned problem, and the overflow it
    reports (panel, block, points), which the studio outlines on the page."""

    def __init__(self, problem: Problem, overflow: PanelOverflow):
        super().__init__(problem)
        self.overflow = overflow

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:  # another process: the problem
        return FitError, (self.problems,)


def _image_block(pub: Loaded[Publication], relative: str) -> tuple:
    """Where the content names the image ``relative`` (its first image block's ``path``)."""
    for section, blocks in pub.model.sections.items():
        for i, block in enumerate(blocks):
            if block.type == "image" and block.path == relative:
                return ("sections", section, i, "path")
    return ("sections",)
