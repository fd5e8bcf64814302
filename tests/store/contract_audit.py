"""Contract tests for the audit part of the store; every backend must pass them."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from wissenswerk.store.audit import GENESIS, AuditFilter, AuditRecord, record_hash
from wissenswerk.store.base import Store


def kinds(records: list[AuditRecord]) -> list[str]:
    return [r.kind for r in records]


class AuditContract:
    """Mixed into each backend's test class, which provides the `store` fixture."""

    def test_add_event_keeps_the_positional_call_style_and_returns_ids(self, store: Store) -> None:
        first = store.add_event("sync.completed", None, {"source": "share", "added": 3})
        second = store.add_event(
            "question.asked", "anna", {"question": "Wie hoch ist die Pauschale?"}
        )
        assert second > first
        assert store.count_audit_events() == 2

    def test_a_record_reads_back_with_every_field(self, store: Store) -> None:
        before = datetime.now(UTC) - timedelta(seconds=1)
        event_id = store.add_event(
            "document.downloaded",
            "anna",
            {"größe": 1200, "pfad": "Technik/Wartung.md", "when": before},
            object="share:Technik/Wartung.md",
            outcome="success",
            ip="127.0.0.1",
        )
        (record,) = store.audit_events()
        assert record.id == event_id
        assert record.kind == "document.downloaded"
        assert record.actor == "anna"
        assert record.object == "share:Technik/Wartung.md"
        assert (record.outcome, record.ip) == ("success", "127.0.0.1")
        # Values JSON cannot hold are stored as their text; umlauts stay umlauts.
        assert record.payload == {
            "größe": 1200,
            "pfad": "Technik/Wartung.md",
            "when": str(before),
        }
        assert record.at.tzinfo is not None
        assert before <= record.at <= datetime.now(UTC) + timedelta(seconds=1)
        assert record.prev_hash == GENESIS
        assert record.hash == record_hash(GENESIS, record)

    def test_records_link_into_a_chain_that_verifies(self, store: Store) -> None:
        assert store.verify_audit_chain().ok  # an empty log is a valid chain
        for i in range(5):
            store.add_event("search.performed", "anna", {"query": f"frage {i}"})
        oldest_first = list(store.iter_audit_events())
        for before, after in pairwise(oldest_first):
            assert after.prev_hash == before.hash
        check = store.verify_audit_chain()
        assert check.ok, check.reason
        assert (check.checked, check.first_bad_id, check.unchained) == (5, None, 0)
        assert check.head == oldest_first[-1].hash

    def test_filter_by_actor_kind_prefix_and_outcome(self, store: Store) -> None:
        store.add_event("login.success", "anna", {}, outcome="success")
        store.add_event("login.failure", "mia", {}, outcome="failure")
        store.add_event("login.locked", "mia", {}, outcome="denied")
        store.add_event("logout", "anna", {})
        store.add_event("admin.user.created", "chef", {}, object="user:anna")
        store.add_event("audit.exported", "chef", {})

        assert kinds(store.audit_events(AuditFilter(actor="mia"))) == [
            "login.locked",
            "login.failure",
        ]
        assert set(kinds(store.audit_events(AuditFilter(kind="login.")))) == {
            "login.success",
            "login.failure",
            "login.locked",
        }
        assert kinds(store.audit_events(AuditFilter(kind="login.success"))) == ["login.success"]
        assert kinds(store.audit_events(AuditFilter(kind="admin."))) == ["admin.user.created"]
        assert kinds(store.audit_events(AuditFilter(kind="logout"))) == ["logout"]
        assert kinds(store.audit_events(AuditFilter(outcome="failure"))) == ["login.failure"]
        both = AuditFilter(actor="mia", kind="login.", outcome="denied")
        assert kinds(store.audit_events(both)) == ["login.locked"]
        assert store.count_audit_events(AuditFilter(kind="login.")) == 3
        assert store.count_audit_events(AuditFilter(actor="niemand")) == 0

    def test_filter_by_object_and_text_matches_substrings_literally(self, store: Store) -> None:
        store.add_event(
            "citation.opened",
            "anna",
            {"q": "Kilometerpauschale 100%"},
            object="share:Allgemein/Reise.md",
        )
        store.add_event(
            "citation.opened", "anna", {"q": "Öl wechseln"}, object="share:Technik/Wartung.md"
        )
        store.add_event(
            "permission.denied", "mia", {"q": "Strategie"}, object="share:GF/Strategie_1.md"
        )

        assert kinds(store.audit_events(AuditFilter(object="technik/"))) == ["citation.opened"]
        assert store.count_audit_events(AuditFilter(object="share:")) == 3
        assert store.count_audit_events(AuditFilter(text="pauschale")) == 1
        assert store.count_audit_events(AuditFilter(text="Öl")) == 1
        # LIKE wildcards in the search text are plain characters.
        assert store.count_audit_events(AuditFilter(text="100%")) == 1
        assert store.count_audit_events(AuditFilter(text="%")) == 1
        assert store.count_audit_events(AuditFilter(object="e_1")) == 1
        assert store.count_audit_events(AuditFilter(object="_")) == 1

    def test_filter_by_time_range(self, store: Store) -> None:
        ids = []
        for i in range(3):
            ids.append(store.add_event("question.asked", "anna", {"n": i}))
            time.sleep(0.005)  # times have millisecond precision
        first, second, third = sorted(store.iter_audit_events(), key=lambda r: r.id)
        assert first.at < second.at < third.at

        since_second = AuditFilter(since=second.at)
        assert [r.id for r in store.audit_events(since_second)] == [ids[2], ids[1]]
        assert [r.id for r in store.audit_events(AuditFilter(until=second.at))] == [ids[0]]
        window = AuditFilter(since=second.at, until=third.at)
        assert [r.id for r in store.audit_events(window)] == [ids[1]]
        # Any time zone works; the store compares in UTC.
        berlin = second.at.astimezone(datetime.now().astimezone().tzinfo)
        assert store.count_audit_events(AuditFilter(since=berlin)) == 2
        future = AuditFilter(since=datetime.now(UTC) + timedelta(hours=1))
        assert store.count_audit_events(future) == 0

    def test_filter_rejects_times_without_a_time_zone(self, store: Store) -> None:
        with pytest.raises(ValueError, match="time zone"):
            AuditFilter(since=datetime(2025, 1, 1))
        with pytest.raises(ValueError, match="must not be after"):
            AuditFilter(
                since=datetime(2025, 2, 1, tzinfo=UTC), until=datetime(2025, 1, 1, tzinfo=UTC)
            )

    def test_pages_are_newest_first_without_gaps_or_overlaps(self, store: Store) -> None:
        ids = [store.add_event("search.performed", "anna", {"n": i}) for i in range(25)]
        pages = [store.audit_events(limit=10, offset=o) for o in (0, 10, 20, 30)]
        assert [len(p) for p in pages] == [10, 10, 5, 0]
        seen = [r.id for page in pages for r in page]
        assert seen == sorted(ids, reverse=True)
        filtered = store.audit_events(AuditFilter(actor="anna"), limit=3, offset=22)
        assert [r.id for r in filtered] == sorted(ids, reverse=True)[22:]
        with pytest.raises(ValueError, match="limit"):
            store.audit_events(limit=0)
        with pytest.raises(ValueError, match="offset"):
            store.audit_events(offset=-1)

    def test_iteration_is_oldest_first_across_batches_and_filtered(self, store: Store) -> None:
        for i in range(12):
            store.add_event("login.success" if i % 3 else "logout", "anna", {"n": i})
        assert [r.payload["n"] for r in store.iter_audit_events(batch_size=5)] == list(range(12))
        logins = list(store.iter_audit_events(AuditFilter(kind="login."), batch_size=3))
        assert [r.payload["n"] for r in logins] == [i for i in range(12) if i % 3]

    def test_two_threads_writing_at_once_keep_one_valid_chain(self, store: Store) -> None:
        start = threading.Barrier(2)

        def write(actor: str) -> None:
            start.wait()
            for i in range(200):
                store.add_event("question.asked", actor, {"n": i})

        threads = [threading.Thread(target=write, args=(name,)) for name in ("anna", "mia")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check = store.verify_audit_chain()
        assert check.ok, check.reason
        assert check.checked == 400
        assert store.count_audit_events(AuditFilter(actor="mia")) == 200
        actors = [r.actor for r in store.iter_audit_events()]
        switches = sum(a != b for a, b in pairwise(actors))
        assert switches > 1, "the threads did not overlap; the test proved nothing"
