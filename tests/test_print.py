"""Print files as a print shop sees them: boxes, CMYK only, marks outside the bleed, embedded
fonts, PDF/X identification, booklet imposition, and preflight catching what a shop rejects."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
)
from reportlab.lib.colors import CMYKColor, Color
from reportlab.pdfgen.canvas import Canvas

from brochure.kinds import PRINT
from brochure.model import Layout
from brochure.model.base import validate
from brochure.model.brand import FontChoice
from brochure.preflight import preflight
from brochure.render.archive import Declaration
from brochure.render.fonts import register_family
from brochure.render.structure import Tagger
from brochure.source import load

from .conftest import PROJECT, run_cli
from .pdf import find_text, fonts, is_embedded

PRINT_LAYOUTS = ["trifold-letter", "trifold-a4", "booklet-letter"]


def _layout(name: str) -> Layout:
    return validate(load(PROJECT / "layouts" / f"{name}.yaml"), Layout)


def _print_file(built, name):
    return built / "knee-stem-cell" / f"{name}-print.pdf"


def _operations(page, reader):
    """(operands, operator) of a page's content and of every form it draws, in order."""
    yield from ContentStream(page.get_contents(), reader).operations
    for xobject in (page["/Resources"].get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject["/Subtype"] == "/Form":
            yield from ContentStream(xobject, reader).operations


IN, MM = 72, 72 / 25.4
"""Points in an inch and in a millimetre."""

SHEETS = {
    # US Letter tri-fold: 11 x 8.5 in, bleed 0.125 in. Outside, left to right: the back of the
    # fold-in panel 3.625, the back cover 3.6875, the front cover 3.6875 in; inside 3.6875 /
    # 3.6875 / 3.625 in (the panel that folds in is 1/16 in narrower).
    "trifold-letter": (11 * IN, 8.5 * IN, 0.125 * IN,
                       [[3.625 * IN, 7.3125 * IN], [3.6875 * IN, 7.375 * IN]]),
    # A4 tri-fold: 297 x 210 mm, bleed 3 mm, panels 100 / 100 / 97 mm inside (the fold-in panel
    # the narrower), so 97 / 100 / 100 mm outside.
    "trifold-a4": (297 * MM, 210 * MM, 3 * MM, [[97 * MM, 197 * MM], [100 * MM, 200 * MM]]),
    # Saddle-stitched booklet of 5.5 x 8.5 in pages, two to a US Letter sheet (11 x 8.5 in) in
    # imposed order, folded in the middle; bleed 0.125 in.
    "booklet-letter": (11 * IN, 8.5 * IN, 0.125 * IN, [[5.5 * IN]] * 4),
}
"""Each print file's sheets as ../shared/domain.md's print conventions give them, in points:
trim width and height, bleed, and each page's folds measured from the trim's left edge."""


@pytest.mark.parametrize("name", PRINT_LAYOUTS)
def test_boxes_on_every_page_match_the_print_conventions(built, name):
    width, height, bleed_width, folds = SHEETS[name]
    reader = PdfReader(_print_file(built, name))
    assert len(reader.pages) == len(folds)
    for page in reader.pages:
        trim, bleed, media = page.trimbox, page.bleedbox, page.mediabox
        assert float(trim.width) == pytest.approx(width, abs=0.01)
        assert float(trim.height) == pytest.approx(height, abs=0.01)
        for inner, outer in ((trim.lower_left, bleed.lower_left),):
            assert float(inner[0]) - float(outer[0]) == pytest.approx(bleed_width, abs=0.01)
            assert float(inner[1]) - float(outer[1]) == pytest.approx(bleed_width, abs=0.01)
        assert float(bleed.right) - float(trim.right) == pytest.approx(bleed_width, abs=0.01)
        assert float(bleed.top) - float(trim.top) == pytest.approx(bleed_width, abs=0.01)
        assert float(media.width) > float(bleed.width) + 20


@pytest.mark.parametrize("name", PRINT_LAYOUTS)
def test_colour_is_cmyk_only(built, name):
    reader = PdfReader(_print_file(built, name))
    checked = 0
    for page in reader.pages:
        for operands, operator in _operations(page, reader):
            assert operator not in (b"rg", b"RG"), operands
            if operator in (b"cs", b"CS"):
                assert operands[0] not in ("/DeviceRGB", "/CalRGB")
            checked += operator in (b"k", b"K")
        for xobject in (page["/Resources"].get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject["/Subtype"] == "/Image":
                assert xobject["/ColorSpace"] == "/DeviceCMYK"
    assert checked > 20
    assert b"/DeviceRGB" not in _print_file(built, name).read_bytes()


def test_black_text_is_k_only(built):
    reader = PdfReader(_print_file(built, "trifold-letter"))
    ops = list(_operations(reader.pages[1], reader))
    blacks = [[float(v) for v in operands] for operands, op in ops if op == b"k"
              and float(operands[3]) > 0.85]
    assert blacks and all(c == m == y == 0 for c, m, y, _ in blacks)


@pytest.mark.parametrize("name", PRINT_LAYOUTS)
def test_fonts_embedded_and_pdfx_declared(built, name):
    path = _print_file(built, name)
    assert all(is_embedded(f) for f in fonts(path))
    reader = PdfReader(path)
    assert not reader.is_encrypted
    assert reader.metadata["/GTS_PDFXVersion"] == "PDF/X-1a:2003"
    assert reader.metadata["/Trapped"] == "/False"
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    expected = "FOGRA39" if name == "trifold-a4" else "CGATS TR 001"
    assert intent["/S"] == "/GTS_PDFX" and intent["/OutputConditionIdentifier"] == expected


def _registration_segments(page, reader):
    """Straight segments stroked in full registration colour (the Separation named All, on
    every plate), in page coordinates."""
    ctm, stack, segments, path, black = (1, 0, 0, 1, 0, 0), [], [], [], False
    spaces = page["/Resources"].get("/ColorSpace") or {}
    registration = {name for name, space in spaces.items()
                    if space.get_object()[:2] == ["/Separation", "/All"]}
    stroke_space = None

    def at(x, y):
        return ctm[0] * x + ctm[2] * y + ctm[4], ctm[1] * x + ctm[3] * y + ctm[5]
    for operands, op in _operations(page, reader):
        values = [float(v) for v in operands] if op in (b"cm", b"m", b"l", b"SCN") else []
        if op == b"q":
            stack.append((ctm, black, stroke_space))
        elif op == b"Q":
            ctm, black, stroke_space = stack.pop()
        elif op == b"cm":
            a, b, c, d, e, f = values
            m = ctm
            ctm = (a * m[0] + b * m[2], a * m[1] + b * m[3], c * m[0] + d * m[2],
                   c * m[1] + d * m[3], e * m[0] + f * m[2] + m[4], e * m[1] + f * m[3] + m[5])
        elif op == b"CS":
            stroke_space = operands[0]
        elif op == b"SCN":
            black = stroke_space in registration and values == [1]
        elif op in (b"K", b"RG", b"G"):
            black = False
        elif op == b"m":
            path = [at(*values)]
        elif op == b"l" and path:
            path.append(at(*values))
        elif op == b"S":
            if black and len(path) == 2:
                segments.append(tuple(path))
            path = []
    return segments


@pytest.mark.parametrize("name", PRINT_LAYOUTS)
def test_crop_and_fold_marks_lie_outside_the_bleed(built, name):
    layout = _layout(name)
    reader = PdfReader(_print_file(built, name))
    for index, page in enumerate(reader.pages):
        bleed = [float(v) for v in page.bleedbox]
        trim = [float(v) for v in page.trimbox]
        marks = _registration_segments(page, reader)
        folds = SHEETS[name][3][index]
        assert len(marks) == 8 + 2 * len(folds)
        for (x1, y1), (x2, y2) in marks:
            outside = (max(x1, x2) <= bleed[0] or min(x1, x2) >= bleed[2]
                       or max(y1, y2) <= bleed[1] or min(y1, y2) >= bleed[3])
            assert outside, ((x1, y1), (x2, y2), bleed)
        fold_xs = sorted({round(x1 - trim[0], 2) for (x1, _), (x2, _) in marks
                          if x1 == x2 and trim[0] < x1 < trim[2]})
        assert fold_xs == pytest.approx(folds, abs=0.01)
        dash = " ".join(f"{v:g}" for v in layout.press.marks.fold_dash)
        assert f"[{dash}] 0 d".encode() in page.get_contents().get_data(), "folds are dashed"


def test_backgrounds_bleed_past_the_trim(built):
    """The cover's colour reaches the bleed edge: the pixel just outside the trim is teal."""
    import pypdfium2 as pdfium
    path = _print_file(built, "trifold-letter")
    page = PdfReader(path).pages[0]
    trim, bleed = [float(v) for v in page.trimbox], [float(v) for v in page.bleedbox]
    image = pdfium.PdfDocument(str(path))[0].render(scale=1).to_pil()
    height = image.height
    x_in_bleed = round((trim[2] + bleed[2]) / 2)
    y_mid = round(height - (trim[1] + trim[3]) / 2)
    r, g, b = image.getpixel((x_in_bleed, y_mid))[:3]
    assert b > r + 30, (r, g, b)
    x_outside = round(bleed[2] + 3)
    assert image.getpixel((x_outside, y_mid))[:3] == (255, 255, 255)


def test_screen_variant_stays_rgb_at_trim_size_without_marks(built):
    reader = PdfReader(built / "knee-stem-cell" / "trifold-letter.pdf")
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (792, 612)
    assert "/TrimBox" not in page
    ops = {op for p in reader.pages for _, op in _operations(p, reader)}
    assert b"rg" in ops and b"k" not in ops


def test_booklet_screen_is_eight_pages_in_reading_order(built):
    path = built / "knee-stem-cell" / "booklet-letter.pdf"
    reader = PdfReader(path)
    assert len(reader.pages) == 8
    assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (396, 612)
               for p in reader.pages)
    assert "Stem cell therapy" in reader.pages[0].extract_text()
    assert "Is it right for you?" in reader.pages[1].extract_text()
    assert "Visit or call us" in reader.pages[7].extract_text()


def _folio_side(path, page_index: int, number: int, trim) -> str | None:
    """'left' or 'right': where the page number ``number`` sits at the foot of a sheet."""
    import pypdfium2 as pdfium
    textpage = pdfium.PdfDocument(str(path))[page_index].get_textpage()
    middle = (trim[0] + trim[2]) / 2
    for i in range(textpage.count_chars()):
        if textpage.get_text_range(i, 1) == str(number):
            _, bottom, right, _ = textpage.get_charbox(i)
            if bottom < trim[1] + 0.5 * 72 and (i + 1 >= textpage.count_chars() or
                                                not textpage.get_text_range(i + 1, 1).isdigit()):
                return "left" if right < middle else "right"
    return None


def test_booklet_print_is_imposed_for_saddle_stitching(built):
    path = _print_file(built, "booklet-letter")
    reader = PdfReader(path)
    assert len(reader.pages) == 4
    for page in reader.pages:
        assert (round(float(page.trimbox.width)), round(float(page.trimbox.height))) == (792, 612)
    trim = [float(v) for v in reader.pages[0].trimbox]
    cover = find_text(path, 0, "Stem cell therapy")
    back = find_text(path, 0, "Visit or call us")
    middle = (trim[0] + trim[2]) / 2
    assert back.right < middle < cover.left, "sheet 1 outside: 8 | 1"
    expected = {1: (2, 7), 2: (6, 3), 3: (4, 5)}
    for index, (left, right) in expected.items():
        assert _folio_side(path, index, left, trim) == "left", (index, left)
        assert _folio_side(path, index, right, trim) == "right", (index, right)


def test_two_builds_give_identical_print_files(built, tmp_path):
    assert run_cli("build", "--print", "--out", str(tmp_path)).returncode == 0
    for name in PRINT_LAYOUTS:
        assert (tmp_path / "knee-stem-cell" / f"{name}-print.pdf").read_bytes() == \
            _print_file(built, name).read_bytes()
    assert not (tmp_path / "knee-stem-cell" / "trifold-letter.pdf").exists()


# -- preflight -------------------------------------------------------------------------------

def _sheet_pdf(tmp_path, name: str, draw) -> str:
    """A one-sheet letter tri-fold print file, correct but for what ``draw`` adds."""
    layout = _layout("trifold-letter")
    slug = layout.press.slug(layout.bleed)
    width, height = layout.page.width, layout.page.height
    buffer = io.BytesIO()
    trim = (slug, slug, slug + width, slug + height)
    bleed = (slug - 9, slug - 9, slug + width + 9, slug + height + 9)
    font = register_family(FontChoice(family="Atkinson Hyperlegible")).regular
    canvas = Canvas(buffer, pagesize=(width + 2 * slug, height + 2 * slug), trimBox=trim,
                    bleedBox=bleed, invariant=1, initialFontName=font, lang="en")
    canvas.setTitle("Print sheet")
    canvas.setViewerPreference("DisplayDocTitle", "true")
    # tagged, so only print findings show; declared PDF/X-1a as it is drawn
    canvas.tagger = Tagger("Print sheet", "en", Declaration.of(PRINT, layout.press, layout.name))
    canvas.translate(slug, slug)
    draw(canvas, width, height)
    canvas.showPage()
    canvas.tagger.finish(canvas)
    canvas.save()
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(buffer.getvalue())
    return str(path)


def _cmyk_panel(canvas, width, height):
    canvas.setFillColor(CMYKColor(0.1, 0, 0.04, 0))
    canvas.rect(-9, -9, width + 18, height + 18, stroke=0, fill=1)


BROKEN = {
    "rgb-colour": lambda c, w, h: (c.setFillColor(Color(0.2, 0.4, 0.6)),
                                   c.rect(100, 100, 50, 50, stroke=0, fill=1)),
    "image-resolution": lambda c, w, h: c.drawImage(_tiny_image(), 100, 100, 144, 144),
    "safe-margin": lambda c, w, h: c.drawString(w - 12, 300, "x"),
    "fonts": lambda c, w, h: (c.setFont("Helvetica", 10), c.drawString(60, 300, "Helvetica")),
    "bleed": lambda c, w, h: (c.setFillColor(CMYKColor(1, 0, 0, 0)),
                              c.rect(0, 0, 80, 80, stroke=0, fill=1)),
    "transparency": lambda c, w, h: (c.setFillColor(CMYKColor(0, 1, 0, 0)), c.setFillAlpha(0.5),
                                     c.rect(100, 100, 50, 50, stroke=0, fill=1)),
}


def _tiny_image():
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    return ImageReader(Image.new("CMYK", (60, 60), (0, 80, 40, 0)))


def test_preflight_passes_a_correct_file_and_the_shipped_print_files(tmp_path, built):
    good = _sheet_pdf(tmp_path, "good", _cmyk_panel)
    result = run_cli("check", good)
    assert result.returncode == 0, result.stderr
    shipped = [str(_print_file(built, n)) for n in PRINT_LAYOUTS]
    result = run_cli("check", *shipped)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("kind", BROKEN)
def test_preflight_names_each_problem_with_page_object_and_value(tmp_path, kind):
    def draw(canvas, width, height):
        _cmyk_panel(canvas, width, height)
        BROKEN[kind](canvas, width, height)
    path = _sheet_pdf(tmp_path, kind, draw)
    result = run_cli("check", path)
    assert result.returncode == 1
    findings = [line for line in result.stderr.splitlines() if line.startswith(path)]
    kinds = {line.split(": ")[2] for line in findings}
    expected = {"fonts": "fonts"}.get(kind, kind)
    assert expected in kinds, result.stderr
    assert all(": page 1: " in line for line in findings if f": {expected}: " in line)
    if kind == "image-resolution":
        assert "30 ppi at its placed size of 2.00 × 2.00 in (needs 300)" in result.stderr
    if kind == "safe-margin":
        assert "near the right trim edge" in result.stderr


def test_preflight_rejects_encryption_and_missing_pdfx(tmp_path, built):
    writer = PdfWriter(clone_from=PdfReader(_print_file(built, "trifold-letter")))
    writer.encrypt("x", algorithm="AES-256")
    locked = tmp_path / "locked-print.pdf"
    writer.write(locked)
    assert [f.kind for f in preflight(locked, {})] == ["encrypted"]
    # check takes a file's kind from what it declares, never from its name: an encrypted
    # file's declarations are locked with it, and it is told as not checked
    result = run_cli("check", str(locked))
    assert f"{locked}: encrypted" in result.stdout and "not checked" in result.stdout
    writer = PdfWriter(clone_from=PdfReader(built / "knee-stem-cell" / "trifold-letter.pdf"))
    del writer.root_object["/Metadata"]  # declares no standard: taken for a print file
    undeclared = tmp_path / "undeclared.pdf"
    writer.write(undeclared)
    result = run_cli("check", str(undeclared))
    assert result.returncode == 1
    assert "pdfx: /GTS_PDFXVersion" in result.stderr and "/TrimBox /BleedBox: missing" in \
        result.stderr


def test_check_of_a_screen_file_leaves_out_the_print_preflight(built):
    screen = built / "knee-stem-cell" / "trifold-letter.pdf"
    result = run_cli("check", str(screen))
    assert result.returncode == 0, result.stderr
    assert f"{screen}: a screen file (PDF/UA, PDF/A), not for print" in result.stdout
    assert "pdfx" not in result.stderr


def test_check_with_no_argument_preflights_every_print_file(project):
    out = project / "output"
    assert run_cli("build", "--print", "--out", str(out), cwd=project).returncode == 0
    result = run_cli("check", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("-print.pdf: ok") == 6 + 4, "the knee's 3 layouts in 2 " \
        "languages, PRP's 2"


def test_preflight_finds_a_spot_colour_that_falls_back_to_rgb(tmp_path):
    """A Separation prints as its alternate space on a process press: an RGB alternate is RGB."""
    writer = PdfWriter(clone_from=PdfReader(_sheet_pdf(tmp_path, "good", _cmyk_panel)))
    page = writer.pages[0]
    tint = DecodedStreamObject()
    tint.set_data(b"{dup dup}")
    tint.update({NameObject("/FunctionType"): NumberObject(4),
                 NameObject("/Domain"): ArrayObject([FloatObject(0), FloatObject(1)]),
                 NameObject("/Range"): ArrayObject([FloatObject(v) for v in (0, 1) * 3])})
    spot = ArrayObject([NameObject("/Separation"), NameObject("/Teal"),
                        NameObject("/DeviceRGB"), writer._add_object(tint)])
    page["/Resources"][NameObject("/ColorSpace")] = DictionaryObject({NameObject("/Teal"): spot})
    content = DecodedStreamObject()
    content.set_data(page.get_contents().get_data() + b"\n/Teal cs 1 scn 100 100 50 50 re f")
    page.replace_contents(content)
    path = tmp_path / "spot.pdf"
    writer.write(path)
    result = run_cli("check", str(path))
    assert result.returncode == 1
    assert "rgb-colour: operator cs: colour space /DeviceRGB" in result.stderr, result.stderr


PHOTOGRAPH = ("    - type: image\n      path: images/harbor-water.jpg\n"
              "      alt: Sunlight rippling on clear harbor water.\n      width: 1.0\n")
"""An image block for the cover, placing the photograph kept in the content folder."""


def _images(resources):
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject["/Subtype"] == "/Image":
            yield xobject
        elif xobject["/Subtype"] == "/Form":
            yield from _images(xobject.get("/Resources", {}))


def test_print_images_carry_their_grey_on_the_black_plate(project):
    """Black generation: the grey in each colour is printed with K, not as a three-colour mix
    (Pillow's own conversion leaves K empty), so shadows are dense and total ink stays low.
    (The shipped cover is vector art: a photograph of dark water is placed on it here.)"""
    from PIL import Image, ImageChops, ImageMath

    publication = project / "content/knee-stem-cell/publication.yaml"
    text = publication.read_text()
    drawing = "    - type: figure\n      art: cover-walk\n      width: 0.7\n"
    assert drawing in text
    publication.write_text(text.replace(drawing, PHOTOGRAPH, 1))
    out = project / "output"
    assert run_cli("build", "--print", "--layout", "trifold-letter", "--lang", "en", "--out",
                   str(out), cwd=project).returncode == 0
    reader = PdfReader(_print_file(out, "trifold-letter"))
    image = next(_images(reader.pages[0]["/Resources"]))
    assert image["/ColorSpace"] == "/DeviceCMYK"
    cyan, magenta, yellow, black = Image.open(io.BytesIO(image._data)).split()
    assert black.getextrema()[1] > 100, "the dark water is printed with black ink"
    grey_left = ImageChops.darker(ImageChops.darker(cyan, magenta), yellow).histogram()
    assert sum(grey_left[24:]) < 0.01 * sum(grey_left), "C, M and Y hold no shared grey"
    total = ImageMath.lambda_eval(lambda a: a["c"] + a["m"] + a["y"] + a["k"],
                                  c=cyan, m=magenta, y=yellow, k=black)
    assert total.getextrema()[1] <= 3 * 255, "total ink at most 300 %"
