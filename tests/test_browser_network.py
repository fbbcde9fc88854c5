"""The network mode end to end: ``brochure serve`` bound to 0.0.0.0 as its own process, once
with TLS (a certificate made here) and accounts, once behind a "proxy" (this test, at
127.0.0.1) that names the user in a header; Debian's Chromium (Playwright) signs in,
assesses, downloads and signs out, and raw requests (httpx) try what a browser would not."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import PROJECT, ROOT
from .servers import free_port
from .test_browser import (  # the browser fixture: one launch for this module
    NAME,
    _assert_no_violations,
    _patient,
    _watched,
    browser,  # noqa: F401
)

pytestmark = [pytest.mark.browser, pytest.mark.process]

PASSWORD = "plum harbor violet engine"
COOKIE = "__Host-brochure-session"
RECORD = {"name": NAME, "id": "HK-30001", "date_of_birth": "1956-03-14", "knee": "right",
          "pain": 6, "symptom_months": 14, "kl_grade": 3, "visit_date": "2026-11-20"}


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, valid for a day, and its key (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .sign(key, hashes.SHA256()))
    cert, key_file = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return cert, key_file


def _client(base: str, **options):
    import httpx2

    return httpx2.Client(base_url=base, verify=False, follow_redirects=False, timeout=30,
                         **options)


@pytest.fixture(scope="module")
def users(tmp_path_factory) -> Path:
    """alice (for the browser) and bob (to be locked out), as `brochure users add` makes
    them."""
    path = tmp_path_factory.mktemp("state") / "users.toml"
    for name in ("alice", "bob"):
        subprocess.run([sys.executable, "-m", "brochure", "users", "add", name, "--users",
                        str(path)], input=PASSWORD + "\n", text=True, check=True, cwd=PROJECT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True)
    return path


def _serve(*options: str, **environment: str) -> Iterator[str]:
    """``brochure serve --host 0.0.0.0`` with ``options``; yields its port and checks, when
    it stops, that its log holds no patient data and no password."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "brochure", "serve", "--host", "0.0.0.0", "--port", str(port),
         *options], cwd=PROJECT, env=dict(os.environ, PYTHONPATH=str(ROOT), **environment),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    scheme = "https" if "--tls-cert" in options else "http"
    with _client(f"{scheme}://127.0.0.1:{port}") as client:
        for _ in range(150):
            if process.poll() is not None:
                pytest.fail(f"brochure serve exited: {process.stderr.read()}")
            try:
                if client.get("/api/health").status_code == 200:
                    break
            except Exception:  # httpx's connection errors: not listening yet
                time.sleep(0.1)
    yield f"{scheme}://127.0.0.1:{port}"
    process.terminate()
    _, errors = process.communicate(timeout=10)
    assert f"brochure serving on {scheme}://0.0.0.0:{port}/" in errors
    for secret in (NAME, "Ramírez", PASSWORD, "wrong guess"):
        assert secret not in errors, "no patient data and no password in the log"


@pytest.fixture(scope="module")
def tls_server(users, tmp_path_factory) -> Iterator[str]:
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    yield from _serve("--tls-cert", str(cert), "--tls-key", str(key), "--users", str(users),
                      "--allowed-host", "127.0.0.1")


@pytest.fixture(scope="module")
def proxy_server(users) -> Iterator[str]:
    yield from _serve("--behind-proxy", "127.0.0.1", "--user-header", "X-Remote-User",
                      "--users", str(users), "--allowed-host", "127.0.0.1")


def _sign_in(client, name: str, password: str):
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"csrf_token": token, "name": name,
                                       "password": password})


def test_a_physician_signs_in_assesses_downloads_and_signs_out(tls_server, browser, tmp_path):  # noqa: F811
    page = _watched(browser, ignore_https_errors=True, accept_downloads=True)
    page.goto(tls_server)
    assert page.url == f"{tls_server}/login", "no session: the log-in page"
    page.get_by_label("Name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{tls_server}/")
    assert page.locator("#signed-in-user").inner_text() == "alice"
    cookie = next(c for c in page.context.cookies() if c["name"] == COOKIE)
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    _assess_and_download(page, tmp_path)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{tls_server}/login?signed_out=1")
    assert "You are signed out." in page.content()
    _assert_no_violations(page)
    with _client(tls_server, cookies={COOKIE: cookie["value"]}) as old:
        response = old.get("/")
        assert response.status_code == 303, "the signed-out session's cookie is dead"
        assert response.headers["location"] == "/login?ended=1"


