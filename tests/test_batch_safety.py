"""Batches and summaries are safe to hand to a clinic: no summary is ever replaced by another
patient's, one batch at a time per folder, an unreadable file costs only itself, and file names
come from a real secret kept outside the output folder."""

from __future__ import annotations

import base64
import csv
import fcntl
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PROJECT, ROOT, run_cli
from .pdf import text as pdf_text

CLINIC = PROJECT / "content/patients/clinic-day.csv"
KEY = random.Random(20261205).randbytes(32)
"""A token key as random as a real one, the same on every run."""
HEADER, *GOOD = CLINIC.read_text().splitlines()
RUTH = GOOD[0]  # HK-20001, Ruth Okafor, born 1950-02-17, seen 2026-11-05
ANOTHER_PATIENT = "a summary of another patient already has this name; not replaced"


def _csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def _manifest(folder: Path, name: str = "manifest.csv") -> list[dict]:
    with open(folder / name, newline="") as handle:
        return list(csv.DictReader(handle))


def _text(pdf: Path) -> str:
    return pdf_text(pdf)


def _pdfs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.glob("*.pdf")}


# -- item 1: one visit, one summary; another patient's file is never replaced ----------------

def test_a_second_row_for_the_same_visit_is_an_error_and_overwrites_nothing(tmp_path):
    other = RUTH.replace("Ruth Okafor,1950-02-17", "Other Person,1980-01-01")
    later_visit = RUTH.replace("2026-11-05", "2026-11-06")
    source = _csv(tmp_path / "day.csv", RUTH, other, later_visit)
    out = tmp_path / "out"
    result = run_cli("batch", str(source), "--out", str(out), "--workers", "2")
    assert result.returncode == 1, result.stderr
    manifest = _manifest(out)
    assert [r["status"] for r in manifest] == ["ok", "error", "ok"]
    assert manifest[1]["message"].startswith(
        f"{source}:3: error: same id and visit date as {source} row 2;")
    assert manifest[1]["file"] == "" and manifest[0]["file"] != manifest[2]["file"]
    assert sorted(_pdfs(out)) == sorted([manifest[0]["file"], manifest[2]["file"]])
    first = _text(out / manifest[0]["file"])
    assert "Ruth Okafor" in first and "Other Person" not in first
    assert "2 summaries written" in result.stderr and "1 failed" in result.stderr


def test_a_later_run_never_replaces_another_patients_summary_but_updates_the_same_patients(
        tmp_path):
    out = tmp_path / "out"
    assert run_cli("batch", str(_csv(tmp_path / "a.csv", RUTH)), "--out", str(out)).returncode \
        == 0
    [name] = _pdfs(out)
    before = (out / name).read_bytes()

    impostor = _csv(tmp_path / "b.csv", RUTH.replace("Ruth Okafor,1950-02-17",
                                                      "Other Person,1980-01-01"))
    result = run_cli("batch", str(impostor), "--out", str(out))
    assert result.returncode == 1
    [row, earlier] = _manifest(out)
    assert row["status"] == "error" and row["file"] == ""
    assert row["message"].startswith(f"{impostor}:2: error: {ANOTHER_PATIENT}")
    assert (earlier["file"], earlier["status"]) == (name, "earlier run")
    assert (out / name).read_bytes() == before and list(_pdfs(out)) == [name]

    corrected = _csv(tmp_path / "c.csv", RUTH.replace("Ruth Okafor", "Ruth Okafor-Bello"))
    assert run_cli("batch", str(corrected), "--out", str(out)).returncode == 0
    assert list(_pdfs(out)) == [name] and "Ruth Okafor-Bello" in _text(out / name)
    again = (out / name).read_bytes()
    assert run_cli("batch", str(corrected), "--out", str(out)).returncode == 0
    assert (out / name).read_bytes() == again, "a rerun gives the same bytes"


def test_the_register_of_owners_holds_nothing_readable_about_a_patient(tmp_path):
    out = tmp_path / "out"
    assert run_cli("batch", str(CLINIC), "--out", str(out)).returncode == 0
    hidden = [p for p in out.iterdir() if p.name.startswith(".")]
    assert sorted(p.name for p in hidden) == [".lock", ".register.json"]
    text = "".join(p.read_text() for p in hidden)
    for line in GOOD:
        record_id, name, birth = line.split(",")[:3]
        assert record_id not in text and name not in text and birth not in text
    assert all(f"{row['file']}" in text for row in _manifest(out))


