"""The accounts of the network mode: the users file, its passwords and its API tokens.

The file (``.brochure/users.toml`` at the project's root unless ``--users`` names another) is
TOML, written by :func:`save` and read by :func:`load`::

    [users."alice"]
    password = "$argon2id$v=19$m=65536,t=3,p=4$…"
    token = "sha256:…"          # only once `brochure users token alice` made one

It holds no password and no token, only their hashes, yet a copy would let someone try
passwords offline at leisure: it is the owner's only (mode 600, written so from the start),
and a file that the group or others may read or write is refused, never used. A save is
atomic (a reader sees the old file or the new one whole) and runs under a lock, so that two
``brochure users`` commands at once never lose one's change.

Passwords are hashed with Argon2id (``argon2-cffi``'s defaults, RFC 9106's low-memory
choice: 64 MiB, 3 passes, 4 lanes; about 0.1 s a hash here) and held to the rule of summary
passwords (:func:`brochure.passwords.password_problem`, with the account's name among the
first guesses). An API token is 32 random bytes; being unguessable, it is stored as its
SHA-256 (a slow hash would add nothing) and compared in constant time. Names are lower-case
letters, digits and ``. _ - @`` (:data:`NAME_RULE`), so that they are safe in a TOML key, a
log line and a page.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from .errors import BrochureError, Problem
from .output import PRIVATE_MODE, write_atomic
from .passwords import password_problem

USERS_FILE = Path(".brochure") / "users.toml"
"""Where the accounts are, from the project's root (``.brochure/`` is ignored by git)."""
NAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")
NAME_RULE = ("a name is 1 to 64 lower-case letters, digits and . _ - @, starting with a letter "
             "or digit")
TOKEN_PREFIX = "brochure_"
MAX_PASSWORD = 1024
"""Longer log-in passwords are refused before hashing (a password of 127 bytes at most is
ever set: :data:`brochure.passwords.MAX_BYTES`)."""
MAX_FILE = 1024 * 1024
HEADER = ("# Accounts for `brochure serve` on the network: Argon2id password hashes and SHA-256\n"
          "# hashes of API tokens. Managed by `brochure users`; keep it mode 600.\n")


@dataclass(frozen=True)
class Account:
    """One account: its name, its password's Argon2id hash, its API token's hash if any."""

    name: str
    password: str
    token: str | None = None


@dataclass(frozen=True)
class Accounts:
    """The accounts of one users file, by name."""

    by_name: Mapping[str, Account]

    def get(self, name: str) -> Account | None:
        return self.by_name.get(name)

    def verify(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s. An unknown name costs one Argon2 verification
        all the same, so that the time taken does not tell whether the account exists."""
        account = self.by_name.get(name)
        return verify_password(account.password if account else dummy_hash(), password) \
            and account is not None

    def token_user(self, token: str) -> str | None:
        """Whose API token ``token`` is (compared in constant time with each), or None."""
        digest = token_hash(token)
        found = None
        for account in self.by_name.values():
            if account.token and hmac.compare_digest(account.token, digest):
                found = account.name
        return found


def name_problem(name: str) -> str | None:
    """What is wrong with an account's name (never quoting it), or None."""
    return None if NAME.fullmatch(name) else f"not a valid account name: {NAME_RULE}"


def users_file(root: Path, given: Path | None = None) -> Path:
    """The users file: ``given`` (``--users``), else ``.brochure/users.toml`` under ``root``."""
    return given if given is not None else root / USERS_FILE


# reading


def load(path: Path) -> Accounts:
    """The accounts in ``path`` (none when it does not exist); BrochureError when it may be
    read by others or is not a users file."""
    if not path.exists():
        return Accounts({})
    with _opened(path) as handle:
        _check_private(path, os.fstat(handle.fileno()))
        data = handle.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise BrochureError(Problem(f"over {MAX_FILE // 1024} KB; expected a users file made "
                                    "by `brochure users`", path))
    return Accounts(_parsed(path, data))


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Any]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise BrochureError(Problem(f"cannot read the users file ({exc.strerror}); expected a "
                                    "file this user may read", path)) from None
    with handle:
        yield handle


def _check_private(path: Path, status: os.stat_result) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise BrochureError(Problem("not a regular file; expected the users file", path))
    if status.st_mode & 0o077:
        mode = stat.S_IMODE(status.st_mode)
        raise BrochureError(Problem(
            f"the users file may be read or changed by other users (mode {mode:o}); expected "
            f"mode 600, readable by its owner only: chmod 600 {path}", path))


