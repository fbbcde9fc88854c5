"""Patient records from files (YAML, JSON, CSV) or mappings, validated with positions.

A record file holds one record (a mapping) or several (a list); a CSV file holds one record a
row, with the record's field names as its header. Each record is read for its publication (its
``publication`` field, or the project's default: :class:`~brochure.model.record.RecordKinds`),
as the fields that publication declares. Problems name the file, the line and the column, and
the field. Nothing here logs or prints patient data.

CSV files are read by a small reader of our own (not the ``csv`` module), so that every record
knows the physical line it starts on and every value its line and column:

- The delimiter (comma, semicolon or tab: Excel's exports) is the one that makes the first line
  a header of known field names; a file where none does is refused in one line that says what
  was found and how to save it as CSV UTF-8.
- The header is checked before any row is read into a record: a repeated or unknown column
  (one no publication of the file's rows declares), or a missing required one, is an error
  naming the column and its position (optional columns may be absent). A file may hold rows of
  several publications (a ``publication`` column); each row leaves the columns of the other
  publications empty.
- A value may be quoted (``"…"``, a quote inside written twice) and may then span lines. Every
  record becomes exactly one :class:`RecordRow`, valid or with its problems; a record whose
  number of values differs from the header's is an error (an unquoted delimiter shifts values).
- A quote that is never closed, or whose closing quote is followed by more text, is reported at
  the opening quote. Reading then resumes at the next physical line that reads on its own as a
  complete, well-quoted record with as many values as the header; the lines in between cannot
  be told apart from the broken value and are named in its problem, so that no line goes
  unaccounted for. That is what "the records after it are still read" can honestly mean: a
  record that itself starts inside the broken value's lines is reported as part of them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from pydantic import ValidationError

from .errors import BrochureError, Problem, SourceError
from .model.base import close_match, unknown_name, validate
from .model.patient import PatientRecord, valid_id
from .model.project import ProjectSettings
from .model.record import RecordKinds
from .source import CSV_RECORDS, RECORDS, Loc, Source, load, read_text

SAVE_AS_CSV = 'save it as "CSV UTF-8" (in Excel: File, Save As, CSV UTF-8 (Comma delimited))'
_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_LINE_END = re.compile(r"\r\n|\r|\n")
_STOPS = {d: re.compile(f"[{re.escape(d)}\r\n]") for d in _DELIMITERS}
_ROSTER_KEY = re.compile(r"[a-z0-9-]{1,64}")


@dataclass(frozen=True)
class RecordRow:
    """One record as read from a file, valid or not, with where it came from: ``row`` is the
    line it starts on, ``positions`` the line and column of each field's value. ``record_id``
    is what a manifest shows as its id: a valid id only, and none from a record whose values
    do not line up with its header."""

    path: Path
    row: int
    record: PatientRecord | None
    problems: tuple[Problem, ...] = ()
    record_id: str = ""
    positions: Mapping[str, tuple[int, int]] = field(default_factory=dict, repr=False)


def kinds_of(records: RecordKinds | None) -> RecordKinds:
    """``records``, or the default project's (``$BROCHURE_ROOT``)."""
    if records is not None:
        return records
    from .project import default_project
    return default_project().records


def to_record(data: Mapping | PatientRecord, where: str = "record", *,
              records: RecordKinds | None = None) -> PatientRecord:
    """A validated record from a mapping (or the record itself), read for its publication (of
    ``records``, default the default project's); errors name the field."""
    if isinstance(data, PatientRecord):
        return data
    if not isinstance(data, Mapping):
        raise BrochureError(Problem("a patient record is a mapping of field names to values",
                                    where))
    source = Source(Path(where), dict(data))
    return validate(source, model_for(source, kinds_of(records)), reveal=False)


def model_for(source: Source, records: RecordKinds) -> type[PatientRecord]:
    """The record model of the publication ``source``'s record is for; a SourceError at its
    ``publication`` value when that is no publication with summaries (never repeating it)."""
    data = source.data if isinstance(source.data, Mapping) else {}
    publication, problem = records.publication_of(data)
    if problem is not None or publication is None:
        where: Loc = ("publication",) if "publication" in data else ()
        raise SourceError(source.problem(where, problem or ""))
    return records.kind(publication).model


