"""Where files go and how they are written: names by contract, atomic writes, the token key.

A summary's file name is a keyed hash (the *token*) of its publication, record id and visit
date; the key is ``$BROCHURE_TOKEN_KEY`` or a random key kept in the user's configuration folder
(never in an output folder, which gets copied and handed on).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import stat
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BrochureError, CausedError, Problem
from .kinds import SCREEN, OutputKind

if TYPE_CHECKING:  # (the models load pydantic: not when the command line starts)
    from .model.patient import PatientRecord

TOKEN_KEY_ENV = "BROCHURE_TOKEN_KEY"
KEY_BYTES = 32
LEGACY_KEY = ".token-key"
MAKE_KEY = 'python -c "import secrets; print(secrets.token_hex(32))"'


def publication_path(out: Path, publication: str, layout: str, language: str | None = None,
                     kind: OutputKind = SCREEN, brand: str | None = None) -> Path:
    """``out/<publication>/[<brand>/]<layout>[-<lang>][<kind's suffix>].pdf`` (``-print`` for
    the print file); English carries no language suffix, and the publication's own brand no
    folder (``brand`` is given only when it is another)."""
    name = layout + (f"-{language}" if language and language != "en" else "") + kind.suffix
    folder = out / publication / brand if brand else out / publication
    return folder / f"{name}.{kind.extension}"


TEMPORARY_SUFFIX = ".brochure.tmp"
OUR_TEMPORARY = re.compile(r"\..+\.brochure\.tmp|\.(s-[0-9a-f]{16}\.pdf|manifest\.csv(\.partial)?|"
                           r"\.register\.json)\.[a-z0-9_]{8}\.tmp")
"""Hidden temporary files of ours: marked ``.brochure.tmp``, or named as older versions named
a summaries folder's own (``.s-<token>.pdf.XXXXXXXX.tmp``)."""

SHARED_MODE = 0o644
"""Brochures, caches: readable by everyone on the machine, as files usually are."""
PRIVATE_MODE = 0o600
"""Summaries, manifests, the owners' register: about patients, so the owner's only."""


def write_atomic(path: Path, data: bytes, mode: int = SHARED_MODE) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one."""
    temporary = write_temporary(path, data, mode)
    publish(temporary, path)


def write_temporary(path: Path, data: bytes, mode: int = SHARED_MODE,
                    synced: bool = True) -> Path:
    """``data`` on disk (synced) in a hidden temporary file beside ``path``, ready for
    :func:`publish`; a process killed before that leaves only the hidden ``.….tmp`` file.
    ``synced=False``: written, but left for :func:`sync_file` before it is published (so
    that another process can wait on the disk while this one goes on)."""
    with writable(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                   suffix=TEMPORARY_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if synced:
                    os.fsync(handle.fileno())
            os.chmod(tmp, mode)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return Path(tmp)


def sync_file(path: Path) -> None:
    """Have the system put a file written with ``synced=False`` on disk (OSError if it
    cannot)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(temporary: Path, path: Path) -> None:
    """Put a file from :func:`write_temporary` in place, replacing ``path`` in one step."""
    with writable(path):
        try:
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise


def remove_temporaries(folder: Path) -> int:
    """Delete the hidden temporary files a killed writer of ours left in ``folder`` (only while
    holding the folder's lock, when no one else is writing there), and no one else's: a
    summary may be written into any folder, whose other hidden files are none of our business.
    How many there were."""
    leftovers = [p for p in folder.iterdir() if p.is_file() and not p.is_symlink() and
                 OUR_TEMPORARY.fullmatch(p.name)]
    for path in leftovers:
        path.unlink(missing_ok=True)
    return len(leftovers)


class WriteError(CausedError):
    """The system refused a write (no permission, a full disk, an I/O error): ``cause`` says
    why, in the system's words."""


@contextmanager
def writable(path: Path):
    """An output place the system refuses (no permission, a file where a folder should be, a
    full disk) is the user's to fix: said with the path, not as a traceback."""
    try:
        yield
    except OSError as exc:
        cause = exc.strerror or type(exc).__name__
        raise WriteError(Problem(f"cannot write here ({cause}); expected a folder you may "
                                 "write to, with space left", path), cause) from None


