"""A patient record: the findings a physician enters, checked field by field.

Read from YAML, JSON or one CSV row (same column names; empty cells are "not given";
``conditions`` separated by ``;``). Strings stay data: nothing here is ever a template or markup.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .base import Strict

Condition = Literal["infection", "active_cancer", "pregnant_or_breastfeeding",
                    "inflammatory_arthritis", "anticoagulant_or_bleeding", "immunosuppressed",
                    "unstable_knee"]
Verdict = Literal["not_suitable", "less_likely", "evaluation_needed", "good"]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _split_conditions(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def _default(value: Any) -> Any:
    """An empty CSV cell means 'use the default'."""
    return BeforeValidator(lambda v: value if _blank_is_none(v) is None else v)


Blank = BeforeValidator(_blank_is_none)


def _optional(kind: type, low: float, high: float) -> Any:
    """A number in [low, high], or empty."""
    return Annotated[Annotated[kind, Field(ge=low, le=high)] | None, Blank]


class PatientRecord(Strict):
    """One patient's visit, as the clinic records it."""

    id: str = Field(min_length=1, max_length=64, description="the clinic's record id")
    name: str = Field(min_length=1, max_length=200, description="as the patient writes it")
    date_of_birth: dt.date
    visit_date: dt.date
    physician: Annotated[str | None, Blank] = None
    language: Annotated[Literal["en", "es"], _default("en")] = "en"
    knee: Literal["left", "right", "both"]
    kl_grade: _optional(int, 0, 4) = None
    cartilage_grade: _optional(int, 0, 4) = None
    effusion: Annotated[Literal["none", "trace", "1+", "2+", "3+"], _default("none")] = "none"
    pain: int = Field(ge=0, le=10)
    symptom_months: int = Field(ge=0, le=1200)
    pt_weeks: Annotated[int, _default(0), Field(ge=0, le=520)] = 0
    injection_without_relief: Annotated[bool, _default(False)] = False
    steroid_injection_months_ago: _optional(float, 0, 1200) = None
    knee_surgery_months_ago: _optional(float, 0, 1200) = None
    bmi: _optional(float, 10, 90) = None
    malalignment_degrees: _optional(float, 0, 60) = None
    conditions: Annotated[list[Condition], BeforeValidator(_split_conditions)] = Field(
        default_factory=list)
    notes: Annotated[Annotated[str, Field(max_length=2000)] | None, Blank] = None
    override_verdict: Annotated[Verdict | None, Blank] = None
    override_reason: Annotated[Annotated[str, Field(max_length=500)] | None, Blank] = None

    @field_validator("conditions")
    @classmethod
    def _unique(cls, conditions: list[str]) -> list[str]:
        return sorted(set(conditions))

    @model_validator(mode="after")
    def _consistent(self) -> PatientRecord:
        if (self.override_verdict is None) != (self.override_reason is None):
            raise ValueError("override_verdict and override_reason go together: give both or "
                             "neither")
        if self.visit_date < self.date_of_birth:
            raise ValueError("visit_date is before date_of_birth")
        return self


RECORD_FIELDS = tuple(PatientRecord.model_fields)
