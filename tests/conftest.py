"""Shared fixtures: the shipped project built once, copies of it to break, and the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``python -m brochure ARGS`` as a user would, capturing its output and exit code."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "brochure", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def edit_once(project: Path, relative: str, old: str, new: str) -> int:
    """In a copy of the project, replace ``old`` once in ``relative``; return the 1-based line
    it was on (where a positioned error about it should point)."""
    path = project / relative
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return text[: text.index(old)].count("\n") + 1


@pytest.fixture(autouse=True)
def _own_config(tmp_path_factory, monkeypatch) -> None:
    """Every test (and every command it runs) keeps its token key in a folder of its own,
    never in the user's real configuration, and sees one fixed today (the shipped examples'
    visits are in November 2026; a visit may not be more than a day ahead of today), and an
    audit log of its own ($BROCHURE_STATE), never the project's .brochure/."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("BROCHURE_STATE", str(tmp_path_factory.mktemp("state")))
    monkeypatch.setenv("BROCHURE_TODAY", "2026-11-29")
    monkeypatch.delenv("BROCHURE_TOKEN_KEY", raising=False)
    monkeypatch.delenv("BROCHURE_AUDIT_KEY", raising=False)


@pytest.fixture(scope="session", autouse=True)
def _own_state(tmp_path_factory) -> Iterator[None]:
    """An audit log for the session, for module-scoped fixtures that run before any test's
    own (see _own_config): no test writes into the project's .brochure/."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROCHURE_STATE", str(tmp_path_factory.mktemp("session-state")))
        yield


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The output folder after ``brochure build`` of the shipped project."""
    out = tmp_path_factory.mktemp("output")
    result = run_cli("build", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def project(tmp_path) -> Path:
    """A writable copy of the shipped content and layouts, to break on purpose."""
    for folder in ("content", "layouts"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path
