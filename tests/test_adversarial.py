"""Hostile batch input, generated: CSV files with random columns (unknown, duplicated, missing),
quoting, delimiters and encodings, and YAML files with aliases, tags, nesting and odd scalars.
Every run ends in written files with a complete manifest (one line a record, every listed file
present, nothing unlisted) or a positioned error (exit 2) — never a traceback, never an internal
error, and never the patient's text in what the command prints, its file names or its manifest's
messages. Column names and YAML keys are the file's structure, not a patient's text: an unknown
one close to a field is named in its error, so they never carry the marker here."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from brochure.cli import main

from .conftest import examples

MARK = "QZXMARK"
VALID = dict(id="HK-1", name=f"Ana {MARK}", date_of_birth="1950-02-17", visit_date="2026-11-05",
             physician="", language="en", knee="left", kl_grade="3", cartilage_grade="",
             effusion="none", pain="6", symptom_months="14", pt_weeks="8",
             injection_without_relief="false", steroid_injection_months_ago="",
             knee_surgery_months_ago="", bmi="27.5", malalignment_degrees="", conditions="",
             notes=f"Walk daily {MARK}", override_verdict="", override_reason="")
REQUIRED = ("id", "name", "date_of_birth", "visit_date", "knee", "pain", "symptom_months")
ODD = st.one_of(st.just(""), st.just(MARK), st.just(f'"{MARK}'), st.just(f"{MARK}\n{MARK}"),
                st.just("true"), st.just("nan"), st.just("-1"), st.just("1e309"),
                st.just("2026-02-30"), st.just("\u202e" + MARK), st.text(max_size=12))


def _written(columns: list[str], rows: list[list[str]], delimiter: str) -> str:
    """The CSV text Python's writer makes: it quotes a value holding a line feed, but not one
    holding a lone carriage return."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows([columns, *rows])
    return buffer.getvalue()


def _lines(text: str, delimiter: str) -> list[str]:
    """The lines of a CSV without quotes that hold more than delimiters and spaces."""
    return [line for line in re.split("\r\n|\r|\n", text)
            if line.replace(delimiter, "").strip()]


BARE_CR = (_written(list(VALID), [[{**VALID, "id": "HK-0\rX"}[c] for c in VALID]], ",").encode(), 2)
"""Drawn on a fresh clone (issue 20): an id holding a lone carriage return, which ends the line
there. The row is read as two (the id 'HK-0', the rest of the row) and both are reported in the
manifest: nothing is lost."""


@st.composite
def csv_files(draw) -> tuple[bytes, int | None]:
    """A CSV as bytes, and how many records it must yield when it is well formed (None when
    the draw broke its structure: a bad header, an unbalanced quote, an unknown encoding)."""
    columns = list(VALID)
    clean = True
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    if draw(st.integers(0, 5)) == 0:
        columns.append(draw(st.sampled_from([*VALID, "extra", "Pain score"])))
        clean = False
    if draw(st.integers(0, 5)) == 0:
        columns.remove(draw(st.sampled_from(REQUIRED)))
        clean = False
    count = draw(st.integers(1, 4))
    rows = []
    for i in range(count):
        row = {**VALID, "id": f"HK-{i}"}
        for field in draw(st.lists(st.sampled_from(list(VALID)), max_size=3)):
            row[field] = draw(ODD)
        rows.append([row.get(column, "") for column in columns])
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    text = _written(columns, rows, delimiter)
    if re.search("\r(?!\n)", text):  # a lone carriage return ends a line (old Mac files)
        if '"' in text:
            clean = False  # a quoted value may span the line it ends: the reader resynchronises
        else:
            count = len(_lines(text, delimiter)) - 1
    if draw(st.integers(0, 4)) == 0:
        cut = draw(st.integers(len(text.splitlines()[0]) + 1, len(text)))
        text = text[:cut] + '"' + text[cut:]
        clean = False
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if encoding in ("cp1252", "utf-16") and not data.isascii():
        clean = False
    return data, count if clean else None


YAML_VALUES = st.recursive(
    st.one_of(st.just(MARK), st.integers(-10**30, 10**30), st.floats(), st.booleans(),
              st.none(), st.dates().map(str)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(list(VALID)), inner, max_size=3)),
    max_leaves=12)


BOMB = "- " + "".join(f"\n  k{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9) if i else MARK}]"
                     for i in range(7)) + "\n"
PADDING = f"# {MARK}\n" * 8000  # past the 64 KB a record file may hold


@st.composite
def yaml_files(draw) -> bytes:
    """A record file in YAML: fields given odd values, anchors and aliases, tags, a list of
    records, or something that is not YAML at all."""
    fields = {**VALID, **draw(st.dictionaries(st.sampled_from(list(VALID)), YAML_VALUES,
                                              max_size=3))}
    body = "\n".join(f"  {key}: {json.dumps(value)}" for key, value in fields.items())
    text = "- &r0\n" + body + "\n"
    extra = draw(st.sampled_from(["", "- *r0\n", "- !!python/object:os.system x\n",
                                  "- [*r0, *r0, *r0]\n", f"- {MARK}: [\n", "- *missing\n",
                                  "\t- bad: indent\n", BOMB, PADDING]))
    return (text + extra).encode()


def _run(folder: Path, name: str, data: bytes) -> tuple[int, str, Path]:
    source = folder / name
    source.write_bytes(data)
    out = folder / "out"
    result = CliRunner().invoke(main, ["batch", str(source), "--out", str(out)])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                    SystemExit), result.exception
    return result.exit_code, result.output, out


def _manifest(out: Path) -> list[dict]:
    assert not (out / "manifest.csv.partial").exists()
    return list(csv.DictReader(io.StringIO((out / "manifest.csv").read_text())))


def _accounted_for(code: int, output: str, out: Path, name: str) -> list[dict]:
    assert code in (0, 1, 2), output
    assert "Traceback" not in output and "internal error" not in output, output
    assert MARK not in output, output
    assert all(MARK not in p.name for p in out.rglob("*")) if out.exists() else True
    if code == 2:
        assert re.search(rf"{re.escape(name)}(:\d+(:\d+)?)?: error: ", output), output
        return []
    rows = _manifest(out)
    listed = {row["file"] for row in rows if row["status"] == "ok"}
    assert listed == {p.name for p in out.glob("*.pdf")}
    for row in rows:
        assert MARK not in row["message"] + row["file"] + row["verdict"], row
        assert "internal error" not in row["message"], row
    return rows


@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
@given(csv_files())
@example(BARE_CR)
def test_any_csv_ends_in_a_complete_manifest_or_a_positioned_error(drawn):
    data, expected = drawn
    with tempfile.TemporaryDirectory() as folder:
        code, output, out = _run(Path(folder), "day.csv", data)
        rows = _accounted_for(code, output, out, "day.csv")
    if expected is not None:
        assert code in (0, 1), output
        assert len(rows) == expected


@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
@given(yaml_files())
def test_any_yaml_ends_in_a_complete_manifest_or_a_positioned_error(data):
    with tempfile.TemporaryDirectory() as folder:
        code, output, out = _run(Path(folder), "day.yaml", data)
        _accounted_for(code, output, out, "day.yaml")
