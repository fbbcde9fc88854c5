"""An unexpected fault in the web server is told by its type, place and error id: in the
response (JSON from the API, a page from the form) and in the server's log, and nowhere the
exception's message, which may quote the record (ReportLab's LayoutError quoted a whole note).

An unknown fault cannot be provoked on purpose once the known ones are fixed, so these tests
make the renderer or the rules fail with a message that quotes the record, the way LayoutError
did: in process through the test client, and in a real ``brochure serve`` process."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from fastapi.testclient import TestClient

import brochure.web
from brochure.commands.serve import NoExceptionText
from brochure.project import load_project
from brochure.records import to_record
from brochure.web import assessed, create_app

from .conftest import PROJECT, ROOT
from .forms import assessed_digest
from .servers import free_port, wait_until_up
from .test_candidacy import BASE

MARKER = "QZX-MARKER-7731"
RECORD = {**BASE, "name": f"{MARKER} Name", "id": f"{MARKER}-ID",
          "notes": f"{MARKER} note " + "y" * 1900, "override_verdict": "less_likely",
          "override_reason": f"{MARKER} reason"}
ERROR = re.compile(r"internal error: RuntimeError in (\S+) \(error id ([0-9a-f]{8})\)")


def _quoting_failure(record, *args, **kwargs):
    """Fails the way ReportLab's LayoutError did: its message quotes the record."""
    raise RuntimeError(f"could not lay out {record.name}: {record.notes} ({record.id})")


@pytest.fixture
def failing(monkeypatch) -> TestClient:
    monkeypatch.setattr(brochure.web, "summarize", _quoting_failure)
    monkeypatch.setattr(brochure.web, "assess", _quoting_failure)
    return TestClient(create_app(load_project(PROJECT)), raise_server_exceptions=False)


def _token(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)


def _form(client) -> dict:
    return {**{k: str(v) for k, v in RECORD.items()}, "csrf_token": _token(client)}


@pytest.mark.parametrize("path", ["/api/assess", "/api/summaries"])
def test_an_api_fault_is_a_500_with_its_error_id_and_no_record_text(failing, caplog, capsys,
                                                                     path):
    with caplog.at_level(logging.DEBUG):
        response = failing.post(path, json=RECORD)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    told = ERROR.search(response.json()["detail"])
    assert told and told.group(1).startswith("brochure/web/__init__.py:"), "the place in our code"
    logged = "\n".join(caplog.text.splitlines() + [r.getMessage() for r in caplog.records])
    assert told.group(0) in logged, "the server log has the same line"
    assert f"POST {path} 500" in logged
    out, err = capsys.readouterr()
    for text in (response.text, logged, out, err):
        assert MARKER not in text and "y" * 50 not in text


@pytest.mark.parametrize("path", ["/", "/summary.pdf"])
def test_a_form_fault_is_a_500_page_with_its_error_id_and_no_record_text(failing, caplog, capsys,
                                                                         path):
    form = _form(failing)
    if path == "/summary.pdf":  # as assessed (the page cannot be had: assess fails too)
        form[assessed.FIELD] = assessed.digest(to_record(RECORD))
    with caplog.at_level(logging.DEBUG):
        response = failing.post(path, data=form)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    told = ERROR.search(response.text)
    assert told and 'id="internal-error"' in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert told.group(0) in logged
    out, err = capsys.readouterr()
    for text in (response.text, logged, out, err):
        assert MARKER not in text


def test_the_error_id_is_the_same_for_the_same_fault(failing):
    ids = {ERROR.search(failing.post("/api/summaries", json={**RECORD, "name": name}).text)
           .group(2) for name in ("A One", "B Two")}
    assert len(ids) == 1


def test_a_log_record_with_an_exception_is_told_without_its_message():
    """What uvicorn or asyncio log with exc_info goes through the served handler's filter."""
    import io
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(NoExceptionText())
    logger = logging.getLogger("test.web.errors")
    logger.addHandler(handler)
    try:
        try:
            _quoting_failure(type("R", (), {"name": MARKER, "notes": MARKER, "id": MARKER}))
        except RuntimeError as exc:
            logger.error("Exception in ASGI application %s", MARKER, exc_info=exc)
        logger.warning("plain line")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert MARKER not in text and "Traceback" not in text
    assert ERROR.search(text) and "plain line" in text


# --- a real server process --------------------------------------------------------------------

LAUNCH = """
import sys
import brochure.web
def fail(record, *args, **kwargs):
    raise RuntimeError(f"could not lay out {record.name}: {record.notes}")
brochure.web.summarize = fail
from brochure.cli import main
sys.argv = ["brochure", "serve", "--port", sys.argv[1]]
main()
"""


def _post(url: str, body: bytes, content_type: str, **headers) -> tuple[int, str]:
    request = urllib.request.Request(url, body, {"Content-Type": content_type, **headers})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.process
def test_a_served_process_logs_no_record_text_for_any_fault():
    import json
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    process = subprocess.Popen([sys.executable, "-c", LAUNCH, str(port)], cwd=PROJECT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_up(process, f"{url}/api/health")
        status, api = _post(f"{url}/api/summaries", json.dumps(RECORD).encode(),
                            "application/json")
        assert status == 500 and ERROR.search(api)
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {**RECORD, "csrf_token": token}
        _, page = _post(url, urllib.parse.urlencode(form).encode(),
                        "application/x-www-form-urlencoded", Origin=url)  # Assess, then
        form = urllib.parse.urlencode({**form, "assessed": assessed_digest(page)}).encode()
        status, html = _post(f"{url}/summary.pdf", form, "application/x-www-form-urlencoded",
                             Origin=url)
        assert status == 500 and ERROR.search(html)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:  # not HTTP
            raw.sendall(f"POST / HTTP/1.1\r\nHost: x\r\n{MARKER} header\r\n\r\n".encode())
            raw.recv(1000)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    assert MARKER not in out + err and "Traceback" not in err
    assert ERROR.search(api).group(0) in err and ERROR.search(html).group(0) in err
    assert "POST /api/summaries 500" in err
