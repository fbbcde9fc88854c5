"""Content templates: Jinja2 in a sandbox, strict about unknown names, compiled once.

Only content authors' text (summary.yaml) is compiled as a template; a patient's own strings
are never compiled, only inserted as values (see :func:`brochure.text.shield`).
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .text import shield

ENVIRONMENT = ImmutableSandboxedEnvironment(undefined=StrictUndefined, finalize=shield,
                                            autoescape=False, keep_trailing_newline=False)


def compiled(source: str):
    """The template and the names it reads (compiled when first rendered: checking a
    template reads its names alone)."""
    return _template(source), names_read(source)


def names_read(source: str) -> tuple[str, ...]:
    """The names a template reads (a TemplateSyntaxError if it does not compile)."""
    return _parsed(source)[0]


def needed(source: str) -> frozenset[str]:
    """The names a template needs a value of: those it reads, but for names it tests itself,
    with ``is none`` / ``is not none`` or as the condition of an ``if`` (where a missing value
    prints nothing false), which are the template's to handle."""
    return _parsed(source)[1]


@lru_cache(maxsize=2048)
def _parsed(source: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The names a template reads and the names it needs, from one parse. Reading the names
    finds an unknown filter or test, as compiling would: a template that passes compiles."""
    tree = ENVIRONMENT.parse(source)
    try:
        read = tuple(sorted(meta.find_undeclared_variables(tree)))
    except TemplateSyntaxError:
        ENVIRONMENT.handle_exception(source=source)  # Jinja's own error, told as it tells it
    tested = {test.node.name for test in tree.find_all(nodes.Test)
              if test.name == "none" and isinstance(test.node, nodes.Name)}
    branches: list[nodes.If | nodes.CondExpr] = [*tree.find_all(nodes.If),
                                                 *tree.find_all(nodes.CondExpr)]
    for branch in branches:
        condition = branch.test.node if isinstance(branch.test, nodes.Not) else branch.test
        if isinstance(condition, nodes.Name):
            tested.add(condition.name)
    return read, frozenset(read) - tested


@lru_cache(maxsize=2048)
def _template(source: str) -> Template:
    """The template compiled, once its names are read (see :func:`_parsed`)."""
    _parsed(source)
    return ENVIRONMENT.from_string(source)


_RENDERED: dict[tuple, tuple[str, list]] = {}
_RENDERED_LIMIT = 20000
PERSONAL = frozenset({"id", "name", "date_of_birth", "notes", "override_reason"})
"""Record fields whose renderings are never kept (nothing identifying lingers in memory)."""


def fill(source: str, context: dict) -> str:
    """``source`` rendered with ``context`` as plain text, for :func:`brochure.text.inline`.
    Results are remembered by the values the template reads (grades, pain, month counts
    repeat across patients), when those values are plain enough to compare."""
    if "{" not in source:
        return source
    template, names = compiled(source)
    key, held = _key(source, names, context)
    if key is None:
        return template.render(context)
    if key not in _RENDERED:
        if len(_RENDERED) >= _RENDERED_LIMIT:
            _RENDERED.clear()
        _RENDERED[key] = (template.render(context), held)
    return _RENDERED[key][0]


def _key(source: str, names: tuple[str, ...], context: dict) -> tuple:
    """(key, objects the key refers to by identity), or (None, []) when not cacheable."""
    if PERSONAL.intersection(names):
        return None, []
    values, held = [], []
    for name in names:
        value = context.get(name)
        if isinstance(value, dict):  # word lists: fixed per language, compared by identity
            held.append(value)  # kept alive with the entry, so the identity stays unique
            value = ("dict", id(value))
        elif isinstance(value, list):
            value = tuple(value)
        elif not isinstance(value, (str, int, float, bool, type(None))):
            return None, []
        values.append(value)
    return (source, *values), held
