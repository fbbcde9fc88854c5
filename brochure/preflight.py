"""Preflight of print files: what a print shop would bounce, found before it does.

Each :class:`Finding` names the file, the page, the object and the measured value. Checks:
encryption, PDF/X identification, page boxes (present, nested, matching the layout), fonts
embedded, colour (no RGB operator, colour space or image), transparency, image resolution at
placed size, art that touches the trim without bleeding, text within the safe margin of a
trim edge or fold, and the print rule for text (:mod:`brochure.render.colours`): text under
14 pt in one solid ink (``print-black``), white text under 12 pt never reversed out of a mix of
inks (``reversed-text``).
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ContentStream, DictionaryObject, IndirectObject

from .finish import LAYOUT_KEY
from .kept import Kept
from .kinds import PDF_A_2A, PDF_UA_1, PRINT, OutputKind
from .model.layout import Layout
from .pages import pdfium_document
from .render.colours import REVERSED_TEXT_MIN, SOLID_TEXT_BELOW
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
    at: tuple[float, float] | None = None
    """The point on the page the finding is about, in points from the trim's bottom-left
    corner (None: the page or the file as a whole)."""
    written: str = ""
    """Where what is drawn there is written (``file:line:column``, and the block), when known
    (see :func:`brochure.layout_checks.located`)."""

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        written = f" (written at {self.written})" if self.written else ""
        return f"{self.path}: {where}{self.kind}: {self.subject}: {self.measured}{written}"


_FOUND: Kept[tuple[str, bytes, str], tuple[Finding, ...]] = Kept(limit=256)


def found_by_content(check: str, path: Path, context: str,
                     compute: Callable[[Path, bytes], list[Finding]]) -> list[Finding]:
    """The findings of ``check`` on the file at ``path``, which depend on nothing but its
    bytes (and ``context``): computed on the bytes read once, and found again when the same
    bytes are checked again in this process (a studio re-checking the files a save did not
    change, a check run twice); each finding names ``path``."""
    data = path.read_bytes()
    key = (check, hashlib.sha256(data).digest(), context)
    kept = _FOUND.get(key)
    if kept is None:
        kept = tuple(compute(path, data))
        _FOUND.put(key, kept)
    return [replace(finding, path=path) for finding in kept]


def preflight(path: Path, layouts: dict[str, Layout]) -> list[Finding]:
    """Every problem a print shop would reject ``path`` for."""
    context = "|".join(f"{name}={layout.model_dump_json()}"
                       for name, layout in sorted(layouts.items()))
    return found_by_content("preflight", path, context,
                            lambda path, data: _preflight(path, data, layouts))


def _preflight(path: Path, data: bytes, layouts: dict[str, Layout]) -> list[Finding]:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        return [Finding(path, None, "encrypted", "document", "print files must not be encrypted")]
    layout = layouts.get(str(reader.metadata.get(LAYOUT_KEY, ""))) if reader.metadata else None
    findings = _identification(path, reader)
    runs: dict[int, list[TextRun]] = {}
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
        runs[number] = scan.texts
    try:
        findings += _text_in_margins(path, data, reader, layout)
        findings += _text_colours(path, data, runs)
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

READERS_STANDARDS = {PDF_UA_1: "PDF/UA", PDF_A_2A: "PDF/A"}
"""What a file made for readers declares (a print file declares PDF/X instead)."""


def for_press(kind: OutputKind | None) -> bool:
    """Whether a file of ``kind`` (:func:`brochure.kinds.kind_of`) gets the print preflight: a
    print file, or a file that declares nothing of ours, which is preflighted like one."""
    return kind is None or kind.for_press


def readers_standards(kind: OutputKind) -> list[str]:
    """The readers' standards a file of ``kind`` declares, as a message names them."""
    return [name for standard, name in READERS_STANDARDS.items() if standard in kind.standards]


def document_info(reader: PdfReader) -> Mapping[str, object]:
    """The file's document information (empty when it has none)."""
    return reader.metadata or {}