def _record(path: Path, **changes: str) -> Path:
    text = (PROJECT / "content/patients/good-candidate.yaml").read_text()
    for field, value in changes.items():
        text = "\n".join(f"{field}: {value}" if line.startswith(f"{field}:") else line
                         for line in text.splitlines()) + "\n"
    path.write_text(text)
    return path


def test_brochure_summary_obeys_the_same_rule(project, tmp_path):
    first = run_cli("summary", str(_record(tmp_path / "a.yaml")), "--root", str(project))
    assert first.returncode == 0, first.stderr
    written = Path(first.stdout.split("wrote ", 1)[1].strip())
    before = written.read_bytes()
    impostor = _record(tmp_path / "b.yaml", name="Other Person", date_of_birth="1980-01-01")
    refused = run_cli("summary", str(impostor), "--root", str(project))
    assert refused.returncode == 1
    assert f"{written}: error: {ANOTHER_PATIENT}" in refused.stderr
    assert written.read_bytes() == before
    renamed = _record(tmp_path / "c.yaml", name="Margaret Ellison-Shaw")
    assert run_cli("summary", str(renamed), "--root", str(project)).returncode == 0
    assert "Margaret Ellison-Shaw" in _text(written)


def test_summary_into_a_batch_folder_by_name_obeys_the_register(tmp_path):
    out = tmp_path / "out"
    assert run_cli("batch", str(_csv(tmp_path / "a.csv", RUTH)), "--out", str(out)).returncode \
        == 0
    [name] = _pdfs(out)
    before = (out / name).read_bytes()
    other = _record(tmp_path / "b.yaml")
    refused = run_cli("summary", str(other), "-o", str(out / name))
    assert refused.returncode == 1 and ANOTHER_PATIENT in refused.stderr
    assert (out / name).read_bytes() == before


def test_two_publications_never_share_a_file_name():
    from brochure.output import summary_token
    from brochure.records import to_record

    record = to_record(dict(id="X-1", name="A", date_of_birth="1950-01-01",
                            visit_date="2026-11-02", knee="left", pain=3, symptom_months=4))
    key = KEY
    names = {summary_token(record, key, pub) for pub in ("knee-stem-cell", "hip-stem-cell")}
    assert len(names) == 2


def test_two_publications_in_one_folder_keep_their_own_summaries(project, tmp_path):
    """A second topic (here a copy of the first under another id) gets its own file names: the
    same patient visit rendered for both publications is two files, neither replaced."""
    from brochure.batch import Options, read_all, run_batch
    from brochure.project import load_project

    shutil.copytree(project / "content/knee-stem-cell", project / "content/hip-demo")
    for path in (project / "content/hip-demo").glob("publication*.yaml"):
        path.write_text(path.read_text().replace("id: knee-stem-cell", "id: hip-demo"))
    out = tmp_path / "out"
    source, records = _csv(tmp_path / "a.csv", RUTH), load_project(project).records
    first = run_batch(read_all([source], records), out, Options(root=str(project)))
    knee = (out / first.rows[0]["file"]).read_bytes()
    second = run_batch(read_all([source], records.choosing("hip-demo")), out,
                       Options(root=str(project), publication="hip-demo"))
    assert [r["status"] for r in first.rows + second.rows] == ["ok", "ok", "earlier run"]
    assert first.rows[0]["file"] != second.rows[0]["file"]
    assert (out / first.rows[0]["file"]).read_bytes() == knee and len(_pdfs(out)) == 2


def test_a_file_the_register_does_not_know_is_not_replaced(tmp_path):
    out = tmp_path / "out"
    source = _csv(tmp_path / "a.csv", RUTH)
    assert run_cli("batch", str(source), "--out", str(out)).returncode == 0
    [name] = _pdfs(out)
    (out / ".register.json").write_text('{"owners": {}}')
    (out / name).write_bytes(b"somebody's file")
    result = run_cli("batch", str(source), "--out", str(out))
    assert result.returncode == 1
    assert "the folder's register does not say whose it is; not replaced" in \
        _manifest(out)[0]["message"]
    assert (out / name).read_bytes() == b"somebody's file"


# -- item 2: one batch per folder at a time ----------------------------------------------------

