"""CSV from the outside world, generated: whatever the columns, quotes, delimiters and line
ends, reading gives one row per record at the line it starts on, or an error with a position;
never another exception."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from brochure.errors import SourceError
from brochure.project import default_project
from brochure.records import RecordRow, read_records

from .conftest import examples

RECORD_FIELDS = default_project().records.kind().fields
"""The fields of a record of the default publication (the knee's), core ones first."""
REQUIRED = ["id", "name", "date_of_birth", "visit_date", "knee", "pain", "symptom_months"]
COLUMNS = [*REQUIRED, "notes", "bmi", "conditions"]
FUZZ = settings(max_examples=examples(150), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

_note_text = st.lists(st.sampled_from([*'ab ,;\t"\n\'', "\r\n", "é", "ك"]),
                      max_size=40).map("".join)
"""Notes with quotes, delimiters and line breaks (not a lone carriage return: Python's writer
leaves it unquoted when lines end in a line feed, which no reader can tell from a line end)."""


@st.composite
def _records(draw) -> list[list[str]]:
    count = draw(st.integers(1, 6))
    return [[f"ID-{i}", draw(st.sampled_from(["Ann Lee", "O'Brien, Pat", 'Sam "S" Ng', "Zoë"])),
             "1950-01-01", "2026-11-02", draw(st.sampled_from(["left", "right", "both"])),
             str(draw(st.integers(0, 10))), "12", draw(_note_text),
             draw(st.sampled_from(["", "29.5"])),
             draw(st.sampled_from(["", "infection;unstable_knee"]))] for i in range(count)]


def _lines_in(text: str) -> int:
    """How many physical line breaks ``text`` holds (\\r\\n, \\r or \\n each count one)."""
    return len(re.findall(r"\r\n|\r|\n", text))


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("BROCHURE_TODAY", "2026-11-29")


@FUZZ
@given(records=_records(), delimiter=st.sampled_from([",", ";", "\t"]),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
       ending=st.sampled_from(["\r\n", "\n"]), bom=st.booleans())
def test_well_written_csv_reads_back_one_row_per_record_at_its_first_line(
        tmp_path, records, delimiter, quoting, ending, bom):
    header = io.StringIO()
    csv.writer(header, delimiter=delimiter, lineterminator=ending).writerow(COLUMNS)
    text, starts = header.getvalue(), []
    for record in records:
        starts.append(_lines_in(text) + 1)
        row = io.StringIO()
        csv.writer(row, delimiter=delimiter, quoting=quoting, lineterminator=ending).writerow(
            record)
        text += row.getvalue()
    path = tmp_path / "day.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    read = read_records(path)
    assert [r.row for r in read] == starts
    assert [r.record_id for r in read] == [record[0] for record in records]
    for row, record in zip(read, records, strict=True):
        assert row.problems == (), [str(p) for p in row.problems]
        assert row.record.name == record[1] and row.record.pain == int(record[5])
        assert (row.record.notes or "") == record[7].strip()


@FUZZ
@given(records=_records(), delimiter=st.sampled_from([",", ";", "\t"]), data=st.data())
def test_a_stray_quote_is_placed_and_every_other_record_is_still_read(
        tmp_path, records, delimiter, data):
    """Values without quotes or delimiters; one quote typed at the start of one value (a
    quote that is never closed) spoils that record alone."""
    for record in records:
        record[1], record[7] = "Ann Lee", data.draw(st.sampled_from(["", "walk daily"]))
        record[9] = "infection"
    lines = [delimiter.join(COLUMNS)] + [delimiter.join(record) for record in records]
    broken = data.draw(st.integers(0, len(records) - 1))
    cell = data.draw(st.integers(0, len(COLUMNS) - 1))
    column = sum(len(value) + 1 for value in records[broken][:cell]) + 1
    lines[broken + 1] = lines[broken + 1][:column - 1] + '"' + lines[broken + 1][column - 1:]
    path = tmp_path / "day.csv"
    path.write_text("\n".join(lines) + "\n")
    read = read_records(path)
    assert [r.row for r in read] == list(range(2, len(records) + 2))
    for index, row in enumerate(read):
        if index == broken:
            assert [(p.line, p.column) for p in row.problems] == [(index + 2, column)]
            assert "unbalanced quote" in row.problems[0].message
        else:
            assert row.problems == () and row.record.id == records[index][0]


_hostile = st.lists(st.sampled_from([*'",;\t\n\r x1', "id", "pain", "notes", "\r\n", "\ufeff",
                                     "\x00", "\u202e"]), max_size=120).map("".join)


@FUZZ
@given(header=st.lists(st.sampled_from([*RECORD_FIELDS, "pian", "", " id "]), max_size=8),
       delimiter=st.sampled_from([",", ";", "\t", "|"]), body=_hostile)
def test_any_text_gives_rows_or_a_positioned_error_never_another_exception(
        tmp_path, header, delimiter, body):
    path = tmp_path / "fuzz.csv"
    text = delimiter.join(header) + "\n" + body
    path.write_text(text, newline="")
    try:
        read = read_records(path)
    except SourceError as exc:
        assert exc.problems and all(p.line is not None and p.path == path
                                    for p in exc.problems)
        return
    lines = _lines_in(text) + 1
    assert all(isinstance(r, RecordRow) for r in read)
    assert [r.row for r in read] == sorted({r.row for r in read}), "one row per record"
    for row in read:
        assert 2 <= row.row <= lines
        assert (row.record is None) == bool(row.problems)
        assert all(p.line is not None and p.column is not None for p in row.problems)


@FUZZ
@given(header=st.lists(st.sampled_from([*RECORD_FIELDS, "pian", "Name"]), min_size=1,
                       max_size=30),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_a_header_is_accepted_only_without_repeated_unknown_or_missing_columns(
        tmp_path, header, delimiter):
    assume(set(header) & set(RECORD_FIELDS))
    path = tmp_path / "h.csv"
    path.write_text(delimiter.join(header) + "\n")
    repeated = {name for name in header if header.count(name) > 1}
    unknown = set(header) - set(RECORD_FIELDS)
    missing = set(REQUIRED) - set(header)
    if not (repeated or unknown or missing):
        assert read_records(path) == []
        return
    with pytest.raises(SourceError) as caught:
        read_records(path)
    messages = [p.message for p in caught.value.problems]
    assert all(p.line == 1 for p in caught.value.problems)
    assert {n for n in repeated if f"column '{n}' appears twice" in " ".join(messages)} == \
        repeated
    assert {n for n in unknown if f"unknown column '{n}'" in " ".join(messages)} == unknown
    assert {n for n in missing if f"missing required column '{n}'" in messages} == missing


MARKER = "Zq7"
_any_value = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10 ** 20),
    st.floats(allow_nan=True, allow_infinity=True), st.binary(max_size=4),
    st.text(max_size=12).map(lambda text: MARKER + text),
    st.sampled_from([f"{MARKER}\u202e", f"{MARKER}\n", "7", " 7 ", "7.5", "1e3", "٣", "nan",
                     "2026-11-02", "2026-02-30", "1899-12-31", "TRUE", "left", "none"]),
    st.dates(), st.datetimes(), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
_BASE = {"id": "T-1", "name": "Test Patient", "date_of_birth": "1955-05-05",
         "visit_date": "2026-11-02", "knee": "left", "pain": 5, "symptom_months": 12}


@FUZZ
@given(field=st.sampled_from(RECORD_FIELDS), value=_any_value)
def test_any_value_in_any_field_is_taken_or_named_in_words_without_repeating_it(field, value):
    from brochure import BrochureError
    from brochure.records import to_record
    from brochure.summaries import assess

    try:
        assess(to_record({**_BASE, field: value}))
    except BrochureError as exc:
        text = str(exc)
        assert MARKER not in text and "Input should" not in text and "(got" not in text
        assert f"invalid value for '{field}" in text or \
            "override_verdict and override_reason" in text or \
            "visit_date is before date_of_birth" in text
