"""The project on disk: finds, loads and cross-checks every brand kit, layout and publication.

Every file is validated and every cross-reference checked before anything is rendered; all
problems from all files are reported together, each with its file, line and column. Each
publication says where its sections go in each layout it lists (``placement.yaml``: layouts are
shared geometry). A publication with summaries has three more files: ``record.yaml`` (its
record's fields, from which its record model is built: :attr:`Project.records`),
``candidacy.yaml`` (its rules, which may name only those fields and values they can hold) and
``summary.yaml``.

A loaded :class:`Project` owns what is built from it for summaries (kits, packets' brochures:
:meth:`Project.cached`), so two projects in one process never share them.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .art_bounds import Measure, outside
from .candidacy import check_rules
from .errors import Problem, SourceError
from .model import Brand, Layout, Publication
from .model.base import Strict, validate
from .model.brand import COLOUR_ROLES, NO_BOX
from .model.fields import CORE_GROUP, RecordSpec
from .model.layout import SummaryLayout
from .model.patient import field_annotation
from .model.placement import Placement
from .model.project import SETTINGS_FILE, ProjectSettings
from .model.record import RecordKind, RecordKinds
from .model.rules import Rules
from .model.summary import SummaryContent
from .render.images import confined, image_problem
from .source import Loc, Source, load
from .summary_checks import check_summary_fields

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Loaded(Generic[M]):
    """A validated model with the source it came from (for positions in later errors)."""

    model: M
    source: Source


@dataclass
class Project:
    """All inputs under one root folder (``content/`` and ``layouts/``)."""

    root: Path
    brands: dict[str, Loaded[Brand]] = field(default_factory=dict)
    layouts: dict[str, Loaded[Layout]] = field(default_factory=dict)
    summary_layouts: dict[str, Loaded[SummaryLayout]] = field(default_factory=dict)
    publications: dict[str, Loaded[Publication]] = field(default_factory=dict)
    translations: dict[str, Loaded[Publication]] = field(default_factory=dict)
    """Other-language editions, keyed '<publication>.<language>'
    (from content/<publication>/publication.<language>.yaml)."""
    rules: dict[str, Loaded[Rules]] = field(default_factory=dict)
    summaries: dict[str, Loaded[SummaryContent]] = field(default_factory=dict)
    placements: dict[str, Loaded[Placement]] = field(default_factory=dict)
    """Where each publication's sections go in each layout (content/<pub>/placement.yaml)."""
    banned: dict[str, list[str]] = field(default_factory=dict)
    """Phrases no output may contain, by language (content/claims.yaml)."""
    calls: dict[str, list[str]] = field(default_factory=dict)
    """Words that ask a reader to call, by language (content/claims.yaml): a block holding one
    shows the brand's phone number too."""
    settings: ProjectSettings = field(default_factory=ProjectSettings)
    """Project-wide settings (content/project.yaml; defaults when it is absent)."""
    record_specs: dict[str, Loaded[RecordSpec]] = field(default_factory=dict)
    """Each publication's declared record fields (content/<publication>/record.yaml)."""
    records: RecordKinds = field(default_factory=RecordKinds)
    """The kinds of patient record: one per publication with summaries, and the default."""
    settings_source: Source | None = field(default=None, repr=False)
    invalid: set[str] = field(default_factory=set, repr=False)
    """Names of files that exist but failed to load (not reported again as unknown names)."""
    _cache: dict[tuple, Any] = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key: tuple, build: Callable[[], Any]) -> Any:
        """What ``build`` makes, made once for this project (summary kits, a packet's
        brochure): the project owns it, and it goes when the project goes."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    def content_dir(self, publication: str) -> Path:
        return self.root / "content" / publication

    def editions(self, publication: str) -> dict[str, Loaded[Publication]]:
        """The publication in each language it exists in, its own language first."""
        primary = self.publications[publication]
        found = {primary.model.language: primary}
        for key, loaded in sorted(self.translations.items()):
            if key.split(".")[0] == publication:
                found.setdefault(loaded.model.language, loaded)
        return found

    def edition(self, publication: str, language: str) -> Loaded[Publication]:
        """The publication in ``language``, or in its own language when not translated."""
        editions = self.editions(publication)
        return editions.get(language) or self.publications[publication]

    def layout_for(self, publication: str, layout: str) -> Layout:
        """Layout ``layout`` holding ``publication``'s sections, as its placement says."""
        def placed() -> Layout:
            placement = self.placements.get(publication)
            panels = placement.model.panels(layout) if placement else {}
            return self.layouts[layout].model.placed(panels)
        found: Layout = self.cached(("placed", publication, layout), placed)
        return found

    def brand_name(self, publication: str, brand: str | None = None) -> str:
        """``brand`` when given, else the publication's default brand."""
        return brand or self.publications[publication].model.brand

    def kit(self, publication: str, brand: str | None = None) -> Brand:
        """The brand kit ``publication`` is drawn in (``brand``, else its default), with the
        publication's own colours beside the kit's."""
        kit = self.brands[self.brand_name(publication, brand)].model
        return kit.with_colours(self.publications[publication].model.colors)

    def require_brand(self, publication: str, brand: str | None) -> None:
        """Raise a :class:`SourceError` unless ``publication`` can be drawn in ``brand``: a
        known kit with every colour, drawing and box its content and rules name (each
        problem placed where the name is written)."""
        if brand is None or brand == self.publications[publication].model.brand:
            return
        if brand not in self.brands:
            hint = difflib.get_close_matches(brand, list(self.brands), n=1)
            tail = f"; did you mean '{hint[0]}'?" if hint else \
                f"; expected one of: {', '.join(self.brands)}"
            raise SourceError([Problem(f"--brand: unknown brand '{brand}'{tail}")])
        problems = [p for edition in self.editions(publication).values()
                    for p in _check_publication(self, edition, brand)]
        if publication in self.rules:
            problems += _check_rules_art(self, publication, self.rules[publication], brand)
        if problems:
            kit = self.brands[brand].source.path
            raise SourceError([replace(p, message=f"{p.message} (drawn in brand kit '{brand}', "
                                                  f"{kit})") for p in problems])


