"""Details of the PDFs we write: long words broken across lines and pages, the font cache,
font subset tags, and header versions that match the features each file uses."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import fontpkg
import pypdfium2 as pdfium
import pytest
from fontTools import ttLib
from pypdf import PdfReader

from brochure.output import cache_dir
from brochure.render.fonts import _prepared_file
from brochure.summaries import summarize

from .conftest import run_cli, run_process
from .test_candidacy import BASE

# -- long words -------------------------------------------------------------------------------


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _pieces_of(word: str, pdf: bytes) -> str:
    """The runs of ``word``'s letter (two or more: 'Why' has one), in reading order; a run
    ended by "…" is page 2's running header, the name cut to the band, and left out."""
    return "".join(re.findall(f"{word[0]}{{2,}}(?![{word[0]}…])", _text(pdf)))


def _outside_the_page(pdf: bytes) -> list[tuple[int, str]]:
    """Characters drawn (partly) outside their page."""
    document = pdfium.PdfDocument(pdf)
    found = []
    for number, page in enumerate(document):
        width, height = page.get_size()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(i)
            if text.get_text_range(i, 1).strip() and (
                    left < 0 or bottom < 0 or right > width or top > height):
                found.append((number, text.get_text_range(i, 1)))
    return found


@pytest.mark.parametrize("field, length", [("notes", 2000), ("name", 200),
                                           ("override_reason", 500)])
def test_a_word_as_long_as_a_field_allows_breaks_across_lines(field, length):
    word = "W" * length  # one of the widest letters: the tallest box a field can make
    record = {**BASE, field: word}
    if field == "override_reason":
        record["override_verdict"] = "good"
    pdf = summarize(record).pdf
    # the word's pieces, read in order across lines and pages, make the whole word again; a
    # note of 2,000 W cannot fit two pages at 12 pt: it is cut, and says where the rest is
    pieces = _pieces_of(word, pdf)
    assert pieces == word or (field == "notes" and word.startswith(pieces) and _cut(pdf))
    assert _outside_the_page(pdf) == []


def test_a_long_note_in_many_paragraphs_flows_onto_the_next_page():
    notes = "\n\n".join(["W" * 98] * 20)[:2000]
    pdf = summarize({**BASE, "notes": notes}).pdf
    pieces = _pieces_of("W" * 1960, pdf)  # 20 paragraphs of 98, cut to keep two pages
    assert ("W" * 1960).startswith(pieces) and _cut(pdf)
    assert "W" in PdfReader(io.BytesIO(pdf)).pages[1].extract_text()
    assert _outside_the_page(pdf) == []


def _cut(pdf: bytes) -> bool:
    """The summary says its note was cut, and where the rest is."""
    return "The rest of this note is in your record" in " ".join(_text(pdf).split())


