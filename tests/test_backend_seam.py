"""One seam to ReportLab, and nothing process-wide (issue 19, points 1 and 2).

**The seam.** Every module of ``brochure/`` outside ``brochure/render/backend/`` is read as a
syntax tree, and these are failures there:

1. a ``_``-named attribute (``x._name``, not a dunder) that is ReportLab's: its name is on
   :data:`PRIVATE` (ReportLab's private names we have relied on, whatever object they are read
   from), or it is read from a name imported from ``reportlab``, or, in a module that imports
   ReportLab, brochure's own code defines no such name (as a function, class, class
   attribute, slot or ``self._name = …``) and Python does not (``_replace`` of a named
   tuple): there an underscore name nobody of ours made is ReportLab's. Our own ``_private``
   names on our own objects are fine, as long as they are not on :data:`PRIVATE`. (Other
   libraries' privates, pypdf's in ``finish.py``, are not this test's business.) A method
   of ours named like a ReportLab private (overriding ``_drawBkgrnd``) fails too;
2. an undocumented internal: an attribute named on :data:`INTERNALS` (a paragraph's lines and
   fragments, a font's glyph codes, object numbers…), and ``state`` read from anything whose
   source mentions a font (``font.state``);
3. a string constant that is one of those names (``getattr(x, "blPara")``,
   ``"blPara" in x.__dict__``), and ``getattr``/``hasattr``/``setattr``/``delattr`` with a
   ``_``-named string brochure's code does not define;
4. a write to an object's ``__dict__`` (``x.__dict__.update(…)``, ``x.__dict__[k] = …``) or
   ``__class__`` (``x.__class__ = …``, ``object.__setattr__(x, "__class__", …)``);
5. an assignment to an attribute of a ReportLab module or class (a name imported from
   ``reportlab``: ``rl_config.useA85 = 0``, ``Frame.__deepcopy__ = …``). Documented attributes
   of flowables we made (``picture.hAlign = "CENTER"``) are instances, and fine.

**Nothing process-wide.** In fresh processes: importing ``brochure.web``, ``brochure.assess``
and rendering a summary and a brochure leave ReportLab's objects that brochure used to replace
as they were, but one, named with its reason; and a plain ReportLab program writes the same
bytes before and after brochure has rendered.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "brochure"
BACKEND = PACKAGE / "render" / "backend"

PRIVATE = frozenset({
    "_aH", "_aW", "_annotationCount", "_annotationrefs", "_bottomPadding", "_catalog",
    "_cellvalues", "_code", "_colWidths", "_content", "_curr_tx_info", "_doc", "_drawBkgrnd",
    "_drawBullet", "_drawLines", "_dynFaceNames", "_enforceColorSpace", "_filters",
    "_fontname", "_fontsize", "_frame", "_height", "_leading", "_offsets", "_pageNumber",
    "_pdfScale", "_pdfVersion", "_rise", "_rowHeights", "_spanRanges", "_startPage",
    "_timeStamp", "_topPadding", "_ttf_data", "_width", "_wrapWidths", "_x", "_x1", "_y",
    "_y1", "_y1p",
})
"""ReportLab's private names brochure has relied on (grow it with the backend)."""

INTERNALS = frozenset({
    "blPara", "frags", "cbDefn", "nextCode", "assignments", "subsets", "fontMapping",
    "idToObject", "idToObjectNumberAndVersion", "idToOffset", "numberToId", "objectcounter",
    "__NoDefault__", "__Comment__", "__accum__", "splitInRow", "charToGlyph", "glyphToChar",
    "charWidths", "hmetrics", "numGlyphs", "subfontNameX", "makeSubset", "addSubsetObjects",
    "addObjects", "splitString", "getSubsetInternalName", "Catalog", "Pages", "Reference",
    "streamContent",
})
"""Undocumented internals of ReportLab that brochure relies on (grow it with the backend)."""

PYTHONS = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults"})
"""Python's own ``_``-names (named tuples)."""

_DICT_WRITES = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__",
                          "__delitem__"})
_REFLECTION = frozenset({"getattr", "hasattr", "setattr", "delattr"})


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if BACKEND not in p.parents)


