"""Many summaries at once: every row rendered or reported, nothing lost, nothing overwritten.

Each valid record becomes ``<out>/<token>.pdf``; each row, good or bad, gets one line in
``<out>/manifest.csv`` (``id,file,verdict,status,message``; see :mod:`manifest`), in input
order, followed by every other summary the folder holds (earlier runs', killed ones included).

A run takes the folder's lock and marks it (its ``.partial``, carrying what earlier runs left)
before it reads its inputs or loads the project (:func:`open_batch`); a signal before that is
answered with "nothing was done". SIGINT and SIGTERM after it, or a write the system refuses
(a full disk), stop the batch cleanly: the file being finished is put in place and listed, the
rows not reached are listed as not rendered, and the manifest is completed (room for it is
reserved when the run starts).

Safety: two rows for one patient visit are an error, not an overwrite; a file written for
another patient is never replaced (see :mod:`ledger`). Workers render into hidden temporary
files and only this process puts them in place, each together with its manifest line, so a
summary in the folder is always one the manifest lists (save, after SIGKILL, the one row being
finished, which the next run lists). Workers die with this process, however it ends. Nothing
about a patient is printed or logged. Each summary put in place gets its line in the audit log
(:mod:`audit`, opened before anything is rendered), written by this process.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from .audit import AuditError, AuditLog, entry, os_user
from .errors import BrochureError, Problem, WorkerError, internal_error
from .ledger import NAME_CHANGED, NAME_CHANGED_WARNING, Ledger, held, owner_of
from .manifest import (
    MANIFEST,
    PARTIAL,
    Partial,
    complete,
    read_earlier,
    summaries_in,
)
from .model.record import RecordKinds
from .output import (
    PRIVATE_MODE,
    TEMPORARY_SUFFIX,
    WriteError,
    publish,
    summary_token,
    sync_file,
    token_key,
    write_temporary,
)
from .records import RecordRow, read_records
from .signals import NotStartedError, Stop, interruptible

if TYPE_CHECKING:  # (the project module loads the renderer: only when the batch renders)
    from .project import Project

__all__ = ["MANIFEST", "NOT_RENDERED", "PARTIAL", "NotStartedError", "Options", "Report",
           "interruptible", "open_batch", "read_all", "run_batch", "unreadable"]

NOT_RENDERED = "not rendered"
WRITTEN = ("ok", NAME_CHANGED)
"""The statuses of rows whose summary was written."""
RESERVE = f".manifest.csv.reserve{TEMPORARY_SUFFIX}"
RESERVE_PER_ROW = 512
RESERVE_PER_FILE = 256
RESERVE_BASE = 16 * 1024
"""Room kept for the finished manifest while the batch fills the disk: bytes per row of this
run (besides its known problems' text), per summary already in the folder, and for the header
and slack. A line is about 130 bytes; one that says why a row was not rendered, about 250."""


@dataclass(frozen=True)
class Options:
    root: str
    password: str | None = None
    with_brochure: bool = False
    publication: str | None = None
    """The publication of records that name none (None: the project's default one)."""
    publications: tuple[str, ...] = ()
    """The publications of the batch's records, whose kits are prepared before rendering."""
    brand: str | None = None
    """The brand kit every summary is drawn in (None: each publication's own)."""


@dataclass(frozen=True)
class Task:
    """One record to render (as plain data, so it crosses process boundaries cheaply)."""

    index: int
    record: dict
    path: str
    renamed: bool = False
    """It replaces this patient's summary written under another name."""


@dataclass(frozen=True)
class Outcome:
    """What a worker made of a task: a temporary file to put in place, or problems."""

    index: int
    verdict: str = ""
    temporary: str = ""
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    status: str = "error"
    write_failed: str = ""
    """The system's reason, when writing the file failed (the batch then stops)."""


@dataclass
class Report:
    """The manifest's rows (this run's in input order, then the folder's other summaries), the
    signal that stopped the batch, if any, and the cause of a write that stopped it."""

    rows: list[dict]
    signal: int | None = None
    write_failed: str | None = None

    def count(self, *statuses: str) -> int:
        return sum(1 for row in self.rows if row["status"] in statuses)


def read_all(files: Iterable[Path], records: RecordKinds | None = None) -> list[RecordRow]:
    """Every record of every file, in order, each read for its publication (of ``records``,
    default the default project's; invalid ones with their problems); a file that cannot be
    read at all (missing, not UTF-8, malformed) is one row carrying its problems, so the other
    files are still rendered."""
    rows: list[RecordRow] = []
    for path in files:
        try:
            rows += read_records(path, records)
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
    from .project import load_project

    with interruptible() as stop, open_batch(out, stop) as run:
        project = load_project(options.root)
        run.start_workers(options, workers, project)
        run.take(rows)
        return run.render(options, progress, project)


@contextmanager
def open_batch(out: Path, stop: Stop) -> Iterator[Run]:
    """The folder locked and marked as this run's (earlier runs' lines carried into a new
    ``.partial``); NotStartedError if ``stop`` was asked for before. Leaving the block by an
    exception (a project that does not load) still completes the manifest."""
    if stop.signum:
        raise NotStartedError(stop.signum)
    token_key()  # a missing or weak key is refused before anything is written
    with held(out) as ledger:
        run = Run(ledger, stop)
        try:
            yield run
        except BaseException:
            run.finish("not rendered: the batch stopped before rendering")
            raise
        finally:
            run.close()


class Run:
    """One batch in its locked folder: the rows it accounts for, its manifest lines so far."""

    def __init__(self, ledger: Ledger, stop: Stop):
        self.ledger, self.folder, self.stop = ledger, ledger.folder, stop
        self.earlier = read_earlier(self.folder)
        self.partial = Partial(self.folder, self.earlier.values())
        self.rows: list[RecordRow] = []
        self.lines: dict[int, dict] = {}
        self.progress: Callable[[int], None] | None = None
        self.finished: list[dict] | None = None
        self.audit: AuditLog | None = None
        self.options = Options(root="")
        self.workers: Workers | None = None

    def start_workers(self, options: Options, workers: int, project: Project) -> None:
        """For two workers or more: start them now, with ``project`` loaded, so that they
        prepare the kit records are read for by default while this process reads the rows
        (see :class:`Workers`)."""
        if workers > 1 and not self.stop.requested:
            self.workers = Workers(options, workers, project)
            default = options.publication or project.records.default
            if default in project.records.kinds:
                self.workers.prepare(default)

    def take(self, rows: list[RecordRow]) -> list[RecordRow]:
        """The input rows this run accounts for (from here on, an interruption lists them)."""
        self.rows = rows
        return rows

    def render(self, options: Options, progress: Callable[[int], None] | None = None,
               project: Project | None = None) -> Report:
        """Render the rows taken: by the workers :meth:`start_workers` started, else in this
        process, with the ``project`` the command loaded to check them (else loaded here)."""
        from . import summaries  # noqa: F401  # (the renderer, loaded once)
        used = dict.fromkeys(row.record.publication for row in self.rows if row.record)
        options = replace(options, publications=tuple(used))
        self.progress, self.options = progress, options
        self.audit = AuditLog(options.root)  # before anything: a log that cannot take lines
        self._reserve()
        tasks = self._plan(token_key())
        done = partial(self._outcome, tasks=tasks)
        if self.workers is not None and tasks and not self.stop.requested:
            self.workers.prepared(options.publications, self.stop)
            _render_pooled(list(tasks.values()), self.workers, self.stop, done)
        else:
            _render_here(tasks, options, self.stop, done, project)
        return Report(self.finish(self._reason()), self.stop.signum, self.stop.write_failed)

    def _reason(self) -> str:
        if self.stop.signum:
            return "interrupted"
        if self.stop.write_failed:
            return (f"not rendered: writing into {self.folder} failed "
                    f"({self.stop.write_failed}); make room and run the batch again")
        return NOT_RENDERED

    def _plan(self, key: bytes) -> dict[int, Task]:
        """The tasks to render, by row index; rows that may not be rendered go straight to the
        manifest (invalid, a second row for one visit, another patient's file). The files of
        the tasks are registered to their patients before any is written."""
        tasks: dict[int, Task] = {}
        first: dict[str, int] = {}
        claims = {}
        for index, row in enumerate(self.rows):
            if row.record is None:
                self.add(index, _row(row, problems=row.problems))
                continue
            name = f"{summary_token(row.record, key, row.record.publication)}.pdf"
            owner = owner_of(row.record, key)
            refusal = _refusal(self.rows, first.get(name), name, owner, self.ledger)
            if refusal:
                self.add(index, _row(row, problems=(_at(row, refusal),)))
                continue
            first[name], claims[name] = index, owner
            tasks[index] = Task(index, row.record.model_dump(mode="json"),
                                str(self.folder / name), self.ledger.name_changed(name, owner))
        try:
            self.ledger.claim(claims)
        except WriteError as exc:  # no file may be written that the register does not own
            self.stop.write_failed = exc.cause
        return tasks

    def add(self, index: int, line: dict) -> None:
        """This run's line for row ``index``; appended to the ``.partial`` while the disk
        takes it (once it refuses a line, the batch stops and lines are kept for the end)."""
        self.lines[index] = line
        if not self.partial.refused:
            try:
                self.partial.append(line)
            except OSError as exc:
                self.stop.write_failed = exc.strerror or type(exc).__name__
        if self.progress:
            self.progress(1)

    def _outcome(self, outcome: Outcome, tasks: dict[int, Task]) -> None:
        """Put a rendered file in place, then list it (never the other way round)."""
        row, task = self.rows[outcome.index], tasks[outcome.index]
        if outcome.write_failed:
            self.stop.write_failed = self.stop.write_failed or outcome.write_failed
            self.add(outcome.index, _row(row, status=NOT_RENDERED, problems=(self._reason(),)))
            return
        if not outcome.temporary:
            self.add(outcome.index, _row(row, status=outcome.status, problems=tuple(
                _at(row, p) for p in outcome.problems)))
            return
        path, temporary = Path(task.path), Path(outcome.temporary)
        try:
            _synced(temporary)  # here, not in the worker: it renders on while the disk works
            publish(temporary, path)
        except (OSError, WriteError) as exc:  # (publish tells an OSError as a WriteError)
            cause = exc.cause if isinstance(exc, WriteError) else exc.strerror
            self.stop.write_failed = cause or type(exc).__name__
            self.add(outcome.index, _row(row, status=NOT_RENDERED, problems=(self._reason(),)))
            return
        warnings = outcome.warnings + ((NAME_CHANGED_WARNING,) if task.renamed else ())
        self.add(outcome.index, _row(row, path.name, outcome.verdict,
                                     NAME_CHANGED if task.renamed else "ok", warnings=warnings))
        self._audited(outcome.verdict, task, path)

    def _audited(self, verdict: str, task: Task, path: Path) -> None:
        """The audit line of a summary just put in place (its name is its token); a log that
        refuses it stops the batch (the summary stays, listed in the manifest)."""
        options, overridden = self.options, task.record.get("override_verdict") is not None
        try:
            if self.audit:
                self.audit.append(entry("batch", os_user(), task.record.get("publication", ""),
                                        verdict, overridden, options.password is not None,
                                        path.stem))
        except AuditError as exc:
            self.stop.write_failed = self.stop.write_failed or f"the audit log: {exc.cause}"

    def finish(self, reason: str) -> list[dict]:
        """Rows never finished are listed as not rendered (with ``reason``); then the manifest
        (this run's lines, then the folder's other summaries) replaces the ``.partial``."""
        if self.finished is not None:  # once only, even when writing the manifest failed
            return self.finished
        self.finished = []
        for index, row in enumerate(self.rows):
            if index not in self.lines:
                self.add(index, dict(_row(row, status=NOT_RENDERED), message=reason))
        self.close()
        release(self.folder / RESERVE)
        ordered = [self.lines[i] for i in range(len(self.rows))]
        self.finished = complete(self.folder, ordered, self.earlier, _write_manifest)
        return self.finished

    def close(self) -> None:
        self.partial.close()
        if self.audit:
            self.audit.close()
        if self.workers:
            self.workers.close()

    def _reserve(self) -> None:
        """Keep room for the finished manifest (given back just before it is written), so that
        a disk the batch fills still takes it."""
        problems = sum(len(str(p)) for row in self.rows for p in row.problems)
        size = RESERVE_BASE + RESERVE_PER_ROW * len(self.rows) + problems + \
            RESERVE_PER_FILE * len(summaries_in(self.folder))
        reserve(self.folder / RESERVE, size)


def _synced(temporary: Path) -> None:
    """A worker's temporary file on disk (removed, and OSError, when it cannot be)."""
    try:
        sync_file(temporary)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def reserve(path: Path, size: int) -> None:
    """A hidden file of ``size`` bytes allocated on disk; a file system that cannot reserve
    space (or has none left) is left as it is: the manifest is then written if it fits."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                     PRIVATE_MODE)
    except OSError:
        return
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError:
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)


def release(path: Path) -> None:
    """Give the reserved room back."""
    path.unlink(missing_ok=True)


class ManifestNotWrittenError(WriteError):
    """The batch ran, but its manifest could not be written (exit 1, as for failed rows)."""

    exit_code = 1


def _write_manifest(path: Path, data: bytes, mode: int) -> None:
    """``manifest.csv`` in one step; if the system refuses it, a WriteError that says where
    the rows are (the ``.partial``, every line whole)."""
    try:
        publish(write_temporary(path, data, mode), path)
    except WriteError as exc:
        raise ManifestNotWrittenError(Problem(
            f"cannot write the manifest ({exc.cause}): the rows finished are listed in "
            f"{PARTIAL}, each line whole, and the rest were not rendered; make room and run "
            "the batch again", path), exc.cause) from None


def _refusal(rows: list[RecordRow], earlier: int | None, name: str, owner,
             ledger: Ledger) -> str | None:
    if earlier is not None:
        return (f"same id and visit date as {_named(rows[earlier])}; not rendered, so that "
                "neither summary replaces the other (one row per patient visit)")
    return ledger.refusal(name, owner)


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


# -- rendering -------------------------------------------------------------------------------

def _render_here(tasks: dict[int, Task], options: Options, stop: Stop,
                 done: Callable[[Outcome], None], project: Project | None = None) -> None:
    """Render ``tasks`` in this process (one worker), calling ``done`` with each outcome,
    until finished or asked to stop (with ``project`` when already loaded)."""
    if stop.requested or not tasks:  # (no kit prepared for nothing)
        return
    _load(options, project)
    for task in tasks.values():
        if stop.requested:
            return
        done(_render_one(task))


class Workers:
    """Worker processes forked with the project loaded (the fork shares it), asked to prepare
    a publication's kit (fonts, font seeds) before any task: the command asks for the default
    publication's as soon as they start, while this process reads and plans the rows."""

    def __init__(self, options: Options, count: int, project: Project):
        _remember(options, project)  # (before the fork: the workers share it)
        self.count, self.before = count, set(multiprocessing.active_children())
        self.pool = ProcessPoolExecutor(max_workers=count, initializer=_init_worker,
                                        initargs=(options, os.getpid()))
        self.preparing: dict[str, list[Future]] = {}

    def prepare(self, publication: str) -> None:
        """Ask the workers to prepare ``publication``'s kit: one request a worker (the pool
        chooses which worker takes which; one that takes two finds the kit prepared)."""
        if publication not in self.preparing:
            self.preparing[publication] = [self.pool.submit(_prepare_in_worker, publication)
                                           for _ in range(self.count)]

    def prepared(self, publications: Iterable[str], stop: Stop) -> None:
        """Wait until ``publications``' kits are prepared (or a stop is asked for); raise what
        preparing one of them raised, as preparing it in this process would (a kit asked for
        and not needed is not waited for, and its failure is none of the batch's)."""
        futures = []
        for publication in publications:
            self.prepare(publication)
            futures += self.preparing[publication]
        while futures and not stop.requested:
            if not wait(futures, timeout=0.2).not_done:
                break
        for future in futures:
            if stop.requested:
                return
            try:
                failure = future.result()
            except BrokenExecutor:
                return  # (each task is then listed as lost)
            if failure is not None:
                raise failure

    def close(self, kill: bool = True) -> None:
        """Stop them: at once (``kill``: what they were writing is only a temporary file,
        removed before the folder's lock is let go), or once they finish what they do."""
        if kill:
            for child in set(multiprocessing.active_children()) - self.before:
                child.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)


def _render_pooled(tasks: list[Task], workers: Workers, stop: Stop,
                   done: Callable[[Outcome], None]) -> None:
    """Chunks of tasks over the worker processes, a few per worker queued at a time; outcomes
    are taken as they come (checking for a stop request at least every 0.2 s). Stopped early,
    the workers are killed at once."""
    chunks, pool = iter(_chunks(tasks, workers.count)), workers.pool
    pending: dict[Future, list[Task]] = {}
    try:
        while not stop.requested:
            while len(pending) < 4 * workers.count and (chunk := next(chunks, None)):
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
    finally:  # (stopped: what the workers do, tasks or kits, is not waited for)
        workers.close(kill=bool(pending) or stop.requested)


CHUNK = 8
"""At most this many tasks are sent to a worker at a time (fewer messages between processes)."""


def _chunks(tasks: list[Task], workers: int) -> list[list[Task]]:
    """The tasks in chunks for ``workers``: of up to :data:`CHUNK` tasks (fewer for a short
    batch, so that every worker gets some), but one by one at the batch's end, so that no
    worker waits while another renders a whole chunk."""
    size = max(1, min(CHUNK, len(tasks) // (workers * CHUNK)))
    whole = max(0, len(tasks) - 2 * workers * size)
    whole -= whole % size
    return [tasks[i:i + size] for i in range(0, whole, size)] + [[t] for t in tasks[whole:]]


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


def _load(options: Options, project: Project | None = None) -> Project:
    """Remember the options; load the project, rules and fonts once (``project``: loaded
    already, to check the rows)."""
    from .project import load_project
    project = load_project(options.root) if project is None else project
    _remember(options, project)
    for publication in options.publications:
        _prepared_kit(publication)
    gc.freeze()  # (and the kits)
    return project


def _remember(options: Options, project: Project) -> None:
    """The options and project every rendering in this process (and in the workers it forks)
    uses; the project lives as long as the process: the collector never scans it again."""
    global _OPTIONS, _PROJECT
    _OPTIONS, _PROJECT = options, project
    gc.freeze()


def _prepared_kit(publication: str) -> None:
    """``publication``'s kit prepared in this process (its fonts registered, its seeds found
    or learnt): by the batch's process, or by a worker before its first task."""
    from .summaries import summary_kit

    summary_kit(_PROJECT, publication, _loaded_options().brand).prepare()


def _prepare_in_worker(publication: str) -> Exception | None:
    """In a worker: ``publication``'s kit prepared (its fonts registered, its seeds found or
    learnt) before the worker's first task; what failed, if it could not be (a BrochureError
    as it was raised, any other failure already told by :func:`internal_error` here, where
    its place is known)."""
    try:
        _prepared_kit(publication)
    except BrochureError as exc:
        return exc
    except Exception as exc:
        return WorkerError(internal_error(exc))
    gc.freeze()
    return None


def _loaded_options() -> Options:
    """The options :func:`_load` remembered (it runs before any task is rendered)."""
    if _OPTIONS is None:
        raise RuntimeError("no options: the project was not loaded before rendering")
    return _OPTIONS


def _render_chunk(tasks: list[Task]) -> list[Outcome]:
    return [_render_one(task) for task in tasks]


def _render_one(task: Task) -> Outcome:
    from .summaries import summarize
    try:
        options = _loaded_options()
        result = summarize(task.record, password=options.password,
                           with_brochure=options.with_brochure, project=_PROJECT,
                           brand=options.brand)
        temporary = write_temporary(Path(task.path), result.pdf, PRIVATE_MODE, synced=False)
        return Outcome(task.index, verdict=result.assessment.verdict, temporary=str(temporary),
                       warnings=result.warnings, status="ok")
    except WriteError as exc:
        return Outcome(task.index, status=NOT_RENDERED, write_failed=exc.cause)
    except BrochureError as exc:
        return Outcome(task.index, problems=tuple(exc.problems))
    except Exception as exc:
        return Outcome(task.index, problems=(Problem(internal_error(exc)),))


def is_terminal() -> bool:
    return sys.stderr.isatty()