def catalog(reader: PdfReader) -> DictionaryObject:
    """The file's catalog, the trailer's ``/Root`` (empty when that is no dictionary)."""
    root = reader.trailer["/Root"]
    return root if isinstance(root, DictionaryObject) else DictionaryObject()


def _identification(path: Path, reader: PdfReader) -> list[Finding]:
    info = document_info(reader)
    findings = []
    version = str(info.get("/GTS_PDFXVersion", ""))
    if not version.startswith("PDF/X-"):
        findings.append(Finding(path, None, "pdfx", "/GTS_PDFXVersion",
                                f"missing or not PDF/X ({version or 'absent'})"))
    if str(info.get("/Trapped", "")) not in ("/True", "/False"):
        findings.append(Finding(path, None, "pdfx", "/Trapped", "missing (expected True or False)"))
    intents = catalog(reader).get("/OutputIntents")
    intent = intents[0].get_object() if intents else None
    if not intent or intent.get("/S") != "/GTS_PDFX" or not intent.get(
            "/OutputConditionIdentifier"):
        findings.append(Finding(path, None, "pdfx", "/OutputIntents",
                                "no GTS_PDFX output intent with an output condition"))
    return findings


# -- page boxes ------------------------------------------------------------------------------

Box = tuple[float, float, float, float]
"""A rectangle as PDF writes it: left, bottom, right, top."""


@dataclass(frozen=True)
class Boxes:
    media: Box
    trim: Box
    bleed: Box


def _box(values: Iterable[Any]) -> Box:
    """A page box's four numbers as floats."""
    left, bottom, right, top = (float(v) for v in values)
    return left, bottom, right, top


def _boxes(page) -> Boxes | None:
    if "/TrimBox" not in page or "/BleedBox" not in page:
        return None
    return Boxes(_box(page.mediabox), _box(page.trimbox), _box(page.bleedbox))


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
    sheet = sheets(layout, PRINT.imposed)[0]
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


