"""The web form's Download as a browser sends it: the record form's own fields, after Assess,
with the digest of the record assessed (the page's hidden ``assessed`` field)."""

from __future__ import annotations

import html
import re

ASSESSED = re.compile(r'<input type="hidden" name="assessed" value="([^"]+)"')


def assessed_digest(page: str) -> str:
    """The digest a page after Assess carries for its Download button."""
    found = ASSESSED.search(page)
    assert found, "the page offers a download (the record was assessed)"
    return html.unescape(found.group(1))


def as_downloaded(client, form: dict) -> dict:
    """``form`` (with its ``csrf_token``) as Download sends it once Assess has shown it: the
    same fields and the digest of the record assessed."""
    page = client.post("/", data=form)
    assert page.status_code == 200, page.text[-500:]
    return {**form, "assessed": assessed_digest(page.text)}
