"""What a user adds to the project never changes a test's result. The README invites a clinic to
add its own publications and brands, and `make run` writes into output/: in a copy of this
checkout with a publication, a brand and a broken print file added, the suite's checks of the
project (review dates, checks of every file, print preflight with no argument, the examples'
verdicts, languages, positioned errors) still pass. The suite works on a copy of the shipped
project's own files (tests/conftest.py: SHIPPED, PROJECT)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.process

CHECKS = ["tests/test_standards.py", "tests/test_print.py", "tests/test_candidacy.py",
          "tests/test_language.py", "tests/test_errors.py"]
"""The test files that check the project as a whole (before, an added publication failed six
of their tests)."""

LEFT_OUT = shutil.ignore_patterns(".git", ".venv*", "output", ".brochure", "__pycache__",
                                  ".pytest_cache", ".ruff_cache", ".hypothesis", "*.egg-info")


def _with_a_users_additions(checkout: Path) -> None:
    """A second publication (a copy of the first under another id), a second brand, and a
    print file in output/ that no print shop would take."""
    content = checkout / "content"
    shutil.copytree(content / "knee-stem-cell", content / "hip-demo")
    for path in (content / "hip-demo").glob("publication*.yaml"):
        path.write_text(path.read_text().replace("id: knee-stem-cell", "id: hip-demo"))
    brand = (content / "brands" / "harbor.yaml").read_text()
    (content / "brands" / "bayside.yaml").write_text(brand.replace("harbor", "bayside"))
    (checkout / "output" / "hip-demo").mkdir(parents=True)
    (checkout / "output" / "hip-demo" / "trifold-letter-print.pdf").write_bytes(b"%PDF-1.4\n")


def test_a_publication_brand_and_output_a_user_adds_change_no_tests_result(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT, checkout, ignore=LEFT_OUT, symlinks=True)
    _with_a_users_additions(checkout)
    check = subprocess.run([sys.executable, "-m", "brochure", "check"], cwd=checkout,
                           capture_output=True, text=True, timeout=300)
    assert check.returncode != 0 and "hip-demo" in check.stdout + check.stderr, \
        "the additions are seen by brochure check in the checkout"
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("BROCHURE_", "PYTEST_", "HYPOTHESIS_"))}
    suite = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "-p", "no:xdist", "-m", "not process and not browser and not jvm",
                            *CHECKS], cwd=checkout, env=env, capture_output=True, text=True,
                           timeout=600)
    assert suite.returncode == 0, suite.stdout[-4000:]
    assert " passed" in suite.stdout and "failed" not in suite.stdout
