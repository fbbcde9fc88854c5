"""Every summary written goes through its folder's register, wherever ``-o`` points: another
patient's file is never replaced without ``--replace``, the folder's own files are never a
summary's name, an input is never an output, and a replacement under another name is told.
In-process (click's runner) except where a real process is the point."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from brochure.cli import main

from .conftest import PROJECT

PATIENTS = PROJECT / "content" / "patients"
GOOD, NOT_SUITABLE = PATIENTS / "good-candidate.yaml", PATIENTS / "not-suitable.yaml"


def _cli(*args: str):
    return CliRunner().invoke(main, [*args, "--root", str(PROJECT)], catch_exceptions=False)


def _text(path: Path, password: str | None = None) -> str:
    reader = PdfReader(path)
    if password:
        reader.decrypt(password)
    return " ".join(page.extract_text() for page in reader.pages)


def _renamed(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    path = tmp_path / f"renamed-{source.name}"
    path.write_text(source.read_text().replace(old, new))
    return path


# -- point 1: -o never replaces another patient's summary -------------------------------------

def test_summary_o_never_replaces_another_patients_file_and_names_replace(tmp_path):
    target = tmp_path / "w" / "a.pdf"
    assert _cli("summary", str(GOOD), "-o", str(target)).exit_code == 0
    before = target.read_bytes()
    refused = _cli("summary", str(NOT_SUITABLE), "-o", str(target))
    assert refused.exit_code == 1
    assert f"{target}: error: a summary of another patient already has this name" in \
        refused.output and "--replace" in refused.output
    assert target.read_bytes() == before and "Margaret Ellison" in _text(target)
    assert (tmp_path / "w" / ".register.json").is_file()


def test_summary_o_replace_overrides_the_register_and_takes_the_file_over(tmp_path):
    target = tmp_path / "a.pdf"
    assert _cli("summary", str(GOOD), "-o", str(target)).exit_code == 0
    assert _cli("summary", str(NOT_SUITABLE), "-o", str(target), "--replace").exit_code == 0
    assert "Margaret Ellison" not in _text(target)
    # the register now says whose it is: the first patient may not take it back unasked
    assert _cli("summary", str(GOOD), "-o", str(target)).exit_code == 1


def test_summary_o_replaces_the_same_patients_own_summary(tmp_path):
    target = tmp_path / "a.pdf"
    assert _cli("summary", str(GOOD), "-o", str(target)).exit_code == 0
    changed = _renamed(tmp_path, GOOD, "pain: 6", "pain: 7")
    result = _cli("summary", str(changed), "-o", str(target))
    assert result.exit_code == 0 and "warning" not in result.output


def test_a_file_of_unknown_owner_is_not_replaced_by_summary_o(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"somebody's own file")
    refused = _cli("summary", str(GOOD), "-o", str(target))
    assert refused.exit_code == 1 and "does not say whose it is" in refused.output
    assert "--replace" in refused.output and target.read_bytes() == b"somebody's own file"


def test_encrypted_summaries_follow_the_same_rule(tmp_path, monkeypatch):
    monkeypatch.setenv("PDF_PASSWORD", "violet-kettle-harbour-41")
    target = tmp_path / "a.pdf"
    assert _cli("summary", str(GOOD), "-o", str(target), "--password-env",
                "PDF_PASSWORD").exit_code == 0
    before = target.read_bytes()
    refused = _cli("summary", str(NOT_SUITABLE), "-o", str(target), "--password-env",
                   "PDF_PASSWORD")
    assert refused.exit_code == 1 and target.read_bytes() == before
    assert "Margaret Ellison" in _text(target, "violet-kettle-harbour-41")


# -- point 4: the folder's own names, and inputs, are never outputs ---------------------------

@pytest.mark.parametrize("name", ["manifest.csv", "manifest.csv.partial", "Manifest.CSV",
                                  ".register.json", ".lock", ".keep.tmp", "a.pdf.tmp"])
def test_the_folders_own_names_are_refused_as_outputs(tmp_path, name):
    result = _cli("summary", str(GOOD), "-o", str(tmp_path / name))
    assert result.exit_code == 2
    assert f"{tmp_path / name}: error: '{name}' is a name this tool keeps" in result.output
    assert list(tmp_path.iterdir()) == [], "nothing written, not even a lock"


def test_a_summary_never_writes_over_its_own_input(tmp_path):
    record = tmp_path / "record.yaml"
    record.write_text(GOOD.read_text())
    result = _cli("summary", str(record), "-o", str(record))
    assert result.exit_code == 2 and "the command's own input" in result.output
    assert record.read_text() == GOOD.read_text()


@pytest.mark.parametrize("name", ["manifest.csv", "manifest.csv.partial"])
def test_a_batch_input_that_the_batch_would_replace_is_refused_before_anything(tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    records = out / name
    records.write_text((PATIENTS / "clinic-day.csv").read_text())
    result = _cli("batch", str(records), "--out", str(out))
    assert result.exit_code == 2 and f"{records}: error: this input is in the batch's " \
        "output folder" in result.output
    assert [p.name for p in out.iterdir()] == [name]
    assert records.read_text() == (PATIENTS / "clinic-day.csv").read_text()


def test_a_summary_into_a_batch_folder_under_the_manifests_name_cannot_be_lost(tmp_path):
    """The issue's case: a summary written as ``manifest.csv.partial`` was later deleted."""
    out = tmp_path / "out"
    assert _cli("batch", str(PATIENTS / "clinic-day.csv"), "--out", str(out)).exit_code == 0
    result = _cli("summary", str(GOOD), "-o", str(out / "manifest.csv.partial"))
    assert result.exit_code == 2 and not (out / "manifest.csv.partial").exists()


