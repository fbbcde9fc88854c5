"""The one seam between brochure and ReportLab's private and undocumented internals.

Nothing outside this package reads or writes a ``_``-named attribute of a ReportLab object or
module, uses one of the undocumented internals listed in ``tests/test_backend_seam.py`` (a
paragraph's lines, a font's subset codes, object numbers…), swaps a class or writes an
object's ``__dict__``; that test walks the code to keep it so. Each function and class here
says in its docstring what of ReportLab it relies on.

Nothing here changes ReportLab for the rest of the process when imported. What changes a
file's bytes (no ASCII85, the zlib level, an end-of-line before ``endstream``) is a setting
of the documents brochure makes (:class:`.document.BrochureDocument`, made by
:class:`.canvas.BrochureCanvas`); the one thing that cannot be done without replacing a
ReportLab function (shaping a word one font run at a time) is installed by :func:`install`,
explicitly and once, and does nothing for paragraphs brochure did not make.

Modules:

- :mod:`.canvas`: our canvas (its document, its text objects, a hook after a text object is
  drawn), page operators, marked content, annotations, deferred pages;
- :mod:`.document`: per-document writing, object numbers, the catalog and pages;
- :mod:`.fonts`: glyph codes, subsets and font dictionaries of TrueType fonts;
- :mod:`.paragraph`: a paragraph's lines and fragments, its wrap state, copies of them;
- :mod:`.layout`: frames, tables, KeepTogether's content, retyping a flowable;
- :mod:`.patches`: :func:`install`.
"""

from __future__ import annotations

CHECKED_VERSIONS = ("5.1.0",)
"""ReportLab versions (``reportlab.Version``) whose internals this package was checked against;
pyproject.toml pins ``reportlab<6``."""
