"""Vector art from the content (``model.art``) drawn as ReportLab graphics, scaled to a width."""

from __future__ import annotations

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
    String,
)

from ..model import art as m
from ..model.base import localize
from .colours import Palette

_CAPS = {"butt": 0, "round": 1, "square": 2}


def canvas_drawing(width: float, height: float, font: str, *nodes, **options) -> Drawing:
    """A Drawing whose default font is ``font``: ReportLab's graphics would otherwise set (and
    so reference, unembedded) Helvetica even when nothing in the drawing is text."""
    result = Drawing(width, height, *nodes, **options)
    result.initialFontName = font
    return result


def drawing(art: m.Art, width: float, palette: Palette, font: str,
            language: str = "en", bold: str | None = None) -> Drawing:
    """A Drawing of ``art`` scaled to ``width`` points, keeping its aspect ratio; its
    alternative text and labels in ``language`` (labels in ``font``, or ``bold``, at their own
    size in points: the scale moves them, never shrinks them)."""
    scale = width / art.width
    nodes, group = [], None
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
    result = canvas_drawing(width, art.height * scale, font, *nodes)
    result._tag_alt = None if art.decorative else localize(art.alt, language)
    return result


def _label(label: m.Label, height: float, scale: float, palette: Palette, font: str,
           language: str) -> list:
    """A label's leader line (if any) and its text, in points: placed by the view box's scale,
    sized as written."""
    place = lambda x, y: (x * scale, (height - y) * scale)  # noqa: E731
    nodes = []
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
