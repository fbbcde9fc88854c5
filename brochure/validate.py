"""veraPDF, the industry's open validator of PDF/UA and PDF/A: finding it (the cache that
``tools/verapdf/fetch`` fills, or a ``verapdf`` command on PATH), running it on many files in
one Java run (the JVM starts slowly), and reading its JSON report as findings
``file: page N: rule-id: message``.

veraPDF picks each file's profiles from what the file declares in its XMP metadata
(``pdfaid``, ``pdfuaid``: a file declaring both is validated against both); a file declaring
neither is validated as PDF/UA-1. Messages are the rules' own descriptions from veraPDF's
profiles, never the text of the failed check, which may quote the document (a patient's
name in an /Alt or /ActualText)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

VERSION = "1.28.2"
"""The pinned veraPDF (tools/verapdf/pom.xml)."""
MAIN_CLASS = "org.verapdf.apps.GreenfieldCliWrapper"
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
"""A run over a few dozen files is short: the JVM's quick compiler alone and its simplest
collector halve the CPU time it takes (measured: 12 s → 5.6 s for 23 files)."""
HOW_TO_GET = ("veraPDF is not available: run `tools/verapdf/fetch` in a clone of brochure "
              "(needs Java 17 and Maven; it fetches veraPDF " + VERSION + " from Maven Central "
              "once) or install veraPDF so that `verapdf` is on PATH (https://verapdf.org)")
ENCRYPTED = ("encrypted: not validated (veraPDF cannot open it without its password; an "
             "encrypted summary is the unencrypted one, which passes, behind AES-256)")
TIMEOUT = 600
"""Seconds one veraPDF run may take (about 0.2 s a file after a few seconds' start)."""
_PAGE = re.compile(r"/pages\[(\d+)\]")
NOT_CLAIMED_BY_PRINT = frozenset({"PDF/UA-1 5-1"})
"""A print file (PDF/X-1a) does not declare PDF/UA; its structure tree is still validated
against PDF/UA-1's rules, all but the one asking for that declaration."""


@dataclass(frozen=True)
class Finding:
    """A rule of a standard that a file fails, on a page when veraPDF names one."""

    path: Path
    page: int | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"page {self.page}: " if self.page else ""
        return f"{self.path}: {where}{self.rule}: {self.message}"


@dataclass(frozen=True)
class Report:
    """What veraPDF said about one file: the profiles it validated against (``PDF/UA-1``,
    ``PDF/A-2A``) and every failed rule."""

    path: Path
    profiles: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = field(default=())
    note: str = ""
    """Why a file was not validated when that is no fault of the file (it is encrypted)."""

    @property
    def compliant(self) -> bool:
        return bool(self.profiles) and not self.findings


def cache_home() -> Path:
    """Where ``tools/verapdf/fetch`` puts the pinned veraPDF (the same rule as the script)."""
    if os.environ.get("BROCHURE_VERAPDF_HOME"):
        return Path(os.environ["BROCHURE_VERAPDF_HOME"])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "brochure" / f"verapdf-{VERSION}"


def command() -> list[str] | None:
    """How to run veraPDF here: the fetched jars with ``java``, else ``verapdf`` on PATH, else
    None."""
    lib = cache_home() / "lib"
    java = shutil.which("java")
    if java and (lib / ".complete").is_file():
        return [java, *JAVA_OPTIONS, "-cp", f"{lib}{os.sep}*", MAIN_CLASS]
    installed = shutil.which("verapdf")
    return [installed] if installed else None


class UnavailableError(RuntimeError):
    """veraPDF cannot be run here; the message says how to get it."""


def validate(paths: list[Path], flavour: str = "0") -> dict[Path, Report]:
    """Validate ``paths`` in one veraPDF run: against what each file declares (``flavour``
    "0", PDF/UA-1 when it declares nothing) or against one named profile (``"ua1"``,
    ``"2a"``, …)."""
    prefix = command()
    if prefix is None:
        raise UnavailableError(HOW_TO_GET)
    if not paths:
        return {}
    args = [*prefix, "--format", "json", "--loglevel", "0", "--maxfailuresdisplayed", "1000",
            "--flavour", flavour, "--defaultflavour", "ua1", *(str(p.resolve()) for p in paths)]
    done = subprocess.run(args, capture_output=True, timeout=TIMEOUT, check=False)
    try:
        report = json.loads(done.stdout)
    except ValueError as exc:
        raise UnavailableError(f"veraPDF gave no report (exit {done.returncode}); "
                          f"{HOW_TO_GET}") from exc
    return parse(report, paths)


def parse(report: dict, paths: list[Path]) -> dict[Path, Report]:
    """veraPDF's JSON report as a :class:`Report` for each of ``paths`` (veraPDF names each
    file by its absolute path; reports keep the path as given)."""
    by_name = {str(p.resolve()): p for p in paths}
    out = {}
    for job in report["report"]["jobs"]:
        name = job["itemDetails"]["name"]
        path = by_name.get(str(Path(name).resolve()), Path(name))
        out[path] = _report(path, job)
    for path in paths:
        out.setdefault(path, Report(path, (), (Finding(path, None, "veraPDF",
                                                       "not validated"),)))
    return out


def _report(path: Path, job: dict) -> Report:
    results = job.get("validationResult") or []
    if not results:
        if _is_encrypted(path):
            return Report(path, note=ENCRYPTED)
        return Report(path, (), (Finding(path, None, "veraPDF", "could not read the file "
                                         "(not a PDF veraPDF can open)"),))
    profiles, findings = [], []
    for result in results:
        profile = _profile(result["profileName"])
        profiles.append(profile)
        for rule in result["details"]["ruleSummaries"]:
            findings += _rule_findings(path, profile, rule)
    if _for_press(path):
        findings = [f for f in findings if f.rule not in NOT_CLAIMED_BY_PRINT]
    findings.sort(key=lambda f: (f.page or 0, f.rule))
    return Report(path, tuple(profiles), tuple(findings))


def _for_press(path: Path) -> bool:
    """Whether the file declares itself a print file (:func:`brochure.kinds.kind_of`)."""
    from pypdf import PdfReader

    from .kinds import kind_of

    try:
        kind = kind_of(PdfReader(path))
    except Exception:  # any reading error: veraPDF's findings stand as they are
        return False
    return kind is not None and kind.for_press


def _is_encrypted(path: Path) -> bool:
    from pypdf import PdfReader

    try:
        return PdfReader(path).is_encrypted
    except Exception:  # any reading error means: not a PDF veraPDF could read
        return False


def _profile(name: str) -> str:
    """"PDF/UA-1 validation profile" → "PDF/UA-1"."""
    return name.removesuffix(" validation profile").strip()


def _rule_findings(path: Path, profile: str, rule: dict) -> list[Finding]:
    """One finding per page the rule fails on (and one for failures on no page), saying how
    many times when more than once."""
    rule_id = f"{profile} {rule['clause']}-{rule['testNumber']}"
    message = " ".join(rule["description"].split())
    pages = Counter(_page(check.get("context", "")) for check in rule.get("checks", []))
    if not pages:
        pages[None] = int(rule.get("failedChecks", 1))
    return [Finding(path, page, rule_id, message + (f" ({count} times)" if count > 1 else ""))
            for page, count in sorted(pages.items(), key=lambda item: item[0] or 0)]


def _page(context: str) -> int | None:
    found = _PAGE.search(context)
    return int(found.group(1)) + 1 if found else None
