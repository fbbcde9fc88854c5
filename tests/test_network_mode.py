"""The network mode, in process: `serve` refuses an unsafe start; the users file; Host headers
read strictly; log-in, sessions (idle and absolute ends, with a clock the test moves), the
lock-out, log-out, API tokens, and the proxy's user header believed from the proxy only."""

from __future__ import annotations

import logging
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import Request
from fastapi.testclient import TestClient

from brochure import accounts
from brochure.cli import main
from brochure.commands.serve import hosts_for, network_config
from brochure.network import (
    FAILURE_WINDOW_SECONDS,
    IDLE_SECONDS,
    LIFETIME_SECONDS,
    NetworkOptions,
    Security,
    host_name,
    is_loopback,
    network_plan,
)
from brochure.project import load_project
from brochure.web import create_app
from brochure.web.auth import COOKIE

from .conftest import PROJECT, ROOT

PASSWORD = "plum harbor violet engine"
HOST = "brochure.clinic.example"
RECORD = {"name": "Zoë Ramírez-Okafor", "id": "HK-30001", "date_of_birth": "1956-03-14",
          "knee": "right", "pain": 6, "symptom_months": 14, "kl_grade": 3,
          "visit_date": "2026-11-20"}


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def project():
    return load_project(PROJECT)


@pytest.fixture(scope="module")
def users_toml(tmp_path_factory) -> Path:
    """A users file with alice (PASSWORD), made once: Argon2 takes a tenth of a second."""
    path = tmp_path_factory.mktemp("state") / "users.toml"
    accounts.save(path, accounts.Accounts({"alice": accounts.Account(
        "alice", accounts.hash_password(PASSWORD))}))
    return path


@pytest.fixture
def users(users_toml, tmp_path) -> Path:
    """A copy of it, for this test to change."""
    path = tmp_path / "users.toml"
    path.write_bytes(users_toml.read_bytes())
    path.chmod(0o600)
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _app(project, security: Security):
    app = create_app(project, hosts=(HOST,), security=security)

    @app.get("/whoami")
    def whoami(request: Request) -> dict:  # what the audit log reads
        return {"user": getattr(request.state, "user", None)}
    return app


@pytest.fixture
def client(project, users, clock):
    app = _app(project, Security(users=users, clock=clock))
    return TestClient(app, base_url=f"https://{HOST}", follow_redirects=False)


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _log_in(client, name: str = "alice", password: str = PASSWORD):
    token = _token(client.get("/login").text)
    return client.post("/login", data={"csrf_token": token, "name": name,
                                       "password": password})


def _serve(*args: str, root: Path):
    return CliRunner().invoke(main, ["serve", "--port", "1", "--root", str(root), *args])


# --- refusing an unsafe start ---------------------------------------------------------------


def test_loopback_is_127_0_0_0_8_ipv6_1_and_localhost():
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.20", "brochure.lan"))


def test_serve_on_the_network_without_anything_says_each_thing_missing(tmp_path):
    result = _serve("--host", "0.0.0.0", root=tmp_path)
    assert result.exit_code == 2
    said = result.output
    assert "needs TLS" in said and "--tls-cert FILE and --tls-key FILE" in said
    assert "--behind-proxy ADDRESS" in said
    assert "needs a log-in" in said and "brochure users add NAME" in said
    assert "needs the host names clients use" in said and "--allowed-host NAME" in said
    assert "Traceback" not in said


@pytest.mark.parametrize(("args", "told"), [
    (["--tls-cert", "cert.pem"], "--tls-cert and --tls-key go together"),
    (["--behind-proxy", "proxy.lan"], "expected the proxy's IP address"),
    (["--behind-proxy", "10.0.0.0/8"], "expected the proxy's IP address"),
    (["--user-header", "X-Remote-User"], "--user-header needs --behind-proxy"),
    (["--behind-proxy", "10.0.0.2", "--user-header", "X Remote"], "expected a header name"),
    (["--allowed-host", "localhost:8765@evil"], "--allowed-host: expected a host name"),
    (["--tls-cert", "missing.pem", "--tls-key", "missing.pem"], "cannot use this certificate"),
])
def test_serve_refuses_wrong_network_options(tmp_path, args, told):
    result = _serve("--host", "0.0.0.0", "--allowed-host", HOST, *args, root=tmp_path)
    assert result.exit_code == 2 and told in result.output, result.output


