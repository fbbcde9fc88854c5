"""Vector art as data: shapes in a view box, y pointing down as in SVG, colours by brand name."""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal, Union

from pydantic import ConfigDict, Field, field_validator, model_validator

from .base import Localized, Strict, localize

_PATH_TOKEN = re.compile(r"[MLHVCQZ]|-?\d*\.?\d+(?:e-?\d+)?", re.IGNORECASE)
_PATH_ARITY = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "Q": 4, "Z": 0}


class Paint(Strict):
    """Fill and outline of a shape; colours are names from the brand kit (or 'none')."""

    model_config = ConfigDict(allow_inf_nan=False)
    fill: str | None = None
    stroke: str | None = None
    stroke_width: float = Field(1.0, ge=0)
    line_cap: Literal["butt", "round", "square"] = "round"

    def colours(self) -> list[str]:
        """The brand colours the shape names."""
        return [name for name in (self.fill, self.stroke) if name and name != "none"]


class Rect(Paint):
    type: Literal["rect"]
    x: float
    y: float
    width: float = Field(gt=0)
    height: float = Field(gt=0)
    radius: float = Field(0, ge=0)


class Circle(Paint):
    type: Literal["circle"]
    cx: float
    cy: float
    r: float = Field(gt=0)


class Ellipse(Paint):
    type: Literal["ellipse"]
    cx: float
    cy: float
    rx: float = Field(gt=0)
    ry: float = Field(gt=0)


class Polygon(Paint):
    type: Literal["polygon", "polyline"]
    points: list[float] = Field(min_length=4)

    @field_validator("points")
    @classmethod
    def _pairs(cls, points: list[float]) -> list[float]:
        if len(points) % 2:
            raise ValueError("expected x, y pairs: an even count of numbers")
        return points


class Line(Paint):
    type: Literal["line"]
    x1: float
    y1: float
    x2: float
    y2: float


class Path(Paint):
    """An SVG-style path with absolute commands M, L, H, V, C, Q and Z."""

    type: Literal["path"]
    d: str

    @field_validator("d")
    @classmethod
    def _parse(cls, d: str) -> str:
        tokens = _PATH_TOKEN.findall(d)
        if not tokens or tokens[0].upper() != "M":
            raise ValueError("a path starts with M x y")
        command, count = None, 0
        for token in [*tokens, "Z"]:
            if token.isalpha():
                arity = _PATH_ARITY[command] if command else 0
                if (arity and (count == 0 or count % arity)) or (not arity and count):
                    raise ValueError(f"command {command} takes {arity} numbers, got {count}")
                command, count = token.upper(), 0
            elif math.isfinite(float(token)):
                count += 1
            else:
                raise ValueError(f"{token} is too large a number for a drawing")
        return d

    def commands(self) -> list[tuple[str, list[float]]]:
        """The path as (command, numbers) pairs, one per drawing step."""
        steps: list[tuple[str, list[float]]] = []
        command = "M"
        numbers: list[float] = []
        for token in [*_PATH_TOKEN.findall(self.d), "Z?"]:
            if token.isalpha() or token == "Z?":
                steps.extend(_split(command, numbers))
                command, numbers = token.upper(), []
            else:
                numbers.append(float(token))
        return steps


def _split(command: str, numbers: list[float]) -> list[tuple[str, list[float]]]:
    arity = _PATH_ARITY.get(command, 0)
    if arity == 0:
        return [(command, [])] if command == "Z" else []
    steps = [(command, numbers[i:i + arity]) for i in range(0, len(numbers), arity)]
    return [("L" if command == "M" and i else command, nums) for i, (_, nums) in enumerate(steps)]


class Label(Strict):
    """Words set in a drawing, naming a part of it: real text (extracted, read aloud through the
    drawing's alternative text, which must name every label). ``x``, ``y`` are in the view box;
    ``size`` is in points as printed (labels keep their size however wide the drawing is set);
    ``anchor`` says which end of the text (or its middle) sits at ``x``. A ``leader`` line runs
    from ``leader`` (x1, y1, x2, y2 in the view box) to the part named."""

    model_config = ConfigDict(allow_inf_nan=False)
    type: Literal["label"]
    text: Localized
    x: float
    y: float = Field(description="the text's baseline")
    size: float = Field(12, gt=0, description="points, as printed")
    color: str = Field("ink", description="a brand colour for text (4.5:1 on what it sits on)")
    background: str = Field("paper", description="the brand colour behind the text, for the "
                                                 "contrast check")
    bold: bool = False
    anchor: Literal["start", "middle", "end"] = "start"
    leader: tuple[float, float, float, float] | None = None
    leader_width: float = Field(1.0, gt=0)

    def colours(self) -> list[str]:
        """The brand colours the label names: its text's and the one behind it."""
        return [self.color, self.background]

    @field_validator("text")
    @classmethod
    def _text_given(cls, text: Localized) -> Localized:
        if not localize(text, "en").strip():
            raise ValueError("a label needs text")
        return text


Shape = Annotated[Union[Rect, Circle, Ellipse, Polygon, Line, Path, Label],
                  Field(discriminator="type")]


class Art(Strict):
    """A drawing: its view box (width × height units) and shapes painted in order."""

    model_config = ConfigDict(allow_inf_nan=False)
    width: float = Field(gt=0)
    height: float = Field(gt=0)
    alt: Localized = Field(description="what the picture shows, for screen readers (one text, "
                                       "or one per language)")
    decorative: bool = False
    shapes: list[Shape] = Field(min_length=1)

    @field_validator("alt")
    @classmethod
    def _alt_given(cls, alt: Localized) -> Localized:
        if not localize(alt, "en").strip():
            raise ValueError("alternative text must not be empty")
        return alt

    @model_validator(mode="after")
    def _alt_names_labels(self) -> Art:
        """A screen reader reads the alternative text, not the labels: it names each one."""
        for language in self.languages():
            alt = localize(self.alt, language).casefold()
            for label in self.labels():
                text = localize(label.text, language)
                if text.casefold() not in alt:
                    raise ValueError(f"the alternative text ({language}) must name every "
                                     f"label; it does not mention '{text}'")
        return self

    def labels(self) -> list[Label]:
        """The drawing's text labels, in the order they are drawn."""
        return [shape for shape in self.shapes if isinstance(shape, Label)]

    def languages(self) -> list[str]:
        """The languages the alternative text and the labels are given in."""
        found = {"en"}
        for text in [self.alt, *(label.text for label in self.labels())]:
            if isinstance(text, dict):
                found.update(text)
        return sorted(found)