@lru_cache(maxsize=8)
def _project_at(root: str) -> Project:
    return load_project(root)


def default_project() -> Project:
    """The project in ``$BROCHURE_ROOT`` (default: the current folder), loaded once."""
    return _project_at(str(Path(os.environ.get("BROCHURE_ROOT", ".")).resolve()))


def load_project(root: Path | str = ".") -> Project:
    """Load and validate everything under ``root``; raise one :class:`SourceError` listing every
    problem found."""
    root = Path(root)
    project, content = Project(root), root / "content"
    problems: list[Problem] = []
    layouts: dict[str, Loaded[Layout | SummaryLayout]] = {}
    for failed in (
            _collect(content / "brands", "*.yaml", _only(Brand), project.brands, problems),
            _collect(root / "layouts", "*.yaml", _layout_kind, layouts, problems),
            _collect(content, "*/publication.yaml", _only(Publication), project.publications,
                     problems),
            _collect(content, "*/publication.*.yaml", _only(Publication), project.translations,
                     problems),
            _collect(content, "*/candidacy.yaml", _only(Rules), project.rules, problems),
            _collect(content, "*/summary.yaml", _only(SummaryContent), project.summaries,
                     problems),
            _collect(content, "*/record.yaml", _only(RecordSpec), project.record_specs,
                     problems),
            _collect(content, "*/placement.yaml", _only(Placement), project.placements,
                     problems)):
        project.invalid |= failed
    problems += _check_block_declarations()
    problems += _check_layout_names(layouts)
    _separate_layouts(project, layouts)
    problems += _load_banned(project)
    problems += _load_settings(project)
    if not project.publications and not problems:
        problems.append(Problem("no publication found (expected content/<name>/publication.yaml)",
                                root / "content"))
    for loaded in layouts.values():
        problems += _check_layout_roles(loaded)
    for brand in project.brands.values():
        problems += _check_brand(brand)
        problems += _check_brand_layouts(brand, layouts)
    for publication in project.publications.values():
        problems += _check_publication(project, publication)
    for key, translation in project.translations.items():
        problems += _check_translation(project, key, translation)
    for name, placement in project.placements.items():
        problems += _check_placement_file(project, name, placement)
    problems += _build_records(project)
    for name, rules in project.rules.items():
        problems += check_rules(rules.model, rules.source, project.records.kinds.get(name))
        problems += _check_rules_art(project, name, rules)
    for name, summary in project.summaries.items():
        problems += _check_summary(project, name, summary)
    if problems:
        raise SourceError(problems)
    return project