def test_network_options_on_loopback_ask_for_the_same(tmp_path):
    """--users on 127.0.0.1 means a log-in is wanted: it is not silently ignored."""
    result = _serve("--users", str(tmp_path / "none.toml"), root=tmp_path)
    assert result.exit_code == 2 and "needs TLS" in result.output
    assert network_plan(tmp_path, "127.0.0.1", NetworkOptions()) is None, "loopback as today"


def test_a_users_file_others_may_read_is_refused(tmp_path, users):
    users.chmod(0o640)
    result = _serve("--host", "0.0.0.0", "--behind-proxy", "10.0.0.2", "--allowed-host", HOST,
                    "--users", str(users), root=tmp_path)
    assert result.exit_code == 2
    assert "may be read or changed by other users (mode 640)" in result.output
    assert f"chmod 600 {users}" in result.output


def test_a_broken_users_file_is_refused_with_its_path(tmp_path):
    broken = tmp_path / "users.toml"
    broken.write_text("[users.alice\n")
    broken.chmod(0o600)
    result = _serve("--host", "0.0.0.0", "--behind-proxy", "10.0.0.2", "--allowed-host", HOST,
                    "--users", str(broken), root=tmp_path)
    assert result.exit_code == 2 and f"{broken}: error: not valid TOML" in result.output


def test_a_complete_network_start_is_planned(tmp_path, users, certificate):
    cert, key = certificate
    options = NetworkOptions(tls_cert=cert, tls_key=key, users=users,
                             allowed_hosts=(HOST, "10.1.2.3"))
    plan = network_plan(tmp_path, "0.0.0.0", options)
    assert plan.tls == (cert, key) and plan.hosts == (HOST, "10.1.2.3")
    assert network_config(plan) == {"proxy_headers": False, "ssl_certfile": cert,
                                    "ssl_keyfile": key}
    behind = network_plan(tmp_path, "0.0.0.0", NetworkOptions(
        behind_proxy="10.0.0.2", user_header="X-Remote-User", allowed_hosts=(HOST,)))
    assert behind.tls is None and behind.security.proxy == "10.0.0.2"
    assert behind.security.proxy_only and not plan.security.proxy_only
    both = network_plan(tmp_path, "0.0.0.0", NetworkOptions(
        tls_cert=cert, tls_key=key, behind_proxy="10.0.0.2", users=users, allowed_hosts=(HOST,)))
    assert not both.security.proxy_only, "with TLS of its own, direct clients are safe"
    assert network_config(behind) == {"proxy_headers": False}, \
        "the app believes the proxy's headers itself, inside its log-in gate"
    assert network_config(None) == {}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    from .test_browser_network import self_signed

    return self_signed(tmp_path_factory.mktemp("tls"))


# --- the users file ---------------------------------------------------------------------------


def _users(*args: str, users: Path, password: str | None = None):
    return CliRunner().invoke(main, ["users", *args, "--users", str(users)],
                              input=None if password is None else password + "\n")


def test_users_add_keeps_an_argon2_hash_in_a_file_of_mode_600(tmp_path):
    users = tmp_path / "state" / "users.toml"
    result = _users("add", "bob", users=users, password=PASSWORD)
    assert result.exit_code == 0, result.output
    assert oct(users.stat().st_mode & 0o777) == "0o600"
    assert oct(users.parent.stat().st_mode & 0o777) == "0o700"
    text = users.read_text()
    assert PASSWORD not in text
    stored = accounts.load(users).get("bob").password
    assert stored.startswith("$argon2id$")
    assert accounts.verify_password(stored, PASSWORD)
    assert not accounts.verify_password(stored, PASSWORD + "!")


