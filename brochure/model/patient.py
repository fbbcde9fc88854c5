"""A patient record: the findings a physician enters, checked field by field.

:class:`PatientRecord` holds the fields every record has; :func:`record_model` builds a
publication's record model from the fields it declares (:mod:`.fields`), with the checks below
for each type. Read from YAML, JSON or one CSV row (same column names; empty cells are "not
given"; a list's words separated by ``;``). A field not required and not given is None: not
recorded, never a default. Strings stay data: nothing here is ever a template or markup.

Values are checked as a physician would: a number is a number (``true`` is not one, nor ``.nan``;
``"7"`` from a CSV cell is), a date is written like 2026-11-02 (a number is not a date), no visit
is more than a day after today (:func:`brochure.clock.today`), no one was born before 1900 or in
the future, and text holds no control characters or bidirectional overrides (which can make a
name display as someone else's), nor more combining marks in a row than Unicode allows; a
one-line value holds no invisible characters, and a name has a visible letter (see
:mod:`.visible`). Messages never quote the value given.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, cast, get_args

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from .. import clock
from ..kept import Kept
from .base import Strict
from .fields import FieldSpec, RecordSpec
from .visible import invisible_problem, letter_problem, mark_run_problem

NOT_A_NUMBER = "not a number"
DATE_EXPECTED = "expected a date like 2026-11-02"
EARLIEST_BIRTH = dt.date(1900, 1, 1)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BIDI_CONTROLS = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A))
"""Embeddings, overrides and isolates: they reorder how the text around them is displayed.
The marks U+200E, U+200F and U+061C are allowed: they only give neutral characters (spaces,
brackets) a direction and cannot reorder letters."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


_REQUIRED = object()


def _word_from(options: tuple[str, ...], default: object = _REQUIRED) -> Callable[[Any], Any]:
    """A check: one of ``options``, in any case; an empty value gives ``default`` when there is
    one. Anything else: "expected one of: …", never the value given."""

    def check(value: Any) -> Any:
        if default is not _REQUIRED and _blank_is_none(value) is None:
            return default
        if isinstance(value, str) and value.strip().lower() in options:
            return value.strip().lower()
        raise ValueError(f"expected one of: {', '.join(options)}")
    return check


def _choice(kind: Any, default: object = _REQUIRED) -> Any:
    """One of the words of ``kind`` (a Literal), checked by :func:`_word_from`. The annotation is
    built when the module runs, so mypy sees the field it types as Any (the topic's fields)."""
    return Annotated[kind | None if default is None else kind,
                     BeforeValidator(_word_from(get_args(kind), default))]


