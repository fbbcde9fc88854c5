"""Text edited in the browser, saved back into the YAML: one value at a time, atomically,
never over a file that changed on disk since the page read it, and undone one save at a time.

Every file is named as the page names it (relative to the project) and goes through
:func:`~.paths.editable` first. A save carries the hash of the file as the page read it: when
the file on disk is no longer that file, the save is refused with the difference shown
(:class:`Conflict`). Each save of this run is remembered (the file before it, and the hash of
what was written), so that Undo can put the file back, refused in the same way when the file
has changed since.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SourceError
from ..output import write_atomic
from ..source import Loc, parse
from .paths import editable
from .splice import Composed, EditRefused, replace

TEXT_KEYS = ("text", "title", "caption", "heading", "subtitle", "tagline", "alt", "items",
             "columns", "rows")
"""A block's keys whose values are text a reader sees (lists of text, rows of cells)."""
MAX_SEEN = 64
"""File versions the studio remembers (to show what changed on disk since the page read it)."""


@dataclass(frozen=True)
class Field:
    """One text value of a block, as written in its file."""

    label: str
    loc: Loc
    value: str | None
    """The value as written (markup and all); None when it is not edited in the browser."""
    line: int
    refused: str | None = None


@dataclass(frozen=True)
class Conflict(Exception):  # noqa: N818 - reads as what happened
    """The file changed on disk since the page read it: nothing is written."""

    path: str
    diff: str

    def __str__(self) -> str:
        return (f"{self.path} changed on disk since this page read it; nothing was saved. "
                "Reload to edit the file as it is now.")


@dataclass(frozen=True)
class _Save:
    path: str
    before: bytes
    after: str
    """The hash of what the save wrote."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Edits:
    """Reads block texts and saves edits under ``root``."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.lock = threading.Lock()
        self.saves: list[_Save] = []
        self.seen: dict[str, bytes] = {}

    def read(self, name: str) -> tuple[bytes, str]:
        """A file's bytes and text (remembered by hash, to show a later conflict)."""
        data = editable(self.root, name).read_bytes()
        self.seen[digest(data)] = data
        while len(self.seen) > MAX_SEEN:
            self.seen.pop(next(iter(self.seen)))
        return data, _text(data)

    def fields(self, name: str, loc: Loc) -> tuple[str, list[Field], tuple[int, int]]:
        """The hash of the file, each text value of the block (or value) at ``loc``, and the
        block's first and last line."""
        data, text = self.read(name)
        try:
            source = parse(text, name)
        except SourceError as exc:
            raise EditRefused(f"the file has an error; fix it first ({exc.problems[0]})") \
                from None
        block, composed = _at(source.data, loc), Composed(text)
        first, column = source.positions.get(loc, (1, 1))
        end_line, end_column = source.ends.get(loc, (first, column + 1))
        # a block ends where the next begins: on a later line, at its column or before
        lines = (first, end_line - 1 if end_line > first and end_column <= column else end_line)
        if isinstance(block, str):
            return digest(data), [_field(composed, source.positions, "text", loc)], lines
        found = [_field(composed, source.positions, label, at)
                 for label, at in _text_values(block, loc)]
        statements = source.data.get("statements", {}) if isinstance(source.data, dict) else {}
        found += [_field(composed, source.positions, f"statement '{ref}'", ("statements", ref))
                  for ref in _refs(block) if ref in statements]
        return digest(data), found, lines

    def save(self, name: str, loc: Loc, value: str, base: str) -> str:
        """Write ``value`` at ``loc`` of the file read as ``base`` (its hash); the new hash."""
        with self.lock:
            path = editable(self.root, name)
            data = path.read_bytes()
            if digest(data) != base:
                raise Conflict(name, self._diff(name, base, data))
            text = replace(_text(data), loc, value.replace("\r\n", "\n"), name)
            written = _bytes(text, data)
            _write(path, written)
            self.saves.append(_Save(name, data, digest(written)))
            self.seen[digest(written)] = written
            return digest(written)

    def undo(self) -> str | None:
        """Put back the file of this run's last save; the file's name (None: nothing to undo)."""
        with self.lock:
            if not self.saves:
                return None
            last = self.saves[-1]
            path = editable(self.root, last.path)
            data = path.read_bytes()
            if digest(data) != last.after:
                raise Conflict(last.path, self._diff(last.path, last.after, data))
            _write(path, last.before)
            self.saves.pop()
            return last.path

    def _diff(self, name: str, base: str, now: bytes) -> str:
        """What changed on disk since the version ``base`` (when it is remembered)."""
        before = _text(self.seen.get(base, b"")).splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, _text(now).splitlines(keepends=True),
                                            f"{name} (as this page read it)",
                                            f"{name} (on disk now)"))


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig", errors="replace")


def _bytes(text: str, original: bytes) -> bytes:
    """``text`` encoded as the original was (with its byte-order mark, if it had one)."""
    bom = b"\xef\xbb\xbf" if original.startswith(b"\xef\xbb\xbf") else b""
    return bom + text.encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    """Atomically, keeping the file's permissions."""
    write_atomic(path, data, mode=os.stat(path).st_mode & 0o777)


def _at(data: Any, loc: Loc) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            raise EditRefused(f"nothing at '{part}' in the file (it may have changed); "
                              "reload") from None
    return data


def _text_values(block: Any, loc: Loc) -> list[tuple[str, Loc]]:
    """(label, place) of each text value of a block: its text keys, list items, cells."""
    if not isinstance(block, dict):
        return []
    found: list[tuple[str, Loc]] = []
    for key in TEXT_KEYS:
        value = block.get(key)
        if isinstance(value, str):
            found.append((key, (*loc, key)))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    found.append((f"{key} {i + 1}", (*loc, key, i)))
                elif isinstance(item, list):
                    found += [(f"{key} {i + 1}, cell {j + 1}", (*loc, key, i, j))
                              for j, cell in enumerate(item) if isinstance(cell, str)]
    return found


def _refs(block: Any) -> list[str]:
    """The statements a statement block shows (their texts are edited where they are kept)."""
    if not isinstance(block, dict):
        return []
    refs = [block.get("ref")] if block.get("type") == "statement" else block.get("refs") or []
    return [ref for ref in refs if isinstance(ref, str)]


def _field(composed: Composed, positions: dict, label: str, loc: Loc) -> Field:
    line = positions.get(loc, (0, 0))[0]
    try:
        spot = composed.spot(loc)
    except EditRefused as exc:
        return Field(label, loc, None, line, str(exc))
    return Field(label, loc, spot.value, line)
