"""``brochure check`` on how a brochure is laid out (issue 12, items 5 and 6): text below the
layout's stated minimum (page furniture against its own), a page left part-empty, a page that
opens with a box or sub-heading stranded from its section's heading, and a figure's height cap.

Each is shown on a small project of its own (the shipped brand kit, a four-page booklet and a
leaflet written here), broken on purpose and then mended, through the real command line; the
positions a finding gives are compared with where pdftotext finds the words."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from .conftest import PROJECT, run_cli

INCH = 72.0
PAGE_HEIGHT = 8.5 * INCH
PAD = 0.5 * INCH
FRAME = PAGE_HEIGHT - 2 * PAD
SENTENCE = "The knee is a joint. It bends when you walk. "

LAYOUT = """\
name: leaflet
kind: booklet
page: {{width: 5.5in, height: 8.5in}}
bleed: 0.125in
safe_margin: 0.25in
spacing: {{panel_padding: 0.5in}}
sides:
  - {{name: page-1, panels: [{{name: cover, width: 5.5in, style: cover}}]}}
  - {{name: page-2, panels: [{{name: facts, width: 5.5in}}]}}
  - {{name: page-3, panels: [{{name: costs, width: 5.5in{costs_panel}}}]}}
  - {{name: page-4, panels: [{{name: back, width: 5.5in}}]}}
folio: {{style: folio, skip: [1, 4]}}
{top}
panel_styles:
  plain: {{}}
  cover: {{background: primary, text: paper, heading: paper}}
press: {{output_condition: CGATS TR 001}}
typography:
  cover_title:    {{font: heading, bold: true, size: 36, leading: 40, role: heading, tag: H1}}
  cover_subtitle: {{size: 16, leading: 21}}
  cover_tagline:  {{size: 13, leading: 17}}
  h1: {{font: heading, bold: true, size: 20, leading: 24, space_after: 8, role: heading, tag: H2}}
  h2: {{font: heading, bold: true, size: 16, leading: 20, space_after: 5, role: heading, tag: H3}}
  h3:             {{bold: true, size: 13, leading: 16, space_after: 3}}
  body:           {{size: 12, leading: 17, space_after: 8}}
  bullet:         {{size: 12, leading: 16, space_after: 5}}
  small:          {{size: 11, leading: 14, space_after: 5}}
  table:          {{size: {table}, leading: 15}}
  table_head:     {{bold: true, size: {table}, leading: 15, color: ink, background: rule}}
  callout:        {{size: 12, leading: 16}}
  caption:        {{size: 11, leading: 14, align: center}}
  contact:        {{size: 12, leading: 17}}
  folio:          {{bold: true, size: {folio}, leading: 12}}
"""

PLACEMENT = """\
layouts:
  leaflet:
    cover: [cover]
    facts: [facts]
    costs: [costs]
    back: {sections: [back], foot: [standards]}
"""

PUBLICATION = """\
id: leaflet
title: Your knee
subtitle: A short guide
brand: harbor
language: en
date: 2026-11-01
review_date: 2027-11-01
subject: A short guide to the knee.
layouts: [leaflet]
standards:
  sources_label: "Sources:"
  sources: [A book about knees]
  dates: Published {{{{ published }}}}. Next review {{{{ review }}}}.
  months: [January, February, March, April, May, June, July, August, September, October,
           November, December]
  formats: Large print on request.
  disclosure: "{{{{ clinic }}}} offers this care."
statements:
  cost: Ask us for the full cost in writing.
art:
  tall:
    width: 100
    height: 200
    alt: A tall box
    shapes:
      - {{type: rect, x: 0, y: 0, width: 100, height: 200, fill: primary}}
sections:
  cover:
    - type: cover
  facts:
    - type: heading
      text: The facts
    - type: paragraph
      text: {facts}
{figure}    - type: table
      columns: [Option, Time]
      rows:
        - [Rest, A week]
        - [Walk, A day]
  costs:
{costs_opening}    - type: paragraph
      text: {costs}
{costs_closing}  back:
    - type: contact
  standards:
    - type: colophon
