"""Raster images from a publication's folder: loaded once, in the colour space of the output.

Paths are resolved inside the content folder only (checked when the project loads); print files
get CMYK pixels, screen files RGB.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image as PILImage
from reportlab.lib.utils import ImageReader

from .colours import ColourMode


@dataclass
class ImageLoader:
    """Opens images under ``folder`` and converts them for one colour mode, with a cache."""

    folder: Path | None
    _cache: dict = field(default_factory=dict, repr=False)

    def __call__(self, relative: str, mode: ColourMode) -> tuple[ImageReader, tuple[int, int]]:
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


def _load(path: Path, mode: ColourMode) -> tuple[ImageReader, tuple[int, int]]:
    with PILImage.open(path) as image:
        image.load()
        converted = image.convert("CMYK" if mode == "cmyk" else "RGB")
    return ImageReader(converted), converted.size