@cache
def _tree(path: Path) -> ast.Module:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child.parent = node  # type: ignore[attr-defined]
    return tree


@cache
def _own_names() -> frozenset[str]:
    """``_``-names brochure's own code (outside the backend) defines."""
    names: set[str] = set()
    for path in _modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                names.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    _in_slots(node):
                names.add(node.value)
    return frozenset(n for n in names if n.startswith("_")) - PRIVATE


def _in_slots(node: ast.AST) -> bool:
    parent = getattr(node, "parent", None)
    parent = getattr(parent, "parent", parent)
    return isinstance(parent, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == "__slots__" for t in parent.targets)


def _reportlab_names(tree: ast.Module) -> set[str]:
    """Names a module binds to ReportLab's modules, classes and functions."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reportlab"):
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names
                      if alias.name.startswith("reportlab")}
    return names


def _root(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _source(path: Path, node: ast.AST) -> str:
    return ast.get_source_segment(path.read_text(encoding="utf-8"), node) or ""


def _attribute_problems(path: Path, node: ast.Attribute, reportlab: set[str]) -> list[str]:
    attr, problems = node.attr, []
    if attr in PRIVATE:
        problems.append(f"ReportLab's private {attr}")
    elif _private(attr) and _root(node.value) in reportlab:
        problems.append(f"private {attr} of ReportLab's {_root(node.value)}")
    elif _private(attr) and reportlab and attr not in _own_names() | PYTHONS:
        problems.append(f"{attr}, which brochure does not define (ReportLab's)")
    if attr in INTERNALS:
        problems.append(f"undocumented internal {attr}")
    if attr == "state" and "font" in _source(path, node.value).lower():
        problems.append("a font's state (its glyph codes per document)")
    if isinstance(node.ctx, (ast.Store, ast.Del)) and _root(node) in reportlab:
        problems.append(f"assignment to an attribute of ReportLab's {_root(node)}")
    if attr == "__class__" and isinstance(node.ctx, ast.Store):
        problems.append("a class swap")
    if attr == "__dict__" and _writes_dict(node):
        problems.append("a write to __dict__")
    return problems


def _writes_dict(node: ast.Attribute) -> bool:
    parent = getattr(node, "parent", None)
    if isinstance(node.ctx, ast.Store):
        return True
    if isinstance(parent, ast.Attribute) and parent.attr in _DICT_WRITES:
        return True
    return isinstance(parent, ast.Subscript) and isinstance(parent.ctx, (ast.Store, ast.Del))


def _call_problems(node: ast.Call, reportlab: set[str]) -> list[str]:
    func, args = node.func, node.args
    name = func.id if isinstance(func, ast.Name) else (
        f"{_root(func)}.{func.attr}" if isinstance(func, ast.Attribute) else "")
    text = args[1].value if len(args) > 1 and isinstance(args[1], ast.Constant) else None
    problems = []
    if name in ("object.__setattr__", "object.__delattr__", "setattr", "delattr") and \
            text in ("__class__", "__dict__"):
        problems.append(f"{name}(…, {text!r}, …): a class swap or a __dict__ write")
    if name in _REFLECTION and isinstance(text, str) and _private(text) and reportlab and \
            text not in _own_names():
        problems.append(f"{name} with ReportLab's private {text!r}")
    if name in ("setattr", "delattr") and args and _root(args[0]) in reportlab:
        problems.append(f"{name} on ReportLab's {_root(args[0])}")
    return problems


def _function_problems(node: ast.FunctionDef) -> list[str]:
    in_class = isinstance(getattr(node, "parent", None), ast.ClassDef)
    return [f"overrides ReportLab's private {node.name}"] if in_class and \
        node.name in PRIVATE else []


def violations(path: Path) -> list[str]:
    """Every use outside the backend of ReportLab's privates and internals in ``path``."""
    tree = _tree(path)
    reportlab = _reportlab_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            problems = _attribute_problems(path, node, reportlab)
        elif isinstance(node, ast.Call):
            problems = _call_problems(node, reportlab)
        elif isinstance(node, ast.FunctionDef):
            problems = _function_problems(node)
        elif isinstance(node, ast.Constant) and node.value in PRIVATE | INTERNALS:
            problems = [f"the string {node.value!r} (a ReportLab internal)"]
        else:
            continue
        relative = path.relative_to(ROOT)
        found += [f"{relative}:{node.lineno}: {problem}" for problem in problems]
    return found


