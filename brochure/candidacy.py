"""The rule engine: a patient record and the rules (from YAML) → an :class:`Assessment`.

Each rule's ``when`` is compiled once, in a sandboxed Jinja2 environment, as an expression over
the record's fields; a rule naming a field that records do not have is a load-time error with
its position. Every matching rule adds its reason; the strongest matching verdict wins; no match
gives the default. A physician's override replaces the verdict and is shown as such.

A patient reads the reasons grouped by how they bear on the verdict (:func:`group_reasons`), so
that a point in their favour never stands under a heading that explains a verdict against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import Problem
from .model.patient import RECORD_FIELDS, PatientRecord
from .model.rules import ReasonKind, Rules
from .source import Source

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined)


@dataclass(frozen=True)
class FiredRule:
    id: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class ReasonGroup:
    """Reasons that bear on the verdict in one way (``kind``, see :data:`ReasonKind`).

    ``verdict`` and ``label`` name the verdict the group explains: the physician's for
    ``doctors_view``, the rules' own for ``rules_found`` and ``led_to_this``; None for the
    groups that gather rules of other verdicts. ``reasons`` of ``doctors_view`` is the
    override's reason."""

    kind: ReasonKind
    verdict: str | None
    label: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Assessment:
    """What the rules say about one record (and whether a physician overrode it)."""

    verdict: str
    label: str
    fired: tuple[FiredRule, ...]
    computed_verdict: str
    overridden: bool
    override_reason: str | None
    rules_version: str
    groups: tuple[ReasonGroup, ...]
    """The reasons by their relation to the verdict, in reading order (see
    :func:`group_reasons`); a summary orders them as its ``reasons`` block lists them."""

    @property
    def reasons(self) -> list[str]:
        """Every fired rule's reason, strongest rule first (the flat list, as before)."""
        return [rule.reason for rule in self.fired]

    def group(self, kind: ReasonKind) -> ReasonGroup | None:
        return next((g for g in self.groups if g.kind == kind), None)


@lru_cache(maxsize=256)
def _compiled(expression: str):
    return _ENV.compile_expression(expression, undefined_to_none=False)


@lru_cache(maxsize=16)
def _all_compiled(expressions: tuple[str, ...]):
    """Every rule's condition as one expression giving a list of results: one evaluation
    context per record instead of one per rule."""
    return _compiled(f"[{', '.join(f'({e})' for e in expressions)}]")


def check_rules(rules: Rules, source: Source) -> list[Problem]:
    """Problems with the rules' expressions: syntax, and names that are not record fields."""
    problems = []
    for i, rule in enumerate(rules.rules):
        loc = ("rules", i, "when")
        try:
            names = meta.find_undeclared_variables(_ENV.parse(f"{{{{ {rule.when} }}}}"))
            _compiled(rule.when)
        except TemplateSyntaxError as exc:
            problems.append(source.problem(loc, f"rule {rule.id}: invalid expression: {exc}"))
            continue
        for name in sorted(names - set(RECORD_FIELDS)):
            problems.append(source.problem(
                loc, f"rule {rule.id}: unknown field '{name}'; a rule may use: "
                     f"{', '.join(RECORD_FIELDS)}"))
    return problems


def assess(record: PatientRecord, rules: Rules) -> Assessment:
    """Apply every rule to ``record``; the strongest verdict among those that fire wins."""
    language = record.language
    matched = _all_compiled(tuple(rule.when for rule in rules.rules))(**record.model_dump())
    fired = tuple(FiredRule(rule.id, rule.verdict, _in(rule.reason, language))
                  for rule, match in zip(rules.rules, matched, strict=True) if match)
    computed = min((f.verdict for f in fired), key=rules.rank, default=rules.default)
    verdict = record.override_verdict or computed
    return Assessment(
        verdict=verdict, label=_in(rules.info(verdict).label, language), fired=fired,
        computed_verdict=computed, overridden=record.override_verdict is not None,
        override_reason=record.override_reason, rules_version=rules.version,
        groups=group_reasons(rules, fired, computed, record.override_verdict,
                             record.override_reason, language))


def group_reasons(rules: Rules, fired: tuple[FiredRule, ...], computed: str,
                  override: str | None, override_reason: str | None,
                  language: str) -> tuple[ReasonGroup, ...]:
    """The fired rules grouped by how they bear on the rules' verdict ``computed``; each fired
    rule is in exactly one group.

    - ``led_to_this`` (``rules_found`` under an override): rules whose verdict is ``computed``;
      always present, empty when no rule fired (the default verdict);
    - ``also_to_check``: rules of a weaker verdict that is not favourable;
    - ``in_your_favour``: rules of a favourable verdict other than ``computed`` (when
      ``computed`` is favourable, its own rules led to it);
    - under an override, ``doctors_view`` (the physician's verdict and reason) comes first, and
      the rules' findings follow as the starting point the physician changed.
    Groups other than the verdict's own are left out when empty."""
    def label(verdict: str) -> str:
        return _in(rules.info(verdict).label, language)

    def reasons(keep) -> tuple[str, ...]:
        return tuple(rule.reason for rule in fired if keep(rule.verdict))

    groups = []
    if override is not None:
        groups.append(ReasonGroup("doctors_view", override, label(override),
                                  (override_reason,) if override_reason else ()))
    groups.append(ReasonGroup("rules_found" if override is not None else "led_to_this",
                              computed, label(computed), reasons(lambda v: v == computed)))
    also = reasons(lambda v: v != computed and not rules.favourable(v))
    favour = reasons(lambda v: v != computed and rules.favourable(v))
    others: tuple[tuple[ReasonKind, tuple[str, ...]], ...] = (
        ("also_to_check", also), ("in_your_favour", favour))
    groups += [ReasonGroup(kind, None, None, found) for kind, found in others if found]
    return tuple(groups)


def _in(texts: dict[str, str], language: str) -> str:
    """The text in ``language``; English when no translation exists yet."""
    return texts.get(language) or texts["en"]

