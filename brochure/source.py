"""YAML loading that keeps where every value came from.

A loaded file is a :class:`Source`: plain Python data (dicts, lists, scalars) plus a table from
each value's path (``("blocks", 3, "text")``) to its line and column, so that a later stage can
say exactly where a bad value is. Only YAML's safe types are built; a key given twice is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, SourceError

Loc = tuple[str | int, ...]
_PLAIN = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}


@dataclass
class Source:
    """The data of one YAML file with the position of every node in it."""

    path: Path
    data: Any
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def where(self, loc: Loc, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the node at ``loc`` (of its key when ``key``), or of its
        nearest known ancestor."""
        loc = tuple(loc)
        if key and loc in self.key_positions:
            return self.key_positions[loc]
        while loc not in self.positions and loc:
            loc = loc[:-1]
        return self.positions.get(loc, (None, None))

    def problem(self, loc: Loc, message: str, *, key: bool = False,
                level: str = "error") -> Problem:
        line, column = self.where(loc, key=key)
        return Problem(message, self.path, line, column, level)


class _Builder:
    """Turns a composed YAML node tree into data while recording positions."""

    def __init__(self, path: Path):
        self.path = path
        self.positions: dict[Loc, tuple[int, int]] = {}
        self.key_positions: dict[Loc, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.scalars = yaml.SafeLoader("")

    def build(self, node: yaml.Node, loc: Loc = ()) -> Any:
        self.positions[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN:
            self._error(node, f"unsupported YAML tag {node.tag}; plain data only")
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.scalars.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, loc: Loc) -> dict:
        self.scalars.flatten_mapping(node)
        result: dict = {}
        for key_node, value_node in node.value:
            key = self.scalars.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                self._error(key_node, "a mapping key must be a plain word or number")
                continue
            if key in result:
                self._error(key_node, f"duplicate key '{key}'; each key may appear once")
                continue
            mark = key_node.start_mark
            self.key_positions[(*loc, key)] = (mark.line + 1, mark.column + 1)
            result[key] = self.build(value_node, (*loc, key))
        return result

    def _error(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(message, self.path, mark.line + 1, mark.column + 1))


def parse(text: str, path: Path | str) -> Source:
    """Parse YAML text; raise :class:`SourceError` naming the position of any problem."""
    path = Path(path)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"malformed YAML: {exc.problem or exc}"
        raise SourceError(Problem(message, path, line, col)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - pyyaml marks nearly every error
        raise SourceError(Problem(f"malformed YAML: {exc}", path)) from None
    if node is None:
        return Source(path, None, {(): (1, 1)})
    builder = _Builder(path)
    try:
        data = builder.build(node)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"unsupported YAML value: {exc.problem}"
        raise SourceError(Problem(message, path, line, col)) from None
    if builder.problems:
        raise SourceError(builder.problems)
    return Source(path, data, builder.positions, builder.key_positions)


def load(path: Path | str) -> Source:
    """Read and parse one YAML file."""
    path = Path(path)
    return parse(read_text(path), path)


def read_text(path: Path, hint: str = "save it as UTF-8") -> str:
    """A text file's contents (UTF-8, a byte-order mark allowed); a byte that is not UTF-8 is
    placed at its line and column, with ``hint`` saying how to fix it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(Problem("file not found", path)) from None
    except OSError as exc:
        raise SourceError(Problem(f"cannot read: {exc.strerror}", path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(Problem(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); {hint}",
                                  path, line, column)) from None
