"""The audit trail (issue 18, point 2): every summary produced (a CLI run, a batch, the server)
appends one line without patient data to a hash-chained log; ``brochure audit verify`` finds
an edited, inserted, deleted or moved line and, against a kept HMAC, a cut tail."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from brochure import __version__
from brochure.audit import FIELDS, LOG, AuditLog, audit_dir, entry, os_user
from brochure.cli import main
from brochure.project import load_project
from brochure.web import create_app

from .conftest import PROJECT, ROOT

MARK = "QZXAUDIT"
PUBLICATION = "knee-stem-cell"


def _record(number: int, **changes) -> dict:
    """A valid record whose name, id and notes carry the marker."""
    record = dict(id=f"{MARK}-{number}", name=f"Ruth {MARK} Okafor", date_of_birth="1950-02-17",
                  visit_date="2026-11-05", knee="left", kl_grade=3, cartilage_grade=2, pain=6,
                  symptom_months=14, pt_weeks=8, notes=f"Walk daily. {MARK}")
    record.update(changes)
    return record


def _log() -> Path:
    return audit_dir(PROJECT) / LOG


def _lines() -> list[dict]:
    path = _log()
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _cli(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def _verify(*args: str):
    return _cli("audit", "verify", *args)


def _write(folder: Path, name: str, records: list[dict]) -> Path:
    path = folder / name
    path.write_text(json.dumps(records))
    return path


def _assert_no_patient_data(records: list[dict]) -> None:
    text = _log().read_text()
    assert MARK not in text and MARK.lower() not in text
    for record in records:
        for value in (record["id"], record["name"], record["date_of_birth"]):
            assert value not in text


# -- one line per summary ------------------------------------------------------------------

def test_a_batch_appends_one_line_per_written_summary(project, tmp_path):
    records = [_record(n) for n in range(3)] + [_record(9, pain="x")]  # the last one fails
    source = _write(tmp_path, "day.json", records)
    result = _cli("batch", str(source), "--out", str(tmp_path / "out"), "--root", str(project))
    assert result.exit_code == 1  # one row failed
    lines = _lines()
    assert len(lines) == 3
    files = sorted(p.stem for p in (tmp_path / "out").glob("*.pdf"))
    assert sorted(line["token"] for line in lines) == files
    for line in lines:
        assert list(line) == [*FIELDS, "prev", "hmac"]
        assert (line["kind"], line["user"], line["publication"]) == ("batch", os_user(),
                                                                     PUBLICATION)
        assert (line["verdict"], line["override"], line["encrypted"]) == ("good", False, False)
        assert line["version"] == __version__ and line["time"].endswith("+00:00")
    _assert_no_patient_data(records)
    assert _verify().exit_code == 0


def test_a_cli_summary_appends_its_line_with_override_and_encryption(project, tmp_path,
                                                                      monkeypatch):
    record = _record(1, override_verdict="less_likely", override_reason=f"Cost. {MARK}")
    source = _write(tmp_path, "one.json", [record])
    monkeypatch.setenv("AUDIT_PDF_PASSWORD", "violet-harbour-quilt-1987")
    result = _cli("summary", str(source), "--root", str(project), "--password-env",
                  "AUDIT_PDF_PASSWORD")
    assert result.exit_code == 0, result.output
    [line] = _lines()
    written = next((project / "output" / "summaries").glob("s-*.pdf"))
    assert (line["kind"], line["user"], line["token"]) == ("cli", os_user(), written.stem)
    assert (line["verdict"], line["override"], line["encrypted"]) == ("less_likely", True, True)
    _assert_no_patient_data([record])


def test_a_refused_summary_appends_nothing(project, tmp_path):
    """Another patient's file under -o is not replaced: no summary, so no line."""
    first = _write(tmp_path, "a.json", [_record(1)])
    other = _write(tmp_path, "b.json", [_record(2, date_of_birth="1961-01-01")])
    target = tmp_path / "w" / "a.pdf"
    assert _cli("summary", str(first), "-o", str(target), "--root", str(project)).exit_code == 0
    assert _cli("summary", str(other), "-o", str(target), "--root", str(project)).exit_code == 1
    assert len(_lines()) == 1


def _hidden_fields(page: str) -> dict:
    return {html.unescape(name): html.unescape(value) for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)}


