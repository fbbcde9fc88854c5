"""A batch accounts for every summary in its folder, whatever earlier runs left; a full disk
stops it cleanly; a signal before it has taken its folder changes nothing; no cell of its
manifest is a spreadsheet formula. Faults are injected into the writer (no root needed); the
signals are real, sent by the process to itself at a chosen moment."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from brochure import batch, manifest
from brochure.cli import main
from brochure.commands import batch as batch_command
from brochure.errors import Problem
from brochure.output import WriteError

from .conftest import PROJECT

NO_SPACE = "No space left on device"


def _cli(*args: str):
    return CliRunner().invoke(main, [*args, "--root", str(PROJECT)], catch_exceptions=False)


def _records(path: Path, ids: range, prefix: str = "K") -> Path:
    lines = ["id,name,date_of_birth,visit_date,knee,pain,symptom_months"]
    lines += [f"{prefix}-{i:05d},Test Person {i},1960-01-01,2026-11-02,left,{i % 11},{i % 60}"
              for i in ids]
    path.write_text("\n".join(lines) + "\n")
    return path


def _lines(path: Path) -> list[dict]:
    text = path.read_text()
    assert text.endswith("\n"), "every line whole"
    return list(csv.DictReader(io.StringIO(text)))


def _pdfs(folder: Path) -> set[str]:
    return {p.name for p in folder.glob("*.pdf")}


# -- point 2: what earlier runs left is taken over --------------------------------------------

def test_a_run_lists_the_summaries_a_killed_run_left_with_what_is_known_of_them(tmp_path):
    out = tmp_path / "out"
    assert _cli("batch", str(_records(tmp_path / "a.csv", range(4))), "--out",
                str(out)).exit_code == 0
    earlier = _lines(out / "manifest.csv")
    # what a run killed outright leaves: its lines in a .partial, a file it had not listed yet
    (out / "manifest.csv").rename(out / "manifest.csv.partial")
    shutil.copy(out / earlier[0]["file"], out / "s-0000000000000000.pdf")
    result = _cli("batch", str(_records(tmp_path / "b.csv", range(10, 12))), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = _lines(out / "manifest.csv")
    assert [r["id"] for r in rows[:2]] == ["K-00010", "K-00011"]
    assert all(r["status"] == "ok" for r in rows[:2])
    carried = {r["file"]: r for r in rows[2:]}
    assert set(carried) == _pdfs(out) - {r["file"] for r in rows[:2]}
    for row in earlier:
        assert (carried[row["file"]]["id"], carried[row["file"]]["verdict"],
                carried[row["file"]]["status"]) == (row["id"], row["verdict"], "earlier run")
    unknown = carried["s-0000000000000000.pdf"]
    assert (unknown["id"], unknown["verdict"], unknown["status"]) == ("", "", "earlier run")
    assert not (out / "manifest.csv.partial").exists()


def test_a_run_starts_by_carrying_earlier_lines_into_its_partial_and_removing_the_old_manifest(
        tmp_path, monkeypatch):
    """Killed at any moment after it has begun, a run leaves a .partial that lists every
    earlier summary, and no manifest.csv that could read as its own."""
    out = tmp_path / "out"
    assert _cli("batch", str(_records(tmp_path / "a.csv", range(3))), "--out",
                str(out)).exit_code == 0
    earlier = _lines(out / "manifest.csv")
    seen = {}

    def reading(files, records=None):
        seen["manifest"] = (out / "manifest.csv").exists()
        seen["partial"] = _lines(out / "manifest.csv.partial")
        return batch.read_all(files, records)
    monkeypatch.setattr(batch_command, "read_all", reading)
    assert _cli("batch", str(_records(tmp_path / "b.csv", range(5, 6))), "--out",
                str(out)).exit_code == 0
    assert seen["manifest"] is False
    assert sorted((r["file"], r["id"], r["status"]) for r in seen["partial"]) == \
        sorted((r["file"], r["id"], "earlier run") for r in earlier)


def test_a_damaged_earlier_manifest_costs_only_what_it_knew(tmp_path):
    out = tmp_path / "out"
    assert _cli("batch", str(_records(tmp_path / "a.csv", range(2))), "--out",
                str(out)).exit_code == 0
    (out / "manifest.csv").write_bytes(b'id,file\n"unclosed,\xff\xfe\n')
    assert _cli("batch", str(_records(tmp_path / "b.csv", range(5, 6))), "--out",
                str(out)).exit_code == 0
    rows = _lines(out / "manifest.csv")
    assert {r["file"] for r in rows} == _pdfs(out) and len(rows) == 3


# -- point 3: a full disk ---------------------------------------------------------------------

class FullDisk:
    """A disk with ``free`` bytes: summaries' files, manifest lines and the manifest's reserve
    take from it; a write that does not fit fails as the system's would (a line may be cut)."""

    def __init__(self, monkeypatch, free: int, can_reserve: bool = True,
                 others_fill_it: bool = False):
        self.free, self.reserved, self.can_reserve = free, 0, can_reserve
        self.others_fill_it = others_fill_it
        """After the first refused write, other programs take what space is left."""
        real = batch.write_temporary

        def write_temporary(path, data, mode, **options):
            self._take(len(data), path)
            return real(path, data, mode, **options)
        monkeypatch.setattr(batch, "write_temporary", write_temporary)
        monkeypatch.setattr(manifest, "write", self._write)
        monkeypatch.setattr(batch, "reserve", self._reserve)
        monkeypatch.setattr(batch, "release", self._release)

    def _take(self, size: int, path) -> None:
        if size > self.free:
            self.free = 0 if self.others_fill_it else self.free
            raise WriteError(Problem(f"cannot write here ({NO_SPACE})", path), NO_SPACE)
        self.free -= size

    def _write(self, fd: int, data: bytes) -> int:
        if not self.free:
            raise OSError(28, NO_SPACE)
        written = os.write(fd, data[:self.free])
        self.free -= written
        return written

    def _reserve(self, path, size: int) -> None:
        if self.can_reserve and size <= self.free:
            self.free, self.reserved = self.free - size, size

    def _release(self, path) -> None:
        self.free, self.reserved = self.free + self.reserved, 0


