"""A batch's manifest: one line per input row, each written whole, no cell a spreadsheet
formula, and at the end of a run an account of every summary in its folder.

While a run goes on, its lines are appended to ``manifest.csv.partial``; when it ends (normally,
on Ctrl-C or SIGTERM, or when a write fails) ``manifest.csv`` replaces it in one step. A run
starts by taking over what earlier runs left: the rows of an earlier ``manifest.csv`` and of a
killed run's ``.partial`` that name a summary still in the folder are carried into the new
``.partial`` (status ``earlier run``, with their id and verdict), and the earlier
``manifest.csv`` goes, so that it can never read as this run's. The finished manifest lists this
run's rows in input order, then every other summary in the folder, by file name, with what is
known of it (id and verdict, or nothing). A killed run, however often, leaves no summary listed
nowhere.

A line is written with one ``write`` of its bytes; if the system refuses part of it (a full
disk), the file is cut back to the line before, so a reader never sees half a line.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path

from .errors import BrochureError, Problem
from .model.patient import valid_id
from .model.project import DEFAULT_RECORD_ID_PATTERN
from .output import PRIVATE_MODE, publish, writable, write_atomic, write_temporary

MANIFEST = "manifest.csv"
PARTIAL = "manifest.csv.partial"
FIELDS = ("id", "file", "verdict", "status", "message")
EARLIER_RUN = "earlier run"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP, CSV injection)."""
_CARRIED = re.compile(DEFAULT_RECORD_ID_PATTERN)
MAX_EARLIER_BYTES = 64 * 1024 * 1024
"""An earlier manifest larger than this is not read for ids and verdicts (its summaries are
still listed, by file name)."""


def neutral(value: object) -> str:
    """A cell that no spreadsheet runs as a formula: one that starts like one gets a leading
    apostrophe, which spreadsheets show as text (OWASP's advice)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: Iterable[dict], header: bool = False) -> bytes:
    """``rows`` as manifest lines (cells neutralised), with the header line first if asked."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows({name: neutral(row.get(name, "")) for name in FIELDS} for row in rows)
    return buffer.getvalue().encode()


def read_earlier(folder: Path) -> dict[str, dict]:
    """What earlier runs said of each summary file still in ``folder`` (file name -> its row,
    status ``earlier run``): from ``manifest.csv``, then a killed run's ``.partial``, later
    lines winning. A damaged or foreign file gives what can be read of it."""
    known: dict[str, dict] = {}
    for name in (MANIFEST, PARTIAL):
        for row in _rows_of(folder / name):
            file = row.get("file") or ""
            if _is_summary_name(file) and (folder / file).is_file():
                known[file] = earlier_row(file, row)
    return known


def earlier_row(file: str, known: dict | None = None) -> dict:
    """The line of a summary that an earlier run wrote (id and verdict when known; an id is
    carried only when it is a valid one: an older version's manifest, or a hand-edited one,
    may hold anything there, a name included)."""
    known = known or {}
    return dict(id=_carried_id(known.get("id") or ""), file=file,
                verdict=_carried_id(known.get("verdict") or ""), status=EARLIER_RUN,
                message="")


def _carried_id(cell: str) -> str:
    """A cell read back from a manifest: its neutralising apostrophe taken off, then kept only
    if it is a valid id of the default pattern (the project's own is not loaded yet when a run
    takes over; verdicts are words of the same shape)."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        cell = cell[1:]
    return cell if _CARRIED.fullmatch(cell) and valid_id(cell) else ""


def summaries_in(folder: Path) -> list[str]:
    """The summary files in ``folder``, by name (hidden temporaries excluded)."""
    return sorted(p.name for p in folder.iterdir() if _is_summary_name(p.name) and p.is_file())


def _is_summary_name(name: str) -> bool:
    return name.lower().endswith(".pdf") and not name.startswith(".") and "/" not in name


def _rows_of(path: Path) -> list[dict]:
    """The rows of a manifest this tool wrote; [] when there is none, it cannot be read, or
    it is a link (whatever it points to is not this folder's)."""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_EARLIER_BYTES:
            return []
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines.pop()  # cut short by a crash: never trust half a line
    try:
        return [row for row in csv.DictReader(lines) if isinstance(row.get("file"), str)]
    except csv.Error:
        return []


class Partial:
    """``manifest.csv.partial``, open for appending whole lines."""

    def __init__(self, folder: Path, carried: Iterable[dict]):
        """Begin it with the header and ``carried`` (earlier runs' lines), replacing any a
        killed run left; then remove the earlier ``manifest.csv`` (its lines are carried)."""
        self.path, self.refused = folder / PARTIAL, False
        data = csv_bytes(carried, header=True)
        publish(write_temporary(self.path, data, PRIVATE_MODE), self.path)
        with writable(self.path):
            (folder / MANIFEST).unlink(missing_ok=True)
            self.fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW |
                              os.O_CLOEXEC)

    def append(self, row: dict) -> None:
        """Add one line, whole or not at all; OSError when the system refuses it."""
        data = csv_bytes([row])
        size = os.fstat(self.fd).st_size
        try:
            if write(self.fd, data) != len(data):
                raise OSError(28, os.strerror(28))  # ENOSPC: a short write is a full disk
        except OSError:
            _cut_back(self.fd, size)
            self.refused = True
            raise

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def write(fd: int, data: bytes) -> int:
    """One system write (the place where tests inject a full disk)."""
    return os.write(fd, data)


def _cut_back(fd: int, size: int) -> None:
    """Take a half-written line off the end (shrinking a file needs no space)."""
    with suppress(OSError):
        os.ftruncate(fd, size)


def complete(folder: Path, rows: list[dict], earlier: dict[str, dict],
             write: Callable[[Path, bytes, int], None] = write_atomic) -> list[dict]:
    """Write ``manifest.csv``: ``rows`` (this run's, in input order), then a line for every
    other summary in ``folder``; remove the ``.partial``. Returns every line written."""
    listed = {row["file"] for row in rows if row.get("file")}
    others = [earlier.get(name) or earlier_row(name) for name in summaries_in(folder)
              if name not in listed]
    lines = rows + others
    write(folder / MANIFEST, csv_bytes(lines, header=True), PRIVATE_MODE)
    (folder / PARTIAL).unlink(missing_ok=True)
    return lines


def refuse_inputs_in_place(files: Iterable[Path], folder: Path) -> None:
    """An input file that the batch would replace (its manifests, register, lock, or any
    summary file in the output folder) is refused before anything is written (exit 2)."""
    for path in files:
        try:
            inside = path.resolve().parent == folder.resolve()
        except OSError:
            continue
        if inside and (path.name.startswith(MANIFEST) or path.name.startswith(".") or
                       _is_summary_name(path.name)):
            raise BrochureError(Problem(
                "this input is in the batch's output folder under a name the batch writes or "
                "keeps there (manifest.csv*, its register and lock, its summaries); it would "
                "be replaced: move it out of the folder, or choose another --out", path))
