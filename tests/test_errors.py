"""A user's mistakes: every problem named with file, line and column, exit 2, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import edit_once as _edit
from .conftest import run_cli

PUBLICATION = "content/knee-stem-cell/publication.yaml"
LAYOUT = "layouts/trifold-letter.yaml"
BRAND = "content/brands/harbor.yaml"




def _errors(result) -> list[str]:
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if ": error: " in line]


@pytest.mark.parametrize("command", ["check", "build"])
def test_malformed_yaml_names_the_position(project, command):
    line = _edit(project, LAYOUT, "bleed: 0.125in", "bleed: [0.125in")
    result = run_cli(command, cwd=project)
    assert result.returncode == 2
    errors = _errors(result)
    assert len(errors) == 1
    assert re.match(rf"{LAYOUT}:{line + 1}:\d+: error: malformed YAML", errors[0]), errors


def test_unknown_key_suggests_the_right_one(project):
    line = _edit(project, PUBLICATION, "subtitle:", "subtitel:")
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    errors = _errors(result)
    assert f"{PUBLICATION}:{line}:1: error: unknown key 'subtitel'; did you mean 'subtitle'?" \
        in errors
    assert any("missing required field 'subtitle'" in e for e in errors)


def test_unknown_key_inside_a_block_is_placed_on_that_key(project):
    line = _edit(project, PUBLICATION, "      caption: A right knee",
                 "      captoin: A right knee")
    errors = _errors(run_cli("check", cwd=project))
    assert any(e.startswith(f"{PUBLICATION}:{line}:7: error: unknown key 'captoin'; did you mean "
                            "'caption'?") for e in errors), errors


def test_missing_field_is_named(project):
    line = _edit(project, BRAND, "  phone: (555) 014-2200\n", "")
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    errors = _errors(result)
    assert any(re.match(rf"{BRAND}:{line}:\d+: error: missing required field 'contact.phone'", e)
               for e in errors), errors


def test_out_of_range_value_names_the_field_and_value(project):
    line = _edit(project, BRAND, "cmyk: [0, 62, 70, 0]", "cmyk: [0, 162, 70, 0]")
    errors = _errors(run_cli("check", cwd=project))
    assert any(re.match(rf"{BRAND}:{line}:\d+: error: invalid value for 'colors.accent.cmyk'.*"
                        r"percentage from 0 to 100", e) for e in errors), errors


def test_wrong_length_unit_names_the_field(project):
    line = _edit(project, LAYOUT, "bleed: 0.125in", "bleed: 0.125 inches")
    errors = _errors(run_cli("check", cwd=project))
    assert any(re.match(rf"{LAYOUT}:{line}:8: error: invalid value for 'bleed': expected a length",
                        e) for e in errors), errors
    assert [e.count("0.125 inches") for e in errors] == [1], errors  # the value, said once


def test_every_problem_in_every_file_is_reported_at_once(project):
    _edit(project, PUBLICATION, "subtitle:", "subtitel:")
    _edit(project, BRAND, "tagline:", "tagln:")
    _edit(project, LAYOUT, "safe_margin:", "safe_margn:")
    errors = _errors(run_cli("check", cwd=project))
    files = {e.split(":")[0] for e in errors}
    assert files == {PUBLICATION, BRAND, LAYOUT}


def test_duplicate_key_is_an_error(project):
    line = _edit(project, PUBLICATION, "version: \"1\"", "version: \"1\"\nversion: \"2\"")
    errors = _errors(run_cli("check", cwd=project))
    assert f"{PUBLICATION}:{line + 1}:1: error: this key appears twice in one mapping (first " \
        f"at line {line}, column 1); each key may appear once" in errors


def test_a_section_a_placement_names_must_exist_and_is_told_in_the_publications_file(project):
    placement = "content/knee-stem-cell/placement.yaml"
    line = _edit(project, placement, "inside-left: [basics]", "inside-left: [basic]")
    errors = _errors(run_cli("check", cwd=project))
    assert any(e.startswith(f"{placement}:{line}:") and "unknown section" in e
               and "did you mean 'basics'" in e for e in errors), errors


def test_panel_widths_must_add_up_to_the_page(project):
    _edit(project, LAYOUT, "width: 3.625in, style: flap", "width: 3.5in, style: flap")
    errors = _errors(run_cli("check", cwd=project))
    assert any("panel widths add up to" in e and e.startswith(LAYOUT) for e in errors), errors


def test_an_overlong_block_is_a_fit_error_naming_block_panel_and_overflow(project):
    long_text = " ".join(["The cells are taken from your own body and then injected."] * 40)
    line = _edit(project, PUBLICATION, "      text: What happens on the day",
                 "      text: What happens on the day\n"
                 f"    - type: paragraph\n      text: {long_text}")
    result = run_cli("build", "--out", str(project / "out"), cwd=project)
    assert result.returncode == 2
    errors = _errors(result)
    assert len(errors) == 1
    match = re.match(rf"{PUBLICATION}:{line + 1}:7: error: block 2 \(paragraph\) of section 'day' "
                     r"does not fit panel 'inside-right': ([\d.]+) pt too tall", errors[0])
    assert match, errors
    assert float(match.group(1)) > 100
    assert not (project / "out" / "knee-stem-cell" / "trifold-letter.pdf").exists()


def test_unknown_publication_on_the_command_line(project):
    result = run_cli("build", "knee-stemcell", cwd=project)
    assert result.returncode == 2
    assert "unknown publication 'knee-stemcell'; did you mean 'knee-stem-cell'?" in result.stderr


def test_usage_error_exits_2():
    assert run_cli("build", "--no-such-option").returncode == 2


def test_check_of_a_file_that_is_not_a_pdf_says_so_without_a_traceback(tmp_path):
    broken = tmp_path / "truncated.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    missing = tmp_path / "missing.pdf"
    result = run_cli("check", str(broken), str(missing))
    assert result.returncode == 2
    assert f"{broken}: error: not a readable PDF file" in result.stderr
    assert f"{missing}: error: no such PDF file" in result.stderr
    assert "Traceback" not in result.stderr and "invalid pdf header" not in result.stderr


@pytest.mark.parametrize("command", ["summary", "build", "batch"])
def test_an_output_place_that_cannot_be_written_is_named_without_a_traceback(tmp_path, command):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    target = blocker / "out"
    record = Path(__file__).resolve().parent.parent / "content/patients/clinic-day.csv"
    args = {"summary": ["summary", str(sorted(record.parent.glob("*.yaml"))[0]), "--output",
                        str(target / "x.pdf")],
            "build": ["build", "--out", str(target)],
            "batch": ["batch", str(record), "--out", str(target)]}[command]
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert "error: cannot write here (Not a directory)" in result.stderr
    assert str(target) in result.stderr and "Traceback" not in result.stderr


def test_a_spreadsheet_saved_in_a_legacy_encoding_is_placed_and_explained(tmp_path):
    """Excel's plain "CSV" is Windows-1252: the first such byte is placed, and the fix named."""
    csv = tmp_path / "clinic.csv"
    csv.write_bytes("id,name\nA-1,Zoë Müller\n".encode("cp1252"))
    result = run_cli("batch", str(csv), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert f'{csv}:2:7: error: not UTF-8 text (byte 0xeb); save it as "CSV UTF-8"' in \
        result.stderr


@pytest.mark.parametrize(("template", "reason"), [
    ("{{ format_date(visit_date, x=1, x=2) }}", "keyword argument repeated: x"),
    ("{% macro m(a, a) %}{% endmacro %}{{ format_date(visit_date) }}",
     "duplicate argument 'a' in function definition"),
    ("{% for a in [1] %}" * 21 + "{{ a }}" + "{% endfor %}" * 21,
     "too many statically nested blocks"),
    ("{{ format_date(visit_date)" + " + visit_date" * 1000 + " }}", "it is nested too deeply")])
def test_a_template_python_cannot_compile_is_told_at_its_place(project, template, reason):
    """Templates Jinja parses but whose Python the compiler refuses: an error at the field,
    in one line, found by `check` (it was an internal error when checked, and once only
    their names were read, it passed and failed at render)."""
    relative = "content/knee-stem-cell/summary.yaml"
    line = _edit(project, relative, '{label: Visit, value: "{{ format_date(visit_date) }}"}',
                 '{label: Visit, value: "' + template + '"}')
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{relative}:{line}:"), result.stderr
    assert result.stderr.endswith(f": error: invalid template: it cannot be compiled "
                                  f"({reason})\n")
    assert result.stderr.count("\n") == 1


def test_a_rule_nested_too_deeply_is_told_at_its_place(project):
    """A rule's condition nested past what Jinja's readers follow: an error at the rule, not
    an internal RecursionError."""
    relative = "content/knee-stem-cell/candidacy.yaml"
    line = _edit(project, relative, "when: \"'infection' in conditions\"",
                 "when: \"'infection' in conditions" + " and pain > 0" * 1500 + "\"")
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{relative}:{line}:")
    assert result.stderr.endswith("invalid expression: it is nested too deeply; split it into "
                                  "rules\n") and result.stderr.count("\n") == 1


def test_a_brand_font_not_installed_is_told_with_the_brands_other_problems(project):
    """A family that is not installed, at its place, one line a family; the brand's other
    problems are told with it (not once the font is mended)."""
    relative = "content/brands/harbor.yaml"
    font = _edit(project, relative, "family: Zilla Slab", "family: No Such Slab")
    box = _edit(project, relative, "{fill: sand, bar: accent}", "{fill: sandy, bar: accent}")
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    told = result.stderr.splitlines()
    assert [t for t in told if "No Such Slab" in t] == [
        f"{relative}:{font}:21: error: font family 'No Such Slab' (600 normal) is not "
        "installed: font family 'no-such-slab' is not installed — add it with: uv add "
        "fontpkg-no-such-slab; install its fontpkg-* package"]
    assert any(t.startswith(f"{relative}:{box}:") and "'sandy'" in t for t in told)


def test_a_default_fallback_not_installed_is_told_at_the_brands_fonts(project, monkeypatch):
    """A kit that names no fallback gets Noto Sans; when that is not installed, the problem
    says it is the default one, at the kit's fonts (not at the body's family); a named family
    that is missing beside it is not called the default fallback."""
    from brochure.errors import BrochureError, Problem, SourceError
    from brochure.project import load_project
    from brochure.render import fonts

    real = fonts._font_file

    def without_noto(family: str, weight: int, style: str):
        if family in ("Noto Sans", "Zilla Slab"):
            raise BrochureError(Problem(f"font family '{family}' is not installed"))
        return real(family, weight, style)
    monkeypatch.setattr(fonts, "_font_file", without_noto)
    relative = "content/brands/harbor.yaml"
    text = (project / relative).read_text()
    start = text.index("  fallback:\n")
    end = text.index("Devanagari}\n", start) + len("Devanagari}\n")
    (project / relative).write_text(text[:start] + text[end:])
    line = text[:text.index("fonts:")].count("\n") + 1
    with pytest.raises(SourceError) as raised:
        load_project(project)
    (problem,) = [p for p in raised.value.problems
                  if "Noto Sans" in p.message and Path(p.path).name == "harbor.yaml"]
    assert problem.line == line
    assert problem.message == ("the default fallback (the kit names none): font family "
                               "'Noto Sans' is not installed")
    (heading,) = [p for p in raised.value.problems
                  if "Zilla Slab" in p.message and Path(p.path).name == "harbor.yaml"]
    assert heading.message == "font family 'Zilla Slab' is not installed"  # (not "default")


def test_a_template_with_an_unknown_filter_is_told_in_one_line_at_its_place(project):
    """A content template naming a filter Jinja lacks: one error line at the template's
    place with Jinja's reason, nothing after it (reading the template's names before it was
    compiled let Jinja's internal reference through, a second line like a traceback's)."""
    relative = "content/knee-stem-cell/candidacy.yaml"
    line = _edit(project, relative, "call us at **{{ clinic_phone }}**",
                 "call us at **{{ clinic_phone | nosuch }}**")
    result = run_cli("check", cwd=project)
    assert result.returncode == 2
    told = [e for e in result.stderr.splitlines() if "nosuch" in e or "<introspection>" in e]
    assert len(told) == 1, result.stderr
    assert told[0].startswith(f"{relative}:{line}:") and "No filter named 'nosuch'" in told[0]
    assert "File " not in result.stderr and "Traceback" not in result.stderr
