"""Hostile and broken input files: every one ends in a positioned error (exit 2) that names the
limit or the fault, quickly and in bounded memory, never a traceback.

Limits (the README states them): content files at most 4 MB, record files 64 KB; in one YAML
document at most 1,000 aliases and 200,000 values (records: 5,000), counted as written and as
the aliases expand, nested at most 100 levels. Images: JPEG or PNG, readable, at most 30
megapixels, inside the publication's folder.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from brochure.checks import content_findings
from brochure.cli import main
from brochure.project import load_project
from brochure.source import parse

from .conftest import PROJECT, ROOT, run_cli
from .conftest import edit_once as _edit

PUBLICATION = "content/knee-stem-cell/publication.yaml"
BRAND = "content/brands/harbor.yaml"
IMAGE = "content/knee-stem-cell/images/harbor-water.jpg"
MB = 2 ** 20

_MEASURED = """
import json, resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 2 ** 30, 3 * 2 ** 30))
run = subprocess.run([sys.executable, "-m", "brochure", *sys.argv[1:]], capture_output=True,
                     text=True, timeout=120)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps([run.returncode, run.stdout, run.stderr, peak]))
"""


def run_measured(*args: str, cwd: Path) -> tuple[int, str, float]:
    """Run ``brochure ARGS`` in a fresh process under an address-space cap (so that a
    regression fails instead of swapping the machine); its exit code, stderr and peak resident
    memory in MB (measured by a parent of its own, so no other test's children count)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    wrapper = subprocess.run([sys.executable, "-c", _MEASURED, *args], cwd=cwd, env=env,
                             capture_output=True, text=True, timeout=180)
    code, _, stderr, peak = json.loads(wrapper.stdout)
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    return code, stderr, peak


def run_inline(*args: str, cwd: Path) -> tuple[int, str]:
    """``brochure ARGS`` run by click's runner in this process, from ``cwd``: for inputs refused
    while loading, where a process of its own would only cost time. Its exit code and stderr."""
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(before)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, \
        result.stderr
    return result.exit_code, result.stderr


def _write(project: Path, relative: str, text: str) -> None:
    (project / relative).write_text(text)


def _line(project: Path, relative: str, text: str) -> int:
    """The 1-based line of a file that is exactly ``text``."""
    return (project / relative).read_text().splitlines().index(text) + 1




