"""Brand art without text is drawn once and its operators replayed in later documents: the
same bytes as drawing it afresh, per size and colours, and never art that sets text."""

from __future__ import annotations

import pytest
from reportlab.graphics.shapes import Drawing

from brochure.project import load_project
from brochure.render import art
from brochure.render.colours import Palette
from brochure.summaries import render_summary

from .conftest import PROJECT
from .test_parse_cache import RECORDS


def test_summaries_are_the_same_bytes_with_art_replayed_or_drawn_afresh():
    for record in RECORDS:
        render_summary(record)
    assert any(art._DRAWN.values())  # the logo and the verdicts' icons were recorded
    replayed = [render_summary(record) for record in RECORDS]
    for record, pdf in zip(RECORDS, replayed, strict=True):
        art._DRAWN.clear()  # nothing to replay: every picture drawn by ReportLab
        assert render_summary(record) == pdf, record["id"]


@pytest.fixture(scope="module")
def brand():
    return load_project(PROJECT).brands["harbor"].model


def test_art_with_text_is_drawn_each_time_and_text_free_art_replayed(brand):
    palette = Palette(brand)
    logo = brand.art[brand.logo]
    assert all(shape.type != "label" for shape in logo.shapes)
    named = logo.model_validate({**logo.model_dump(), "shapes": [
        *logo.model_dump()["shapes"], {"type": "label", "text": "Harbor", "x": 1, "y": 1}]})
    assert isinstance(art.drawing(logo, 100, palette, "Helvetica"), art.ArtDrawing)
    assert type(art.drawing(named, 100, palette, "Helvetica")) is Drawing


def test_one_art_gets_a_recording_per_size_and_per_colours(brand):
    logo = brand.art[brand.logo]
    keys = {art.drawing(logo, width, Palette(brand, mode), "Helvetica")._replay_key
            for width in (20, 40) for mode in ("rgb", "cmyk")}
    assert len(keys) == 4


def test_only_operators_that_paint_paths_are_replayed():
    assert art._paints_only(["q", "1 0 0 1 7.5 6 cm", ".5 .2 0 rg 0 0 1 0 k",
                             "n 0 0 m 10 0 l 3 w [2 1] 0 d S", "Q"])
    assert not art._paints_only(["BT /F1+0 12 Tf (A) Tj ET"])  # a font the document named
    assert not art._paints_only(["/gRLs0 gs"])  # a graphics state the document holds
    assert not art._paints_only(["/Im0 Do"])
