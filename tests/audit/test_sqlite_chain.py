"""Edits made behind the application's back show up in the SQLite audit chain.

The tests tamper with the database file through a separate raw sqlite3 connection, the way an
intruder with file access would, and check that verification names the first bad record.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from wissenswerk.store.audit import record_hash
from wissenswerk.store.sqlite.store import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path)
    yield s
    s.close()


def fill(store: SQLiteStore, count: int = 5) -> list[int]:
    return [
        store.add_event("question.asked", "anna", {"question": f"Frage {i}"}, object=f"q{i}")
        for i in range(count)
    ]


@pytest.fixture
def raw(store: SQLiteStore) -> Iterator[sqlite3.Connection]:
    """A second connection to the same file, without the application's protections."""
    conn = sqlite3.connect(store.path, isolation_level=None)
    yield conn
    conn.close()


def drop_triggers(conn: sqlite3.Connection) -> None:
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("DROP TRIGGER events_append_only_delete")


def test_update_and_delete_through_the_store_connection_are_refused(store: SQLiteStore) -> None:
    (event_id,) = fill(store, 1)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._conn.execute("UPDATE events SET actor = 'mallory' WHERE id = ?", (event_id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._conn.execute("DELETE FROM events WHERE id = ?", (event_id,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store._conn.execute("DELETE FROM events")
    (record,) = store.audit_events()
    assert record.actor == "anna"
    assert store.verify_audit_chain().ok


def test_a_changed_row_is_reported(store: SQLiteStore, raw: sqlite3.Connection) -> None:
    ids = fill(store)
    drop_triggers(raw)
    raw.execute("UPDATE events SET actor = 'mia' WHERE id = ?", (ids[2],))
    check = store.verify_audit_chain()
    assert not check.ok
    assert check.first_bad_id == ids[2]
    assert check.checked == 2
    assert "changed after it was written" in check.reason


def test_a_changed_time_or_detail_is_reported(store: SQLiteStore, raw: sqlite3.Connection) -> None:
    ids = fill(store)
    drop_triggers(raw)
    raw.execute('UPDATE events SET payload = \'{"question":"harmlos"}\' WHERE id = ?', (ids[1],))
    assert store.verify_audit_chain().first_bad_id == ids[1]


def test_a_deleted_row_is_reported_at_the_next_one(
    store: SQLiteStore, raw: sqlite3.Connection
) -> None:
    ids = fill(store)
    drop_triggers(raw)
    raw.execute("DELETE FROM events WHERE id = ?", (ids[1],))
    check = store.verify_audit_chain()
    assert (check.ok, check.first_bad_id) == (False, ids[2])
    assert "does not link" in check.reason


def test_a_rehashed_row_breaks_the_link_to_the_next(
    store: SQLiteStore, raw: sqlite3.Connection
) -> None:
    ids = fill(store)
    drop_triggers(raw)
    raw.execute("UPDATE events SET actor = 'mia' WHERE id = ?", (ids[2],))
    forged = next(r for r in store.iter_audit_events() if r.id == ids[2])
    assert forged.prev_hash is not None
    raw.execute(
        "UPDATE events SET hash = ? WHERE id = ?", (record_hash(forged.prev_hash, forged), ids[2])
    )
    assert store.verify_audit_chain().first_bad_id == ids[3]


def test_a_row_inserted_around_the_app_is_reported(
    store: SQLiteStore, raw: sqlite3.Connection
) -> None:
    fill(store)
    raw.execute("INSERT INTO events (kind, actor) VALUES ('login.success', 'mallory')")
    (forged,) = store.audit_events(limit=1)
    check = store.verify_audit_chain()
    assert (check.ok, check.first_bad_id) == (False, forged.id)
    assert "no hash" in check.reason


def test_an_unreadable_row_is_reported_not_raised(
    store: SQLiteStore, raw: sqlite3.Connection
) -> None:
    ids = fill(store)
    drop_triggers(raw)
    raw.execute("UPDATE events SET at = 'gestern' WHERE id = ?", (ids[0],))
    check = store.verify_audit_chain()
    assert (check.ok, check.first_bad_id) == (False, ids[0])
    assert "cannot be read" in check.reason


def test_removed_triggers_alone_fail_the_check(store: SQLiteStore, raw: sqlite3.Connection) -> None:
    fill(store)
    drop_triggers(raw)
    check = store.verify_audit_chain()
    assert not check.ok
    assert check.first_bad_id is None
    assert "events_append_only_update" in check.reason
    assert check.checked == 5


def test_rows_from_before_the_chain_are_counted_not_checked(tmp_path: Path) -> None:
    # Events written by versions before the audit log had no hash; the chain starts after them.
    store = SQLiteStore(tmp_path)
    raw = sqlite3.connect(store.path, isolation_level=None)
    raw.execute("INSERT INTO events (kind, payload) VALUES ('sync.completed', '{}')")
    raw.execute("INSERT INTO events (kind, payload) VALUES ('source.added', '{}')")
    raw.close()
    store.add_event("login.success", "anna", {})
    check = store.verify_audit_chain()
    assert check.ok, check.reason
    assert (check.unchained, check.checked) == (2, 1)
    store.close()


def test_writers_on_separate_connections_keep_one_chain(tmp_path: Path) -> None:
    # Two store objects on one file stand for two processes (web server and CLI sync):
    # only the database's write lock orders them.
    stores = [SQLiteStore(tmp_path), SQLiteStore(tmp_path)]
    start = threading.Barrier(2)

    def write(store: SQLiteStore, actor: str) -> None:
        start.wait()
        for i in range(200):
            store.add_event("question.asked", actor, {"n": i})

    threads = [
        threading.Thread(target=write, args=(s, a))
        for s, a in zip(stores, ("anna", "mia"), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check = stores[0].verify_audit_chain()
    assert check.ok, check.reason
    assert check.checked == 400
    for s in stores:
        s.close()
