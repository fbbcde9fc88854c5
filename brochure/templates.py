"""Content templates: Jinja2 in a sandbox, strict about unknown names, compiled once.

Only content authors' text (summary.yaml) is compiled as a template; a patient's own strings
are never compiled, only inserted as values (see :func:`brochure.text.shield`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .text import shield

ENVIRONMENT = ImmutableSandboxedEnvironment(undefined=StrictUndefined, finalize=shield,
                                            autoescape=False, keep_trailing_newline=False)


def compiled(source: str):
    """The template and the names it reads."""
    template, names, _ = _compiled(source)
    return template, names


def needed(source: str) -> frozenset[str]:
    """The names a template needs a value of: those it reads, but for names it tests itself,
    with ``is none`` / ``is not none`` or as the condition of an ``if`` (where a missing value
    prints nothing false), which are the template's to handle."""
    return _compiled(source)[2]


def _refused(reason: str) -> TemplateSyntaxError:
    """A template Jinja parses and cannot compile, told in one line (the problem's place is
    the field's)."""
    refused = TemplateSyntaxError(f"it cannot be compiled ({reason})", 1)
    refused.translated = True
    return refused


_JINJA_NAME = re.compile(r"\bl_\d+_(?=\w)")
"""The prefix Jinja gives a template's own names in the Python it makes (``l_1_a`` for ``a``)."""


@lru_cache(maxsize=2048)
def _compiled(source: str):
    """The template, the names it reads and the names it needs, from one parse (the tree is
    read before it is compiled: compiling may change it)."""
    try:
        return _compile(source)
    except RecursionError:  # (an expression nested past what Jinja's readers follow)
        raise _refused("it is nested too deeply") from None


def _compile(source: str):
    tree = ENVIRONMENT.parse(source)
    try:  # (reading the names finds an unknown filter or test, as compiling would)
        names = tuple(sorted(meta.find_undeclared_variables(tree)))
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
    try:
        template = ENVIRONMENT.from_string(tree)
    except SyntaxError as exc:  # Python refuses the code Jinja made of it (a keyword given
        # twice, a macro's argument named twice, loops nested past Python's limit)
        raise _refused(_JINJA_NAME.sub("", exc.msg)) from None
    return template, names, frozenset(names) - tested


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
