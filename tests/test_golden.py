"""Golden files: what each shipped document says, page by page, against what it said when it
was last approved.

The comparison is of normalized content, not bytes: each page's media, trim and bleed boxes, and
the words on it in reading order (white space folded, so a text extractor's spacing does not
matter). After a deliberate change, look at the PDFs, then regenerate the files with
``make golden`` and review their diff like code.
"""

from __future__ import annotations

import difflib
import io
import json
import os

import pytest
from pypdf import PdfReader

from brochure.summaries import render_summary

from .conftest import ROOT
from .test_candidacy import BASE

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
BROCHURES = [f"{layout}{language}{variant}"
             for layout in ("trifold-letter", "trifold-a4", "booklet-letter")
             for language in ("", "-es") for variant in ("", "-print")]
SUMMARIES = {"summary-en": {**BASE, "notes": "Walk every day."},
             "summary-es": {**BASE, "language": "es", "notes": "Camine cada día."}}


def normalized(pdf: bytes) -> list[dict]:
    """Each page's boxes (points, to 0.01) and its words in order."""
    def box(rectangle) -> str:
        return " ".join(f"{round(float(v), 2):g}" for v in rectangle)
    return [{"media": box(page.mediabox), "trim": box(page.trimbox),
             "bleed": box(page.bleedbox), "text": " ".join(page.extract_text().split())}
            for page in PdfReader(io.BytesIO(pdf)).pages]


def _compare(name: str, pdf: bytes) -> None:
    path = GOLDEN / f"{name}.json"
    actual = normalized(pdf)
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n")
        return
    assert path.exists(), f"no golden file for {name}: run `make golden`"
    expected = json.loads(path.read_text())
    hint = (f"{name} differs from tests/golden/{name}.json; if the change is intended, look "
            f"at the PDF, then run `make golden`")
    assert len(actual) == len(expected), f"{hint} (pages: {len(actual)}, was {len(expected)})"
    for number, (now, was) in enumerate(zip(actual, expected, strict=True), start=1):
        changed = "\n".join(difflib.unified_diff(
            was["text"].split(". "), now["text"].split(". "), "approved", "now", lineterm=""))
        assert now == was, f"{hint}\npage {number}:\n{changed or now}"


@pytest.mark.parametrize("name", BROCHURES)
def test_brochure_matches_its_golden_file(built, name):
    _compare(name, (built / "knee-stem-cell" / f"{name}.pdf").read_bytes())


@pytest.mark.parametrize("name", SUMMARIES)
def test_summary_matches_its_golden_file(name):
    _compare(name, render_summary(SUMMARIES[name]))
