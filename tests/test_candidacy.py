"""The candidacy rules of the domain notes, applied to records: every rule, the precedence,
overrides, and records with unknown or out-of-range fields."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from brochure import BrochureError
from brochure.project import Project, load_project
from brochure.records import read_records
from brochure.summaries import assess, summarize

from .conftest import PROJECT, run_cli

BASE = dict(id="T-1", name="Test Patient", date_of_birth="1955-05-05", visit_date="2026-11-02",
            knee="left", kl_grade=3, cartilage_grade=2, pain=5, symptom_months=12, pt_weeks=8)


def test_the_base_record_is_a_good_candidate_by_g1_alone():
    result = assess(BASE)
    assert (result.verdict, [r.id for r in result.fired]) == ("good", ["G1"])
    assert result.label == "Could be an option to discuss with your doctor"


@pytest.mark.parametrize("change, rule, verdict", [
    ({"conditions": ["infection"]}, "NS1", "not_suitable"),
    ({"conditions": ["active_cancer"]}, "NS2", "not_suitable"),
    ({"conditions": ["pregnant_or_breastfeeding"]}, "NS3", "not_suitable"),
    ({"conditions": ["inflammatory_arthritis"]}, "NS4", "not_suitable"),
    ({"kl_grade": 4}, "L1", "less_likely"),
    ({"cartilage_grade": 4}, "L1", "less_likely"),
    ({"pain": 2}, "L2", "less_likely"),
    ({"kl_grade": None}, "E1", "evaluation_needed"),
    ({"kl_grade": 1}, "E2", "evaluation_needed"),
    ({"kl_grade": 0}, "E2", "evaluation_needed"),
    ({"pt_weeks": 5}, "E3", "evaluation_needed"),
    ({"conditions": ["anticoagulant_or_bleeding"]}, "E4", "evaluation_needed"),
    ({"conditions": ["immunosuppressed"]}, "E4", "evaluation_needed"),
    ({"bmi": 35.5}, "E5", "evaluation_needed"),
    ({"steroid_injection_months_ago": 2}, "E6", "evaluation_needed"),
    ({"knee_surgery_months_ago": 5}, "E6", "evaluation_needed"),
    ({"effusion": "3+"}, "E7", "evaluation_needed"),
    ({"conditions": ["unstable_knee"]}, "E7", "evaluation_needed"),
    ({"malalignment_degrees": 13}, "E7", "evaluation_needed"),
])
def test_each_rule_fires_and_sets_its_verdict(change, rule, verdict):
    result = assess({**BASE, **change})
    assert rule in [r.id for r in result.fired]
    assert result.verdict == verdict


@pytest.mark.parametrize("change", [
    {"bmi": 35}, {"steroid_injection_months_ago": 3}, {"knee_surgery_months_ago": 6},
    {"malalignment_degrees": 12}, {"pt_weeks": 2, "injection_without_relief": True},
    {"effusion": "2+"}, {"pain": 3},
])
def test_boundaries_do_not_fire(change):
    assert assess({**BASE, **change}).verdict == "good"


def test_strongest_verdict_wins_and_every_reason_is_kept():
    result = assess({**BASE, "kl_grade": 4, "pain": 2, "bmi": 40, "conditions": ["infection"]})
    assert result.verdict == "not_suitable"
    assert [r.id for r in result.fired] == ["NS1", "L1", "L2", "E5"]
    assert len(result.reasons) == 4


def test_no_rule_matching_gives_evaluation_needed():
    result = assess({**BASE, "symptom_months": 3})
    assert (result.verdict, result.fired) == ("evaluation_needed", ())


def test_physician_override_replaces_the_verdict_and_says_so():
    result = assess({**BASE, "pain": 2, "override_verdict": "good",
                     "override_reason": "Pain limits her work."})
    assert (result.verdict, result.computed_verdict, result.overridden) == \
        ("good", "less_likely", True)
    assert result.override_reason == "Pain limits her work."


def test_override_needs_its_reason():
    with pytest.raises(BrochureError, match="override_verdict and override_reason go together"):
        assess({**BASE, "override_verdict": "good"})


EXAMPLES = {
    "good-candidate.yaml": ("good", ["G1"]),
    "evaluation-needed.yaml": ("evaluation_needed", ["E3", "E4", "G1"]),
    "less-likely.yaml": ("less_likely", ["L1"]),
    "not-suitable.yaml": ("not_suitable", ["NS1", "G1"]),
    "physician-override.yaml": ("evaluation_needed", ["L2"]),
    "needs-xray.yaml": ("evaluation_needed", ["E1", "E3"]),
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_shipped_examples_cover_every_verdict(name):
    (row,) = read_records(PROJECT / "content/patients" / name)
    result = assess(row.record)
    assert (result.verdict, [r.id for r in result.fired]) == EXAMPLES[name]


VERDICTS = {"good", "evaluation_needed", "less_likely", "not_suitable"}
"""The four verdicts of ../shared/domain.md."""


def _shown_verdict(path: Path, project: Project) -> str:
    """The verdict whose label (in the patient's language) comes first in the rendered
    summary of the record in ``path``: its heading. (An overridden summary names the rules'
    own verdict too, further down.)"""
    (row,) = read_records(path)
    pdf = summarize(row.record, project=project).pdf  # the worst case's note is cut, unwarned
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    verdicts = project.rules["knee-stem-cell"].model.verdicts
    at = {v.id: text.find(" ".join(v.label[row.record.language].split())) for v in verdicts}
    shown = sorted((place, verdict) for verdict, place in at.items() if place >= 0)
    assert shown, (path.name, text[:300])
    return shown[0][1]


def test_the_rendered_examples_show_all_four_verdicts():
    """Every shipped example patient rendered: each summary shows one verdict, the one its
    record reaches, and together they show all four."""
    project = load_project(PROJECT)
    shown = {path.name: _shown_verdict(path, project)
             for path in sorted((PROJECT / "content/patients").glob("*.yaml"))}
    assert set(shown.values()) == VERDICTS, shown
    assert all(shown[name] == verdict for name, (verdict, _) in EXAMPLES.items())


@pytest.mark.parametrize("change, message", [
    ({"pian": 5}, "unknown key 'pian'; did you mean 'pain'?"),
    ({"pain": 11}, "invalid value for 'pain'"),
    ({"kl_grade": 5}, "invalid value for 'kl_grade'"),
    ({"effusion": "4+"}, "invalid value for 'effusion'"),
    ({"conditions": ["flu"]}, "invalid value for 'conditions.0'"),
    ({"date_of_birth": "1955-13-01"}, "invalid value for 'date_of_birth'"),
    ({"knee": None}, "invalid value for 'knee'"),
])
def test_bad_records_are_rejected_naming_the_field(change, message):
    with pytest.raises(BrochureError) as caught:
        assess({**BASE, **change})
    assert any(message in str(p) for p in caught.value.problems), caught.value.problems


def test_missing_required_fields_are_each_named():
    record = {k: v for k, v in BASE.items() if k not in ("pain", "name")}
    with pytest.raises(BrochureError) as caught:
        assess(record)
    text = str(caught.value)
    assert "missing required field 'pain'" in text and "missing required field 'name'" in text


def test_a_rule_naming_an_unknown_field_is_a_load_error_with_its_position(project):
    path = project / "content/knee-stem-cell/candidacy.yaml"
    text = path.read_text()
    line = text[: text.index('when: "pain < 3"')].count("\n") + 1
    path.write_text(text.replace('when: "pain < 3"', 'when: "pain_score < 3"'))
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    assert (f"content/knee-stem-cell/candidacy.yaml:{line}:11: error: rule L2: unknown field "
            "'pain_score'") in result.stderr


def test_a_rule_with_invalid_syntax_is_a_load_error(project):
    path = project / "content/knee-stem-cell/candidacy.yaml"
    path.write_text(path.read_text().replace('when: "pain < 3"', 'when: "pain <"'))
    result = run_cli("check", cwd=project)
    assert result.returncode == 2 and "rule L2: invalid expression" in result.stderr


def test_rule_expressions_cannot_reach_python_internals(project):
    path = project / "content/knee-stem-cell/candidacy.yaml"
    path.write_text(path.read_text().replace(
        'when: "pain < 3"', 'when: "pain.__class__.__mro__[1].__subclasses__()"'))
    from brochure.project import load_project
    from brochure.summaries import summary_kit
    kit = summary_kit(load_project(project))
    from jinja2.exceptions import SecurityError

    from brochure.candidacy import assess as raw_assess
    from brochure.records import to_record
    with pytest.raises(SecurityError):
        raw_assess(to_record(BASE), kit.rules)