def _generated(path: Path, count: int, prefix: str = "K") -> Path:
    lines = ["id,name,date_of_birth,visit_date,knee,pain,symptom_months"]
    lines += [f"{prefix}-{i:05d},Test Person {i},1960-01-01,2026-11-02,left,{i % 11},{i % 60}"
              for i in range(count)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _start_batch(source: Path, out: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "brochure", "batch", str(source), "--out",
                             str(out), *args], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.process
def test_a_second_batch_into_a_busy_folder_is_refused_at_once_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    # enough rows that the first batch is still running when the second has started and
    # answered, even on a loaded machine (refused at once: it never waits for the lock)
    first = _start_batch(_generated(tmp_path / "a.csv", 200, "A"), out)
    try:
        _wait_for(lambda: (out / "manifest.csv.partial").exists())
        second = run_cli("batch", str(_generated(tmp_path / "b.csv", 5, "B")), "--out", str(out))
        assert first.poll() is None, "the second batch answered while the first was running"
    finally:
        first.wait(timeout=120)
    assert second.returncode == 1
    assert f"{out}: error: another batch or summary is writing into this folder" in second.stderr
    assert first.returncode == 0, first.stderr
    manifest = _manifest(out)
    assert [r["id"] for r in manifest] == [f"A-{i:05d}" for i in range(200)]
    assert sorted(_pdfs(out)) == sorted(r["file"] for r in manifest)


def test_a_summary_into_a_folder_a_batch_holds_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_cli("summary", str(_record(tmp_path / "a.yaml")), "-o",
                         str(out / "x.pdf"))
        batch = run_cli("batch", str(CLINIC), "--out", str(out))
    # every summary is written under its folder's lock and register, wherever -o points
    assert result.returncode == 1 and f"{out}: error: another batch" in result.stderr
    assert not (out / "x.pdf").exists()
    assert batch.returncode == 1 and f"{out}: error: another batch" in batch.stderr
    assert not (out / "manifest.csv").exists() and not (out / "manifest.csv.partial").exists()


def test_a_summary_into_the_default_folder_while_a_batch_holds_it_is_refused(project, tmp_path):
    out = project / "output" / "summaries"
    out.mkdir(parents=True)
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        result = run_cli("summary", str(_record(tmp_path / "a.yaml")), "--root", str(project))
    assert result.returncode == 1
    assert f"{out}: error: another batch or summary is writing into this folder" in result.stderr
    assert not list(out.glob("*.pdf")) and not (out / ".register.json").exists()


# -- item 6: an unreadable input costs only itself ---------------------------------------------

def test_an_unreadable_file_among_several_is_reported_and_the_others_rendered(tmp_path):
    good = _csv(tmp_path / "good.csv", *GOOD[:2])
    missing = tmp_path / "missing.csv"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(f"{HEADER}\n{GOOD[2]}\n".replace("Amara", "Zoë").encode("cp1252"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [1\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    out = tmp_path / "out"
    result = run_cli("batch", str(good), str(missing), str(latin), str(broken), str(empty),
                     "--out", str(out), "--workers", "2")
    assert result.returncode == 1, result.stderr
    manifest = _manifest(out)
    assert [r["status"] for r in manifest] == ["ok", "ok", "error", "error", "error", "error"]
    messages = [r["message"] for r in manifest[2:]]
    assert messages[0].startswith(f"{missing}: error:")
    assert messages[1].startswith(f"{latin}:2:") and "not UTF-8" in messages[1]
    assert messages[2].startswith(f"{broken}:2:1: error:")
    assert messages[3].startswith(f"{empty}")
    for message in messages:
        assert message.split(";")[0] in result.stderr
    assert len(_pdfs(out)) == 2
    assert "Zo" not in result.stderr + "".join(messages)


# -- item 14: the token key ----------------------------------------------------------------------

def test_a_weak_token_key_is_refused_with_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setenv("BROCHURE_TOKEN_KEY", "a")
    out = tmp_path / "out"
    result = run_cli("batch", str(CLINIC), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr == (
        "error: environment variable BROCHURE_TOKEN_KEY is not a usable key: expected at least "
        "32 random bytes written as hex (64 hex digits) or base64; make one with: "
        'python -c "import secrets; print(secrets.token_hex(32))"\n')
    assert not out.exists()


@pytest.mark.parametrize("key", ["0123456789abcdef" * 3, "00" * 32, "ab" * 40, "c2hvcnQ=",
                                 "correct horse battery staple, quite long enough?", ""])
def test_short_or_patterned_keys_are_refused_and_never_quoted(monkeypatch, key):
    from brochure.errors import BrochureError
    from brochure.output import token_key

    monkeypatch.setenv("BROCHURE_TOKEN_KEY", key)
    with pytest.raises(BrochureError) as caught:
        token_key()
    assert "at least 32 random bytes" in str(caught.value)
    assert not key or key not in str(caught.value)


def test_a_key_as_hex_or_base64_is_the_same_key(monkeypatch):
    from brochure.output import token_key

    key = KEY
    for text in [key.hex(), key.hex().upper(), base64.b64encode(key).decode(),
                 base64.urlsafe_b64encode(key).decode().rstrip("=")]:
        monkeypatch.setenv("BROCHURE_TOKEN_KEY", f" {text}\n")
        assert token_key() == key
    assert not (Path(os.environ["XDG_CONFIG_HOME"]) / "brochure").exists()


def test_the_default_key_lives_in_the_users_config_folder_owner_only(tmp_path, monkeypatch):
    from brochure.output import token_key

    config = Path(os.environ["XDG_CONFIG_HOME"])
    one, two = tmp_path / "one", tmp_path / "two"
    source = _csv(tmp_path / "a.csv", RUTH)
    assert run_cli("batch", str(source), "--out", str(one)).returncode == 0
    assert run_cli("batch", str(source), "--out", str(two)).returncode == 0
    key = config / "brochure" / "token-key"
    assert key.stat().st_mode & 0o777 == 0o600 and key.parent.stat().st_mode & 0o777 == 0o700
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    assert sorted(_pdfs(one)) == sorted(_pdfs(two)), "one key for every folder"
    assert not (one / ".token-key").exists()
    home = tmp_path / "home"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(home))
    made = token_key()
    assert (home / ".config/brochure/token-key").stat().st_mode & 0o777 == 0o600
    assert token_key() == made != bytes.fromhex(key.read_text())


def test_an_old_key_in_the_output_folder_is_no_longer_used_and_said_so(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".token-key").write_text(KEY.hex())
    source = _csv(tmp_path / "a.csv", RUTH)
    result = run_cli("batch", str(source), "--out", str(out))
    assert result.returncode == 0
    assert f"{out / '.token-key'}: notice: this token key from an older version is no longer " \
           "used" in result.stderr
    fresh = tmp_path / "fresh"
    assert run_cli("batch", str(source), "--out", str(fresh)).returncode == 0
    assert sorted(_pdfs(out)) == sorted(_pdfs(fresh)), "names come from the user's key"


def test_an_unknown_physician_is_an_error_row_at_its_cell_before_rendering(tmp_path):
    source = _csv(tmp_path / "day.csv", RUTH.replace("dr-ines-marlow", "dr-nobody"), GOOD[1])
    out = tmp_path / "out"
    result = run_cli("batch", str(source), "--out", str(out), "--workers", "2")
    assert result.returncode == 1
    bad, good = _manifest(out)
    assert bad["status"] == "error" and bad["message"].startswith(f"{source}:2:")
    assert "physician" in bad["message"] and bad["message"].count(str(source)) == 1
    assert good["status"] == "ok" and len(_pdfs(out)) == 1


def test_what_a_batch_or_summary_writes_about_patients_is_readable_by_its_owner_only(tmp_path):
    out = tmp_path / "out"
    assert run_cli("batch", str(_csv(tmp_path / "day.csv", *GOOD)), "--out", str(out),
                   "--workers", "2").returncode == 0
    single = tmp_path / "one.pdf"
    assert run_cli("summary", str(PROJECT / "content/patients/good-candidate.yaml"), "-o",
                   str(single)).returncode == 0
    written = [p for p in out.iterdir() if p.name != ".lock"] + [single]
    assert {p.name for p in written} >= {"manifest.csv", ".register.json", "one.pdf"}
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in written} == \
        {p.name: "0o600" for p in written}


def test_brochures_stay_readable_by_all(built):
    modes = {oct(p.stat().st_mode & 0o777) for p in built.rglob("*.pdf")}
    assert modes == {"0o644"}
