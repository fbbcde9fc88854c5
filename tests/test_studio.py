"""The studio without a browser: text saved into YAML changing only that text's bytes, the
files it may touch, the token and origin every change needs, the rendered document its overlays
read, and the views it shows of errors, overflows and findings (the FastAPI test client, in
this process; tests/test_studio_browser.py drives the real thing)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from brochure.build import build_publication, render_publication
from brochure.project import load_project
from brochure.source import parse
from brochure.studio import create_studio
from brochure.studio.documents import Workspace
from brochure.studio.paths import PathRefused, editable
from brochure.studio.splice import EditRefused, locate, replace

from .conftest import PROJECT

PUBLICATION = "content/knee-stem-cell/publication.yaml"
OWN = "http://testserver"


def _loc_of(text: str, block_type: str, style: str | None = None) -> tuple:
    """The place of the first block of ``block_type`` with a text (written in ``style``, when
    given: '>' for folded), in a publication's text."""
    data = parse(text, "p.yaml").data
    for section, blocks in data["sections"].items():
        for i, block in enumerate(blocks):
            loc = ("sections", section, i, "text")
            if block["type"] == block_type and "text" in block and \
                    (style is None or locate(text, loc).style == style):
                return loc
    raise AssertionError(block_type)


def _only_changed(before: str, after: str, old: str) -> tuple[str, str]:
    """The one stretch of ``after`` that differs from ``before``, which replaced ``old``."""
    start = before.index(old)
    end = start + len(old)
    tail = len(before) - end
    assert after[:start] == before[:start] and after[len(after) - tail:] == before[end:]
    return before[start:end], after[start:len(after) - tail]


# -- splicing ---------------------------------------------------------------------------------

def test_a_folded_paragraph_is_rewritten_in_its_own_style_and_nothing_else_changes():
    text = (PROJECT / PUBLICATION).read_text()
    loc = _loc_of(text, "paragraph", ">")
    spot = locate(text, loc)
    new_text = spot.value + " A new sentence, long enough to wrap onto a line of its own " \
                            "in the file, with **bold** kept as written."
    spliced = replace(text, loc, new_text)
    old, new = _only_changed(text, spliced, text[spot.start:spot.end])
    assert old.startswith(">") and new.startswith(old.split("\n")[0])  # folded, same header
    assert max(len(line) for line in new.splitlines()) <= 100
    before, after = parse(text, "p").data, parse(spliced, "p").data
    section, index = loc[1], loc[2]
    assert after["sections"][section][index]["text"] == new_text
    after["sections"][section][index]["text"] = spot.value
    assert after == before


@pytest.mark.parametrize(("written", "value", "expected"), [
    ("a: plain text\nb: 1\n", "new plain", "a: new plain\nb: 1\n"),
    ("a: plain text\nb: 1\n", "needs: quotes", 'a: "needs: quotes"\nb: 1\n'),
    ("a: plain text\nb: 1\n", "yes", 'a: "yes"\nb: 1\n'),
    ("a: 'single'  # note\nb: 1\n", "it's", "a: 'it''s'  # note\nb: 1\n"),
    ('a: "double"\n', 'say "hi"\n', 'a: "say \\"hi\\"\\n"\n'),
    ("a: |\n  one\n  two\n# after\nb: 1\n", "three\nfour\n",
     "a: |\n  three\n  four\n# after\nb: 1\n"),
    ("a: >-\n    folded\n    text\n\nb: 1\n", "short", "a: >-\n    short\n\nb: 1\n"),
    ("- first\n- second  # kept\n", "2nd", "- first\n- 2nd  # kept\n"),
    ("a: plain\r\nb: text\r\n", "new", "a: new\r\nb: text\r\n"),
])
def test_each_style_of_value_is_rewritten_in_place(written, value, expected):
    loc = (1,) if written.startswith("-") else ("a",)
    assert replace(written, loc, value) == expected


@pytest.mark.parametrize(("written", "loc"), [
    ("a: &x shared\nb: *x\n", ("a",)),
    ("a: &x shared\nb: *x\n", ("b",)),
    ("base: &b {t: shared}\nc:\n  <<: *b\n", ("c", "t")),
    ("base: &b\n  t: shared\nc: *b\n", ("c", "t")),
    ("a: 1\n", ("a",)),
    ("a: !!str tagged\n", ("a",)),
])
def test_anchored_aliased_merged_and_non_text_values_are_refused(written, loc):
    with pytest.raises(EditRefused):
        replace(written, loc, "changed")


