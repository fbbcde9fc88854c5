"""A summary's blocks checked against its publication's record fields and rules, when the
project loads: every verdict of the rules has its texts, a scale pictures a declared numeric
field, and a template reads only the record's fields and the names a summary gives it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jinja2 import TemplateSyntaxError

from .errors import Problem
from .model.record import RecordKind
from .model.rules import Rules
from .source import Loc, Source
from .templates import compiled

SUMMARY_NAMES = frozenset({"words", "format_date", "physician", "clinic", "clinic_phone",
                           "clinic_hours", "verdict", "not_recorded"})
"""What a summary's templates may read besides the record's fields (see
:func:`brochure.render.summary._context`)."""
_EVERY_VERDICT = {"bottom_line": ("meaning", "next_step"), "signature": ("qr_text",)}
"""Blocks with a text for every verdict."""


def check_summary_fields(source: Source, loc: Loc, block: Any, kind: RecordKind,
                         rules: Rules) -> list[Problem]:
    """Problems of one summary block (at ``loc``) with the record's fields and the verdicts."""
    problems = [source.problem((*loc, *where), message, key=len(where) > 1)  # at a key
                for where, message in _verdict_texts(block, rules.ids)]
    if block.type == "scales":
        problems += [source.problem((*loc, "items", i, "field"), message)
                     for i, item in enumerate(block.items)
                     if (message := _scale_problem(item.field, kind))]
    if block.type not in ("columns", "reducible"):  # their blocks are checked one by one
        problems += [source.problem((*loc, *where), message)
                     for where, message in _template_problems(block.model_dump(), kind)]
    return problems


def _verdict_texts(block: Any, verdicts: tuple[str, ...]) -> Iterator[tuple[Loc, str]]:
    """Texts by verdict: every verdict has one where a block needs it, and each names one."""
    keyed = [(attr, texts) for attr in _EVERY_VERDICT.get(block.type, ())
             if isinstance(texts := getattr(block, attr), dict)]
    for attr, texts in keyed:
        if missing := [v for v in verdicts if v not in texts]:
            yield (attr,), f"a text is needed for every verdict; missing: {', '.join(missing)}"
    if block.type == "verdict_steps":
        keyed.append(("items", block.items))
    for attr, texts in keyed:
        for key in texts:
            if key not in verdicts:
                yield (attr, key), (f"'{key}' is not a verdict of the rules; expected one of: "
                                    f"{', '.join(verdicts)}")


def _scale_problem(name: str, kind: RecordKind) -> str | None:
    spec = kind.declared(name)
    if spec is None:
        numeric = [f.key for f in kind.spec.fields if f.type in ("integer", "number")]
        return (f"unknown field '{name}'; a scale pictures a declared integer or number field: "
                f"{', '.join(numeric) or 'none is declared'}")
    if spec.type not in ("integer", "number"):
        return f"field '{name}' is a {spec.type}; a scale pictures an integer or number field"
    return None


def _template_problems(value: Any, kind: RecordKind, where: Loc = ()) -> Iterator[
        tuple[Loc, str]]:
    """Templates in a block's fields that do not compile, or read a name no summary gives."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _template_problems(inner, kind, (*where, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _template_problems(inner, kind, (*where, i))
    elif isinstance(value, str) and "{" in value:
        try:
            names = compiled(value)[1]
        except TemplateSyntaxError as exc:
            yield where, f"invalid template: {exc}"
            return
        known = SUMMARY_NAMES | set(kind.fields)
        for name in names:
            if name not in known:
                yield where, (f"unknown name '{name}' in this template; a summary's template "
                              f"may use the record's fields ({', '.join(kind.fields)}) and "
                              f"{', '.join(sorted(SUMMARY_NAMES))}")
