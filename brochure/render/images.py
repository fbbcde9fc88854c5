"""Raster images from a publication's folder: loaded once, in the colour space of the output.

Paths are resolved inside the content folder only (checked when the project loads, with the
file's kind and size: :func:`image_problem`); print files get CMYK pixels, screen files RGB. A file
that turns out not to decode raises :class:`ImageError`, which the caller places in the content.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageChops, ImageMath

from ..output import cache_dir, write_atomic
from .colours import ColourMode

IMAGE_FORMATS = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
MAX_PIXELS = 30_000_000
"""Largest image accepted (30 megapixels, such as 6,000 x 5,000): a full letter page at 300 ppi
needs 8.4. Decoding costs 3 to 4 bytes a pixel, converting to CMYK as much again."""
_BAND_PIXELS = 1_000_000


class ImageError(Exception):
    """An image file that cannot be used; ``relative`` is its path as the content gives it."""

    def __init__(self, relative: str, reason: str):
        super().__init__(f"image '{relative}' {reason}")
        self.relative = relative


@dataclass
class ImageLoader:
    """Opens images under ``folder`` and converts them for one colour mode, with a cache."""

    folder: Path | None
    _cache: dict = field(default_factory=dict, repr=False)

    def __call__(self, relative: str, mode: ColourMode) -> tuple[str, tuple[int, int]]:
        key = (relative, mode)
        if key not in self._cache:
            path = self._path(relative)
            problem = image_problem(path)
            if problem:
                raise ImageError(relative, problem)
            try:
                self._cache[key] = _load(path, mode)
            except MemoryError:
                raise
            except Exception:  # Pillow reports damage as OSError, SyntaxError, ValueError…
                raise ImageError(relative, _UNREADABLE) from None
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


_MAX_SAID = f"{MAX_PIXELS // 1_000_000} megapixels an image may have (300 ppi at the size " \
            "it is placed is enough)"
_UNREADABLE = "is not a readable JPEG or PNG file (it is damaged or cut short)"


def image_problem(path: Path) -> str | None:
    """Why the file at ``path`` cannot be placed as an image (None when it can): not a regular
    file, not a JPEG or PNG, larger than :data:`MAX_PIXELS`, or damaged (a PNG's chunks are
    verified; a JPEG is decoded at an eighth of its size, which reads all of it)."""
    if path.is_dir():
        return "is a folder; expected a JPEG or PNG file"
    if not path.is_file():
        return "not found" if not path.exists() else "is not a regular file"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            with PILImage.open(path) as image:
                kind, (width, height) = image.format, image.size
                if kind in IMAGE_FORMATS and width * height <= MAX_PIXELS:
                    _verify(image)
    except PILImage.DecompressionBombError:
        return f"has far more pixels than the {_MAX_SAID}"
    except MemoryError:
        raise
    except Exception:  # Pillow reports damage as OSError, SyntaxError, ValueError…
        return "is not a readable JPEG or PNG file (its content is not an image, or it is " \
               "damaged)"
    if kind not in IMAGE_FORMATS:
        return f"is a {kind} image; expected a JPEG or PNG file"
    if width * height > MAX_PIXELS:
        return f"is {width:,} x {height:,} pixels, more than the {_MAX_SAID}"
    return None


def _verify(image: PILImage.Image) -> None:
    if image.format == "JPEG":
        image.draft(image.mode, (image.width // 8, image.height // 8))
        image.load()
    else:
        image.verify()


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
    ICC profile): a print shop may convert from the RGB original with its own profile.

    Converted a band of rows at a time: the arithmetic works in 32-bit channels, which for a whole
    photograph at once would take several times the memory of the picture."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    result = PILImage.new("CMYK", rgb.size)
    rows = max(1, _BAND_PIXELS // max(rgb.width, 1))
    for top in range(0, rgb.height, rows):
        box = (0, top, rgb.width, min(top + rows, rgb.height))
        result.paste(_cmyk_band(rgb.crop(box)), box[:2])
    return result


def _cmyk_band(image: PILImage.Image) -> PILImage.Image:
    red, green, blue = image.split()
    top = ImageChops.lighter(ImageChops.lighter(red, green), blue)

    def ink(channel: PILImage.Image) -> PILImage.Image:
        return ImageMath.lambda_eval(
            lambda a: (a["top"] - a["c"]) * 255 / a["max"](a["top"], 1),
            top=top, c=channel).convert("L")
    return PILImage.merge("CMYK", (ink(red), ink(green), ink(blue), ImageChops.invert(top)))
