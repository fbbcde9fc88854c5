"""Where files go and how they are written: names by contract, atomic writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def publication_path(out: Path, publication: str, layout: str, language: str | None = None,
                     variant: str | None = None) -> Path:
    """``out/<publication>/<layout>[-<lang>][-print].pdf``; English carries no language suffix."""
    name = layout + (f"-{language}" if language and language != "en" else "")
    name += f"-{variant}" if variant else ""
    return out / publication / f"{name}.pdf"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one."""
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
