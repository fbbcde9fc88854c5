"""Issue 22: record fields, verdicts and summary blocks are each publication's data, and every
command, the API and the form choose a publication.

A second topic is made with no Python (:mod:`.topic`): its summary, a batch of rows of both
topics, its form and its API. A value a record does not give is never printed as a finding,
and a rule that needs one says it was not recorded. Declarations that cannot work are
positioned load errors."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from brochure import BrochureError, load_project
from brochure.candidacy import assess as assess_with
from brochure.model.fields import RecordSpec
from brochure.model.record import RecordKind
from brochure.model.rules import Rules
from brochure.records import to_record
from brochure.summaries import assess, render_summary, summarize, summary_kit
from brochure.templates import needed

from .conftest import PROJECT, ROOT, edit_once, read_yaml, run_cli
from .pdf import text as pdf_text
from .topic import FALL_REASON, RECORD, TOPIC, second_topic

KNEE = "knee-stem-cell"
PRP = "prp-tennis-elbow"
PATIENTS = PROJECT / "content" / "patients"


def _text(pdf: bytes) -> str:
    return pdf_text(pdf)


def _yaml(path: Path, record: dict) -> Path:
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False))
    return path


# --- a second topic, with no Python ----------------------------------------------------------


@pytest.fixture
def topic(project) -> Path:
    second_topic(project)
    return project


def test_a_copied_publication_with_a_renamed_field_and_a_new_condition_makes_a_summary(
        topic, tmp_path):
    record = _yaml(tmp_path / "rosa.yaml", RECORD)
    out = tmp_path / "rosa.pdf"
    result = run_cli("summary", str(record), "-o", str(out), "--root", str(topic))
    assert result.returncode == 0, result.stderr
    text = _text(out.read_bytes())
    assert FALL_REASON in text and "Physical therapy so far 3 weeks" in text
    assert "Exercise and physical therapy come first." in text  # E3, on the renamed field


def test_a_batch_takes_rows_of_both_publications_and_reports_the_bad_one_at_its_cell(
        topic, tmp_path):
    header = ["id", "name", "date_of_birth", "visit_date", "publication", "knee", "pain",
              "symptom_months", "pt_weeks", "therapy_weeks", "conditions"]
    rows = [["K-1", "Ann Lee", "1950-01-01", "2026-11-02", "", "left", "5", "12", "8", "", ""],
            ["S-1", "Bo Ng", "1951-01-01", "2026-11-02", TOPIC, "right", "6", "9", "", "3",
             "recent_fall"],
            ["S-2", "Cy Ox", "1952-01-01", "2026-11-02", TOPIC, "left", "7", "10", "4", "", ""]]
    path = tmp_path / "day.csv"
    path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n")
    out = tmp_path / "out"
    result = run_cli("batch", str(path), "--out", str(out), "--root", str(topic))
    assert result.returncode == 1, result.stderr
    manifest = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text())))
    assert [(r["id"], r["status"]) for r in manifest] == [("K-1", "ok"), ("S-1", "ok"),
                                                          ("S-2", "error")]
    column = ",".join(rows[2]).index(",4,") + 2
    assert manifest[2]["message"] == (
        f"{path}:4:{column}: error: column 'pt_weeks' is not a field of publication "
        f"'{TOPIC}', which this row is for; leave it empty in this row")
    assert all(r["verdict"] for r in manifest[:2])
    assert len(list(out.glob("*.pdf"))) == 2


def test_a_column_no_publication_of_the_file_declares_is_unknown(topic, tmp_path):
    path = tmp_path / "day.csv"
    path.write_text("id,name,date_of_birth,visit_date,knee,pain,symptom_months,therapy_weeks\n"
                    "K-1,Ann Lee,1950-01-01,2026-11-02,left,5,12,3\n")
    result = run_cli("summary", str(path), "--root", str(topic))
    assert result.returncode == 2
    column = path.read_text().index("therapy_weeks") + 1
    assert result.stderr == (
        f"{path}:1:{column}: error: column 'therapy_weeks' is a field of publication {PRP}, "
        f"{TOPIC}, "
        "which no row of this file is for (a `publication` column names each row's)\n")


def test_publication_options_choose_the_topic_of_records_that_name_none(topic, tmp_path):
    record = _yaml(tmp_path / "r.yaml", {k: v for k, v in RECORD.items() if k != "publication"})
    out = tmp_path / "r.pdf"
    assert run_cli("summary", str(record), "-o", str(out), "--root", str(topic)).returncode == 2
    result = run_cli("summary", str(record), "-o", str(out), "--root", str(topic),
                     "--publication", TOPIC)
    assert result.returncode == 0, result.stderr
    assert FALL_REASON in _text(out.read_bytes())
    result = run_cli("batch", str(record), "--out", str(tmp_path / "b"), "--root", str(topic),
                     "--publication", "nowhere")
    assert result.returncode == 2 and "--publication: 'nowhere' has no summaries" in \
        result.stderr


def test_the_library_works_from_any_folder_with_a_loaded_project(topic, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    project = load_project(topic)
    found = assess({k: v for k, v in RECORD.items() if k != "publication"}, project=project,
                   publication=TOPIC)
    assert FALL_REASON in found.reasons
    assert "After a fall" in _text(render_summary(RECORD, project=project))
    assert summary_kit(project, TOPIC) is summary_kit(project, TOPIC), "kept by the project"


def test_two_projects_in_one_process_never_share_a_kit(project):
    edit_once(project, "content/knee-stem-cell/summary.yaml", "label: Fluid in the knee",
              "label: Joint fluid")
    base = {**read_yaml((PATIENTS / "not-suitable.yaml").read_text())}
    shipped, changed = load_project(PROJECT), load_project(project)
    assert summary_kit(shipped) is not summary_kit(changed)
    assert "Fluid in the knee" in _text(render_summary(base, project=shipped))
    assert "Joint fluid" in _text(render_summary(base, project=changed))
    assert "Fluid in the knee" in _text(render_summary(base, project=shipped))


def test_the_api_lists_the_publications_and_takes_a_record_of_either(topic):
    client = TestClient(create_app_for(topic))
    listed = client.get("/api/publications").json()
    assert [(p["id"], p["default"]) for p in listed] == [(KNEE, True), (PRP, False),
                                                         (TOPIC, False)]
    schema = listed[2]["record"]
    assert "therapy_weeks" in schema["properties"] and "pt_weeks" not in schema["properties"]
    assert "recent_fall" in json.dumps(schema["properties"]["conditions"])
    assert schema["required"] == ["id", "name", "date_of_birth", "visit_date", "knee", "pain",
                                  "symptom_months"]
    response = client.post("/api/assess", json=RECORD)
    assert response.status_code == 200 and FALL_REASON in response.json()["reasons"]
    wrong = client.post("/api/assess", json={**RECORD, "publication": "Mrs Example"})
    assert wrong.status_code == 422 and "Mrs Example" not in wrong.text
    assert wrong.json()["detail"][0]["field"] == "publication"
    knee_field = client.post("/api/assess", json={**RECORD, "pt_weeks": 3})
    assert knee_field.status_code == 422
    assert knee_field.json()["detail"][0]["field"] == "pt_weeks"
    pdf = client.post("/api/summaries", json=RECORD)
    assert pdf.status_code == 200 and FALL_REASON in _text(pdf.content)


def create_app_for(project: Path):
    from brochure.web import create_app
    return create_app(load_project(project))


def test_the_form_of_the_copy_is_generated_from_its_declarations(topic):
    client = TestClient(create_app_for(topic))
    page = client.get(f"/?publication={TOPIC}")
    assert page.status_code == 200
    assert 'name="therapy_weeks"' in page.text and 'name="pt_weeks"' not in page.text
    assert 'value="recent_fall"' in page.text and "A recent fall" in page.text
    spanish = client.get(f"/?publication={TOPIC}&lang=es").text
    assert "Una caída reciente" in spanish and "Semanas de fisioterapia hechas" in spanish
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    form = {**{k: str(v) for k, v in RECORD.items() if k != "conditions"},
            "conditions": ["recent_fall"], "csrf_token": token, "pain": "12"}
    refused = client.post("/", data=form)
    assert refused.status_code == 422
    assert '<a href="#pain">Pain today (0 = none, 10 = worst)</a>:' in refused.text, \
        "the error list names the field by its label"
    assessed = client.post("/", data={**form, "pain": "6"})
    assert assessed.status_code == 200 and FALL_REASON in assessed.text
    assert client.get("/?publication=nowhere").status_code == 404


# --- not given means not given ---------------------------------------------------------------

def _examples() -> list[tuple[str, dict]]:
    found = [(path.stem, read_yaml(path.read_text()))
             for path in sorted(PATIENTS.glob("*.yaml"))]
    with open(PATIENTS / "clinic-day.csv", newline="") as handle:
        found += [(f"clinic-day:{row['id']}", {k: v for k, v in row.items() if v != ""})
                  for row in csv.DictReader(handle)]
    return found


KIND = load_project(PROJECT).records.kind(KNEE)
OPTIONAL = [spec.key for spec in KIND.spec.fields if not spec.required]
TEXTS = read_yaml((PROJECT / "content/knee-stem-cell/summary.yaml").read_text())[
    "languages"]


def _rows(blocks: list) -> list[dict]:
    """Every findings row of a summary text, in both forms of a reducible block."""
    found = []
    for block in blocks:
        if block["type"] == "findings":
            found += block["rows"]
        for inner in ("full", "reduced"):
            found += _rows(block.get(inner, []))
    return found


@pytest.mark.parametrize("name, record", [
    (name, record) for name, record in _examples() if name != "worst-case"])
def test_no_example_prints_a_value_its_record_does_not_give(name, record):
    """Each optional field the example gives is left out in turn: every findings row that
    needs it says "Not recorded" (a row that tests it itself says what it says)."""
    rows = _rows(TEXTS["en"]["blocks"])
    for field in [f for f in OPTIONAL if f in record and f != "conditions"]:
        text = _text(render_summary({**{k: v for k, v in record.items() if k != field},
                                     "language": "en"}))
        needing = [row for row in rows if field in needed(row["value"])]
        for row in needing:
            if row["label"] in text:
                assert f'{row["label"]} {TEXTS["en"]["not_recorded"]}' in text, (name, field)


@pytest.mark.parametrize("name", ["needs-xray", "not-suitable", "physician-override"])
def test_the_examples_without_a_fluid_grade_say_it_was_not_recorded(name):
    record = read_yaml((PATIENTS / f"{name}.yaml").read_text())
    assert "effusion" not in record
    assert "Fluid in the knee Not recorded" in _text(render_summary(record))
    spanish = _text(render_summary({**record, "language": "es"}))
    assert "Líquido en la rodilla Sin registrar" in spanish


FULL = dict(id="T-1", name="Test Patient", date_of_birth="1955-05-05", visit_date="2026-11-02",
            knee="left", kl_grade=3, cartilage_grade=2, effusion="trace", pain=5,
            symptom_months=12, pt_weeks=8, injection_without_relief=False,
            steroid_injection_months_ago=7, knee_surgery_months_ago=24, bmi=27.0,
            malalignment_degrees=4, conditions=[])
RULES = summary_kit().rules


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda rule: rule.id)
def test_every_rule_with_each_optional_field_it_reads_left_out_fires_for_a_reason_or_not(rule):
    read = [f for f in OPTIONAL if re.search(rf"\b{f}\b", rule.when)]
    for field in read:
        for base in (FULL, {**FULL, "pt_weeks": 2, "kl_grade": 1, "effusion": "3+", "bmi": 40,
                            "malalignment_degrees": 20, "cartilage_grade": 4}):
            record = to_record({k: v for k, v in base.items() if k != field})
            for fired in [f for f in assess(record).fired if f.id == rule.id]:
                allowed = {rule.reason["en"], f"{KIND.label(field, 'en')} was not recorded."}
                assert fired.reason in allowed, (rule.id, field, fired.reason)


def test_a_rule_that_needs_a_value_not_recorded_says_so_unless_it_says_skip():
    spec = RecordSpec.model_validate({"fields": [
        {"key": "pain", "type": "integer", "minimum": 0, "maximum": 10, "group": "patient",
         "label": {"en": "Pain today", "es": "Dolor hoy"}},
        {"key": "grade", "type": "integer", "minimum": 0, "maximum": 4, "group": "patient",
         "label": {"en": "Grade"}}]})
    rules = Rules.model_validate({
        "version": "1", "default": "check", "not_recorded": {"reason": {
            "en": "{{ label }} was not recorded.", "es": "No se registró: {{ label }}."}},
        "verdicts": [{"id": "no", "label": {"en": "No"}, "tone": "t", "icon": "i"},
                     {"id": "check", "label": {"en": "Check"}, "tone": "t", "icon": "i"}],
        "rules": [{"id": "A", "when": "pain < 3", "verdict": "no", "reason": {"en": "Mild."}},
                  {"id": "B", "when": "pain > 8", "verdict": "no", "reason": {"en": "Bad."},
                   "not_recorded": "skip"},
                  {"id": "C", "when": "grade == 4", "verdict": "no", "reason": {"en": "Four."}},
                  {"id": "D", "when": "grade is none", "verdict": "check",
                   "reason": {"en": "No grade."}}]})
    model = RecordKind("p", spec, ("no", "check")).model
    core = dict(id="X-1", name="A B", date_of_birth="1950-01-01", visit_date="2026-11-02")
    found = assess_with(model.model_validate(core), rules)
    assert [(f.id, f.verdict, f.reason) for f in found.fired] == [
        ("A", "check", "Pain today was not recorded."), ("D", "check", "No grade.")]
    spanish = assess_with(model.model_validate({**core, "language": "es"}), rules)
    assert spanish.fired[0].reason == "No se registró: Dolor hoy."
    given = assess_with(model.model_validate({**core, "pain": 9, "grade": 4}), rules)
    assert [f.id for f in given.fired] == ["B", "C"]


# --- declarations that cannot work are positioned load errors --------------------------------

def _refused(project: Path, file: str, old: str, new: str) -> tuple[int, str]:
    line = edit_once(project, f"content/knee-stem-cell/{file}", old, new)
    record = _yaml(project / "r.yaml", read_yaml((PATIENTS / "good-candidate.yaml")
                                                      .read_text()))
    result = run_cli("summary", str(record), "--root", str(project))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    return line, result.stderr


def test_a_field_of_an_unknown_type_is_an_error_at_its_type(project):
    line, told = _refused(project, "record.yaml", "    type: boolean", "    type: yesno")
    assert f"record.yaml:{line}:11: error: invalid value for 'fields.8.type': unknown field " \
           "type; expected one of: integer, number, boolean, date, choice, choices, text" in told


@pytest.mark.parametrize("old, new, message", [
    ('when: "pain < 3"', 'when: "pian < 3"', "rule L2: unknown field 'pian'; a rule may use:"),
    ("when: \"'infection' in conditions\"", "when: \"'platelet_disorder' in conditions\"",
     "rule NS1: 'platelet_disorder' is not a value of field 'conditions', so this never holds; "
     "expected one of: infection, active_cancer"),
    ("effusion == '3+'", "effusion == '4+'", "rule E7: '4+' is not a value of field 'effusion'"),
    ("kl_grade == 4 or", "kl_grade == 7 or", "rule L1: 7 is outside field 'kl_grade' (0 to 4)"),
])
def test_a_rule_on_an_undeclared_field_or_an_impossible_value_is_an_error_at_it(
        project, old, new, message):
    line, told = _refused(project, "candidacy.yaml", old, new)
    lines = f"({line}|{line - 1})"  # a folded `when` is placed at its first line
    assert re.search(rf"candidacy\.yaml:{lines}:\d+: error: {re.escape(message)}", told), told


def test_a_summary_text_missing_a_verdict_or_scaling_a_word_is_an_error_at_it(project):
    line, told = _refused(project, "summary.yaml", "          less_likely: It is less likely",
                          "          unlikely: It is less likely")
    assert f"summary.yaml:{line - 2}:11: error: a text is needed for every verdict; missing: " \
           "less_likely" in told  # at the texts by verdict, the meaning's first line
    assert f"summary.yaml:{line}:11: error: 'unlikely' is not a verdict of the rules" in told
    line, told = _refused(project, "summary.yaml", "field: pain", "field: knee")
    assert f"summary.yaml:{line}:24: error: field 'knee' is a choice; a scale pictures an " \
           "integer or number field" in told


def test_a_record_for_an_unknown_publication_is_refused_at_its_value(tmp_path):
    record = read_yaml((PATIENTS / "good-candidate.yaml").read_text())
    path = tmp_path / "r.yaml"
    path.write_text(f"publication: Mrs Ellison's hip\n{yaml.safe_dump(record)}")
    result = run_cli("summary", str(path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{path}:1:14: error: invalid value for 'publication': not a publication with "
        f"summaries in this project; expected one of: {KNEE}, {PRP}")
    with pytest.raises(BrochureError):
        summarize({**record, "publication": "elbow"})


def test_the_default_publication_must_have_summaries(project):
    line = edit_once(project, "content/project.yaml", f"default_publication: {KNEE}",
                     "default_publication: elbow")
    result = run_cli("check", "--root", str(project))
    assert result.returncode == 2
    assert f"project.yaml:{line}:22: error: 'elbow' is not a publication with summaries" in \
        result.stderr


# --- no knee word in the engine --------------------------------------------------------------

KNEE_WORDS = ("knee", "kl_grade", "cartilage", "effusion", "pt_weeks",
              "injection_without_relief", "malalignment", "unstable_knee", "rodilla",
              "kellgren", "symptom_months", "steroid", "inflammatory_arthritis",
              "pregnant_or_breastfeeding", "anticoagulant_or_bleeding", "immunosuppressed")


def test_no_knee_field_condition_or_label_is_left_in_the_package():
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in sorted((ROOT / "brochure").rglob("*"))
             if path.is_file() and path.suffix in (".py", ".html", ".css", ".js", ".yaml")
             for number, line in enumerate(path.read_text().splitlines(), start=1)
             if any(word in line.lower() for word in KNEE_WORDS)]
    assert found == []