# -- paths ------------------------------------------------------------------------------------

def test_only_the_listed_files_may_be_touched(project: Path, tmp_path_factory):
    allowed = [PUBLICATION, "content/knee-stem-cell/summary.yaml", "content/brands/harbor.yaml",
               "content/claims.yaml", "layouts/trifold-letter.yaml",
               "content/knee-stem-cell/placement.yaml"]
    for name in allowed:
        assert editable(project, name) == (project / name).resolve()
    outside = tmp_path_factory.mktemp("outside")
    (outside / "x.yaml").write_text("a: 1\n")
    (project / "layouts" / "out.yaml").symlink_to(outside / "x.yaml")
    (project / "layouts" / "in.yaml").symlink_to(project / "content/patients/worst-case.yaml")
    refused = ["../x.yaml", "/etc/passwd", str(project / PUBLICATION), "content/../layouts/a.yaml",
               "content/patients/worst-case.yaml", "content/patients/publication.yaml",
               "content/knee-stem-cell/images/harbor-water.jpg", "layouts/out.yaml",
               "layouts/in.yaml", "layouts/missing.yaml", "", "content\\claims.yaml",
               "layouts/a.yaml\0"]
    for name in refused:
        with pytest.raises(PathRefused):
            editable(project, name)


# -- the application: tokens, origins, saves, conflicts, undo ---------------------------------

@pytest.fixture
def studio(project: Path) -> tuple[TestClient, str, Path]:
    app = create_studio(project, hosts=None)
    return TestClient(app, raise_server_exceptions=False), app.state.studio.token, project


def _editor(client: TestClient, loc: tuple) -> dict:
    page = client.get("/editor", params={"file": PUBLICATION, "loc": json.dumps(loc[:3])})
    assert page.status_code == 200
    base = re.search(r'data-base="(\w+)"', page.text)
    return {"base": base.group(1) if base else None, "page": page.text}


def test_a_save_needs_the_token_and_the_studios_own_origin(studio):
    client, token, project = studio
    path = project / PUBLICATION
    before = path.read_bytes()
    loc = _loc_of(before.decode(), "paragraph")
    base = _editor(client, loc)["base"]
    body = {"file": PUBLICATION, "loc": list(loc), "value": "Changed.", "base": base}
    for headers in ({}, {"Origin": OWN}, {"X-Studio-Token": token},
                    {"X-Studio-Token": token, "Origin": "https://evil.example"},
                    {"X-Studio-Token": "wrong", "Origin": OWN},
                    {"X-Studio-Token": token, "Origin": OWN, "Sec-Fetch-Site": "cross-site"}):
        answer = client.post("/api/save", json=body, headers=headers)
        assert answer.status_code == 403, headers
        assert path.read_bytes() == before
    for name in ("../publication.yaml", "content/patients/worst-case.yaml", "/etc/hosts"):
        answer = client.post("/api/save", json={**body, "file": name},
                             headers={"X-Studio-Token": token, "Origin": OWN})
        assert answer.status_code == 400, name
    assert path.read_bytes() == before
    answer = client.post("/api/save", json=body, headers={"X-Studio-Token": token,
                                                           "Origin": OWN})
    assert answer.status_code == 200, answer.text
    spot = locate(before.decode(), loc)
    _, new = _only_changed(before.decode(), path.read_text(),
                           before.decode()[spot.start:spot.end])
    assert new.endswith("Changed.") and locate(path.read_text(), loc).value == "Changed."


def test_a_file_changed_on_disk_is_not_overwritten_and_undo_steps_back(studio):
    client, token, project = studio
    headers = {"X-Studio-Token": token, "Origin": OWN}
    path = project / PUBLICATION
    original = path.read_text()
    loc = _loc_of(original, "paragraph")
    base = _editor(client, loc)["base"]
    first = client.post("/api/save", json={"file": PUBLICATION, "loc": list(loc),
                                           "value": "One.", "base": base}, headers=headers)
    assert first.status_code == 200
    stale = client.post("/api/save", json={"file": PUBLICATION, "loc": list(loc),
                                           "value": "Two.", "base": base}, headers=headers)
    assert stale.status_code == 409 and "One." in stale.json()["diff"]
    second = client.post("/api/save", json={"file": PUBLICATION, "loc": list(loc),
                                            "value": "Two.", "base": first.json()["base"]},
                         headers=headers)
    assert second.status_code == 200 and "Two." in path.read_text()
    assert client.post("/api/undo", headers=headers).status_code == 200
    assert "One." in path.read_text() and "Two." not in path.read_text()
    path.write_text(path.read_text() + "# someone else\n")
    refused = client.post("/api/undo", headers=headers)
    assert refused.status_code == 409 and "+# someone else" in refused.json()["diff"]
    path.write_text(path.read_text().removesuffix("# someone else\n"))
    assert client.post("/api/undo", headers=headers).status_code == 200
    assert path.read_text() == original
    assert client.post("/api/undo", headers=headers).status_code == 409  # nothing left
    assert client.post("/api/undo").status_code == 403