def test_the_server_appends_a_line_before_each_pdf_it_hands_out(project):
    app = create_app(load_project(project))

    @app.middleware("http")
    async def signed_in(request, call_next):  # as the log-in does, for /api only here
        if request.url.path.startswith("/api/"):
            request.state.user = "dr-marlow"
        return await call_next(request)

    client = TestClient(app)
    record = _record(1)
    assert client.post("/api/summaries", json=record).status_code == 200
    assert client.post("/api/summaries", json={**record, "pain": 99}).status_code == 422
    form = {k: str(v) for k, v in _record(2).items()}
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    assessed = client.post("/", data={**form, "csrf_token": token})
    pdf = client.post("/summary.pdf", data={**form, **_hidden_fields(assessed.text),
                                            "password": ""})
    assert pdf.headers["content-type"] == "application/pdf"
    lines = _lines()
    assert [(line["kind"], line["user"]) for line in lines] == [("server", "dr-marlow"),
                                                                ("server", "loopback")]
    assert all(re.fullmatch(r"s-[0-9a-f]{16}", line["token"]) for line in lines)
    _assert_no_patient_data([record, _record(2)])
    assert _verify("--root", str(project)).exit_code == 0


# -- a log that cannot take the line -------------------------------------------------------

@pytest.fixture
def unwritable(tmp_path, monkeypatch) -> Path:
    """A state folder that cannot be made (a file where it should be)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("BROCHURE_STATE", str(blocker))
    return blocker


def test_no_summary_is_written_when_its_line_cannot_be(project, tmp_path, unwritable):
    source = _write(tmp_path, "one.json", [_record(1)])
    result = _cli("summary", str(source), "-o", str(tmp_path / "x.pdf"), "--root", str(project))
    assert result.exit_code == 1
    assert f"{unwritable / 'audit'}: error: cannot write the audit log (Not a directory)" in \
        result.output
    assert not (tmp_path / "x.pdf").exists()
    result = _cli("batch", str(source), "--out", str(tmp_path / "out"), "--root", str(project))
    assert result.exit_code == 1 and "cannot write the audit log" in result.output
    assert not list((tmp_path / "out").glob("*.pdf"))
    assert "not rendered" in (tmp_path / "out" / "manifest.csv").read_text()


def test_the_server_answers_503_when_the_log_cannot_take_the_line(project, unwritable):
    client = TestClient(create_app(load_project(project)))
    response = client.post("/api/summaries", json=_record(1))
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/plain")
    assert "audit log" in response.text and MARK not in response.text


# -- two processes at once -----------------------------------------------------------------

@pytest.mark.process
def test_two_batches_at_once_share_one_intact_log(project, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    runs = []
    for name in ("a", "b"):
        source = _write(tmp_path, f"{name}.json", [_record(n, id=f"{name.upper()}-{n}")
                                                   for n in range(20)])
        runs.append(subprocess.Popen(
            [sys.executable, "-m", "brochure", "batch", str(source), "--out",
             str(tmp_path / name), "--root", str(project)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    lines = _lines()
    assert len(lines) == 40
    assert len({line["token"] for line in lines}) == 40
    result = _verify()
    assert result.exit_code == 0 and "40 lines, chain intact" in result.output


HAMMER = """
import sys
from brochure.audit import AuditLog, entry
with AuditLog(".") as log:
    for n in range(int(sys.argv[1])):
        log.append(entry("cli", "hammer", "knee-stem-cell", "good", False, False, f"s-{n}"))
