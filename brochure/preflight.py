"""Preflight of print files: what a print shop would bounce, found before it does.

Each :class:`Finding` names the file, the page, the object and the measured value. Checks:
encryption, PDF/X identification, page boxes (present, nested, matching the layout), fonts
embedded, colour (no RGB operator, colour space or image), transparency, image resolution at
placed size, art that touches the trim without bleeding, and text within the safe margin of a
trim edge or fold.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ContentStream, IndirectObject

from .finish import LAYOUT_KEY
from .model.layout import Layout
from .render.sheets import sheets

TOLERANCE = 0.5  # points
RGB_SPACES = {"/DeviceRGB", "/CalRGB"}


@dataclass(frozen=True)
class Finding:
    path: Path
    page: int | None
    kind: str
    subject: str
    measured: str

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        return f"{self.path}: {where}{self.kind}: {self.subject}: {self.measured}"


def preflight(path: Path, layouts: dict[str, Layout]) -> list[Finding]:
    """Every problem a print shop would reject ``path`` for."""
    reader = PdfReader(path)
    if reader.is_encrypted:
        return [Finding(path, None, "encrypted", "document", "print files must not be encrypted")]
    layout = layouts.get(str(reader.metadata.get(LAYOUT_KEY, ""))) if reader.metadata else None
    findings = _identification(path, reader)
    for number, page in enumerate(reader.pages, start=1):
        boxes = _boxes(page)
        findings += _box_findings(path, number, boxes, layout)
        if boxes is None:
            continue
        scan = _Scan(path, number, boxes, layout)
        try:
            scan.run(page, page.get("/Resources"))
        except UNREADABLE as exc:
            scan.findings.append(_unreadable(path, number, exc))
        findings += scan.findings
    try:
        findings += _text_in_margins(path, reader, layout)
    except (*UNREADABLE, pdfium.PdfiumError) as exc:
        findings.append(_unreadable(path, None, exc))
    return findings


UNREADABLE = (PdfReadError, ValueError, TypeError, IndexError, KeyError, AttributeError)
"""What a damaged or hand-made content stream raises while it is read."""
MAX_FORM_DEPTH = 32


def _unreadable(path: Path, page: int | None, exc: Exception) -> Finding:
    return Finding(path, page, "content", "page content" if page else "text",
                   f"cannot be read ({type(exc).__name__}); a print shop's RIP may fail on it too")


# -- document level ---------------------------------------------------------------------------

def _identification(path: Path, reader: PdfReader) -> list[Finding]:
    info = reader.metadata or {}
    findings = []
    version = str(info.get("/GTS_PDFXVersion", ""))
    if not version.startswith("PDF/X-"):
        findings.append(Finding(path, None, "pdfx", "/GTS_PDFXVersion",
                                f"missing or not PDF/X ({version or 'absent'})"))
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        findings.append(Finding(path, None, "pdfx", "/Trapped", "missing (expected True or False)"))
    intents = reader.trailer["/Root"].get("/OutputIntents")
    intent = intents[0].get_object() if intents else None
    if not intent or intent.get("/S") != "/GTS_PDFX" or not intent.get(
            "/OutputConditionIdentifier"):
        findings.append(Finding(path, None, "pdfx", "/OutputIntents",
                                "no GTS_PDFX output intent with an output condition"))
    return findings


# -- page boxes ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Boxes:
    media: tuple[float, float, float, float]
    trim: tuple[float, float, float, float]
    bleed: tuple[float, float, float, float]


def _boxes(page) -> Boxes | None:
    if "/TrimBox" not in page or "/BleedBox" not in page:
        return None
    as_tuple = lambda box: tuple(float(v) for v in box)  # noqa: E731
    return Boxes(as_tuple(page.mediabox), as_tuple(page.trimbox), as_tuple(page.bleedbox))


def _box_findings(path: Path, number: int, boxes: Boxes | None,
                  layout: Layout | None) -> list[Finding]:
    if boxes is None:
        return [Finding(path, number, "boxes", "/TrimBox /BleedBox", "missing")]
    findings = []
    if not _contains(boxes.bleed, boxes.trim) or not _contains(boxes.media, boxes.bleed):
        findings.append(Finding(path, number, "boxes", "MediaBox ⊇ BleedBox ⊇ TrimBox",
                                f"not nested: media {boxes.media}, bleed {boxes.bleed}, "
                                f"trim {boxes.trim}"))
    if layout is not None:
        findings += _against_layout(path, number, boxes, layout)
    return findings


def _contains(outer, inner) -> bool:
    return (outer[0] <= inner[0] + 0.01 and outer[1] <= inner[1] + 0.01
            and outer[2] >= inner[2] - 0.01 and outer[3] >= inner[3] - 0.01)


def _against_layout(path: Path, number: int, boxes: Boxes, layout: Layout) -> list[Finding]:
    sheet = sheets(layout, "print")[0]
    width, height = boxes.trim[2] - boxes.trim[0], boxes.trim[3] - boxes.trim[1]
    findings = []
    if abs(width - sheet.width) > 0.01 or abs(height - layout.page.height) > 0.01:
        findings.append(Finding(path, number, "boxes", "TrimBox",
                                f"{width:.2f} × {height:.2f} pt; layout {layout.name} expects "
                                f"{sheet.width:.2f} × {layout.page.height:.2f} pt"))
    margins = [boxes.trim[0] - boxes.bleed[0], boxes.trim[1] - boxes.bleed[1],
               boxes.bleed[2] - boxes.trim[2], boxes.bleed[3] - boxes.trim[3]]
    if any(abs(m - layout.bleed) > 0.01 for m in margins):
        findings.append(Finding(path, number, "boxes", "BleedBox",
                                f"bleed {', '.join(f'{m:.2f}' for m in margins)} pt; layout "
                                f"{layout.name} expects {layout.bleed:.2f} pt on every side"))
    return findings


# -- content streams -------------------------------------------------------------------------

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` applied first, then ``n`` (PDF's row-vector convention)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


class _Scan:
    """Walks a page's content (and its forms) tracking the graphics state."""

    FILL_OPS = frozenset({"f", "F", "f*", "B", "B*", "b", "b*"})

    def __init__(self, path: Path, number: int, boxes: Boxes, layout: Layout | None):
        self.path, self.number, self.boxes, self.layout = path, number, boxes, layout
        self.findings: list[Finding] = []
        self.points: list[tuple[float, float]] = []
        self.forms: list[int] = []
        """The forms being walked, outermost first (a form that draws itself is not followed)."""

    def run(self, holder, resources, ctm: Matrix = IDENTITY) -> None:
        resources = _resolve(resources) or {}
        self._transparency(resources)
        self._fonts(resources)
        stack, spaces = [], {"fill": "/DeviceGray", "stroke": "/DeviceGray"}
        content = holder.get_contents() if hasattr(holder, "get_contents") else holder
        if content is None:
            return
        for operands, operator in ContentStream(content, None).operations:
            op = operator.decode("latin-1") if isinstance(operator, bytes) else operator
            if op == "q":
                stack.append((ctm, dict(spaces)))
            elif op == "Q" and stack:
                ctm, spaces = stack.pop()
            elif op == "cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)
            else:
                self._colour(op, operands, spaces, resources)
                self._geometry(op, operands, ctm)
                if op == "Do":
                    self._xobject(resources, operands[0], ctm)

    # colour
    def _colour(self, op: str, operands, spaces: dict, resources) -> None:
        if op in ("rg", "RG"):
            self._finding("rgb-colour", f"operator {op}",
                          " ".join(f"{float(v):g}" for v in operands))
        elif op in ("cs", "CS"):
            space = self._space_name(operands[0], resources)
            spaces["fill" if op == "cs" else "stroke"] = space
            if space in RGB_SPACES:
                self._finding("rgb-colour", f"operator {op}", f"colour space {space}")

    def _space_name(self, name, resources) -> str:
        named = _resolve(resources.get("/ColorSpace", {})).get(name) if resources else None
        space = _resolve(named) if named is not None else name
        if isinstance(space, list):
            base = str(space[0])
            if base == "/ICCBased" and int(_resolve(space[1]).get("/N", 0)) == 3:
                return "/DeviceRGB"
            if base in ("/Separation", "/DeviceN"):  # a spot prints as its alternate elsewhere
                alternate = self._space_name(space[2], resources)
                return alternate if alternate in RGB_SPACES else base
            return base
        return str(space)

    # transparency
    def _transparency(self, resources) -> None:
        for name, state in (_resolve(resources.get("/ExtGState", {})) or {}).items():
            state = _resolve(state)
            for key in ("/CA", "/ca"):
                if key in state and float(state[key]) < 1:
                    self._finding("transparency", f"ExtGState {name}", f"{key} {state[key]}")
            if state.get("/SMask") not in (None, "/None"):
                self._finding("transparency", f"ExtGState {name}", "soft mask")
            if state.get("/BM") not in (None, "/Normal", "/Compatible"):
                self._finding("transparency", f"ExtGState {name}", f"blend mode {state['/BM']}")

    # fonts
    def _fonts(self, resources) -> None:
        for name, font in (_resolve(resources.get("/Font", {})) or {}).items():
            font = _resolve(font)
            parts = [_resolve(d) for d in font.get("/DescendantFonts", [])] or [font]
            for part in parts:
                descriptor = _resolve(part.get("/FontDescriptor"))
                embedded = descriptor is not None and any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
                if not embedded and part.get("/Subtype") != "/Type3":
                    self._finding("fonts", f"font {name} ({part.get('/BaseFont')})",
                                  "not embedded")

    # geometry: filled art touching the trim must reach the bleed
    def _geometry(self, op: str, operands, ctm: Matrix) -> None:
        if op == "re":
            x, y, w, h = (float(v) for v in operands)
            self.points += [_apply(ctm, x, y), _apply(ctm, x + w, y + h),
                            _apply(ctm, x + w, y), _apply(ctm, x, y + h)]
        elif op in ("m", "l"):
            self.points.append(_apply(ctm, float(operands[0]), float(operands[1])))
        elif op in ("c", "v", "y"):
            values = [float(v) for v in operands]
            self.points += [_apply(ctm, values[i], values[i + 1]) for i in range(0, len(values), 2)]
        elif op in self.FILL_OPS:
            self._check_bleed(self.points, "filled shape")
            self.points = []
        elif op in ("S", "s", "n"):
            self.points = []

    def _check_bleed(self, points, subject: str) -> None:
        if not points:
            return
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        box = (min(xs), min(ys), max(xs), max(ys))
        trim, bleed = self.boxes.trim, self.boxes.bleed
        for index, edge in enumerate(("left", "bottom", "right", "top")):
            sign = -1 if index < 2 else 1
            reach = sign * (box[index] - trim[index])
            needed = sign * (bleed[index] - trim[index])
            touches = reach >= -TOLERANCE
            if touches and needed > TOLERANCE and reach < needed - TOLERANCE:
                self._finding("bleed", f"{subject} at the {edge} trim edge",
                              f"extends {max(reach, 0):.2f} pt past the trim; the bleed is "
                              f"{needed:.2f} pt")

    # images and forms
    def _xobject(self, resources, name, ctm: Matrix) -> None:
        xobject = _resolve(_resolve(resources.get("/XObject", {})).get(name))
        if xobject is None:
            return
        subtype = xobject.get("/Subtype")
        if subtype == "/Form":
            if id(xobject) in self.forms or len(self.forms) >= MAX_FORM_DEPTH:
                self._finding("content", f"form {name}", "draws itself, or forms nest more "
                              f"than {MAX_FORM_DEPTH} deep; not followed")
                return
            matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
            self.forms.append(id(xobject))
            try:
                self.run(xobject, xobject.get("/Resources", resources), _multiply(matrix, ctm))
            finally:
                self.forms.pop()
        elif subtype == "/Image":
            self._image(name, xobject, ctm)

    def _image(self, name, image, ctm: Matrix) -> None:
        space = self._space_name(image.get("/ColorSpace", "/DeviceGray"), {})
        if space in RGB_SPACES:
            self._finding("rgb-image", f"image {name}", f"colour space {space}")
        if "/SMask" in image:
            self._finding("transparency", f"image {name}", "soft mask")
        width_pt = math.hypot(ctm[0], ctm[1])
        height_pt = math.hypot(ctm[2], ctm[3])
        if width_pt and height_pt:
            ppi = min(int(image["/Width"]) / (width_pt / 72), int(image["/Height"]) /
                      (height_pt / 72))
            least = self.layout.press.min_image_ppi if self.layout else 300
            if ppi < least - 0.5:
                self._finding("image-resolution", f"image {name}",
                              f"{ppi:.0f} ppi at its placed size of {width_pt / 72:.2f} × "
                              f"{height_pt / 72:.2f} in (needs {least:.0f})")
        corners = [_apply(ctm, x, y) for x in (0, 1) for y in (0, 1)]
        self._check_bleed(corners, f"image {name}")

    def _finding(self, kind: str, subject: str, measured: str) -> None:
        self.findings.append(Finding(self.path, self.number, kind, subject, measured))


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


