"""The proof: a PDF for sign-off of the pages as they will print, with the overlays drawn on
them (trim, bleed, safe margin, folds, panel frames, the findings' pins) and the findings
listed after them.

Each page is the screen file's page as an image (the studio's page images, drawn sharper), so
the proof shows exactly what the preview shows; the overlays are drawn over it as lines.
"""

from __future__ import annotations

from io import BytesIO

from reportlab.lib.colors import Color, HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from ..model import Brand
from ..pages import page_images
from ..render.fonts import register_fonts
from ..render.rendered import RenderedDocument, RenderedPage
from .documents import DocView, Shown

PROOF_DPI = 150
MARGIN = 36.0
"""Room around each page for the bleed and the page's title, in points."""
LIST_SIZE, LIST_LEADING = 9.0, 12.0
TITLE_SIZE = 11.0
PIN_RADIUS = 7.0
TRIM, BLEED, SAFE = HexColor("#000000"), HexColor("#c62828"), HexColor("#2e7d32")
FOLD, FRAME, PIN = HexColor("#6a1b9a"), HexColor("#1565c0"), HexColor("#e65100")
DASH = (4, 3)


def proof(view: DocView, brand: Brand, title: str) -> bytes:
    """The proof of ``view`` (a current render, with its findings)."""
    rendered = view.rendered
    assert rendered is not None and view.pdf, "a proof is made of a render"
    fonts = register_fonts(brand.fonts)
    face, bold = fonts.body.regular, fonts.body.bold
    buffer = BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=1)
    canvas.setTitle(f"Proof: {title}")
    findings = view.findings or []
    for number, (page, png) in enumerate(zip(rendered.pages, page_images(view.pdf, PROOF_DPI),
                                             strict=True)):
        _page(canvas, rendered, page, png, (face, bold), f"{title}: page {number + 1} "
              f"({page.label})", [f for f in findings if f.page == number])
    _findings(canvas, findings, (face, bold), title)
    canvas.save()
    return buffer.getvalue()


def _page(canvas: Canvas, rendered: RenderedDocument, page: RenderedPage, png: bytes,
          faces: tuple[str, str], heading: str, pins: list[Shown]) -> None:
    canvas.setPageSize((page.width + 2 * MARGIN, page.height + 2 * MARGIN + TITLE_SIZE * 2))
    canvas.setFont(faces[1], TITLE_SIZE)
    canvas.drawString(MARGIN, page.height + 2 * MARGIN + TITLE_SIZE * 0.5, heading)
    canvas.translate(MARGIN, MARGIN)
    canvas.drawImage(ImageReader(BytesIO(png)), 0, 0, page.width, page.height)
    bleed, safe = rendered.bleed, rendered.safe_margin
    _rect(canvas, BLEED, (-bleed, -bleed, page.width + 2 * bleed, page.height + 2 * bleed))
    _rect(canvas, TRIM, (0, 0, page.width, page.height), dashed=False)
    for area in page.panels:
        _rect(canvas, FRAME, (area.frame.x, area.frame.y, area.frame.width, area.frame.height))
        _rect(canvas, SAFE, (area.x + safe, safe, area.width - 2 * safe, page.height - 2 * safe))
    canvas.setStrokeColor(FOLD)
    canvas.setDash(*DASH)
    for fold in page.folds:
        canvas.line(fold, -bleed, fold, page.height + bleed)
    canvas.setDash()
    for shown in pins:
        if shown.at is not None:
            _pin(canvas, faces[1], shown.number, shown.at[0], page.height - shown.at[1])
    canvas.showPage()


def _rect(canvas: Canvas, colour: Color, box: tuple[float, float, float, float],
          dashed: bool = True) -> None:
    canvas.setStrokeColor(colour)
    canvas.setLineWidth(0.75)
    if dashed:
        canvas.setDash(*DASH)
    canvas.rect(*box, stroke=1, fill=0)
    canvas.setDash()


def _pin(canvas: Canvas, face: str, number: int, x: float, y: float) -> None:
    canvas.setFillColor(PIN)
    canvas.circle(x, y, PIN_RADIUS, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#ffffff"))
    canvas.setFont(face, LIST_SIZE)
    canvas.drawCentredString(x, y - LIST_SIZE / 3, str(number))


def _findings(canvas: Canvas, findings: list[Shown], faces: tuple[str, str],
              title: str) -> None:
    """The findings listed, numbered as their pins, on letter-size pages."""
    width, height = 612.0, 792.0
    canvas.setPageSize((width, height))
    y = height - MARGIN
    canvas.setFont(faces[1], TITLE_SIZE)
    canvas.drawString(MARGIN, y, f"{title}: {len(findings)} finding(s) of brochure check")
    y -= LIST_LEADING * 2
    for shown in findings:
        for n, line in enumerate(_wrapped(f"{shown.number}. {shown.text}", faces[0],
                                          width - 2 * MARGIN)):
            if y < MARGIN:
                canvas.showPage()
                y = height - MARGIN
            canvas.setFont(faces[0], LIST_SIZE)
            canvas.drawString(MARGIN + (LIST_SIZE if n else 0), y, line)
            y -= LIST_LEADING
        y -= LIST_LEADING / 2
    if not findings:
        canvas.setFont(faces[0], LIST_SIZE)
        canvas.drawString(MARGIN, y, "No findings.")
    canvas.showPage()


def _wrapped(text: str, face: str, width: float) -> list[str]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for word in text.split(" "):
        if lines and stringWidth(f"{lines[-1]} {word}", face, LIST_SIZE) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines
