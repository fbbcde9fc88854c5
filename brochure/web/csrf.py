"""Cross-site request forgery: the form's POSTs must come from a page this server process gave.

Two checks, both needed:

- a secret token made when the server starts (one per process, never stored), sent in every
  form as a hidden field: another site cannot read our pages, so it cannot know the token;
- the browser's word on where the POST comes from: ``Sec-Fetch-Site``, when sent (every
  current browser does), must be ``same-origin``; ``Origin``, when sent, must be this server's
  own origin, or ``null`` only where ``Sec-Fetch-Site`` says same-origin (our pages say
  ``Referrer-Policy: no-referrer``, under which a browser sends ``Origin: null`` even for its
  own form). A request with neither header (an old browser, a script on this machine) is let in
  on the token alone: the token is what another site can never have.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

FIELD = "csrf_token"
REFUSED = ("forbidden: this form must be sent from the page this server gave you. Reload the "
           "page (the server may have been restarted) and send it again.")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def forged(request: Request, form, token: str) -> bool:
    """Whether a form POST lacks this process's token or comes from another origin."""
    sent = form.get(FIELD)
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), token.encode()):
        return True
    return not same_origin(request)


def same_origin(request: Request) -> bool:
    """Whether the browser says the request comes from this server's own pages (True when it
    says nothing)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("origin")
    if origin is None or (origin == "null" and site == "same-origin"):
        return True
    return origin.lower() == f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
