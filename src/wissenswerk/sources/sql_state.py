"""What the SQL source keeps between listing and reading, in a small SQLite file.

Listing renders every row anyway (the version is the hash of the rendered text), so the
documents that changed since the last listing are kept on disk until the sync reads them:
memory stays flat at 100,000 rows, and the database is queried once per sync instead of
once per changed row. A row the sync wants although it did not change (the index was
rebuilt, an earlier read failed) is fetched again by its id; the id is kept here for that.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    path TEXT PRIMARY KEY, text_hash TEXT NOT NULL, id_json TEXT NOT NULL, pass INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bodies (path TEXT PRIMARY KEY, version TEXT NOT NULL, body BLOB);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class RowState:
    """Thread-safe: the sync reads items on worker threads."""

    def __init__(self, file: Path) -> None:
        file.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(file, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._pass = 0

    def begin_listing(self, id_column: str) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM bodies")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('id_column', ?)", (id_column,))
            row = self._db.execute("SELECT coalesce(max(pass), 0) FROM rows").fetchone()
            self._pass = int(row[0]) + 1

    def saw(self, path: str, text_hash: str, row_id: Any, version: str, body: bytes) -> None:
        """Record a listed row; keep its body if the text changed since the last listing."""
        with self._lock:
            known = self._db.execute(
                "SELECT text_hash FROM rows WHERE path = ?", (path,)
            ).fetchone()
            self._db.execute(
                "INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?)",
                (path, text_hash, json.dumps(row_id), self._pass),
            )
            if known is None or known[0] != text_hash:
                self._db.execute(
                    "INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", (path, version, body)
                )

    def finish_listing(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM rows WHERE pass != ?", (self._pass,))
            self._db.execute("COMMIT")

    def abort_listing(self) -> None:
        with self._lock:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

    def body(self, path: str, version: str) -> bytes | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM bodies WHERE path = ? AND version = ?", (path, version)
            ).fetchone()
        return bytes(row[0]) if row else None

    def row_id(self, path: str) -> tuple[str, Any] | None:
        """(id column as the query returns it, id value) of a listed row."""
        with self._lock:
            found = self._db.execute("SELECT id_json FROM rows WHERE path = ?", (path,)).fetchone()
            column = self._db.execute("SELECT value FROM meta WHERE key = 'id_column'").fetchone()
        if not found or not column:
            return None
        return str(column[0]), json.loads(found[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
