"""An output folder of summaries, held by one writer at a time, with a register of whose
summary each file is.

The lock is ``fcntl.flock`` on ``<folder>/.lock`` (released by the kernel when its holder ends,
however it ends). The register, ``<folder>/.register.json``, maps a file name to keyed hashes of
the patient it was written for (record id and birth date; see :func:`output.patient_token`) and
of the name printed on it (:func:`output.name_token`): it holds nothing readable about anyone,
and lets a rerun replace a patient's own summary while refusing to put another patient's summary
in its place, and say so when the replacement's name differs (a mistyped id that happens to be
another patient's, with the same birth date, is otherwise the same patient). Claims are
registered before their files are written, so a file in the folder is never without its owner,
even after a crash. Every write of a summary goes through a register, wherever it points.

The folder's own files (the lock, the register, a batch's manifests, hidden temporaries) are
never a summary's name: :func:`own_name_problem`.
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
from .model.patient import PatientRecord
from .output import (
    PRIVATE_MODE,
    name_token,
    patient_token,
    remove_temporaries,
    writable,
    write_atomic,
)

LOCK = ".lock"
REGISTER = ".register.json"
MANIFEST_PREFIX = "manifest.csv"
TEMPORARY_SUFFIX = ".tmp"
ANOTHER_PATIENT = ("a summary of another patient already has this name; not replaced (if it is "
                   "this patient's, written before a birth date was corrected, move that file "
                   "out of the folder and run again)")
UNKNOWN_OWNER = ("a file of this name is already here and the folder's register does not say "
                 "whose it is; not replaced (move it away to write this summary)")
REPLACE_HINT = "; to replace it all the same, run again with --replace"
NAME_CHANGED = "name changed"
"""A manifest status: written over the same patient's summary (same id and birth date), whose
printed name differed."""
NAME_CHANGED_WARNING = ("this replaced a summary written for the same record id and birth date "
                        "under a different name: check that the id and birth date are this "
                        "patient's (a mistyped id can match another patient's)")


@dataclass(frozen=True)
class Owner:
    """Whose a file is: keyed hashes of the patient (id and birth date) and of the name."""

    patient: str
    name: str = ""
    """Empty in registers written before names were kept."""


def own_name_problem(name: str) -> str | None:
    """Why a summary may not be called ``name`` (None when it may): the folder's own files."""
    folded = name.casefold()
    if folded in (LOCK, REGISTER) or folded.startswith(MANIFEST_PREFIX) or \
            folded.endswith(TEMPORARY_SUFFIX):
        return (f"'{name}' is a name this tool keeps for its own files in a summaries folder "
                f"(the lock {LOCK}, the register {REGISTER}, {MANIFEST_PREFIX}*, and *"
                f"{TEMPORARY_SUFFIX}); expected another file name, such as summary.pdf")
    return None


@dataclass
class Ledger:
    """A locked output folder and its register (file name -> owner)."""

    folder: Path
    owners: dict[str, Owner] = field(default_factory=dict)

    def refusal(self, name: str, owner: Owner, replace: bool = False) -> str | None:
        """Why ``name`` may not be written for ``owner`` (None when it may): the file is one
        of the folder's own, or it is there and belongs to another patient, or to no one the
        register knows (unless ``replace``: the user has said to replace it all the same)."""
        if problem := own_name_problem(name):
            return problem
        if not (self.folder / name).exists() or replace:
            return None
        known = self.owners.get(name)
        if known is not None and known.patient == owner.patient:
            return None
        return UNKNOWN_OWNER if known is None else ANOTHER_PATIENT

    def name_changed(self, name: str, owner: Owner) -> bool:
        """Whether writing ``name`` for ``owner`` replaces this patient's summary written
        under another name."""
        known = self.owners.get(name)
        return (self.folder / name).exists() and known is not None and \
            known.patient == owner.patient and bool(known.name) and known.name != owner.name

    def claim(self, claims: Mapping[str, Owner]) -> None:
        """Register ``claims`` (file name -> owner) in one atomic write; entries whose files
        are gone (and so protect nothing) are dropped."""
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


def owner_of(record: PatientRecord, key: bytes) -> Owner:
    """Whose a summary of ``record`` is, as the register keeps it."""
    return Owner(patient_token(record, key), name_token(record, key))


def _load(path: Path) -> dict[str, Owner]:
    """The register's owners (version 1 kept a patient token alone; version 2 adds the
    name's)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: _owner(value) for name, value in data["owners"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    raise BrochureError(Problem("the folder's register of summaries is damaged; expected the "
                                "JSON this tool writes (move the folder's summaries elsewhere "
                                "and delete the file to start afresh)", path))


def _owner(value: object) -> Owner:
    if isinstance(value, str):
        return Owner(value)
    if isinstance(value, dict) and isinstance(value.get("patient"), str) and \
            isinstance(value.get("name", ""), str):
        return Owner(value["patient"], value.get("name", ""))
    raise TypeError("not an owner")


def _dump(owners: Mapping[str, Owner]) -> bytes:
    data = {"about": "file name -> keyed hashes of the patient it was written for (record id "
                     "and birth date) and of the name printed on it", "version": 2,
            "owners": {name: {"patient": owner.patient, "name": owner.name}
                       for name, owner in sorted(owners.items())}}
    return (json.dumps(data, indent=1) + "\n").encode()