def _number(value: Any, kind: type, low: float, high: float) -> int | float:
    """``value`` (a number, or a number written as text) as ``kind`` within [low, high]."""
    if isinstance(value, str):
        value = _parse_number(value.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(NOT_A_NUMBER)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(NOT_A_NUMBER)
    whole = "a whole number" if kind is int else "a number"
    if not low <= value <= high:
        raise ValueError(f"expected {whole} from {low:g} to {high:g}")
    if kind is int and value != int(value):
        raise ValueError(f"expected {whole} from {low:g} to {high:g}, without decimals")
    return int(value) if kind is int else float(value)


def _parse_number(text: str) -> int | float:
    if _DECIMAL_COMMA.fullmatch(text):
        raise ValueError(f"{NOT_A_NUMBER}; write decimals with a point, like 29.5")
    if not _NUMBER.fullmatch(text) or len(text) > 40:
        raise ValueError(NOT_A_NUMBER)
    return int(text) if text.lstrip("+-").isdigit() else float(text)


def _required(kind: type, low: float, high: float) -> Any:
    """A number in [low, high] (its range also in the schema, for forms and the API)."""
    return Annotated[kind, Field(ge=low, le=high),
                     BeforeValidator(lambda v: _number(v, kind, low, high))]


def _optional(kind: type, low: float, high: float) -> Any:
    """A number in [low, high], or empty."""
    return Annotated[Annotated[kind, Field(ge=low, le=high)] | None, BeforeValidator(
        lambda v: None if _blank_is_none(v) is None else _number(v, kind, low, high))]


_YES_NO = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


def _yes_no(value: Any) -> Any:
    """True or false: a YAML/JSON boolean, or true/false/yes/no (any case; Excel writes TRUE) or
    1/0 (an empty CSV cell is not given: see :func:`_boolean`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _YES_NO:
        return _YES_NO[value.strip().lower()]
    raise ValueError("expected true or false")


def _date(value: Any) -> dt.date:
    """A calendar date written like 2026-11-02 (a YAML date, or text); never a number."""
    if isinstance(value, dt.datetime):
        raise ValueError(f"{DATE_EXPECTED}, without a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"no such day in the calendar; {DATE_EXPECTED}") from None
    raise ValueError(DATE_EXPECTED)


Date = Annotated[dt.date, BeforeValidator(_date)]


# Control characters (C0, DEL, C1), line and paragraph separators, bidirectional embeddings,
# overrides and isolates, and lone surrogates. In paragraphs (notes, override reason) line
# breaks and tabs stay allowed: a blank line starts a paragraph.
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_FORBIDDEN_IN_PARAGRAPHS = re.compile(  # tab, line feed and carriage return are allowed
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _text(value: Any, paragraphs: bool = False) -> Any:
    """Text with no control characters (line breaks and tabs allowed in ``paragraphs``), no
    bidirectional overrides and no tower of combining marks; one line of text also holds no
    invisible character (:mod:`.visible`). A number, list or yes/no is not text."""
    if not isinstance(value, str):
        raise ValueError("expected text (in YAML, put a value that looks like a number, date or "
                         "yes/no in quotes)")
    found = (_FORBIDDEN_IN_PARAGRAPHS if paragraphs else _FORBIDDEN).search(value)
    if found is None:
        problem = mark_run_problem(value) or (None if paragraphs else invisible_problem(value))
        if problem:
            raise ValueError(problem)
        return value
    char = found.group()
    code = ord(char)
    if code in _BIDI_CONTROLS:
        raise ValueError(f"contains a bidirectional override (U+{code:04X} "
                         f"{unicodedata.name(char)}), which can make text display in another "
                         "order than it is written; remove it")
    where = "" if paragraphs else " (line breaks and tabs are allowed only in notes and " \
                                  "override_reason)"
    raise ValueError(f"contains a control character (U+{code:04X}){where}; expected plain text")


def _name(value: Any) -> Any:
    """One line of text that prints as a name: with at least one visible letter."""
    value = _text(value)
    if problem := letter_problem(value):
        raise ValueError(problem)
    return value


def _optional_text(value: Any) -> Any:
    """One line of text, or None for an empty value."""
    return None if _blank_is_none(value) is None else _text(value)


def _optional_paragraphs(value: Any) -> Any:
    """Text in paragraphs, or None for an empty value."""
    return None if _blank_is_none(value) is None else _text(value, paragraphs=True)


OptionalText = Annotated[str | None, BeforeValidator(_optional_text)]

RecordId = Annotated[str, Field(min_length=1, max_length=64, description="the clinic's record id"),
                     BeforeValidator(_text)]
"""One line of text; the project's pattern (``content/project.yaml``) is checked later."""

Language = Literal["en", "es"]
LanguageChoice = Annotated[Language, BeforeValidator(_word_from(get_args(Language), "en"))]
"""The summary's language; empty is English."""
VerdictWord = Annotated[str | None, BeforeValidator(_optional_text)]
"""The physician's own verdict, when it overrides the rules' (a publication's model checks it
is one of its verdicts)."""
Notes = Annotated[Annotated[str, Field(max_length=2000)] | None,
                  BeforeValidator(_optional_paragraphs)]
OverrideReason = Annotated[Annotated[str, Field(max_length=500)] | None,
                           BeforeValidator(_optional_paragraphs)]


class PatientRecord(Strict):
    """One patient's visit, as the clinic records it."""

    id: RecordId
    name: Annotated[str, Field(min_length=1, max_length=200,
                               description="as the patient writes it"), BeforeValidator(_name)]
    date_of_birth: Date
    visit_date: Date
    physician: OptionalText = None
    language: LanguageChoice = "en"
    notes: Notes = None
    override_verdict: VerdictWord = None
    override_reason: OverrideReason = None
    publication: str = Field("", description="the publication the summary is of (default: the "
                                             "project's default publication)")
    declared: ClassVar[RecordSpec | None] = None
    """The fields a publication's record model adds (None for the core alone)."""

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, born: dt.date) -> dt.date:
        if born < EARLIEST_BIRTH:
            raise ValueError("a birth date before 1900 cannot be right; check the year")
        if born > clock.today():
            raise ValueError("a birth date cannot be in the future")
        return born

    @field_validator("visit_date")
    @classmethod
    def _visited(cls, visit: dt.date) -> dt.date:
        if visit > clock.today() + dt.timedelta(days=1):
            raise ValueError("a visit date cannot be more than a day in the future")
        return visit

    @model_validator(mode="after")
    def _consistent(self) -> PatientRecord:
        if (self.override_verdict is None) != (self.override_reason is None):
            raise ValueError("override_verdict and override_reason go together: give both or "
                             "neither")
        if self.visit_date < self.date_of_birth:
            raise ValueError("visit_date is before date_of_birth")
        return self


_ID = TypeAdapter(RecordId, config=Strict.model_config)


def valid_id(value: Any) -> str:
    """``value`` as a record's id when it is a valid one, else ''. Only such an id may be shown
    for a record that failed (in a manifest): an invalid one may be anything, a name included."""
    try:
        return _ID.validate_python(value)
    except ValidationError:
        return ""


