"""The studio in a real browser: ``brochure studio`` as its own process on a copy of the
project, Debian's Chromium driven by Playwright through everything a marketing person does
(one session, one walk), with axe-core in every state it reaches."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from brochure.source import parse
from brochure.studio.splice import locate, replace

from .axe import assert_accessible, no_violations, tab_to
from .conftest import PROJECT
from .servers import started
from .test_browser import browser  # noqa: F401  (one launch for this module)

pytestmark = [pytest.mark.browser, pytest.mark.process]

PUBLICATION = "content/knee-stem-cell/publication.yaml"
WAIT_MS = 15_000


def start_studio(folder: Path) -> tuple[subprocess.Popen, str]:
    """``brochure studio`` on a free port over ``folder``, once it answers."""
    return started(["studio"], folder, ready="/static/studio.css")


def project_copy(target: Path) -> Path:
    for folder in ("content", "layouts"):
        shutil.copytree(PROJECT / folder, target / folder)
    return target


@pytest.fixture
def studio(tmp_path) -> Iterator[tuple[str, Path]]:
    folder = project_copy(tmp_path / "project")
    process, url = start_studio(folder)
    yield url, folder
    process.terminate()
    _, errors = process.communicate(timeout=10)
    assert "brochure studio on" in errors and "Traceback" not in errors


def _paragraph(text: str) -> tuple:
    """The first folded paragraph of the inside's first panel (a block with room to spare)."""
    data = parse(text, "p").data
    for section, blocks in data["sections"].items():
        for i, block in enumerate(blocks):
            loc = ("sections", section, i, "text")
            if block["type"] == "paragraph" and locate(text, loc).style == ">":
                return loc
    raise AssertionError("no folded paragraph")


def _page_of(page, loc: tuple) -> int:
    """The page (from 0) on which the block of ``loc`` is drawn."""
    return page.evaluate("""(loc) => {
        const block = [...document.querySelectorAll('.block')].find(
            (b) => b.dataset.loc === JSON.stringify(loc).replaceAll(',', ', '));
        return Number(block.closest('.sheet').querySelector('.page-image').id.slice(5)); }""",
                         list(loc[:3]))


def _new_image(page, number: int, before: str | None) -> str:
    """Wait until page image ``number`` is a new one, loaded; its address."""
    page.wait_for_function("""([id, before]) => { const i = document.getElementById(id);
        return i && i.getAttribute('src') !== before && i.complete && i.naturalWidth > 0; }""",
                           arg=[f"page-{number}", before], timeout=WAIT_MS)
    return page.locator(f"#page-{number}").get_attribute("src")


