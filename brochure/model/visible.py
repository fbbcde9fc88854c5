"""Text that prints as it reads: no invisible characters, no towers of accents, and (for a
name) at least one letter.

Owns the Unicode data this needs, written out below as named tables, and three checks that
each return the problem (naming code points, never quoting the text) or None:

- :func:`invisible_problem`: a default-ignorable code point (drawn as nothing) or another
  format character is refused, except the zero-width joiner and non-joiner between letters
  (Arabic, Persian and Indic scripts need them), a variation selector right after the
  character it varies (Japanese names use them to choose a kanji's form), and the direction
  marks, which only give neutral characters (spaces, brackets) a direction in a mixed-script
  name.
- :func:`mark_run_problem`: more combining marks in a row than Unicode's stream-safe limit.
- :func:`letter_problem`: text with no visible letter (only spaces, blanks, digits or signs).
"""

from __future__ import annotations

import bisect
import unicodedata

UNICODE_VERSION = "14.0.0"
"""The version of the tables below (the one Python 3.11's ``unicodedata`` knows)."""

DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    # Default_Ignorable_Code_Point, from DerivedCoreProperties.txt of Unicode 14.0.0
    (0x00AD, 0x00AD),    # SOFT HYPHEN
    (0x034F, 0x034F),    # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),    # ARABIC LETTER MARK
    (0x115F, 0x1160),    # HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
    (0x17B4, 0x17B5),    # KHMER VOWEL INHERENT AQ..KHMER VOWEL INHERENT AA
    (0x180B, 0x180F),    # MONGOLIAN FREE VARIATION SELECTORS, MONGOLIAN VOWEL SEPARATOR
    (0x200B, 0x200F),    # ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
    (0x202A, 0x202E),    # LEFT-TO-RIGHT EMBEDDING..RIGHT-TO-LEFT OVERRIDE
    (0x2060, 0x206F),    # WORD JOINER..NOMINAL DIGIT SHAPES (2065 reserved)
    (0x3164, 0x3164),    # HANGUL FILLER
    (0xFE00, 0xFE0F),    # VARIATION SELECTOR-1..VARIATION SELECTOR-16
    (0xFEFF, 0xFEFF),    # ZERO WIDTH NO-BREAK SPACE
    (0xFFA0, 0xFFA0),    # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),    # reserved
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT LETTER OVERLAP..SHORTHAND FORMAT UP STEP
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM..MUSICAL SYMBOL END PHRASE
    (0xE0000, 0xE0FFF),  # LANGUAGE TAG, TAG SPACE..CANCEL TAG, VARIATION SELECTOR-17..256
)
VARIATION_SELECTORS: tuple[tuple[int, int], ...] = (
    # Variation_Selector, from PropList.txt of Unicode 14.0.0
    (0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))
JOINERS = frozenset({0x200C, 0x200D})
"""ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER: allowed between two letters."""
DIRECTION_MARKS = frozenset({0x200E, 0x200F, 0x061C})
"""LEFT-TO-RIGHT MARK, RIGHT-TO-LEFT MARK, ARABIC LETTER MARK: they cannot reorder letters."""
MAX_COMBINING_MARKS = 30
"""At most this many non-starters (combining marks) in a row: the stream-safe text format of
Unicode Standard Annex #15."""

_STARTS = [low for low, _ in DEFAULT_IGNORABLE]
_SELECTOR_STARTS = [low for low, _ in VARIATION_SELECTORS]


def _within(code: int, table: tuple[tuple[int, int], ...], starts: list[int]) -> bool:
    index = bisect.bisect_right(starts, code) - 1
    return index >= 0 and code <= table[index][1]


def is_default_ignorable(char: str) -> bool:
    """Whether ``char`` is a default-ignorable code point (drawn as nothing)."""
    return _within(ord(char), DEFAULT_IGNORABLE, _STARTS)


def _is_selector(char: str) -> bool:
    return _within(ord(char), VARIATION_SELECTORS, _SELECTOR_STARTS)


def _is_letter(char: str) -> bool:
    """A visible letter: a character of category L* that is not drawn as nothing (the Hangul
    fillers are letters by category, yet blank)."""
    return unicodedata.category(char)[0] == "L" and not is_default_ignorable(char)


def _is_base(char: str) -> bool:
    """A character a variation selector may follow: a visible letter, digit, sign or
    punctuation (not a mark, a space, a format or control character)."""
    return unicodedata.category(char)[0] in "LNSP" and not is_default_ignorable(char)


def named(char: str) -> str:
    """``U+200B ZERO WIDTH SPACE``: a code point as messages name it."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'an unassigned code point')}"


def invisible_problem(text: str) -> str | None:
    """Why ``text`` holds a character that prints as nothing where it may not, or None."""
    if text.isascii():  # (no default-ignorable or format character is in ASCII)
        return None
    for index, char in enumerate(text):
        if not _invisible(char) or ord(char) in DIRECTION_MARKS:
            continue
        before = text[index - 1] if index else ""
        after = text[index + 1] if index + 1 < len(text) else ""
        if ord(char) in JOINERS:
            if before and after and _joins(before) and _joins(after):
                continue
            return (f"contains {named(char)} where it joins no letters (it is allowed only "
                    "between two letters, as Arabic, Persian and Indic scripts use it); "
                    "remove it")
        if _is_selector(char):
            if before and _is_base(before):
                continue
            return (f"contains {named(char)} with no character before it to vary (it is "
                    "allowed only right after a letter, to choose its form); remove it")
        return (f"contains {named(char)}, an invisible or format character that does not "
                "print as text; remove it")
    return None


def _invisible(char: str) -> bool:
    """Default-ignorable, or another format character (an interlinear annotation anchor can
    hide the text that follows it; an Arabic number sign belongs before digits, not in text)."""
    return is_default_ignorable(char) or unicodedata.category(char) == "Cf"


def _joins(char: str) -> bool:
    """A letter, or a mark on one (a virama before a joiner in Indic scripts)."""
    return _is_letter(char) or unicodedata.category(char)[0] == "M"


def mark_run_problem(text: str) -> str | None:
    """Why ``text`` stacks too many combining marks on one character, or None. Marks are
    counted in the decomposed form (NFKD), as the stream-safe limit is defined."""
    run = longest = 0
    for char in unicodedata.normalize("NFKD", text):
        if char < "\x80":  # (most text: no mark, nothing to look up)
            run = 0
        elif unicodedata.combining(char) or unicodedata.category(char)[0] == "M":
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    if longest <= MAX_COMBINING_MARKS:
        return None
    return (f"{longest} combining marks in a row, which print as a tower through the lines "
            f"around them; at most {MAX_COMBINING_MARKS} on one character (Unicode's "
            "stream-safe limit)")


def letter_problem(text: str) -> str | None:
    """Why ``text`` has no visible letter, or None."""
    if any(_is_letter(char) for char in text):
        return None
    return ("has no letter: a name needs at least one visible letter (spaces, blanks, digits "
            "or signs alone)")
