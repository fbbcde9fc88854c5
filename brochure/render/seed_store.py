"""Font seeds kept on disk between runs, so that a command does not learn them again.

A summary kit learns each language's glyph numbering (a :class:`~.replay.FontSeed`) from
calibration summaries, a quarter of a second a language that every command paid before its
first summary. The seed depends on what :func:`seed_key` digests: the kit (its identity), the
language, this package's code, the Python and libraries that shape, order and set the text, and
the font files. A seed is found only in a file written under its own key, whole (the file
carries its key and a digest of its content), and numbering only the kit's own fonts (the
caller checks that), so the output is the same bytes with or without the store. It holds no
patient data (calibration records only).

A file that is not such a seed (damaged, foreign, not a regular file) is not used: the seed is
learnt again and the file replaced. A store that cannot be written only makes the next start
slower. The store keeps the :data:`KEPT` newest seeds (every change of code or content makes
new ones).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import stat
import sys
import time
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from ..errors import BrochureError
from ..output import TEMPORARY_SUFFIX, cache_dir, read_cached, write_atomic
from .replay import FontSeed

_FORMAT = b"font seed 2"
"""Changes with what a stored seed holds, so that older files are not read as new ones."""

MAX_SEED_BYTES = 1024 * 1024
"""A seed file larger than this is not one of ours (a seed of a few scripts is a few KB)."""

KEPT = 256
"""How many seed files the store keeps (the newest; about 2 KB each)."""

LEFTOVER_SECONDS = 3600
"""A temporary file older than this in the store was left by a writer that was killed."""


def seed_key(identity: str, language: str, faces: Iterable[str]) -> str:
    """The name a kit's seed for ``language`` is kept under (``faces``: the digests of the
    font files the kit's faces are made from)."""
    digest = hashlib.sha256(_FORMAT + _code_digest().encode())
    for part in (identity, language, *sorted(faces)):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:32]


def kept_seed(key: str) -> FontSeed | None:
    """The seed kept under ``key``, or None (never kept, unreadable, or not that seed)."""
    data = read_cached(_path(key), MAX_SEED_BYTES)
    if data is None:
        return None
    try:
        stored = json.loads(data)
    except (ValueError, RecursionError):  # (not JSON, or nested past Python's limit)
        return None
    return _seed_from(stored, key)


def keep_seed(key: str, seed: FontSeed) -> None:
    """Keep ``seed`` under ``key`` for the next run, where the cache folder can be written."""
    content = {"key": key, "order": seed.order, "chars": seed.chars}
    data = json.dumps({**content, "check": _check(content)}, sort_keys=True).encode()
    with contextlib.suppress(OSError, BrochureError):
        write_atomic(_path(key), data)
        _prune(_path(key).parent)


def _path(key: str) -> Path:
    return cache_dir("seeds") / f"{key}.json"


def _check(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _seed_from(stored: object, key: str) -> FontSeed | None:
    """A seed from its stored form, if the form is whole and written under ``key``: every
    font in the order has its characters (code points), no other font has any, and the
    content is what was written."""
    if not isinstance(stored, dict) or set(stored) != {"key", "order", "chars", "check"}:
        return None
    order, chars = stored["order"], stored["chars"]
    if stored["key"] != key or not (isinstance(order, list) and isinstance(chars, dict)):
        return None
    if not (all(isinstance(name, str) for name in order) and len(set(order)) == len(order)
            and set(order) == set(chars)):
        return None
    if not all(isinstance(codes, list) and all(_code_point(c) for c in codes)
               for codes in chars.values()):
        return None
    if stored["check"] != _check({"key": key, "order": order, "chars": chars}):
        return None
    return FontSeed(order=list(order), chars={name: list(chars[name]) for name in order})


def _code_point(value: object) -> bool:
    return type(value) is int and 0 <= value <= 0x10FFFF


def _prune(folder: Path) -> None:
    """Keep the :data:`KEPT` newest seeds, and no temporary file a killed writer left."""
    now = time.time()
    seeds = []
    for path in folder.iterdir():
        try:
            status = path.lstat()
        except OSError:  # (gone meanwhile: another process's temporary, renamed)
            continue
        if not stat.S_ISREG(status.st_mode):
            continue
        if path.name.endswith(TEMPORARY_SUFFIX) and now - status.st_mtime > LEFTOVER_SECONDS:
            _remove(path)
        elif path.suffix == ".json":
            seeds.append((status.st_mtime_ns, path.name, path))
    for *_, path in sorted(seeds, reverse=True)[KEPT:]:
        _remove(path)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


@cache
def _code_digest() -> str:
    """A digest of this package's code, of the Python it runs on (its Unicode data) and of the
    versions of the libraries a seed depends on (ReportLab sets and numbers the glyphs,
    HarfBuzz shapes, python-bidi orders, Pyphen hyphenates, Jinja fills the templates)."""
    import bidi
    import jinja2
    import pyphen
    import reportlab
    import uharfbuzz

    package = Path(__file__).resolve().parent.parent
    versions = (sys.version, unicodedata.unidata_version, reportlab.Version,
                uharfbuzz.__version__, getattr(bidi, "VERSION", "?"), pyphen.__version__,
                jinja2.__version__)
    digest = hashlib.sha256("|".join(versions).encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
