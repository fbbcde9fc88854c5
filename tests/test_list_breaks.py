"""A list goes on in the next column only with at least the layout's ``least_rows`` items on
each side (``columns.least_rows``), and the line that leads into it stays with its first items:
no column of a summary opens or ends with one item of a list alone, or with a lead-in line
away from its list."""

from __future__ import annotations

from pathlib import Path

import pytest

from brochure.summaries import render_summary

from .conftest import PROJECT, read_yaml
from .pdf import find_text

CONTENT = PROJECT / "content"
SECOND = CONTENT / "prp-tennis-elbow"
COLUMN_GAP = 200  # points: the right column starts about 4 in from the page's left edge


def _rendered(path: Path, tmp_path: Path) -> Path:
    out = tmp_path / f"{path.stem}.pdf"
    out.write_bytes(render_summary(read_yaml(path.read_text())))
    return out


def _column(pdf: Path, page: int, text: str) -> int:
    box = find_text(pdf, page, text)
    assert box is not None, text
    return int(box.left > COLUMN_GAP)


@pytest.mark.parametrize(("stem", "items"), [
    ("evaluation-needed", ["What do you need to check", "What can I do for my elbow",
                           "What will the check cost"]),
    ("evaluation-needed-es", ["¿Qué hay que revisar", "¿Qué puedo hacer por mi codo",
                              "¿Cuánto costará la revisión"]),
])
def test_a_three_item_list_is_never_broken_one_from_two(stem, items, tmp_path):
    """PRP's evaluation-needed summary broke its three questions to bring two at the foot of
    page 2's left column, one alone at the top of the right (and the other way in Spanish)."""
    pdf = _rendered(SECOND / "patients" / f"{stem}.yaml", tmp_path)
    assert len({_column(pdf, 1, item) for item in items}) == 1


def test_the_line_leading_into_a_list_stays_with_its_first_items(tmp_path):
    """The knee's Spanish favourable summary: "Lo que vimos en su historial:" ended page 1's
    left column with one item under it, the other four at the top of the right column."""
    pdf = _rendered(CONTENT / "patients" / "good-candidate-es.yaml", tmp_path)
    lead = _column(pdf, 0, "Lo que vimos en su historial:")
    assert lead == _column(pdf, 0, "Artritis en su radiografía")
    assert lead == _column(pdf, 0, "Dolor: 5 de 10")
