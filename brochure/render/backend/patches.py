"""What cannot be done without replacing a ReportLab function: installed by :func:`install`,
explicitly, once, and each replacement does what ReportLab's own does for anything brochure
did not make.

- ``reportlab.platypus.paragraph.shapeFragWord``: ReportLab shapes a word with its first
  fragment's font; a word of one of our paragraphs whose fragments use several fonts (Arabic
  letters, then a full stop from the body font) is shaped one font run at a time, each with its
  own font. Only while one of our paragraphs breaks its lines (:func:`own_shaping`); any other
  paragraph's words go to ReportLab's function as they are. Relies on the word being a list
  ``[width, (fragment, text), …]`` and on ``makeShapedFragWord``.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType
from typing import Any, Protocol

import reportlab
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import makeShapedFragWord
from reportlab.platypus import paragraph as rl_paragraph

from . import CHECKED_VERSIONS

_OWN = ContextVar("brochure_shaping", default=False)
_LOCK = threading.Lock()
_ORIGINAL: dict[str, object] = {}

_Word = list[Any]
"""A word as ReportLab's paragraph keeps it: ``[width, (fragment, text), …]`` (or its own
list class of shaped words)."""


class _Shaper(Protocol):
    """``shapeFragWord``'s signature (ReportLab's and our replacement's)."""

    def __call__(self, w: _Word, features: object = ..., force: bool = ...) -> _Word: ...


EXPECTED = {"shapeFragWord": ["w", "features", "force"]}
"""The parameters each replaced function has in the ReportLab versions we checked."""


class ReportLabChanged(RuntimeError):  # noqa: N818 - reads as what happened
    """A ReportLab function brochure replaces is missing or takes other parameters."""


def install() -> None:
    """Install the replacements (once; later calls do nothing). Raises
    :class:`ReportLabChanged`, naming the ReportLab version, when a target is not there with
    the parameters we checked."""
    if _ORIGINAL:
        return
    with _LOCK:
        if _ORIGINAL:
            return
        original = _checked(rl_paragraph, "shapeFragWord")
        _ORIGINAL["shapeFragWord"] = original
        rl_paragraph.shapeFragWord = _shaped(original)  # type: ignore[attr-defined]


def installed() -> bool:
    """Whether :func:`install` has run."""
    return bool(_ORIGINAL)


def _checked(module: ModuleType, name: str) -> _Shaper:
    target: _Shaper | None = getattr(module, name, None)  # checked below: its parameters
    if target is None or _parameters(target) != EXPECTED[name]:
        found = "missing" if target is None else "(" + ", ".join(_parameters(target)) + ")"
        raise ReportLabChanged(
            f"ReportLab {reportlab.Version}: {module.__name__}.{name} is {found}, expected "
            f"({', '.join(EXPECTED[name])}); brochure's ReportLab backend was checked against "
            f"ReportLab {', '.join(CHECKED_VERSIONS)}")
    return target


def _parameters(function: Callable[..., object]) -> list[str]:
    try:
        return list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return []


@contextmanager
def own_shaping() -> Iterator[None]:
    """Inside, words are shaped one font run at a time (one of our paragraphs breaks its
    lines); per thread, so other threads' paragraphs are untouched."""
    token = _OWN.set(True)
    try:
        yield
    finally:
        _OWN.reset(token)


_DEFAULT = object()


def _shaped(original: _Shaper) -> _Shaper:
    def shape_fragment_word(w: _Word, features: object = _DEFAULT, force: bool = False) -> _Word:
        """ReportLab's ``shapeFragWord``; a word of one of our paragraphs whose fragments use
        several fonts is shaped one font run at a time (see the module's docstring)."""
        if features is not _DEFAULT:
            return original(w, features, force)
        if not _OWN.get() or force:
            return original(w, force=force)
        frags = w[1:]
        if len({getattr(f, "fontName", None) for f, _ in frags}) < 2 \
                or any(hasattr(f, "cbDefn") for f, _ in frags):
            return original(w)
        shaped = makeShapedFragWord(w)([0])
        start = 0
        for end in range(1, len(frags) + 1):
            if end == len(frags) or frags[end][0].fontName != frags[start][0].fontName:
                run = frags[start:end]
                width = sum(stringWidth(text, f.fontName, f.fontSize) for f, text in run)
                part = original(type(w)([width, *run]))
                shaped[0] += part[0]
                shaped.extend(part[1:])
                start = end
        return shaped
    # marks it as brochure's (through __dict__: mypy knows no attribute of a function)
    shape_fragment_word.__dict__["brochure"] = True
    return shape_fragment_word
