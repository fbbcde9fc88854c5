"""Raster images from a publication's folder: loaded once, in the colour space of the output.

Paths are resolved inside the content folder only (checked when the project loads); print files
get CMYK pixels, screen files RGB.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from PIL import Image as PILImage

from ..output import cache_dir, write_atomic
from .colours import ColourMode


@dataclass
class ImageLoader:
    """Opens images under ``folder`` and converts them for one colour mode, with a cache."""

    folder: Path | None
    _cache: dict = field(default_factory=dict, repr=False)

    def __call__(self, relative: str, mode: ColourMode) -> tuple[str, tuple[int, int]]:
        key = (relative, mode)
        if key not in self._cache:
            self._cache[key] = _load(self._path(relative), mode)
        return self._cache[key]

    def _path(self, relative: str) -> Path:
        if self.folder is None:
            raise FileNotFoundError(relative)
        return confined(self.folder, relative)


def confined(folder: Path, relative: str) -> Path:
    """``folder/relative``, refusing anything that resolves outside ``folder``."""
    root = folder.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"'{relative}' is outside {folder}")
    return path


def _load(path: Path, mode: ColourMode) -> tuple[str, tuple[int, int]]:
    """A JPEG file of the image in the output's colour space, and its size in pixels.

    ReportLab embeds a JPEG file as it is; an image given any other way it decodes, digests
    and re-compresses in every document, which costs more than the rest of the page. Converted
    copies (CMYK for print, PNG to JPEG) are kept in the cache folder."""
    target = "CMYK" if mode == "cmyk" else "RGB"
    with PILImage.open(path) as image:
        if image.format == "JPEG" and image.mode == target:
            return str(path), image.size
        source = path.read_bytes()
        key = hashlib.sha256(source + target.encode()).hexdigest()[:24]
        cached = cache_dir("images") / f"{key}.jpg"
        if not cached.exists():
            converted = image.convert(target)
            data = BytesIO()
            converted.save(data, "JPEG", quality=92, subsampling=0,
                           dpi=image.info.get("dpi", (300, 300)))
            write_atomic(cached, data.getvalue())
        return str(cached), image.size
