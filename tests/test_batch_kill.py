"""A batch interrupted or killed mid-run: every finished row accounted for, no worker left
behind, and a rerun that completes the rest. Real processes, real signals."""

from __future__ import annotations

import csv
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PROJECT, ROOT, run_cli

pytestmark = pytest.mark.process

PARTIAL = "manifest.csv.partial"


def _records(path: Path, count: int, first: int = 0) -> Path:
    lines = ["id,name,date_of_birth,visit_date,knee,pain,symptom_months"]
    lines += [f"K-{i:05d},Test Person {i},1960-01-01,2026-11-02,left,{i % 11},{i % 60}"
              for i in range(first, first + count)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _start(source: Path, out: Path, workers: int = 2) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "brochure", "batch", str(source), "--out",
                             str(out), "--workers", str(workers)], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def _wait_for_rows(out: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while not ((out / PARTIAL).exists() and len(_rows(out / PARTIAL)) >= count):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the batch did not get going"
        time.sleep(0.02)


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a live process, from /proc; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid = text.rsplit(")", 1)[1].split()[:2]
    return state, int(ppid)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[1] == pid:
            found.append(int(entry.name))
    return found


def _until_free(out: Path, seconds: float = 10) -> None:
    """Wait until no process of a killed batch holds the folder's lock: its workers, which
    share the lock, end with it, a moment later. Until then a rerun is refused, rightly."""
    if not (out / ".lock").exists():
        return
    deadline = time.monotonic() + seconds
    with open(out / ".lock", "a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                assert time.monotonic() < deadline, "the killed batch's workers did not end"
                time.sleep(0.01)
                continue
            fcntl.flock(handle, fcntl.LOCK_UN)
            return


def _all_gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all((_stat(pid) or ("Z", 0))[0] in "ZX" for pid in pids):  # dead (maybe unreaped)
            return True
        time.sleep(0.01)
    return False


def _interrupt(tmp_path: Path, sig: int, rows: int = 2000) -> tuple[Path, int, list[int]]:
    """Start a batch of ``rows`` records with 2 workers, let some rows finish, send ``sig``
    (to the whole process group for SIGINT, as Ctrl-C at a terminal does); return the output
    folder, the exit code and the workers' pids, having checked that they ended with it."""
    out = tmp_path / "out"
    process = _start(_records(tmp_path / "records.csv", rows), out)
    _wait_for_rows(out, 10, process)
    workers = _children(process.pid)
    assert len(workers) == 2
    if sig == signal.SIGINT:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    code = process.wait(timeout=30)
    assert _all_gone_within(workers, 1.0), "a worker outlived the batch by more than a second"
    return out, code, workers


def _check_complete_manifest(out: Path, rows: int) -> list[dict]:
    manifest = _rows(out / "manifest.csv")
    assert [r["id"] for r in manifest] == [f"K-{i:05d}" for i in range(rows)]
    assert not (out / PARTIAL).exists() and not list(out.glob(".*.tmp"))
    return manifest


def _check_files_match(out: Path, listed: list[dict]) -> None:
    ok = {r["file"] for r in listed if r["status"] == "ok"}
    assert ok == {p.name for p in out.glob("*.pdf")}


def test_sigterm_stops_the_batch_and_completes_the_manifest(tmp_path):
    out, code, _ = _interrupt(tmp_path, signal.SIGTERM)
    assert code == 143
    manifest = _check_complete_manifest(out, 2000)
    _check_files_match(out, manifest)
    statuses = {r["status"] for r in manifest}
    assert statuses == {"ok", "not rendered"}
    assert all(r["message"] == "interrupted" for r in manifest if r["status"] != "ok")
    assert 10 <= sum(r["status"] == "ok" for r in manifest) < 2000


def test_ctrl_c_stops_the_batch_and_completes_the_manifest(tmp_path):
    out, code, _ = _interrupt(tmp_path, signal.SIGINT, rows=600)
    assert code == 130
    manifest = _check_complete_manifest(out, 600)
    _check_files_match(out, manifest)
    assert any(r["status"] == "not rendered" for r in manifest)


def test_sigkill_leaves_a_partial_manifest_of_every_finished_row_and_no_worker(tmp_path):
    out, code, _ = _interrupt(tmp_path, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert not (out / "manifest.csv").exists()
    partial = _rows(out / PARTIAL)
    ok = {r["file"] for r in partial if r["status"] == "ok"}
    pdfs = {p.name for p in out.glob("*.pdf")}
    assert len(ok) >= 10 and ok <= pdfs, "every row listed as written is there"
    assert len(pdfs - ok) <= 1, "at most the row being finished when killed is unlisted"
    assert len({r["id"] for r in partial}) == len(partial)


def test_a_rerun_after_a_kill_completes_the_rest_with_the_same_files(tmp_path):
    out = tmp_path / "out"
    source = _records(tmp_path / "records.csv", 150)
    process = _start(source, out)
    _wait_for_rows(out, 10, process)
    process.kill()
    process.wait(timeout=30)
    _until_free(out)
    before = {r["file"]: (out / r["file"]).read_bytes() for r in _rows(out / PARTIAL)
              if r["status"] == "ok"}
    result = run_cli("batch", str(source), "--out", str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr
    manifest = _check_complete_manifest(out, 150)
    assert all(r["status"] == "ok" for r in manifest)
    _check_files_match(out, manifest)
    assert all((out / name).read_bytes() == data for name, data in before.items())


def test_a_worker_killed_mid_batch_costs_only_its_rows_which_are_listed_not_rendered(tmp_path):
    out = tmp_path / "out"
    process = _start(_records(tmp_path / "records.csv", 2000), out)
    _wait_for_rows(out, 10, process)
    os.kill(_children(process.pid)[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1 and "summaries written" in stderr, stderr
    manifest = _check_complete_manifest(out, 2000)
    _check_files_match(out, manifest)
    lost = [r for r in manifest if r["status"] != "ok"]
    assert lost and {r["status"] for r in lost} == {"not rendered"}
    assert all("a worker process ended unexpectedly" in r["message"] for r in lost)
    assert "Traceback" not in stderr


def _complete_pdf(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_ten_reruns_killed_at_random_moments_then_one_run_account_for_every_file(tmp_path):
    """Ten runs into one folder, each killed outright (SIGKILL) at a moment drawn from a seeded
    generator (while it starts, loads the project or renders); every other one is a second
    batch, whose summaries the day's batch will not make again. The final, uninterrupted run of
    the day's batch lists every input row once, then every other summary in the folder; no
    file is cut short. (Before, the second batch's files were listed nowhere.)"""
    import random

    moments = random.Random(20261205)
    out = tmp_path / "out"
    source = _records(tmp_path / "records.csv", 120)
    other = _records(tmp_path / "other.csv", 40, first=500)
    for run in range(10):
        process = _start(other if run % 2 else source, out)
        time.sleep(moments.uniform(0.05, 3.5))
        process.kill()
        process.wait(timeout=30)
        for partial in out.glob(PARTIAL):
            assert partial.read_text().endswith("\n"), "a killed run's lines are whole"
    _until_free(out)
    result = run_cli("batch", str(source), "--out", str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr
    manifest = _rows(out / "manifest.csv")
    assert [r["id"] for r in manifest[:120]] == [f"K-{i:05d}" for i in range(120)]
    assert all(r["status"] == "ok" for r in manifest[:120])
    assert all(r["status"] == "earlier run" for r in manifest[120:])
    listed = [r["file"] for r in manifest]
    assert sorted(listed) == sorted(p.name for p in out.glob("*.pdf")), "every file, once"
    assert all(_complete_pdf(p) for p in out.glob("*.pdf"))
    assert not (out / PARTIAL).exists() and not list(out.glob(".*.tmp"))


def _catches(pid: int, sig: int) -> bool:
    """Whether process ``pid`` has a handler for ``sig`` (its SigCgt mask in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    return False


def test_a_sigterm_in_the_first_moments_is_never_silent_and_never_leaves_an_old_manifest(
        tmp_path):
    """SIGTERM as soon as the command handles it (while it imports and loads the project):
    either it says nothing was done and the folder is as it was, or this run's manifest
    lists every row. Before, the process died silently and the earlier manifest stayed."""
    out = tmp_path / "out"
    source = _records(tmp_path / "records.csv", 30)
    assert run_cli("batch", str(_records(tmp_path / "earlier.csv", 2, first=900)), "--out",
                   str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    process = _start(source, out)
    deadline = time.monotonic() + 30
    while not _catches(process.pid, signal.SIGTERM):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.001)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    if "nothing was done" in stderr:
        assert after == before
    else:
        manifest = _rows(out / "manifest.csv")
        assert [r["id"] for r in manifest[:30]] == [f"K-{i:05d}" for i in range(30)]
        assert {r["id"] for r in manifest[30:]} == {"K-00900", "K-00901"}


_INTERRUPTED_AT_IMPORT = """
import os, runpy, signal, sys

class InterruptAt:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, InterruptAt())
sys.argv = ["brochure", *{args!r}]
runpy.run_module("brochure", run_name="__main__", alter_sys=True)
"""


def _interrupted_at_import(module: str, *args: str,
                           ignoring: bool = False) -> subprocess.CompletedProcess:
    """``brochure ARGS`` run as the script runs it, Ctrl-C arriving the moment ``module`` is
    first imported (so at that moment exactly, on any machine); started with Ctrl-C ignored
    (as a shell starts a job in the background) if ``ignoring``."""
    code = _INTERRUPTED_AT_IMPORT.format(module=module, args=args)
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)), timeout=120,
                          preexec_fn=_ignore_ctrl_c if ignoring else None)


def _ignore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("module", ["brochure.errors", "brochure.cli", "click", "reportlab",
                                    "pydantic", "brochure.project"])
def test_ctrl_c_while_a_batch_starts_ends_it_without_a_traceback(tmp_path, module):
    """Ctrl-C while the command line loads ends the process as the system ends one (nothing
    has been done); once the batch command runs, it says nothing was done. Never a traceback,
    and the folder is as it was. Before, the command line loaded the renderer before any
    command could answer a signal, and Ctrl-C then printed a KeyboardInterrupt traceback."""
    out = tmp_path / "out"
    assert run_cli("batch", str(_records(tmp_path / "earlier.csv", 2, first=900)), "--out",
                   str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    ran = _interrupted_at_import(module, "batch", str(_records(tmp_path / "r.csv", 3)),
                                 "--out", str(out))
    assert "Traceback" not in ran.stderr and "KeyboardInterrupt" not in ran.stderr
    if module in ("brochure.errors", "brochure.cli", "click"):  # the command line was loading
        assert (ran.returncode, ran.stderr) == (-signal.SIGINT, "")
    else:
        assert ran.returncode == 130, ran.stderr
        assert "interrupted (SIGINT) before the batch began: nothing was done" in ran.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_ctrl_c_while_a_summary_command_loads_the_renderer_is_told_not_traced(tmp_path):
    """The summary command answers Ctrl-C that comes while it loads the renderer:
    ``interrupted``, exit 130, no file."""
    target = tmp_path / "summary.pdf"
    ran = _interrupted_at_import("reportlab", "summary", "content/patients/evaluation-needed.yaml",
                                 "-o", str(target))
    assert (ran.returncode, ran.stderr.strip()) == (130, "interrupted")
    assert not target.exists()


def test_a_batch_started_with_ctrl_c_ignored_keeps_ignoring_it_while_it_starts(tmp_path):
    """A process started in the background ignores Ctrl-C; the command line's start leaves it
    so (Ctrl-C while it loads does not end it) and the batch completes."""
    out = tmp_path / "out"
    ran = _interrupted_at_import("brochure.cli", "batch", str(_records(tmp_path / "r.csv", 3)),
                                 "--out", str(out), ignoring=True)
    assert ran.returncode == 0, ran.stderr
    assert [r["id"] for r in _rows(out / "manifest.csv")] == ["K-00000", "K-00001", "K-00002"]
