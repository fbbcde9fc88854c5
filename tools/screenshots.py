"""The studio's pictures in docs/ (``make screenshots``): taken of the real app, never by hand
and never by a test run.

``brochure studio`` runs on a copy of the project (content/patients/ left out); Debian's
Chromium (Playwright) opens it and the copy's files are changed as a person would change them:
a block opened for editing (docs/studio.png, in the README), a banned phrase that brochure check
reports (docs/studio-finding.png), a paragraph too long for its panel (docs/studio-overflow.png)
and a YAML error (docs/studio-error.png).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_studio import PUBLICATION, studio_on_a_copy  # noqa: E402
from brochure.source import parse  # noqa: E402
from brochure.studio.splice import locate, replace  # noqa: E402

DOCS = ROOT / "docs"
VIEWPORT = {"width": 1500, "height": 1050}
WAIT_MS = 20_000


def _paragraph(text: str) -> tuple:
    """The first folded paragraph (a few lines of body text)."""
    for section, blocks in parse(text, PUBLICATION).data["sections"].items():
        for i, block in enumerate(blocks):
            loc = ("sections", section, i, "text")
            if block["type"] == "paragraph" and locate(text, loc).style == ">":
                return loc
    raise SystemExit("no folded paragraph to change")


def shoot(url: str, project: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    path = project / PUBLICATION
    original = path.read_text()
    loc = _paragraph(original)
    banned = parse((project / "content/claims.yaml").read_text(), "claims").data["banned"]
    taken = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        page.locator("[data-overlay=frames]").check()
        _open_block(page, loc)
        taken.append(_shot(page, "studio.png"))
        path.write_text(replace(original, loc, f"Our treatment is a {banned['en'][0]} for "
                                               "knee pain."))
        page.wait_for_selector(".finding", timeout=WAIT_MS)
        taken.append(_shot(page, "studio-finding.png"))
        path.write_text(replace(original, loc, " ".join(["Every word here makes the paragraph "
                                                         "longer than its panel."] * 40)))
        page.wait_for_selector("#overflow", timeout=WAIT_MS)
        taken.append(_shot(page, "studio-overflow.png"))
        path.write_text(original.replace("\ntitle: ", "\ntitle: [", 1))
        page.wait_for_selector(".problem-line:has-text('malformed YAML')", timeout=WAIT_MS)
        taken.append(_shot(page, "studio-error.png"))
        path.write_text(original)
        browser.close()
    return taken


def _open_block(page, loc: tuple) -> None:
    """Click the block on the page, as a person would, and wait for its text."""
    block = page.locator(".block").filter(has=page.locator("rect")).all()
    wanted = [b for b in block if b.get_attribute("data-loc").replace(" ", "") ==
              str(list(loc[:3])).replace(" ", "").replace("'", '"')]
    wanted[0].click()
    page.wait_for_selector("form.edit textarea", timeout=WAIT_MS)


def _shot(page, name: str) -> Path:
    page.wait_for_timeout(400)  # images decoded, findings drawn
    page.evaluate("window.scrollTo(0, 0)")
    target = DOCS / name
    page.screenshot(path=str(target))
    return target


def main() -> None:
    with studio_on_a_copy() as (project, url):
        for path in shoot(url, project):
            print(f"wrote {path.relative_to(ROOT)}")

if __name__ == "__main__":
    main()
