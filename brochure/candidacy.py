"""The rule engine: a patient record and the rules (from YAML) → an :class:`Assessment`.

Each rule's ``when`` is compiled once, in a sandboxed Jinja2 environment, as an expression over
the record's fields; a rule naming a field the publication's records do not have, or comparing
a field with a value it cannot hold (a condition no record can carry), is a load-time error
with its position. Every matching rule adds its reason; the strongest matching verdict wins; no
match gives the default. A physician's override replaces the verdict and is shown as such.

A field the record does not give is *not recorded*, and a rule never pretends otherwise: its
``when`` may test for that itself (``is none``); a field it needs in any other way (compared,
negated, counted) makes the rule give the rules' ``not_recorded`` verdict and reason ("<the
field's label> was not recorded"), unless the rule says ``not_recorded: skip``. Testing a
not-recorded value for a particular value (``== 4``, ``in [2, 3]``) is simply false.

A patient reads the reasons grouped by how they bear on the verdict (:func:`group_reasons`), so
that a point in their favour never stands under a heading that explains a verdict against them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .errors import Problem
from .model.fields import FieldSpec
from .model.patient import PatientRecord
from .model.record import RecordKind
from .model.rules import ReasonKind, Rule, Rules
from .source import Source
from .templates import fill


class NotRecordedError(Exception):
    """A rule's condition needed the value of field ``key``, which the record does not give."""

    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class NotRecorded:
    """The value of a field the record does not give, as a rule's condition sees it: it is
    ``none`` to a test, equal to no value, and anything else done with it (a comparison, a
    truth test, arithmetic) raises :class:`NotRecordedError` naming the field."""

    __slots__ = ("key",)

    def __init__(self, key: str):
        self.key = key

    def __eq__(self, other: object) -> bool:
        return False

    def __ne__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"NotRecorded({self.key!r})"

    def _needed(self, *args: Any) -> Any:
        raise NotRecordedError(self.key)

    __bool__ = __lt__ = __le__ = __gt__ = __ge__ = __len__ = __iter__ = __contains__ = _needed
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _needed
    __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = _needed
    __neg__ = __pos__ = __abs__ = __int__ = __float__ = __index__ = __str__ = _needed
    __getitem__ = __round__ = _needed


def _is_none(value: object) -> bool:
    return value is None or isinstance(value, NotRecorded)


_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
_ENV.tests["none"] = _is_none


@dataclass(frozen=True)
class FiredRule:
    id: str
    verdict: str
    reason: str
    next_step: str | None = None
    """The rule's next step (a summary's template) in the record's language; None for a rule
    that fired for a value not recorded (the verdict's own next step stands)."""


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
    met: tuple[str, ...] = ()
    """When the rules' verdict is favourable: templates over the record's fields saying, in
    the patient's own values, what they met (the deciding rules' ``met``) and what kept the
    other rules from firing (their ``cleared``), in the record's language."""

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


@lru_cache(maxsize=1024)
def _parsed(expression: str) -> tuple[Any, frozenset[str]]:
    """A condition's syntax tree (never changed by its readers) and the names it reads; a
    project is checked on every load, and its rules rarely change between loads."""
    tree = _ENV.parse(f"{{{{ {expression} }}}}")
    return tree, frozenset(meta.find_undeclared_variables(tree))


