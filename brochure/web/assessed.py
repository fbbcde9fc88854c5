"""A download from the form is the patient on screen, as assessed.

The form's Download button submits the record form itself (the fields on screen), with a
signed digest of the record that was last assessed: an HMAC-SHA256, keyed with a secret made
when the process starts (never stored, never sent), over a canonical serialisation of the
validated record. The download route makes the summary only when the fields it receives are
that record; fields edited after Assess (the next patient typed in over the last) are refused
with :data:`STALE`, so a PDF can never be of a record the physician did not see assessed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from ..model.patient import PatientRecord

FIELD = "assessed"
"""The form's hidden field that carries the digest."""
STALE = "the fields changed since you pressed Assess: assess again before downloading"
_KEY = secrets.token_bytes(32)


def canonical(record: PatientRecord) -> bytes:
    """The validated record as bytes that are the same for the same record: its fields in JSON,
    keys sorted (conditions are already sorted and unique once validated)."""
    return json.dumps(record.model_dump(mode="json"), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def digest(record: PatientRecord, key: bytes = _KEY) -> str:
    """The record's signed digest, as the form carries it after Assess."""
    return hmac.new(key, canonical(record), hashlib.sha256).hexdigest()


def is_assessed(record: PatientRecord, sent: object, key: bytes = _KEY) -> bool:
    """Whether ``sent`` (the form's digest field) is the digest of this very record."""
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(),
                                                         digest(record, key).encode())