def _assess_and_download(page, tmp_path: Path) -> None:
    """Fill the form, assess, download: the summary is a PDF made out to the patient."""
    _patient(page, "HK-30001", "right", "6")
    page.get_by_label("X-ray grade (Kellgren–Lawrence)").select_option("3")
    page.get_by_label("Cartilage grade (ICRS, MRI)").select_option("2")
    page.locator("#assess").click()
    page.wait_for_selector("#result")
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("^Download")).click()
    pdf = tmp_path / "summary.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert NAME in " ".join(PdfReader(pdf).pages[0].extract_text().split())


def test_without_a_session_a_page_goes_to_the_log_in_and_the_api_says_401(tls_server):
    with _client(tls_server) as client:
        assert client.get("/").headers["location"] == "/login"
        assert client.post("/api/assess", json=RECORD).status_code == 401
        client.cookies.set(COOKIE, "forged-" + "A" * 43)
        assert client.get("/").headers["location"] == "/login?ended=1"
        assert client.post("/api/assess", json=RECORD).status_code == 401


def test_a_wrong_host_is_refused(tls_server):
    with _client(tls_server) as client:
        for host in ("evil.example", "localhost", "127.0.0.1:443@evil",
                     "127.0.0.1, evil.example"):
            response = client.get("/api/health", headers={"host": host})
            assert response.status_code == 400 and "unknown host" in response.text, host


def test_after_five_failed_log_ins_the_right_password_is_told_to_wait(tls_server):
    with _client(tls_server) as client:
        for attempt in range(5):
            assert _sign_in(client, "bob", f"wrong guess {attempt}").status_code in (401, 429)
        response = _sign_in(client, "bob", PASSWORD)
        assert response.status_code == 429
        assert "Too many failed sign-ins with this name. Wait 15 minutes" in response.text
        assert COOKIE not in client.cookies


def test_behind_a_proxy_its_user_header_signs_in(proxy_server, browser, tmp_path):  # noqa: F811
    """The browser, at 127.0.0.1, plays the proxy: it adds the header to every request."""
    page = _watched(browser, accept_downloads=True,
                    extra_http_headers={"X-Remote-User": "alice"})
    page.goto(proxy_server)
    assert page.url == f"{proxy_server}/", "no log-in page: the proxy signed alice in"
    assert page.locator("#signed-in-user").inner_text() == "alice"
    assert page.get_by_role("button", name="Sign out").count() == 0, "the proxy's to end"
    _assess_and_download(page, tmp_path)
    _assert_no_violations(page)
    with _client(proxy_server, headers={"X-Remote-User": "alice"}) as proxy:
        assert proxy.post("/api/assess", json=RECORD).status_code == 200


def test_the_user_header_is_ignored_from_an_address_that_is_not_the_proxy(proxy_server):
    import httpx2

    elsewhere = httpx2.HTTPTransport(local_address="127.0.0.2")  # loopback, not the proxy's
    with _client(proxy_server, transport=elsewhere,
                 headers={"X-Remote-User": "alice", "X-Forwarded-For": "127.0.0.1"}) as other:
        for response in (other.get("/"), other.post("/api/assess", json=RECORD),
                         other.get("/login")):  # a log-in in clear text: refused too
            assert response.status_code == 403 and "through its TLS proxy only" in \
                response.text
        assert other.get("/api/health").status_code == 200


def test_a_session_left_idle_ends_and_its_cookie_no_longer_works(users, tmp_path_factory):
    """The idle limit, end to end (shortened to 2 s for the test; 30 minutes otherwise)."""
    cert, key = self_signed(tmp_path_factory.mktemp("tls-idle"))
    server = _serve("--tls-cert", str(cert), "--tls-key", str(key), "--users", str(users),
                    "--allowed-host", "127.0.0.1", BROCHURE_SESSION_IDLE_SECONDS="2")
    base = next(server)
    with _client(base) as client:
        assert _sign_in(client, "alice", PASSWORD).status_code in (302, 303)
        assert client.get("/").status_code == 200
        time.sleep(2.5)
        assert client.get("/").headers["location"].startswith("/login")
        assert client.post("/api/assess", json=RECORD).status_code == 401
    next(server, None)
