"""The web form in a real browser: Debian's Chromium driven by Playwright against
``brochure serve`` started as its own process on a free loopback port."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import PROJECT, ROOT
from .servers import started

pytestmark = [pytest.mark.browser, pytest.mark.process]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "docs"
NAME = "Zoë Ramírez-Okafor"


@pytest.fixture(scope="module")
def server():
    process, url = started(["serve"], PROJECT)
    yield url
    process.terminate()
    _, errors = process.communicate(timeout=10)
    assert "brochure serving on" in errors
    assert NAME not in errors and "Ramírez" not in errors, "no patient data in the logs"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


VIOLATIONS = """window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push(
    `${e.violatedDirective} ${e.blockedURI}`));"""


def _watched(browser, **options):
    """A page that records Content-Security-Policy violations and console errors."""
    page = browser.new_page(**options)
    page.add_init_script(VIOLATIONS)
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and not m.text.startswith(
        "Failed to load resource: the server responded with a status of 4")  # 422, 403: ours
        and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page


def _assert_no_violations(page) -> None:
    assert page.evaluate("window.__violations") == []
    assert page.console_errors == []


def _shot(page, name: str, tmp_path: Path) -> None:
    """Screenshots land in tmp; with UPDATE_SCREENSHOTS=1 they replace the ones in docs/."""
    target = tmp_path / name
    page.screenshot(path=str(target), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS"):
        shutil.copy(target, SCREENSHOTS / name)


def _patient(page, record_id: str, knee: str, pain: str) -> None:
    """Fill the patient part of the form the way staff do: by label."""
    page.get_by_label("Name, as the patient writes it").fill(NAME)
    page.get_by_label("Record number").fill(record_id)
    page.get_by_label("Date of birth").fill("1956-03-14")
    page.get_by_label("Knee", exact=True).select_option(knee)
    page.get_by_label("Pain today (0 = none, 10 = worst)").fill(pain)
    page.get_by_label("Months with symptoms").fill("14")


def test_a_physician_fills_the_form_sees_the_verdict_and_downloads_the_pdf(
        server, browser, tmp_path):
    page = _watched(browser, viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page.goto(server)
    _patient(page, "HK-30001", "right", "6")
    page.get_by_label("X-ray grade (Kellgren–Lawrence)").select_option("3")
    page.get_by_label("Cartilage grade (ICRS, MRI)").select_option("2")
    page.get_by_label("Weeks of physical therapy done").fill("10")
    page.get_by_label("Your words, printed as written (optional)").fill(
        "Keep walking every day.")
    _shot(page, "web-form-filled.png", tmp_path)
    page.get_by_label("Weeks of physical therapy done").press("Enter")  # keyboard submits
    page.wait_for_selector("#result")
    assert page.locator("#verdict-label").inner_text() == \
        "Could be an option to discuss with your doctor"
    assert page.locator("#reasons li").all_inner_texts() == [
        "You have mild to moderate arthritis with some cartilage left."]
    assert page.get_by_label("Name, as the patient writes it").input_value() == NAME
    _shot(page, "web-form-result.png", tmp_path)
    with page.expect_download() as download:
        page.locator("#download").click()
    pdf = tmp_path / "summary.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename == "candidacy-summary.pdf"
    text = " ".join(PdfReader(pdf).pages[0].extract_text().split())
    assert f"Prepared for: {NAME}" in text
    assert "Could be an option to discuss with your doctor" in text
    _assert_no_violations(page)


def test_an_invalid_pain_score_is_shown_beside_its_field(server, browser, tmp_path):
    page = _watched(browser)
    page.goto(server)
    _patient(page, "HK-30002", "left", "14")
    page.locator("#assess").click()
    message = page.locator(".field:has(#pain) #err-pain")
    message.wait_for()
    assert "10" in message.inner_text(), "the message says what is allowed"
    assert page.locator("#pain").get_attribute("aria-invalid") == "true"
    assert page.locator("#pain").input_value() == "14"
    assert page.get_by_label("Name, as the patient writes it").input_value() == NAME
    assert page.locator("#result").count() == 0
    _shot(page, "web-form-error.png", tmp_path)
    _assert_no_violations(page)


def test_the_api_documentation_page_works_under_its_content_security_policy(server, browser):
    page = _watched(browser)
    response = page.goto(f"{server}/docs")
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    operations = page.locator(".opblock-summary-path")
    operations.first.wait_for()
    assert {"/api/assess", "/api/summaries", "/api/health"} <= set(
        t.strip().replace("\u200b", "") for t in operations.all_inner_texts())
    page.locator(".opblock-summary-path", has_text="/api/assess").click()  # schemas, icons
    page.locator(".opblock-body").first.wait_for()
    health = page.locator(".opblock", has=page.locator(".opblock-summary-path",
                                                       has_text="/api/health"))
    health.locator(".opblock-summary-path").click()
    health.locator(".try-out__btn").click()  # "Try it out", then "Execute": a real call
    health.locator(".execute").click()
    status = health.locator(".live-responses-table tbody .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    _assert_no_violations(page)


def test_a_form_posted_from_another_site_is_refused(server, browser):
    """A page on another origin (here: a data: page) that posts to the form: 403, no verdict."""
    page = _watched(browser)
    fields = "".join(f'<input name="{k}" value="{v}">' for k, v in
                     {"name": NAME, "id": "HK-1", "knee": "left", "pain": "6",
                      "symptom_months": "14"}.items())
    page.set_content(f'<form method="post" action="{server}/">{fields}'
                     '<button id="go">go</button></form>')
    with page.expect_response(f"{server}/") as response:
        page.locator("#go").click()
    assert response.value.status == 403
    assert "forbidden" in page.content() and "Zoë" not in page.content()
