"""Replace one text value of a YAML file, changing only that value's characters.

The value is found by its place in the data (``("sections", "basics", 1, "text")``) in the file
as it is now, and the new text is written in the value's own style (plain, quoted, folded
``>-`` or literal ``|``) at its own indentation, wrapped as wide as it was: comments, key
order, quoting and folding of everything else stay byte for byte. The result is read back and
must hold exactly the new text at that place and everything else unchanged; a style that cannot
say the new text is replaced by a double-quoted string, which can say anything.

A value that is anchored (``&name``), repeated by an alias (``*name``) or brought in by a merge
(``<<``) is refused: an edit would change every place that uses it, and the message names the
line to edit by hand.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import SourceError
from ..source import Loc, parse

DEFAULT_WIDTH = 96
"""Where a value that was on one line is wrapped when it no longer fits (the content files are
wrapped under 100 columns)."""
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_HEADER = re.compile(r"([|>])([1-9]?)([+-]?)([1-9]?)(.*)")


class EditRefused(ValueError):  # noqa: N818 - reads as what happened
    """The value cannot be edited in the browser: the message says why and where to edit it."""


@dataclass(frozen=True)
class Spot:
    """A text value as written: its characters ``text[start:end]``, style and position."""

    start: int
    end: int
    style: str | None
    value: str
    line: int
    column: int
    """0-based, as YAML marks count."""


class _Tracking(yaml.SafeLoader):
    """Composes a document and notes every node that is anchored or reached through an alias."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.shared: set[int] = set()

    def compose_node(self, parent: Any, index: Any) -> Any:
        aliased = self.check_event(yaml.AliasEvent)
        anchor = None if aliased else self.peek_event().anchor
        node = super().compose_node(parent, index)
        if aliased or anchor is not None:
            self.shared.add(id(node))
        return node


def locate(text: str, loc: Loc) -> Spot:
    """The text value at ``loc`` in YAML ``text``; :class:`EditRefused` when it is not plain
    text written once (anchored, aliased, merged, tagged, not text, or not there)."""
    return Composed(text).spot(loc)


class Composed:
    """A YAML text composed once, to find many of its values."""

    def __init__(self, text: str):
        loader = _Tracking(text)
        try:
            root = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise EditRefused(f"the file does not read as YAML ({exc}); fix it first") \
                from None
        finally:
            loader.dispose()
        if root is None:
            raise EditRefused("the file is empty")
        self.root: yaml.Node = root
        self.text, self.shared = text, loader.shared

    def spot(self, loc: Loc) -> Spot:
        """The text value at ``loc`` (see :func:`locate`)."""
        node = self.root
        for part in loc:
            _refuse_shared(node, self.shared)
            node = _child(node, part)
        _refuse_shared(node, self.shared)
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR:
            raise EditRefused(f"the value at line {node.start_mark.line + 1} is not text")
        start, end = node.start_mark.index, node.end_mark.index
        if self.text[start] in "&!":
            raise _shared(node)
        if node.style in ("|", ">"):
            end = start + len(self.text[start:end].rstrip())
        return Spot(start, end, node.style, node.value, node.start_mark.line,
                    node.start_mark.column)


def _refuse_shared(node: yaml.Node, shared: set[int]) -> None:
    if id(node) in shared:
        raise _shared(node)


def _shared(node: yaml.Node) -> EditRefused:
    return EditRefused(f"this text is anchored or repeated by an alias (line "
                       f"{node.start_mark.line + 1}): an edit here would change every place "
                       f"that uses it; edit line {node.start_mark.line + 1} of the file by hand")


def _child(node: yaml.Node, part: str | int) -> yaml.Node:
    """The node at key or index ``part`` of ``node``."""
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and \
            0 <= part < len(node.value):
        return node.value[part]
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE and key.value == str(part):
                return value
        if any(key.tag == _MERGE for key, _ in node.value):
            raise EditRefused(f"this value comes from a merge (<<) at line "
                              f"{node.start_mark.line + 1}: an edit here would change every "
                              f"place that uses it; edit the merged mapping by hand")
    raise EditRefused(f"no value at '{part}' (the file may have changed)")


