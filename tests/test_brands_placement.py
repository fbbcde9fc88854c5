"""Brands and placement as data (issue 24): a kit's colour roles (required, or derived by a rule),
what each block type declares it draws, placement in the publication's own folder, drawings kept
inside their box, a publication drawn in another brand, and the second topic's examples. All in
process: broken copies of the shipped project, loaded and checked."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from brochure.build import build_publication
from brochure.checks import content_findings
from brochure.errors import BrochureError, SourceError
from brochure.model.brand import COLOUR_ROLES, REQUIRED_ROLES
from brochure.output import publication_path
from brochure.project import load_project
from brochure.render import blocks
from brochure.summaries import assess, summarize

from .conftest import PROJECT, read_yaml
from .conftest import edit_once as _edit
from .pdf import text as pdf_text

HARBOR = "content/brands/harbor.yaml"
CEDAR = "content/brands/cedar-ridge.yaml"
KNEE_PLACEMENT = "content/knee-stem-cell/placement.yaml"
PRP = "content/prp-tennis-elbow/publication.yaml"


def text_of(pdf: bytes) -> str:
    """Every page's text, whitespace made single spaces."""
    return pdf_text(pdf)


def _problems(root: Path) -> list[str]:
    """The load errors of the project at ``root``, as printed (path:line:col: error: ...)."""
    with pytest.raises(SourceError) as caught:
        load_project(root)
    return [str(p).removeprefix(f"{root}/") for p in caught.value.problems]


# -- colour roles -------------------------------------------------------------------------------

@pytest.mark.parametrize("kit, role", [(HARBOR, "accent"), (CEDAR, "primary")])
def test_a_kit_without_a_required_role_is_an_error_at_its_colors_naming_the_role(project, kit,
                                                                                   role):
    text = (project / kit).read_text()
    line = re.search(rf"(?m)^  {role}: .*\n", text)
    assert line is not None
    (project / kit).write_text(text.replace(line.group(0), ""))
    colors = text[:text.index("\ncolors:")].count("\n") + 2  # the line of `colors:`
    errors = _problems(project)
    assert any(re.match(rf"{kit}:({colors}|{colors + 1}):", e) and f"'{role}'" in e and
               "missing" in e for e in errors), errors


def test_a_role_a_kit_leaves_out_is_derived_by_its_stated_rule(project):
    """Cedar Ridge gives no scale-track: it is primary mixed 94 % of the way to paper."""
    kit = load_project(project).brands["cedar-ridge"].model
    assert "scale-track" not in read_yaml((project / CEDAR).read_text())["colors"]
    base, toward, share = COLOUR_ROLES["scale-track"].derived or ("", "", 0)
    mixed = [round(int(kit.colors[base].rgb[i:i + 2], 16) * (1 - share)
                   + int(kit.colors[toward].rgb[i:i + 2], 16) * share) for i in (1, 3, 5)]
    assert kit.colors["scale-track"].rgb == "#" + "".join(f"{v:02x}" for v in mixed)
    assert set(REQUIRED_ROLES) == {"primary", "ink", "paper", "accent"}


def test_a_layout_names_colour_roles_only(project):
    line = _edit(project, "layouts/trifold-letter.yaml", "flap: {background: tint",
                 "flap: {background: teal")
    errors = _problems(project)
    assert any(e.startswith(f"layouts/trifold-letter.yaml:{line}:") and
               "unknown colour role 'teal'" in e for e in errors), errors


def test_a_kit_without_the_drawing_a_layout_names_is_an_error_in_the_kit(project):
    _edit(project, CEDAR, "  foot-art:\n", "  ridges:\n")
    errors = _problems(project)
    assert any(e.startswith(f"{CEDAR}:") and "drawing 'foot-art' missing" in e
               and "trifold-letter" in e for e in errors), errors


def test_every_block_type_declares_what_it_draws_and_an_undeclared_one_is_a_load_error(
        monkeypatch):
    assert not blocks.undeclared(list(blocks.BUILDERS))
    assert blocks.DRAWS["table"].styles(SimpleNamespace()) == [
        ("table", None), ("table", "tint"), ("table_head", "primary")]
    monkeypatch.delitem(blocks.DRAWS, "table")
    errors = _problems(PROJECT)
    assert any("block type 'table' declares no colours" in e for e in errors), errors


