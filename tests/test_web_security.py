"""The web server's defences, through real HTTP requests (the FastAPI test client): security
headers on every response, cross-site form posts refused, JSON only on the API, an unknown
physician a field error everywhere, and hostile requests answered with a clear status."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi.testclient import TestClient

from brochure.project import load_project
from brochure.web import create_app

from .conftest import PROJECT
from .forms import as_downloaded
from .test_candidacy import BASE

FORM = {k: str(v) for k, v in BASE.items()}
OWN = "http://testserver"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(load_project(PROJECT)), raise_server_exceptions=False)


def _token(client: TestClient) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def _directives(policy: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in policy.split(";")}


def _every_kind_of_response(client: TestClient):
    """One request for each kind of answer the server gives."""
    token = _token(client)
    return {
        "form page": client.get("/"),
        "form result": client.post("/", data={**FORM, "csrf_token": token}),
        "form 422": client.post("/", data={**FORM, "pain": "x", "csrf_token": token}),
        "form 403": client.post("/", data=FORM),
        "form 415": client.post("/", json=BASE),
        "pdf download": client.post("/summary.pdf", data=as_downloaded(
            client, {**FORM, "csrf_token": token})),
        "api json": client.post("/api/assess", json=BASE),
        "api pdf": client.post("/api/summaries", json=BASE),
        "api 422": client.post("/api/assess", json={**BASE, "pain": 11}),
        "api 415": client.post("/api/assess", content=json.dumps(BASE)),
        "api 413": client.post("/api/assess", json={**BASE, "notes": "x" * 70_000}),
        "health": client.get("/api/health"),
        "openapi": client.get("/openapi.json"),
        "docs": client.get("/docs"),
        "static": client.get("/static/style.css"),
        "swagger asset": client.get("/swagger/swagger-ui-bundle.js"),
        "404": client.get("/nothing-here"),
        "405": client.delete("/api/assess"),
    }


def test_every_response_carries_the_security_headers(client):
    for kind, response in _every_kind_of_response(client).items():
        headers = response.headers
        policy = _directives(headers.get("content-security-policy", ""))
        assert policy.get("default-src") == "'self'", kind
        assert policy.get("frame-ancestors") == "'none'", kind
        assert policy.get("form-action") == "'self'", kind
        assert policy.get("base-uri") == "'none'" and policy.get("object-src") == "'none'", kind
        assert "script-src" not in policy and "style-src" not in policy, \
            f"{kind}: scripts and styles from this server only, none inline"
        assert "unsafe-inline" not in headers["content-security-policy"], kind
        assert headers.get("x-content-type-options") == "nosniff", kind
        assert headers.get("referrer-policy") == "no-referrer", kind
        assert headers.get("cache-control") == "no-store", kind


def test_only_the_docs_page_may_show_data_images(client):
    assert _directives(client.get("/docs").headers["content-security-policy"])["img-src"] == \
        "'self' data:"
    assert "img-src" not in _directives(client.get("/").headers["content-security-policy"])


def test_the_docs_page_runs_no_inline_script(client):
    page = client.get("/docs").text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts)
    assert "style=" not in page and "<style" not in page


def test_our_pages_have_no_inline_script_or_style(client):
    token = _token(client)
    for page in (client.get("/").text, client.post("/", data={**FORM, "csrf_token": token}).text):
        assert "<script" not in page and "style=" not in page and "<style" not in page
        assert not re.search(r"\son[a-z]+=", page), "no inline event handlers"


# --- cross-site request forgery ---------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/summary.pdf"])
def test_a_form_post_without_the_token_is_refused(client, path):
    for form in (FORM, {**FORM, "csrf_token": ""}, {**FORM, "csrf_token": "guess"}):
        response = client.post(path, data={**form, "name": "Marker Person"})
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/plain")
        assert "forbidden" in response.text and "Marker" not in response.text


@pytest.mark.parametrize("path", ["/", "/summary.pdf"])
@pytest.mark.parametrize("headers", [
    {"origin": "http://evil.example"},
    {"origin": "http://testserver:8001"},
    {"origin": "https://testserver"},
    {"origin": "null"},
    {"origin": "null", "sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "same-site"},
    {"origin": OWN, "sec-fetch-site": "cross-site"},
])
def test_a_form_post_from_another_origin_is_refused_even_with_the_token(client, path, headers):
    response = client.post(path, data={**FORM, "csrf_token": _token(client)}, headers=headers)
    assert response.status_code == 403 and "forbidden" in response.text


@pytest.mark.parametrize("headers", [
    {},  # no Origin: an old browser, or a script on this machine, with the token
    {"origin": OWN},
    {"origin": OWN, "sec-fetch-site": "same-origin"},
    {"origin": "null", "sec-fetch-site": "same-origin"},  # our page under no-referrer
])
def test_a_form_post_from_our_own_page_is_served(client, headers):
    token = _token(client)
    assert client.post("/", data={**FORM, "csrf_token": token}, headers=headers).status_code == 200
    download = client.post("/summary.pdf", headers=headers,
                           data=as_downloaded(client, {**FORM, "csrf_token": token}))
    assert download.headers["content-type"] == "application/pdf"


def test_the_token_is_one_per_server_process():
    first = TestClient(create_app(load_project(PROJECT)))
    second = TestClient(create_app(load_project(PROJECT)))
    assert _token(first) == _token(first) != _token(second)
    assert len(_token(first)) >= 40
    assert second.post("/", data={**FORM, "csrf_token": _token(first)}).status_code == 403


# --- content types ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/assess", "/api/summaries"])
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/xml",
                                          "application/jsonx", "application/ld+json"])
def test_the_api_takes_json_only(client, path, content_type):
    headers = {} if content_type is None else {"content-type": content_type}
    response = client.post(path, content=json.dumps(BASE).encode(), headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON"])
def test_json_with_any_spelling_of_its_type_is_served(client, content_type):
    response = client.post("/api/assess", content=json.dumps(BASE).encode(),
                           headers={"content-type": content_type})
    assert response.status_code == 200


def test_the_form_takes_a_plain_form_only(client):
    """A multipart post (a file upload) is not parsed at all: 415."""
    response = client.post("/", data={**FORM, "csrf_token": _token(client)},
                           files={"notes": ("notes.txt", b"Marker", "text/plain")})
    assert response.status_code == 415 and "Marker" not in response.text


# --- an unknown physician ---------------------------------------------------------------------

def _roster() -> list[str]:
    from brochure.summaries import summary_kit
    return [p.key for p in summary_kit(load_project(PROJECT)).brand.physicians]


@pytest.mark.parametrize("path", ["/api/assess", "/api/summaries"])
def test_an_unknown_physician_is_a_field_error_from_the_api(client, path):
    response = client.post(path, json={**BASE, "physician": "dr-nobody"})
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["field"] == "physician" and detail["loc"] == ["body", "physician"]
    assert all(key in detail["msg"] for key in _roster())


@pytest.mark.parametrize("path", ["/", "/summary.pdf"])
def test_an_unknown_physician_is_shown_beside_its_field_in_the_form(client, path):
    response = client.post(path, data={**FORM, "physician": "dr-nobody",
                                       "csrf_token": _token(client)})
    assert response.status_code == 422
    message = re.search(r'<p class="error" id="err-physician" role="alert">([^<]+)</p>',
                        response.text)
    assert message and all(key in message.group(1) for key in _roster())
    assert 'aria-describedby="err-physician"' in response.text


def test_a_physician_on_the_roster_is_served(client):
    key = _roster()[-1]
    assert client.post("/api/assess", json={**BASE, "physician": key}).status_code == 200


# --- hostile and unusual requests -------------------------------------------------------------

@pytest.mark.parametrize("body, status", [
    (b"[" * 10_000 + b"]" * 10_000, 400),         # nested 10,000 deep
    (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, 400),
    (json.dumps(BASE).encode()[:-1] + b', "bmi": ' + b"9" * 5000 + b"}", 400),  # a huge number
    (json.dumps(BASE).encode().replace(b"Test", b"T\xff\xfe"), 400),  # not UTF-8
    (json.dumps([BASE]).encode(), 422),            # a list of records
    (b'"a string"', 422),
    (b"", 422),
    (b"{", 422),
])
def test_hostile_json_bodies_get_a_clear_status(client, body, status):
    response = client.post("/api/assess", content=body,
                           headers={"content-type": "application/json"})
    assert response.status_code == status
    assert "Test" not in response.text and "Traceback" not in response.text


def test_a_chunked_body_stops_at_64_kb(client):
    def chunks():
        yield b'{"notes": "'
        for _ in range(200):  # 2 MB, without a declared length
            yield b"x" * 10_000
    response = client.post("/api/assess", content=chunks(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_get_with_a_body_and_unknown_methods_are_harmless(client):
    assert client.request("GET", "/api/health", content=b"x" * 100).status_code == 200
    assert client.options("/api/assess").status_code == 405
    assert client.request("TRACE", "/").status_code == 405


@pytest.mark.parametrize("path", ["/static/../__init__.py", "/static/%2e%2e/__init__.py",
                                  "/static/..%2f__init__.py", "/static/%2e%2e%2fcsrf.py",
                                  "/swagger/../../../../etc/passwd", "/static//etc/passwd"])
def test_static_files_stay_in_their_folder(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "import" not in response.text


def test_the_server_answers_only_to_its_own_names():
    """Against DNS rebinding: a page under another host name is refused, before any route."""
    served = TestClient(create_app(load_project(PROJECT), hosts=("127.0.0.1", "localhost", "::1")),
                        base_url="http://127.0.0.1:8000")
    assert served.get("/").status_code == 200
    for host in ("localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.1"):
        assert served.get("/", headers={"host": host}).status_code == 200, host
    for host in ("evil.example:8000", "evil.example", "127.0.0.1.evil.example", "", "[::2]"):
        response = served.get("/", headers={"host": host})
        assert response.status_code == 400 and "unknown host" in response.text, host
        assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_no_field_error_quotes_the_value_sent():
    """Every field, eleven kinds of wrong value carrying a marker: the 422 names the field and
    what is expected, and never the value (which may be patient text)."""
    project = load_project(PROJECT)
    client = TestClient(create_app(project), raise_server_exceptions=False)
    marker = "QZXM"
    wrong = [marker, [marker], {marker: marker}, f"2026-{marker}", marker * 3000, 1e308, -1,
             True, f"{marker}\u202e", f"{marker}\x00", f"{marker}\n"]
    for field in project.records.kind().fields:  # the core's and the publication's
        for value in wrong:
            response = client.post("/api/assess", json={**BASE, field: value})
            assert response.status_code in (200, 422), (field, value)
            if response.status_code == 422:
                assert marker not in response.text, (field, value)


def test_a_field_sent_twice_is_an_error_not_the_last_value(client):
    """Like a duplicated CSV column: "pain": 7 then "pain": 9 must not silently become 9."""
    body = json.dumps({**BASE, "pain": 7})[:-1] + ', "pain": 2}'
    for path in ("/api/assess", "/api/summaries"):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 422
        assert response.json()["detail"] == [{"field": "pain", "loc": ["body", "pain"],
                                              "msg": "sent twice: send each field once",
                                              "type": "duplicate_field"}]
    from urllib.parse import urlencode
    form = [*FORM.items(), ("pain", "2"), ("csrf_token", _token(client))]
    for path in ("/", "/summary.pdf"):
        page = client.post(path, content=urlencode(form),
                           headers={"content-type": "application/x-www-form-urlencoded"})
        assert page.status_code == 422
        assert re.search(r'id="err-pain" role="alert">sent twice', page.text)


def test_serve_answers_to_its_address_and_the_loopback_names():
    from brochure.commands.serve import hosts_for
    assert set(hosts_for("127.0.0.1")) == {"127.0.0.1", "localhost", "::1"}
    assert set(hosts_for("192.168.1.20")) == {"192.168.1.20", "127.0.0.1", "localhost", "::1"}
    assert hosts_for("0.0.0.0") is None and hosts_for("::") is None, "every address: any name"


def test_the_log_names_only_our_own_paths_and_methods(client, caplog):
    """A client's text in a URL (an integration that puts a record number in the path) or in
    the method is not written to the log."""
    with caplog.at_level(logging.INFO, logger="brochure.web"):
        for path in ("/api/patients/HK-20001", "/static/HK-20001.css", "/HK-20001",
                     "/static/../HK-20001"):
            assert client.get(path).status_code == 404
        client.request("HK20001", "/")
        client.get("/static/style.css")
    lines = [r.getMessage() for r in caplog.records if r.name == "brochure.web"]
    assert lines == ["GET (another path) 404"] * 4 + ["(another method) / 405",
                                                      "GET /static/style.css 200"]


def test_the_forms_visit_date_starts_at_todays_date_from_the_one_clock(client, monkeypatch):
    monkeypatch.setenv("BROCHURE_TODAY", "2031-02-03")
    assert 'value="2031-02-03"' in client.get("/").text


GLYPHLESS = "\U00013000"  # EGYPTIAN HIEROGLYPH A001: no font the brand kit lists can draw it


def test_the_api_warns_of_characters_no_font_can_draw_by_code_point_only(client):
    record = {**BASE, "name": f"Ana {GLYPHLESS} Lind"}
    assessed = client.post("/api/assess", json=record).json()
    assert [w.split(" has ")[1][:9] for w in assessed["warnings"]] == ["U+13000 E"]
    summary = client.post("/api/summaries", json=record)
    assert summary.status_code == 200 and summary.content.startswith(b"%PDF-")
    header = summary.headers["X-Brochure-Warnings"]
    assert "U+13000 EGYPTIAN HIEROGLYPH A001" in header and "Lind" not in header
    plain = client.post("/api/summaries", json=BASE)
    assert client.post("/api/assess", json=BASE).json()["warnings"] == []
    assert "X-Brochure-Warnings" not in plain.headers


def test_the_form_shows_the_same_warning_beside_the_verdict(client):
    response = client.post("/", data={**FORM, "name": f"Ana {GLYPHLESS} Lind",
                                      "csrf_token": _token(client)})
    assert response.status_code == 200
    warnings = re.search(r'<div class="warnings" role="status" id="warnings">(.*?)</div>',
                         response.text, flags=re.S)
    assert warnings and "U+13000 EGYPTIAN HIEROGLYPH A001" in warnings.group(1)
    plain = client.post("/", data={**FORM, "csrf_token": _token(client)})
    assert 'id="warnings"' not in plain.text
