"""The AuditLog facade: recording with details, redaction, the emit seam, verification."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wissenswerk.audit import AuditFilter, AuditLog, Kind, Outcome
from wissenswerk.audit.log import REDACTED
from wissenswerk.store.sqlite.store import SQLiteStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path)
    yield s
    s.close()


def test_record_stores_kind_actor_object_outcome_ip_and_details(store: SQLiteStore) -> None:
    audit = AuditLog(store)
    event_id = audit.record(
        Kind.CITATION_OPENED,
        "anna",
        object="share:Technik/Wartung.md",
        outcome=Outcome.SUCCESS,
        ip="10.0.0.7",
        page=2,
        citation=1,
    )
    (record,) = audit.events()
    assert record.id == event_id
    assert (record.kind, record.actor, record.object) == (
        "citation.opened",
        "anna",
        "share:Technik/Wartung.md",
    )
    assert (record.outcome, record.ip) == ("success", "10.0.0.7")
    assert record.payload == {"page": 2, "citation": 1}
    # Stored as plain text, so filters written as strings find it.
    assert audit.count(AuditFilter(kind="citation.opened", outcome="success")) == 1


def test_details_may_be_named_like_the_positional_arguments(store: SQLiteStore) -> None:
    audit = AuditLog(store)
    audit.record(Kind.ADMIN_ROLE_CHANGED, "chef", object="user:anna", kind="editor", actor="x")
    (record,) = audit.events()
    assert record.kind == "admin.role.changed"
    assert record.actor == "chef"
    assert record.payload == {"kind": "editor", "actor": "x"}


def test_secrets_never_reach_the_log(store: SQLiteStore) -> None:
    audit = AuditLog(store)
    audit.record(
        Kind.LOGIN_FAILURE, "anna", outcome=Outcome.FAILURE, password="geheim", Totp_Code="123456"
    )
    (record,) = audit.events()
    assert record.payload == {"password": REDACTED, "Totp_Code": REDACTED}
    assert store.count_audit_events(AuditFilter(text="geheim")) == 0


def test_record_refuses_an_empty_kind(store: SQLiteStore) -> None:
    with pytest.raises(ValueError, match="needs a kind"):
        AuditLog(store).record("", "anna")
    assert store.count_audit_events() == 0


def test_records_go_through_the_given_emit(store: SQLiteStore) -> None:
    # The app passes Wissenswerk.emit, which writes and then tells the plugins.
    heard: list[tuple[str, str | None, dict[str, object], str | None]] = []

    def emit(
        kind: str,
        actor: str | None,
        payload: dict[str, object],
        *,
        object: str | None = None,
        outcome: str | None = None,
        ip: str | None = None,
    ) -> int:
        event_id = store.add_event(kind, actor, payload, object=object, outcome=outcome, ip=ip)
        heard.append((kind, actor, payload, object))
        return event_id

    audit = AuditLog(store, emit=emit)
    audit.record(Kind.DOCUMENT_DOWNLOADED, "anna", object="share:a.pdf", size=10)
    assert heard == [("document.downloaded", "anna", {"size": 10}, "share:a.pdf")]
    assert audit.count() == 1


def test_export_is_recorded_before_the_first_line(store: SQLiteStore) -> None:
    audit = AuditLog(store)
    audit.record(Kind.LOGIN_SUCCESS, "anna", outcome=Outcome.SUCCESS)
    lines = audit.export_csv(AuditFilter(kind="login."), actor="chef", ip="10.0.0.1")
    (exported,) = audit.events(AuditFilter(kind=Kind.AUDIT_EXPORTED))
    assert (exported.actor, exported.ip) == ("chef", "10.0.0.1")
    assert exported.payload == {"filter": {"kind": "login."}}
    assert len(list(lines)) == 2  # header and the one login


def test_export_with_a_bad_delimiter_fails_before_recording(store: SQLiteStore) -> None:
    with pytest.raises(ValueError, match="delimiter"):
        AuditLog(store).export_csv(actor="chef", delimiter=";;")
    assert store.count_audit_events() == 0


def test_verify_reports_an_intact_chain(store: SQLiteStore) -> None:
    audit = AuditLog(store)
    for kind in (Kind.LOGIN_SUCCESS, Kind.QUESTION_ASKED, Kind.ANSWER_GIVEN, Kind.LOGOUT):
        audit.record(kind, "anna")
    check = audit.verify()
    assert check.ok
    assert check.checked == 4
