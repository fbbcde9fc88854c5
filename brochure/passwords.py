"""The one rule for a summary's password, the same at the command line, in the JSON API and in
the web form.

An encrypted summary is emailed, so whoever gets a copy can try passwords offline, as fast as
their hardware allows, with nothing to stop or slow them but the password's length. The rule:

- at least 10 characters: a password is told to the patient by another channel (a phone call,
  a text), so it must stay easy to say, but an 8-character one chosen by a person falls to an
  offline search far sooner; 10 is two more characters to dictate, a hundred-fold or more
  searching;
- at most 127 bytes in UTF-8 after the normalisation AES-256 PDFs use (SASLprep, RFC 4013):
  the format keeps no more, a longer password would be cut without a word;
- no control characters and nothing SASLprep forbids: a PDF reader's password box could not
  take them, and the file would not open.

Messages say what the rule is, never what the password was.
"""

from __future__ import annotations

import stringprep
import unicodedata

MIN_CHARACTERS = 10
MAX_BYTES = 127
RULE = (f"a password has at least {MIN_CHARACTERS} characters and at most {MAX_BYTES} bytes in "
        f"UTF-8 (about {MAX_BYTES} letters of the Latin alphabet, fewer accented or other "
        "letters), and no control characters")

_FORBIDDEN = (stringprep.in_table_c21, stringprep.in_table_c22,
              stringprep.in_table_c3, stringprep.in_table_c4, stringprep.in_table_c5,
              stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
              stringprep.in_table_c9, stringprep.in_table_a1)


def password_problem(password: str) -> str | None:
    """What is wrong with ``password`` under the rule (never quoting it), or None if it is
    fine."""
    prepared = _saslprep(password)
    if prepared is None:
        return ("the password has a character a PDF password cannot hold (a control or "
                f"private-use character, or right-to-left letters mixed with others): {RULE}")
    if len(prepared) < MIN_CHARACTERS:
        return f"the password is too short: {RULE}"
    if len(prepared.encode("utf-8")) > MAX_BYTES:
        return f"the password is too long: {RULE}"
    return None


def check_password(password: str) -> str:
    """``password`` if it follows the rule; else ValueError with the rule (never the
    password)."""
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    return password


def _saslprep(password: str) -> str | None:
    """The password as AES-256 PDFs read it (RFC 4013), or None where RFC 4013 forbids it
    (control characters, private use, unassigned code points, mixed directions)."""
    mapped = "".join(" " if stringprep.in_table_c12(c) else c for c in password
                     if not stringprep.in_table_b1(c))
    prepared = unicodedata.normalize("NFKC", mapped)
    if any(check(c) for c in prepared for check in _FORBIDDEN):
        return None
    right_to_left = [stringprep.in_table_d1(c) for c in prepared]
    if any(right_to_left):
        if any(stringprep.in_table_d2(c) for c in prepared):
            return None
        if not (right_to_left[0] and right_to_left[-1]):
            return None
    return prepared
