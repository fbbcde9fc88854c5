"""Parsed content text and its lines reused across summaries: the same bytes as parsing and
breaking afresh, copies that nothing shares, and no patient's words kept or carried into another
summary; page streams compressed at our documents' level."""

from __future__ import annotations

import shutil
import subprocess
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle

from brochure.render.backend.document import PAGE_COMPRESSION
from brochure.render.paragraphs import para
from brochure.render.parse_cache import PARSED
from brochure.summaries import render_summary, summary_kit

from .conftest import edit_once, examples
from .pdf import text as pdf_text
from .test_candidacy import BASE

ONE = {**BASE, "id": "P-1", "name": "Wilhelmina Quackenbush", "notes": "Wilhelmina walks daily."}
TWO = {**BASE, "id": "P-2", "name": "Zoltán Øvergaard", "pain": 9, "kl_grade": 4,
       "conditions": ["infection"], "notes": "Zoltán needs the infection treated first."}
"""Two patients with different verdicts, names (one outside ASCII) and notes."""

RECORDS = [ONE, TWO, {**ONE, "language": "es"}, {**TWO, "language": "es"},
           {**BASE, "kl_grade": None, "cartilage_grade": None, "pain": 3},
           {**BASE, "kl_grade": 1, "pain": 2, "override_verdict": "good",
            "override_reason": "Seen in clinic; worth discussing."}]
"""Every verdict, both languages, missing grades, a physician's override."""


def _text(pdf: bytes) -> str:
    return pdf_text(pdf)


def test_summaries_are_the_same_bytes_with_parsed_text_reused_or_parsed_afresh():
    for record in RECORDS:  # twice: the second time every content text is a reused parse
        render_summary(record)
    reused = [render_summary(record) for record in RECORDS]
    assert len(PARSED) > 0
    with PARSED.disabled():
        afresh = [render_summary(record) for record in RECORDS]
    for record, warm, cold in zip(RECORDS, reused, afresh, strict=True):
        assert warm == cold, record["id"]


def test_one_patients_words_never_reach_another_summary_nor_stay_in_the_cache():
    first, second, first_again = (render_summary(r) for r in (ONE, TWO, ONE))
    text_one, text_two = _text(first), _text(second)
    assert "Wilhelmina Quackenbush" in text_one and "Wilhelmina" not in text_two
    assert "Zoltán Øvergaard" in text_two and "Zoltán" not in text_one
    assert "walks daily" in text_one and "walks daily" not in text_two
    assert first_again == first
    held = " ".join(PARSED.texts())
    for word in ("Wilhelmina", "Quackenbush", "Zolt", "Øvergaard", "walks daily"):
        assert word not in held


def test_a_reused_parse_gives_fragments_of_its_own():
    style = ParagraphStyle("cache-test", fontName="Helvetica", fontSize=11)
    markup = '<b>Bold</b> and <a href="https://example.org/">a link</a> <u>under</u>'
    parsed = para(markup, style)  # parsed here, kept
    first, second = para(markup, style), para(markup, style)  # both reused
    assert [f.__dict__ for f in first.frags] == [f.__dict__ for f in parsed.frags]
    assert not {id(f) for f in first.frags} & {id(f) for f in second.frags}
    first.frags[0].text = "Changed"
    first.frags[-1].us_lines.append("changed")
    first.frags[2].link.append("changed")
    third = para(markup, style)
    assert [f.__dict__ for f in third.frags] == [f.__dict__ for f in second.frags]
    assert third.frags[0].text == "Bold"
    assert "changed" not in third.frags[-1].us_lines and "changed" not in third.frags[2].link
    assert third.getPlainText() == "Bold and a link under"


def test_styles_are_told_apart_by_their_values_not_their_identity():
    style = ParagraphStyle("cache-colour", fontName="Helvetica", fontSize=11)
    same = style.clone("cache-colour")
    red = style.clone("cache-colour", textColor=colors.red)
    cmyk = style.clone("cache-colour", textColor=colors.CMYKColor(0, 0, 0, 1))
    markup = "One colour or another"
    assert para(markup, style).frags[0].textColor == colors.black
    assert para(markup, same).frags[0].textColor == colors.black
    assert para(markup, red).frags[0].textColor == colors.red
    assert isinstance(para(markup, cmyk).frags[0].textColor, colors.CMYKColor)
    assert type(para(markup, style.clone("cache-colour", fontSize=11.0)).frags[0].fontSize) \
        is float  # 11 and 11.0 are equal, but not written the same way


def _lines(paragraph) -> list:
    return [(round(line.extraSpace, 6), [(w.text, w.fontName, w.fontSize) for w in line.words])
            for line in paragraph.blPara.lines]


def test_a_reused_wrap_gives_lines_of_their_own_as_if_broken_afresh():
    style = summary_kit().styles["body"]
    markup = ("<b>Next step:</b> Call <b>(555)\u00a0014-2200</b> to book a full evaluation of "
              "your knee, and <i>bring</i> your X-rays.")
    with PARSED.disabled():
        afresh = para(markup, style)
        size = afresh.wrap(120, 1000)
    para(markup, style).wrap(120, 1000)  # its lines kept
    first, second = para(markup, style), para(markup, style)
    assert first.wrap(120, 1000) == second.wrap(120, 1000) == size
    assert _lines(first) == _lines(second) == _lines(afresh)
    assert first.blPara is not second.blPara
    assert not {id(w) for line in first.blPara.lines for w in line.words} & {
        id(w) for line in second.blPara.lines for w in line.words}
    assert len(first.split(120, first.height / 2)) == 2  # ReportLab splits one of them
    first.blPara.lines[0].words[0].text = "Changed"
    third = para(markup, style)
    third.wrap(120, 1000)
    assert _lines(third) == _lines(afresh) == _lines(second)
    assert third.wrap(200, 1000) != size  # another width: its own lines