def _parsed(path: Path, data: bytes) -> dict[str, Account]:
    try:
        table = _toml().loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BrochureError(Problem(f"not valid TOML ({exc}); expected a users file made by "
                                    "`brochure users`", path)) from None
    users = table.get("users", {})
    if set(table) - {"users"} or not isinstance(users, dict):
        raise BrochureError(Problem("expected only [users.\"NAME\"] tables", path))
    return {name: _account(path, name, entry) for name, entry in users.items()}


def _account(path: Path, name: str, entry: object) -> Account:
    problem = name_problem(name)
    if problem is None and not (isinstance(entry, dict) and set(entry) <= {"password", "token"}
                                and isinstance(entry.get("password"), str)
                                and isinstance(entry.get("token", ""), str)):
        problem = "expected a password hash, and at most a token hash"
    if problem:
        raise BrochureError(Problem(f"an account: {problem}", path))
    assert isinstance(entry, dict)
    return Account(name, entry["password"], entry.get("token"))


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    return tomllib


# writing


def save(path: Path, accounts: Accounts) -> None:
    """Write ``accounts`` to ``path`` atomically, mode 600 (its folder made mode 700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_atomic(path, dump(accounts).encode("utf-8"), mode=PRIVATE_MODE)


def dump(accounts: Accounts) -> str:
    """The users file's text: each account a table, every string escaped as TOML wants."""
    parts = [HEADER]
    for name in sorted(accounts.by_name):
        account = accounts.by_name[name]
        parts.append(f"\n[users.{_string(name)}]\npassword = {_string(account.password)}\n")
        if account.token:
            parts.append(f"token = {_string(account.token)}\n")
    return "".join(parts)


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes (ASCII, \\" \\\\ \\n \\uXXXX…) are all TOML's."""
    return json.dumps(text, ensure_ascii=True)


@contextlib.contextmanager
def changing(path: Path) -> Iterator[list[Accounts]]:
    """The accounts of ``path`` to change, under a lock: put the new value in the list; it
    is saved when the block ends without an error."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = path.with_name(f".{path.name}.lock")
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, PRIVATE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        holder = [load(path)]
        yield holder
        save(path, holder[0])
    finally:
        os.close(fd)


def with_account(accounts: Accounts, account: Account) -> Accounts:
    return Accounts({**accounts.by_name, account.name: account})


def without(accounts: Accounts, name: str) -> Accounts:
    return Accounts({k: v for k, v in accounts.by_name.items() if k != name})


def with_token(accounts: Accounts, name: str, token: str | None) -> Accounts:
    account = accounts.by_name[name]
    return with_account(accounts, replace(account, token=token_hash(token) if token else None))


# hashing


def new_password_problem(name: str, password: str) -> str | None:
    """What is wrong with ``password`` for account ``name`` (the summary passwords' rule,
    the name among the first guesses), never quoting it; or None."""
    return password_problem(password, user_inputs=_name_inputs(name))


def _name_inputs(name: str) -> tuple[str, ...]:
    return (name, *(part for part in re.split(r"[._@-]+", name) if part))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(hashed: str, password: str) -> bool:
    """Whether ``password`` matches the Argon2 hash ``hashed`` (False for a password longer
    than any that can be set, or a hash that is none)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher().verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def dummy_hash() -> str:
    """A hash of a random password, with the same cost as the real ones: what an unknown
    name's log-in is checked against."""
    return hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    """A new API token: 32 random bytes, marked as ours (``brochure_…``)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return "sha256:" + hashlib.sha256(token.encode("utf-8")).hexdigest()


class Watched:
    """The accounts of a users file as they are now, for a running server: read again when
    the file changes (a ``brochure users remove`` takes effect at the next request, without a
    restart). A file that turns unusable (its mode opened to others, broken) counts as no
    accounts until it is fixed: the server fails closed, and says so once in its log."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._accounts = Accounts({})
        self.current()

    def current(self) -> Accounts:
        seen = _identity(self.path)
        if seen != self._seen:
            self._seen, self._accounts = seen, self._read()
        return self._accounts

    def _read(self) -> Accounts:
        import logging

        try:
            return load(self.path)
        except BrochureError as exc:
            logging.getLogger("brochure.web").warning("no log-in possible until fixed: %s",
                                                      exc.problems[0])
            return Accounts({})


def _identity(path: Path) -> tuple[int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size, status.st_ino
