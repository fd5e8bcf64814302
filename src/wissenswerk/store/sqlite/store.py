"""The embedded default backend: one SQLite file in WAL mode holds everything.

Documents, chunks, the lexical postings and the vectors live in the same database, so one
transaction covers a document's whole index footprint: a ``kill -9`` at any moment leaves
either the old or the new version of each document, and the next sync resumes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np

from wissenswerk.core.acl import acl_key, deny_principal
from wissenswerk.core.errors import ConfigError, StoreError, UnknownSourceError
from wissenswerk.core.models import SourceConfig, User
from wissenswerk.store.base import (
    ChunkStats,
    DocumentRecord,
    DocumentState,
    ProblemRecord,
    StoredChunk,
)
from wissenswerk.store.sqlite.migrations import migrate

DB_NAME = "wissenswerk.db"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SQLiteStore:
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
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def _bump_generation(self, conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    def generation(self) -> int:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0])

    # --- users and groups ------------------------------------------------------------
    def upsert_user(self, name: str, groups: Iterable[str], active: bool = True) -> User:
        name = name.strip()
        if not name:
            raise ConfigError("A user name must not be empty.")
        clean = sorted({g.strip() for g in groups if g.strip()})
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO users (name, active) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET active = excluded.active",
                (name, int(active)),
            )
            (uid,) = conn.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchone()
            conn.execute("DELETE FROM user_groups WHERE user_id = ?", (uid,))
            conn.executemany(
                "INSERT INTO user_groups (user_id, group_name) VALUES (?, ?)",
                [(uid, g) for g in clean],
            )
        return User(name=name, groups=tuple(clean), active=active)

    def get_user(self, name: str) -> User | None:
        row = self._conn.execute("SELECT id, active FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        groups = [
            g
            for (g,) in self._conn.execute(
                "SELECT group_name FROM user_groups WHERE user_id = ? ORDER BY group_name",
                (row[0],),
            )
        ]
        return User(name=name, groups=tuple(groups), active=bool(row[1]))

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
            "SELECT d.path, d.size, d.mtime_ns, d.content_hash, a.key, d.status "
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
                "acl_class_id, title, modified, language, status, parser, warnings) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    ) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            self._delete_document_rows(conn, sid, path)
            class_id = self._acl_class(conn, acl)
            conn.execute(
                "INSERT INTO documents (source_id, path, size, mtime_ns, content_hash, "
                "acl_class_id, status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, path, size, mtime_ns, content_hash, class_id, status, reason),
            )
            self._bump_generation(conn)

    def touch_document(self, source: str, path: str, size: int, mtime_ns: int) -> None:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            conn.execute(
                "UPDATE documents SET size = ?, mtime_ns = ? WHERE source_id = ? AND path = ?",
                (size, mtime_ns, sid, path),
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
            if status != "indexed":
                out.append(ProblemRecord(name, path, status, reason or ""))
            out.extend(ProblemRecord(name, path, "warning", w) for w in json.loads(warnings))
        return out

    def counts(self) -> dict[str, int]:
        def one(sql: str) -> int:
            return int(self._conn.execute(sql).fetchone()[0])

        return {
            "sources": one("SELECT COUNT(*) FROM sources"),
            "documents": one("SELECT COUNT(*) FROM documents WHERE status != 'error'"),
            "errors": one("SELECT COUNT(*) FROM documents WHERE status = 'error'"),
            "needs_ocr": one("SELECT COUNT(*) FROM documents WHERE status = 'needs_ocr'"),
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
                "c.context, c.page, c.member, c.heading_path FROM chunks c "
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
                )
        return out

    # --- sync runs -------------------------------------------------------------------
    def start_run(self, source: str) -> int:
        with self._tx() as conn:
            sid = self._source_id(conn, source)
            cur = conn.execute(
                "INSERT INTO sync_runs (source_id, status) VALUES (?, 'running')", (sid,)
            )
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE sync_runs SET status = ?, counts = ?, "
                "finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                (status, json.dumps(counts), run_id),
            )

    # --- events ----------------------------------------------------------------------
    def add_event(self, kind: str, actor: str | None, payload: dict[str, object]) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO events (kind, actor, payload) VALUES (?, ?, ?)",
                (kind, actor, json.dumps(payload, ensure_ascii=False, default=str)),
            )