# -- point 7: the same id and birth date under another name -----------------------------------

def _manifest(out: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text())))


def test_a_replacement_under_another_name_is_told_in_the_manifest_and_on_stderr(tmp_path):
    out = tmp_path / "out"
    day = tmp_path / "day.csv"
    day.write_text((PATIENTS / "clinic-day.csv").read_text())
    assert _cli("batch", str(day), "--out", str(out)).exit_code == 0
    first = _manifest(out)
    # a mistyped id equal to Ruth Okafor's, with her birth date and visit: "a corrected name"
    day.write_text(day.read_text().replace("Ruth Okafor,", "Lena Marsh,"))
    result = _cli("batch", str(day), "--out", str(out))
    assert result.exit_code == 0
    rows = _manifest(out)
    assert rows[0]["status"] == "name changed" and rows[0]["file"] == first[0]["file"]
    assert "under a different name" in rows[0]["message"]
    assert [r["status"] for r in rows[1:]] == [r["status"] for r in first[1:]]
    assert "1 summaries replaced a summary of the same record id and birth date" in \
        result.output
    assert "Lena" not in result.output and "Ruth" not in result.output
    # the same name again, however its case and spaces are typed, is no change
    day.write_text(day.read_text().replace("Lena Marsh,", "LENA  marsh,"))
    assert _cli("batch", str(day), "--out", str(out)).exit_code == 0
    assert _manifest(out)[0]["status"] == "ok"


def test_summary_warns_when_it_replaces_this_patients_summary_under_another_name(tmp_path):
    target = tmp_path / "a.pdf"
    assert _cli("summary", str(GOOD), "-o", str(target)).exit_code == 0
    other = _renamed(tmp_path, GOOD, "Margaret Ellison", "Marta Elms")
    result = _cli("summary", str(other), "-o", str(target))
    assert result.exit_code == 0
    assert f"{target}: warning: this replaced a summary written for the same record id" in \
        result.output and "Marta" not in result.output and "Margaret" not in result.output


def test_the_register_keeps_keyed_hashes_only(tmp_path):
    target = tmp_path / "a.pdf"
    assert _cli("summary", str(GOOD), "-o", str(target)).exit_code == 0
    text = (tmp_path / ".register.json").read_text()
    owners = json.loads(text)["owners"]
    assert set(owners) == {"a.pdf"} and set(owners["a.pdf"]) == {"patient", "name"}
    for secret in ("Margaret", "Ellison", "HK-10231", "1952"):
        assert secret not in text


def test_a_users_own_hidden_temporary_files_survive_a_summary_or_batch_in_their_folder(
        tmp_path):
    """The folder's lock removes what a killed writer of ours left, and nothing of anyone
    else's (before, every hidden ``*.tmp`` of a summaries folder was deleted)."""
    folder = tmp_path / "w"
    folder.mkdir()
    theirs = {".keep.tmp": b"mine", ".draft.abcd1234.tmp": b"an editor's"}
    for name, data in theirs.items():
        (folder / name).write_bytes(data)
    ours = folder / ".s-0123456789abcdef.pdf.x1y2z3w4.brochure.tmp"
    ours.write_bytes(b"%PDF- a killed run's")
    assert _cli("summary", str(GOOD), "-o", str(folder / "a.pdf")).exit_code == 0
    assert _cli("batch", str(PATIENTS / "clinic-day.csv"), "--out", str(folder)).exit_code == 0
    assert {name: (folder / name).read_bytes() for name in theirs} == theirs
    assert not ours.exists()
