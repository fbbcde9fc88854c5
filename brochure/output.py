"""Where files go and how they are written: names by contract, atomic writes."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import BrochureError, Problem
from .model.patient import PatientRecord

TOKEN_KEY_ENV = "BROCHURE_TOKEN_KEY"


def publication_path(out: Path, publication: str, layout: str, language: str | None = None,
                     variant: str | None = None) -> Path:
    """``out/<publication>/<layout>[-<lang>][-print].pdf``; English carries no language suffix."""
    name = layout + (f"-{language}" if language and language != "en" else "")
    name += f"-{variant}" if variant else ""
    return out / publication / f"{name}.pdf"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one."""
    with _writable(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def token_key(out: Path) -> bytes:
    """The secret that turns records into file names: ``$BROCHURE_TOKEN_KEY``, or a random key
    kept (readable by the owner only) in the output folder, so re-runs give the same names."""
    if os.environ.get(TOKEN_KEY_ENV):
        return os.environ[TOKEN_KEY_ENV].encode()
    path = out / ".token-key"
    if not path.exists():
        with _writable(out):
            out.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_hex(32))
            except FileExistsError:
                pass
    return path.read_text().strip().encode()


@contextmanager
def _writable(path: Path):
    """An output place the system refuses (no permission, a file where a folder should be, a
    full disk) is the user's to fix: said with the path, not as a traceback."""
    try:
        yield
    except OSError as exc:
        raise BrochureError(Problem(f"cannot write here ({exc.strerror or exc}); expected a "
                                    f"folder you may write to", path)) from None


def summary_token(record: PatientRecord, key: bytes) -> str:
    """A file name stem that carries no name, birth date or record id, and cannot be traced
    back to them without the key; the same record and visit always give the same token."""
    message = f"{record.id}\x1f{record.visit_date.isoformat()}".encode()
    return "s-" + hmac.new(key, message, hashlib.sha256).hexdigest()[:16]


def cache_dir(kind: str) -> Path:
    """Where derived, non-personal files are kept between runs (unhinted fonts, converted
    images): $BROCHURE_CACHE, else $XDG_CACHE_HOME/brochure, else ~/.cache/brochure."""
    if os.environ.get("BROCHURE_CACHE"):
        return Path(os.environ["BROCHURE_CACHE"]) / kind
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "brochure" / kind
