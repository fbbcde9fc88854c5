"""The summary's reasons, grouped by how they bear on the verdict: a point in the patient's
favour never stands under a heading that explains a verdict against them, in the PDF (read from
its structure tree, as a screen reader does), the JSON API and the web form."""

from __future__ import annotations

import re
import subprocess

import pytest
from fastapi.testclient import TestClient

from brochure.candidacy import assess as assess_with
from brochure.project import load_project
from brochure.records import to_record
from brochure.summaries import assess, render_summary, summary_kit
from brochure.web import create_app

from .conftest import PROJECT, read_yaml, run_cli
from .test_candidacy import BASE

RULES = read_yaml((PROJECT / "content/knee-stem-cell/candidacy.yaml").read_text())
TEXTS = read_yaml((PROJECT / "content/knee-stem-cell/summary.yaml").read_text())["languages"]
FAVOURABLE = {v["id"] for v in RULES["verdicts"] if v.get("favourable")}
FAVOURABLE_RULES = [r["id"] for r in RULES["rules"] if r["verdict"] in FAVOURABLE]
DOCTOR = "Walking to the shops matters to her."


def reason(rule: str, language: str) -> str:
    return next(r for r in RULES["rules"] if r["id"] == rule)["reason"][language]


def headings(language: str) -> dict[str, str]:
    block = next(b for b in TEXTS[language]["blocks"] if b["type"] == "reasons")
    return {group["kind"]: group["heading"] for group in block["groups"]}


# name: (changes to the base record, final verdict, rules' verdict, {group: rule ids})
CASES = {
    "good": ({}, "good", "good", {"led_to_this": ["G1"]}),
    "evaluation_needed": ({"bmi": 38}, "evaluation_needed", "evaluation_needed",
                          {"led_to_this": ["E5"], "in_your_favour": ["G1"]}),
    "less_likely": ({"cartilage_grade": 4}, "less_likely", "less_likely",
                    {"led_to_this": ["L1"], "in_your_favour": ["G1"]}),
    "not_suitable": ({"conditions": ["infection"], "bmi": 38}, "not_suitable", "not_suitable",
                     {"led_to_this": ["NS1"], "also_to_check": ["E5"],
                      "in_your_favour": ["G1"]}),
    "override_up": ({"conditions": ["infection"], "override_verdict": "evaluation_needed",
                     "override_reason": DOCTOR}, "evaluation_needed", "not_suitable",
                    {"doctors_view": [], "rules_found": ["NS1"], "in_your_favour": ["G1"]}),
    "override_down": ({"override_verdict": "not_suitable", "override_reason": DOCTOR},
                      "not_suitable", "good", {"doctors_view": [], "rules_found": ["G1"]}),
}
NEGATIVE_HEADINGS = {
    # the headings that explain a verdict, and which verdict: the final one or the rules' own
    "led_to_this": "final", "doctors_view": "final", "rules_found": "rules",
    "also_to_check": "never favourable",
}


def sections(pdf: bytes, tmp_path) -> list[tuple[str, str]]:
    """(heading, the text under it up to the next heading) from the PDF's structure tree."""
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    tree = subprocess.run(["pdfinfo", "-struct-text", str(path)], capture_output=True,
                          text=True, check=True).stdout
    found: list[tuple[str, list[str]]] = []
    role = None
    for line in tree.splitlines():
        element = re.match(r"^\s+([A-Za-z][A-Za-z0-9]*)\b", line)
        quoted = re.match(r'^\s+"(.*)"$', line)
        if quoted and role in ("H1", "H2"):
            found.append((quoted.group(1), []))
        elif quoted and found:
            found[-1][1].append(quoted.group(1))
        if element and not quoted:
            role = element.group(1)
    return [(heading, " ".join(" ".join(texts).split())) for heading, texts in found]


def _record(name: str, language: str) -> dict:
    return {**BASE, **CASES[name][0], "language": language}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", list(CASES))
def test_reasons_stand_under_the_heading_of_their_relation_to_the_verdict(name, language,
                                                                           tmp_path):
    _, final, rules_verdict, expected = CASES[name]
    found = sections(render_summary(_record(name, language)), tmp_path)
    titles = headings(language)
    by_heading = dict(found)
    shown = [kind for kind in titles if titles[kind] in by_heading]
    assert sorted(shown) == sorted(expected), "exactly the groups with reasons are shown"
    order = [heading for heading, _ in found]
    assert [order.index(titles[k]) for k in shown] == sorted(order.index(titles[k])
                                                              for k in shown), \
        "in the order summary.yaml lists them"
    for kind, rules in expected.items():
        under = by_heading[titles[kind]]
        for rule in rules:
            assert reason(rule, language) in under, (kind, rule)
        for other in {r["id"] for r in RULES["rules"]} - set(rules):
            assert reason(other, language) not in under, (kind, other)
    for kind, explains in NEGATIVE_HEADINGS.items():
        verdict = {"final": final, "rules": rules_verdict}.get(explains)
        if titles[kind] not in by_heading or verdict in FAVOURABLE:
            continue
        for rule in FAVOURABLE_RULES:
            assert reason(rule, language) not in by_heading[titles[kind]], \
                f"a favourable reason under '{titles[kind]}' ({name})"


