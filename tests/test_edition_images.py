"""``brochure check`` reads each language's summary against that language's edition: an image
the Spanish edition adds to a section the Spanish summary includes is a positioned finding of
check, not an internal error in every Spanish summary (issue 19, bug 2)."""

from __future__ import annotations

import shutil

from .conftest import PROJECT, edit_once, run_cli

ES = "content/knee-stem-cell/publication.es.yaml"


def test_an_image_in_an_editions_section_a_summary_includes_is_a_finding_of_check(project):
    shutil.copy(PROJECT / "content/knee-stem-cell/images/harbor-water.jpg",
                project / "content/knee-stem-cell/images/rodilla.jpg")
    edit_once(project, ES, "    - type: heading\n      text: Riesgos y costos\n",
              "    - type: heading\n      text: Riesgos y costos\n"
              "    - {type: image, path: images/rodilla.jpg, alt: Una rodilla, width: 0.1}\n")
    summary = "content/knee-stem-cell/summary.yaml"
    text = (project / summary).read_text()
    es_start = text.index("\n  es:")
    es_only = text.index("only: [heading, bullets]", es_start)
    (project / summary).write_text(text[:es_only] + "only: [heading, bullets, image]" +
                                   text[es_only + len("only: [heading, bullets]"):])
    result = run_cli("check", "--root", str(project), cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"section 'risks' holds an image in {ES}" in result.stderr
    assert f"{summary}:" in result.stderr and "Traceback" not in result.stderr