def test_a_marketing_person_previews_breaks_fixes_and_edits_a_brochure(studio, browser):  # noqa: F811
    url, folder = studio
    path = folder / PUBLICATION
    original = path.read_text()
    found: list[str] = []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("#page-1")
    assert page.locator(".block").count() > 10
    no_violations(page, "opened", found)
    for overlay in ("frames", "safe", "bleed"):  # every overlay shown
        page.locator(f"[data-overlay={overlay}]").check()
    assert page.locator(".ov-frames").first.is_visible()
    no_violations(page, "overlays shown", found)

    # a change saved on disk: the page image follows
    loc = _paragraph(original)
    number = _page_of(page, loc)
    first = page.locator(f"#page-{number}").get_attribute("src")
    path.write_text(replace(original, loc, "A new sentence, saved in a text editor."))
    changed = _new_image(page, number, first)

    # an overlong paragraph: its panel outlined, with the points and the block
    path.write_text(replace(original, loc, " ".join(["Far too many words here."] * 90)))
    page.wait_for_selector("#overflow", timeout=WAIT_MS)
    label = page.locator("#overflow").get_attribute("aria-label")
    assert "pt too tall" in label and f"block {loc[2] + 1} (paragraph)" in label
    assert "pt too tall" in page.locator("#overflow text").first.text_content()
    no_violations(page, "overflow", found)

    # broken YAML: file:line:col, the lines around it, the last good pages greyed
    path.write_text(original.replace("\ntitle: ", "\ntitle: [", 1))
    page.wait_for_selector(".problem-line:has-text('malformed YAML')", timeout=WAIT_MS)
    told = page.locator(".problem-line").first.inner_text()
    assert re.match(rf"{re.escape(PUBLICATION)}:\d+:\d+: error: malformed YAML", told), told
    assert page.locator("#pages.stale").count() == 1 and page.locator("mark").count() >= 1
    no_violations(page, "broken YAML", found)

    # fixed: the pages return, as they were
    path.write_text(original)
    page.wait_for_selector("#state[data-state=ok]", timeout=WAIT_MS)
    assert _new_image(page, number, changed) == first

    # a finding, listed and pinned
    banned = parse((folder / "content/claims.yaml").read_text(), "c").data["banned"]["en"][0]
    path.write_text(replace(original, loc, f"This is {banned}."))
    page.wait_for_selector(f".finding:has-text('{banned}')", timeout=WAIT_MS)
    assert page.locator(".ov-pins").count() >= 1
    no_violations(page, "finding", found)
    path.write_text(original)
    page.wait_for_selector("#findings-title:has-text('Findings (0)')", timeout=WAIT_MS)

    # edited in the browser, keyboard only: only that paragraph's bytes change on disk
    _edit_by_keyboard(page, loc, "Edited in the studio, with **bold** kept as written.")
    no_violations(page, "saved", found)
    saved = path.read_text()
    spot = locate(original, loc)
    assert saved[:spot.start] == original[:spot.start]
    assert saved[len(saved) - (len(original) - spot.end):] == original[spot.end:]
    assert locate(saved, loc).value == "Edited in the studio, with **bold** kept as written."
    _new_image(page, number, first)

    # the file changed on disk since the editor read it: refused, the difference shown
    path.write_text(saved + "# a colleague's note\n")
    page.locator("form.edit textarea").first.fill("Not saved.")
    page.locator("form.edit button").first.click()
    page.wait_for_selector("pre.diff", timeout=WAIT_MS)
    assert "+# a colleague's note" in page.locator("pre.diff").inner_text()
    assert path.read_text() == saved + "# a colleague's note\n"
    no_violations(page, "conflict", found)
    path.write_text(saved)

    # Undo, by keyboard: the file as it was, and the answer still read out once the pages
    # have followed (their reload has its own live region)
    edited = page.locator(f"#page-{number}").get_attribute("src")
    tab_to(page, "#undo")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('status').textContent.includes("
                           "'undid')", timeout=WAIT_MS)
    assert path.read_text() == original
    assert _new_image(page, number, edited) == first
    assert "undid" in page.locator("#status").inner_text()

    # another site's request, and a path out of the project: refused, nothing written
    _refused_from_elsewhere(browser, page, url, loc, path)

    # the publication's summary, for its fictional preview record: two pages, nothing to click
    page.goto(f"{url}/?layout=summary-letter")
    page.wait_for_selector("#page-1")
    assert page.locator(".block").count() == 0 and page.locator("#summary-hint").is_visible()
    no_violations(page, "summary", found)
    assert errors == []
    assert_accessible(found)


def _edit_by_keyboard(page, loc: tuple, text: str) -> None:
    """From the outline to a saved edit without the mouse."""
    block = json.dumps(list(loc[:3]))
    button = next(b for b in page.locator(".edit-block").all()
                  if json.loads(b.get_attribute("data-loc")) == json.loads(block))
    tab_to(page, f".edit-block[data-loc='{button.get_attribute('data-loc')}']")
    page.keyboard.press("Enter")
    page.wait_for_selector("form.edit textarea:focus", timeout=WAIT_MS)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Save")
    page.keyboard.press("Enter")
    page.wait_for_selector("form.edit .result.ok", timeout=WAIT_MS)


def _refused_from_elsewhere(browser, page, url: str, loc: tuple, path: Path) -> None:  # noqa: F811
    before = path.read_bytes()
    token = page.locator("meta[name=studio-token]").get_attribute("content")
    base = page.locator("form.edit").first.get_attribute("data-base")
    body = {"file": PUBLICATION, "loc": list(loc), "value": "Forged.", "base": base}
    forged = page.request.post(f"{url}/api/save", data=body, headers={
        "X-Studio-Token": token, "Origin": "https://evil.example"})
    assert forged.status == 403
    other = browser.new_page()  # another site's page posting to the studio
    other.set_content(f'<form method="post" action="{url}/api/save" enctype="text/plain">'
                      '<input name=\'{"file": "x", "a\' value=\'": 1}\'><button id="go">go'
                      '</button></form>')
    with other.expect_response(f"{url}/api/save") as response:
        other.locator("#go").click()
    assert response.value.status == 403
    other.close()
    for name in ("../project/" + PUBLICATION, "content/patients/worst-case.yaml"):
        outside = page.request.post(f"{url}/api/save", data={**body, "file": name},
                                    headers={"X-Studio-Token": token, "Origin": url})
        assert outside.status == 400, name
    assert path.read_bytes() == before