def _matrix(values: Iterable[Any]) -> Matrix:
    """A transformation's six numbers as floats (raises ValueError when there are not six)."""
    a, b, c, d, e, f = (float(v) for v in values)
    return a, b, c, d, e, f


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """``m`` applied first, then ``n`` (PDF's row-vector convention)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


Ink = tuple[tuple[str, float], ...]
"""A colour as the plates it prints on: (ink, tint 0–1) for each ink used; () is paper white."""
PROCESS = ("C", "M", "Y", "K")


@dataclass(frozen=True)
class TextRun:
    """One text-showing operator: where it starts, its size on the page, its inks, and the
    inks of the topmost fill under its first letters (None: an image or an unknown colour)."""

    origin: tuple[float, float]
    size: float
    inks: Ink | None
    under: Ink | None
    artifact: bool = False
    """Drawn inside an ``/Artifact`` marked-content sequence (page furniture, decoration)."""


def _inks(space: str, values: list[float]) -> Ink | None:
    """The inks of a colour in a device or separation space (None for RGB, patterns and the
    like, which other checks report)."""
    if space == "/DeviceCMYK" and len(values) == 4:
        return tuple((ink, v) for ink, v in zip(PROCESS, values, strict=True) if v > 1e-4)
    if space == "/DeviceGray" and len(values) == 1:
        return (("K", 1 - values[0]),) if values[0] < 1 - 1e-4 else ()
    if space.startswith("/Separation:") and len(values) == 1:
        name = space.split(":", 1)[1]
        if name == "/All":  # registration: every plate
            return tuple((ink, values[0]) for ink in PROCESS)
        return ((name, values[0]),) if values[0] > 1e-4 else ()
    return None


def _describe(inks: Ink) -> str:
    return " ".join(f"{ink.lstrip('/')}{round(v * 100):g}" for ink, v in inks) or "white"


class _TextState:
    """Colours and text state of a content stream, as far as the print rule for text needs."""

    DEFAULTS: ClassVar[dict[str, list[float]]] = {"/DeviceCMYK": [0, 0, 0, 1],
                                                  "/DeviceGray": [0]}
    PAINT = frozenset({"k", "K", "g", "G", "rg", "RG", "cs", "CS", "sc", "scn", "SC", "SCN"})

    def __init__(self) -> None:
        self.fill: Ink | None = (("K", 1.0),)
        self.stroke: Ink | None = (("K", 1.0),)
        self.size, self.leading, self.mode = 0.0, 0.0, 0
        self.matrix: Matrix = IDENTITY
        self.line: Matrix = IDENTITY

    def saved(self) -> tuple:
        return self.fill, self.stroke, self.size, self.leading, self.mode

    def restore(self, saved: tuple) -> None:
        self.fill, self.stroke, self.size, self.leading, self.mode = saved

    def paint(self, op: str, operands, spaces: dict, resources, space_name) -> None:
        """Follow the fill and stroke colours (``spaces`` is kept by the caller)."""
        if op not in self.PAINT:
            return
        fill = op.islower()
        values = [float(v) for v in operands if isinstance(v, (int, float))]
        if op in ("k", "K"):
            inks = _inks("/DeviceCMYK", values)
        elif op in ("g", "G"):
            inks = _inks("/DeviceGray", values)
        elif op in ("rg", "RG"):
            inks = None
        elif op in ("cs", "CS"):
            space = self._space(operands[0], resources, space_name)
            inks = _inks(space, self.DEFAULTS.get(space, [1]))
        elif op in ("sc", "scn", "SC", "SCN"):
            key = "fill" if fill else "stroke"
            name = spaces.get(f"{key}-name", spaces[key])
            inks = _inks(self._space(name, resources, space_name), values)
        if op in ("cs", "CS"):
            spaces[f"{'fill' if fill else 'stroke'}-name"] = operands[0]
        if fill:
            self.fill = inks
        else:
            self.stroke = inks

    @staticmethod
    def _space(name, resources, space_name) -> str:
        """A colour space's kind; a separation as ``/Separation:<ink>``."""
        named = _resolve(resources.get("/ColorSpace", {})).get(name) if resources else None
        space = _resolve(named) if named is not None else name
        if isinstance(space, list) and str(space[0]) == "/Separation":
            return f"/Separation:{space[1]}"
        return space_name(name, resources)

    def operator(self, op: str, operands) -> bool:
        """Follow the text state; True when ``op`` shows text."""
        if op == "BT":
            self.matrix = self.line = IDENTITY
        elif op == "Tf":
            self.size = float(operands[1])
        elif op == "TL":
            self.leading = float(operands[0])
        elif op == "Tr":
            self.mode = int(operands[0])
        elif op == "Tm":
            self.matrix = self.line = _matrix(operands)
        elif op in ("Td", "TD"):
            tx, ty = float(operands[0]), float(operands[1])
            if op == "TD":
                self.leading = -ty
            self._move(tx, ty)
        elif op in ("T*", "'", '"'):
            self._move(0, -self.leading)
        return op in ("Tj", "TJ", "'", '"')

    def _move(self, tx: float, ty: float) -> None:
        self.matrix = self.line = _multiply((1, 0, 0, 1, tx, ty), self.line)


