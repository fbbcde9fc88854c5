"""Small text in print files prints sharp: under 14 pt it is 100 % K or one process ink at 100 %,
and white text under 12 pt is never reversed out of a mix of inks. Read from the print files'
content streams (colour operators, the font size from Tf and the text matrix, the fills under
the text), and preflight's two findings on files broken on purpose."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.lib.colors import CMYKColor

from .conftest import read_yaml, run_cli
from .test_print import _layout, _sheet_pdf

PRINT_FILES = [f"{layout}{lang}-print.pdf" for layout in
               ("trifold-letter", "trifold-a4", "booklet-letter") for lang in ("", "-es")]
DEEP = [0.92, 0.55, 0.38, 0.45]  # the brand kit's `deep`, a four-colour teal


def _times(m, n):
    """Matrix ``m`` then ``n`` (PDF's row-vector order)."""
    return (m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3],
            m[2] * n[0] + m[3] * n[2], m[2] * n[1] + m[3] * n[3],
            m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5])


def _at(m, x, y):
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def text_runs(path):
    """(page, size in pt, fill colour, colour of the topmost fill under the run's start) for
    every text-showing operator. Colours are ('cmyk', c, m, y, k), ('gray', g) or ('other',);
    the paper is ('cmyk', 0, 0, 0, 0)."""
    reader = PdfReader(path)
    runs = []
    for number, page in enumerate(reader.pages, start=1):
        fills = []
        _walk(page.get_contents(), page["/Resources"], reader, (1, 0, 0, 1, 0, 0), number,
              runs, fills)
    return runs


def _walk(content, resources, reader, ctm, number, runs, fills):
    colour, size, leading = ("gray", 0.0), 0.0, 0.0
    tm = tlm = (1, 0, 0, 1, 0, 0)
    stack, points = [], []
    for operands, op in ContentStream(content, reader).operations:
        values = [float(v) for v in operands if isinstance(v, (int, float))]
        if op == b"q":
            stack.append((ctm, colour, size, leading))
        elif op == b"Q":
            ctm, colour, size, leading = stack.pop()
        elif op == b"cm":
            ctm = _times(tuple(values), ctm)
        elif op == b"k":
            colour = ("cmyk", *values)
        elif op == b"g":
            colour = ("gray", *values)
        elif op in (b"cs", b"scn", b"sc", b"rg"):
            colour = ("other",)
        elif op == b"BT":
            tm = tlm = (1, 0, 0, 1, 0, 0)
        elif op == b"Tf":
            size = values[0]
        elif op == b"TL":
            leading = values[0]
        elif op == b"Tm":
            tm = tlm = tuple(values)
        elif op in (b"Td", b"TD", b"T*"):
            tx, ty = values if op != b"T*" else (0, -leading)
            leading = -ty if op == b"TD" else leading
            tm = tlm = _times((1, 0, 0, 1, tx, ty), tlm)
        elif op in (b"Tj", b"TJ"):
            m = _times(tm, ctm)
            x, y = _at(m, 0.3, 0.3)
            under = next((c for (x0, y0, x1, y1), c in reversed(fills)
                          if x0 <= x <= x1 and y0 <= y <= y1), ("cmyk", 0, 0, 0, 0))
            runs.append((number, round(size * math.hypot(m[2], m[3]), 2), colour, under))
        elif op == b"re":
            x, y, w, h = values
            points += [_at(ctm, x, y), _at(ctm, x + w, y + h)]
        elif op in (b"m", b"l"):
            points.append(_at(ctm, *values[:2]))
        elif op == b"c":
            points += [_at(ctm, *values[i:i + 2]) for i in (0, 2, 4)]
        elif op in (b"f", b"f*", b"B", b"b"):
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            if points:
                fills.append(((min(xs), min(ys), max(xs), max(ys)), colour))
            points = []
        elif op in (b"S", b"n"):
            points = []
        elif op == b"Do":
            form = resources["/XObject"][operands[0]].get_object()
            if form["/Subtype"] == "/Form":
                matrix = tuple(float(v) for v in form.get("/Matrix", (1, 0, 0, 1, 0, 0)))
                _walk(form, form.get("/Resources", resources), reader, _times(matrix, ctm),
                      number, runs, fills)


def _inks(colour) -> list[float]:
    """The ink values (0–1) a colour prints with; [] for paper white."""
    if colour[0] == "cmyk":
        return [v for v in colour[1:] if v > 1e-6]
    if colour[0] == "gray":
        return [1 - colour[1]] if colour[1] < 1 else []
    raise AssertionError(f"text in a colour space other than DeviceCMYK or DeviceGray: {colour}")