def test_the_editor_shows_the_source_text_and_refuses_shared_values(studio):
    client, _, project = studio
    path = project / PUBLICATION
    text = path.read_text()
    loc = _loc_of(text, "heading")
    value = locate(text, loc).value
    assert f">{value}</textarea>" in _editor(client, loc)["page"]
    path.write_text(text.replace(f"text: {value}", f"text: &h {value}", 1))
    assert "not edited here" in _editor(client, loc)["page"]
    assert client.get("/editor", params={"file": "content/patients/worst-case.yaml",
                                         "loc": "[]"}).status_code == 400


# -- the rendered document and the views ------------------------------------------------------

def test_rendering_returns_where_each_block_went_and_the_same_bytes():
    project = load_project(PROJECT)
    pdf, rendered = render_publication(project, "knee-stem-cell", "trifold-letter")
    assert pdf == build_publication(project, "knee-stem-cell", "trifold-letter")
    assert [p.label for p in rendered.pages] == ["Outside", "Inside"]
    assert len(rendered.pages[0].folds) == 2 and len(rendered.pages[0].panels) == 3
    shown = [(b.section, b.index) for b in rendered.blocks]
    assert len(shown) == len(set(shown)) > 10
    for block in rendered.blocks:
        area = next(a for a in rendered.pages[block.page].panels if a.name == block.panel)
        frame = area.frame
        assert frame.x - 0.01 <= block.box.x and block.box.y >= frame.y - 0.01
        assert block.box.y + block.box.height <= frame.y + frame.height + 0.01
        assert block.source is not None and block.source.path.endswith("publication.yaml")
        assert block.source.end_line is not None and block.source.end_line >= block.source.line


def test_broken_yaml_keeps_the_last_pages_and_says_where(project: Path):
    workspace = Workspace(project)
    key = workspace.key()
    good = workspace.view(key)
    assert good.images and not good.errors
    path = project / PUBLICATION
    text = path.read_text()
    path.write_text(text.replace("title: ", "title: [", 1))
    workspace.reload()
    broken = workspace.view(key)
    assert broken.stale and broken.images == good.images
    error = broken.errors[0]
    assert error.text.startswith(f"{PUBLICATION}:") and error.line and error.column
    assert any(marked for _, _, marked in error.excerpt.lines)
    path.write_text(text)
    workspace.reload()
    assert not workspace.view(key).errors


def test_an_overlong_paragraph_is_outlined_with_its_points_and_block(project: Path):
    workspace = Workspace(project)
    key = workspace.key()
    workspace.view(key)
    path = project / PUBLICATION
    text = path.read_text()
    loc = _loc_of(text, "paragraph")
    path.write_text(replace(text, loc, " ".join(["Many more words here."] * 80)))
    workspace.reload()
    view = workspace.view(key)
    assert view.overflow is not None and view.overflow.excess > 0
    assert view.overflow.block is not None
    assert (view.overflow.block.section, view.overflow.block.index) == loc[1:3]
    assert "pt too tall" in view.overflow.message and f"{PUBLICATION}:" in view.errors[0].text


def test_findings_are_listed_and_pinned_on_their_block(project: Path):
    path = project / PUBLICATION
    text = path.read_text()
    loc = _loc_of(text, "paragraph")
    banned = parse((project / "content/claims.yaml").read_text(), "c").data["banned"]["en"][0]
    path.write_text(replace(text, loc, f"This is {banned}."))
    workspace = Workspace(project)
    key = workspace.key()
    view = workspace.with_findings(key)
    found = [f for f in view.findings if banned in f.text]
    assert found and found[0].path == PUBLICATION and found[0].page is not None
    assert found[0].at is not None


