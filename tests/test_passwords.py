"""A summary's password: named by ``--password-env`` (a variable's name, never the password,
and a mistyped one is never printed back), at least 10 characters and 127 bytes, and hard to
guess (zxcvbn's score of at least 3, the patient's own name, id and birth date counted as the
first guesses). The same rule at the command line, in a batch, in the JSON API and in the web
form; a refusal says why in zxcvbn's words and never quotes the password, the name or the
birth date."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import logging
import re
import threading
from pathlib import Path
from unittest import mock

import pytest
import zxcvbn.matching
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from brochure import passwords
from brochure.cli import main
from brochure.passwords import MIN_SCORE, password_problem, personal_inputs
from brochure.project import load_project
from brochure.web import create_app

from .conftest import PROJECT, examples
from .forms import as_downloaded
from .test_candidacy import BASE

SAMPLE = PROJECT / "content" / "patients" / "good-candidate.yaml"  # Margaret Ellison, 1952-06-14
NAME, RECORD_ID, BORN = "Margaret Ellison", "HK-10231", dt.date(1952, 6, 14)
PERSONAL = {"Margaret", "Ellison", "1952-06-14", "14/06/1952", "06/14/1952", "14061952"}
STRONG = "maple-harbor-2931"
WEAK = ["aaaaaaaaaa", "1111111111", "qwertyuiop", "password123", "abcdefghij"]
OWN = {  # each strong enough for someone else, easy for Margaret Ellison born 1952-06-14
    "surname and year": "Ellison-1952",
    "birth date and a word": "14/06/1952 ok",
    "id and year": "HK-10231-1952",
    "first and last name": "margaret.ellison",
    "last and first name": "Ellison-Margaret",
    "name and birth date": "margaret-14-06-1952",
    "name and birthday": "Margaret-06-14",
    "l33t surname and year": "E11i50n-1952",
}
MISTYPED = "S3cret-Horse!"


def _cli(*args: str) -> tuple[int, str]:
    """Run the real command in this process; its exit code and everything it printed."""
    result = CliRunner().invoke(main, [*args, "--root", str(PROJECT)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def _summary(tmp_path: Path, variable: str, record: Path = SAMPLE) -> tuple[int, str]:
    return _cli("summary", str(record), "-o", str(tmp_path / "a.pdf"), "--password-env",
                variable)


def _quotes_nothing_secret(text: str, password: str) -> None:
    assert password not in text
    for secret in PERSONAL:
        assert secret not in text, secret


def _opens_with(pdf: Path | bytes, password: str) -> str:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    assert reader.is_encrypted and reader.decrypt(password)
    return reader.pages[0].extract_text()


# -- point 10: --password-env names a variable ------------------------------------------------

@pytest.mark.parametrize("command", ["summary", "batch"])
def test_a_password_given_instead_of_a_variable_name_is_never_printed(tmp_path, monkeypatch,
                                                                      command):
    monkeypatch.delenv(MISTYPED, raising=False)
    if command == "summary":
        code, output = _summary(tmp_path, MISTYPED)
    else:
        code, output = _cli("batch", str(SAMPLE), "--out", str(tmp_path / "out"),
                            "--password-env", MISTYPED)
    assert code == 2
    assert MISTYPED not in output
    assert "the environment variable named by --password-env is not set" in output
    assert "NAME of a variable" in output and "not the password itself" in output
    assert not list(tmp_path.rglob("*.pdf"))


def test_a_variable_set_but_empty_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PDF_PASSWORD", "")
    code, output = _summary(tmp_path, "PDF_PASSWORD")
    assert code == 2 and "environment variable PDF_PASSWORD is empty" in output


@pytest.mark.parametrize("password", ["Qz9-pw", "aaaaaaaaaa"])
def test_a_variable_holding_a_bad_password_is_named_but_the_password_is_not(tmp_path,
                                                                          monkeypatch, password):
    monkeypatch.setenv("PDF_PASSWORD", password)
    code, output = _summary(tmp_path, "PDF_PASSWORD")
    assert code == 2 and "environment variable PDF_PASSWORD:" in output
    _quotes_nothing_secret(output, password)
    assert not (tmp_path / "a.pdf").exists()


def test_a_password_typed_as_an_extra_argument_is_not_printed(tmp_path):
    code, output = _cli("summary", str(SAMPLE), MISTYPED)
    assert code == 2 and "unexpected extra argument" in output
    assert MISTYPED not in output


def test_a_bad_token_key_is_never_quoted(tmp_path, monkeypatch):
    monkeypatch.setenv("BROCHURE_TOKEN_KEY", "not-a-key-but-a-Secret-Passphrase")
    code, output = _cli("summary", str(SAMPLE), "-o", str(tmp_path / "a.pdf"))
    assert code == 2 and "BROCHURE_TOKEN_KEY is not a usable key" in output
    assert "Secret-Passphrase" not in output


# -- point 12: weak passwords, at the command line ----------------------------------------------

@pytest.mark.parametrize("password", WEAK)
def test_the_command_line_refuses_a_weak_password_saying_why(tmp_path, monkeypatch, password):
    monkeypatch.setenv("PDF_PASSWORD", password)
    code, output = _summary(tmp_path, "PDF_PASSWORD")
    assert code == 2, output
    assert "easy to guess" in output and "Add another word or two" in output
    _quotes_nothing_secret(output, password)
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.parametrize("kind", OWN)
def test_the_command_line_refuses_a_password_made_of_the_patients_own_data(tmp_path,
                                                                           monkeypatch, kind):
    password = OWN[kind]
    assert password_problem(password) is None, "strong for anyone else"
    monkeypatch.setenv("PDF_PASSWORD", password)
    code, output = _summary(tmp_path, "PDF_PASSWORD")
    assert code == 2, output
    assert "easy to guess" in output and "name, record id or birth date" in output
    _quotes_nothing_secret(output, password)
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.parametrize("password", [STRONG, "correct horse battery staple " * 4 + "ok!"])
def test_a_strong_password_still_encrypts_the_summary(tmp_path, monkeypatch, password):
    assert len(password.encode()) <= 127
    monkeypatch.setenv("PDF_PASSWORD", password)
    code, output = _summary(tmp_path, "PDF_PASSWORD")
    assert code == 0, output
    assert NAME in _opens_with(tmp_path / "a.pdf", password)
    _quotes_nothing_secret(output, password)


# -- in a batch -------------------------------------------------------------------------------

def _day(tmp_path: Path) -> Path:
    """Two patients: Margaret Ellison (row 2) and Ruth Okafor (row 3)."""
    path = tmp_path / "day.csv"
    path.write_text("id,name,date_of_birth,visit_date,knee,kl_grade,pain,symptom_months\n"
                    f"{RECORD_ID},{NAME},{BORN},2026-11-02,right,3,6,14\n"
                    "HK-20002,Ruth Okafor,1961-03-09,2026-11-02,left,3,6,14\n")
    return path


def test_a_batch_refuses_a_password_weak_for_anyone_before_writing_anything(tmp_path,
                                                                           monkeypatch):
    monkeypatch.setenv("PDF_PASSWORD", "1111111111")
    out = tmp_path / "out"
    code, output = _cli("batch", str(_day(tmp_path)), "--out", str(out), "--password-env",
                        "PDF_PASSWORD")
    assert code == 2 and "easy to guess" in output
    _quotes_nothing_secret(output, "1111111111")
    assert not list(tmp_path.rglob("*.pdf")) and not (out / "manifest.csv").exists()


def test_a_batch_refuses_only_the_row_whose_own_data_makes_the_password_weak(tmp_path,
                                                                            monkeypatch):
    password = OWN["surname and year"]
    monkeypatch.setenv("PDF_PASSWORD", password)
    out, day = tmp_path / "out", _day(tmp_path)
    code, output = _cli("batch", str(day), "--out", str(out), "--password-env", "PDF_PASSWORD")
    assert code == 1, output
    manifest = (out / "manifest.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(manifest)))
    assert [(r["id"], r["status"]) for r in rows[:2]] == [(RECORD_ID, "error"),
                                                          ("HK-20002", "ok")]
    assert rows[0]["message"].startswith(f"{day}:2:1: error: ")
    assert "easy to guess" in rows[0]["message"] and "name, record id" in rows[0]["message"]
    assert not rows[0]["file"]
    assert "Ruth Okafor" in _opens_with(out / rows[1]["file"], password)
    for text in (output, manifest):
        _quotes_nothing_secret(text, password)


# -- in the JSON API and the web form ---------------------------------------------------------

RECORD = {**BASE, "id": RECORD_ID, "name": NAME, "date_of_birth": BORN.isoformat()}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_project(PROJECT)))


def _token(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def _logged(caplog) -> str:
    return "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("password", [*WEAK, *OWN.values()])
def test_the_api_refuses_a_weak_password_as_a_field_error_saying_why(client, caplog, password):
    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/summaries", json={**RECORD, "password": password})
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["field"] == "password" and "easy to guess" in detail["msg"]
    if password in OWN.values():
        assert "name, record id or birth date" in detail["msg"]
    _quotes_nothing_secret(response.text + _logged(caplog), password)


def test_the_api_encrypts_with_a_strong_password(client, caplog):
    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/summaries", json={**RECORD, "password": STRONG})
    assert response.status_code == 200
    assert NAME in _opens_with(response.content, STRONG)
    assert STRONG not in _logged(caplog)


def test_the_api_documents_the_strength_rule(client):
    body = client.get("/openapi.json").json()["paths"]["/api/summaries"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]  # the record's, and the password
    kinds = schema.get("oneOf", [schema])  # one a publication with summaries
    assert kinds and all("hard to guess" in kind["properties"]["password"]["description"]
                         for kind in kinds)


@pytest.mark.parametrize("password", ["aaaaaaaaaa", OWN["name and birth date"]])
def test_the_form_shows_a_weak_password_beside_its_field_saying_why(client, caplog, password):
    form = {**as_downloaded(client, {**{k: str(v) for k, v in RECORD.items()},
                                     "csrf_token": _token(client)}), "password": password}
    with caplog.at_level(logging.DEBUG):
        page = client.post("/summary.pdf", data=form)
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    found = re.search(r'<p class="error" id="err-password" role="alert">([^<]+)</p>', page.text)
    assert found and "easy to guess" in html.unescape(found.group(1))
    _quotes_nothing_secret(html.unescape(found.group(1)) + _logged(caplog), password)
    assert password not in page.text and 'id="verdict-label"' in page.text


def test_the_form_encrypts_with_a_strong_password(client):
    form = as_downloaded(client, {**{k: str(v) for k, v in RECORD.items()},
                                  "csrf_token": _token(client)})
    response = client.post("/summary.pdf", data={**form, "password": STRONG})
    assert response.status_code == 200 and NAME in _opens_with(response.content, STRONG)


# -- the rule itself --------------------------------------------------------------------------

def test_the_minimum_score_is_zxcvbns_3_of_4():
    assert MIN_SCORE == 3


def test_a_birth_date_is_given_to_zxcvbn_in_the_forms_people_write_it():
    inputs = personal_inputs(NAME, RECORD_ID, BORN)
    for form in ("1952-06-14", "14/06/1952", "06/14/1952", "14061952", "19520614", "1952",
                 "margaret", "ellison", "hk-10231"):
        assert form in inputs, form


def test_zxcvbn_keeps_no_patient_data_between_calls():
    assert password_problem(OWN["surname and year"], personal_inputs(NAME, RECORD_ID, BORN))
    assert not zxcvbn.matching.RANKED_DICTIONARIES.get("user_inputs")


def test_checks_in_parallel_threads_use_their_own_patients_data():
    """zxcvbn keeps a call's user inputs in a module global: two requests at once must not
    check one password against the other patient's data."""
    mine = personal_inputs(NAME, RECORD_ID, BORN)
    other = personal_inputs("Ruth Okafor", "HK-20002", dt.date(1961, 3, 9))
    failures = []

    def check(inputs, expected_weak):
        for _ in range(150):
            if bool(password_problem(OWN["surname and year"], inputs)) != expected_weak:
                failures.append(expected_weak)
    threads = [threading.Thread(target=check, args=(mine, True)),
               threading.Thread(target=check, args=(other, False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


PIECES = st.sampled_from(["margaret", "Ellison", "E11i50n", "m4rg4ret", "1952", "14/06/1952",
                          "hk-10231", "10231", "nosillE", "-", ".", "harbor", "Qz9", "7", "!"])


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=6).map("".join).filter(lambda p: len(p) >= 10))
def test_skipping_inputs_that_cannot_match_never_changes_the_verdict(password):
    """The check passes the patient's data to zxcvbn only when part of the password could
    match it (in any case, reversed, or with l33t substitutions): the same verdict as always
    passing it."""
    inputs = personal_inputs(NAME, RECORD_ID, BORN)
    quick = password_problem(password, inputs)
    with mock.patch.object(passwords, "_may_match", lambda *args: True):
        assert password_problem(password, inputs) == quick


@settings(max_examples=examples(150), deadline=None)
@given(name=st.text(min_size=1, max_size=40), record_id=st.text(min_size=1, max_size=20),
       born=st.dates(dt.date(1900, 1, 1), dt.date(2026, 1, 1)),
       password=st.text(min_size=10, max_size=60))
def test_any_password_and_any_patient_get_an_answer_that_quotes_neither(name, record_id, born,
                                                                        password):
    problem = password_problem(password, personal_inputs(name, record_id, born))
    if problem and "the password is easy to guess" in problem:
        assert password not in problem and born.isoformat() not in problem