def test_a_full_disk_stops_the_batch_with_every_row_listed_and_a_clear_error(tmp_path,
                                                                              monkeypatch):
    rows = 12
    size = batch.RESERVE_BASE + batch.RESERVE_PER_ROW * rows
    FullDisk(monkeypatch, free=size + 100_000)  # room for two or three summaries
    out = tmp_path / "out"
    result = _cli("batch", str(_records(tmp_path / "a.csv", range(rows))), "--out", str(out))
    assert result.exit_code == 1
    assert f"{out}: error: writing failed ({NO_SPACE}), so the batch stopped: " in \
        result.output and "Traceback" not in result.output
    lines = _lines(out / "manifest.csv")
    assert [r["id"] for r in lines] == [f"K-{i:05d}" for i in range(rows)]
    written = [r for r in lines if r["status"] == "ok"]
    assert 1 <= len(written) < rows
    assert {r["file"] for r in written} == _pdfs(out)
    for row in lines[len(written):]:
        assert row["status"] == "not rendered" and NO_SPACE in row["message"] and \
            str(out) in row["message"]
    for name in _pdfs(out):
        assert len(PdfReader(out / name).pages) == 2
    assert not (out / "manifest.csv.partial").exists() and not list(out.glob(".*.tmp"))


def test_when_not_even_the_manifest_fits_the_partial_holds_whole_lines(tmp_path, monkeypatch):
    FullDisk(monkeypatch, free=95_000, can_reserve=False, others_fill_it=True)
    out = tmp_path / "out"
    result = _cli("batch", str(_records(tmp_path / "a.csv", range(12))), "--out", str(out))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{out / 'manifest.csv'}: error: cannot write the manifest ({NO_SPACE}): the rows " \
        "finished are listed in manifest.csv.partial, each line whole" in result.output
    partial = _lines(out / "manifest.csv.partial")
    assert [r["id"] for r in partial] == [f"K-{i:05d}" for i in range(len(partial))]
    assert {r["file"] for r in partial if r["status"] == "ok"} <= _pdfs(out)