def test_the_studio_page_draws_blocks_overlays_and_findings(studio):
    client, token, _ = studio
    page = client.get("/")
    assert page.status_code == 200 and token in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.text.count('class="block"') > 10 and 'class="ov-folds"' in page.text
    assert 'class="ov-frames"' in page.text and 'class="ov-safe"' in page.text
    for kind in ("screen", "print", "proof"):
        pdf = client.get(f"/download/{kind}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-"), kind
    assert client.get("/image/nothing.png").status_code == 404
    assert os.environ.get("BROCHURE_ROOT")  # the project copy, never the checkout


# -- a publication's summary, for its fictional preview record ---------------------------------

SUMMARY = "content/knee-stem-cell/summary.yaml"
PREVIEW = "content/knee-stem-cell/preview-record.yaml"
SUMMARY_LAYOUT = "summary-letter"
_PRIVATE_TOUCHED: list[str] | None = None
"""While a list, every file or folder of content/patients/ this process opens or lists."""


def _audit(event: str, args: tuple) -> None:
    if _PRIVATE_TOUCHED is not None and event in ("open", "os.listdir", "os.scandir") and \
            args and "patients" in Path(str(args[0])).parts:
        _PRIVATE_TOUCHED.append(f"{event} {args[0]}")


sys.addaudithook(_audit)


def _summary_view(workspace: Workspace, language: str = "en"):
    key = workspace.key(layout=SUMMARY_LAYOUT, language=language)
    assert key is not None and key.layout == SUMMARY_LAYOUT
    return workspace.view(key)


def test_a_publications_summary_is_offered_beside_its_layouts_in_each_language(studio):
    client, _, _ = studio
    page = client.get("/")
    assert f'<option value="{SUMMARY_LAYOUT}">{SUMMARY_LAYOUT} (summary' in page.text
    for language in ("en", "es"):
        page = client.get("/", params={"layout": SUMMARY_LAYOUT, "language": language})
        assert page.status_code == 200
        images = re.findall(r'src="(/image/\w+\.png)"', page.text)
        assert len(images) == 2, language  # two pages, as images
        for src in images:
            png = client.get(src)
            assert png.headers["content-type"] == "image/png"
            assert int.from_bytes(png.content[16:20], "big") == 850  # letter at 100 dpi
        assert SUMMARY in page.text and PREVIEW in page.text  # where its wording is edited
        assert 'class="block"' not in page.text and 'data-overlay="folds"' not in page.text
        assert "Findings (" in page.text
    pdf = client.get("/download/screen.pdf", params={"layout": SUMMARY_LAYOUT})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert client.get("/download/print.pdf", params={"layout": SUMMARY_LAYOUT}).status_code \
        == 404


def test_every_shipped_publication_with_summaries_previews_them_from_its_own_record(studio):
    """Each publication that has summaries (a record.yaml) keeps a fictional preview record in
    its own folder, and the studio shows its summary from it, two pages in each language."""
    client, _, _ = studio
    content = PROJECT / "content"
    with_summaries = sorted(path.parent.name for path in content.glob("*/record.yaml"))
    assert len(with_summaries) >= 2
    for publication in with_summaries:
        assert (content / publication / "preview-record.yaml").exists(), publication
        for language in ("en", "es"):
            page = client.get("/", params={"publication": publication, "layout": SUMMARY_LAYOUT,
                                           "language": language})
            assert page.status_code == 200 and "no preview record" not in page.text
            assert len(re.findall(r'src="(/image/\w+\.png)"', page.text)) == 2, \
                (publication, language)
            assert f"content/{publication}/preview-record.yaml" in page.text


def test_the_summary_follows_its_wording_and_keeps_its_pages_on_a_yaml_error(project: Path):
    workspace = Workspace(project)
    good = _summary_view(workspace)
    assert len(good.images) == 2 and not good.errors and good.summary
    path = project / SUMMARY
    text = path.read_text()
    path.write_text(replace(text, ("languages", "en", "title"), "A new title for the summary"))
    workspace.reload()
    changed = _summary_view(workspace)
    assert not changed.errors and changed.images[0] != good.images[0]
    path.write_text(text.replace("title: ", "title: [", 1))
    workspace.reload()
    broken = _summary_view(workspace)
    assert broken.stale and broken.images == changed.images  # greyed, the last good render
    error = broken.errors[0]
    assert error.text.startswith(f"{SUMMARY}:{error.line}:{error.column}: error")
    assert error.excerpt is not None and any(marked for _, _, marked in error.excerpt.lines)
    path.write_text(text)
    workspace.reload()
    assert _summary_view(workspace).images == good.images


