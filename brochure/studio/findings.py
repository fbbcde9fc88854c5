"""``brochure check``'s findings for the one document the studio shows, pinned on its pages.

The same checks as ``brochure check``, limited to what concerns this document: its edition's
content (review date, reading grade per section, characters no font has), its layout (body
size, contrast, stranded openings), its brand's labels, the honest claims and standards in the
rendered pages, and the type sizes, balance and accessibility of the rendered file. A finding
in the publication's file is pinned on the block it is written in (the last block that starts
at or before its line); a finding about a page is pinned on the panel it names.

A summary's findings are those ``brochure check`` makes of a summary layout (body size and
contrast with its brand kit), what its render warns the physician of (placed in the preview
record) and the accessibility of the rendered file. No check reads a summary's wording (its
reading grade, its claims): none is listed for it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..project import Project
from .documents import DocKey, DocView, Shown, shown
from .paths import relative


def findings(project: Project, root: Path, key: DocKey, view: DocView) -> list[Shown]:
    """Every finding and warning about the document, numbered, pinned where they can be."""
    if view.summary:
        return _summary_findings(project, root, key, view)
    files = _files(project, root, key)
    problems = [p for p in _content(project, key) if p.path is None or
                relative(root, p.path) in files]
    problems += _rendered(project, key, view.pdf)
    listed = [_pinned(shown(root, p, n), view) for n, p in enumerate(problems, 1)]
    return listed + [_page_finding(f, len(listed) + n, view)
                     for n, f in enumerate(_in_file(project, key, view.pdf), 1)]


def _summary_findings(project: Project, root: Path, key: DocKey, view: DocView) -> list[Shown]:
    """A summary's findings: its layout's body size and contrast, its render's warnings, and
    the accessibility of its file."""
    from ..accessibility import accessibility
    from ..checks import contrast_findings, size_findings

    layout, brand = project.summary_layouts[key.layout], project.brands[key.brand]
    problems = [*size_findings(layout), *contrast_findings([layout], brand, project),
                *view.warnings]
    listed = [shown(root, p, n) for n, p in enumerate(problems, 1)]
    with tempfile.TemporaryDirectory(prefix="studio-") as folder:
        path = Path(folder) / f"{key.publication}-summary-{key.language}.pdf"
        path.write_bytes(view.pdf)
        found = accessibility(path)
    return listed + [_page_finding(f, len(listed) + n, view) for n, f in enumerate(found, 1)]


def _files(project: Project, root: Path, key: DocKey) -> set[str]:
    """The files this document is made from (findings elsewhere concern other documents)."""
    edition = project.edition(key.publication, key.language)
    return {relative(root, edition.source.path),
            relative(root, project.layouts[key.layout].source.path),
            relative(root, project.brands[key.brand].source.path)}


def _content(project: Project, key: DocKey) -> list[Problem]:
    from ..checks import (
        contrast_findings,
        glyph_findings,
        label_findings,
        readability_findings,
        review_findings,
        size_findings,
    )
    from ..layout_checks import stranded_findings

    edition = project.edition(key.publication, key.language)
    brand, layout = project.brands[key.brand], project.layouts[key.layout]
    return [*review_findings(edition), *readability_findings(edition, project),
            *glyph_findings(edition, project), *size_findings(layout),
            *stranded_findings(project), *contrast_findings([layout], brand, project),
            *label_findings(brand, brand.model), *label_findings(edition, brand.model)]


def _rendered(project: Project, key: DocKey, pdf: bytes) -> list[Problem]:
    """Honest claims and standards in the rendered pages."""
    from ..checks import claims_findings, standards_findings
    from ..pages import page_texts

    edition = project.edition(key.publication, key.language)
    pages = page_texts(pdf)
    return [*claims_findings(edition, project, key.layout, pages),
            *standards_findings(edition, project, key.layout, pages)]


def _in_file(project: Project, key: DocKey, pdf: bytes) -> list[Any]:
    """Type size, balance and accessibility of the rendered file (measured as ``brochure
    check`` measures a built file, from a copy in a folder of its own)."""
    from ..accessibility import accessibility
    from ..layout_checks import file_findings
    from ..output import publication_path

    with tempfile.TemporaryDirectory(prefix="studio-") as folder:
        path = publication_path(Path(folder), key.publication, key.layout, key.language)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        return [*file_findings(path, project), *accessibility(path)]


def _pinned(shown: Shown, view: DocView) -> Shown:
    """The finding pinned on the block of its line (the last that starts at or before it)."""
    rendered = view.rendered
    if rendered is None or shown.line is None:
        return shown
    before = [b for b in rendered.blocks if b.source is not None and
              b.source.path.endswith(shown.path or "\0") and b.source.line <= shown.line]
    if not before:
        return shown
    block = max(before, key=lambda b: (b.source.line if b.source else 0))
    page = rendered.pages[block.page]
    top = page.height - block.box.y - block.box.height
    return Shown(shown.text, shown.level, shown.path, shown.line, shown.column, shown.excerpt,
                 block.page, (block.box.x + block.box.width, top), shown.number,
                 (block.box.x, top, block.box.width, block.box.height))


def _page_finding(finding: Any, number: int, view: DocView) -> Shown:
    """A finding about the rendered file, pinned on the panel it names (else its page)."""
    text = str(finding).split(": ", 1)[-1]  # without the name of its temporary copy
    page = finding.page - 1 if finding.page else None
    at = None
    if page is not None and view.rendered is not None and page < len(view.rendered.pages):
        shown_page = view.rendered.pages[page]
        for area in shown_page.panels:
            if f"'{area.name}'" in text:
                at = (area.frame.x + area.frame.width,
                      shown_page.height - area.frame.y - area.frame.height)
        at = at or (shown_page.width / 2, 0.0)
    return Shown(text, "finding", None, None, None, None, page, at, number)
