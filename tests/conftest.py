"""Shared fixtures: the shipped project built once, copies of it to break, and the CLI.

The CLI runs in this process (click's runner) unless a test needs what only a process has:
``run_process`` for those, marked ``process`` (like tests that drive a browser, ``browser``, or
the JVM, ``jvm``), so that ``make test-fast`` can leave them out. A test that starts a Python
process, a browser or the JVM without its mark fails (see ``_started``).

Property tests draw the same examples on every run (the ``repeatable`` Hypothesis profile);
``make test-fuzz`` selects ``fuzz``, which draws new ones (HYPOTHESIS_PROFILE=fuzz).
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
"""The checkout: the package, README, golden files, tools."""

SHIPPED = ("content/project.yaml", "content/claims.yaml", "content/brands/harbor.yaml",
           "content/knee-stem-cell", "content/brands/cedar-ridge.yaml", "content/prp-tennis-elbow",
           *(f"content/patients/{name}" for name in (
               "clinic-day.csv", "evaluation-needed.yaml", "good-candidate.yaml",
               "less-likely.yaml", "needs-xray.yaml", "not-suitable.yaml",
               "physician-override.yaml", "worst-case.yaml", "evaluation-needed-es.yaml",
               "good-candidate-es.yaml", "less-likely-es.yaml", "not-suitable-es.yaml")),
           *(f"layouts/{name}.yaml" for name in (
               "booklet-letter", "summary-a4", "summary-letter", "trifold-a4", "trifold-letter")))
"""The shipped project's files, as they are in the checkout (edits to them are tested). A
publication, brand, layout or patient a user adds beside them is not copied: it changes no
test's result. A file shipped from now on is added here."""


def _shipped_copy() -> Path:
    """A copy of the shipped project in a folder of this process's own (removed at exit)."""
    folder = Path(tempfile.mkdtemp(prefix="shipped-")) / "project"
    for relative in SHIPPED:
        source, target = ROOT / relative, folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    atexit.register(shutil.rmtree, folder.parent, ignore_errors=True)
    return folder


PROJECT = _shipped_copy()
"""The project the tests run against: the default folder of ``run_cli`` and of the library's
default project ($BROCHURE_ROOT). Tests read and build it, never the checkout's content/ or
output/; a test that changes it works on a copy (the ``project`` fixture)."""
os.environ["BROCHURE_ROOT"] = str(PROJECT)



FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
"""make test-fuzz: property tests draw new examples, ten times as many a round."""


def examples(fixed: int) -> int:
    """A property test's max_examples: ``fixed`` examples, the same on every run of make test;
    ten times as many new ones a round of make test-fuzz (Hypothesis draws larger examples
    the longer a run goes)."""
    return fixed * 10 if FUZZING else fixed


settings.register_profile("repeatable", derandomize=True, database=None, deadline=None,
                          max_examples=100, print_blob=True)
settings.register_profile("fuzz", derandomize=False, database=None, deadline=None,
                          max_examples=examples(100), print_blob=True)
settings.load_profile("fuzz" if FUZZING else "repeatable")


@dataclass(frozen=True)
class Ran:
    """What a command did, as a finished process tells it: exit code, stdout, stderr."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path = PROJECT) -> Ran:
    """Run ``brochure ARGS`` from folder ``cwd`` in this process, as a user would, with its exit
    code and its two streams apart (click's runner; 80 ms where a process costs 2 s). What a
    process would die of (an exception the command lets through) ends in its traceback on
    stderr and exit code 1, as the interpreter would print it."""
    from click.testing import CliRunner

    from brochure.cli import main

    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), prog_name="brochure")
    finally:
        os.chdir(before)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
    return Ran(tuple(args), result.exit_code, result.stdout, stderr)


def run_process(*args: str, cwd: Path = PROJECT, env: dict[str, str] | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m brochure ARGS`` in a process of its own: for the entry point itself, and
    for what only a process shows (signals, kills, locks between processes, a fresh
    interpreter). Tests that use it are marked ``process``."""
    env = dict(os.environ if env is None else env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "brochure", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


MARKS = {"process": "starts a Python process: the CLI's entry point, a server, a script",
         "browser": "drives Chromium with Playwright",
         "jvm": "runs veraPDF on the JVM"}
"""What a test must be marked with to start more than the PDF tools below; make test-fast
leaves these tests out."""

TOOLS = frozenset({"pdftotext", "pdfinfo", "pdftoppm", "pdffonts", "pdfimages", "qpdf"})
"""Small programs the tests read PDFs with (milliseconds each): allowed in every test."""


def pytest_configure(config) -> None:
    for name, what in MARKS.items():
        config.addinivalue_line("markers", f"{name}: {what} (not in make test-fast)")
    config.addinivalue_line("markers", "property: a Hypothesis property test (marked by "
                                       "conftest; make test-fuzz runs these)")


def pytest_collection_finish(session) -> None:
    """What is loaded by now (the package, its libraries, the tests) lives as long as the test
    process: the collector need not scan it again and again (a tenth of the suite's time), as
    a batch's own process does not scan what it loaded (batch._load)."""
    gc.freeze()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker("property")


def _program(args) -> str:
    first = args.split()[0] if isinstance(args, str) else os.fspath(next(iter(args)))
    return Path(first).name


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item) -> Iterator[None]:
    """Unless the test is marked for it, starting a program other than the PDF tools fails: a
    process, a browser or the JVM costs seconds, and make test-fast must be able to leave out
    every test that starts one."""
    if any(item.get_closest_marker(name) for name in MARKS):
        return (yield)
    original = subprocess.Popen.__init__

    def _started(self, args, *rest, **options):
        if _program(args) not in TOOLS:
            raise AssertionError(f"{item.nodeid} starts {_program(args)!r}: mark it "
                                 f"{' or '.join(MARKS)} (tests/conftest.py)")
        original(self, args, *rest, **options)

    subprocess.Popen.__init__ = _started
    try:
        return (yield)
    finally:
        subprocess.Popen.__init__ = original


def read_yaml(text: str) -> Any:
    """YAML text as data, read by libyaml's safe loader (what yaml.safe_load reads, several
    times faster: tests read the shipped content many times)."""
    return yaml.load(text, Loader=yaml.CSafeLoader)


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
    own (see _own_config): no test writes into the project's .brochure/. A cache folder of
    the session's for what the tests' many project copies learn (kits' font seeds), whose
    prepared fonts and converted images are the user's cache's (preparing the fonts again
    takes most of a minute)."""
    from brochure.output import cache_dir

    cache = tmp_path_factory.mktemp("cache")
    for kind in ("fonts", "images"):
        shared = cache_dir(kind).absolute()
        try:
            shared.mkdir(parents=True, exist_ok=True)
        except OSError:  # (a cache that cannot be written: the session keeps its own)
            continue
        (cache / kind).symlink_to(shared, target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BROCHURE_STATE", str(tmp_path_factory.mktemp("session-state")))
        patch.setenv("BROCHURE_CACHE", str(cache))
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
        shutil.copytree(PROJECT / folder, tmp_path / folder)
    return tmp_path
