"""Shared pieces of the typed models: strict base class, lengths, source-aware validation, and
the one rule for naming an unknown key (did you mean …?)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from ..errors import Problem, SourceError
from ..source import Loc, Source

UNITS_IN_POINTS = {"pt": 1.0, "in": 72.0, "mm": 72.0 / 25.4, "cm": 72.0 / 2.54}
_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(pt|in|mm|cm)?\s*$")


class Strict(BaseModel):
    """Base of every model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _to_points(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a length such as 72, '1in', '3mm' or '0.5cm'")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = _LENGTH.match(value)
        if match:
            return float(match.group(1)) * UNITS_IN_POINTS[match.group(2) or "pt"]
    raise ValueError("expected a length such as 72, '1in', '3mm' or '0.5cm'")


Length = Annotated[float, BeforeValidator(_to_points)]
"""A length in points, written in YAML as a number (points) or with a unit: pt, in, mm, cm."""

Localized = str | dict[str, str]
"""Text that may differ by language: one string for all, or a mapping from language code."""


def localize(value: Localized | None, language: str) -> str:
    """``value`` in ``language``, else in English, else the first one given."""
    if value is None or isinstance(value, str):
        return value or ""
    return value.get(language) or value.get("en") or next(iter(value.values()), "")


M = TypeVar("M", bound=BaseModel)


def validate(source: Source, model: type[M], *, reveal: bool = True) -> M:
    """Validate ``source.data`` against ``model``; every problem is reported with its position.
    With ``reveal=False`` messages never quote the value given (patient data)."""
    try:
        return model.model_validate(source.data)
    except ValidationError as exc:
        raise SourceError([_problem(source, model, err, reveal) for err in exc.errors()]) from None


def _problem(source: Source, model: type[BaseModel], err: ErrorDetails, reveal: bool) -> Problem:
    loc, parent = _resolve(model, err["loc"])
    field = ".".join(str(p) for p in loc) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return source.problem(loc, _unknown_key(str(loc[-1]), parent), key=True)
    if kind == "missing":
        return source.problem(loc[:-1], f"missing required field '{field}'")
    given = err.get("input")
    shown = "" if isinstance(given, (dict, list)) or not reveal else f" (got {given!r})"
    message = err["msg"].removeprefix("Value error, ")
    return source.problem(loc, f"invalid value for '{field}': {message}{shown}")


def _resolve(model: type[BaseModel], raw_loc: Loc) -> tuple[Loc, Any]:
    """Drop pydantic's union tags from an error location; also return the model that holds its
    last part (for suggesting keys)."""
    loc: list[str | int] = []
    annotation: Any = model
    parent: Any = None
    for part in raw_loc:
        annotation = _unwrap(annotation)
        variant = _variant(annotation, part)
        if variant is not None:
            annotation = variant
            continue
        if isinstance(part, str) and part.startswith("function-"):
            continue
        parent = annotation
        annotation = _child(annotation, part)
        loc.append(part)
    return tuple(loc), parent


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        return _unwrap(args[0])
    return annotation


def _variant(annotation: Any, part: Any) -> Any:
    """The member of a tagged union whose ``type`` tag is ``part``, if ``annotation`` is one."""
    if get_origin(annotation) not in (Union, UnionType) or not isinstance(part, str):
        return None
    for member in get_args(annotation):
        member = _unwrap(member)
        tag = getattr(member, "model_fields", {}).get("type")
        if tag is not None and part in get_args(tag.annotation):
            return member
    return None


def _child(annotation: Any, part: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return field.annotation if field else None
    args = get_args(annotation)
    if get_origin(annotation) in (list, tuple) and args:
        return args[0]
    if get_origin(annotation) is dict and len(args) == 2:
        return args[1]
    return None


def _unknown_key(key: str, parent: Any) -> str:
    parent = _unwrap(parent)
    allowed = list(parent.model_fields) if isinstance(parent, type) and issubclass(
        parent, BaseModel) else []
    return unknown_name(key, allowed)


def close_match(name: str, known: Iterable[str]) -> str | None:
    """The declared name that ``name`` is most likely a mistyping of, or None: the project's
    did-you-mean distance (difflib's similarity of at least 0.6)."""
    hint = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return hint[0] if hint else None


def unknown_name(name: str, known: Iterable[str], what: str = "key") -> str:
    """The message for an unknown key (or column). It is named only when a declared one is
    within did-you-mean distance of it: anything else may be a patient's text that strayed
    into a key's place (``Mrs Ellison's daughter phoned: called``), so it is not repeated and
    the message's position says where it is."""
    known = list(known)
    hint = close_match(name, known)
    if hint:
        return f"unknown {what} '{name}'; did you mean '{hint}'?"
    expected = f"; expected one of: {', '.join(known)}" if known else ""
    return f"an unknown {what}{expected}"
