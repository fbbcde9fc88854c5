"""The README's examples run as written: its sample record validates, and every `brochure`
command in its shell blocks succeeds in a copy of the project, as a user would type it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.S | re.M)


def _commands() -> list[str]:
    """Every `.venv/bin/brochure` line of the README's shell blocks, comments stripped."""
    lines = [line for block in _blocks("sh") for line in block.splitlines()]
    return [re.sub(r"\s+#.*$", "", line) for line in lines if ".venv/bin/brochure" in line]


@pytest.fixture
def user_folder(project: Path) -> Path:
    """The project copy, with the venv's `brochure` where the README says and the README's
    sample record saved as it says (`record.yaml`)."""
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "brochure").write_text(f"#!/bin/sh\nexec {sys.executable} -m brochure \"$@\"\n")
    (bin_dir / "brochure").chmod(0o755)
    sample = next(block for block in _blocks("yaml") if block.startswith("id:"))
    (project / "record.yaml").write_text(sample)
    return project


def test_the_readme_names_its_commands():
    commands = _commands()
    assert len(commands) >= 8
    assert any("summary record.yaml" in command for command in commands)


@pytest.mark.process
def test_every_readme_command_runs_as_written(user_folder: Path, tmp_path_factory):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proofs = str(tmp_path_factory.mktemp("proofs"))  # the README's /tmp/proofs, per test run
    for command in _commands():
        command = command.replace("/tmp/proofs", proofs)
        result = subprocess.run(["bash", "-c", command], cwd=user_folder, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        assert "Traceback" not in result.stderr
    assert (user_folder / "handout.pdf").read_bytes().startswith(b"%PDF-")
    manifest = (user_folder / "output" / "summaries" / "manifest.csv").read_text()
    rows = (user_folder / "content" / "patients" / "clinic-day.csv").read_text().splitlines()
    assert manifest.count(",ok,") == len(rows) - 1  # every row of clinic-day.csv