# -- text ------------------------------------------------------------------------------------

def _text_in_margins(path: Path, reader: PdfReader, layout: Layout | None) -> list[Finding]:
    """Characters closer than the safe margin to a trim edge or fold."""
    margin = layout.safe_margin if layout else 9.0
    laid_out = sheets(layout, "print") if layout else []
    findings = []
    document = pdfium.PdfDocument(str(path))
    try:
        for number, page in enumerate(reader.pages, start=1):
            boxes = _boxes(page)
            if boxes is None:
                continue
            textpage = document[number - 1].get_textpage()
            folds = laid_out[number - 1].folds if number <= len(laid_out) else []
            findings += _page_text(path, number, textpage, boxes, margin, folds)
    finally:
        document.close()
    return findings


def _page_text(path, number, textpage, boxes: Boxes, margin: float,
               folds: list[float]) -> list[Finding]:
    trim = boxes.trim
    worst: dict[str, tuple[float, str]] = {}
    for char, box in _chars(textpage):
        gaps = {"left trim edge": box[0] - trim[0], "bottom trim edge": box[1] - trim[1],
                "right trim edge": trim[2] - box[2], "top trim edge": trim[3] - box[3]}
        for fold in folds:
            x = trim[0] + fold
            gaps[f"fold at {fold / 72:.4g} in"] = max(x - box[2], box[0] - x)
        for where, gap in gaps.items():
            if gap < margin - TOLERANCE and gap < worst.get(where, (math.inf, ""))[0]:
                worst[where] = (gap, char)
    return [Finding(path, number, "safe-margin", f"text '{char}' near the {where}",
                    f"{gap:.2f} pt from it; the safe margin is {margin:.2f} pt")
            for where, (gap, char) in sorted(worst.items())]


def _chars(textpage) -> Iterator[tuple[str, tuple[float, float, float, float]]]:
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if char.strip():
            yield char, textpage.get_charbox(i)