"""


def _leaflet(root: Path, *, table: float = 12, folio: float = 10, costs: int = 34,
             facts: int = 28, costs_panel: str = "", top: str = "", boxed: bool = False,
             figure: bool = False, box_last: bool = False) -> Path:
    """A project with the shipped brand kit and a four-page leaflet of its own: ``table`` and
    ``folio`` are the type sizes of its table and page numbers; ``costs`` the sentences on
    page 3; ``boxed`` opens page 3 with a box (before its heading), ``box_last`` ends it with
    one."""
    if root.exists():
        shutil.rmtree(root)
    (root / "content" / "brands").mkdir(parents=True)
    (root / "content" / "leaflet").mkdir()
    (root / "layouts").mkdir()
    shutil.copy(PROJECT / "content" / "brands" / "harbor.yaml", root / "content" / "brands")
    shutil.copy(PROJECT / "content" / "claims.yaml", root / "content")
    (root / "layouts" / "leaflet.yaml").write_text(LAYOUT.format(
        table=table, folio=folio, costs_panel=costs_panel, top=top))
    box, heading = ("    - type: statement\n      ref: cost\n",
                    "    - type: heading\n      text: The costs\n")
    opening = box + heading if boxed else heading + ("" if box_last else box)
    shown = ("    - type: figure\n      art: tall\n      caption: A tall box\n"
             if figure else "")
    (root / "content" / "leaflet" / "publication.yaml").write_text(PUBLICATION.format(
        facts=SENTENCE * facts, costs=(SENTENCE * costs).strip(), costs_opening=opening,
        costs_closing=box if box_last else "", figure=shown))
    (root / "content" / "leaflet" / "placement.yaml").write_text(PLACEMENT)
    return root


def _build(root: Path) -> Path:
    """The leaflet's print file, built by the command line."""
    result = run_cli("build", "--out", str(root / "output"), cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "output" / "leaflet" / "leaflet-print.pdf"


def _check(*args: str, root: Path) -> tuple[int, list[str]]:
    result = run_cli("check", *args, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, [line for line in result.stderr.splitlines() if line.strip()]


def _words(path: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) from pdftotext, in points from the media box's top-left."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path),
                           "-"], capture_output=True, text=True, check=True).stdout
    return [(m[5], float(m[1]), float(m[2]), float(m[3]), float(m[4])) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html)]


def _trim_corner(path: Path, page: int) -> tuple[float, float]:
    """The trim box's top-left corner, in points from the media box's top-left."""
    sheet = PdfReader(path).pages[page - 1]
    box = sheet.trimbox if "/TrimBox" in sheet else sheet.mediabox
    return float(box.left), float(sheet.mediabox.top) - float(box.top)


# -- text size ------------------------------------------------------------------------------------

def test_text_below_the_layouts_minimum_is_a_finding_with_page_position_and_words(tmp_path):
    root = _leaflet(tmp_path / "small", table=9)
    pdf = _build(root)
    code, lines = _check(str(pdf), root=root)
    assert code == 1
    sized = [line for line in lines if ": text-size: " in line]
    assert len(sized) == 1, lines
    finding = sized[0]
    assert finding.startswith(f"{pdf}: page 2: text-size: text at 9 pt 'Option' at (")
    table = _line_of(root / "content/leaflet/publication.yaml", "- type: table")
    assert finding.endswith("below this layout's minimum of 11 pt (min_text_size in layout "
                            f"leaflet) (written at content/leaflet/publication.yaml:{table}, "
                            "section 'facts' block 3 (table))"), finding
    assert "(and 5 more like it)" in finding, "header and two rows, two cells each"
    x, y = (float(v) for v in re.search(r"at \(([\d.]+) in, ([\d.]+) in\) from the top-left",
                                        finding).groups())
    # where pdftotext finds the word, from the trimmed page's top-left: the print file's page 2
    # is the sheet 2|3 of the imposed booklet, page 2 on its left
    left, top = _trim_corner(pdf, 2)
    word = next(w for w in _words(pdf, 2) if w[0] == "Option")
    assert x == pytest.approx((word[1] - left) / INCH, abs=0.02)
    baseline = word[4] - (word[4] - word[2]) * 0.22  # pdftotext's box runs below the baseline
    assert y == pytest.approx((baseline - top) / INCH, abs=0.04)


