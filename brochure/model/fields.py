"""A publication's record fields, as data: ``content/<publication>/record.yaml``.

Every record has the core fields (:data:`CORE_FIELDS`: who, when, which physician, the
language, the note, an override, the publication). A publication with summaries declares the
rest, the findings its rules and summary read: each field's key, type, bounds or allowed
values, whether it is required, its unit, its label and help text in each language, and the
form group it is shown in. The record model is built from this declaration when the project
loads (:mod:`.record`).

A field that is not required and not given is *not recorded*: it has no default, the summary
says so in its own words, and a rule that needs it says that it was not recorded.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, model_validator

from .base import Strict

FieldType = Literal["integer", "number", "boolean", "date", "choice", "choices", "text"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
CORE_FIELDS = ("id", "name", "date_of_birth", "visit_date", "physician", "language", "notes",
               "override_verdict", "override_reason", "publication")
"""Fields every record has, whatever its publication (typed in :mod:`.patient`)."""
CORE_GROUP = "patient"
"""The form group of the core fields that say who the patient is; a declared field may join it."""
NUMERIC = ("integer", "number")
WORDS = ("choice", "choices")
MAX_TEXT = 2000
"""The longest text field a record may hold (as long as a note)."""


def _known_type(value: Any) -> Any:
    if isinstance(value, str) and value in FIELD_TYPES:
        return value
    raise ValueError(f"unknown field type; expected one of: {', '.join(FIELD_TYPES)}")


Texts = dict[str, str]
"""Words by language code ('en' is required where a text is)."""


def _english(texts: Texts, what: str) -> Texts:
    if "en" not in texts:
        raise ValueError(f"{what} needs its English text ('en')")
    return texts


class Option(Strict):
    """One allowed value of a ``choice`` or ``choices`` field (a word), or one labelled value of
    an ``integer`` field that the form offers as a list."""

    value: str | int
    label: Texts = Field(description="what the form shows for it, by language")

    @model_validator(mode="after")
    def _labelled(self) -> Option:
        _english(self.label, "an option's label")
        return self


class FieldSpec(Strict):
    """One field of the record: what it holds and how the form asks for it."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description=(
        "the field's name in records, CSV headers, rules and summary templates"))
    type: Annotated[FieldType, BeforeValidator(_known_type)] = Field(description=(
        "integer, number, boolean, date, choice (one word of `options`), choices (a list of "
        "them; in a CSV cell separated by ';'), or text (one line)"))
    required: bool = Field(False, description=(
        "a record must give it; otherwise a record may leave it out and it is not recorded"))
    minimum: float | None = Field(None, description="integer and number: the lowest value")
    maximum: float | None = Field(None, description="integer and number: the highest value")
    step: float | None = Field(None, gt=0, description="number: the form's step (e.g. 0.5)")
    options: list[Option] | None = Field(None, description=(
        "choice and choices: the allowed words; integer: labelled values the form lists"))
    max_length: int = Field(200, ge=1, le=MAX_TEXT, description="text: the longest value")
    unit: Texts = Field(default_factory=dict, description=(
        "by language; the form shows it after the label ('months ago')"))
    label: Texts = Field(description="by language; the form's label, and the name a rule's "
                                     "not-recorded reason gives the field")
    help: Texts = Field(default_factory=dict, description="by language; the form's hint")
    empty: Texts = Field(default_factory=dict, description=(
        "by language; what the form's list shows for no value (default: that it is not "
        "recorded)"))
    group: str = Field(description=f"the form group (`{CORE_GROUP}`: with the patient's name)")
    example: Any = Field(None, description=(
        "a typical value: the record the renderer warms up with, and the API's example"))

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        _english(self.label, "a field's label")
        if self.key in CORE_FIELDS:
            raise ValueError(f"'{self.key}' is a field every record has; choose another key")
        if self.type in NUMERIC:
            self._bounded()
        elif self.minimum is not None or self.maximum is not None:
            raise ValueError("minimum and maximum are for integer and number fields")
        self._optioned()
        return self

    def _bounded(self) -> None:
        if self.minimum is None or self.maximum is None:
            raise ValueError(f"an {self.type} field needs a minimum and a maximum")
        if self.minimum > self.maximum:
            raise ValueError("minimum is above maximum")
        if self.type == "integer" and not (self.minimum.is_integer() and
                                           self.maximum.is_integer()):
            raise ValueError("an integer field's minimum and maximum are whole numbers")

    def _optioned(self) -> None:
        if self.type not in (*WORDS, "integer"):
            if self.options is not None:
                raise ValueError("options are for choice, choices and integer fields")
            return
        if self.options is None:
            if self.type in WORDS:
                raise ValueError(f"a {self.type} field lists its allowed words in `options`")
            return
        values = [o.value for o in self.options]
        if not values or len(set(values)) != len(values):
            raise ValueError("list each option once")
        if self.type in WORDS and not all(_is_word(v) for v in values):
            raise ValueError("a choice's options are words in lower case (quote '1+', 'none')")
        if self.type == "integer" and not all(self._in_range(v) for v in values):
            raise ValueError("an integer field's options are whole numbers within its bounds")

    def _in_range(self, value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and \
            (self.minimum or 0) <= value <= (self.maximum or 0)

    @property
    def words(self) -> tuple[str, ...]:
        """The allowed words of a choice or choices field (else none)."""
        return tuple(str(o.value) for o in self.options or ()) if self.type in WORDS else ()


def _is_word(value: object) -> bool:
    return isinstance(value, str) and value == value.strip().lower() and bool(value)


class FieldGroup(Strict):
    """A group of fields the form shows under one heading, in the order declared."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    label: Texts

    @model_validator(mode="after")
    def _labelled(self) -> FieldGroup:
        _english(self.label, "a group's label")
        return self


class RecordSpec(Strict):
    """``record.yaml``: the form groups, and the record's declared fields in form order."""

    groups: list[FieldGroup] = Field(default_factory=list, description=(
        f"the form's groups after `{CORE_GROUP}` (which holds the patient's name and dates)"))
    fields: list[FieldSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> RecordSpec:
        keys = [f.key for f in self.fields]
        if len(set(keys)) != len(keys):
            raise ValueError("each field is declared once")
        groups = [g.key for g in self.groups]
        if len(set(groups)) != len(groups) or CORE_GROUP in groups:
            raise ValueError(f"each group is declared once (and '{CORE_GROUP}' is the core's)")
        return self

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    def grouped(self, group: str) -> list[FieldSpec]:
        return [f for f in self.fields if f.group == group]
