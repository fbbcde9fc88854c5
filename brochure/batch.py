"""Many summaries at once: every row rendered or reported, nothing lost, nothing partial.

Each valid record becomes ``<out>/<token>.pdf`` (written atomically); each row, good or bad, gets
a line in ``<out>/manifest.csv`` (``id,file,verdict,status,message``). Work is spread over worker
processes that each load the project once. Nothing about a patient is printed or logged.
"""

from __future__ import annotations

import csv
import gc
import io
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .errors import BrochureError
from .output import summary_token, token_key, write_atomic
from .records import RecordRow, read_records

MANIFEST_FIELDS = ("id", "file", "verdict", "status", "message")


@dataclass(frozen=True)
class Task:
    """One record to render (as plain data, so it crosses process boundaries cheaply)."""

    index: int
    record: dict
    path: str


@dataclass(frozen=True)
class Outcome:
    index: int
    verdict: str = ""
    error: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Options:
    root: str
    password: str | None = None
    with_brochure: bool = False


def read_all(files: Iterable[Path]) -> list[RecordRow]:
    """Every record of every file, in order (invalid ones with their problems)."""
    return [row for path in files for row in read_records(path)]


def run_batch(rows: list[RecordRow], out: Path, options: Options, workers: int = 1,
              progress: Callable[[int], None] | None = None) -> list[dict]:
    """Render every valid record into ``out``; return the manifest rows (also written)."""
    key = token_key(out)
    tasks, names = [], {}
    for index, row in enumerate(rows):
        if row.record is not None:
            names[index] = f"{summary_token(row.record, key)}.pdf"
            tasks.append(Task(index, row.record.model_dump(mode="json"), str(out / names[index])))
    outcomes = {o.index: o for o in _render_all(tasks, options, workers, progress)}
    manifest = [_manifest_row(i, row, names.get(i, ""), outcomes.get(i))
                for i, row in enumerate(rows)]
    write_atomic(out / "manifest.csv", _csv(manifest))
    return manifest


def _render_all(tasks: list[Task], options: Options, workers: int,
                progress: Callable[[int], None] | None) -> Iterable[Outcome]:
    if workers <= 1 or len(tasks) < 2:
        _init(options)
        results = map(_render_one, tasks)
    else:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(options,))
        chunk = max(1, min(32, len(tasks) // (workers * 8)))
        results = pool.map(_render_one, tasks, chunksize=chunk)
    try:
        for outcome in results:
            if progress:
                progress(1)
            yield outcome
    finally:
        if workers > 1 and len(tasks) >= 2:
            pool.shutdown(cancel_futures=True)


_OPTIONS: Options | None = None
_PROJECT = None


def _init(options: Options) -> None:
    """Per worker: remember the options; load the project, rules and fonts once."""
    global _OPTIONS, _PROJECT
    from .project import load_project
    from .summaries import summary_kit
    _OPTIONS, _PROJECT = options, load_project(options.root)
    summary_kit(_PROJECT)
    gc.freeze()  # the project, fonts and kit live as long as the worker: never scan them again


def _render_one(task: Task) -> Outcome:
    from .summaries import summarize
    try:
        result = summarize(task.record, password=_OPTIONS.password,
                           with_brochure=_OPTIONS.with_brochure, project=_PROJECT)
        write_atomic(Path(task.path), result.pdf)
        return Outcome(task.index, verdict=result.assessment.verdict, warnings=result.warnings)
    except BrochureError as exc:
        return Outcome(task.index, error="; ".join(str(p) for p in exc.problems))
    except Exception as exc:
        return Outcome(task.index, error=f"internal error ({type(exc).__name__}); please report")


def _manifest_row(index: int, row: RecordRow, name: str, outcome: Outcome | None) -> dict:
    where = f"{row.path} row {row.row}"
    if row.problems:
        message = f"{where}: " + "; ".join(str(p) for p in row.problems)
        return dict(id=row.record_id, file="", verdict="", status="error", message=message)
    if outcome is None or outcome.error:
        detail = outcome.error if outcome else "not rendered"
        return dict(id=row.record_id, file="", verdict="", status="error",
                    message=f"{where}: {detail}")
    message = "; ".join(f"warning: {w}" for w in outcome.warnings)
    return dict(id=row.record_id, file=name, verdict=outcome.verdict, status="ok",
                message=f"{where}: {message}" if message else "")


def _csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def is_terminal() -> bool:
    return sys.stderr.isatty()