class _Scan:
    """Walks a page's content (and its forms) tracking the graphics state."""

    FILL_OPS = frozenset({"f", "F", "f*", "B", "B*", "b", "b*"})

    def __init__(self, path: Path, number: int, boxes: Boxes, layout: Layout | None):
        self.path, self.number, self.boxes, self.layout = path, number, boxes, layout
        self.findings: list[Finding] = []
        self.points: list[tuple[float, float]] = []
        self.forms: list[int] = []
        """The forms being walked, outermost first (a form that draws itself is not followed)."""
        self.fills: list[tuple[tuple[float, float, float, float], Ink | None]] = []
        """Filled shapes and images in painting order: bounding box and inks (None: an image)."""
        self.texts: list[TextRun] = []
        self.marked: list[str] = []
        """The tags of the marked-content sequences open at this point, outermost first."""
        self.drawn: list[tuple[float, float, float, float]] = []
        """Bounding boxes of what was filled, stroked or imaged outside artifacts."""
        self.backdrops: list[tuple[float, float, float, float]] = []
        """Bounding boxes of the shapes filled as artifacts (a box's fill, a panel's)."""

    @property
    def artifact(self) -> bool:
        return "/Artifact" in self.marked

    def run(self, holder, resources, ctm: Matrix = IDENTITY) -> None:
        resources = _resolve(resources) or {}
        self._transparency(resources)
        self._fonts(resources)
        stack, spaces = [], {"fill": "/DeviceGray", "stroke": "/DeviceGray"}
        content = holder.get_contents() if hasattr(holder, "get_contents") else holder
        if content is None:
            return
        text = _TextState()
        for operands, operator in ContentStream(content, None).operations:
            op = operator.decode("latin-1") if isinstance(operator, bytes) else operator
            if op == "q":
                stack.append((ctm, dict(spaces), text.saved()))
            elif op == "Q" and stack:
                ctm, spaces, saved = stack.pop()
                text.restore(saved)
            elif op == "cm":
                ctm = _multiply(_matrix(operands), ctm)
            elif op in ("BMC", "BDC"):
                self.marked.append(str(operands[0]))
            elif op == "EMC" and self.marked:
                self.marked.pop()
            else:
                self._colour(op, operands, spaces, resources)
                text.paint(op, operands, spaces, resources, self._space_name)
                self._geometry(op, operands, ctm, text)
                if text.operator(op, operands):
                    self._text_run(text, ctm)
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

    # text: its size and ink, and the fill under it
    def _text_run(self, text: _TextState, ctm: Matrix) -> None:
        if text.mode in (3, 7):  # invisible (OCR layers) or clipping only
            return
        matrix = _multiply(text.matrix, ctm)
        size = abs(text.size) * math.hypot(matrix[2], matrix[3])
        x, y = _apply(matrix, 0, 0)
        inks = text.stroke if text.mode in (1, 5) else text.fill
        middle = _apply(matrix, 0.3, 0.3)  # inside the first letters, above the baseline
        under = next((ink for box, ink in reversed(self.fills) if box[0] <= middle[0] <= box[2]
                      and box[1] <= middle[1] <= box[3]), ())
        self.texts.append(TextRun((x, y), size, inks, under, self.artifact))

    # geometry: filled art touching the trim must reach the bleed
    def _geometry(self, op: str, operands, ctm: Matrix, text: _TextState | None = None) -> None:
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
            if self.points and text is not None:
                self.fills.append((_bounds(self.points), text.fill))
            if self.points and self.artifact:
                self.backdrops.append(_bounds(self.points))
            self._painted(self.points)
            self.points = []
        elif op in ("S", "s", "n"):
            self._painted(self.points if op != "n" else [])
            self.points = []

    def _painted(self, points) -> None:
        if points and not self.artifact:
            self.drawn.append(_bounds(points))

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
            matrix = _matrix(xobject.get("/Matrix", IDENTITY))
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
        self.fills.append((_bounds(corners), None))
        self._painted(corners)

    def _finding(self, kind: str, subject: str, measured: str) -> None:
        self.findings.append(Finding(self.path, self.number, kind, subject, measured))


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _bounds(points) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


# -- what a page shows, for other checks -------------------------------------------------------

@dataclass(frozen=True)
class PageContent:
    """What one page draws, for checks of type sizes and balance (:mod:`brochure.layout_checks`):
    its text runs (artifacts marked as such), the boxes of everything else drawn outside
    artifacts and of the shapes filled as artifacts, in page coordinates; ``trim`` is the trim
    box (the media box of a screen file)."""

    number: int
    trim: tuple[float, float, float, float]
    texts: list[TextRun]
    drawn: list[tuple[float, float, float, float]]
    backdrops: list[tuple[float, float, float, float]]


