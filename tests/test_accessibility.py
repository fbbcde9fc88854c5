"""The physician's form (``brochure serve``) for people who use a keyboard or a screen reader:
axe-core finds nothing in any state the form reaches (empty, with field errors, with a result;
in the network mode its log-in page, a failed sign-in, signed in, signed out), and a
keyboard alone fills and sends it. The studio's own run is in tests/test_studio_browser.py.
(The API reference at /docs is Swagger UI's page, for integrators; it is not checked here.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .axe import assert_accessible, no_violations, tab_to
from .test_browser import NAME, browser, server  # noqa: F401  (their servers, one a module)
from .test_browser_network import PASSWORD, _serve, self_signed, users  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.process]

WAIT_MS = 15_000


@pytest.fixture(scope="module")
def signed_in_server(users, tmp_path_factory) -> Iterator[str]:  # noqa: F811
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    yield from _serve("--tls-cert", str(cert), "--tls-key", str(key), "--users", str(users),
                      "--allowed-host", "127.0.0.1")


def test_the_form_has_no_accessibility_violations_in_any_state(server, signed_in_server,  # noqa: F811
                                                                browser):  # noqa: F811
    found: list[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(server)
    no_violations(page, "form", found)
    _fill(page, pain="14")
    page.locator("#assess").click()
    page.wait_for_selector("#err-pain", timeout=WAIT_MS)
    no_violations(page, "field errors", found)
    page.locator("#pain").fill("6")
    page.locator("#assess").click()
    page.wait_for_selector("#result", timeout=WAIT_MS)
    no_violations(page, "result", found)

    secure = browser.new_page(ignore_https_errors=True)
    secure.goto(signed_in_server)
    no_violations(secure, "log-in page", found)
    _sign_in(secure, "not the password")
    secure.wait_for_selector("text=/not right|wrong|incorrect|did not match/i",
                             timeout=WAIT_MS)
    no_violations(secure, "failed sign-in", found)
    _sign_in(secure, PASSWORD)
    secure.wait_for_url(f"{signed_in_server}/", timeout=WAIT_MS)
    no_violations(secure, "signed in", found)
    secure.get_by_role("button", name="Sign out").click()
    secure.wait_for_url(f"{signed_in_server}/login?signed_out=1", timeout=WAIT_MS)
    no_violations(secure, "signed out", found)
    assert_accessible(found)


def test_a_keyboard_alone_fills_and_sends_the_form(server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(server)
    for label, value in (("#name", NAME), ("#id", "HK-30003"),
                         ("#date_of_birth", "03141956"),  # month, day, year: as typed
                         ("#pain", "6"), ("#symptom_months", "14")):
        tab_to(page, label)
        page.keyboard.type(value)
    tab_to(page, "#knee")
    page.keyboard.type("Right")  # a select takes the option typed
    assert page.locator("#knee").input_value() == "right"
    tab_to(page, "#assess")
    page.keyboard.press("Enter")
    page.wait_for_selector("#result, .error", timeout=WAIT_MS)
    assert page.locator(".error").all_inner_texts() == []
    assert page.locator("#verdict-label").inner_text()
    assert page.get_by_label("Name, as the patient writes it").input_value() == NAME


def _fill(page, pain: str) -> None:
    page.get_by_label("Name, as the patient writes it").fill(NAME)
    page.get_by_label("Record number").fill("HK-30002")
    page.get_by_label("Date of birth").fill("1956-03-14")
    page.get_by_label("Knee", exact=True).select_option("left")
    page.locator("#pain").fill(pain)
    page.get_by_label("Months with symptoms").fill("14")


def _sign_in(page, password: str) -> None:
    page.get_by_label("Name").fill("alice")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
