"""``brochure audit verify`` and ``brochure audit list``: the audit log, checked and shown.

``verify`` walks the hash chain and prints the last line's HMAC (to keep elsewhere: lines cut
from the end of the log show against it with ``--expect-last``); exit 1 names the first line
that is not where the chain says (``file:line: error: …``). ``list`` prints the lines as a
table (``--json``: as stored, one JSON object a line), the oldest first.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import click

from ..audit import AUDIT_KEY_ENV, AUDIT_KEY_FILE, LOG, Chain, audit_dir, audit_key, check, listed
from ..errors import BrochureError, Problem
from ..output import key_path

COLUMNS = ("time", "kind", "user", "publication", "verdict", "override", "encrypted", "token")


def run_verify(root: Path, expect_last: str | None) -> int:
    """0 when the chain is intact (and holds ``expect_last``), else 1, saying where."""
    if expect_last is not None and not re.fullmatch(r"[0-9a-f]{64}", expect_last):
        raise BrochureError("--expect-last: expected the 64 hex digits of an HMAC printed by "
                            "'brochure audit verify'")
    path = audit_dir(root) / LOG
    if not path.exists():
        return _no_log(path, expect_last)
    if problem := _key_problem():
        click.echo(str(problem), err=True)
        return 1
    chain = check(path, audit_key())
    problem = chain.problem or (_expected(chain, expect_last) if expect_last else None)
    if problem:
        click.echo(str(problem), err=True)
        return 1
    click.echo(f"{path}: {len(chain.macs)} lines, chain intact")
    click.echo(f"last HMAC: {chain.last}")
    return 0


def _no_log(path: Path, expect_last: str | None) -> int:
    if expect_last:
        click.echo(str(Problem("no audit log here, so the HMAC expected is not in it: the log "
                               "was removed, or this is not the state folder it was taken "
                               "from", path)), err=True)
        return 1
    click.echo(f"{path}: no audit log yet (no summary has been produced with this state folder)")
    return 0


def _key_problem() -> Problem | None:
    """A missing audit key is said, not made anew: a new key would fail every line."""
    if os.environ.get(AUDIT_KEY_ENV) is not None or key_path(AUDIT_KEY_FILE).exists():
        return None
    return Problem(f"the audit key is missing, so the log cannot be checked; expected the key "
                   f"the log was written with here, or in {AUDIT_KEY_ENV}",
                   key_path(AUDIT_KEY_FILE))


def _expected(chain: Chain, mac: str) -> Problem | None:
    """None when ``mac`` is a line's HMAC (the last, or one before lines added since)."""
    if mac in chain.macs:
        if (added := len(chain.macs) - chain.macs.index(mac) - 1):
            click.echo(f"the HMAC expected is line {len(chain.macs) - added}'s; {added} lines "
                       "were added after it")
        return None
    return Problem("the HMAC expected is not in the log: lines were cut from its end, or this "
                   "is not the log it was taken from", chain.path)


def run_list(root: Path, since: datetime | None, user: str | None, as_json: bool) -> int:
    """The lines written at or after ``since`` (UTC) by ``user``; 0, or 1 when some lines
    are not audit lines (each named on stderr)."""
    path = audit_dir(root) / LOG
    rows, bad = [], 0
    for number, values in listed(path):
        if values is None:
            bad += 1
            click.echo(str(Problem("not an audit line; run 'brochure audit verify'", path,
                                   number, level="warning")), err=True)
        elif _selected(values, since, user):
            rows.append(values)
    if as_json:
        for values in rows:
            click.echo(json.dumps(values, separators=(",", ":")))
    else:
        click.echo(_table(rows))
    return 1 if bad else 0


def _selected(values: dict, since: datetime | None, user: str | None) -> bool:
    if user is not None and values.get("user") != user:
        return False
    if since is None:
        return True
    try:
        written = datetime.fromisoformat(str(values.get("time")))
    except ValueError:
        return False
    return written >= since.replace(tzinfo=since.tzinfo or timezone.utc)


def _table(rows: list[dict]) -> str:
    """Aligned columns under a header; yes/no for the flags."""
    cells = [[c.upper() for c in COLUMNS]] + [[_cell(row.get(c)) for c in COLUMNS]
                                              for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(line, widths,
                                                                        strict=True)).rstrip()
                     for line in cells)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)