def _bomb(levels: int = 10, fan: int = 9) -> str:
    """Billion laughs: each level a list of ``fan`` aliases of the level before."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * fan)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


# -- item 9: YAML bounded -------------------------------------------------------------------

@pytest.mark.process
def test_an_alias_bomb_in_a_content_file_stops_at_the_alias_that_goes_over(project):
    _write(project, "layouts/bomb.yaml", _bomb())
    code, stderr, peak = run_measured("check", "--root", str(project), cwd=project)
    # a0 is 10 values, a_i is 1 + 9 x a_(i-1): a5 is the first to pass 200,000 in all, and
    # its second alias (column 15) is the one that takes the count over.
    assert code == 2
    assert re.search(r"layouts/bomb\.yaml:6:15: error: the aliases in this YAML document expand "
                     r"to more than 200,000 values .*a content file may hold at most 200,000",
                     stderr), stderr
    assert peak < 300, peak


def test_more_than_1000_aliases_is_refused_at_the_one_over(project):
    _write(project, "layouts/aliases.yaml", "a: &a 1\nb: [" + ", ".join(["*a"] * 1001) + "]\n")
    code, stderr = run_inline("check", cwd=project)
    column = len("b: [") + 1 + len("*a, ") * 1000
    assert code == 2
    assert f"layouts/aliases.yaml:2:{column}: error: more than 1,000 aliases (*name) in one " \
           "YAML document; a content file may use at most 1,000" in stderr, stderr


@pytest.mark.process
def test_more_than_200000_values_is_refused_at_the_one_over(project):
    _write(project, "layouts/many.yaml", "[" + ", ".join(["0"] * 250_000) + "]\n")
    code, stderr, peak = run_measured("check", cwd=project)
    # value 1 is the list itself; value 200,001 is item 199,999, three characters apart
    column = 2 + 3 * 199_999
    assert code == 2
    assert f"layouts/many.yaml:1:{column}: error: more than 200,000 values in one YAML " \
           "document; a content file may hold at most 200,000" in stderr, stderr
    assert peak < 300, peak


@pytest.mark.process
def test_a_content_file_over_4_mb_is_refused_before_it_is_read(project):
    layout = (project / "layouts/trifold-letter.yaml").read_text()
    padding = "# " + "x" * 1000 + "\n"
    _write(project, "layouts/trifold-letter.yaml", layout + padding * (5 * MB // len(padding)))
    code, stderr, peak = run_measured("check", cwd=project)
    assert code == 2
    assert "layouts/trifold-letter.yaml: error: file too large (5 MB); a content file may be " \
           "at most 4 MB" in stderr, stderr
    assert peak < 300, peak


@pytest.mark.parametrize("depth, expected", [
    (150, r"layouts/deep\.yaml:1:101: error: nested more than 100 levels deep"),
    (100_000, r"layouts/deep\.yaml:1:\d+: error: nested more than 100 levels deep"),
])
def test_deep_nesting_is_refused_without_running_out_of_stack(project, depth, expected):
    _write(project, "layouts/deep.yaml", "[" * depth + "]" * depth + "\n")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2 and re.search(expected, stderr), stderr


def test_aliases_that_nest_deeper_than_100_levels_are_refused_at_the_alias(project):
    # each list is 60 levels deep, as written; the second holds the first at its bottom
    _write(project, "layouts/nest.yaml", "a: &a " + "[" * 60 + "1" + "]" * 60 + "\n"
           "b: " + "[" * 60 + "*a" + "]" * 60 + "\n")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert f"layouts/nest.yaml:2:{len('b: ') + 60 + 1}: error: aliases or merges here nest " \
           "values more than 100 levels deep" in stderr, stderr


@pytest.mark.process
def test_a_merge_bomb_is_only_as_big_as_its_distinct_keys(project):
    # each mapping merges nine copies of the one before: 9^11 pairs if merged naively
    lines = ["m0: &m0 {k0: 0}"] + [f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}], "
                                   f"k{i}: {i}}}" for i in range(1, 12)]
    _write(project, "layouts/merges.yaml", "\n".join(lines) + "\n")
    code, stderr, peak = run_measured("check", cwd=project)
    assert code == 2 and "layouts/merges.yaml:1:1: error: an unknown key" in stderr, stderr
    assert peak < 300, peak


def test_values_repeated_by_merges_count_too(project):
    # 300 mappings merge one holding a list of 1,000: some 300,000 values built from 1,600
    # written. Line 1 builds 1,002 values (the document, s, its list of 1 + 999), m0 1,002 (its
    # mapping, s merged once, the list) and each later m 1,001: m198 (line 200) goes over.
    _write(project, "layouts/merged.yaml", "s: &s {x: [" + ", ".join(["0"] * 999) + "]}\n" +
           "".join(f"m{i}: {{<<: *s}}\n" for i in range(300)))
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert f"layouts/merged.yaml:200:{len('m198: {<<: ') + 1}: error: the aliases in this YAML " \
           "document expand to more than 200,000 values" in stderr, stderr


def test_an_explicit_key_overrides_merged_ones_and_the_first_merge_wins():
    source = parse("a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: 3\n",
                   "m.yaml")
    assert source.data["c"] == {"x": 1, "y": 3, "z": 2}
    assert source.where(("c", "z")) == (2, 17)


def test_an_alias_inside_the_value_it_names_is_refused(project):
    _write(project, "layouts/loop.yaml", "a: &a [1, *a]\n")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert "layouts/loop.yaml:1:11: error: this alias (*name) is inside the value it " \
        "names" in stderr


@pytest.mark.parametrize("value, message", [
    ("1" * 5000, "not a valid number; expected a whole number of at most 4,300 digits"),
    ("2026-13-45", "not a valid date; expected a date like 2026-11-02"),
])
def test_scalars_python_cannot_hold_are_positioned(project, value, message):
    line = _edit(project, "layouts/trifold-letter.yaml", "  rule_width: 1",
                 f"  rule_width: {value}")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert f"layouts/trifold-letter.yaml:{line}:15: error: {message}" in stderr, stderr


def test_a_tab_indent_and_a_control_character_are_positioned(project):
    line = _edit(project, "layouts/trifold-letter.yaml", "  rule_width: 1", "\trule_width: 1")
    other = _edit(project, PUBLICATION, "subtitle:", "subtitle: \x01")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert f"layouts/trifold-letter.yaml:{line}:1: error: malformed YAML: " in stderr
    assert "indent with spaces (a tab cannot indent YAML)" in stderr
    assert f"{PUBLICATION}:{other}:11: error: malformed YAML: character U+0001 is not " \
           "allowed" in stderr, stderr


def test_a_file_of_many_problems_shows_the_first_25(project):
    _edit(project, "layouts/trifold-letter.yaml", "bleed: 0.125in",
          "bleed: 0.125in\n" + "".join(f"extra{i}: 1\n" for i in range(40)))
    code, stderr = run_inline("check", cwd=project)
    errors = [e for e in stderr.splitlines() if e.startswith("layouts/trifold-letter.yaml")]
    assert code == 2 and len(errors) == 26, errors
    assert errors[-1] == "layouts/trifold-letter.yaml: error: 15 more problems in this file " \
                         "are not shown"


# -- item 9: record files ---------------------------------------------------------------------

@pytest.mark.process
@pytest.mark.parametrize("command", ["summary", "batch"])
def test_an_alias_bomb_in_a_record_file_stops_at_5000_values(tmp_path, command):
    record = tmp_path / "record.yaml"
    record.write_text(_bomb())
    out = ["-o", str(tmp_path / "x.pdf")] if command == "summary" else ["--out", str(tmp_path)]
    code, stderr, peak = run_measured(command, str(record), *out, cwd=PROJECT)
    # a3 is 1 + 9 x (1 + 9 x (1 + 9 x 10)) = 7,381 values: the fifth *a2 of line 4 goes over
    assert code == 2
    assert f"{record}:4:30: error: the aliases in this YAML document expand to more than 5,000 " \
           "values" in stderr and "a record file may hold at most 5,000" in stderr, stderr
    assert peak < 300, peak
    assert not list(tmp_path.glob("*.pdf"))


def test_a_record_file_over_64_kb_is_refused(tmp_path):
    record = tmp_path / "record.yaml"
    record.write_text("notes: " + "x" * 70_000 + "\n")
    code, stderr = run_inline("summary", str(record), "-o", str(tmp_path / "x.pdf"),
                                   cwd=PROJECT)
    assert code == 2
    assert f"{record}: error: file too large (68.4 KB); a record file may be at most 64 KB" \
        in stderr, stderr
    assert "xxxx" not in stderr


def test_a_record_file_of_more_than_5000_values_is_refused(tmp_path):
    record = tmp_path / "records.yaml"
    record.write_text("[" + ", ".join(["0"] * 6000) + "]\n")
    code, stderr = run_inline("batch", str(record), "--out", str(tmp_path), cwd=PROJECT)
    assert code == 2
    assert f"{record}:1:{2 + 3 * 4999}: error: more than 5,000 values in one YAML document; a " \
           "record file may hold at most 5,000" in stderr, stderr


# -- item 13: images --------------------------------------------------------------------------

def _png(width: int, height: int, pixels: bytes | None = None) -> bytes:
    """A PNG written chunk by chunk: any size in its header, whatever ``pixels`` data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I",
                                                                       zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b"") if pixels is None else pixels
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + \
        chunk(b"IEND", b"")


