"""An output folder of summaries, held by one writer at a time, with a register of whose
summary each file is.

The lock is ``fcntl.flock`` on ``<folder>/.lock`` (released by the kernel when its holder ends,
however it ends). The register, ``<folder>/.register.json``, maps a file name to a keyed hash of
the patient it was written for (record id and birth date; see :func:`output.patient_token`):
it holds nothing readable about anyone, and lets a rerun replace a patient's own summary while
refusing to put another patient's summary in its place. Claims are registered before their files
are written, so a file in the folder is never without its owner, even after a crash.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BrochureError, Problem, RefusedError
from .output import PRIVATE_MODE, remove_temporaries, writable, write_atomic

LOCK = ".lock"
REGISTER = ".register.json"
ANOTHER_PATIENT = ("a summary of another patient already has this name; not replaced (if it is "
                   "this patient's, written before a birth date was corrected, move that file "
                   "out of the folder and run again)")
UNKNOWN_OWNER = ("a file of this name is already here and the folder's register does not say "
                 "whose it is; not replaced (move it away to write this summary)")


@dataclass
class Ledger:
    """A locked output folder and its register (file name -> patient token)."""

    folder: Path
    owners: dict[str, str] = field(default_factory=dict)

    def refusal(self, name: str, patient: str) -> str | None:
        """Why ``name`` may not be written for ``patient`` (None when it may): the file is
        there and belongs to someone else, or to no one the register knows."""
        if not (self.folder / name).exists():
            return None
        owner = self.owners.get(name)
        if owner == patient:
            return None
        return UNKNOWN_OWNER if owner is None else ANOTHER_PATIENT

    def claim(self, claims: Mapping[str, str]) -> None:
        """Register ``claims`` (file name -> patient token) in one atomic write; entries whose
        files are gone (and so protect nothing) are dropped."""
        kept = {name: who for name, who in self.owners.items() if (self.folder / name).exists()}
        owners = {**kept, **claims}
        if owners != self.owners or not (self.folder / REGISTER).exists():
            self.owners = owners
            write_atomic(self.folder / REGISTER, _dump(owners), PRIVATE_MODE)


@contextmanager
def held(folder: Path) -> Iterator[Ledger]:
    """The folder (made if missing), locked for this process until the block ends; refused at
    once (RefusedError, exit 1) when another batch or summary holds it. Temporary files a killed
    writer left behind are removed on the way in and on the way out."""
    with writable(folder):
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
                     0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RefusedError(Problem(
                "another batch or summary is writing into this folder; nothing was written "
                "(wait until it ends, or choose another output folder)", folder)) from None
        remove_temporaries(folder)
        try:
            yield Ledger(folder, _load(folder / REGISTER))
        finally:
            remove_temporaries(folder)
    finally:
        os.close(fd)


def is_registered_folder(folder: Path) -> bool:
    """Whether ``folder`` keeps a register (it is, or was, a summaries folder)."""
    return (folder / REGISTER).is_file()


def _load(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        owners = data["owners"]
        if isinstance(owners, dict) and all(isinstance(v, str) for v in owners.values()):
            return dict(owners)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    raise BrochureError(Problem("the folder's register of summaries is damaged; expected the "
                                "JSON this tool writes (move the folder's summaries elsewhere "
                                "and delete the file to start afresh)", path))


def _dump(owners: Mapping[str, str]) -> bytes:
    data = {"about": "file name -> keyed hash of the patient it was written for", "version": 1,
            "owners": dict(sorted(owners.items()))}
    return (json.dumps(data, indent=1) + "\n").encode()
