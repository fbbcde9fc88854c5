"""Issue 22: the form of a second topic, made with no Python (:mod:`.topic`), is generated from
its declarations; a physician fills it in Debian's Chromium, by its labels, and downloads the
summary."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from .servers import started
from .topic import FALL_REASON, TOPIC, second_topic

pytestmark = [pytest.mark.browser, pytest.mark.process]

CHROMIUM = "/usr/bin/chromium"


def _served(project: Path) -> tuple[subprocess.Popen, str]:
    return started(["serve", "--publication", TOPIC], project)


def test_the_generated_form_of_a_copied_publication_is_filled_and_submitted(project, tmp_path):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    second_topic(project)
    process, url = _served(project)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(accept_downloads=True)
            page.goto(url)  # serve --publication: the copy's form comes first
            assert page.locator("h1").inner_text().startswith("Candidacy summary")
            page.get_by_label("Name, as the patient writes it").fill("Rosa Díaz")
            page.get_by_label("Record number").fill("T-22")
            page.get_by_label("Date of birth").fill("1960-02-02")
            page.get_by_label("Knee", exact=True).select_option("left")
            page.get_by_label("X-ray grade (Kellgren–Lawrence)").select_option("2")
            page.get_by_label("Pain today (0 = none, 10 = worst)").fill("6")
            page.get_by_label("Months with symptoms").fill("8")
            page.get_by_label("Weeks of physical therapy done").fill("3")  # the renamed field
            page.get_by_label("A recent fall").check()  # the condition added
            page.locator("#assess").click()
            page.wait_for_selector("#result")
            assert FALL_REASON in page.locator("#reasons").inner_text()
            assert page.locator("#therapy_weeks").input_value() == "3"
            with page.expect_download() as download:
                page.locator("#download").click()
            pdf = download.value.path().read_bytes()
            browser.close()
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=20)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert FALL_REASON in text and "Physical therapy so far 3 weeks" in text
    assert "Rosa" not in errors, "no patient data in the server's log"
