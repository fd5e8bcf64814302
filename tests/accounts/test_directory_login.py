"""Directory accounts log in with their LDAP password (a bind against a real OpenLDAP) and
get their groups from the directory at every login."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.accounts.conftest import PASSWORD, Clock, account_settings
from tests.servers.openldap import PASSWORDS, OpenLdap, openldap
from wissenswerk.accounts import AccountPolicyError, Accounts
from wissenswerk.config.settings import DirectorySettings
from wissenswerk.directory.ldap import LdapDirectory
from wissenswerk.store.sqlite.store import SQLiteStore

__all__ = ["openldap"]  # session fixture, imported to be found by pytest


@pytest.fixture
def directory_accounts(openldap: OpenLdap, store: SQLiteStore, clock: Clock) -> Accounts:
    directory = LdapDirectory(
        DirectorySettings(
            url=openldap.url,
            kind="openldap",
            bind_dn=openldap.admin_dn,
            bind_password=SecretStr(openldap.admin_password),
            base_dn=openldap.base_dn,
        )
    )
    return Accounts(store, account_settings(), directory=directory, clock=clock)


def test_a_synced_directory_user_logs_in_and_gets_fresh_groups(
    directory_accounts: Accounts, store: SQLiteStore
) -> None:
    store.upsert_user("olaf", ["alte-gruppe"], origin="directory")  # an earlier directory sync

    result = directory_accounts.authenticate("olaf", PASSWORDS["olaf"], "10.0.0.1")

    assert result.outcome == "ok" and result.account is not None
    assert result.account.groups == ("innendienst", "mitarbeiter", "vertrieb")
    assert (result.account.origin, result.account.has_password) == ("directory", False)
    assert (result.account.display_name, result.account.email) == (
        "Olaf Beispiel",
        "olaf@firma.test",
    )
    assert directory_accounts.get("olaf") == result.account


def test_a_directory_user_not_synced_yet_is_created_at_login(
    directory_accounts: Accounts,
) -> None:
    result = directory_accounts.authenticate("paula", PASSWORDS["paula"], None)

    assert result.outcome == "ok" and result.account is not None
    assert (result.account.role, result.account.groups) == ("member", ("kreis-a", "kreis-b"))


def test_a_cli_imported_user_logs_in_with_the_directory_password(
    directory_accounts: Accounts, store: SQLiteStore
) -> None:
    store.upsert_user("quirin", ["aus-csv"])  # `users import`: local, no password
    store.set_role("quirin", "editor")

    result = directory_accounts.authenticate("quirin", PASSWORDS["quirin"], None)

    assert result.outcome == "ok" and result.account is not None
    assert (result.account.role, result.account.groups) == ("editor", ("technik",))


def test_wrong_directory_password_and_unknown_names_are_invalid(
    directory_accounts: Accounts, store: SQLiteStore
) -> None:
    store.upsert_user("olaf", ["vertrieb"], origin="directory")

    for name, password in [
        ("olaf", "Falsches-Passwort"),
        ("olaf", ""),  # an empty password would be an anonymous bind
        ("olaf", PASSWORDS["paula"]),
        ("niemand", "Niemand-Passwort"),
    ]:
        assert directory_accounts.authenticate(name, password, None).outcome == "invalid"
    assert directory_accounts.get("niemand") is None
    assert directory_accounts.get("olaf") is not None


def test_directory_passwords_are_not_set_here(directory_accounts: Accounts) -> None:
    directory_accounts.authenticate("olaf", PASSWORDS["olaf"], None)

    with pytest.raises(AccountPolicyError) as refused:
        directory_accounts.set_password("olaf", PASSWORD)
    assert refused.value.code == "directory_account"


def test_local_passwords_win_over_the_directory(directory_accounts: Accounts) -> None:
    directory_accounts.create_user("olaf", PASSWORD)  # a local account of the same name

    assert directory_accounts.authenticate("olaf", PASSWORDS["olaf"], None).outcome == "invalid"
    assert directory_accounts.authenticate("olaf", PASSWORD, None).outcome == "ok"


def test_a_user_deactivated_here_stays_deactivated(directory_accounts: Accounts) -> None:
    directory_accounts.authenticate("olaf", PASSWORDS["olaf"], None)
    directory_accounts.deactivate("olaf")

    assert directory_accounts.authenticate("olaf", PASSWORDS["olaf"], None).outcome == "inactive"
    account = directory_accounts.get("olaf")
    assert account is not None and not account.active
