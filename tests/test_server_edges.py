"""Edges of the server and the commands around it, as a user or a prober meets them: odd
paths, methods and query strings answered by a clean 4xx with one access line in the real
server's log; a record too wide to set named by its field (422, exit 2, an error row), not
blamed on the layout; a busy port; ``check`` on an encrypted summary; a size over a limit told
precisely; what a killed batch leaves, as the README says."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import PROJECT, ROOT, read_yaml
from .forms import as_downloaded
from .servers import free_port, send_raw, wait_until_up

MARKER = "QZX-EDGE-5150"


# --- a real server ----------------------------------------------------------------------------

SENTINEL = "GET /static/favicon.svg 200"
"""The access line of the request sent after each probe: what comes before it is the probe's."""


@dataclass
class Served:
    """A ``brochure serve`` process, its port and its log (stderr, read as it grows)."""

    process: subprocess.Popen
    port: int
    log: Path
    """The server's stderr: it appends to the file (its own offset at the end, always), and
    each read here opens it afresh. A file object shared with the process would share one
    offset: a read here that moved it would place the server's next line over earlier ones."""
    seen: int = field(default=0)

    def _lines(self) -> list[str]:
        return self.log.read_text(errors="replace").splitlines()[self.seen:]

    def exchange(self, request: bytes, told: str | None = None) -> tuple[str, list[str]]:
        """Send one raw HTTP request; its status line, and the log lines it caused (those
        before the access line of a request for the favicon sent after it). ``told``: a line
        the request is expected to cause that the server may write after it has answered
        (uvicorn's own warnings go through another logger than the access lines, and can come
        after the next request's): waited for before the favicon is asked for."""
        status = self._send(request)
        if told is not None:
            self._wait_for(told)
        return status, self.settle()

    def _wait_for(self, line: str) -> None:
        for _ in range(100):
            if line in self._lines():
                return
            time.sleep(0.05)

    def settle(self) -> list[str]:
        """Request the favicon and wait for its access line: the lines before it, from where
        the last wait ended."""
        self._send(b"GET /static/favicon.svg HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Connection: close\r\n\r\n")
        for _ in range(100):
            lines = self._lines()
            if SENTINEL in lines:
                self.seen += lines.index(SENTINEL) + 1
                return lines[:lines.index(SENTINEL)]
            time.sleep(0.05)
        raise AssertionError(f"no access line for the favicon: {lines}")

    def exchange_in_pieces(self, request: bytes, size: int) -> tuple[str, list[str]]:
        """:meth:`exchange`, the request sent ``size`` bytes at a time, a moment apart (so
        that the server takes it in several reads)."""
        status = self._send(request, size)
        return status, self.settle()

    def _send(self, request: bytes, size: int | None = None) -> str:
        return send_raw(self.port, request, size)


