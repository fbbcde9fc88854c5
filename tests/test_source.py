"""Loading YAML with positions, lengths with units, and text escaping for paragraph markup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reportlab.platypus import Paragraph

from brochure import source
from brochure.errors import SourceError
from brochure.model.art import Path as ArtPath
from brochure.model.base import Length, Strict
from brochure.source import parse
from brochure.text import escape, inline, plain


def test_positions_of_nested_values_are_kept():
    source = parse("title: A\nblocks:\n  - type: heading\n    text: Hi\n", "p.yaml")
    assert source.data == {"title": "A", "blocks": [{"type": "heading", "text": "Hi"}]}
    assert source.where(("blocks", 0, "text")) == (4, 11)
    assert source.where(("blocks", 0, "text"), key=True) == (4, 5)
    assert source.where(("blocks", 0, "missing")) == (3, 5)


@pytest.mark.parametrize("value", ["!!python/object/apply:os.system ['true']",
                                   "!!python/name:os.system", "!!python/object:os.Foo {a: 1}"])
def test_unsafe_tags_are_refused_with_their_position(value):
    with pytest.raises(SourceError) as caught:
        parse(f"a: 1\nb: {value}\n", "x.yaml")
    assert str(caught.value.problems[0]).startswith("x.yaml:2:4: error: unsupported YAML")


def test_merge_keys_still_work():
    source = parse("base: &b {size: 10}\nh1:\n  <<: *b\n  bold: true\n", "t.yaml")
    assert source.data["h1"] == {"size": 10, "bold": True}


class _Sized(Strict):
    size: Length


@pytest.mark.parametrize("written, points", [
    (72, 72.0), ("1in", 72.0), ("25.4mm", 72.0), ("2.54cm", 72.0), ("0.125in", 9.0), ("9pt", 9.0),
])
def test_lengths_accept_units(written, points):
    assert _Sized(size=written).size == pytest.approx(points)


@pytest.mark.parametrize("written", ["1 inch", "", "in", True, [1]])
def test_lengths_refuse_anything_else(written):
    with pytest.raises(ValueError, match="expected a length"):
        _Sized(size=written)


def test_markup_in_text_is_printed_not_obeyed():
    text = "O'Brien <b>&amp; <img src=x/> <a href=\"javascript:alert(1)\">x</a>"
    paragraph = Paragraph(escape(text))
    assert "".join(w for frag in paragraph.frags for w in [frag.text]) == text


def test_only_bold_and_italic_become_markup():
    assert inline("**Ask** us *first* <now>") == "<b>Ask</b> us <i>first</i> &lt;now&gt;"
    assert plain("**Ask** us *first*") == "Ask us first"


@given(st.text(max_size=60))
def test_any_text_survives_escaping_verbatim(text):
    printable = "".join(c for c in text if c.isprintable() and c not in "\t")
    paragraph = Paragraph(escape(printable))
    rendered = "".join(getattr(f, "text", "") for f in paragraph.frags)
    assert " ".join(rendered.split()) == " ".join(printable.split())


def test_art_paths_are_parsed_into_drawing_steps():
    path = ArtPath(type="path", d="M 0 0 L 10 0 20 10 C 1 2 3 4 5 6 Z")
    assert path.commands() == [("M", [0.0, 0.0]), ("L", [10.0, 0.0]), ("L", [20.0, 10.0]),
                               ("C", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), ("Z", [])]


def test_art_path_with_wrong_arity_is_refused():
    with pytest.raises(ValueError, match="C takes 6 numbers, got 3"):
        ArtPath(type="path", d="M 0 0 C 1 2 3")


def test_a_project_file_is_parsed_once_and_each_caller_gets_its_own_copy(monkeypatch):
    parsed: list[str] = []
    parse_once = source._parse

    def counted(text, path, limits):
        parsed.append(str(path))
        return parse_once(text, path, limits)
    monkeypatch.setattr(source, "_parse", counted)
    text = "sections:\n  basics:\n    - {type: heading, text: Parsed once}\n"
    first = source.parse(text, "content/once-only.yaml")
    first.data["sections"]["basics"].append("changed by its caller")
    second = source.parse(text, "content/once-only.yaml")
    assert parsed == ["content/once-only.yaml"]
    assert second.data == {"sections": {"basics": [{"type": "heading", "text": "Parsed once"}]}}
    assert second.where(("sections", "basics", 0)) == first.where(("sections", "basics", 0))


def test_a_records_text_is_never_kept_parsed():
    text = "id: HK-10001\nname: Keepme Notkept\n"
    source.parse(text, "records.yaml", source.RECORDS)
    assert not any("Keepme" in kept for kept in source._PARSED)
    project_file = "title: Keepme as a project file\n"
    source.parse(project_file, "a.yaml")
    assert project_file in source._PARSED  # the same look finds a project file's text


def test_a_text_parsed_before_under_another_path_is_placed_in_its_own_file():
    text = "title: Shared text\nsections: [a, b]\n"
    first = source.parse(text, "copy-one/publication.yaml")
    again = source.parse(text, "copy-two/publication.yaml")
    assert str(first.path) == "copy-one/publication.yaml"
    assert str(again.path) == "copy-two/publication.yaml"
    problem = again.problem(("sections", 1), "expected something else")
    assert (str(problem.path), problem.line, problem.column) == ("copy-two/publication.yaml", 2, 15)
    again.data["sections"].append("c")
    assert source.parse(text, "copy-three/publication.yaml").data["sections"] == ["a", "b"]


@given(st.text(alphabet=st.sampled_from('&<>"\'a é;#\u00ad'), max_size=40) | st.text(max_size=40))
def test_escape_is_the_standard_librarys_xml_escape(text):
    """Our escape (one pass, without importing urllib, http and ssl as xml.sax.saxutils does,
    8 ms of every start) gives what xml.sax.saxutils gives: with quotes for markup attributes,
    without for XML text (the XMP metadata)."""
    from xml.sax.saxutils import escape as standard

    assert escape(text) == standard(text, {'"': "&quot;"})
    assert escape(text, quotes=False) == standard(text)