SUMMARY_FILES = ("record.yaml", "candidacy.yaml", "summary.yaml")
"""The files a publication with summaries has, beside its publication.yaml."""


def _build_records(project: Project) -> list[Problem]:
    """The kind of record of each publication with summaries (its three files loaded), and
    the default publication; problems with the declarations and with the default."""
    problems: list[Problem] = []
    kinds: dict[str, RecordKind] = {}
    for name in sorted({*project.record_specs, *project.rules, *project.summaries}):
        if name in project.invalid:
            continue
        problems += _summary_files(project, name)
        spec, rules = project.record_specs.get(name), project.rules.get(name)
        if spec is None or rules is None or name not in project.summaries:
            continue
        found = _check_spec(spec)
        problems += found
        if not found:
            kinds[name] = RecordKind(name, spec.model, rules.model.ids)
    project.records = RecordKinds(kinds, _default_publication(project, kinds, problems))
    return problems


def _summary_files(project: Project, name: str) -> list[Problem]:
    """A publication with one of the summary files has all three (and a publication.yaml)."""
    held: dict[str, dict[str, Loaded[Any]]] = {
        "record.yaml": project.record_specs, "candidacy.yaml": project.rules,
        "summary.yaml": project.summaries}
    there = next(loaded for files in held.values() if (loaded := files.get(name)))
    missing = [file for file, files in held.items() if name not in files]
    if not missing:
        return []
    return [there.source.problem((), f"a publication's summaries need {', '.join(SUMMARY_FILES)}"
                                     f" together: {', '.join(missing)} missing from "
                                     f"content/{name}/")]


def _check_spec(loaded: Loaded[RecordSpec]) -> list[Problem]:
    """Each field's group is declared (or the core's), and its example is a value it holds."""
    spec, source = loaded.model, loaded.source
    groups = [CORE_GROUP, *(g.key for g in spec.groups)]
    problems = [_unknown(source, ("fields", i, "group"), "group", f.group, groups)
                for i, f in enumerate(spec.fields) if f.group not in groups]
    for i, declared in enumerate(spec.fields):
        if declared.example is None:
            continue
        try:
            TypeAdapter(field_annotation(declared)).validate_python(declared.example)
        except ValidationError as exc:
            message = exc.errors()[0]["msg"].removeprefix("Value error, ")
            problems.append(source.problem(("fields", i, "example"),
                                           f"not a value of this field: {message}"))
    return problems


def _default_publication(project: Project, kinds: dict[str, RecordKind],
                         problems: list[Problem]) -> str | None:
    """The publication records naming none are read for: the settings' (which must have
    summaries), else the only one with summaries."""
    chosen = project.settings.default_publication
    if chosen is None:
        return next(iter(kinds)) if len(kinds) == 1 else None
    if chosen not in kinds and chosen not in project.invalid and project.settings_source:
        problems.append(project.settings_source.problem(
            ("default_publication",), f"'{chosen}' is not a publication with summaries "
            f"({', '.join(SUMMARY_FILES)}); expected one of: {', '.join(kinds) or 'none'}"))
    return chosen


def _collect(folder: Path, pattern: str, kind: Callable[[Source], type[M]],
             into: dict[str, Loaded[M]], problems: list[Problem]) -> set[str]:
    """Load every matching file into ``into`` as the model ``kind`` names for it; return the
    names of those that failed."""
    failed = set()
    for path in sorted(folder.glob(pattern)):
        key = _key(path, folder)
        try:
            source = load(_relative(path))
            into[key] = Loaded(validate(source, kind(source)), source)
        except SourceError as exc:
            problems += _first(exc.problems)
            failed.add(key)
    return failed


MAX_PROBLEMS_PER_FILE = 25


def _first(problems: list[Problem]) -> list[Problem]:
    """A file's first problems, and how many more there are: a file of a hundred thousand bad
    keys is not worth a hundred thousand lines."""
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    last = problems[MAX_PROBLEMS_PER_FILE - 1]
    more = len(problems) - MAX_PROBLEMS_PER_FILE
    return [*problems[:MAX_PROBLEMS_PER_FILE],
            Problem(f"{more:,} more problems in this file are not shown", last.path)]


