"""A ReportLab canvas set up for our documents: deterministic, metadata filled, no base fonts,
written as :class:`~.backend.document.BrochureDocument` says (no ASCII85, our compression)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO

from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen.canvas import Canvas

from .. import __version__
from .backend.canvas import BrochureCanvas, DeferredPages, document_of
from .backend.document import set_timestamp

__all__ = ["BrochureCanvas", "DeferredPages", "Metadata", "describe", "new_canvas"]


@dataclass(frozen=True)
class Metadata:
    """What a PDF says about itself. Never anything about a patient."""

    title: str
    author: str
    subject: str
    language: str
    date: dt.date
    keywords: list[str] = field(default_factory=list)
    versions: str = ""
    """What produced the document besides this tool (rule and content versions), for whoever
    files or audits it; kept in the metadata, not printed for the reader."""

    @property
    def creator(self) -> str:
        return f"brochure {__version__}" + (f" ({self.versions})" if self.versions else "")


def _timestamp(date: dt.date) -> TimeStamp:
    """ReportLab's timestamp fixed to midnight UTC of ``date``, so builds are reproducible."""
    stamp = TimeStamp(invariant=True)
    moment = dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)
    stamp.t = moment.timestamp()
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    return stamp


def new_canvas(buffer: BytesIO, size: tuple[float, float], meta: Metadata,
               initial_font: str, canvas_class: type[Canvas] = BrochureCanvas,
               **options) -> Canvas:
    """A canvas writing to ``buffer`` whose default font is one of ours (ReportLab would
    otherwise reference unembedded Helvetica on every page); ``options`` go to the canvas
    (page boxes, colour space enforcement)."""
    canvas = canvas_class(buffer, pagesize=size, invariant=1, pageCompression=1,
                          lang=meta.language,
                          initialFontName=initial_font,  # type: ignore[arg-type]  # stubs: float
                          initialFontSize=10, **options)
    return describe(canvas, meta)


def describe(canvas: Canvas, meta: Metadata) -> Canvas:
    """Fill the document information and fix its dates to ``meta.date``."""
    set_timestamp(document_of(canvas), _timestamp(meta.date))
    canvas.setTitle(meta.title)
    canvas.setAuthor(meta.author)
    canvas.setSubject(meta.subject)
    canvas.setKeywords(", ".join(meta.keywords))
    canvas.setCreator(meta.creator)
    canvas.setProducer(f"brochure {__version__} (ReportLab)")
    canvas.setViewerPreference("DisplayDocTitle", "true")
    return canvas
