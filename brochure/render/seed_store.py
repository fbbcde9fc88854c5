"""Font seeds kept on disk between runs, so that a command does not learn them again.

A summary kit learns each language's glyph numbering (a :class:`~.replay.FontSeed`) from
calibration summaries, a quarter of a second a language that every command paid before its
first summary. The seed depends on nothing but what :func:`seed_key` digests: the kit (its
identity), the language, this package's code, the libraries that shape and set the text, and
the font files. A seed found under that key is the seed learning would give, so the output is
the same bytes with or without the store. It holds no patient data (calibration records only).

A file that cannot be read, or does not hold a seed's shape, is not used: the seed is learnt
again and the file replaced. A store that cannot be written only makes the next start slower.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from ..errors import BrochureError
from ..output import cache_dir, write_atomic
from .replay import FontSeed

_FORMAT = b"font seed 1"
"""Changes with what a stored seed holds, so that older files are not read as new ones."""


def seed_key(identity: str, language: str, faces: Iterable[str]) -> str:
    """The name a kit's seed for ``language`` is kept under (``faces``: the digests of the
    font files the kit's faces are made from)."""
    digest = hashlib.sha256(_FORMAT + _code_digest().encode())
    for part in (identity, language, *sorted(faces)):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:32]


def kept_seed(key: str) -> FontSeed | None:
    """The seed kept under ``key``, or None (never kept, unreadable, or not a seed)."""
    try:
        data = json.loads(_path(key).read_bytes())
    except (OSError, ValueError):
        return None
    return _seed_from(data)


def keep_seed(key: str, seed: FontSeed) -> None:
    """Keep ``seed`` under ``key`` for the next run, where the cache folder can be written."""
    data = json.dumps({"order": seed.order, "chars": seed.chars}, sort_keys=True).encode()
    with contextlib.suppress(OSError, BrochureError):
        write_atomic(_path(key), data)


def _path(key: str) -> Path:
    return cache_dir("seeds") / f"{key}.json"


def _seed_from(data: object) -> FontSeed | None:
    """A seed from its stored form, if the form is whole: every font in the order has its
    characters (code points), and no other font has any."""
    if not isinstance(data, dict):
        return None
    order, chars = data.get("order"), data.get("chars")
    if not (isinstance(order, list) and isinstance(chars, dict)
            and all(isinstance(name, str) for name in order) and set(order) == set(chars)
            and len(order) == len(chars)):
        return None
    if not all(isinstance(codes, list) and all(_code_point(c) for c in codes)
               for codes in chars.values()):
        return None
    return FontSeed(order=list(order), chars={name: list(chars[name]) for name in order})


def _code_point(value: object) -> bool:
    return type(value) is int and 0 <= value <= 0x10FFFF


@cache
def _code_digest() -> str:
    """A digest of this package's code and of the versions of the libraries a seed depends on
    (ReportLab sets and numbers the glyphs, HarfBuzz shapes, Pyphen hyphenates)."""
    import pyphen
    import reportlab
    import uharfbuzz

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{reportlab.Version}|{uharfbuzz.__version__}|"
                            f"{pyphen.__version__}".encode())
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()