class BannedPhrases(Strict):
    """content/claims.yaml: phrases no output may contain, and the words that ask a reader to
    call (a block with one shows the phone number), by language."""

    banned: dict[str, list[str]]
    calls: dict[str, list[str]] = {}  # noqa: RUF012 - pydantic copies defaults


def _load_banned(project: Project) -> list[Problem]:
    path = project.root / "content" / "claims.yaml"
    if not path.exists():
        return []
    try:
        claims = validate(load(_relative(path)), BannedPhrases)
    except SourceError as exc:
        return exc.problems
    project.banned, project.calls = claims.banned, claims.calls
    return []


def _load_settings(project: Project) -> list[Problem]:
    path = project.root / SETTINGS_FILE
    if not path.exists():
        return []
    try:
        source = load(_relative(path))
        project.settings = validate(source, ProjectSettings) if source.data is not None else \
            ProjectSettings()
        project.settings_source = source
    except SourceError as exc:
        return exc.problems
    return []


def _key(path: Path, folder: Path) -> str:
    """brands/x.yaml and layouts/x.yaml → 'x'; content/p/<file>.yaml → 'p', and
    content/p/publication.es.yaml → 'p.es'."""
    if folder.name in ("brands", "layouts"):
        return path.stem
    language = path.name.removeprefix("publication").removesuffix(".yaml")
    return path.parent.name + (language if path.name.startswith("publication.") else "")


def _only(model: type[M]) -> Callable[[Source], type[M]]:
    """Every file of a folder is read as ``model``."""
    return lambda _source: model


def _layout_kind(source: Source) -> type[Layout | SummaryLayout]:
    """Layouts are tri-folds unless they say ``kind: summary``."""
    data = source.data if isinstance(source.data, dict) else {}
    return SummaryLayout if data.get("kind") == "summary" else Layout


def _check_block_declarations() -> list[Problem]:
    """Every block type a publication may hold declares, beside its builder, what it draws
    (:class:`brochure.render.blocks.Draws`): the contrast check reads nothing else."""
    from .render import blocks, summary_blocks

    kinds = [*blocks.BUILDERS, *summary_blocks.SUMMARY_BUILDERS]
    return [Problem(f"block type '{kind}' declares no colours it draws with: register its "
                    f"builder with Draws(...) beside it", blocks.__file__)
            for kind in blocks.undeclared(kinds)]


def _check_layout_names(layouts: dict[str, Loaded[Layout | SummaryLayout]]) -> list[Problem]:
    """A layout's ``name`` is what its PDFs declare and preflight looks it up by; its file name
    is what publications list. The two must agree, so that no two layouts (of either kind)
    share a name."""
    problems = []
    for key, loaded in layouts.items():
        name, source = loaded.model.name, loaded.source
        if name == key:
            continue
        owner = layouts.get(name)
        message = (f"layout name '{name}' is already the name of {owner.source.path}; give "
                   f"each layout its own name" if owner else
                   f"layout name '{name}' differs from its file name '{source.path.name}'")
        problems.append(source.problem(("name",), f"{message}, the same as its file name "
                                                  f"(name: {key})"))
    return problems


def _separate_layouts(project: Project,
                      layouts: dict[str, Loaded[Layout | SummaryLayout]]) -> None:
    """Tri-fold layouts into ``project.layouts``, summary layouts into ``summary_layouts``."""
    for name, loaded in layouts.items():
        if isinstance(loaded.model, SummaryLayout):
            project.summary_layouts[name] = Loaded(loaded.model, loaded.source)
        else:
            project.layouts[name] = Loaded(loaded.model, loaded.source)


def _relative(path: Path) -> Path:
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _unknown(source: Source, loc: Loc, what: str, name: str, known: list[str]) -> Problem:
    hint = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    tail = f"; did you mean '{hint[0]}'?" if hint else f"; expected one of: {', '.join(known)}"
    return source.problem(loc, f"unknown {what} '{name}'{tail}")


def _check_brand(loaded: Loaded[Brand]) -> list[Problem]:
    brand, source = loaded.model, loaded.source
    declared = brand.boxes if "boxes" in brand.model_fields_set else {}
    missing = _check_fonts(loaded)
    bounds = [] if missing else _check_art_bounds(source, brand.art, brand)  # (measured in them)
    return missing + _check_art_colours(source, brand.art, brand) + bounds + [
        _unknown(source, ("boxes", name), "colour", colour, list(brand.colors))
        for name, box in declared.items() for colour in box.colours()
        if colour not in brand.colors]


