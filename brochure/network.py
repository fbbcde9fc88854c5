"""The network mode of ``brochure serve``: its options, whether the server may start with
them, and the :class:`Security` the web application is given.

On loopback (127.0.0.0/8, ::1, ``localhost``) and without any of these options the server is
as it has always been: this machine only, no log-in. On any other address, or with any of
these options, it starts only with all three of:

- TLS: ``--tls-cert`` and ``--tls-key`` (uvicorn serves them), or ``--behind-proxy ADDRESS``,
  a TLS-terminating proxy at that one IP address, the only peer whose ``X-Forwarded-*``
  headers are believed;
- a log-in: accounts in the users file (:mod:`brochure.accounts`), or ``--user-header NAME``
  behind a proxy that signs users in (the header believed from the proxy's address only);
- ``--allowed-host`` names: the Host header must be one of them (DNS rebinding).

Otherwise it refuses to start (exit 2) and says each thing missing. A light module (the
standard library only): the command line imports it for its options.
"""

from __future__ import annotations

import ipaddress
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any

import click

from .errors import BrochureError, Problem

IDLE_SECONDS = 30 * 60
"""A session ends after this long without a request."""
LIFETIME_SECONDS = 12 * 60 * 60
"""A session ends this long after its log-in, however busy."""
MAX_FAILURES = 5
"""Failed log-ins allowed per account name within :data:`FAILURE_WINDOW_SECONDS`."""
FAILURE_WINDOW_SECONDS = 15 * 60
LOOPBACK_NAME = "localhost"

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_NAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
_PORT = re.compile(r"[0-9]{1,5}")
_HEADER = re.compile(r"[A-Za-z0-9-]{1,64}")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address to listen on) reaches this machine only."""
    if host.lower() == LOOPBACK_NAME:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str | None:
    """The host of a Host header, lower case, if the header is exactly ``host[:port]``: a DNS
    name or IPv4 address, or an IPv6 address in brackets; None for anything else
    (``localhost:8765@evil``, ``localhost:8765, evil.example``, an empty header)."""
    text = header.lower()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or not _is_ipv6(host):
            return None
    else:
        host, colon, port = text.partition(":")
        rest = colon + port
        if not _NAME.fullmatch(host):
            return None
    return host if rest == "" or _is_port(rest) else None


def _is_ipv6(text: str) -> bool:
    return _is_address(text, ipaddress.IPv6Address)


def _is_port(text: str) -> bool:
    return text.startswith(":") and bool(_PORT.fullmatch(text[1:])) and int(text[1:]) <= 65535


@dataclass(frozen=True)
class NetworkOptions:
    """The network options of ``brochure serve`` as given on the command line."""

    tls_cert: Path | None = None
    tls_key: Path | None = None
    behind_proxy: str | None = None
    users: Path | None = None
    user_header: str | None = None
    allowed_hosts: tuple[str, ...] = ()

    @property
    def given(self) -> bool:
        return any((self.tls_cert, self.tls_key, self.behind_proxy, self.users,
                    self.user_header, self.allowed_hosts))


@dataclass(frozen=True)
class Security:
    """What the web application enforces in the network mode. ``clock`` (seconds, for
    session and lock-out times) and the limits are parameters so that tests can move time
    instead of waiting for it."""

    users: Path
    """The users file (read again whenever it changes)."""
    proxy: str | None = None
    """The proxy's IP address: the only peer whose forwarded headers (and user header) are
    believed."""
    user_header: str | None = None
    proxy_only: bool = False
    """Behind a proxy, with no TLS of its own: requests from any other peer would cross the
    network in clear text, so they are refused (``/api/health`` excepted)."""
    idle: float = IDLE_SECONDS
    lifetime: float = LIFETIME_SECONDS
    max_failures: int = MAX_FAILURES
    failure_window: float = FAILURE_WINDOW_SECONDS
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)


@dataclass(frozen=True)
class Plan:
    """How the server is to run in the network mode: what the application enforces, the
    host names it answers to, and the TLS files uvicorn serves (None behind a proxy)."""

    security: Security
    hosts: tuple[str, ...]
    tls: tuple[Path, Path] | None


def network_plan(root: Path, host: str, options: NetworkOptions) -> Plan | None:
    """None on loopback without network options; else the plan, or BrochureError (exit 2)
    naming every thing missing or wrong."""
    if is_loopback(host) and not options.given:
        return None
    from .accounts import users_file

    users = users_file(root, options.users)
    where = (f"serving on {host} (reachable from other machines)" if not is_loopback(host)
             else f"serving on {host} with network options")
    problems = [*_tls_problems(where, options), *_proxy_problems(options),
                *_host_problems(where, host, options), *_login_problems(where, users, options)]
    if problems:
        raise BrochureError(problems)
    tls = (options.tls_cert, options.tls_key) if options.tls_cert and options.tls_key else None
    security = Security(users=users, proxy=options.behind_proxy, user_header=options.user_header,
                        proxy_only=bool(options.behind_proxy) and tls is None,
                        idle=_idle_seconds())
    return Plan(security, _hosts(host, options), tls)


def _idle_seconds() -> float:
    """How long a session may sit unused: :data:`IDLE_SECONDS`, or less when
    ``$BROCHURE_SESSION_IDLE_SECONDS`` says so (for tests that watch a session expire; it can
    only shorten the limit)."""
    text = os.environ.get("BROCHURE_SESSION_IDLE_SECONDS", "")
    try:
        return min(IDLE_SECONDS, max(1.0, float(text))) if text else IDLE_SECONDS
    except ValueError:
        return IDLE_SECONDS


def _hosts(host: str, options: NetworkOptions) -> tuple[str, ...]:
    """The ``--allowed-host`` names; on loopback also the names it answers to anyway."""
    given = tuple(name.lower().strip("[]") for name in options.allowed_hosts)
    return (*given, host, "127.0.0.1", LOOPBACK_NAME, "::1") if is_loopback(host) else given


def _tls_problems(where: str, options: NetworkOptions) -> list[Problem]:
    cert, key = options.tls_cert, options.tls_key
    if cert is None and key is None:
        if options.behind_proxy:
            return []
        return [Problem(f"{where} needs TLS, or records cross the network in clear text; "
                        "expected --tls-cert FILE and --tls-key FILE, or --behind-proxy ADDRESS "
                        "naming the TLS-terminating proxy in front")]
    if cert is None or key is None:
        return [Problem("--tls-cert and --tls-key go together; expected both: the "
                        "certificate (PEM, with its chain) and its private key (PEM)")]
    return _tls_file_problems(cert, key)


def _tls_file_problems(cert: Path, key: Path) -> list[Problem]:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key, password=lambda: b"")  # never a prompt
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or "unreadable"
        return [Problem(f"cannot use this certificate and key ({reason}); expected a PEM "
                        "certificate and its PEM private key, not encrypted", cert)]
    return []


def _proxy_problems(options: NetworkOptions) -> list[Problem]:
    problems = []
    if options.behind_proxy is not None and not _is_address(options.behind_proxy):
        problems.append(Problem("--behind-proxy: expected the proxy's IP address (such as "
                                "10.0.0.2), not a name or a network"))
    if options.user_header is not None:
        if not options.behind_proxy:
            problems.append(Problem("--user-header needs --behind-proxy ADDRESS: the header "
                                    "is believed from the proxy's address only"))
        if not _HEADER.fullmatch(options.user_header):
            problems.append(Problem("--user-header: expected a header name (letters, digits "
                                    "and -), such as X-Remote-User"))
    return problems


def _is_address(text: str, parse=ipaddress.ip_address) -> bool:
    """Whether ``text`` is an IP address (of the kind ``parse`` reads)."""
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _host_problems(where: str, host: str, options: NetworkOptions) -> list[Problem]:
    if not options.allowed_hosts and not is_loopback(host):
        return [Problem(f"{where} needs the host names clients use, against DNS rebinding; "
                        "expected --allowed-host NAME (repeatable), such as --allowed-host "
                        "brochure.clinic.example")]
    return [Problem(f"--allowed-host: expected a host name or IP address, without a port or "
                    f"anything else; got {name!r}")
            for name in options.allowed_hosts if not _is_host(name)]


def _is_host(name: str) -> bool:
    bare = name.strip("[]") if name.startswith("[") else name
    return _is_address(bare) or host_name(name) == name.lower()


def _login_problems(where: str, users: Path, options: NetworkOptions) -> list[Problem]:
    from .accounts import load

    try:
        accounts = load(users)
    except BrochureError as exc:
        return exc.problems
    if accounts.by_name or options.user_header:
        return []
    return [Problem(f"{where} needs a log-in; expected accounts in {users} (add one with "
                    "`brochure users add NAME`), another users file (--users FILE), or "
                    "--user-header NAME behind a proxy that signs users in")]


def network_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The network options of ``brochure serve``, given to ``command`` as one
    ``network=NetworkOptions(…)``."""
    @wraps(command)
    def wrapper(*args: Any, tls_cert: Path | None, tls_key: Path | None,
                behind_proxy: str | None, users_path: Path | None, user_header: str | None,
                allowed_hosts: tuple[str, ...], **kwargs: Any) -> Any:
        options = NetworkOptions(tls_cert, tls_key, behind_proxy, users_path, user_header,
                                 allowed_hosts)
        return command(*args, network=options, **kwargs)
    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


_FILE = click.Path(dir_okay=False, path_type=Path)
_OPTIONS = [
    click.option("--tls-cert", type=_FILE, metavar="FILE",
                 help="Serve HTTPS with this certificate (PEM, with its chain); with --tls-key."),
    click.option("--tls-key", type=_FILE, metavar="FILE",
                 help="The certificate's private key (PEM, not encrypted)."),
    click.option("--behind-proxy", metavar="ADDRESS",
                 help="A TLS-terminating proxy at this IP address is in front: its "
                      "X-Forwarded-For and -Proto are believed, from it only."),
    click.option("--users", "users_path", type=_FILE, metavar="FILE",
                 help="Accounts for the log-in (managed with `brochure users`). Default: "
                      ".brochure/users.toml in the project."),
    click.option("--user-header", metavar="NAME",
                 help="Take the signed-in user from this header, set by the proxy "
                      "(--behind-proxy), believed from its address only."),
    click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
                 help="A host name clients use to reach the server (repeatable); any other "
                      "Host header is refused."),
]