def test_a_long_word_in_brochure_text_breaks_across_lines(project, tmp_path):
    word = "W" * 40  # two lines and more: longer than any line, short enough for its panel
    content = project / "content" / "knee-stem-cell" / "publication.yaml"
    text = content.read_text()
    content.write_text(text.replace("Researchers think", f"Researchers {word} think", 1))
    result = run_cli("build", "knee-stem-cell", "--layout", "trifold-letter", "--root",
                     str(project), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    pdf = (tmp_path / "out" / "knee-stem-cell" / "trifold-letter.pdf").read_bytes()
    # every piece, in order (a last piece may be one letter, which _pieces_of leaves out)
    assert f"Researchers{word}think" in "".join(_text(pdf).split())
    assert _outside_the_page(pdf) == []


# -- the font cache ---------------------------------------------------------------------------

RECORD = "content/patients/good-candidate.yaml"


def test_a_cache_folder_that_cannot_be_made_only_slows_the_start(tmp_path, monkeypatch):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")  # fails even for root
    monkeypatch.setenv("BROCHURE_CACHE", str(blocker))
    source = fontpkg.select_file(fontpkg.family("Atkinson Hyperlegible"), 400, "normal").path
    prepared = ttLib.TTFont(_prepared_file(source, {})[1])
    assert prepared.getGlyphOrder() == ttLib.TTFont(source).getGlyphOrder()
    assert "fpgm" not in prepared  # prepared as usual, only not kept


@pytest.mark.process  # a fresh interpreter: this one has its fonts in memory already
def test_a_damaged_or_unreadable_cached_font_is_prepared_again(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    if cache_dir("fonts").is_dir():  # the fonts prepared so far: a start in seconds
        # (fonts only: another test's process may be writing a hidden temporary there)
        shutil.copytree(cache_dir("fonts"), cache / "fonts",
                        ignore=shutil.ignore_patterns(".*"))
    for copied in (cache / "fonts").glob("*.ttf"):  # never read yet (see _read_by)
        os.utime(copied, ns=(0, copied.stat().st_mtime_ns))
    monkeypatch.setenv("BROCHURE_CACHE", str(cache))
    first = _summary(tmp_path / "first.pdf")
    kept = sorted(_read_by_the_summary(cache / "fonts"), key=lambda p: p.stat().st_size)
    kept[0].write_bytes(kept[0].read_bytes()[:200])  # truncated
    kept[1].unlink()
    kept[1].mkdir()  # a folder where a cached font should be: reading it fails
    assert _summary(tmp_path / "again.pdf") == first
    assert len(kept[0].read_bytes()) > 200  # the damaged copy was replaced


def _read_by_the_summary(folder: Path) -> list[Path]:
    """The cached fonts the summary used: a user's cache may also hold fonts prepared by an
    older version, which no summary reads. Reading a file whose access time is older than its
    change time updates it (relatime); where access times are not kept, every file counts."""
    files = list(folder.glob("*.ttf"))
    return [p for p in files if p.stat().st_atime_ns > 0] or files


def _summary(out: Path) -> bytes:
    result = run_process("summary", RECORD, "--output", str(out))
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


# -- font subset tags -------------------------------------------------------------------------


def _subsets(pdf: bytes) -> dict[str, set[bytes]]:
    """Each embedded subset's BaseFont name, with the font programs that carry it."""
    reader = PdfReader(io.BytesIO(pdf))
    found: dict[str, set[bytes]] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            program = font["/FontDescriptor"].get_object()["/FontFile2"].get_object()
            found.setdefault(str(font["/BaseFont"]).lstrip("/"), set()).add(program.get_data())
    return found


def test_every_subset_in_a_packet_has_a_tag_of_its_own():
    packet = summarize(BASE, with_brochure=True).pdf
    subsets = _subsets(packet)
    assert all(re.fullmatch(r"[A-Z]{6}\+.+", name) for name in subsets)
    assert all(len(programs) == 1 for programs in subsets.values()), \
        [name for name, programs in subsets.items() if len(programs) > 1]
    body = [name for name in subsets if name.endswith("+AtkinsonHyperlegible-Regular")]
    assert len(body) >= 2  # the summary's subset and the brochure's: two names
    assert len({name.split("+")[0] for name in subsets}) == len(subsets)


def test_subset_tags_are_the_same_on_every_build():
    assert summarize(BASE).pdf == summarize(BASE).pdf


# -- header versions --------------------------------------------------------------------------

PASSWORD = "a long enough password"


def _header(pdf: bytes) -> tuple[int, int]:
    found = re.match(rb"%PDF-(\d)\.(\d)", pdf)
    assert found, pdf[:16]
    return int(found[1]), int(found[2])


def _needed(pdf: bytes, password: str | None = None) -> tuple[int, int]:
    """The lowest PDF version that has every feature the file uses (ISO 32000-1, per key)."""
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    root, needed = reader.trailer["/Root"], (1, 3)
    if any(key in root for key in ("/Lang", "/Metadata", "/OutputIntents")):
        needed = (1, 4)
    if any("/Tabs" in page for page in reader.pages):
        needed = (1, 5)
    if "/Encrypt" in reader.trailer and int(reader.trailer["/Encrypt"]["/V"]) >= 5:
        needed = (1, 7)  # AES-256: an Adobe extension of PDF 1.7
    return needed


def _qpdf_check(pdf: bytes, tmp_path: Path, password: str | None = None) -> None:
    path = tmp_path / "checked.pdf"
    path.write_bytes(pdf)
    command = ["qpdf", "--check", *([f"--password={password}"] if password else []), str(path)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("with_brochure", [False, True], ids=["summary", "packet"])
def test_summaries_declare_the_version_their_features_need(with_brochure, tmp_path):
    pdf = summarize(BASE, with_brochure=with_brochure).pdf
    assert _header(pdf) == _needed(pdf) == (1, 5)  # tagged pages' /Tabs
    assert "/Extensions" not in PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    _qpdf_check(pdf, tmp_path)


def test_an_encrypted_packet_declares_pdf_1_7_with_adobes_aes_256_extension(tmp_path):
    pdf = summarize(BASE, with_brochure=True, password=PASSWORD).pdf
    assert _header(pdf) == _needed(pdf, PASSWORD) == (1, 7)  # not 2.0: PDF/UA-1 still applies
    reader = PdfReader(io.BytesIO(pdf))
    reader.decrypt(PASSWORD)
    encryption = reader.trailer["/Encrypt"]
    assert (int(encryption["/V"]), int(encryption["/R"])) == (5, 6)
    adobe = reader.trailer["/Root"]["/Extensions"]["/ADBE"]
    # revision 6 of AES-256 is Adobe's extension level 8 (level 3 was revision 5)
    assert (adobe["/BaseVersion"], int(adobe["/ExtensionLevel"])) == ("/1.7", 8)
    _qpdf_check(pdf, tmp_path, PASSWORD)


def test_brochures_declare_their_versions(built, tmp_path):
    files = sorted((built / "knee-stem-cell").glob("*.pdf"))
    assert any(f.name.endswith("-print.pdf") for f in files)
    for path in files:
        pdf = path.read_bytes()
        if path.name.endswith("-print.pdf"):  # PDF/X-1a:2003 keeps its 1.3 header
            assert _header(pdf) == (1, 3), path.name
            assert PdfReader(path).metadata["/GTS_PDFXVersion"] == "PDF/X-1a:2003"
        else:
            assert _header(pdf) == _needed(pdf) == (1, 5), path.name
        _qpdf_check(pdf, tmp_path)