def _check_fonts(loaded: Loaded[Brand]) -> list[Problem]:
    """Every face of the brand's font families is installed (looked up in the installed
    fontpkg packages, not read: a kit's fonts are read when it first draws); the first
    missing face of each family is told where the family is named."""
    from .render.fonts import missing_faces

    return [loaded.source.problem(where, message, key=where == ("fonts",))  # (at `fonts:`)
            for where, message in missing_faces(loaded.model.fonts)]


def _check_art_bounds(source: Source, art: dict, brand: Brand) -> list[Problem]:
    """Every shape and label of a drawing stays inside its view box (labels measured in the
    brand's body font): an error at the shape."""
    measure = _measure(brand)
    return [source.problem(("art", key, "shapes", index), f"drawing '{key}': {what}: keep "
                           "every shape and label inside the box (move it, or make the box "
                           "larger)")
            for key, drawing in art.items()
            for index, what in outside(drawing, measure)]


def _measure(brand: Brand) -> Measure:
    """Text widths in the brand's body font (registered when first needed)."""
    @cache
    def faces() -> tuple[str, str]:
        from .render.fonts import measuring_faces

        return measuring_faces(brand.fonts.body)

    def width(text: str, bold: bool, size: float) -> float:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        return float(stringWidth(text, faces()[bold], size))
    return width


def _check_art_colours(source: Source, art: dict, brand: Brand) -> list[Problem]:
    """Every colour a drawing names must be one of the brand's."""
    return [_unknown(source, ("art", key, "shapes", i), "colour", name, list(brand.colors))
            for key, drawing in art.items()
            for i, shape in enumerate(drawing.shapes)
            for name in shape.colours() if name not in brand.colors]


def _check_publication(project: Project, loaded: Loaded[Publication],
                       brand_name: str | None = None) -> list[Problem]:
    """A publication (or a translation) against its layouts and the brand it is drawn in
    (``brand_name``, else its own default brand, whose roster must hold its physician)."""
    pub, source = loaded.model, loaded.source
    brand = project.brands.get(brand_name or pub.brand)
    if brand is None:
        if pub.brand in project.invalid:
            return []
        return [_unknown(source, ("brand",), "brand", pub.brand, list(project.brands))]
    original = project.publications.get(pub.id)
    colours = original.model.colors if original and original.model.id == pub.id else pub.colors
    kit = brand.model.with_colours(colours)
    problems = _check_blocks(pub, kit, source)
    if brand_name is not None:
        return problems
    problems += _check_colour_names(pub, source)
    problems += _check_art_bounds(source, pub.art, kit)
    problems += _check_images(pub, source, project.content_dir(pub.id))
    for i, name in enumerate(pub.layouts):
        layout = project.layouts.get(name)
        if layout is None and name not in project.invalid:
            problems.append(_unknown(source, ("layouts", i), "layout", name, list(project.layouts)))
        elif layout is not None and project.publications.get(pub.id) is loaded:
            problems += _check_placement(project, pub, source, i, name)
    if pub.physician and pub.physician not in [p.key for p in brand.model.physicians]:
        problems.append(_unknown(source, ("physician",), "physician", pub.physician,
                                 [p.key for p in brand.model.physicians]))
    return problems


def _check_colour_names(pub: Publication, source: Source) -> list[Problem]:
    """A publication's own colours are for its drawings: none takes a brand role's name."""
    return [source.problem(("colors", name), f"'{name}' is a brand's colour role "
                           f"({COLOUR_ROLES[name].use}); a publication's own colour takes "
                           "another name", key=True)
            for name in pub.colors if name in COLOUR_ROLES]


