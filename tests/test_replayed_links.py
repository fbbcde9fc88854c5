"""A static drawing that makes link annotations through the tagger (the signature block's link
paragraph, the QR code) is recorded with its links and replayed in later summaries: each link
made again at the same place on the page, with the same address, /Contents and structure
parent, and neither drawn afresh (issue 21)."""

from __future__ import annotations

import io

import pytest
import yaml
from pypdf import PdfReader

from brochure.project import load_project
from brochure.render import qr
from brochure.render.paragraphs import LinkPara
from brochure.render.structure import LinkCall, compose, marks_in, page_rect
from brochure.summaries import render_summary

from .conftest import PROJECT

RECORDS = [PROJECT / "content/patients/good-candidate.yaml",
           PROJECT / "content/prp-tennis-elbow/patients/less-likely-es.yaml"]


def _record(path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _links(pdf: bytes) -> list[tuple]:
    """Each page's link annotations, in order: page, /Rect, URI, /Contents, /StructParent."""
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        for annotation in page.get("/Annots") or []:
            annot = annotation.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            found.append((number, [float(v) for v in annot["/Rect"]], annot["/A"]["/URI"],
                          annot.get("/Contents"), annot.get("/StructParent")))
    return found


def _drawn(monkeypatch) -> list[str]:
    """The names of the link paragraphs and QR codes drawn afresh from here on."""
    drawn: list[str] = []
    for kind in (LinkPara, qr.QrFlowable):
        original = kind.draw

        def noted(flowable, original=original, name=kind.__name__):
            drawn.append(name)
            return original(flowable)
        monkeypatch.setattr(kind, "draw", noted)
    return drawn


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_replayed_links_are_those_drawn_afresh(path, monkeypatch):
    """The second rendering of a record replays the link paragraph and the QR code: their
    annotations keep their rectangles, addresses, /Contents and structure parents. The first
    is a project's own first summary of the record (a kit of its own, whatever other tests
    rendered before), which draws both afresh."""
    project = load_project(PROJECT)
    drawn = _drawn(monkeypatch)
    first = render_summary(_record(path), project=project)
    assert {"LinkPara", "QrFlowable"} <= set(drawn), "the first draws them afresh"
    drawn.clear()
    again = render_summary(_record(path), project=project)
    assert drawn == [], "the second replays them"
    links = _links(first)
    assert len(links) >= 2, links
    assert _links(again) == links


def test_the_link_paragraph_and_the_qr_code_are_not_drawn_afresh(monkeypatch):
    """Recorded with their links, neither is drawn again in a later summary (they cost about
    0.25 ms of every summary)."""
    record = _record(RECORDS[0])
    render_summary(record)
    drawn = _drawn(monkeypatch)
    render_summary(record)
    assert drawn == []


def test_a_link_rectangle_is_kept_relative_to_the_recordings_origin():
    """Recorded under one origin and replayed under another, a link lands where drawing it
    afresh under the second origin would put it (scaled and moved coordinates alike)."""
    inner = (1.0, 0.0, 0.0, 1.0, 12.5, 30.25)
    rect = (0.0, 0.0, 40.0, 10.0)
    for origin, moved in [((1.0, 0.0, 0.0, 1.0, 36.0, 500.0), (1.0, 0.0, 0.0, 1.0, 300.0, 90.0)),
                          ((2.0, 0.0, 0.0, 0.5, 10.0, 20.0), (2.0, 0.0, 0.0, 0.5, 70.0, 5.0))]:
        at_link = compose(origin, inner)  # the link as the tagger journals it when drawn
        [call] = marks_in([], [LinkCall((), "https://example.org", rect, "x", at_link)], origin)
        assert isinstance(call, LinkCall)
        again = page_rect(compose(moved, call.matrix), rect)
        assert again == pytest.approx(page_rect(compose(moved, inner), rect))