def field_errors(data: Mapping, records: RecordKinds | None = None) -> dict[str, str]:
    """Each field's first problem, for showing next to the field in a form ('' for problems of
    the record as a whole). Empty when the record is valid."""
    kinds = kinds_of(records)
    publication, problem = kinds.publication_of(data)
    if problem is not None or publication is None:
        return {"publication": (problem or "").split(": ", 1)[-1]}
    try:
        kinds.kind(publication).model.model_validate(dict(data))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field_name = str(err["loc"][0]) if err["loc"] else ""
            errors.setdefault(field_name, err["msg"].removeprefix("Value error, "))
        return errors
    return {}


def unknown_physician(key: str | None, roster: Sequence[str]) -> str | None:
    """The problem with a record's ``physician`` that is not one of ``roster``'s keys, or None.
    The roster's keys are the clinic's and are listed; the value given is a record's and is
    never repeated (a mistyped key can be anything, a patient's name included)."""
    if key is None or key in roster:
        return None
    what = "not a physician on the roster" if _ROSTER_KEY.fullmatch(key) else \
        "not a physician's key"
    return f"invalid value for 'physician': {what}; expected one of: {', '.join(roster)}"


def check_physicians(rows: Iterable[RecordRow], roster: Sequence[str]) -> list[RecordRow]:
    """``rows``, with each valid record whose physician is not on ``roster`` turned into a row
    with that problem, placed at the record's ``physician`` value."""
    checked = []
    for row in rows:
        message = unknown_physician(row.record.physician, roster) if row.record else None
        if message:
            line, column = row.positions.get("physician", (row.row, None))
            row = replace(row, record=None, problems=(Problem(message, row.path, line, column),))
        checked.append(row)
    return checked


def check_ids(rows: Iterable[RecordRow], settings: ProjectSettings) -> list[RecordRow]:
    """``rows``, with each whose id does not match the project's pattern turned into an error
    row with that problem, placed at its ``id`` value, and without the id (which may be
    anything: a name, a spreadsheet formula)."""
    checked = []
    for row in rows:
        message = settings.id_problem(row.record_id) if row.record_id else None
        if message:
            line, column = row.positions.get("id", (row.row, None))
            problem = Problem(message, row.path, line, column)
            row = replace(row, record=None, record_id="", problems=(*row.problems, problem))
        checked.append(row)
    return checked


def read_records(path: Path | str, records: RecordKinds | None = None) -> list[RecordRow]:
    """Every record in a YAML, JSON or CSV file, each read for its publication (of
    ``records``, default the default project's); invalid ones carry their problems. A file
    that cannot be read as records at all raises :class:`SourceError`."""
    path, kinds = Path(path), kinds_of(records)
    if path.suffix.lower() == ".csv":
        return _csv_rows(path, kinds)
    source = load(path, RECORDS)
    if not isinstance(source.data, list):
        return [_row(source, source.data, 1, kinds)]
    return [_row(part, item, i + 1, kinds) for i, (item, part) in enumerate(
        zip(source.data, _items(source), strict=True))]


def _items(source: Source) -> list[Source]:
    """One source per item of a list file, its positions relative to the item (in one pass
    over the positions, however many items there are)."""
    positions: list[dict] = [{} for _ in source.data]
    keys: list[dict] = [{} for _ in source.data]
    for table, into in ((source.positions, positions), (source.key_positions, keys)):
        for loc, where in table.items():
            if loc and isinstance(loc[0], int) and loc[0] < len(into):
                into[loc[0]][loc[1:]] = where
    return [Source(source.path, item, p, k)
            for item, p, k in zip(source.data, positions, keys, strict=True)]


def _row(source: Source, item, number: int, kinds: RecordKinds) -> RecordRow:
    record_id = valid_id(item.get("id")) if isinstance(item, dict) else ""
    if not isinstance(item, dict):
        problem = source.problem((), "expected a patient record (a mapping of fields)")
        return RecordRow(source.path, number, None, (problem,), record_id)
    positions = {loc[0]: where for loc, where in source.positions.items()
                 if len(loc) == 1 and isinstance(loc[0], str) and where[0] is not None}
    try:
        record = validate(source, model_for(source, kinds), reveal=False)
    except SourceError as exc:
        return RecordRow(source.path, number, None, tuple(exc.problems), record_id, positions)
    return RecordRow(source.path, number, record, (), record_id, positions)


# --- CSV ------------------------------------------------------------------------------------


class _Cell(NamedTuple):
    text: str
    line: int
    column: int
    spans: bool = False
    """Whether the value (a quoted one) continues on a later line."""


@dataclass(frozen=True)
class _Fault:
    """A quoting fault: where its quote opens, and what is wrong."""

    message: str
    line: int
    column: int