# --- a publication's record model, from its declared fields ---------------------------------


def record_model(publication: str, spec: RecordSpec,
                 verdicts: tuple[str, ...]) -> type[PatientRecord]:
    """The record model of ``publication``: the core fields, an override that must be one of
    ``verdicts``, and the fields ``spec`` declares, each checked as its type says. Made once
    per process for the same declaration (making a model class costs milliseconds, and every
    load of a project asks for it)."""
    key = (publication, spec.model_dump_json(), verdicts)
    model = _MODELS.get(key)
    if model is None:
        model = _made_model(publication, spec, verdicts)
        _MODELS.put(key, model)
    return model


_MODELS: Kept[tuple[str, str, tuple[str, ...]], type[PatientRecord]] = Kept(limit=64)


def _made_model(publication: str, spec: RecordSpec,
                verdicts: tuple[str, ...]) -> type[PatientRecord]:
    declared: dict[str, Any] = {field.key: _declared(field) for field in spec.fields}
    declared["override_verdict"] = (Annotated[_literal(verdicts) | None, BeforeValidator(
        _word_from(verdicts, None))], None)
    declared["publication"] = (Annotated[str, BeforeValidator(_this_publication(publication))],
                               publication)
    model: type[PatientRecord] = create_model(
        f"Record_{publication.replace('-', '_')}", __base__=PatientRecord, **declared)
    model.declared = spec
    return model


def _literal(words: tuple[str, ...]) -> Any:
    """The type of one of ``words`` (``Literal[...]``, built from data)."""
    return cast(Any, Literal).__getitem__(words)


def _this_publication(publication: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if _blank_is_none(value) is None:
            return publication
        if isinstance(value, str) and value.strip() == publication:
            return publication
        raise ValueError(f"expected '{publication}', the publication this record is read for")
    return check


def field_annotation(field: FieldSpec) -> Any:
    """The type (with its checks) of a declared field's value."""
    return _ANNOTATIONS[field.type](field)


def _declared(field: FieldSpec) -> tuple[Any, Any]:
    """(annotation, default) of a declared field: required ones have no default; the others
    default to None (not recorded), a list to the empty list."""
    annotation = field_annotation(field)
    info = Field(description=_described(field))
    if field.type == "choices":
        info = Field(default_factory=list, description=_described(field))
    elif not field.required:
        info = Field(None, description=_described(field))
    return annotation, info


def _described(field: FieldSpec) -> str:
    unit = f" ({field.unit['en']})" if "en" in field.unit else ""
    helped = f": {field.help['en']}" if "en" in field.help else ""
    return f"{field.label['en']}{unit}{helped}"


def _whole_or_number(field: FieldSpec) -> Any:
    kind: type = int if field.type == "integer" else float
    low, high = kind(field.minimum or 0), kind(field.maximum or 0)
    return _required(kind, low, high) if field.required else _optional(kind, low, high)


def _boolean(field: FieldSpec) -> Any:
    if field.required:
        return Annotated[bool, BeforeValidator(_yes_no)]
    return Annotated[bool | None, BeforeValidator(
        lambda v: None if _blank_is_none(v) is None else _yes_no(v))]


def _a_date(field: FieldSpec) -> Any:
    if field.required:
        return Date
    return Annotated[dt.date | None, BeforeValidator(
        lambda v: None if _blank_is_none(v) is None else _date(v))]


def _word(field: FieldSpec) -> Any:
    kind = _literal(field.words)
    return _choice(kind) if field.required else _choice(kind, None)


def _words(field: FieldSpec) -> Any:
    word = _choice(_literal(field.words))
    return Annotated[list[word], BeforeValidator(_splitter(field.key)),  # type: ignore[valid-type]
                     AfterValidator(_sorted_once)]


def _a_text(field: FieldSpec) -> Any:
    if field.required:
        return Annotated[str, Field(min_length=1, max_length=field.max_length),
                         BeforeValidator(_text)]
    return Annotated[Annotated[str, Field(max_length=field.max_length)] | None,
                     BeforeValidator(_optional_text)]


_ANNOTATIONS: dict[str, Callable[[FieldSpec], Any]] = {
    "integer": _whole_or_number, "number": _whole_or_number, "boolean": _boolean,
    "date": _a_date, "choice": _word, "choices": _words, "text": _a_text}


def _splitter(key: str) -> Callable[[Any], Any]:
    """A list given as a list, or as text separated by ';' (a CSV cell); empty is none."""
    def split(value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(";") if part.strip()]
        if not isinstance(value, list):
            raise ValueError(f"expected a list of {key.replace('_', ' ')} (in a CSV cell: "
                             "separated by ';')")
        return value
    return split


def _sorted_once(words: list[str]) -> list[str]:
    return sorted(set(words))