@pytest.mark.parametrize("name", PRINT_FILES)
def test_text_under_14_pt_is_one_solid_ink(built, name):
    runs = text_runs(built / "knee-stem-cell" / name)
    small = [(page, size, colour) for page, size, colour, _ in runs if size < 14]
    assert len(small) > 50, "the brochure's running text was read"
    screened = [run for run in small if _inks(run[2]) and _inks(run[2]) != [1.0]]
    assert not screened, screened[:5]
    solid_black = [run for run in small if run[2] == ("cmyk", 0, 0, 0, 1)]
    assert len(solid_black) > 0.8 * len(small), "body text is 100 % K"


@pytest.mark.parametrize("name", PRINT_FILES)
def test_no_small_white_text_on_a_mix_of_inks(built, name):
    runs = text_runs(built / "knee-stem-cell" / name)
    white = [(page, size, under) for page, size, colour, under in runs if not _inks(colour)]
    assert white, "the cover's white text was read"
    reversed_small = [run for run in white if run[1] < 12 and len(_inks(run[2])) > 1]
    assert not reversed_small, reversed_small


def test_deep_headings_keep_their_colour_and_screen_files_stay_rgb(built):
    """14 pt and larger headings in `deep` print in the brand's four-colour teal; the screen
    file draws the same headings in the brand's RGB."""
    runs = text_runs(built / "knee-stem-cell" / "trifold-letter-print.pdf")
    assert any(colour == ("cmyk", *DEEP) and size >= 14 for _, size, colour, _ in runs)
    screen = PdfReader(built / "knee-stem-cell" / "trifold-letter.pdf")
    operators = [(op, operands) for page in screen.pages
                 for operands, op in ContentStream(page.get_contents(), screen).operations]
    assert not [op for op, _ in operators if op in (b"k", b"K")]
    deep_rgb = [round(int("123c4a"[i:i + 2], 16) / 255, 4) for i in (0, 2, 4)]
    assert any(op == b"rg" and [round(float(v), 4) for v in operands] == deep_rgb
               for op, operands in operators)


def test_print_writer_uses_the_colour_the_brand_kit_declares_for_small_text(project, tmp_path):
    """With `deep` headings set at 12 pt, the print file draws them in the ink the kit names
    for small `deep` text (here 100 % magenta, to be unmistakable); the screen file keeps the
    brand's RGB."""
    brand_path = project / "content" / "brands" / "harbor.yaml"
    brand = read_yaml(brand_path.read_text())
    brand["colors"]["deep"]["print_text"] = [0, 100, 0, 0]
    brand_path.write_text(yaml.safe_dump(brand, allow_unicode=True))
    layout_path = project / "layouts" / "trifold-letter.yaml"
    layout = read_yaml(layout_path.read_text())
    layout["typography"]["h2"].update(size=12, leading=15)
    layout_path.write_text(yaml.safe_dump(layout, allow_unicode=True))
    out = tmp_path / "out"
    result = run_cli("build", "--root", str(project), "--out", str(out), "--layout",
                     "trifold-letter", "--lang", "en", cwd=project)
    assert result.returncode == 0, result.stderr
    runs = text_runs(out / "knee-stem-cell" / "trifold-letter-print.pdf")
    magenta = [run for run in runs if run[2] == ("cmyk", 0, 1, 0, 0)]
    assert magenta and all(size == 12 for _, size, _, _ in magenta), magenta
    assert not [run for run in runs if run[2] == ("cmyk", *DEEP) and run[1] < 14]


def test_a_colour_for_small_text_must_be_solid(project):
    """A brand kit that declares a screened colour for small text is refused, at its line."""
    brand_path = project / "content" / "brands" / "harbor.yaml"
    text = brand_path.read_text()
    declared = 'print_text: [0, 0, 0, 100], rgb: "#123c4a"}'
    assert declared in text
    brand_path.write_text(text.replace(declared, 'print_text: [0, 0, 0, 90], rgb: "#123c4a"}'))
    line = text[:text.index(declared)].count("\n") + 1
    result = run_cli("build", "--root", str(project), "--out", str(project / "out"),
                     "--layout", "trifold-letter", "--lang", "en", cwd=project)
    assert result.returncode == 2
    assert f"harbor.yaml:{line}:" in result.stderr and "100 % black" in result.stderr
    assert "Traceback" not in result.stderr


# -- preflight -------------------------------------------------------------------------------

def _panel(canvas, width, height, colour=(0.1, 0, 0.04, 0)):
    canvas.setFillColor(CMYKColor(*colour))
    canvas.rect(-9, -9, width + 18, height + 18, stroke=0, fill=1)