@dataclass(frozen=True)
class _Record:
    """One record's cells as read from ``start`` (a line start); ``end`` is where the next
    record starts. A record with a ``fault`` ends where its fault was found."""

    line: int
    cells: tuple[_Cell, ...]
    end: int
    fault: _Fault | None = None

    @property
    def blank(self) -> bool:
        return not self.fault and not any(cell.text.strip() for cell in self.cells)

    def multiline_cell(self) -> _Cell | None:
        """The first value that continues on a later line (only a quoted one can)."""
        return next((cell for cell in self.cells if cell.spans), None)


class _Text:
    """The file's text with its physical lines (``\\n``, ``\\r\\n`` or a lone ``\\r``)."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [m.end() for m in _LINE_END.finditer(text)]

    def at(self, index: int) -> tuple[int, int]:
        """Line and column (1-based) of the character at ``index``."""
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1

    def line_start(self, line: int) -> int:
        return self.starts[line - 1] if line <= len(self.starts) else len(self.text)

    def is_blank(self, line: int) -> bool:
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return not self.text[self.line_start(line):end].strip()


def _record(src: _Text, start: int, delimiter: str) -> _Record:
    """The record that starts at ``start``: its cells up to the end of its (last) line."""
    text = src.text
    found = _LINE_END.search(text, start)
    line_end, after = (found.start(), found.end()) if found else (len(text), len(text))
    if '"' not in text[start:line_end]:  # most lines: no quotes, so the line is the record
        line, column = src.at(start)[0], 1
        cells: list[_Cell] = []
        for value in text[start:line_end].split(delimiter):
            cells.append(_Cell(value, line, column))
            column += len(value) + 1
        return _Record(line, tuple(cells), after)
    return _quoted_record(src, start, delimiter)


def _quoted_record(src: _Text, start: int, delimiter: str) -> _Record:
    """A record with a quote in its first line, read value by value."""
    text, i = src.text, start
    cells: list[_Cell] = []
    stop = _STOPS[delimiter]
    while True:
        line, column = src.at(i)
        if text.startswith('"', i):
            value, i, fault = _quoted(src, i, delimiter)
            if fault:
                return _Record(src.at(start)[0], tuple(cells), i, fault)
            cells.append(_Cell(value, line, column, spans=src.at(i - 1)[0] != line))
        else:
            found = stop.search(text, i)
            end = found.start() if found else len(text)
            cells.append(_Cell(text[i:end], line, column))
            i = end
        if i < len(text) and text[i] == delimiter:
            i += 1
            continue
        ending = _LINE_END.match(text, i)
        return _Record(src.at(start)[0], tuple(cells), ending.end() if ending else len(text))


def _quoted(src: _Text, opening: int, delimiter: str) -> tuple[str, int, _Fault | None]:
    """The value of the quoted cell whose quote is at ``opening``, the index after it, and the
    fault if its quotes do not balance."""
    text, parts, i = src.text, [], opening + 1
    line, column = src.at(opening)
    while True:
        closing = text.find('"', i)
        if closing < 0:
            return "", len(text), _Fault(
                "unbalanced quote: the quoted value that starts here has no closing quote "
                "before the end of the file", line, column)
        parts.append(text[i:closing])
        if not text.startswith('"', closing + 1):
            break
        parts.append('"')
        i = closing + 2
    after = closing + 1
    if after < len(text) and text[after] not in (delimiter, "\r", "\n"):
        at_line, at_column = src.at(closing)
        message = (f"more text follows the closing quote (column {at_column}) of the value "
                   'that starts here; a quote inside a value is written twice ("")') \
            if at_line == line else \
            (f"the quoted value that starts here is not closed on its line (the next quote, at "
             f"line {at_line}, column {at_column}, is followed by more text); is a closing "
             "quote missing?")
        return "", after, _Fault(f"unbalanced quote: {message}", line, column)
    return "".join(parts), after, None


def _csv_rows(path: Path, kinds: RecordKinds) -> list[RecordRow]:
    """Every record of a CSV file: the header found and its names read, every record's values
    read, then the header checked against the publications of its rows, then each record."""
    src = _Text(read_text(path, SAVE_AS_CSV, CSV_RECORDS))
    delimiter, header = _header(path, src, kinds.fields())
    names = [cell.text.strip() or None for cell in header.cells]
    read: list[_Record | RecordRow] = []
    i = header.end
    while i < len(src.text):
        record = _record(src, i, delimiter)
        broken = _broken(record, len(names))
        if broken:
            row, i = _resynchronise(path, src, record, broken, delimiter, names)
            read.append(row)
            continue
        i = record.end
        if not record.blank:
            read.append(record)
    columns = _columns(path, header, kinds, _publications(read, names, kinds))
    return [item if isinstance(item, RecordRow) else _csv_row(path, item, columns, kinds)
            for item in read]


def _publications(read: list[_Record | RecordRow], names: list[str | None],
                  kinds: RecordKinds) -> list[str]:
    """The publications the file's records are for (in order of first use): those its
    ``publication`` column names (a row naming none is for the default one), else (no such
    column, or no row) the default one."""
    default, _ = kinds.publication_of({})
    if "publication" not in names:
        return [default] if default else []
    index = names.index("publication")
    used: dict[str, None] = {}
    for record in read:
        if isinstance(record, _Record) and len(record.cells) == len(names):
            found, _ = kinds.publication_of({"publication": record.cells[index].text})
            if found:
                used.setdefault(found)
    return list(used) or ([default] if default else [])


def _broken(record: _Record, width: int) -> _Fault | None:
    """The quoting fault of ``record``, if any: a quote that does not balance, or a quoted
    value running over lines into a record with the wrong number of values (the sign of a
    missing closing quote that a later quote happened to close)."""
    if record.fault:
        return record.fault
    spanning = record.multiline_cell()
    if spanning is None or len(record.cells) == width:
        return None
    return _Fault(f"unbalanced quote: the quoted value that starts here runs on to line "
                  f"{record.cells[-1].line}, leaving this record with {len(record.cells)} "
                  f"values instead of {width}; is a closing quote missing?",
                  spanning.line, spanning.column)


def _resynchronise(path: Path, src: _Text, record: _Record, fault: _Fault, delimiter: str,
                   columns: list[str | None]) -> tuple[RecordRow, int]:
    """The error row for a record with a quoting fault, and where reading resumes: the next
    line that reads on its own as a well-formed record with as many values as the header."""
    line = record.line + 1
    while line <= len(src.starts) and src.line_start(line) < len(src.text):
        candidate = _record(src, src.line_start(line), delimiter)
        if not _broken(candidate, len(columns)) and len(candidate.cells) == len(columns):
            break
        line += 1
    last = line - 1
    while last > record.line and src.is_blank(last):
        last -= 1
    message = fault.message
    if last > record.line:
        message += f"; line {last} does not read as a record on its own and is skipped with " \
            "it" if last == record.line + 1 else f"; lines {record.line + 1} to {last} do not " \
            "read as records on their own and are skipped with it"
    problem = Problem(message, path, fault.line, fault.column)  # no id: values may be shifted
    return RecordRow(path, record.line, None, (problem,)), src.line_start(line)


def _cell_of(record: _Record, columns: list[str | None], name: str) -> str:
    index = columns.index(name) if name in columns else len(record.cells)
    return record.cells[index].text.strip() if index < len(record.cells) else ""


def _header(path: Path, src: _Text, fields: tuple[str, ...]) -> tuple[str, _Record]:
    """The delimiter that makes the first line a header of known field names (``fields``),
    and the header."""
    if not src.text.strip():
        raise SourceError(Problem("empty CSV: expected a header line of field names", path, 1))
    best, best_known = None, 0
    for delimiter in _DELIMITERS:
        header = _record(src, 0, delimiter)
        known = 0 if header.fault else \
            sum(1 for cell in header.cells if cell.text.strip() in fields)
        if known > best_known:
            best, best_known = (delimiter, header), known
    if best is None:
        raise SourceError(Problem(_no_header(src), path, 1, 1))
    return best


def _no_header(src: _Text) -> str:
    """What the first line has instead of a header (its separators, never its text)."""
    first = src.text[:src.starts[1] if len(src.starts) > 1 else len(src.text)]
    counts = [f"{first.count(d)} {name}{'s' if first.count(d) != 1 else ''}"
              for d, name in _DELIMITERS.items() if d in first]
    found = f"it has {', '.join(counts)} but no known field name between them" if counts \
        else "it has no comma, semicolon or tab"
    return (f"cannot find the columns: the first line should be the field names (id, name, "
            f"date_of_birth, ...) separated by commas, semicolons or tabs, and {found}; "
            f"{SAVE_AS_CSV}")


def _columns(path: Path, header: _Record, kinds: RecordKinds,
             publications: list[str]) -> list[str | None]:
    """The field of each column (None for a column without a name); a repeated column, one
    that no publication of the file's records declares, or one required by one of them and
    missing, is an error naming it and its place."""
    fields = kinds.fields(publications or None)
    columns: list[str | None] = []
    seen: dict[str, int] = {}
    problems = []
    for number, cell in enumerate(header.cells, start=1):
        name = cell.text.strip()
        if name in seen:
            known = name in fields or close_match(name, fields)
            column = f"column '{name}'" if known else "a column"
            problems.append(Problem(f"{column} appears twice (also column {seen[name]}); each "
                                    "field may have one column", path, cell.line, cell.column))
        elif name and name not in fields:
            problems.append(Problem(_unknown_column(name, fields, kinds), path, cell.line,
                                    cell.column))
        if name:
            seen.setdefault(name, number)
        columns.append(name or None)
    end = header.cells[-1]
    for name, publication in _required(kinds, publications):
        if name not in seen:
            of = f" (publication '{publication}' requires it)" if len(publications) > 1 else ""
            problems.append(Problem(f"missing required column '{name}'{of}", path, end.line,
                                    end.column + len(end.text)))
    if problems:
        raise SourceError(problems)
    return columns


def _unknown_column(name: str, fields: tuple[str, ...], kinds: RecordKinds) -> str:
    """An unknown column, and, when another publication declares it, which (no row of the
    file is for that publication)."""
    elsewhere = [p for p, kind in kinds.kinds.items() if name in kind.fields]
    if not elsewhere:
        return unknown_name(name, fields, "column")
    return (f"column '{name}' is a field of publication {', '.join(elsewhere)}, which no row of "
            "this file is for (a `publication` column names each row's)")


def _required(kinds: RecordKinds, publications: list[str]) -> list[tuple[str, str]]:
    """(field, publication) of each field required by one of ``publications``, each once."""
    found: dict[str, str] = {}
    for publication in publications:
        for name in kinds.kind(publication).required:
            found.setdefault(name, publication)
    return list(found.items())


def _csv_row(path: Path, record: _Record, columns: list[str | None],
             kinds: RecordKinds) -> RecordRow:
    """A record from one well-quoted CSV record with its positions. A record whose values do
    not line up with the header has no id: the id column may hold any other value (an unquoted
    comma in a name shifts part of the name into it)."""
    cells = record.cells
    if len(cells) != len(columns):
        at = cells[len(columns)] if len(cells) > len(columns) else cells[-1]
        hint = " (a value that contains the delimiter must be in quotes)" \
            if len(cells) > len(columns) else ""
        problem = Problem(f"this record has {len(cells)} values but the header has "
                          f"{len(columns)} columns{hint}", path, at.line, at.column)
        return RecordRow(path, record.line, None, (problem,))
    unnamed = [cell for name, cell in zip(columns, cells, strict=True)
               if name is None and cell.text.strip()]
    if unnamed:
        problem = Problem("a value in a column that has no name in the header", path,
                          unnamed[0].line, unnamed[0].column)
        return RecordRow(path, record.line, None, (problem,),
                         valid_id(_cell_of(record, columns, "id")))
    data = {name: cell.text for name, cell in zip(columns, cells, strict=True) if name}
    positions: dict[Loc, tuple[int, int]] = {
        (): (record.line, 1), **{(name,): (cell.line, cell.column)
                                 for name, cell in zip(columns, cells, strict=True) if name}}
    source = Source(path, data, positions, positions)
    if (stray := _others_columns(source, data, kinds)) is not None:
        return RecordRow(path, record.line, None, (stray,),
                         valid_id(_cell_of(record, columns, "id")))
    own = _own_columns(data, kinds)
    return _row(Source(path, own, positions, positions), own, record.line, kinds)


def _others_columns(source: Source, data: dict[str, str], kinds: RecordKinds) -> Problem | None:
    """A value in a column that the row's publication does not declare (another
    publication's field), placed at its cell; the value is not repeated."""
    publication, _ = kinds.publication_of(data)
    if publication is None:
        return None  # the row's publication is the problem, told at its cell
    own = kinds.kind(publication).fields
    for name, text in data.items():
        if name not in own and text.strip():
            return source.problem((name,), f"column '{name}' is not a field of publication "
                                           f"'{publication}', which this row is for; leave it "
                                           "empty in this row")
    return None


def _own_columns(data: dict[str, str], kinds: RecordKinds) -> dict[str, str]:
    """The row's values without the (empty) columns of other publications."""
    publication, _ = kinds.publication_of(data)
    if publication is None:
        return data
    own = kinds.kind(publication).fields
    return {name: text for name, text in data.items() if name in own}
