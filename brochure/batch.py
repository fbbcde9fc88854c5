"""Many summaries at once: every row rendered or reported, nothing lost, nothing overwritten.

Each valid record becomes ``<out>/<token>.pdf``; each row, good or bad, gets one line in
``<out>/manifest.csv`` (``id,file,verdict,status,message``), in input order. While the batch
runs, finished rows are appended (in the order they finish) to ``manifest.csv.partial``, so a
batch killed outright still lists what it wrote; a normal end, Ctrl-C or SIGTERM turns it into
``manifest.csv`` (rows not reached: status ``not rendered``, message ``interrupted``).

Safety: the output folder is locked for the batch (see :mod:`ledger`); two rows for one patient
visit are an error, not an overwrite; a file written for another patient is never replaced.
Workers render into hidden temporary files and only this process puts them in place, each
together with its manifest line, so a summary in the folder is always one the manifest lists
(save, after SIGKILL, the one row being finished). Workers die with this process, however it
ends. Nothing about a patient is printed or logged.
"""

from __future__ import annotations

import csv
import ctypes
import gc
import io
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import BrochureError, Problem, internal_error
from .ledger import Ledger, held
from .output import (
    PRIVATE_MODE,
    patient_token,
    publish,
    summary_token,
    token_key,
    writable,
    write_atomic,
    write_temporary,
)
from .records import RecordRow, read_records

MANIFEST = "manifest.csv"
PARTIAL = "manifest.csv.partial"
MANIFEST_FIELDS = ("id", "file", "verdict", "status", "message")
NOT_RENDERED = "not rendered"


@dataclass(frozen=True)
class Options:
    root: str
    password: str | None = None
    with_brochure: bool = False
    publication: str | None = None
    """None: the summaries' default publication."""


@dataclass(frozen=True)
class Task:
    """One record to render (as plain data, so it crosses process boundaries cheaply)."""

    index: int
    record: dict
    path: str


@dataclass(frozen=True)
class Outcome:
    """What a worker made of a task: a temporary file to put in place, or problems."""

    index: int
    verdict: str = ""
    temporary: str = ""
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    status: str = "error"


@dataclass
class Report:
    """The manifest's rows in input order, and the signal that stopped the batch, if any."""

    rows: list[dict]
    signal: int | None = None

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row["status"] == status)


def read_all(files: Iterable[Path]) -> list[RecordRow]:
    """Every record of every file, in order (invalid ones with their problems); a file that
    cannot be read at all (missing, not UTF-8, malformed) is one row carrying its problems, so
    the other files are still rendered."""
    rows: list[RecordRow] = []
    for path in files:
        try:
            rows += read_records(path)
        except BrochureError as exc:
            rows.append(RecordRow(Path(path), 0, None, tuple(exc.problems)))
    return rows


def unreadable(rows: list[RecordRow]) -> list[RecordRow]:
    """The rows that stand for whole files that could not be read."""
    return [row for row in rows if row.row == 0 and row.record is None]


def run_batch(rows: list[RecordRow], out: Path, options: Options, workers: int = 1,
              progress: Callable[[int], None] | None = None) -> Report:
    """Render every valid record into ``out`` under the folder's lock; return the manifest's
    rows (also written) and the signal (SIGINT, SIGTERM) that stopped it early, if any."""
    from .summaries import DEFAULT_PUBLICATION  # also loads the renderer before workers fork
    options = replace(options, publication=options.publication or DEFAULT_PUBLICATION)
    key = token_key()
    with held(out) as ledger, _interruptible() as stop, _Manifest(out, progress) as manifest:
        tasks = _plan(rows, key, options.publication, ledger, manifest)
        _render_all(tasks, options, workers, stop,
                    lambda outcome: manifest.add_outcome(outcome, rows[outcome.index], tasks))
        return Report(manifest.finish(rows, "interrupted" if stop.signum else NOT_RENDERED),
                      stop.signum)


def _plan(rows: list[RecordRow], key: bytes, publication: str, ledger: Ledger,
          manifest: _Manifest) -> dict[int, Task]:
    """The tasks to render, by row index; rows that may not be rendered go straight to the
    manifest (invalid, a second row for one visit, another patient's file). The files of the
    tasks are registered to their patients before any is written."""
    tasks: dict[int, Task] = {}
    first: dict[str, int] = {}
    claims: dict[str, str] = {}
    for index, row in enumerate(rows):
        if row.record is None:
            manifest.add(index, _row(row, problems=row.problems))
            continue
        name = f"{summary_token(row.record, key, publication)}.pdf"
        patient = patient_token(row.record, key)
        refusal = _refusal(rows, first.get(name), name, patient, ledger)
        if refusal:
            manifest.add(index, _row(row, problems=(_at(row, refusal),)))
            continue
        first[name], claims[name] = index, patient
        tasks[index] = Task(index, row.record.model_dump(mode="json"), str(ledger.folder / name))
    ledger.claim(claims)
    return tasks