def _line_of(path: Path, text: str) -> str:
    """``line:column`` of the block item opening with ``text`` (the column of its first key,
    where a block's position is)."""
    lines = path.read_text().splitlines()
    number = next(n for n, line in enumerate(lines, 1) if line.lstrip().startswith(text))
    return f"{number}:{lines[number - 1].index(text) + 3}"


@pytest.mark.parametrize("inserted", [
    "Moved down.",  # the blocks have moved since it was built
    "Far too long. " * 400,  # the content has grown past its panel: it no longer builds
], ids=["moved", "grown"])
def test_a_file_built_from_other_content_keeps_its_findings_without_a_position(inserted,
                                                                                tmp_path):
    """The position comes from rendering the file again. When the content changed since it
    was built, the blocks may have moved, and no position is given; when the content no
    longer builds at all (grown past its panel), the findings are still told as they are,
    without a position (exit 1, not 2)."""
    root = _leaflet(tmp_path / "changed", table=9)
    pdf = _build(root)
    publication = root / "content/leaflet/publication.yaml"
    publication.write_text(publication.read_text().replace(
        "- type: table", f"- type: paragraph\n      text: {inserted}\n    - type: table", 1))
    code, lines = _check(str(pdf), root=root)
    sized = [line for line in lines if ": text-size: " in line]
    assert code == 1 and len(sized) == 1, lines
    assert "written at" not in sized[0]


def test_the_same_text_at_the_minimum_passes(tmp_path):
    root = _leaflet(tmp_path / "fixed", table=11)
    pdf = _build(root)
    code, lines = _check(str(pdf), root=root)
    assert code == 0, lines
    assert not any("text-size" in line for line in lines)


def test_screen_files_in_the_output_folder_are_measured_too(tmp_path):
    root = _leaflet(tmp_path / "screen", table=9)
    _build(root)
    code, lines = _check(root=root)
    assert code == 1
    sized = sorted(line.split(": page")[0] for line in lines if ": text-size: " in line)
    assert sized == [str(Path("output/leaflet/leaflet-print.pdf")),
                     str(Path("output/leaflet/leaflet.pdf"))], lines


def test_page_furniture_is_held_to_its_own_minimum(tmp_path):
    """Page numbers (artifacts) at 9 pt are a finding of their own kind, against the layout's
    minimum for page furniture (10 pt by default), not the text minimum (11 pt)."""
    root = _leaflet(tmp_path / "folio", folio=9)
    pdf = _build(root)
    code, lines = _check(str(pdf), root=root)
    assert code == 1
    sized = [line for line in lines if ": text-size: " in line]
    # both page numbers are on the print file's second sheet (pages 2 and 3 side by side)
    assert len(sized) == 1, lines
    assert sized[0].startswith(f"{pdf}: page 2: text-size: page furniture at 9 pt '2' at ")
    assert sized[0].endswith("(and 1 more like it): below this layout's minimum of 10 pt "
                             "(min_furniture_size in layout leaflet)"), sized


def test_page_furniture_at_the_minimum_the_layout_states_passes(tmp_path):
    """The same 9 pt page numbers, in a layout that states 9 pt for its furniture (the 10 pt
    ones of the other leaflets pass though the text minimum is 11: they are artifacts)."""
    root = _leaflet(tmp_path / "folio", folio=9, top="min_furniture_size: 9")
    code, lines = _check(str(_build(root)), root=root)
    assert code == 0, lines


