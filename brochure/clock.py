"""Today's date, from one place: ``$BROCHURE_TODAY`` (``YYYY-MM-DD``) when set, else the
computer's clock. Checks that depend on "today" (no visit in the future) read it here, so tests
and reruns of an old batch can fix it."""

from __future__ import annotations

import datetime as dt
import os

from .errors import BrochureError, Problem

VARIABLE = "BROCHURE_TODAY"


def today() -> dt.date:
    """``$BROCHURE_TODAY`` if set (an error naming the variable if it is not a date), else the
    local date."""
    value = os.environ.get(VARIABLE, "").strip()
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else _bad(value)
    except ValueError:
        return _bad(value)


def _bad(value: str) -> dt.date:
    raise BrochureError(Problem(f"environment variable {VARIABLE} is '{value}'; expected a date "
                                "like 2026-11-02 (or leave it unset for the computer's date)"))
