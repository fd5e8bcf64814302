"""SQLite implementation of the audit part of the store protocol (see store/audit.py).

The rows live in the ``events`` table; triggers (migration 3) abort every UPDATE and DELETE,
and the hash chain makes edits made around those triggers visible to ``verify_audit_chain``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from wissenswerk.store.audit import (
    GENESIS,
    AuditFilter,
    AuditRecord,
    ChainCheck,
    UnreadableRecordError,
    canonical_payload,
    check_chain,
    format_at,
    record_hash,
)

if TYPE_CHECKING:
    import threading
    from contextlib import AbstractContextManager

_COLUMNS = "id, at, kind, actor, object, outcome, ip, payload, prev_hash, hash"
_TRIGGERS = ("events_append_only_update", "events_append_only_delete")
MAX_PAGE = 1000


def _like(fragment: str) -> str:
    """A LIKE pattern matching ``fragment`` literally anywhere (with ESCAPE '\\')."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(f: AuditFilter | None) -> tuple[list[str], list[object]]:
    if f is None:
        return [], []
    clauses: list[str] = []
    args: list[object] = []
    if f.actor:
        clauses.append("actor = ?")
        args.append(f.actor)
    if f.kind:
        if f.kind.endswith("."):
            # A range instead of LIKE 'x.%' so the (kind, at) index serves the prefix.
            clauses.append("kind >= ? AND kind < ?")
            args += [f.kind, f.kind[:-1] + chr(ord(".") + 1)]
        else:
            clauses.append("kind = ?")
            args.append(f.kind)
    if f.outcome:
        clauses.append("outcome = ?")
        args.append(f.outcome)
    if f.object:
        clauses.append("object LIKE ? ESCAPE '\\'")
        args.append(_like(f.object))
    if f.text:
        clauses.append("payload LIKE ? ESCAPE '\\'")
        args.append(_like(f.text))
    if f.since is not None:
        clauses.append("at >= ?")
        args.append(format_at(f.since))
    if f.until is not None:
        clauses.append("at < ?")
        args.append(format_at(f.until))
    return clauses, args


def _record(row: tuple[object, ...]) -> AuditRecord:
    event_id, at, kind, actor, obj, outcome, ip, payload, prev_hash, hash_ = row
    assert isinstance(event_id, int)
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        raise UnreadableRecordError(event_id, f"the time {at!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        raise UnreadableRecordError(event_id, f"the time {at!r} has no time zone")
    try:
        details = json.loads(str(payload))
    except json.JSONDecodeError:
        raise UnreadableRecordError(event_id, "its details are not valid JSON") from None
    if not isinstance(details, dict):
        raise UnreadableRecordError(event_id, "its details are not a JSON object")
    return AuditRecord(
        id=event_id,
        at=moment,
        kind=str(kind),
        actor=None if actor is None else str(actor),
        object=None if obj is None else str(obj),
        outcome=None if outcome is None else str(outcome),
        ip=None if ip is None else str(ip),
        payload=details,
        prev_hash=None if prev_hash is None else str(prev_hash),
        hash=None if hash_ is None else str(hash_),
    )


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE}, got {limit}.")
    if offset < 0:
        raise ValueError(f"offset must be 0 or more, got {offset}.")


class SQLiteAuditMixin:
    """Mixed into SQLiteStore; uses its connection, lock and transactions."""

    if TYPE_CHECKING:
        _conn: sqlite3.Connection
        _lock: threading.RLock

        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...

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
        if not kind:
            raise ValueError("An audit event needs a kind such as 'login.success'.")
        details = json.loads(canonical_payload(payload))
        # BEGIN IMMEDIATE takes the write lock before we read the chain's head, so no other
        # thread or process can append between reading it and writing the next link.
        with self._tx() as conn:
            last = conn.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
            record = AuditRecord(
                id=last[0] + 1 if last else 1,
                at=datetime.now(UTC),
                kind=str(kind),
                actor=actor,
                object=object,
                outcome=outcome,
                ip=ip,
                payload=details,
                prev_hash=(last[1] if last and last[1] else GENESIS),
                hash=None,
            )
            assert record.prev_hash is not None
            conn.execute(
                f"INSERT INTO events ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    format_at(record.at),
                    record.kind,
                    record.actor,
                    record.object,
                    record.outcome,
                    record.ip,
                    canonical_payload(details),
                    record.prev_hash,
                    record_hash(record.prev_hash, record),
                ),
            )
        return record.id

    def audit_events(
        self, filter: AuditFilter | None = None, limit: int = 50, offset: int = 0
    ) -> list[AuditRecord]:
        _check_page(limit, offset)
        clauses, args = _where(filter)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        # (at, id) order follows each index's own order (rowid is the last index column).
        sql = f"SELECT {_COLUMNS} FROM events {where} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"
        with self._lock:
            rows = self._conn.execute(sql, [*args, limit, offset]).fetchall()
        return [_record(r) for r in rows]

    def count_audit_events(self, filter: AuditFilter | None = None) -> int:
        clauses, args = _where(filter)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            (count,) = self._conn.execute(f"SELECT COUNT(*) FROM events {where}", args).fetchone()
        return int(count)

    def iter_audit_events(
        self, filter: AuditFilter | None = None, batch_size: int = 500
    ) -> Iterator[AuditRecord]:
        for row in self._raw_rows(filter, batch_size):
            yield _record(row)

    def _raw_rows(
        self, filter: AuditFilter | None, batch_size: int
    ) -> Iterator[tuple[object, ...]]:
        """Rows oldest first, one short locked query per batch (keyset on id)."""
        _check_page(batch_size, 0)
        clauses, args = _where(filter)
        sql = (
            f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(['id > ?', *clauses])} "
            "ORDER BY id LIMIT ?"
        )
        after = 0
        while True:
            with self._lock:
                rows = self._conn.execute(sql, [after, *args, batch_size]).fetchall()
            yield from rows
            if len(rows) < batch_size:
                return
            after = rows[-1][0]

    def verify_audit_chain(self) -> ChainCheck:
        def records() -> Iterator[AuditRecord | UnreadableRecordError]:
            for row in self._raw_rows(None, MAX_PAGE):
                try:
                    yield _record(row)
                except UnreadableRecordError as exc:
                    yield exc

        result = check_chain(records())
        if not result.ok:
            return result
        with self._lock:
            present = {
                name
                for (name,) in self._conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
                )
            }
        missing = [t for t in _TRIGGERS if t not in present]
        if missing:
            return ChainCheck(
                False,
                result.checked,
                None,
                f"The chain is intact, but the append-only triggers {', '.join(missing)} were "
                "removed outside wissenswerk. Restore the database from a backup taken "
                "before that and find out who had write access to its file.",
                result.unchained,
                result.head,
            )
        return result