def _truncated_png() -> bytes:
    data = BytesIO()
    Image.effect_noise((200, 200), 40).convert("RGB").save(data, "PNG")
    return data.getvalue()[: len(data.getvalue()) // 2]


def _replace_image(project: Path, make) -> None:
    _place_photograph(project)
    target = project / IMAGE
    target.unlink()
    make(target)


def _place_photograph(project: Path) -> None:
    """Put the photograph kept in the content folder on the copy's cover (the shipped cover is
    vector art)."""
    _edit(project, PUBLICATION, "    - type: figure\n      art: cover-walk\n      width: 0.7\n",
          "    - type: image\n      path: images/harbor-water.jpg\n"
          "      alt: Sunlight rippling on clear harbor water.\n      width: 1.0\n")


IMAGES = {
    "text": (lambda p: p.write_text("this is not a picture\n"),
             "is not a readable JPEG or PNG file"),
    "truncated-png": (lambda p: p.write_bytes(_truncated_png()),
                      "is not a readable JPEG or PNG file"),
    "truncated-jpeg": (lambda p: p.write_bytes((PROJECT / IMAGE).read_bytes()[:5000]),
                       "is not a readable JPEG or PNG file"),
    "huge": (lambda p: p.write_bytes(_png(9_000, 9_000)),
             "is 9,000 x 9,000 pixels, more than the 30 megapixels an image may have"),
    "bomb": (lambda p: p.write_bytes(_png(100_000, 100_000)),
             "has far more pixels than the 30 megapixels an image may have"),
    "gif": (lambda p: Image.new("RGB", (20, 20)).save(p, "GIF"),
            "is a GIF image; expected a JPEG or PNG file"),
    "folder": (lambda p: p.mkdir(), "is a folder; expected a JPEG or PNG file"),
    "outside": (lambda p: p.symlink_to(PROJECT / IMAGE),
                "is outside the publication folder"),
}


@pytest.mark.parametrize("kind, command", [("text", "build")] + [(kind, "check")
                                                                for kind in IMAGES])
@pytest.mark.process
def test_an_unusable_image_is_an_error_at_its_path_line(project, kind, command):
    make, message = IMAGES[kind]
    _replace_image(project, make)
    line = _line(project, PUBLICATION, "      path: images/harbor-water.jpg")
    code, stderr, peak = run_measured(command, "--out", str(project / "out"), cwd=project)
    assert code == 2
    assert f"{PUBLICATION}:{line}:13: error: image 'images/harbor-water.jpg' {message}" \
        in stderr, stderr
    assert peak < 300, peak
    assert not (project / "out").exists()


def test_an_image_whose_pixels_do_not_decode_is_placed_at_build(project):
    # the header and every chunk's checksum are right; only the pixel data is not zlib
    _replace_image(project, lambda p: p.write_bytes(_png(40, 40, b"not zlib data at all")))
    line = _line(project, PUBLICATION, "      path: images/harbor-water.jpg")
    code, stderr = run_inline("build", "knee-stem-cell", "--layout", "trifold-letter",
                                   "--lang", "en", "--out", str(project / "out"), cwd=project)
    assert code == 2
    assert f"{PUBLICATION}:{line}:13: error: image 'images/harbor-water.jpg' is not a readable " \
           "JPEG or PNG file (it is damaged or cut short)" in stderr, stderr


def test_a_summary_may_not_include_a_section_with_an_image(project):
    _place_photograph(project)
    line = _edit(project, "content/knee-stem-cell/summary.yaml", "            section: risks\n"
                 "            only: [heading, bullets]", "            section: cover")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert f"content/knee-stem-cell/summary.yaml:{line}:22: error: section 'cover' holds an " \
           "image in content/knee-stem-cell/publication.yaml, which a summary does not show" \
        in stderr, stderr


def test_an_unknown_section_or_statement_inside_columns_is_found(project):
    line = _edit(project, "content/knee-stem-cell/summary.yaml",
                 "          - type: verdict_steps",
                 "          - type: columns\n            columns:\n"
                 "              - - type: include\n                  section: nowhere\n"
                 "                - type: statement\n                  ref: nothing\n"
                 "              - - type: page_break\n"
                 "          - type: verdict_steps")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert f"content/knee-stem-cell/summary.yaml:{line + 3}:28: error: unknown section " \
           "'nowhere'" in stderr, stderr
    assert f"content/knee-stem-cell/summary.yaml:{line + 5}:24: error: unknown statement " \
           "'nothing'" in stderr, stderr


# -- smaller items: layouts, contrast ---------------------------------------------------------

def _new_layout(project: Path, name: str, file: str = "new.yaml") -> None:
    text = (project / "layouts/trifold-letter.yaml").read_text()
    (project / "layouts" / file).write_text(text.replace("name: trifold-letter", f"name: {name}"))


def test_building_a_layout_the_publication_does_not_list_is_an_error(project):
    _new_layout(project, "new")
    line = _line(project, PUBLICATION, "layouts: [trifold-letter, trifold-a4, booklet-letter]")
    code, stderr = run_inline("build", "knee-stem-cell", "--layout", "new", "--out",
                                   str(project / "out"), cwd=project)
    assert code == 2
    assert f"{PUBLICATION}:{line}:10: error: publication 'knee-stem-cell' does not list layout " \
           "'new' (it lists: trifold-letter, trifold-a4, booklet-letter)" in stderr, stderr
    assert not (project / "out").exists()


def test_building_an_unknown_publication_is_an_error(project):
    code, stderr = run_inline("build", "knee-stem-call", "--out", str(project / "out"),
                                   cwd=project)
    assert code == 2
    assert "error: unknown publication 'knee-stem-call'; did you mean 'knee-stem-cell'?" in stderr


def test_two_layouts_with_one_name_are_a_load_error_at_the_second(project):
    _new_layout(project, "trifold-letter")
    line = _line(project, "layouts/new.yaml", "name: trifold-letter")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert f"layouts/new.yaml:{line}:7: error: layout name 'trifold-letter' is already the name " \
           "of layouts/trifold-letter.yaml" in stderr, stderr


def _contrast(project: Path, old: str, new: str) -> tuple[int, list]:
    line = _edit(project, BRAND, old, new)
    findings = [f for f in content_findings(load_project(project)) if "contrast" in f.message]
    return line, findings


def test_a_low_contrast_text_colour_is_reported_at_the_brand_line_that_changed(project):
    line, findings = _contrast(project, 'rgb: "#595959"', 'rgb: "#b0b0b0"')
    muted = [f for f in findings if "'muted' on 'paper' has a contrast of 2.17:1" in f.message]
    assert len(muted) == 1, findings
    assert (str(muted[0].path).endswith(BRAND), muted[0].line) == (True, line)
    assert muted[0].column == (project / BRAND).read_text().splitlines()[line - 1].index(
        '"#b0b0b0"') + 1
    assert "layouts/" in muted[0].message, "it names where a layout uses the pair"


def test_a_background_made_low_contrast_is_blamed_not_its_text_colours(project):
    line, findings = _contrast(project, 'paper:     {cmyk: [0, 0, 0, 0],     rgb: "#ffffff"}',
                               'paper:     {cmyk: [0, 0, 0, 0],     rgb: "#888888"}')
    assert len(findings) > 3
    assert all(f.line == line and str(f.path).endswith(BRAND) for f in findings), \
        [(f.line, f.message[:60]) for f in findings]


# -- the same class of fault elsewhere: numbers a renderer cannot use ---------------------------

@pytest.mark.parametrize("old, new, message", [
    ("bleed: 0.125in", "bleed: .inf", "invalid value for 'bleed': Input should be a finite number"),
    ("bleed: 0.125in", "bleed: 100000in", "the page's width (with any bleed and marks) is "
                                          "14400852 pt; a PDF page may be at most 14400 pt"),
    ("panel_padding: 0.32in", "panel_padding: 3in", "panel 'fold-in-back' leaves a text area of "
                                                    "-171.0 x 180.0 pt"),
])
def test_a_layout_a_page_cannot_be_made_from_is_a_load_error(project, old, new, message):
    _edit(project, "layouts/trifold-letter.yaml", old, new)
    code, stderr = run_inline("build", "knee-stem-cell", "--layout", "trifold-letter",
                                   "--out", str(project / "out"), cwd=project)
    assert code == 2 and re.search(r"layouts/trifold-letter\.yaml:\d+:\d+: error: ", stderr)
    assert message in stderr, stderr


def test_a_summary_layout_that_fails_is_not_also_called_unknown(project):
    _edit(project, "layouts/summary-letter.yaml", "left: 0.8in", "left: 7in")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert "layouts/summary-letter.yaml:2:1: error: invalid value for '(top level)': the page " \
           "leaves a text area of 50.4 x 651.6 pt" in stderr, stderr
    assert "unknown summary layout" not in stderr


@pytest.mark.parametrize("columns", ["count: 2, gutter: 9in", "count: 4, gutter: 2in"])
def test_summary_columns_narrower_than_an_inch_are_an_error_at_columns(project, columns):
    line = _edit(project, "layouts/summary-letter.yaml", "count: 2, gutter: 0.3in", columns)
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    assert re.search(rf"layouts/summary-letter\.yaml:{line}:\d+: error: invalid value for "
                     r"'columns': each of \d columns would be -?[\d.]+ pt wide", stderr), stderr
    assert "at least 72 pt (1 in) is needed" in stderr and "internal error" not in stderr


def test_a_summary_layout_too_small_for_its_text_is_an_error_not_pages_without_end(project):
    """Body text at 40 pt: no summary fits two pages however it is shortened. The build used to
    make pages without end (ReportLab splitting kept blocks forever)."""
    _edit(project, "layouts/summary-letter.yaml", "body:           {size: 12,",
          "body:           {size: 40, leading: 48} #")
    result = run_cli("summary", "content/patients/good-candidate.yaml", "-o",
                     str(project / "s.pdf"), cwd=project)
    assert result.returncode == 2, result.stderr
    assert "layouts/summary-letter.yaml: error: this layout cannot hold a summary in its 2 " \
           "pages" in result.stderr
    assert "Traceback" not in result.stderr and not (project / "s.pdf").exists()


@pytest.mark.parametrize("widths, message", [
    ("[0, 1, 1, 1]", "Input should be greater than 0"),
    ("[.inf, 1, 1, 1]", "Input should be a finite number"),
    ("[0.01, 1, 1, 1]", "each of column_widths must be at least a twentieth of their sum"),
])
def test_table_column_widths_a_table_cannot_use_are_errors(project, widths, message):
    line = _edit(project, PUBLICATION, "column_widths: [1.15, 1.45, 1, 0.95]",
                 f"column_widths: {widths}")
    code, stderr = run_inline("build", "knee-stem-cell", "--layout", "trifold-letter",
                                   "--out", str(project / "out"), cwd=project)
    lines = (project / PUBLICATION).read_text().splitlines()
    block = max(n for n in range(line) if lines[n].strip().startswith("- type: table")) + 1
    assert code == 2
    assert re.search(rf"{PUBLICATION}:{block}:7: error: .*{message}|"
                     rf"{PUBLICATION}:{line}:\d+: error: .*{message}", stderr), stderr


@pytest.mark.parametrize("old, new, message", [
    ("cx: 50, cy: 50, r: 48", "cx: 50, cy: 50, r: .inf", "Input should be a finite number"),
    ('d: "M 10 58 C', 'd: "M 10 1e999 C', "1e999 is too large a number for a drawing"),
])
def test_brand_art_with_numbers_no_pdf_can_hold_is_an_error(project, old, new, message):
    line = _edit(project, BRAND, old, new)
    code, stderr = run_inline("build", "knee-stem-cell", "--layout", "trifold-letter",
                                   "--out", str(project / "out"), cwd=project)
    assert code == 2 and re.search(rf"{BRAND}:{line}:\d+: error: .*{message}", stderr), stderr
    assert not (project / "out").exists()


def test_a_second_yaml_document_is_placed_at_its_start(project):
    text = (project / PUBLICATION).read_text()
    (project / PUBLICATION).write_text(text + "---\nmore: 1\n")
    code, stderr = run_inline("check", cwd=project)
    assert code == 2
    line = text.count("\n") + 1
    assert f"{PUBLICATION}:{line}:1: error: a second YAML document (after ---) begins here; a " \
           "file holds one document" in stderr, stderr


@pytest.mark.process
def test_a_csv_file_of_records_over_4_mb_is_refused(tmp_path):
    rows = (PROJECT / "content/patients/clinic-day.csv").read_text().splitlines()
    source = tmp_path / "day.csv"
    source.write_text("\n".join(rows + rows[1:] * (5 * MB // len("".join(rows[1:])))) + "\n")
    code, stderr, peak = run_measured("batch", str(source), "--out", str(tmp_path / "out"),
                                      cwd=PROJECT)
    assert code == 2
    size = f"{source.stat().st_size / MB:.1f}"
    assert f"{source}: error: file too large ({size} MB); a CSV file of records may be at most " \
           "4 MB" in stderr, stderr
    assert peak < 300, peak


@pytest.mark.process
def test_a_folder_or_an_endless_device_in_place_of_a_content_file_is_an_error(project):
    (project / "content/other/publication.yaml").mkdir(parents=True)
    (project / "layouts/endless.yaml").symlink_to("/dev/zero")
    code, stderr, peak = run_measured("check", cwd=project)
    assert code == 2
    assert "content/other/publication.yaml: error: is a folder; expected a file" in stderr
    assert "layouts/endless.yaml: error: file too large (over 4 MB); a content file may be at " \
           "most 4 MB" in stderr, stderr
    assert peak < 300, peak


# -- preflight of print files made elsewhere ----------------------------------------------------

def _print_pdf(path: Path, content: bytes, form: bytes | None = None) -> Path:
    """A one-page PDF with trim and bleed boxes whose page runs ``content``; ``form``, when
    given, is the content of a form XObject /X0 (whose resources name /X0 again)."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        NumberObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    for box in ("/TrimBox", "/BleedBox"):
        page[NameObject(box)] = ArrayObject([NumberObject(v) for v in (0, 0, 612, 792)])
    if form is not None:
        stream = DecodedStreamObject()
        stream.set_data(form)
        stream.update({NameObject("/Type"): NameObject("/XObject"),
                       NameObject("/Subtype"): NameObject("/Form"),
                       NameObject("/BBox"): ArrayObject([NumberObject(v) for v in (0, 0, 9, 9)])})
        resources = DictionaryObject({NameObject("/XObject"): DictionaryObject(
            {NameObject("/X0"): writer._add_object(stream)})})
        stream[NameObject("/Resources")] = resources
        page[NameObject("/Resources")] = resources
    page_content = DecodedStreamObject()
    page_content.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(page_content)
    writer.write(path)
    return path


@pytest.mark.parametrize("content, form, finding", [
    (b"/X0 Do", b"1 0 0 rg 0 0 5 5 re f", "page 1: rgb-colour: operator rg"),
    (b"/X0 Do", b"/X0 Do", "page 1: content: form /X0: draws itself"),
    (b"/Foo cm 1 0 0 rg", None, "page 1: content: page content: cannot be read (ValueError)"),
])
def test_preflight_walks_forms_and_reports_what_it_cannot_read(tmp_path, content, form, finding):
    pdf = _print_pdf(tmp_path / "print.pdf", content, form)
    code, stderr = run_inline("check", str(pdf), cwd=PROJECT)
    assert code == 1 and f"{pdf}: {finding}" in stderr, stderr
