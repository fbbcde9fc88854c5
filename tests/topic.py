"""A second topic made as a clinic would make it, with no Python: the knee publication's folder
copied under a new name, a field renamed in its declaration, rules and summary, and a condition
added with a rule of its own (issue 22)."""

from __future__ import annotations

import shutil
from pathlib import Path

TOPIC = "second-topic"
FALL_REASON = "After a fall, we need an X-ray first."
RULE = """
  - id: F1
    when: "'recent_fall' in conditions"
    verdict: evaluation_needed
    reason:
      en: After a fall, we need an X-ray first.
      es: "Después de una caída, primero necesitamos una radiografía."
    next_step:
      en: "Get an X-ray of your knee, then call **{{ clinic_phone }}**."
      es: "Hágase una radiografía de la rodilla y luego llame al **{{ clinic_phone }}**."
"""
CONDITION = ("      - {value: recent_fall, label: {en: A recent fall, es: Una caída reciente}}\n")
RECORD = dict(id="T-22", name="Rosa Díaz", date_of_birth="1960-02-02", visit_date="2026-11-02",
              publication=TOPIC, knee="left", kl_grade=2, pain=6, symptom_months=8,
              therapy_weeks=3, conditions=["recent_fall"])
"""A record of the second topic: its renamed field and its new condition."""


def second_topic(project: Path) -> Path:
    """Add the second topic to a copy of the project; return its folder."""
    folder = project / "content" / TOPIC
    shutil.copytree(project / "content" / "knee-stem-cell", folder)
    for path in folder.glob("publication*.yaml"):
        path.write_text(path.read_text().replace("id: knee-stem-cell", f"id: {TOPIC}"))
    for name in ("record.yaml", "candidacy.yaml", "summary.yaml"):
        path = folder / name
        path.write_text(path.read_text().replace("pt_weeks", "therapy_weeks"))
    record = folder / "record.yaml"
    record.write_text(record.read_text() + CONDITION)  # conditions' options come last
    rules = folder / "candidacy.yaml"
    rules.write_text(rules.read_text() + RULE)  # the rules come last
    return folder
