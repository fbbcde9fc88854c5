"""Pages of a rendered PDF read back through PDFium (pypdfium2): images and text.

:func:`page_images` gives each page of a PDF as a PNG, at a stated resolution, for the command
line (``brochure build --png``) and for the studio's previews. The images are drawn from the
screen file (RGB, no marks), with the page's white paper under it, and carry no metadata, so the
same PDF gives the same PNG bytes. :func:`page_texts` gives each page's text, for the checks.

PDFium is not safe to call from two threads at once (the studio draws previews and checks
files in a thread pool): every module opens a PDF through :func:`pdfium_document`, which holds
one process-wide lock while the document is open.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

DEFAULT_DPI = 150
"""Sharp enough for a website or an email thumbnail, a few hundred KB a page."""
MIN_DPI, MAX_DPI = 36, 600
_PDFIUM = threading.RLock()


@contextmanager
def pdfium_document(pdf: bytes | Path) -> Iterator[Any]:
    """``pdf`` (its bytes or its file) open in PDFium, with the process's PDFium lock held;
    raises ``pypdfium2.PdfiumError`` when PDFium cannot read it."""
    import pypdfium2 as pdfium

    with _PDFIUM:
        document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
        try:
            yield document
        finally:
            document.close()


def page_images(pdf: bytes, dpi: int = DEFAULT_DPI) -> list[bytes]:
    """Each page of ``pdf`` as PNG bytes at ``dpi`` (a page 11 in wide is 11 × dpi pixels)."""
    scale = dpi / 72
    with pdfium_document(pdf) as document:
        return [_png(page.render(scale=scale, may_draw_forms=False).to_pil())
                for page in document]


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, with whitespace made single spaces."""
    with pdfium_document(pdf) as document:
        return [" ".join(page.get_textpage().get_text_range().split()) for page in document]


def png_path(pdf_path: Path, number: int) -> Path:
    """``<layout>[-<lang>]-p<N>.png`` beside ``<layout>[-<lang>].pdf`` (pages from 1)."""
    return pdf_path.with_name(f"{pdf_path.stem}-p{number}.png")


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