def test_users_add_holds_the_password_rule_with_the_name_as_a_guess(tmp_path):
    users = tmp_path / "users.toml"
    for weak in ("margaret.ellison2024", "Xq9!", "password123456"):
        result = _users("add", "margaret.ellison", users=users, password=weak)
        assert result.exit_code == 2 and "the password" in result.output
        assert weak not in result.output, "a refusal never quotes the password"
    assert not users.exists()


@pytest.mark.parametrize("name", ["Alice", "al ice", "../x", "a" * 65, '"x"', ""])
def test_account_names_are_a_safe_pattern(tmp_path, name):
    result = _users("add", name, users=tmp_path / "u.toml", password=PASSWORD)
    assert result.exit_code == 2 and "not a valid account name" in result.output


def test_users_passwd_remove_list_and_refusals(users):
    assert _users("add", "alice", users=users, password=PASSWORD).exit_code == 2, "exists"
    before = accounts.load(users).get("alice").password
    assert _users("passwd", "alice", users=users, password="quiet orchard lantern").exit_code \
        == 0
    assert accounts.load(users).get("alice").password != before
    assert _users("passwd", "nobody", users=users, password=PASSWORD).exit_code == 2
    assert _users("list", users=users).output == "alice\n"
    assert _users("remove", "alice", users=users).exit_code == 0
    assert accounts.load(users).by_name == {}
    assert _users("remove", "alice", users=users).exit_code == 2


def test_an_api_token_is_shown_once_and_kept_hashed(users):
    result = CliRunner().invoke(main, ["users", "token", "alice", "--users", str(users)])
    assert result.exit_code == 0
    token = result.stdout.strip()
    assert token.startswith("brochure_") and len(token) > 40
    assert token not in users.read_text()
    assert accounts.load(users).token_user(token) == "alice"
    assert accounts.load(users).token_user(token + "x") is None
    assert _users("list", users=users).output == "alice\ttoken\n"


def test_the_users_file_escapes_what_it_writes(tmp_path):
    odd = 'a"b\\c\nd$é'
    written = accounts.Accounts({"x": accounts.Account("x", odd, "sha256:00")})
    path = tmp_path / "users.toml"
    accounts.save(path, written)
    assert accounts.load(path) == written


# --- Host headers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "host"), [
    ("localhost", "localhost"), ("LocalHost:8000", "localhost"), ("[::1]:8000", "::1"),
    ("127.0.0.1:8765", "127.0.0.1"), ("brochure.clinic.example", HOST),
    ("localhost:8765@evil", None), ("localhost:8765, evil.example", None),
    ("localhost:8765,evil.example", None), ("localhost evil", None), ("", None),
    ("localhost:", None), ("localhost:99999", None), ("[::1", None), ("[::1]x", None),
    ("[evil]:80", None), ("user@localhost", None), ("-bad-.example", None),
    ("localhost:80:80", None), ("localhost/", None),
])
def test_a_host_header_is_exactly_host_and_port(header, host):
    assert host_name(header) == host


def test_hostile_host_headers_are_refused_on_loopback_too(project):
    served = TestClient(create_app(project, hosts=hosts_for("127.0.0.1")))
    for header in ("localhost:8765@evil", "localhost:8765, evil.example"):
        response = served.get("/api/health", headers={"host": header})
        assert response.status_code == 400 and "unknown host" in response.text, header
    assert served.get("/api/health", headers={"host": "localhost:8765"}).status_code == 200


def test_the_network_mode_answers_to_its_allowed_hosts_only(client):
    assert client.get("/api/health").status_code == 200
    for header in ("evil.example", "127.0.0.1", f"{HOST}.evil.example", f"{HOST}:443@evil"):
        assert client.get("/api/health", headers={"host": header}).status_code == 400, header


# --- log-in and sessions ----------------------------------------------------------------------


