"""Reading patient records: CSV columns and quotes, Excel's delimiters, values a physician would
accept, text that cannot disguise itself, and physicians that must be on the roster."""

from __future__ import annotations

import csv
import io
import json

import pytest

from brochure import BrochureError
from brochure.errors import SourceError
from brochure.records import read_records, to_record
from brochure.summaries import assess, summarize

from .conftest import PROJECT, read_yaml, run_cli
from .test_candidacy import BASE

CLINIC_DAY = PROJECT / "content/patients/clinic-day.csv"
HEADER = CLINIC_DAY.read_text().splitlines()[0].split(",")
ROWS = [line.split(",") for line in CLINIC_DAY.read_text().splitlines()[1:]]
ROSTER = [p["key"] for p in read_yaml((PROJECT / "content/brands/harbor.yaml").read_text())[
    "physicians"]]


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """Every record here is judged on one fixed day."""
    monkeypatch.setenv("BROCHURE_TODAY", "2026-11-29")


def _csv(path, header, rows, delimiter=",", **writer) -> str:
    """Write ``rows`` under ``header`` as the csv module (and Excel) would; return the text."""
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", **writer)
    out.writerow(header)
    out.writerows(rows)
    path.write_text(buffer.getvalue(), newline="")
    return buffer.getvalue()


def _column(line: str, name: str, delimiter: str = ",", occurrence: int = 1) -> int:
    """1-based character column of the ``occurrence``-th cell ``name`` on a header line."""
    cells, start, found = line.split(delimiter), 0, 0
    for cell in cells:
        if cell == name:
            found += 1
            if found == occurrence:
                return start + 1
        start += len(cell) + 1
    raise AssertionError(name)


# --- issue 11 item 3: columns ---------------------------------------------------------------


def test_a_repeated_column_is_an_error_at_its_place_before_any_row_is_read(tmp_path):
    path = tmp_path / "day.csv"
    header = [*HEADER, "pain"]
    _csv(path, header, [[*ROWS[0], "9"]])
    with pytest.raises(SourceError) as caught:
        read_records(path)
    line = ",".join(header)
    assert str(caught.value) == (f"{path}:1:{_column(line, 'pain', occurrence=2)}: error: "
                                 f"column 'pain' appears twice (also column "
                                 f"{HEADER.index('pain') + 1}); each field may have one column")


