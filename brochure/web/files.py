"""The server's static files (its stylesheet, script and icon, Swagger UI's assets): Starlette's
``StaticFiles``, except that a name the file system refuses to look up (a symlink loop, a path
through one) is a file not found, a 404, rather than an error out of the file system."""

from __future__ import annotations

import os

from starlette.staticfiles import StaticFiles


class Files(StaticFiles):
    """``StaticFiles`` that answers 404 for any name it cannot look up."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        try:
            return super().lookup_path(path)
        except (OSError, ValueError):  # ELOOP, a NUL: Starlette itself ends only ENAMETOOLONG
            return "", None