def replace(text: str, loc: Loc, value: str, path: str = "<edit>") -> str:
    """``text`` with the value at ``loc`` made ``value``: only that value's characters differ
    (written in its own style where it can be); :class:`EditRefused` when it may not be."""
    spot = locate(text, loc)
    try:
        expected = _with(parse(text, path).data, loc, value)
    except SourceError as exc:
        raise EditRefused(f"the file has an error ({exc}); fix it first") from None
    for written in _candidates(text, spot, value):
        spliced = text[:spot.start] + written + text[spot.end:]
        if _reads_as(spliced, path, expected):
            return spliced
    raise EditRefused("this text cannot be written as YAML here")  # pragma: no cover


def _with(data: Any, loc: Loc, value: str) -> Any:
    changed = copy.deepcopy(data)
    target = changed
    for part in loc[:-1]:
        target = target[part]
    target[loc[-1]] = value
    return changed


def _reads_as(text: str, path: str, expected: Any) -> bool:
    try:
        data = parse(text, path).data
    except SourceError:
        return False
    return _same(data, expected)


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (``True`` is not ``"yes"``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


# -- writing a value in a style ----------------------------------------------------------------

def _candidates(text: str, spot: Spot, value: str) -> Iterator[str]:
    """Ways to write ``value`` in place of ``spot``, its own style first."""
    old = text[spot.start:spot.end]
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = old.splitlines()
    width = max(DEFAULT_WIDTH, spot.column + len(lines[0])) if len(lines) == 1 else \
        max([spot.column + len(lines[0]), *map(len, lines[1:])])
    if spot.style in ("|", ">"):
        yield from _block(lines, value, newline, width)
    else:
        indent = _indent(lines[1]) if len(lines) > 1 and lines[1].strip() else spot.column
        quote = spot.style or ""
        if quote == "'" or (not quote and value):
            single = value.replace("'", "''") if quote else value
            yield _wrapped(quote + single + quote, spot.column, indent, width, newline)
        yield _wrapped(_double(value), spot.column, indent, width, newline)
    yield _double(value)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block(lines: list[str], value: str, newline: str, width: int) -> Iterator[str]:
    """``value`` as a literal or folded block, with the old header's style, indentation
    indicator and comment, and the chomping the new value needs."""
    match = _HEADER.fullmatch(lines[0])
    content = [line for line in lines[1:] if line.strip()]
    if match is None or not content:
        return
    style, digit, _, digit_after, rest = match.groups()
    body = value.rstrip("\n")
    trailing = len(value) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    indent = " " * _indent(content[0])
    header = style + (digit or digit_after) + chomp + rest
    if style == "|":
        written = [indent + line if line else "" for line in body.split("\n")]
    elif "\n" in body:
        return
    else:
        written = _fold(body, indent, width)
    yield newline.join([header, *written]) + newline * max(0, trailing - 1)


def _fold(body: str, indent: str, width: int) -> list[str]:
    """A folded block's lines: words filled to ``width`` (broken at single spaces only)."""
    lines: list[str] = []
    for word in re.split(r"(?<! ) (?! )", body):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(indent + word)
    return lines


def _wrapped(written: str, column: int, indent: int, width: int, newline: str) -> str:
    """A flow scalar (plain or quoted) broken at single spaces so that no line passes
    ``width``; its first line starts at ``column``, the others at ``indent``."""
    out: list[str] = []
    line = ""
    for word in re.split(r"(?<! ) (?! )", written):
        start = column if not out else indent
        if line and start + len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return (newline + " " * indent).join(out)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _double(value: str) -> str:
    """``value`` double-quoted: every character it needs escaped, escaped."""
    out = []
    for char in value:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 or char in "\u2028\u2029\ufeff":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