def test_a_repeated_column_stops_the_summary_command_with_exit_2(tmp_path):
    path = tmp_path / "one.csv"
    _csv(path, [*HEADER, "pain"], [[*ROWS[0], "9"]])
    result = run_cli("summary", str(path), "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert "column 'pain' appears twice" in result.stderr
    assert not (tmp_path / "x.pdf").exists()
    assert "Okafor" not in result.stdout + result.stderr


def test_unknown_and_missing_required_columns_are_each_named(tmp_path):
    path = tmp_path / "day.csv"
    header = ["pian" if name == "pain" else name for name in HEADER if name != "knee"]
    rows = [[cell for name, cell in zip(HEADER, row, strict=True) if name != "knee"]
            for row in ROWS[:1]]
    _csv(path, header, rows)
    with pytest.raises(SourceError) as caught:
        read_records(path)
    messages = [str(p) for p in caught.value.problems]
    line = ",".join(header)
    assert f"{path}:1:{_column(line, 'pian')}: error: unknown column 'pian'; did you mean " \
           "'pain'?" in messages
    assert any(m.startswith(f"{path}:1:") and m.endswith("missing required column 'knee'")
               for m in messages)
    assert any(m.endswith("missing required column 'pain'") for m in messages)


def test_optional_columns_may_be_left_out(tmp_path):
    required = ["id", "name", "date_of_birth", "visit_date", "knee", "pain", "symptom_months"]
    path = tmp_path / "short.csv"
    _csv(path, required, [["A-1", "Ann Example", "1950-01-01", "2026-11-02", "left", "7", "12"]])
    (row,) = read_records(path)
    assert row.problems == () and row.record.pain == 7 and row.record.language == "en"


def test_a_record_with_more_values_than_columns_is_an_error_not_a_shift(tmp_path):
    """An unquoted comma in a note would push every later value one column to the right."""
    path = tmp_path / "day.csv"
    text = ",".join(HEADER) + "\n" + ",".join(ROWS[0]).replace("Keep walking every day.",
                                                              "Keep walking, every day.") + "\n"
    path.write_text(text)
    (row,) = read_records(path)
    assert row.record is None and row.row == 2
    assert "this record has 23 values but the header has 22 columns" in str(row.problems[0])


# --- item 4: quotes, and one row per record -------------------------------------------------


def test_multi_line_notes_keep_their_breaks_and_rows_are_the_lines_records_start_on(tmp_path):
    path = tmp_path / "day.csv"
    rows = [list(row) for row in ROWS[:3]]
    notes = HEADER.index("notes")
    rows[0][notes] = 'First paragraph, with a "quote".\n\nSecond paragraph.'
    rows[1][notes] = "Line one\nline two\nline three"
    _csv(path, HEADER, rows)
    read = read_records(path)
    assert [r.row for r in read] == [2, 5, 8]
    assert [r.record_id for r in read] == [row[0] for row in rows]
    assert read[0].record.notes.replace("\r\n", "\n") == rows[0][notes]
    assert all(r.problems == () for r in read)


def test_an_unterminated_quote_is_placed_and_the_records_after_it_are_read(tmp_path):
    path = tmp_path / "day.csv"
    lines = [",".join(HEADER), *(",".join(row) for row in ROWS[:4])]
    lines[1] = lines[1].replace("Keep walking every day.", '"Keep walking every day.')
    path.write_text("\n".join(lines) + "\n")
    read = read_records(path)
    assert [r.row for r in read] == [2, 3, 4, 5]
    assert [r.record_id for r in read] == ["", *(row[0] for row in ROWS[1:4])]  # issue 17: no
    # id from a record whose values may be shifted; its line says which it is
    column = lines[1].index('"') + 1
    assert str(read[0].problems[0]).startswith(f"{path}:2:{column}: error: unbalanced quote")
    assert [r.record is not None for r in read] == [False, True, True, True]


def test_a_quote_that_swallows_lines_names_them_and_later_quoted_notes_still_read(tmp_path):
    """The issue's case: an unbalanced quote used to run into the next record, which then had no
    row of its own, and the error blamed another field."""
    path = tmp_path / "day.csv"
    notes = HEADER.index("notes")
    second = list(ROWS[1])
    second[notes] = '"A quoted, note"'
    lines = [",".join(HEADER), ",".join(ROWS[0]).replace("Keep walking every day.",
                                                         '"Keep walking'),
             "and the rest of that note", ",".join(second), ",".join(ROWS[2])]
    path.write_text("\n".join(lines) + "\n")
    read = read_records(path)
    assert [r.row for r in read] == [2, 4, 5]
    problem = str(read[0].problems[0])
    column = lines[1].index('"') + 1
    assert problem.startswith(f"{path}:2:{column}: error: unbalanced quote")
    assert "line 3 does not read as a record on its own and is skipped with it" in problem
    assert "override_verdict" not in problem
    assert read[1].record.notes == "A quoted, note" and read[2].record is not None


def test_text_after_a_closing_quote_is_an_error_not_a_changed_value(tmp_path):
    path = tmp_path / "day.csv"
    row = list(ROWS[0])
    row[HEADER.index("pain")] = '"7"5'
    line = ",".join(row)
    path.write_text(",".join(HEADER) + "\n" + line + "\n" + ",".join(ROWS[1]) + "\n")
    first, second = read_records(path)
    column = line.index('"') + 1
    assert str(first.problems[0]).startswith(f"{path}:2:{column}: error: unbalanced quote: "
                                             "more text follows")
    assert second.record is not None and second.row == 3


# --- item 12: Excel's delimiters ------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_exports_read_as_the_comma_file_does(tmp_path, delimiter):
    rows = [list(row) for row in ROWS]
    rows[0][HEADER.index("conditions")] = "infection;unstable_knee"
    rows[0][HEADER.index("notes")] = "Walk; rest,\tthen walk."
    comma, other = tmp_path / "comma.csv", tmp_path / "other.csv"
    _csv(comma, HEADER, rows)
    _csv(other, HEADER, rows, delimiter=delimiter)
    expected, read = read_records(comma), read_records(other)
    assert [r.record for r in read] == [r.record for r in expected]
    assert all(r.record is not None for r in read)
    assert read[0].record.conditions == ["infection", "unstable_knee"]


def test_a_file_without_a_known_header_is_refused_in_one_line(tmp_path):
    path = tmp_path / "pipes.csv"
    path.write_text("\n".join("|".join(row) for row in [HEADER, *ROWS]) + "\n")
    result = run_cli("summary", str(path))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{path}:1:1: error: cannot find the columns")
    assert "has no comma, semicolon or tab" in line and '"CSV UTF-8"' in line


def test_a_file_whose_first_line_is_a_record_is_refused_without_quoting_it(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("\n".join(";".join(row) for row in ROWS) + "\n")
    with pytest.raises(SourceError) as caught:
        read_records(path)
    text = str(caught.value)
    assert "has 21 semicolons but no known field name between them" in text
    assert "Okafor" not in text and "HK-20001" not in text


# --- item 11: values ------------------------------------------------------------------------


@pytest.mark.parametrize("change, message", [
    ({"pain": True}, "invalid value for 'pain': not a number"),
    ({"bmi": False}, "invalid value for 'bmi': not a number"),
    ({"pain": float("nan")}, "invalid value for 'pain': not a number"),
    ({"symptom_months": float("nan")}, "invalid value for 'symptom_months': not a number"),
    ({"bmi": float("inf")}, "invalid value for 'bmi': not a number"),
    ({"bmi": "nan"}, "invalid value for 'bmi': not a number"),
    ({"pain": "1_0"}, "invalid value for 'pain': not a number"),
    ({"bmi": "29,5"}, "write decimals with a point"),
    ({"pain": 10 ** 40}, "invalid value for 'pain': expected a whole number from 0 to 10"),
    ({"bmi": 10 ** 400}, "invalid value for 'bmi': expected a number from 10 to 90"),
    ({"pain": "9" * 5000}, "invalid value for 'pain': not a number"),
    ({"visit_date": 0}, "invalid value for 'visit_date': expected a date like 2026-11-02"),
    ({"visit_date": 20261102}, "invalid value for 'visit_date': expected a date like 2026-11-02"),
    ({"visit_date": "20261102"}, "expected a date like 2026-11-02"),
    ({"visit_date": "2026-11-31"}, "no such day in the calendar; expected a date like"),
    ({"visit_date": "2026-12-01"}, "a visit date cannot be more than a day in the future"),
    ({"visit_date": "2099-01-01"}, "a visit date cannot be more than a day in the future"),
    ({"date_of_birth": "1899-12-31"}, "a birth date before 1900"),
    ({"date_of_birth": "2026-11-30"}, "a birth date cannot be in the future"),
    ({"id": 10231}, "invalid value for 'id': expected text"),
    ({"name": ["Ann", "Other"]}, "invalid value for 'name': expected text"),
    ({"name": True}, "invalid value for 'name': expected text"),
])
def test_values_a_physician_would_not_accept_are_rejected_in_plain_words(change, message):
    with pytest.raises(BrochureError) as caught:
        to_record({**BASE, **change})
    text = str(caught.value)
    assert message in text, text
    assert "Input should" not in text and "Datetimes" not in text and "(got" not in text


@pytest.mark.parametrize("change, value", [
    ({"pain": "7"}, 7), ({"pain": 7}, 7), ({"pain": 7.0}, 7), ({"pain": " 7 "}, 7),
    ({"bmi": "29.5"}, 29.5), ({"visit_date": "2026-11-30"}, None),
    ({"date_of_birth": "1900-01-01"}, None),
])
def test_numbers_written_as_text_and_tomorrow_s_visit_stay_accepted(change, value):
    record = to_record({**BASE, **change})
    field, given = next(iter(change.items()))
    if value is not None:
        assert getattr(record, field) == value
    else:
        assert getattr(record, field).isoformat() == given


def test_today_comes_from_brochure_today(monkeypatch):
    record = {**BASE, "visit_date": "2030-06-02"}
    with pytest.raises(BrochureError):
        to_record(record)
    monkeypatch.setenv("BROCHURE_TODAY", "2030-06-01")
    assert to_record(record).visit_date.isoformat() == "2030-06-02"
    monkeypatch.setenv("BROCHURE_TODAY", "June 1st")
    with pytest.raises(BrochureError, match=r"BROCHURE_TODAY .* expected a date like 2026-11-02"):
        to_record(record)


YAML_RECORD = """\
id: T-1
name: Test Patient
date_of_birth: 1955-05-05
visit_date: {visit}
knee: left
pain: {pain}
symptom_months: 12
"""


@pytest.mark.parametrize("visit, pain, line, message", [
    ("2026-11-02", "true", 6, "invalid value for 'pain': not a number"),
    ("2026-11-02", ".nan", 6, "invalid value for 'pain': not a number"),
    ("2026-11-02", ".inf", 6, "invalid value for 'pain': not a number"),
    ("0", "7", 4, "invalid value for 'visit_date': expected a date like 2026-11-02"),
    ("20261102", "7", 4, "invalid value for 'visit_date': expected a date like 2026-11-02"),
    ("2026-11-02 10:30:00", "7", 4, "invalid value for 'visit_date': expected a date like "
                                    "2026-11-02, without a time"),
    ("2099-11-02", "7", 4, "invalid value for 'visit_date': a visit date cannot be more than a "
                           "day in the future"),
])
def test_yaml_values_are_placed_at_their_line(tmp_path, visit, pain, line, message):
    path = tmp_path / "r.yaml"
    path.write_text(YAML_RECORD.format(visit=visit, pain=pain))
    (row,) = read_records(path)
    assert [str(p) for p in row.problems] == [f"{path}:{line}:{13 if line == 4 else 7}: error: "
                                              f"{message}"]


@pytest.mark.parametrize("change, message", [
    ({"injection_without_relief": 2}, "invalid value for 'injection_without_relief': expected "
                                      "true or false"),
    ({"injection_without_relief": "maybe"}, "expected true or false"),
    ({"conditions": 5}, "invalid value for 'conditions': expected a list of conditions"),
    ({"notes": ["a", "b"]}, "invalid value for 'notes': expected text"),
    ({"physician": 12}, "invalid value for 'physician': expected text"),
    ({"name": b"bytes"}, "invalid value for 'name': expected text"),
])
def test_other_values_of_the_wrong_kind_are_named_in_plain_words(change, message):
    with pytest.raises(BrochureError) as caught:
        to_record({**BASE, **change})
    assert message in str(caught.value) and "Input should" not in str(caught.value)


def test_words_from_a_list_are_taken_in_any_case_and_others_name_the_choices():
    record = to_record({**BASE, "knee": "Left", "effusion": " TRACE ", "language": "ES",
                        "conditions": "Infection", "override_verdict": "Good",
                        "override_reason": "Seen in person."})
    assert (record.knee, record.effusion, record.language, record.conditions,
            record.override_verdict) == ("left", "trace", "es", ["infection"], "good")
    with pytest.raises(BrochureError) as caught:
        to_record({**BASE, "knee": "middle"})
    assert str(caught.value) == ("record: error: invalid value for 'knee': expected one of: "
                                 "left, right, both")


@pytest.mark.parametrize("given, expected", [("TRUE", True), ("false", False), ("Yes", True),
                                             ("", None), (1, True), (0, False)])
def test_yes_and_no_as_excel_and_people_write_them(given, expected):
    """An empty cell is not given (issue 22): not recorded, never false."""
    assert to_record({**BASE, "injection_without_relief": given}).injection_without_relief is \
        expected


def test_json_nan_and_overflowing_numbers_are_not_numbers(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({**BASE, "pain": float("nan")})[:-1] + ', "bmi": 1e400}')
    (row,) = read_records(path)
    assert [p.message for p in row.problems] == ["invalid value for 'pain': not a number",
                                                 "invalid value for 'bmi': not a number"]


def test_json_true_is_not_a_number_and_a_numeric_id_is_not_text(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({**BASE, "pain": True, "id": 42}))
    (row,) = read_records(path)
    text = "\n".join(str(p) for p in row.problems)
    assert "invalid value for 'pain': not a number" in text
    assert "invalid value for 'id': expected text" in text


# --- item 10 (part): text that can disguise itself ------------------------------------------

TEXT_FIELDS = ["id", "name", "physician", "notes", "override_reason"]


def _with(field, value):
    record = {**BASE, field: value}
    if field == "override_reason":
        record["override_verdict"] = "good"
    return record


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
                                  "\u2067", "\u2068", "\u2069"])