def test_page_streams_are_compressed_at_our_documents_level(tmp_path):
    path = tmp_path / "summary.pdf"
    path.write_bytes(render_summary(ONE))
    for page in PdfReader(path).pages:
        number = page.raw_get("/Contents").idnum
        raw = subprocess.run(["qpdf", f"--show-object={number}", "--raw-stream-data", str(path)],
                             capture_output=True, check=True).stdout
        data = zlib.decompress(raw)
        assert raw == zlib.compress(data, PAGE_COMPRESSION) != zlib.compress(data)
        assert b" Tf" in data  # the page's text is in it



def test_a_kit_made_again_from_the_same_files_reuses_its_seed_and_writes_the_same_bytes(
        project):
    """The glyph numbering a kit learns (four calibration summaries a language) is found again
    by a kit made from the same files elsewhere, and a kit whose wording changed learns its
    own; the bytes are those of a kit that learnt afresh."""
    from brochure.project import load_project
    from brochure.render import summary as summary_module

    summary_module._LEARNT.clear()
    afresh = render_summary(ONE, project=load_project(project))
    learnt = len(summary_module._LEARNT)
    assert learnt >= 1
    copy = project.parent / "again"
    shutil.copytree(project, copy)
    assert render_summary(ONE, project=load_project(copy)) == afresh
    assert len(summary_module._LEARNT) == learnt  # found, not learnt again
    edit_once(copy, "content/knee-stem-cell/summary.yaml", "What we found", "What we saw")
    changed = render_summary(ONE, project=load_project(copy))
    assert len(summary_module._LEARNT) > learnt and "What we saw" in pdf_text(changed)


_PLAIN = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<&"),
                 max_size=80)


@given(text=_PLAIN, bold=st.booleans(), bullet=st.sampled_from([None, "•"]))
@settings(max_examples=examples(200))
def test_a_patients_plain_words_are_made_into_the_fragments_reportlabs_parser_makes(text, bold,
                                                                                    bullet):
    """Markup without a tag or an entity (most of a patient's words) is not run through
    ReportLab's parser: the paragraph it makes has the text and the fragments the parser
    gives, value for value (spaces, line breaks, any script), and breaks into the same
    lines."""
    from reportlab.platypus import Paragraph

    from brochure.render.paragraphs import Para, _unmarked

    styles = summary_kit().styles
    style = styles["h3" if bold else "body"]
    made = _unmarked(text, style, bullet, Para)
    parsed = Paragraph(text, style, bulletText=bullet)
    if made is None:  # only for text ReportLab cleans to nothing
        assert not parsed.text
        return
    assert made.text == parsed.text
    assert [f.__dict__ for f in made.frags] == [f.__dict__ for f in parsed.frags]
    assert made.bulletText == parsed.bulletText
    width = 120.0
    assert [line for line in made.breakLines([width]).lines] == \
        [line for line in parsed.breakLines([width]).lines]


def test_a_paragraph_whose_split_fails_keeps_its_lines_for_the_next_frame(monkeypatch):
    """ReportLab's split takes a paragraph's lines away when not even two lines fit (so that
    the next wrap breaks them again); ours gives them back: the next frame of the same width
    places the paragraph without breaking its lines again, and the lines are the ones a fresh
    paragraph breaks, their kept line-end spaces included."""
    from brochure.render.backend.paragraph import lines_at
    from brochure.render.paragraphs import Para

    style = summary_kit().styles["body"]
    text = "Walk ten minutes in the morning and ten in the afternoon, every day. " * 4
    paragraph, fresh_one = Para(text, style), Para(text, style)
    paragraph.wrap(200, 1000)
    assert paragraph.split(200, style.leading * 1.5) == []  # one line's room: it moves on
    broken: list[int] = []
    breaking = Para.breakLines
    monkeypatch.setattr(Para, "breakLines", lambda self, width: broken.append(1) or breaking(
        self, width))
    assert paragraph.wrap(200, 1000) == fresh_one.wrap(200, 1000)
    assert len(broken) == 1, "only the fresh paragraph broke its lines"
    assert lines_at(paragraph, 200) == lines_at(fresh_one, 200)


@pytest.mark.parametrize("markup", [
    "Walk slowly every day and rest when the knee hurts; " * 8,
    "<b>Next step:</b> " + "Call us at the clinic to talk about what this means for you. " * 5,
])
def test_the_pieces_of_a_split_keep_the_lines_breaking_them_again_would_make(markup):
    """The pieces of a split paragraph take the whole's lines instead of breaking them again
    (the second piece of lines of fragments excepted): the same words on each line, the same
    room left, the kept line-end spaces where a piece's own wrap would keep them."""
    from brochure.render.backend.paragraph import lines_at
    from brochure.render.paragraphs import Para

    style = summary_kit().styles["body"]
    paragraph = Para(markup, style)
    paragraph.wrap(150, 1000)
    pieces = paragraph.split(150, style.leading * 3.5)
    assert len(pieces) == 2

    def said(piece) -> list:
        return [(round(line[0], 6), line[1]) if isinstance(line, tuple) else
                (round(line.extraSpace, 6), [w.text for w in line.words if getattr(w, "text", "")])
                for line in lines_at(piece, 150)]
    for piece in pieces:
        kept = said(piece)
        again = Para(None, piece.style, frags=piece.frags)  # the same fragments, broken anew
        for name in ("_JustifyLast", "_splitpara"):
            if name in piece.__dict__:
                setattr(again, name, piece.__dict__[name])
        again.wrap(150, 1000)
        assert kept == said(again)