def serve_env(config: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(config),
                BROCHURE_TODAY="2026-11-29")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served")
    port = free_port()
    path = folder / "stderr.log"
    with path.open("ab") as log:  # appended to, whatever the offset of any reader
        process = subprocess.Popen(
            [sys.executable, "-m", "brochure", "serve", "--port", str(port)], cwd=PROJECT,
            env=serve_env(folder), stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_until_up(process, f"http://127.0.0.1:{port}/api/health")
            server = Served(process, port, path)
            server.settle()  # past the start-up lines
            yield server
        finally:
            process.terminate()
            process.wait(timeout=20)


def request(target: bytes, method: bytes = b"GET") -> bytes:
    return (method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"\r\n")


ODD_TARGETS = [
    b"/static/%00", b"/static/" + b"a" * 300, b"/static/style.css%00", b"/swagger/%00",
    b"/swagger/" + b"a" * 300, b"/static/" + b"a/" * 3000, b"/static/..%2f..%2f__init__.py",
    b"/static/%2e%2e/__init__.py", b"/static/" + b"%2e%2e%2f" * 50 + b"etc/passwd",
    b"/static/%ff", b"/static/%ed%a0%80", b"/static/a%5cb", b"/static/..%5c__init__.py",
    b"/static/%2fetc%2fpasswd", b"/static//etc/passwd", b"/%00", b"/" + b"a" * 5000,
    b"/static/" + b"a" * 100_000, b"/static/%00?" + b"a" * 3000, b"*",
    b"http://elsewhere/static/%00",
]


@pytest.mark.process
@pytest.mark.parametrize("target", ODD_TARGETS, ids=lambda t: t[:40].decode())
def test_an_odd_path_is_a_4xx_with_one_access_line_and_nothing_else(served, target):
    status, lines = served.exchange(request(target))
    code = int(status.split()[1])
    assert 400 <= code < 500, status
    assert len(lines) == 1 and lines[0].startswith("GET ") and lines[0].endswith(f" {code}"), \
        lines


@pytest.mark.process
def test_a_long_request_line_is_answered_alike_however_its_bytes_arrive(served):
    """A request line of 100 kB is answered as an odd path (a 4xx and its access line) when
    it arrives in pieces, as when it arrives at once. Before, uvicorn's h11 refused a request
    still incomplete past 16 KiB (400, and the connection reset under the rest), but served a
    longer one that came in one read: which one a client got depended on timing."""
    target = b"/static/" + b"a" * 100_000
    whole, whole_lines = served.exchange(request(target))
    pieces, piece_lines = served.exchange_in_pieces(request(target), 20_000)
    assert whole.split()[1] == pieces.split()[1] == "404"
    assert whole_lines == piece_lines == ["GET (another path) 404"]


@pytest.mark.parametrize(("target", "line"), [
    (b"/static/style.css?%00", "GET /static/style.css 200"), (b"/?a=%ff%00", "GET / 200"),
    (b"/api/health?" + b"a" * 5000, "GET /api/health 200")])
@pytest.mark.process
def test_an_odd_query_string_leaves_the_answer_and_its_access_line_alone(served, target, line):
    status, lines = served.exchange(request(target))
    assert status.split()[1] == "200" and lines == [line]


@pytest.mark.parametrize("method", [b"HEAD", b"BREW", b"PROPFIND", b"TRACE", b"OPTIONS",
                                    b"DELETE", b"get"])
@pytest.mark.process
def test_an_odd_method_on_an_odd_path_is_a_4xx_with_one_access_line(served, method):
    status, lines = served.exchange(request(b"/static/%00", method))
    code = int(status.split()[1])
    assert 400 <= code < 500, status
    assert len(lines) == 1 and lines[0].endswith(f"(another path) {code}"), lines


@pytest.mark.process
@pytest.mark.parametrize("target", [b"/static/\xff", b"/static/a b", b"/static/a\x00b"])
def test_a_request_line_the_server_cannot_parse_is_a_400_told_in_one_line(served, target):
    """Bytes no URL may hold never reach the application: uvicorn answers 400 and says so in
    one line (of its own), with nothing of the request in it."""
    status, lines = served.exchange(request(target), told="Invalid HTTP request received.")
    assert status.split()[1] == "400"
    assert lines == ["Invalid HTTP request received."]


def test_a_symlink_in_a_static_folder_is_a_404_with_one_access_line(tmp_path, caplog):
    """A link out of the folder, a link to itself (a loop) and a path through that loop."""
    import logging

    from fastapi.testclient import TestClient
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount

    from brochure.web.files import Files
    from brochure.web.guard import Guard

    static = tmp_path / "static"
    static.mkdir()
    (tmp_path / "secret.txt").write_text(MARKER)
    (static / "out.txt").symlink_to(tmp_path / "secret.txt")
    (static / "loop").symlink_to(static / "loop")
    app = Starlette(routes=[Mount("/static", Files(directory=static))],
                    middleware=[Middleware(Guard)])
    client = TestClient(app, raise_server_exceptions=False)
    for path in ("/static/out.txt", "/static/loop", "/static/loop/x"):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="brochure.web"):
            response = client.get(path)
        lines = [r.getMessage() for r in caplog.records]
        assert response.status_code == 404 and MARKER not in response.text, path
        assert lines == ["GET (another path) 404"], (path, lines)


# --- a record too wide to set -----------------------------------------------------------------

WIDE = "\ufdfa"  # ARABIC LIGATURE SALLALLAHOU ALAYHE WASALLAM: one character, very wide


def wide_record() -> dict:
    """The shipped worst case with its name and override reason made of the widest character
    (after a marker that must never come back in a message)."""
    record = read_yaml((PROJECT / "content/patients/worst-case.yaml").read_text())
    return {**record, "name": f"{MARKER} " + WIDE * (199 - len(MARKER)),
            "override_reason": f"{MARKER} " + WIDE * (499 - len(MARKER)),
            "notes": f"{MARKER} " + record["notes"][len(MARKER) + 1:],
            "visit_date": str(record["visit_date"]),
            "date_of_birth": str(record["date_of_birth"])}


TOO_WIDE = "take too much room"
"""What a message about a record too wide to set says (with the fields it names)."""