@pytest.mark.parametrize("language", ["en", "es"])
def test_under_an_override_the_doctor_speaks_first_then_the_rules_as_the_starting_point(
        language, tmp_path):
    found = sections(render_summary(_record("override_up", language)), tmp_path)
    titles, by_heading = headings(language), dict(found)
    order = [heading for heading, _ in found]
    assert order.index(titles["doctors_view"]) + 1 == order.index(titles["rules_found"])
    labels = {v["id"]: v["label"][language] for v in RULES["verdicts"]}
    doctor = by_heading[titles["doctors_view"]]
    assert doctor.startswith(labels["evaluation_needed"]) and doctor.endswith(DOCTOR)
    assert labels["not_suitable"] in by_heading[titles["rules_found"]], \
        "the rules' own verdict is named as the starting point"


def test_a_summary_where_no_rule_matched_says_so_under_what_led_to_this(tmp_path):
    found = dict(sections(render_summary({**BASE, "symptom_months": 3}), tmp_path))
    block = next(b for b in TEXTS["en"]["blocks"] if b["type"] == "reasons")
    assert found[headings("en")["led_to_this"]] == block["no_reasons"]


@pytest.mark.parametrize("name", list(CASES))
def test_every_fired_rule_is_in_exactly_one_group(name):
    result = assess(_record(name, "en"))
    grouped = [r for g in result.groups if g.kind != "doctors_view" for r in g.reasons]
    assert sorted(grouped) == sorted(result.reasons)
    assert [g.kind for g in result.groups if g.reasons or g.kind in ("led_to_this",
                                                                   "rules_found")] == \
        [g.kind for g in result.groups]


def test_which_verdict_is_favourable_is_data_not_the_id_good():
    rules = summary_kit().rules
    record = {**BASE, "bmi": 38}
    none_favourable = rules.model_copy(update={"verdicts": [
        v.model_copy(update={"favourable": False}) for v in rules.verdicts]})
    groups = {g.kind: g.reasons for g in assess_with(to_record(record), none_favourable).groups}
    assert groups["also_to_check"] == (reason("G1", "en"),), \
        "without the flag, G1 is just another rule of a weaker verdict"
    assert "in_your_favour" not in groups


def test_the_api_keeps_its_flat_reasons_and_adds_the_groups():
    client = TestClient(create_app(load_project(PROJECT)))
    body = {**BASE, "conditions": ["infection"], "bmi": 38, "language": "es"}
    answer = client.post("/api/assess", json=body).json()
    assert answer["reasons"] == [reason(r, "es") for r in ("NS1", "E5", "G1")]
    titles = headings("es")
    assert [(g["kind"], g["heading"], g["reasons"]) for g in answer["groups"]] == [
        ("led_to_this", titles["led_to_this"], [reason("NS1", "es")]),
        ("also_to_check", titles["also_to_check"], [reason("E5", "es")]),
        ("in_your_favour", titles["in_your_favour"], [reason("G1", "es")])]
    assert answer["groups"][0]["verdict"] == "not_suitable"


def test_the_form_shows_the_same_split():
    client = TestClient(create_app(load_project(PROJECT)))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    form = {**{k: str(v) for k, v in BASE.items()}, "conditions": ["infection"],
            "override_verdict": "evaluation_needed", "override_reason": DOCTOR,
            "csrf_token": token}
    page = client.post("/", data=form).text
    titles = headings("en")
    parts = {kind: re.search(rf'<section class="reasons" id="reasons-{kind}">(.*?)</section>',
                             page, re.S) for kind in titles}
    assert [k for k, p in parts.items() if p] == ["doctors_view", "rules_found", "in_your_favour"]
    assert titles["doctors_view"].replace("'", "&#39;") in parts["doctors_view"].group(1)
    assert DOCTOR in parts["doctors_view"].group(1)
    assert reason("NS1", "en") in parts["rules_found"].group(1)
    assert reason("G1", "en") in parts["in_your_favour"].group(1)
    assert reason("G1", "en") not in parts["rules_found"].group(1)


def test_a_reasons_block_missing_a_group_is_an_error_with_its_position(project):
    path = project / "content/knee-stem-cell/summary.yaml"
    path.write_text(path.read_text().replace(
        "          - {kind: also_to_check, heading: Also to check}\n", "", 1))
    result = run_cli("check", "--root", str(project))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert re.search(r"summary\.yaml:\d+:\d+: error: .*list each kind of reasons once",
                     result.stderr), result.stderr


def test_the_api_names_the_doctors_view_without_sending_the_override_reason_back():
    client = TestClient(create_app(load_project(PROJECT)))
    body = {**BASE, "pain": 2, "override_verdict": "good", "override_reason": DOCTOR}
    answer = client.post("/api/assess", json=body)
    groups = answer.json()["groups"]
    assert [g["kind"] for g in groups] == ["doctors_view", "rules_found"]
    assert groups[0]["verdict"] == "good" and groups[0]["reasons"] == []
    assert groups[1]["verdict"] == "less_likely" and groups[1]["reasons"] == [reason("L2", "en")]
    assert DOCTOR not in answer.text
