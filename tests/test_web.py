"""The physician's web form and JSON API, through the framework's test client."""

from __future__ import annotations

import io
import logging
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from brochure.project import load_project
from brochure.web import create_app

from .conftest import PROJECT
from .forms import assessed_digest
from .test_candidacy import BASE


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_project(PROJECT)))


def form_token(client: TestClient) -> str:
    """The hidden token of the form page, as a browser would send it back."""
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def test_health(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "0.1.0", "rules_version": "2026.11-1"}
    assert response.headers["cache-control"] == "no-store"


def test_assess_returns_the_verdict_and_every_reason(client):
    response = client.post("/api/assess", json={**BASE, "bmi": 38})
    assert response.status_code == 200
    assert response.json() == {
        "verdict": "evaluation_needed", "label": "Possible option: a full evaluation comes first",
        "reasons": ["Extra weight puts more load on the knee. We will plan this together.",
                    "You have mild to moderate arthritis with some cartilage left."],
        "groups": [
            {"kind": "led_to_this", "heading": "What led to this",
             "verdict": "evaluation_needed",
             "label": "Possible option: a full evaluation comes first",
             "reasons": ["Extra weight puts more load on the knee. We will plan this together."]},
            {"kind": "in_your_favour", "heading": "In your favour", "verdict": None,
             "label": None,
             "reasons": ["You have mild to moderate arthritis with some cartilage left."]}],
        "overridden": False, "warnings": []}
    assert response.headers["cache-control"] == "no-store"


def test_assess_reports_an_override(client):
    body = {**BASE, "override_verdict": "less_likely", "override_reason": "Cost matters."}
    assert client.post("/api/assess", json=body).json()["overridden"] is True


@pytest.mark.parametrize("change, field", [({"pain": 11}, "pain"), ({"knee": "middle"}, "knee"),
                                          ({"pian": 3}, "pian"), ({"date_of_birth": "x"},
                                                                   "date_of_birth")])
def test_invalid_records_give_422_naming_the_field_without_echoing_it(client, change, field):
    response = client.post("/api/assess", json={**BASE, **change})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert field in [d["field"] for d in detail]
    assert '"input"' not in response.text


def test_missing_field_gives_422(client):
    body = {k: v for k, v in BASE.items() if k != "pain"}
    response = client.post("/api/summaries", json=body)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "pain"


def test_summaries_return_a_pdf_for_the_patient(client):
    response = client.post("/api/summaries", json={**BASE, "name": "Zoë Ramírez-Okafor"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "Zoë" not in response.headers["content-disposition"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Zoë Ramírez-Okafor" in text


def test_summaries_with_a_password_are_encrypted(client):
    response = client.post("/api/summaries", json={**BASE, "password": "maple-harbor-2931"})
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.is_encrypted and reader.decrypt("maple-harbor-2931")


def test_bodies_over_64_kb_are_refused(client):
    response = client.post("/api/assess", json={**BASE, "notes": "x" * 70_000})
    assert response.status_code == 413
    assert client.post("/", data={"notes": "x" * 70_000}).status_code == 413


def test_the_openapi_page_documents_the_api_offline(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/assess", "/api/summaries", "/api/health"} <= set(spec["paths"])
    assert "application/pdf" in spec["paths"]["/api/summaries"]["post"]["responses"]["200"][
        "content"]
    page = client.get("/docs")
    assert page.status_code == 200 and "/swagger/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text, "the page works without the internet"
    assert client.get("/swagger/swagger-ui-bundle.js").status_code == 200


def test_the_form_shows_the_verdict_reasons_and_a_download(client):
    page = client.get("/")
    assert page.status_code == 200 and 'name="pain"' in page.text
    for label in ("Patient", "Imaging", "Symptoms and treatment so far", "Conditions",
                  "Note to the patient", "Override (optional)"):
        assert f"<legend>{label}</legend>" in page.text
    form = {**{k: str(v) for k, v in BASE.items()}, "conditions": ["immunosuppressed"],
            "name": "<b>Zoë</b>", "csrf_token": form_token(client)}
    result = client.post("/", data=form)
    assert result.status_code == 200
    assert "Possible option: a full evaluation comes first" in result.text
    assert "Your medicines need a safety check before any procedure." in result.text
    assert "&lt;b&gt;Zoë&lt;/b&gt;" in result.text and "<b>Zoë</b>" not in result.text
    assert "Download &lt;b&gt;Zoë&lt;/b&gt;'s summary" in result.text
    pdf = client.post("/summary.pdf", data={**form, "assessed": assessed_digest(result.text),
                                            "password": ""})
    assert pdf.headers["content-type"] == "application/pdf"
    assert "<b>Zoë</b>" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def test_invalid_form_input_is_shown_beside_the_field_keeping_what_was_typed(client):
    form = {**{k: str(v) for k, v in BASE.items()}, "pain": "14", "name": "Kept Name",
            "csrf_token": form_token(client)}
    page = client.post("/", data=form)
    assert page.status_code == 422
    message = re.search(r'<p class="error" id="err-pain" role="alert">([^<]+)</p>', page.text)
    assert message and "10" in message.group(1), "the error says what is allowed"
    assert 'aria-describedby="err-pain"' in page.text
    assert 'value="Kept Name"' in page.text and 'value="14"' in page.text


def test_logs_carry_method_path_and_status_only(client, caplog):
    with caplog.at_level(logging.INFO, logger="brochure.web"):
        client.post("/api/assess", json={**BASE, "name": "Secret Person"})
    lines = [r.getMessage() for r in caplog.records if r.name == "brochure.web"]
    assert lines == ["POST /api/assess 200"]
