"""Content templates: Jinja2 in a sandbox, strict about unknown names, compiled once.

Only content authors' text (summary.yaml) is compiled as a template; a patient's own strings
are never compiled, only inserted as values (see :func:`brochure.text.shield`).
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .text import shield

ENVIRONMENT = ImmutableSandboxedEnvironment(undefined=StrictUndefined, finalize=shield,
                                            autoescape=False, keep_trailing_newline=False)


@lru_cache(maxsize=2048)
def compiled(source: str):
    return ENVIRONMENT.from_string(source)


def fill(source: str, context: dict) -> str:
    """``source`` rendered with ``context`` as plain text, for :func:`brochure.text.inline`."""
    if "{" not in source:
        return source
    return compiled(source).render(context)
