"""The audit trail (HIPAA §164.312(b)): one line per summary produced, hash-chained.

This module owns the project's state folder (``$BROCHURE_STATE``, else ``.brochure/`` at the
project's root), the audit log in it (``audit/audit.jsonl``), the audit key, the format of a
line, appending to the log, and checking it.

A line is a JSON object, fields in a fixed order: ``time`` (UTC, ISO 8601), ``kind`` (``cli``,
``batch``, ``server``), ``user`` (the OS user for the command line and batches, the signed-in
user for the server, ``loopback`` when it has none), ``publication``, ``verdict``, ``override``
and ``encrypted`` (true or false), ``token`` (the summary's file-name token: a keyed hash, see
:func:`output.summary_token`), ``version`` (the tool's), ``prev`` (the HMAC of the line before,
64 zeros for the first) and ``hmac``: HMAC-SHA256, keyed with the audit key, over the line's
bytes before ``,"hmac"`` (its content and ``prev``). No patient data: no name, record id, birth
date, notes or override reason. An edited, inserted, deleted or moved line breaks the chain at
its place (:func:`check`); a tail cut off shows against a last HMAC kept elsewhere.

Appends are locked across processes (``flock`` on ``audit.lock`` beside the log) and written
whole: one ``os.write`` on an ``O_APPEND`` descriptor, then ``fsync``; a short or failed write is
truncated back. A last line without its end of line is given one by the next append when it is
a whole signed line; when it is not (a write torn by a crash), it is cut off and the new line
chains to the line before.

Callers open the log (:class:`AuditLog`) before a summary is written or served, so a log that
cannot take lines (a read-only state folder) stops the command, or the server's answer, first.
The server appends before handing the PDF out; the command line and batches append right after
the file is in place, so that every line is a summary that exists: a crash in between (or a
disk refusing the line after the file took its room) loses that one line, and is said as an
error when it is not a crash.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .errors import CausedError, Problem
from .output import key_path, load_key

STATE_ENV = "BROCHURE_STATE"
AUDIT_KEY_ENV = "BROCHURE_AUDIT_KEY"
AUDIT_KEY_FILE = "audit-key"
LOG = "audit.jsonl"
LOCK = "audit.lock"
FIELDS = ("time", "kind", "user", "publication", "verdict", "override", "encrypted", "token",
          "version")
GENESIS = "0" * 64
"""The ``prev`` of the first line."""
_SIGNED = re.compile(r'(\{.*),"hmac":"([0-9a-f]{64})"\}')
_MAC = re.compile(rb'"hmac":"([0-9a-f]{64})"\}\s*$')


class AuditError(CausedError):
    """The audit log cannot take a line (exit 1): ``cause`` says why, in the system's words."""

    exit_code = 1


def state_dir(root: Path | str) -> Path:
    """``$BROCHURE_STATE`` when set, else ``<root>/.brochure`` (git ignores it)."""
    return Path(os.environ.get(STATE_ENV) or Path(root) / ".brochure")


def audit_dir(root: Path | str) -> Path:
    return state_dir(root) / "audit"


def audit_key() -> bytes:
    """``$BROCHURE_AUDIT_KEY``, else ``audit-key`` beside the token key, made on first use."""
    return load_key(AUDIT_KEY_ENV, key_path(AUDIT_KEY_FILE), "the audit key")


def os_user() -> str:
    """Who runs this command: the OS user's name, else the user id."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return f"uid-{os.getuid()}"


def entry(kind: str, user: str, publication: str, verdict: str, overridden: bool,
          encrypted: bool, token: str) -> dict:
    """A line's content (without its chain), stamped with the time and the tool's version."""
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    values = (now, kind, user, publication, verdict, overridden, encrypted, token, __version__)
    return dict(zip(FIELDS, values, strict=True))


def signed(content: dict, prev: str, key: bytes) -> tuple[bytes, str]:
    """The line's bytes (end of line included) and its HMAC."""
    body = json.dumps({**content, "prev": prev}, separators=(",", ":"))[:-1]
    mac = _mac(body, key)
    return f'{body},"hmac":"{mac}"}}\n'.encode(), mac


def _mac(body: str, key: bytes) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


# -- appending --------------------------------------------------------------------------------

class AuditLog:
    """The audit log opened for appending (folder made, lock file and log opened): an
    AuditError naming the folder and the cause when it cannot be."""

    def __init__(self, root: Path | str):
        self.folder = audit_dir(root)
        self.path = self.folder / LOG
        self.key = audit_key()
        self.lock = self.fd = -1
        try:
            with _audit_errors(self.folder):
                self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
                self.lock = _open(self.folder / LOCK, os.O_RDWR)
                self.fd = _open(self.path, os.O_RDWR | os.O_APPEND)
        except AuditError:
            self.close()
            raise

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for fd in (self.fd, self.lock):
            if fd >= 0:
                os.close(fd)
        self.lock = self.fd = -1

    def append(self, content: dict) -> str:
        """Add one line chained to the last one; its HMAC."""
        with _audit_errors(self.path), _flocked(self.lock):
            size, prev, start = self._tail()
            line, mac = signed(content, prev, self.key)
            _write_whole(self.fd, start + line, size)
        return mac

    def _tail(self) -> tuple[int, str, bytes]:
        """The log's size, the last line's HMAC, and what to write before the new line. A last
        line without its end of line gets one when it is a whole line of ours; when it is not
        (a write torn by a crash), it is cut off and the new line follows the one before."""
        size = os.fstat(self.fd).st_size
        last = _last_line(self.fd, size)
        if last.endswith(b"\n") or not last:
            return size, _mac_of(last), b""
        if parse(last) is not None:
            return size, _mac_of(last), b"\n"
        size -= len(last)
        os.ftruncate(self.fd, size)
        return size, _mac_of(_last_line(self.fd, size)), b""


