"""The one rule for a summary's password, the same at the command line, in a batch, in the JSON
API and in the web form.

An encrypted summary is emailed, so whoever gets a copy can try passwords offline, as fast as
their hardware allows, with nothing to stop or slow them but how hard the password is to guess.
The rule:

- at least 10 characters: a password is told to the patient by another channel (a phone call,
  a text), so it must stay easy to say, but an 8-character one chosen by a person falls to an
  offline search far sooner; 10 is two more characters to dictate, a hundred-fold or more
  searching;
- at most 127 bytes in UTF-8 after the normalisation AES-256 PDFs use (SASLprep, RFC 4013):
  the format keeps no more, a longer password would be cut without a word;
- no control characters and nothing SASLprep forbids: a PDF reader's password box could not
  take them, and the file would not open;
- hard to guess: zxcvbn (Dropbox's estimator: dictionaries of common passwords, names and
  words, keyboard runs, repeats, sequences, dates, l33t spellings) gives it a score of at least
  :data:`MIN_SCORE`, counting the patient's own name, record id and birth date, in the forms
  people write them (:func:`personal_inputs`), among the first guesses: someone who gets a
  patient's summary knows or can find them, and a birth date is the likeliest password of all.
  zxcvbn counts any three pieces in a row as hard enough (``Margaret-06-14``: a name, a dash, a
  birthday), so the password must also pass once the patient's pieces are taken out of it.

A refusal says why in zxcvbn's words (its warning and suggestions, fixed sentences that never
quote the password); messages never quote the password, nor the patient's data.
"""

from __future__ import annotations

import datetime as dt
import re
import stringprep
import threading
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model.patient import PatientRecord

MIN_CHARACTERS = 10
MAX_BYTES = 127
MIN_SCORE = 3
"""The least zxcvbn score (0 to 4) a summary's password needs. 3 is zxcvbn's "safely
unguessable" band, an estimate of 10^8 guesses or more: it refuses what people pick first
(common passwords, a word or name alone, dates, keyboard runs, repeats, sequences, the
patient's own data) while passphrases of two or three uncommon words, easy to say on the phone,
pass. 4 (10^10 guesses or more) would also refuse many of those, and a password that cannot be
dictated gets written down in the same email as the file."""
RULE = (f"a password has at least {MIN_CHARACTERS} characters and at most {MAX_BYTES} bytes in "
        f"UTF-8 (about {MAX_BYTES} letters of the Latin alphabet, fewer accented or other "
        "letters), and no control characters")

_FORBIDDEN = (stringprep.in_table_c21, stringprep.in_table_c22,
              stringprep.in_table_c3, stringprep.in_table_c4, stringprep.in_table_c5,
              stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
              stringprep.in_table_c9, stringprep.in_table_a1)


STRENGTH_RULE = (f"and it is hard to guess (a zxcvbn score of at least {MIN_SCORE} of 4): not "
                 "a common password, a word or name alone, a date, a keyboard run or a repeat, "
                 "and not made of the patient's name, record id or birth date")
PERSONAL = "It resembles the patient's name, record id or birth date."
_PIECE = 3
"""The shortest piece of a patient's data taken out of a password before it is judged again
(shorter ones, like a name's initial, are in too many passwords by chance)."""


def password_problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """What is wrong with ``password`` under the rule (never quoting it), or None if it is
    fine. ``user_inputs``: the patient's data (:func:`personal_inputs`), when known."""
    prepared = _saslprep(password)
    if prepared is None:
        return ("the password has a character a PDF password cannot hold (a control or "
                f"private-use character, or right-to-left letters mixed with others): {RULE}")
    if len(prepared) < MIN_CHARACTERS:
        return f"the password is too short: {RULE}"
    if len(prepared.encode("utf-8")) > MAX_BYTES:
        return f"the password is too long: {RULE}"
    return _weakness(prepared, tuple(user_inputs))


def personal_problem(password: str, user_inputs: Iterable[str]) -> str | None:
    """For a password :func:`password_problem` accepted without a patient's data: what is wrong
    with it for this patient, or None. Next to free unless part of the password resembles one
    of ``user_inputs`` (one password for a whole batch, checked row by row)."""
    prepared = _saslprep(password) or password
    inputs = tuple(user_inputs)
    return _weakness(prepared, inputs) if _may_match(prepared, inputs) else None


def check_password(password: str, user_inputs: Iterable[str] = ()) -> str:
    """``password`` if it follows the rule; else ValueError with the rule (never the
    password)."""
    problem = password_problem(password, user_inputs)
    if problem:
        raise ValueError(problem)
    return password


def record_inputs(record: PatientRecord) -> tuple[str, ...]:
    """:func:`personal_inputs` of a patient record."""
    return personal_inputs(record.name, record.id, record.date_of_birth)


def personal_inputs(name: str, record_id: str, born: dt.date) -> tuple[str, ...]:
    """What someone who knows the patient tries first, as zxcvbn's ``user_inputs`` (lower case,
    each once): the name whole, in parts, first and last joined; the record id with and
    without its punctuation, and its digits; the birth date as people write it (1950-02-17,
    17/02/1950, 02/17/1950, 17.2.50, 17021950, 19500217, 1702, the year…)."""
    forms = [*_name_forms(name.lower()), *_id_forms(record_id.lower()), *_date_forms(born)]
    return tuple(dict.fromkeys(form for form in forms if form))


