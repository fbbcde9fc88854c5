"""Candidacy rules as data: verdicts strongest first, and rules (condition → verdict, reason)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Strict
from .patient import Verdict


class VerdictInfo(Strict):
    """A verdict and how a patient reads it, in each language."""

    id: Verdict
    label: dict[str, str] = Field(description="patient-facing label by language code")
    tone: str = Field(description="brand colour name of the verdict box")
    icon: str = Field(description="brand art shown beside the label, so colour is not alone")
    favourable: bool = Field(False, description=(
        "a verdict in the patient's favour: its rules' reasons are never shown under a heading "
        "that explains a verdict that is not favourable"))


ReasonKind = Literal["doctors_view", "rules_found", "led_to_this", "also_to_check",
                     "in_your_favour"]
"""How a group of reasons bears on the verdict (see :func:`brochure.candidacy.group_reasons`):
the physician's override and its reason; what the rules found, as the starting point of an
override; the rules of the verdict reached; fired rules of a weaker verdict that is not
favourable; fired rules of a favourable verdict, when the verdict reached is not one."""
REASON_KINDS: tuple[ReasonKind, ...] = ("doctors_view", "rules_found", "led_to_this",
                                       "also_to_check", "in_your_favour")


class Rule(Strict):
    """``when`` is an expression over the record's fields (sandboxed Jinja2 syntax)."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*$")
    when: str = Field(min_length=1)
    verdict: Verdict
    reason: dict[str, str] = Field(description="reason shown to the patient, by language code")


class Rules(Strict):
    version: str
    verdicts: list[VerdictInfo] = Field(min_length=1, description="strongest first")
    default: Verdict
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        ids = [v.id for v in self.verdicts]
        if len(set(ids)) != len(ids):
            raise ValueError("each verdict is listed once")
        missing = {self.default, *(r.verdict for r in self.rules)} - set(ids)
        if missing:
            raise ValueError(f"verdicts lacks: {', '.join(sorted(missing))}")
        rule_ids = [r.id for r in self.rules]
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError("rule ids must be unique")
        return self

    def rank(self, verdict: str) -> int:
        """0 for the strongest verdict."""
        ids: list[str] = [v.id for v in self.verdicts]
        return ids.index(verdict)

    def info(self, verdict: str) -> VerdictInfo:
        return self.verdicts[self.rank(verdict)]

    def favourable(self, verdict: str) -> bool:
        """Whether ``verdict`` is marked ``favourable: true``."""
        return self.info(verdict).favourable