def _check_blocks(pub: Publication, brand: Brand, source: Source) -> list[Problem]:
    """Every name a block writes (art, box style, physician, statement) is known, and every
    colour its drawings use is the brand's or the publication's."""
    problems: list[Problem] = []
    art = list(pub.art) + list(brand.art)
    roster = [p.key for p in brand.physicians]
    for section, blocks in pub.sections.items():
        for i, block in enumerate(blocks):
            loc = ("sections", section, i)
            problems += _check_refs(source, loc, block, pub)
            if block.type == "figure" and block.art not in art:
                problems.append(_unknown(source, (*loc, "art"), "art", block.art, art))
            box = getattr(block, "box", NO_BOX)
            if box != NO_BOX and box not in brand.boxes:
                problems.append(_unknown(source, (*loc, "box"), "box style", box,
                                         [*brand.boxes, NO_BOX]))
            if block.type == "physician" and block.key and block.key not in roster:
                problems.append(_unknown(source, (*loc, "key"), "physician", block.key, roster))
            if block.type == "colophon" and pub.standards is None:
                problems.append(source.problem(loc, "a colophon block shows the publication's "
                                               "standards, but it has none: add standards: "
                                               "(sources, dates, formats, disclosure)"))
    return problems + _check_art_colours(source, pub.art, brand)


def _check_placement(project: Project, pub: Publication, source: Source, index: int,
                     layout: str) -> list[Problem]:
    """A layout the publication lists has a placement of its sections."""
    placement = project.placements.get(pub.id)
    if (placement is not None and layout in placement.model.layouts) or \
            pub.id in project.invalid:
        return []
    where = f"content/{pub.id}/placement.yaml" + ("" if placement else " (not found)")
    return [source.problem(("layouts", index), f"layout '{layout}' has no placement: say "
                           f"which section goes in which of its panels in {where}, under "
                           f"layouts: {layout}:")]


def _check_placement_file(project: Project, name: str,
                          loaded: Loaded[Placement]) -> list[Problem]:
    """A placement names layouts, their panels and the publication's sections (each problem
    placed in this, the publication's own file); every page of a booklet holds something."""
    pub, source = project.publications.get(name), loaded.source
    if pub is None:
        return [] if name in project.invalid else [
            source.problem((), f"no publication.yaml beside this placement (content/{name}/)")]
    sections, problems = list(pub.model.sections), []
    for layout_name, panels in loaded.model.layouts.items():
        layout = project.layouts.get(layout_name)
        if isinstance(panels, str) and not isinstance(loaded.model.layouts.get(panels), dict):
            problems.append(_unknown(source, ("layouts", layout_name), "placement to share "
                                     "(a layout placed here panel by panel)", panels,
                                     [k for k, v in loaded.model.layouts.items()
                                      if isinstance(v, dict)]))
        elif layout is not None:
            problems += _check_panels(source, layout_name, layout.model,
                                      loaded.model.held(layout_name), sections)
        elif layout_name not in project.invalid:
            problems.append(_unknown(source, ("layouts", layout_name), "layout", layout_name,
                                     list(project.layouts)))
    problems += [_unknown(source, ("unplaced", i), "section (of this publication)", section,
                          sections)
                 for i, section in enumerate(loaded.model.unplaced) if section not in sections]
    return problems


def _check_panels(source: Source, layout_name: str, layout: Layout, panels: dict,
                  sections: list[str]) -> list[Problem]:
    """One layout's placement: each panel one of the layout's, each section one of the
    publication's; a booklet's every page holds something."""
    names = [p.name for p in layout.panels()]
    problems = []
    for panel, held in panels.items():
        at: Loc = ("layouts", layout_name, panel)
        if panel not in names:
            problems.append(_unknown(source, at, f"panel (of layout '{layout_name}')", panel,
                                     names))
            continue
        lists = [(at, held)] if isinstance(held, list) else \
            [((*at, key), getattr(held, key)) for key in ("sections", "foot")]
        problems += [_unknown(source, (*where, i), "section (of this publication)", section,
                              sections)
                     for where, items in lists for i, section in enumerate(items)
                     if section not in sections]
    if layout.kind == "booklet":
        problems += [source.problem(("layouts", layout_name), f"page '{name}' of booklet "
                                    f"'{layout_name}' holds nothing: place a section on it (a "
                                    "booklet's every page is designed)", key=True)
                     for name in names if not _holds(panels.get(name))]
    return problems


def _holds(held: Any) -> bool:
    """Whether a panel's placement puts anything in it."""
    if held is None:
        return False
    return bool(held) if isinstance(held, list) else bool(held.sections or held.foot)


PANEL_COLOURS = ("background", "text", "heading", "accent", "band")