def _name_forms(name: str) -> list[str]:
    words = name.split()
    parts = [p for word in words for p in re.split(r"[-'’.]+", word)]
    forms = [name, "".join(words), *words, *parts, *(re.sub(r"[-'’.]", "", w) for w in words)]
    if len(words) > 1:
        for first, last in ((words[0], words[-1]), (words[-1], words[0])):
            forms += [first + between + last for between in ("", ".", "-", "_")]
    return forms


def _id_forms(record_id: str) -> list[str]:
    return [record_id, re.sub(r"[\W_]+", "", record_id), *re.findall(r"\d{3,}", record_id)]


def _date_forms(born: dt.date) -> list[str]:
    days = {f"{born.day:02}", str(born.day)}
    months = {f"{born.month:02}", str(born.month)}
    years = (f"{born.year:04}", f"{born.year % 100:02}")
    forms = [years[0]]
    for d in sorted(days):
        for m in sorted(months):
            for between in ("-", "/", ".", " ", ""):
                forms += [between.join(order) for y in years
                          for order in ((y, m, d), (d, m, y), (m, d, y))]
                forms += [between.join((d, m)), between.join((m, d))]
    return forms


def _weakness(prepared: str, inputs: tuple[str, ...]) -> str | None:
    """Why zxcvbn finds ``prepared`` easy to guess (its own words), or None. The patient's
    data go to zxcvbn only when part of the password could match them: the same answer,
    cheaper. A password that passes with them must still pass once their pieces are taken
    out."""
    inputs = inputs if inputs and _may_match(prepared, inputs) else ()
    result = _zxcvbn(prepared, inputs)
    personal = _uses_inputs(result)
    if result["score"] >= MIN_SCORE and inputs:
        rest = _without(prepared, inputs)
        if rest != prepared:
            result, personal = _zxcvbn(rest, inputs), True
    if result["score"] >= MIN_SCORE:
        return None
    return _told(result, personal)


def _told(result: Mapping[str, Any], personal: bool) -> str:
    """zxcvbn's warning and suggestions (fixed sentences: never the password)."""
    feedback = result["feedback"]
    said = [PERSONAL] if personal else []
    said += [feedback["warning"]] if feedback["warning"] else []
    said += list(feedback["suggestions"])
    return (f"the password is easy to guess (a score of {result['score']} of 4, where "
            f"{MIN_SCORE} is needed): {' '.join(said)}")


def _uses_inputs(result: Mapping[str, Any]) -> bool:
    return any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"])


def _without(prepared: str, inputs: tuple[str, ...]) -> str:
    """``prepared`` with every piece of the patient's data in it taken out (any case, the
    longest pieces first)."""
    pieces = sorted((p for p in inputs if len(p) >= _PIECE), key=len, reverse=True)
    if not pieces:
        return prepared
    return re.sub("|".join(map(re.escape, pieces)), "", prepared, flags=re.IGNORECASE)


_ZXCVBN = threading.Lock()
"""zxcvbn keeps a call's user inputs in a module global: one call at a time, so that two
requests at once never judge a password by the other patient's data."""


NOTHING_LEFT = {"score": 0, "sequence": [], "feedback": {
    "warning": "", "suggestions": ["Add another word or two. Uncommon words are better."]}}
"""What is said of a password that is all the patient's data (zxcvbn cannot judge "")."""


def _zxcvbn(password: str, inputs: tuple[str, ...]) -> Mapping[str, Any]:
    """zxcvbn's result for ``password``; afterwards its global holds no patient data."""
    from zxcvbn import matching, zxcvbn

    if not password:
        return NOTHING_LEFT
    with _ZXCVBN:
        try:
            return zxcvbn(password, user_inputs=list(inputs), max_length=MAX_BYTES)
        finally:
            matching.RANKED_DICTIONARIES.pop("user_inputs", None)


def _may_match(password: str, inputs: Iterable[str]) -> bool:
    """Whether zxcvbn could find any of ``inputs`` in ``password`` as it looks for words: in
    any case, reversed, or with l33t substitutions (a letter and the characters that may stand
    for it compared as one). False: zxcvbn's answer is the same without them."""
    table = _l33t_classes()
    forwards = password.lower().translate(table)
    backwards = password[::-1].lower().translate(table)
    return any(key in forwards or key in backwards
               for key in (given.lower().translate(table) for given in inputs if given))


@cache
def _l33t_classes() -> dict[int, str]:
    """Each letter of zxcvbn's l33t table and each character that may stand for one, mapped to
    one character per class of characters that may stand for each other."""
    from zxcvbn.matching import L33T_TABLE

    classes: list[set[str]] = []
    for letter, subs in L33T_TABLE.items():
        joined = {letter, *subs}
        for known in [c for c in classes if c & joined]:
            joined |= known
            classes.remove(known)
        classes.append(joined)
    return {ord(char): min(group) for group in classes for char in group}


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
