"""SQLite implementation of the accounts part of the store protocol (see store/accounts.py)."""

from __future__ import annotations


class SQLiteAccountsMixin:
    """Mixed into SQLiteStore; uses its connection, lock and transactions."""