def test_bidirectional_overrides_are_rejected_in_every_text_field(field, char):
    with pytest.raises(BrochureError) as caught:
        to_record(_with(field, f"Ann{char}Lee"))
    text = str(caught.value)
    assert f"invalid value for '{field}': contains a bidirectional override (U+{ord(char):04X}" \
        in text
    assert "Ann" not in text


@pytest.mark.parametrize("field", TEXT_FIELDS)
@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\ud800"])
def test_control_characters_are_rejected_in_every_text_field(field, char):
    with pytest.raises(BrochureError, match=f"invalid value for '{field}': contains a control "
                                            f"character \\(U\\+{ord(char):04X}\\)"):
        to_record(_with(field, f"Ann{char}Lee"))


@pytest.mark.parametrize("field", ["id", "name", "physician"])
@pytest.mark.parametrize("char", ["\n", "\r", "\t", "\u2028", "\u2029"])
def test_line_breaks_are_rejected_in_one_line_fields(field, char):
    with pytest.raises(BrochureError, match=f"invalid value for '{field}': contains a control"):
        to_record(_with(field, f"Ann{char}Lee"))


@pytest.mark.parametrize("field", ["notes", "override_reason"])
def test_paragraphs_keep_line_breaks_and_tabs(field):
    value = "First paragraph\r\nstill first.\n\nSecond\tparagraph."
    assert getattr(to_record(_with(field, value)), field) == value