@pytest.mark.parametrize("floor", [None, 13])
def test_a_summary_is_measured_without_quoting_its_patient(project, floor):
    """Summaries in the output folder are held to their layout's minimum too; a finding gives
    the page, the position and the size, never a word of the summary."""
    if floor is not None:
        for name in ("summary-letter", "summary-a4"):
            path = project / "layouts" / f"{name}.yaml"
            path.write_text(path.read_text() + f"\nmin_text_size: {floor}\n")
    record = project / "content" / "patients" / "good-candidate.yaml"
    made = run_cli("summary", str(record), "-o", str(project / "out" / "summaries" / "s.pdf"),
                   cwd=project)
    assert made.returncode == 0, made.stderr
    result = run_cli("check", "--out", str(project / "out"), cwd=project)
    sized = [line for line in result.stderr.splitlines() if ": text-size: " in line]
    if floor is None:
        assert not sized and "type and balance: ok" in result.stdout, result.stderr
        return
    assert result.returncode == 1
    assert sized, result.stderr
    pattern = (rf"{re.escape(str(project / 'out' / 'summaries' / 's.pdf'))}: page [12]: "
               r"text-size: text at 1[12](\.5)? pt at \(\d+\.\d\d in, \d+\.\d\d in\) from "
               r"the top-left( \(and \d+ more like it\))?: below this layout's minimum of 13 pt "
               r"\(min_text_size in layout summary-letter\)")
    assert all(re.fullmatch(pattern, line) for line in sized), sized
    for word in ("Margaret", "Ellison", "HK-10231", "1952"):
        assert word not in result.stderr + result.stdout


# -- balance ------------------------------------------------------------------------------------

def test_a_page_whose_content_ends_too_high_is_a_finding(tmp_path):
    root = _leaflet(tmp_path / "short", costs=4)
    pdf = _build(root)
    screen = root / "output" / "leaflet" / "leaflet.pdf"
    code, lines = _check(str(pdf), root=root)
    assert code == 1
    balance = [line for line in lines if ": balance: " in line]
    assert len(balance) == 1, lines
    # page 3 of the booklet is on the print file's second sheet (2|3), on its right
    assert balance[0].startswith(f"{pdf}: page 2: balance: panel 'costs': its content ends at ")
    assert balance[0].split(" of its frame")[1].startswith(
        "; this layout asks for at least 70 % (balance: min_fill in layout leaflet)")
    reported = int(re.search(r"ends at (\d+) %", balance[0]).group(1))
    lowest = max(w[4] for w in _words(screen, 3) if w[4] < PAGE_HEIGHT - PAD)  # not the folio
    assert reported == pytest.approx((lowest - PAD) / FRAME * 100, abs=2)


def test_a_page_ending_with_a_box_ends_where_the_box_does(tmp_path):
    """The box's fill (an artifact) holds reader text inside the column: the content ends at
    the fill's lower edge, not at its last line of text."""
    root = _leaflet(tmp_path / "box", costs=4, box_last=True)
    pdf = _build(root)
    code, lines = _check(str(pdf), root=root)
    assert code == 1
    reported = int(re.search(r"panel 'costs': its content ends at (\d+) %", "\n".join(lines))
                   .group(1))
    box = _filled_boxes(root / "output" / "leaflet" / "leaflet.pdf", 3)
    assert len(box) == 1, box
    bottom = PAGE_HEIGHT - box[0][1]  # from the page's top
    assert reported == int((bottom - PAD) / FRAME * 100), (reported, bottom)


