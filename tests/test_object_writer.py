"""Our object writer (``render/backend/writer.py``) writes the bytes ReportLab's own formatting
writes, for every kind of output ReportLab writes (a packet or an encrypted summary is then
rewritten by pypdf): each file is made twice, once with ReportLab's generic formatting of each
object, and the two must be the same to the byte."""

from __future__ import annotations

import pytest

from brochure.build import build_publication
from brochure.kinds import PRINT, SCREEN, SUMMARY, OutputKind
from brochure.project import load_project
from brochure.render.backend.document import BrochureDocument
from brochure.summaries import summarize

from .conftest import PROJECT

RECORD = {"id": "K-1001", "name": "Ada Ñandú Example", "date_of_birth": "1956-04-02",
          "visit_date": "2026-11-02", "knee": "left", "kl_grade": 2, "pain": 6,
          "symptom_months": 14, "pt_weeks": 8, "bmi": 27.0,
          "notes": "Walk daily (twenty minutes) and ice the knee <after> walks: 100% of days."}


@pytest.fixture(scope="module")
def project():
    return load_project(PROJECT)


def _made(kind: OutputKind, project, publication: str, layout: str) -> bytes:
    if kind in (SCREEN, PRINT):
        return build_publication(project, publication, layout, kind)
    return summarize({**RECORD, "language": layout}, project=project).pdf


@pytest.mark.parametrize(("kind", "publication", "layout"), [
    (SCREEN, "knee-stem-cell", "trifold-letter"), (PRINT, "knee-stem-cell", "trifold-a4"),
    (SCREEN, "knee-stem-cell", "booklet-letter"), (SCREEN, "prp-tennis-elbow", "trifold-a4"),
    (SUMMARY, "knee-stem-cell", "en"), (SUMMARY, "knee-stem-cell", "es"),
], ids=lambda value: getattr(value, "name", value))
def test_objects_are_written_as_reportlab_writes_them(kind, publication, layout, project,
                                                      monkeypatch):
    ours = _made(kind, project, publication, layout)
    monkeypatch.setattr(BrochureDocument, "fast_writing", False)
    theirs = _made(kind, project, publication, layout)
    assert len(ours) > 10_000
    assert ours == theirs
