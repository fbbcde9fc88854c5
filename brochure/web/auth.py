"""Who is asking, in the network mode: log-in and log-out pages, sessions, API tokens, the
proxy's user header, and the gate every request passes before the form or the API.

A request is someone's when it carries, in this order of trust:

1. the proxy's user header (``--user-header``), believed only when the peer is the proxy
   itself (the address of the TCP connection, before any ``X-Forwarded-For`` is applied:
   :func:`protect` puts uvicorn's proxy-headers middleware inside this gate);
2. for the JSON API, an API token as ``Authorization: Bearer …`` (a wrong one is 401, never
   a fall-back to anything else);
3. a session cookie from the log-in page.

Anything else may have the log-in page, the style sheet and ``/api/health`` only: a page is
sent to the log-in page (303), the API answers 401. Behind a proxy, with no TLS of its own,
the server answers its proxy only (403 to anyone else but for ``/api/health``): a log-in from
elsewhere would send a password in clear text. The user's name is then
``request.state.user`` (the audit log reads it).

Sessions live in this process's memory, keyed by the SHA-256 of a random 32-byte token that
is the cookie (``__Host-`` prefixed: ``Secure``, ``HttpOnly``, ``SameSite=Strict``, path
``/``, no domain). Chosen over a signed cookie because a log-out, a ``brochure users remove``
or a changed password must end a session at once, which a signed cookie can only do with a
server-side list anyway; the cost is that a restart signs everyone out, as it already voids
every open form (:mod:`.csrf`). A session ends after :data:`~brochure.network.IDLE_SECONDS`
without a request and :data:`~brochure.network.LIFETIME_SECONDS` after its log-in.

Log-ins are throttled per name: after :data:`~brochure.network.MAX_FAILURES` failures in
:data:`~brochure.network.FAILURE_WINDOW_SECONDS`, the name must wait, whether or not an
account has it (an unknown name costs the same Argon2 verification and gets the same words).
An attempt counts as failed from its start and is taken back when it succeeds, so that many
attempts sent at once get no more guesses. Nothing typed into the log-in form is logged.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from ..accounts import NAME, Accounts, Watched
from ..network import Security
from . import csrf

COOKIE = "__Host-brochure-session"
FORM_TYPE = "application/x-www-form-urlencoded"
PUBLIC = ("/login", "/api/health")
PUBLIC_FOLDERS = ("/static/",)
API = ("/api/", "/openapi.json")
MAX_THROTTLED_NAMES = 10_000
log = logging.getLogger("brochure.web")

WRONG = "The name or the password is wrong."
ENDED = "Your session has ended (30 minutes without use, 12 hours at most, or a log-out): " \
        "sign in again."
SIGNED_OUT = "You are signed out."
NOT_THE_PROXY = ("forbidden: this server is reached through its TLS proxy only; use the "
                 "address the clinic gave for the form")
UNAUTHORIZED = ("sign in first: send the session cookie of a log-in, or an API token as "
                "'Authorization: Bearer TOKEN' (brochure users token NAME)")


def wait_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (f"Too many failed sign-ins with this name. Wait {minutes} minute"
            f"{'s' if minutes > 1 else ''}, then try again.")


# sessions


@dataclass
class Session:
    user: str
    stamp: str
    """The account's password hash at log-in: a new password ends the session."""
    started: float
    seen: float


class Sessions:
    """Open sessions by the SHA-256 of their token; used from the event loop only."""

    def __init__(self, security: Security) -> None:
        self.security = security
        self._open: dict[bytes, Session] = {}

    def open(self, user: str, stamp: str) -> str:
        """A new session's token (the cookie's value)."""
        self._drop_ended()
        token = secrets.token_urlsafe(32)
        now = self.security.clock()
        self._open[_key(token)] = Session(user, stamp, now, now)
        return token

    def find(self, token: str, accounts: Accounts) -> Session | None:
        """The live session of ``token``, now seen again; None (and the session ended) when
        it has been idle or open too long, or its account is gone or has a new password."""
        key = _key(token)
        session = self._open.get(key)
        if session is None:
            return None
        account = accounts.get(session.user)
        if self._ended(session) or account is None or account.password != session.stamp:
            del self._open[key]
            return None
        session.seen = self.security.clock()
        return session

    def close(self, token: str) -> None:
        self._open.pop(_key(token), None)

    def _ended(self, session: Session) -> bool:
        now = self.security.clock()
        return (now - session.seen > self.security.idle
                or now - session.started > self.security.lifetime)

    def _drop_ended(self) -> None:
        for key in [k for k, s in self._open.items() if self._ended(s)]:
            del self._open[key]


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "replace")).digest()