def test_the_preview_records_errors_are_placed_in_it(project: Path):
    path = project / PREVIEW
    text = path.read_text()
    path.write_text(re.sub(r"(?m)^pain: \d+", "pain: 11", text))
    workspace = Workspace(project)
    error = _summary_view(workspace).errors[0]
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1)
                if row.startswith("pain:"))
    assert error.path == PREVIEW and error.line == line and error.column
    assert error.excerpt is not None  # read, to show its lines; never written
    path.write_text(text)
    workspace.reload()
    assert not _summary_view(workspace).errors


def test_a_preview_record_too_long_for_the_pages_is_told_at_its_fields(project: Path,
                                                                        monkeypatch):
    import brochure.studio.preview as preview
    from brochure.errors import RecordFitError

    def unfit(*_args, **_kwargs):
        raise RecordFitError(("name", "notes"), "the record's name and notes take too much "
                                                "room together; shorten them")

    monkeypatch.setattr(preview, "summarize", unfit)
    rows = (project / PREVIEW).read_text().splitlines()
    lines = [next(n for n, row in enumerate(rows, 1) if row.startswith(f"{name}:"))
             for name in ("name", "notes")]
    errors = _summary_view(Workspace(project)).errors
    assert [(e.path, e.line) for e in errors] == [(PREVIEW, line) for line in lines]
    assert all("take too much room" in e.text for e in errors)


def test_without_a_preview_record_no_summary_is_offered(studio):
    client, _, project = studio
    (project / PREVIEW).unlink()
    page = client.get("/", params={"layout": SUMMARY_LAYOUT})
    assert f'value="{SUMMARY_LAYOUT}"' not in page.text and "no preview record" in page.text
    assert PREVIEW in page.text


def test_the_summary_preview_never_touches_patients_records(studio):
    """Nothing the summary's page, its downloads or a source request does opens or lists a
    file of content/patients/ (the project is loaded before: the loader is not the studio's)."""
    global _PRIVATE_TOUCHED
    client, token, _ = studio
    _PRIVATE_TOUCHED = []
    try:
        client.get("/", params={"layout": SUMMARY_LAYOUT})
        client.get("/download/proof.pdf", params={"layout": SUMMARY_LAYOUT})
        client.get("/source", params={"file": "content/patients/worst-case.yaml", "line": 1})
        touched = list(_PRIVATE_TOUCHED)
    finally:
        _PRIVATE_TOUCHED = None
    assert not touched
    headers = {"X-Studio-Token": token, "Origin": OWN}
    answer = client.post("/api/save", json={"file": PREVIEW, "loc": ["name"], "value": "X",
                                            "base": ""}, headers=headers)
    assert answer.status_code == 400  # the preview record is read, never written


def test_the_summary_is_shown_in_the_chosen_brand_kits_summary_layout(project: Path):
    brand = project / "content/brands/harbor.yaml"
    text = re.sub(r"(?m)^summary_layout:.*\n", "", brand.read_text())
    (brand.parent / "harbor-a4.yaml").write_text(text + "summary_layout: summary-a4\n")
    workspace = Workspace(project)
    key = workspace.key(layout=SUMMARY_LAYOUT, brand="harbor-a4")
    assert key is not None and (key.layout, key.brand) == ("summary-a4", "harbor-a4")
    view = workspace.view(key)
    assert not view.errors and view.rendered is not None
    assert round(view.rendered.pages[0].width) == 595  # A4


@pytest.mark.process
def test_the_studio_answers_a_long_request_line_alike_however_its_bytes_arrive(project):
    """As ``brochure serve`` does (see test_server_edges): a 100 kB request line is answered
    the same when it comes in pieces as when it comes at once (h11's 16 KiB default refused
    it in pieces only)."""
    from .servers import send_raw, started

    process, url = started(["studio"], project, ready="/static/studio.css")
    try:
        port = int(url.rsplit(":", 1)[1])
        request = (b"GET /static/" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Connection: close\r\n\r\n")
        whole, pieces = send_raw(port, request), send_raw(port, request, 20_000)
        assert whole.split()[1] == pieces.split()[1] == "404", (whole, pieces)
    finally:
        process.terminate()
        process.wait(timeout=20)
