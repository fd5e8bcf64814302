"""The embedded default backend: one SQLite file in WAL mode holds everything.

Documents, chunks, the lexical postings and the vectors live in the same database, so one
transaction covers a document's whole index footprint: a ``kill -9`` at any moment leaves
either the old or the new version of each document, and the next sync resumes.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np

from wissenswerk.core.acl import acl_key, deny_principal
from wissenswerk.core.errors import ConfigError, StoreError, SyncBusyError, UnknownSourceError
from wissenswerk.core.models import SourceConfig, User
from wissenswerk.store.base import (
    ChunkStats,
    DocumentRecord,
    DocumentState,
    FailedItem,
    OcrTask,
    ProblemRecord,
    RunRecord,
    StoredChunk,
)
from wissenswerk.store.sqlite.accounts import SQLiteAccountsMixin
from wissenswerk.store.sqlite.audit import SQLiteAuditMixin
from wissenswerk.store.sqlite.conversations import SQLiteConversationsMixin
from wissenswerk.store.sqlite.documents import SQLiteDocumentsMixin
from wissenswerk.store.sqlite.migrations import migrate

DB_NAME = "wissenswerk.db"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SQLiteStore(
    SQLiteAccountsMixin, SQLiteAuditMixin, SQLiteConversationsMixin, SQLiteDocumentsMixin
):
    """Store protocol on SQLite. Thread-safe: one connection, writes serialised by a lock."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the data directory {self.data_dir}: {exc.strerror}. "
                "Choose another one with --data-dir or WISSENSWERK_DATA_DIR."
            ) from exc
        self.path = self.data_dir / DB_NAME
        try:
            self._conn = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._conn.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable against application crashes in WAL mode; a power loss
            # may lose the last commits but never corrupts the database.
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            self._conn.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
            migrate(self._conn)
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"The database {self.path} cannot be opened ({exc}). If it is damaged, move "
                "it away and run 'wissenswerk sync' again to rebuild the index."
            ) from exc
        self._lock = threading.RLock()
        self._class_cache: dict[str, int] = {}

    # --- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:
                        self._conn.execute("ROLLBACK")
                    raise
                else:
                    self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                raise self._write_error(exc) from exc

    def _write_error(self, exc: sqlite3.OperationalError) -> StoreError:
        text = str(exc)
        if "full" in text or getattr(exc, "sqlite_errorcode", 0) == sqlite3.SQLITE_FULL:
            return StoreError(
                f"Cannot write to {self.path}: the disk or database is full ({text}). Free "
                "space and run the sync again; everything written so far is kept and the "
                "sync resumes where it stopped."
            )
        if "locked" in text or "busy" in text:
            return StoreError(
                f"The database {self.path} stayed locked by another process for 30 s "
                f"({text}). Try again when the other sync or import has finished."
            )
        return StoreError(f"Writing to {self.path} failed: {text}.")

    def _bump_generation(self, conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    def generation(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0])

    # --- users and groups ------------------------------------------------------------
    def upsert_user(
        self, name: str, groups: Iterable[str], active: bool = True, origin: str = "local"
    ) -> User:
        name = name.strip()
        if not name:
            raise ConfigError("A user name must not be empty.")
        clean = sorted({g.strip() for g in groups if g.strip()})
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO users (name, active, origin) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET active = excluded.active, "
                "origin = excluded.origin",
                (name, int(active), origin),
            )
            (uid,) = conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
            old = {
                g
                for (g,) in conn.execute(
                    "SELECT group_name FROM user_groups WHERE user_id = ?", (uid,)
                )
            }
            conn.execute("DELETE FROM user_groups WHERE user_id = ?", (uid,))
            conn.executemany(
                "INSERT INTO user_groups (user_id, group_name) VALUES (?, ?)",
                [(uid, g) for g in clean],
            )
            if old != set(clean):
                # Readable sets changed: cached search state keyed by generation must renew.
                self._bump_generation(conn)
        return User(name=name, groups=tuple(clean), active=active, origin=origin)

    def deactivate_users(self, origin: str, keep: Iterable[str]) -> list[str]:
        keep_set = set(keep)
        with self._tx() as conn:
            names = [
                n
                for (n,) in conn.execute(
                    "SELECT name FROM users WHERE origin = ? AND active = 1", (origin,)
                )
                if n not in keep_set
            ]
            conn.executemany("UPDATE users SET active = 0 WHERE name = ?", [(n,) for n in names])
            if names:
                self._bump_generation(conn)
        return sorted(names)

    def get_user(self, name: str) -> User | None:
        row = self._conn.execute(
            "SELECT id, active, origin FROM users WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        groups = [
            g
            for (g,) in self._conn.execute(
                "SELECT group_name FROM user_groups WHERE user_id = ? ORDER BY group_name",
                (row[0],),
            )
        ]
        return User(name=name, groups=tuple(groups), active=bool(row[1]), origin=row[2])

    def list_users(self) -> list[User]:
        names = [n for (n,) in self._conn.execute("SELECT name FROM users ORDER BY name")]
        return [u for n in names if (u := self.get_user(n)) is not None]

    # --- sources ---------------------------------------------------------------------
    def add_source(self, source: SourceConfig) -> None:
        config = {
            "location": source.location,
            "acl_mode": source.acl_mode,
            "acl_map": [[prefix, list(principals)] for prefix, principals in source.acl_map],
            "options": source.options,
            "sync_every_minutes": source.sync_every_minutes,
            "permissions_every_minutes": source.permissions_every_minutes,
        }
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sources (name, kind, config) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, config = excluded.config",
                (source.name, source.kind, json.dumps(config, ensure_ascii=False)),
            )

    def get_source(self, name: str) -> SourceConfig | None:
        row = self._conn.execute(
            "SELECT name, kind, config FROM sources WHERE name = ?", (name,)
        ).fetchone()
        return self._source_from_row(row) if row else None

    @staticmethod
    def _source_from_row(row: tuple[str, str, str]) -> SourceConfig:
        name, kind, raw = row
        config = json.loads(raw)
        return SourceConfig(
            name=name,
            kind=kind,
            location=config["location"],
            acl_mode=config["acl_mode"],
            acl_map=tuple((p, tuple(g)) for p, g in config["acl_map"]),
            options=config.get("options", {}),
            sync_every_minutes=config.get("sync_every_minutes", 60),
            permissions_every_minutes=config.get("permissions_every_minutes", 15),
        )

    def list_sources(self) -> list[SourceConfig]:
        rows = self._conn.execute("SELECT name, kind, config FROM sources ORDER BY name")
        return [self._source_from_row(r) for r in rows.fetchall()]

    def remove_source(self, name: str) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, name)
            conn.execute(
                "DELETE FROM postings WHERE chunk_id IN (SELECT c.id FROM chunks c "
                "JOIN documents d ON d.id = c.document_id WHERE d.source_id = ?)",
                (sid,),
            )
            conn.execute("DELETE FROM sources WHERE id = ?", (sid,))
            self._bump_generation(conn)

    def _source_id(self, conn: sqlite3.Connection, name: str) -> int:
        row = conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise UnknownSourceError(name)
        return int(row[0])

    # --- access classes --------------------------------------------------------------
    def _acl_class(self, conn: sqlite3.Connection, acl: frozenset[str]) -> int:
        key = acl_key(acl)
        cached = self._class_cache.get(key)
        if cached is not None:
            return cached
        row = conn.execute("SELECT id FROM acl_classes WHERE key = ?", (key,)).fetchone()
        if row is None:
            cur = conn.execute("INSERT INTO acl_classes (key) VALUES (?)", (key,))
            class_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO acl_class_principals (principal, class_id) VALUES (?, ?)",
                [(p, class_id) for p in sorted(acl)],
            )
            # Not cached: the transaction may still roll back.
            return class_id
        self._class_cache[key] = int(row[0])
        return int(row[0])

    def readable_classes(self, principals: Iterable[str]) -> list[int]:
        plist = sorted(set(principals))
        if not plist:
            return []
        marks = ",".join("?" * len(plist))
        # A deny entry for any of the user's principals wins over every allow (core.acl).
        rows = self._conn.execute(
            f"SELECT class_id FROM acl_class_principals WHERE principal IN ({marks}) "
            f"EXCEPT SELECT class_id FROM acl_class_principals WHERE principal IN ({marks})",
            [*plist, *(deny_principal(p) for p in plist)],
        )
        return sorted(int(r[0]) for r in rows)

    # --- documents -------------------------------------------------------------------
    def document_states(self, source: str) -> dict[str, DocumentState]:
        sid = self._source_id(self._conn, source)
        rows = self._conn.execute(
            "SELECT d.path, d.size, d.mtime_ns, d.content_hash, a.key, d.status, d.version, "
            "d.failures, d.retry_at, d.ocr "
            "FROM documents d JOIN acl_classes a ON a.id = d.acl_class_id "
            "WHERE d.source_id = ?",
            (sid,),
        )
        return {r[0]: DocumentState(*r) for r in rows.fetchall()}

    def _delete_document_rows(self, conn: sqlite3.Connection, sid: int, path: str) -> None:
        row = conn.execute(
            "SELECT id FROM documents WHERE source_id = ? AND path = ?", (sid, path)
        ).fetchone()
        if row is None:
            return
        conn.execute(
            "DELETE FROM postings WHERE chunk_id IN (SELECT id FROM chunks WHERE document_id = ?)",
            (row[0],),
        )
        conn.execute("DELETE FROM chunks WHERE document_id = ?", (row[0],))
        conn.execute("DELETE FROM documents WHERE id = ?", (row[0],))

    def write_document(self, record: DocumentRecord) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, record.source)
            self._delete_document_rows(conn, sid, record.path)
            class_id = self._acl_class(conn, record.acl)
            cur = conn.execute(
                "INSERT INTO documents (source_id, path, size, mtime_ns, content_hash, "
                "acl_class_id, title, modified, language, status, parser, warnings, version, "
                "url, ocr, ocr_pages, hidden_text) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sid,
                    record.path,
                    record.size,
                    record.mtime_ns,
                    record.content_hash,
                    class_id,
                    record.title,
                    _iso(record.modified),
                    record.language,
                    record.status,
                    record.parser,
                    json.dumps(record.warnings, ensure_ascii=False),
                    record.version,
                    record.url,
                    record.ocr,
                    json.dumps(list(record.ocr_pages)),
                    record.hidden_text,
                ),
            )
            doc_id = cur.lastrowid
            for chunk in record.chunks:
                cur = conn.execute(
                    "INSERT INTO chunks (document_id, chunk_key, ordinal, text, context, page, "
                    "member, heading_path, acl_class_id, length, embed_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        doc_id,
                        chunk.chunk_key,
                        chunk.ordinal,
                        chunk.text,
                        chunk.context,
                        chunk.page,
                        chunk.member,
                        json.dumps(list(chunk.heading_path), ensure_ascii=False),
                        class_id,
                        chunk.length,
                        chunk.embed_hash,
                    ),
                )
                chunk_id = cur.lastrowid
                conn.executemany(
                    "INSERT INTO postings (term, chunk_id, tf) VALUES (?, ?, ?)",
                    [(term, chunk_id, tf) for term, tf in chunk.terms.items()],
                )
            self._bump_generation(conn)

    def record_problem(
        self,
        source: str,
        path: str,
        size: int,
        mtime_ns: int,
        acl: frozenset[str],
        status: str,
        reason: str,
        content_hash: str | None = None,
        version: str = "",
    ) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            self._delete_document_rows(conn, sid, path)
            class_id = self._acl_class(conn, acl)
            conn.execute(
                "INSERT INTO documents (source_id, path, size, mtime_ns, content_hash, "
                "acl_class_id, status, reason, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, path, size, mtime_ns, content_hash, class_id, status, reason, version),
            )
            self._bump_generation(conn)

    def record_failure(
        self,
        source: str,
        path: str,
        size: int,
        mtime_ns: int,
        version: str,
        acl: frozenset[str],
        reason: str,
        failures: int,
        retry_at: float | None,
    ) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            cur = conn.execute(
                "UPDATE documents SET size = ?, mtime_ns = ?, version = ?, failures = ?, "
                "retry_at = ?, last_error = ? WHERE source_id = ? AND path = ?",
                (size, mtime_ns, version, failures, retry_at, reason, sid, path),
            )
            if cur.rowcount == 0:
                conn.execute(
                    "INSERT INTO documents (source_id, path, size, mtime_ns, acl_class_id, "
                    "status, reason, version, failures, retry_at, last_error) "
                    "VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                    (
                        sid,
                        path,
                        size,
                        mtime_ns,
                        self._acl_class(conn, acl),
                        reason,
                        version,
                        failures,
                        retry_at,
                        reason,
                    ),
                )

    def failed_items(self, source: str | None = None) -> list[FailedItem]:
        sql = (
            "SELECT s.name, d.path, d.failures, d.retry_at, d.last_error FROM documents d "
            "JOIN sources s ON s.id = d.source_id WHERE d.failures > 0"
        )
        args: tuple[str, ...] = ()
        if source is not None:
            sql += " AND s.name = ?"
            args = (source,)
        rows = self._conn.execute(sql + " ORDER BY s.name, d.path", args).fetchall()
        return [FailedItem(r[0], r[1], r[2], r[3], r[4] or "") for r in rows]

    def reset_failures(self, source: str | None = None) -> int:
        with self._tx() as conn:
            if source is None:
                cur = conn.execute(
                    "UPDATE documents SET failures = 0, retry_at = NULL, "
                    "mtime_ns = -1 WHERE failures > 0"
                )
            else:
                cur = conn.execute(
                    "UPDATE documents SET failures = 0, retry_at = NULL, mtime_ns = -1 "
                    "WHERE failures > 0 AND source_id = ?",
                    (self._source_id(conn, source),),
                )
            return cur.rowcount

    def touch_document(
        self, source: str, path: str, size: int, mtime_ns: int, version: str = ""
    ) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            conn.execute(
                "UPDATE documents SET size = ?, mtime_ns = ?, version = ?, failures = 0, "
                "retry_at = NULL, last_error = NULL WHERE source_id = ? AND path = ?",
                (size, mtime_ns, version, sid, path),
            )

    def set_document_acl(self, source: str, path: str, acl: frozenset[str]) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            class_id = self._acl_class(conn, acl)
            row = conn.execute(
                "SELECT id FROM documents WHERE source_id = ? AND path = ?", (sid, path)
            ).fetchone()
            if row is None:
                return
            conn.execute("UPDATE documents SET acl_class_id = ? WHERE id = ?", (class_id, row[0]))
            conn.execute(
                "UPDATE chunks SET acl_class_id = ? WHERE document_id = ?", (class_id, row[0])
            )
            self._bump_generation(conn)

    def delete_documents(self, source: str, paths: Sequence[str]) -> int:
        if not paths:
            return 0
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            for path in paths:
                self._delete_document_rows(conn, sid, path)
            self._bump_generation(conn)
        return len(paths)

    def problems(self, source: str | None = None) -> list[ProblemRecord]:
        sql = (
            "SELECT s.name, d.path, d.status, d.reason, d.warnings FROM documents d "
            "JOIN sources s ON s.id = d.source_id "
            "WHERE (d.status != 'indexed' OR d.warnings != '[]')"
        )
        args: tuple[str, ...] = ()
        if source is not None:
            sql += " AND s.name = ?"
            args = (source,)
        out: list[ProblemRecord] = []
        for name, path, status, reason, warnings in self._conn.execute(
            sql + " ORDER BY s.name, d.path", args
        ):
            if status != "indexed" and reason:
                out.append(ProblemRecord(name, path, status, reason))
            out.extend(ProblemRecord(name, path, "warning", w) for w in json.loads(warnings))
        return out

    def counts(self) -> dict[str, int]:
        def one(sql: str) -> int:
            return int(self._conn.execute(sql).fetchone()[0])

        return {
            "sources": one("SELECT COUNT(*) FROM sources"),
            "documents": one(
                "SELECT COUNT(*) FROM documents WHERE status IN ('indexed', 'needs_ocr')"
            ),
            "errors": one("SELECT COUNT(*) FROM documents WHERE status = 'error'"),
            "failed": one("SELECT COUNT(*) FROM documents WHERE failures > 0"),
            "needs_ocr": one(
                "SELECT COUNT(*) FROM documents WHERE status = 'needs_ocr' OR ocr IN "
                "('pending', 'unavailable', 'failed')"
            ),
            "ocr_pending": one("SELECT COUNT(*) FROM documents WHERE ocr = 'pending'"),
            "chunks": one("SELECT COUNT(*) FROM chunks"),
            "users": one("SELECT COUNT(*) FROM users"),
        }

    # --- lexical index ---------------------------------------------------------------
    def chunk_stats(self) -> ChunkStats:
        with self._lock:
            # Read generation and rows in one read transaction so they agree.
            self._conn.execute("BEGIN")
            try:
                gen = self.generation()
                rows = self._conn.execute(
                    "SELECT c.id, c.acl_class_id, c.length, "
                    "CASE d.language WHEN 'de' THEN 0 WHEN 'en' THEN 1 ELSE -1 END "
                    "FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.id"
                ).fetchall()
            finally:
                self._conn.execute("COMMIT")
        arr = np.array(rows, dtype=np.int64).reshape(-1, 4)
        return ChunkStats(
            generation=gen,
            rowids=arr[:, 0].copy(),
            acl_classes=arr[:, 1].astype(np.int32),
            lengths=arr[:, 2].astype(np.int32),
            languages=arr[:, 3].astype(np.int8),
        )

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        rows = self._conn.execute(
            "SELECT chunk_id, tf FROM postings WHERE term = ?", (term,)
        ).fetchall()
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        arr = np.array(rows, dtype=np.int64)
        return arr[:, 0], arr[:, 1].astype(np.float32)

    # --- dense index -----------------------------------------------------------------
    def missing_embeddings(self, model: str, limit: int) -> list[tuple[str, str]]:
        rows = self._conn.execute(
            "SELECT c.embed_hash, MIN(c.context || char(10) || c.text) FROM chunks c "
            "WHERE NOT EXISTS (SELECT 1 FROM embeddings e "
            "WHERE e.model = ? AND e.embed_hash = c.embed_hash) "
            "GROUP BY c.embed_hash LIMIT ?",
            (model, limit),
        )
        return [(h, t) for h, t in rows.fetchall()]

    def count_missing_embeddings(self, model: str) -> int:
        row = self._conn.execute(
            "SELECT COUNT(DISTINCT c.embed_hash) FROM chunks c WHERE NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.model = ? AND e.embed_hash = c.embed_hash)",
            (model,),
        ).fetchone()
        return int(row[0])

    def put_embeddings(self, model: str, items: Sequence[tuple[str, np.ndarray]]) -> None:
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model, embed_hash, vector) VALUES (?, ?, ?)",
                [(model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items],
            )
            self._bump_generation(conn)

    def vectors(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        rows = self._conn.execute(
            "SELECT c.id, e.vector FROM chunks c JOIN embeddings e "
            "ON e.model = ? AND e.embed_hash = c.embed_hash ORDER BY c.id",
            (model,),
        ).fetchall()
        if not rows:
            return np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        blob = b"".join(r[1] for r in rows)
        # float32 on disk: float16 moved near-tied cosine scores enough to reorder results.
        matrix = np.frombuffer(blob, dtype=np.float32).reshape(len(rows), -1)
        return ids, matrix.copy()

    # --- reading chunks back ---------------------------------------------------------
    def get_chunks(self, rowids: Sequence[int]) -> dict[int, StoredChunk]:
        out: dict[int, StoredChunk] = {}
        ids = list(dict.fromkeys(int(r) for r in rowids))
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._conn.execute(
                "SELECT c.id, c.document_id, s.name, d.path, d.title, d.modified, c.text, "
                "c.context, c.page, c.member, c.heading_path, d.hidden_text FROM chunks c "
                "JOIN documents d ON d.id = c.document_id "
                f"JOIN sources s ON s.id = d.source_id WHERE c.id IN ({marks})",
                part,
            )
            for r in rows.fetchall():
                out[r[0]] = StoredChunk(
                    rowid=r[0],
                    document_id=r[1],
                    source=r[2],
                    path=r[3],
                    title=r[4],
                    modified=_parse_iso(r[5]),
                    text=r[6],
                    context=r[7],
                    page=r[8],
                    member=r[9],
                    heading_path=tuple(json.loads(r[10])),
                    hidden_text=r[11],
                )
        return out

    # --- OCR queue -------------------------------------------------------------------
    def ocr_queue(self, limit: int) -> list[OcrTask]:
        rows = self._conn.execute(
            "SELECT s.name, d.path, d.size, d.mtime_ns, d.version, d.content_hash, d.ocr_pages, "
            "a.key, d.title, d.modified, d.url FROM documents d "
            "JOIN sources s ON s.id = d.source_id JOIN acl_classes a ON a.id = d.acl_class_id "
            "WHERE d.ocr = 'pending' ORDER BY d.id LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            OcrTask(
                source=r[0],
                path=r[1],
                size=r[2],
                mtime_ns=r[3],
                version=r[4],
                content_hash=r[5],
                pages=tuple(json.loads(r[6])),
                acl=frozenset(r[7].split("\n")) if r[7] else frozenset(),
                title=r[8],
                modified=_parse_iso(r[9]),
                url=r[10],
            )
            for r in rows
        ]

    def count_ocr_pending(self) -> int:
        row = self._conn.execute("SELECT COUNT(*) FROM documents WHERE ocr = 'pending'")
        return int(row.fetchone()[0])

    def set_ocr_state(self, source: str, path: str, state: str, reason: str | None = None) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            row = conn.execute(
                "SELECT warnings FROM documents WHERE source_id = ? AND path = ?", (sid, path)
            ).fetchone()
            if row is None:
                return
            # The sync's "queued for OCR" note is replaced by what became of the OCR.
            warnings = [w for w in json.loads(row[0]) if not w.endswith("queued for OCR")]
            if reason and reason not in warnings:
                warnings.append(reason)
            conn.execute(
                "UPDATE documents SET ocr = ?, warnings = ? WHERE source_id = ? AND path = ?",
                (state, json.dumps(warnings, ensure_ascii=False), sid, path),
            )

    # --- sync runs -------------------------------------------------------------------
    @contextmanager
    def lock_source(self, source: str) -> Iterator[None]:
        # An OS file lock: released by the kernel when the holder dies, even on kill -9,
        # so a crashed sync never blocks the next one.
        locks = self.data_dir / "locks"
        locks.mkdir(exist_ok=True)
        digest = hashlib.sha256(source.encode()).hexdigest()[:16]
        path = locks / f"source-{digest}.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                raise SyncBusyError(
                    f"Source {source!r} is being synced by another process (pid {holder}). "
                    "Wait for it to finish; 'wissenswerk status' shows its progress."
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock

    def start_run(self, source: str, kind: str = "content") -> int:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            # The caller holds the source lock, so any run still marked running has died.
            conn.execute(
                "UPDATE sync_runs SET status = 'interrupted', finished_at = "
                "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
                "WHERE source_id = ? AND kind = ? AND status = 'running'",
                (sid, kind),
            )
            cur = conn.execute(
                "INSERT INTO sync_runs (source_id, status, kind, pid, updated_at) "
                "VALUES (?, 'running', ?, ?, ?)",
                (sid, kind, os.getpid(), time.time()),
            )
            return int(cur.lastrowid or 0)

    def update_run(
        self, run_id: int, phase: str, total: int, done: int, counts: dict[str, int]
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE sync_runs SET phase = ?, total = ?, done = ?, counts = ?, "
                "updated_at = ? WHERE id = ?",
                (phase, total, done, json.dumps(counts), time.time(), run_id),
            )

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, int], error: str | None = None
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE sync_runs SET status = ?, counts = ?, error = ?, updated_at = ?, "
                "finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                (status, json.dumps(counts), error, time.time(), run_id),
            )

    def runs(self, source: str | None = None, limit: int = 20) -> list[RunRecord]:
        sql = (
            "SELECT r.id, s.name, r.kind, r.status, r.started_at, r.finished_at, r.phase, "
            "r.total, r.done, r.counts, r.error FROM sync_runs r "
            "JOIN sources s ON s.id = r.source_id"
        )
        args: list[object] = []
        if source is not None:
            sql += " WHERE s.name = ?"
            args.append(source)
        rows = self._conn.execute(sql + " ORDER BY r.id DESC LIMIT ?", [*args, limit])
        return [
            RunRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]), r[10])
            for r in rows.fetchall()
        ]

    def last_finished(self, source: str, kind: str) -> float | None:
        row = self._conn.execute(
            "SELECT MAX(r.updated_at) FROM sync_runs r JOIN sources s ON s.id = r.source_id "
            "WHERE s.name = ? AND r.kind = ? AND r.status = 'completed'",
            (source, kind),
        ).fetchone()
        return float(row[0]) if row and row[0] is not None else None