def _layout_colours(layout: Layout | SummaryLayout) -> list[tuple[Loc, str]]:
    """(position, colour role) of every colour a layout names."""
    styles = ({"colors": layout.colors} if isinstance(layout, SummaryLayout) else
              {("panel_styles", n): style for n, style in layout.panel_styles.items()})
    found: list[tuple[Loc, str]] = []
    for where, style in styles.items():
        at = where if isinstance(where, tuple) else (where,)
        found += [((*at, attr), getattr(style, attr)) for attr in PANEL_COLOURS
                  if getattr(style, attr)]
    for name, text in layout.typography.items():
        found += [(("typography", name, attr), getattr(text, attr))
                  for attr in ("color", "background") if getattr(text, attr)]
    return found


def _check_layout_roles(loaded: Loaded[Layout | SummaryLayout]) -> list[Problem]:
    """A layout is shared by every brand: it names colours by role (COLOUR_ROLES) only."""
    return [_unknown(loaded.source, loc, "colour role", name, list(COLOUR_ROLES))
            for loc, name in _layout_colours(loaded.model) if name not in COLOUR_ROLES]


def _check_brand_layouts(brand: Loaded[Brand],
                         layouts: dict[str, Loaded[Layout | SummaryLayout]]) -> list[Problem]:
    """Every brand can draw every layout: it has the drawings the layouts' panel styles name
    and the box styles a summary layout names (placed in the brand's file)."""
    kit, problems = brand.model, []
    for name, loaded in layouts.items():
        layout = loaded.model
        if isinstance(layout, SummaryLayout):
            problems += [brand.source.problem(
                ("boxes",), f"box style '{box}' missing, which layout '{name}' "
                f"({loaded.source.path}) names for the summary's {role} box; add it to boxes",
                key=True) for role, box in layout.boxes.items() if box not in kit.boxes]
            continue
        problems += [brand.source.problem(("art",), f"drawing '{style.art}' missing, which "
                                          f"layout '{name}' ({loaded.source.path}) draws across "
                                          f"panel style '{key}'; add it to art", key=True)
                     for key, style in layout.panel_styles.items()
                     if style.art and style.art not in kit.art]
    return problems


def _brand_of(project: Project, publication: str) -> Brand | None:
    pub = project.publications.get(publication)
    brand = project.brands.get(pub.model.brand) if pub else None
    return brand.model if brand else None


def _check_rules_art(project: Project, publication: str, loaded: Loaded[Rules],
                     brand_name: str | None = None) -> list[Problem]:
    """Verdict colours and icons must be the brand's (``brand_name``, else the default)."""
    brand = (project.brands[brand_name].model if brand_name in project.brands
             else _brand_of(project, publication))
    if brand is None:
        return []
    problems = []
    for i, verdict in enumerate(loaded.model.verdicts):
        if verdict.tone not in brand.colors:
            problems.append(_unknown(loaded.source, ("verdicts", i, "tone"), "colour",
                                     verdict.tone, list(brand.colors)))
        if verdict.icon not in brand.art:
            problems.append(_unknown(loaded.source, ("verdicts", i, "icon"), "brand art",
                                     verdict.icon, list(brand.art)))
    return problems


def _check_summary(project: Project, publication: str,
                   loaded: Loaded[SummaryContent]) -> list[Problem]:
    """Included sections and statements must exist; English is required; the layout exists."""
    pub = project.publications.get(publication)
    source, problems = loaded.source, []
    if pub is None:
        if publication in project.invalid:
            return []
        return [source.problem((), f"no publication.yaml beside this summary "
                                   f"(content/{publication}/)")]
    if "en" not in loaded.model.languages:
        problems.append(source.problem(("languages",), "the English text ('en') is required"))
    kind, rules = project.records.kinds.get(publication), project.rules.get(publication)
    for language, text in loaded.model.languages.items():
        edition = project.edition(publication, language)  # what this language's summary uses
        for loc, block in _summary_blocks(text.blocks, ("languages", language, "blocks")):
            problems += _check_summary_block(source, loc, block, edition)
            if kind and rules:  # against the record's fields and the rules' verdicts
                problems += check_summary_fields(source, loc, block, kind, rules.model)
    brand = project.brands.get(pub.model.brand)
    if brand and brand.model.summary_layout not in project.summary_layouts and \
            brand.model.summary_layout not in project.invalid:
        problems.append(_unknown(brand.source, ("summary_layout",), "summary layout",
                                 brand.model.summary_layout, list(project.summary_layouts)))
    return problems