def check_rules(rules: Rules, source: Source, kind: RecordKind | None) -> list[Problem]:
    """Problems with the rules' expressions: syntax, names that are not fields of the
    publication's records (``kind``; unchecked without one), and values compared with a field
    that it cannot hold."""
    problems = []
    for i, rule in enumerate(rules.rules):
        loc = ("rules", i, "when")
        try:
            tree, names = _parsed(rule.when)
            _compiled(rule.when)
        except TemplateSyntaxError as exc:
            problems.append(source.problem(loc, f"rule {rule.id}: invalid expression: {exc}"))
            continue
        except RecursionError:  # (nested past what Jinja's readers follow)
            problems.append(source.problem(loc, f"rule {rule.id}: invalid expression: it is "
                                                "nested too deeply; split it into rules"))
            continue
        if rule.next_step is None:
            problems.append(source.problem(
                ("rules", i), f"rule {rule.id} can decide the verdict ({rule.verdict}) but "
                "gives no next step: add `next_step` (by language) saying what the patient "
                "does next when it does", key=False))
        if kind is None:
            continue
        fields = kind.fields
        for name in sorted(names - set(fields)):
            problems.append(source.problem(
                loc, f"rule {rule.id}: unknown field '{name}'; a rule may use: "
                     f"{', '.join(fields)}"))
        problems += [source.problem(loc, f"rule {rule.id}: {message}")
                     for message in _impossible(tree, kind)]
        problems += [source.problem(("rules", i, *where), f"rule {rule.id}: {message}")
                     for where, message in _template_problems(rule, kind)]
    return problems


def _template_problems(rule: Rule, kind: RecordKind) -> Iterator[tuple[tuple, str]]:
    """The rule's summary templates (next step, met, cleared) that do not compile or read a
    name a summary does not give."""
    from .summary_checks import SUMMARY_NAMES
    from .templates import compiled

    texts: list[tuple[tuple, str]] = [(("next_step", code), text)
                                      for code, text in (rule.next_step or {}).items()]
    texts += [((attr, code, n), text) for attr in ("met", "cleared")
              for code, items in getattr(rule, attr).items() for n, text in enumerate(items)]
    known = SUMMARY_NAMES | set(kind.fields)
    for where, text in texts:
        try:
            names = compiled(text)[1]
        except TemplateSyntaxError as exc:
            yield where, f"invalid template: {exc}"
            continue
        for name in sorted(set(names) - known):
            yield where, (f"unknown name '{name}'; a rule's summary text may use the record's "
                          f"fields and {', '.join(sorted(SUMMARY_NAMES))}")


def _impossible(tree: nodes.Node, kind: RecordKind) -> Iterator[str]:
    """What the expression compares a declared field with that the field cannot hold: a word
    outside a choice's options, a number outside a field's bounds."""
    for compare in tree.find_all(nodes.Compare):
        left = compare.expr
        for operand in compare.ops:
            right = operand.expr
            for name, values in _compared(left, operand.op, right):
                spec = kind.declared(name)
                for value in values if spec else ():
                    if spec and (problem := _outside(spec, value)):
                        yield problem
            left = right


def _compared(left: nodes.Node, op: str, right: nodes.Node) -> list[tuple[str, list[Any]]]:
    """(field, constants) a comparison tests the field against: ``f == 'x'``, ``'x' == f``,
    ``'x' in f`` (a list field), ``f in ['x', 'y']``."""
    if op in ("eq", "ne"):
        pairs = [(left, right), (right, left)]
        return [(a.name, [b.value]) for a, b in pairs
                if isinstance(a, nodes.Name) and isinstance(b, nodes.Const)]
    if op in ("in", "notin") and isinstance(right, nodes.Name) and \
            isinstance(left, nodes.Const):
        return [(right.name, [left.value])]
    if op in ("in", "notin") and isinstance(left, nodes.Name) and \
            isinstance(right, (nodes.List, nodes.Tuple)):
        return [(left.name, [item.value for item in right.items
                             if isinstance(item, nodes.Const)])]
    return []


def _outside(spec: FieldSpec, value: Any) -> str | None:
    """Why ``value`` is not a value of the field, or None (``none`` always may be)."""
    if value is None:
        return None
    if spec.words:
        if value in spec.words:
            return None
        return (f"'{value}' is not a value of field '{spec.key}', so this never holds; "
                f"expected one of: {', '.join(spec.words)}")
    if spec.type == "boolean":
        return None if isinstance(value, bool) else \
            f"field '{spec.key}' is true or false; compare it with true or false"
    if spec.type in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"field '{spec.key}' is a number; compare it with a number"
        low, high = spec.minimum or 0, spec.maximum or 0
        if not low <= value <= high:
            return (f"{value:g} is outside field '{spec.key}' ({low:g} to {high:g}), so this "
                    "never holds")
    return None


