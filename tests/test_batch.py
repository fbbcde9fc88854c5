"""Batches: every row rendered or reported in the manifest, atomically, repeatably."""

from __future__ import annotations

import csv
import gc
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from brochure import batch
from brochure.errors import BrochureError, Problem
from brochure.output import WriteError
from brochure.signals import Stop

from .conftest import PROJECT, edit_once, run_cli

HEADER = (PROJECT / "content/patients/clinic-day.csv").read_text().splitlines()[0]


def _manifest(folder):
    with open(folder / "manifest.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_batch_with_bad_rows_renders_the_rest_and_reports_each(tmp_path):
    good = (PROJECT / "content/patients/clinic-day.csv").read_text().splitlines()[1:]
    bad_pain = good[0].replace("HK-20001", "BAD-1").replace(",7,24,", ",70,24,")
    no_name = good[1].replace("HK-20002,Jonas Lindqvist", "BAD-2,")
    rows = [good[0], bad_pain, good[2], no_name, good[3]]
    source = tmp_path / "day.csv"
    source.write_text("\n".join([HEADER, *rows]) + "\n")
    out = tmp_path / "out"
    result = run_cli("batch", str(source), "--out", str(out), "--workers", "2")
    assert result.returncode == 1
    manifest = _manifest(out)
    assert [r["id"] for r in manifest] == ["HK-20001", "BAD-1", "HK-20003", "BAD-2", "HK-20004"]
    assert [r["status"] for r in manifest] == ["ok", "error", "ok", "error", "ok"]
    assert manifest[1]["message"].startswith(f"{source}:3:") and "'pain'" in manifest[1]["message"]
    assert manifest[3]["message"].startswith(f"{source}:5:") and "'name'" in manifest[3]["message"]
    assert all(r["message"].count(str(source)) <= 1 for r in manifest), "the place is said once"
    assert list(manifest[0]) == ["id", "file", "verdict", "status", "message"]
    files = sorted(p.name for p in out.glob("*.pdf"))
    assert files == sorted(r["file"] for r in manifest if r["status"] == "ok")
    assert all("HK-" not in name and "Okafor" not in name for name in files)
    assert not list(out.glob("*.tmp")), "no partial files are left"
    verdicts = {r["id"]: r["verdict"] for r in manifest}
    assert verdicts["HK-20001"] == "good" and verdicts["HK-20004"] == "less_likely"
    assert "Okafor" not in result.stdout + result.stderr


def test_rerunning_a_batch_gives_the_same_files(tmp_path):
    out = tmp_path / "out"
    source = PROJECT / "content/patients/clinic-day.csv"
    assert run_cli("batch", str(source), "--out", str(out)).returncode == 0
    first = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    assert run_cli("batch", str(source), "--out", str(out), "--workers", "2").returncode == 0
    second = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    assert first == second and len(first) == 6


def test_batch_takes_yaml_files_and_writes_encrypted_packets(tmp_path, monkeypatch):
    monkeypatch.setenv("PDF_PASSWORD", "open-sesame")
    files = [str(PROJECT / "content/patients" / n) for n in ("good-candidate.yaml",
                                                          "less-likely.yaml")]
    out = tmp_path / "out"
    result = run_cli("batch", *files, "--out", str(out), "--password-env", "PDF_PASSWORD",
                     "--with-brochure")
    assert result.returncode == 0, result.stderr
    for row in _manifest(out):
        reader = PdfReader(out / row["file"])
        assert reader.is_encrypted and reader.decrypt("open-sesame")
        assert len(reader.pages) >= 10


def test_a_missing_or_malformed_file_is_a_usage_error(tmp_path):
    broken = tmp_path / "x.yaml"
    broken.write_text("id: [1\n")
    result = run_cli("batch", str(broken), "--out", str(tmp_path / "o"))
    assert result.returncode == 2 and "x.yaml:2:1: error: malformed YAML" in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_brand_font_not_installed_stops_the_batch_before_any_row(project, tmp_path, workers):
    """A brand's family that is not installed is the batch's one error, at its place in the
    brand kit, found when the project loads (it was found when the kit was prepared: with two
    workers, by the workers), with one worker or two; no row is read."""
    line = edit_once(project, "content/brands/harbor.yaml", "family: Zilla Slab",
                     "family: No Such Slab")
    out = tmp_path / "out"
    result = run_cli("batch", str(project / "content/patients/clinic-day.csv"), "--out",
                     str(out), "--workers", workers, cwd=project)
    assert result.returncode == 2
    assert result.stderr.startswith(f"content/brands/harbor.yaml:{line}:")
    assert ": error: font family 'No Such Slab' (600 normal) is not installed" in result.stderr
    assert _manifest(out) == []
    assert not list(out.glob("*.pdf")) and not list(out.glob(".*.tmp"))


def _cannot_prepare_knee(publication: str) -> Exception | None:
    """A worker's kit preparation that fails for the knee's publication alone."""
    if publication == "knee-stem-cell":
        return BrochureError(Problem("the knee's kit cannot be prepared"))
    return None


@pytest.fixture
def in_this_process(monkeypatch):
    """Workers made in the test's own process: the options and project they make every
    rendering here use, and the collector's frozen objects, are given back afterwards (later
    tests in this process must not inherit them)."""
    monkeypatch.setattr(batch, "_OPTIONS", batch._OPTIONS)
    monkeypatch.setattr(batch, "_PROJECT", batch._PROJECT)
    yield
    gc.unfreeze()


def test_a_kit_the_batch_does_not_need_is_not_waited_for(monkeypatch, in_this_process):
    """The workers prepare the default publication's kit before the rows are read; a batch
    whose rows are all of another publication neither waits for it nor fails with it (two
    workers stopped a batch that one worker rendered), and one that needs it fails with it."""
    from brochure.project import load_project

    monkeypatch.setattr(batch, "_prepare_in_worker", _cannot_prepare_knee)
    workers = batch.Workers(batch.Options(root=str(PROJECT)), 2, load_project(PROJECT))
    try:
        workers.prepare("knee-stem-cell")
        workers.prepared(["prp-tennis-elbow"], Stop())
        with pytest.raises(BrochureError, match="the knee's kit cannot be prepared"):
            workers.prepared(["knee-stem-cell"], Stop())
    finally:
        workers.close()


def _fault() -> Exception:
    return TypeError("a fault")


def _refused() -> Exception:
    return BrochureError(Problem("the kit is refused", "content/brands/harbor.yaml", 3, 1))


def _not_written() -> Exception:
    return WriteError(Problem("cannot write here (Read-only file system)", "/cache"),
                      "Read-only file system")


@pytest.mark.parametrize(("failure", "code", "first_words"), [
    (_fault, 1, "internal error: TypeError in brochure/batch.py:"),
    (_refused, 2, "content/brands/harbor.yaml:3:1: error: the kit is refused"),
    (_not_written, 2, "/cache: error: cannot write here (Read-only file system)")])
def test_a_failure_preparing_a_kit_is_told_alike_by_one_worker_and_two(
        tmp_path, monkeypatch, failure, code, first_words):
    """A kit that fails while it is prepared: the same one line and exit code with one
    worker and with two, whose worker prepared it (an unexpected failure told with our place
    and an error id; a user's error as raised, even one pickled with a cause: a WriteError
    broke the workers' pool, and every row was listed as lost)."""
    from brochure.render.summary import SummaryKit

    def broken(self):
        raise failure()
    monkeypatch.setattr(SummaryKit, "prepare", broken)
    told = []
    for workers in ("1", "2"):
        result = run_cli("batch", str(PROJECT / "content/patients/clinic-day.csv"), "--out",
                         str(tmp_path / workers), "--workers", workers)
        assert result.returncode == code, result.stderr
        told.append(result.stderr)
    assert told[0].startswith(first_words)
    assert told[0] == told[1] and told[0].count("\n") == 1


def _slow_kit(publication: str) -> Exception | None:
    """A kit that takes half a minute to prepare, and says when it is done."""
    time.sleep(30)
    Path(os.environ["SLOW_KIT_DONE"]).write_text(publication)
    return None


def test_a_stop_while_the_workers_prepare_their_kits_is_not_kept_waiting(tmp_path, monkeypatch,
                                                                        in_this_process):
    """Ctrl-C while the workers prepare a kit (a cold cache takes most of a minute): the
    batch stops the workers at once (it waited for the kits to be prepared: 32 s)."""
    from brochure.project import load_project

    monkeypatch.setattr(batch, "_prepare_in_worker", _slow_kit)
    done = tmp_path / "done"
    monkeypatch.setenv("SLOW_KIT_DONE", str(done))
    workers = batch.Workers(batch.Options(root=str(PROJECT)), 2, load_project(PROJECT))
    stop = Stop()
    interrupt = threading.Timer(0.5, lambda: setattr(stop, "signum", signal.SIGINT))
    interrupt.start()
    try:
        workers.prepared(["knee-stem-cell"], stop)
        batch._render_pooled([], workers, stop, lambda outcome: None)
    finally:
        interrupt.cancel()
        workers.close()
    assert not done.exists()
    assert not set(multiprocessing.active_children()) - workers.before