def test_every_summary_is_on_disk_before_it_takes_its_name(tmp_path, monkeypatch):
    """A worker writes its file and renders on; the batch has the disk keep the file (fsync)
    before the file takes its name and is listed, never after."""
    events: list[tuple[str, str]] = []
    fsync, replace = os.fsync, os.replace

    def synced(fd: int) -> None:
        fsync(fd)
        events.append(("synced", os.readlink(f"/proc/self/fd/{fd}")))

    def renamed(source, target) -> None:
        replace(source, target)
        events.append(("named", f"{source}>{target}"))
    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(os, "replace", renamed)
    out = tmp_path / "out"
    assert _cli("batch", str(_records(tmp_path / "a.csv", range(3))), "--out",
                str(out)).exit_code == 0
    for name in _pdfs(out):
        (named,) = [i for i, (kind, what) in enumerate(events)
                    if kind == "named" and what.endswith(f">{out / name}")]
        temporary = events[named][1].split(">")[0]
        assert ("synced", temporary) in events[:named], name


def test_a_file_the_disk_cannot_keep_stops_the_batch_and_leaves_no_temporary(tmp_path,
                                                                           monkeypatch):
    calls = {"n": 0}
    real = batch.sync_file

    def failing(path: Path) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(5, "Input/output error")
        real(path)
    monkeypatch.setattr(batch, "sync_file", failing)
    out = tmp_path / "out"
    result = _cli("batch", str(_records(tmp_path / "a.csv", range(4))), "--out", str(out))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{out}: error: writing failed (Input/output error), so the batch stopped" in \
        result.output
    lines = _lines(out / "manifest.csv")
    assert [r["status"] for r in lines] == ["ok", "not rendered", "not rendered", "not rendered"]
    assert _pdfs(out) == {lines[0]["file"]} and not list(out.glob(".*.tmp"))


def test_a_summary_that_cannot_take_its_name_stops_the_batch_as_a_full_disk_does(
        tmp_path, monkeypatch):
    """The rename that puts a summary in place refused (a full disk): the batch stops with
    "writing failed", exit 1, the summaries before it listed (publish tells the system's
    refusal as a WriteError, which the batch took for an error before rendering: exit 2 and
    every row "the batch stopped before rendering")."""
    replace, named = os.replace, []

    def refusing(source, target) -> None:
        if str(target).endswith(".pdf"):
            named.append(target)
            if len(named) == 3:
                raise OSError(28, NO_SPACE)
        replace(source, target)
    monkeypatch.setattr(os, "replace", refusing)
    out = tmp_path / "out"
    result = _cli("batch", str(_records(tmp_path / "a.csv", range(5))), "--out", str(out))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{out}: error: writing failed ({NO_SPACE}), so the batch stopped" in result.output
    lines = _lines(out / "manifest.csv")
    assert [r["status"] for r in lines] == ["ok", "ok"] + ["not rendered"] * 3
    assert _pdfs(out) == {r["file"] for r in lines[:2]} and not list(out.glob(".*.tmp"))


def test_a_line_the_disk_cuts_short_is_taken_back_whole(tmp_path, monkeypatch):
    partial = manifest.Partial(tmp_path, [])
    header = (tmp_path / manifest.PARTIAL).read_bytes()
    line = dict(id="K-1", file="a.pdf", verdict="good", status="ok", message="")
    partial.append(line)
    budget = {"left": 10}

    def short(fd, data):
        written = os.write(fd, data[:budget["left"]])
        budget["left"] -= written
        return written
    monkeypatch.setattr(manifest, "write", short)
    with pytest.raises(OSError):
        partial.append(line)
    partial.close()
    assert (tmp_path / manifest.PARTIAL).read_bytes() == header + b"K-1,a.pdf,good,ok,\n"


