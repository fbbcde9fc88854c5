"""One password rule (brochure/passwords.py) for the command line, the JSON API and the web
form: at least 10 characters, at most 127 bytes as AES-256 PDFs read them, nothing a PDF
password box cannot take, and hard to guess (tests/test_passwords.py); a bad one is a field
error (422) or exit 2, never quoted back."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from brochure.project import load_project
from brochure.web import create_app

from .conftest import PROJECT, run_cli
from .forms import as_downloaded
from .test_candidacy import BASE

BAD = {
    "short": "Qz9-pw",                # 6 characters
    "nine": "Qz9-pwxyz",              # 9
    "long": "Qz9-" + "p" * 124,       # 128 bytes
    "long in UTF-8": "Qz9-" + "é" * 62,  # 66 characters, 128 bytes
    "control": "Qz9-pw\nxyzabc",
    "private use": "Qz9-pw\ue000xyzabc",
    "mixed directions": "Qz9-pwשלוםxyz",
}
GOOD = {
    "ten": "Qz9-pwxyzq",
    "127 bytes": "Qz9-" + "k7Rm" * 30 + "xyz",
    "spaces": "four words in a row",
    "accented": "Qz9-éàüßç-pw",
    "Hebrew": "שמש-ירח-כוכב",
}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_project(PROJECT)))


def _token(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


@pytest.mark.parametrize("kind", BAD)
def test_the_api_refuses_a_bad_password_as_a_field_error_without_quoting_it(client, kind):
    password = BAD[kind]
    response = client.post("/api/summaries", json={**BASE, "password": password})
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["field"] == "password" and "at least 10 characters" in detail["msg"]
    assert "Qz9" not in response.text and password not in response.text


def test_the_api_documents_the_rule(client):
    body = client.get("/openapi.json").json()["paths"]["/api/summaries"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]  # the record's, and the password
    kinds = schema.get("oneOf", [schema])  # one a publication with summaries
    assert kinds and all("at least 10 characters" in kind["properties"]["password"]["description"]
                         for kind in kinds)


@pytest.mark.parametrize("kind", GOOD)
def test_a_good_password_opens_the_pdf(client, kind):
    password = GOOD[kind]
    response = client.post("/api/summaries", json={**BASE, "password": password})
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.is_encrypted and reader.decrypt(password)
    assert "Test Patient" in reader.pages[0].extract_text()


def test_the_form_shows_a_bad_password_beside_its_field_and_keeps_the_verdict(client):
    form = {**as_downloaded(client, {**{k: str(v) for k, v in BASE.items()},
                                     "csrf_token": _token(client)}), "password": BAD["short"]}
    page = client.post("/summary.pdf", data=form)
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    message = re.search(r'<p class="error" id="err-password" role="alert">([^<]+)</p>', page.text)
    assert message and "at least 10 characters" in message.group(1)
    assert 'aria-describedby="err-password"' in page.text
    assert 'id="verdict-label"' in page.text, "the result and its download form stay"
    assert "Qz9" not in page.text, "the password is not sent back"


def test_the_form_encrypts_with_a_good_password_and_without_one_does_not(client):
    form = as_downloaded(client, {**{k: str(v) for k, v in BASE.items()},
                                  "csrf_token": _token(client)})
    plain = client.post("/summary.pdf", data={**form, "password": ""})
    assert not PdfReader(io.BytesIO(plain.content)).is_encrypted
    locked = client.post("/summary.pdf", data={**form, "password": GOOD["ten"]})
    reader = PdfReader(io.BytesIO(locked.content))
    assert reader.is_encrypted and reader.decrypt(GOOD["ten"])


def test_the_command_line_follows_the_same_rule(tmp_path, monkeypatch):
    sample = PROJECT / "content" / "patients" / "good-candidate.yaml"
    for password in (BAD["short"], BAD["control"]):
        monkeypatch.setenv("TEST_PDF_PASSWORD", password)
        result = run_cli("summary", str(sample), "-o", str(tmp_path / "a.pdf"),
                         "--password-env", "TEST_PDF_PASSWORD")
        assert result.returncode == 2, result.stderr
        assert "TEST_PDF_PASSWORD" in result.stderr and "at least 10 characters" in result.stderr
        assert "Qz9" not in result.stdout + result.stderr
        assert "Traceback" not in result.stderr and not (tmp_path / "a.pdf").exists()
    monkeypatch.setenv("TEST_PDF_PASSWORD", GOOD["ten"])
    result = run_cli("summary", str(sample), "-o", str(tmp_path / "a.pdf"), "--password-env",
                     "TEST_PDF_PASSWORD")
    assert result.returncode == 0, result.stderr
    reader = PdfReader(tmp_path / "a.pdf")
    assert reader.is_encrypted and reader.decrypt(GOOD["ten"])
