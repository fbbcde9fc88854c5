"""A kit's glyph numbering kept on disk between runs: the next process's kit finds it and renders
no calibration summary, with the same bytes as a kit that learnt afresh; a damaged or foreign
file (another key's, changed, numbering fonts not the kit's, a pipe) is learnt again and
replaced; a change to the kit or its fonts is kept apart; the store stays bounded."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from brochure.output import cache_dir
from brochure.project import load_project
from brochure.render import summary as summary_module
from brochure.render.replay import FontSeed
from brochure.render.seed_store import KEPT, LEFTOVER_SECONDS, keep_seed, kept_seed, seed_key
from brochure.render.summary import SummaryKit
from brochure.summaries import render_summary

from .conftest import edit_once
from .test_parse_cache import ONE, TWO


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A cache folder with no seed in it (its prepared fonts are the usual cache's: preparing
    them again takes most of a minute), and no seed learnt in this process yet (as in a new
    process)."""
    fonts = cache_dir("fonts")
    fonts.mkdir(parents=True, exist_ok=True)
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "fonts").symlink_to(fonts, target_is_directory=True)
    monkeypatch.setenv("BROCHURE_CACHE", str(folder))
    summary_module._LEARNT.clear()
    return folder


def _new_process() -> None:
    """What a new process has: no seed learnt in memory."""
    summary_module._LEARNT.clear()


def _no_learning(monkeypatch) -> None:
    def learn(self, language):
        raise AssertionError(f"calibration rendered for {language}")
    monkeypatch.setattr(SummaryKit, "_learn", learn)


def test_the_next_run_finds_the_seed_renders_no_calibration_and_writes_the_same_bytes(
        project, cache, monkeypatch):
    afresh = [render_summary(record, project=load_project(project))
              for record in (ONE, {**TWO, "language": "es"})]
    stored = sorted((cache / "seeds").glob("*.json"))
    assert len(stored) == 2  # one a language (a kit prepares each of its languages)
    _new_process()
    _no_learning(monkeypatch)
    again = [render_summary(record, project=load_project(project))
             for record in (ONE, {**TWO, "language": "es"})]
    assert again == afresh


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"order": ["x"], "chars": {}}',
                                    b'{"order": ["x"], "chars": {"x": [-1]}}', b"[1, 2]",
                                    b"[" * 100_000])
def test_a_damaged_seed_file_is_learnt_again_and_replaced(project, cache, damage):
    afresh = render_summary(ONE, project=load_project(project))
    stored = sorted((cache / "seeds").glob("*.json"))
    kept = [path.read_bytes() for path in stored]
    for path in stored:
        path.write_bytes(damage)
    _new_process()
    assert render_summary(ONE, project=load_project(project)) == afresh
    assert [path.read_bytes() for path in stored] == kept


def test_a_seed_file_of_another_key_or_digits_changed_is_learnt_again(project, cache):
    """Whole files that are not the seed of their name: the other language's seed (the two
    files swapped), and a seed with one code point changed on disk."""
    records = (ONE, {**ONE, "language": "es"})
    afresh = [render_summary(record, project=load_project(project)) for record in records]
    en, es = sorted((cache / "seeds").glob("*.json"))
    kept = en.read_bytes(), es.read_bytes()
    en.write_bytes(kept[1])
    es.write_bytes(kept[1].replace(b"[72, ", b"[73, ", 1))
    assert es.read_bytes() != kept[1]
    _new_process()
    assert [render_summary(record, project=load_project(project)) for record in records] == \
        afresh
    assert (en.read_bytes(), es.read_bytes()) == kept


def test_an_intact_seed_of_fonts_not_the_kits_is_learnt_again(project, cache):
    """A seed kept under the kit's key that numbers a font the kit has not (a standard font,
    a name no font has): not used (it broke every summary with a TypeError or KeyError)."""
    afresh = render_summary(ONE, project=load_project(project))
    for path in (cache / "seeds").glob("*.json"):
        for name in ("Helvetica", "no-such-face"):
            keep_seed(path.stem, FontSeed(order=[name], chars={name: [65]}))
            _new_process()
            assert render_summary(ONE, project=load_project(project)) == afresh
            assert name not in path.read_text()


def test_a_pipe_in_place_of_a_seed_is_not_waited_on(cache):
    (cache / "seeds").mkdir()
    key = "0" * 32
    os.mkfifo(cache / "seeds" / f"{key}.json")
    found: list = []
    reader = threading.Thread(target=lambda: found.append(kept_seed(key)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert found == [None]


def test_the_store_keeps_the_newest_seeds_and_no_leftover_temporaries(cache):
    folder = cache / "seeds"
    folder.mkdir()
    old = time.time() - 2 * LEFTOVER_SECONDS
    for i in range(KEPT + 10):
        path = folder / f"{i:032x}.json"
        path.write_text("{}")
        os.utime(path, (old + i, old + i))
    leftover, writing = folder / ".a.json.x.brochure.tmp", folder / ".b.json.y.brochure.tmp"
    leftover.write_text("")
    os.utime(leftover, (old, old))
    writing.write_text("")
    keep_seed("f" * 32, FontSeed(order=["a"], chars={"a": [65]}))
    names = {p.name for p in folder.iterdir()}
    assert len([n for n in names if n.endswith(".json")]) == KEPT
    assert f"{'f' * 32}.json" in names and f"{KEPT + 9:032x}.json" in names
    assert f"{0:032x}.json" not in names and f"{10:032x}.json" not in names
    assert leftover.name not in names and writing.name in names


def test_a_kit_with_other_wording_keeps_a_seed_of_its_own(project, cache):
    render_summary(ONE, project=load_project(project))
    edit_once(project, "content/knee-stem-cell/summary.yaml", "What we found", "What we saw")
    _new_process()
    render_summary(ONE, project=load_project(project))
    assert len(list((cache / "seeds").glob("*.json"))) == 4  # two languages each


def test_another_font_file_or_language_gives_another_key():
    faces = ["a1", "b2"]
    key = seed_key("kit", "en", faces)
    assert key == seed_key("kit", "en", reversed(faces))
    assert len({key, seed_key("kit", "en", ["a1", "b3"]), seed_key("kit", "es", faces),
                seed_key("kit2", "en", faces)}) == 4


def test_a_seed_folder_that_cannot_be_written_only_costs_the_learning(project, cache):
    afresh = render_summary(ONE, project=load_project(project))
    shutil.rmtree(cache / "seeds")
    (cache / "seeds").write_text("a file where the folder should be")
    _new_process()
    assert render_summary(ONE, project=load_project(project)) == afresh