# -- point 5: a signal while the batch is starting --------------------------------------------

def _signal_during(monkeypatch, module, name: str) -> None:
    original = getattr(module, name)

    def interrupted(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        return original(*args, **kwargs)
    monkeypatch.setattr(module, name, interrupted)


def test_a_signal_before_the_batch_takes_its_folder_says_nothing_was_done(tmp_path,
                                                                         monkeypatch):
    out = tmp_path / "out"
    assert _cli("batch", str(_records(tmp_path / "a.csv", range(2))), "--out",
                str(out)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    _signal_during(monkeypatch, batch_command, "refuse_inputs_in_place")
    result = _cli("batch", str(_records(tmp_path / "b.csv", range(5, 8))), "--out", str(out))
    assert result.exit_code == 143
    assert result.output == (f"interrupted (SIGTERM) before the batch began: nothing was done, "
                             f"and {out} is as it was\n")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_a_signal_while_the_project_loads_ends_in_this_runs_manifest(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _cli("batch", str(_records(tmp_path / "a.csv", range(2))), "--out",
                str(out)).exit_code == 0
    earlier = _pdfs(out)
    _signal_during(monkeypatch, batch_command, "_checked")
    result = _cli("batch", str(_records(tmp_path / "b.csv", range(5, 8))), "--out", str(out))
    assert result.exit_code == 143 and "interrupted (SIGTERM): 0 summaries written" in \
        result.output
    rows = _lines(out / "manifest.csv")
    assert [(r["id"], r["status"], r["message"]) for r in rows[:3]] == \
        [(f"K-{i:05d}", "not rendered", "interrupted") for i in range(5, 8)]
    assert {r["file"] for r in rows[3:]} == earlier == _pdfs(out)
    assert all(r["status"] == "earlier run" for r in rows[3:])


# -- point 11: no cell a formula --------------------------------------------------------------

@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_starts_like_a_formula_is_written_as_text(cell):
    assert manifest.neutral(cell) == "'" + cell
    assert manifest.neutral("'" + cell) == "'" + cell, "idempotent: carried lines stay as they are"


def test_a_manifest_never_starts_a_cell_with_a_formula(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = Path("=HYPERLINK.csv")
    _records(source, range(0))
    source.write_text(source.read_text() +
                      "-1-1,Test Person,1960-01-01,2026-11-02,left,3,4\n"
                      "B-2,Test Person,1960-01-01,2026-11-02,elbow,3,4\n")
    result = _cli("batch", str(source), "--out", "out")
    assert result.exit_code == 1
    text = Path("out/manifest.csv").read_text()
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'-1-1" in cells
    assert any(cell.startswith("'=HYPERLINK.csv:3") for cell in cells)
    assert not any(cell.startswith(manifest.FORMULA_STARTS) for cell in cells)


def test_an_earlier_manifests_id_cell_is_carried_only_when_it_is_a_valid_id(tmp_path):
    """An older version's manifest could show part of a name in its id column (point 8)."""
    out = tmp_path / "out"
    assert _cli("batch", str(_records(tmp_path / "a.csv", range(3))), "--out",
                str(out)).exit_code == 0
    rows = _lines(out / "manifest.csv")
    rows[0]["id"], rows[1]["id"] = "Margaret Ellison", "'-1-1"
    (out / "manifest.csv").write_bytes(manifest.csv_bytes(rows, header=True))
    assert _cli("batch", str(_records(tmp_path / "b.csv", range(9, 10))), "--out",
                str(out)).exit_code == 0
    carried = {r["file"]: r["id"] for r in _lines(out / "manifest.csv")[1:]}
    assert carried == {rows[0]["file"]: "", rows[1]["file"]: "'-1-1",
                       rows[2]["file"]: "K-00002"}
