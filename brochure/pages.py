"""Page images of a rendered PDF: the PNG writer (pypdfium2).

:func:`page_images` gives each page of a PDF as a PNG, at a stated resolution, for the command
line (``brochure build --png``) and for the studio's previews. The images are drawn from the
screen file (RGB, no marks), with the page's white paper under it, and carry no metadata, so the
same PDF gives the same PNG bytes. PDFium is not safe to call from two threads at once: calls
are serialised by a lock.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

DEFAULT_DPI = 150
"""Sharp enough for a website or an email thumbnail, a few hundred KB a page."""
MIN_DPI, MAX_DPI = 36, 600
_PDFIUM = threading.Lock()


def page_images(pdf: bytes, dpi: int = DEFAULT_DPI) -> list[bytes]:
    """Each page of ``pdf`` as PNG bytes at ``dpi`` (a page 11 in wide is 11 × dpi pixels)."""
    import pypdfium2 as pdfium

    scale = dpi / 72
    with _PDFIUM:
        document = pdfium.PdfDocument(pdf)
        try:
            return [_png(page.render(scale=scale, may_draw_forms=False).to_pil())
                    for page in document]
        finally:
            document.close()


def png_path(pdf_path: Path, number: int) -> Path:
    """``<layout>[-<lang>]-p<N>.png`` beside ``<layout>[-<lang>].pdf`` (pages from 1)."""
    return pdf_path.with_name(f"{pdf_path.stem}-p{number}.png")


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()
