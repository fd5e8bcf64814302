"""SQLite implementation of the audit part of the store protocol (see store/audit.py)."""

from __future__ import annotations


class SQLiteAuditMixin:
    """Mixed into SQLiteStore; uses its connection, lock and transactions."""
