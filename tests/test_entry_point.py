"""The commands as a user starts them: ``python -m brochure`` and the ``brochure`` script, each a
process of its own, with their exit codes and what goes to stdout and to stderr. (Every other
test of the commands runs them in the test's process: tests/conftest.py's ``run_cli``.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brochure import __version__

from .conftest import PROJECT, edit_once, run_process

pytestmark = pytest.mark.process

SCRIPT = Path(sys.executable).parent / "brochure"
"""The console script pip installed beside this interpreter (pyproject: project.scripts)."""


def test_python_m_brochure_writes_its_summary_and_says_where_on_stdout(tmp_path):
    out = tmp_path / "s.pdf"
    result = run_process("summary", "content/patients/good-candidate.yaml", "-o", str(out))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"wrote {out}\n", "")
    assert out.read_bytes().startswith(b"%PDF-")


def test_the_brochure_script_reports_a_bad_file_on_stderr_at_its_position_and_exits_2(project):
    line = edit_once(project, "content/knee-stem-cell/candidacy.yaml", 'when: "pain < 3"',
                     'when: "pain <"')
    result = subprocess.run([str(SCRIPT), "check"], cwd=project, capture_output=True, text=True,
                            timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert f"content/knee-stem-cell/candidacy.yaml:{line}:" in result.stderr
    assert "rule L2: invalid expression" in result.stderr and "Traceback" not in result.stderr


def test_a_usage_error_exits_2_and_the_version_is_on_stdout():
    usage = subprocess.run([str(SCRIPT), "build", "--no-such-option"], cwd=PROJECT,
                           capture_output=True, text=True, timeout=120)
    assert (usage.returncode, usage.stdout) == (2, "")
    assert usage.stderr.startswith("Usage: brochure build") and "--no-such-option" in usage.stderr
    version = run_process("--version")
    assert (version.returncode, version.stdout, version.stderr) == \
        (0, f"brochure, version {__version__}\n", "")
