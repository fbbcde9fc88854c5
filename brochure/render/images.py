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
from PIL import ImageChops, ImageMath

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
        key = hashlib.sha256(source + f"{target}:{_CONVERSION}".encode()).hexdigest()[:24]
        cached = cache_dir("images") / f"{key}.jpg"
        if not cached.exists():
            converted = to_cmyk(image) if target == "CMYK" else image.convert(target)
            data = BytesIO()
            converted.save(data, "JPEG", quality=92, subsampling=0,
                           dpi=image.info.get("dpi", (300, 300)))
            write_atomic(cached, data.getvalue())
        return str(cached), image.size


_CONVERSION = "gcr-1"  # part of a converted copy's cache key: change it when to_cmyk changes


def to_cmyk(image: PILImage.Image) -> PILImage.Image:
    """RGB to CMYK with full black generation: the grey in each colour goes to the black plate
    (K = 1 − max(R, G, B)) and C, M, Y carry only what is left, scaled by it.

    Pillow's own conversion puts no ink on the black plate at all, so shadows print as a heavy
    three-colour mix that looks muddy and is slow to dry. This is still not colour-managed (no
    ICC profile): a print shop may convert from the RGB original with its own profile."""
    red, green, blue = image.convert("RGB").split()
    top = ImageChops.lighter(ImageChops.lighter(red, green), blue)

    def ink(channel: PILImage.Image) -> PILImage.Image:
        return ImageMath.lambda_eval(
            lambda a: (a["top"] - a["c"]) * 255 / a["max"](a["top"], 1),
            top=top, c=channel).convert("L")
    return PILImage.merge("CMYK", (ink(red), ink(green), ink(blue), ImageChops.invert(top)))