def summary_token(record: PatientRecord, key: bytes, publication: str) -> str:
    """A file name stem that carries no name, birth date or record id, and cannot be traced
    back to them without the key; the same publication, record id and visit always give the
    same token, and two publications never share one."""
    message = f"{publication}\x1f{record.id}\x1f{record.visit_date.isoformat()}".encode()
    return "s-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def patient_token(record: PatientRecord, key: bytes) -> str:
    """Who a summary is about, as a keyed hash of the record id and birth date: equal for the
    same patient, different for another one, and meaningless without the key."""
    message = f"patient\x1f{record.id}\x1f{record.date_of_birth.isoformat()}".encode()
    return "p-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def name_token(record: PatientRecord, key: bytes) -> str:
    """The name printed on a summary as a keyed hash, the same for the same name however its
    case, spacing or Unicode composition were typed."""
    folded = " ".join(unicodedata.normalize("NFC", record.name).casefold().split())
    message = f"name\x1f{folded}".encode()
    return "n-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def token_key() -> bytes:
    """The secret that turns records into file names: ``$BROCHURE_TOKEN_KEY`` (hex or base64,
    at least 32 random bytes), else the key file in the user's configuration folder, made on
    first use (readable by the owner only), so that reruns give the same names."""
    return load_key(TOKEN_KEY_ENV, key_path(), "the token key")


def load_key(variable: str, path: Path, what: str) -> bytes:
    """A secret key: environment variable ``variable`` (hex or base64, at least 32 random
    bytes) when set, else the file at ``path``, made on first use (readable by the owner
    only). ``what`` names the key in errors."""
    text = os.environ.get(variable)
    if text is not None:
        return parse_key(text, f"environment variable {variable}", None)
    if not path.exists():
        _create_key(path, what, variable)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise BrochureError(Problem(f"cannot read {what} ({_reason(exc)}); expected a "
                                    f"file holding a key made with: {MAKE_KEY}", path)) from None
    return parse_key(text, what, path)


def key_path(name: str = "token-key") -> Path:
    """``$XDG_CONFIG_HOME/brochure/<name>``, else ``~/.config/brochure/<name>``: the token key,
    and the audit key beside it."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    folder = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return folder / "brochure" / name


def parse_key(text: str, what: str, path: Path | None) -> bytes:
    """The key's bytes from hex or base64 text; an error (never quoting the text) if it is not
    at least 32 bytes or does not look random."""
    text = text.strip()
    key = _from_hex(text) if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", text) else _from_base64(text)
    if key is None or len(key) < KEY_BYTES or len(set(key)) < KEY_BYTES // 2:
        raise BrochureError(Problem(
            f"{what} is not a usable key: expected at least {KEY_BYTES} random bytes written as "
            f"hex ({2 * KEY_BYTES} hex digits) or base64; make one with: {MAKE_KEY}", path))
    return key


def legacy_key_notice(out: Path) -> str | None:
    """A one-line notice when ``out`` still holds the key file an older version kept there."""
    old = out / LEGACY_KEY
    if not old.is_file():
        return None
    return (f"{old}: notice: this token key from an older version is no longer used (the key "
            f"now lives in {key_path()}); delete it once you no longer need to match this "
            "folder's older file names to records, since anyone with a copy of it can")


def _from_hex(text: str) -> bytes | None:
    return bytes.fromhex(text)


def _from_base64(text: str) -> bytes | None:
    """Standard or URL-safe base64, padding optional."""
    padded = (text + "=" * (-len(text) % 4)).replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _create_key(path: Path, what: str, variable: str) -> None:
    """A new random key at ``path`` (folder 700, file 600), written whole or not at all; when
    two processes race, the first one's key stays."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(KEY_BYTES) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise BrochureError(Problem(f"cannot create {what} ({_reason(exc)}); expected a "
                                    f"configuration folder you may write to, or set "
                                    f"{variable}", path)) from None


def read_cached(path: Path, limit: int) -> bytes | None:
    """A file kept in the cache folder, or None when it is not there, is not a regular file
    (a pipe would block the reader for ever), is larger than ``limit`` bytes, or cannot be
    read: whatever was kept is then made again."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_size > limit:
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(status.st_size + 1)  # (one byte more: a file that grew)
        return data if len(data) <= status.st_size else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or type(exc).__name__


def cache_dir(kind: str) -> Path:
    """Where derived, non-personal files are kept between runs (unhinted fonts, converted
    images, kits' font seeds): $BROCHURE_CACHE, else $XDG_CACHE_HOME/brochure, else
    ~/.cache/brochure."""
    if os.environ.get("BROCHURE_CACHE"):
        return Path(os.environ["BROCHURE_CACHE"]) / kind
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "brochure" / kind
