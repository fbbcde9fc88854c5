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
    (exit 1)."""

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
