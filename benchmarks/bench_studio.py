"""The studio's live loop, run on demand (``make bench``), never as a test: from a file saved
on disk to the new page image shown in the browser.

``brochure studio`` runs as its own process on a copy of the project; Debian's Chromium
(Playwright) opens the letter tri-fold; a heading of the publication is changed and saved
``RUNS`` times, and each time the clock stops when the page image of that heading's page has
been replaced and decoded in the browser. Prints one JSON line: median and slowest, in seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brochure.studio.splice import replace  # noqa: E402
from tests.servers import started  # noqa: E402

RUNS = 20
PUBLICATION = "content/knee-stem-cell/publication.yaml"


def _studio(folder: Path) -> tuple[subprocess.Popen, str]:
    return started(["studio"], folder, ready="/static/studio.css",
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextmanager
def studio_on_a_copy() -> Iterator[tuple[Path, str]]:
    """``brochure studio`` running over a fresh copy of the project's content (its patients
    left out) and layouts: the copy's folder and the studio's address; stopped after."""
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        for part in ("content", "layouts"):
            shutil.copytree(ROOT / part, project / part,
                            ignore=shutil.ignore_patterns("patients"))
        process, url = _studio(project)
        try:
            yield project, url
        finally:
            process.terminate()
            process.wait(timeout=10)


def _first_heading(page) -> tuple[int, tuple]:
    """The page (from 0) of the first heading drawn, and its text's place in the file."""
    number, loc = page.evaluate("""() => {
        const blocks = [...document.querySelectorAll('.block')];
        const heading = blocks.find((b) => b.getAttribute('aria-label').startsWith('Edit heading'));
        return [Number(heading.closest('.sheet').querySelector('.page-image').id.slice(5)),
                JSON.parse(heading.dataset.loc)]; }""")
    return number, (*loc, "text")


def measure(url: str, path: Path) -> list[float]:
    from playwright.sync_api import sync_playwright

    original = path.read_text()
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        number, loc = _first_heading(page)
        for run in range(RUNS):
            before = page.locator(f"#page-{number}").get_attribute("src")
            text = replace(original, loc, f"Run {run}: is it right for you?")
            started = time.perf_counter()
            path.write_text(text)
            page.wait_for_function("""([id, before]) => { const i = document.getElementById(id);
                return i && i.getAttribute('src') !== before && i.complete &&
                       i.naturalWidth > 0; }""", arg=[f"page-{number}", before], timeout=20_000)
            times.append(time.perf_counter() - started)
            page.wait_for_timeout(300)  # findings follow; the next save after them
        browser.close()
    return times


def main() -> None:
    with studio_on_a_copy() as (project, url):
        times = measure(url, project / PUBLICATION)
    print(json.dumps({"studio_save_to_image_median_s": round(statistics.median(times), 3),
                      "studio_save_to_image_max_s": round(max(times), 3), "runs": RUNS,
                      "cores": os.cpu_count()}))


if __name__ == "__main__":
    main()