def _words(canvas, text, size, colour, x=100, y=300):
    canvas.setFillColor(CMYKColor(*colour))
    canvas.setFont(canvas._fontname, size)
    canvas.drawString(x, y, text)


def _check(path) -> tuple[int, list[str]]:
    """The exit code and the print-rule findings for ``path`` (a hand-drawn sheet is not
    tagged text by text, so the accessibility findings are left aside)."""
    result = run_cli("check", path)
    return result.returncode, [line for line in result.stderr.splitlines()
                               if line.startswith(path) and (": print-black: " in line or
                                                             ": reversed-text: " in line)]


def _origin(x: float, y: float) -> str:
    """Where a string drawn at (x, y) on the sheet lands on the page (past the slug)."""
    layout = _layout("trifold-letter")
    slug = layout.press.slug(layout.bleed)
    return f"{x + slug:.0f}, {y + slug:.0f} pt"


def test_preflight_finds_small_text_in_screened_black(tmp_path):
    def draw(canvas, width, height):
        _panel(canvas, width, height)
        _words(canvas, "Ninety percent", 9, (0, 0, 0, 0.9))
        _words(canvas, "Solid black", 9, (0, 0, 0, 1), y=280)
        _words(canvas, "Solid cyan", 9, (1, 0, 0, 0), y=260)
        _words(canvas, "A large heading", 16, (0.92, 0.55, 0.38, 0.45), y=220)
    path = _sheet_pdf(tmp_path, "screened", draw)
    code, findings = _check(path)
    assert code == 1
    assert findings == [f"{path}: page 1: print-black: 9 pt text 'Ninety percent' at "
                        f"{_origin(100, 300)}: in K90; text under 14 pt must be 100 % K or "
                        "one process ink at 100 %"], findings


def test_preflight_finds_small_white_text_reversed_out_of_a_four_colour_fill(tmp_path):
    def draw(canvas, width, height):
        _panel(canvas, width, height)
        canvas.setFillColor(CMYKColor(0.88, 0.4, 0.3, 0.2))
        canvas.rect(90, 290, 200, 30, stroke=0, fill=1)
        _words(canvas, "Option", 9, (0, 0, 0, 0))
        canvas.setFillColor(CMYKColor(1, 0, 0, 0))  # one ink: white text on it is fine
        canvas.rect(90, 190, 200, 30, stroke=0, fill=1)
        _words(canvas, "On cyan", 9, (0, 0, 0, 0), y=200)
        canvas.setFillColor(CMYKColor(0.88, 0.4, 0.3, 0.2))
        canvas.rect(90, 140, 200, 30, stroke=0, fill=1)
        _words(canvas, "Twelve points", 12, (0, 0, 0, 0), y=150)
    path = _sheet_pdf(tmp_path, "reversed", draw)
    code, findings = _check(path)
    assert code == 1
    assert findings == [f"{path}: page 1: reversed-text: 9 pt text 'Option' at "
                        f"{_origin(100, 300)}: white, reversed out of C88 M40 Y30 K20 (4 "
                        "inks); white text under 12 pt needs a one-ink fill, or dark text on "
                        "light"], findings


def test_preflight_finds_neither_fault_in_the_shipped_print_files(built):
    paths = [str(built / "knee-stem-cell" / name) for name in PRINT_FILES]
    result = run_cli("check", *paths)
    assert result.returncode == 0, result.stderr
    assert "print-black" not in result.stderr and "reversed-text" not in result.stderr


def test_a_file_checked_again_under_another_name_is_placed_there_and_a_change_is_seen(tmp_path):
    """Preflight's findings are kept by the file's bytes: the same bytes under another name
    give the same findings naming that file; changed bytes are read afresh."""
    def draw(canvas, width, height):
        _panel(canvas, width, height)
        _words(canvas, "Ninety percent", 9, (0, 0, 0, 0.9))
    first = _sheet_pdf(tmp_path, "screened", draw)
    again = str(tmp_path / "elsewhere" / "copy.pdf")
    Path(again).parent.mkdir()
    Path(again).write_bytes(Path(first).read_bytes())
    assert _check(first)[1] == [f"{first}: page 1: print-black: 9 pt text 'Ninety percent' at "
                                f"{_origin(100, 300)}: in K90; text under 14 pt must be 100 % "
                                "K or one process ink at 100 %"]
    assert _check(again)[1] == [line.replace(str(first), str(again))
                                for line in _check(first)[1]]

    def mended(canvas, width, height):
        _panel(canvas, width, height)
        _words(canvas, "Ninety percent", 9, (0, 0, 0, 1))
    Path(again).write_bytes(Path(_sheet_pdf(tmp_path, "mended", mended)).read_bytes())
    assert _check(again)[1] == []  # (the hand-drawn sheet still has untagged text)
