"""``brochure build --png``: each page of the screen file as a PNG beside its PDFs, the size
the page is at the chosen resolution, and the same picture an independent renderer (poppler's
pdftoppm) draws of that PDF; the library function gives the same bytes."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops, ImageStat

from brochure.cli import main
from brochure.pages import page_images

from .conftest import PROJECT

TRIFOLD_INCHES = (11, 8.5)
"""A Letter tri-fold sheet, landscape (../shared/domain.md's print conventions)."""


def test_build_png_writes_every_page_of_the_screen_file_at_its_resolution(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "knee-stem-cell", "--layout", "trifold-letter",
                                       "--lang", "en", "--png", "--png-dpi", "60",
                                       "--out", str(out), "--root", str(PROJECT)])
    assert result.exit_code == 0, result.output
    folder = out / "knee-stem-cell"
    pngs = sorted(p.name for p in folder.glob("*.png"))
    assert pngs == ["trifold-letter-p1.png", "trifold-letter-p2.png"]
    for name in pngs:
        image = Image.open(folder / name)
        assert image.size == (TRIFOLD_INCHES[0] * 60, TRIFOLD_INCHES[1] * 60)
        assert image.mode == "RGB"
    screen = (folder / "trifold-letter.pdf").read_bytes()
    assert page_images(screen, 60) == [(folder / n).read_bytes() for n in pngs]
    assert _differs_from_pdftoppm(screen, folder / pngs[0], tmp_path) < 4.0


def _differs_from_pdftoppm(pdf: bytes, png, tmp_path) -> float:
    """Mean difference (0-255) between our page 1 and pdftoppm's at 60 dpi, both reduced to a
    quarter (the two renderers smooth the edges of letters differently: 6.4 at full size, 2.9
    reduced; a page of another layout, or blank, differs by far more)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) not installed; .ci/run installs it")
    source = tmp_path / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(source),
                    str(tmp_path / "ref")], check=True)
    reference = Image.open(next(tmp_path.glob("ref*.png"))).convert("RGB")
    ours = Image.open(png).convert("RGB")
    assert reference.size == ours.size
    small = (ours.width // 4, ours.height // 4)
    ours, reference = (image.resize(small, Image.BOX) for image in (ours, reference))
    return sum(ImageStat.Stat(ImageChops.difference(ours, reference)).mean) / 3


def test_page_images_are_deterministic_and_hold_the_page(tmp_path):
    from brochure import build_publication
    from brochure.project import load_project

    pdf = build_publication(load_project(PROJECT), "knee-stem-cell", "trifold-letter")
    first, again = page_images(pdf, 40), page_images(pdf, 40)
    assert first == again and len(first) == 2
    image = Image.open(io.BytesIO(first[0]))
    extrema = image.convert("L").getextrema()
    assert extrema[0] < 60 and extrema[1] > 240, "dark text on light paper, not a blank page"