class Throttle:
    """Recent failed log-ins per name (keyed by a hash: a name field may hold anything)."""

    def __init__(self, security: Security) -> None:
        self.security = security
        self._failures: dict[bytes, deque[float]] = {}

    def wait(self, name: str) -> float:
        """Seconds before ``name`` may try again (0: now)."""
        recent = self._recent(_key(name))
        limit = self.security.max_failures
        if len(recent) < limit:
            return 0.0
        return recent[-limit] + self.security.failure_window - self.security.clock()

    def attempt(self, name: str) -> float:
        """Count an attempt as failed; its time, to :meth:`succeeded` with."""
        if len(self._failures) >= MAX_THROTTLED_NAMES:
            self._forget_old()
        now = self.security.clock()
        self._failures.setdefault(_key(name), deque()).append(now)
        return now

    def succeeded(self, name: str, at: float) -> None:
        recent = self._failures.get(_key(name))
        if recent is not None and at in recent:
            recent.remove(at)

    def _recent(self, key: bytes) -> deque[float]:
        recent = self._failures.get(key, deque())
        horizon = self.security.clock() - self.security.failure_window
        while recent and recent[0] <= horizon:
            recent.popleft()
        return recent

    def _forget_old(self) -> None:
        for key in list(self._failures):
            if not self._recent(key):
                del self._failures[key]


# who is asking


@dataclass
class Auth:
    """The network mode's state: accounts, sessions, throttle, the forms' token."""

    security: Security
    accounts: Watched
    sessions: Sessions
    throttle: Throttle
    token: str
    verifying: anyio.CapacityLimiter

    @classmethod
    def for_security(cls, security: Security) -> Auth:
        from ..accounts import dummy_hash

        dummy_hash()  # made now, not during the first log-in (whose timing it must match)
        return cls(security, Watched(security.users), Sessions(security), Throttle(security),
                   csrf.new_token(), anyio.CapacityLimiter(2))

    def proxy_user(self, scope: Scope) -> str | None:
        """The user named by the proxy's header, if the peer is the proxy and the name is
        valid; otherwise the header is ignored."""
        header = self.security.user_header
        if not header or not self.from_proxy(scope):
            return None
        value = _header(scope, header.lower().encode("latin-1"))
        name = value.strip().lower() if value is not None else ""
        return name if NAME.fullmatch(name) else None

    def from_proxy(self, scope: Scope) -> bool:
        """Whether the peer (the TCP connection's, not a forwarded address) is the proxy."""
        client = scope.get("client")
        if not self.security.proxy or not client:
            return False
        return bool(client[0] == self.security.proxy)

    def session_of(self, scope: Scope) -> tuple[str | None, Session | None]:
        """The session cookie's token and its live session, if any."""
        token = _cookie(scope)
        if token is None:
            return None, None
        return token, self.sessions.find(token, self.accounts.current())


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope["headers"] if k == name]
    return values[0].decode("latin-1") if len(values) == 1 else None


def _cookie(scope: Scope) -> str | None:
    from http.cookies import CookieError, SimpleCookie

    jar: SimpleCookie = SimpleCookie()
    for name, value in scope["headers"]:
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except CookieError:
                return None
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else None