def test_direction_marks_are_allowed_they_cannot_reorder_letters():
    """U+200E/U+200F (and Arabic's U+061C) only give neutral characters a direction, which a
    mixed-script name may need; they cannot make letters display in another order."""
    name = "\u0645\u0631\u064a\u0645 (Maryam)\u200e \u200f\u061c"
    assert to_record({**BASE, "name": name}).name == name.strip()


def test_a_line_break_hidden_in_a_quoted_csv_name_is_rejected_at_its_cell(tmp_path):
    path = tmp_path / "day.csv"
    row = list(ROWS[0])
    row[1] = "Ruth\nOkafor"
    text = _csv(path, HEADER, [row])
    (read,) = read_records(path)
    column = text.splitlines()[1].index('"') + 1
    assert [str(p) for p in read.problems] == [
        f"{path}:2:{column}: error: invalid value for 'name': contains a control character "
        "(U+000A) (line breaks and tabs are allowed only in notes and override_reason); expected "
        "plain text"]


# --- item 8: the physician must be on the roster --------------------------------------------

UNKNOWN = ("invalid value for 'physician': not a physician on the roster; expected one of: "
           + ", ".join(ROSTER))


def test_assess_and_summarize_name_an_unknown_physician_and_the_roster():
    record = {**BASE, "physician": "dr-nobody"}
    for call in (assess, summarize):
        with pytest.raises(BrochureError) as caught:
            call(record)
        assert [p.message for p in caught.value.problems] == [UNKNOWN]


