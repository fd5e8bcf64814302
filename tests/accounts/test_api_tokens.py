"""Per-user API tokens: scoped by role, hashed, revocable, expiring."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.accounts.conftest import Clock
from wissenswerk.accounts import (
    SCOPES,
    Account,
    AccountPermissionError,
    AccountPolicyError,
    Accounts,
    UnknownTokenError,
)
from wissenswerk.store.sqlite.store import SQLiteStore


def test_a_token_round_trip(
    accounts: Accounts, store: SQLiteStore, clock: Clock, anna: Account
) -> None:
    plaintext, token = accounts.create_api_token("anna", " Intranet-Suche ", ["search", "ask"])

    assert re.fullmatch(r"ww_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", plaintext)
    assert plaintext.startswith(token.prefix + "_")
    assert (token.user, token.label, token.scopes) == (
        "anna",
        "Intranet-Suche",
        frozenset({"search", "ask"}),
    )
    assert store.find_api_token(hashlib.sha256(plaintext.encode()).hexdigest()) == token
    assert store.find_api_token(plaintext) is None

    clock.advance(5)
    assert accounts.verify_api_token(plaintext) == (anna, frozenset({"search", "ask"}))
    used = accounts.list_api_tokens("anna")[0]
    assert used.last_used_at == clock.now
    assert accounts.verify_api_token(plaintext[:-1] + "x") is None
    assert accounts.verify_api_token("Bearer nonsense") is None


def test_scopes_follow_the_role(accounts: Accounts, anna: Account) -> None:
    with pytest.raises(AccountPermissionError) as refused:
        accounts.create_api_token("anna", "Verwaltung", ["search", "users"])
    assert refused.value.code == "scope_not_allowed"
    with pytest.raises(AccountPermissionError):
        accounts.create_api_token("anna", "Sync", ["sync"])
    accounts.create_user("eddi", None, role="editor")
    _, editor = accounts.create_api_token("eddi", "Sync", ["sources", "sync"])
    assert editor.scopes == {"sources", "sync"}
    with pytest.raises(AccountPermissionError):
        accounts.create_api_token("eddi", "Verwaltung", ["users"])
    accounts.create_user("ada", None, role="admin")
    _, admin = accounts.create_api_token("ada", "Alles", SCOPES)
    assert admin.scopes == frozenset(SCOPES)


def test_a_downgraded_role_loses_the_scopes(accounts: Accounts) -> None:
    accounts.create_user("ada", None, role="admin")
    plaintext, _ = accounts.create_api_token("ada", "Alles", ["users", "search"])

    accounts.set_role("ada", "member")

    verified = accounts.verify_api_token(plaintext)
    assert verified is not None and verified[1] == {"search"}


@pytest.mark.parametrize(
    ("label", "scopes", "code"),
    [
        ("", ["search"], "label_required"),
        ("x" * 101, ["search"], "label_too_long"),
        ("Skript", [], "no_scopes"),
        ("Skript", ["search", "everything"], "unknown_scope"),
    ],
)
def test_token_input_is_checked(
    accounts: Accounts, anna: Account, label: str, scopes: list[str], code: str
) -> None:
    with pytest.raises(AccountPolicyError) as refused:
        accounts.create_api_token("anna", label, scopes)
    assert refused.value.code == code
    assert accounts.list_api_tokens() == []


def test_expired_tokens_are_refused(accounts: Accounts, clock: Clock, anna: Account) -> None:
    plaintext, _ = accounts.create_api_token("anna", "Test", ["ask"], expires_at=clock.now + 60)

    assert accounts.verify_api_token(plaintext) is not None
    clock.advance(60)
    assert accounts.verify_api_token(plaintext) is None
    with pytest.raises(AccountPolicyError) as past:
        accounts.create_api_token("anna", "Test", ["ask"], expires_at=clock.now)
    assert past.value.code == "expiry_in_past"


def test_revocation_by_owner_or_admin_only(accounts: Accounts, anna: Account) -> None:
    accounts.create_user("bert", None)
    accounts.create_user("ada", None, role="admin")
    first, token = accounts.create_api_token("anna", "Eins", ["search"])
    second, other = accounts.create_api_token("anna", "Zwei", ["search"])

    with pytest.raises(AccountPermissionError) as refused:
        accounts.revoke_api_token(token.id, by="bert")
    assert refused.value.code == "not_token_owner"
    accounts.revoke_api_token(token.id, by="anna")
    accounts.revoke_api_token(other.id, by="ada")

    assert accounts.verify_api_token(first) is None
    assert accounts.verify_api_token(second) is None
    assert [t.revoked_at is not None for t in accounts.list_api_tokens()] == [True, True]
    with pytest.raises(UnknownTokenError):
        accounts.revoke_api_token(9999, by="ada")


def test_listing_per_user(accounts: Accounts, anna: Account) -> None:
    accounts.create_user("bert", None)
    accounts.create_api_token("anna", "A", ["search"])
    accounts.create_api_token("bert", "B", ["search"])

    assert [t.label for t in accounts.list_api_tokens("anna")] == ["A"]
    assert [t.label for t in accounts.list_api_tokens()] == ["B", "A"]
