"""Patient records from files (YAML, JSON, CSV) or mappings, validated with positions.

A record file holds one record (a mapping) or several (a list); a CSV file holds one record a
row, with the record's field names as its header. Problems name the file, the line (the row,
for CSV) and the column, and the field. Nothing here logs or prints patient data.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .errors import BrochureError, Problem, SourceError
from .model.base import validate
from .model.patient import PatientRecord
from .source import Source, load, read_text


@dataclass(frozen=True)
class RecordRow:
    """One record as read from a file, valid or not, with where it came from."""

    path: Path
    row: int
    record: PatientRecord | None
    problems: tuple[Problem, ...] = ()
    record_id: str = ""


def to_record(data: Mapping | PatientRecord, where: str = "record") -> PatientRecord:
    """A validated record from a mapping (or the record itself); errors name the field."""
    if isinstance(data, PatientRecord):
        return data
    if not isinstance(data, Mapping):
        raise BrochureError(Problem("a patient record is a mapping of field names to values",
                                    where))
    return validate(Source(Path(where), dict(data), {(): (None, None)}), PatientRecord,
                    reveal=False)


def field_errors(data: Mapping) -> dict[str, str]:
    """Each field's first problem, for showing next to the field in a form ('' for problems of
    the record as a whole). Empty when the record is valid."""
    try:
        PatientRecord.model_validate(dict(data))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            errors.setdefault(field, err["msg"].removeprefix("Value error, "))
        return errors
    return {}


def read_records(path: Path | str) -> list[RecordRow]:
    """Every record in a YAML, JSON or CSV file; invalid ones carry their problems."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return _csv_rows(path)
    source = load(path)
    items = source.data if isinstance(source.data, list) else [source.data]
    prefix = () if not isinstance(source.data, list) else None
    return [_row(source, item, (i,) if prefix is None else (), i + 1)
            for i, item in enumerate(items)]


def _row(source: Source, item, loc: tuple, number: int) -> RecordRow:
    record_id = str(item.get("id", "")) if isinstance(item, dict) else ""
    if not isinstance(item, dict):
        problem = source.problem(loc, "expected a patient record (a mapping of fields)")
        return RecordRow(source.path, number, None, (problem,), record_id)
    shifted = Source(source.path, item, {k[len(loc):]: v for k, v in source.positions.items()
                                         if k[:len(loc)] == loc},
                     {k[len(loc):]: v for k, v in source.key_positions.items()
                      if k[:len(loc)] == loc})
    try:
        return RecordRow(source.path, number, validate(shifted, PatientRecord, reveal=False), (),
                         record_id)
    except SourceError as exc:
        return RecordRow(source.path, number, None, tuple(exc.problems), record_id)


def _csv_rows(path: Path) -> list[RecordRow]:
    text = read_text(path, 'save it as "CSV UTF-8" (in Excel: File, Save As, CSV UTF-8)')
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise SourceError(Problem("empty CSV: expected a header row of field names", path, 1))
    header = [name.strip() for name in header]
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        data = {name: cell for name, cell in zip(header, cells, strict=False) if name}
        positions = {(): (number, 1), **{(name,): (number, i + 1)
                                         for i, name in enumerate(header)}}
        source = Source(path, data, positions, positions)
        rows.append(_row(source, data, (), number))
    return rows
