"""Which files the studio may read and write: the publications' own files, the brand kits, the
project's claims and settings, and the layouts. Nothing else, whatever the page sends: an
absolute path, ``..``, a symbolic link that leads out of the project (or into a place the studio
may not go), and anything under ``content/patients/`` are refused, before any file is opened.
A publication's record fields and its fictional preview record are read (their errors shown
with the lines around them), never written.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

EDITABLE = (
    ("content", "*", "publication.yaml"),
    ("content", "*", "publication.*.yaml"),
    ("content", "*", "candidacy.yaml"),
    ("content", "*", "summary.yaml"),
    ("content", "*", "placement.yaml"),
    ("content", "brands", "*.yaml"),
    ("content", "claims.yaml"),
    ("content", "project.yaml"),
    ("layouts", "*.yaml"),
)
"""The files the studio edits, as path parts relative to the project (``*``: any one name)."""
PREVIEW_RECORD = "preview-record.yaml"
"""The fictional record a publication keeps in its own folder for the studio's summary preview."""
READ_ONLY = (
    ("content", "*", "record.yaml"),
    ("content", "*", PREVIEW_RECORD),
)
"""Files the studio reads (to show their lines) but never writes."""
PRIVATE = ("content", "patients")
"""Patients' records: never listed, read or written by the studio."""


class PathRefused(ValueError):  # noqa: N818 - reads as what happened
    """A path the studio does not read or write (answered with 400, nothing written)."""


def allowed(parts: tuple[str, ...], patterns: tuple[tuple[str, ...], ...] = EDITABLE) -> bool:
    """Whether a path (its parts, relative to the project) is one of ``patterns`` (default:
    :data:`EDITABLE`), and not a patient's."""
    if parts[:len(PRIVATE)] == PRIVATE:
        return False
    return any(len(parts) == len(pattern) and all(fnmatchcase(part, want) for part, want
                                                   in zip(parts, pattern, strict=True))
               for pattern in patterns)


def editable(root: Path, name: str) -> Path:
    """The file ``name`` (relative to ``root``, with ``/``, as the page sends it), resolved,
    if the studio may read and write it; :class:`PathRefused` otherwise."""
    return _resolved(root, name, EDITABLE)


def readable(root: Path, name: str) -> Path:
    """The file ``name``, resolved, if the studio may read it (:data:`EDITABLE` and
    :data:`READ_ONLY`); :class:`PathRefused` otherwise."""
    return _resolved(root, name, EDITABLE + READ_ONLY)


def _resolved(root: Path, name: str, patterns: tuple[tuple[str, ...], ...]) -> Path:
    if not name or "\0" in name or "\\" in name:
        raise PathRefused("not a file name of the project")
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(part in ("..", ".", "") for part in name.split("/")):
        raise PathRefused(f"'{name}' is not inside the project; give a path like "
                          "content/<publication>/publication.yaml")
    if not allowed(pure.parts, patterns):
        raise PathRefused(f"'{name}' is not a file the studio edits (publications, brand kits, "
                          "claims, project settings and layouts only)")
    real_root = root.resolve()
    real = (real_root / pure).resolve()
    if not real.is_relative_to(real_root) or \
            not allowed(real.relative_to(real_root).parts, patterns):
        raise PathRefused(f"'{name}' leads outside the files the studio edits (a symbolic link)")
    if not real.is_file():
        raise PathRefused(f"'{name}' is not a file of the project")
    return real


def relative(root: Path, path: Path | str) -> str:
    """``path`` as the page names it: relative to ``root`` with ``/`` (unchanged when it is
    outside the project)."""
    path = Path(path)
    base = root.resolve()
    full = path if path.is_absolute() else (Path.cwd() / path)
    try:
        return full.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()
