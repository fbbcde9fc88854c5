"""Visual regression: pages that matter against approved PNGs.

Page 1 of an English and a Spanish summary of each verdict (page 2 too, its signature form, for
the favourable one), both sides of each tri-fold and the booklet's cover, key-facts page and
back cover are rendered with pypdfium2 at 50 dpi and compared with the images in
``tests/approved/``. A page fails when more than 0.5 % of its pixels differ by more than 32
levels in any channel: small enough that a restyled box fails, loose enough for anti-aliasing.
After a deliberate change, look at the pages, then approve them with ``make golden``
(``UPDATE_GOLDEN=1``) and review the new PNGs like code.
"""

from __future__ import annotations

import os
import shutil

import pypdfium2
import pytest
from PIL import Image, ImageChops

from brochure.project import load_project
from brochure.summaries import render_summary

from .conftest import PROJECT, ROOT, read_yaml

APPROVED = ROOT / "tests" / "approved"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
DPI = 50
LEVELS = 32
TOLERANCE = 0.005

EXAMPLES = {"good": "good-candidate", "evaluation_needed": "evaluation-needed",
            "less_likely": "less-likely", "not_suitable": "not-suitable"}
SUMMARIES = [(verdict, language) for verdict in EXAMPLES for language in ("en", "es")]
TRIFOLDS = [(layout, side) for layout in ("trifold-letter", "trifold-a4") for side in (1, 2)]
SECOND = "prp-tennis-elbow"
"""The second publication (its own clinic and topic): its tri-fold's sides and page 1 of its
summary of each verdict, in both languages, are approved as the knee's are."""
SECOND_EXAMPLES = {"good": "good", "evaluation_needed": "evaluation-needed",
                   "less_likely": "less-likely", "not_suitable": "not-suitable"}


def page_image(pdf: bytes, number: int) -> Image.Image:
    """Page ``number`` (1-based) as RGB at the comparison resolution."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[number - 1].render(scale=DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()


def differing_share(image: Image.Image, approved: Image.Image) -> float:
    """The share of pixels whose largest channel difference is over ``LEVELS``."""
    if image.size != approved.size:
        return 1.0
    largest = ImageChops.difference(image, approved).convert("RGB").split()
    worst = ImageChops.lighter(ImageChops.lighter(largest[0], largest[1]), largest[2])
    over = sum(worst.point(lambda v: 255 if v > LEVELS else 0).histogram()[255:])
    return over / (image.size[0] * image.size[1])


def check_against_approved(image: Image.Image, name: str) -> None:
    path = APPROVED / f"{name}.png"
    if UPDATE:
        APPROVED.mkdir(exist_ok=True)
        image.save(path, optimize=True)
        return
    assert path.exists(), f"no approved image {path.name}: look at the page, then `make golden`"
    share = differing_share(image, Image.open(path).convert("RGB"))
    assert share <= TOLERANCE, (f"{name}: {share:.2%} of pixels differ from {path.name} "
                                f"(allowed {TOLERANCE:.1%}); if deliberate, `make golden`")


def _record(verdict: str, language: str) -> dict:
    path = PROJECT / "content" / "patients" / f"{EXAMPLES[verdict]}.yaml"
    return {**read_yaml(path.read_text()), "language": language}


@pytest.mark.parametrize("verdict, language", SUMMARIES)
def test_summary_first_page_looks_as_approved(verdict, language):
    pdf = render_summary(_record(verdict, language))
    check_against_approved(page_image(pdf, 1), f"summary-{verdict}-{language}")


@pytest.mark.parametrize("layout, side", TRIFOLDS)
def test_trifold_sides_look_as_approved(built, layout, side):
    pdf = (built / "knee-stem-cell" / f"{layout}.pdf").read_bytes()
    check_against_approved(page_image(pdf, side), f"{layout}-{side}")


@pytest.mark.parametrize("language", ["en", "es"])
def test_summary_second_page_looks_as_approved(language):
    pdf = render_summary(_record("good", language))
    check_against_approved(page_image(pdf, 2), f"summary-good-{language}-2")


@pytest.mark.parametrize("page", [1, 2, 8])
def test_booklet_pages_look_as_approved(built, page):
    pdf = (built / "knee-stem-cell" / "booklet-letter.pdf").read_bytes()
    check_against_approved(page_image(pdf, page), f"booklet-letter-{page}")


@pytest.mark.parametrize("layout, side", TRIFOLDS)
def test_the_second_publications_trifold_sides_look_as_approved(built, layout, side):
    pdf = (built / SECOND / f"{layout}.pdf").read_bytes()
    check_against_approved(page_image(pdf, side), f"{SECOND}-{layout}-{side}")


@pytest.mark.parametrize("verdict, language", SUMMARIES)
def test_the_second_publications_summary_looks_as_approved(verdict, language):
    suffix = "-es" if language == "es" else ""
    path = PROJECT / "content" / SECOND / "patients" / f"{SECOND_EXAMPLES[verdict]}{suffix}.yaml"
    pdf = render_summary(read_yaml(path.read_text()))
    check_against_approved(page_image(pdf, 1), f"{SECOND}-summary-{verdict}-{language}")


def test_a_restyled_verdict_box_fails_the_comparison(tmp_path):
    """The comparison is sharp enough to see a restyle: the 'evaluation needed' colour turned
    from brown to blue in a copy of the brand kit."""
    if UPDATE:
        pytest.skip("approving images")
    for folder in ("content", "layouts"):
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    kit = tmp_path / "content" / "brands" / "harbor.yaml"
    text = kit.read_text()
    assert '"#8c5400"' in text
    kit.write_text(text.replace('"#8c5400"', '"#1f3fbf"'))
    pdf = render_summary(_record("evaluation_needed", "en"), project=load_project(tmp_path))
    image = page_image(pdf, 1)
    approved = Image.open(APPROVED / "summary-evaluation_needed-en.png").convert("RGB")
    assert differing_share(image, approved) > TOLERANCE
    untouched = render_summary(_record("evaluation_needed", "en"))
    assert differing_share(page_image(untouched, 1), approved) <= TOLERANCE


def test_the_comparison_ignores_nothing_it_should_see():
    """One changed pixel block of 1 % of the page fails; the page itself passes."""
    page = Image.open(APPROVED / "trifold-letter-1.png").convert("RGB")
    spoiled = page.copy()
    width, height = page.size
    spoiled.paste((255, 0, 255), (0, 0, width // 10, height // 10))
    assert differing_share(page, page) == 0.0
    assert differing_share(spoiled, page) > TOLERANCE
    assert differing_share(page.resize((width - 1, height)), page) == 1.0
