"""``content/project.yaml``: settings for the whole project. Every setting has a default, so
the file (and every key in it) may be left out; the shipped file states each default.

``record_id_pattern`` is a regular expression a whole record id must match. It is checked when
the project loads: it must compile, be of bounded length, and not repeat a group that itself
repeats or holds alternatives (``(a+)+``, ``(a|ab)*``), the shapes that can take exponential
time on an id that almost matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from .base import Strict

SETTINGS_FILE = "content/project.yaml"
DEFAULT_RECORD_ID_PATTERN = r"[A-Za-z0-9._/-]{1,64}"
"""Letters, digits, '-', '_', '.' and '/', 1 to 64 of them (the shipped project.yaml states it
too). No space, quote, '=', '+', '@' or '|': an id never reads as a spreadsheet formula."""
MAX_PATTERN_LENGTH = 200
_REPEATS = ("*", "+", "{")


def _pattern(value: Any) -> Any:
    """A regular expression an id can be matched against in bounded time."""
    if not isinstance(value, str):
        raise ValueError("expected text: a regular expression (in quotes)")
    value = value.strip()
    if not value:
        raise ValueError("an empty pattern matches no record id")
    if len(value) > MAX_PATTERN_LENGTH:
        raise ValueError(f"a pattern of at most {MAX_PATTERN_LENGTH} characters is expected")
    try:
        re.compile(value)
    except re.error as exc:
        at = f" at character {exc.pos + 1}" if exc.pos is not None else ""
        raise ValueError(f"not a regular expression: {exc.msg}{at}") from None
    start = _risky_group(value)
    if start is not None:
        raise ValueError(f"a repeated group that itself repeats or holds alternatives (the "
                         f"group at character {start + 1}, like (a+)+ or (a|ab)*) can take "
                         "very long to match; write it without the inner repeat")
    return value


@dataclass
class _Group:
    """A group of a pattern, open while it is read."""

    opens: int
    """Where it opens."""
    inner: bool = False
    """Whether it holds a repeat or alternatives."""


def _risky_group(pattern: str) -> int | None:
    """Where a group opens that is repeated and holds a repeat or alternatives, or None."""
    groups: list[_Group] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":
            i = _class_end(pattern, i)
            continue
        if char == "(":
            groups.append(_Group(i))
        elif char == ")" and groups:
            group = groups.pop()
            if group.inner and pattern[i + 1:i + 2] in _REPEATS:
                return group.opens
            if group.inner and groups:
                groups[-1].inner = True
        elif (char in _REPEATS or char == "|") and groups:
            groups[-1].inner = True
        i += 1
    return None


def _class_end(pattern: str, start: int) -> int:
    """The index after the character class that opens at ``start`` (``[^]a-z\\]]``)."""
    i = start + 1
    if pattern[i:i + 1] == "^":
        i += 1
    if pattern[i:i + 1] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


class ProjectSettings(Strict):
    """Settings for the whole project (``content/project.yaml``)."""

    record_id_pattern: Annotated[str, BeforeValidator(_pattern)] = Field(
        DEFAULT_RECORD_ID_PATTERN, description=(
            "a regular expression (Python's) that a whole record id must match; ids that do "
            "not are refused at their place"))

    default_publication: str | None = Field(None, pattern=r"^[a-z0-9-]+$", description=(
        "the publication a patient record is read for when it names none (its `publication` "
        "field); may be left out when one publication has summaries"))

    def id_problem(self, record_id: str) -> str | None:
        """Why ``record_id`` is not an id of this project (the pattern, never the id), or
        None."""
        if re.fullmatch(self.record_id_pattern, record_id):
            return None
        return (f"invalid value for 'id': does not match the project's record id pattern "
                f"({SETTINGS_FILE}: {self.record_id_pattern})")