def _check_summary_block(source: Source, loc: Loc, block,
                         edition: Loaded[Publication]) -> list[Problem]:
    """A summary block against the edition its language's summary draws on: included sections
    exist there and hold no image, statements exist there."""
    pub, problems = edition.model, []
    if block.type == "include" and block.section not in pub.sections:
        problems.append(_unknown(source, (*loc, "section"), "section", block.section,
                                 list(pub.sections)))
    elif block.type == "include" and _includes_images(block, pub):
        problems.append(source.problem((*loc, "section"), f"section '{block.section}' holds an "
                                       f"image in {edition.source.path}, which a summary does "
                                       "not show; leave it out with `only:` (the block types "
                                       "to include)"))
    return problems + _check_refs(source, loc, block, pub)


def _summary_blocks(blocks: list, loc: Loc):
    """(position, block) of every block of a summary text, those in columns and in both forms
    of a reducible block included."""
    for i, block in enumerate(blocks):
        yield (*loc, i), block
        if block.type == "columns":
            for c, column in enumerate(block.columns):
                yield from _summary_blocks(column, (*loc, i, "columns", c))
        if block.type == "reducible":  # both forms, the shorter one too
            yield from _summary_blocks(block.full, (*loc, i, "full"))
            yield from _summary_blocks(block.reduced, (*loc, i, "reduced"))


def _includes_images(block, pub: Publication) -> bool:
    return any(b.type == "image" and (block.only is None or "image" in block.only)
               for b in pub.sections[block.section])


def _check_refs(source: Source, loc: Loc, block, pub: Publication) -> list[Problem]:
    """A statement block must name statements the publication has."""
    return [_unknown(source, (*loc, *key), "statement", ref, list(pub.statements))
            for key, ref in _statement_refs(block) if ref not in pub.statements]


def _statement_refs(block: Any) -> list[tuple[Loc, str]]:
    """The statements a block names, each with its place in the block."""
    if block.type == "statement":
        return [(("ref",), block.ref)]
    if block.type == "statements":
        return [(("refs", i), ref) for i, ref in enumerate(block.refs)]
    return []


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


def _check_images(pub: Publication, source: Source, folder: Path) -> list[Problem]:
    """Image paths must name a JPEG or PNG file inside the publication's folder."""
    problems = []
    for section, blocks in pub.sections.items():
        for i, block in enumerate(blocks):
            if block.type != "image":
                continue
            loc = ("sections", section, i, "path")
            problem = _image_problem(block.path, folder)
            if problem:
                problems.append(source.problem(loc, problem))
    return problems


def _image_problem(relative: str, folder: Path) -> str | None:
    try:
        path = confined(folder, relative)
    except ValueError:
        return f"image '{relative}' is outside the publication folder {folder}; expected a " \
               "path inside it"
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return f"image '{relative}' is not a JPEG or PNG file"
    if not path.exists():
        return f"image '{relative}' not found in {folder}"
    problem = image_problem(path)
    return f"image '{relative}' {problem}" if problem else None


def _check_translation(project: Project, key: str, loaded: Loaded[Publication]) -> list[Problem]:
    """An edition must be of a known publication, in the language its file name says, and
    hold the same sections and statements as the original (checked like the original)."""
    folder, language = key.split(".", 1)
    pub, source = loaded.model, loaded.source
    original = project.publications.get(folder)
    if original is None:
        return [] if folder in project.invalid else [
            source.problem((), f"no publication.yaml beside this translation (content/{folder}/)")]
    problems = []
    if pub.language != language:
        problems.append(source.problem(("language",), f"language is '{pub.language}' but the "
                                       f"file name says '{language}'"))
    if pub.id != original.model.id:
        problems.append(source.problem(("id",), f"id '{pub.id}' differs from the original's "
                                       f"'{original.model.id}'"))
    if original.model.standards is not None and pub.standards is None:
        problems.append(source.problem((), "standards missing from this translation (sources, "
                                       "dates, formats, disclosure, as in the original)"))
    for what in ("sections", "statements"):
        missing = set(getattr(original.model, what)) - set(getattr(pub, what))
        if missing:
            problems.append(source.problem((what,), f"{what} missing from this translation: "
                                           f"{', '.join(sorted(missing))}"))
    return problems + _check_publication(project, loaded)
