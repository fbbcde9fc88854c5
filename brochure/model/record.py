"""The kinds of record a project reads: one per publication with summaries, its model built
from the fields it declares (``record.yaml``), and the publication a record is read for when it
names none (``default_publication`` in ``content/project.yaml``, or a command's
``--publication``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from .base import localize
from .fields import CORE_FIELDS, FieldSpec, RecordSpec
from .patient import PatientRecord, record_model

NO_PUBLICATION = ("invalid value for 'publication': not a publication with summaries in this "
                  "project; expected one of: {known}")
NO_DEFAULT = ("missing required field 'publication': this project has several publications "
              "with summaries and no default_publication (content/project.yaml); expected one "
              "of: {known}")


@dataclass(frozen=True)
class RecordKind:
    """The records of one publication: its declared fields and the model built from them."""

    publication: str
    spec: RecordSpec
    verdicts: tuple[str, ...]

    @cached_property
    def model(self) -> type[PatientRecord]:
        return record_model(self.publication, self.spec, self.verdicts)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """Every field a record of this publication may have, core ones first."""
        return tuple(self.model.model_fields)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name, info in self.model.model_fields.items()
                     if info.is_required())

    def declared(self, key: str) -> FieldSpec | None:
        return self.spec.field(key)

    def label(self, key: str, language: str) -> str:
        """The field's label in ``language`` (a core field's key, spaced, when undeclared)."""
        spec = self.spec.field(key)
        return localize(spec.label, language) if spec else key.replace("_", " ")

    @cached_property
    def examples(self) -> dict[str, Any]:
        """A value for each declared field, for the record the renderer warms up with: its
        ``example``, else (for a required field) the first value it allows; an optional field
        without an example is not recorded there either."""
        return {spec.key: _example(spec) for spec in self.spec.fields}


def _example(spec: FieldSpec) -> Any:
    if spec.example is not None or not spec.required:
        return spec.example
    first: dict[str, Any] = {"integer": int(spec.minimum or 0), "number": spec.minimum,
                             "boolean": False, "date": dt.date(2000, 1, 1), "choices": [],
                             "choice": spec.words[0] if spec.words else None, "text": "A"}
    return first[spec.type]


@dataclass(frozen=True)
class RecordKinds:
    """Every kind of record of a project, by publication, and the default publication."""

    kinds: dict[str, RecordKind] = field(default_factory=dict)
    default: str | None = None

    def kind(self, publication: str | None = None) -> RecordKind:
        """The kind of ``publication`` (the default one when None); KeyError when there is
        none."""
        chosen = publication or self.default
        if chosen is None or chosen not in self.kinds:
            raise KeyError(chosen)
        return self.kinds[chosen]

    def choosing(self, publication: str | None) -> RecordKinds:
        """The same kinds, with ``publication`` (when given) read for records naming none."""
        return self if publication is None else replace(self, default=publication)

    def publication_of(self, data: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """(the publication a record of ``data`` is read for, None) or (None, the problem); the
        value given is never repeated (it may be anything, a patient's name included)."""
        value = data.get("publication")
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.default in self.kinds:
                return self.default, None
            if self.default is None and len(self.kinds) == 1:
                return next(iter(self.kinds)), None
            return None, NO_DEFAULT.format(known=self.known)
        if isinstance(value, str) and value.strip() in self.kinds:
            return value.strip(), None
        return None, NO_PUBLICATION.format(known=self.known)

    @property
    def known(self) -> str:
        return ", ".join(self.kinds) or "none"

    def fields(self, publications: Iterable[str] | None = None) -> tuple[str, ...]:
        """The fields any of ``publications`` (default: all) declares, core ones first."""
        chosen = list(self.kinds) if publications is None else list(publications)
        found = dict.fromkeys(CORE_FIELDS)
        for publication in chosen:
            found.update(dict.fromkeys(self.kinds[publication].fields))
        return tuple(found)
