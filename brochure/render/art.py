"""Vector art from the content (``model.art``) drawn as ReportLab graphics, scaled to a width."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Ellipse,
    Group,
    Line,
    Path,
    Polygon,
    PolyLine,
    Rect,
    Shape,
    String,
)

from ..model import art as m
from ..model.base import localize
from .colours import Palette
from .replay import replay
from .tagging import with_spec

_CAPS = {"butt": 0, "round": 1, "square": 2}

D = TypeVar("D", bound=Drawing)


def canvas_drawing(width: float, height: float, font: str, *nodes: Shape,
                   **options: Any) -> Drawing:
    """A Drawing whose default font is ``font``: ReportLab's graphics would otherwise set (and
    so reference, unembedded) Helvetica even when nothing in the drawing is text."""
    return _in_font(Drawing(width, height, *nodes, **options), font)


def _in_font(result: D, font: str) -> D:
    """``result`` with ``font`` as its default font."""
    result.initialFontName = font  # type: ignore[attr-defined]  # stubs lack Drawing's own
    return result


def drawing(art: m.Art, width: float, palette: Palette, font: str,
            language: str = "en", bold: str | None = None) -> Drawing:
    """A Drawing of ``art`` scaled to ``width`` points, keeping its aspect ratio; its
    alternative text and labels in ``language`` (labels in ``font``, or ``bold``, at their own
    size in points: the scale moves them, never shrinks them). Art without labels is an
    :class:`ArtDrawing`, its shapes made only when it is drawn afresh."""
    scale = width / art.width
    if any(isinstance(shape, m.Label) for shape in art.shapes):
        result = canvas_drawing(width, art.height * scale, font,
                                *_nodes(art, scale, palette, font, language, bold))
    else:
        lazy = _in_font(ArtDrawing(width, art.height * scale), font)
        lazy._replay_key = _replay_key(art, width, palette, font)
        lazy._shapes = lambda: _nodes(art, scale, palette, font, language, bold)
        result = lazy
    return with_spec(result, alt=None if art.decorative else localize(art.alt, language))


def _nodes(art: m.Art, scale: float, palette: Palette, font: str, language: str,
           bold: str | None) -> list[Shape]:
    nodes: list[Shape] = []
    group: Group | None = None
    for shape in art.shapes:
        if isinstance(shape, m.Label):
            group = None
            face = (bold or font) if shape.bold else font
            nodes += _label(shape, art.height, scale, palette, face, language)
            continue
        if group is None:
            group = Group()
            group.scale(scale, scale)
            nodes.append(group)
        group.add(_shape(shape, art.height, palette))
    return nodes


class ArtDrawing(Drawing):
    """Art without text: what it draws (shapes in the brand's colours) is the same in every
    document, so it is drawn once for each size and colours and its operators are replayed
    after (a logo on every page, a verdict's icon in every summary; ReportLab's graphics
    renderer, and making the shapes, cost more than a paragraph). Only operators that paint
    paths are replayed, nothing that names a document's resource (a font, a graphics state)."""

    _replay_key: tuple = ()
    _shapes: Callable[[], list[Shape]] | None = None
    """Makes the drawing's shapes, until they are made."""

    def draw(self, *args, **kwargs):
        if args or kwargs:  # a boundary asked for: drawn as ReportLab draws it
            self._made()
            return super().draw(*args, **kwargs)
        key = self._replay_key
        replay(self.canv, _DRAWN, key, lambda canvas: self._made().drawn())
        recording = _DRAWN.get(key)
        if recording and not _paints_only(recording[0]):
            _DRAWN[key] = None  # drawn each time from now on
        if len(_DRAWN) > _DRAWN_LIMIT:
            _DRAWN.clear()
        return None

    def _made(self) -> ArtDrawing:
        if self._shapes is not None:
            for node in self._shapes():
                self.add(node)
            self._shapes = None
        return self

    def drawn(self) -> None:
        Drawing.draw(self)


_DRAWN: dict = {}
_DRAWN_LIMIT = 512


def _replay_key(art: m.Art, width: float, palette: Palette, font: str) -> tuple:
    """Everything the art's drawing depends on: its shapes, its width, the colours it names
    (with their exact values and kind: RGB or CMYK) and the drawing's default font."""
    names = sorted({name for shape in art.shapes for name in shape.colours()})
    colours = tuple((name, type(c).__name__, tuple(sorted(vars(c).items())))
                    for name in names if (c := palette(name)) is not None)
    return ("art", art.model_dump_json(), width, colours, font)


_PAINTING = frozenset({"q", "Q", "cm", "w", "J", "j", "M", "d", "ri", "i", "m", "l", "c", "v",
                       "y", "h", "re", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n", "W",
                       "W*", "g", "G", "rg", "RG", "k", "K"})
"""PDF operators that paint paths with colours given in place: nothing in a recording of them
depends on the document it was made in."""


def _paints_only(ops: list[str]) -> bool:
    return all(token in _PAINTING or token[0] in "-.0123456789[]"
               for op in ops for token in op.split())


def _label(label: m.Label, height: float, scale: float, palette: Palette, font: str,
           language: str) -> list[Shape]:
    """A label's leader line (if any) and its text, in points: placed by the view box's scale,
    sized as written."""
    place = lambda x, y: (x * scale, (height - y) * scale)  # noqa: E731
    nodes: list[Shape] = []
    if label.leader is not None:
        x1, y1, x2, y2 = label.leader
        nodes.append(Line(*place(x1, y1), *place(x2, y2), strokeLineCap=1,
                          strokeColor=palette.text(label.color, label.size),
                          strokeWidth=label.leader_width))
    x, y = place(label.x, label.y)
    nodes.append(String(x, y, localize(label.text, language), fontName=font,
                        fontSize=label.size, fillColor=palette.text(label.color, label.size),
                        textAnchor=label.anchor))
    return nodes


def _paint(shape, node, palette: Palette) -> object:
    if not isinstance(node, (Line, PolyLine)):
        node.fillColor = palette(shape.fill)
    node.strokeColor = palette(shape.stroke)
    node.strokeWidth = shape.stroke_width if shape.stroke else 0
    node.strokeLineCap = _CAPS[shape.line_cap]
    node.strokeLineJoin = 1
    return node


def _shape(shape, height: float, palette: Palette):
    """One shape, flipped from y-down (as written) to PDF's y-up."""
    flip = lambda y: height - y  # noqa: E731
    node: Shape
    if isinstance(shape, m.Rect):
        node = Rect(shape.x, flip(shape.y + shape.height), shape.width, shape.height,
                    rx=shape.radius, ry=shape.radius)
    elif isinstance(shape, m.Circle):
        node = Circle(shape.cx, flip(shape.cy), shape.r)
    elif isinstance(shape, m.Ellipse):
        node = Ellipse(shape.cx, flip(shape.cy), shape.rx, shape.ry)
    elif isinstance(shape, m.Polygon):
        points = [v if i % 2 == 0 else flip(v) for i, v in enumerate(shape.points)]
        node = Polygon(points) if shape.type == "polygon" else PolyLine(points)
    elif isinstance(shape, m.Line):
        node = Line(shape.x1, flip(shape.y1), shape.x2, flip(shape.y2))
    else:
        node = _path(shape, flip)
    return _paint(shape, node, palette)


def _path(shape: m.Path, flip) -> Path:
    path = Path()
    x = y = 0.0
    for command, n in shape.commands():
        if command == "M":
            x, y = n
            path.moveTo(x, flip(y))
        elif command in "LHV":
            x, y = (n[0], n[1]) if command == "L" else (n[0], y) if command == "H" else (x, n[0])
            path.lineTo(x, flip(y))
        elif command == "C":
            path.curveTo(n[0], flip(n[1]), n[2], flip(n[3]), n[4], flip(n[5]))
            x, y = n[4], n[5]
        elif command == "Q":
            c1 = (x + 2 / 3 * (n[0] - x), y + 2 / 3 * (n[1] - y))
            c2 = (n[2] + 2 / 3 * (n[0] - n[2]), n[3] + 2 / 3 * (n[1] - n[3]))
            path.curveTo(c1[0], flip(c1[1]), c2[0], flip(c2[1]), n[2], flip(n[3]))
            x, y = n[2], n[3]
        elif command == "Z":
            path.closePath()
    return path
