"""SQLite implementation of the documents part of the store (see store/documents.py)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from wissenswerk.store.documents import DocumentInfo

if TYPE_CHECKING:
    from wissenswerk.store.base import StoredChunk


class SQLiteDocumentsMixin:
    """Mixed into SQLiteStore; uses its connection."""

    _conn: sqlite3.Connection
    if TYPE_CHECKING:  # provided by SQLiteStore

        def get_chunks(self, rowids: list[int]) -> dict[int, StoredChunk]: ...

    def document(self, document_id: int) -> DocumentInfo | None:
        row = self._conn.execute(
            "SELECT d.id, s.name, d.path, d.title, d.modified, d.size, d.mtime_ns, d.version, "
            "d.url, d.parser, d.status, d.language, d.content_hash, d.acl_class_id, d.warnings, "
            "d.hidden_text FROM documents d JOIN sources s ON s.id = d.source_id WHERE d.id = ?",
            (document_id,),
        ).fetchone()
        if row is None:
            return None
        return DocumentInfo(
            id=row[0],
            source=row[1],
            path=row[2],
            title=row[3],
            modified=datetime.fromisoformat(row[4]) if row[4] else None,
            size=row[5],
            mtime_ns=row[6],
            version=row[7],
            url=row[8],
            parser=row[9],
            status=row[10],
            language=row[11],
            content_hash=row[12],
            acl_class_id=row[13],
            warnings=json.loads(row[14]),
            hidden_text=row[15],
        )

    def document_chunks(self, document_id: int) -> list[StoredChunk]:
        ids = [
            r[0]
            for r in self._conn.execute(
                "SELECT id FROM chunks WHERE document_id = ? ORDER BY ordinal", (document_id,)
            )
        ]
        chunks = self.get_chunks(ids)
        return [chunks[i] for i in ids if i in chunks]