"""


@pytest.mark.process
def test_appends_from_many_processes_are_locked_and_whole(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    hammers = [subprocess.Popen([sys.executable, "-c", HAMMER, "150"], cwd=tmp_path, env=env)
               for _ in range(4)]
    assert [hammer.wait(timeout=120) for hammer in hammers] == [0] * 4
    assert len(_lines()) == 600
    assert _verify().exit_code == 0


# -- verify ---------------------------------------------------------------------------------

@pytest.fixture
def log_of_five() -> list[str]:
    """An audit log of five lines; its lines as text."""
    with AuditLog(PROJECT) as log:
        for n in range(5):
            log.append(entry("batch", "clerk", PUBLICATION, "good", False, False, f"s-{n:016x}"))
    return _log().read_text().splitlines(keepends=True)


def _rewrite(lines: list[str]) -> None:
    _log().write_text("".join(lines))


def _fails_at(number: int, words: str) -> None:
    result = _verify()
    assert result.exit_code == 1
    assert f"{_log()}:{number}: error: line {number} " in result.output, result.output
    assert words in result.output, result.output


def test_verify_passes_and_prints_the_last_hmac(log_of_five):
    result = _verify()
    assert result.exit_code == 0
    assert f"last HMAC: {json.loads(log_of_five[-1])['hmac']}" in result.output


def test_an_edited_line_is_found(log_of_five):
    log_of_five[2] = log_of_five[2].replace('"verdict":"good"', '"verdict":"not_suitable"')
    _rewrite(log_of_five)
    _fails_at(3, "was edited")


def test_a_deleted_line_is_found(log_of_five):
    del log_of_five[1]
    _rewrite(log_of_five)
    _fails_at(2, "a line before it was deleted")


def test_a_deleted_first_line_is_found(log_of_five):
    _rewrite(log_of_five[1:])
    _fails_at(1, "a line before it was deleted")


def test_an_inserted_line_is_found(log_of_five):
    forged = json.loads(log_of_five[1])
    forged.update(token="s-feedfeedfeedfeed", prev=json.loads(log_of_five[1])["hmac"])
    log_of_five.insert(2, json.dumps(forged, separators=(",", ":")) + "\n")
    _rewrite(log_of_five)
    _fails_at(3, "was inserted")


def test_a_copied_line_is_found(log_of_five):
    log_of_five.insert(2, log_of_five[1])
    _rewrite(log_of_five)
    _fails_at(3, "was inserted")


def test_lines_out_of_order_are_found(log_of_five):
    log_of_five[1], log_of_five[2] = log_of_five[2], log_of_five[1]
    _rewrite(log_of_five)
    _fails_at(2, "out of order")


def test_a_line_of_garbage_is_found(log_of_five):
    log_of_five.insert(4, "not json\n")
    _rewrite(log_of_five)
    _fails_at(5, "not an audit line")


def test_expect_last_catches_a_cut_tail(log_of_five):
    kept = json.loads(log_of_five[-1])["hmac"]
    assert _verify("--expect-last", kept).exit_code == 0
    _rewrite(log_of_five[:-2])
    assert _verify().exit_code == 0  # a cut tail leaves an intact chain ...
    result = _verify("--expect-last", kept)  # ... that the kept HMAC shows
    assert result.exit_code == 1
    assert f"{_log()}: error: the HMAC expected is not in the log: lines were cut" in \
        result.output


def test_expect_last_passes_when_lines_were_added_since(log_of_five):
    kept = json.loads(log_of_five[2])["hmac"]
    result = _verify("--expect-last", kept)
    assert result.exit_code == 0 and "2 lines were added after it" in result.output
    assert _verify("--expect-last", "nothex").exit_code == 2


def test_verify_without_the_key_says_so(log_of_five, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    result = _verify()
    assert result.exit_code == 1 and "the audit key is missing" in result.output
    assert not (tmp_path / "elsewhere").exists()  # not made anew


def test_a_torn_last_line_is_cut_by_the_next_append(log_of_five):
    _rewrite([*log_of_five, log_of_five[0][:40]])  # a write torn by a crash
    with AuditLog(PROJECT) as log:
        log.append(entry("cli", "clerk", PUBLICATION, "good", False, False, "s-0"))
    assert len(_lines()) == 6 and _verify().exit_code == 0


def test_a_last_line_without_its_end_of_line_is_kept(log_of_five):
    _rewrite([*log_of_five[:-1], log_of_five[-1].rstrip("\n")])
    with AuditLog(PROJECT) as log:
        log.append(entry("cli", "clerk", PUBLICATION, "good", False, False, "s-0"))
    assert len(_lines()) == 6 and _verify().exit_code == 0


# -- list -----------------------------------------------------------------------------------

def test_list_shows_a_table_and_filters_by_user_and_date(log_of_five):
    with AuditLog(PROJECT) as log:
        log.append(entry("cli", "dr-okoye", PUBLICATION, "less_likely", True, True, "s-1"))
    table = _cli("audit", "list").output.splitlines()
    assert table[0].split() == ["TIME", "KIND", "USER", "PUBLICATION", "VERDICT", "OVERRIDE",
                                "ENCRYPTED", "TOKEN"]
    assert len(table) == 7 and table[-1].split()[1:] == [
        "cli", "dr-okoye", PUBLICATION, "less_likely", "yes", "yes", "s-1"]
    mine = _cli("audit", "list", "--user", "dr-okoye", "--json").output.splitlines()
    assert [json.loads(line)["token"] for line in mine] == ["s-1"]
    assert mine[0] == _log().read_text().splitlines()[-1]
    assert len(_cli("audit", "list", "--since", "2000-01-01").output.splitlines()) == 7
    assert len(_cli("audit", "list", "--since", "2999-01-01").output.splitlines()) == 1


def test_no_log_yet_is_said_and_not_an_error():
    result = _verify()
    assert result.exit_code == 0 and "no audit log yet" in result.output
    assert _verify("--expect-last", "a" * 64).exit_code == 1
