from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.contract import StoreContract
from tests.store.contract_accounts import AccountsContract
from tests.store.contract_audit import AuditContract
from tests.store.contract_conversations import ConversationsContract
from wissenswerk.store.sqlite.store import SQLiteStore


class TestSQLiteStore(StoreContract, AccountsContract, AuditContract, ConversationsContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[SQLiteStore]:
        s = SQLiteStore(tmp_path / "data")
        yield s
        s.close()


def test_database_uses_wal_and_survives_reopen(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path)
    store.upsert_user("anna", ["a"])
    store.close()
    reopened = SQLiteStore(tmp_path)
    assert reopened.get_user("anna") is not None
    mode = reopened._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    reopened.close()
