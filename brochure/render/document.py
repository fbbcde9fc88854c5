"""A ReportLab canvas set up for our documents: deterministic, metadata filled, no base fonts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO

from reportlab.lib.utils import TimeStamp
from reportlab.pdfgen.canvas import Canvas

from .. import __version__


@dataclass(frozen=True)
class Metadata:
    """What a PDF says about itself. Never anything about a patient."""

    title: str
    author: str
    subject: str
    language: str
    date: dt.date
    keywords: list[str] = field(default_factory=list)


def _timestamp(date: dt.date) -> TimeStamp:
    """ReportLab's timestamp fixed to midnight UTC of ``date``, so builds are reproducible."""
    stamp = TimeStamp(invariant=True)
    moment = dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)
    stamp.t = moment.timestamp()
    stamp.lt = moment.timetuple()
    stamp.YMDhms = tuple(stamp.lt)[:6]
    return stamp


def new_canvas(buffer: BytesIO, size: tuple[float, float], meta: Metadata,
               initial_font: str) -> Canvas:
    """A canvas writing to ``buffer`` whose default font is one of ours (ReportLab would
    otherwise reference unembedded Helvetica on every page)."""
    canvas = Canvas(buffer, pagesize=size, invariant=1, pageCompression=1, lang=meta.language,
                    initialFontName=initial_font, initialFontSize=10)
    canvas._doc._timeStamp = _timestamp(meta.date)
    canvas.setTitle(meta.title)
    canvas.setAuthor(meta.author)
    canvas.setSubject(meta.subject)
    canvas.setKeywords(", ".join(meta.keywords))
    canvas.setCreator(f"brochure {__version__}")
    canvas.setProducer(f"brochure {__version__} (ReportLab)")
    canvas.setViewerPreference("DisplayDocTitle", "true")
    return canvas
