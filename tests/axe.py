"""axe-core (from npm: package.json, ``npm ci``) run in a page Playwright drives: the
accessibility rules of WCAG 2.0, 2.1 and 2.2 (A and AA) and axe's best practices."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_source() -> str:
    """axe-core's script; a test is skipped without it (failed in CI: .ci/run installs it)."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} is missing: .ci/run runs npm ci")
        pytest.skip("axe-core not installed (npm ci)")
    return AXE.read_text()


def violations(page, state: str) -> list[str]:
    """axe's violations on the page as it is now (``state`` names it in the message): each
    rule broken, with the first few elements that break it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())  # evaluated by the driver: the page's CSP does not apply
    found = page.evaluate("""async (tags) => {
        const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                resultTypes: ["violations"]});
        return result.violations.map(v => `${v.id} (${v.impact}): ${v.help}: ` +
            v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
    }""", RULES)
    return [f"{state}: {line}" for line in found]


def no_violations(page, state: str, found: list[str]) -> None:
    """Add the page's violations in ``state`` to ``found`` (asserted empty at the end, so
    that one run tells every state's)."""
    found += violations(page, state)


def assert_accessible(found: list[str]) -> None:
    assert found == [], "axe-core found:\n" + "\n".join(found)


def tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching ``selector`` has the focus (as a keyboard user
    gets there)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


__all__ = ["Path", "assert_accessible", "axe_source", "no_violations", "tab_to", "violations"]
