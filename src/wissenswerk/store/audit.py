"""The audit part of the store protocol: append-only, hash-chained event records.

Every row of the event log carries ``hash = sha256(prev_hash + "\\n" + canonical(row))`` where
``prev_hash`` is the hash of the row before it (``GENESIS`` for the first chained row). A row
changed, removed or slipped in behind the application's back breaks the chain at that point;
:func:`check_chain` finds the first such row. The hashing and the check live here, not in a
backend, so every backend chains and verifies exactly the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

# The previous hash of the first chained row: 64 zeros, the width of a sha256 hex digest.
GENESIS = "0" * 64

# Named here because inside AuditRecord the name ``object`` is the field.
Details = dict[str, object]


def format_at(moment: datetime) -> str:
    """UTC, ISO 8601 with milliseconds and a ``Z``: the stored form, sortable as text."""
    if moment.tzinfo is None:
        raise ValueError(
            f"The time {moment.isoformat()} has no time zone; pass an aware datetime "
            "(for example datetime.now(UTC)) so the audit log can store it in UTC."
        )
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def canonical_payload(payload: dict[str, object]) -> str:
    """The one JSON text a payload is stored and hashed as (sorted keys, no spaces)."""
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One stored event: who did what to which object, when, from where, with what outcome."""

    id: int
    at: datetime  # aware, UTC, millisecond precision
    kind: str
    actor: str | None
    object: str | None
    outcome: str | None
    ip: str | None
    payload: Details
    prev_hash: str | None  # None for rows written before the chain existed
    hash: str | None


def record_hash(prev_hash: str, record: AuditRecord) -> str:
    """The chain hash of ``record`` when it follows a row whose hash is ``prev_hash``."""
    # A JSON array leaves no doubt where one field ends and the next begins.
    fields = [
        record.id,
        format_at(record.at),
        record.kind,
        record.actor,
        record.object,
        record.outcome,
        record.ip,
        json.loads(canonical_payload(record.payload)),
    ]
    canonical = json.dumps(
        fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """Result of verifying the hash chain. ``first_bad_id`` is where the chain breaks."""

    ok: bool
    checked: int  # rows whose hash was recomputed
    first_bad_id: int | None = None
    reason: str = ""
    unchained: int = 0  # rows written before the chain existed (no hash), at the start
    head: str | None = None  # hash of the last row checked: note it down to detect truncation


class UnreadableRecordError(ValueError):
    """A stored row cannot be turned into an AuditRecord (edited behind the app's back)."""

    def __init__(self, event_id: int, problem: str) -> None:
        super().__init__(
            f"Audit record {event_id} cannot be read: {problem}. The row was probably changed "
            "outside wissenswerk; run the audit chain verification and restore from a backup."
        )
        self.event_id = event_id


def check_chain(rows: Iterable[AuditRecord | UnreadableRecordError]) -> ChainCheck:
    """Walk rows in id order and report the first one that does not fit the chain.

    Rows without a hash before the first chained row are pre-chain history and are counted,
    not checked; a row without a hash after the chain started was written around the app.
    """
    checked = unchained = 0
    last_hash: str | None = None  # None until the first chained row
    for row in rows:
        if isinstance(row, UnreadableRecordError):
            return ChainCheck(False, checked, row.event_id, str(row), unchained, last_hash)
        if row.hash is None:
            if last_hash is None:
                unchained += 1
                continue
            return ChainCheck(
                False,
                checked,
                row.id,
                f"Record {row.id} has no hash: it was inserted outside wissenswerk.",
                unchained,
                last_hash,
            )
        expected_prev = last_hash or GENESIS
        if row.prev_hash != expected_prev:
            return ChainCheck(
                False,
                checked,
                row.id,
                f"Record {row.id} does not link to the record before it: that record (or one "
                "before it) was changed or removed.",
                unchained,
                last_hash,
            )
        if record_hash(expected_prev, row) != row.hash:
            return ChainCheck(
                False,
                checked,
                row.id,
                f"Record {row.id} was changed after it was written: its hash does not match.",
                unchained,
                last_hash,
            )
        checked += 1
        last_hash = row.hash
    return ChainCheck(True, checked, None, "", unchained, last_hash)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which records to list, count or export; empty fields do not filter.

    ``kind`` matches exactly, or as a prefix when it ends with a dot (``"login."``,
    ``"admin."``). ``object`` and ``text`` (searched in the details) are substrings,
    case-insensitive for ASCII letters. ``since <= at < until``; both must be aware datetimes.
    """

    actor: str | None = None
    kind: str | None = None
    outcome: str | None = None
    object: str | None = None
    text: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(
                    f"AuditFilter.{name} ({value.isoformat()}) has no time zone; attach one "
                    "(the browser's or UTC) so the range means the same for everybody."
                )
        if self.since and self.until and self.since > self.until:
            raise ValueError(
                f"AuditFilter: 'since' ({self.since.isoformat()}) must not be after 'until' "
                f"({self.until.isoformat()})."
            )

    def as_dict(self) -> dict[str, str]:
        """The fields that filter, as text (for the record of an export, or a query string)."""
        out: dict[str, str] = {}
        for name in ("actor", "kind", "outcome", "object", "text"):
            value = getattr(self, name)
            if value:
                out[name] = value
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                out[name] = format_at(value)
        return out


class AuditStore(Protocol):
    """Methods every backend implements for audit."""

    def add_event(
        self,
        kind: str,
        actor: str | None,
        payload: dict[str, object],
        *,
        object: str | None = None,
        outcome: str | None = None,
        ip: str | None = None,
    ) -> int:
        """Append one record to the chain in one transaction that serialises writers (also
        across processes); return its id. Records are never updated or deleted."""
        ...

    def audit_events(
        self, filter: AuditFilter | None = None, limit: int = 50, offset: int = 0
    ) -> list[AuditRecord]:
        """Matching records, newest first."""
        ...

    def count_audit_events(self, filter: AuditFilter | None = None) -> int: ...

    def iter_audit_events(
        self, filter: AuditFilter | None = None, batch_size: int = 500
    ) -> Iterator[AuditRecord]:
        """Matching records oldest first, fetched in batches (an export never holds them
        all in memory, nor a lock while the consumer works)."""
        ...

    def verify_audit_chain(self) -> ChainCheck:
        """Recompute the whole chain and report the first record that does not fit."""
        ...