def assess(record: PatientRecord, rules: Rules) -> Assessment:
    """Apply every rule to ``record``; the strongest verdict among those that fire wins."""
    language = record.language
    fired = tuple(_fired(record, rules))
    computed = min((f.verdict for f in fired), key=rules.rank, default=rules.default)
    verdict = record.override_verdict or computed
    return Assessment(
        verdict=verdict, label=_in(rules.info(verdict).label, language), fired=fired,
        computed_verdict=computed, overridden=record.override_verdict is not None,
        override_reason=record.override_reason, rules_version=rules.version,
        groups=group_reasons(rules, fired, computed, record.override_verdict,
                             record.override_reason, language),
        met=_met(rules, fired, computed, language))


def _met(rules: Rules, fired: tuple[FiredRule, ...], computed: str,
         language: str) -> tuple[str, ...]:
    """What a favourable verdict rests on, as templates in the patient's values: each deciding
    rule's ``met``, then each rule that did not fire's ``cleared`` (none for another verdict)."""
    if not rules.favourable(computed):
        return ()
    deciding = {f.id for f in fired if f.verdict == computed}
    ids = {f.id for f in fired}
    met = [t for rule in rules.rules if rule.id in deciding for t in _in_list(rule.met, language)]
    cleared = [t for rule in rules.rules if rule.id not in ids
               for t in _in_list(rule.cleared, language)]
    return (*met, *cleared)


def _in_list(texts: dict[str, list[str]], language: str) -> list[str]:
    """The templates in ``language``; English when there is no translation."""
    return texts.get(language) or texts.get("en") or []


def _fired(record: PatientRecord, rules: Rules) -> Iterator[FiredRule]:
    """The rules that fire, in order: their own verdict and reason, or, for a rule that needed
    a value not recorded, the rules' not-recorded verdict and reason (each such reason once)."""
    values, missing = _values(record)
    language = record.language
    if not missing:  # one evaluation context for every rule
        matched = _all_compiled(tuple(rule.when for rule in rules.rules))(**values)
        yield from (_fired_rule(rule, language)
                    for rule, match in zip(rules.rules, matched, strict=True) if match)
        return
    told: set[str] = set()
    for rule in rules.rules:
        try:
            if _holds(rule, values):
                yield _fired_rule(rule, language)
        except NotRecordedError as needed:
            reason = _not_recorded(rules, record, needed.key)
            if rule.not_recorded == "ask" and reason not in told:
                told.add(reason)
                yield FiredRule(rule.id, rules.not_recorded_verdict, reason)


def _fired_rule(rule: Rule, language: str) -> FiredRule:
    step = _in(rule.next_step, language) if rule.next_step else None
    return FiredRule(rule.id, rule.verdict, _in(rule.reason, language), step)


def _holds(rule: Rule, values: dict[str, Any]) -> bool:
    return bool(_compiled(rule.when)(**values))


def _values(record: PatientRecord) -> tuple[dict[str, Any], bool]:
    """The record's values as the rules see them (each declared field it does not give as
    :class:`NotRecorded`), and whether any is not recorded."""
    values = record.model_dump()
    declared = type(record).declared
    missing = False
    for spec in declared.fields if declared else ():
        if values.get(spec.key) is None:
            values[spec.key], missing = NotRecorded(spec.key), True
    return values, missing


def _not_recorded(rules: Rules, record: PatientRecord, key: str) -> str:
    """The reason a rule gives that needed field ``key``: its label in the record's language."""
    declared = type(record).declared
    spec = declared.field(key) if declared else None
    label = _in(spec.label, record.language) if spec else key.replace("_", " ")
    return fill(_in(rules.not_recorded.reason, record.language), {"label": label})


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