# -- placement ------------------------------------------------------------------------------------

def test_a_placement_naming_an_unknown_section_is_an_error_in_the_publications_file(project):
    line = _edit(project, KNEE_PLACEMENT, "inside-middle: [options, research]",
                 "inside-middle: [options, reserch]")
    errors = _problems(project)
    assert any(e.startswith(f"{KNEE_PLACEMENT}:{line}:") and "unknown section" in e and
               "did you mean 'research'" in e for e in errors), errors
    assert not any(e.startswith("layouts/") for e in errors), errors


def test_a_layout_file_placing_sections_is_an_error_at_that_line(project):
    line = _edit(project, "layouts/trifold-letter.yaml", "style: flap}",
                 "style: flap, sections: [candidates]}")
    errors = _problems(project)
    assert any(e.startswith(f"layouts/trifold-letter.yaml:{line}:") and "placement.yaml" in e
               for e in errors), errors


def test_a_section_nothing_places_is_a_finding_unless_listed_as_unplaced(project):
    for edition in (PRP, PRP.replace(".yaml", ".es.yaml")):
        text = (project / edition).read_text()
        extra = "\n  extra:\n    - type: heading\n      text: More\n\n  physician:\n"
        (project / edition).write_text(text.replace("\n  physician:\n", extra))
    line = (project / PRP).read_text().splitlines().index("  extra:") + 1
    findings = [str(f).removeprefix(f"{project}/")
                for f in content_findings(load_project(project))]
    assert any(f.startswith(f"{PRP}:{line}:") and "section 'extra' is placed in no layout" in f
               for f in findings), findings
    placement = project / "content/prp-tennis-elbow/placement.yaml"
    placement.write_text(placement.read_text() + "unplaced: [extra]\n")
    assert not [f for f in content_findings(load_project(project)) if "'extra'" in str(f)]


def test_a_label_outside_its_drawing_is_an_error_at_the_label(project):
    line = _edit(project, PRP, "text: Sore spot, x: 118", "text: Sore spot, x: 218")
    errors = _problems(project)
    assert any(e.startswith(f"{PRP}:{line}:") and "label 'Sore spot' reaches" in e and
               "right of the drawing's box" in e for e in errors), errors


# -- another brand --------------------------------------------------------------------------------

def test_a_publication_drawn_in_another_brand_takes_its_kit_number_and_physician():
    project = load_project(PROJECT)
    text = text_of(build_publication(project, "knee-stem-cell", "trifold-letter",
                                     brand="cedar-ridge"))
    assert "(555) 017-4400" in text and "(555) 014-2200" not in text
    assert "Maya Lindqvist" in text and "Cedar Ridge Sports & Spine" in text
    assert publication_path(Path("output"), "knee-stem-cell", "trifold-letter", "es",
                            brand="cedar-ridge") == \
        Path("output/knee-stem-cell/cedar-ridge/trifold-letter-es.pdf")


def test_a_summary_in_another_brand_takes_its_roster(project):
    record = read_yaml((project / "content/patients/good-candidate.yaml").read_text())
    loaded = load_project(project)
    with pytest.raises(BrochureError, match="physician"):
        assess(record, project=loaded, brand="cedar-ridge")
    record["physician"] = "dr-tomas-reyes"
    result = summarize(record, project=loaded, brand="cedar-ridge")
    assert result.assessment.verdict == "good"
    assert "Tomás Reyes" in text_of(result.pdf)


def test_an_unknown_brand_is_refused_with_the_known_ones():
    with pytest.raises(SourceError, match=r"unknown brand 'cedar'.*did you mean 'cedar-ridge'"):
        build_publication(load_project(PROJECT), "knee-stem-cell", "trifold-letter",
                          brand="cedar")


# -- the second topic's examples ------------------------------------------------------------

@pytest.mark.parametrize("verdict", ["good", "evaluation-needed", "less-likely", "not-suitable"])
@pytest.mark.parametrize("language", ["", "-es"])
def test_each_prp_example_gives_the_verdict_its_name_says(verdict, language):
    record = read_yaml((PROJECT / f"content/prp-tennis-elbow/patients/{verdict}{language}"
                                       ".yaml").read_text())
    assert assess(record, project=load_project(PROJECT)).verdict == verdict.replace("-", "_")