def _mac_of(line: bytes) -> str:
    found = _MAC.search(line)
    return found.group(1).decode() if found else GENESIS


def _open(path: Path, flags: int) -> int:
    return os.open(path, flags | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)


@contextmanager
def _audit_errors(path: Path) -> Iterator[None]:
    """An OSError turned into an AuditError naming ``path`` and the system's reason."""
    try:
        yield
    except OSError as exc:
        cause = exc.strerror or type(exc).__name__
        raise AuditError(Problem(
            f"cannot write the audit log ({cause}); every summary needs its line, so this one "
            f"was not produced; expected a state folder you may write to (or set {STATE_ENV} "
            "to another)", path), cause) from None


@contextmanager
def _flocked(fd: int) -> Iterator[None]:
    """``flock`` held on ``fd`` for the block: one writer at a time, across processes."""
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _last_line(fd: int, size: int) -> bytes:
    """The file's last line (with its end of line, if it has one), read from the end."""
    window = 4096
    while True:
        start = max(0, size - window)
        chunk = os.pread(fd, size - start, start)
        cut = chunk.rstrip(b"\n").rfind(b"\n")
        if cut >= 0 or start == 0:
            return chunk[cut + 1:]
        window *= 4


def _write_whole(fd: int, line: bytes, size: int) -> None:
    """``line`` in one write, synced; on a short or failed write, the log cut back to
    ``size``, so it never holds half a line."""
    try:
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(0, "the system took part of the line (a full disk?)")
        os.fsync(fd)
    except OSError:
        os.ftruncate(fd, size)
        raise


def record_line(root: Path | str, content: dict) -> str:
    """Open the log, append one line, close it; the line's HMAC."""
    with AuditLog(root) as log:
        return log.append(content)


# -- checking ---------------------------------------------------------------------------------

@dataclass
class Line:
    """A line as read back: its signed part, its HMAC, the HMAC it follows, its values."""

    body: str
    mac: str
    prev: str
    values: dict = field(default_factory=dict)


@dataclass
class Chain:
    """What :func:`check` found: the HMACs of the intact lines, and the first problem."""

    path: Path
    macs: list[str]
    problem: Problem | None = None

    @property
    def last(self) -> str | None:
        return self.macs[-1] if self.macs else None


def read_lines(path: Path) -> list[bytes]:
    """The log's lines without their ends of line (a last line without one kept as it is)."""
    lines = (path.read_bytes() if path.exists() else b"").split(b"\n")
    return lines[:-1] if lines[-1] == b"" else lines


def parse(raw: bytes) -> Line | None:
    """A line's parts, or None when it is not a signed JSON object."""
    try:
        text = raw.decode()
        values = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return None
    found = _SIGNED.fullmatch(text)
    if not found or not isinstance(values, dict) or not isinstance(values.get("prev"), str):
        return None
    return Line(found.group(1), found.group(2), values["prev"], values)


def check(path: Path, key: bytes) -> Chain:
    """Walk the chain from the first line; stop at the first line that does not belong where
    it is, saying what is wrong with it."""
    raws = read_lines(path)
    lines = [parse(raw) for raw in raws]
    chain = Chain(path, [])
    for index, line in enumerate(lines):
        prev = chain.last or GENESIS
        if line is None or line.prev != prev or not hmac.compare_digest(
                _mac(line.body, key), line.mac):
            chain.problem = Problem(diagnose(lines, index, chain.macs), path, index + 1)
            return chain
        chain.macs.append(line.mac)
    return chain


def diagnose(lines: list[Line | None], index: int, macs: list[str]) -> str:
    """What is wrong with the line at ``index`` (0-based), the lines before it being intact."""
    number, line = index + 1, lines[index]
    prev = macs[-1] if macs else GENESIS
    following = lines[index + 1] if index + 1 < len(lines) else None
    if line is None:
        return f"line {number} is not an audit line (edited, inserted, or torn by a crash)"
    if line.prev != prev and (after := _written_after(lines[index + 1:], line.prev)):
        return f"line {number} is out of order (it was written after line {number + after})"
    if following is not None and following.prev == prev:
        return f"line {number} was inserted (the line after it follows the line before it)"
    if line.prev != prev:
        return (f"line {number} does not match the chain: a line before it was deleted (it "
                "follows a line no longer in the log), or it was edited")
    return f"line {number} was edited (its content does not match its HMAC)"


def _written_after(lines: list[Line | None], mac: str) -> int:
    """The 1-based place among ``lines`` of the line whose HMAC is ``mac``; 0 if none."""
    return next((n for n, line in enumerate(lines, 1) if line and line.mac == mac), 0)


def listed(path: Path) -> Iterator[tuple[int, dict | None]]:
    """Each line's number and values (None for a line that is not an audit line)."""
    for number, raw in enumerate(read_lines(path), 1):
        line = parse(raw)
        yield number, line.values if line else None
