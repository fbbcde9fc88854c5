"""Errors a user can act on: each names where (file, line, column) and what is expected."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, at a known place when there is one."""

    message: str
    path: Path | str | None = None
    line: int | None = None
    column: int | None = None
    level: str = "error"
    """'error' for input that cannot be used (exit 2); 'finding' for a check that failed
    (exit 1); 'warning' for something to act on soon, which leaves the exit code alone."""

    def __str__(self) -> str:
        where = [str(self.path)] if self.path else []
        if self.line is not None:
            where.append(str(self.line))
            if self.column is not None:
                where.append(str(self.column))
        prefix = ":".join(where)
        return f"{prefix}: {self.level}: {self.message}" if prefix else \
            f"{self.level}: {self.message}"


class BrochureError(Exception):
    """A user's input is wrong; carries every problem found. Exit code 2 at the command line."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceError(BrochureError):
    """A content, layout or brand file cannot be read or is invalid."""


class FitError(BrochureError):
    """Content does not fit the space the layout gives it."""


class RecordFitError(FitError):
    """A record's own text takes more room than its summary's pages give, with every shorter
    form taken: ``fields`` names the record's fields to shorten (the message never quotes
    them)."""

    def __init__(self, fields: tuple[str, ...], message: str):
        super().__init__(Problem(message))
        self.fields = fields

    def __reduce__(self) -> tuple[type, tuple[tuple[str, ...], str]]:  # pickled whole
        return type(self), (self.fields, self.problems[0].message)


class CausedError(BrochureError):
    """A problem the system caused (a refused write, a log that cannot take a line): ``cause``
    says why, in the system's words."""

    def __init__(self, problem: Problem, cause: str):
        super().__init__(problem)
        self.cause = cause

    def __reduce__(self) -> tuple[type, tuple[Problem, str]]:  # pickled whole (a worker's)
        return type(self), (self.problems[0], self.cause)


class RefusedError(BrochureError):
    """Work refused for a reason the user can fix by waiting or choosing otherwise (another
    batch holds the folder, a file would replace another patient's). Exit code 1."""

    exit_code = 1


class WorkerError(Exception):
    """An unexpected failure in another process (a batch's worker), already told there by
    :func:`internal_error`, where its place is known: its one argument is that text."""


def internal_error(exc: BaseException) -> str:
    """An unexpected failure described without its message, which may quote patient text: the
    exception's type, the place in our code where it happened, and an error id (the same for the
    same fault at the same place, so reports of one bug can be matched)."""
    import hashlib
    import traceback

    if isinstance(exc, WorkerError):
        return str(exc.args[0])

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{Path(__file__).parent.name}/" in f.filename.replace("\\", "/")]
    frame = (ours or frames)[-1] if ours or frames else None
    where = f"{_module_of(frame.filename)}:{frame.lineno}" if frame else "unknown place"
    kind = type(exc).__name__
    error_id = hashlib.sha256(f"{kind}@{where}".encode()).hexdigest()[:8]
    return (f"internal error: {kind} in {where} (error id {error_id}); nothing of the record is "
            "shown; please report the error id")


def _module_of(filename: str) -> str:
    """``brochure/render/summary.py`` for a path inside the package, else the file's name."""
    parts = Path(filename).parts
    package = Path(__file__).parent.name
    if package in parts:
        return "/".join(parts[len(parts) - 1 - parts[::-1].index(package):])
    return Path(filename).name