def _refusal(rows: list[RecordRow], earlier: int | None, name: str, patient: str,
             ledger: Ledger) -> str | None:
    if earlier is not None:
        return (f"same id and visit date as {_named(rows[earlier])}; not rendered, so that "
                "neither summary replaces the other (one row per patient visit)")
    return ledger.refusal(name, patient)


class _Manifest:
    """``manifest.csv.partial``, appended and flushed row by row as rows finish; at the end, the
    whole manifest in input order as ``manifest.csv`` (the partial file then goes)."""

    def __init__(self, out: Path, progress: Callable[[int], None] | None):
        self.out, self.progress, self.rows = out, progress, {}
        with writable(out / PARTIAL):
            (out / PARTIAL).unlink(missing_ok=True)  # a killed batch's: this one redoes its rows
            fd = os.open(out / PARTIAL, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                         PRIVATE_MODE)
        self.handle = open(fd, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self.writer = csv.DictWriter(self.handle, fieldnames=MANIFEST_FIELDS,
                                     lineterminator="\n")
        self.writer.writeheader()
        self.handle.flush()

    def __enter__(self) -> _Manifest:
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()

    def add(self, index: int, row: dict) -> None:
        self.rows[index] = row
        self.writer.writerow(row)
        self.handle.flush()
        if self.progress:
            self.progress(1)

    def add_outcome(self, outcome: Outcome, row: RecordRow, tasks: dict[int, Task]) -> None:
        """Put a rendered file in place, then list it (never the other way round)."""
        if outcome.temporary:
            path = Path(tasks[outcome.index].path)
            publish(Path(outcome.temporary), path)
            self.add(outcome.index, _row(row, path.name, outcome.verdict, "ok",
                                         warnings=outcome.warnings))
        else:
            self.add(outcome.index, _row(row, status=outcome.status, problems=tuple(
                _at(row, p) for p in outcome.problems)))

    def finish(self, rows: list[RecordRow], reason: str) -> list[dict]:
        """Rows never finished are listed as not rendered (with ``reason``); then the manifest
        replaces any earlier one in one step and the partial file is removed."""
        for index, row in enumerate(rows):
            if index not in self.rows:
                self.add(index, dict(_row(row, status=NOT_RENDERED), message=reason))
        self.handle.close()
        ordered = [self.rows[i] for i in range(len(rows))]
        write_atomic(self.out / MANIFEST, _csv(ordered), PRIVATE_MODE)
        (self.out / PARTIAL).unlink()
        return ordered


def _row(row: RecordRow, name: str = "", verdict: str = "", status: str = "error",
         problems: tuple[Problem | str, ...] = (), warnings: tuple[str, ...] = ()) -> dict:
    """A manifest line: each problem says where once (its own position, else the row's)."""
    messages = [str(p) for p in problems]
    messages += [str(Problem(w, *_position(row), level="warning")) for w in warnings]
    return dict(id=row.record_id, file=name, verdict=verdict, status=status,
                message="; ".join(messages))


def _at(row: RecordRow, problem: Problem | str) -> Problem:
    """``problem`` placed at ``row`` unless it already names a place."""
    if isinstance(problem, str):
        problem = Problem(problem)
    if problem.path is not None:
        return problem
    path, line = _position(row)
    return Problem(problem.message, path, line, level=problem.level)


def _position(row: RecordRow) -> tuple[str, int | None]:
    """Where a row is, as the user finds it: a CSV's line, or a YAML/JSON file's n-th record."""
    if row.path.suffix.lower() == ".csv":
        return str(row.path), row.row
    return f"{row.path} record {row.row}", None


def _named(row: RecordRow) -> str:
    kind = "row" if row.path.suffix.lower() == ".csv" else "record"
    return f"{row.path} {kind} {row.row}"


def _csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


# -- signals ---------------------------------------------------------------------------------

@dataclass
class _Stop:
    signum: int | None = None
    handled: tuple[int, ...] = field(default=(signal.SIGINT, signal.SIGTERM))


@contextmanager
def _interruptible() -> Iterator[_Stop]:
    """While the batch runs, SIGINT and SIGTERM only ask it to stop: the current file is put in
    place and listed, the rest marked, and the manifest completed before it ends."""
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def ask(signum, frame):
        stop.signum = signum
    previous = {s: signal.signal(s, ask) for s in stop.handled}
    try:
        yield stop
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


# -- rendering -------------------------------------------------------------------------------

def _render_all(tasks: dict[int, Task], options: Options, workers: int, stop: _Stop,
                done: Callable[[Outcome], None]) -> None:
    """Render ``tasks``, calling ``done`` with each outcome in this process, until finished or
    asked to stop."""
    if workers <= 1 or len(tasks) < 2:
        _load(options)
        for task in tasks.values():
            if stop.signum:
                return
            done(_render_one(task))
        return
    _render_pooled(list(tasks.values()), options, workers, stop, done)


def _render_pooled(tasks: list[Task], options: Options, workers: int, stop: _Stop,
                   done: Callable[[Outcome], None]) -> None:
    """Chunks of tasks over worker processes, a few per worker queued at a time; outcomes are
    taken as they come (checking for a stop request at least every 0.2 s). Stopped early, the
    workers are killed at once: what they were writing is only a temporary file, removed
    before the folder's lock is let go."""
    size = max(1, min(8, len(tasks) // (workers * 8)))
    chunks = iter([tasks[i:i + size] for i in range(0, len(tasks), size)])
    _load(options)  # here, so that forked workers start with the project loaded
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                               initargs=(options, os.getpid()))
    pending: dict[Future, list[Task]] = {}
    try:
        while not stop.signum:
            while len(pending) < 4 * workers and (chunk := next(chunks, None)):
                try:
                    pending[pool.submit(_render_chunk, chunk)] = chunk
                except BrokenExecutor:  # a worker died: the rest cannot be rendered either
                    for outcome in _lost(chunk):
                        done(outcome)
            if not pending:
                break
            ready, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for future in ready:
                for outcome in _outcomes(future, pending.pop(future)):
                    done(outcome)
    finally:
        if pending:
            for child in set(multiprocessing.active_children()) - before:
                child.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def _outcomes(future: Future, chunk: list[Task]) -> list[Outcome]:
    """A chunk's outcomes; if its worker died, each of its rows is not rendered."""
    try:
        return future.result()
    except Exception:
        return _lost(chunk)


def _lost(chunk: list[Task]) -> list[Outcome]:
    problem = Problem("not rendered: a worker process ended unexpectedly; run the batch again")
    return [Outcome(task.index, problems=(problem,), status=NOT_RENDERED) for task in chunk]


_OPTIONS: Options | None = None
_PROJECT = None


def _init_worker(options: Options, parent: int) -> None:
    """Per worker: end with the parent; leave Ctrl-C to the parent; load the project once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _end_with(parent)
    if _PROJECT is None or options != _OPTIONS:  # not inherited from the parent (no fork)
        _load(options)


def _end_with(parent: int) -> None:
    """Have the kernel kill this process when its parent ends (Linux), else watch the parent."""
    if not _kill_on_parent_death():
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def _kill_on_parent_death() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        pr_set_pdeathsig = 1
        return ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.25)
    os._exit(1)


def _load(options: Options) -> None:
    """Remember the options; load the project, rules and fonts once."""
    global _OPTIONS, _PROJECT
    from .project import load_project
    from .summaries import summary_kit
    _OPTIONS, _PROJECT = options, load_project(options.root)
    summary_kit(_PROJECT, options.publication)
    gc.freeze()  # the project, fonts and kit live as long as the worker: never scan them again


def _render_chunk(tasks: list[Task]) -> list[Outcome]:
    return [_render_one(task) for task in tasks]


def _render_one(task: Task) -> Outcome:
    from .summaries import summarize
    try:
        result = summarize(task.record, password=_OPTIONS.password,
                           with_brochure=_OPTIONS.with_brochure, project=_PROJECT,
                           publication=_OPTIONS.publication)
        temporary = write_temporary(Path(task.path), result.pdf, PRIVATE_MODE)
        return Outcome(task.index, verdict=result.assessment.verdict, temporary=str(temporary),
                       warnings=result.warnings, status="ok")
    except BrochureError as exc:
        return Outcome(task.index, problems=tuple(exc.problems))
    except Exception as exc:
        return Outcome(task.index, problems=(Problem(internal_error(exc)),))


def is_terminal() -> bool:
    return sys.stderr.isatty()
