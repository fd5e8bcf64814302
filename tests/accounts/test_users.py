"""First-run setup, users, roles and the password policy."""

from __future__ import annotations

import argon2
import pytest

from tests.accounts.conftest import PASSWORD
from wissenswerk.accounts import (
    Account,
    AccountPermissionError,
    AccountPolicyError,
    Accounts,
    UnknownAccountError,
    may,
)
from wissenswerk.store.sqlite.store import SQLiteStore


def test_first_admin_only_while_setup_is_needed(accounts: Accounts) -> None:
    assert accounts.needs_setup()

    admin = accounts.create_first_admin("chefin", PASSWORD)

    assert (admin.role, admin.has_password, admin.origin) == ("admin", True, "local")
    assert not accounts.needs_setup()
    with pytest.raises(AccountPermissionError) as refused:
        accounts.create_first_admin("eindringling", PASSWORD)
    assert refused.value.code == "setup_done"
    assert accounts.get("eindringling") is None


def test_first_admin_password_follows_the_policy(accounts: Accounts) -> None:
    with pytest.raises(AccountPolicyError) as short:
        accounts.create_first_admin("chefin", "kurz")
    assert short.value.code == "password_too_short"
    assert "at least 12 characters" in str(short.value)
    assert accounts.needs_setup()


def test_passwords_are_argon2id(accounts: Accounts, store: SQLiteStore, anna: Account) -> None:
    credentials = store.get_credentials("anna")

    assert credentials is not None and credentials.password_hash is not None
    assert credentials.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in credentials.password_hash
    assert anna.has_password and anna.groups == ("vertrieb",)


def test_an_old_hash_is_upgraded_at_login(
    accounts: Accounts, store: SQLiteStore, anna: Account
) -> None:
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    store.set_password_hash("anna", weak, 1.0)

    assert accounts.authenticate("anna", PASSWORD, None).outcome == "ok"

    credentials = store.get_credentials("anna")
    assert credentials is not None and credentials.password_hash != weak
    assert credentials.password_hash is not None
    assert credentials.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert accounts.authenticate("anna", PASSWORD, None).outcome == "ok"


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("elf-zeichen", "password_too_short"),
        ("x" * 1025, "password_too_long"),
        ("Bernhard-Maier", "password_same_as_name"),
    ],
)
def test_password_policy_codes(accounts: Accounts, password: str, code: str) -> None:
    accounts.create_user("bernhard-maier", None)
    with pytest.raises(AccountPolicyError) as refused:
        accounts.set_password("bernhard-maier", password)
    assert refused.value.code == code


def test_create_user_validates(accounts: Accounts, anna: Account) -> None:
    cases = [
        (lambda: accounts.create_user("anna", None), "user_exists"),
        (lambda: accounts.create_user("  ", None), "invalid_name"),
        (lambda: accounts.create_user("x\ty", None), "invalid_name"),
        (lambda: accounts.create_user("otto", None, role="root"), "unknown_role"),
        (lambda: accounts.create_user("otto", None, email="kein mail"), "invalid_email"),
    ]
    for call, code in cases:
        with pytest.raises(AccountPolicyError) as refused:
            call()
        assert refused.value.code == code
    assert accounts.get("otto") is None
    made = accounts.create_user(
        "otto", None, role="editor", display_name="Otto O.", email="otto@firma.de"
    )
    assert (made.role, made.display_name, made.email, made.has_password) == (
        "editor",
        "Otto O.",
        "otto@firma.de",
        False,
    )
    assert [a.name for a in accounts.list()] == ["anna", "otto"]


def test_roles_and_the_last_admin(accounts: Accounts, anna: Account) -> None:
    accounts.create_first_admin("chefin", PASSWORD)
    with pytest.raises(AccountPermissionError) as last:
        accounts.set_role("chefin", "member")
    assert last.value.code == "last_admin"
    with pytest.raises(AccountPermissionError):
        accounts.deactivate("chefin")

    accounts.set_role("anna", "admin")
    accounts.set_role("chefin", "editor")

    assert [(a.name, a.role) for a in accounts.list()] == [("anna", "admin"), ("chefin", "editor")]
    with pytest.raises(UnknownAccountError) as unknown:
        accounts.set_role("ghost", "member")
    assert unknown.value.code == "unknown_user"


def test_what_each_role_may_do() -> None:
    actions = ["admin.users", "admin.sources", "admin.settings", "admin.audit", "sync"]
    allowed = {role: {a for a in actions if may(role, a)} for role in ("admin", "editor", "member")}

    assert allowed == {
        "admin": set(actions),
        "editor": {"admin.sources", "sync"},
        "member": set(),
    }
    assert not may("root", "sync")
    with pytest.raises(ValueError, match="Unknown action"):
        may("admin", "admin.everything")