def test_without_a_session_pages_go_to_the_log_in_and_the_api_says_401(client):
    assert client.get("/").headers["location"] == "/login"
    assert client.post("/summary.pdf", data={}).headers["location"] == "/login"
    for path in ("/api/assess", "/api/summaries"):
        response = client.post(path, json=RECORD)
        assert response.status_code == 401 and "sign in first" in response.json()["detail"]
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/docs").status_code == 303
    assert client.get("/openapi.json").status_code == 401
    assert client.get("/api/health").status_code == 200
    assert client.get("/static/style.css").status_code == 200


def test_the_log_in_page_is_labelled_and_ties_its_error_to_the_fields(client):
    page = client.get("/login").text
    assert '<label for="name">Name</label>' in page
    assert '<label for="password">Password</label>' in page
    assert 'autocomplete="current-password"' in page
    response = _log_in(client, password="not the password")
    assert response.status_code == 401
    assert "The name or the password is wrong." in response.text
    assert 'role="alert" id="sign-in-alert"' in response.text
    assert response.text.count('aria-describedby="sign-in-alert"') == 2
    missing = _log_in(client, password="")
    assert missing.status_code == 422
    assert 'aria-describedby="err-password"' in missing.text and "Enter your password" in \
        missing.text


def test_a_log_in_gives_a_strict_secure_session_cookie_and_names_the_user(client):
    response = _log_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute.lower() in cookie.lower(), attribute
    assert "domain" not in cookie.lower()
    assert client.get("/whoami").json() == {"user": "alice"}
    page = client.get("/")
    assert page.status_code == 200 and 'id="signed-in-user">alice<' in page.text
    assert client.post("/api/assess", json=RECORD).status_code == 200


def test_the_log_in_form_needs_its_token(client):
    response = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_a_forged_session_cookie_is_refused(client):
    _log_in(client)
    client.cookies.set(COOKIE, "forged-" + "x" * 40, domain=HOST)
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login?ended=1"
    assert "Your session has ended" in client.get("/login?ended=1").text
    assert client.post("/api/assess", json=RECORD).status_code == 401


def test_a_session_ends_after_30_minutes_idle(client, clock):
    _log_in(client)
    for _ in range(4):  # kept alive by use
        clock.advance(IDLE_SECONDS - 60)
        assert client.get("/whoami").json() == {"user": "alice"}
    clock.advance(IDLE_SECONDS + 1)
    assert client.get("/").headers["location"] == "/login?ended=1"
    assert client.get("/whoami").headers["location"] == "/login?ended=1", "gone for good"