def test_a_physician_value_that_is_not_a_key_is_not_repeated():
    with pytest.raises(BrochureError) as caught:
        assess({**BASE, "physician": "Ruth Okafor"})
    text = str(caught.value)
    assert "Okafor" not in text and "not a physician's key; expected one of" in text


def test_the_summary_command_places_an_unknown_physician_at_its_value(tmp_path):
    path = tmp_path / "r.yaml"
    path.write_text(YAML_RECORD.format(visit="2026-11-02", pain=7) + "physician: dr-nobody\n")
    result = run_cli("summary", str(path), "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"{path}:8:12: error: {UNKNOWN}"
    assert "Traceback" not in result.stderr and not (tmp_path / "x.pdf").exists()


def test_rows_from_a_csv_get_the_physician_problem_at_their_cell(tmp_path):
    path = tmp_path / "day.csv"
    rows = [list(row) for row in ROWS[:2]]
    rows[1][HEADER.index("physician")] = "dr-nobody"
    text = _csv(path, HEADER, rows)
    from brochure.project import default_project
    from brochure.summaries import check_rows
    first, second = check_rows(read_records(path), default_project())
    assert first.record is not None and second.record is None
    column = text.splitlines()[2].index("dr-nobody") + 1
    assert [str(p) for p in second.problems] == [f"{path}:3:{column}: error: {UNKNOWN}"]


# --- the same through a batch: one manifest line per record, positioned ---------------------


def _manifest(folder) -> list[dict]:
    with open(folder / "manifest.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_batch_gives_every_csv_record_one_line_with_quote_and_physician_errors_placed(
        tmp_path):
    path = tmp_path / "day.csv"
    rows = [list(row) for row in ROWS[:4]]
    rows[2][HEADER.index("physician")] = "dr-nobody"
    lines = [",".join(HEADER), *(",".join(row) for row in rows)]
    lines[1] = lines[1].replace("Keep walking every day.", '"Keep walking')
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    result = run_cli("batch", str(path), "--out", str(out))
    assert result.returncode == 1, result.stderr
    manifest = _manifest(out)
    assert [r["id"] for r in manifest] == ["", *(row[0] for row in rows[1:])]  # a broken
    # quote may shift values: no id (issue 17), the line says which record it is
    assert [r["status"] for r in manifest] == ["error", "ok", "error", "ok"]
    quote, physician = lines[1].index('"') + 1, lines[3].index("dr-nobody") + 1
    assert f"{path}:2:{quote}: error: unbalanced quote" in manifest[0]["message"]
    assert f"{path}:4:{physician}: error: {UNKNOWN}" in manifest[2]["message"]
    assert len(list(out.glob("*.pdf"))) == 2
    assert "Okafor" not in result.stdout + result.stderr + (out / "manifest.csv").read_text()


@pytest.mark.parametrize("written", ["010", "0x7", "0b101", "1_0", "1:30", "07.5"])
def test_a_number_yaml_would_read_as_another_is_refused_at_its_place(tmp_path, written):
    """YAML 1.1 reads 010 as 8 and 1:30 as 90 (base 60): a pain score must be what was typed."""
    path = tmp_path / "r.yaml"
    path.write_text(YAML_RECORD.format(visit="2026-11-02", pain=written))
    result = run_cli("summary", str(path), "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 2 and not (tmp_path / "x.pdf").exists()
    assert result.stderr.startswith(f"{path}:6:7: error: this number is written with a leading "
                                    "zero"), result.stderr


@pytest.mark.parametrize("written", ["7", "-0", "+3", "7.5", "0.5", ".5", "1.5e+1"])
def test_numbers_as_people_write_them_are_read_as_written(written):
    from brochure.source import parse
    assert parse(f"pain: {written}\n", "r.yaml").data == {"pain": float(written)}
