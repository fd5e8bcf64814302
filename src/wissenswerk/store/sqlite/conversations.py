"""SQLite implementation of the conversations part of the store (see store/conversations.py)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from wissenswerk.core.errors import ConfigError, UnknownUserError
from wissenswerk.store.conversations import (
    ConversationRecord,
    ConversationSummary,
    MessageRecord,
)

TITLE_CHARS = 120


class SQLiteConversationsMixin:
    """Mixed into SQLiteStore; uses its connection, lock and transactions."""

    _conn: sqlite3.Connection
    _lock: threading.RLock
    if TYPE_CHECKING:  # provided by SQLiteStore

        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def _owner_id(self, conn: sqlite3.Connection, user: str) -> int:
        row = conn.execute("SELECT id FROM users WHERE name = ?", (user,)).fetchone()
        if row is None:
            raise UnknownUserError(user)
        return int(row[0])

    def create_conversation(self, user: str, title: str) -> int:
        title = " ".join(title.split())
        if len(title) > TITLE_CHARS:
            title = title[: TITLE_CHARS - 1] + "…"
        now = time.time()
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO conversations (user_id, title, created_at, updated_at) "
                "VALUES (?, ?, ?, ?)",
                (self._owner_id(conn, user), title or "…", now, now),
            )
            return int(cur.lastrowid or 0)

    def add_message(
        self,
        conversation_id: int,
        role: str,
        text: str,
        found: bool | None = None,
        citations: list[dict[str, Any]] | None = None,
        notes: list[str] | None = None,
    ) -> int:
        if role not in ("user", "assistant"):
            raise ConfigError(f"A message's role is 'user' or 'assistant', not {role!r}.")
        now = time.time()
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO messages "
                "(conversation_id, role, text, found, citations, notes, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    role,
                    text,
                    None if found is None else int(found),
                    json.dumps(citations or [], ensure_ascii=False),
                    json.dumps(notes or [], ensure_ascii=False),
                    now,
                ),
            )
            conn.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
            )
            return int(cur.lastrowid or 0)

    def conversations(self, user: str, limit: int = 50) -> list[ConversationSummary]:
        rows = self._conn.execute(
            "SELECT c.id, c.title, c.created_at, c.updated_at FROM conversations c "
            "JOIN users u ON u.id = c.user_id WHERE u.name = ? "
            "ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
            (user, limit),
        ).fetchall()
        return [ConversationSummary(*r) for r in rows]

    def conversation(self, conversation_id: int, user: str) -> ConversationRecord | None:
        row = self._conn.execute(
            "SELECT c.id, u.name, c.title, c.created_at, c.updated_at FROM conversations c "
            "JOIN users u ON u.id = c.user_id WHERE c.id = ? AND u.name = ?",
            (conversation_id, user),
        ).fetchone()
        if row is None:
            return None
        return ConversationRecord(
            id=row[0],
            user=row[1],
            title=row[2],
            created_at=row[3],
            updated_at=row[4],
            messages=list(self._messages(conversation_id, user)),
        )

    def _messages(self, conversation_id: int, user: str) -> Iterator[MessageRecord]:
        rows = self._conn.execute(
            "SELECT m.id, m.role, m.text, m.found, m.citations, m.created_at, f.rating, "
            "f.comment, m.notes FROM messages m LEFT JOIN feedback f ON f.message_id = m.id AND "
            "f.user_id = (SELECT id FROM users WHERE name = ?) "
            "WHERE m.conversation_id = ? ORDER BY m.id",
            (user, conversation_id),
        )
        for r in rows.fetchall():
            yield MessageRecord(
                id=r[0],
                role=r[1],
                text=r[2],
                found=None if r[3] is None else bool(r[3]),
                citations=json.loads(r[4]),
                created_at=r[5],
                rating=r[6],
                comment=r[7],
                notes=json.loads(r[8]),
            )

    def delete_conversation(self, conversation_id: int, user: str) -> bool:
        with self._tx() as conn:
            cur = conn.execute(
                "DELETE FROM conversations WHERE id = ? AND user_id = "
                "(SELECT id FROM users WHERE name = ?)",
                (conversation_id, user),
            )
            return cur.rowcount > 0

    def set_feedback(self, message_id: int, user: str, rating: int, comment: str | None) -> bool:
        if rating not in (1, -1):
            raise ConfigError(f"Feedback is +1 or -1, not {rating}.")
        with self._tx() as conn:
            owner = conn.execute(
                "SELECT u.id FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                "JOIN users u ON u.id = c.user_id "
                "WHERE m.id = ? AND m.role = 'assistant' AND u.name = ?",
                (message_id, user),
            ).fetchone()
            if owner is None:
                return False
            conn.execute(
                "INSERT INTO feedback (message_id, user_id, rating, comment, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id, user_id) DO UPDATE SET "
                "rating = excluded.rating, comment = excluded.comment, "
                "created_at = excluded.created_at",
                (message_id, owner[0], rating, (comment or "").strip() or None, time.time()),
            )
            return True