def test_reportlab_internals_are_touched_in_the_backend_only():
    found = [line for path in _modules() for line in violations(path)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("source, expected", [
    ("canvas._code.append('EMC')", "ReportLab's private _code"),
    ("from reportlab.platypus import paragraph as p\np._drawBullet = f",
     "assignment to an attribute of ReportLab's p"),
    ("from reportlab.pdfgen.canvas import Canvas\nx = getattr(canvas, '_notOurs', None)",
     "getattr with ReportLab's private"),
    ("lines = paragraph.blPara", "undocumented internal blPara"),
    ("code = font.state[doc].nextCode", "a font's state"),
    ("'blPara' in paragraph.__dict__", "the string 'blPara'"),
    ("frame.__dict__.update(state)", "a write to __dict__"),
    ("object.__setattr__(f, '__class__', kind)", "a class swap"),
    ("from reportlab import rl_config\nrl_config.useA85 = 0",
     "assignment to an attribute of ReportLab's rl_config"),
    ("from reportlab.platypus import Frame\nFrame.__deepcopy__ = copy",
     "assignment to an attribute of ReportLab's Frame"),
    ("class T(Table):\n    def _drawLines(self): pass", "overrides ReportLab's private"),
    ("from reportlab.platypus import Table\nx = table._someThingReportLabHas",
     "which brochure does not define"),
])
def test_the_walk_finds_each_kind_of_use(tmp_path, source, expected):
    """The rules themselves: each kind of use is found (in a module written for the test)."""
    path = ROOT / "brochure" / "_seam_probe.py"
    probe = tmp_path / "probe.py"
    probe.write_text(source)
    _tree.cache_clear()
    try:
        found = violations(_as_if_in_package(probe, path))
    finally:
        _tree.cache_clear()
    assert any(expected in line for line in found), found


def _as_if_in_package(probe: Path, path: Path) -> Path:
    """``probe`` parsed as though it were ``path`` (a module of the package)."""
    class Probe(type(path)):  # a Path reading the probe's text, named as the package's module
        def read_text(self, *args, **kwargs) -> str:
            return probe.read_text()
    return Probe(path)


def test_our_own_private_names_are_fine():
    """``self._cache`` on a class of ours passes: brochure defines it."""
    assert "_cache" in _own_names()


# -- nothing process-wide --------------------------------------------------------------------

SNAPSHOT = """
import json, sys
import reportlab.rl_config as config
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen import textobject
from reportlab.platypus import frames, paragraph

def snapshot():
    return {
        "rl_config.useA85": config.useA85,
        "PDFIndirectObject.format": id(pdfdoc.PDFIndirectObject.__dict__["format"]),
        "PDFStream.format": id(pdfdoc.PDFStream.__dict__["format"]),
        "PDFStreamFilterZCompress.encode": id(pdfdoc.PDFStreamFilterZCompress.__dict__["encode"]),
        "PDFTextObject.setRise": id(textobject.PDFTextObject.__dict__["setRise"]),
        "paragraph._drawBullet": id(paragraph._drawBullet),
        "paragraph.shapeFragWord": id(paragraph.shapeFragWord),
        "Frame.__deepcopy__": id(frames.Frame.__dict__.get("__deepcopy__")),
    }

def changed(before):
    now = snapshot()
    return sorted(name for name in now if now[name] != before[name])

steps, before = {}, snapshot()
import brochure.web
steps["import brochure.web"] = changed(before)
import yaml
import brochure
record = yaml.safe_load(open("content/patients/good-candidate.yaml"))
brochure.assess(record)
steps["brochure.assess"] = changed(before)
brochure.render_summary(record)
steps["a summary rendered"] = changed(before)
from brochure.project import load_project
brochure.build_publication(load_project("."), "knee-stem-cell", "trifold-letter")
steps["a brochure rendered"] = changed(before)
print(json.dumps(steps))
"""

REMAINING = {
    "paragraph.shapeFragWord": (
        "a word of one of our paragraphs in several fonts is shaped one font run at a time; "
        "replaced by brochure.render.backend.patches.install() the first time one of our "
        "paragraphs breaks its lines, and ReportLab's own for every other paragraph (the "
        "plain program below writes the same bytes)"),
}
"""What brochure still replaces in ReportLab, and why (checked: install() is what does it)."""


def _python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.process  # a fresh Python process
def test_using_brochure_leaves_reportlab_as_it_was():
    steps = json.loads(_python(SNAPSHOT))
    assert steps["import brochure.web"] == []
    assert steps["brochure.assess"] == []
    assert steps["a summary rendered"] == sorted(REMAINING)
    assert steps["a brochure rendered"] == sorted(REMAINING)


@pytest.mark.process  # a fresh Python process
def test_the_one_replacement_is_installed_once_and_checked():
    """install() replaces the function once (idempotent), and refuses a ReportLab whose
    function takes other parameters, naming the version."""
    code = """
from reportlab.platypus import paragraph
from brochure.render.backend import patches
original = paragraph.shapeFragWord
patches.install(); first = paragraph.shapeFragWord
patches.install(); assert paragraph.shapeFragWord is first is not original
patches._ORIGINAL.clear(); paragraph.shapeFragWord = lambda word: word
try:
    patches.install()
except patches.ReportLabChanged as exc:
    print(exc)
"""
    message = _python(code)
    assert "ReportLab 5." in message and "shapeFragWord" in message and "expected (w, " in message


PLAIN = """
import hashlib, io, os, sys
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate
from PIL import Image

if sys.argv[1] == "after":
    import yaml
    import brochure
    from brochure.project import load_project
    brochure.render_summary(yaml.safe_load(open("content/patients/good-candidate.yaml")))
    project = load_project(".")
    brochure.build_publication(project, "knee-stem-cell", "trifold-letter")
    from brochure.kinds import PRINT
    brochure.build_publication(project, "knee-stem-cell", "trifold-letter", PRINT)

pdfmetrics.registerFont(TTFont("PlainVera", "Vera.ttf"))
pdfmetrics.registerFont(TTFont("PlainVeraBd", "VeraBd.ttf"))
picture = Image.new("RGB", (8, 8), (200, 30, 30))
outputs = []
canvas_file = io.BytesIO()
canvas = Canvas(canvas_file, invariant=1, pageCompression=1)
canvas.setFont("Helvetica", 12)
canvas.drawString(72, 720, "A plain ReportLab page")
text = canvas.beginText(72, 700)
text.setFont("PlainVera", 10)
text.setRise(2)
text.textOut("raised")
canvas.drawText(text)
canvas.drawImage(ImageReader(picture), 72, 600, 40, 40)
canvas.showPage()
canvas.save()
outputs.append(canvas_file.getvalue())
story_file = io.BytesIO()
doc = SimpleDocTemplate(story_file, invariant=1, pageCompression=1)
style = ParagraphStyle("plain", fontName="PlainVera", fontSize=11, bulletFontName="PlainVera")
shaped = ParagraphStyle("shaped", parent=style, shaping=1)
doc.build([
    Paragraph("A paragraph with a bullet", style, bulletText="\\u2022"),
    KeepTogether([Paragraph("kept " * 40, style)]),
    Paragraph('two<font name="PlainVeraBd">fonts</font> in one word', shaped),
])
outputs.append(story_file.getvalue())
print(" ".join(hashlib.sha256(out).hexdigest() for out in outputs))
"""


@pytest.mark.process  # a fresh Python process
def test_a_plain_reportlab_program_writes_the_same_bytes_after_brochure_rendered():
    fresh = _python_argv(PLAIN, "fresh")
    after = _python_argv(PLAIN, "after")
    assert fresh == after


def _python_argv(code: str, mode: str) -> str:
    result = subprocess.run([sys.executable, "-c", code, mode], cwd=ROOT, capture_output=True,
                            text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_the_backend_names_the_reportlab_versions_it_was_checked_against():
    import reportlab

    from brochure.render.backend import CHECKED_VERSIONS

    assert reportlab.Version in CHECKED_VERSIONS, (
        f"ReportLab {reportlab.Version}: check brochure/render/backend's internals against it "
        f"and add it to CHECKED_VERSIONS")
