"""Reading level of plain-language text, per section, in English and Spanish.

English: Flesch–Kincaid grade. Spanish: Fernández-Huerta reading ease (in its corrected
form, 206.84 − 60 × syllables per word − 1.02 × words per sentence, as Law and textstat use
it: the form published with "sentences per 100 words" scores short sentences as harder), on
the same grade scale through Flesch's table (ease 90–100 ≈ grade 5, 60–70 ≈ grade 8–9, about
one grade per 10 points: grade ≈ 5 + (95 − ease) / 10), so one limit (grade 8 by default)
serves both.

Syllables: Spanish words are split with pyphen's bundled Spanish dictionary (Spanish
hyphenation follows its syllables); English words by vowel groups with the usual corrections
(silent final e, -le, -ed). textstat was the planned library, but its English syllable counts
need a dictionary it downloads at first use, which an offline clinic machine cannot do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyphen

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")
_VOWELS = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class Reading:
    words: int
    sentences: int
    syllables: int
    grade: float
    measure: str


def as_sentences(texts: list[str]) -> str:
    """Join headings, list items and paragraphs so each counts as at least one sentence."""
    return " ".join(t.strip() if t.strip()[-1:] in ".!?…" else f"{t.strip()}." for t in texts
                    if t.strip())


def reading(text: str, language: str) -> Reading:
    """The reading grade of ``text`` (see :func:`as_sentences` for a section's pieces)."""
    words = _WORD.findall(text)
    if not words:
        return Reading(0, 0, 0, 0.0, "none")
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    count = _syllables_es if language.startswith("es") else _syllables_en
    syllables = sum(count(w.lower()) for w in words)
    per_word, per_sentence = syllables / len(words), len(words) / sentences
    if language.startswith("es"):
        ease = 206.84 - 60 * per_word - 1.02 * per_sentence
        grade = 5 + (95 - ease) / 10
        return Reading(len(words), sentences, syllables, round(grade, 1),
                       f"Fernández-Huerta ease {ease:.0f}")
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    return Reading(len(words), sentences, syllables, round(grade, 1), "Flesch–Kincaid grade")


@lru_cache(maxsize=1)
def _spanish() -> pyphen.Pyphen:
    return pyphen.Pyphen(lang="es")


@lru_cache(maxsize=20000)
def _syllables_es(word: str) -> int:
    return len(_spanish().positions(word)) + 1


@lru_cache(maxsize=20000)
def _syllables_en(word: str) -> int:
    word = word.replace("’", "'").split("'")[0]
    if len(word) <= 3:
        return 1
    groups = len(_VOWELS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        groups -= 1
    if word.endswith("ed") and not word.endswith(("ted", "ded")):
        groups -= 1
    return max(1, groups)
