"""SQLite implementation of the conversations part of the store (see store/conversations.py)."""

from __future__ import annotations


class SQLiteConversationsMixin:
    """Mixed into SQLiteStore; uses its connection, lock and transactions."""
