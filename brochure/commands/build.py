"""``brochure build``: render publications in their layouts into the output folder."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from ..build import build_publication
from ..errors import BrochureError, Problem
from ..kinds import PNG_PAGES, PRINT, SCREEN, OutputKind
from ..output import publication_path, write_atomic
from ..project import Project, load_project


def run_build(root: Path, publications: tuple[str, ...], layouts: tuple[str, ...],
              out: Path, print_only: bool = False, languages: tuple[str, ...] = (),
              png_dpi: int | None = None, brand: str | None = None) -> None:
    """Write each publication's files (in brand kit ``brand`` when given, else each one's
    own; another brand's files go in a folder of its name); with ``png_dpi``, also its
    pages as PNG images (from the screen file) beside them."""
    project = load_project(root)
    names = list(publications) or sorted(project.publications)
    _require_known(names, list(project.publications), "publication")
    _require_brochure_layouts(project, layouts)
    _require_listed(project, names, layouts, named=bool(publications))
    for name in names:
        project.require_brand(name, brand)
    for name in names:
        other = brand if brand and brand != project.publications[name].model.brand else None
        editions = project.editions(name)
        _require_known(list(languages), list(editions), f"language of '{name}'")
        for language, edition in editions.items():
            if languages and language not in languages:
                continue
            for layout in [lay for lay in edition.model.layouts if not layouts or lay in layouts]:
                built: dict[OutputKind, bytes] = {}
                for kind in (PRINT,) if print_only else (SCREEN, PRINT):
                    path = publication_path(out, name, layout, language, kind, other)
                    built[kind] = build_publication(project, name, layout, kind, language,
                                                    other)
                    write_atomic(path, built[kind])
                    click.echo(f"wrote {path}")
                if png_dpi:
                    _write_pages(project, built, (name, layout, language, other), out,
                                 png_dpi)


def _write_pages(project: Project, built: dict[OutputKind, bytes],
                 what: tuple[str, str, str, str | None], out: Path, dpi: int) -> None:
    """The pages of the file PNG pages are drawn from (the screen file) as
    ``<layout>[-<lang>]-p<N>.png`` beside it."""
    from ..pages import page_images, png_path

    name, layout, language, brand = what
    source = PNG_PAGES.made_from()
    pdf = built.get(source) or build_publication(project, name, layout, source, language,
                                                 brand)
    path = publication_path(out, name, layout, language, source, brand)
    for number, png in enumerate(page_images(pdf, dpi), 1):
        write_atomic(png_path(path, number), png)
        click.echo(f"wrote {png_path(path, number)}")


def _require_known(names: list[str], known: list[str], what: str) -> None:
    problems = []
    for name in names:
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            tail = f"; did you mean '{hint[0]}'?" if hint else f"; known: {', '.join(known)}"
            problems.append(Problem(f"unknown {what} '{name}'{tail}"))
    if problems:
        raise BrochureError(problems)


def _require_brochure_layouts(project: Project, layouts: tuple[str, ...]) -> None:
    summaries = [name for name in layouts if name in project.summary_layouts]
    if summaries:
        raise BrochureError([Problem(f"'{name}' is a summary layout (`brochure summary` uses "
                                     f"it); build takes: {', '.join(project.layouts)}")
                             for name in summaries])
    _require_known(list(layouts), list(project.layouts), "layout")


def _require_listed(project: Project, names: list[str], layouts: tuple[str, ...],
                    named: bool) -> None:
    """Every ``--layout`` must be one the publications list (each publication named on the
    command line, or at least one when none is named): otherwise nothing would be written."""
    problems = []
    for layout in layouts:
        lacking = [n for n in names if not any(layout in edition.model.layouts for edition
                                               in project.editions(n).values())]
        if lacking and (named or len(lacking) == len(names)):
            problems += [_not_listed(project, name, layout) for name in lacking]
    if problems:
        raise BrochureError(problems)


def _not_listed(project: Project, name: str, layout: str) -> Problem:
    loaded = project.publications[name]
    listed = ", ".join(loaded.model.layouts)
    return loaded.source.problem(("layouts",), f"publication '{name}' does not list layout "
                                 f"'{layout}' (it lists: {listed}); add it to the publication's "
                                 "layouts to build it in that layout")