def test_a_session_ends_12_hours_after_its_log_in_however_busy(client, clock):
    _log_in(client)
    step = IDLE_SECONDS - 60
    for _ in range(int(LIFETIME_SECONDS // step)):
        assert client.get("/whoami").json() == {"user": "alice"}
        clock.advance(step)
    clock.advance(step)
    assert clock.now - 1_000_000.0 > LIFETIME_SECONDS
    assert client.get("/").headers["location"] == "/login?ended=1"


def test_log_out_ends_the_session(client):
    _log_in(client)
    old = client.cookies.get(COOKIE)
    page = client.get("/").text
    token = re.search(r'action="/logout">\s*<input type="hidden" name="csrf_token" '
                      r'value="([^"]+)"', page).group(1)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == \
        "/login?signed_out=1"
    client.cookies.clear()
    client.cookies.set(COOKIE, old, domain=HOST)  # the old cookie, kept by someone
    assert client.get("/").headers["location"] == "/login?ended=1"


def test_removing_an_account_or_changing_its_password_ends_its_sessions(client, users):
    _log_in(client)
    current = accounts.load(users)
    accounts.save(users, accounts.with_account(current, accounts.Account(
        "alice", accounts.hash_password("quiet orchard lantern"))))
    assert client.get("/").status_code == 303
    assert _log_in(client, password="quiet orchard lantern").status_code == 303
    _users("remove", "alice", users=users)
    assert client.get("/").status_code == 303


# --- the lock-out -----------------------------------------------------------------------------


def test_five_failures_then_a_wait_even_with_the_right_password(client, clock):
    for attempt in range(1, 6):
        response = _log_in(client, password=f"wrong guess {attempt}")
        assert response.status_code == (429 if attempt == 5 else 401)
    response = _log_in(client)
    assert response.status_code == 429
    assert "Too many failed sign-ins with this name. Wait 15 minutes" in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")
    clock.advance(FAILURE_WINDOW_SECONDS - 120)
    assert "Wait 2 minutes" in _log_in(client).text
    clock.advance(121)
    assert _log_in(client).status_code == 303


def test_an_unknown_name_gets_the_same_answers_and_the_same_argon2_work(client, monkeypatch):
    verified = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password",
                        lambda hashed, password: verified.append(hashed) or real(hashed,
                                                                                  password))
    answers = {}
    for name in ("alice", "nobody"):
        answers[name] = [_log_in(client, name, "wrong guess").text.replace(name, "NAME")
                         for _ in range(6)]
    assert answers["alice"] == answers["nobody"]
    assert len(verified) == 10, "five verifications each; the sixth is told to wait"
    assert set(verified[5:]) == {accounts.dummy_hash()}


def test_failures_of_one_name_leave_the_others_alone(client):
    for _ in range(5):
        _log_in(client, "mallory", "wrong guess")
    assert _log_in(client).status_code == 303


# --- API tokens -------------------------------------------------------------------------------


def test_the_api_takes_a_users_token(client, users):
    token = CliRunner().invoke(main, ["users", "token", "alice", "--users",
                                      str(users)]).stdout.strip()
    bearer = {"authorization": f"Bearer {token}"}
    response = client.post("/api/assess", json=RECORD, headers=bearer)
    assert response.status_code == 200 and response.json()["verdict"]
    wrong = client.post("/api/assess", json=RECORD, headers={"authorization": "Bearer x" * 3})
    assert wrong.status_code == 401 and "not valid" in wrong.json()["detail"]
    assert client.get("/", headers=bearer).status_code == 303, "a token is for the API only"
    CliRunner().invoke(main, ["users", "token", "alice", "--revoke", "--users", str(users)])
    assert client.post("/api/assess", json=RECORD, headers=bearer).status_code == 401


# --- the proxy's user header ------------------------------------------------------------------


@pytest.fixture(params=[False, True], ids=["with-tls", "proxy-only"])
def proxied(project, users, clock, request):
    """The app behind a proxy at 10.0.0.5, with TLS of its own (direct clients may sign in)
    or without (proxy_only: anyone else is refused)."""
    security = Security(users=users, proxy="10.0.0.5", user_header="X-Remote-User",
                        clock=clock, proxy_only=request.param)
    app = _app(project, security)

    def reached_from(address: str) -> TestClient:
        client = TestClient(app, base_url=f"https://{HOST}", follow_redirects=False,
                            client=(address, 40000))
        client.proxy_only = request.param
        return client
    return reached_from


def test_the_user_header_is_believed_from_the_proxy(proxied):
    proxy = proxied("10.0.0.5")
    header = {"x-remote-user": "Carol.Jones@clinic.example"}
    assert proxy.get("/whoami", headers=header).json() == {"user": "carol.jones@clinic.example"}
    forwarded = {**header, "x-forwarded-for": "192.168.7.7", "x-forwarded-proto": "https"}
    assert proxy.get("/whoami", headers=forwarded).json()["user"] == \
        "carol.jones@clinic.example", "the proxy forwarding its client's address still counts"
    assert proxy.post("/api/assess", json=RECORD, headers=header).status_code == 200
    assert 'id="signed-in-user">carol.jones@clinic.example<' in proxy.get("/",
                                                                         headers=header).text
    assert proxy.get("/").status_code == 303, "no header: the log-in"
    for odd in ("carol jones", "<script>", "x" * 100):
        assert proxy.get("/", headers={"x-remote-user": odd}).status_code == 303, odd


def test_the_user_header_is_ignored_from_anywhere_else(proxied):
    elsewhere = proxied("10.0.0.6")
    header = {"x-remote-user": "carol", "x-forwarded-for": "10.0.0.5"}
    if elsewhere.proxy_only:  # plain HTTP from elsewhere: nothing but the health check
        for response in (elsewhere.get("/", headers=header), elsewhere.get("/login"),
                         elsewhere.post("/api/assess", json=RECORD, headers=header),
                         elsewhere.get("/whoami", headers=header)):
            assert response.status_code == 403 and "through its TLS proxy only" in \
                response.text
        assert elsewhere.get("/api/health").status_code == 200
        return
    assert elsewhere.get("/").status_code == 303
    assert elsewhere.get("/", headers=header).status_code == 303
    assert elsewhere.post("/api/assess", json=RECORD, headers=header).status_code == 401
    assert _log_in(elsewhere).status_code == 303, "accounts still sign in"
    assert elsewhere.get("/whoami", headers=header).json() == {"user": "alice"}


# --- logs -------------------------------------------------------------------------------------


def test_no_password_or_token_in_the_log(client, users, caplog):
    token = CliRunner().invoke(main, ["users", "token", "alice", "--users",
                                      str(users)]).stdout.strip()
    with caplog.at_level(logging.DEBUG):
        _log_in(client, password="wrong guess with words")
        _log_in(client, "typed.password.in.name", PASSWORD)
        _log_in(client)
        client.post("/api/assess", json=RECORD, headers={"authorization": f"Bearer {token}"})
    logged = caplog.text
    for secret in ("wrong guess with words", PASSWORD, token, "typed.password.in.name",
                   client.cookies.get(COOKIE)):
        assert secret not in logged
    assert "signed in: alice" in logged


# --- the README's commands for the clinic's IT --------------------------------------------------


class _Listening(BaseException):
    """Raised instead of binding: the start was allowed (not an Exception, so that the CLI's
    error reporting lets it through)."""


def _readme_commands() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```console\n(.*?)^```", readme, flags=re.S | re.M)
    lines = [re.sub(r"\s+#.*$", "", line) for block in blocks for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith(".venv/bin/brochure ")]


def test_the_readme_network_commands_run_as_written(tmp_path, monkeypatch, users_toml):
    """The account commands with a password on standard input; each `serve` up to the point
    where it would listen, in a folder with the files it names."""
    commands = _readme_commands()
    assert {c[1] for c in commands if c[0] == "users"} == {"add", "passwd", "token", "list",
                                                           "remove"}
    assert sum(c[0] == "serve" for c in commands) == 3
    monkeypatch.chdir(tmp_path)
    passwords = iter([PASSWORD, "quiet orchard lantern"])
    for args in (c for c in commands if c[0] == "users"):
        given = next(passwords) + "\n" if args[1] in ("add", "passwd") else None
        result = CliRunner().invoke(main, args, input=given)
        assert result.exit_code == 0, (args, result.output)
    served = tmp_path / "served"
    (served / ".brochure").mkdir(parents=True)
    (served / ".brochure" / "users.toml").write_bytes(users_toml.read_bytes())
    (served / ".brochure" / "users.toml").chmod(0o600)
    self_signed_into(served / "tls")
    monkeypatch.chdir(served)
    monkeypatch.setattr("brochure.commands.serve.bind", _refuse_to_listen)
    for args in (c for c in commands if c[0] == "serve"):
        with pytest.raises(_Listening):  # not exit 2: every option it needs is there
            CliRunner().invoke(main, args)


def _refuse_to_listen(host: str, port: int):
    raise _Listening


def self_signed_into(folder: Path) -> None:
    from .test_browser_network import self_signed

    folder.mkdir()
    self_signed(folder)
