"""The physician's form, generated from a publication's declared record fields.

The form has the core fields every record has (who, when, which physician, the summary's
language; the note; an override), and each field the publication declares (``record.yaml``), in
its group, with its label, unit and help in the form's language (English or Spanish), as the
input its type asks for: a number box with its bounds, a date, a list of the allowed words (an
empty choice first, saying that nothing is recorded, when the field may be left out), yes or no,
or boxes to tick for a list. A new topic needs no template.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model.base import localize
from ..model.fields import CORE_GROUP, FieldSpec
from ..model.record import RecordKind
from ..source import load

LANGUAGES = ("en", "es")
"""The languages the form is offered in (``?lang=es``)."""

UI: dict[str, dict[str, Any]] = load(Path(__file__).with_name("wording.yaml")).data
"""The form's own words by language (``wording.yaml``)."""


@dataclass(frozen=True)
class FormField:
    """One input of the form, ready for the template."""

    key: str
    label: str
    kind: str
    """text, number, date, select, checks (a box to tick per word) or textarea."""
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)
    """Further HTML attributes of the input (bounds, step, required, autocomplete)."""


@dataclass(frozen=True)
class FormGroup:
    key: str
    legend: str
    fields: tuple[FormField, ...]


def words(language: str) -> dict[str, Any]:
    """The form's own words in ``language`` (English when it has none)."""
    return UI.get(language, UI["en"])


def groups(kind: RecordKind, language: str, physicians: list[tuple[str, str]],
           verdicts: list[tuple[str, str]]) -> tuple[FormGroup, ...]:
    """The form's groups in order: the patient (the core fields, then declared fields of that
    group), each declared group, the note, the override."""
    ui = words(language)
    core = _core(ui, physicians)
    declared = tuple(FormGroup(group.key, localize(group.label, language), tuple(
        _declared(spec, ui, language) for spec in kind.spec.grouped(group.key)))
        for group in kind.spec.groups)
    note = FormField("notes", ui["notes"], "textarea", ui["notes_hint"])
    override = (FormField("override_verdict", ui["override_verdict"], "select",
                          options=(("", ui["no_override"]), *verdicts)),
                FormField("override_reason", ui["override_reason"], "text"))
    patient = (*core, *(_declared(spec, ui, language) for spec in kind.spec.grouped(CORE_GROUP)))
    return (FormGroup(CORE_GROUP, ui["patient"], patient), *declared,
            FormGroup("note", ui["note_group"], (note,)),
            FormGroup("override", ui["override_group"], override))


def _core(ui: dict[str, Any], physicians: list[tuple[str, str]]) -> tuple[FormField, ...]:
    private = {"autocomplete": "off", "required": ""}
    return (FormField("name", ui["name"], "text", attrs=private),
            FormField("id", ui["id"], "text", attrs=private),
            FormField("date_of_birth", ui["date_of_birth"], "date"),
            FormField("visit_date", ui["visit_date"], "date"),
            FormField("physician", ui["physician"], "select",
                      options=(("", ui["first"]), *physicians)),
            FormField("language", ui["language"], "select",
                      options=tuple(ui["languages"].items())))


def _declared(spec: FieldSpec, ui: dict[str, Any], language: str) -> FormField:
    """A declared field as the input its type asks for."""
    label, hint = localize(spec.label, language), localize(spec.help, language)
    unit = localize(spec.unit, language)
    if spec.type == "choices":
        return FormField(spec.key, label, "checks", hint, _options(spec, language))
    listed = spec.type in ("choice", "boolean") or (spec.type == "integer" and spec.options)
    if listed:
        empty = localize(spec.empty, language) or (ui["choose"] if spec.required else
                                                    ui["not_recorded"])
        options = ((("true", ui["yes"]), ("false", ui["no"])) if spec.type == "boolean" else
                   _options(spec, language))
        return FormField(spec.key, f"{label} ({unit})" if unit else label, "select", hint,
                         (("", empty), *options))
    notes = [unit] if unit else []
    if not spec.required:
        notes.append(ui["optional"])
    shown = f"{label} ({', '.join(notes)})" if notes else label
    return FormField(spec.key, shown, _INPUTS[spec.type], hint, attrs=_attributes(spec))


_INPUTS = {"integer": "number", "number": "number", "date": "date", "text": "text"}


def _options(spec: FieldSpec, language: str) -> tuple[tuple[str, str], ...]:
    return tuple((str(o.value), localize(o.label, language)) for o in spec.options or ())


def _attributes(spec: FieldSpec) -> dict[str, str]:
    """The HTML attributes that say what a number or text box takes."""
    attrs: dict[str, str] = {}
    if spec.type in ("integer", "number"):
        attrs = {"min": f"{spec.minimum:g}", "max": f"{spec.maximum:g}",
                 "step": "1" if spec.type == "integer" else f"{spec.step or 'any'}"}
        if spec.type == "integer":
            attrs["inputmode"] = "numeric"
    if spec.type == "text":
        attrs["maxlength"] = str(spec.max_length)
    if spec.required:
        attrs["required"] = ""
    return attrs


def labels(form_groups: tuple[FormGroup, ...]) -> dict[str, str]:
    """Each field's label, for naming fields in the form's list of errors."""
    return {f.key: f.label for group in form_groups for f in group.fields}


def form_data(form: Any, kind: RecordKind) -> dict[str, Any]:
    """The record as typed into the form: empty fields left out, a list field's ticked words
    as a list."""
    data: dict[str, Any] = {}
    for key in kind.fields:
        spec = kind.declared(key)
        if spec is not None and spec.type == "choices":
            data[key] = form.getlist(key)
        elif form.get(key) not in (None, ""):
            data[key] = form.get(key)
    return data


def initial(values: Mapping[str, Any], kind: RecordKind) -> dict[str, Any]:
    """An empty form's values: the visit today, no list words ticked."""
    return {**{spec.key: [] for spec in kind.spec.fields if spec.type == "choices"},
            **values, "publication": kind.publication}
