"""YAML loading that keeps where every value came from, within stated bounds.

A loaded file is a :class:`Source`: plain Python data (dicts, lists, scalars) plus a table from
each value's path (``("blocks", 3, "text")``) to its line and column, so that a later stage can
say exactly where a bad value is. Only YAML's safe types are built; a key given twice is an error.
Messages never quote a tag, an anchor, an alias or a key given twice (in a record file any of
them may be a patient's text); their positions say where they are.

Input is bounded (:class:`Limits`): a file's size is checked before it is read, and one YAML
document may hold only so many aliases, values and levels of nesting. Values are counted twice:
while the document is composed (what is written) and while it is built (what the aliases expand
to, so that an alias bomb stops after a bounded amount of work). Every refusal is positioned.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from copy import deepcopy
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, SourceError
from .kept import Kept

Loc = tuple[str | int, ...]
_PLAIN = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap"}
_QUOTE_HINT = "; put text that starts with !, & or * in quotes"
TAG_REFUSED = f"unsupported YAML tag: a YAML tag (!name) is not allowed here{_QUOTE_HINT}"
"""A tag, an anchor's or an alias's name is never quoted in a message: in a record it may be a
patient's text (``notes: !Ellison worried``)."""
_MERGE = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Limits:
    """How much one input file may hold."""

    kind: str
    """What the file is, as a message names it ('a content file')."""
    max_bytes: int
    max_aliases: int = 1_000
    """Uses of an alias (``*name``) in one YAML document."""
    max_nodes: int = 200_000
    """Values (scalars, lists, mappings) in one YAML document, counted both as written and as
    built, where every use of an alias counts everything it repeats."""
    max_depth: int = 100
    """Levels of nesting of lists and mappings, aliases and merges expanded."""


CONTENT = Limits("a content file", 4 * 1024 * 1024)
"""Publications, layouts, brand kits, candidacy rules and summary texts."""
RECORDS = Limits("a record file", 64 * 1024, max_nodes=5_000)
"""Patient record files given to ``summary`` and ``batch`` (YAML or JSON)."""
CSV_RECORDS = Limits("a CSV file of records", 4 * 1024 * 1024)
"""A batch's CSV file: a row a record, some 15,000 rows at most (YAML limits do not apply)."""


@dataclass
class Source:
    """The data of one YAML file with the position of every node in it."""

    path: Path
    data: Any
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    ends: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    """Where each value written in the file ends (line and column, 1-based, of the character
    after it), so that a value can be replaced byte for byte (the studio's edits). A value that
    is an alias's or a merge's copy ends where what it copies ends."""

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


def _count(number: int) -> str:
    return f"{number:,}"


def _refuse(path: Path, mark: Any, message: str) -> SourceError:
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    return SourceError(Problem(message, path, line, column))


# -- composing: events to a node tree, counted ------------------------------------------------

class AliasNode(yaml.Node):
    """One use of an anchored value (``*name``): the node it repeats, and where it is written
    (so that a refusal while expanding it can point at it)."""

    id = "alias"

    def __init__(self, target: yaml.Node, start_mark: Any, end_mark: Any):
        super().__init__(target.tag, target, start_mark, end_mark)


def _events(text: str) -> tuple[Any, bool]:
    """A YAML event parser over ``text`` (libyaml's when installed: it is about twenty times
    faster, so a refusal comes quickly) and whether its error offsets count UTF-8 bytes."""
    if yaml.__with_libyaml__:
        from yaml._yaml import CParser

        return CParser(text), True
    return yaml.SafeLoader(text), False


class _Counter:
    """Counts a document's values (with their depth) and aliases as written, and refuses the
    first that goes over its limit, at its position."""

    def __init__(self, path: Path, limits: Limits):
        self.path, self.limits = path, limits
        self.nodes = self.aliases = 0

    def value(self, event: Any, depth: int) -> None:
        limits, what = self.limits, self.limits.kind
        self.nodes += 1
        if self.nodes > limits.max_nodes:
            raise _refuse(self.path, event.start_mark, f"more than {_count(limits.max_nodes)} "
                          f"values in one YAML document; {what} may hold at most "
                          f"{_count(limits.max_nodes)}")
        if depth > limits.max_depth:
            raise _refuse(self.path, event.start_mark, _too_deep(limits))

    def alias(self, event: Any) -> None:
        self.aliases += 1
        if self.aliases > self.limits.max_aliases:
            raise _refuse(self.path, event.start_mark, f"more than "
                          f"{_count(self.limits.max_aliases)} aliases (*name) in one YAML "
                          f"document; {self.limits.kind} may use at most "
                          f"{_count(self.limits.max_aliases)}")


