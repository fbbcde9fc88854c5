"""Candidacy rules as data: verdicts strongest first, rules (condition → verdict, reason), and
what a rule gives when a value it needs was not recorded."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import Strict


class VerdictInfo(Strict):
    """A verdict and how a patient reads it, in each language."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
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
    verdict: str
    reason: dict[str, str] = Field(description="reason shown to the patient, by language code")
    not_recorded: Literal["ask", "skip"] = Field("ask", description=(
        "when ``when`` needs a value the record does not give: `ask` gives the rules' "
        "`not_recorded` verdict and reason; `skip`: the rule does not fire. A value the "
        "expression itself tests (`is none`, `is not none`) is the expression's to handle"))
    next_step: dict[str, str] | None = Field(None, description=(
        "template by language code: the next step when this rule decides the verdict (\"When "
        "it has cleared, call {{ clinic_phone }}\"); a summary's template, so it "
        "may name the clinic's phone. Every rule can decide a verdict: one without it is a "
        "load error"))
    met: dict[str, list[str]] = Field(default_factory=dict, description=(
        "templates by language code over the record's fields: what the patient met of this "
        "rule's condition, in their own values (\"pain for 14 months\"), "
        "listed under its reason when it decides a favourable verdict"))
    cleared: dict[str, list[str]] = Field(default_factory=dict, description=(
        "templates by language code over the record's fields: what in the record kept this "
        "rule from firing (\"10 weeks of therapy\"), listed under a "
        "favourable verdict's reasons when it did not fire; a template needing a value not "
        "recorded is left out"))


class NotRecorded(Strict):
    """What a rule gives when its condition needs a value the record does not give."""

    verdict: str | None = Field(None, description="default: the rules' `default` verdict")
    reason: dict[str, str] = Field(description=(
        "by language code; a template naming `label`, the field's label ('{{ label }} was not "
        "recorded')"))


class Rules(Strict):
    version: str
    verdicts: list[VerdictInfo] = Field(min_length=1, description="strongest first")
    default: str
    rules: list[Rule] = Field(min_length=1)
    not_recorded: NotRecorded = Field(description=(
        "the verdict and reason of a rule that needs a value the record does not give"))

    @model_validator(mode="after")
    def _consistent(self) -> Rules:
        ids = [v.id for v in self.verdicts]
        if len(set(ids)) != len(ids):
            raise ValueError("each verdict is listed once")
        named = {self.default, *(r.verdict for r in self.rules)}
        if self.not_recorded.verdict is not None:
            named.add(self.not_recorded.verdict)
        missing = named - set(ids)
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

    @property
    def ids(self) -> tuple[str, ...]:
        """The verdicts' ids, strongest first."""
        return tuple(v.id for v in self.verdicts)

    @property
    def not_recorded_verdict(self) -> str:
        return self.not_recorded.verdict or self.default
