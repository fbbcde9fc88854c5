"""A download from the form is the patient on screen: after Assess, the Download button sends
the fields on screen with a digest of the record that was assessed, and fields changed since
(the next patient typed over the last) are refused with a page saying to assess again, never
answered with the previous patient's PDF. Without script (plain form posts through the test
client) and with it (Chromium)."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from brochure.project import load_project
from brochure.web import create_app
from brochure.web.assessed import STALE

from .conftest import PROJECT
from .pdf import texts as pdf_texts
from .test_browser import (  # the server and browser fixtures: one of each for this module
    _assert_no_violations,
    _watched,
    browser,  # noqa: F401
    server,  # noqa: F401
)
from .test_candidacy import BASE

FIRST = "Margaret Ellison"
NEXT = "Tomás O'Neill"
A = {**{k: str(v) for k, v in BASE.items()}, "name": FIRST, "id": "T-101"}
B = {**A, "name": NEXT, "id": "T-102", "pain": "8"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_project(PROJECT)))


def _token(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def _digest(page: str) -> str:
    return re.search(r'name="assessed" value="([^"]+)"', page).group(1)


def _text(pdf: bytes) -> str:
    return pdf_texts(pdf)[0]


def test_without_script_a_download_of_fields_changed_since_assess_is_refused(client):
    token = _token(client)
    assessed = client.post("/", data={**A, "csrf_token": token})
    assert assessed.status_code == 200
    assert f"Download {FIRST}'s summary" in assessed.text
    digest = _digest(assessed.text)
    for sent in ({**B, "assessed": digest}, {**A, "pain": "8", "assessed": digest}, A):
        stale = client.post("/summary.pdf", data={**sent, "csrf_token": token})
        assert stale.status_code == 409 and stale.headers["content-type"].startswith("text/html")
        assert STALE in html.unescape(stale.text), "the page says why"
        assert 'id="err-assess" role="alert"' in stale.text
        assert 'aria-describedby="err-assess"' in stale.text
        assert 'id="download"' not in stale.text and "%PDF" not in stale.text
        assert f'value="{sent["name"]}"' in html.unescape(stale.text), "what was typed stays"
    download = client.post("/summary.pdf", data={**A, "assessed": digest, "csrf_token": token})
    assert download.headers["content-type"] == "application/pdf"
    assert f"Prepared for: {FIRST}" in _text(download.content)


def test_the_download_button_names_the_patient_escaped(client):
    page = client.post("/", data={**B, "name": "<b>Zoë</b>", "csrf_token": _token(client)}).text
    button = re.search(r'<button type="submit" id="download"[^>]*>([^<]*)</button>', page)
    assert button and html.unescape(button.group(1)) == "Download <b>Zoë</b>'s summary"
    assert "<b>Zoë</b>" not in page


@pytest.mark.process
@pytest.mark.browser
def test_with_script_a_download_of_fields_changed_since_assess_is_refused(
        server, browser, tmp_path):  # noqa: F811
    page = _watched(browser, accept_downloads=True)
    downloads: list = []
    page.on("download", lambda download: downloads.append(download))
    page.goto(server)
    _fill(page, A)
    page.locator("#assess").click()
    page.wait_for_selector("#result")
    assert page.locator("#download").inner_text() == f"Download {FIRST}'s summary"
    _fill(page, B)  # the next patient, typed over the first, without Assess
    page.locator("#download").click()
    page.locator("#err-assess").wait_for()
    assert STALE in page.locator("#form-errors").inner_text()
    assert page.locator("#download").count() == 0 and downloads == []
    assert page.get_by_label("Name, as the patient writes it").input_value() == NEXT
    page.locator("#assess").click()
    page.wait_for_selector("#result")
    assert page.locator("#download").inner_text() == f"Download {NEXT}'s summary"
    with page.expect_download() as download:
        page.locator("#download").click()
    pdf = tmp_path / "next.pdf"
    download.value.save_as(pdf)
    text = _text(pdf.read_bytes())
    assert f"Prepared for: {NEXT}" in text and FIRST not in text
    _assert_no_violations(page)


def _fill(page, fields: dict) -> None:
    """The patient's fields, typed by label as staff do."""
    page.get_by_label("Name, as the patient writes it").fill(fields["name"])
    page.get_by_label("Record number").fill(fields["id"])
    page.get_by_label("Date of birth").fill(fields["date_of_birth"])
    page.get_by_label("Visit date").fill(fields["visit_date"])
    page.get_by_label("Knee", exact=True).select_option(fields["knee"])
    page.get_by_label("Pain today (0 = none, 10 = worst)").fill(fields["pain"])
    page.get_by_label("Months with symptoms").fill(fields["symptom_months"])