def _filled_boxes(path: Path, page: int) -> list[tuple[float, float, float, float]]:
    """Bounds of the filled shapes on a page narrower than the page and wider than 3 in."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(str(path))
    try:
        return [obj.get_bounds() for obj in document[page - 1].get_objects(max_depth=8)
                if obj.type == raw.FPDF_PAGEOBJ_PATH
                and 3 * INCH < obj.get_bounds()[2] - obj.get_bounds()[0] < 5 * INCH]
    finally:
        document.close()


def test_a_full_page_passes_and_the_covers_are_left_out(tmp_path):
    root = _leaflet(tmp_path / "full")
    code, lines = _check(str(_build(root)), root=root)
    assert code == 0, lines


@pytest.mark.parametrize("costs, panel, top, passes", [
    (4, ", balance: false", "", True),  # the short page, left out on purpose
    (4, "", "balance: {min_fill: 0.2}", True),  # the short page, a lenient layout
    (34, "", "balance: {min_fill: 0.99}", False),  # the full page, a strict layout
])
def test_a_panel_may_be_left_out_of_the_balance_and_the_share_is_layout_data(
        tmp_path, costs, panel, top, passes):
    root = _leaflet(tmp_path / "balance", costs=costs, costs_panel=panel, top=top)
    code, lines = _check(str(_build(root)), root=root)
    assert code == (0 if passes else 1), lines
    assert passes or any("at least 99 %" in line for line in lines), lines


@pytest.mark.parametrize("value", ["0", "1.5", "half"])
def test_a_bad_share_is_an_input_error_at_its_line(tmp_path, value):
    root = _leaflet(tmp_path / "bad", top=f"balance: {{min_fill: {value}}}")
    result = run_cli("check", cwd=root)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.search(r"layouts/leaflet\.yaml:13:\d+: error: .*min_fill", result.stderr), \
        result.stderr


# -- stranded boxes and headings ----------------------------------------------------------------

def test_a_page_opening_with_a_box_before_its_heading_is_a_finding_at_the_box(tmp_path):
    root = _leaflet(tmp_path / "stranded", boxed=True)
    code, lines = _check("--out", str(tmp_path / "none"), root=root)
    assert code == 1
    stranded = [line for line in lines if "opens with" in line]
    source = (root / "content" / "leaflet" / "publication.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(source, start=1) if "type: statement" in text)
    assert stranded == [
        f"content/leaflet/publication.yaml:{line}:7: finding: layout leaflet, page 3, panel "
        "'costs' opens with a statement box (block 1 of section 'costs') and no section "
        "heading: a panel starts with a level-1 heading (or a block with its own, such as "
        "physician or contact); put the heading this block belongs under before it, or place "
        "its section after one"], lines


def test_the_same_page_with_its_heading_first_passes(tmp_path):
    root = _leaflet(tmp_path / "headed")
    code, lines = _check("--out", str(tmp_path / "none"), root=root)
    assert code == 0, lines


# -- figure height cap --------------------------------------------------------------------------

def _tall_shapes(path: Path, page: int) -> list[tuple[float, float]]:
    """(width, height) in points of every filled or stroked shape over an inch tall on a page."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument(str(path))
    try:
        found = []
        for obj in document[page - 1].get_objects(max_depth=8):
            if obj.type == raw.FPDF_PAGEOBJ_PATH:
                left, bottom, right, top = obj.get_bounds()
                if top - bottom > INCH:
                    found.append((right - left, top - bottom))
        return found
    finally:
        document.close()


@pytest.mark.parametrize("cap", [0.4, 0.6])
def test_a_figure_is_scaled_down_to_the_layouts_cap_keeping_its_shape(tmp_path, cap):
    root = _leaflet(tmp_path / "figure", figure=True, facts=4,
                    top=f"figure: {{max_height: {cap}}}\nbalance: {{min_fill: 0.1}}")
    _build(root)
    shapes = _tall_shapes(root / "output" / "leaflet" / "leaflet.pdf", 2)
    assert len(shapes) == 1, shapes
    width, height = shapes[0]
    assert height == pytest.approx(cap * FRAME, abs=0.5)
    assert width == pytest.approx(height / 2, abs=0.5), "the art is 100 x 200"


def test_without_a_cap_the_same_figure_is_as_wide_as_its_column(tmp_path):
    """The drawing would be 9 in tall at the column's width: the panel cannot hold it."""
    root = _leaflet(tmp_path / "figure", figure=True, facts=4)
    result = run_cli("build", "--out", str(root / "output"), cwd=root)
    assert result.returncode == 2
    assert "does not fit panel 'facts'" in result.stderr, result.stderr


# -- the shipped brochures ----------------------------------------------------------------------

def test_the_shipped_brochures_pass_the_type_and_balance_checks(built):
    """Every shipped layout of both publications in both languages, screen and print: nothing
    below 11 pt (page numbers 10 pt), every panel but the covers full enough, no stranded box."""
    files = sorted(built.glob("*/*.pdf"))
    assert len(files) == 12 + 8, files  # the knee's 3 layouts, PRP's 2
    result = run_cli("check", "--out", str(built))
    assert "Traceback" not in result.stderr
    assert "type and balance: ok" in result.stdout, result.stderr
    assert "content: ok" in result.stdout, result.stderr
    assert not re.search(r": (text-size|balance): |opens with", result.stderr), result.stderr