class Gate:
    """Lets a request through to the application when it is someone's (setting
    ``state.user``) or asks for a public path; else 303 to the log-in page, or 401 for the
    API."""

    def __init__(self, app: ASGIApp, auth: Auth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._admit(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _admit(self, scope: Scope) -> Response | None:
        """None when the request may go on (its user, if any, in its state); else the
        refusal."""
        path, state = scope["path"], scope.setdefault("state", {})
        if self.auth.security.proxy_only and not self.auth.from_proxy(scope) and \
                path != "/api/health":
            return PlainTextResponse(NOT_THE_PROXY, 403)
        user = self.auth.proxy_user(scope)
        if user is None and path.startswith(API) and _header(scope, b"authorization"):
            user = self._token_user(scope)
            if user is None:
                return _unauthorized("the API token is not valid (a token is shown once by "
                                     "`brochure users token NAME`)")
        token, session = (None, None) if user else self.auth.session_of(scope)
        if session is not None:
            user, state["sign_out"] = session.user, self.auth.token
        if user is not None:
            state["user"] = user
            return None
        if path in PUBLIC or path.startswith(PUBLIC_FOLDERS):
            return None
        if path.startswith(API):
            return _unauthorized(UNAUTHORIZED)
        return RedirectResponse("/login?ended=1" if token else "/login", status_code=303)

    def _token_user(self, scope: Scope) -> str | None:
        scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.auth.accounts.current().token_user(token.strip())


def _unauthorized(detail: str) -> Response:
    return JSONResponse({"detail": detail}, status_code=401,
                        headers={"WWW-Authenticate": 'Bearer realm="brochure"'})


# installing


def protect(app: FastAPI, security: Security) -> Auth:
    """Put the gate (and, behind a proxy, uvicorn's proxy-headers middleware inside it, so
    that the gate sees the real peer) around ``app`` and add the log-in and log-out routes.
    Call before the outer :class:`~.guard.Guard` is added, so that the Host check and the
    body limit come first."""
    auth = Auth.for_security(security)
    if security.proxy:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[security.proxy])
    app.add_middleware(Gate, auth=auth)
    _routes(app, auth, Jinja2Templates(directory=Path(__file__).parent / "templates"))
    return auth


def _routes(app: FastAPI, auth: Auth, templates: Jinja2Templates) -> None:
    page = _login_page(templates, auth)

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, ended: str | None = None, signed_out: str | None = None):
        notice = ENDED if ended else SIGNED_OUT if signed_out else None
        return page(request, notice=notice)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request):
        form = await _posted(request, auth.token)
        if isinstance(form, Response):
            return form
        return await _sign_in(request, form, auth, page)

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request):
        form = await _posted(request, auth.token)
        if isinstance(form, Response):
            return form
        token = _cookie(request.scope)
        if token:
            auth.sessions.close(token)
        response = RedirectResponse("/login?signed_out=1", status_code=303)
        response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
        return response


async def _posted(request: Request, token: str) -> Any:
    """The log-in or log-out form, or the refusal (415 unless a plain form, 403 if forged)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != FORM_TYPE:
        return PlainTextResponse(f"send the form as {FORM_TYPE}", 415)
    form = await request.form()
    if csrf.forged(request, form, token):
        return PlainTextResponse(csrf.REFUSED, 403)
    return form


PageMaker = Callable[..., Response]


def _login_page(templates: Jinja2Templates, auth: Auth) -> PageMaker:
    def page(request: Request, *, name: str = "", errors: dict[str, str] | None = None,
             notice: str | None = None, alert: str | None = None, status: int = 200):
        return templates.TemplateResponse(request, "login.html", {
            "name": name, "errors": errors or {}, "notice": notice, "alert": alert,
            "csrf_field": csrf.FIELD, "csrf_token": auth.token}, status_code=status)
    return page


async def _sign_in(request: Request, form: Any, auth: Auth, page: PageMaker) -> Response:
    name = str(form.get("name") or "").strip().lower()
    password = str(form.get("password") or "")
    missing = {field: message for field, message in (
        ("name", "Enter your name."), ("password", "Enter your password."))
        if not form.get(field)}
    if missing:
        return page(request, name=name, errors=missing, status=422)
    if wait := auth.throttle.wait(name):
        return page(request, name=name, alert=wait_message(wait), status=429)
    attempt = auth.throttle.attempt(name)
    accounts = auth.accounts.current()
    if not await anyio.to_thread.run_sync(accounts.verify, name, password,
                                          limiter=auth.verifying):
        log.warning("log-in refused (the name is not logged)")
        if wait := auth.throttle.wait(name):
            return page(request, name=name, alert=wait_message(wait), status=429)
        return page(request, name=name, alert=WRONG, status=401)
    auth.throttle.succeeded(name, attempt)
    account = accounts.get(name)
    assert account is not None
    return _signed_in(auth.sessions.open(name, account.password), name)


def _signed_in(token: str, name: str) -> Response:
    log.info("signed in: %s", name)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token, path="/", secure=True, httponly=True, samesite="strict")
    return response
