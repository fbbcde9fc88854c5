"""Whether a drawing's shapes and labels stay inside its view box (checked when a project
loads: a label past the box would run past its panel, or the trim, only found after a build).

Shapes are measured by their geometry (a path by its points, control points included). A
label's words are measured in the font they are drawn in, at the drawing's own size (one
view-box unit a point): drawn smaller, a label (set at its own size in points) takes more of
the box, which the print preflight measures in the built file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from .model import art as m
from .model.base import localize

ASCENT, DESCENT = 0.8, 0.25
"""A line of text's extent above and below its baseline, in ems."""
SLACK = 0.01
"""View-box units a shape may pass the box by (rounding)."""

Measure = Callable[[str, bool, float], float]
"""The width in points of text set in the body font (bold or not) at a size in points."""


def outside(art: m.Art, measure: Measure) -> Iterator[tuple[int, str]]:
    """(index, what passes the box) of each shape of ``art`` reaching outside its view box."""
    for index, shape in enumerate(art.shapes):
        for what, (left, top, right, bottom) in _extents(shape, measure):
            past = _past(art, left, top, right, bottom)
            if past:
                yield index, f"{what} reaches {past} of the drawing's box (0 0 {art.width:g} " \
                             f"{art.height:g})"


def _past(art: m.Art, left: float, top: float, right: float, bottom: float) -> str:
    sides = [f"{-left:.1f} units left" if left < -SLACK else "",
             f"{-top:.1f} units above" if top < -SLACK else "",
             f"{right - art.width:.1f} units right" if right > art.width + SLACK else "",
             f"{bottom - art.height:.1f} units below" if bottom > art.height + SLACK else ""]
    return ", ".join(side for side in sides if side)


Box = tuple[float, float, float, float]


def _extents(shape: object, measure: Measure) -> list[tuple[str, Box]]:
    """(what, (left, top, right, bottom)) of the parts of one shape."""
    if isinstance(shape, m.Label):
        return _label_extents(shape, measure)
    points = _points(shape)
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return [(f"the {getattr(shape, 'type', 'shape')}", (min(xs), min(ys), max(xs), max(ys)))]


def _points(shape: object) -> list[tuple[float, float]]:
    if isinstance(shape, m.Rect):
        return [(shape.x, shape.y), (shape.x + shape.width, shape.y + shape.height)]
    if isinstance(shape, m.Circle):
        return [(shape.cx - shape.r, shape.cy - shape.r), (shape.cx + shape.r, shape.cy + shape.r)]
    if isinstance(shape, m.Ellipse):
        return [(shape.cx - shape.rx, shape.cy - shape.ry),
                (shape.cx + shape.rx, shape.cy + shape.ry)]
    if isinstance(shape, m.Polygon):
        return list(zip(shape.points[::2], shape.points[1::2], strict=True))
    if isinstance(shape, m.Line):
        return [(shape.x1, shape.y1), (shape.x2, shape.y2)]
    if isinstance(shape, m.Path):
        return _path_points(shape)
    return []


def _path_points(path: m.Path) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    x = y = 0.0
    for command, numbers in path.commands():
        if command == "H":
            x = numbers[0]
        elif command == "V":
            y = numbers[0]
        elif numbers:
            pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
            points += pairs[:-1]
            x, y = pairs[-1]
        else:
            continue
        points.append((x, y))
    return points


def _label_extents(label: m.Label, measure: Measure) -> list[tuple[str, Box]]:
    texts = label.text.values() if isinstance(label.text, dict) else [label.text]
    found: list[tuple[str, Box]] = []
    for text in texts:
        width = measure(text, label.bold, label.size)
        start = label.x - {"start": 0.0, "middle": width / 2, "end": width}[label.anchor]
        found.append((f"label '{text}'", (start, label.y - ASCENT * label.size,
                                          start + width, label.y + DESCENT * label.size)))
    if label.leader is not None:
        x1, y1, x2, y2 = label.leader
        found.append((f"the leader of label '{localize(label.text, 'en')}'",
                      (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))))
    return found