def _too_deep(limits: Limits) -> str:
    return f"nested more than {limits.max_depth} levels deep; {limits.kind} may nest lists " \
           f"and mappings at most {limits.max_depth} levels"


_STARTS = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_ENDS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _precount(text: str, path: Path, limits: Limits) -> None:
    """A first pass over libyaml's events that only counts, so that a document over the limits
    is refused before any of it is composed (composing costs some ten times as much)."""
    from yaml._yaml import CParser

    parser, counter, depth = CParser(text), _Counter(path, limits), 0
    while parser.check_event():
        event = parser.get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            counter.value(event, depth + 1)
        elif kind in _STARTS:
            depth += 1
            counter.value(event, depth)
        elif kind in _ENDS:
            depth -= 1
        elif kind is yaml.AliasEvent:
            counter.alias(event)


class _Composer:
    """Builds the node tree of one YAML document from parser events, counting values, aliases
    and depth as it goes and stopping at the first that goes over its limit."""

    def __init__(self, events: Any, path: Path, limits: Limits):
        self.events, self.path = events, path
        self.counter = _Counter(path, limits)
        self.resolver = yaml.resolver.Resolver()
        self.anchors: dict[str, yaml.Node] = {}
        self.open: set[str] = set()

    def document(self) -> yaml.Node | None:
        """The stream's one document (None when it is empty)."""
        events = self.events
        events.get_event()
        node = None
        if not events.check_event(yaml.StreamEndEvent):
            events.get_event()
            node = self.node(1)
            events.get_event()
            if not events.check_event(yaml.StreamEndEvent):
                raise _refuse(self.path, events.get_event().start_mark, "a second YAML document "
                              "(after ---) begins here; a file holds one document")
        events.get_event()
        return node

    def node(self, depth: int) -> yaml.Node:
        if self.events.check_event(yaml.AliasEvent):
            return self._alias(self.events.get_event())
        event = self.events.peek_event()
        self.counter.value(event, depth)
        if event.anchor is not None and event.anchor in self.anchors:
            first = self.anchors[event.anchor].start_mark
            raise _refuse(self.path, event.start_mark, f"this anchor (&name) is already defined "
                          f"at line {first.line + 1}, column {first.column + 1}; give each "
                          "anchor its own name")
        if isinstance(event, yaml.ScalarEvent):
            return self._scalar(self.events.get_event())
        return self._collection(self.events.get_event(), depth)

    def _alias(self, event: Any) -> AliasNode:
        self.counter.alias(event)
        if event.anchor in self.open:
            raise _refuse(self.path, event.start_mark, "this alias (*name) is inside the value "
                          "it names; an alias may only repeat a value that is complete")
        if event.anchor not in self.anchors:
            raise _refuse(self.path, event.start_mark, f"this alias (*name) names no anchor "
                          f"(&name) written before it{_QUOTE_HINT}")
        return AliasNode(self.anchors[event.anchor], event.start_mark, event.end_mark)

    def _scalar(self, event: Any) -> yaml.ScalarNode:
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark,
                               style=event.style)
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        return node

    def _collection(self, start: Any, depth: int) -> yaml.Node:
        mapping = isinstance(start, yaml.MappingStartEvent)
        kind = yaml.MappingNode if mapping else yaml.SequenceNode
        end = yaml.MappingEndEvent if mapping else yaml.SequenceEndEvent
        tag = start.tag
        if tag is None or tag == "!":
            tag = self.resolver.resolve(kind, None, start.implicit)
        node = kind(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if start.anchor is not None:
            self.anchors[start.anchor] = node
            self.open.add(start.anchor)
        while not self.events.check_event(end):
            item = self.node(depth + 1)
            node.value.append((item, self.node(depth + 1)) if mapping else item)
        node.end_mark = self.events.get_event().end_mark
        self.open.discard(start.anchor)
        return node


# -- building: a node tree to data and positions, counted -------------------------------------

_NUMBER_TAGS = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_PLAIN_NUMBER = re.compile(r"[-+]?(0|[1-9][0-9]*)(\.[0-9]*)?([eE][-+]?[0-9]+)?|[-+]?\.[0-9]+"
                           r"([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
"""Numbers as a person writes them. YAML 1.1 also reads 010 as 8 (octal), 0x10 as 16, 1_000
as 1000 and 1:30 as 90 (base 60): in a record, that silently changes a clinical value."""


class _Builder:
    """Turns a composed YAML node tree into data while recording positions. Every value built
    counts, each use of an alias in full, so expanding a few aliases into millions of values
    stops at the limit."""

    def __init__(self, path: Path, limits: Limits):
        self.path, self.limits = path, limits
        self.positions: dict[Loc, tuple[int, int]] = {}
        self.key_positions: dict[Loc, tuple[int, int]] = {}
        self.ends: dict[Loc, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.scalars = yaml.SafeLoader("")
        self.built = 0
        self.via: list[AliasNode] = []
        self.merged: dict[int, list[tuple[Any, yaml.Node, yaml.Node]]] = {}

    def build(self, node: yaml.Node, loc: Loc = (), depth: int = 1) -> Any:
        if isinstance(node, AliasNode):
            self.via.append(node)
            try:
                return self.build(node.value, loc, depth)
            finally:
                self.via.pop()
        self._count(node, depth)
        self.positions[loc] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.ends[loc] = (node.end_mark.line + 1, node.end_mark.column + 1)
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN:
            self._error(node, TAG_REFUSED)
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _count(self, node: yaml.Node, depth: int) -> None:
        limits = self.limits
        self.built += 1
        where = self.via[0] if self.via else node
        if self.built > limits.max_nodes:
            raise _too_many(self.path, where, limits)
        if depth > limits.max_depth:
            raise _refuse(self.path, where.start_mark, f"aliases or merges here nest values "
                          f"more than {limits.max_depth} levels deep; {limits.kind} may nest "
                          f"at most {limits.max_depth} levels")

    def _scalar(self, node: yaml.Node) -> Any:
        if node.tag in _NUMBER_TAGS and not _PLAIN_NUMBER.fullmatch(str(node.value)):
            self._error(node, "this number is written with a leading zero, 0x, 0o, 0b, underscores "
                              "or colons, which YAML reads as another number (010 is 8, 1:30 is "
                              "90); write plain digits, like 10 or 29.5, or put text in quotes")
            return None
        try:
            return self.scalars.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            kind = node.tag.rsplit(":", 1)[-1]
            name, expected = _SCALARS.get(kind, (kind, f"a valid {kind}"))
            self._error(node, f"not a valid {name}; expected {expected}")
            return None

    def _mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict:
        result: dict = {}
        merges = []
        for key_node, value_node in node.value:
            if _target(key_node).tag == _MERGE:
                merges.append(value_node)
                continue
            key = self._key(key_node)
            if key is _BAD:
                continue
            if key in result:
                first = self.key_positions[(*loc, key)]
                self._error(key_node, f"this key appears twice in one mapping (first at line "
                                      f"{first[0]}, column {first[1]}); each key may appear once")
                continue
            self._place_key(loc, key, key_node)
            result[key] = self.build(value_node, (*loc, key), depth + 1)
        inherited: dict = {}
        for key, key_node, value_node, source in self._merges(merges, depth):
            if key not in result and key not in inherited:
                self._place_key(loc, key, key_node)
                repeated = value_node if not isinstance(source, AliasNode) else \
                    AliasNode(value_node, source.start_mark, source.end_mark)
                inherited[key] = self.build(repeated, (*loc, key), depth + 1)
        return {**inherited, **result} if inherited else result

    def _merges(self, values: list[yaml.Node], depth: int) -> list:
        """The (key, key node, value node, source) that ``<<:`` brings in, the first source of a
        key winning (YAML's merge key; an explicit key overrides them all)."""
        pairs: dict = {}
        for value in values:
            target = _target(value)
            sources = target.value if isinstance(target, yaml.SequenceNode) else [value]
            for source in sources:
                if not isinstance(_target(source), yaml.MappingNode):
                    self._error(source, "a merge (<<) takes a mapping or a list of mappings")
                    continue
                for pair in self._flat(source, depth + 1):
                    pairs.setdefault(pair[0], (*pair, source))
        return list(pairs.values())

    def _flat(self, node: yaml.Node, depth: int) -> list:
        """A mapping's own pairs, then those it merges in (computed once per mapping)."""
        target = _target(node)
        if id(target) not in self.merged:
            self._count(node, depth)
            own = {key: (key, k, v) for k, v in target.value if _target(k).tag != _MERGE
                   for key in [self._key(k, report=False)] if key is not _BAD}
            merges = [v for k, v in target.value if _target(k).tag == _MERGE]
            inherited = [pair[:3] for pair in self._merges(merges, depth) if pair[0] not in own]
            self.merged[id(target)] = [*own.values(), *inherited]
        return self.merged[id(target)]

    def _key(self, key_node: yaml.Node, report: bool = True) -> Any:
        target = _target(key_node)
        key = self._scalar(target) if isinstance(target, yaml.ScalarNode) else _BAD
        if not isinstance(key, (str, int, float, bool)):
            if report:
                self._error(key_node, "a mapping key must be a plain word or number")
            return _BAD
        return key

    def _place_key(self, loc: Loc, key: Any, key_node: yaml.Node) -> None:
        mark = key_node.start_mark
        self.key_positions[(*loc, key)] = (mark.line + 1, mark.column + 1)

    def _error(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(message, self.path, mark.line + 1, mark.column + 1))


_BAD = object()
_SCALARS = {"timestamp": ("date", "a date like 2026-11-02"),
            "int": ("number", "a whole number of at most 4,300 digits")}


def _target(node: yaml.Node) -> yaml.Node:
    return node.value if isinstance(node, AliasNode) else node


def _too_many(path: Path, where: yaml.Node, limits: Limits) -> SourceError:
    return _refuse(path, where.start_mark, f"the aliases in this YAML document expand to more "
                   f"than {_count(limits.max_nodes)} values (each use of an alias counts all it "
                   f"repeats); {limits.kind} may hold at most {_count(limits.max_nodes)}")


class _Expansion:
    """How many values each node of a composed document builds to, aliases expanded (merges
    left to the builder's own count), found without building anything: so an alias bomb is
    refused at once, at the same alias the builder would stop at."""

    def __init__(self, root: yaml.Node):
        self.sizes: dict[int, int] = {}
        self._size(root)

    def _size(self, node: yaml.Node) -> int:
        node = _target(node)
        if id(node) not in self.sizes:  # an alias's value comes earlier, so is known already
            self.sizes[id(node)] = 1 + sum(self._size(child) for child in _children(node))
        return self.sizes[id(node)]

    def crossing(self, root: yaml.Node, limit: int) -> yaml.Node | None:
        """The value, or the outermost alias repeating it, that building counts as number
        ``limit + 1``; None when the document builds to no more than ``limit`` values."""
        node, via, counted = root, None, 0
        while self.sizes[id(node)] + counted > limit:
            counted += 1
            if counted > limit:
                return via or node
            for child in _children(node):
                size = self.sizes[id(_target(child))]
                if counted + size > limit:
                    via = via or (child if isinstance(child, AliasNode) else None)
                    node = _target(child)
                    break
                counted += size
        return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return node.value
    if isinstance(node, yaml.MappingNode):
        return [value for key, value in node.value if _target(key).tag != _MERGE]
    return []


# -- entry points -----------------------------------------------------------------------------

def parse(text: str, path: Path | str, limits: Limits = CONTENT) -> Source:
    """Parse YAML text; raise :class:`SourceError` naming the position of any problem, including
    a document that goes over ``limits``. A project file's text (``limits`` :data:`CONTENT`)
    parsed before in this process is not parsed again, whatever its path (a parse's data and
    positions depend on the text alone; the path names the file in problems, and a text that
    fails is never kept): a studio reloads the project on every save, and a server, a copy of
    a project or a test run loads the same files again and again; parsing with positions is
    most of a load. Each caller gets a copy of its own, under its own path. A record's text
    is never kept (it is a patient's)."""
    if limits is not CONTENT:
        return _parse(text, path, limits)
    kept = _PARSED.get(text)
    if kept is None:
        parsed = _parse(text, path, limits)
        _PARSED.put(text, _copied(parsed))
        return parsed
    return replace(_copied(kept), path=Path(path))


_PARSED: Kept[str, Source] = Kept(limit=256)
"""Project files kept parsed (the shipped project has about twenty)."""


def _copied(source: Source) -> Source:
    """A parse's copy that its caller may change: its data copied, its position maps too
    (positions are tuples of tuples, which no one can change)."""
    return replace(source, data=_data_copy(source.data), positions=dict(source.positions),
                   key_positions=dict(source.key_positions), ends=dict(source.ends))


_IMMUTABLE = (str, int, float, bool, type(None), dt.date)


def _data_copy(value: Any) -> Any:
    """A copy of parsed YAML data: new mappings and lists all the way down, the scalars (which
    no one can change) shared; several times faster than ``deepcopy``, which a reload of a
    project spent most of its time in. A value of any other type is deep-copied."""
    if type(value) is dict:
        return {key: _data_copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_data_copy(item) for item in value]
    return value if isinstance(value, _IMMUTABLE) else deepcopy(value)


def _parse(text: str, path: Path | str, limits: Limits) -> Source:
    """:func:`parse`, every time."""
    path = Path(path)
    events, byte_offsets = _events(text)
    try:
        if byte_offsets:
            _precount(text, path, limits)
        node = _Composer(events, path, limits).document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "maximum nesting depth" in str(exc.problem):  # libyaml's own limit, 1,000 levels
            raise _refuse(path, mark, _too_deep(limits)) from None
        raise _refuse(path, mark, f"malformed YAML: {exc.problem or exc}"
                      f"{_tab_hint(text, mark)}") from None
    except yaml.reader.ReaderError as exc:
        line, column = _offset_position(text, exc.position, byte_offsets)
        raise SourceError(Problem(f"malformed YAML: character U+{exc.character:04X} is not "
                                  f"allowed ({exc.reason})", path, line, column)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - pyyaml marks nearly every error
        raise SourceError(Problem(f"malformed YAML: {exc}", path)) from None
    finally:
        getattr(events, "dispose", lambda: None)()
    if node is None:
        return Source(path, None, {(): (1, 1)})
    crossing = _Expansion(node).crossing(node, limits.max_nodes)
    if crossing is not None:
        raise _too_many(path, crossing, limits)
    builder = _Builder(path, limits)
    try:
        data = builder.build(node)
    except yaml.constructor.ConstructorError as exc:
        raise _refuse(path, exc.problem_mark, TAG_REFUSED) from None
    if builder.problems:
        raise SourceError(builder.problems)
    return Source(path, data, builder.positions, builder.key_positions, builder.ends)


def _tab_hint(text: str, mark: Any) -> str:
    """A hint when the character at ``mark`` is a tab, which YAML does not indent with."""
    lines = text.split("\n")
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    return "; indent with spaces (a tab cannot indent YAML)" if "\t" in line[:mark.column + 1] \
        else ""


def _offset_position(text: str, offset: int, in_bytes: bool) -> tuple[int, int]:
    before = text.encode("utf-8")[:offset].decode("utf-8", "ignore") if in_bytes else \
        text[:offset]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def load(path: Path | str, limits: Limits = CONTENT) -> Source:
    """Read and parse one YAML file, within ``limits``."""
    path = Path(path)
    return parse(read_text(path, limits=limits), path, limits)


def read_text(path: Path, hint: str = "save it as UTF-8", limits: Limits = CONTENT) -> str:
    """A text file's contents (UTF-8, a byte-order mark allowed); a byte that is not UTF-8 is
    placed at its line and column, with ``hint`` saying how to fix it. A file larger than
    ``limits`` allows is refused before it is read (a pipe or device: once it has given more)."""
    data = _read_bounded(path, limits)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(Problem(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); {hint}",
                                  path, line, column)) from None


def _read_bounded(path: Path, limits: Limits) -> bytes:
    """At most ``limits.max_bytes`` bytes of ``path``; more is an error naming the limit.
    A pipe without a writer does not block the open; a folder is named as one."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise SourceError(Problem("file not found", path)) from None
    except OSError as exc:
        raise SourceError(Problem(f"cannot read: {exc.strerror}", path)) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SourceError(Problem("is a folder; expected a file", path))
        size = info.st_size if stat.S_ISREG(info.st_mode) else 0
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limits.max_bytes + 1) if size <= limits.max_bytes else b""
    except OSError as exc:
        raise SourceError(Problem(f"cannot read: {exc.strerror}", path)) from None
    finally:
        os.close(fd)
    if size > limits.max_bytes or len(data) > limits.max_bytes:
        shown, most = _sizes(size, limits.max_bytes)
        raise SourceError(Problem(f"file too large ({shown}); {limits.kind} may be at most "
                                  f"{most}", path))
    return data


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """A file's size and the limit it is over, told so that they differ: "5 MB" and "4 MB";
    "65,537 bytes" and "64 KB (65,536 bytes)" where they would round alike; "over 4 MB" for
    a file of no known size (a device)."""
    if not size:
        return f"over {_size(limit)}", _size(limit)
    if _size(size) != _size(limit):
        return _size(size), _size(limit)
    return f"{size:,} bytes", f"{_size(limit)} ({limit:,} bytes)"


def _size(number: int) -> str:
    """4 MB, 64 KB, 34.2 MB, 70.5 KB."""
    value, unit = (number / 2 ** 20, "MB") if number >= 2 ** 20 else (number / 1024, "KB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"