def page_contents(reader: PdfReader) -> list[PageContent]:
    """Every page's :class:`PageContent`, read the way preflight reads it (raises what
    :data:`UNREADABLE` names when a content stream cannot be read)."""
    pages = []
    for number, page in enumerate(reader.pages, start=1):
        media = _box(page.mediabox)
        boxes = _boxes(page) or Boxes(media, media, media)
        scan = _Scan(Path(), number, boxes, None)
        scan.run(page, page.get("/Resources"))
        pages.append(PageContent(number, boxes.trim, scan.texts, scan.drawn, scan.backdrops))
    return pages


def words_at(textpage, x: float, y: float, size: float, most: int = 24) -> str:
    """The first words of the text whose line starts at (``x``, ``y``), ``size`` points high."""
    words = textpage.get_text_bounded(x, y - size * 0.2, x + size * 12, y + size * 0.8)
    return " ".join(words.split())[:most]


# -- text ------------------------------------------------------------------------------------

def _text_colours(path: Path, data: bytes, runs: dict[int, list[TextRun]]) -> list[Finding]:
    """The print rule for text, one finding per page, fault, size and colour (the first run
    named by its text and position, with how many more there are)."""
    findings = []
    with pdfium_document(data) as document:
        for number, page_runs in runs.items():
            faults: dict[tuple, list[TextRun]] = {}
            for run in page_runs:
                for fault in _faults(run):
                    faults.setdefault((fault, round(run.size, 1), run.inks, run.under),
                                      []).append(run)
            if faults:
                textpage = document[number - 1].get_textpage()
                findings += [_text_finding(path, number, key, found, textpage)
                             for key, found in faults.items()]
    return findings


def _faults(run: TextRun) -> list[str]:
    if run.inks is None or run.size >= SOLID_TEXT_BELOW - 1e-6:
        return []
    if run.inks and not (len(run.inks) == 1 and run.inks[0][1] >= 1 - 1e-4):
        return ["print-black"]
    mixed = run.under is not None and len(run.under) > 1
    if not run.inks and mixed and run.size < REVERSED_TEXT_MIN - 1e-6:
        return ["reversed-text"]
    return []


def _text_finding(path: Path, number: int, key: tuple, found: list[TextRun],
                  textpage) -> Finding:
    kind, size, inks, under = key
    x, y = found[0].origin
    words = words_at(textpage, x, y, size)
    more = f" (and {len(found) - 1} more like it)" if len(found) > 1 else ""
    subject = f"{size:g} pt text '{words}' at {x:.0f}, {y:.0f} pt{more}"
    if kind == "print-black":
        measured = (f"in {_describe(inks)}; text under {SOLID_TEXT_BELOW:g} pt must be 100 % K "
                    "or one process ink at 100 %")
    else:
        measured = (f"white, reversed out of {_describe(under)} ({len(under)} inks); white text "
                    f"under {REVERSED_TEXT_MIN:g} pt needs a one-ink fill, or dark text on "
                    "light")
    return Finding(path, number, kind, subject, measured)


def _text_in_margins(path: Path, data: bytes, reader: PdfReader,
                     layout: Layout | None) -> list[Finding]:
    """Characters closer than the safe margin to a trim edge or fold."""
    margin = layout.safe_margin if layout else 9.0
    laid_out = sheets(layout, PRINT.imposed) if layout else []
    findings = []
    with pdfium_document(data) as document:
        for number, page in enumerate(reader.pages, start=1):
            boxes = _boxes(page)
            if boxes is None:
                continue
            textpage = document[number - 1].get_textpage()
            folds = laid_out[number - 1].folds if number <= len(laid_out) else []
            findings += _page_text(path, number, textpage, boxes, margin, folds)
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
