"""Server-side sessions: hashed tokens, idle and absolute expiry, fixation-safe upgrade."""

from __future__ import annotations

import hashlib

import pytest

from tests.accounts.conftest import PASSWORD, Clock
from wissenswerk.accounts import Account, AccountPermissionError, Accounts
from wissenswerk.store.sqlite.store import SQLiteStore


def test_a_session_stores_only_the_token_hash(
    accounts: Accounts, store: SQLiteStore, clock: Clock, anna: Account
) -> None:
    token, session = accounts.create_session("anna", False, "10.0.0.1", "Firefox")

    assert len(token) >= 43  # 32 random bytes, urlsafe base64
    assert session.id_hash == hashlib.sha256(token.encode()).hexdigest()
    assert store.get_session(token) is None and store.get_session(session.id_hash) == session
    assert (session.user, session.mfa_passed, session.ip, session.user_agent) == (
        "anna",
        False,
        "10.0.0.1",
        "Firefox",
    )
    assert session.expires_at == clock.now + 12 * 3600
    assert len(session.csrf_token) >= 43 and session.csrf_token != token
    assert accounts.get_session(token) == session
    assert accounts.get_session("erfunden") is None and accounts.get_session("") is None
    other, _ = accounts.create_session("anna", False, None, None)
    assert other != token


def test_idle_expiry_slides_with_use(accounts: Accounts, clock: Clock, anna: Account) -> None:
    token, _ = accounts.create_session("anna", True, None, None)

    clock.advance(50 * 60)
    assert accounts.get_session(token) is not None  # used: the idle clock restarts
    clock.advance(50 * 60)
    assert accounts.get_session(token) is not None
    clock.advance(60 * 60)
    assert accounts.get_session(token) is None
    clock.advance(-60 * 60)
    assert accounts.get_session(token) is None  # deleted, not just hidden


def test_absolute_expiry(accounts: Accounts, clock: Clock, anna: Account) -> None:
    token, _ = accounts.create_session("anna", True, None, None)

    for _ in range(12 * 2 - 1):  # active every 30 minutes
        clock.advance(30 * 60)
        assert accounts.get_session(token) is not None
    clock.advance(30 * 60)
    assert accounts.get_session(token) is None


def test_upgrade_issues_a_new_token_and_ends_the_old(
    accounts: Accounts, clock: Clock, anna: Account
) -> None:
    old, before = accounts.create_session("anna", False, "10.0.0.1", "Firefox")
    clock.advance(60)

    new, after = accounts.upgrade_session(old)

    assert new != old and after.id_hash != before.id_hash
    assert after.mfa_passed and after.csrf_token != before.csrf_token
    assert (after.user, after.ip, after.expires_at) == ("anna", "10.0.0.1", before.expires_at)
    assert accounts.get_session(old) is None
    assert accounts.get_session(new) == after
    with pytest.raises(AccountPermissionError) as again:
        accounts.upgrade_session(old)  # a planted token cannot be upgraded twice
    assert again.value.code == "session_expired"


def test_end_session_and_all_sessions(accounts: Accounts, anna: Account) -> None:
    first, _ = accounts.create_session("anna", True, None, None)
    second, _ = accounts.create_session("anna", True, None, None)
    third, _ = accounts.create_session("anna", True, None, None)

    accounts.end_session(first)
    assert accounts.get_session(first) is None and accounts.get_session(second) is not None
    accounts.end_all_sessions("anna")
    assert accounts.get_session(second) is None and accounts.get_session(third) is None


def test_a_new_password_ends_the_other_sessions(accounts: Accounts, anna: Account) -> None:
    mine, _ = accounts.create_session("anna", True, None, None)
    stolen, _ = accounts.create_session("anna", True, None, None)

    accounts.set_password("anna", "Neues-Passwort-2025", keep_session=mine)

    assert accounts.get_session(mine) is not None and accounts.get_session(stolen) is None
    assert accounts.authenticate("anna", PASSWORD, None).outcome == "invalid"
    assert accounts.authenticate("anna", "Neues-Passwort-2025", None).outcome == "ok"


def test_deactivation_ends_sessions_and_refuses_new_ones(accounts: Accounts, anna: Account) -> None:
    token, _ = accounts.create_session("anna", True, None, None)
    api_token, _ = accounts.create_api_token("anna", "Skript", ["search"])

    accounts.deactivate("anna")

    assert accounts.get_session(token) is None
    assert accounts.verify_api_token(api_token) is None
    assert all(t.revoked_at is not None for t in accounts.list_api_tokens("anna"))
    with pytest.raises(AccountPermissionError) as refused:
        accounts.create_session("anna", True, None, None)
    assert refused.value.code == "inactive"
    # Reactivation does not bring the revoked token back.
    accounts.activate("anna")
    assert accounts.verify_api_token(api_token) is None


def test_a_user_deactivated_elsewhere_loses_the_session(
    accounts: Accounts, store: SQLiteStore, anna: Account
) -> None:
    token, _ = accounts.create_session("anna", True, None, None)
    store.deactivate_users("local", keep=[])  # e.g. a CSV import without anna
    store.activate_account("anna")
    assert accounts.get_session(token) is not None  # deactivate_users keeps sessions...
    store.deactivate_users("local", keep=[])

    assert accounts.get_session(token) is None  # ...but they stop working


def test_old_sessions_and_attempts_are_cleaned_up(
    accounts: Accounts, store: SQLiteStore, clock: Clock, anna: Account
) -> None:
    _, old = accounts.create_session("anna", True, None, None)
    accounts.authenticate("anna", "falsch-falsch", None)
    clock.advance(91 * 86400)

    accounts.create_session("anna", True, None, None)

    assert store.get_session(old.id_hash) is None
    assert store.login_attempts(0) == []
