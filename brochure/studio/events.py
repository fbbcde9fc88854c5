"""Live pages: files watched, documents re-rendered, open pages told (server-sent events).

The watcher (``watchfiles``) looks at ``content/`` and its folders, except ``content/patients/``
(never watched, listed or read), and at ``layouts/``. When a file is saved the project is read
again and the documents open in a browser re-render first, each page told the moment its images
are ready and again when its findings are; then the other documents viewed this run, so they
are current when picked. A page is told only a version number: it fetches what changed.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from .documents import DocKey, Workspace
from .paths import PRIVATE

STEP_MS = 30
"""A change is acted on once no other has come for this long (an editor's save is often a few
writes in a row)."""
DEBOUNCE_MS = 300
"""…and at most this long after the first."""
WATCHED_SUFFIXES = (".yaml", ".yml", ".jpg", ".jpeg", ".png")


class Hub:
    """The documents open in browsers, the queues that tell their pages, and what a change
    of files does."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.lock = threading.Lock()
        self.listeners: list[tuple[DocKey, asyncio.Queue[int], asyncio.AbstractEventLoop]] = []

    def listen(self, key: DocKey) -> asyncio.Queue[int]:
        """A queue that receives the document's new versions (call from the event loop)."""
        queue: asyncio.Queue[int] = asyncio.Queue()
        with self.lock:
            self.listeners.append((key, queue, asyncio.get_running_loop()))
        return queue

    def leave(self, queue: asyncio.Queue[int]) -> None:
        with self.lock:
            self.listeners = [entry for entry in self.listeners if entry[1] is not queue]

    def open(self) -> list[DocKey]:
        """The documents open in a browser, most watched first."""
        with self.lock:
            counts = Counter(key for key, _, _ in self.listeners)
        return [key for key, _ in counts.most_common()]

    def tell(self, key: DocKey, version: int) -> None:
        """Tell every page showing ``key`` its new version (from any thread)."""
        with self.lock:
            for listening, queue, loop in self.listeners:
                if listening == key:
                    loop.call_soon_threadsafe(queue.put_nowait, version)

    def changed(self) -> None:
        """Files changed: read the project again; re-render the open documents (pages, then
        findings), then the others viewed this run."""
        workspace = self.workspace
        workspace.reload()
        opened = self.open()
        for key in opened:
            self.tell(key, workspace.view(key).version)
        for key in opened:
            self.tell(key, workspace.with_findings(key).version)
        generation = workspace.generation
        for key in [k for k in list(workspace.views) if k not in opened]:
            if workspace.generation != generation:
                return  # newer changes came: they start again
            workspace.view(key)


def watched(root: Path) -> list[Path]:
    """``content/``, each folder inside it but ``content/patients/`` (whose contents are never
    listed), and ``layouts/``."""
    content, found = root / "content", []
    for folder, dirs, _ in os.walk(content):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and
                         (here / d).relative_to(root).parts != PRIVATE)
        found.append(here)
    return [*found, *([root / "layouts"] if (root / "layouts").is_dir() else [])]


def _relevant(_change: Any, path: str) -> bool:
    name = os.path.basename(path)
    return not name.startswith(".") and (name.endswith(WATCHED_SUFFIXES) or "." not in name)


def watch(hub: Hub, stop: threading.Event) -> None:
    """Watch the project until ``stop`` is set, calling :meth:`Hub.changed` on each change
    (the folders watched are found again when one is added or removed)."""
    from watchfiles import watch as changes_of

    root = hub.workspace.root
    while not stop.is_set():
        folders = watched(root)
        for _ in changes_of(*folders, watch_filter=_relevant, debounce=DEBOUNCE_MS,
                            step=STEP_MS, stop_event=stop, recursive=False,
                            raise_interrupt=False):
            hub.changed()
            if watched(root) != folders:
                break


def start(hub: Hub) -> tuple[threading.Thread, threading.Event]:
    """The watcher in a thread of its own, and the event that stops it."""
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=(hub, stop), name="studio-watch", daemon=True)
    thread.start()
    return thread, stop