@pytest.fixture(scope="module")
def tight(tmp_path_factory) -> Path:
    """The shipped project with the summary's body lines further apart (26 pt, not 15.5):
    the shipped layout holds even the widest record the schema accepts, its note cut (since
    issue 23); in this one the widest record's name and reason take too much room together,
    and an ordinary record still fits."""
    import shutil
    folder = tmp_path_factory.mktemp("tight")
    for name in ("content", "layouts"):
        shutil.copytree(PROJECT / name, folder / name)
    layout = folder / "layouts/summary-letter.yaml"
    text = layout.read_text()
    old = "body:           {size: 12, leading: 15.5,"
    assert old in text
    layout.write_text(text.replace(old, "body:           {size: 12, leading: 26,"))
    return folder


@pytest.fixture(scope="module")
def tight_client(tight):
    from fastapi.testclient import TestClient

    from brochure.project import load_project
    from brochure.web import create_app
    return TestClient(create_app(load_project(tight)), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    from brochure.project import load_project
    from brochure.web import create_app
    return TestClient(create_app(load_project(PROJECT)), raise_server_exceptions=False)


def test_a_record_too_wide_to_set_raises_an_error_naming_its_fields_from_the_library(tight):
    from brochure import RecordFitError, render_summary
    from brochure.project import load_project
    with pytest.raises(RecordFitError) as raised:
        render_summary(wide_record(), project=load_project(tight))
    assert raised.value.fields == ("name", "override_reason")
    assert MARKER not in str(raised.value) and WIDE not in str(raised.value)


def test_a_record_too_wide_to_set_is_a_422_from_the_api_naming_its_fields(tight_client):
    client = tight_client
    response = client.post("/api/summaries", json=wide_record())
    assert response.status_code == 422, response.text[:300]
    detail = response.json()["detail"]
    assert {d["field"] for d in detail} == {"name", "override_reason"}
    assert all(TOO_WIDE in d["msg"] and "shorten" in d["msg"] for d in detail)
    assert MARKER not in response.text and WIDE not in response.text


def test_a_record_too_wide_to_set_is_a_422_form_with_the_error_at_its_fields(tight_client):
    import re
    client = tight_client
    page = client.get("/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {**{k: str(v) for k, v in wide_record().items() if k != "conditions"},
            "conditions": wide_record()["conditions"], "csrf_token": token,
            "injection_without_relief": "true"}
    form = as_downloaded(client, form)  # Assess shows it (it sets nothing), then Download
    response = client.post("/summary.pdf", data=form, headers={"Origin": "http://testserver"})
    assert response.status_code == 422, response.text[:300]
    for name in ("name", "override_reason"):
        error = re.search(rf'<p class="error" id="err-{name}" role="alert">([^<]*)</p>',
                          response.text)
        assert error and TOO_WIDE in error.group(1) and MARKER not in error.group(1), name
        assert f'id="{name}" name="{name}" aria-invalid="true" aria-describedby="err-{name}"' \
            in response.text


def test_a_record_too_wide_to_set_is_exit_2_at_the_command_line_naming_its_fields(tmp_path,
                                                                                   tight):
    import yaml

    from .conftest import run_cli
    source = tmp_path / "wide.yaml"
    source.write_text(yaml.safe_dump(wide_record(), allow_unicode=True))
    result = run_cli("summary", str(source), "-o", str(tmp_path / "s.pdf"), cwd=tight)
    assert result.returncode == 2, result.stderr
    line = next(number for number, text in enumerate(source.read_text().splitlines(), 1)
                if text.startswith("name:"))
    assert f"{source}:{line}:7: error: the record's name and override_reason " + TOO_WIDE \
        in result.stderr
    assert "this layout cannot hold" not in result.stderr and "Traceback" not in result.stderr
    assert MARKER not in result.stdout + result.stderr and not (tmp_path / "s.pdf").exists()


def test_a_record_too_wide_to_set_is_an_error_row_of_its_batch(tmp_path, tight):
    import csv

    import yaml

    from .conftest import run_cli
    source = tmp_path / "wide.yaml"
    source.write_text(yaml.safe_dump({**wide_record(), "id": "WIDE-1"}, allow_unicode=True))
    good = PROJECT / "content/patients/good-candidate.yaml"
    out = tmp_path / "out"
    result = run_cli("batch", str(good), str(source), "--out", str(out), cwd=tight)
    assert result.returncode == 1, result.stderr
    with open(out / "manifest.csv", newline="") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    assert rows["WIDE-1"]["status"] == "error" and rows["WIDE-1"]["file"] == ""
    assert "the record's name and override_reason " + TOO_WIDE in rows["WIDE-1"]["message"]
    assert [row["status"] for key, row in rows.items() if key != "WIDE-1"] == ["ok"]
    text = (out / "manifest.csv").read_text() + result.stdout + result.stderr
    assert MARKER not in text and "internal error" not in text


def test_a_layout_too_small_is_blamed_for_a_short_record_without_a_note(project):
    """Body text at 40 pt, a one-letter name and no note: the layout is to blame (not the
    record), and the build ends (ReportLab's keep-together split in a frame too short for it
    put itself back forever)."""
    import yaml

    from .conftest import edit_once, run_cli
    edit_once(project, "layouts/summary-letter.yaml", "body:           {size: 12,",
              "body:           {size: 40, leading: 48} #")
    record = read_yaml((project / "content/patients/good-candidate.yaml").read_text())
    record = {k: v for k, v in record.items() if k != "notes"}
    (project / "short.yaml").write_text(yaml.safe_dump({**record, "name": "A"}))
    result = run_cli("summary", "short.yaml", "-o", str(project / "s.pdf"), cwd=project)
    assert result.returncode == 2, result.stderr
    assert "layouts/summary-letter.yaml: error: this layout cannot hold a summary" in \
        result.stderr
    assert "Traceback" not in result.stderr and not (project / "s.pdf").exists()


# --- smaller ----------------------------------------------------------------------------------

@pytest.mark.process
def test_a_busy_port_is_a_usage_error_in_the_tools_own_words(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "brochure", "serve", "--port", str(port)], cwd=PROJECT,
            env=serve_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert f"error: port {port} on 127.0.0.1 is already in use; expected a free port " \
           "(choose another with --port)" in result.stderr
    assert "Errno" not in result.stderr and "Traceback" not in result.stderr
    assert "serving on" not in result.stderr


@pytest.fixture(scope="module")
def encrypted(tmp_path_factory) -> Path:
    """A summary made with a password, as a physician hands it to a patient."""
    from .conftest import run_cli
    folder = tmp_path_factory.mktemp("encrypted")
    os.environ["EDGE_PDF_PASSWORD"] = "mauve-otter-bridge-1947"
    try:
        result = run_cli("summary", "content/patients/good-candidate.yaml", "-o",
                         str(folder / "summary.pdf"), "--password-env", "EDGE_PDF_PASSWORD")
    finally:
        del os.environ["EDGE_PDF_PASSWORD"]
    assert result.returncode == 0, result.stderr
    return folder / "summary.pdf"


def test_check_on_an_encrypted_summary_says_it_was_not_checked(encrypted):
    from .conftest import run_cli
    result = run_cli("check", str(encrypted))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{encrypted}: encrypted, as a summary made with a password is: not checked " \
           "(nothing in it can be read without its password)" in result.stdout
    assert "print files must not be encrypted" not in result.stdout + result.stderr
    assert "accessibility: 1 file(s), ok" not in result.stdout


def test_check_on_an_encrypted_file_goes_by_what_it_declares_not_its_name(encrypted, tmp_path):
    """A file's kind is what it declares (issue 19): encrypted, it is told as not checked,
    whatever its name says (named like a print file, it was a finding before)."""
    import shutil

    from .conftest import run_cli
    printed = tmp_path / "trifold-letter-print.pdf"
    shutil.copy(encrypted, printed)
    result = run_cli("check", str(printed))
    told = result.stdout + result.stderr
    assert result.returncode == 0, told
    assert f"{printed}: encrypted" in told and "not checked" in told


@pytest.mark.parametrize("over", [1, 40])
def test_a_file_just_over_its_limit_says_by_how_much(tmp_path, over):
    """A record file of 64 KB and one byte was "too large (64 KB)" for a limit of 64 KB."""
    from .conftest import run_cli
    record = (PROJECT / "content/patients/good-candidate.yaml").read_text()
    record += "#" * (64 * 1024 + over - len(record.encode()) - 1) + "\n"
    source = tmp_path / "big.yaml"
    source.write_text(record)
    assert source.stat().st_size == 64 * 1024 + over
    result = run_cli("summary", str(source), "-o", str(tmp_path / "s.pdf"))
    assert result.returncode == 2
    assert f"{source}: error: file too large ({64 * 1024 + over:,} bytes); a record file may be " \
           "at most 64 KB (65,536 bytes)" in result.stderr, result.stderr


def test_the_readme_says_what_a_batch_killed_outright_leaves_behind():
    """Summaries rendered but not yet listed when a batch is killed with SIGKILL stay as
    hidden temporary files until the next run into that folder removes them."""
    import re
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert re.search(r"If it is killed outright, .{0,200}hidden temporary files "
                     r"\(`\.s-….pdf\.….tmp`[^)]*\) until the next batch or summary into that "
                     r"folder removes them", readme)
